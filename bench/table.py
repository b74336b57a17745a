"""Print the benchmark table (markdown) from the JSON files bench/run.sh left in OUT.

python3 bench/table.py target/bench CONN DURATION N
"""
import datetime
import json
import os
import subprocess
import sys

out, conn, duration, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path):
    try:
        with open(os.path.join(out, path)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def crit(name):
    """Criterion's mean in microseconds, or None."""
    try:
        with open(os.path.join(root, "target/criterion", name, "new/estimates.json")) as f:
            return json.load(f)["mean"]["point_estimate"] / 1e3
    except (OSError, ValueError, KeyError):
        return None


def fmt(x, unit="", digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}{unit}"


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "**missed**")


rows = []
h, nr = load("p1_healthz.json"), load("p1_nearest.json")
if h and nr:
    r = nr["rps"] / h["rps"]
    rows.append(("P1", f"/api/nearest k=5 vs /healthz, wrk -t2 -c{conn} {duration}s",
                 f"{fmt(nr['rps'], ' req/s', 0)} (p99 {nr['p99_us'] / 1e3:.2f} ms)",
                 f"/healthz {fmt(h['rps'], ' req/s', 0)} (p99 {h['p99_us'] / 1e3:.2f} ms)",
                 f"{r:.2f}", ">= 0.8", verdict(r >= 0.8)))
p2 = crit("nearest_k5_1M_points")
rows.append(("P2", "k=5 nearest, 1M points, in process (criterion)", fmt(p2, " µs", 2), "",
             "", "<= 2 µs", verdict(None if p2 is None else p2 <= 2.0)))
q = crit("query_nearest_k5_1M_points")
if q is not None:
    rows.append(("P2b", "query::nearest k=5 (filters, hits), 1M points", fmt(q, " µs", 2), "", "", "", ""))
m = crit("nearest_k5_1M_mixed_10pct_polygons")
if m is not None:
    rows.append(("P2c", "k=5 nearest, 1M mixed (10 % polygons)", fmt(m, " µs", 2), "", "", "", ""))
pg = load("p3_postgis.json")
if pg and nr:
    rows.append(("P3", f"/api/nearest vs PostGIS `ORDER BY geom <-> p LIMIT 5` (GiST), {conn} connections",
                 f"{fmt(nr['rps'], ' req/s', 0)}, p99 {nr['p99_us'] / 1e3:.2f} ms",
                 f"{fmt(pg['rps'], ' tx/s', 0)}, p99 {pg['p99_us'] / 1e3:.2f} ms",
                 f"{nr['rps'] / pg['rps']:.1f}x throughput, p99 {nr['p99_us'] / pg['p99_us']:.2f}x",
                 ">= 10x throughput", verdict(nr["rps"] / pg["rps"] >= 10)))
for cell in (100, 20):
    ours, sh = load(f"grid{cell}/ours.json"), load(f"grid{cell}/shapely.json")
    if ours and sh:
        r = ours["analysis_ms_min"] / sh["shapely_ms"]
        same = "equal" if sh["mismatches"] == 0 else f"{sh['mismatches']} cells differ"
        rows.append((f"P4 {cell} m", f"district coverage, {ours['cells']:,} cells, {ours['facilities']} facilities ({same})",
                     f"{ours['analysis_ms_min']:.1f} ms (whole analysis)",
                     f"shapely STRtree dwithin {sh['shapely_ms']:.1f} ms (query only)",
                     f"{r:.2f}x", "<= 0.1x", verdict(r <= 0.1)))
for cell, goal in (("100m", 100.0), ("20m", 2000.0)):
    t0 = crit(f"coverage/district_{cell}_suggest0")
    t5 = crit(f"coverage/district_{cell}_suggest5")
    if t0 is not None:
        per = None if t5 is None else (t5 - t0) / 5 / 1e3
        rows.append((f"C {cell}", f"coverage {cell}, all facility layers (criterion)",
                     f"{t0 / 1e3:.1f} ms per analysis", f"{fmt(per, ' ms')} per suggestion round",
                     "", f"< {goal:.0f} ms", verdict(t0 / 1e3 < goal)))
p5 = load("p5.json")
if p5:
    rows.append(("P5", f"start-up and memory, {n:,} facilities",
                 f"{p5['startup_s']:.2f} s to first /healthz, RSS {p5['rss_mb']:.0f} MB",
                 f"peak RSS {p5['peak_rss_mb']:.0f} MB", "", "< 2 s, < 300 MB",
                 verdict(p5["startup_s"] < 2 and p5["rss_mb"] < 300)))

cores = os.cpu_count()
mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
cpu = ""
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
print(f"Measured {datetime.date.today()} on {cores} cores ({cpu}), {mem} GiB; "
      f"load generator, server and PostgreSQL share the cores.\n")
print("| # | measure | nestmap | alternative | ratio | goal | |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
