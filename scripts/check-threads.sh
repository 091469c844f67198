#!/usr/bin/env bash
# Clang's thread-safety analysis over every .cpp under src/ (tests included): a member read or
# written without the mutex that GUARDED_BY names, a REQUIRES function called without it, a lock
# taken twice or never released fails the check (base/thread_annotations.h, base/mutex.h).
# Syntax-only with the flags of $BUILD/compile_commands.json (configure it first: `make
# check-threads` does), the files in parallel. Only thread-safety diagnostics are shown.
# Arguments, if any, are path prefixes to check only some files: scripts/check-threads.sh src/sim
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CLANGXX=${CLANGXX:-clang++-14}
command -v "$CLANGXX" >/dev/null || {
  echo "check-threads: $CLANGXX not found (make deps)"
  exit 1
}
db=$BUILD/compile_commands.json
[ -f "$db" ] || { echo "check-threads: no $db; configure first: cmake -S . -B $BUILD"; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# One shell command per file, NUL-separated: the compile command's -I/-D/-std flags (the gcc
# warnings, optimisation and output flags are dropped), then the analysis as an error.
python3 - "$db" "$CLANGXX" "$logs" "$PWD" "$@" >"$logs/commands" <<'PY'
import json, os, shlex, subprocess, sys
db, clang, logs, root = sys.argv[1:5]
only = sys.argv[5:]
keep_with_value = {"-I", "-isystem", "-iquote", "-include", "-D", "-U"}
keep_prefix = ("-I", "-isystem", "-iquote", "-D", "-U", "-std=")
by_file = {}
for entry in json.load(open(db)):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if not rel.startswith("src/") or rel in by_file:
        continue
    args = entry.get("arguments") or shlex.split(entry["command"])
    flags, i = [], 1
    while i < len(args):
        a = args[i]
        if a in keep_with_value and i + 1 < len(args):
            flags += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith(keep_prefix):
            flags.append(a)
        i += 1
    by_file[rel] = (entry["directory"], flags, path)
tracked = subprocess.run(["git", "ls-files", "src/*.cpp"], capture_output=True, text=True,
                         check=True).stdout.split()
missing = [f for f in tracked if f not in by_file]
if missing:
    sys.exit("check-threads: not in %s (reconfigure: cmake -S . -B <build>): %s"
             % (db, " ".join(missing)))
for n, (rel, (directory, flags, path)) in enumerate(sorted(by_file.items())):
    if only and not rel.startswith(tuple(only)):
        continue
    cmd = [clang, "-fsyntax-only", *flags, "-Wno-everything", "-Wthread-safety",
           "-Werror=thread-safety", path]
    log = os.path.join(logs, "%d.log" % n)
    sys.stdout.write("cd %s && %s >%s 2>&1 || { cat %s; exit 1; }\0"
                     % (shlex.quote(directory), shlex.join(cmd), shlex.quote(log),
                        shlex.quote(log)))
PY
files=$(tr -cd '\0' <"$logs/commands" | wc -c)
if xargs -0 -n1 -P"$(nproc)" bash -c <"$logs/commands"; then
  echo "check-threads: $files files under src/, no thread-safety findings"
else
  echo "check-threads: FAILED (clang -Wthread-safety; see base/thread_annotations.h)"
  exit 1
fi
