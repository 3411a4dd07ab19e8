#!/bin/busybox sh
# /init of the emulated-SVM Linux guest (README.md, DESIGN.md section 8).
#
# kvm_harness.py boots Debian's kernel under QEMU TCG with an emulated AMD
# CPU and this script as init, in an initramfs that holds a static busybox,
# the KVM modules, a static smartvm, the guests at the same absolute paths as
# on the host, and /sv/tests: one `run_test NAME SECONDS CONFIG SERIAL TRACE`
# line per guest (SERIAL is the guest's serial output file, or - for stdio;
# TRACE is where `smartvm run --record` writes its trace, or - for none).
# Everything this script reports goes to the console (ttyS0) between markers
# "@@SV:<nonce>:..." that the host parses; the nonce changes every run, so no
# guest output can forge one. Once every guest ran, the exact bytes of each
# trace, stdout and serial file go out through the second serial port
# (ttyS1, a file on the host), framed as README.md describes. The VM then
# powers off.
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

# ship FILE...: send each file's bytes through ttyS1, each after a line
# "@@SVFILE:<nonce>:NAME:SIZE:MD5:ENCODING" (SIZE bytes follow; MD5 is the
# file's own; ENCODING is raw, or gzip for traces: port_hammer's 1.6 MB
# shrink 15 times), then "@@SVFILE:<nonce>:END:N:-:-" (N files). The host
# splits the stream and checks each file's MD5 (README.md).
ship() {
	mark SHIP "uptime=$(cut -d' ' -f1 /proc/uptime)"
	n=0
	# (A failed redirection of a { } group is not fatal to init; a failed
	# `exec 3>` would be.)
	{
		# Raw: no output processing (-opost: no LF -> CR LF), no echo;
		# 115200 baud, though QEMU does not throttle a file backend.
		if ! stty 115200 raw -echo clocal <&1; then
			mark ERROR "stty on /dev/ttyS1 failed" >/dev/console
			return
		fi
		for f in "$@"; do
			[ -f "$f" ] || continue
			sum=$(md5sum "$f")
			src=$f enc=raw
			case $f in
			*.svtrace) gzip -c "$f" >/tmp/ship; src=/tmp/ship enc=gzip ;;
			esac
			printf '@@SVFILE:%s:%s:%s:%s:%s\n' "$nonce" "${f##*/}" \
				"$(wc -c <"$src")" "${sum%% *}" "$enc"
			cat "$src"
			n=$((n + 1))
		done
		printf '@@SVFILE:%s:END:%s:-:-\n' "$nonce" "$n"
	} >/dev/ttyS1 || { mark ERROR "cannot open /dev/ttyS1"; return; }
	# Closing the tty (the group's end) waited until the UART had sent
	# every byte (closing_wait, 30 s at most); the driver's count of bytes
	# sent tells the host whether it did.
	tx=$(sed -n 's/^1: .* tx:\([0-9]*\) .*/\1/p' /proc/tty/driver/serial)
	mark SHIPPED "files=$n tx=$tx uptime=$(cut -d' ' -f1 /proc/uptime)"
}

stop() {
	ship $outputs
	# Kernel warnings (level 0-4) of the whole run, for diagnosis.
	mark KLOG
	dmesg -r | grep '^<[0-4]>'
	mark DONE "uptime=$(cut -d' ' -f1 /proc/uptime)"
	sync
	poweroff -f
}

outputs=
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

# run_test NAME SECONDS CONFIG SERIAL TRACE: one guest, with its output and
# how it ended. busybox time reports "Command terminated by signal N" (a
# timeout is SIGKILL) or "Command exited with non-zero status N", then the
# seconds. Its stdout, serial file and trace are kept in /tmp (a tmpfs) as
# NAME.stdout, NAME.serial and NAME.svtrace, for ship.
run_test() {
	name=$1 seconds=$2 config=$3 serial=$4 trace=$5
	[ "$serial" = - ] || rm -f "$serial"
	set --
	if [ "$trace" != - ]; then
		rm -f "$trace"
		set -- --record "$trace"
	fi
	mark BEGIN "$name"
	time -o /tmp/time -f '%e' timeout -s KILL "$seconds" \
		/bin/smartvm run "$@" "$config" \
		</dev/null >"/tmp/$name.stdout" 2>/tmp/stderr
	status=$?
	signal=0
	if grep -q '^Command terminated by signal' /tmp/time; then
		signal=$(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' /tmp/time)
		status=-1
	fi
	mark STDOUT
	show "/tmp/$name.stdout"
	mark STDERR
	show /tmp/stderr
	outputs="$outputs /tmp/$name.stdout"
	if [ "$serial" != - ] && [ -f "$serial" ]; then
		mark SERIAL
		show "$serial"
		cp "$serial" "/tmp/$name.serial"
		outputs="$outputs /tmp/$name.serial"
	fi
	[ "$trace" = - ] || outputs="$outputs $trace"
	mark END "$name status=$status signal=$signal seconds=$(tail -n 1 /tmp/time)"
}

. /sv/tests
stop
