#!/usr/bin/env bash
# demo.sh [BUILD_DIR]
# Smart-VM's main job, as far as it goes today:
#  1. boot the bare-metal kernel in QEMU (TCG) with its console here, and
#     watch it report the CPU's VT-x capabilities;
#  2. run a project guest through the KVM API with `smartvm run`, recording
#     its exit trace (where this machine has a usable /dev/kvm);
#  3. replay a trace on this machine without running any guest code: a
#     committed one recorded elsewhere, and the one just recorded;
#  4. prepare a disk image on Linux (mkfs.svfs, svfs-cp), boot the kernel
#     with it and use its console over COM1 (commands typed by the script).
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
smartvm=$build/smartvm
fail=0

step() { printf '\n==== %s\n' "$*"; }

step "1. the bare-metal kernel boots (QEMU, serial console below)"
"$here/ci/boot-qemu.sh" "$build/smartvm.iso" || fail=1

step "2. a guest through KVM: smartvm run --record"
trace=$(mktemp --suffix=.svtrace)
trap 'rm -f "$trace"' EXIT
"$smartvm" run --record "$trace" "$build/tests/guests/pit_irq.cfg"
status=$?
case $status in
33) echo "(guest passed: status 33)" ;;
6) echo "(no usable /dev/kvm here: the KVM tests run in an emulated-SVM Linux guest instead)"
   trace= ;;
*) echo "(unexpected status $status)"; fail=1; trace= ;;
esac

step "3. replay: a committed trace, then this run's (no guest code runs)"
"$smartvm" replay "$here/tests/replay/uart_irq.svtrace" || fail=1
if [ -n "$trace" ]; then
	"$smartvm" trace stats "$trace" || fail=1
	"$smartvm" replay --quiet "$trace" || fail=1
fi
step "4. a disk made on Linux, browsed from the bare-metal console"
disk=$(mktemp --suffix=.img)
trap 'rm -f "$trace" "$disk"' EXIT
"$build/mkfs.svfs" "$disk" 64M &&
	"$build/svfs-cp" "$disk" put "$build/tests/guests/mb_hello.cfg" \
		/etc/vm/mb_hello.cfg || fail=1
python3 "$here/tests/boot/boot_test.py" --emulator qemu --machine pc \
	--kernel "$build/smartvm.elf" --disk "$disk" --cmdline console \
	--verdict pass --send "ls /dev" --send "ls /etc/vm" \
	--send "cat /etc/vm/mb_hello.cfg" --send "mem" --send "halt" \
	--expect "^smartvm> halt$" | sed -n '/^---- COM1/,/^----------/p' || fail=1
exit $fail
