#!/usr/bin/env bash
# The full network-fault soak (issue #9): for each seed, >= 1,000 orders exported by spoke while
# lsr-sim injects faults at random, then every account checked for duplicates and every order for
# a final state. Prints one table per seed; exits non-zero if any seed fails. Each run stops by
# itself (its own deadline, 45 s + 0.3 s per order) and is also bounded by `timeout`.
#
#   scripts/fault-soak.sh                      # 1,200 orders, 3 stores, seeds 1 2 3, both modes
#   ORDERS=2000 SEEDS="7 8" scripts/fault-soak.sh --late-writes   # one mode only
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ORDERS=${ORDERS:-1200}
STORES=${STORES:-3}
SEEDS=${SEEDS:-"1 2 3"}
bin="$BUILD/tests/fault_soak"
if [ ! -x "$bin" ]; then
  echo "fault-soak: $bin is missing; build it: cmake --build $BUILD --target fault_soak" >&2
  exit 2
fi
if [ "$ORDERS" -lt 1000 ]; then
  echo "fault-soak: the full soak is at least 1,000 orders (ORDERS=$ORDERS)" >&2
  exit 2
fi
# Without arguments: each seed once as is and once with late writes (Lightspeed carrying out a
# write only after spoke's timeout).
modes=("$@")
if [ ${#modes[@]} -eq 0 ]; then modes=("" "--late-writes"); fi
failed=""
for seed in $SEEDS; do
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2086
    if ! timeout $((ORDERS / 2 + 300)) "$bin" --orders "$ORDERS" --seed "$seed" \
        --stores "$STORES" --gtest_brief=1 $mode; then
      failed="$failed $seed${mode:+ ($mode)}"
    fi
  done
done
if [ -n "$failed" ]; then
  echo "fault-soak: failed for seed(s)$failed" >&2
  exit 1
fi
echo "fault-soak: every seed passed ($SEEDS)"
