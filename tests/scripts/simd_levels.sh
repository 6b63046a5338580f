#!/bin/bash
# Full escape and op (Lorenz) runs at every instruction-set level this CPU supports give bitwise identical
# datasets (the scalar reference against sse2, avx2, avx512), each file records its level in
# the root attribute simd_level, and forcing a level the CPU lacks is a clear error.
source "$(dirname "$0")/lib.sh"
common=(escape -escape_T_num 4 -escape_walkers 1500 -escape_chunk 400 -escape_steps 30,700 -quiet)
"$OPTDYN" "${common[@]}" -simd scalar -o scalar.h5 >/dev/null
ran=0
for level in sse2 avx2 avx512; do
  if ! "$OPTDYN" "${common[@]}" -simd "$level" -o "$level.h5" >out.txt 2>&1; then
    grep -q "option -simd = $level is not allowed: this CPU does not support it" out.txt || { cat out.txt; fail "$level: unexpected error"; }
    echo "$level: not supported here (error checked)"
    continue
  fi
  same_datasets scalar.h5 "$level.h5" || fail "$level differs from scalar"
  ran=$((ran + 1))
done
[ "$ran" -ge 1 ] || fail "no vectorized level ran"
"$OPTDYN" "${common[@]}" -o auto.h5 >/dev/null
same_datasets scalar.h5 auto.h5 || fail "auto differs from scalar"
"$PYTHON" -c "
import h5py
for name, want in [('scalar.h5', 'scalar'), ('sse2.h5', 'sse2')]:
    got = h5py.File(name).attrs['simd_level']
    got = got.decode() if isinstance(got, bytes) else got
    assert got == want, (name, got)
a = h5py.File('auto.h5').attrs['simd_level']
assert (a.decode() if isinstance(a, bytes) else a) in ('sse2', 'avx2', 'avx512'), a
p = h5py.File('scalar.h5')['escape/p_escape'][()]
assert 0 < p.max() and p.min() < 1, p
print('simd_level recorded; auto =', a)
"
if "$OPTDYN" "${common[@]}" -simd avx9 -o bad.h5 >out.txt 2>&1; then fail "-simd avx9 accepted"; fi
grep -q -- "-simd" out.txt || { cat out.txt; fail "bad -simd value: message does not name the option"; }
# op's Lorenz landscape (lane kernel) at every available level equals the scalar engine
lorenz=(op -op_system lorenz -op_s0_num 9 -op_s1_num 5 -op_t 1 -op_delta_check true -quiet)
"$OPTDYN" "${lorenz[@]}" -simd scalar -o op_scalar.h5 >/dev/null
for level in sse2 avx2 avx512; do
  "$OPTDYN" "${lorenz[@]}" -simd "$level" -o "op_$level.h5" >/dev/null 2>&1 || continue
  same_datasets op_scalar.h5 "op_$level.h5" || fail "op: $level differs from scalar"
done
# oscillator (lane kernel of the measurement): whole files at every level, and 2 ranks at the
# default level, equal the scalar reference; a linear (renormalized) and a nonlinear map
for run in "quad2d -osc_optimizer momentum -osc_steps 600" "rosenbrock -osc_optimizer adam -osc_eta_max 0.3 -osc_steps 800"; do
  osc=(oscillator -osc_problem $run -osc_eta_num 7 -osc_beta_num 11 -osc_traj_steps 20 -quiet)
  "$OPTDYN" "${osc[@]}" -simd scalar -o osc_scalar.h5 >/dev/null
  for level in sse2 avx2 avx512; do
    "$OPTDYN" "${osc[@]}" -simd "$level" -o "osc_$level.h5" >/dev/null 2>&1 || continue
    same_datasets osc_scalar.h5 "osc_$level.h5" || fail "oscillator ($run): $level differs from scalar"
  done
  run_np 2 "${osc[@]}" -o osc_np2.h5 >/dev/null
  same_datasets osc_scalar.h5 osc_np2.h5 || fail "oscillator ($run): 2 ranks at the default level differ from scalar"
done
"$PYTHON" -c "
import h5py
a = h5py.File('osc_scalar.h5').attrs['simd_level']
assert (a.decode() if isinstance(a, bytes) else a) == 'scalar', a
"
echo "simd_levels: OK"
