#!/usr/bin/env python3
"""Replay benchmark (issue 5; docs/benchmarks.md, section "Replay").

    replay_bench.py [--build-dir DIR] [--exits N] [--write]

Records one port-I/O-heavy run of bench/guest.asm (N `out` instructions,
default 1,000,000) with `smartvm run --record` through the host's /dev/kvm,
then, in the same run of this script:
  - replays it with `smartvm replay --quiet` several times: exits per second
    on one core (the goal is over 1,000,000), against the recording run's own
    exits per second through KVM, and against reading the trace alone
    (`smartvm trace stats`, which parses and checks every record but runs no
    monitor code);
  - counts the instructions the core spends per replayed exit with
    `valgrind --tool=callgrind` (a 20,000-exit trace less a 0-exit one),
    with the breakdown by layer (trace reader, replay backend, vCPU loop,
    dispatcher, I/O handler, bus, devices) and the costliest functions.
Callgrind counts instructions, so those figures repeat on any machine.
Recording needs /dev/kvm; without it the script says so and exits 77.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_benchmarks as rb  # noqa: E402  (guest builder, callgrind, docs)

REPS = 5
CG_EXITS = 20000
# Where an exit's instructions go: exclusive costs summed by source file.
LAYERS = [
    ("common/trace.c", "trace reader and record decoding"),
    ("common/digest.c", "CRC-32 of checkpoints, FNV digests"),
    ("vmm/replay.c", "replay backend: serve results, compare effects"),
    ("vmm/vm.c", "vCPU loop, timers, clock"),
    ("vmm/dispatch.c", "exit dispatcher"),
    ("vmm/io.c", "port-I/O handler"),
    ("vmm/event.c", "event delivery"),
    ("vmm/iobus.c", "I/O bus"),
    ("devices/", "devices"),
    ("common/string.c", "memcpy/memcmp/memset"),
]


def timed(cmd, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        out.append(time.perf_counter() - t)
        if r.returncode:
            raise rb.Failure("%s exited %d:\n%s%s" % (
                " ".join(cmd), r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return out, r.stdout


def record(smartvm, guest, trace):
    t = time.perf_counter()
    r = subprocess.run([smartvm, "run", "--record", trace, guest["cfg"]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != rb.PASS_STATUS:
        raise rb.Failure("recording %s exited %d:\n%s" % (
            guest["name"], r.returncode, r.stderr))
    m = re.search(r"(\d+) exits, digest ([0-9a-f]+)", r.stderr)
    return elapsed, int(m.group(1)), m.group(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(rb.ROOT, "build"))
    ap.add_argument("--exits", type=int, default=1000000)
    ap.add_argument("--write", action="store_true",
                    help="update docs/benchmarks.md")
    args = ap.parse_args()
    smartvm = os.path.join(os.path.abspath(args.build_dir), "smartvm")
    if not os.access(smartvm, os.X_OK):
        print("replay_bench: build first (%s missing)" % smartvm)
        return 2
    ok, why = rb.kh.direct_kvm()
    if not ok:
        print("replay_bench: SKIPPED: recording needs the host's /dev/kvm "
              "(%s)" % why)
        return 77
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="svreplaybench-") as work:
        big = rb.build_guest(work, "replay_loop", args.exits)
        small = rb.build_guest(work, "replay_cg", CG_EXITS)
        null = rb.build_guest(work, "replay_null", 0)
        big_trace = os.path.join(work, "big.svtrace")
        rec_s, exits, digest = record(smartvm, big, big_trace)
        size = os.path.getsize(big_trace)
        replay, out = timed([smartvm, "replay", "--quiet", big_trace], REPS)
        if "matches the recording" not in out:
            raise rb.Failure("the big trace does not replay:\n" + out)
        parse, _ = timed([smartvm, "trace", "stats", big_trace], REPS)

        cg = {}
        for g in (small, null):
            t = os.path.join(work, g["name"] + ".svtrace")
            record(smartvm, g, t)
            cg[g["name"]] = rb.callgrind(
                [smartvm, "replay", "--quiet", t],
                os.path.join(work, "callgrind." + g["name"]))
        n_cg = CG_EXITS
        per_exit = (cg["replay_cg"]["total"] - cg["replay_null"]["total"]) / n_cg
        excl = {}
        for name in set(cg["replay_cg"]["funcs"]) | set(cg["replay_null"]["funcs"]):
            d = cg["replay_cg"]["funcs"].get(name, 0) - \
                cg["replay_null"]["funcs"].get(name, 0)
            if d > 0:
                excl[rb.short_function(name)] = d / n_cg

    med_replay = statistics.median(replay)
    med_parse = statistics.median(parse)
    rate = exits / med_replay
    lines = [
        "<!-- bench:replay begin -->",
        "## Replay (%s)" % time.strftime("%Y-%m-%d"),
        "",
        "- Command: `python3 bench/replay_bench.py --write` (whole run %.0f s)"
        % (time.time() - started),
        "- Trace: `smartvm run --record` of `bench/guest.asm` with N = %d "
        "`out` instructions to an unclaimed port, recorded through the host's "
        "/dev/kvm: %d exits, %.1f MiB (%.0f bytes per exit), digest %s; "
        "recording took %.2f s (%.0f exits/s through KVM)."
        % (args.exits, exits, size / 2**20, size / exits, digest, rec_s,
           exits / rec_s),
        "- Replays: `smartvm replay --quiet TRACE`, %d runs; one core; the "
        "file is read whole, validated (every checkpoint, END), then replayed "
        "from the validated buffer without checking its CRCs again "
        "(`sv_trace_reader_open_verified`; lengths still bounds-checked)."
        % REPS,
        "",
        "| what | median | min - max | exits per second |",
        "|---|---|---|---|",
        "| `smartvm replay` (validate + replay) | %.3f s | %.3f - %.3f s | **%.0f** |"
        % (med_replay, min(replay), max(replay), rate),
        "| `smartvm trace stats` (read and check only) | %.3f s | %.3f - %.3f s | %.0f |"
        % (med_parse, min(parse), max(parse), exits / med_parse),
        "| the recording run through KVM | %.3f s | | %.0f |"
        % (rec_s, exits / rec_s),
        "",
        "**Replay throughput: %.2f million exits per second** (goal: over 1 "
        "million on one core: %s); %.1f times the rate of the recorded run "
        "through this machine's KVM; reading and checking the trace alone is "
        "%.0f %% of the replay's time."
        % (rate / 1e6, "met" if rate > 1e6 else "NOT met",
           rate / (exits / rec_s), 100 * med_parse / med_replay),
        "",
        "### Instructions per replayed exit (callgrind)",
        "",
        "`valgrind --tool=callgrind smartvm replay --quiet TRACE` on a %d-exit "
        "trace less a 0-exit one (start-up, trace validation of the fixed part "
        "and tear-down cancel out): **%.0f instructions per exit** for the "
        "whole replay, validation pass included. Per exit, by layer (the "
        "exclusive cost of each source file's functions):" % (n_cg, per_exit),
        "",
        "| layer | instructions per exit | share | what |",
        "|---|---|---|---|",
    ]
    for prefix, what in LAYERS:
        v = sum(x for name, x in excl.items() if name.startswith(prefix))
        lines.append("| `%s` | %.0f | %.0f %% | %s |"
                     % (prefix, v, 100 * v / per_exit, what))
    rest = per_exit - sum(x for name, x in excl.items()
                          if any(name.startswith(p) for p, _ in LAYERS))
    lines.append("| everything else (libc, start-up differences) | %.0f | "
                 "%.0f %% | |" % (rest, 100 * rest / per_exit))
    lines += ["", "Top functions by exclusive cost per exit:", "",
              "| function | instructions per exit |", "|---|---|"]
    for name, v in sorted(excl.items(), key=lambda kv: -kv[1])[:12]:
        lines.append("| `%s` | %.1f |" % (name, v))
    lines += ["", "Raw replay times (s): " +
              ", ".join("%.3f" % x for x in replay) +
              "; trace stats (s): " + ", ".join("%.3f" % x for x in parse),
              "<!-- bench:replay end -->", ""]
    section = "\n".join(lines)
    print(section)
    if args.write:
        rb.write_doc(section, "replay")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except rb.Failure as e:
        print("replay_bench: " + str(e), file=sys.stderr)
        sys.exit(e.code if hasattr(e, "code") else 1)
