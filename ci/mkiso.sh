#!/usr/bin/env bash
# mkiso.sh KERNEL.elf OUT.iso [CMDLINE]
# Makes a bootable GRUB2 ISO (BIOS, El Torito) that loads KERNEL with
# multiboot2 and the given kernel command line, at once (no menu delay).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 KERNEL.elf OUT.iso [CMDLINE]" >&2
	exit 2
fi
kernel=$1 out=$2 cmdline=${3:-}
command -v grub-mkrescue >/dev/null || {
	echo "$0: grub-mkrescue not found (run ci/setup.sh)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/iso/boot/grub"
cp "$kernel" "$tmp/iso/boot/smartvm.elf"
cat >"$tmp/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Smart-VM" {
	multiboot2 /boot/smartvm.elf $cmdline
	boot
}
CFG
# Only the BIOS platform (grub-pc-bin) is needed; keep the image small.
grub-mkrescue -o "$out.tmp" "$tmp/iso" --compress=xz \
	--install-modules="multiboot2 normal part_msdos iso9660 biosdisk" \
	--fonts= --locales= --themes= >"$tmp/log" 2>&1 || {
	cat "$tmp/log" >&2
	exit 1
}
mv "$out.tmp" "$out"
