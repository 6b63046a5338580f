#!/bin/bash
# Bad ES options stop the run before any output, name the option and value, exit non-zero.
source "$(dirname "$0")/lib.sh"
expect_error() {
  local pattern=$1; shift
  set +e
  out=$("$OPTDYN" es -o out.h5 -quiet -es_generations 3 "$@" 2>&1)
  status=$?
  set -e
  [ $status -ne 0 ] || fail "'$*' exited 0"
  grep -q -- "$pattern" <<<"$out" || fail "'$*': message does not match '$pattern': $out"
  [ ! -e out.h5 ] && [ ! -e out.h5.partial ] && [ ! -e out.h5.ckpt ] || fail "'$*' left an output file"
  echo "ok: $* -> $(echo "$out" | head -1)"
}
expect_error "option -es_sigma0 = 0 is out of range: allowed > 0" -es_sigma0 0
expect_error "option -es_population = 0 is out of range: allowed >= 1" -es_population 0
expect_error "option -es_population = 7 is not allowed with -es_antithetic: N must be even" -es_antithetic -es_population 7
expect_error "option -es_objective = 'himmelbau' is not allowed: expected one of himmelblau, sinc" -es_objective himmelbau
expect_error "option -es_distribution = univariate is not allowed for d = 2" -es_distribution univariate
expect_error "option -es_mu0 (or -es_dim) gives dimension 3, which is not allowed: objective himmelblau has dimension 2" -es_mu0 1,2,3
expect_error "option -es_sigma_update = adapt is not allowed with -es_algorithm es" -es_algorithm es -es_sigma_update adapt
expect_error "unknown option: -es_sigma 0.1" -es_sigma 0.1
expect_error "rosenbrock needs d >= 2" -es_objective rosenbrock -es_dim 1
echo "es_bad_options: OK"
