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
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: installed ${missing[*]}"
