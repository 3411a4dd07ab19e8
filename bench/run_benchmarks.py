#!/usr/bin/env python3
"""Smart-VM's KVM benchmark (DESIGN.md section 9; bench/README.md).

    bench/run_benchmarks.py [--write] [--mode auto|direct|svm] [options]

In one run, on the same guest images (bench/guest.asm), side by side:

  rawkvm   bench/rawkvm.c, a minimal KVM_RUN loop: the floor;
  smartvm  `smartvm run CONFIG`;
  qemu     `qemu-system-x86_64 -accel kvm -M microvm -kernel IMAGE`.

It measures the cost of a port-I/O exit (a guest doing N `out` instructions
to an unclaimed port), Smart-VM's overhead over the raw loop, start-to-exit
time and peak RSS of a guest that exits at once, and (with valgrind) the
instructions smartvm's user-space code spends per exit. Results go to stdout
as Markdown; --write also puts them into docs/benchmarks.md.

Where /dev/kvm comes from, as in the KVM integration tests
(tests/integration/README.md): `direct` uses the host's /dev/kvm; `svm`
boots Debian's kernel under QEMU TCG with an emulated AMD CPU, where kvm_amd
gives a real /dev/kvm, and runs every measurement in there (figures labelled
EMULATED). --mode (or SV_BENCH_MODE) forces one. Without either the script
says so and exits 77.

--smoke is the CTest check that keeps this code from rotting: tiny N, one
repetition, every step run once and checked, nothing written. Timings are
never pass/fail.

Exit status: 0 done, 1 a step failed (a VMM did not run the guest right),
2 bad usage or build failure, 77 no /dev/kvm of any kind.
"""
import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.dont_write_bytecode = True		# no __pycache__ in the source tree
import kvm_harness as kh  # noqa: E402  (mode detection, SVM guest parts)

SKIP = 77
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
SVM_INIT = os.path.join(HERE, "svm_init.sh")

RAM_MIB = 32
LOOP_PORT = 0x2000		# unclaimed in smartvm and in QEMU's microvm
DEBUG_EXIT_PORT = 0xf4
PASS_STATUS = 33		# debug-exit 0x10
VMMS = ("rawkvm", "rawkvm_sk", "smartvm", "qemu")
LABELS = {"rawkvm": "rawkvm", "rawkvm_sk": "rawkvm -s -k",
          "smartvm": "smartvm", "qemu": "QEMU microvm"}
# rawkvm -s -k (the raw loop with smartvm's two KVM settings, rawkvm.c)
# runs only in the loop rounds; its start-up is rawkvm's.
NULL_OF = {"rawkvm_sk": "rawkvm"}

# Direct mode: N is calibrated so that one raw run takes about this long.
TARGET_LOOP_SECONDS = 1.2
PILOT_N = 10000
N_MIN, N_MAX = 10000, 2000000
SVM_LOOP_N = 20000		# ~50 us per exit in the SVM guest: ~1 s
CALLGRIND_N = 10000

CFLAGS = ["-std=gnu11", "-O2", "-g", "-static", "-Wall", "-Wextra",
          "-Wshadow", "-Wformat=2", "-Wundef", "-Wvla",
          "-Wstrict-prototypes", "-Wmissing-prototypes"]


class Failure(Exception):
    """A step that makes the results meaningless; code is the exit status
    (1 a VMM or measurement failed, 2 a build or usage problem)."""

    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run_cmd(cmd, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, **kw)


# ---- building -------------------------------------------------------------

def build_smartvm(args, mode):
    """smartvm (direct) or smartvm-static (svm) from the CMake build."""
    target = "smartvm" if mode == "direct" else "smartvm_static"
    path = (args.smartvm if mode == "direct" else args.smartvm_static) or \
        os.path.join(args.build_dir, "smartvm" if mode == "direct"
                     else "smartvm-static")
    if not args.no_build:
        if not os.path.isfile(os.path.join(args.build_dir, "CMakeCache.txt")):
            log("configuring %s" % args.build_dir)
            r = run_cmd(["cmake", "-S", ROOT, "-B", args.build_dir],
                        stdout=subprocess.DEVNULL)
            if r.returncode:
                raise Failure("cmake configure failed", 2)
        log("building %s in %s" % (target, args.build_dir))
        r = run_cmd(["cmake", "--build", args.build_dir, "--target", target,
                     "-j2"], stdout=subprocess.DEVNULL)
        if r.returncode:
            raise Failure("cmake --build --target %s failed" % target, 2)
    if not os.access(path, os.X_OK):
        raise Failure("%s is not built" % path, 2)
    return os.path.abspath(path)


def build_tool(work, name, given):
    """bench/NAME.c as a static program (it also runs in the SVM guest)."""
    if given:
        if not kh.is_static_elf(given):
            raise Failure("%s must be linked statically" % given, 2)
        return os.path.abspath(given)
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise Failure("no C compiler (cc) to build bench/%s.c" % name, 2)
    out = os.path.join(work, name)
    r = run_cmd([cc] + CFLAGS + ["-o", out, os.path.join(HERE, name + ".c")],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode or r.stdout.strip():
        raise Failure("building bench/%s.c:\n%s" % (name, r.stdout), 2)
    return out


def build_guest(work, name, n, spin=False, defs=()):
    """bench/guest.asm with LOOP_N = n (and nasm -D defs): NAME.elf and
    NAME.cfg in work."""
    nasm = shutil.which("nasm")
    ld = shutil.which("ld.bfd") or shutil.which("ld")
    if not nasm or not ld:
        raise Failure("nasm and GNU ld are needed for the guests "
                      "(ci/setup.sh installs nasm)", 2)
    obj = os.path.join(work, name + ".o")
    elf = os.path.join(work, name + ".elf")
    defs = ["-DLOOP_N=%d" % n, "-DLOOP_PORT=0x%x" % LOOP_PORT] + \
        ["-D" + d for d in defs]
    if spin:
        defs.append("-DSPIN")
    for cmd in ([nasm, "-f", "elf32", "-w+all", "-Werror"] + defs +
                ["-o", obj, os.path.join(HERE, "guest.asm")],
                [ld, "-m", "elf_i386", "-nostdlib", "-T",
                 os.path.join(HERE, "link.ld"), "-z", "noexecstack",
                 "--build-id=none", "-o", elf, obj]):
        r = run_cmd(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
        if r.returncode:
            raise Failure("%s:\n%s" % (" ".join(cmd), r.stdout), 2)
    cfg = os.path.join(work, name + ".cfg")
    with open(cfg, "w") as f:
        f.write("# bench/guest.asm, LOOP_N = %d%s (bench/run_benchmarks.py)\n"
                "name = %s\nmemory = %dM\nimage = %s.elf\n"
                "format = multiboot\nserial = none\n"
                % (n, ", SPIN" if spin else "", name, RAM_MIB, name))
    return {"name": name, "n": n, "elf": elf, "cfg": cfg}


# ---- what each VMM runs ---------------------------------------------------

class Vmms:
    def __init__(self, rawkvm, smartvm, qemu):
        self.rawkvm, self.smartvm, self.qemu = rawkvm, smartvm, qemu

    def names(self, loop=False):
        """The VMMs measured: all of them in the loop rounds (loop=True),
        the three programs proper elsewhere."""
        return [v for v in VMMS if (v != "qemu" or self.qemu) and
                (loop or v != "rawkvm_sk")]

    def cmd(self, vmm, guest, verbose=False):
        if vmm in ("rawkvm", "rawkvm_sk"):
            return [self.rawkvm] + (["-v"] if verbose else []) + (
                ["-s", "-k"] if vmm == "rawkvm_sk" else []) + [
                "-m", str(RAM_MIB), "-p", "0x%x" % LOOP_PORT, guest["elf"]]
        if vmm == "smartvm":
            return [self.smartvm, "run", guest["cfg"]]
        # microvm loads a Multiboot ELF with -kernel (through its SeaBIOS
        # and the multiboot_dma option ROM); isa-debug-exit gives 0xf4.
        return [self.qemu, "-accel", "kvm", "-M", "microvm",
                "-m", str(RAM_MIB), "-nodefaults", "-no-user-config",
                "-display", "none", "-serial", "none", "-no-reboot",
                "-kernel", guest["elf"], "-device",
                "isa-debug-exit,iobase=0x%x,iosize=4" % DEBUG_EXIT_PORT]


# ---- executing a plan: on the host, or inside the SVM guest ---------------
#
# A plan is a list of steps, each {"tag", "kind", "cmd", ...}:
#   verify  run cmd once, record its status and stderr
#   time    timerun run REPS cmd: wall time and peak RSS of each run
#   spin    timerun spin SECONDS RAM_KIB cmd: memory of a running guest
# Results: {tag: {"status", "stderr", "runs": [...], "spin": {...}}}.

RUN_RE = re.compile(r"^run wall_ns=(\d+) status=(-?\d+) signal=(\d+) "
                    r"maxrss_kib=(\d+) user_us=(\d+) sys_us=(\d+)")
SPIN_RE = re.compile(r"^spin (.*)$")


def parse_timerun(lines):
    runs, spin = [], None
    for line in lines:
        m = RUN_RE.match(line.strip())
        if m:
            runs.append({"wall": int(m.group(1)) / 1e9,
                         "status": int(m.group(2)),
                         "signal": int(m.group(3)),
                         "maxrss_kib": int(m.group(4)),
                         "user": int(m.group(5)) / 1e6,
                         "sys": int(m.group(6)) / 1e6})
            continue
        m = SPIN_RE.match(line.strip())
        if m:
            spin = {k: int(v) for k, v in
                    (kv.split("=", 1) for kv in m.group(1).split())}
    return runs, spin


def step_argv(step, timerun):
    if step["kind"] == "verify":
        return step["cmd"]
    if step["kind"] == "time":
        return [timerun, "run", str(step["reps"])] + step["cmd"]
    return [timerun, "spin", "%g" % step["seconds"], str(RAM_MIB << 10)] + \
        step["cmd"]


def execute_direct(plan, timerun):
    results = {}
    for step in plan:
        argv = step_argv(step, timerun)
        try:
            r = run_cmd(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True, errors="replace",
                        timeout=step.get("timeout", 120))
            status, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = -9, e.stdout or "", "timed out"
            out = out if isinstance(out, str) else out.decode()
        res = {"status": status, "stderr": err, "stdout": out}
        res["runs"], res["spin"] = parse_timerun(out.splitlines())
        results[step["tag"]] = res
    return results


def svm_initramfs(plan, timerun, files, tools, work, nonce, with_qemu):
    """The SVM guest's root: busybox, the KVM modules, every file the plan
    runs at its host path, the plan as /sv/plan, bench/svm_init.sh as
    /init; QEMU with its shared libraries and firmware if with_qemu."""
    root = os.path.join(work, "root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "lib/modules", "sv", "proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(root, d))
    shutil.copy2(kh.BUSYBOX, os.path.join(root, "bin", "busybox"))
    for m in kh.KVM_MODULES:
        shutil.copy2(os.path.join(tools["kernel_dir"], "modules", m),
                     os.path.join(root, "lib", "modules", m))
    shutil.copy2(SVM_INIT, os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    carry = set(files) | {timerun}
    if with_qemu:
        carry |= set(qemu_files(with_qemu))
    for f in sorted(carry):
        dst = os.path.join(root, f.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(os.path.realpath(f), dst)	# symlinks resolved
    with open(os.path.join(root, "sv", "nonce"), "w") as f:
        f.write(nonce + "\n")
    with open(os.path.join(root, "sv", "plan"), "w") as f:
        for step in plan:
            f.write("step %s %s %s\n" % (
                shlex.quote(step["tag"]),
                max(5, int(step.get("timeout", 120))),
                " ".join(shlex.quote(a) for a in step_argv(step, timerun))))
    initrd = os.path.join(work, "initrd.cpio")
    names = run_cmd(["find", "."], cwd=root, check=True,
                    stdout=subprocess.PIPE).stdout
    with open(initrd, "wb") as out:
        subprocess.run([tools["cpio"], "-o", "-H", "newc", "--quiet",
                        "-R", "0:0"], cwd=root, input=names, stdout=out,
                       check=True)
    return initrd


def qemu_files(qemu):
    """QEMU and what it opens to run the benchmark guest on microvm: its
    shared libraries (from ldd), the dynamic loader, and the firmware."""
    files = [qemu]
    out = run_cmd(["ldd", qemu], stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        for word in line.split():
            if word.startswith("/"):
                files.append(word)
    share = os.path.join(os.path.dirname(qemu), "..", "share", "qemu")
    for fw in ("bios-microvm.bin", "multiboot_dma.bin", "multiboot.bin"):
        p = os.path.normpath(os.path.join(share, fw))
        if os.path.exists(p):
            files.append(p)
    return files


def execute_svm(plan, timerun, files, tools, work, with_qemu):
    """Every step inside one emulated-SVM Linux guest; the console carries
    each step's output between markers (bench/svm_init.sh)."""
    os.makedirs(work, exist_ok=True)
    nonce = secrets.token_hex(6)
    t0 = time.monotonic()
    initrd = svm_initramfs(plan, timerun, files, tools, work, nonce,
                           with_qemu)
    log("SVM guest initramfs: %.0f MB in %.1f s" % (
        os.path.getsize(initrd) / 1e6, time.monotonic() - t0))
    console_path = os.path.join(work, "console.log")
    cmd = [tools["qemu"], "-accel", "tcg", "-cpu", "qemu64,+svm",
           "-m", "1024", "-kernel", os.path.join(tools["kernel_dir"],
                                                 "vmlinuz"),
           "-initrd", initrd, "-append", "console=ttyS0 quiet panic=-1",
           "-display", "none", "-serial", "stdio", "-nic", "none",
           "-no-reboot"]
    budget = kh.SVM_BOOT_ALLOWANCE + sum(s.get("timeout", 120) for s in plan)
    t1 = time.monotonic()
    with open(console_path, "wb") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT)
        try:
            p.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    log("SVM guest ran %.1f s" % (time.monotonic() - t1))
    text = kh.read_text(console_path).replace("\r\n", "\n")
    prefix = "@@SVB:%s:" % nonce
    results, current, info = {}, None, {}
    for line in text.split("\n"):
        if not line.startswith(prefix):
            if current is not None:
                current["lines"].append(line)
            continue
        word, _, rest = line[len(prefix):].partition(" ")
        if word == "BEGIN":
            current = {"lines": []}
        elif word == "END" and current is not None:
            tag, _, st = rest.partition(" ")
            m = re.search(r"status=(-?\d+)", st)
            out = "\n".join(current["lines"])
            runs, spin = parse_timerun(current["lines"])
            results[tag] = {"status": int(m.group(1)) if m else -1,
                            "stdout": out, "stderr": out,
                            "runs": runs, "spin": spin}
            current = None
        elif word in ("READY", "DONE", "ERROR", "KERNEL", "CPU"):
            info[word] = rest
    if "ERROR" in info or "DONE" not in info:
        raise Failure("the SVM guest did not finish the plan%s (console: %s)"
                      % (": " + info["ERROR"] if "ERROR" in info else "",
                         console_path))
    return results, info


# ---- statistics -----------------------------------------------------------

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def walls(results, tag):
    return [r["wall"] for r in results.get(tag, {}).get("runs", [])
            if r["status"] == PASS_STATUS]


def fmt_us(s):
    return "%.2f µs" % (s * 1e6)


def fmt_ms(s):
    return "%.1f ms" % (s * 1e3) if s >= 0.01 else "%.2f ms" % (s * 1e3)


def fmt_s(s):
    return "%.3f s" % s


def fmt_kib(k):
    return "%.2f MiB" % (k / 1024.0) if k >= 1024 else "%d KiB" % k


# ---- callgrind ------------------------------------------------------------

ANNOT_RE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*?)\s*$")


def callgrind(cmd, out_file):
    """Ir total and per-function exclusive Ir ({name: Ir}) of cmd, plus its
    exit status, from valgrind --tool=callgrind and callgrind_annotate."""
    r = run_cmd(["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
                 out_file] + cmd, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True, timeout=300)
    if not os.path.isfile(out_file):
        raise Failure("valgrind produced no profile:\n" + r.stderr[-2000:])
    a = run_cmd(["callgrind_annotate", "--inclusive=no", "--auto=no",
                 "--threshold=100", out_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
    total, funcs, in_table = None, {}, False
    for line in a.stdout.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        if re.match(r"^Ir\s+file:function", line.strip()):
            in_table = True
            continue
        if in_table:
            if line.startswith("--"):
                continue
            if not line.strip():
                break
            m = ANNOT_RE.match(line)
            if m:
                name = re.sub(r"\s+\[[^]]*\]$", "", m.group(2))
                funcs[name] = funcs.get(name, 0) + \
                    int(m.group(1).replace(",", ""))
    if total is None:
        raise Failure("callgrind_annotate gave no total for " + out_file)
    return {"status": r.returncode, "total": total, "funcs": funcs,
            "file": out_file}


def short_function(name):
    """'/work/main/vmm/iobus.c:iobus_find' -> 'vmm/iobus.c:iobus_find'."""
    path, _, fn = name.rpartition(":")
    if path.startswith(ROOT + "/"):
        path = path[len(ROOT) + 1:]
    elif path and not os.path.isfile(os.path.join(ROOT, path)):
        path = "glibc " + os.path.basename(path)	# ./string/..., ./elf/...
    return "%s:%s" % (path, fn) if path else fn


def measure_callgrind(work, vmms, n):
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return {"skipped": "valgrind is not installed (Debian package "
                           "valgrind)"}
    loop = build_guest(work, "cg_loop", n)
    null = build_guest(work, "cg_null", 0)
    out = {"n": n}
    for vmm in ("smartvm", "rawkvm"):
        prof = {}
        for g in (loop, null):
            p = callgrind(vmms.cmd(vmm, g),
                          os.path.join(work, "callgrind.%s.%s" % (
                              vmm, g["name"])))
            if p["status"] != PASS_STATUS:
                raise Failure("%s under callgrind exited %d, not %d" % (
                    vmm, p["status"], PASS_STATUS))
            prof[g["name"]] = p
        L, Z = prof["cg_loop"], prof["cg_null"]
        per_fn = {}
        for name in set(L["funcs"]) | set(Z["funcs"]):
            d = L["funcs"].get(name, 0) - Z["funcs"].get(name, 0)
            if d:
                per_fn[name] = d / n
        out[vmm] = {"total_loop": L["total"], "total_null": Z["total"],
                    "per_exit": (L["total"] - Z["total"]) / n,
                    "per_fn": per_fn, "loop_funcs": L["funcs"],
                    "files": [L["file"], Z["file"]],
                    "cmd": vmms.cmd(vmm, loop)}
    return out


# ---- the run --------------------------------------------------------------

def make_plan(vmms, loop, null, spin, reps, null_reps, spin_seconds,
              timeout):
    """Verify each VMM on each guest, then the loop rounds, then the null
    guest runs, then the memory of a running guest. A round runs rawkvm,
    smartvm, rawkvm -s -k, QEMU, and the next one the reverse: the runs
    compared most (smartvm against rawkvm, and against rawkvm -s -k) stay
    next to each other in time, and each goes first half the time."""
    plan = []
    names = vmms.names()
    for g in (loop, null):
        for v in vmms.names(loop=g is loop):
            plan.append({"tag": "verify:%s:%s" % (g["name"], v),
                         "kind": "verify", "timeout": timeout,
                         "cmd": vmms.cmd(v, g, verbose=True)})
    looped = [v for v in ("rawkvm", "smartvm", "rawkvm_sk", "qemu")
              if v in vmms.names(loop=True)]
    for r in range(reps):
        for v in looped if r % 2 == 0 else looped[::-1]:
            plan.append({"tag": "loop:%s:%d" % (v, r), "kind": "time",
                         "reps": 1, "timeout": timeout,
                         "cmd": vmms.cmd(v, loop)})
    for v in names:
        plan.append({"tag": "null:%s" % v, "kind": "time",
                     "reps": null_reps[v], "timeout": timeout,
                     "cmd": vmms.cmd(v, null)})
    for v in names:
        plan.append({"tag": "spin:%s" % v, "kind": "spin",
                     "seconds": spin_seconds[v], "timeout": timeout,
                     "cmd": vmms.cmd(v, spin)})
    return plan


def check_verify(results, vmms, loop, null):
    """Every VMM must end every guest with the pass status, and rawkvm
    must count exactly the exits the guest makes."""
    problems = []
    for g in (loop, null):
        for v in vmms.names(loop=g is loop):
            r = results.get("verify:%s:%s" % (g["name"], v))
            if r is None:
                problems.append("%s on %s: not run" % (v, g["name"]))
                continue
            if r["status"] != PASS_STATUS:
                problems.append("%s on %s: exit status %s, expected %d; "
                                "stderr: %s" % (v, g["name"], r["status"],
                                                PASS_STATUS,
                                                r["stderr"].strip()[-500:]))
            if v in ("rawkvm", "rawkvm_sk"):
                m = re.search(r"rawkvm: (\d+) exits, (\d+) OUTs",
                              r["stderr"])
                if not m or int(m.group(2)) != g["n"] or \
                        int(m.group(1)) != g["n"] + 1:
                    problems.append("rawkvm on %s: expected %d exits, got "
                                    "%s" % (g["name"], g["n"] + 1,
                                            r["stderr"].strip()))
    return problems


def quartiles(xs):
    """(lower quartile, median, upper quartile) of a non-empty list."""
    if len(xs) < 4:
        return min(xs), med(xs), max(xs)
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[1], q[2]


def round_ratios(results, a, v, base):
    """Round by round: v's loop against base's loop of the same round, each
    less its median null-guest time, minus 1."""
    va, vb = a["vmm"][v], a["vmm"][base]
    out = []
    for tag in results:
        m = re.match(r"^loop:%s:(\d+)$" % v, tag)
        if not m:
            continue
        x = walls(results, tag)
        y = walls(results, "loop:%s:%s" % (base, m.group(1)))
        if x and y:
            out.append((x[0] - med(va["null"])) /
                       (y[0] - med(vb["null"])) - 1)
    return sorted(out)


def compare(results, a, v, base):
    """v against base: from the medians, the best runs, and the rounds."""
    va, vb = a["vmm"][v], a["vmm"][base]
    if "per_exit" not in va or "per_exit" not in vb:
        return None
    rounds = round_ratios(results, a, v, base)
    return {"median": va["per_exit"] / vb["per_exit"] - 1,
            "best": va["per_exit_best"] / vb["per_exit_best"] - 1,
            "rounds": rounds,
            "q": quartiles(rounds) if rounds else None}


def analyse(results, vmms, loop, null_reps):
    """Per VMM: the per-exit cost from medians and from the best runs, the
    memory figures; and the comparisons between VMMs."""
    n = loop["n"]
    out = {"n": n, "vmm": {}, "cmp": {}}
    for v in vmms.names(loop=True):
        lw = [w for tag in results if tag.startswith("loop:%s:" % v)
              for w in walls(results, tag)]
        nv = NULL_OF.get(v, v)
        nw = walls(results, "null:%s" % nv)
        nr = [r["maxrss_kib"] for r in results.get("null:%s" % nv,
                                                   {}).get("runs", [])]
        sp = results.get("spin:%s" % nv, {}).get("spin") or {}
        d = {"loop": lw, "null": nw, "null_maxrss": nr, "spin": sp}
        if lw and nw:
            d["per_exit"] = (med(lw) - med(nw)) / n
            d["per_exit_best"] = (min(lw) - min(nw)) / n
            d["wall_per_exit"] = med(lw) / (n + 1)
        if sp.get("guest_ram_kib", -1) >= 0 and sp.get("rss_kib", -1) >= 0:
            d["beyond_guest_kib"] = max(sp["rss_kib"], sp["vmhwm_kib"]) - \
                sp["guest_ram_kib"]
        out["vmm"][v] = d
    for v in out["vmm"]:
        if v != "rawkvm":
            out["cmp"][v + "/rawkvm"] = compare(results, out, v, "rawkvm")
    if "rawkvm_sk" in out["vmm"]:
        out["cmp"]["smartvm/rawkvm_sk"] = compare(results, out, "smartvm",
                                                  "rawkvm_sk")
    return out


def machine_info(mode, svm_info, vmms):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    kvm_mods = [m for m in ("kvm_intel", "kvm_amd", "kvm_pvm")
                if os.path.isdir("/sys/module/" + m)]
    deb = kh.read_text("/etc/debian_version").strip()
    info = {"host": "%s, %d CPUs, Linux %s, Debian %s" % (
        cpu, os.cpu_count() or 0, platform.release(), deb or "?")}
    if mode == "direct":
        info["kvm"] = "host /dev/kvm (module %s)" % (
            ", ".join(kvm_mods) or "?")
        if "kvm_pvm" in kvm_mods:
            info["kvm"] += (": software-nested KVM, which emulates the "
                            "guest's CPL-0 code; an exit to user space costs "
                            "some 8 us (DESIGN.md section 8)")
    else:
        info["kvm"] = ("EMULATED: /dev/kvm of kvm_amd in Debian's kernel %s, "
                       "booted under QEMU TCG -cpu qemu64,+svm -m 1024 on "
                       "this host" % svm_info.get("KERNEL", "?").strip())
    if vmms.qemu:
        v = run_cmd([vmms.qemu, "--version"], stdout=subprocess.PIPE,
                    text=True).stdout.splitlines()
        info["qemu"] = v[0] if v else "?"
    git = run_cmd(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                  text=True).stdout.strip()
    info["smartvm"] = "git %s" % (git or "?")
    return info


def rel(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + "/") \
        else path


def show_cmd(cmd):
    return " ".join(shlex.quote(rel(c)) for c in cmd)


def markdown(a, info, mode, args, vmms, loop, null, spin, cg, plan_args,
             elapsed):
    L = []
    emu = mode == "svm"
    label = "emulated SVM guest" if emu else "host /dev/kvm"
    L.append("<!-- bench:%s begin -->" % mode)
    L.append("## Results: %s (%s)" % (label, time.strftime("%Y-%m-%d")))
    L.append("")
    if emu:
        L.append("**EMULATED figures.** This host's own /dev/kvm was not "
                 "used: everything below ran inside a Linux guest under QEMU "
                 "TCG with an emulated AMD CPU, so absolute times are those "
                 "of an emulated machine; only the ratios, measured in the "
                 "same run, carry over.")
        L.append("")
    L.append("- Command: `%s` (whole run %.0f s)" % (plan_args, elapsed))
    L.append("- Host: %s" % info["host"])
    L.append("- KVM: %s" % info["kvm"])
    L.append("- smartvm: %s; rawkvm: bench/rawkvm.c; QEMU: %s" % (
        info["smartvm"], info.get("qemu", "not measured (%s)" % (
            args.no_qemu_reason or "absent"))))
    L.append("")

    L.append("### Cost of a port-I/O exit")
    L.append("")
    L.append("Guest `bench_loop.elf`: N = %d `out` instructions to port "
             "0x%x (claimed by no device), then the debug-exit port; %d MiB "
             "of RAM. %d rounds, each running every VMM once (rawkvm, "
             "smartvm, rawkvm -s -k, QEMU; the next round in reverse "
             "order). *Per exit* = (median loop time - "
             "median null-guest time) / N, which takes start-up and "
             "tear-down out; *best* = (fastest loop run - fastest null run) "
             "/ N, the least disturbed runs; *wall / exits* = median loop "
             "time / (N + 1), start-up included."
             % (loop["n"], LOOP_PORT, RAM_MIB, args.reps))
    L.append("")
    L.append("| VMM | median loop time | min - max | per exit | best | "
             "wall / exits | vs rawkvm (median) | vs rawkvm (best) |")
    L.append("|---|---|---|---|---|---|---|---|")
    for v in vmms.names(loop=True):
        d = a["vmm"][v]
        if "per_exit" not in d:
            L.append("| %s | (no successful run) | | | | | | |" % LABELS[v])
            continue
        c = a["cmp"].get(v + "/rawkvm")
        vs = ("%+.1f %%" % (100 * c["median"]),
              "%+.1f %%" % (100 * c["best"])) if c else ("-", "-")
        L.append("| %s | %s | %s - %s | %s | %s | %s | %s | %s |" % (
            LABELS[v], fmt_s(med(d["loop"])), fmt_s(min(d["loop"])),
            fmt_s(max(d["loop"])), fmt_us(d["per_exit"]),
            fmt_us(d["per_exit_best"]), fmt_us(d["wall_per_exit"]),
            vs[0], vs[1]))
    L.append("")

    def rounds_text(c):
        return ", ".join("%+.1f %%" % (100 * x) for x in c["rounds"])

    c = a["cmp"].get("smartvm/rawkvm")
    if c and c["q"]:
        lo, mid, hi = c["q"]
        if hi < 0.05:
            verdict = "met (upper quartile below it)"
        elif lo > 0.05:
            verdict = "NOT met (lower quartile above it)"
        else:
            verdict = "not settled by this run: the quartiles straddle it, " \
                "the median is %s it" % ("below" if mid < 0.05 else "above")
        L.append("**Smart-VM's overhead over the raw KVM loop: %+.1f %% per "
                 "exit** (median of the rounds; quartiles %+.1f %% to "
                 "%+.1f %%; best runs %+.1f %%). Goal under 5 %%: %s. A "
                 "round's figure is its smartvm loop against the rawkvm loop "
                 "of the same round, each less its median null-guest time; "
                 "the rounds: %s."
                 % (100 * mid, 100 * lo, 100 * hi, 100 * c["best"], verdict,
                    rounds_text(c)))
        L.append("")
    c1, c2 = a["cmp"].get("rawkvm_sk/rawkvm"), a["cmp"].get(
        "smartvm/rawkvm_sk")
    if c1 and c2 and c1["q"] and c2["q"]:
        L.append("Where it goes: `rawkvm -s -k` is the raw loop with the two "
                 "things smartvm's backend asks of KVM (KVM_SYNC_X86_REGS, so "
                 "KVM copies the registers out after every exit; a KVM_RUN "
                 "signal mask for the timer kick, so KVM switches signal "
                 "masks at every entry and exit). Those settings cost "
                 "%+.1f %% (quartiles %+.1f %% to %+.1f %%; best %+.1f %%); "
                 "smartvm over `rawkvm -s -k`, i.e. its own user-space work "
                 "per exit, %+.1f %% (quartiles %+.1f %% to %+.1f %%; best "
                 "%+.1f %%)." % (
                     100 * c1["q"][1], 100 * c1["q"][0], 100 * c1["q"][2],
                     100 * c1["best"], 100 * c2["q"][1], 100 * c2["q"][0],
                     100 * c2["q"][2], 100 * c2["best"]))
        L.append("")
    cq, sv, q = a["cmp"].get("qemu/rawkvm"), a["vmm"].get("smartvm", {}), \
        a["vmm"].get("qemu", {})
    if cq and cq["q"] and "per_exit" in sv:
        L.append("QEMU microvm over the raw loop: %+.1f %% (quartiles "
                 "%+.1f %% to %+.1f %%; best runs %+.1f %%). smartvm's "
                 "per-exit cost is %.3f of QEMU's (medians), %.3f (best runs)."
                 % (100 * cq["q"][1], 100 * cq["q"][0], 100 * cq["q"][2],
                    100 * cq["best"], sv["per_exit"] / q["per_exit"],
                    sv["per_exit_best"] / q["per_exit_best"]))
        L.append("")

    L.append("### Null guest: start-to-exit time and memory")
    L.append("")
    L.append("Guest `bench_null.elf` (exits at once), %s runs per VMM after "
             "a warm-up run. *Start to exit*: fork to wait4 in "
             "bench/timerun.c. *Peak RSS*: the child's ru_maxrss (median). "
             "While `bench_spin.elf` (the same guest spinning instead of "
             "exiting) runs: *RSS* from /proc/PID/smaps_rollup, *guest RAM "
             "resident* the Rss of the guest-RAM mapping in /proc/PID/smaps "
             "(what the guest, the loader and the firmware touched), and "
             "*beyond guest RAM* = max(RSS, VmHWM) - guest RAM resident."
             % "/".join("%d" % args.null_reps[v] for v in vmms.names()))
    L.append("")
    L.append("| VMM | median start to exit | min | peak RSS | "
             "RSS running | guest RAM resident | beyond guest RAM |")
    L.append("|---|---|---|---|---|---|---|")
    for v in vmms.names():
        d = a["vmm"][v]
        sp = d["spin"]

        def kib(key):
            return fmt_kib(sp[key]) if sp.get(key, -1) >= 0 else "-"
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            LABELS[v], fmt_ms(med(d["null"])) if d["null"] else "-",
            fmt_ms(min(d["null"])) if d["null"] else "-",
            fmt_kib(med(d["null_maxrss"])) if d["null_maxrss"] else "-",
            kib("rss_kib"), kib("guest_ram_kib"),
            fmt_kib(d["beyond_guest_kib"]) if "beyond_guest_kib" in d
            else "-"))
    L.append("")
    if sv.get("null") and q.get("null"):
        ratio = med(sv["null"]) / med(q["null"])
        L.append("**smartvm starts and exits in %.3f of QEMU's time** (goal: "
                 "a tenth or less: %s)." % (ratio, "met" if ratio <= 0.1
                                            else "NOT met"))
    if "beyond_guest_kib" in sv:
        b = sv["beyond_guest_kib"]
        extra = ""
        if "beyond_guest_kib" in q:
            extra = "; QEMU: %s" % fmt_kib(q["beyond_guest_kib"])
        L.append("**smartvm's RSS beyond guest RAM: %s** (goal: under "
                 "2 MiB: %s%s)." % (fmt_kib(b), "met" if b < 2048
                                    else "NOT met", extra))
    if emu:
        L.append("")
        L.append("In the SVM guest smartvm is the static build "
                 "(smartvm-static; on the host, the dynamic one), and "
                 "Debian's kernel there backs guest RAM with a transparent "
                 "huge page in some runs and not in others: the peak RSS of "
                 "the null runs then jumps by 2 MiB (raw samples), which is "
                 "why the figure beyond guest RAM comes from the running "
                 "guest, whose guest-RAM mapping is measured at the same "
                 "moment.")
    L.append("")

    L.append("### Instructions per exit (callgrind)")
    L.append("")
    if cg is None or "skipped" in cg:
        L.append("Not measured: %s." % (cg["skipped"] if cg else
                                         "not run in this mode"))
    else:
        n = cg["n"]
        s, r = cg["smartvm"], cg["rawkvm"]
        L.append("`valgrind --tool=callgrind` runs each program with "
                 "N = %d and with N = 0 (the KVM ioctls pass through "
                 "valgrind; KVM_RUN just blocks while the guest runs, and "
                 "guest instructions are not counted). Instructions per exit "
                 "= (Ir(N) - Ir(0)) / N: all user-space instructions of the "
                 "VMM per exit, its libc ioctl wrapper included, the "
                 "kernel's not." % n)
        L.append("")
        L.append("| program | Ir, N = %d | Ir, N = 0 | per exit |" % n)
        L.append("|---|---|---|---|")
        for name, p in (("smartvm", s), ("rawkvm", r)):
            L.append("| %s | %d | %d | %.1f |" % (
                name, p["total_loop"], p["total_null"], p["per_exit"]))
        L.append("")
        L.append("smartvm spends %.0f user-space instructions per exit more "
                 "than the raw loop." % (s["per_exit"] - r["per_exit"]))
        L.append("")
        L.append("Command: `valgrind --tool=callgrind %s` (and the same "
                 "with the N = 0 guest), then `callgrind_annotate "
                 "--inclusive=no`." % show_cmd(s["cmd"]))
        L.append("")
        L.append("smartvm per exit, by function (exclusive Ir, top 15 of "
                 "the difference between the two runs, / N):")
        L.append("")
        L.append("| function | Ir per exit | share |")
        L.append("|---|---|---|")
        top = sorted(s["per_fn"].items(), key=lambda kv: -kv[1])[:15]
        for name, v in top:
            L.append("| `%s` | %.1f | %.1f %% |" % (
                short_function(name), v, 100 * v / s["per_exit"]))
        L.append("")
    L.append("<details><summary>Raw samples (seconds; KiB)</summary>")
    L.append("")
    for v in vmms.names(loop=True):
        d = a["vmm"][v]
        L.append("- %s loop: %s" % (LABELS[v], ", ".join(
            "%.4f" % x for x in d["loop"])))
        if v in NULL_OF:
            continue
        L.append("- %s null: %s" % (v, ", ".join("%.5f" % x for x in
                                                  d["null"])))
        L.append("- %s null peak RSS: %s; running: %s" % (
            v, ", ".join(str(x) for x in d["null_maxrss"]),
            json.dumps(d["spin"])))
    L.append("")
    L.append("Commands (timed by `bench/timerun run 1 CMD`):")
    L.append("")
    for v in vmms.names(loop=True):
        L.append("    %s" % show_cmd(vmms.cmd(v, loop)))
    L.append("")
    L.append("</details>")
    L.append("<!-- bench:%s end -->" % mode)
    return "\n".join(L) + "\n"


DOC_HEADER = """# Benchmarks

Produced by scripts (bench/README.md); do not edit by hand. Each section
names the command that wrote it: `bench/run_benchmarks.py --write` (this
header and the exit-cost sections, host and emulated), `bench/replay_bench.py
--write` (replay), `sched_bench --write` (scheduler fairness),
`alloc_bench` (allocators) and `bench/vmx_bench.py --write` (VT-x in
Bochs: monitor instructions per exit, fairness between VMs, image size,
source lines). Each script rewrites only its own section.

What is measured (DESIGN.md section 9), all in one run of the script, on the
same guest images (`bench/guest.asm`, Multiboot ELF32 kernels entered in
32-bit protected mode) and through the same `/dev/kvm`:

- **rawkvm** (`bench/rawkvm.c`): a minimal KVM loop written for the
  benchmark: one memory slot, one vCPU, KVM_RUN until the guest writes the
  debug-exit port. The floor. Also run as **rawkvm -s -k**, with the two
  settings smartvm's KVM backend asks of KVM (KVM_SYNC_X86_REGS and a
  KVM_RUN signal mask), to split smartvm's overhead into what those
  settings cost and what its own code costs.
- **smartvm**: `smartvm run CONFIG`, the whole portable core (exit
  dispatcher, I/O bus, devices, timers) over the KVM backend.
- **QEMU**: `qemu-system-x86_64 -accel kvm -M microvm -kernel IMAGE` with
  `-device isa-debug-exit`, its own firmware and defaults.

Figures: the cost of one port-I/O exit to user space (a loop of N `out`
instructions to an unclaimed port) and Smart-VM's overhead over the raw loop
(goal: under 5 %); start-to-exit time and peak RSS of a guest that exits at
once (goals: a tenth of QEMU's time, under 2 MiB beyond guest RAM); the
user-space instructions smartvm spends per exit, counted by callgrind.
Timings are medians of several runs; the raw samples follow each section.
On the shared, 2-core, software-nested machines here one run differs from
the next by 10-20 %, more than the few per cent being looked for: each
comparison is also given round by round, with its quartiles, and a goal is
called met or not only when the quartiles agree. The callgrind count is
exact and repeatable.

Where the host has no `/dev/kvm`, the script runs the same measurements
inside an emulated-SVM Linux guest (tests/integration/README.md) and labels
them EMULATED: absolute times there are those of an emulated machine, only
the ratios carry over.

"""


def write_doc(section, mode):
    sections = {}
    try:
        old = kh.read_text(DOC)
    except Exception:
        old = ""
    # replay: replay_bench.py; sched, alloc: sched_bench.c, alloc_bench.c;
    # vmx: vmx_bench.py
    kinds = ("direct", "svm", "replay", "sched", "alloc", "vmx")
    for m in kinds:
        found = re.search(r"<!-- bench:%s begin -->.*?<!-- bench:%s end -->\n"
                          % (m, m), old, re.S)
        if found:
            sections[m] = found.group(0)
    sections[mode] = section
    with open(DOC + ".tmp", "w", encoding="utf-8") as f:
        f.write(DOC_HEADER)
        f.write("\n".join(sections[m] for m in kinds if m in sections))
    os.replace(DOC + ".tmp", DOC)


def choose_mode(forced):
    forced = forced or os.environ.get("SV_BENCH_MODE", "").strip() or "auto"
    if forced not in ("auto", "direct", "svm"):
        raise Failure("mode '%s': expected auto, direct or svm" % forced)
    kernel_dir = os.environ.get("SV_KVM_KERNEL_DIR") or kh.DEFAULT_KERNEL_DIR
    if forced in ("auto", "direct"):
        ok, why = kh.direct_kvm()
        if ok:
            return "direct", None, ""
        if forced == "direct":
            raise Failure("--mode direct, but " + why)
    else:
        why = "--mode svm"
    tools, why_not = kh.svm_tools(kernel_dir)
    if tools:
        return "svm", tools, why
    if forced == "svm":
        raise Failure("--mode svm, but " + why_not)
    return None, None, "this benchmark needs /dev/kvm: the host has none " \
        "usable (%s) and the emulated-SVM guest cannot be built (%s)" % (
            why, why_not)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                    help="CMake build directory (default: build)")
    ap.add_argument("--write", action="store_true",
                    help="also update docs/benchmarks.md")
    ap.add_argument("--mode", choices=("auto", "direct", "svm"),
                    help="where /dev/kvm comes from (default auto; or "
                    "SV_BENCH_MODE)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny N, one repetition: check that every part "
                    "runs (CTest)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run cmake; use the binaries as they are")
    ap.add_argument("--smartvm", help="default BUILD_DIR/smartvm")
    ap.add_argument("--smartvm-static",
                    help="default BUILD_DIR/smartvm-static (SVM mode)")
    ap.add_argument("--rawkvm", help="a static rawkvm (default: build it)")
    ap.add_argument("--timerun", help="a static timerun (default: build it)")
    ap.add_argument("--loop-n", type=int,
                    help="OUTs per loop run (default: calibrated to ~%.1f s "
                    "of the raw loop; %d in SVM mode)" % (
                        TARGET_LOOP_SECONDS, SVM_LOOP_N))
    ap.add_argument("--reps", type=int, help="loop rounds (default 12; 8 in "
                    "SVM mode)")
    ap.add_argument("--no-qemu", action="store_true",
                    help="leave QEMU out")
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args()
    if args.smoke and args.write:
        ap.error("--smoke results are not benchmarks: no --write")
    args.build_dir = os.path.abspath(args.build_dir)
    started = time.monotonic()
    try:
        mode, tools, why = choose_mode(args.mode)
    except Failure as e:
        log("ERROR: " + str(e))
        return 2
    if mode is None:
        log("SKIPPED: " + why)
        print("## Results\n\nNot measured: %s.\n" % why)
        return SKIP
    log("mode %s%s" % (mode, " (%s)" % why if why else ""))
    work = os.path.join(args.build_dir, "bench-smoke" if args.smoke
                        else "bench-run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    try:
        smartvm = build_smartvm(args, mode)
        rawkvm = build_tool(work, "rawkvm", args.rawkvm)
        timerun = build_tool(work, "timerun", args.timerun)
        qemu = None if args.no_qemu else shutil.which("qemu-system-x86_64")
        args.no_qemu_reason = "--no-qemu" if args.no_qemu else \
            "qemu-system-x86_64 not installed"
        vmms = Vmms(rawkvm, smartvm, qemu)

        emu = mode == "svm"
        if args.reps is None:
            args.reps = 1 if args.smoke else (8 if emu else 12)
        if args.smoke:
            n = args.loop_n or 100
        elif args.loop_n:
            n = args.loop_n
        elif emu:
            n = SVM_LOOP_N
        else:
            pilot = build_guest(work, "pilot", PILOT_N)
            res = execute_direct([{"tag": "pilot", "kind": "time",
                                   "reps": 3, "cmd": vmms.cmd("rawkvm",
                                                              pilot)}],
                                 timerun)
            w = walls(res, "pilot")
            if not w:
                raise Failure("rawkvm cannot run the pilot guest: %s" %
                              res["pilot"]["stderr"])
            n = int(TARGET_LOOP_SECONDS / (min(w) / PILOT_N))
            n = max(N_MIN, min(N_MAX, int(float("%.2g" % n))))
            log("calibrated: %.2f us per exit in the pilot, N = %d" % (
                min(w) / PILOT_N * 1e6, n))
        loop = build_guest(work, "bench_loop", n)
        null = build_guest(work, "bench_null", 0)
        spin = build_guest(work, "bench_spin", 0, spin=True)

        one = 1 if args.smoke else None
        args.null_reps = {"rawkvm": one or 20, "smartvm": one or 20,
                          "qemu": one or (5 if emu else 20)}
        spin_seconds = {"rawkvm": 0.3, "smartvm": 0.3,
                        "qemu": 1.0 if not emu else 2.0}
        if args.smoke:
            spin_seconds = {v: s / 3 for v, s in spin_seconds.items()}
        timeout = 60 if emu else 30
        plan = make_plan(vmms, loop, null, spin, args.reps, args.null_reps,
                         spin_seconds, timeout)
        files = [rawkvm, smartvm] + [g[k] for g in (loop, null, spin)
                                     for k in ("elf", "cfg")]
        log("running %d steps %s" % (len(plan), "in the SVM guest" if emu
                                      else "on the host"))
        if emu:
            results, svm_info = execute_svm(plan, timerun, files, tools,
                                            os.path.join(work, "svm"),
                                            qemu)
        else:
            results, svm_info = execute_direct(plan, timerun), {}
        if vmms.qemu:
            # QEMU is the comparison, not the subject: if it cannot run the
            # guest here, say why and go on without it.
            bad = [p for p in check_verify(results, vmms, loop, null)
                   if p.startswith("qemu ")]
            if bad:
                args.no_qemu_reason = "it did not run the guest: " + \
                    "; ".join(bad)
                log("leaving QEMU out: " + args.no_qemu_reason)
                vmms.qemu = None
                results = {t: r for t, r in results.items()
                           if "qemu" not in t.split(":")}
        problems = check_verify(results, vmms, loop, null)
        for tag, r in results.items():
            if r["status"] != 0 and not tag.startswith("verify:"):
                problems.append("%s: timerun exited %s: %s" % (
                    tag, r["status"], r["stderr"].strip()[-300:]))
            for run in r["runs"]:
                if run["status"] != PASS_STATUS:
                    problems.append("%s: a timed run exited %d (signal %d)"
                                    % (tag, run["status"], run["signal"]))
        a = analyse(results, vmms, loop, args.null_reps)

        cg = None
        if args.no_callgrind:
            cg = {"skipped": "--no-callgrind"}
        elif emu:
            cg = {"skipped": "valgrind is not carried into the emulated-SVM "
                  "guest, and smartvm needs /dev/kvm to run; instruction "
                  "counts do not depend on the machine, so take them from "
                  "a host with /dev/kvm (the direct section)"}
        else:
            log("callgrind")
            cg = measure_callgrind(work, vmms, 100 if args.smoke
                                   else CALLGRIND_N)
    except Failure as e:
        log("ERROR: " + str(e))
        return e.code

    cmdline = "python3 bench/run_benchmarks.py" + "".join(
        " " + shlex.quote(x) for x in sys.argv[1:])
    info = machine_info(mode, svm_info, vmms)
    md = markdown(a, info, mode, args, vmms, loop, null, spin, cg, cmdline,
                  time.monotonic() - started)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"mode": mode, "analysis": a, "callgrind": cg and {
            k: v for k, v in cg.items() if k not in ("smartvm", "rawkvm")},
            "results": results, "info": info}, f, indent=1, default=str)
    sys.stdout.write(md)
    for p in problems:
        log("PROBLEM: " + p)
    if problems:
        return 1
    if args.write:
        write_doc(md, mode)
        log("wrote %s" % DOC)
    log("done in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
