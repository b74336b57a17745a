#!/usr/bin/env bash
# Installs what nestmap needs on a fresh Debian 12 machine (run as root), idempotently:
# apt packages that are missing, then the npm packages (MapLibre GL JS, playwright-core),
# PostgreSQL + PostGIS + pgRouting for the tests (scripts/postgres.sh), the Helsinki OSM
# extract the importer's tests read (scripts/fetch-helsinki.sh, into target/fixtures) and
# the glyphs of the map's labels (scripts/glyphs.sh, into target/fonts).
# Rust and Node come with the machine. Usage: scripts/setup.sh [extra apt packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

# cmake: builds the bundled PROJ; chromium (+ a CJK font for readable screenshots): browser
# tests; gdal-bin: the OGC API client test; fonts-dejavu-core: the labels' glyphs.
# osmium-tool: converts the importer's OSM XML fixtures to PBF (tests/import_osm.rs).
want=(cmake chromium fonts-wqy-microhei fonts-dejavu-core gdal-bin osmium-tool "$@")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
# PostgreSQL 15 + PostGIS + pgRouting, started, with the test database (prints its URL).
bash scripts/postgres.sh url >/dev/null
bash scripts/fetch-helsinki.sh >/dev/null
bash scripts/glyphs.sh
echo "setup: ok"
