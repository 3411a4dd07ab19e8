#!/usr/bin/env bash
# Installs, with apt, every Debian package that Smart-VM's build, tests and
# demo need. Non-interactive and idempotent: run it as often as you like.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config libcunit1-dev
	# bootable ISO (GRUB2, multiboot2)
	grub-pc-bin grub-common xorriso mtools
	# boot tests: QEMU (TCG) and Bochs (emulates VT-x). Naming bochs-term
	# keeps apt from pulling the wxWidgets GUI (DESIGN.md section 8).
	qemu-system-x86 bochs bochs-term bochsbios vgabios
	# tests drive the tools
	python3 util-linux
	# the test guests (tests/guests/)
	nasm
	# the libFuzzer target of the trace reader (tests/fuzz/)
	clang libclang-rt-14-dev
	# the initramfs of the emulated-SVM Linux guest in which the KVM
	# integration tests run where there is no /dev/kvm (tests/integration/)
	busybox-static cpio
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
else
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
	echo "setup: installed ${missing[*]}"
fi

# Debian's own kernel for the emulated-SVM Linux guest in which the KVM
# integration tests run where this host has no /dev/kvm (DESIGN.md section
# 8): the package linux-image-amd64 depends on, fetched with apt-get download
# and unpacked with dpkg-deb -x (nothing is installed, nothing goes to /boot).
# Only the kernel image and the modules that kvm_amd needs are kept, with
# the modules decompressed. Skipped when the cache is complete.
kernel_cache=/var/cache/smartvm/kernel
kernel_modules=(
	kernel/virt/lib/irqbypass.ko
	kernel/arch/x86/kvm/kvm.ko
	kernel/drivers/crypto/ccp/ccp.ko
	kernel/arch/x86/kvm/kvm-amd.ko
)
if [ -f "$kernel_cache/release" ]; then
	echo "setup: kernel $(cat "$kernel_cache/release") cached in $kernel_cache"
else
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	if [ -z "$kpkg" ]; then
		$SUDO apt-get update -q
		kpkg=$(apt-cache depends linux-image-amd64 |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	fi
	[ -n "$kpkg" ] || { echo "setup: linux-image-amd64 names no kernel package" >&2; exit 1; }
	ktmp=$(mktemp -d)
	trap 'rm -rf "$ktmp"' EXIT
	# As root, apt would drop to _apt, which cannot write here.
	sandbox=()
	[ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
	(cd "$ktmp" && apt-get download -q "${sandbox[@]}" "$kpkg")
	dpkg-deb -x "$ktmp"/"$kpkg"_*.deb "$ktmp/root"
	krel=${kpkg#linux-image-}
	kstage="$ktmp/kernel"
	mkdir -p "$kstage/modules"
	cp "$ktmp/root/boot/vmlinuz-$krel" "$kstage/vmlinuz"
	for m in "${kernel_modules[@]}"; do
		src="$ktmp/root/lib/modules/$krel/$m"
		if [ -f "$src" ]; then
			cp "$src" "$kstage/modules/"
		elif [ -f "$src.xz" ]; then
			xz -dc "$src.xz" >"$kstage/modules/$(basename "$m")"
		elif [ -f "$src.zst" ]; then
			zstd -qdc "$src.zst" >"$kstage/modules/$(basename "$m")"
		else
			echo "setup: $kpkg has no $m" >&2
			exit 1
		fi
	done
	echo "$krel" >"$kstage/release"	# marks the cache complete
	# Copy beside, then rename: an interrupted run leaves no release file.
	$SUDO mkdir -p "$(dirname "$kernel_cache")"
	$SUDO rm -rf "$kernel_cache" "$kernel_cache.new"
	$SUDO cp -r "$kstage" "$kernel_cache.new"
	$SUDO mv "$kernel_cache.new" "$kernel_cache"
	echo "setup: kernel $krel cached in $kernel_cache"
fi
