#!/usr/bin/env bash
# Runs spoke's benchmarks (make bench), shows their output, and writes bench/README.md's table from
# the `ROW | measurement | setup | result | against |` lines they print (bench/README.md says how
# each is measured). Each benchmark stops by itself and is bounded here by a timeout as well; one
# that fails or prints no row gets a row saying "failed: <why>", never a silent gap.
#
#   bash bench/run.sh                     # the full run (about 20 minutes on 2 cores)
#   BENCH_QUICK=1 bash bench/run.sh       # smaller sizes, a few minutes, to try things out
#   EXPORT_WORKERS=64 bash bench/run.sh   # export.workers of every engine and node (default 512)
#   BENCH_SEARCH=1 / BENCH_SIM=1          # also order_search (issue 14) / lsr-sim under wrk
#   BENCH_README=path                     # where the table goes (default bench/README.md)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] || QUICK=1
export BENCH_QUICK=$QUICK
# export.workers of every engine and node: enough sales in flight for a thousand stores at
# internet latency (README: "How many stores one node carries").
export EXPORT_WORKERS=${EXPORT_WORKERS:-512}
README=${BENCH_README:-bench/README.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows="$work/rows"
: >"$rows"
started=$(date +%s)

# bench "what it is" TIMEOUT_SECONDS command...: runs it with its output shown and kept, then
# collects its ROW lines, or one failed row when it printed none.
bench() {
  local what=$1 limit=$2
  shift 2
  local log="$work/log" rc
  echo
  echo "## $what ($*)"
  if ! command -v "$1" >/dev/null; then
    echo "ROW | $what | — | failed: $1 is not built (make build) | — |" | tee -a "$rows"
    return
  fi
  timeout --kill-after=30 "$limit" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if grep -q '^ROW |' "$log"; then
    grep '^ROW |' "$log" >>"$rows"
    # A non-zero exit after its rows: the rows say what was measured, this says what went wrong.
    [ "$rc" = 0 ] || echo "($what exited with $rc after printing its rows; see above)"
  else
    local why="exited with $rc before printing a result"
    [ "$rc" = 124 ] && why="did not finish within ${limit} s"
    [ "$rc" = 0 ] && why="printed no result"
    echo "ROW | $what | — | failed: $why | — |" | tee -a "$rows"
  fi
}

size() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

echo "# spoke benchmarks ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, export.workers" \
  "$EXPORT_WORKERS$([ "$QUICK" = 1 ] && echo ', quick run'))"

# The table's sections, in this order: units and drain, fairness, sales/s, latency, memory, then
# the client and the API on their own.
bench "Units per order, spoke and a baseline exporter (units_bench)" 900 \
  "$BUILD/bench/units_bench" "$(size 300 100)"
bench "Drain of a backlog (units_bench --drain)" 900 "$BUILD/bench/units_bench" "$(size 300 100)" \
  --drain
bench "Fairness (engine_bench fairness)" 900 "$BUILD/bench/engine_bench" fairness
bench "Sales/s over many stores (export_nodes.sh)" 2400 bash bench/export_nodes.sh
bench "Latency (engine_bench latency)" 600 "$BUILD/bench/engine_bench" latency
bench "Memory (engine_bench memory)" 1200 "$BUILD/bench/engine_bench" memory
bench "Lightspeed client (lightspeed_bench)" 300 "$BUILD/bench/lightspeed_bench" "$(size 300 100)"
bench "Lightspeed client, rate model off (lightspeed_bench)" 120 \
  "$BUILD/bench/lightspeed_bench" 2000 off
bench "Lightspeed transport, requests in flight (lightspeed_bench inflight)" 120 \
  "$BUILD/bench/lightspeed_bench" "$(size 1000 200)" inflight 150
bench "Orders API (orders_bench)" 600 "$BUILD/bench/orders_bench" "$(size 100000 20000)"
# Not in the table: Open Orders search over 1,000,000 orders (issue 14) takes several minutes and
# measures the site's search, not the export; its results are in bench/RESULTS.md.
if [ "${BENCH_SEARCH:-0}" != 0 ]; then
  echo "## order_search (Open Orders on ${SEARCH_ORDERS:-1000000} orders, SQLite and PostgreSQL)"
  timeout 1800 "$BUILD/bench/order_search" "${SEARCH_ORDERS:-1000000}" both || true
fi
if [ "${BENCH_SIM:-0}" != 0 ] && [ -x bench/sim/run.sh ]; then bash bench/sim/run.sh || true; fi

# bench/README.md: everything between the markers is regenerated; text outside them is kept.
took=$(( ($(date +%s) - started + 59) / 60 ))
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit with uncommitted changes"
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
block="$work/block"
{
  echo "<!-- table:begin (written by bench/run.sh; edits between these markers are lost) -->"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $commit on $(nproc) cores ($cpu), $mem,"
  echo "with export.workers $EXPORT_WORKERS$([ "$QUICK" = 1 ] && echo ' and the quick sizes (BENCH_QUICK=1)'); the run took $took min."
  echo "Numbers are from one run on a shared 2-core machine (other builds may have been running), with"
  echo "lsr-sim, PostgreSQL and spoke on the same cores: read them as orders of magnitude. Re-run with"
  echo "\`make bench\` (\`BENCH_QUICK=1 make bench\` for a quick look)."
  echo
  echo "| measurement | setup | result | against |"
  echo "|---|---|---|---|"
  sed 's/^ROW //' "$rows"
  echo
  echo "<!-- table:end -->"
} >"$block"
if [ -f "$README" ] && grep -q '^<!-- table:begin' "$README" && grep -q '^<!-- table:end' "$README"; then
  awk -v block="$block" '
    /^<!-- table:begin/ { while ((getline line < block) > 0) print line; skip = 1; next }
    /^<!-- table:end/ { skip = 0; next }
    !skip { print }' "$README" >"$work/readme"
else
  { echo "# Benchmarks"; echo; cat "$block"; } >"$work/readme"
fi
cp "$work/readme" "$README"
echo
echo "## The table (written to $README)"
echo
sed -n '/^| measurement/,/^$/p' "$README"
