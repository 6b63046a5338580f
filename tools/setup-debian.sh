#!/bin/bash
# Install optdyn's Debian 12 build, test and post-processing dependencies (idempotent).
# Usage: tools/setup-debian.sh [--slurm]   (--slurm also installs slurm-wlm and munge for
# the local-cluster tests). Needs root. Installs nothing that is already present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git libopenmpi-dev openmpi-bin libhdf5-openmpi-dev petsc-dev
      check librandom123-dev zlib1g-dev hdf5-tools python3 python3-h5py python3-numpy
      python3-matplotlib python3-scipy dataset-fashion-mnist)
pkgs+=(python3-pil)  # tools/optdyn-gallery: palette-compresses large figures (helper exact)
if [ "${1:-}" = "--slurm" ]; then pkgs+=(slurm-wlm munge); fi
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
