#!/bin/bash
# Defaults that work: natural-gradient VO with nothing but -es_algorithm vo -es_natural and
# a start reaches f < 1e-6 at the final mean on Himmelblau from the corners of [-5, 5]^2 and
# from interior starts (NES defaults: centered ranks, lr 1, lr_sigma (3 + ln d)/(5 sqrt d)).
source "$(dirname "$0")/lib.sh"
for start in 5,5 -5,-5 5,-5 -5,5 -1,-1.5 0,0 2.5,-4; do
  "$OPTDYN" es -es_algorithm vo -es_natural -es_mu0 "$start" -quiet -o "d.h5" >/dev/null
  f=$("$PYTHON" -c "import h5py; print(float(h5py.File('d.h5','r')['es'].attrs['f_final']))")
  "$PYTHON" -c "import sys; sys.exit(0 if float('$f') < 1e-6 else 1)" || fail "start $start: f at the final mean = $f >= 1e-6"
  echo "ok: start ($start): f(mu_final) = $f"
  rm -f d.h5
done
echo "es_defaults: OK"
