#!/usr/bin/env bash
# The benchmark suite (issue "Performance at city and national scale"): one command, one table.
#
#   bash bench/run.sh            # set up, generate 1M facilities, build, run P1-P5
#
# Idempotent set-up (apt: wrk hyperfine postgresql-15-postgis-3 valgrind; a Python venv under
# target/bench-venv with shapely geopandas numpy pyproj), data generated once per N into
# target/national (never committed), results as JSON under target/bench and one markdown table
# printed and written to target/bench/results.md. Separate from `make test`: nothing here is
# a test, and no test asserts a time.
#
# Knobs: N (facilities, 1000000), CONN (connections for wrk and pgbench alike, 32),
# DURATION (seconds per load run, 10), PORT (18080), SKIP_CRITERION=1, SKIP_PG=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-1000000}
CONN=${CONN:-32}
DURATION=${DURATION:-10}
PORT=${PORT:-18080}
DATA=$ROOT/target/national
OUT=$ROOT/target/bench
VENV=$ROOT/target/bench-venv
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*" >&2; }

# ---- set-up ------------------------------------------------------------------------------
need=()
for p in wrk hyperfine valgrind; do command -v "$p" >/dev/null || need+=("$p"); done
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import shapely, geopandas, numpy, pyproj' 2>/dev/null; then
  log "python venv $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q shapely geopandas numpy pyproj
fi

# ---- data and build ----------------------------------------------------------------------
log "build (release)"
cargo build --release --bin nestmap --example national_data --example coverage_grid
if [ ! -f "$DATA/.done-$N" ]; then
  log "generate $N facilities into $DATA"
  rm -f "$DATA"/.done-*
  target/release/examples/national_data --out "$DATA" --n "$N"
  touch "$DATA/.done-$N"
fi

# ---- P5 and P1: start the server, then /healthz vs /api/nearest ------------------------------
log "P5: start-up and memory, $N facilities"
BIN=target/release/nestmap
t0=$(date +%s.%N)
$BIN serve --data "$DATA" --addr "127.0.0.1:$PORT" --audit-log "$OUT/audit.jsonl" \
  --max-concurrency 100000 >"$OUT/serve.log" 2>&1 &
SERVER=$!
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop_server EXIT
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/serve.log"; exit 1; }
  sleep 0.01
done
t1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status)
hwm_kb=$(awk '/VmHWM/{print $2}' /proc/$SERVER/status)
python3 - "$t0" "$t1" "$rss_kb" "$hwm_kb" >"$OUT/p5.json" <<'PY'
import json, sys
t0, t1, rss, hwm = map(float, sys.argv[1:])
print(json.dumps({"startup_s": t1 - t0, "rss_mb": rss / 1024, "peak_rss_mb": hwm / 1024}))
PY
cat "$OUT/p5.json"

wrk_json() { grep '^JSON ' | sed 's/^JSON //'; }
log "P1: wrk -c$CONN -d${DURATION}s /healthz and /api/nearest"
wrk -t2 -c"$CONN" -d2s -s bench/nearest.lua "http://127.0.0.1:$PORT" >/dev/null # warm-up
wrk -t2 -c"$CONN" -d"${DURATION}s" -s bench/summary.lua "http://127.0.0.1:$PORT/healthz" | tee "$OUT/wrk_healthz.txt" | wrk_json >"$OUT/p1_healthz.json"
NESTMAP_QUERIES=$DATA/queries.tsv wrk -t2 -c"$CONN" -d"${DURATION}s" -s bench/nearest.lua "http://127.0.0.1:$PORT" | tee "$OUT/wrk_nearest.txt" | wrk_json >"$OUT/p1_nearest.json"
cat "$OUT/p1_healthz.json" "$OUT/p1_nearest.json"
curl -s "http://127.0.0.1:$PORT/api/nearest?layer=facilities&k=5&lon=120.62&lat=31.43" >"$OUT/nearest_sample.json"
stop_server
trap - EXIT

# ---- P3: PostGIS, same points, same connection count ------------------------------------
if [ "${SKIP_PG:-0}" != 1 ]; then
  log "P3: PostGIS KNN via pgbench -c$CONN"
  pg_ctlcluster 15 main start 2>/dev/null || true
  until su postgres -c "pg_isready -q"; do sleep 0.2; done
  PSQL="su postgres -c"
  $PSQL "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='nestbench'\"" | grep -q 1 ||
    $PSQL "createdb nestbench"
  $PSQL "psql -q -d nestbench -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
  sum=$(md5sum "$DATA/facilities.tsv" "$DATA/queries.tsv" | md5sum | cut -c1-32)
  have=$($PSQL "psql -qtA -d nestbench -c \"SELECT sum FROM meta\"" 2>/dev/null || true)
  if [ "$have" != "$sum" ]; then
    log "load $N geometries into PostGIS (COPY, GiST, ANALYZE)"
    $PSQL "psql -q -d nestbench -v ON_ERROR_STOP=1" <<SQL
DROP TABLE IF EXISTS f, q, meta;
CREATE TABLE f (id int PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL);
CREATE TABLE q (i serial PRIMARY KEY, lon float8, lat float8, geom geometry(Point, 4326));
CREATE TABLE meta (sum text);
SQL
    $PSQL "psql -q -d nestbench -c 'COPY f (id, geom) FROM STDIN'" <"$DATA/facilities.tsv"
    $PSQL "psql -q -d nestbench -c 'COPY q (lon, lat) FROM STDIN'" <"$DATA/queries.tsv"
    $PSQL "psql -q -d nestbench -v ON_ERROR_STOP=1" <<SQL
UPDATE q SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
CREATE INDEX f_geom ON f USING gist (geom);
VACUUM ANALYZE f; VACUUM ANALYZE q;
INSERT INTO meta VALUES ('$sum');
SQL
  fi
  nq=$(wc -l <"$DATA/queries.tsv")
  PGDIR=/tmp/nestmap-pgbench
  rm -rf "$PGDIR" && mkdir -p "$PGDIR" && chown postgres "$PGDIR"
  cat >"$PGDIR/knn.sql" <<SQL
\set qi random(1, $nq)
SELECT id FROM f ORDER BY geom <-> (SELECT geom FROM q WHERE i = :qi) LIMIT 5;
SQL
  $PSQL "psql -d nestbench -c \"EXPLAIN SELECT id FROM f ORDER BY geom <-> (SELECT geom FROM q WHERE i = 17) LIMIT 5\"" >"$OUT/pg_explain.txt"
  cat "$OUT/pg_explain.txt" >&2
  $PSQL "cd $PGDIR && pgbench -n -c $CONN -j 2 -T 2 -M prepared -f knn.sql nestbench" >/dev/null 2>&1 # warm-up
  $PSQL "cd $PGDIR && pgbench -n -c $CONN -j 2 -T $DURATION -M prepared -f knn.sql --log --log-prefix=knn nestbench" | tee "$OUT/pgbench.txt"
  python3 - "$PGDIR" "$OUT/pgbench.txt" >"$OUT/p3_postgis.json" <<'PY'
import glob, json, re, sys
lat = []
for f in glob.glob(sys.argv[1] + "/knn.[0-9]*"):
    for line in open(f):
        parts = line.split()
        if len(parts) >= 3:
            lat.append(int(parts[2]))
lat.sort()
tps = float(re.search(r"tps = ([0-9.]+)", open(sys.argv[2]).read()).group(1))
print(json.dumps({"rps": tps, "p50_us": lat[len(lat) // 2], "p99_us": lat[int(len(lat) * 0.99)], "requests": len(lat)}))
PY
  cat "$OUT/p3_postgis.json"
fi

# ---- P4: coverage vs shapely on the same grid ----------------------------------------------
# Whole district at 100 m and 20 m (20 m works since 44edcb5 raised MAX_CELLS to 4M: the
# bounding grid is 2.96M cells).
for cell in 100 20; do
  log "P4: coverage at $cell m, ours then shapely"
  target/release/examples/coverage_grid --data data/geojson --cell-m "$cell" --out "$OUT/grid$cell" --repeat 10
  "$VENV/bin/python" bench/coverage_shapely.py "$OUT/grid$cell" | tee "$OUT/grid$cell/shapely.json"
done

# ---- P2 and coverage goals: criterion ----------------------------------------------------------
if [ "${SKIP_CRITERION:-0}" != 1 ]; then
  log "P2: criterion (nearest, coverage)"
  cargo bench --bench nearest
  cargo bench --bench coverage
  cargo bench --bench dijkstra
fi

# ---- the table -------------------------------------------------------------------------------
python3 bench/table.py "$OUT" "$CONN" "$DURATION" "$N" | tee "$OUT/results.md"
