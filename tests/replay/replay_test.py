#!/usr/bin/env python3
"""Replay tests (DESIGN.md section 7, level 2). No /dev/kvm needed.

    replay_test.py SMARTVM trace NAME      replay tests/replay/NAME.svtrace:
                                           exit 0, stdout == NAME.expected
    replay_test.py SMARTVM corrupt CASE    a damaged copy of a committed
                                           trace is refused: exit status 3,
                                           a message with the byte offset,
                                           never a crash
    replay_test.py SMARTVM --list          the cases
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = "rm_hello"       # the trace the corruption cases damage
HEADER = 48             # docs/trace-format.md


def damage(data, case):
    """(damaged bytes, the offset the message must name or None)."""
    if case == "empty":
        return b"", 0
    if case == "truncated_header":
        return data[:30], None
    if case == "truncated_record":
        return data[:len(data) - 13], None
    if case == "flipped_payload":
        b = bytearray(data)
        b[HEADER + 8 + 5] ^= 0x10           # inside the CONFIG text
        return bytes(b), None
    if case == "flipped_header":
        b = bytearray(data)
        b[20] ^= 0x01                        # producer: header CRC fails
        return bytes(b), None
    if case == "wrong_version":
        b = bytearray(data)
        b[8] = 2
        return bytes(b), None
    if case == "absurd_length":
        b = bytearray(data)
        b[HEADER + 4:HEADER + 8] = b"\xff\xff\xff\xff"
        return bytes(b), HEADER
    if case == "garbage_after_end":
        return data + b"\0" * 16, None
    if case == "not_a_trace":
        return b"\x7fELF" + b"\0" * 200, None
    raise KeyError(case)


CORRUPT = ["empty", "truncated_header", "truncated_record", "flipped_payload",
           "flipped_header", "wrong_version", "absurd_length",
           "garbage_after_end", "not_a_trace"]


def run(argv):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def test_trace(smartvm, name):
    trace = os.path.join(HERE, name + ".svtrace")
    with open(os.path.join(HERE, name + ".expected")) as f:
        expected = f.read()
    status, out, err = run([smartvm, "replay", trace])
    print("status", status)
    print("---- stdout ----\n" + out + "---- stderr ----\n" + err, end="")
    problems = []
    if status != 0:
        problems.append("exit status %d, expected 0" % status)
    if out != expected:
        problems.append("stdout differs from %s.expected" % name)
        for i, (a, b) in enumerate(zip(out.splitlines(),
                                       expected.splitlines())):
            if a != b:
                problems.append("first difference, line %d: %r, expected %r"
                                % (i + 1, a, b))
                break
    for p in problems:
        print("FAILED:", p)
    return 1 if problems else 0


def test_corrupt(smartvm, case):
    with open(os.path.join(HERE, BASE + ".svtrace"), "rb") as f:
        data, offset = damage(f.read(), case)
    with tempfile.TemporaryDirectory(prefix="svreplay-") as d:
        path = os.path.join(d, case + ".svtrace")
        with open(path, "wb") as f:
            f.write(data)
        results = [run([smartvm, "replay", path]),
                   run([smartvm, "trace", "dump", path])]
    problems = []
    for (status, out, err), what in zip(results, ["replay", "trace dump"]):
        print("%s: status %d\nstderr: %s" % (what, status, err.strip()))
        if status != 3:
            problems.append("%s: exit status %d, expected 3 (corrupt)"
                            % (what, status))
        m = re.search(r"corrupt trace at byte (\d+)", err)
        if not m:
            problems.append("%s: no 'corrupt trace at byte N' message" % what)
        elif offset is not None and int(m.group(1)) != offset:
            problems.append("%s: offset %s, expected %d"
                            % (what, m.group(1), offset))
    for p in problems:
        print("FAILED:", p)
    return 1 if problems else 0


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--list":
        names = sorted(f[:-8] for f in os.listdir(HERE)
                       if f.endswith(".svtrace"))
        print("\n".join(["trace " + n for n in names] +
                        ["corrupt " + c for c in CORRUPT]))
        return 0
    if len(sys.argv) != 4 or sys.argv[2] not in ("trace", "corrupt"):
        print(__doc__, file=sys.stderr)
        return 2
    smartvm, kind, name = sys.argv[1:]
    return (test_trace if kind == "trace" else test_corrupt)(smartvm, name)


if __name__ == "__main__":
    sys.exit(main())
