#!/bin/bash
# tools/optdyn-gallery --smallest runs every gallery entry and writes the page: every image
# exists, is small, and is referenced; the epsilon sweep's fit and the variance measure are
# reported.
source "$(dirname "$0")/lib.sh"
"$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-gallery" --smallest --optdyn "$OPTDYN" --docs "$WORK/docs" >/dev/null
page="$WORK/docs/gallery.md"
[ -s "$page" ] || fail "no gallery.md"
n=0
for png in $(grep -o 'figures/gallery/[^)]*\.png' "$page"); do
  f="$WORK/docs/$png"
  [ -s "$f" ] || fail "missing image $png"
  [ "$(stat -c %s "$f")" -le 120000 ] || fail "image $png is larger than 120 kB"
  n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n figures in the gallery"
grep -q "Fit on the five smallest" "$page" || fail "epsilon sweep fit missing"
grep -q "Variance-based measure" "$page" || fail "variance measure missing"
echo "gallery: OK ($n figures)"
