#!/bin/busybox sh
# /init of the emulated-SVM Linux guest (README.md, DESIGN.md section 8).
#
# kvm_harness.py boots Debian's kernel under QEMU TCG with an emulated AMD
# CPU and this script as init, in an initramfs that holds a static busybox,
# the KVM modules, a static smartvm, the guests at the same absolute paths as
# on the host, and /sv/tests: one `run_test NAME SECONDS CONFIG SERIAL` line
# per guest (SERIAL is the guest's serial output file, or - for stdio).
# Everything this script reports goes to the console (ttyS0) between markers
# "@@SV:<nonce>:..." that the host parses; the nonce changes every run, so no
# guest output can forge one. The VM then powers off.
/bin/busybox --install -s /bin
export PATH=/bin
umask 022
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

nonce=$(cat /sv/nonce)
mark() { echo "@@SV:$nonce:$*"; }

# Print a file so that the next marker starts on a line of its own.
show() {
	[ -s "$1" ] || return 0
	cat "$1"
	[ "$(tail -c 1 "$1" | wc -l)" -eq 1 ] || echo
}

stop() {
	# Kernel warnings (level 0-4) of the whole run, for diagnosis.
	mark KLOG
	dmesg -r | grep '^<[0-4]>'
	mark DONE "uptime=$(cut -d' ' -f1 /proc/uptime)"
	sync
	poweroff -f
}

mark BOOTED "uptime=$(cut -d' ' -f1 /proc/uptime)"
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

# Only emergencies reach the console while guests run, so nothing splits
# their output; warnings are shown afterwards (KLOG).
echo 1 >/proc/sys/kernel/printk

# run_test NAME SECONDS CONFIG SERIAL: one guest, with its output and how it
# ended. busybox time reports "Command terminated by signal N" (a timeout is
# SIGKILL) or "Command exited with non-zero status N", then the seconds.
run_test() {
	[ "$4" = - ] || rm -f "$4"
	mark BEGIN "$1"
	time -o /tmp/time -f '%e' timeout -s KILL "$2" \
		/bin/smartvm run "$3" </dev/null >/tmp/stdout 2>/tmp/stderr
	status=$?
	signal=0
	if grep -q '^Command terminated by signal' /tmp/time; then
		signal=$(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' /tmp/time)
		status=-1
	fi
	set -- "$1" "$2" "$3" "$4" $(tail -n 1 /tmp/time)
	mark STDOUT
	show /tmp/stdout
	mark STDERR
	show /tmp/stderr
	if [ "$4" != - ] && [ -f "$4" ]; then
		mark SERIAL
		show "$4"
	fi
	mark END "$1 status=$status signal=$signal seconds=$5"
}

. /sv/tests
stop
