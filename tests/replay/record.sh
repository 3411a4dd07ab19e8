#!/usr/bin/env bash
# record.sh BUILD_DIR [GUEST...]
# record.sh --bochs BUILD_DIR [GUEST...]
# Re-records the committed traces: runs each guest of tests/guests/ under
# `smartvm run --record` (needs a usable /dev/kvm) and stores, beside the
# trace, the replay's expected output (the guest's serial output and the
# final "replay: N exits, digest D: matches the recording" line).
# With --bochs, the bare-metal traces instead (default: pit_irq and
# cpu_probe): the
# kernel BUILD_DIR/smartvm.elf runs GUEST beside mb_hello on the VMX backend
# in Bochs (corei7_skylake_x) from BUILD_DIR/tests/guests/guests.svfs and
# streams GUEST's trace over COM2 (tests/boot/trace_replay_test.py); once
# `smartvm replay` of the capture matches the run, it is stored as
# vmx_GUEST.svtrace with vmx_GUEST.expected. Needs bochs and grub-mkrescue.
# Re-record when the core's conversation with its backend changes on
# purpose (a new op, a different order): the replay tests exist to notice
# when it changes by accident.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bochs=no
if [ "${1:-}" = "--bochs" ]; then
	bochs=yes
	shift
fi
build=$(cd "${1:?usage: $0 [--bochs] BUILD_DIR [GUEST...]}" && pwd)
shift
guests=("$@")

if [ $bochs = yes ]; then
	[ ${#guests[@]} -gt 0 ] || guests=(pit_irq cpu_probe)
	for g in "${guests[@]}"; do
		with=(--with mb_hello)
		[ "$g" != mb_hello ] || with=()
		python3 "$here/../boot/trace_replay_test.py" \
			--kernel "$build/smartvm.elf" \
			--disk "$build/tests/guests/guests.svfs" \
			--smartvm "$build/smartvm" --cpu corei7_skylake_x \
			--guest "$g" "${with[@]}" \
			--save "$here" --save-as "vmx_$g" >"$build/record-vmx_$g.log" || {
			echo "vmx_$g: not recorded; the run's report:" >&2
			cat "$build/record-vmx_$g.log" >&2
			exit 1
		}
		echo "vmx_$g: $(tail -1 "$here/vmx_$g.expected")"
	done
	exit 0
fi

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
