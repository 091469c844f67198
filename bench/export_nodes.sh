#!/usr/bin/env bash
# Sales per second with Lightspeed's rate limits out of the way (lsr-sim's rate model off), end to
# end: orders PUT and queued through `spoke serve`'s API, exported by the nodes into lsr-sim, every
# account then checked for one sale per order. Side by side in one run: SQLite with one node,
# PostgreSQL with one node and with three (serve + 2 workers). Everything runs on this machine
# (lsr-sim in the driver process, PostgreSQL a throwaway server), so the nodes share its cores.
#
#   bench/export_nodes.sh                 # 50 accounts x 40 orders
#   ACCOUNTS=100 ORDERS=4000 bench/export_nodes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ACCOUNTS=${ACCOUNTS:-50}
ORDERS=${ORDERS:-2000}
DELAY_MS=${DELAY_MS:-150}
DELAY_ACCOUNTS=${DELAY_ACCOUNTS:-20}
DELAY_ORDERS=${DELAY_ORDERS:-200}
bin="$BUILD/tests/multi_node"
if [ ! -x "$bin" ]; then
  echo "export_nodes: $bin is missing; build it: cmake --build $BUILD --target multi_node spoke" >&2
  exit 2
fi
echo "## export_nodes ($(date -u +%Y-%m-%d), $(nproc) cores, $ACCOUNTS accounts, $ORDERS orders, rate model off)"
echo
echo "| database | nodes | run | sales/s |"
echo "|---|---|---|---|"
run() {
  local label=$1 nodes=$2
  shift 2
  local line
  line=$(timeout 900 "$bin" --bench --accounts "$ACCOUNTS" --orders "$ORDERS" "$@" |
    grep '^BENCH' || true)
  if [ -z "$line" ]; then
    echo "| $label | $nodes | failed | - |"
    return
  fi
  local run_s sales
  run_s=$(sed -n 's/.*run_s=\([0-9.]*\).*/\1/p' <<<"$line")
  sales=$(sed -n 's/.*sales_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
  echo "| $label | $nodes | ${run_s} s | $sales |"
}
run SQLite 1 --sqlite --workers 0
run PostgreSQL 1 --workers 0
run PostgreSQL 3 --workers 2
# Internet latency: every Lightspeed request answered late. Each node has export.workers (4)
# sales in flight at a time, so here nodes add throughput until the machine's cores run out.
echo
echo "With every Lightspeed request delayed ${DELAY_MS} ms ($DELAY_ACCOUNTS accounts, $DELAY_ORDERS orders):"
echo
echo "| database | nodes | run | sales/s |"
echo "|---|---|---|---|"
ACCOUNTS=$DELAY_ACCOUNTS ORDERS=$DELAY_ORDERS
run SQLite 1 --sqlite --workers 0 --delay-ms "$DELAY_MS"
run PostgreSQL 1 --workers 0 --delay-ms "$DELAY_MS"
run PostgreSQL 3 --workers 2 --delay-ms "$DELAY_MS"
