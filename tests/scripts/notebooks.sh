#!/bin/bash
# Usage: notebooks.sh [NAME...] (default: every notebook; ctest runs one per test).
# The worked examples (examples/*.ipynb, one per command) execute without error with Debian's
# jupyter-nbconvert, running this build's optdyn ($OPTDYN) and the package from tools/, and
# each draws at least one figure. They run from a copy next to a link to configs/, as in the
# installed share/optdyn/ layout, so nothing is written into the source tree.
source "$(dirname "$0")/lib.sh"
command -v jupyter-nbconvert > /dev/null || fail "jupyter-nbconvert not installed (tools/setup-debian.sh installs it)"
mkdir examples out
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$OPTDYN_SOURCE/examples" && ls *.ipynb | sed 's/\.ipynb$//'))
for name in "${names[@]}"; do cp "$OPTDYN_SOURCE/examples/$name.ipynb" examples/ || fail "no notebook examples/$name.ipynb"; done
ln -s "$OPTDYN_SOURCE/configs" configs
export PYTHONPATH="$OPTDYN_SOURCE/tools"
unset MPLBACKEND   # the kernel draws inline figures into the notebook
n=0
for nb in examples/*.ipynb; do
  name=$(basename "$nb" .ipynb)
  (cd examples && jupyter-nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 \
     --output-dir ../out "$name.ipynb") > "out/$name.log" 2>&1 || { cat "out/$name.log"; fail "notebook $name"; }
  "$PYTHON" - "out/$name.ipynb" <<'PY' || fail "notebook $name: outputs"
import json, sys
nb = json.load(open(sys.argv[1]))
outs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
errors = [o for o in outs if o.get("output_type") == "error"]
images = [o for o in outs if "image/png" in o.get("data", {})]
unrun = [c for c in nb["cells"] if c["cell_type"] == "code" and c.get("execution_count") is None]
assert not errors and not unrun, (errors, len(unrun))
assert images, "no figure"
print(f"{sys.argv[1]}: {len(nb['cells'])} cells, {len(images)} figures, no errors")
PY
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no notebooks run"
echo "notebooks: OK"
