#!/usr/bin/env bash
# Fails when a C++ file is not clang-formatted (Google style, 100 columns; see .clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed, skipped"; exit 0; }
bad=$(clang-format --dry-run $(git ls-files '*.cpp' '*.h') 2>&1 | grep -oE '^[^:]+:[0-9]+:[0-9]+: warning' | cut -d: -f1 | sort -u || true)
if [ -n "$bad" ]; then
  echo "check-format: run 'make format'; these files differ:"; echo "$bad"; exit 1
fi
