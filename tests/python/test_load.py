"""optdyn.load and Run.to_xarray(): provenance, units, and a labelled Dataset whose
coordinates are the sweep axes, for a small file of every command; a merged sweep labels
like a single run; HDF5 dimension scales take precedence over the conventions."""
import h5py
import numpy as np
import pytest

import optdyn


def assert_round_trip(path, ds, names):
    """Each Dataset variable holds the file's dataset bit for bit, with its units."""
    with h5py.File(path, "r") as f:
        for var, h5name in names.items():
            a, b = np.asarray(ds[var].values), f[h5name][()]
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), var
            units = f[h5name].attrs["units"]
            assert ds[var].attrs["units"] == (units.decode() if isinstance(units, bytes) else units), var


def test_escape_labels_T_and_steps(run_optdyn):
    path = run_optdyn("escape", "-escape_T_num", "3", "-escape_walkers", "300", "-escape_steps", "10,100,1000")
    run = optdyn.load(path)
    assert run.provenance["command"] == "escape" and "git_revision" in run.provenance
    var = run.datasets["escape/p_escape"]
    assert var.units == "1" and var.description and var.shape == (3, 3)
    ds = run.to_xarray()
    for v in ("p_escape", "ci_low", "ci_high", "consecutive_p"):
        assert ds[v].dims == ("T", "steps")          # shared coordinates, not one set per dataset
    assert ds["walker_steps"].dims == ("T",)
    np.testing.assert_array_equal(ds["T"].values, run["escape/T"])
    assert list(ds["steps"].values) == [10, 100, 1000]
    assert ds["T"].attrs["units"] == run.units("escape/T")
    assert ds.attrs["command"] == "escape" and "escape/W0" in ds.attrs
    assert_round_trip(path, ds, {"p_escape": "escape/p_escape", "T": "escape/T", "hist_counts": "escape/hist_counts"})
    p = ds["p_escape"].sel(steps=100)                 # label-based selection works
    assert p.dims == ("T",) and np.all((p >= 0) & (p <= 1))


def test_merged_sweep_is_one_line(run_optdyn, tmp_path):
    from optdyn.merge import merge

    common = ["escape", "-escape_T_num", "4", "-escape_walkers", "200", "-escape_steps", "10,100"]
    whole = run_optdyn(*common, out="whole.h5")
    slices = [run_optdyn(*common, "-sweep_slice", f"{k}/2", out=f"s{k}.h5") for k in range(2)]
    list(merge([str(s) for s in reversed(slices)], str(tmp_path / "merged.h5")))
    merged = optdyn.load(tmp_path / "merged.h5").to_xarray()
    single = optdyn.load(whole).to_xarray()
    assert merged["p_escape"].dims == ("T", "steps") and merged.sizes["T"] == 4
    assert merged["p_escape"].identical(single["p_escape"])


def test_oscillator_labels_eta_and_beta(run_optdyn):
    # as many etas as betas: the maps must still be (eta, beta) and critical_eta over beta
    path = run_optdyn("oscillator", "-osc_eta_num", "3", "-osc_beta_num", "3", "-osc_steps", "100", "-osc_traj_steps", "10")
    ds = optdyn.load(path).to_xarray()
    for v in ("rate_measured", "rate_predicted", "zeta", "regime"):
        assert ds[v].dims == ("eta", "beta")
    assert ds["critical_eta"].dims[0] == "beta"
    assert ds["rate_dir"].dims[:2] == ("eta", "beta")
    assert_round_trip(path, ds, {"rate_measured": "oscillator/rate_measured", "eta": "oscillator/eta",
                                 "beta": "oscillator/beta"})


def test_op_1d_and_2d_landscapes(run_optdyn, source_dir):
    path = run_optdyn("op", "-options_file_yaml", f"{source_dir}/configs/op-therm.yaml", "-op_s0_num", "9")
    ds = optdyn.load(path).to_xarray()
    assert ds["comp"].dims == ("s0",) and ds["op"].dims == ("s0",) and ds.sizes["s0"] == 9
    assert ds["trajectory_w"].dims[0] == "trajectory_t"
    assert_round_trip(path, ds, {"comp": "op/comp", "s0": "op/s0"})
    path = run_optdyn("op", "-options_file_yaml", f"{source_dir}/configs/op-lorenz-rho08.yaml",
                      "-op_s0_num", "4", "-op_s1_num", "3", "-op_t", "1", out="lorenz.h5")
    run = optdyn.load(path)
    ds = run.to_xarray()
    assert ds["op"].dims == ("s0", "s1") and ds["op"].shape == (4, 3)
    np.testing.assert_array_equal(ds["s0"].values, run["op/grid_s0"])
    np.testing.assert_array_equal(ds["s1"].values, run["op/grid_s1"])
    # the point (i, j) of the grid is point i * 3 + j of the file
    np.testing.assert_array_equal(ds["op"].values.ravel(), run["op/op"])


def test_fp_1d_and_2d(run_optdyn, source_dir):
    path = run_optdyn("fp", "-options_file_yaml", f"{source_dir}/configs/fp-gd.yaml", "-fp_n", "400", "-fp_nt", "6")
    run = optdyn.load(path)
    ds = run.to_xarray()
    assert ds["P"].dims == ("t", "W") and ds["mean"].dims == ("t",) and ds["L"].dims == ("W",)
    assert_round_trip(path, ds, {"P": "fp/P", "W": "fp/W", "t": "fp/t"})
    path = run_optdyn("fp", "-options_file_yaml", f"{source_dir}/configs/fp-2d.yaml", "-fp_nx", "16", "-fp_ny", "12",
                      "-fp_nt", "3", "-fp_t_final", "4", out="fp2d.h5")
    ds = optdyn.load(path).to_xarray()
    assert ds["P"].dims == ("t", "y", "x") and ds["P"].shape == (3, 12, 16)
    assert ds["L"].dims == ("y", "x")


def test_es_generations(run_optdyn, source_dir):
    path = run_optdyn("es", "-options_file_yaml", f"{source_dir}/configs/es-himmelblau-vo-natural.yaml",
                      "-es_generations", "20")
    ds = optdyn.load(path).to_xarray()
    assert ds["f_mean"].dims == ("generation",) and ds.sizes["generation"] == 20
    assert ds["mu"].dims == ("generation", "component") and ds["mu"].shape == (20, 2)
    assert ds["minima"].dims == ("minimum", "component")


def test_dimension_scales_take_precedence(tmp_path):
    """A file with HDF5 dimension scales: the scales name the axes, even where the escape
    conventions would choose differently (the axis order here is (steps, T))."""
    path = tmp_path / "scales.h5"
    with h5py.File(path, "w") as f:
        f.attrs["command"] = "escape"
        g = f.create_group("escape")
        T = g.create_dataset("T", data=[0.1, 0.2, 0.3])
        steps = g.create_dataset("steps", data=[10, 100, 1000])
        p = g.create_dataset("p_escape", data=np.arange(9.0).reshape(3, 3))
        p.attrs["units"], p.attrs["sweep_axis"] = "1", 0
        T.make_scale("T")
        steps.make_scale("steps")
        p.dims[0].attach_scale(steps)
        p.dims[1].attach_scale(T)
    run = optdyn.load(path)
    assert "REFERENCE_LIST" not in run.datasets["escape/T"].attrs
    ds = run.to_xarray()
    assert ds["p_escape"].dims == ("steps", "T")
    assert list(ds["steps"].values) == [10, 100, 1000]


def test_is_complete_and_provenance(run_optdyn, tmp_path):
    path = run_optdyn("escape", "-escape_T_num", "2", "-escape_walkers", "100", "-escape_steps", "10")
    assert optdyn.is_complete(path) and not optdyn.is_complete(str(path) + ".partial")
    assert optdyn.provenance(path)["command"] == "escape"
    with pytest.raises(OSError):
        optdyn.load(tmp_path / "missing.h5")
