#!/bin/bash
# `cmake --install` into a temporary prefix, then use only what was installed:
#  - the installed optdyn runs without LD_LIBRARY_PATH and loads the installed liboptdyn;
#  - an external C program (tests/install/) built once with find_package(optdyn) and once with
#    pkg-config registers its own es objective, runs es on 2 ranks and finds the minimum;
#    both builds, and a 1-rank run, give the same mean bit for bit;
#  - the Python package installed with pip into a temporary --target imports without side
#    effects and loads a result file; the installed console scripts run.
source "$(dirname "$0")/lib.sh"
: "${OD_BUILD_DIR:?set by ctest}"
P=$WORK/prefix
unset LD_LIBRARY_PATH
cmake --install "$OD_BUILD_DIR" --prefix "$P" > install.log 2>&1 || { cat install.log; fail "cmake --install"; }
libdir=$(dirname "$(find "$P" -name 'liboptdyn.so' | head -1)")
[ -x "$P/bin/optdyn" ] && [ -n "$libdir" ] || fail "optdyn or liboptdyn not installed"
for f in optdyn/es.h optdyn/version.h optdyn/command.h; do [ -s "$P/include/$f" ] || fail "header $f not installed"; done
[ -s "$P/share/optdyn/configs/escape.yaml" ] && [ -x "$P/share/optdyn/jobs/sweep-mpi.sh" ] || fail "share/optdyn incomplete"
loaded=$(ldd "$P/bin/optdyn" | sed -n 's/.*liboptdyn[^ ]* => \([^ ]*\) .*/\1/p')
[ -n "$loaded" ] && [ "$(realpath "$(dirname "$loaded")")" = "$(realpath "$libdir")" ] || fail "installed optdyn does not load $libdir/liboptdyn: $(ldd "$P/bin/optdyn" | grep optdyn)"
"$P/bin/optdyn" --version | grep -q "^optdyn " || fail "installed optdyn --version"

# The external program, built with find_package(optdyn).
cmake -S "$OPTDYN_SOURCE/tests/install" -B cm -DCMAKE_PREFIX_PATH="$P" > cm.log 2>&1 || { cat cm.log; fail "configure with find_package(optdyn)"; }
cmake --build cm > cmb.log 2>&1 || { cat cmb.log; fail "build with find_package(optdyn)"; }
# ... and with pkg-config (rpath so that it finds the installed liboptdyn).
PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --exists optdyn || fail "pkg-config does not find optdyn.pc"
cc -O2 -o pc_es "$OPTDYN_SOURCE/tests/install/es_shifted_sphere.c" \
   $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs optdyn) -Wl,-rpath,"$libdir" || fail "build with pkg-config"
a=$("$MPIEXEC" -n 2 cm/es_shifted_sphere -o a.h5) || fail "find_package build on 2 ranks: $a"
b=$("$MPIEXEC" -n 2 ./pc_es -o b.h5) || fail "pkg-config build on 2 ranks: $b"
c=$("$MPIEXEC" -n 1 ./pc_es -o c.h5) || fail "pkg-config build on 1 rank: $c"
echo "$a"; echo "$b"; echo "$c"
[ "$a" = "$b" ] && [ "$a" = "$c" ] || fail "means differ between builds or rank counts"
same_datasets a.h5 c.h5 || fail "es output differs between 2 ranks and 1 rank"

# A result file written by the installed optdyn, loaded by the installed Python package.
"$MPIEXEC" -n 2 "$P/bin/optdyn" escape -escape_T_num 3 -escape_walkers 400 -escape_steps 10,100 -quiet -o esc.h5 > /dev/null || fail "installed optdyn escape"
site=$P/lib/python3/dist-packages
[ -f "$site/optdyn/__init__.py" ] || fail "cmake --install did not install the Python package into $site"
info=$(PYTHONPATH=$site "$P/bin/optdyn-info" --check esc.h5) || fail "installed optdyn-info: $info"
grep -q complete <<< "$info" || fail "installed optdyn-info: $info"
PYTHONPATH=$site "$P/bin/optdyn-plot" esc.h5 -o figs > /dev/null || fail "installed optdyn-plot"
ls figs/*.png > /dev/null || fail "installed optdyn-plot wrote no PNG"
"$PYTHON" -m pip install -q --no-build-isolation --no-deps --root-user-action=ignore --target "$WORK/py" "$OPTDYN_SOURCE" > pip.log 2>&1 || { cat pip.log; fail "pip install --target"; }
cd "$WORK/cm"   # not the source tree: the import must come from the --target install
PYTHONPATH=$WORK/py "$PYTHON" - "$WORK" <<'PY' || fail "import optdyn from the pip --target install"
import sys, importlib, pkgutil
work = sys.argv[1]
import optdyn
assert optdyn.__file__.startswith(work + "/py/"), optdyn.__file__
for m in pkgutil.iter_modules(optdyn.__path__):   # importing any module does no work
    importlib.import_module("optdyn." + m.name)
run = optdyn.load(work + "/esc.h5")
p = run.to_xarray()["p_escape"]
assert p.dims == ("T", "steps") and p.shape == (3, 2), (p.dims, p.shape)
assert list(p["steps"].values) == [10, 100]
assert run.provenance["command"] == "escape"
print("python: p_escape", p.dims, p.shape, "from", optdyn.__file__)
PY
echo "install: OK"
