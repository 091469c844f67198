#!/usr/bin/env bash
# The large multi-node run (issue 13): one `spoke serve` and two `spoke worker` processes on one
# throwaway PostgreSQL, many stores each with its own lsr-sim account, one worker killed (SIGKILL)
# halfway; then one sale per order, one customer per e-mail and no 429 on every account, and the
# run within 1.5x the slowest account's bucket bound. `make test` runs a small one
# (multi_node.small); this one is larger. It stops by itself (its own deadline) and is also
# bounded by `timeout`.
#
#   scripts/multi-node.sh                          # 16 accounts, 1,600 orders
#   ACCOUNTS=32 ORDERS=3200 scripts/multi-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ACCOUNTS=${ACCOUNTS:-16}
ORDERS=${ORDERS:-1600}
BUCKET=${BUCKET:-20}
DRIP=${DRIP:-10}
# A worker thread waits out its account's bucket, so a node drives at most export.workers
# accounts at once: with two nodes left after the kill, 8 threads each cover 16 accounts.
THREADS=${THREADS:-8}
bin="$BUILD/tests/multi_node"
if [ ! -x "$bin" ]; then
  echo "multi-node: $bin is missing; build it: cmake --build $BUILD --target multi_node spoke" >&2
  exit 2
fi
timeout 1800 "$bin" --accounts "$ACCOUNTS" --orders "$ORDERS" --bucket "$BUCKET" --drip "$DRIP" \
  --threads "$THREADS"
