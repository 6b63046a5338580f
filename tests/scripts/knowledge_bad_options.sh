#!/bin/bash
# optdyn knowledge rejects bad options and bad data files before any work, naming the
# option (or the file) and exiting non-zero.
source "$(dirname "$0")/lib.sh"
expect_error() {  # expect_error PATTERN ARGS...
  local pat=$1; shift
  set +e; out=$("$OPTDYN" knowledge -kl_hidden 4 -kl_phase1_examples 2000 -kl_fork_examples 2000 -quiet -o x.h5 "$@" 2>&1); st=$?; set -e
  [ $st -ne 0 ] || fail "accepted: $*"
  grep -q -- "$pat" <<<"$out" || fail "message for '$*' lacks '$pat': $out"
  [ ! -e x.h5 ] || fail "output written for: $*"
}
expect_error "-kl_activations" -kl_activations softplus,swish
expect_error "listed twice" -kl_activations relu,relu
expect_error "-kl_lr" -kl_lr 0
expect_error "-kl_lr" -kl_lr abc
expect_error "-kl_group_a" -kl_group_a 1,7,3
expect_error "distinct" -kl_group_a 1,6
expect_error "-kl_group_b" -kl_group_b 6,300
expect_error "-kl_tally_start" -kl_tally_start 1
expect_error "-kl_loss" -kl_loss hinge
expect_error "-kl_phase1_examples" -kl_phase1_examples 60000
expect_error "-kl_hidden" -kl_hidden 0
expect_error "-kl_seeds" -kl_seeds 0
expect_error "-kl_nonsense" -kl_nonsense 1
expect_error "-kl_output_activation" -kl_loss nll -kl_output_activation tanh
# bad data files: not IDX, truncated, images and labels that do not match, missing
echo "hello" > notidx
expect_error "notidx" -kl_train_images notidx
head -c 5000 <(gzip -dc /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz) > trunc
expect_error "trunc.*truncated" -kl_test_images trunc
expect_error "t10k-labels" -kl_train_labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
expect_error "nowhere" -kl_data /nowhere
echo "knowledge_bad_options: OK"
