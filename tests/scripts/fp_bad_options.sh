#!/bin/bash
# Bad options stop `optdyn fp` before any work: non-zero exit, a message naming the option,
# and no output file (neither NAME.h5 nor NAME.h5.partial).
source "$(dirname "$0")/lib.sh"
check() {
  local name=$1; shift
  if "$OPTDYN" fp -o bad.h5 -quiet "$@" >out.txt 2>err.txt; then fail "$* succeeded"; fi
  grep -q -- "$name" err.txt || { cat err.txt; fail "$*: message does not name $name"; }
  [ ! -e bad.h5 ] && [ ! -e bad.h5.partial ] || fail "$*: output file left behind"
}
check -fp_T -fp_T 0
check -fp_n -fp_n 12x
check -fp_alpha -fp_alpha 2
check -fp_Wmax -fp_Wmin 2 -fp_Wmax 1
check -fp_nt -fp_nt 1
check -fp_right -fp_right sticky
check -fp_init_W -fp_init point -fp_init_W 10
check -fp_init_mean -fp_init_mean 100
# (more range checks of the same getters: tests/scripts/bad_options.sh and the option table in docs/fp.md)
check -fp_stationary -fp_stationary -fp_right absorbing
check -fp_foo -fp_foo 3
# more ranks than cells
if run_np 2 fp -o bad.h5 -quiet -fp_n 3 >out.txt 2>err.txt; then fail "-fp_n 3 on 2 ranks succeeded"; fi
grep -q -- -fp_n err.txt || fail "-fp_n 3 on 2 ranks: message"
[ ! -e bad.h5 ] || fail "file left"
echo "fp_bad_options: OK"
