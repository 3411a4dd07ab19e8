#!/usr/bin/env python3
"""Cross-host determinism (DESIGN.md section 7, level 5): a run on the
bare-metal kernel's VMX backend in Bochs, recorded, replays on Linux.

    trace_replay_test.py --kernel smartvm.elf --disk guests.svfs
                         --smartvm SMARTVM --guest NAME [--with NAME]...
                         [--cpu MODEL] [--timeout SECONDS]
                         [--save DIR [--save-as NAME]]

Boots the kernel in Bochs (boot_test.py, which boots a copy of the disk)
with `test start=NAME,WITH... trace=NAME`: every VM runs at once and VM
NAME's record/replay trace streams over COM2, which is captured to a file.
Then `smartvm replay` runs that trace on this machine, and:
  - the Bochs run passed (the kernel's "smartvm: test run PASSED") and
    printed "vm NAME: trace: N exits, digest D";
  - the replay exits 0 and ends with "replay: N exits, digest D: matches
    the recording", with the N and D the kernel printed;
  - what the replay prints before that line (the guest's serial output) is
    the guest's "[NAME] " lines on COM1 of the Bochs run, prefix removed.
--save DIR (after everything matched) stores the trace as DIR/NAME.svtrace
and the replay's output as DIR/NAME.expected, the form of the committed
traces in tests/replay/ (--save-as picks another NAME there, such as
vmx_uart_irq); tests/replay/record.sh --bochs uses it.
Exit status 0 when everything matched, 1 when not, 77 (skipped) when Bochs
or GRUB is not installed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
BOOT_TEST = os.path.join(HERE, "boot_test.py")
REPLAY_MATCHES = re.compile(r"replay: ([0-9]+) exits, digest ([0-9a-f]{16}): "
                            r"matches the recording\n\Z")


def com1_lines(boot_stdout):
    """The COM1 lines boot_test.py printed between its markers."""
    m = re.search(r"^---- COM1 ----\n(.*?)^--------------$", boot_stdout,
                  re.S | re.M)
    return m.group(1).splitlines() if m else []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--smartvm", required=True)
    ap.add_argument("--guest", required=True, help="the VM whose trace "
                    "is recorded")
    ap.add_argument("--with", dest="others", action="append", default=[],
                    metavar="NAME", help="another VM running beside it")
    ap.add_argument("--cpu", default="corei7_skylake_x")
    ap.add_argument("--timeout", type=int, default=100)
    ap.add_argument("--save", metavar="DIR")
    ap.add_argument("--save-as", metavar="NAME")
    args = ap.parse_args()
    g = args.guest
    for f in (args.kernel, args.disk, args.smartvm):
        if not os.path.exists(f):
            print("FAILED: %s does not exist (build first)" % f)
            return 1

    problems = []
    with tempfile.TemporaryDirectory(prefix="svtrace-") as tmp:
        trace = os.path.join(tmp, g + ".svtrace")
        cmdline = "test start=%s trace=%s" % (",".join([g] + args.others), g)
        cmd = [sys.executable, BOOT_TEST, "--emulator", "bochs",
               "--cpu", args.cpu, "--kernel", args.kernel,
               "--disk", args.disk, "--cmdline=" + cmdline,
               "--verdict", "pass", "--timeout", str(args.timeout),
               "--com2", trace,
               "--expect=^vm %s: trace: [0-9]+ exits, digest [0-9a-f]{16}$"
               % re.escape(g)]
        print("bochs:  %s, kernel command line \"%s\"" % (args.cpu, cmdline))
        start = time.monotonic()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        boot_seconds = time.monotonic() - start
        out = p.stdout.decode("utf-8", "replace")
        if p.returncode == SKIP:
            print(out, end="")
            return SKIP
        lines = com1_lines(out)
        if p.returncode != 0:
            print(out, end="")
            problems.append("the Bochs run did not pass (boot_test.py "
                            "exit %d, its report above)" % p.returncode)
        prefix = "[%s] " % g
        guest = [l[len(prefix):] for l in lines if l.startswith(prefix)]
        kernel_said = None
        for l in lines:
            m = re.match(r"^vm %s: trace: ([0-9]+) exits, digest "
                         r"([0-9a-f]{16})$" % re.escape(g), l)
            if m:
                kernel_said = (m.group(1), m.group(2))
        size = os.path.getsize(trace) if os.path.exists(trace) else 0
        print("        %.1f s; COM2 captured %d bytes; %d lines of [%s] "
              "output; the kernel said %s" % (
                  boot_seconds, size, len(guest), g,
                  "%s exits, digest %s" % kernel_said if kernel_said
                  else "nothing about the trace"))
        if not size:
            problems.append("nothing came over COM2")
        if problems:
            for pr in problems:
                print("FAILED: " + pr)
            return 1

        start = time.monotonic()
        r = subprocess.run([args.smartvm, "replay", trace],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        replay_seconds = time.monotonic() - start
        rout = r.stdout.decode("utf-8", "replace")
        rerr = r.stderr.decode("utf-8", "replace")
        print("replay: %s replay %s: exit %d in %.3f s" % (
            args.smartvm, os.path.basename(trace), r.returncode,
            replay_seconds))
        print("---- replay stdout ----\n" + rout + "---- replay stderr ----\n"
              + rerr + "-----------------------")
        m = REPLAY_MATCHES.search(rout)
        if r.returncode != 0:
            problems.append("smartvm replay exited %d, expected 0"
                            % r.returncode)
        if not m:
            problems.append("the replay's output does not end with "
                            "\"replay: N exits, digest D: matches the "
                            "recording\"")
        else:
            replayed = (m.group(1), m.group(2))
            if kernel_said and replayed != kernel_said:
                problems.append("the replay ends with %s exits, digest %s; "
                                "the kernel said %s exits, digest %s"
                                % (replayed + kernel_said))
            got = rout[:m.start()].splitlines()
            if got != guest:
                problems.append("the replay's serial output (%d lines) "
                                "differs from the [%s] lines of the Bochs "
                                "run (%d lines)" % (len(got), g, len(guest)))
                for i, (a, b) in enumerate(zip(got, guest)):
                    if a != b:
                        print("first difference, line %d:\n  replay: %r\n"
                              "  bochs:  %r" % (i + 1, a, b))
                        break
        if problems:
            for pr in problems:
                print("FAILED: " + pr)
            return 1
        if args.save:
            name = args.save_as or g
            shutil.copyfile(trace, os.path.join(args.save, name + ".svtrace"))
            with open(os.path.join(args.save, name + ".expected"), "w") as f:
                f.write(rout)
            print("saved:  %s.svtrace and %s.expected in %s"
                  % (name, name, args.save))
    print("ok: the Bochs run's trace of %s replays on Linux to the same "
          "%d lines of output, %s exits, digest %s" % (
              g, len(guest), kernel_said[0], kernel_said[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
