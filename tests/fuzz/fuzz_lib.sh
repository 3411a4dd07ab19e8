# Shared by fuzz.sh and fuzz_svfs.sh (sourced, not run): set `work` and `cc`
# first. fuzz_probe skips (77) when clang cannot link a libFuzzer target,
# fuzz_build compiles (exit 1 on failure), fuzz_run fuzzes a built target
# for a bounded time and reports (exit 1 on any finding).

fuzz_probe() {
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "fuzz: $cc not found (install clang libclang-rt-14-dev); skipped"
		exit 77
	fi
	mkdir -p "$work/corpus" "$work/seeds"
	# Can this clang link a fuzzer at all (the runtime is a separate package)?
	local probe="$work/probe.c"
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
}

fuzz_build() {
	if ! "$cc" "$@" >"$work/build.log" 2>&1; then
		echo "fuzz: build failed:"
		cat "$work/build.log"
		exit 1
	fi
}

# fuzz_run WHAT TARGET SECONDS [LIBFUZZER OPTIONS...]
fuzz_run() {
	local what=$1 target=$2 secs=$3 status execs
	shift 3
	echo "fuzz: fuzzing $what for ${secs}s in $work"
	# -error_exitcode: libFuzzer's default is 77, which would read as
	# "skipped".
	set +e
	"$target" -max_total_time="$secs" -error_exitcode=1 -timeout_exitcode=1 \
		-print_final_stats=1 -artifact_prefix="$work/" "$@" \
		"$work/corpus" "$work/seeds" >"$work/fuzz.log" 2>&1
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
}
