#!/usr/bin/env bash
# record.sh BUILD_DIR [GUEST...]
# Re-records the committed traces: runs each guest of tests/guests/ under
# `smartvm run --record` (needs a usable /dev/kvm) and stores, beside the
# trace, the replay's expected output (the guest's serial output and the
# final "replay: N exits, digest D: matches the recording" line).
# Re-record when the core's conversation with its backend changes on
# purpose (a new op, a different order): the replay tests exist to notice
# when it changes by accident.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: $0 BUILD_DIR [GUEST...]}" && pwd)
shift
guests=("$@")
[ ${#guests[@]} -gt 0 ] || guests=(rm_hello mb_hello pit_irq uart_irq rtc_read triple_fault)
for g in "${guests[@]}"; do
	cfg=$build/tests/guests/$g.cfg
	status=0
	"$build/smartvm" run --record "$here/$g.svtrace" "$cfg" >/dev/null 2>&1 || status=$?
	# the replay's own output is the expectation; it must match the run
	"$build/smartvm" replay "$here/$g.svtrace" >"$here/$g.expected" 2>/dev/null || {
		echo "$g: the fresh trace does not replay:" >&2
		cat "$here/$g.expected" >&2
		exit 1
	}
	echo "$g: run status $status, $(tail -1 "$here/$g.expected")"
done
