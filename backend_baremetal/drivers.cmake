# drivers: sources of smartvm.elf owned by that area (target_sources).
# The real hardware drivers (drivers/); kmain reaches them via drivers.h.
target_sources(smartvm.elf PRIVATE
	drivers/ata.c		# ATA PIO disks, block devices hda/hdb
	drivers/drivers.c	# bring-up, IRQ hooks and self-test
	drivers/pci.c		# PCI configuration space, enumeration
	drivers/ps2kbd.c	# i8042 + PS/2 keyboard, char device kbd0
	drivers/uart16550.c	# 16550A UART, char device ttyS0
	drivers/vga.c)		# VGA text console, char device vga0
target_include_directories(smartvm.elf PRIVATE drivers)
