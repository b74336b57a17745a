# Shared helpers for the reliability scripts: install what is missing (idempotently), build
# the debug binary, and start/stop a nestmap server on a copy of the sample data in a temp dir.
# Sourced, not run. Every server is bound to 127.0.0.1 and stopped by its PID.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${NESTMAP_BIN:-$ROOT/target/debug/nestmap}"
VENV="${NESTMAP_VENV:-$ROOT/target/reliability-venv}"
TOKEN_SECRET="reliability-token-0001"
export NESTMAP_TOKENS="reliability:$TOKEN_SECRET"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

apt_install() { # apt_install CMD PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2 (apt)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    fi
}

ensure_venv() { # ensure_venv PACKAGE[==VERSION]...
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    local missing=()
    for p in "$@"; do
        local name="${p%%==*}" have
        have="$("$VENV/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)"
        if [ -z "$have" ] || { [ "$name" != "$p" ] && [ "$have" != "${p#*==}" ]; }; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]} into $VENV"
        "$VENV/bin/pip" install -q "${missing[@]}"
    fi
}

ensure_bin() {
    if [ -z "${NESTMAP_BIN:-}" ]; then
        log "cargo build (debug)"
        cargo build -q --bin nestmap
    fi
    [ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
}

# fresh_data DIR: copy the sample data into DIR (emptied first).
fresh_data() {
    rm -rf "$1"
    mkdir -p "$1"
    cp data/geojson/*.geojson data/geojson/layers.toml "$1/"
}

# start_server DATA_DIR LOG [extra serve args...]: sets SERVER_PID and SERVER_URL.
start_server() {
    local data="$1" logf="$2"
    shift 2
    local out="$logf.stdout"
    : >"$out"
    "$BIN" serve --data "$data" --addr 127.0.0.1:0 --audit-log "$data/audit.jsonl" "$@" \
        >"$out" 2>>"$logf" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 600); do
        if grep -q "serving on" "$out" 2>/dev/null; then
            SERVER_URL="$(sed -n 's/.*serving on \(http:[^ ]*\).*/\1/p' "$out" | head -1)"
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server exited at start; see $logf" >&2
            tail -5 "$logf" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "the server did not start within 60 s" >&2
    return 1
}

stop_server() { # stop_server [SIGNAL]
    local sig="${1:-TERM}"
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "-$sig" "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

# The results file of a run: target/reliability/NAME.txt
results_file() {
    mkdir -p "$ROOT/target/reliability"
    echo "$ROOT/target/reliability/$1.txt"
}
