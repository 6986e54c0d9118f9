#!/usr/bin/env python3
"""The crate's file-level module graph: import circles, arrows that run up the layers, largest files.

Usage: python3 tools/module_graph.py [--check] [src]    (prints a summary; with --check, exits 1
when there is a circle or an arrow up)
An edge a.rs -> b.rs is any `crate::`/`super::`/child-module path in a.rs that names an item defined
in b.rs (re-exports through mod.rs are followed to the defining file). A circle is a strongly
connected set of files (a mod.rs/lib.rs declaring its own children does not count as an edge to
them); an arrow up goes from a lower layer to a higher one (LAYERS below; unit-test files are exempt).
"""
import os
import re
import sys
from collections import defaultdict

# Layer of each top-level module: an edge may only go to the same or a lower number, and two
# different modules of the same number may not depend on each other (siblings).
LAYERS = {
    "player_kind": 0, "error": 0.2, "atomic": 0.5, "data": 1, "model": 2, "explain": 3, "train": 4, "report": 4,
    "request": 4.5, "players": 5, "pipeline": 6, "run": 6, "batch": 7, "demo": 8, "cli": 9,
    "main": 10, "lib": 10,
}

ARGS = [a for a in sys.argv[1:] if a != "--check"]
CHECK = "--check" in sys.argv[1:]
SRC = ARGS[0] if ARGS else "src"
files = {}
for root, _, names in os.walk(SRC):
    for n in names:
        if n.endswith(".rs"):
            p = os.path.join(root, n)
            files[p] = open(p, encoding="utf-8").read()


def mod_path(f):
    """Module path of a file: src/a/b.rs -> [a, b]; src/a/mod.rs -> [a]."""
    rel = os.path.relpath(f, SRC)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main") and (len(rel) > 1 or rel[-1] != "main"):
        rel = rel[:-1]
    return rel


by_path = {tuple(mod_path(f)): f for f in files}
# Children that are declared with a #[path] or inline are rare here; `mod x;` maps to a file.
reexports = defaultdict(dict)  # module path -> name -> target path (list of segments)
for f, text in files.items():
    here = mod_path(f)
    for m in re.finditer(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
        body = m.group(1).replace("\n", " ")
        prefix, _, group = body.partition("{")
        prefix = prefix.strip().rstrip(":")
        items = [g.strip() for g in group.rstrip("} ").split(",")] if group else [prefix.split("::")[-1]]
        if not group:
            prefix = "::".join(prefix.split("::")[:-1])
        for it in items:
            if not it:
                continue
            name = it.split(" as ")[-1].strip().split("::")[-1]
            target = (prefix + "::" + it.split(" as ")[0].strip()) if prefix else it.split(" as ")[0].strip()
            reexports[tuple(here)][name] = target


def absolute(segs, here):
    """Absolute module path of a path written in module `here`."""
    out = list(here)
    segs = list(segs)
    if segs[0] == "crate":
        out, segs = [], segs[1:]
    while segs and segs[0] in ("super", "self"):
        if segs.pop(0) == "super":
            out = out[:-1]
    return out + segs


def resolve(segs, depth=0):
    """The file that defines the item a path names (longest module prefix, re-exports followed)."""
    for k in range(len(segs), 0, -1):
        mod = tuple(segs[:k])
        if mod in by_path:
            rest = segs[k:]
            if rest and depth < 8 and rest[0] in reexports.get(mod, {}):
                t = reexports[mod][rest[0]].split("::")
                return resolve(absolute(t, list(mod)), depth + 1) or by_path[mod]
            return by_path[mod]
    return None


edges = defaultdict(set)
path_re = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
use_re = re.compile(r"\buse\s+((?:crate|super|self)::[^;]+);")
for f, text in files.items():
    here = mod_path(f)
    code = re.sub(r"//[^\n]*", "", text)
    refs = []
    for m in use_re.finditer(code):
        body = m.group(1).replace("\n", " ").replace(" ", "")
        if "{" in body:
            prefix, _, group = body.partition("{")
            depth, cur, parts = 0, "", []
            for ch in group.rstrip("}"):
                if ch == "," and depth == 0:
                    parts.append(cur)
                    cur = ""
                    continue
                depth += ch == "{"
                depth -= ch == "}"
                cur += ch
            parts.append(cur)
            for p in parts:
                p = p.split("{")[0].split(" as ")[0].rstrip(":")
                if p:
                    refs.append((prefix + p).split("::"))
        else:
            refs.append(body.split(" as ")[0].split("::"))
    for m in path_re.finditer(code):
        refs.append(m.group(1).split("::"))
    children = re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_0-9]+)\s*;", code, re.M)
    for c in children:
        for m in re.finditer(r"\b%s::([A-Za-z_][A-Za-z0-9_]*)" % c, code):
            refs.append(["self", c, m.group(1)])
    for r in refs:
        target = resolve(absolute([s for s in r if s and s != "*"], here))
        # A module file declaring and re-exporting its children is not a dependency on them.
        parent = os.path.basename(f) in ("mod.rs", "lib.rs")
        if parent and target and os.path.dirname(target).startswith(os.path.dirname(f)):
            continue
        if target and target != f:
            edges[f].add(target)

# Strongly connected components (Tarjan).
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(files):
    if v not in index:
        visit(v)


def top(f):
    return mod_path(f)[0] if mod_path(f) else "lib"


up = []
for a in sorted(edges):
    for b in sorted(edges[a]):
        ta, tb = top(a), top(b)
        la, lb = LAYERS.get(ta, 99), LAYERS.get(tb, 99)
        test_code = os.path.basename(a) == "tests.rs" or a.endswith("_tests.rs")
        if ta != tb and (lb > la or lb == la) and not test_code:
            up.append((a, b))

short = lambda f: os.path.relpath(f, SRC)
print(f"files: {len(files)}, edges: {sum(len(v) for v in edges.values())}")
print(f"circles: {len(sccs)}")
for c in sccs:
    print("  - " + " <-> ".join(short(f) for f in c))
print(f"arrows up (or between sibling layers): {len(up)}")
for a, b in up:
    print(f"  - {short(a)} -> {short(b)}")
sizes = sorted(((text.count("\n"), short(f)) for f, text in files.items()), reverse=True)[:8]
print("largest files: " + ", ".join(f"{n} {f}" for f, n in [(s[1], s[0]) for s in sizes]))
dirs = defaultdict(int)
for f in files:
    dirs[os.path.dirname(short(f)) or "."] += 1
print("files per folder: " + ", ".join(f"{d or '.'} {n}" for d, n in sorted(dirs.items())))

if CHECK and (sccs or up):
    sys.exit(1)
