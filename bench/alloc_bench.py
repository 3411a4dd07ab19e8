#!/usr/bin/env python3
"""Run the allocator benchmark and record it in docs/benchmarks.md.

    python3 bench/alloc_bench.py [--build-dir DIR] [--write] [--reps N]

Runs DIR/bench/alloc_bench (bench/alloc_bench.c, target sv_alloc_bench:
the kernel's kmem allocator against glibc malloc), prints its Markdown
section and, with --write, puts that section into docs/benchmarks.md
between the markers <!-- bench:alloc begin --> and <!-- bench:alloc end -->:
in place of the old one, or at the end of the file the first time. Nothing
else in the file changes (the other sections belong to run_benchmarks.py
and replay_bench.py).
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN = "<!-- bench:alloc begin -->"
END = "<!-- bench:alloc end -->"


def host_line():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    distro = ""
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            distro = ", " + m.group(1) if m else ""
    except OSError:
        pass
    return "%s, %d CPUs, Linux %s%s" % (cpu, os.cpu_count() or 0,
                                       platform.release(), distro)


def replace_section(old, section):
    """old with its alloc section replaced by section (or section added)."""
    found = re.search(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?",
                      old, re.S)
    if found:
        return old[:found.start()] + section + old[found.end():]
    if old and not old.endswith("\n"):
        old += "\n"
    return old + ("\n" if old else "") + section


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--write", action="store_true",
                    help="record the section in docs/benchmarks.md")
    ap.add_argument("--reps", type=int, help="rounds (default: the program's)")
    ap.add_argument("--pairs", type=int, help="pairs per small-object run")
    args = ap.parse_args()

    prog = os.path.join(args.build_dir, "bench", "alloc_bench")
    if not os.access(prog, os.X_OK):
        print("alloc_bench: %s missing: cmake --build %s --target "
              "sv_alloc_bench" % (prog, args.build_dir), file=sys.stderr)
        return 1
    cmd = [prog]
    if args.reps:
        cmd += ["--reps", str(args.reps)]
    if args.pairs:
        cmd += ["--pairs", str(args.pairs)]
    start = time.monotonic()
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    took = time.monotonic() - start

    first, _, body = out.partition("\n")
    command = "python3 bench/alloc_bench.py " + " ".join(
        a for a in sys.argv[1:])
    section = "\n".join([
        BEGIN,
        "## Results: allocators, kmem against glibc malloc (%s)"
        % datetime.date.today().isoformat(),
        "",
        "- Command: `%s` (whole run %.0f s)" % (command.strip(), took),
        "- Host: " + host_line(),
        "- " + first.strip(),
        "- What: the kernel's allocators (osk/buddy.c, osk/slab.c, "
        "osk/kmalloc.c; sv/kmem.h) built for Linux, the same code as on "
        "bare metal, over a zone of made-up physical addresses backed by "
        "an mmap'd arena; bench/alloc_bench.c. kmem checks every free "
        "(the slab's bitmap, the buddy allocator's frame table) and "
        "keeps statistics; glibc's tcache fast path checks little.",
        "",
        body.strip(),
        "",
        END,
        "",
    ])
    print(section, end="")
    if args.write:
        try:
            with open(DOC, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        with open(DOC + ".tmp", "w", encoding="utf-8") as f:
            f.write(replace_section(old, section))
        os.replace(DOC + ".tmp", DOC)
        print("alloc_bench: wrote %s" % DOC, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
