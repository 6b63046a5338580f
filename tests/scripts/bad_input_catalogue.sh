#!/bin/bash
# The bad-input catalogue: tests/bad_inputs.tsv plus rows generated from every command's
# -help listing, each checked for one clean error line, status 1 and no file left behind
# (tests/scripts/bad_input_catalogue.py explains the checks).
source "$(dirname "$0")/lib.sh"
"$PYTHON" "$OPTDYN_SOURCE/tests/scripts/bad_input_catalogue.py" "$OPTDYN" "$MPIEXEC" "$OPTDYN_SOURCE" "${OPTDYN_CATALOGUE_JOBS:-6}"
