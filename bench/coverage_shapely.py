"""P4: the coverage of examples/coverage_grid.rs recomputed with shapely's STRtree on the
same cell centres and facilities (best of 5 runs), projected to EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger
CM 120E, metres; Xiangcheng lies 0.4-0.7 degrees from the central meridian, scale error
< 1e-4). Prints one JSON line: cells, covered, mismatches against ours, times.

python bench/coverage_shapely.py target/bench/grid100
"""
import json
import sys
import time

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.ops import transform

REPEAT = 5


def main(d):
    cells = np.loadtxt(f"{d}/cells.tsv", delimiter="\t")
    lon, lat, ours = cells[:, 0], cells[:, 1], cells[:, 2].astype(bool)
    tr = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    facs = [json.loads(line) for line in open(f"{d}/facilities.jsonl")]
    t0 = time.perf_counter()
    x, y = tr.transform(lon, lat)
    pts = shapely.points(x, y)
    geoms = [transform(tr.transform, shape(f["geometry"])) for f in facs]
    t1 = time.perf_counter()
    radii = sorted({f["radius_m"] for f in facs})
    groups = [[g for g, f in zip(geoms, facs) if f["radius_m"] == r] for r in radii]

    # The computation: one STRtree over the cell centres, each facility asks which centres
    # lie within its radius (grouped by radius, one vectorised query per group).
    def by_cells():
        tree = shapely.STRtree(pts)
        covered = np.zeros(len(pts), dtype=bool)
        for r, group in zip(radii, groups):
            idx = tree.query(group, predicate="dwithin", distance=r)
            covered[idx[1]] = True
        return covered

    # The other way round (as a GIS analyst would write it): STRtree over the facilities,
    # every cell centre asks for any facility within distance (per radius group).
    def by_facilities():
        covered = np.zeros(len(pts), dtype=bool)
        for r, group in zip(radii, groups):
            ftree = shapely.STRtree(group)
            idx = ftree.query(pts, predicate="dwithin", distance=r)
            covered[idx[0]] = True
        return covered

    def best_of(f):
        # The best of REPEAT runs, as ours is the best of its --repeat runs.
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - t)
        return out, min(times)

    covered, t_cells = best_of(by_cells)
    covered2, t_facilities = best_of(by_facilities)
    assert (covered == covered2).all()
    mism = np.nonzero(covered != ours)[0]
    out = {
        "cells": int(len(pts)),
        "covered": int(covered.sum()),
        "ours_covered": int(ours.sum()),
        "mismatches": int(len(mism)),
        "project_ms": (t1 - t0) * 1e3,
        "strtree_cells_ms": t_cells * 1e3,
        "strtree_facilities_ms": t_facilities * 1e3,
        "shapely_ms": min(t_cells, t_facilities) * 1e3,
        "repeat": REPEAT,
    }
    if len(mism):
        # How far from the radius the disagreeing cells lie (projection vs geodesic).
        worst = 0.0
        for i in mism[:200]:
            for g, f in zip(geoms, facs):
                dd = abs(g.distance(pts[i]) - f["radius_m"])
                if g.distance(pts[i]) <= f["radius_m"] + 5:
                    worst = max(worst, dd)
        out["mismatch_max_m_from_radius"] = worst
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
