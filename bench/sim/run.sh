#!/usr/bin/env bash
# Benchmark: simple authorised GETs against the lsr-sim binary with the rate model off.
# Usage: bench/sim/run.sh [path/to/lsr-sim] [duration, default 10s] [connections, default 16]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build-sim/src/sim/lsr-sim}"
duration="${2:-10s}"
conns="${3:-16}"
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
[ -x "$bin" ] || { echo "no lsr-sim binary at $bin (build the lsr-sim target)" >&2; exit 1; }

log="$(mktemp)"
"$bin" --listen 127.0.0.1:0 --threads 64 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

base=""
for _ in $(seq 100); do
  base="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" || true)"
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { echo "lsr-sim did not start:" >&2; cat "$log" >&2; exit 1; }

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
account="$(curl -sf -X POST "$base/_sim/accounts" -d '{"name":"Bench","registers":1,"seed":"demo"}')"
id="$(echo "$account" | field account_id)"
token="$(curl -sf -X POST "$base/auth/oauth/token" \
  -d "grant_type=refresh_token&client_id=$(echo "$account" | field client_id)&client_secret=$(echo "$account" | field client_secret)&refresh_token=$(echo "$account" | field refresh_token)" |
  field access_token)"
curl -sf -X PUT "$base/_sim/accounts/$id/rate" -d '{"model":"off"}' >/dev/null

echo "lsr-sim pid $pid at $base, account $id; wrk -t2 -c$conns -d$duration"
for path in "Item/11.json" "Item.json?limit=1" "Shop.json"; do
  echo "== GET /API/V3/Account/$id/$path"
  wrk -t2 -c"$conns" -d"$duration" --latency -H "Authorization: Bearer $token" \
    "$base/API/V3/Account/$id/$path" | grep -E 'Requests/sec|Latency|50%|99%|requests in|Non-2xx'
done
