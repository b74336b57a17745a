#!/usr/bin/env bash
# Fuzz the loader (fuzz/fuzz_targets/loader.rs) with cargo-fuzz / libFuzzer for a time budget,
# and record executions and crashes. Not run by CI.
# Usage: reliability/fuzz.sh [SECONDS=300]   (FUZZ_FROM_HEAD=1: fuzz the last commit, exported
# to target/fuzz-head, instead of the working tree, e.g. while it has unfinished edits)
#
# This machine has only the stable toolchain and no other can be fetched; cargo-fuzz needs
# nightly flags (-Zsanitizer=address, sancov passes), so RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept them. The fuzz crate has its own [workspace] and target dir (fuzz/target):
# its first build compiles PROJ from source (about 5 min).
source "$(dirname "$0")/lib.sh"

SECONDS_BUDGET="${1:-300}"
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
CORPUS="$ROOT/fuzz/corpus/loader"
mkdir -p "$CORPUS"
# Seeds: the shipped layers, each prefixed with the selector byte (low nibble: layer kind,
# high nibble: source CRS) that the target reads first, plus the hand-written seeds.
seed() { # seed BYTE FILE
    { printf "\\x$1"; cat "$2"; } >"$CORPUS/seed-$(basename "$2" .geojson)"
}
seed 00 data/geojson/nursing_rooms.geojson
seed 01 data/geojson/child_friendly_communities.geojson
seed 32 data/geojson/pocket_parks.geojson
seed 13 data/geojson/service_stations.geojson
seed 04 data/geojson/school_bus_routes.geojson
seed 05 data/geojson/school_bus_stops.geojson
seed 0a data/geojson/family_education_points.geojson
cp "$ROOT"/fuzz/seeds/loader/* "$CORPUS/" 2>/dev/null || true
FUZZ_DIR="$ROOT/fuzz"
if [ "${FUZZ_FROM_HEAD:-0}" = 1 ]; then
    HEAD_DIR="$ROOT/target/fuzz-head"
    rm -rf "$HEAD_DIR" && mkdir -p "$HEAD_DIR"
    git -C "$ROOT" archive HEAD | tar -x -C "$HEAD_DIR"
    FUZZ_DIR="$HEAD_DIR/fuzz"
    export CARGO_TARGET_DIR="$ROOT/fuzz/target" # reuse the built dependencies (PROJ)
    log "fuzzing commit $(git -C "$ROOT" rev-parse --short HEAD)"
fi
cd "$FUZZ_DIR"
log "building the fuzz target (cargo fuzz build, RUSTC_BOOTSTRAP=1)"
cargo fuzz build loader
OUT="$(results_file fuzz)"
log "fuzzing for ${SECONDS_BUDGET}s; corpus $CORPUS"
set +e
cargo fuzz run loader "$CORPUS" -- -max_total_time="$SECONDS_BUDGET" -max_len=65536 \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tee "$OUT.log" | grep -E "^#[0-9]+.*(pulse|DONE)|stat::|ERROR|panicked|SUMMARY" | tail -30
rc="${PIPESTATUS[0]}"
set -e
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT.log" | tail -1)"
crashes="$(ls "$ROOT/fuzz/artifacts/loader" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)"
cov="$(grep -oE 'cov: [0-9]+' "$OUT.log" | tail -1)"
corpus_n="$(ls "$CORPUS" | wc -l)"
summary="fuzz loader: ${SECONDS_BUDGET}s, ${execs:-?} executions, $crashes crash/oom/timeout artifacts, libFuzzer exit $rc, $cov, corpus $corpus_n inputs"
echo "$summary" | tee "$OUT"
[ "$rc" = 0 ] && [ "$crashes" = 0 ]
