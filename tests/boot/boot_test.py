#!/usr/bin/env python3
"""Boot the bare-metal kernel in an emulator and check what it says on COM1.

    boot_test.py --emulator qemu|bochs [--cpu MODEL] --kernel smartvm.elf
                 [--cmdline WORDS] [--expect REGEX]... [--reject REGEX]...
                 --verdict pass|fail [--timeout SECONDS]
                 [--machine q35|pc] [--disk FILE | --disk-size SIZE]
                 [--send LINE]... [--com2 FILE] [--megs MIB]

The kernel image is put on a fresh GRUB2 ISO with the given command line
(ci/mkiso.sh), booted, and its serial output is matched line by line (CR
stripped) against every --expect regex; no line may match a --reject regex.
--machine picks QEMU's machine type (q35 by default; pc is the i440FX with
its PIIX3 IDE controller). --disk attaches a raw disk image as the master
on the legacy primary IDE channel (ports 0x1f0/0x3f6), where the kernel's
ATA driver looks; --disk-size attaches a fresh sparse one of SIZE bytes
(suffix K, M, G or T), created in the run's temporary directory. q35 has
no legacy IDE channel (its ICH9 controller is AHCI), so there the disk
hangs off an added PIIX3 IDE function; on pc the CD-ROM then sits on the
secondary channel, and in Bochs the disk is ata0-master and the CD-ROM
moves to ata1-master. The kernel writes to its disk (its log, at least):
QEMU gets the --disk file itself, so a later boot sees what an earlier one
wrote; Bochs gets a copy made in the run's temporary directory, so a disk
from the build (such as tests/guests/guests.svfs) is never changed.
--megs (Bochs only) gives the machine that much RAM, 128 MiB by default;
each guest the kernel runs takes its RAM from it. --com2 (Bochs only)
copies what the kernel sent to COM2, byte for byte (a record/replay trace
with trace=NAME on the kernel command line), to FILE after the run,
whatever its outcome.
--verdict is how the run must end:
  QEMU:  the isa-debug-exit status, 33 for pass and 35 for fail (anything
         else, such as 0 for a triple fault, is neither);
  Bochs: whose exit status says nothing, the kernel's last line on COM1.
--send types LINE on COM1 (QEMU: through its stdin; Bochs: COM1 on a
pseudo-terminal): each line once the console's prompt "smartvm> " has
appeared one more time than before, ended with CR as a terminal would. A
LINE "@wait REGEX" is not typed: the lines after it wait until a line of
output matches REGEX (a VM that has ended, say). A LINE "@type TEXT" types
TEXT (and CR) at once, without waiting for a prompt: input for a guest
while the console is attached to it (`vm console NAME`), where no prompt
comes. A console run ends with `halt` as its last line.
Exit status 0 when everything matched, 1 when not, 77 (skipped) when the
emulator is not installed.
"""
import argparse
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tty

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
MKISO = os.path.join(HERE, "..", "..", "ci", "mkiso.sh")
QEMU_STATUS = {"pass": 33, "fail": 35}
PROMPT = b"smartvm> "

class Typist:
    """The --send lines: which to type now, given the output so far."""

    def __init__(self, lines):
        self.lines = lines
        self.next_index = 0
        self.typed = 0

    def line_due(self, out):
        """The next line to type (bytes, CR-ended), or None for now."""
        while self.next_index < len(self.lines):
            line = self.lines[self.next_index]
            if line.startswith("@wait "):
                text = out.decode("utf-8", "replace").replace("\r", "")
                if not re.search(line[len("@wait "):], text, re.M):
                    return None
                self.next_index += 1
                continue
            if line.startswith("@type "):
                self.next_index += 1
                return line[len("@type "):].encode() + b"\r"
            if out.count(PROMPT) <= self.typed:
                return None
            self.next_index += 1
            self.typed += 1
            return line.encode() + b"\r"
        return None


BOCHSRC = """\
megs: {megs}
cpu: model={cpu}, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
{ata}
boot: cdrom
display_library: rfb, options="timeout=0"
clock: sync=none, time0=local
com1: enabled=1, {com1}
com2: enabled=1, mode=file, dev={com2}
sound: driver=dummy
speaker: enabled=0
mouse: enabled=0
log: {log}
panic: action=fatal
"""


def make_iso(kernel, cmdline, tmp):
    iso = os.path.join(tmp, "boot.iso")
    subprocess.run([MKISO, kernel, iso, cmdline], check=True)
    return iso


def parse_size(text):
    """'64M' -> 67108864; plain digits are bytes."""
    m = re.fullmatch(r"([0-9]+)([KMGT]?)", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError("bad size %r (e.g. 64M, 130G)" % text)
    return int(m.group(1)) << (10 * " KMGT".index(m.group(2) or " "))


def disk_image(args, tmp, copy=False):
    """The raw image to attach, or None: --disk as given (with copy, a copy
    of it in tmp), or a fresh sparse file of --disk-size bytes."""
    if args.disk and copy:
        path = os.path.join(tmp, "disk-copy.img")
        shutil.copyfile(args.disk, path)
        return path
    if args.disk:
        return os.path.abspath(args.disk)
    if args.disk_size is None:
        return None
    path = os.path.join(tmp, "disk.img")
    with open(path, "wb") as f:
        f.truncate(args.disk_size)
    return path


def qemu_disk_args(machine, disk):
    disk = disk.replace(",", ",,")	# QEMU's escape inside an option value
    if machine == "pc":
        # PIIX3 IDE in compatibility mode: index 0 is the primary master
        return ["-drive", "file=%s,format=raw,if=ide,index=0" % disk]
    # q35's own disk controller is AHCI: add a PIIX3 IDE function, which
    # claims the legacy ports, and hang the disk off its primary channel
    return ["-device", "piix3-ide,id=pide",
            "-drive", "if=none,id=disk0,format=raw,file=%s" % disk,
            "-device", "ide-hd,drive=disk0,bus=pide.0"]


def run_qemu(iso, args, tmp):
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        print("SKIPPED: qemu-system-x86_64 is not installed (ci/setup.sh)")
        sys.exit(SKIP)
    cmd = [qemu, "-M", args.machine, "-m", "256", "-accel", "tcg",
           "-cdrom", iso, "-display", "none", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-no-reboot"]
    disk = disk_image(args, tmp)
    if disk:
        cmd += qemu_disk_args(args.machine, disk)
    if args.send:
        rc, stdout, stderr = run_interactive(cmd, args.send, args.timeout)
        if rc is None:
            return stdout.decode("utf-8", "replace"), \
                "timed out after %ds" % args.timeout
    else:
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=args.timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            return out, "timed out after %ds" % args.timeout
        rc, stdout, stderr = p.returncode, p.stdout, p.stderr
    out = stdout.decode("utf-8", "replace")
    want = QEMU_STATUS[args.verdict]
    if rc != want:
        names = {v: k for k, v in QEMU_STATUS.items()}
        got = names.get(rc, "neither pass nor fail")
        return out, "QEMU exit status %d (%s), expected %d (%s)%s" % (
            rc, got, want, args.verdict,
            "\nstderr: " + stderr.decode("utf-8", "replace")
            if stderr else "")
    return out, None


def run_interactive(cmd, lines, timeout):
    """Run QEMU with COM1 on its stdin/stdout and type lines, one per new
    prompt. Returns (exit status or None on timeout, stdout, stderr)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = bytearray()
    err = bytearray()
    lock = threading.Lock()

    def reader(stream, buf):
        while True:
            chunk = stream.read1(4096)
            if not chunk:
                return
            with lock:
                buf.extend(chunk)

    threads = [threading.Thread(target=reader, args=(p.stdout, out),
                                daemon=True),
               threading.Thread(target=reader, args=(p.stderr, err),
                                daemon=True)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    typist = Typist(lines)
    rc = None
    while time.monotonic() < deadline:
        rc = p.poll()
        if rc is not None:
            break
        with lock:
            line = typist.line_due(bytes(out))
        if line:
            try:
                p.stdin.write(line)
                p.stdin.flush()
            except BrokenPipeError:
                pass
        time.sleep(0.05)
    if rc is None:
        p.kill()
        p.wait()
    for t in threads:
        t.join(5)
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    return rc, bytes(out), bytes(err)


def bochs_command(iso, args, tmp, com1):
    """Write the run's bochsrc (COM1 as com1 says: "mode=file, dev=PATH"
    or "mode=term, dev=PTY") and return the command that runs Bochs."""
    bochs = shutil.which("bochs")
    if not bochs:
        print("SKIPPED: bochs is not installed (ci/setup.sh)")
        sys.exit(SKIP)
    rc = os.path.join(tmp, "bochsrc")
    cmds = os.path.join(tmp, "cmds")
    disk = disk_image(args, tmp, copy=True)
    if disk:
        ata = ("ata0-master: type=disk, path=%s, mode=flat\n"
               "ata1-master: type=cdrom, path=%s, status=inserted" % (disk, iso))
    else:
        ata = "ata0-master: type=cdrom, path=%s, status=inserted" % iso
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(megs=args.megs, cpu=args.cpu, ata=ata,
                               com1=com1,
                               com2=os.path.join(tmp, "com2.bin"),
                               log=os.path.join(tmp, "bochs.log")))
    with open(cmds, "w") as f:
        f.write("c\n")
    cmd = [bochs, "-q", "-f", rc, "-rc", cmds]
    # The rfb display binds TCP 5900+: a private network namespace keeps
    # parallel runs apart (CTest also holds a lock for hosts without one).
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "-n", "true"], stderr=subprocess.DEVNULL).returncode == 0:
        cmd = ["unshare", "-n"] + cmd
    return cmd


def open_pty():
    """A pseudo-terminal in raw mode: (master fd, slave fd, slave path)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def run_bochs_typed(cmd, master, lines, timeout, tmp, echo=None):
    """Run Bochs with COM1 on the pty whose master is given, type lines at
    the prompts (echo: a binary stream that also gets the output as it
    comes); returns (COM1 output, None or "timed out ...")."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd=tmp)
    out = bytearray()
    typist = Typist(lines)
    deadline = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:	# the slave side is gone: Bochs ended
                break
            out.extend(chunk)
            if echo:
                echo.write(chunk)
                echo.flush()
        line = typist.line_due(bytes(out))
        if line:
            os.write(master, line)
    timed_out = None
    if p.poll() is None:
        if time.monotonic() >= deadline:
            timed_out = "timed out after %ds" % timeout
        p.kill()
    p.wait()
    return out.decode("utf-8", "replace"), timed_out


def run_bochs(iso, args, tmp):
    com1 = os.path.join(tmp, "com1.txt")
    com2 = os.path.join(tmp, "com2.bin")
    timed_out = None
    if args.send:
        master, slave, path = open_pty()
        cmd = bochs_command(iso, args, tmp, "mode=term, dev=" + path)
        try:
            out, timed_out = run_bochs_typed(cmd, master, args.send,
                                             args.timeout, tmp)
        finally:
            os.close(master)
            os.close(slave)
        with open(com1, "w") as f:
            f.write(out)
    else:
        cmd = bochs_command(iso, args, tmp, "mode=file, dev=" + com1)
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=args.timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            timed_out = "timed out after %ds" % args.timeout
    if args.com2:
        if os.path.exists(com2):
            shutil.copyfile(com2, args.com2)
        else:			# no byte came: an empty capture
            open(args.com2, "wb").close()
    out = ""
    if os.path.exists(com1):
        with open(com1, "rb") as f:
            out = f.read().decode("utf-8", "replace")
    verdict = "smartvm: test run %s" % ("PASSED" if args.verdict == "pass"
                                         else "FAILED")
    if verdict not in out:
        log = ""
        path = os.path.join(tmp, "bochs.log")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                log = "".join(f.readlines()[-15:])
        return out, (timed_out or "COM1 does not say '%s'" % verdict) + \
            ("\nbochs.log (tail):\n" + log if log else "")
    return out, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", choices=["qemu", "bochs"], required=True)
    ap.add_argument("--cpu", default="corei7_skylake_x",
                    help="Bochs CPU model")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--verdict", choices=["pass", "fail"], required=True)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--machine", choices=["q35", "pc"], default="q35",
                    help="QEMU machine type")
    disk = ap.add_mutually_exclusive_group()
    disk.add_argument("--disk", help="raw image for the primary IDE master")
    disk.add_argument("--disk-size", type=parse_size,
                      help="attach a fresh sparse raw image of this size")
    ap.add_argument("--send", action="append", default=[],
                    help="type this line on COM1 at the next prompt, or "
                    "with '@wait REGEX' wait for a line of output")
    ap.add_argument("--megs", type=int, default=128,
                    help="Bochs' RAM in MiB (default 128)")
    ap.add_argument("--com2", metavar="FILE",
                    help="copy the COM2 capture here after the run (Bochs)")
    args = ap.parse_args()
    if args.com2 and args.emulator != "bochs":
        print("FAILED: --com2 needs --emulator bochs")
        return 1
    if args.disk and not os.path.exists(args.disk):
        print("FAILED: no disk image at %s" % args.disk)
        return 1

    if not os.path.exists(args.kernel):
        print("FAILED: no kernel at %s (build first)" % args.kernel)
        return 1
    if not shutil.which("grub-mkrescue"):
        print("SKIPPED: grub-mkrescue is not installed (ci/setup.sh)")
        return SKIP
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="svboot-") as tmp:
        iso = make_iso(args.kernel, args.cmdline, tmp)
        run = run_qemu if args.emulator == "qemu" else run_bochs
        out, problem = run(iso, args, tmp)
    seconds = time.monotonic() - start

    lines = out.replace("\r", "").splitlines()
    print("---- COM1 ----")
    print("\n".join(lines))
    print("--------------")
    problems = [problem] if problem else []
    for rx in args.expect:
        if not any(re.search(rx, l) for l in lines):
            problems.append("no line matches %r" % rx)
    for rx in args.reject:
        bad = [l for l in lines if re.search(rx, l)]
        if bad:
            problems.append("line %r matches rejected %r" % (bad[0], rx))
    for p in problems:
        print("FAILED:", p)
    if not problems:
        print("ok: %s boot, verdict %s, %d expectations, %.1f s" % (
            args.emulator, args.verdict, len(args.expect), seconds))
    else:
        print("(%s run of %.1f s)" % (args.emulator, seconds))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
