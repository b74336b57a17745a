#!/usr/bin/env bash
# Reload every 5 s during a 60 s load run: wrk sends a mix of GETs while a loop rewrites a
# layer file on disk (atomically, moving one feature back and forth) and sends SIGHUP.
# Pass: 0 non-2xx answers and 0 socket errors.
# Usage: reliability/reload_under_load.sh [SECONDS=60] [RELOAD_EVERY_S=5]
source "$(dirname "$0")/lib.sh"

DURATION="${1:-60}"
EVERY="${2:-5}"
apt_install wrk wrk
ensure_bin
WORK="$(mktemp -d /tmp/nestmap-reload.XXXXXX)"
trap 'stop_server; cp "$WORK/server.log" "$(results_file reload_under_load.server)" 2>/dev/null; rm -rf "$WORK"' EXIT
fresh_data "$WORK/data"
start_server "$WORK/data" "$WORK/server.log"
log "server $SERVER_URL (pid $SERVER_PID); wrk for ${DURATION}s, SIGHUP every ${EVERY}s"

cat >"$WORK/mix.lua" <<'LUA'
local paths = {
  "/healthz",
  "/api/layers",
  "/api/nearest?layer=nursing_rooms&lon=120.62&lat=31.43&k=5",
  "/api/nearest?layer=family_education_points&lon=120.6&lat=31.45",
  "/api/within?layer=nursing_rooms&lon=120.62&lat=31.43&radius_m=3000",
  "/api/within?layer=family_education_points&bbox=120.4,31.3,120.8,31.6",
  "/ogcapi/collections",
  "/ogcapi/collections/family_education_points/items?limit=100",
  "/ogcapi/collections/nursing_rooms/items?limit=20&venue_type=mall",
  "/ogcapi/collections/nursing_rooms/items/nr-01",
  "/ogcapi/collections/family_education_points/items/fe-1",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA

# Two versions of one layer file: fe-1 moved by about 100 m, back and forth.
python3 - "$WORK/data/family_education_points.geojson" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
open(p + ".a", "w").write(json.dumps(d, ensure_ascii=False))
d["features"][0]["geometry"]["coordinates"][0] += 0.001
open(p + ".b", "w").write(json.dumps(d, ensure_ascii=False))
PY

reloads=0
(
    n=0
    end=$((SECONDS + DURATION))
    while [ $SECONDS -lt $((end - 1)) ]; do
        sleep "$EVERY"
        n=$((n + 1))
        v=$([ $((n % 2)) = 1 ] && echo b || echo a)
        f="$WORK/data/family_education_points.geojson"
        cp "$f.$v" "$f.new" && mv "$f.new" "$f"
        kill -HUP "$SERVER_PID"
        echo "$n" >"$WORK/reloads"
    done
) &
HUPPER=$!
OUT="$(results_file reload_under_load)"
wrk -t2 -c16 -d"${DURATION}s" --timeout 10s --latency -s "$WORK/mix.lua" "$SERVER_URL" | tee "$OUT"
wait "$HUPPER" || true
reloads="$(cat "$WORK/reloads" 2>/dev/null || echo 0)"
# Give the last reload up to 30 s to finish.
for _ in $(seq 1 60); do
    done_n=$(($(grep -c 'reloaded:' "$WORK/server.log" || true) + $(grep -c 'reload refused' "$WORK/server.log" || true)))
    [ "$done_n" -ge "$reloads" ] && break
    sleep 0.5
done
taken="$(grep -c 'reloaded:' "$WORK/server.log" || true)"
refused="$(grep -c 'reload refused' "$WORK/server.log" || true)"
requests="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$OUT")"
non2xx="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$OUT")"
non2xx="${non2xx:-0}"
sockerr="$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$OUT")"
sockerr=$((${sockerr:-0}))
alive=no
kill -0 "$SERVER_PID" 2>/dev/null && alive=yes
# The last version written is served.
last=$([ $((reloads % 2)) = 1 ] && echo b || echo a)
served_ok=no
want="$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['features'][0]['geometry']['coordinates'][0])" "$WORK/data/family_education_points.geojson.$last")"
got="$(python3 -c "import json,sys,urllib.request;print(json.load(urllib.request.urlopen(sys.argv[1]))['geometry']['coordinates'][0])" "$SERVER_URL/ogcapi/collections/family_education_points/items/fe-1")"
python3 -c "import sys; sys.exit(0 if abs(float(sys.argv[1])-float(sys.argv[2]))<1e-6 else 1)" "$want" "$got" && served_ok=yes
summary="reload_under_load: ${DURATION}s, $requests requests, $reloads SIGHUP ($taken reloads taken, $refused refused), non-2xx $non2xx, socket errors $sockerr, server alive $alive, last version served $served_ok"
echo "$summary" | tee -a "$OUT"
# SIGHUPs that arrive while a reload is running are coalesced into the next one (tokio
# signal streams do that), so "taken" can be below "sent" when a reload outlasts the period.
[ "$non2xx" = 0 ] && [ "$sockerr" = 0 ] && [ "$alive" = yes ] && [ "$served_ok" = yes ] && [ "$taken" -ge 1 ]
