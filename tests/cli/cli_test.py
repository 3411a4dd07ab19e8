#!/usr/bin/env python3
"""Command-line tests of `smartvm` that need no /dev/kvm: help, versions,
and bad configurations and images, each of which must be refused with its
own message (file, line, problem) and exit status 2 before any VM exists.

    cli_test.py SMARTVM CASE      run one case (the CTest test cli.CASE)
    cli_test.py SMARTVM --list    list the cases
"""
import os
import re
import subprocess
import sys
import tempfile

GOOD_FLAT = b"\xb0\x10\xe6\xf4"  # mov al, 0x10; out 0xf4, al


REPLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "replay")


def cfg(body):
    return "".join(line.strip() + "\n" for line in body.strip().splitlines())


# name: (args, files {name: bytes|str}, status, stdout regex, stderr regex)
CASES = {
    "version": (["--version"], {}, 0, r"^smartvm \d+\.\d+\.\d+$", None),
    "help": (["--help"], {}, 0, r"run \[--record FILE\] CONFIG", None),
    "run_help": (["run", "--help"], {}, 0, r"Exit status:", None),
    "no_command": ([], {}, 2, None, r"usage: smartvm"),
    "unknown_command": (["frobnicate"], {}, 2, None,
                        r"unknown command 'frobnicate'"),
    "run_no_config": (["run"], {}, 2, None,
                      r"usage: smartvm run \[--record FILE\] CONFIG"),
    "replay_help": (["replay", "--help"], {}, 0, r"Exit status: 0 the replay",
                    None),
    "replay_no_file": (["replay"], {}, 2, None, r"usage: smartvm replay"),
    "trace_help": (["trace", "--help"], {}, 0, r"--reason NAME", None),
    "trace_bad_option": (["trace", "dump", "--vm", "x", "{replay}/rm_hello.svtrace"],
                         {}, 2, None, r"bad option '--vm x'"),
    # every selected line is a HLT exit with an index in range
    "trace_dump_filter": (["trace", "dump", "--reason", "HLT", "--from", "100",
                           "--to", "140", "{replay}/pit_irq.svtrace"], {}, 0,
                          r"\A(\s+1[0-4]\d vm0 vcpu0 HLT\s+rip 0x[0-9a-f]+"
                          r"\s+qualification 0x0\n)+\Z", None),
    "trace_stats": (["trace", "stats", "{replay}/pit_irq.svtrace"], {}, 0,
                    r"^total: \d+ exits, \d+ records, \d+ bytes, producer kvm",
                    None),
    "missing_config": (["run", "{dir}/nope.cfg"], {}, 2, None,
                       r"nope\.cfg: No such file or directory"),
    "unknown_key": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            # a typo on line 3
            memroy = 16M
            image = g.bin
            format = flat"""),
        "g.bin": GOOD_FLAT}, 2, None, r"vm\.cfg:3: unknown key 'memroy'"),
    "memory_too_small": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            image = g.bin
            format = flat
            memory = 0"""),
        "g.bin": GOOD_FLAT}, 2, None, r"vm\.cfg:4: memory size '0' is too small"),
    "two_vcpus": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            vcpus = 2
            image = g.bin
            format = flat"""),
        "g.bin": GOOD_FLAT}, 2, None, r"vm\.cfg:2: .*1"),
    "missing_image_key": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            format = flat""")}, 2, None, r"vm\.cfg:0: .*image"),
    "missing_image_file": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            image = absent.bin
            format = flat""")}, 2, None, r"absent\.bin: No such file"),
    "not_multiboot": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            image = g.elf
            format = multiboot"""),
        "g.elf": b"\x7fELF" + b"\0" * 200}, 2, None,
        r"g\.elf: .*no Multiboot header"),
    "flat_too_big": (["run", "{dir}/vm.cfg"], {
        "vm.cfg": cfg("""
            name = t
            image = big.bin
            format = flat
            load = f000:0000"""),
        "big.bin": b"\x90" * 0x20000}, 2, None, r"does not fit below 1 MiB"),
}


def run_case(smartvm, name):
    args, files, status, out_rx, err_rx = CASES[name]
    with tempfile.TemporaryDirectory(prefix="svcli-") as d:
        for fname, data in files.items():
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(os.path.join(d, fname), mode) as f:
                f.write(data)
        argv = [smartvm] + [a.format(dir=d, replay=REPLAY) for a in args]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
    print("$", " ".join(argv[1:]))
    print("status", p.returncode)
    print("stdout:", p.stdout.rstrip())
    print("stderr:", p.stderr.rstrip())
    problems = []
    if p.returncode != status:
        problems.append("status %d, expected %d" % (p.returncode, status))
    for rx, text, what in ((out_rx, p.stdout, "stdout"),
                           (err_rx, p.stderr, "stderr")):
        if rx and not re.search(rx, text, re.M):
            problems.append("%s does not match %r" % (what, rx))
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[2] == "--list":
        print("\n".join(CASES))
        return 0
    if sys.argv[2] not in CASES:
        print("no case %r" % sys.argv[2], file=sys.stderr)
        return 2
    return run_case(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
