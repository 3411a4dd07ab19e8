#!/bin/busybox sh
# /init of the emulated-SVM Linux guest in which run_benchmarks.py measures
# where the host has no /dev/kvm (bench/README.md; the guest itself is the
# one of the KVM integration tests, tests/integration/README.md).
#
# The initramfs holds a static busybox, the KVM modules, every program and
# guest image the plan names at its host path (QEMU with its libraries and
# firmware too, when it is measured), and /sv/plan: one line
# `step TAG SECONDS ARGV...` per measurement, in order. Each step's output
# goes to the console (ttyS0) between "@@SVB:<nonce>:BEGIN/END" markers,
# which the host parses; the nonce changes every run. Then the VM powers off.
/bin/busybox --install -s /bin
export PATH=/bin
umask 022
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

nonce=$(cat /sv/nonce)
mark() { echo "@@SVB:$nonce:$*"; }

stop() {
	mark DONE "uptime=$(cut -d' ' -f1 /proc/uptime)"
	sync
	poweroff -f
}

mark KERNEL "$(uname -r)"
mark CPU "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2)"
for m in irqbypass kvm ccp kvm-amd; do	# dependency order; no modules.dep
	if ! out=$(insmod "/lib/modules/$m.ko" 2>&1); then
		mark ERROR "insmod $m.ko failed: $out"
		stop
	fi
done
if [ ! -c /dev/kvm ]; then
	mark ERROR "kvm_amd loaded but there is no /dev/kvm"
	stop
fi
mark READY "uptime=$(cut -d' ' -f1 /proc/uptime)"
# only emergencies on the console while the steps run
echo 1 >/proc/sys/kernel/printk

# step TAG SECONDS ARGV...: run ARGV (killed after SECONDS), print its
# stdout and stderr, then its exit status.
step() {
	tag=$1
	limit=$2
	shift 2
	mark BEGIN "$tag"
	timeout -s KILL "$limit" "$@" </dev/null >/tmp/out 2>&1
	status=$?
	cat /tmp/out
	[ ! -s /tmp/out ] || [ "$(tail -c 1 /tmp/out | wc -l)" -eq 1 ] || echo
	mark END "$tag status=$status"
}

. /sv/plan
stop
