"""The bad-input catalogue: every option of every command, and malformed config, landscape,
finite-state table and checkpoint files, each run once and checked for a clean refusal.

Rows come from two places:
  * tests/bad_inputs.tsv, written by hand (semantics: out-of-range, inconsistent, extreme
    and malformed files), columns  FRAGMENT <TAB> ARGS [<TAB> FLAGS [<TAB> PREP]];
  * generated here from each command's own `-help` listing (so a new option is covered the
    day it is added): every option gets a malformed value of its type and one extreme value
    (nan, inf, 1e999, '', a 5000-character value, in rotation).

A refused row must: exit with status 1; print exactly one non-empty line on stderr, starting
`optdyn: error:` and containing FRAGMENT (the generated rows: `option -NAME`); show no
PETSc error block, HDF5 stack or MPI abort text anywhere; create no file (output, .partial,
.ckpt, temporaries) and leave the files the row was given unchanged. A row whose FRAGMENT is
`OK` is an extreme input that is valid: it must exit 0 and write an output file without NaN
or inf. FLAGS: `np2` runs on 2 ranks (the message must still appear once); `xfail:WHY` marks
a known gap (reported, not failed; an unexpected pass is reported too). PREP is a shell
command run in the row's empty directory first ({FX} = the fixture directory).

usage: bad_input_catalogue.py OPTDYN MPIEXEC SOURCE_DIR [JOBS]
"""
import concurrent.futures as cf
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile

OPTDYN, MPIEXEC, SRC = sys.argv[1:4]
JOBS = int(sys.argv[4]) if len(sys.argv) > 4 else 6
LONG = "1" * 5000
NOISE = ("PETSC ERROR", "HDF5-DIAG", "MPI_ABORT", "MPI_Abort", "ORTE", "Open MPI", "Segmentation", "free():", "Aborted", "Traceback")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def sanitized_build():
    out = subprocess.run(["ldd", OPTDYN], capture_output=True, text=True).stdout
    return "asan" in out or "ubsan" in out


# A missing range check must not take the machine's memory: 3 GiB of address space per row
# (not under AddressSanitizer, which reserves terabytes of address space).
MEMLIMIT = None if sanitized_build() else 3 << 30


def limit_memory():
    if MEMLIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (MEMLIMIT, MEMLIMIT))


# ---------------------------------------------------------------- generated rows
# Each command (or mode) with small sizes, so that a bad value that were accepted would
# still end quickly; per-option contexts switch on the mode the option belongs to.
VARIANTS = [
    ("escape", "escape", "-escape_walkers 20 -escape_chunk 10 -escape_T_num 2 -escape_steps 10,100",
     [(r"^escape_exact_", "-escape_method exact -escape_exact_n 200")],
     r"^(escape_|landscape$|seed$|sweep_|restart$|quiet$)"),
    ("fp", "fp", "-fp_n 100 -fp_t_final 1 -fp_nt 3",
     [(r"^fp_mc_", "-fp_validate -fp_mc_walkers 20"), (r"^fp_init_[ab]$", "-fp_init uniform"), (r"^fp_init_W$", "-fp_init point")],
     r"^fp_"),
    ("fp2d", "fp -fp_dim 2", "-fp_nx 8 -fp_ny 8 -fp_t_final 1 -fp_nt 3", [], r"^fp_"),
    ("es", "es", "-es_generations 3 -es_population 8",
     [(r"^es_var_", "-es_mode variance -es_var_replicates 10 -es_var_population 4 -es_var_sigma 0.1"),
      (r"^es_bound", "-es_bound -es_objective sinc"), (r"^es_momentum$", "-es_optimizer momentum"),
      (r"^es_adam_", "-es_optimizer adam"), (r"^es_sigma_decay$", "-es_algorithm es -es_sigma_update decay")],
     r"^es_"),
    ("op", "op", "-op_s0_num 3 -op_t 0.1",
     [(r"^op_therm_", "-op_system therm"), (r"^(op_k|op_thermostat_)", "-op_system thermostat"),
      (r"^op_lorenz_", "-op_system lorenz -op_x0 1,1,1 -op_n x -op_m x -op_A y"),
      (r"^op_integrator$", "-op_system lorenz -op_x0 1,1,1 -op_n x -op_m x -op_A y"),
      (r"^op_finite_", "!-options_file_yaml {SRC}/configs/op-finite-smart.yaml")],
     r"^op_"),
    ("knowledge", "knowledge", "-kl_hidden 4 -kl_phase1_examples 600 -kl_fork_examples 600 -kl_test_examples 100 -kl_activations softplus",
     [], r"^kl_"),
    ("markov", "markov", "-markov_T 0.02 -markov_n 101 -markov_t_final 10 -markov_nt 3 -markov_mc false -markov_pde false -markov_stationary false -markov_kramers false -markov_land_n 11",
     [(r"^markov_(walkers|chunk|mc_bins)$", "-markov_mc true -markov_walkers 50 -markov_chunk 25"),
      (r"^markov_(pde_n|alpha)$", "-markov_pde true -markov_pde_n 50"),
      (r"^markov_stat_", "-markov_stationary true -markov_stat_n 51"),
      (r"^markov_(kramers_|mfpt_)", "-markov_kramers true -markov_kramers_T 0.02 -markov_kramers_n 51 -markov_mfpt_walkers 10"),
      (r"^markov_gd_", "-markov_gd_steps 5 -markov_gd_T 0.01 -markov_gd_W0 1")],
     r"^markov_"),
    ("oscillator", "oscillator", "-osc_eta_num 2 -osc_beta_num 2 -osc_steps 10 -osc_trajectory false",
     [(r"^osc_traj_", "-osc_trajectory true -osc_traj_steps 5")],
     r"^osc_"),
]
HELP_LINE = re.compile(r"^  -(\w+) <now (.*?) : formerly .*?>: .* \(None\)$")
FILE_OPTS = ("kl_data", "kl_train_images", "kl_train_labels", "kl_test_images", "kl_test_labels")
FREE_TEXT = ("op_finite_a_name", "op_finite_b_name")  # labels: any non-empty text of sane length
EXTREMES = ["nan", "1e999", "", "{LONG}", "inf", "-nan"]


def options_of(cmd):
    out = subprocess.run([OPTDYN] + cmd.split() + ["-help"], capture_output=True, text=True, env=ENV, preexec_fn=limit_memory)
    seen = {}
    for line in out.stdout.splitlines():
        m = HELP_LINE.match(line)
        if m and m.group(1) not in seen:
            seen[m.group(1)] = m.group(2)
    return seen


def kind_of(default):
    if default in ("true", "false"):
        return "bool"
    if re.fullmatch(r"[-+0-9.eE]+(,[-+0-9.eE]+)*", default):
        return "number"
    if default == "" or re.fullmatch(r"[A-Za-z_]\w*", default):
        return "word"
    return "text"


def generated_rows():
    rows, k = [], 0
    for label, cmd, base, contexts, keep in VARIANTS:
        for name, default in options_of(cmd).items():
            if not re.search(keep, name) or name in ("o", "fp_dim"):
                continue
            ctx = next((c for rx, c in contexts if re.search(rx, name)), "")
            args = (f"{cmd} {ctx[1:]}" if ctx.startswith("!") else f"{cmd} {base} {ctx}").replace("{SRC}", SRC)  # "!": replaces the base
            kind = kind_of(default)
            if name in FREE_TEXT:
                values = ["", "{LONG}"]
            elif kind == "bool":
                values = ["abc", "2"]
            elif kind == "number":
                values = ["abc", EXTREMES[k % len(EXTREMES)]]
                k += 1
            else:
                values = ["no such value", ""]
            for v in values:
                # a file or directory option: the message names the file (no option name needed)
                frag = v if name in FILE_OPTS and v else f"option -{name}"
                rows.append({"frag": frag, "args": shlex.split(args) + [f"-{name}", v], "flags": [], "prep": "", "src": f"generated {label}"})
    return rows


# ---------------------------------------------------------------- hand-written rows
def table_rows(path):
    rows = []
    for n, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        frag, args = cols[0], cols[1]
        flags = [f for f in (cols[2] if len(cols) > 2 else "").split(",") if f]
        prep = cols[3] if len(cols) > 3 else ""
        rows.append({"frag": frag, "args": shlex.split(args), "flags": flags, "prep": prep, "src": f"{os.path.basename(path)}:{n}"})
    return rows


# ---------------------------------------------------------------- running and checking
def snapshot(d):
    return {f: (os.path.getsize(os.path.join(d, f)), os.path.getmtime(os.path.join(d, f))) for f in os.listdir(d)}


def nonfinite_datasets(path):
    import h5py
    import numpy as np
    bad = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" and not np.all(np.isfinite(obj[()])):
                bad.append(name)
        f.visititems(visit)
    return bad


def run_row(i, row, fx):
    d = os.path.join(WORK, f"r{i:04d}")
    os.mkdir(d)
    subst = lambda a: a.replace("{FX}", fx).replace("{LONG}", LONG).replace("{SRC}", SRC)
    if row["prep"]:
        subprocess.run(subst(row["prep"]), shell=True, cwd=d, check=True)
    args = [subst(a) for a in row["args"]]
    if "-o" not in args:
        args += ["-o", "out.h5"]
    if "-quiet" not in args:
        args += ["-quiet"]
    before = snapshot(d)
    # -q: Open MPI's own "a process returned a non-zero exit code" block is not ours to test
    cmd = ([MPIEXEC, "-q", "--oversubscribe", "-n", "2"] if "np2" in row["flags"] else []) + [OPTDYN] + args
    try:
        p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, env=ENV, timeout=120, preexec_fn=limit_memory)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = "timeout", "", ""
    problems = []
    lines = [l for l in err.splitlines() if l.strip()]
    noise = [w for w in NOISE if w in out or w in err]
    after = snapshot(d)
    if row["frag"] == "OK":
        if rc != 0:
            problems.append(f"exit {rc}, expected 0")
        if any("error" in l for l in lines):
            problems.append("error message on a valid input")
        outs = [f for f in after if f.endswith(".h5") and f not in before]
        if not outs:
            problems.append("no output file written")
        for f in outs:
            bad = nonfinite_datasets(os.path.join(d, f))
            if bad:
                problems.append(f"NaN/inf in {f}: {', '.join(bad)}")
    else:
        if rc != 1:
            problems.append(f"exit {rc}, expected 1")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr, expected 1")
        if not lines or not lines[0].startswith("optdyn: error:"):
            problems.append("stderr does not start with 'optdyn: error:'")
        if row["frag"] not in err:
            problems.append(f"message lacks '{row['frag']}'")
        new = sorted(set(after) - set(before))
        changed = sorted(f for f in before if after.get(f) != before[f])
        if new:
            problems.append(f"left files: {new}")
        if changed:
            problems.append(f"changed input files: {changed}")
    if noise:
        problems.append(f"noise in the output: {noise}")
    shown = " ".join(shlex.quote(a if len(a) < 60 else a[:20] + f"...({len(a)} chars)") for a in args)
    first = (lines[0] if lines else "")[:200]
    shutil.rmtree(d, ignore_errors=True)
    return row, shown, problems, first


def make_fixtures(fx):
    """Malformed config, landscape, table and checkpoint files (and a good checkpoint)."""
    files = {
        "dup.yaml": "escape_T_min: 0.01\nescape_walkers: 10\nescape_T_min: 0.02\n",
        "syntax.yaml": "escape_T_min: [0.01\nescape_walkers: 10\n",
        "tab.yaml": "escape:\n\tT_min: 0.01\n",
        "unknown.yaml": "escape_T_mni: 0.01\n",
        "range.yaml": "escape_walkers: -5\n",
        "nested_dup.yaml": "es:\n  generations: 3\n  generations: 4\n",
        "notmap.yaml": "- escape_T_min\n- 0.01\n",
        "binary.yaml": "\x00\x01\x02\xff garbage",
        "land_unknown.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"1 1 2\"\n  colour: red\n",
        "land_dup.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  datapoints: 2\n  point_0: \"1 1 2\"\n",
        "land_family.yaml": "landscape:\n  family: cubic\n  datapoints: 1\n  point_0: \"1 1 2\"\n",
        "land_zero.yaml": "landscape:\n  family: gauss\n  datapoints: 0\n",
        "land_missing.yaml": "landscape:\n  family: gauss\n  datapoints: 2\n  point_0: \"1 1 2\"\n",
        "land_badnum.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"1 x 2\"\n",
        "land_nan.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"nan 1 2\"\n",
        "land_terms.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"1 1\"\n",
        "land_linear.yaml": "landscape:\n  family: linear\n  datapoints: 2\n  u: \"1, 2\"\n  v: \"1, 2, 3\"\n",
        "land_huge.yaml": "landscape:\n  family: gauss\n  datapoints: 1000000000\n",
        "land_syntax.yaml": "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"1 1 2\n",
        "land_empty.yaml": "",
        "fin_short.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: x/u,x/v,y/u\n",
        "fin_state.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: x/u,x/v,y/u,z/v\n",
        "fin_index.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,7/1\n",
        "fin_names.yaml": "op_system: finite\nop_finite_a_states: x,x\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,1/1\n",
        "fin_badname.yaml": "op_system: finite\nop_finite_a_states: x y,z\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,1/1\n",
        "fin_psum.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,1/1\nop_finite_p: 0.5,0.5,0.5,0.5\n",
        "fin_pneg.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,1/1\nop_finite_p: 1.5,-0.5,0,0\n",
        "fin_pfrac.yaml": "op_system: finite\nop_finite_a_states: x,y\nop_finite_b_states: u,v\nop_finite_table: 0/0,0/1,1/0,1/1\nop_finite_p: 1/0,0,0,0\n",
        "fin_nostates.yaml": "op_system: finite\nop_finite_table: 0/0\n",
        "fin_many.yaml": "op_system: finite\nop_finite_a_states: " + ",".join(f"s{i}" for i in range(70)) + "\nop_finite_b_states: u\nop_finite_table: 0/0\n",
        "ckpt_text": "this is not a checkpoint\n",
        "ckpt_empty": "",
    }
    for name, text in files.items():
        with open(os.path.join(fx, name), "w", encoding="latin-1") as f:
            f.write(text)
    # IDX data files: not IDX, a header that promises gigabytes, wrong element type, 0 or 5
    # dimensions, truncated and over-long data, corrupt gzip
    idx = {
        "idx_text": b"hello\n",
        "idx_huge": b"\x00\x00\x08\x03\x00\x00\x00\x02\x40\x00\x00\x02\x00\x00\x00\x02\x01\x02\x00\x00",
        "idx_type": b"\x00\x00\x0d\x01\x00\x00\x00\x02ab",
        "idx_ndim0": b"\x00\x00\x08\x00",
        "idx_ndim5": b"\x00\x00\x08\x05" + b"\x00\x00\x00\x01" * 5 + b"a",
        "idx_zero": b"\x00\x00\x08\x01\x00\x00\x00\x00",
        "idx_short": b"\x00\x00\x08\x01\x00\x00\x00\x09abc",
        "idx_long": b"\x00\x00\x08\x01\x00\x00\x00\x02abc",
        "idx_badgz": b"\x1f\x8b\x08\x00" + b"\xff" * 40,
        "idx_empty": b"",
    }
    for name, data in idx.items():
        open(os.path.join(fx, name), "wb").write(data)
    os.mkdir(os.path.join(fx, "readonly"))
    # a good es checkpoint (a forced stop), and an es output file that is not a checkpoint
    es = [OPTDYN, "es", "-es_population", "8", "-es_generations", "20", "-es_check_interval", "2", "-quiet"]
    subprocess.run(es + ["-o", "es.h5", "-es_stop_after", "4"], cwd=fx, check=True, env=ENV, capture_output=True)
    subprocess.run(es + ["-o", "done.h5"], cwd=fx, check=True, env=ENV, capture_output=True)
    good = open(os.path.join(fx, "es.h5.ckpt"), "rb").read()
    open(os.path.join(fx, "ckpt_truncated"), "wb").write(good[: len(good) // 3])
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x40
    open(os.path.join(fx, "ckpt_flipped"), "wb").write(bytes(flipped))


def main():
    global WORK
    WORK = tempfile.mkdtemp(prefix="optdyn-catalogue.")
    fx = os.path.join(WORK, "fx")
    os.mkdir(fx)
    try:
        make_fixtures(fx)
        rows = table_rows(os.path.join(SRC, "tests", "bad_inputs.tsv")) + generated_rows()
        failed, xfail, xpass, passed = [], [], [], 0
        with cf.ThreadPoolExecutor(JOBS) as pool:
            for row, shown, problems, first in pool.map(lambda a: run_row(a[0], a[1], fx), enumerate(rows)):
                x = [f for f in row["flags"] if f.startswith("xfail")]
                if problems and x:
                    xfail.append(f"XFAIL ({x[0][6:]}) {row['src']}: optdyn {shown}: {'; '.join(problems)}")
                elif problems:
                    failed.append(f"FAIL {row['src']}: optdyn {shown}: {'; '.join(problems)}\n     stderr: {first}")
                elif x:
                    xpass.append(f"XPASS {row['src']}: optdyn {shown} now passes: remove its xfail mark")
                    passed += 1
                else:
                    passed += 1
        for line in xfail + xpass + failed:
            print(line)
        gen = sum(1 for r in rows if r["src"].startswith("generated"))
        print(f"bad-input catalogue: {len(rows)} rows ({len(rows) - gen} hand-written, {gen} generated from -help), "
              f"{passed} passed, {len(failed)} failed, {len(xfail)} known gaps (xfail)")
        return 1 if failed else 0
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
