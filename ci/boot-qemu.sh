#!/usr/bin/env bash
# boot-qemu.sh [ISO]
# Boots the Smart-VM kernel in QEMU (TCG: no /dev/kvm needed) with its COM1
# console on this terminal. The run ends when the kernel ends it through
# the debug-exit port; this script then exits 0 if the kernel reported
# success and 1 otherwise.
set -uo pipefail
iso=${1:-build/smartvm.iso}
[ -f "$iso" ] || { echo "$0: no $iso (build first)" >&2; exit 2; }
qemu-system-x86_64 -M q35 -m 256 -accel tcg -cdrom "$iso" \
	-display none -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
status=$?
# isa-debug-exit: status = (code << 1) | 1; the kernel's pass code is 0x10.
case $status in
33) exit 0 ;;
35) echo "smartvm: the kernel reported a failure" >&2; exit 1 ;;
*) echo "smartvm: QEMU ended with status $status (0: triple fault)" >&2; exit 1 ;;
esac
