#!/usr/bin/env bash
# Every reliability figure of RELIABILITY.md, one after the other; exits non-zero if any fails.
# Usage: reliability/all.sh   (NESTMAP_BIN=target/release/nestmap to use a release build;
# FUZZ_SECONDS, KILL9_ROUNDS, KILL9_EDITS to change the budgets)
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
run() {
    echo "=== $*"
    "$@" || { echo "=== FAILED: $*"; status=1; }
}
run cargo test --test hostile -- --nocapture
run cargo test --test liveness -- --nocapture
run reliability/schemathesis.sh
run reliability/kill9.sh "${KILL9_ROUNDS:-3}" "${KILL9_EDITS:-1000}"
run reliability/reload_under_load.sh 60 5
run reliability/fuzz.sh "${FUZZ_SECONDS:-300}"
echo "=== reliability: $([ $status = 0 ] && echo all passed || echo some failed); results in target/reliability/"
exit $status
