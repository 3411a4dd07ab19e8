/*
 * The console on bare metal (kconsole.h): the portable console of
 * console/ fed from the serial port and the keyboard, with the host
 * callbacks it needs (output, memory statistics, halt, reboot).
 *
 * One loop on the boot context: read what the drivers buffered, hand it
 * to console_input byte by byte, and sleep with hlt until the next
 * interrupt (a received byte, a key, or the tick) when nothing came.
 */
#include "kconsole.h"

#include <stdint.h>

#include "kernel.h"
#include "kfs.h"
#include "kmem_kernel.h"
#include "sv/console.h"
#include "sv/driver.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "x86.h"

/* The i8042's command port and its "pulse the reset line" command. */
#define I8042_COMMAND_PORT	0x64
#define I8042_CMD_RESET		0xfe
/* The chipset's reset control register (PIIX/ICH): a full (cold) reset,
 * which also clears the MSRs a warm reset keeps (IA32_FEATURE_CONTROL
 * stays locked across the i8042's, and firmware that writes it faults). */
#define RESET_CONTROL_PORT	0xcf9
#define RESET_CONTROL_SYS_RST	0x02	/* full reset, not just the CPU */
#define RESET_CONTROL_RST_CPU	0x04	/* 0 -> 1 starts the reset */

struct kconsole {
	struct sv_chardev *serial;	/* ttyS0: required */
	struct sv_chardev *kbd;		/* kbd0: NULL when absent */
	struct sv_chardev *screen;	/* vga0: NULL when absent */
};

static struct console con;	/* large: history and scratch buffers */
static struct kconsole kc;
static const struct kconsole_hooks *run_hooks;

static void dev_write_all(struct sv_chardev *dev, const char *buf, size_t len)
{
	int n;

	while (len) {
		n = chardev_write(dev, buf, len);
		if (n <= 0)
			return;	/* a device that refuses output is skipped */
		buf += n;
		len -= (size_t)n;
	}
}

/* The console's sink: COM1 with CR LF line ends, and the VGA screen. */
void kconsole_sink(void *ctx, const char *buf, size_t len)
{
	struct kconsole *k = &kc;
	size_t start = 0;

	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		dev_write_all(k->serial, buf + start, i - start);
		dev_write_all(k->serial, "\r\n", 2);
		start = i + 1;
	}
	dev_write_all(k->serial, buf + start, len - start);
	if (k->screen)
		dev_write_all(k->screen, buf, len);
}

static int kc_mem_stats(void *ctx, struct kmem_stats *st)
{
	(void)ctx;
	kmem_kernel_stats(st);
	return 0;
}

static int kc_ps(void *ctx, struct console_task_info *out, size_t max,
		 size_t *count)
{
	(void)ctx;
	return run_hooks->ps(out, max, count);
}

static int kc_halt(void *ctx)
{
	(void)ctx;
	if (run_hooks && run_hooks->before_halt)
		run_hooks->before_halt();
	console_fini(&con);
	kfs_shutdown();
	kernel_stop(true);
}

static int kc_reboot(void *ctx)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} SV_PACKED no_idt = { 0, 0 };

	(void)ctx;
	if (run_hooks && run_hooks->before_halt)
		run_hooks->before_halt();
	console_fini(&con);
	kfs_shutdown();
	cli();
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST);
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST | RESET_CONTROL_RST_CPU);
	/* no such register: the keyboard controller's reset line */
	outb(I8042_COMMAND_PORT, I8042_CMD_RESET);
	/* no keyboard controller: a triple fault resets the processor */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	return -SV_EIO;	/* not reached: the machine has reset */
}

/* Feed what dev has buffered to the console; whether anything came. */
static bool pump(struct sv_chardev *dev)
{
	uint8_t buf[64];
	int n;

	if (!dev)
		return false;
	n = chardev_read(dev, buf, sizeof(buf));
	for (int i = 0; i < n; i++)
		console_input(&con, buf[i]);
	return n > 0;
}

void kconsole_async_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (con.host.write)	/* the console runs */
		console_async_write(&con, buf, len);
	else
		kconsole_sink(NULL, buf, len);
}

bool kconsole_init(void)
{
	kc.serial = chardev_find(&sv_kernel_devices, "ttyS0");
	kc.kbd = chardev_find(&sv_kernel_devices, "kbd0");
	kc.screen = chardev_find(&sv_kernel_devices, "vga0");
	if (!kc.serial)
		sv_printf("console: no ttyS0, no console\n");
	return kc.serial != NULL;
}

void kconsole_run(const struct kconsole_hooks *hooks)
{
	struct console_host host = {
		.write = kconsole_sink, .ctx = &kc, .mem_stats = kc_mem_stats,
		.halt = kc_halt, .reboot = kc_reboot,
		.vm = hooks ? hooks->vm : NULL,
		.ps = hooks && hooks->ps ? kc_ps : NULL,
	};
	bool got;

	if (!kc.serial && !kconsole_init())
		kernel_stop(false);
	run_hooks = hooks;
	console_init(&con, kfs_vfs(), &host);
	console_start(&con);
	for (;;) {
		got = pump(kc.serial);
		got |= pump(kc.kbd);
		if (got)
			continue;
		if (hooks && hooks->idle)
			hooks->idle();
		else
			hlt();	/* until the next byte, key or tick */
		console_redraw(&con);
	}
}
