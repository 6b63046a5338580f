#!/bin/bash
# Build-time provenance: the git revision and the modified-sources flag are computed on
# every build, not at configure time. In a copy of the source tree (a fresh git repository):
# configure + build optdyn once; then commit a change and run `cmake --build` only (no
# re-configure): `optdyn --version` and the git_revision attribute of an output file must
# name the new commit; an uncommitted change to a tracked file gives "+modified" /
# sources_modified = 1 after the next build.
source "$(dirname "$0")/lib.sh"
command -v git >/dev/null || fail "git is needed"
src="$WORK/src"
mkdir "$src"
(cd "$OPTDYN_SOURCE" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src" 2>/dev/null) || true
cd "$src"
git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm one
cmake -S . -B b -DBUILD_TESTING=OFF >/dev/null || fail "configure failed"
cmake --build b -j2 --target optdyn >/dev/null || fail "build failed"
v1=$(b/app/optdyn --version)
rev1=$(git rev-parse --short=12 HEAD)
grep -q "git $rev1)" <<<"$v1" || fail "first build: '$v1' does not name $rev1"
echo "// touch" >>app/optdyn.c
git -c user.name=t -c user.email=t@t commit -qam two
rev2=$(git rev-parse --short=12 HEAD)
cmake --build b -j2 --target optdyn >/dev/null || fail "rebuild failed"
v2=$(b/app/optdyn --version)
grep -q "git $rev2)" <<<"$v2" || fail "after commit + cmake --build: '$v2' does not name $rev2 (was: $v1)"
echo "ok: '$v1' -> '$v2' without re-running cmake"
b/app/optdyn escape -escape_T_num 2 -escape_walkers 50 -escape_steps 10,100 -quiet -o r.h5 >/dev/null
"$PYTHON" -c "import h5py,sys; a=h5py.File('r.h5','r').attrs; sys.exit(0 if (a['git_revision'], int(a['sources_modified'])) == ('$rev2', 0) else f'file says {a[\"git_revision\"]} / {a[\"sources_modified\"]}')" ||
  fail "git_revision attribute is not $rev2 (clean)"
echo "// edit" >>app/optdyn.c
cmake --build b -j2 --target optdyn >/dev/null || fail "rebuild failed"
grep -q "git $rev2+modified)" <<<"$(b/app/optdyn --version)" || fail "modified sources not flagged: $(b/app/optdyn --version)"
b/app/optdyn escape -escape_T_num 2 -escape_walkers 50 -escape_steps 10,100 -quiet -o m.h5 >/dev/null
"$PYTHON" -c "import h5py,sys; a=h5py.File('m.h5','r').attrs; sys.exit(0 if int(a['sources_modified']) == 1 else 'sources_modified != 1')" ||
  fail "sources_modified attribute not set"
echo "ok: uncommitted change -> $(b/app/optdyn --version), sources_modified = 1"
echo PASS
