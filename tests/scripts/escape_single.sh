#!/bin/bash
# -escape_precision single: (1) every SIMD level gives bitwise the datasets of the plain float
# reference (-simd scalar), at 1 and 2 ranks; (2) its escape probabilities agree with double
# mode at the same seed within 4 standard errors of the difference (treated as independent
# binomials, conservative since both modes use the same random draws; 18 comparisons, a correct
# code fails by chance < 0.2 %, fixed seed); (3) the file records the precision; (4) a landscape
# the float kernel cannot run is a clear error naming the option.
source "$(dirname "$0")/lib.sh"
common=(escape -escape_T_num 6 -escape_T_min 0.011 -escape_T_max 0.016 -escape_walkers 3000 -escape_chunk 700 -escape_steps 40,600,3000 -quiet -seed 11)
"$OPTDYN" "${common[@]}" -escape_precision single -simd scalar -o ref.h5 >/dev/null
for level in sse2 avx2 avx512; do
  "$OPTDYN" "${common[@]}" -escape_precision single -simd "$level" -o "$level.h5" >/dev/null 2>&1 || { echo "$level: not supported here"; continue; }
  same_datasets ref.h5 "$level.h5" || fail "single, $level differs from the float reference"
done
run_np 2 "${common[@]}" -escape_precision single -o np2.h5 >/dev/null
same_datasets ref.h5 np2.h5 || fail "single: 1 vs 2 ranks"
"$OPTDYN" "${common[@]}" -o double.h5 >/dev/null
"$PYTHON" - <<'PY'
import h5py, numpy as np
s, d = h5py.File('ref.h5')['escape'], h5py.File('double.h5')['escape']
prec = lambda f: f.attrs['precision'].decode() if isinstance(f.attrs['precision'], bytes) else f.attrs['precision']
assert prec(s) == 'single' and prec(d) == 'double', (prec(s), prec(d))
n = s.attrs['walkers']
ps, pd = s['p_escape'][()], d['p_escape'][()]
assert 0.2 < ps.max() and ps.min() < 0.05, ps  # not vacuous
se = np.sqrt((ps * (1 - ps) + pd * (1 - pd)) / n)
bad = np.abs(ps - pd) > 4 * se + 1.0 / n
assert not bad.any(), (ps[bad], pd[bad], se[bad])
assert not np.array_equal(s['walker_steps'][()], d['walker_steps'][()]), 'single gave double results'
print('single vs double: max |diff| / se =', float(np.max(np.abs(ps - pd) / np.maximum(se, 1e-300))))
PY
if "$OPTDYN" escape -landscape linear -escape_W0 2 -escape_edge 2.1 -escape_precision single -quiet -o bad.h5 >out.txt 2>&1; then fail "single accepted on the linear landscape"; fi
grep -q "option -escape_precision = single is not allowed" out.txt || { cat out.txt; fail "unclear error for single on linear"; }
echo "escape_single: OK"
