#!/usr/bin/env python3
"""KVM integration tests (DESIGN.md section 7, level 3): run every guest of
the manifest under `smartvm run` through the KVM API, once per test run, and
judge each guest on its own.

    kvm_harness.py run   --build-dir DIR [--smartvm P] [--smartvm-static P]
                         [--manifest F] [--results F] [--only NAME]...
    kvm_harness.py check NAME [--manifest F] [--results F]
    kvm_harness.py list  [--manifest F]

`run` (CTest's kvm.run_all, the fixture setup) picks where /dev/kvm comes
from, runs the guests and writes every guest's outcome to the results file:
  direct  the host's /dev/kvm works: each guest runs under build/smartvm;
  svm     it does not: Debian's kernel is booted once under QEMU TCG with an
          emulated AMD CPU, where kvm_amd gives a real /dev/kvm, and a static
          smartvm runs every guest in there (svm_init.sh is its /init);
  none    neither: nothing runs and every guest test reports skipped, with
          the reason.
The environment variable SV_KVM_MODE=direct|svm forces a mode (it then fails
rather than skips when that mode is unavailable); SV_KVM_MODE=svm-also runs
in the SVM guest only where the host's /dev/kvm works, and skips elsewhere
(the kvm_svm.* tests use it to keep that path tested everywhere); SV_SMARTVM and
SV_SMARTVM_STATIC replace the smartvm binaries, SV_KVM_KERNEL_DIR the kernel
cache that ci/setup.sh fills.

`check` (CTest's kvm.NAME) reads the results and compares one guest's exit
status and output with what the manifest expects; it prints both.

Exit status: 0 done/passed, 1 failed, 77 skipped (CTest SKIP_RETURN_CODE).
"""
import argparse
import fcntl
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
        elif key in LIST_KEYS:
            try:
                rx = re.compile(value)
            except re.error as e:
                raise ManifestError("%s: bad regex '%s': %s"
                                    % (where, value, e))
            getattr(current, key).append((value, rx))
        else:
            raise ManifestError("%s: unknown key '%s' (config, status, "
                                "timeout, %s)" % (where, key,
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
    try:
        with open(config, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None, None
    base = os.path.dirname(config)
    image = serial = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        value = re.split(r"(?:^|\s)#", value, maxsplit=1)[0].strip()
        if key == "image" and value:
            image = os.path.join(base, value)
        elif key == "serial" and value.startswith("file:"):
            serial = os.path.join(base, value[len("file:"):].strip())
    return image, serial


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
    """Each guest under the host's smartvm, one after the other."""
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
        cmd = [smartvm, "run", g.config]
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
             "stdout": read_text(out_path), "stderr": read_text(err_path)}
        if serial:
            r["serial_file"] = read_text(serial)
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
            f.write("run_test %s %d %s %s\n" % (
                g.name, max(1, round(g.timeout * SVM_SLOWDOWN)),
                shlex.quote(g.config), shlex.quote(serial or "-")))
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
        self.events = {}	# BOOTED, READY, DONE: their uptime
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
            if word in ("BOOTED", "READY", "DONE"):
                m = re.search(r"uptime=([0-9.]+)", rest)
                self.events[word] = float(m.group(1)) if m else None
                if word == "DONE":
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


def run_svm(guests, smartvm_static, tools, work):
    """Every guest inside one emulated-SVM Linux guest."""
    os.makedirs(work, exist_ok=True)
    nonce = secrets.token_hex(6)
    t0 = time.monotonic()
    initrd = build_initramfs(guests, smartvm_static, tools, work, nonce)
    build_seconds = time.monotonic() - t0
    kernel = os.path.join(tools["kernel_dir"], "vmlinuz")
    console_path = os.path.join(work, "console.log")
    cmd = [tools["qemu"], "-accel", "tcg", "-cpu", "qemu64,+svm",
           "-m", "1024", "-kernel", kernel, "-initrd", initrd,
           # panic=-1 with -no-reboot: a kernel panic ends QEMU at once
           "-append", "console=ttyS0 quiet panic=-1",
           "-display", "none", "-serial", "stdio", "-nic", "none",
           "-no-reboot"]
    budget = SVM_BOOT_ALLOWANCE + sum(g.timeout * SVM_SLOWDOWN + 1
                                      for g in guests)
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
        r = {"command": "smartvm run " + shlex.quote(g.config) +
             " (in the SVM guest)",
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
        results[g.name] = r
    ev = console.events
    svm = {"console": console_path, "problem": problem,
           "initramfs_seconds": round(build_seconds, 3),
           "qemu_seconds": round(qemu_seconds, 3),
           "budget_seconds": budget,
           "uptime_at_init": ev.get("BOOTED"),
           "uptime_kvm_ready": ev.get("READY"),
           "uptime_done": ev.get("DONE"),
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
    print_block("stderr", r["stderr"])
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
    problems += match_lines(r["stderr"], g.stderr_expect, g.stderr_reject,
                            "stderr")
    if not os.path.isfile(g.config):
        problems.append("%s does not exist: is its guest built?" % g.config)
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
