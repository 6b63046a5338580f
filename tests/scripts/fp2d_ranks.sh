#!/bin/bash
# optdyn fp -fp_dim 2 at 1, 2 and 4 ranks (2-D DMDA split in strips; MUMPS on several ranks):
# every dataset agrees to 1e-10 relative with the 1-rank run (wells landscape, limited cross
# diffusion; the diagonal-covariance landscape is covered by tests/unit/test_fp2d.c); /fp2d/P has shape [nt, ny, nx]; the
# configs/fp-2d.yaml config runs and tools/optdyn-plot draws its figures; bad options are
# rejected before any file is written.
source "$(dirname "$0")/lib.sh"
common=(-fp_dim 2 -fp_nx 30 -fp_ny 26 -fp_t_final 60 -fp_nt 4 -quiet)
for np in 1 2 4; do
  run_np "$np" fp "${common[@]}" -o "w$np.h5" >/dev/null
done
"$OPTDYN" fp -options_file_yaml "$OPTDYN_SOURCE/configs/fp-2d.yaml" -fp_nx 24 -fp_ny 24 -fp_nt 3 -fp_t_final 20 -o cfg.h5 -quiet >/dev/null
if "$OPTDYN" fp -fp_dim 3 -o bad.h5 -quiet >out.txt 2>err.txt; then fail "-fp_dim 3 accepted"; fi
grep -q -- -fp_dim err.txt || fail "-fp_dim message"
[ ! -e bad.h5 ] && [ ! -e bad.h5.partial ] || fail "file left behind"
bad2d() {
  local name=$1; shift
  if "$OPTDYN" fp -fp_dim 2 -o bad.h5 -quiet "$@" >out.txt 2>err.txt; then fail "$* accepted"; fi
  grep -q -- "$name" err.txt || { cat err.txt; fail "$*: message does not name $name"; }
  [ ! -e bad.h5 ] && [ ! -e bad.h5.partial ] || fail "$*: file left behind"
}
bad2d -fp_xmax -fp_xmax -3
bad2d -landscape2d -landscape2d foo
bad2d -fp_cross -fp_cross bogus
bad2d -landscape2d_point_0 -landscape2d custom -landscape2d_datapoints 1 -landscape2d_point_0 1,2
bad2d -fp_n -fp_n 100
"$PYTHON" - <<'PY'
import h5py, numpy as np, sys
c = h5py.File("cfg.h5", "r")
assert c.attrs["command"] == "fp" and c["fp2d/P"].shape == (3, 24, 24)
for tag in "w":
    f = [h5py.File(f"{tag}{n}.h5", "r") for n in (1, 2, 4)]
    assert f[0]["fp2d/P"].shape == (4, 26, 30), f[0]["fp2d/P"].shape
    assert f[0]["fp2d/P"].attrs["units"] == "1/W^2"
    assert abs(f[0]["fp2d/mass"][-1] - 1) < 1e-12 and f[0]["fp2d"].attrs["P_min"] >= 0
    names = []
    f[0].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    assert {"fp2d/x", "fp2d/y", "fp2d/t", "fp2d/mass", "fp2d/mean", "fp2d/cov", "fp2d/P", "fp2d/Sigma"} <= set(names), names
    for g, n in zip(f[1:], (2, 4)):
        assert g.attrs["mpi_ranks"] == n
        for name in names:
            a, b = f[0][name][()], g[name][()]
            scale = np.max(np.abs(a)) or 1.0
            err = np.max(np.abs(a - b)) / scale
            if not err <= 1e-10:
                sys.exit(f"{tag}: {name} differs at 1 vs {n} ranks: {err:.3g}")
    # the run did something: the mean moved from (1, -1) toward the basin
    m = f[0]["fp2d/mean"][()]
    assert np.hypot(*m[-1]) < 0.8 * np.hypot(*m[0]), m
    print(tag, "ok:", len(names), "datasets agree at 1/2/4 ranks")
PY
# the 2-D figures (density snapshot panels, moments) and the text summary
out=$("$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-plot" cfg.h5 -o figs) || fail "optdyn-plot: $out"
[ -s figs/cfg_density2d.png ] && [ -s figs/cfg_moments2d.png ] || fail "2-D figures missing: $out"
echo "fp2d_ranks: OK"
