#!/bin/bash
# optdyn MPI sweep job: one sweep spread over all tasks of the allocation (any number of
# nodes). The result is bitwise the same for any number of ranks.
#
#   sbatch jobs/sweep-mpi.sh                     (submit from the optdyn source directory)
#   OPTDYN_ARGS="escape -escape_T_num 41" OPTDYN_LAUNCH=mpiexec sbatch jobs/sweep-mpi.sh
#
# Edit the two lines marked EDIT (or set the variables in the environment of sbatch, which
# exports it to the job). Output: $OPTDYN_OUTDIR/$OPTDYN_NAME.h5 (default results/sweep.h5).
#
# Launcher (OPTDYN_LAUNCH), for Debian's Open MPI 4.1 and Slurm 22.05:
#   srun     srun --mpi=pmix: Slurm starts the ranks directly through PMIx (default);
#   mpiexec  Open MPI's mpiexec, which reads the allocation from Slurm and starts its
#            daemons with srun;
#   plain srun (without --mpi=pmix, when the cluster's MpiDefault is none) does NOT work:
#   every rank aborts in MPI_Init ("OMPI was not built with SLURM's PMI support"). Use one
#   of the two above; `srun --mpi=list` shows what your Slurm offers.
#SBATCH --job-name=optdyn-sweep
#SBATCH --nodes=1
#SBATCH --ntasks=4
#SBATCH --time=01:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN=${OPTDYN:-$PWD/build/app/optdyn}                                       # EDIT: the executable
OPTDYN_ARGS=${OPTDYN_ARGS:-"escape -options_file_yaml configs/escape.yaml"}  # EDIT: command, options
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-sweep}
OPTDYN_LAUNCH=${OPTDYN_LAUNCH:-srun}

launch() {
  case $OPTDYN_LAUNCH in
    srun) srun --mpi=pmix "$@" ;;
    mpiexec) mpiexec "$@" ;;
    none) "$@" ;;
    *) echo "OPTDYN_LAUNCH=$OPTDYN_LAUNCH is not allowed: srun, mpiexec or none" >&2; return 2 ;;
  esac
}

mkdir -p "$OPTDYN_OUTDIR"
echo "optdyn sweep: job ${SLURM_JOB_ID:-?}, ${SLURM_NTASKS:-1} tasks on ${SLURM_JOB_NODELIST:-$(hostname)}, launcher $OPTDYN_LAUNCH"
# shellcheck disable=SC2086
launch "$OPTDYN" $OPTDYN_ARGS -o "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5" -restart
echo "optdyn sweep: wrote $OPTDYN_OUTDIR/$OPTDYN_NAME.h5"
