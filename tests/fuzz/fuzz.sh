#!/usr/bin/env bash
# Fuzz the trace reader (common/trace.c) with libFuzzer for a bounded time,
# or, given a target's name, any of the fuzz targets.
#
#   tests/fuzz/fuzz.sh [SECONDS [WORKDIR]]
#   tests/fuzz/fuzz.sh trace|svfs|emulate|walk [SECONDS [WORKDIR]]
#
# svfs runs fuzz_svfs.sh, emulate and walk fuzz_vmm.sh (the MMIO
# instruction decoder and the guest page-table walker); see those scripts.
# What follows is the trace reader's.
#
# Builds fuzz_trace_reader.c with clang -fsanitize=fuzzer,address,undefined,
# seeds a corpus with the traces gen_trace_corpus.c writes through the
# writer API, and fuzzes for SECONDS (default 60). The corpus grows in
# WORKDIR/corpus (default ${TMPDIR:-/tmp}/sv-fuzz-trace) and is kept for
# the next run; an input that crashes is saved as WORKDIR/crash-*.
#
# Exit status: 0 no finding, 1 a crash, sanitizer report, oracle failure or
# build error, 77 clang or its libFuzzer runtime is missing (Debian
# packages clang and libclang-rt-14-dev), which CTest reports as skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
trace) shift ;;
svfs) shift; exec bash "$here/fuzz_svfs.sh" "$@" ;;
emulate|walk) exec bash "$here/fuzz_vmm.sh" "$@" ;;
esac
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
work=${2:-${TMPDIR:-/tmp}/sv-fuzz-trace}
cc=${CLANG:-clang}

. "$here/fuzz_lib.sh"
fuzz_probe

# The reader and what it uses from common/, built with the sanitizers.
sources=("$root/common/trace.c" "$root/common/digest.c"
	"$root/common/string.c" "$root/common/format.c")
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra
	-I"$root/common/include" -fsanitize=address,undefined
	-fno-sanitize-recover=all)

fuzz_build "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_trace_reader.c" \
	"${sources[@]}" -o "$work/fuzz_trace_reader"
fuzz_build "${cflags[@]}" "$here/gen_trace_corpus.c" "${sources[@]}" \
	-o "$work/gen_trace_corpus"
"$work/gen_trace_corpus" "$work/seeds"
# The traces recorded from real runs are seeds too.
for t in "$root"/tests/replay/*.svtrace; do
	[ -e "$t" ] && cp "$t" "$work/seeds/"
done

fuzz_run "the trace reader" "$work/fuzz_trace_reader" "$secs" -timeout=10
