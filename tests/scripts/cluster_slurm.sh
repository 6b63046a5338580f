#!/bin/bash
# The job scripts in jobs/ on a real throw-away SLURM cluster: see tests/slurm/run.sh.
# Exit 77 (ctest: skipped) only when slurm-wlm/munge are not installed or there is no cgroup filesystem.
: "${OPTDYN_SOURCE:?}"
exec bash "$OPTDYN_SOURCE/tests/slurm/run.sh"
