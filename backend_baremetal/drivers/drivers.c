/*
 * Bring-up and self-check of the bare-metal drivers (drivers.h). Each
 * driver's state is a static instance here (the kernel has no heap for
 * them); what is found is registered in sv_kernel_devices.
 *
 * The self-check exercises each driver through the same entry points the
 * rest of the kernel uses (chardev_read/write, blockdev_read/write), plus
 * the few driver-specific hooks that reach paths no ordinary call takes:
 * UART loopback, scancodes injected through the i8042, both ATA command
 * sets on the same sectors, and a device error on purpose.
 */
#include "drivers.h"

#include "ata.h"
#include "irq.h"
#include "pci.h"
#include "ps2kbd.h"
#include "serial.h"
#include "sv/driver.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "uart16550.h"
#include "vga.h"
#include "x86.h"

#define ATA_SCRATCH_SECTORS	8
#define BYTES_PER_MIB		(1024 * 1024)

static struct uart16550 ttys0;
static struct ps2kbd kbd0;
static struct vga_console vga0;
static struct ata_disk ata_primary[2];
static const char *const ata_primary_names[2] = { "hda", "hdb" };
static bool have_ttys0, have_kbd0, have_vga0;
static int pci_functions = -SV_ENODEV;

static bool register_char(struct sv_chardev *dev)
{
	int err = chardev_register(&sv_kernel_devices, dev);

	if (err)
		sv_printf("drivers: cannot register %s: %s\n", dev->name,
			  sv_strerror(err));
	return !err;
}

static void init_pci(void)
{
	pci_functions = pci_scan();
	if (pci_functions < 0) {
		sv_printf("pci: no configuration mechanism #1\n");
		return;
	}
	pci_print();
	sv_printf("pci: %d functions on %u bus%s\n", pci_functions,
		  pci_bus_count(), pci_bus_count() == 1 ? "" : "es");
}

static void init_serial(void)
{
	int err = uart16550_init(&ttys0, "ttyS0", COM1_PORT);

	if (err) {
		sv_printf("serial: no UART at 0x%x\n", COM1_PORT);
		return;
	}
	have_ttys0 = register_char(&ttys0.cdev);
	sv_printf("serial: ttyS0 at 0x%x, %s, input polled\n", COM1_PORT,
		  ttys0.fifo ? "16550A with FIFOs" : "no working FIFO");
}

static void init_keyboard(void)
{
	int err = ps2kbd_init(&kbd0, "kbd0");

	if (err == -SV_ENODEV) {
		sv_printf("kbd: no i8042 controller\n");
		return;
	}
	if (err) {
		sv_printf("kbd: i8042 init failed: %s (self-test reply 0x%02x)\n",
			  sv_strerror(err), kbd0.self_test);
		return;
	}
	have_kbd0 = register_char(&kbd0.cdev);
	if (kbd0.keyboard)
		sv_printf("kbd: kbd0 on the i8042, keyboard reset reply 0x%02x, "
			  "input polled\n", kbd0.bat);
	else
		sv_printf("kbd: kbd0 on the i8042, no keyboard answered%s\n",
			  kbd0.port_ok ? "" : " (port test failed)");
}

static void init_vga(void)
{
	static const char banner[] = "Smart-VM bare-metal kernel\n";

	if (vga_init(&vga0, "vga0")) {
		sv_printf("vga: no VGA adapter\n");
		return;
	}
	have_vga0 = register_char(&vga0.cdev);
	if (chardev_write(&vga0.cdev, banner, sizeof(banner) - 1) < 0)
		have_vga0 = false;	/* cannot happen: writes never fail */
	sv_printf("vga: vga0 %s text %ux%u\n", vga0.mono ? "monochrome" :
		  "colour", VGA_COLS, VGA_ROWS);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void init_ata(void)
{
	const struct pci_device *ide =
		pci_find_class(PCI_CLASS_STORAGE, PCI_SUBCLASS_IDE, 0, NULL);
	int n;

	if (ide && (ide->prog_if & PCI_IDE_PRIMARY_NATIVE))
		sv_printf("ata: %02x:%02x.%x runs its primary channel in "
			  "native-PCI mode; trying the legacy ports anyway\n",
			  ide->bus, ide->dev, ide->fn);
	n = ata_probe_channel(ata_primary, ata_primary_names, ATA_PRIMARY_IO,
			      ATA_PRIMARY_CTRL);
	if (n < 0) {
		const struct pci_device *sata =
			pci_find_class(PCI_CLASS_STORAGE, PCI_SUBCLASS_SATA, 0,
				       NULL);

		sv_printf("ata: no IDE channel at 0x%x\n", ATA_PRIMARY_IO);
		if (sata)
			sv_printf("ata: %02x:%02x.%x is a SATA controller; "
				  "no driver for it\n", sata->bus, sata->dev,
				  sata->fn);
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct ata_disk *d = &ata_primary[i];
		int err;

		if (d->kind == ATA_KIND_ATAPI)
			sv_printf("ata: %s is an ATAPI device, not driven\n",
				  d->bdev.name);
		if (d->kind == ATA_KIND_OTHER)
			sv_printf("ata: %s answers but is not a usable ATA "
				  "disk\n", d->bdev.name);
		if (d->kind != ATA_KIND_ATA)
			continue;
		err = blockdev_register(&sv_kernel_devices, &d->bdev);
		if (err) {
			sv_printf("drivers: cannot register %s: %s\n",
				  d->bdev.name, sv_strerror(err));
			d->kind = ATA_KIND_NONE;
			continue;
		}
		sv_printf("ata: %s %s, %lu sectors (%lu MiB), LBA48 %s\n",
			  d->bdev.name, d->model, d->bdev.sector_count,
			  d->bdev.sector_count * ATA_SECTOR_SIZE / BYTES_PER_MIB,
			  yes_no(d->lba48));
	}
	if (n == 0)
		sv_printf("ata: no disk on the primary channel\n");
}

/* "drivers: character devices ttyS0 kbd0 vga0, block devices hda" */
static void report_registry(void)
{
	const struct sv_device_registry *reg = &sv_kernel_devices;
	char line[160];
	size_t len;

	len = (size_t)sv_snprintf(line, sizeof(line), "character devices");
	for (unsigned i = 0; i < chardev_count(reg) && len < sizeof(line); i++)
		len += (size_t)sv_snprintf(line + len, sizeof(line) - len,
					   " %s", chardev_at(reg, i)->name);
	if (len < sizeof(line))
		len += (size_t)sv_snprintf(line + len, sizeof(line) - len,
					   ", block devices");
	for (unsigned i = 0; i < blockdev_count(reg) && len < sizeof(line); i++)
		len += (size_t)sv_snprintf(line + len, sizeof(line) - len,
					   " %s", blockdev_at(reg, i)->name);
	sv_printf("drivers: %s%s\n", line,
		  blockdev_count(reg) ? "" : " none");
}

void drivers_init(void)
{
	init_pci();
	init_serial();
	init_keyboard();
	init_vga();
	init_ata();
	report_registry();
}

static void keyboard_irq(void *ctx)
{
	ps2kbd_interrupt(ctx);
}

static void serial_irq(void *ctx)
{
	uart16550_interrupt(ctx);
}

int drivers_irq_attach(void)
{
	int err, first = 0;

	if (have_kbd0) {
		err = irq_register(IRQ_KEYBOARD, keyboard_irq, &kbd0);
		if (!err)
			ps2kbd_set_irq(&kbd0, true);
		sv_printf("kbd: kbd0 input %s%s\n", err ? "still polled: " :
			  "by interrupt (IRQ 1)", err ? sv_strerror(err) : "");
		first = first ? first : err;
	}
	if (have_ttys0) {
		err = irq_register(IRQ_COM1, serial_irq, &ttys0);
		if (!err)
			uart16550_set_irq(&ttys0, true);
		sv_printf("serial: ttyS0 input %s%s\n", err ? "still polled: " :
			  "by interrupt (IRQ 4)", err ? sv_strerror(err) : "");
		first = first ? first : err;
	}
	return first;
}

/* ---- self-test ---- */

struct selftest {
	unsigned checks, failed;
};

/* One check's line: "<area>: <what>: ok" or "...: FAILED (why)". */
static void report(struct selftest *t, bool ok, const char *area,
		   const char *what, const char *why)
{
	t->checks++;
	if (!ok)
		t->failed++;
	sv_printf("%s: %s: %s%s%s%s\n", area, what, ok ? "ok" : "FAILED",
		  ok || !why ? "" : " (", ok || !why ? "" : why,
		  ok || !why ? "" : ")");
}

static void selftest_pci(struct selftest *t)
{
	const struct pci_device *host = pci_at(0);
	char what[48];

	/* the host bridge answers at 00:00.0 on every PC */
	sv_snprintf(what, sizeof(what), "%d devices on %u bus%s",
		    pci_functions, pci_bus_count(),
		    pci_bus_count() == 1 ? "" : "es");
	report(t, pci_functions > 0 && host && !host->bus && !host->dev &&
		  host->class_code == PCI_CLASS_BRIDGE &&
		  host->subclass == PCI_SUBCLASS_HOST_BRIDGE &&
		  pci_config_read16(0, 0, 0, 0) == host->vendor,
	       "pci", what, pci_functions < 0 ? "no mechanism #1" :
	       "no host bridge at 00:00.0");
}

/* Input arrives through the interrupt handler right now. */
static bool by_interrupt(bool irq_mode)
{
	return irq_mode && (read_rflags() & RFLAGS_IF);
}

static void selftest_serial(struct selftest *t)
{
	bool irq = by_interrupt(ttys0.irq_mode);
	uint64_t before = irq_count(IRQ_COM1);
	const char *why;
	int err;

	if (!have_ttys0) {
		report(t, false, "serial", "ttyS0", "not registered");
		return;
	}
	err = uart16550_loopback_test(&ttys0);
	why = sv_strerror(err);
	if (!err && irq && irq_count(IRQ_COM1) == before) {
		err = -SV_EIO;
		why = "no interrupt on IRQ 4";
	}
	report(t, !err, "serial", irq ? "ttyS0 loopback by interrupt" :
	       "ttyS0 loopback", why);
}

static void selftest_keyboard(struct selftest *t)
{
	bool irq = by_interrupt(kbd0.irq_mode);
	uint64_t before = irq_count(IRQ_KEYBOARD);
	char got[16], what[64];
	const char *why;
	int err;

	if (!have_kbd0) {
		report(t, false, "kbd", "controller", "no i8042");
		return;
	}
	report(t, kbd0.self_test == I8042_SELF_TEST_OK, "kbd",
	       "controller self-test", "bad reply");
	err = ps2kbd_inject_test(&kbd0, got, sizeof(got));
	why = sv_strerror(err);
	if (!err && irq && irq_count(IRQ_KEYBOARD) == before) {
		err = -SV_EIO;
		why = "no interrupt on IRQ 1";
	}
	sv_snprintf(what, sizeof(what), "injected scancodes read \"%s\"%s",
		    got, irq ? " by interrupt" : "");
	report(t, !err, "kbd", what, why);
}

static void selftest_vga(struct selftest *t)
{
	static const char ok_line[] = "vga0: self-test ok\n";
	const char *why = NULL;
	int err;

	if (!have_vga0) {
		report(t, false, "vga", "vga0", "no adapter");
		return;
	}
	err = vga_selftest(&vga0, &why);
	/* the brief form: "vga: ok" */
	t->checks++;
	if (err)
		t->failed++;
	sv_printf("vga: %s%s%s\n", err ? "FAILED (" : "ok", err ? why : "",
		  err ? ")" : "");
	if (!err && chardev_write(&vga0.cdev, ok_line, sizeof(ok_line) - 1) !=
		    (int)sizeof(ok_line) - 1)
		sv_printf("vga: short write\n");
}

/* A pattern no earlier run left behind: seeded from the TSC. */
static void fill_pattern(uint8_t *buf, size_t len, uint64_t lba, uint32_t seed)
{
	uint32_t x = seed ^ (uint32_t)lba;

	for (size_t i = 0; i < len; i++) {
		if (i % ATA_SECTOR_SIZE == 0)	/* sector number in each */
			x = seed ^ (uint32_t)(lba + i / ATA_SECTOR_SIZE) *
				   0x9e3779b1u;
		x = x * 1664525u + 1013904223u;	/* LCG (Numerical Recipes) */
		buf[i] = (uint8_t)(x >> 24);
	}
}

static uint8_t ata_saved[ATA_SCRATCH_SECTORS * ATA_SECTOR_SIZE];
static uint8_t ata_pattern[ATA_SCRATCH_SECTORS * ATA_SECTOR_SIZE];
static uint8_t ata_readback[ATA_SCRATCH_SECTORS * ATA_SECTOR_SIZE];

static bool lba28_reaches(uint64_t lba, uint32_t count)
{
	return lba + count <= ATA_LBA28_LIMIT;
}

/* Write with one command set, read back with each that reaches lba; 0 or
 * the failing step's error, named in *why. */
static int ata_roundtrip(struct ata_disk *d, uint64_t lba, uint32_t seed,
			 enum ata_addressing write_mode, const char **why)
{
	static const enum ata_addressing reads[] = {
		ATA_ADDR_LBA28, ATA_ADDR_LBA48,
	};
	int err;

	fill_pattern(ata_pattern, sizeof(ata_pattern), lba, seed);
	err = ata_transfer(d, lba, ATA_SCRATCH_SECTORS, ata_pattern, true,
			   write_mode);
	if (!err)
		err = ata_flush(d);
	if (err) {
		*why = "write failed";
		return err;
	}
	for (unsigned i = 0; i < SV_ARRAY_SIZE(reads); i++) {
		if (reads[i] == ATA_ADDR_LBA48 ? !d->lba48 :
		    !lba28_reaches(lba, ATA_SCRATCH_SECTORS))
			continue;
		sv_memset(ata_readback, 0, sizeof(ata_readback));
		err = ata_transfer(d, lba, ATA_SCRATCH_SECTORS, ata_readback,
				   false, reads[i]);
		if (err) {
			*why = "read failed";
			return err;
		}
		if (sv_memcmp(ata_readback, ata_pattern, sizeof(ata_pattern))) {
			*why = reads[i] == ATA_ADDR_LBA48 ?
			       "LBA48 read-back differs" :
			       "LBA28 read-back differs";
			return -SV_EIO;
		}
	}
	return 0;
}

/*
 * Scratch sectors at lba: keep their contents, write a fresh pattern with
 * each command set that reaches them and read it back with each, then put
 * the old contents back through the framework.
 */
static void selftest_scratch(struct selftest *t, struct ata_disk *d,
			     uint64_t lba)
{
	struct sv_blockdev *bd = &d->bdev;
	bool low = lba28_reaches(lba, ATA_SCRATCH_SECTORS);
	uint32_t seed = (uint32_t)rdtsc();
	const char *why = NULL;
	char what[96];
	int err;

	err = blockdev_read(bd, lba, ATA_SCRATCH_SECTORS, ata_saved);
	if (err)
		why = "reading the old contents failed";
	if (!err && low)
		err = ata_roundtrip(d, lba, seed, ATA_ADDR_LBA28, &why);
	if (!err && d->lba48)
		err = ata_roundtrip(d, lba, seed + 1, ATA_ADDR_LBA48, &why);
	sv_snprintf(what, sizeof(what), "%s write/read/compare %u sectors at "
		    "lba %lu with %s commands", bd->name, ATA_SCRATCH_SECTORS,
		    lba, !d->lba48 ? "LBA28" : low ? "LBA28 and LBA48" :
		    "LBA48");
	report(t, !err, "ata", what, why);

	err = blockdev_write(bd, lba, ATA_SCRATCH_SECTORS, ata_saved);
	if (!err)
		err = blockdev_flush(bd);
	if (!err)
		err = blockdev_read(bd, lba, ATA_SCRATCH_SECTORS, ata_readback);
	if (!err && sv_memcmp(ata_readback, ata_saved, sizeof(ata_saved)))
		err = -SV_EIO;
	sv_snprintf(what, sizeof(what), "%s old contents at lba %lu restored",
		    bd->name, lba);
	report(t, !err, "ata", what, sv_strerror(err));
}

static void selftest_disk(struct selftest *t, struct ata_disk *d)
{
	struct sv_blockdev *bd = blockdev_find(&sv_kernel_devices, d->bdev.name);
	uint64_t sectors = d->bdev.sector_count;
	bool usable = bd == &d->bdev && sectors >= 2 * ATA_SCRATCH_SECTORS;
	char what[96], ebuf[32];
	int err;

	sv_snprintf(what, sizeof(what), "%s %s, %lu sectors, LBA48 %s",
		    d->bdev.name, d->model, sectors, yes_no(d->lba48));
	report(t, usable, "ata", what, "not registered or too small");
	if (!usable)
		return;

	/* the last sectors LBA28 reaches, and the disk's last ones */
	selftest_scratch(t, d, SV_MIN(sectors, ATA_LBA28_LIMIT) -
			 ATA_SCRATCH_SECTORS);
	if (sectors > ATA_LBA28_LIMIT)
		selftest_scratch(t, d, sectors - ATA_SCRATCH_SECTORS);

	/* the framework refuses a request past the end ... */
	err = blockdev_read(bd, sectors - 1, 2, ata_readback);
	sv_snprintf(what, sizeof(what), "%s read past the end refused",
		    d->bdev.name);
	report(t, err == -SV_ERANGE, "ata", what, "not refused");

	/* ... and the device itself refuses a sector it does not have */
	d->quiet = true;
	err = ata_transfer(d, sectors, 1, ata_readback, false, ATA_ADDR_AUTO);
	d->quiet = false;
	ata_error_string(d->last_error, ebuf, sizeof(ebuf));
	sv_snprintf(what, sizeof(what), "%s device error reported: error "
		    "0x%02x (%s)", d->bdev.name, d->last_error, ebuf);
	report(t, err == -SV_EIO && d->last_error, "ata", what,
	       "no error from the device");
}

static void selftest_ata(struct selftest *t)
{
	bool any = false;

	for (int i = 0; i < 2; i++) {
		if (ata_primary[i].kind == ATA_KIND_ATA) {
			selftest_disk(t, &ata_primary[i]);
			any = true;
		}
	}
	/* Not a failure: the self-test may run without a disk attached. */
	if (!any)
		sv_printf("ata: no disk on the primary channel, disk checks "
			  "skipped\n");
}

int drivers_selftest(void)
{
	struct selftest t = { 0, 0 };

	selftest_pci(&t);
	selftest_serial(&t);
	selftest_keyboard(&t);
	selftest_vga(&t);
	selftest_ata(&t);
	if (t.failed) {
		sv_printf("drivers: selftest FAILED (%u of %u checks)\n",
			  t.failed, t.checks);
		return -SV_EIO;
	}
	sv_printf("drivers: selftest passed (%u checks)\n", t.checks);
	return 0;
}
