#!/usr/bin/env bash
# The full crash sweep (issue 9): every crash point x 20 seeds x 1, 2 and 3 `spoke worker`
# processes, one of them killed with SIGKILL at the point and restarted; then lsr-sim and spoke's
# database are checked for exactly one of everything. Prints a line per run (stderr) and the table
# per point (stdout); exits 1 if any run failed, keeping that run's directory and worker logs.
#
#   scripts/crash-sweep.sh                                  # the full sweep, 840 runs
#   scripts/crash-sweep.sh --seeds 3 --points after_send    # a part of it
#   JOBS=4 BUILD=build-x scripts/crash-sweep.sh             # runs at once (default 6), build dir
#
# The full sweep took 25 minutes on two shared cores with 6 runs at once (November 2026).
#
# Flags go to build/tests/crash_sweep: --seeds N, --first-seed S, --seed-list 3,6,9,
# --processes 1,2,3, --points all|p1,p2, --jobs J, --drain-limit SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if ! grep -q '^SPOKE_TEST_HOOKS:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "the crash points need a build with -DSPOKE_TEST_HOOKS=ON ($build)" >&2
  exit 2
fi
cmake --build "$build" --target spoke crash_sweep -j "$(nproc)" >&2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/spoke-crash-sweep.XXXXXX")
status=0
"$build/tests/crash_sweep" --spoke "$build/spoke" --scratch "$scratch" --jobs "${JOBS:-6}" "$@" ||
  status=$?
rmdir "$scratch" 2>/dev/null || echo "failed runs kept in $scratch" >&2
exit "$status"
