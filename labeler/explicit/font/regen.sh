#!/usr/bin/env bash
# Regenerates the embedded label font: a subset of Noto Sans CJK SC Bold
# (Debian fonts-noto-cjk, SIL OFL 1.1) holding printable ASCII and the glyphs
# of every wording aigclabel draws (glyphs.txt), plus OFL.txt.
# Run from anywhere: `make font` or `bash labeler/explicit/font/regen.sh`.
# Needs: fonts-noto-cjk, fonttools (pyftsubset).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${NOTO_CJK_BOLD:-/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc}"
# Face 2 of the collection is "Noto Sans CJK SC Bold" (simplified Chinese).
face=2
[ -r "$src" ] || { echo "regen.sh: $src missing (apt-get install fonts-noto-cjk)" >&2; exit 1; }
# --no-hinting and no layout features except kern/palt keep the file small;
# the Go rasterizer ignores hints anyway. --name-IDs='*' keeps the copyright
# and licence records the OFL requires to travel with the font.
pyftsubset "$src" --font-number="$face" \
  --text-file="$here/glyphs.txt" --unicodes="U+0020-007E" \
  --layout-features='kern,palt' --no-hinting --name-IDs='*' --name-languages='*' \
  --output-file="$here/NotoSansCJKsc-Bold-subset.otf"
# The licence text, as Debian ships it with the font.
copyright=/usr/share/doc/fonts-noto-cjk/copyright
{
  echo "Noto Sans CJK, Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."
  echo "Subset NotoSansCJKsc-Bold-subset.otf made by regen.sh from Debian fonts-noto-cjk $(dpkg-query -W -f='${Version}' fonts-noto-cjk 2>/dev/null || echo unknown)."
  echo
  awk '/^License: SIL-1.1$/ && ++n==2 {on=1; next} on && /^License:/ {exit} on {sub(/^ /,""); if ($0==".") $0=""; print}' "$copyright"
} > "$here/OFL.txt"
ls -l "$here/NotoSansCJKsc-Bold-subset.otf" "$here/OFL.txt"
