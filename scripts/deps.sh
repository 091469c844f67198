#!/usr/bin/env bash
# Installs the Debian packages spoke needs, only those missing. Safe to run again.
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libcpp-httplib-dev libboost1.81-dev libcurl4-openssl-dev nlohmann-json3-dev libsqlite3-dev
      libpqxx-dev libsodium-dev zlib1g-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
      libhowardhinnant-date-dev tzdata libjemalloc-dev libgtest-dev googletest libbenchmark-dev sqlite3 clang-format
      postgresql  # initdb and postgres for the throwaway clusters of the PostgreSQL tests
      clang-14 libclang-rt-14-dev llvm-14  # make fuzz, make check-threads
      libasan8 libubsan1 liblsan0 libtsan2  # gcc-12's sanitizer runtimes (make test-asan/tsan)
      ccache)  # compiled objects reused across builds and clones (CI builds a fresh clone)
if [ "${SPOKE_DEPS_EXTRA:-}" != "" ]; then read -r -a extra <<<"$SPOKE_DEPS_EXTRA"; pkgs+=("${extra[@]}"); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "deps: installing ${missing[*]}"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q || true
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
