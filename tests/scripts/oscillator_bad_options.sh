#!/bin/bash
# Bad hyperparameters (eta <= 0, beta outside [0, 1), ...) stop `optdyn oscillator` before any
# work with a message naming the option and value, a non-zero status and no output file.
source "$(dirname "$0")/lib.sh"
expect_error() {
  local pattern=$1; shift
  set +e
  out=$("$OPTDYN" oscillator -o out.h5 -osc_eta_num 3 -osc_beta_num 3 -osc_steps 10 "$@" 2>&1)
  status=$?
  set -e
  [ $status -ne 0 ] || fail "'$*' exited 0"
  grep -q -- "$pattern" <<<"$out" || fail "'$*': message does not match '$pattern': $out"
  [ ! -e out.h5 ] && [ ! -e out.h5.partial ] || fail "'$*' left an output file"
  echo "ok: $* -> $(echo "$out" | head -1)"
}
expect_error "option -osc_eta_min = 0 is out of range" -osc_eta_min 0
expect_error "option -osc_eta_min = -0.1 is out of range" -osc_eta_min -0.1
expect_error "option -osc_beta_max = 1 is out of range" -osc_beta_max 1
expect_error "option -osc_beta_min = -0.1 is out of range" -osc_beta_min -0.1
expect_error "option -osc_beta_max = 0.2 is not allowed: must be >= -osc_beta_min" -osc_beta_min 0.5 -osc_beta_max 0.2
expect_error "option -osc_traj_beta = 1 is out of range" -osc_traj_eta 0.1 -osc_traj_beta 1
expect_error "option -osc_beta2 = 1 is out of range" -osc_optimizer adam -osc_beta2 1
expect_error "option -osc_optimizer = 'sgd' is not allowed: expected one of gd, momentum, nesterov, adam, rmsprop" -osc_optimizer sgd
expect_error "unknown option: -osc_eta 0.1" -osc_eta 0.1
printf 'osc:\n  beta_max: 1.0\n' > bad.yaml
expect_error "option -osc_beta_max = 1" -options_file_yaml bad.yaml
set +e
out=$(run_np 2 oscillator -osc_eta_min -1 -o out.h5 2>&1); status=$?
set -e
[ $status -ne 0 ] || fail "2 ranks: exit 0"
[ "$(echo "$out" | grep -c 'option -osc_eta_min')" = 1 ] || fail "2 ranks: message not printed exactly once: $out"
[ ! -e out.h5 ] || fail "2 ranks left a file"
echo "oscillator_bad_options: OK"
