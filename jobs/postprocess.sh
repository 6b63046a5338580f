#!/bin/bash
# optdyn post-processing job: merge the slice files of an array sweep into one file
# (tools/optdyn-merge: bitwise the file a single run would have written), describe it
# (tools/optdyn-info) and draw its figures (tools/optdyn-plot). Submit it after the array:
#
#   sbatch --dependency=afterok:ARRAY_JOB_ID jobs/postprocess.sh
#
# (jobs/submit-sweep.sh does the chaining). Inputs: $OPTDYN_OUTDIR/$OPTDYN_NAME.slice*of*.h5;
# outputs: $OPTDYN_OUTDIR/$OPTDYN_NAME.h5, $OPTDYN_OUTDIR/$OPTDYN_NAME.txt (optdyn-info and
# the figure summary) and $OPTDYN_OUTDIR/$OPTDYN_NAME-figures/*.png. Needs Debian's
# python3-h5py, python3-numpy and python3-matplotlib on the compute node.
#SBATCH --job-name=optdyn-post
#SBATCH --ntasks=1
#SBATCH --time=00:30:00
#SBATCH --output=%x-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN_TOOLS=${OPTDYN_TOOLS:-$PWD/tools}     # EDIT: the optdyn tools directory
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-sweep}            # EDIT: the sweep's name (as in the array job)
PYTHON=${PYTHON:-/usr/bin/python3}

merged="$OPTDYN_OUTDIR/$OPTDYN_NAME.h5"
shopt -s nullglob
slices=("$OPTDYN_OUTDIR/$OPTDYN_NAME".slice*of*.h5)
if [ ${#slices[@]} -eq 0 ]; then
  echo "optdyn post: no slice files $OPTDYN_OUTDIR/$OPTDYN_NAME.slice*of*.h5" >&2
  exit 1
fi
"$PYTHON" "$OPTDYN_TOOLS/optdyn-merge" --force -o "$merged" "${slices[@]}"
"$PYTHON" "$OPTDYN_TOOLS/optdyn-info" --check "$merged" >"$OPTDYN_OUTDIR/$OPTDYN_NAME.txt"
"$PYTHON" "$OPTDYN_TOOLS/optdyn-plot" "$merged" -o "$OPTDYN_OUTDIR/$OPTDYN_NAME-figures" | tee -a "$OPTDYN_OUTDIR/$OPTDYN_NAME.txt"
echo "optdyn post: $merged, $OPTDYN_OUTDIR/$OPTDYN_NAME.txt, $OPTDYN_OUTDIR/$OPTDYN_NAME-figures/"
