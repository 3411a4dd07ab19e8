#!/usr/bin/env bash
# Fuzz svfs (fs/svfs.c, fs/svfs_fsck.c: what fsck.svfs and the mount code
# run on an image found on a disk) with libFuzzer for a bounded time.
#
#   tests/fuzz/fuzz_svfs.sh [SECONDS [WORKDIR]]
#
# Builds fuzz_svfs.c with clang -fsanitize=fuzzer,address,undefined, seeds
# a corpus with the images gen_svfs_corpus.c makes through mkfs and the
# VFS, and fuzzes for SECONDS (default 60). The corpus grows in
# WORKDIR/corpus (default ${TMPDIR:-/tmp}/sv-fuzz-svfs) and is kept for the
# next run; an input that crashes is saved as WORKDIR/crash-* (replay it
# with WORKDIR/fuzz_svfs FILE).
#
# Exit status: 0 no finding, 1 a crash, leak, sanitizer report, oracle
# failure or build error, 77 clang or its libFuzzer runtime is missing
# (Debian packages clang and libclang-rt-14-dev), which CTest reports as
# skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
work=${2:-${TMPDIR:-/tmp}/sv-fuzz-svfs}
cc=${CLANG:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (install clang libclang-rt-14-dev); skipped"
	exit 77
fi
mkdir -p "$work/corpus" "$work/seeds"

# Can this clang link a fuzzer at all (the runtime is a separate package)?
probe="$work/probe.c"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$probe"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe" -o "$work/probe" \
	>"$work/probe.log" 2>&1; then
	echo "fuzz: $cc cannot link -fsanitize=fuzzer (install libclang-rt-14-dev); skipped"
	sed 's/^/  /' "$work/probe.log"
	exit 77
fi

# svfs, the VFS and what they use from common/, built with the sanitizers.
sources=("$root/fs/svfs.c" "$root/fs/svfs_fsck.c" "$root/fs/vfs.c"
	"$root/common/digest.c" "$root/common/string.c" "$root/common/format.c")
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra
	-I"$root/common/include" -I"$root/fs/include"
	-fsanitize=address,undefined -fno-sanitize-recover=all)

build() {
	if ! "$cc" "$@" >"$work/build.log" 2>&1; then
		echo "fuzz: build failed:"
		cat "$work/build.log"
		exit 1
	fi
}
build "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_svfs.c" \
	"${sources[@]}" -o "$work/fuzz_svfs"
build "${cflags[@]}" "$here/gen_svfs_corpus.c" "${sources[@]}" \
	-o "$work/gen_svfs_corpus"
"$work/gen_svfs_corpus" "$work/seeds"

# -error_exitcode: libFuzzer's default is 77, which would read as "skipped".
# -max_len: the largest image the target uses as it is (1 MiB).
echo "fuzz: fuzzing svfs for ${secs}s in $work"
set +e
"$work/fuzz_svfs" -max_total_time="$secs" -timeout=20 -max_len=1048576 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$work/seeds" \
	>"$work/fuzz.log" 2>&1
status=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
tail -n 12 "$work/fuzz.log"
if [ "$status" -ne 0 ]; then
	echo "fuzz: FAILED (status $status); log $work/fuzz.log," \
		"input $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -n 1)"
	exit 1
fi
echo "fuzz: no finding in ${execs:-?} executions, corpus $(ls "$work/corpus" | wc -l) inputs"
