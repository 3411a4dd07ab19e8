/*
 * The bare-metal kernel's hardware drivers, brought up together: what
 * kmain calls. Devices found are registered in sv_kernel_devices
 * (sv/driver.h) under these names:
 *   ttyS0  COM1, 16550A UART            (character)
 *   kbd0   PS/2 keyboard via the i8042   (character, read-only)
 *   vga0   VGA text console, 80x25       (character, write-only)
 *   hda    ATA disk, primary master      (block)
 *   hdb    ATA disk, primary slave       (block)
 * and the PCI functions are enumerated (pci.h).
 */
#ifndef SV_BM_DRV_DRIVERS_H
#define SV_BM_DRV_DRIVERS_H

#include <stdbool.h>

#include "sv/compiler.h"

/*
 * Probe and register every device, printing one line per driver on the
 * console. Call once, after serial_init, arch_init and tsc_calibrate
 * (waits are timed with the TSC). A missing device is reported, not
 * fatal. Input is polled until drivers_irq_attach().
 */
void drivers_init(void);

/*
 * Switch the keyboard and serial drivers to interrupt-driven input: their
 * handlers are registered with irq_register() on IRQ 1 and IRQ 4 (which
 * unmasks the lines), then the devices' own interrupt enables are set.
 * Call after irq_init() and drivers_init(). A line that cannot be had
 * leaves its driver polling (and is reported). Returns 0 or the first
 * error. Reads work whether or not interrupts are enabled at the time:
 * with IF clear a driver takes input from the chip itself.
 */
SV_MUST_CHECK int drivers_irq_attach(void);

/*
 * The drivers' part of the `selftest` run: one line per check on the
 * console ("pci: ...", "serial: ...", "kbd: ...", "vga: ...", "ata: ..."),
 * each ending in "ok" or "FAILED ...", then a summary line
 *   drivers: selftest passed (N checks)  |  drivers: selftest FAILED (...)
 * The disk check writes 8 sectors at the end of hda and puts their old
 * contents back. Returns 0 when every check passed, SV_EIO otherwise.
 */
SV_MUST_CHECK int drivers_selftest(void);

#endif /* SV_BM_DRV_DRIVERS_H */
