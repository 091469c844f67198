#!/usr/bin/env bash
# Runs each libFuzzer target of build-fuzz/ for a bounded time and prints one row per target.
#   scripts/fuzz.sh SECONDS [target ...]      (default: every folder under fuzz/corpus/)
# Seeds come from fuzz/corpus/<t>/ and fuzz/regressions/<t>/ (read only); what the fuzzer adds
# goes to $FUZZ_WORK/corpus/<t>/ (default build-fuzz/fuzz/work, kept between runs), and a crash,
# leak or timeout input to $FUZZ_WORK/artifacts/<t>/. Fix the code, then keep the input in
# fuzz/regressions/<t>/.
# Exits non-zero when any target found something.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
work=${FUZZ_WORK:-$build/fuzz/work}
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_SYMBOLIZER_PATH=$symbolizer
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

found=0
rows=()
for t in "${targets[@]}"; do
  bin=$build/fuzz/${t}_fuzz
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (make fuzz builds it)" >&2
    exit 2
  fi
  mkdir -p "$work/corpus/$t"
  rm -rf "$work/artifacts/$t" && mkdir -p "$work/artifacts/$t"
  seeds=(fuzz/corpus/"$t")
  [ -d fuzz/regressions/"$t" ] && seeds+=(fuzz/regressions/"$t")
  dict=()
  [ -f fuzz/dicts/"$t".dict ] && dict=(-dict=fuzz/dicts/"$t".dict)
  start=$(date +%s%N)
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t/" "${dict[@]}" "$work/corpus/$t" "${seeds[@]}" \
    >"$work/$t.log" 2>&1
  rc=$?
  took=$(( ($(date +%s%N) - start) / 1000000000 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$work/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$work/corpus/$t" -type f | wc -l)
  crashes=$(find "$work/artifacts/$t" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    found=1
    [ "$crashes" -eq 0 ] && crashes="exit $rc"
  fi
  rows+=("$(printf '%-18s %12s %8s %6s %8s %6s  %s' "$t" "${execs:-?}" "$took" "${added:-?}" \
    "$corpus" "${cov:-?}" "$crashes")")
  echo "fuzz: $t done (${execs:-?} runs, rc $rc)" >&2
done

printf '%-18s %12s %8s %6s %8s %6s  %s\n' target executions seconds new corpus cov crashes
printf '%s\n' "${rows[@]}"
if [ "$found" -ne 0 ]; then
  echo
  echo "Something was found: see $work/<target>.log and $work/artifacts/<target>/."
  for t in "${targets[@]}"; do
    for f in "$work/artifacts/$t"/*; do [ -f "$f" ] && echo "  $f"; done
  done
  exit 1
fi
