#!/usr/bin/env bash
# Lighthouse on the parent view (issue 15.5): a benchmark, not a test. Serves the sample data,
# runs Lighthouse 12.2.3 (the last for Node 20) with Debian's Chromium in its default mobile
# profile (simulated slow 4G, 4x CPU slowdown, a phone's screen), prints the performance and
# accessibility scores with LCP, TBT and TTI, and exits 1 when performance < 0.9 or
# accessibility < 1.0. The report: target/lighthouse/parent.report.{html,json}.
#
# Knobs: NESTMAP_BIN (default target/debug/nestmap; serving static files is the same in a
# release build), PORT (default 18090), URL_PATH (default /?view=parent), RUNS (default 1:
# each run is printed; the exit status follows the median performance), WEB (default web: the
# front end to serve, e.g. an older checkout's to compare).
set -euo pipefail
cd "$(dirname "$0")/.."

LH_DIR=target/lighthouse
LH="$LH_DIR/node_modules/.bin/lighthouse"
BIN=${NESTMAP_BIN:-target/debug/nestmap}
PORT=${PORT:-18090}
URL_PATH=${URL_PATH:-/?view=parent}
RUNS=${RUNS:-1}
WEB=${WEB:-web}

# Lighthouse 13 wants Node 22; 12.2.3 runs on Node 20. Installed beside the project, not in
# package.json (nothing in the page or the tests needs it).
if [ ! -x "$LH" ]; then
  npm install --prefix "$LH_DIR" --no-audit --no-fund --save-exact lighthouse@12.2.3
fi
[ -x /usr/bin/chromium ] || { apt-get update && apt-get install -y chromium; }
[ -x "$BIN" ] || cargo build
[ -d node_modules/maplibre-gl ] || npm ci

"$BIN" serve --data data/geojson --addr "127.0.0.1:$PORT" --web "$WEB" --vendor node_modules/maplibre-gl/dist \
  >"$LH_DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# The machine is shared: its load is part of the reading.
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
scores=()
for run in $(seq 1 "$RUNS"); do
  out="$LH_DIR/parent"
  [ "$RUNS" -gt 1 ] && out="$LH_DIR/parent-$run"
  CHROME_PATH=/usr/bin/chromium "$LH" "http://127.0.0.1:$PORT$URL_PATH" \
    --chrome-flags="--headless --no-sandbox --disable-gpu --enable-unsafe-swiftshader --disable-quic --no-first-run" \
    --only-categories=performance,accessibility --output=json --output=html --output-path="$out" --quiet
  scores+=("$(node -e '
    const r = require(process.argv[1]);
    const a = (id) => r.audits[id];
    const ms = (id) => `${Math.round(a(id).numericValue)} ms`;
    const perf = r.categories.performance.score, acc = r.categories.accessibility.score;
    console.error(`run ${process.argv[2]}: performance ${perf.toFixed(2)}  accessibility ${acc.toFixed(2)}  ` +
      `FCP ${ms("first-contentful-paint")}  LCP ${ms("largest-contentful-paint")}  TBT ${ms("total-blocking-time")}  ` +
      `TTI ${ms("interactive")}  SI ${ms("speed-index")}  CLS ${a("cumulative-layout-shift").numericValue.toFixed(3)}`);
    const lcp = a("largest-contentful-paint-element").details?.items?.[0]?.items?.[0]?.node;
    if (lcp) console.error(`  LCP element: ${lcp.snippet}`);
    const tasks = (a("long-tasks").details?.items || []).slice(0, 3).map((t) => `${t.url.split("/").pop()} ${Math.round(t.duration)} ms`);
    console.error(`  longest tasks: ${tasks.join(", ")}`);
    for (const x of r.categories.accessibility.auditRefs) {
      const au = r.audits[x.id];
      if (au.score !== null && au.score < 1 && x.weight > 0) console.error(`  accessibility: ${x.id}: ${au.title}`);
    }
    console.log(`${perf} ${acc}`);
  ' "$PWD/$out.report.json" "$run")")
done

# The median run's performance (sorted), and the worst accessibility.
read -r perf acc < <(printf '%s\n' "${scores[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
worst_acc=$(printf '%s\n' "${scores[@]}" | awk '{print $2}' | sort -n | head -1)
echo "lighthouse $URL_PATH (mobile, $RUNS run(s)): performance $perf (median), accessibility $worst_acc (worst)"
node -e 'process.exit(Number(process.argv[1]) >= 0.9 && Number(process.argv[2]) >= 1 ? 0 : 1)' "$perf" "$worst_acc" \
  || { echo "below the goal: performance >= 0.9 and accessibility 1.0" >&2; exit 1; }
