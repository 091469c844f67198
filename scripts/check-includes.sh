#!/usr/bin/env bash
# Fails on an include against the module arrows: a file in src/<module>/ may include
# "<other>/..." only when the arrows in docs/architecture.md (its first code block) lead from
# <module> to <other>. `A ← B` and `B → A` both say B may include A; arrows chain, so the
# allowed set is their transitive closure, and a module may include itself. Tests and their
# helpers (*_test.cpp, *_test_util.h, test mains) are not checked. Each violation is printed as
#   file:line: module X may not include Y (docs/architecture.md arrows)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys

DOC = "docs/architecture.md"

def arrows(doc):
    """Edges includer -> included, from the first fenced code block of the doc."""
    text = open(doc, encoding="utf-8").read()
    block = re.search(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)
    if not block:
        sys.exit(f"check-includes: {DOC} has no code block with the module arrows")
    edges = set()
    for line in block.group(1).splitlines():
        line = re.sub(r"\([^)]*\)", " ", line)  # "(lsr-sim)", "(the demo runs it in-process)"
        prev, arrow = None, None
        for tok in re.findall(r"[A-Za-z_][\w-]*|←|→", line):
            if tok in "←→":
                arrow = tok
                continue
            if prev is not None and arrow == "←":
                edges.add((tok, prev))  # prev ← tok: tok may include prev
            elif prev is not None and arrow == "→":
                edges.add((prev, tok))  # prev → tok: prev may include tok
            # Two names with no arrow between them start a new chain.
            prev, arrow = tok, None
    return edges

def closure(edges):
    modules = {m for e in edges for m in e}
    allowed = {m: {m} for m in modules}
    for m in modules:
        stack = [m]
        while stack:
            here = stack.pop()
            for a, b in edges:
                if a == here and b not in allowed[m]:
                    allowed[m].add(b)
                    stack.append(b)
    return allowed

def is_test(name):
    return (name.endswith("_test.cpp") or name.endswith("_test_util.h")
            or name.endswith("_test_util.cpp") or name.endswith("test_main.cpp"))

allowed = closure(arrows(DOC))
modules = sorted(d for d in os.listdir("src") if os.path.isdir(os.path.join("src", d)))
include = re.compile(r'^\s*#\s*include\s*"([^"/]+)/')
problems = []
for module in modules:
    if module not in allowed:
        problems.append(f"src/{module}/: module {module} is not in the arrows of {DOC}")
        continue
    for root, _, files in os.walk(os.path.join("src", module)):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp")) or is_test(name):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = include.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    if target not in modules and target not in allowed:
                        continue  # not one of ours ("sqlite/..." would be a library's)
                    if target not in allowed[module]:
                        problems.append(f"{path}:{n}: module {module} may not include {target} "
                                        f"({DOC} arrows)")
for p in problems:
    print(p)
if problems:
    print(f"check-includes: {len(problems)} include(s) against the arrows", file=sys.stderr)
    sys.exit(1)
print(f"check-includes: {len(modules)} modules, every include follows the arrows")
PY
