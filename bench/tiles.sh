#!/usr/bin/env bash
# Tile latency at z 12/14/16 (BENCHMARKS.md, "Streets"): builds the release binary and runs
# bench/tiles.mjs, which writes target/bench/tiles/tiles.md. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${NESTMAP_BIN:-target/release/nestmap}
if [ "$BIN" = target/release/nestmap ]; then cargo build --release --bin nestmap; fi
node bench/tiles.mjs "$BIN" target/bench/tiles
