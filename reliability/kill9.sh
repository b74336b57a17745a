#!/usr/bin/env bash
# kill -9 at random moments during a stream of acknowledged edits, repeated:
# 0 acknowledged edits lost, every file parses, `nestmap check` passes.
# Usage: reliability/kill9.sh [ROUNDS=3] [EDITS=1000]   (SEED=n for another random schedule;
# KILL_MAX_S=s for the longest pause between kills, default 3)
source "$(dirname "$0")/lib.sh"

ROUNDS="${1:-3}"
EDITS="${2:-1000}"
ensure_bin
WORK="$(mktemp -d /tmp/nestmap-kill9.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
OUT="$(results_file kill9)"
log "kill9: $ROUNDS rounds of $EDITS edits in $WORK"
python3 "$ROOT/reliability/kill9.py" "$BIN" "$ROOT/data/geojson" "$WORK" "$ROUNDS" "$EDITS" | tee "$OUT"
exit "${PIPESTATUS[0]}"
