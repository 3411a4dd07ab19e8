#!/usr/bin/env bash
# Fuzz the trace reader (common/trace.c) with libFuzzer for a bounded time.
#
#   tests/fuzz/fuzz.sh [SECONDS [WORKDIR]]
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
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
work=${2:-${TMPDIR:-/tmp}/sv-fuzz-trace}
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

# The reader and what it uses from common/, built with the sanitizers.
sources=("$root/common/trace.c" "$root/common/digest.c"
	"$root/common/string.c" "$root/common/format.c")
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra
	-I"$root/common/include" -fsanitize=address,undefined
	-fno-sanitize-recover=all)

build() {
	if ! "$cc" "$@" >"$work/build.log" 2>&1; then
		echo "fuzz: build failed:"
		cat "$work/build.log"
		exit 1
	fi
}
build "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_trace_reader.c" \
	"${sources[@]}" -o "$work/fuzz_trace_reader"
build "${cflags[@]}" "$here/gen_trace_corpus.c" "${sources[@]}" \
	-o "$work/gen_trace_corpus"
"$work/gen_trace_corpus" "$work/seeds"
# The traces recorded from real runs are seeds too.
for t in "$root"/tests/replay/*.svtrace; do
	[ -e "$t" ] && cp "$t" "$work/seeds/"
done

# -error_exitcode: libFuzzer's default is 77, which would read as "skipped".
echo "fuzz: fuzzing the trace reader for ${secs}s in $work"
set +e
"$work/fuzz_trace_reader" -max_total_time="$secs" -timeout=10 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$work/seeds" \
	>"$work/fuzz.log" 2>&1
status=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
tail -n 12 "$work/fuzz.log"
if [ "$status" -ne 0 ]; then
	echo "fuzz: FAILED (status $status); log $work/fuzz.log," \
		"input $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | head -n 1)"
	exit 1
fi
echo "fuzz: no finding in ${execs:-?} executions, corpus $(ls "$work/corpus" | wc -l) inputs"
