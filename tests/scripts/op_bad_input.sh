#!/bin/bash
# optdyn op: bad tables (state out of range, probabilities not summing to 1, ...) and bad
# options stop the run before any output, name the option, and exit non-zero.
source "$(dirname "$0")/lib.sh"
expect_error() {
  local pattern=$1; shift
  set +e
  out=$("$OPTDYN" op -o out.h5 "$@" 2>&1)
  status=$?
  set -e
  [ $status -ne 0 ] || fail "'$*' exited 0"
  grep -q -- "$pattern" <<<"$out" || fail "'$*': message does not match '$pattern': $out"
  [ ! -e out.h5 ] && [ ! -e out.h5.partial ] || fail "'$*' left an output file"
  echo "ok: $(echo "$out" | head -1)"
}
good="$OPTDYN_SOURCE/configs/op-finite-dumb.yaml"
fin=(-op_system finite -op_finite_a_states hot,warm,cold -op_finite_b_states high,low,off)
tab="hot/off,hot/off,warm/off,hot/low,warm/low,cold/low,warm/high,cold/high,cold/high"
# finite-state tables
expect_error "option -op_finite_table: entry 8 for (cold, off): state '3' of A is out of range: allowed hot, warm, cold (or 0..2)" "${fin[@]}" -op_finite_table "${tab%cold/high}3/0"
expect_error "state 'on' of B is out of range: allowed high, low, off" "${fin[@]}" -op_finite_table "${tab%cold/high}cold/on"
expect_error "option -op_finite_table is not allowed: expected 9 entries" "${fin[@]}" -op_finite_table hot/off,hot/off
expect_error "option -op_finite_table is required" "${fin[@]}"
# distributions
expect_error "option -op_finite_p = '.*' is not allowed: probabilities sum to 0.916666666667, must sum to 1" -options_file_yaml "$good" -op_finite_p 0,0,1/3,0,1/3,0,1/4,0,0
expect_error "option -op_finite_p: entry 8 = '-1/3' is out of range: probabilities must be >= 0" -options_file_yaml "$good" -op_finite_p 0,0,1/3,0,2/3,0,1/3,0,-1/3
printf 'op:\n  system: finite\n  finite:\n    a_states: [a, b]\n    b_states: [u, v]\n    table: [a/u, a/v, b/w, b/v]\n' > badtable.yaml
expect_error "state 'w' of B is out of range: allowed u, v" -options_file_yaml badtable.yaml
# continuous systems (the parsers' other errors are covered by unit_op_finite)
expect_error "option -op_system = 'lorentz' is not allowed: expected one of thermostat, therm, lorenz, finite" -op_system lorentz
expect_error "option -op_t = 10.005 is not allowed: must be a positive multiple of -op_dt = 0.01" -op_t 10.005
expect_error "option -op_s0_num = 0 is out of range: allowed >= 1" -op_s0_num 0
expect_error "option -op_n = T is not allowed: the perturbed variable must not be in -op_A = T" -op_n T
expect_error "option -op_A = 'x' is not allowed: expected a variable of system lorenz (a, b, c)" -op_system lorenz -op_A x
# options of another system are unknown
expect_error "unknown option: -op_lorenz_rho" -op_system therm -op_lorenz_rho 0.8
# at 2 ranks the message is printed once
set +e
out=$(run_np 2 op -options_file_yaml "$good" -op_finite_p 1,1,0,0,0,0,0,0,0 -o out.h5 2>&1); status=$?
set -e
[ $status -ne 0 ] || fail "2 ranks: exit 0"
[ "$(echo "$out" | grep -c 'must sum to 1')" = 1 ] || fail "2 ranks: message not printed exactly once: $out"
[ ! -e out.h5 ] && [ ! -e out.h5.partial ] || fail "2 ranks left a file"
echo "op_bad_input: OK"
