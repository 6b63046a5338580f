#!/bin/bash
# `optdyn help COMMAND` (and COMMAND -h/--help/-help) lists the command's own options with
# type, default, range and meaning, without PETSc's generic help; computed defaults state
# their rule, and escape's computed values agree with what a run uses; misspelled options and
# enumeration values get a "did you mean" suggestion.
source "$(dirname "$0")/lib.sh"
common='^-(landscape|o|seed|quiet|restart|sweep_slice|sweep_checkpoint_interval|simd)$'
# every command the driver lists
commands=$("$OPTDYN" help | awk '/^commands:/ {on = 1; next} on && NF {print $1}')
[ -n "$commands" ] || fail "optdyn help lists no commands"
for c in $commands; do
  "$OPTDYN" help "$c" > help.txt || fail "optdyn help $c failed"
  for flag in -h --help -help; do
    "$OPTDYN" "$c" $flag > flag.txt || fail "optdyn $c $flag failed"
    cmp -s help.txt flag.txt || fail "optdyn $c $flag differs from optdyn help $c"
  done
  if grep -nE '<now |formerly|\(None\)|debugger|-device|Options for all PETSc|PETSc Option Table|-malloc|-log_view <' help.txt; then
    fail "help of $c shows PETSc boilerplate"
  fi
  prefix=$(sed -n 's/^Options of this command start with -\([a-z0-9]*_\);.*/\1/p' help.txt)
  [ -n "$prefix" ] || fail "help of $c does not name its option prefix"
  n=0
  while read -r name rest; do
    n=$((n + 1))
    [[ $name == -$prefix* ]] || [[ $name =~ $common ]] || fail "help of $c lists a foreign option $name"
  done < <(grep -E '^  -' help.txt)
  [ $n -ge 5 ] || fail "help of $c lists only $n options"
  # every option has a type and a default (on its line or the next one)
  bad=$(awk '/^  -/ {if (name != "" && !seen) print name; name = $1; seen = ($0 ~ /default: ./); if ($0 !~ /<[^>]+>/) print name " (no type)"; next}
             /^      default: ./ {seen = 1} END {if (name != "" && !seen) print name}' help.txt)
  [ -z "$bad" ] || fail "help of $c: options without type or default: $bad"
  grep -qE '^(Model|Numerics|Sweep|Output|Run control):$' help.txt || fail "help of $c has no groups"
  echo "ok: help $c ($n options, $(wc -l < help.txt) lines)"
done

# computed defaults show their rule, not a placeholder value
default_of() { # COMMAND OPTION [extra options]: the default field of OPTION
  local c=$1 o=$2; shift 2
  "$OPTDYN" help "$c" "$@" > default.txt
  awk -v o="$o" '$1 == o {l = $0; getline nxt; if (l ~ /default: /) {sub(/.*default: /, "", l); print l} else {sub(/^ *default: /, "", nxt); print nxt}; exit}' default.txt
}
expect_default() { # COMMAND OPTION PATTERN
  local d; d=$(default_of "$1" "$2")
  echo "$d" | grep -q -- "$3" || fail "default of $2 is '$d', expected it to match '$3'"
  echo "ok: $1 $2 default: $d"
}
expect_default fp -fp_dt 't_final/1000'
expect_default fp -fp_init_a 'Wmin'
expect_default fp -fp_init_b 'Wmax'
expect_default es -es_mu0 'objective'
expect_default es -es_sigma0 'objective'
expect_default es -es_natural 'vo'
expect_default oscillator -osc_x0 'minimum'
expect_default oscillator -osc_traj_eta 'critical'
expect_default op -op_t_A 'all times'

# escape's computed defaults are the values a run actually uses, for two landscapes
cat > land.yaml <<'YAML'
landscape:
  family: gauss
  datapoints: 2
  point_0: "1 1 2"
  point_1: "1 1 2; 0.8 60 1.1"
YAML
for ls in seed land.yaml; do
  view=$("$OPTDYN" escape -landscape $ls -escape_walkers 20 -escape_T_num 1 -escape_steps 10 -quiet -o esc.h5)
  W0=$(echo "$view" | sed -n 's/.*W0 = \([0-9.]*\),.*/\1/p')
  edge=$(echo "$view" | sed -n 's/.*edge = \([0-9.]*\),.*/\1/p')
  [ -n "$W0" ] && [ -n "$edge" ] || fail "cannot read W0/edge from: $view"
  hW0=$(default_of escape -escape_W0 -landscape $ls)
  hedge=$(default_of escape -escape_edge -landscape $ls)
  hwmin=$(default_of escape -escape_exact_Wmin -landscape $ls)
  echo "$hW0" | grep -q "pit minimum.*: $W0 for $ls" || fail "help W0 default '$hW0' does not show the run's W0 = $W0"
  echo "$hedge" | grep -q "barrier top.*: $edge for $ls" || fail "help edge default '$hedge' does not show the run's edge = $edge"
  shown=$(echo "$hwmin" | sed -n "s/.*: \([-0-9.]*\) for $ls/\1/p")
  wmin=$("$PYTHON" -c "print('%.6f' % ($W0 - 2 * ($edge - $W0)))")
  "$PYTHON" -c "import sys; sys.exit(abs(float('$shown') - $wmin) > 4e-6)" || fail "help exact_Wmin default '$hwmin' is not W0 - 2 (edge - W0) = $wmin (up to the 6 printed decimals)"
  echo "ok: escape computed defaults on $ls: W0 $W0, edge $edge, exact_Wmin $wmin"
done

# did you mean
expect_error() { # PATTERN COMMAND ARGS...
  local pattern=$1; shift
  set +e; out=$("$OPTDYN" "$@" -o dym.h5 2>&1); status=$?; set -e
  [ $status -ne 0 ] || fail "'$*' exited 0"
  echo "$out" | grep -qF -- "$pattern" || fail "'$*': message does not contain '$pattern': $out"
  [ ! -e dym.h5 ] || fail "'$*' wrote output"
  echo "ok: $* -> $out"
}
expect_error "unknown option: -escape_walker 5 (did you mean -escape_walkers?)" escape -escape_walker 5
expect_error "unknown option: -osc_eta_mn 0.1 (did you mean -osc_eta_min?)" oscillator -osc_eta_mn 0.1
expect_error "unknown option: -walkers 5 (did you mean -escape_walkers?)" escape -walkers 5
expect_error "option -escape_method = 'exakt' is not allowed: expected one of mc, exact; did you mean 'exact'?" escape -escape_method exakt
# nothing close: no suggestion
set +e; out=$("$OPTDYN" escape -completely_unrelated 1 2>&1); set -e
echo "$out" | grep -q "unknown option: -completely_unrelated 1" || fail "unrelated option not rejected: $out"
if echo "$out" | grep -q "did you mean"; then fail "suggestion for an unrelated option: $out"; fi

# PETSc's own help stays reachable and does no work
"$OPTDYN" escape -petsc_help -o petsc.h5 > petsc.txt 2>&1 || fail "-petsc_help failed"
grep -q "escape_walkers" petsc.txt || fail "-petsc_help does not list the options"
[ ! -e petsc.h5 ] || fail "-petsc_help ran the command"
echo "ok: -petsc_help"
