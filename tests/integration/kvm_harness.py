#!/usr/bin/env python3
"""KVM integration tests (DESIGN.md section 7, level 3): run every guest of
the manifest under `smartvm run --record` through the KVM API, once per test
run, and judge each guest on its own, replaying its trace on the host.

    kvm_harness.py run   --build-dir DIR [--smartvm P] [--smartvm-static P]
                         [--manifest F] [--results F] [--only NAME]...
    kvm_harness.py check NAME [--manifest F] [--results F] [--smartvm P]
    kvm_harness.py list  [--manifest F]

`run` (CTest's kvm.run_all, the fixture setup) picks where /dev/kvm comes
from, runs the guests and writes every guest's outcome to the results file:
  direct  the host's /dev/kvm works: each guest runs under build/smartvm;
  svm     it does not: Debian's kernel is booted once under QEMU TCG with an
          emulated AMD CPU, where kvm_amd gives a real /dev/kvm, and a static
          smartvm runs every guest in there (svm_init.sh is its /init); the
          traces and outputs come out through its second serial port;
  none    neither: nothing runs and every guest test reports skipped, with
          the reason.
The environment variable SV_KVM_MODE=direct|svm forces a mode (it then fails
rather than skips when that mode is unavailable); SV_KVM_MODE=svm-also runs
in the SVM guest only where the host's /dev/kvm works, and skips elsewhere
(the kvm_svm.* tests use it to keep that path tested everywhere); SV_SMARTVM and
SV_SMARTVM_STATIC replace the smartvm binaries, SV_KVM_KERNEL_DIR the kernel
cache that ci/setup.sh fills.

`check` (CTest's kvm.NAME) reads the results and compares one guest's exit
status and output with what the manifest expects; it prints both. Then it
replays the guest's trace with the host's smartvm (`smartvm replay`), which
must match the recording and print the same serial output as the run.

Exit status: 0 done/passed, 1 failed, 77 skipped (CTest SKIP_RETURN_CODE).
"""
import argparse
import fcntl
import gzip
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import struct
import subprocess
import sys
import time
import zlib

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MANIFEST = os.path.join(HERE, "guests.txt")
INIT_SCRIPT = os.path.join(HERE, "svm_init.sh")
DEFAULT_KERNEL_DIR = "/var/cache/smartvm/kernel"
# Loaded in this order by svm_init.sh (the package has no modules.dep;
# kvm-amd needs kvm and ccp, kvm needs irqbypass).
KVM_MODULES = ["irqbypass.ko", "kvm.ko", "ccp.ko", "kvm-amd.ko"]
BUSYBOX = "/bin/busybox"	# from busybox-static

KVM_GET_API_VERSION = 0xAE00	# _IO(KVMIO, 0x00)
KVM_API_VERSION = 12

DEFAULT_TIMEOUT = 10.0		# seconds per guest, direct mode
SVM_SLOWDOWN = 4.0		# guest timeouts scale by this inside the SVM guest
SVM_BOOT_ALLOWANCE = 90.0	# boot and module loading (measured ~6 s idle)
SVM_SHIP_ALLOWANCE = 60.0	# the files out through ttyS1 (init waits 30 s
				# at most; measured ~1 s for 2 MB)

DEBUG_EXIT_NAMES = {0x10: "pass", 0x11: "fail"}
# smartvm's own even statuses (smartvm run --help)
SMARTVM_STATUS_NAMES = {2: "bad arguments, configuration or image",
                        4: "the VM failed", 6: "/dev/kvm cannot be used"}


# ---- the manifest ---------------------------------------------------------

class ManifestError(Exception):
    pass


class Guest:
    """One manifest entry: how to run a guest and what it must produce."""

    def __init__(self, name, where):
        self.name = name
        self.where = where		# "FILE:LINE" of its [name] header
        self.config = None		# absolute path
        self.status = None		# int, or "nonzero"
        self.timeout = DEFAULT_TIMEOUT
        self.expect = []		# (regex text, compiled): serial output
        self.reject = []
        self.stderr_expect = []
        self.stderr_reject = []
        self.record = True		# run with --record, replay in check


NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
LIST_KEYS = ("expect", "reject", "stderr_expect", "stderr_reject")


def parse_manifest(path, build_dir):
    """Read the manifest (format in guests.txt). Config paths are relative
    to build_dir. Raises ManifestError naming the file and line."""
    guests = []
    current = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, raw in enumerate(lines, 1):
        where = "%s:%d" % (path, n)
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[(.*)\]$", line)
        if m:
            name = m.group(1).strip()
            if not NAME_RE.match(name):
                raise ManifestError("%s: guest name '%s' may contain only "
                                    "A-Z a-z 0-9 _ . -" % (where, name))
            if any(g.name == name for g in guests):
                raise ManifestError("%s: guest '%s' is listed twice"
                                    % (where, name))
            current = Guest(name, where)
            guests.append(current)
            continue
        if "=" not in line:
            raise ManifestError("%s: expected '[name]' or 'key = value'"
                                % where)
        if current is None:
            raise ManifestError("%s: '%s' before the first [name]"
                                % (where, line))
        key, value = (s.strip() for s in line.split("=", 1))
        if key == "config":
            current.config = os.path.normpath(os.path.join(build_dir, value))
        elif key == "status":
            if value == "nonzero":
                current.status = value
            elif re.match(r"^[0-9]+$", value) and int(value) < 256:
                current.status = int(value)
            else:
                raise ManifestError("%s: status '%s' is not 0-255 or "
                                    "'nonzero'" % (where, value))
        elif key == "timeout":
            try:
                current.timeout = float(value)
            except ValueError:
                current.timeout = -1
            if not 0 < current.timeout <= 600:
                raise ManifestError("%s: timeout '%s' is not 0-600 seconds"
                                    % (where, value))
        elif key == "record":
            if value not in ("yes", "no"):
                raise ManifestError("%s: record '%s' is not 'yes' or 'no'"
                                    % (where, value))
            current.record = value == "yes"
        elif key in LIST_KEYS:
            try:
                rx = re.compile(value)
            except re.error as e:
                raise ManifestError("%s: bad regex '%s': %s"
                                    % (where, value, e))
            getattr(current, key).append((value, rx))
        else:
            raise ManifestError("%s: unknown key '%s' (config, status, "
                                "timeout, record, %s)" % (where, key,
                                                  ", ".join(LIST_KEYS)))
    for g in guests:
        if g.config is None or g.status is None:
            raise ManifestError("%s: guest '%s' needs both 'config' and "
                                "'status'" % (g.where, g.name))
    return guests


# ---- VM configuration files (docs/vm-config.md), only what we need -------

def config_paths(config):
    """The image file and the serial output file (None for stdio/none)
    that a VM configuration names, resolved as smartvm resolves them:
    relative to the configuration's directory. Unreadable: (None, None)."""
    image, serial, _ = config_serial(config)
    return image, serial


def config_serial(config):
    """config_paths, plus where COM1 goes: "stdio" (the default), "file"
    or "none"; None when the configuration cannot be read."""
    try:
        with open(config, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None, None, None
    base = os.path.dirname(config)
    image = serial = None
    kind = "stdio"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        value = re.split(r"(?:^|\s)#", value, maxsplit=1)[0].strip()
        if key == "image" and value:
            image = os.path.join(base, value)
        elif key == "serial":
            kind = value.split(":", 1)[0]
            if value.startswith("file:"):
                serial = os.path.join(base, value[len("file:"):].strip())
    return image, serial, kind


# ---- choosing the mode ----------------------------------------------------

def direct_kvm():
    """(True, "") when /dev/kvm opens and speaks KVM API version 12, else
    (False, why)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return False, "cannot open /dev/kvm: %s" % e.strerror
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return False, "KVM_GET_API_VERSION on /dev/kvm: %s" % e.strerror
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return False, "/dev/kvm has KVM API version %d, not %d" % (
            version, KVM_API_VERSION)
    return True, ""


def is_static_elf(path):
    """True when path is an ELF64 executable without a program interpreter
    (PT_INTERP), i.e. one that runs in an initramfs with no libc."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if len(ehdr) < 64 or ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", ehdr, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 0x36)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, = struct.unpack("<I", f.read(4))
            if p_type == 3:		# PT_INTERP
                return False
    return True


def svm_tools(kernel_dir):
    """What the emulated-SVM guest needs from the machine (ci/setup.sh
    provides it all): (dict of paths, "") or (None, why)."""
    missing = []
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        missing.append("qemu-system-x86_64 (package qemu-system-x86)")
    cpio = shutil.which("cpio")
    if not cpio:
        missing.append("cpio")
    if not os.path.isfile(BUSYBOX) or not is_static_elf(BUSYBOX):
        missing.append("a static %s (package busybox-static)" % BUSYBOX)
    for f in ["release", "vmlinuz"] + ["modules/" + m for m in KVM_MODULES]:
        if not os.path.isfile(os.path.join(kernel_dir, f)):
            missing.append("the kernel in %s (%s)" % (kernel_dir, f))
            break
    if missing:
        return None, "missing " + ", ".join(missing) + \
            "; ci/setup.sh installs them"
    return {"qemu": qemu, "cpio": cpio, "kernel_dir": kernel_dir}, ""


def choose_mode(kernel_dir):
    """(mode, tools or None, reason why not the other ways, error)."""
    forced = os.environ.get("SV_KVM_MODE", "").strip() or "auto"
    if forced not in ("auto", "direct", "svm", "svm-also"):
        return None, None, "", "SV_KVM_MODE='%s': expected direct, svm " \
            "or svm-also" % forced
    if forced == "svm-also":
        # The second run that keeps the SVM path tested on hosts whose own
        # /dev/kvm served the main run; elsewhere that run was the SVM one.
        ok, why_not_direct = direct_kvm()
        if not ok:
            return "none", None, "no host /dev/kvm (%s): the kvm.* tests " \
                "already ran in the emulated-SVM guest" % why_not_direct, ""
        tools, why_not_svm = svm_tools(kernel_dir)
        if tools:
            return "svm", tools, "SV_KVM_MODE=svm-also", ""
        return "none", None, "no emulated-SVM guest (%s)" % why_not_svm, ""
    if forced in ("auto", "direct"):
        ok, why_not_direct = direct_kvm()
        if ok:
            return "direct", None, "", ""
        if forced == "direct":
            return None, None, "", "SV_KVM_MODE=direct, but " + \
                why_not_direct
    else:
        why_not_direct = "SV_KVM_MODE=svm"
    tools, why_not_svm = svm_tools(kernel_dir)
    if tools:
        return "svm", tools, why_not_direct, ""
    if forced == "svm":
        return None, None, "", "SV_KVM_MODE=svm, but " + why_not_svm
    return "none", None, "no usable /dev/kvm (%s) and no emulated-SVM " \
        "guest (%s)" % (why_not_direct, why_not_svm), ""


# ---- direct mode -----------------------------------------------------------

def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_direct(guests, smartvm, work):
    """Each guest under the host's smartvm, one after the other, recording
    its trace to work/NAME.svtrace (unless `record = no`)."""
    results = {}
    os.makedirs(work, exist_ok=True)
    for g in guests:
        _, serial = config_paths(g.config)
        if serial:
            try:
                os.unlink(serial)
            except FileNotFoundError:
                pass
        out_path = os.path.join(work, g.name + ".stdout")
        err_path = os.path.join(work, g.name + ".stderr")
        trace = os.path.join(work, g.name + ".svtrace")
        cmd = [smartvm, "run"] + (["--record", trace] if g.record else []) \
            + [g.config]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.monotonic()
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err)
            try:
                rc = p.wait(timeout=g.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
                timed_out = True
            seconds = time.monotonic() - start
        r = {"command": " ".join(shlex.quote(c) for c in cmd),
             "seconds": round(seconds, 3),
             "timeout": g.timeout, "timed_out": timed_out,
             "status": rc if rc >= 0 else None, "signal": max(0, -rc),
             "stdout": read_text(out_path), "stderr": read_text(err_path),
             "stdout_path": out_path}
        if serial:
            r["serial_file"] = read_text(serial)
            if os.path.isfile(serial):
                r["serial_path"] = os.path.join(work, g.name + ".serial")
                shutil.copyfile(serial, r["serial_path"])
        if g.record:
            r["trace"] = trace
            if not os.path.isfile(trace):
                r["trace_error"] = "smartvm run --record wrote no %s" % trace
        results[g.name] = r
    return results, {}


# ---- svm mode --------------------------------------------------------------

def copy_mirrored(src, root):
    """Copy src into root at the same absolute path (nothing if absent)."""
    if not os.path.isfile(src):
        return
    dst = os.path.join(root, src.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)


def svm_trace_path(g):
    """Where a guest's trace is recorded inside the SVM guest (its tmpfs)."""
    return "/tmp/%s.svtrace" % g.name


def build_initramfs(guests, smartvm_static, tools, work, nonce):
    """Stage the SVM guest's root in work/root and pack it (newc cpio,
    uncompressed: faster to build and to unpack than to carry)."""
    root = os.path.join(work, "root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "lib/modules", "sv", "proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(root, d))
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    shutil.copy2(smartvm_static, os.path.join(root, "bin", "smartvm"))
    for m in KVM_MODULES:
        shutil.copy2(os.path.join(tools["kernel_dir"], "modules", m),
                     os.path.join(root, "lib", "modules", m))
    shutil.copy2(INIT_SCRIPT, os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(root, "sv", "nonce"), "w") as f:
        f.write(nonce + "\n")
    with open(os.path.join(root, "sv", "tests"), "w") as f:
        for g in guests:
            # The guest's files sit at their host paths, so the
            # configuration's own (relative or absolute) paths still hold.
            image, serial = config_paths(g.config)
            copy_mirrored(g.config, root)
            if image:
                copy_mirrored(image, root)
            if serial:
                os.makedirs(os.path.join(root, os.path.dirname(serial)
                                         .lstrip("/")), exist_ok=True)
            f.write("run_test %s %d %s %s %s\n" % (
                g.name, max(1, round(g.timeout * SVM_SLOWDOWN)),
                shlex.quote(g.config), shlex.quote(serial or "-"),
                svm_trace_path(g) if g.record else "-"))
    initrd = os.path.join(work, "initrd.cpio")
    names = subprocess.run(["find", "."], cwd=root, check=True,
                           stdout=subprocess.PIPE).stdout
    with open(initrd, "wb") as out:
        subprocess.run([tools["cpio"], "-o", "-H", "newc", "--quiet",
                        "-R", "0:0"], cwd=root, input=names, stdout=out,
                       check=True)
    return initrd


class Console:
    """The SVM guest's console, split at the markers of svm_init.sh."""

    def __init__(self, text, nonce):
        self.results = {}
        self.events = {}	# BOOTED, READY, SHIP, SHIPPED, DONE: uptime
        self.shipped = {}	# SHIPPED's fields: files, tx (bytes sent)
        self.errors = []
        self.klog = []
        prefix = "@@SV:%s:" % nonce
        current = None
        section = None
        for line in text.replace("\r\n", "\n").split("\n"):
            if not line.startswith(prefix):
                if current is not None and section:
                    current[section].append(line)
                continue
            word, _, rest = line[len(prefix):].partition(" ")
            if word in ("BOOTED", "READY", "SHIP", "SHIPPED", "DONE"):
                m = re.search(r"uptime=([0-9.]+)", rest)
                self.events[word] = float(m.group(1)) if m else None
                if word == "SHIPPED":
                    self.shipped = dict(kv.split("=", 1) for kv in
                                        rest.split() if "=" in kv)
                if word in ("SHIP", "DONE"):
                    current = section = None
            elif word == "ERROR":
                self.errors.append(rest)
            elif word == "BEGIN":
                current = {"name": rest, "STDOUT": [], "STDERR": [],
                           "SERIAL": None}
                section = None
            elif word in ("STDOUT", "STDERR", "SERIAL") and current:
                section = word
                if word == "SERIAL":
                    current["SERIAL"] = []
            elif word == "END" and current:
                fields = dict(kv.split("=", 1) for kv in rest.split()[1:]
                              if "=" in kv)
                current["end"] = fields
                self.results[current["name"]] = current
                current = section = None
            elif word == "KLOG":
                current, section = {"KLOG": self.klog}, "KLOG"
        if current and "name" in current:	# the VM stopped mid-test
            self.results[current["name"]] = current


def split_stream(path, nonce, out_dir):
    """Split the capture of the SVM guest's ttyS1 (svm_init.sh's ship):
    frames "@@SVFILE:<nonce>:NAME:SIZE:MD5:ENCODING\\n" + SIZE bytes (the
    file raw, or gzipped), then "@@SVFILE:<nonce>:END:N:-:-\\n". Each file
    that arrives whole, its MD5 that of the guest's file, is written to
    out_dir/NAME; one that arrives altered goes to out_dir/NAME.bad.
    Returns (received: NAME -> path, problems: NAME -> why it did not
    arrive, general: [what is wrong with the stream], bytes of noise before
    the first frame, bytes of the files as the guest had them)."""
    received, problems, general = {}, {}, []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return received, problems, ["no capture of ttyS1: %s: %s"
                                    % (path, e.strerror)], 0, 0
    prefix = b"@@SVFILE:" + nonce.encode() + b":"
    pos = noise = data.find(prefix)
    if pos < 0:
        return received, problems, ["the capture of ttyS1 (%s, %d bytes) "
                                    "holds no frame" % (path, len(data))], \
            0, 0
    count = total = 0
    while True:
        if not data.startswith(prefix, pos):
            general.append("%s: byte %d: no frame header where one must "
                           "start (%r)" % (path, pos, data[pos:pos + 24])
                           if pos < len(data) else
                           "%s: the stream ends at byte %d without its END "
                           "frame" % (path, pos))
            break
        nl = data.find(b"\n", pos, pos + 256)
        fields = data[pos + len(prefix):nl].decode("ascii", "replace") \
            .split(":") if nl >= 0 else []
        if nl > 0 and data[nl - 1:nl] == b"\r":
            general.append("%s: byte %d: the frame header ends in CR LF: "
                           "ttyS1 was not in raw mode (its output "
                           "processing turns LF into CR LF)" % (path, pos))
            break
        if len(fields) != 4 or not fields[1].isdigit():
            general.append("%s: byte %d: a frame header cut short or "
                           "garbled (%r)" % (path, pos, data[pos:pos + 80]))
            break
        name, size, md5, enc = fields[0], int(fields[1]), fields[2], fields[3]
        if name == "END":
            if size != count:
                general.append("%s: END says %d files, %d came"
                               % (path, size, count))
            if nl + 1 != len(data):
                general.append("%s: %d bytes after END" % (
                    path, len(data) - nl - 1))
            break
        if not NAME_RE.match(name) or enc not in ("raw", "gzip"):
            general.append("%s: byte %d: bad frame header %r" % (
                path, pos, data[pos:nl]))
            break
        start = nl + 1
        payload = data[start:start + size]
        count += 1
        if len(payload) < size:
            problems[name] = "was cut short in transit: %d of its %d bytes " \
                "arrived (%s, frame at byte %d)" % (len(payload), size,
                                                     path, pos)
            general.append("%s: the stream ends inside %s" % (path, name))
            break
        pos = start + size
        where = "%s, bytes %d..%d" % (path, start, start + size - 1)
        if enc == "gzip":
            try:
                payload = gzip.decompress(payload)
            except (OSError, EOFError, zlib.error) as e:
                problems[name] = "was altered in transit: its %d gzipped " \
                    "bytes do not decompress (%s: %s)" % (size, where, e)
                continue
        total += len(payload)
        if hashlib.md5(payload).hexdigest() != md5:
            problems[name] = "was altered in transit: %d bytes arrived, MD5 " \
                "%s, the SVM guest's file has %s (%s%s; kept as %s.bad)" % (
                    len(payload), hashlib.md5(payload).hexdigest(), md5,
                    where, ", gunzipped" if enc == "gzip" else "", name)
            name += ".bad"
        else:
            received[name] = os.path.join(out_dir, name)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(payload)
    return received, problems, general, noise, total


def run_svm(guests, smartvm_static, tools, work):
    """Every guest inside one emulated-SVM Linux guest."""
    os.makedirs(work, exist_ok=True)
    nonce = secrets.token_hex(6)
    t0 = time.monotonic()
    initrd = build_initramfs(guests, smartvm_static, tools, work, nonce)
    build_seconds = time.monotonic() - t0
    kernel = os.path.join(tools["kernel_dir"], "vmlinuz")
    console_path = os.path.join(work, "console.log")
    # ttyS1: the exact bytes of the traces and outputs (split_stream)
    stream_path = os.path.join(work, "ttyS1.bin")
    cmd = [tools["qemu"], "-accel", "tcg", "-cpu", "qemu64,+svm",
           "-m", "1024", "-kernel", kernel, "-initrd", initrd,
           # panic=-1 with -no-reboot: a kernel panic ends QEMU at once
           "-append", "console=ttyS0 quiet panic=-1",
           "-display", "none", "-serial", "stdio",
           "-serial", "file:" + stream_path, "-nic", "none",
           "-no-reboot"]
    budget = SVM_BOOT_ALLOWANCE + SVM_SHIP_ALLOWANCE + \
        sum(g.timeout * SVM_SLOWDOWN + 1 for g in guests)
    problem = ""
    t1 = time.monotonic()
    with open(console_path, "wb") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT)
        try:
            rc = p.wait(timeout=budget)
            if rc != 0:
                problem = "QEMU exited with status %d" % rc
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            problem = "the SVM guest did not finish within %d s" % budget
    qemu_seconds = time.monotonic() - t1
    console = Console(read_text(console_path), nonce)
    if console.errors:
        problem = "; ".join(console.errors)
    elif not problem and "DONE" not in console.events:
        problem = "the SVM guest stopped before it finished (kernel panic?)"
    if problem:
        problem += " (console log: %s)" % console_path
    received, lost, stream_problems, noise, unpacked = split_stream(
        stream_path, nonce, work)
    if "SHIPPED" not in console.events:
        stream_problems.insert(0, "the SVM guest did not finish sending "
                               "its files through ttyS1")
    tx = console.shipped.get("tx", "")
    if tx.isdigit() and os.path.isfile(stream_path) and \
            int(tx) != os.path.getsize(stream_path):
        stream_problems.append("the SVM guest's ttyS1 sent %s bytes, the "
                               "capture %s has %d" % (
                                   tx, stream_path,
                                   os.path.getsize(stream_path)))

    def arrived(name):
        """(path, "") of a file shipped through ttyS1, or (None, why not)"""
        if name in received:
            return received[name], ""
        return None, lost.get(name) or "did not arrive through ttyS1: " \
            + ("; ".join(stream_problems) or "the SVM guest did not send "
               "it") + " (ttyS1 capture: %s)" % stream_path

    results = {}
    for g in guests:
        c = console.results.get(g.name)
        if c is None or "end" not in c:
            why = problem or "no result for it in the console log " + \
                console_path
            results[g.name] = {
                "error": ("the SVM guest stopped while running it: "
                          if c else "not run in the SVM guest: ") + why,
                "stdout": "\n".join(c["STDOUT"]) if c else ""}
            continue
        end = c["end"]
        signal = int(end.get("signal", "0") or 0)
        seconds = float(end.get("seconds", "0") or 0)
        timeout = max(1, round(g.timeout * SVM_SLOWDOWN))
        r = {"command": "smartvm run " + ("--record %s " % svm_trace_path(g)
                                          if g.record else "") +
             shlex.quote(g.config) + " (in the SVM guest)",
             "seconds": seconds, "timeout": timeout,
             # SIGKILL is what timeout(1) sends
             "timed_out": signal == 9 and seconds >= timeout - 0.5,
             "status": None if signal else int(end.get("status", "-1")),
             "signal": signal,
             "stdout": "\n".join(c["STDOUT"]) + ("\n" if c["STDOUT"]
                                                  else ""),
             "stderr": "\n".join(c["STDERR"]) + ("\n" if c["STDERR"]
                                                  else "")}
        if c["SERIAL"] is not None:
            r["serial_file"] = "\n".join(c["SERIAL"]) + "\n"
        # The exact bytes, where ttyS1 carried them (the console's copy
        # went through the tty's line discipline and the markers' lines).
        path, _ = arrived(g.name + ".stdout")
        if path:
            r["stdout"], r["stdout_path"] = read_text(path), path
        path, _ = arrived(g.name + ".serial")
        if path:
            r["serial_file"], r["serial_path"] = read_text(path), path
        if g.record:
            r["trace"] = os.path.join(work, g.name + ".svtrace")
            path, why = arrived(g.name + ".svtrace")
            if not path:
                r["trace_error"] = "the trace recorded in the SVM guest " \
                    "(%s) %s" % (svm_trace_path(g), why)
        results[g.name] = r
    ev = console.events
    svm = {"console": console_path, "problem": problem,
           "initramfs_seconds": round(build_seconds, 3),
           "qemu_seconds": round(qemu_seconds, 3),
           "budget_seconds": budget,
           "uptime_at_init": ev.get("BOOTED"),
           "uptime_kvm_ready": ev.get("READY"),
           "uptime_ship": ev.get("SHIP"),
           "uptime_shipped": ev.get("SHIPPED"),
           "uptime_done": ev.get("DONE"),
           "stream": stream_path,
           "stream_bytes": os.path.getsize(stream_path)
           if os.path.isfile(stream_path) else None,
           "stream_noise_bytes": noise,
           "stream_files": len(received),
           "stream_files_bytes": unpacked,
           "stream_problems": stream_problems + sorted(
               "%s: %s" % kv for kv in lost.items()),
           "uart_tx_bytes": int(console.shipped["tx"])
           if console.shipped.get("tx", "").isdigit() else None,
           "kernel": read_text(os.path.join(tools["kernel_dir"],
                                            "release")).strip(),
           "kernel_warnings": [l for l in console.klog if l]}
    return results, svm


# ---- run --------------------------------------------------------------------

def write_results(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def describe_status(r):
    """How a run ended, in words: "status 33 (debug-exit 0x10: pass)"."""
    if r.get("timed_out"):
        return "timed out after %g s" % r.get("timeout")
    if r.get("signal"):
        return "killed by signal %d" % r["signal"]
    s = r.get("status")
    if s is None:
        return "no status"
    if s & 1 and s > 1:
        v = s >> 1
        name = DEBUG_EXIT_NAMES.get(v)
        return "status %d (debug-exit 0x%x%s)" % (
            s, v, ": " + name if name else "")
    if s in SMARTVM_STATUS_NAMES:
        return "status %d (%s)" % (s, SMARTVM_STATUS_NAMES[s])
    return "status %d" % s


def cmd_run(args):
    build_dir = os.path.abspath(args.build_dir)
    results_path = os.path.abspath(args.results or os.path.join(
        build_dir, "tests", "integration", "kvm-results.json"))
    # beside the results, named after them: two runs never share it
    work = os.path.splitext(results_path)[0].replace("-results", "") + "-work"
    shutil.rmtree(work, ignore_errors=True)
    try:
        os.unlink(results_path)		# never judge from a stale run
    except FileNotFoundError:
        pass
    guests = parse_manifest(args.manifest, build_dir)
    if args.only:
        unknown = set(args.only) - {g.name for g in guests}
        if unknown:
            print("kvm: not in the manifest: " + ", ".join(sorted(unknown)))
            return 1
        guests = [g for g in guests if g.name in args.only]
    smartvm = os.environ.get("SV_SMARTVM") or args.smartvm or \
        os.path.join(build_dir, "smartvm")
    smartvm_static = os.environ.get("SV_SMARTVM_STATIC") or \
        args.smartvm_static or os.path.join(build_dir, "smartvm-static")
    kernel_dir = os.environ.get("SV_KVM_KERNEL_DIR") or DEFAULT_KERNEL_DIR

    data = {"manifest": os.path.abspath(args.manifest), "build_dir": build_dir,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "guests": [g.name for g in guests], "tests": {}}
    mode, tools, reason, error = choose_mode(kernel_dir)
    data["mode"], data["reason"] = mode or "error", reason or error
    start = time.monotonic()
    if error:
        data["error"] = error
    elif mode == "direct":
        data["smartvm"] = smartvm
        if not os.access(smartvm, os.X_OK):
            data["error"] = "%s is not built" % smartvm
        else:
            data["tests"], _ = run_direct(guests, smartvm, work)
    elif mode == "svm":
        data["smartvm"] = smartvm_static
        if not smartvm_static or not os.path.isfile(smartvm_static):
            data["error"] = ("no static smartvm (%s): the build makes one "
                             "with the target smartvm_static"
                             % (smartvm_static or "none given"))
        elif not is_static_elf(smartvm_static):
            data["error"] = "%s is not statically linked" % smartvm_static
        else:
            data["tests"], data["svm"] = run_svm(guests, smartvm_static,
                                                 tools, work)
    data["seconds"] = round(time.monotonic() - start, 3)
    write_results(results_path, data)

    print("kvm: mode %s%s" % (data["mode"], " (%s)" % data["reason"]
                              if data["reason"] else ""))
    if data.get("error"):
        print("kvm: ERROR: " + data["error"])
    svm = data.get("svm")
    if svm:
        def at(key):
            v = svm[key]
            return "-" if v is None else "%.2f s" % v
        print("kvm: SVM guest: kernel %s; of its uptime: init at %s, "
              "/dev/kvm ready at %s, done at %s; QEMU ran %.1f s, "
              "initramfs built in %.2f s" % (
                  svm["kernel"], at("uptime_at_init"),
                  at("uptime_kvm_ready"), at("uptime_done"),
                  svm["qemu_seconds"], svm["initramfs_seconds"]))
        ship = svm["uptime_ship"]
        shipped = svm["uptime_shipped"]
        print("kvm: SVM guest: %d files (traces, outputs) of %d bytes, "
              "%s bytes through ttyS1 (traces gzipped)%s" % (
                  svm["stream_files"], svm["stream_files_bytes"],
                  svm["stream_bytes"],
                  " in %.2f s" % (shipped - ship)
                  if ship is not None and shipped is not None else ""))
        for p in svm["stream_problems"]:
            print("kvm: ttyS1: " + p)
        if svm["problem"]:
            print("kvm: PROBLEM: " + svm["problem"])
            tail = read_text(svm["console"]).replace("\r", "")
            tail = tail.splitlines()[-20:]
            print("kvm: last %d lines of the console:" % len(tail))
            for line in tail:
                print("kvm: | " + line)
    for g in guests:
        r = data["tests"].get(g.name)
        if r is None:
            continue
        if "error" in r:
            print("kvm: %-24s %s" % (g.name, r["error"]))
        else:
            print("kvm: %-24s %-36s %7.3f s" % (g.name, describe_status(r),
                                                r["seconds"]))
    print("kvm: results in %s (%.1f s)" % (results_path, data["seconds"]))
    if mode == "none":
        print("kvm: SKIPPED: " + reason)
        return SKIP
    # Guest failures, and a failed SVM boot, are each guest's own result
    # (kvm.NAME); this step fails only when it could not run at all.
    return 1 if data.get("error") else 0


# ---- check ------------------------------------------------------------------

def match_lines(text, expect, reject, what):
    """The expect regexes must each match a line, in their order (each one
    a line after the previous one's); no line may match a reject regex."""
    lines = text.splitlines()
    problems = []
    at = 0
    for src, rx in expect:
        hit = next((i for i in range(at, len(lines))
                    if rx.search(lines[i])), None)
        if hit is not None:
            at = hit + 1
        elif any(rx.search(l) for l in lines[:at]):
            problems.append("%s matches /%s/ only before the line "
                            "matched by the previous expect" % (what, src))
        else:
            problems.append("no line of %s matches /%s/" % (what, src))
    for src, rx in reject:
        bad = [l for l in lines if rx.search(l)]
        if bad:
            problems.append("%s has a line matching /%s/: %r"
                            % (what, src, bad[0]))
    return problems


def print_block(title, text):
    print("---- %s ----" % title)
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        print("(empty)")


REPLAY_TIMEOUT = 30		# seconds; replays take milliseconds
REPLAY_MATCHES = re.compile(rb"replay: ([0-9]+) exits, digest ([0-9a-f]{16}): "
                            rb"matches the recording\n\Z")
# what `smartvm run --record` says on stderr once the trace is written
RECORDED = re.compile(r"^smartvm: trace .*: ([0-9]+) exits, digest "
                      r"([0-9a-f]{16})\n", re.M)


def split_recorded(stderr):
    """(stderr without run --record's closing line, (exits, digest) from
    that line or None): the line is the recording's, not the guest's, and
    the manifest's stderr regexes judge the rest."""
    m = RECORDED.search(stderr)
    if not m:
        return stderr, None
    return stderr[:m.start()] + stderr[m.end():], (m.group(1), m.group(2))


def expected_serial(g, r):
    """(the bytes of COM1 output that replay must print, what they are),
    or (None, why nothing is compared): the run's stdout for serial =
    stdio, its serial file for serial = file:, nothing for none."""
    _, _, kind = config_serial(g.config)
    if kind == "none":
        return None, "serial = none: the run printed no serial output"
    if kind == "file":
        if r.get("serial_path") and os.path.isfile(r["serial_path"]):
            with open(r["serial_path"], "rb") as f:
                return f.read(), "the run's serial file"
        return r.get("serial_file", "").encode(), \
            "the run's serial file (as text)"
    if r.get("stdout_path") and os.path.isfile(r["stdout_path"]):
        with open(r["stdout_path"], "rb") as f:
            return f.read(), "the run's stdout"
    # only the SVM console's copy: line endings as the console gave them
    return r["stdout"].encode(), "the run's stdout (the console's copy)"


def check_replay(g, r, smartvm, recorded):
    """Replay the guest's trace with the host's smartvm: it must exit 0
    with "matches the recording" after the guest's serial output, that
    output identical to the run's, and the exits and digest those the
    recording run printed (recorded). Returns the problems."""
    if not g.record:
        print("replay:   none (record = no, %s)" % g.where)
        return []
    trace = r.get("trace")
    if r.get("trace_error"):
        return ["no trace to replay: " + r["trace_error"]]
    if not trace or not os.path.isfile(trace):
        return ["no trace to replay: %s does not exist" % trace]
    if not os.access(smartvm, os.X_OK):
        return ["cannot replay %s: %s is not built" % (trace, smartvm)]
    cmd = [smartvm, "replay", trace]
    text = " ".join(shlex.quote(c) for c in cmd)
    print("replay:   %s (%d bytes)" % (text, os.path.getsize(trace)))
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=REPLAY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return ["%s did not finish within %d s" % (text, REPLAY_TIMEOUT)]
    seconds = time.monotonic() - start
    out, err = p.stdout, p.stderr.decode("utf-8", "replace")
    m = REPLAY_MATCHES.search(out)
    if p.returncode == 0 and m:
        print("          exit 0 in %.3f s: %s" % (
            seconds, m.group(0).decode().strip()))
        problems = []
        replayed = (m.group(1).decode(), m.group(2).decode())
        if recorded and recorded != replayed:
            problems.append("the replay ends with %s exits, digest %s; the "
                            "recording run said %s exits, digest %s"
                            % (replayed + recorded))
        want, what = expected_serial(g, r)
        got = out[:m.start()]
        if want is None:
            print("          serial output not compared: " + what)
            return problems
        if got == want:
            print("          its serial output (%d bytes) is identical to "
                  "%s" % (len(got), what))
            return problems
        print_block("serial output of the replay", got.decode(
            "utf-8", "replace"))
        at = next((i for i in range(min(len(got), len(want)))
                   if got[i] != want[i]), min(len(got), len(want)))
        return problems + [
            "the replay's serial output (%d bytes) differs from %s (%d "
            "bytes) from byte %d on: %r, the run had %r" % (
                len(got), what, len(want), at, got[at:at + 24],
                want[at:at + 24])]
    print_block("replay stdout (serial output, then its report)",
                out.decode("utf-8", "replace"))
    print_block("replay stderr", err)
    last = (err.strip().splitlines() or [""])[-1]
    if p.returncode == 3:
        return ["the trace is corrupt (smartvm replay exit 3): " + last]
    if p.returncode == 1:
        return ["the replay diverged from the recording (smartvm replay "
                "exit 1); its report is the end of its stdout above"]
    if p.returncode == 0:
        return ["smartvm replay exited 0 without the final line \"replay: "
                "N exits, digest D: matches the recording\""]
    if p.returncode < 0:
        return ["smartvm replay was killed by signal %d" % -p.returncode]
    return ["smartvm replay exited %d: %s" % (p.returncode, last)]


def cmd_check(args):
    try:
        with open(args.results, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        print("FAILED: no results in %s: kvm.run_all has not run (ctest "
              "runs it first as the fixture setup)" % args.results)
        return 1
    guests = parse_manifest(args.manifest, data["build_dir"])
    g = next((g for g in guests if g.name == args.name), None)
    if g is None:
        print("FAILED: '%s' is not in %s" % (args.name, args.manifest))
        return 1
    if data["mode"] == "none":
        print("SKIPPED: " + data["reason"])
        return SKIP

    print("guest:    %s (%s)" % (g.name, g.where))
    print("config:   %s" % g.config)
    print("mode:     %s%s" % (data["mode"], " (%s)" % data["reason"]
                              if data["reason"] else ""))
    print("expected: %s" % ("status non-zero" if g.status == "nonzero"
                             else describe_status({"status": g.status})))
    for key in LIST_KEYS:
        for src, _ in getattr(g, key):
            print("          %-13s /%s/" % (key, src))
    if data.get("error"):
        print("FAILED: " + data["error"])
        return 1
    r = data["tests"].get(g.name)
    if r is None:
        print("FAILED: kvm.run_all did not run this guest (results of %s, "
              "guests %s)" % (data["started"], ", ".join(data["guests"])))
        return 1
    if "error" in r:
        if r.get("stdout"):
            print_block("stdout, before the SVM guest stopped", r["stdout"])
        print("FAILED: " + r["error"])
        return 1

    print("command:  %s" % r["command"])
    print("got:      %s in %.3f s" % (describe_status(r), r["seconds"]))
    print_block("stdout (guest serial output)", r["stdout"])
    stderr, recorded = split_recorded(r["stderr"])
    print_block("stderr", stderr)
    if recorded:
        print("recorded: %s exits, digest %s (smartvm run --record's last "
              "line on stderr)" % recorded)
    serial = r["stdout"]
    if "serial_file" in r:
        print_block("serial output file", r["serial_file"])
        serial += r["serial_file"]

    problems = []
    if r["timed_out"] or r["signal"] or r["status"] is None:
        problems.append("smartvm " + describe_status(r))
        if r["timed_out"]:
            problems[-1] += " (timeout = in %s)" % g.where
    elif g.status == "nonzero":
        if r["status"] == 0:
            problems.append("exit status 0, expected non-zero")
    elif r["status"] != g.status:
        problems.append("exit %s, expected %s" % (
            describe_status(r), describe_status({"status": g.status})))
    problems += match_lines(serial, g.expect, g.reject, "the serial output")
    problems += match_lines(stderr, g.stderr_expect, g.stderr_reject,
                            "stderr")
    if not os.path.isfile(g.config):
        problems.append("%s does not exist: is its guest built?" % g.config)
    smartvm = os.environ.get("SV_SMARTVM") or args.smartvm or \
        os.path.join(data["build_dir"], "smartvm")
    problems += check_replay(g, r, smartvm, recorded)
    if problems:
        for p in problems:
            print("FAILED: " + p)
        return 1
    print("PASSED")
    return 0


def cmd_list(args):
    for g in parse_manifest(args.manifest, args.build_dir or "."):
        print(g.name)
    return 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run every guest once, record results")
    r.add_argument("--build-dir", required=True)
    r.add_argument("--smartvm", help="default BUILD_DIR/smartvm")
    r.add_argument("--smartvm-static", help="the static smartvm for the "
                   "SVM guest; default BUILD_DIR/smartvm-static")
    r.add_argument("--only", action="append", metavar="NAME",
                   help="run only this guest (repeatable)")
    c = sub.add_parser("check", help="judge one guest from the results")
    c.add_argument("name")
    c.add_argument("--smartvm", help="the host's smartvm, which replays "
                   "the trace; default BUILD_DIR/smartvm")
    lst = sub.add_parser("list", help="the guests of the manifest")
    lst.add_argument("--build-dir")
    for p in (r, c, lst):
        p.add_argument("--manifest", default=DEFAULT_MANIFEST)
    for p in (r, c):
        p.add_argument("--results", help="default BUILD_DIR/tests/"
                       "integration/kvm-results.json")
    args = ap.parse_args()
    if args.cmd == "check" and not args.results:
        ap.error("check needs --results")
    try:
        return {"run": cmd_run, "check": cmd_check, "list": cmd_list}[
            args.cmd](args)
    except ManifestError as e:
        print("FAILED: manifest: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
