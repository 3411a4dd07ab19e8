#!/usr/bin/env bash
# demo.sh [BUILD_DIR]
# Smart-VM's main job, end to end:
#  1. a guest through the KVM API on this Linux box: `smartvm run --record`
#     (where /dev/kvm works), then its trace replayed with no guest code
#     running, and a committed trace captured on VT-x (in Bochs);
#  2. Smart-VM itself on VT-x: the bare-metal kernel boots in Bochs (which
#     emulates VT-x) from its GRUB2 ISO with an svfs disk of guests, starts
#     two demo guests (two CPU-bound `ticker` VMs sharing the processor)
#     and puts its console on this terminal. On a terminal you type the
#     commands (`vm list`, `vm start mb_hello`, `ls /etc/vm`, `halt`, ...);
#     otherwise the script types them. The first ticker's exit trace
#     streams over COM2;
#  3. that bare-metal trace replayed on Linux: the same guest output and
#     the digest the kernel printed.
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
smartvm=$build/smartvm
fail=0

step() { printf '\n==== %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "1. a guest through KVM: smartvm run --record, then replays"
trace=$work/kvm.svtrace
"$smartvm" run --record "$trace" "$build/tests/guests/pit_irq.cfg"
status=$?
case $status in
33) echo "(guest passed: status 33)"
    "$smartvm" trace stats "$trace" || fail=1
    "$smartvm" replay --quiet "$trace" || fail=1 ;;
6) echo "(no usable /dev/kvm here: the KVM tests run in an emulated-SVM Linux guest instead)" ;;
*) echo "(unexpected status $status)"; fail=1 ;;
esac
echo "-- a trace recorded on VT-x in Bochs (tests/replay/vmx_pit_irq.svtrace):"
"$smartvm" replay "$here/tests/replay/vmx_pit_irq.svtrace" || fail=1

step "2. Smart-VM on VT-x (Bochs): two demo guests, console on this terminal"
com2=$work/com2.svtrace
args=(--kernel "$build/smartvm.elf" --disk "$build/tests/guests/guests.svfs"
      --cmdline "console start=ticker,ticker2 trace=ticker" --com2 "$com2")
if [ -t 0 ] && [ -t 1 ]; then
	echo "(try: vm list, vm info ticker, vm start mb_hello, ls /etc/vm,"
	echo " cat /var/log/smartvm.log, help; halt ends the run)"
else
	args+=(--send "vm list" --send "@wait ^vm ticker2: stopped"
	       --send "ls /etc/vm" --send "vm start cpu_probe"
	       --send "@wait ^vm cpu_probe: stopped" --send "vm list"
	       --send "halt")
fi
python3 "$here/ci/bochs-console.py" "${args[@]}"
case $? in
0) ;;
77) echo "(Bochs is not installed: bash ci/setup.sh)"; fail=1 ;;
*) fail=1 ;;
esac

step "3. the first ticker's trace, captured over COM2, replayed on Linux"
if [ -s "$com2" ]; then
	"$smartvm" trace stats "$com2" || fail=1
	"$smartvm" replay "$com2" || fail=1
else
	echo "(no trace came out of COM2)"
	fail=1
fi
exit $fail
