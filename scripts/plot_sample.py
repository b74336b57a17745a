#!/usr/bin/env python3
"""Draw the sample data as a PNG, to look at it: the district, the lakes, the invented streets
(roads.geojson, by highway class; bridges in red, lanes thin), villages and communities and the
nursing rooms. Usage: python3 scripts/plot_sample.py [DATA_DIR] [OUT.png] [minlon,minlat,maxlon,maxlat]
Needs matplotlib (a venv: python3 -m venv .venv && .venv/bin/pip install matplotlib).
"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = sys.argv[1] if len(sys.argv) > 1 else "data/geojson"
out = sys.argv[2] if len(sys.argv) > 2 else "sample.png"
box = [float(x) for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else None


def load(name):
    with open(f"{data}/{name}", encoding="utf-8") as f:
        return json.load(f)["features"]


def rings(geometry):
    t, c = geometry["type"], geometry["coordinates"]
    polys = [c] if t == "Polygon" else c
    for p in polys:
        yield from p


fig, ax = plt.subplots(figsize=(16, 8) if box is None else (11, 11), dpi=120)
for f in load("water.geojson"):
    for r in rings(f["geometry"]):
        ax.fill([p[0] for p in r], [p[1] for p in r], color="#a8cbe8", zorder=1)
for f in load("district.geojson"):
    for r in rings(f["geometry"]):
        ax.plot([p[0] for p in r], [p[1] for p in r], color="black", lw=1.2, zorder=5)
style = {
    "secondary": ("#444", 1.1),
    "tertiary": ("#777", 0.7),
    "residential": ("#999", 0.45),
    "service": ("#2e7d32", 0.5),
}
for f in load("roads.geojson"):
    p = f["properties"]
    xs = [c[0] for c in f["geometry"]["coordinates"]]
    ys = [c[1] for c in f["geometry"]["coordinates"]]
    colour, width = style.get(p["highway"], ("#999", 0.5))
    if p.get("bridge") == "yes":
        colour, width = "#d32f2f", 2.2
    ax.plot(xs, ys, color=colour, lw=width, zorder=3 if p.get("bridge") else 2)
    if p.get("bridge") == "yes":
        ax.annotate(p["name_en"], (xs[len(xs) // 2], ys[len(ys) // 2]), color="#d32f2f",
                    fontsize=8, zorder=6, xytext=(4, 4), textcoords="offset points")
demand = load("demand.geojson")
ax.scatter([f["geometry"]["coordinates"][0] for f in demand],
           [f["geometry"]["coordinates"][1] for f in demand],
           s=[f["properties"]["population"] / 400 for f in demand],
           c=["#e65100" if "社区" in f["properties"]["unit_type"] else "#558b2f" for f in demand],
           zorder=4, label="villages (green) and communities (orange)")
rooms = load("nursing_rooms.geojson")
ax.scatter([f["geometry"]["coordinates"][0] for f in rooms],
           [f["geometry"]["coordinates"][1] for f in rooms],
           s=14, c="#c2185b", marker="x", zorder=4, label="nursing rooms")
if box is None:  # the district, with a margin
    xs = [p[0] for f in load("district.geojson") for r in rings(f["geometry"]) for p in r]
    ys = [p[1] for f in load("district.geojson") for r in rings(f["geometry"]) for p in r]
    box = [min(xs) - 0.01, min(ys) - 0.01, max(xs) + 0.01, max(ys) + 0.01]
ax.set_xlim(box[0], box[2])
ax.set_ylim(box[1], box[3])
ax.set_aspect(1 / math.cos(math.radians(31.45)))
ax.legend(loc="lower right")
ax.set_title("nestmap sample: invented streets (synthetic), real district outline and lakes")
plt.savefig(out, bbox_inches="tight")
print(out)
