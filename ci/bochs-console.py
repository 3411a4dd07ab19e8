#!/usr/bin/env python3
"""Run Smart-VM in Bochs (VT-x emulated) with its console on this terminal.

    ci/bochs-console.py [--kernel build/smartvm.elf] [--disk IMAGE]
                        [--cpu MODEL] [--cmdline WORDS] [--com2 FILE]
                        [--send LINE]... [--timeout SECONDS]

The kernel goes on a GRUB2 ISO with the command line WORDS (default
"console"), the svfs disk IMAGE (default build/tests/guests/guests.svfs, a
copy: the file itself is not changed) on the first IDE channel, and Bochs
boots it with COM1 on a pseudo-terminal:
  - with --send, or when stdin is not a terminal, the LINEs are typed at
    the console's prompts (tests/boot/boot_test.py --send: "@wait REGEX"
    waits for output) and everything COM1 says is shown as it comes;
  - otherwise this terminal is the console: type commands (help, vm list,
    vm start NAME, ls /etc/vm, ...), `halt` to stop the machine, or Ctrl-A
    then x to kill Bochs.
--com2 keeps what the kernel sent on COM2 (a trace, with trace=NAME).
The run ends when Bochs does (the kernel's halt stops it). Exit status 0,
1 on a timeout, 77 without Bochs.
"""
import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import boot_test as bt  # noqa: E402  (ISO, bochsrc, pty, typing)

CTRL_A = b"\x01"


def relay(cmd, master, tmp):
    """This terminal <-> COM1 until Bochs ends (or Ctrl-A x)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd=tmp)
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    escape = False
    try:
        while p.poll() is None:
            ready, _, _ = select.select([0, master], [], [], 0.2)
            if master in ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                os.write(1, data)
            if 0 in ready:
                data = os.read(0, 1024)
                if escape and data[:1] in (b"x", b"X"):
                    break
                escape = data == CTRL_A
                if not escape:
                    os.write(master, data)
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
        if p.poll() is None:
            p.kill()
        p.wait()
    print()


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build",
                                                      "smartvm.elf"))
    ap.add_argument("--disk", default=os.path.join(
        ROOT, "build", "tests", "guests", "guests.svfs"))
    ap.add_argument("--cpu", default="corei7_skylake_x")
    ap.add_argument("--cmdline", default="console")
    ap.add_argument("--megs", type=int, default=256)
    ap.add_argument("--com2", metavar="FILE")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--timeout", type=int, default=300,
                    help="scripted runs only (default 300 s)")
    args = ap.parse_args()
    args.disk_size = None
    if not shutil.which("bochs"):
        print("bochs-console: Bochs is not installed (ci/setup.sh)")
        return 77
    for path in (args.kernel, args.disk):
        if not os.path.exists(path):
            print("bochs-console: no %s (build first)" % path)
            return 2
    scripted = bool(args.send) or not os.isatty(0)
    with tempfile.TemporaryDirectory(prefix="sv-bochs-") as tmp:
        iso = bt.make_iso(args.kernel, args.cmdline, tmp)
        master, slave, path = bt.open_pty()
        cmd = bt.bochs_command(iso, args, tmp, "mode=term, dev=" + path)
        status = 0
        try:
            if scripted:
                _, timed_out = bt.run_bochs_typed(
                    cmd, master, args.send, args.timeout, tmp,
                    echo=sys.stdout.buffer)
                if timed_out:
                    print("\nbochs-console: %s" % timed_out)
                    status = 1
            else:
                print("(Smart-VM in Bochs: COM1 is this terminal; `halt` "
                      "stops it, Ctrl-A x kills Bochs)")
                relay(cmd, master, tmp)
        finally:
            os.close(master)
            os.close(slave)
        if args.com2:
            com2 = os.path.join(tmp, "com2.bin")
            if os.path.exists(com2):
                shutil.copyfile(com2, args.com2)
            else:
                open(args.com2, "wb").close()
    return status


if __name__ == "__main__":
    sys.exit(main())
