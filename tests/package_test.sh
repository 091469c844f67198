#!/usr/bin/env bash
# ctest package.InstallsIntoAThrowawayRoot: packs the binaries of the build folder given (cpack,
# nothing is compiled), installs the .deb into a throwaway root with dpkg --root (maintainer
# scripts chrootless, on $DPKG_ROOT), and checks what an administrator would: the files, the
# conffile, Depends, the units, the spoke user, its data folder and key, `spoke --help` and
# `spoke migrate` run as that user from the installed files with the installed config, an
# upgrade that keeps the key and the edited config, remove keeping the data, purge removing it.
# The machine's own /etc, /usr, users and dpkg database are never written (checked at the end).
# KEEP_TMP=1 keeps the temporary folder (the .deb, the root, dpkg's output) and prints its path.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ $# -eq 1 ] || fail "usage: $0 BUILD_DIR"
build="$(cd "$1" && pwd)"

# The spoke user's files need chown, so this runs as root (CI does). Elsewhere: a clear skip.
if [ "$(id -u)" -ne 0 ]; then
  [ "${CI:-}" = true ] && fail "CI must run this test as root (uid $(id -u))"
  echo "SKIP: installing the package into a throwaway root needs root (chown to its spoke user)"
  exit 77
fi
cpack="${CPACK:-cpack}"  # ctest passes the cpack of the cmake that configured the build
for tool in "$cpack" dpkg dpkg-deb dpkg-query dpkg-shlibdeps useradd setpriv sqlite3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (make deps installs it)"
done
[ -f "$build/CPackConfig.cmake" ] || fail "$build/CPackConfig.cmake is missing: configure first"
for bin in spoke src/sim/lsr-sim; do
  [ -x "$build/$bin" ] || fail "$build/$bin is not built (the test packs what is built)"
done

# What this test must never change on the machine itself.
host_state() {
  for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /var/lib/dpkg/status; do
    [ -e "$f" ] && sha256sum "$f"
  done
  for p in /etc/spoke /var/lib/spoke /usr/bin/spoke /usr/bin/lsr-sim \
    /lib/systemd/system/spoke-serve.service; do
    [ -e "$p" ] && ls -ld --time-style=+%s "$p"
  done
  true
}
host_before="$(host_state)"

tmp="$(mktemp -d)"
trap '[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"  # the spoke user runs the installed binary from inside it

# --- The package -----------------------------------------------------------------------------
"$cpack" --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack failed"; }
debs=("$tmp"/out/spoke_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack made no spoke_*.deb: $(ls "$tmp/out")"
deb="${debs[0]}"
echo "package: $(basename "$deb")"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = spoke ] || fail "Package is '$(field Package)'"
[ -n "$(field Version)" ] || fail "no Version"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
depends="$(field Depends)"
echo "Depends: $depends"
if grep -Eq -- '-dev( |,|$)' <<<"$depends"; then fail "Depends names a -dev package: $depends"; fi
# libpq5 comes through libpqxx (spoke itself calls only libpqxx).
for lib in libc6 libstdc++6 libcurl4 libsqlite3-0 libsodium23 libpqxx; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/contents"
expected=(/usr/bin/spoke /usr/bin/lsr-sim /lib/systemd/system/spoke-serve.service
  /lib/systemd/system/spoke-worker@.service /etc/spoke/spoke.toml
  /usr/share/doc/spoke/README.Debian /usr/share/doc/spoke/README.md)
for f in "${expected[@]}"; do
  grep -qx -- "$f" "$tmp/contents" || fail "the package lacks $f"
done
# Only what the package owns: nothing of the build or test tree slipped in.
if grep -Ev '^(/|/usr/|/usr/bin/.*|/usr/share/|/usr/share/doc/|/usr/share/doc/spoke/.*|/lib/|/lib/systemd/|/lib/systemd/system/.*|/etc/|/etc/spoke/|/etc/spoke/spoke.toml)$' \
  "$tmp/contents"; then
  fail "unexpected files in the package (above)"
fi

# --- Install into a throwaway root -----------------------------------------------------------
root="$tmp/root"
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
(umask 077 && echo 'root:*:20000:0:99999:7:::' >"$root/etc/shadow" &&
  echo 'root:*::' >"$root/etc/gshadow")
# --force-depends: the root holds no other package; --force-script-chrootless: it holds no
# shell either, so the scripts run here with DPKG_ROOT=$root; the doc path is included against
# a host's path-exclude. No prompt can wait: stdin is empty.
dpkg_root() {
  dpkg --root="$root" --log="$tmp/dpkg.log" --force-depends --force-script-chrootless \
    --path-include='/usr/share/doc/spoke/*' "$@" </dev/null >>"$tmp/dpkg.out" 2>&1 ||
    { cat "$tmp/dpkg.out"; fail "dpkg $* failed"; }
}
dpkg_root -i "$deb"

status="$(dpkg-query --root="$root" -W -f='${Status}' spoke)"
[ "$status" = "install ok installed" ] || fail "dpkg says '$status', not installed"
dpkg-query --root="$root" -L spoke >"$tmp/listed"
for f in "${expected[@]}"; do
  grep -qx -- "$f" "$tmp/listed" || fail "dpkg -L spoke lacks $f"
  [ -f "$root$f" ] || fail "$f was not installed"
done
[ -x "$root/usr/bin/spoke" ] && [ -x "$root/usr/bin/lsr-sim" ] || fail "binaries not executable"
conffiles="$(dpkg-query --root="$root" -W -f='${Conffiles}' spoke)"
grep -q '^ /etc/spoke/spoke.toml [0-9a-f]\{32\}' <<<"$conffiles" ||
  fail "/etc/spoke/spoke.toml is not a conffile: '$conffiles'"

# postinst: the spoke system user and group, the data folder, the key and secret.env.
uid="$(awk -F: '$1 == "spoke" { print $3 }' "$root/etc/passwd")"
gid="$(awk -F: '$1 == "spoke" { print $3 }' "$root/etc/group")"
[ -n "$uid" ] && [ -n "$gid" ] || fail "postinst made no spoke user/group: $(cat "$root/etc/passwd")"
[ "$uid" -lt 1000 ] || fail "spoke is not a system user (uid $uid)"
grep -q '^spoke:[^:]*:[0-9]*:[0-9]*:[^:]*:/var/lib/spoke:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "spoke's home or shell: $(grep '^spoke:' "$root/etc/passwd")"
owner_mode() { stat -c '%u:%g %a' "$1"; }
[ "$(owner_mode "$root/var/lib/spoke")" = "$uid:$gid 750" ] ||
  fail "/var/lib/spoke is $(owner_mode "$root/var/lib/spoke"), not spoke:spoke 750"
[ "$(owner_mode "$root/etc/spoke/spoke.key")" = "$uid:$gid 600" ] ||
  fail "/etc/spoke/spoke.key is $(owner_mode "$root/etc/spoke/spoke.key"), not spoke:spoke 600"
grep -Eqx '[0-9a-f]{64}' "$root/etc/spoke/spoke.key" || fail "spoke.key does not hold 64 hex"
[ "$(owner_mode "$root/etc/spoke/secret.env")" = "0:$gid 640" ] ||
  fail "/etc/spoke/secret.env is $(owner_mode "$root/etc/spoke/secret.env"), not root:spoke 640"
[ "$(owner_mode "$root/etc/spoke/spoke.toml")" = "0:0 644" ] || fail "spoke.toml's owner or mode"

# --- The units -------------------------------------------------------------------------------
units=(spoke-serve.service spoke-worker@.service)
for unit in "${units[@]}"; do
  u="$root/lib/systemd/system/$unit"
  value() { sed -n "s/^$1=//p" "$u"; }
  exec_start="$(value ExecStart)"
  bin="${exec_start%% *}"
  [ -x "$root$bin" ] || fail "$unit: ExecStart's $bin is not installed"
  [[ "$exec_start" == *" --config /etc/spoke/spoke.toml" ]] || fail "$unit: ExecStart=$exec_start"
  [ "$(value User)" = spoke ] || fail "$unit: User=$(value User)"
  [ "$(value WorkingDirectory)" = /var/lib/spoke ] || fail "$unit: WorkingDirectory"
  [ "$(value EnvironmentFile)" = -/etc/spoke/secret.env ] || fail "$unit: EnvironmentFile"
  for hardening in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/spoke \
    PrivateTmp=yes ProtectHome=yes Restart=on-failure StateDirectory=spoke; do
    grep -qx "$hardening" "$u" || fail "$unit lacks $hardening"
  done
done
grep -qx 'ExecStart=/usr/bin/spoke serve --config /etc/spoke/spoke.toml' \
  "$root/lib/systemd/system/spoke-serve.service" || fail "spoke-serve does not run spoke serve"
grep -qx 'ExecStart=/usr/bin/spoke worker --config /etc/spoke/spoke.toml' \
  "$root/lib/systemd/system/spoke-worker@.service" || fail "spoke-worker@ does not run spoke worker"
grep -qx 'Environment=SPOKE_WORKER_NODE_NAME=%H-%i' "$root/lib/systemd/system/spoke-worker@.service" ||
  fail "spoke-worker@ does not name its node %H-%i"
# systemd's own check, where systemd-analyze is there: syntax, and that the binary exists. The
# targets the units name come from the machine's systemd, copied beside them (never over them).
if command -v systemd-analyze >/dev/null && [ -f /lib/systemd/system/sysinit.target ]; then
  cp -rn /lib/systemd/system/. "$root/lib/systemd/system/"
  SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$root" "${units[@]/#//lib/systemd/system/}" \
    >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log"; fail "systemd-analyze verify"; }
  if grep -Ei 'unknown|invalid|not found|ignoring' "$tmp/verify.log"; then
    fail "systemd-analyze verify complains (above)"
  fi
fi

# --- The installed binaries, as the spoke user, with the installed config --------------------
as_spoke() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"; }
"$root/usr/bin/spoke" --help >"$tmp/help" 2>&1 || { cat "$tmp/help"; fail "spoke --help"; }
grep -q 'migrate' "$tmp/help" || fail "spoke --help does not list migrate"
"$root/usr/bin/lsr-sim" --help >/dev/null 2>&1 || fail "lsr-sim --help"
db="$root/var/lib/spoke/spoke.db"
# The config's /var/lib/spoke and /etc/spoke, redirected into the root by their variables.
run_spoke() {
  (cd "$root/var/lib/spoke" && as_spoke env SPOKE_DATABASE_URL="sqlite://$db" \
    SPOKE_KEY_FILE="$root/etc/spoke/spoke.key" "$root/usr/bin/spoke" "$@" \
    --config "$root/etc/spoke/spoke.toml")
}
run_spoke migrate >"$tmp/migrate" 2>&1 || { cat "$tmp/migrate"; fail "spoke migrate"; }
[ "$(owner_mode "$db")" = "$uid:$gid 600" ] || fail "spoke.db is $(owner_mode "$db")"
tables="$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'orders'")"
[ "$tables" = 1 ] || fail "spoke migrate made no orders table"
# The generated key is one spoke accepts (owner-only mode, 64 hex): import reads it.
printf '' | run_spoke import - >"$tmp/import" 2>&1 || { cat "$tmp/import"; fail "spoke import"; }

# --- Upgrade keeps the key and the administrator's config; remove keeps data; purge drops it ----
key_before="$(sha256sum <"$root/etc/spoke/spoke.key")"
echo '# edited by the administrator' >>"$root/etc/spoke/spoke.toml"
dpkg_root -i "$deb"
[ "$(sha256sum <"$root/etc/spoke/spoke.key")" = "$key_before" ] || fail "an upgrade replaced the key"
grep -q '^# edited by the administrator$' "$root/etc/spoke/spoke.toml" ||
  fail "an upgrade overwrote the edited spoke.toml"

dpkg_root -r spoke
[ ! -e "$root/usr/bin/spoke" ] || fail "remove left /usr/bin/spoke"
[ -f "$db" ] && [ -f "$root/etc/spoke/spoke.key" ] && [ -f "$root/etc/spoke/spoke.toml" ] ||
  fail "remove dropped the database, the key or the config"
dpkg_root -P spoke
[ ! -e "$root/var/lib/spoke" ] && [ ! -e "$root/etc/spoke" ] ||
  fail "purge left $(ls -d "$root/var/lib/spoke" "$root/etc/spoke" 2>/dev/null)"

# --- The scripts as on a machine of its own (DPKG_ROOT empty: getent, no --prefix) -----------
# In a private mount namespace over a copy of /etc and empty /var/lib and /var/log, which vanish
# with it. Where namespaces are refused (a locked-down container) this part says so.
if unshare --mount --propagation private true 2>/dev/null; then
  dpkg-deb -e "$deb" "$tmp/control"
  cp -a /etc "$tmp/etc-copy"
  unshare --mount --propagation private bash -euc '
    fail() { echo "FAIL: $*" >&2; exit 1; }
    mount --bind "$1/etc-copy" /etc
    mount -t tmpfs tmpfs /var/lib
    mount -t tmpfs tmpfs /var/log
    scripts="$1/control"
    unset DPKG_ROOT
    "$scripts/postinst" configure "" || fail "postinst configure (first install)"
    getent passwd spoke >/dev/null || fail "postinst made no spoke user"
    [ "$(stat -c %U:%G:%a /var/lib/spoke)" = spoke:spoke:750 ] || fail "/var/lib/spoke"
    [ "$(stat -c %U:%G:%a /etc/spoke/spoke.key)" = spoke:spoke:600 ] || fail "spoke.key"
    [ "$(stat -c %U:%G:%a /etc/spoke/secret.env)" = root:spoke:640 ] || fail "secret.env"
    key="$(cat /etc/spoke/spoke.key)"
    "$scripts/postinst" configure 0.1.0 || fail "postinst configure (upgrade)"
    [ "$(cat /etc/spoke/spoke.key)" = "$key" ] || fail "an upgrade replaced the key"
    "$scripts/prerm" remove && "$scripts/postrm" remove || fail "prerm/postrm remove"
    [ -f /etc/spoke/spoke.key ] && [ -d /var/lib/spoke ] || fail "remove dropped the key or data"
    "$scripts/postrm" purge || fail "postrm purge"
    [ ! -e /etc/spoke ] && [ ! -e /var/lib/spoke ] || fail "purge left /etc/spoke or /var/lib/spoke"
  ' _ "$tmp" || fail "the maintainer scripts on a machine of their own (above)"
else
  echo "NOTE: unshare --mount is refused here: the scripts ran only with DPKG_ROOT set"
fi

[ "$(host_state)" = "$host_before" ] || fail "the machine's own files changed"
echo "ok: installed, upgraded, removed and purged in a throwaway root"
