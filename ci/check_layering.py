#!/usr/bin/env python3
"""Check the layering of Smart-VM's portable core (DESIGN.md section 2).

The core folders are common, vmm, devices, osk, fs and console. Every .c and
.h file under them must obey five rules; each broken rule is one line

    path:line: rule-name: message

(path relative to the root), sorted by path and line, then a summary line.
Exit status: 0 if the tree is clean, 1 if there is any violation, 2 on a
usage error (bad option, no core folder under the root, unreadable file).

Rules:
  system-header    #include <...> names only freestanding headers: stdint.h
                   stddef.h stdbool.h stdarg.h limits.h (and stdalign.h
                   stdnoreturn.h float.h stdatomic.h iso646.h).
  backend-include  no quoted include names a backend_* folder or resolves to
                   a file under one (the backends' include/ folders are
                   searched last, so "sv/x.h" served only by a backend is
                   caught too).
  layer            an include resolves only to the file's own module or to one
                   it may depend on: console -> osk -> devices -> vmm and
                   fs -> common, and common depends on nothing.
  missing-include  a quoted include that resolves to nothing would hide a
                   dependency (and would silently fall back to the host's
                   system headers); generated headers are exempt when named
                   with --allow-missing (as written, or by file name).
  include-cycle    the file-level include graph among core files is acyclic;
                   a cycle is reported as a -> b -> a, once per strongly
                   connected component, at the first include of the path.
  host-ifdef       no #if/#ifdef/#ifndef/#elif/#elifdef/#elifndef tests a
                   host-identifying macro (__linux__, _WIN32, SV_BAREMETAL,
                   CONFIG_*, ...). Include guards are fine even when their
                   name looks like one (SV_HOST_H).

Quoted includes resolve against the including file's folder, then each core
folder's include/ folder, then each backend_*/include/ folder. A file's
module is its top folder, and so is an included file's.

The check is textual, after the preprocessor's own first phases: lines
joined at backslash-newline, then comments removed (not inside string or
character literals). Commented-out directives do not count; directives under
#if 0 do, since the check does not evaluate conditions.
"""

import argparse
import bisect
import os
import re
import sys

CORE = ("common", "vmm", "devices", "osk", "fs", "console")

# Who each core module may include, besides itself (DESIGN.md section 2).
ALLOWED = {
    "common": frozenset(),
    "vmm": frozenset({"common"}),
    "fs": frozenset({"common"}),
    "devices": frozenset({"vmm", "fs", "common"}),
    "osk": frozenset({"devices", "vmm", "fs", "common"}),
    "console": frozenset({"osk", "devices", "vmm", "fs", "common"}),
}

FREESTANDING = frozenset({
    "stdint.h", "stddef.h", "stdbool.h", "stdarg.h", "limits.h",
    "stdalign.h", "stdnoreturn.h", "float.h", "stdatomic.h", "iso646.h",
})

HOST_MACROS = frozenset({
    "__linux__", "__linux", "linux", "__unix__", "__unix", "unix",
    "__APPLE__", "__MACH__", "_WIN32", "_WIN64", "__CYGWIN__", "__FreeBSD__",
    "__STDC_HOSTED__", "__KERNEL__", "_POSIX_VERSION", "__GLIBC__",
    "__gnu_linux__",
})
HOST_MACRO_RE = re.compile(
    r"(?:SV_(?:HOST|BAREMETAL|BARE_METAL|LINUX|KVM|POSIX|VMX_HOST)\w*"
    r"|CONFIG_\w+)\Z")

CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "elif", "elifdef",
                          "elifndef"})
INCLUDES = frozenset({"include", "include_next", "import"})

# Translation phase 3, enough of it: comments become blanks of the same
# length (so offsets keep their line numbers); literals are kept whole so a
# "/*" or "//" inside them starts nothing.
LEXEME_RE = re.compile(
    r"""//[^\n]*"""
    r"""|/\*.*?(?:\*/|\Z)"""
    r"""|"(?:\\[^\n]|[^"\\\n])*"?"""
    r"""|'(?:\\[^\n]|[^'\\\n])*'?""",
    re.DOTALL)
DIRECTIVE_RE = re.compile(r"^[ \t\f\v]*#[ \t\f\v]*([A-Za-z_]\w*)(.*)$",
                          re.MULTILINE)
# Tokens of a #if condition: literals and pp-numbers are skipped so that
# 0x1Fu or 'u' is not read as an identifier.
COND_TOKEN_RE = re.compile(
    r"""("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?)"""
    r"""|(\.?\d(?:[eEpP][+-]|[\w.])*)"""
    r"""|([A-Za-z_]\w*)""")
IDENT_RE = re.compile(r"[A-Za-z_]\w*")
GUARD_IF_RE = re.compile(
    r"#\s*(?:ifndef\s+([A-Za-z_]\w*)"
    r"|if\s*!\s*defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|\s([A-Za-z_]\w*)))\s*\Z")
GUARD_DEFINE_RE = re.compile(r"#\s*define\s+([A-Za-z_]\w*)(?:\s.*)?\Z")
ENDIF_RE = re.compile(r"#\s*endif\b")


class Source:
    """One core file, split into preprocessing directives."""

    def __init__(self, text):
        spliced, self._starts = _splice(text)
        self.text = LEXEME_RE.sub(_blank_comment, spliced)

    def line_of(self, offset):
        return bisect.bisect_right(self._starts, offset)

    def directives(self):
        """Yield (line, name, rest) for each directive, in order."""
        for m in DIRECTIVE_RE.finditer(self.text):
            yield (self.line_of(m.start(0) + m.group(0).index("#")),
                   m.group(1), m.group(2).strip())

    def include_guard(self):
        """The macro of a classic include guard, or None."""
        lines = [ln.strip() for ln in self.text.split("\n") if ln.strip()]
        if len(lines) < 3 or not ENDIF_RE.match(lines[-1]):
            return None
        m = GUARD_IF_RE.match(lines[0])
        if not m:
            return None
        name = m.group(1) or m.group(2) or m.group(3)
        d = GUARD_DEFINE_RE.match(lines[1])
        return name if d and d.group(1) == name else None


def _blank_comment(m):
    s = m.group(0)
    if s[0] == "/" and len(s) > 1 and s[1] in "/*":
        return " " * len(s)
    return s


def _splice(text):
    """Translation phase 2: join lines ending in a backslash.

    Returns the joined text and, for each physical line, the offset in it
    where that line begins (so offsets map back to line numbers). Like GCC,
    blanks between the backslash and the newline are tolerated.
    """
    phys = text.split("\n")
    pieces, starts, pos = [], [], 0
    last = len(phys) - 1
    for i, line in enumerate(phys):
        if line.endswith("\r"):
            line = line[:-1]
        starts.append(pos)
        body = line.rstrip(" \t")
        if i < last and body.endswith("\\"):
            piece = body[:-1]
        else:
            piece = line + "\n"
        pieces.append(piece)
        pos += len(piece)
    return "".join(pieces), starts


def is_host_macro(name):
    return name in HOST_MACROS or HOST_MACRO_RE.match(name) is not None


def condition_identifiers(cond):
    for m in COND_TOKEN_RE.finditer(cond):
        if m.group(3):
            yield m.group(3)


class Checker:
    def __init__(self, root, allow_missing):
        self.root = root
        self.allow_missing = frozenset(allow_missing)
        self.core = [c for c in CORE if os.path.isdir(os.path.join(root, c))]
        backends = sorted(d for d in os.listdir(root)
                          if d.startswith("backend_")
                          and os.path.isdir(os.path.join(root, d)))
        # Searched for quoted includes after the including file's folder.
        self.search = [c + "/include" for c in CORE] + \
                      [b + "/include" for b in backends]
        self.violations = []
        self.files = []
        self.edges = {}         # core file -> [(line, included core file)]
        self._exists = {}

    def report(self, rel, line, rule, msg):
        self.violations.append((rel, line, rule, msg))

    def collect(self):
        for top in self.core:
            for dirpath, dirnames, filenames in os.walk(
                    os.path.join(self.root, top)):
                dirnames[:] = sorted(d for d in dirnames
                                     if not d.startswith(".")
                                     and d != "__pycache__")
                for f in sorted(filenames):
                    if f.endswith((".c", ".h")):
                        full = os.path.join(dirpath, f)
                        self.files.append(
                            os.path.relpath(full, self.root).replace(os.sep,
                                                                     "/"))
        self.files.sort()

    def isfile(self, rel):
        r = self._exists.get(rel)
        if r is None:
            r = os.path.isfile(os.path.join(self.root, rel))
            self._exists[rel] = r
        return r

    def resolve(self, rel, name):
        """Tree-relative path a quoted include of name in rel resolves to."""
        here = os.path.dirname(rel)
        for base in [here] + self.search:
            cand = os.path.normpath(os.path.join(base, name)).replace(
                os.sep, "/")
            if cand.startswith("../") or cand == ".." or os.path.isabs(cand):
                continue        # outside the tree
            if self.isfile(cand):
                return cand
        return None

    def check_file(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8",
                  errors="replace") as f:
            src = Source(f.read())
        module = rel.split("/", 1)[0]
        guard = src.include_guard() if rel.endswith(".h") else None
        first_conditional = True
        edges = self.edges.setdefault(rel, [])
        for line, name, rest in src.directives():
            if name in INCLUDES:
                self.check_include(rel, module, line, rest, edges)
            elif name in CONDITIONALS:
                if name in ("ifdef", "ifndef", "elifdef", "elifndef"):
                    m = IDENT_RE.match(rest)
                    idents = [m.group(0)] if m else []
                else:
                    idents = condition_identifiers(rest)
                hosts = []
                for ident in idents:
                    if is_host_macro(ident) and ident not in hosts:
                        hosts.append(ident)
                if first_conditional and guard is not None:
                    hosts = [h for h in hosts if h != guard]
                first_conditional = False
                if hosts:
                    self.report(rel, line, "host-ifdef",
                                f"#{name} on host macro {', '.join(hosts)}: "
                                "the core never knows its host; choose the "
                                "host at link time")

    def check_include(self, rel, module, line, rest, edges):
        if rest.startswith("<"):
            end = rest.find(">")
            name = rest[1:end] if end > 0 else rest[1:]
            if name not in FREESTANDING:
                hint = " (a header of the tree: include it with quotes)" \
                    if self.resolve(rel, name) else ""
                self.report(rel, line, "system-header",
                            f"<{name}> is not a freestanding header{hint}")
            return
        if not rest.startswith('"'):
            return          # computed include: nothing to resolve
        end = rest.find('"', 1)
        name = rest[1:end] if end > 0 else rest[1:]
        target = self.resolve(rel, name)
        dirs = name.split("/")[:-1]
        if any(d.startswith("backend_") for d in dirs) or (
                target is not None and target.startswith("backend_")):
            where = f" (resolves to {target})" if target else ""
            self.report(rel, line, "backend-include",
                        f'"{name}"{where}: the core never includes a '
                        "backend header")
            return
        if target is None:
            base = name.rsplit("/", 1)[-1]
            if name not in self.allow_missing and \
                    base not in self.allow_missing:
                self.report(rel, line, "missing-include",
                            f'"{name}" is not in the tree (searched '
                            f"{os.path.dirname(rel) or '.'}/ and the "
                            "include/ folders; pass --allow-missing for a "
                            "generated header)")
            return
        tmod = target.split("/", 1)[0] if "/" in target else ""
        if tmod not in ALLOWED:
            self.report(rel, line, "layer",
                        f'"{name}" resolves to {target}, outside the core '
                        "folders")
            return
        if tmod != module and tmod not in ALLOWED[module]:
            may = ", ".join(m for m in CORE if m in ALLOWED[module])
            rule = f"{module} depends only on {may}" if may else \
                f"{module} depends on nothing"
            self.report(rel, line, "layer",
                        f'"{name}" resolves to {target}, but {rule}')
        edges.append((line, target))

    def check_cycles(self):
        for comp in _sccs(self.files,
                          {f: sorted({t for _, t in e})
                           for f, e in self.edges.items()}):
            start = min(comp)
            path = _shortest_cycle(start, comp, self.edges)
            line = min(ln for ln, t in self.edges[start] if t == path[1])
            extra = f" ({len(comp)} files in the cycle's component)" \
                if len(comp) > len(path) - 1 else ""
            self.report(start, line, "include-cycle",
                        " -> ".join(path) + extra)

    def run(self):
        self.collect()
        for rel in self.files:
            self.check_file(rel)
        self.check_cycles()
        self.violations.sort()
        return self.violations


def _sccs(nodes, succ):
    """Tarjan's strongly connected components (iterative) that hold a cycle."""
    index, low, onstack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succ.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    onstack.add(w)
                    work.append((w, iter(succ.get(w, ()))))
                    advanced = True
                    break
                if w in onstack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in succ.get(v, ()):
                    out.append(frozenset(comp))
    return out


def _shortest_cycle(start, comp, edges):
    """Shortest include path start -> ... -> start inside one component."""
    prev = {}
    queue = [start]
    for v in queue:
        for _, w in sorted(edges.get(v, ()), key=lambda e: e[1]):
            if w == start:
                chain = [v]
                while chain[-1] != start:
                    chain.append(prev[chain[-1]])
                return chain[::-1] + [start]
            if w in comp and w != start and w not in prev:
                prev[w] = v
                queue.append(w)
    raise AssertionError("component without a cycle")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Check that Smart-VM's core folders (" + " ".join(CORE) +
        ") include no system or backend header, respect the module "
        "direction, have no include cycle and no #ifdef on the host.",
        epilog="Output: one 'path:line: rule: message' line per violation, "
        "then a summary. Exit 0 if clean, 1 on violations, 2 on usage "
        "errors. See the module docstring for the rules.")
    ap.add_argument("--root", default=os.path.dirname(here),
                    help="tree to check (default: the tree this script is "
                    "in)")
    ap.add_argument("--allow-missing", action="append", default=[],
                    metavar="NAME",
                    help="a generated header that may be absent from the "
                    "tree (as included, or its file name); repeatable")
    args = ap.parse_args(argv)
    root = args.root
    if not os.path.isdir(root):
        ap.error(f"--root {root}: not a directory")
    checker = Checker(root, args.allow_missing)
    if not checker.core:
        ap.error(f"--root {root}: none of the core folders "
                 f"({' '.join(CORE)}) is there")
    try:
        violations = checker.run()
    except OSError as e:
        print(f"check_layering: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    out = sys.stdout
    for rel, line, rule, msg in violations:
        out.write(f"{rel}:{line}: {rule}: {msg}\n")
    n, nfiles = len(violations), len({v[0] for v in violations})
    if n:
        out.write(f"check_layering: {n} violation{'s' if n > 1 else ''} in "
                  f"{nfiles} of {len(checker.files)} files checked\n")
    else:
        out.write(f"check_layering: OK, {len(checker.files)} files "
                  "checked\n")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
