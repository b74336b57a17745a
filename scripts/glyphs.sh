#!/usr/bin/env bash
# Builds the SDF glyphs of the map's labels (MapLibre's `{fontstack}/{start}-{end}.pbf`) from
# Debian's fonts-dejavu-core, with build_pbf_glyphs (crates.io, stadiamaps/sdf_font_tools; it
# compiles FreeType in), into target/fonts/DejaVuSans/: 256 files of 256 code points each,
# U+0000 to U+FFFF. Chinese is not built: the map draws CJK from the browser's own fonts
# (MapLibre's localIdeographFontFamily, web/js/map.js).
# Idempotent: the tool is installed once into target/tools, the glyphs built once (into a
# temporary folder, then renamed, so an interrupted run leaves no half set behind).
# Usage: scripts/glyphs.sh [OUT_DIR]   (default target/fonts; `serve --fonts` reads it)
set -euo pipefail
cd "$(dirname "$0")/.."

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
STACK=DejaVuSans
TOOL_VERSION=1.5.1
TOOLS=target/tools
OUT=${1:-target/fonts}

if [ -f "$OUT/$STACK/0-255.pbf" ] && [ -f "$OUT/$STACK/65280-65535.pbf" ]; then
  exit 0
fi
if [ ! -f "$FONT" ]; then
  echo "glyphs: $FONT is missing: install Debian's fonts-dejavu-core (scripts/setup.sh does)" >&2
  exit 1
fi
if [ ! -x "$TOOLS/bin/build_pbf_glyphs" ]; then
  echo "glyphs: installing build_pbf_glyphs $TOOL_VERSION into $TOOLS (a few minutes, once)"
  cargo install --quiet --locked --root "$TOOLS" "build_pbf_glyphs@$TOOL_VERSION"
fi
mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp -d "${OUT%/}.tmp-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/out"
ln -s "$FONT" "$tmp/src/$STACK.ttf"
"$TOOLS/bin/build_pbf_glyphs" "$tmp/src" "$tmp/out" >/dev/null
n=$(ls "$tmp/out/$STACK" | wc -l)
if [ "$n" -ne 256 ]; then
  echo "glyphs: build_pbf_glyphs wrote $n ranges of $STACK, not 256" >&2
  exit 1
fi
mkdir -p "$OUT"
rm -rf "${OUT:?}/$STACK"
mv "$tmp/out/$STACK" "$OUT/$STACK"
echo "glyphs: $OUT/$STACK ($(du -sh "$OUT/$STACK" | cut -f1), from $FONT)"
