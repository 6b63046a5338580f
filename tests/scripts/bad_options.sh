#!/bin/bash
# Each kind of bad option stops the run before any work, names the option and the value,
# exits non-zero, and leaves no output file.
source "$(dirname "$0")/lib.sh"
expect_error() {
  local pattern=$1; shift
  set +e
  out=$("$OPTDYN" escape -o out.h5 -escape_walkers 10 "$@" 2>&1)
  status=$?
  set -e
  [ $status -ne 0 ] || fail "'$*' exited 0"
  grep -q -- "$pattern" <<<"$out" || fail "'$*': message does not match '$pattern': $out"
  [ ! -e out.h5 ] && [ ! -e out.h5.partial ] || fail "'$*' left an output file"
  echo "ok: $* -> $(echo "$out" | head -1)"
}
expect_error "option -escape_T_min = -0.5 is out of range: allowed > 0" -escape_T_min -0.5
expect_error "option -escape_T_min = 0 is out of range" -escape_T_min 0
expect_error "option -escape_T_max = 'abc' is not a real number" -escape_T_max abc
expect_error "option -escape_walkers = 0 is out of range: allowed >= 1" -escape_walkers 0
expect_error "option -escape_T_num = '3.5' is not an integer" -escape_T_num 3.5
expect_error "option -escape_steps = '100,x'" -escape_steps 100,x
expect_error "option -escape_steps: budgets must increase" -escape_steps 1000,100
expect_error "option -escape_steps = 0 is out of range" -escape_steps 0
expect_error "option -escape_method = 'exakt' is not allowed: expected one of mc, exact" -escape_method exakt
expect_error "option -escape_T_max = 0.005 is not allowed: must be >= -escape_T_min" -escape_T_max 0.005
expect_error "option -escape_edge = 0.5 is not allowed: must be > W0" -escape_edge 0.5
expect_error "unknown option: -escape_T_mni 0.1" -escape_T_mni 0.1
expect_error "option -landscape = 'sead' is not allowed" -landscape sead
expect_error "option -landscape = 'missing.yaml': file not found" -landscape missing.yaml
expect_error "option -sweep_slice = '3/3' is not allowed" -sweep_slice 3/3
expect_error "option -seed = '-1' is not allowed" -seed -1
expect_error "option -o = nodir/x.h5: cannot create" -o nodir/x.h5
printf 'escape_T_min: -1\n' > bad.yaml
expect_error "option -escape_T_min = -1 is out of range" -options_file_yaml bad.yaml
# at 2 ranks the error is reported once and the exit status is non-zero
set +e
out=$(run_np 2 escape -escape_T_min -1 -o out.h5 2>&1); status=$?
set -e
[ $status -ne 0 ] || fail "2 ranks: exit 0"
[ "$(echo "$out" | grep -c 'option -escape_T_min')" = 1 ] || fail "2 ranks: message not printed exactly once: $out"
[ ! -e out.h5 ] || fail "2 ranks left a file"
echo "bad_options: OK"
