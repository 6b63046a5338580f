#!/bin/bash
# Every shipped config, run small, gives figures that are not blank, have labelled axes and
# colour bars on maps, and are named after the input file (tests/scripts/figures.py).
source "$(dirname "$0")/lib.sh"
PYTHONPATH="$OPTDYN_SOURCE/tools${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" "$OPTDYN_SOURCE/tests/scripts/figures.py" "$OPTDYN" "$OPTDYN_SOURCE" "$WORK"
