#!/usr/bin/env bash
# Fuzz the decoders of guest-controlled state in vmm/ with libFuzzer for a
# bounded time: the MMIO instruction decoder (emulate: fuzz_emulate.c,
# vmm/emulate.c) or the guest page-table walker (walk: fuzz_walk.c,
# vmm/walk.c).
#
#   tests/fuzz/fuzz_vmm.sh emulate|walk [SECONDS [WORKDIR]]
#
# Builds the target with clang -fsanitize=fuzzer,address,undefined against
# all of vmm/ and common/ (and, for walk, the unit tests' fake backend),
# seeds a corpus with what gen_vmm_corpus.c writes, and fuzzes for SECONDS
# (default 60). The corpus grows in WORKDIR/corpus (default
# ${TMPDIR:-/tmp}/sv-fuzz-NAME) and is kept for the next run; an input
# that crashes is saved as WORKDIR/crash-* (replay it with
# WORKDIR/fuzz_NAME FILE).
#
# Exit status: 0 no finding, 1 a crash, sanitizer report, oracle failure
# or build error, 77 clang or its libFuzzer runtime is missing (Debian
# packages clang and libclang-rt-14-dev), which CTest reports as skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=${1:-}
case "$name" in
emulate)
	# an instruction is at most 15 bytes, after the mode byte
	run_opts=(-timeout=10 -max_len=64) ;;
walk)
	# fuzz_walk's header and 64 KiB of RAM
	run_opts=(-timeout=10 -max_len=65551) ;;
*)
	echo "usage: $0 emulate|walk [SECONDS [WORKDIR]]" >&2
	exit 2 ;;
esac
secs=${2:-60}
work=${3:-${TMPDIR:-/tmp}/sv-fuzz-$name}
cc=${CLANG:-clang}

. "$here/fuzz_lib.sh"
fuzz_probe

# The whole of vmm/ and common/ (emulate.c and walk.c reach much of it
# through the exit path), the host functions they name (stubs), and the
# fake backend whose RAM fuzz_walk's walks read.
sources=("$root"/vmm/*.c "$root"/common/*.c "$here/fuzz_host_stubs.c"
	"$root/tests/unit/fake_backend.c")
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra
	-I"$root/common/include" -I"$root/vmm/include" -I"$root/tests/unit"
	-fsanitize=address,undefined -fno-sanitize-recover=all)

fuzz_build "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_$name.c" \
	"${sources[@]}" -o "$work/fuzz_$name"
fuzz_build "${cflags[@]}" "$here/gen_vmm_corpus.c" -o "$work/gen_vmm_corpus"
"$work/gen_vmm_corpus" "$name" "$work/seeds"

fuzz_run "$name" "$work/fuzz_$name" "$secs" "${run_opts[@]}"
