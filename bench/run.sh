#!/usr/bin/env bash
# Runs spoke's benchmarks and prints their tables. Results are recorded by hand in RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## orders_bench ($(date -u +%Y-%m-%d), $(nproc) cores)"
./build/bench/orders_bench "${ORDERS_TOTAL:-100000}"
echo "## order_search (1,000,000 orders, SQLite and a throwaway PostgreSQL; a few minutes)"
./build/bench/order_search "${SEARCH_ORDERS:-1000000}" both
echo "## lightspeed_bench"
./build/bench/lightspeed_bench 300
echo "## units_bench (units per order against the lower bound)"
./build/bench/units_bench 300
if [ -x bench/sim/run.sh ]; then bash bench/sim/run.sh; fi
if [ -x bench/export_nodes.sh ]; then bash bench/export_nodes.sh; fi
