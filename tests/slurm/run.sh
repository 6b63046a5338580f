#!/bin/bash
# End-to-end test of jobs/*.sh on a real, throw-away SLURM cluster (tests/slurm/cluster.sh:
# munged + slurmctld + slurmd from Debian's slurm-wlm/munge, one node, generated config).
#
# Every job script is submitted in a small smoke configuration, concurrently, each waited
# for with a timeout (`sbatch --wait` under `timeout`), and its HDF5 results are validated
# against local reference runs, bitwise:
#   jobs/sweep-mpi.sh          2 ranks via `srun --mpi=pmix`, and via `mpiexec`: == 1-rank run,
#                              mpi_ranks = 2 (so the ranks really formed one MPI job)
#   jobs/submit-sweep.sh       3-task array (jobs/sweep-array.sh) -> afterok -> jobs/postprocess.sh:
#                              merged file == single run; figures and info written; all jobs COMPLETED
#   jobs/checkpoint-requeue.sh --time=1 --signal=B:USR1@59 and a sweep sized (calibrated) to
#                              outlast the first signal: the job checkpoints, requeues itself,
#                              restarts with -restart and ends with the single run's datasets
#   jobs/scaling-strong.sh     1 and 2 ranks: scaling file with 2 rows, runs bitwise identical,
#                              figure written
#   jobs/scaling-weak.sh       1 and 2 ranks, work doubling: 2 rows, work column, figure
# Exit 77 (ctest SKIP_RETURN_CODE) only when the SLURM/munge binaries are not installed or
# the machine has no cgroup filesystem (slurmd cannot start, e.g. in a bare chroot)
# (tools/setup-debian.sh --slurm installs them). Daemons are stopped by pid on exit; set
# OD_SLURM_KEEP=1 to keep the temporary directory (logs, results).
set -uo pipefail
: "${OPTDYN:?}" "${OPTDYN_SOURCE:?}" "${PYTHON:=/usr/bin/python3}"
export PYTHON OPTDYN
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
here="$OPTDYN_SOURCE/tests/slurm"
# shellcheck source=cluster.sh
source "$here/cluster.sh"

if ! missing=$(od_cluster_available); then
  echo "SKIP: SLURM test: '$missing' is not installed (install slurm-wlm and munge: tools/setup-debian.sh --slurm)"
  exit 77
fi
if [ ! -d /sys/fs/cgroup ] || [ -z "$(ls -A /sys/fs/cgroup 2>/dev/null)" ]; then
  # slurmd cannot initialize without a cgroup filesystem (e.g. a bare chroot without /sys)
  echo "SKIP: SLURM test: no cgroup filesystem at /sys/fs/cgroup, so slurmd cannot start on this machine"
  exit 77
fi
if [ "$(id -u)" != 0 ]; then
  echo "FAIL: the SLURM test starts slurmd, which must run as root (run ctest as root, or exclude it with -LE slurm)"
  exit 1
fi

D=$(mktemp -d /tmp/od_slurm.XXXXXX)
chmod 755 "$D"
bg_pids=()
status=1
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "${SLURM_CONF:-}" ] && [ -s "$D/cluster/run/slurmctld.pid" ]; then
    ids=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u)
    [ -n "$ids" ] && timeout 10 scancel $ids 2>/dev/null
    for _ in $(seq 1 20); do
      [ -z "$(timeout 5 squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  od_cluster_stop "$D/cluster"
  if [ "$status" != 0 ]; then
    echo "---- logs (kept in $D) ----"
    for f in "$D"/*.out "$D"/results/*.out "$D/cluster/log/slurmctld.log" "$D/cluster/log/slurmd.log"; do
      [ -e "$f" ] && { echo "== $f"; tail -25 "$f"; }
    done
  elif [ "${OD_SLURM_KEEP:-0}" != 1 ]; then
    rm -rf "$D"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
SAME() { "$PYTHON" "$here/h5same.py" "$@"; }
T0=$(date +%s)
elapsed() { echo "$(($(date +%s) - T0))s"; }

od_cluster_start "$D/cluster" || fail "could not start the test cluster"
echo "cluster up after $(elapsed)"

export OPTDYN_TOOLS="$OPTDYN_SOURCE/tools"
mkdir -p "$D/results" "$D/ref"
cd "$D" || exit 1
J="$OPTDYN_SOURCE/jobs"

# ---- smoke configurations ----
SMALL="escape -escape_T_num 6 -escape_walkers 400 -escape_chunk 100 -escape_steps 100,1000"
# The checkpoint sweep must outlast the first USR1 (Slurm checks signals every ~30 s): no
# walker escapes at these T, so the cost is walkers * 10^4 * T_num steps; calibrate the
# walkers so that it takes about 55 s on this machine, now.
LONG_BASE="escape -escape_T_min 0.004 -escape_T_max 0.006 -escape_T_num 8 -escape_chunk 100 -escape_steps 100,10000"
# rate from the difference of two runs (removes the start-up cost): 1e6 and 3e7 steps
runtime() { local a b; a=$(date +%s.%N); "$@" >/dev/null || return 1; b=$(date +%s.%N); awk -v a="$a" -v b="$b" 'BEGIN {print b - a}'; }
# shellcheck disable=SC2086
ta=$(runtime "$OPTDYN" $LONG_BASE -escape_T_num 1 -escape_walkers 100 -quiet -o "$D/ref/calib0.h5") || fail "calibration run failed"
# shellcheck disable=SC2086
tb=$(runtime "$OPTDYN" $LONG_BASE -escape_T_num 2 -escape_walkers 1500 -quiet -o "$D/ref/calib1.h5") || fail "calibration run failed"
walkers=$(awk -v a="$ta" -v b="$tb" 'BEGIN { d = b - a; if (d < 0.05) d = 0.05; r = 2.9e7 / d;
  w = int(55 * r / (8 * 1e4) / 100) * 100; if (w < 2000) w = 2000; if (w > 400000) w = 400000; print w }')
LONG="$LONG_BASE -escape_walkers $walkers"
echo "calibrated: checkpoint sweep with $walkers walkers x 8 points (~55 s at 1 rank; runs took $ta s, $tb s)"

# ---- local references (1 rank, no SLURM), the long one in the background ----
# shellcheck disable=SC2086
"$OPTDYN" $SMALL -quiet -o "$D/ref/small.h5" >/dev/null || fail "reference run failed"
# shellcheck disable=SC2086
nice -n 5 "$OPTDYN" $LONG -quiet -o "$D/ref/long.h5" >"$D/ref/long.log" 2>&1 &
ref_pid=$!
bg_pids+=("$ref_pid")

# ---- submit everything (each waited for by a background `timeout sbatch --wait`) ----
declare -A waiter
submit() { # submit NAME TIMEOUT [VAR=VALUE...] -- SBATCH ARGS...
  local name=$1 tmo=$2
  shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" timeout "$tmo" sbatch --wait --output="$D/$name.out" "$@" >"$D/$name.sbatch" 2>&1 &
  waiter[$name]=$!
  bg_pids+=("$!")
}
submit ckpt 240 OPTDYN_ARGS="$LONG" OPTDYN_OUTDIR="$D/results" OPTDYN_NAME=long OPTDYN_LAUNCH=srun -- \
  --ntasks=1 --time=1 --signal=B:USR1@59 "$J/checkpoint-requeue.sh"
submit mpi_srun 120 OPTDYN_ARGS="$SMALL" OPTDYN_OUTDIR="$D/results" OPTDYN_NAME=mpi-srun OPTDYN_LAUNCH=srun -- \
  --ntasks=2 --time=5 "$J/sweep-mpi.sh"
submit mpi_mpiexec 120 OPTDYN_ARGS="$SMALL" OPTDYN_OUTDIR="$D/results" OPTDYN_NAME=mpi-mpiexec OPTDYN_LAUNCH=mpiexec -- \
  --ntasks=2 --time=5 "$J/sweep-mpi.sh"
submit strong 150 OPTDYN_ARGS="$SMALL -escape_walkers 2000" OPTDYN_OUTDIR="$D/results" OPTDYN_NAME=strong OPTDYN_RANKS="1 2" -- \
  --ntasks=2 --time=5 "$J/scaling-strong.sh"
submit weak 150 OPTDYN_ARGS="$SMALL" OPTDYN_WEAK_OPTION=-escape_walkers OPTDYN_WEAK_BASE=1000 OPTDYN_OUTDIR="$D/results" \
  OPTDYN_NAME=weak OPTDYN_RANKS="1 2" -- --ntasks=2 --time=5 "$J/scaling-weak.sh"

# the submit helper: array -> afterok -> postprocess; it prints the job ids
(cd "$D" && timeout 30 "$J/submit-sweep.sh" -s 3 -t 5 -N arr -d "$D/results" -- --kill-on-invalid-dep=yes $SMALL) >"$D/submit.txt" 2>&1 ||
  { cat "$D/submit.txt"; fail "jobs/submit-sweep.sh failed"; }
cat "$D/submit.txt"
array_id=$(awk '$1 == "array" {print $2}' "$D/submit.txt")
post_id=$(awk '$1 == "postprocess" {print $2}' "$D/submit.txt")
[[ "$array_id" =~ ^[0-9]+$ && "$post_id" =~ ^[0-9]+$ ]] || fail "submit-sweep.sh did not print the job ids"
scontrol show job "$post_id" | grep -q "Dependency=afterok:${array_id}" || fail "postprocess job $post_id does not depend on afterok:$array_id"
# wait for the post-processing job through a no-op job that depends on it (afterany)
submit chain 180 -- --dependency=afterany:"$post_id" --time=1 --wrap=true

# ---- collect ----
wait_job() { # wait_job NAME: the sbatch --wait waiter must succeed
  local rc=0
  wait "${waiter[$1]}" || rc=$?
  [ $rc = 124 ] && fail "$1: timed out (sbatch --wait under timeout); $(cat "$D/$1.sbatch")"
  [ $rc = 0 ] || { cat "$D/$1.sbatch"; [ -e "$D/$1.out" ] && cat "$D/$1.out"; fail "$1: job failed (sbatch --wait status $rc)"; }
  echo "ok: job $1 completed ($(elapsed))"
}

for j in mpi_srun mpi_mpiexec; do wait_job "$j"; done
for l in srun mpiexec; do
  f="$D/results/mpi-$l.h5"
  SAME "$f" "$D/ref/small.h5" --root sweep_points --root seed || fail "sweep-mpi.sh via $l differs from the 1-rank run"
  ranks=$("$PYTHON" -c "import h5py, sys; print(int(h5py.File(sys.argv[1]).attrs['mpi_ranks']))" "$f")
  [ "$ranks" = 2 ] || fail "sweep-mpi.sh via $l: mpi_ranks = $ranks, expected 2 (ranks did not form one MPI job)"
  jid=$("$PYTHON" -c "import h5py, sys; print(h5py.File(sys.argv[1]).attrs.get('slurm_job_id', ''))" "$f")
  [ -n "$jid" ] || fail "sweep-mpi.sh via $l: no slurm_job_id in the provenance"
  echo "ok: sweep-mpi.sh via $l: 2 ranks (job $jid) == 1-rank run"
done

wait_job chain
for id in $array_id "$post_id"; do
  st=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | sort -u | cut -d= -f2 | tr '\n' ' ')
  [ "$st" = "COMPLETED " ] || fail "job $id ended in state(s) $st"
done
n_tasks=$(scontrol show job "$array_id" | grep -c '^JobId=')
[ "$n_tasks" = 3 ] || fail "array job $array_id has $n_tasks tasks, expected 3"
ls "$D/results"/arr.slice{0,1,2}of3.h5 >/dev/null || fail "the array did not write 3 slice files"
SAME "$D/results/arr.h5" "$D/ref/small.h5" --allow-dropped --root sweep_slice --root sweep_first --root sweep_count \
  --root sweep_points --root seed || fail "array + merge differs from the single run"
pngs=$(ls "$D/results/arr-figures/"*.png 2>/dev/null | wc -l)
[ "$pngs" -ge 1 ] || fail "the post-processing job drew no figures"
grep -q "status: *complete" "$D/results/arr.txt" || fail "the post-processing job's optdyn-info report is missing"
# the dependency held: postprocess started after every array task ended
"$PYTHON" - "$array_id" "$post_id" <<'PY' || fail "postprocess started before the array finished"
import subprocess, sys
def times(jid, key):
    out = subprocess.run(["scontrol", "show", "job", jid], capture_output=True, text=True).stdout
    return [w.split("=", 1)[1] for w in out.split() if w.startswith(key + "=")]
ends, start = times(sys.argv[1], "EndTime"), times(sys.argv[2], "StartTime")[0]
assert all(e <= start for e in ends), (ends, start)
print(f"ok: postprocess started {start}, after the array tasks ended ({max(ends)})")
PY
echo "ok: submit-sweep.sh: array $array_id (3 tasks) -> postprocess $post_id: merged == single run, $pngs figure(s)"

wait_job strong
wait_job weak
"$PYTHON" - "$D/results/strong.h5" "$D/results/weak.h5" <<'PY' || fail "scaling files are wrong"
import sys, h5py, numpy as np
for path, kind in zip(sys.argv[1:3], ("strong", "weak")):
    with h5py.File(path) as f:
        assert f.attrs["command"] == "scaling" and f.attrs["kind"] == kind, dict(f.attrs)
        r, t, s, e = (f["scaling/" + k][()] for k in ("ranks", "seconds", "speedup", "efficiency"))
        assert list(r) == [1, 2], r
        assert np.all(t > 0) and np.all(np.isfinite(s)) and np.allclose(e, s / r), (t, s, e)
        assert f["scaling/seconds"].attrs["units"] == "s"
        ident = f["scaling/identical"][()]
        if kind == "strong":
            assert list(ident) == [1, 1], f"runs at 1 and 2 ranks not bitwise identical: {ident}"
        else:
            assert list(f["scaling/work"][()]) == [1000, 2000], f["scaling/work"][()]
    print(f"ok: {kind} scaling: ranks {list(r)}, seconds {np.round(t, 2).tolist()}, efficiency {np.round(e, 2).tolist()}")
PY
[ -e "$D/results/strong-figures/scaling_strong.png" ] && [ -e "$D/results/weak-figures/scaling_weak.png" ] ||
  fail "scaling figures missing"

wait_job ckpt
wait "$ref_pid" || fail "the long reference run failed: $(cat "$D/ref/long.log")"
starts=$(grep -c "optdyn ckpt job .*: start" "$D/ckpt.out")
grep -q "requeueing job" "$D/ckpt.out" || fail "the checkpoint job never requeued (did the sweep finish before the signal?)"
grep -q "restarting from .*long.h5.ckpt" "$D/ckpt.out" || fail "the requeued job did not restart from the checkpoint"
grep -q "finished, wrote" "$D/ckpt.out" || fail "the checkpoint job did not finish"
SAME "$D/results/long.h5" "$D/ref/long.h5" --root sweep_points --root seed ||
  fail "checkpointed + requeued job differs from the uninterrupted run"
[ ! -e "$D/results/long.h5.ckpt" ] || fail "checkpoint file left behind"
echo "ok: checkpoint-requeue.sh: signalled before its time limit, requeued, $starts starts, result == uninterrupted run"
echo "PASS ($(elapsed))"
status=0
