#!/usr/bin/env python3
"""Run ci/check_layering.py on a fixture tree and check what it reports.

    expect_violation.py CHECKER FIXTURE RULE FILE:LINE [-- CHECKER-ARGS...]
    expect_violation.py CHECKER FIXTURE --clean [-- CHECKER-ARGS...]

The first form passes only if the checker exits 1 and reports exactly one
violation, of RULE at FILE:LINE. The second passes only if it exits 0 and
reports nothing. Either way the summary must count every .c and .h file
under the fixture's core folders, so a checker that silently skips files
cannot pass. Exit 0 on pass, 1 on fail, 2 on usage errors.
"""

import os
import re
import subprocess
import sys

CORE = ("common", "vmm", "devices", "osk", "fs", "console")
VIOLATION_RE = re.compile(r"^(\S+?):(\d+): ([a-z-]+): ")
CHECKED_RE = re.compile(r"^check_layering: .*\b(\d+) files checked$")


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def core_files(root):
    n = 0
    for top in CORE:
        for _, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            n += sum(f.endswith((".c", ".h")) for f in filenames)
    return n


def main(argv):
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    if len(argv) == 3 and argv[2] == "--clean":
        checker, fixture, want = argv[0], argv[1], None
    elif len(argv) == 4 and re.fullmatch(r"\S+:\d+", argv[3]):
        checker, fixture = argv[0], argv[1]
        want = f"{argv[3]}: {argv[2]}: "
    else:
        usage()

    cmd = [sys.executable, checker, "--root", fixture] + extra
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    lines = proc.stdout.splitlines()
    print("$ " + " ".join(cmd))
    sys.stdout.write(proc.stdout + proc.stderr)

    errors = []
    found = [ln for ln in lines if VIOLATION_RE.match(ln)]
    if want is None:
        if proc.returncode != 0:
            errors.append(f"exit status {proc.returncode}, expected 0")
        if found:
            errors.append(f"{len(found)} violation(s) reported, expected "
                          "none")
    else:
        if proc.returncode != 1:
            errors.append(f"exit status {proc.returncode}, expected 1")
        if not any(ln.startswith(want) for ln in found):
            errors.append(f"no violation starting with '{want}'")
        if len(found) != 1:
            errors.append(f"{len(found)} violations reported, expected "
                          "exactly 1")
    expected_files = core_files(fixture)
    counts = [int(m.group(1)) for m in map(CHECKED_RE.match, lines) if m]
    if expected_files == 0:
        errors.append(f"fixture {fixture} has no core .c/.h file")
    if counts != [expected_files]:
        errors.append(f"summary counts {counts or 'no'} files checked, the "
                      f"fixture has {expected_files}")
    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print("PASS")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
