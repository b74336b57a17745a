#!/usr/bin/env python3
"""A synthetic OSM extract for the import benchmark, as OPL on stdout (osmium cat turns it
into PBF). Deterministic: the same G and seed give the same bytes.

A G x G grid of street nodes 0.0005 degrees apart (about 50 m) around Xiangcheng; every row
and column is a street, cut into ways of 20 nodes; a street class and access tags from a
seeded mix (residential, service, footway, steps, primary, motorway, some access=private);
every other block holds a building of four untagged nodes (like real data, where most ways
and nodes are not streets). Names are plainly samples: 示例路 N. Nothing here is a real place.

    python3 bench/osm_gen.py G > synthetic.opl
"""
import random
import sys

G = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
rng = random.Random(320507)
LON0, LAT0, STEP = 120.30, 31.20, 0.0005
out = sys.stdout
w = out.write


def esc(s):
    return (s.replace("%", "%25%").replace(" ", "%20%").replace(",", "%2c%")
            .replace("=", "%3d%").replace("@", "%40%"))


def nid(r, c):
    return r * G + c + 1


def meta():
    # Like a real extract's metadata: versions, changesets, times and users vary.
    u = rng.randrange(1, 5000)
    return (f"v{rng.randrange(1, 9)} dV c{rng.randrange(1, 10**8)} "
            f"t20{rng.randrange(10, 26)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}T0{rng.randrange(0, 10)}:00:00Z "
            f"i{u} usample{u}")


def j():
    return rng.uniform(-0.00012, 0.00012)


# Street nodes (a few tagged as crossings), jittered as surveyed positions are.
for r in range(G):
    lat = LAT0 + r * STEP
    for c in range(G):
        tags = " Thighway=crossing" if (r * G + c) % 97 == 0 else " T"
        w(f"n{nid(r, c)} {meta()}{tags} x{LON0 + c * STEP + j():.7f} y{lat + j():.7f}\n")
# Building nodes: four per building, in every other block.
bnode = G * G + 1
buildings = []
for r in range(G - 1):
    for c in range(G - 1):
        if (r + c) % 2:
            continue
        x0, y0 = LON0 + c * STEP + 0.0001, LAT0 + r * STEP + 0.0001
        ids = []
        for dx, dy in ((0, 0), (0.0003, 0), (0.0003, 0.0003), (0, 0.0003)):
            w(f"n{bnode} {meta()} T x{x0 + dx + j() / 4:.7f} y{y0 + dy + j() / 4:.7f}\n")
            ids.append(bnode)
            bnode += 1
        buildings.append(ids)

CLASSES = ["residential"] * 10 + ["service"] * 4 + ["footway"] * 4 + ["unclassified"] * 2 + \
    ["primary", "secondary", "tertiary", "steps", "cycleway", "track", "motorway"]
way = 1
street = 1
for horizontal in (True, False):
    for line in range(G):
        cls = rng.choice(CLASSES)
        extra = ",access=private" if rng.random() < 0.03 else ""
        name = esc(f"示例路 {street}")
        street += 1
        for start in range(0, G - 1, 19):
            end = min(start + 19, G - 1)
            refs = ",".join(f"n{nid(line, c) if horizontal else nid(c, line)}"
                            for c in range(start, end + 1))
            w(f"w{way} {meta()} Thighway={cls},name={name}{extra} N{refs}\n")
            way += 1
for ids in buildings:
    refs = ",".join(f"n{i}" for i in ids + [ids[0]])
    w(f"w{way} {meta()} Tbuilding=yes N{refs}\n")
    way += 1
