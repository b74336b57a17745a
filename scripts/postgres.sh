#!/usr/bin/env bash
# A real PostgreSQL 15 + PostGIS + pgRouting for the tests, idempotently: installs the apt
# packages that are missing (postgresql-15-postgis-3, postgresql-15-pgrouting), creates and
# starts the cluster 15/main if it is not running, and a database `nestmap_test` owned by a
# login role `nestmap` (password `nestmap`) with the postgis and pgrouting extensions.
# Run as root (or with sudo). Each step is skipped when already done; a second run takes
# well under a second.
#
#   scripts/postgres.sh          set up, then print the connection string
#   scripts/postgres.sh url      the same
#   scripts/postgres.sh env      set up, then print `export NESTMAP_TEST_PG=...`, for
#                                `eval "$(scripts/postgres.sh env)"`
#
# Messages go to stderr; stdout carries only the connection string (or the export line).
# Tests read NESTMAP_TEST_PG and fail, naming this script, when it does not connect.
set -euo pipefail

mode=${1:-url}
case "$mode" in url | env) ;; *)
  echo "usage: $0 [url|env]" >&2
  exit 2
  ;;
esac

DB=nestmap_test
ROLE=nestmap
PASS=nestmap
log() { echo "postgres.sh: $*" >&2; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

missing=()
for p in postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  # Another engineer's apt may hold the lock: wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >&2
fi

# The cluster: apt creates 15/main, but a machine whose cluster was dropped gets a new one.
if ! pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main"' | grep -q .; then
  log "creating cluster 15/main"
  $SUDO pg_createcluster 15 main >&2
fi
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $4}' | grep -q online; then
  log "starting cluster 15/main"
  $SUDO pg_ctlcluster 15 main start >&2
fi
PORT=$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $3}')

# Superuser statements run as the postgres OS user over the local socket.
su_psql() { $SUDO su postgres -c "psql -p $PORT -X -q -v ON_ERROR_STOP=1 $*" >&2; }
q() { $SUDO su postgres -c "psql -p $PORT -X -qtA $*"; }
for _ in $(seq 50); do q "-c 'SELECT 1'" >/dev/null 2>&1 && break; sleep 0.2; done
if [ "$(q "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\"")" != 1 ]; then
  log "creating role $ROLE"
  su_psql "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASS'\""
fi
if [ "$(q "-c \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"")" != 1 ]; then
  log "creating database $DB"
  su_psql "-c 'CREATE DATABASE $DB OWNER $ROLE'"
fi
for ext in postgis pgrouting; do
  if [ "$(q "-d $DB -c \"SELECT 1 FROM pg_extension WHERE extname = '$ext'\"")" != 1 ]; then
    log "creating extension $ext in $DB"
    su_psql "-d $DB -c 'CREATE EXTENSION IF NOT EXISTS $ext'"
  fi
done

URL="postgresql://$ROLE:$PASS@127.0.0.1:$PORT/$DB"
# Check it the way a test will: over TCP with the password.
if ! psql "$URL" -X -qtA -c 'SELECT postgis_version()' >/dev/null; then
  log "cannot connect to $URL"
  exit 1
fi
if [ "$mode" = env ]; then
  echo "export NESTMAP_TEST_PG='$URL'"
else
  echo "$URL"
fi
