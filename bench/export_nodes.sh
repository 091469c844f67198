#!/usr/bin/env bash
# Sales per second with Lightspeed's rate limits out of the way (lsr-sim's rate model off), end to
# end: orders PUT and queued through `spoke serve`'s API, exported by the nodes into lsr-sim, every
# account then checked for one sale per order. Side by side in one run: SQLite with one node,
# PostgreSQL with one node and with three (serve + 2 workers). Everything runs on this machine
# (lsr-sim in the driver process, PostgreSQL a throwaway server), so the nodes share its cores.
# Then the same with every Lightspeed request answered DELAY_MS late (internet latency), over
# DELAY_ACCOUNTS stores. Each run prints a `ROW |…|` line for bench/README.md's table
# (bench/run.sh), a failed one included.
#
#   bench/export_nodes.sh                 # 50 stores x 40 orders; 1,000 stores x 2 orders delayed
#   ACCOUNTS=100 ORDERS=4000 EXPORT_WORKERS=256 bench/export_nodes.sh
#   BENCH_QUICK=1 bench/export_nodes.sh   # smaller sizes, to try the script out
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ "${BENCH_QUICK:-0}" != 0 ]; then
  ACCOUNTS=${ACCOUNTS:-20} ORDERS=${ORDERS:-400}
  DELAY_ACCOUNTS=${DELAY_ACCOUNTS:-100} DELAY_ORDERS=${DELAY_ORDERS:-100}
  DELAY_DEADLINE=${DELAY_DEADLINE:-30}
fi
ACCOUNTS=${ACCOUNTS:-50}
ORDERS=${ORDERS:-2000}
DELAY_MS=${DELAY_MS:-150}
DELAY_ACCOUNTS=${DELAY_ACCOUNTS:-1000}
DELAY_ORDERS=${DELAY_ORDERS:-10000}
EXPORT_WORKERS=${EXPORT_WORKERS:-4}
# lsr-sim's request threads: its default of 64 is for tests whose injected clock sleeps on them;
# on these 2 cores, 64 runnable threads cost the emulator (and so the nodes) CPU in switches.
SIM_THREADS=${SIM_THREADS:-16}
# Each run stops by itself after this many seconds of exporting (its row then gives the rate until
# then and how far it got); the delayed runs have their own, shorter, limit.
DEADLINE=${DEADLINE:-300}
DELAY_DEADLINE=${DELAY_DEADLINE:-120}
bin="$BUILD/tests/multi_node"
row_failed() {
  echo "ROW | $1 | $2 | failed: $3 | — |"
}
if [ ! -x "$bin" ]; then
  echo "export_nodes: $bin is missing; build it: cmake --build $BUILD --target multi_node spoke" >&2
  row_failed "Sales/s, rate limits off" "—" "$bin is not built"
  exit 2
fi
echo "## export_nodes ($(date -u +%Y-%m-%d), $(nproc) cores, $ACCOUNTS accounts, $ORDERS orders, rate model off, export.workers $EXPORT_WORKERS)"
echo
echo "| database | nodes | run | sales/s |"
echo "|---|---|---|---|"
rows=()
run() {
  local label=$1 nodes=$2
  shift 2
  local out rc line row
  out=$(timeout $((DEADLINE + 600)) "$bin" --bench --accounts "$ACCOUNTS" --orders "$ORDERS" \
    --threads "$EXPORT_WORKERS" --sim-threads "$SIM_THREADS" --deadline-seconds "$DEADLINE" \
    "$@" 2>&1)
  rc=$?
  line=$(grep '^BENCH' <<<"$out" || true)
  row=$(grep '^ROW ' <<<"$out" || true)
  if [ -z "$row" ]; then
    local what="Sales/s, rate limits off"
    [[ " $* " == *" --delay-ms "* ]] && what="Sales/s, $DELAY_MS ms per request"
    row=$(row_failed "$what, $label, $nodes node(s)" "$ACCOUNTS stores, $ORDERS orders" \
      "multi_node exited with $rc before its result ($(grep -m1 -E 'Failure|error' <<<"$out" | tr '|' '/' | cut -c1-120))")
  fi
  rows+=("$row")
  if [ -z "$line" ]; then
    echo "| $label | $nodes | failed (exit $rc) | - |"
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
# Internet latency: every Lightspeed request answered late, over many stores.
echo
echo "With every Lightspeed request delayed ${DELAY_MS} ms ($DELAY_ACCOUNTS accounts, $DELAY_ORDERS orders):"
echo
echo "| database | nodes | run | sales/s |"
echo "|---|---|---|---|"
ACCOUNTS=$DELAY_ACCOUNTS ORDERS=$DELAY_ORDERS DEADLINE=$DELAY_DEADLINE
run SQLite 1 --sqlite --workers 0 --delay-ms "$DELAY_MS"
run PostgreSQL 1 --workers 0 --delay-ms "$DELAY_MS"
run PostgreSQL 3 --workers 2 --delay-ms "$DELAY_MS"
echo
printf '%s\n' "${rows[@]}"
