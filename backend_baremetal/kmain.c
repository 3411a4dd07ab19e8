/*
 * The bare-metal kernel's C entry: boot.S calls kmain() in long mode, on the
 * boot stack, with the multiboot2 magic and boot-information address.
 *
 * For now it brings up COM1 and its own descriptor tables, validates and
 * reports the boot information, builds the buddy allocator from the memory
 * map, switches to the kernel's own page tables,
 * reports the CPU and its VMX capabilities, sets up the interrupt
 * controllers and the tick, enables interrupts, brings up the drivers and
 * the file tree (a ramfs root, devfs on /dev, the log file
 * /var/log/smartvm.log that boot lines from then on are appended to, and
 * svfs from /dev/hda as the root when the disk holds one), and ends the run,
 * or serves the console.
 * Command-line words:
 *   test        this is a test run: run the arch checks (arch_selftest.h),
 *               print the verdict, end through the debug-exit port (and any
 *               exception fails the run)
 *   selftest    a test run that also checks the kernel's services on the
 *               real machine: drivers (PCI, serial, keyboard, VGA, ATA on an
 *               attached disk), the memory allocators, tasks with IPC and
 *               the file tree, each reported on COM1
 *   console     after boot, serve the command console on COM1 (and VGA
 *               with the PS/2 keyboard) until halt or reboot
 *   noapic      leave the local and I/O APICs alone: 8259 pair and PIT
 *   fault=KIND  raise an exception on purpose (de, ud, bp, gp, pf) to check
 *               the exception path, or overflow a guarded kernel stack
 *               (stack)
 */
#include <stdarg.h>
#include <stdint.h>

#include "acpi.h"
#include "arch.h"
#include "arch_selftest.h"
#include "asm.h"
#include "cmos_rtc.h"
#include "cpu.h"
#include "drivers.h"
#include "irq.h"
#include "kernel.h"
#include "kvmm.h"
#include "host_baremetal.h"
#include "kfs.h"
#include "kmem_kernel.h"
#include "kselftest.h"
#include "multiboot2.h"
#include "paging.h"
#include "serial.h"
#include "sv/calendar.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "sv/vmx.h"
#include "timer.h"
#include "tsc.h"
#include "x86.h"

void kmain(uint32_t magic, uint64_t info_pa);

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900
#define MB2_INFO_MAX         (1u << 20)	/* refuse absurd blocks */

bool kernel_test_mode;

void kernel_stop(bool pass)
{
	static const char shutdown[] = "Shutdown";

	cli();
	if (kernel_test_mode)
		sv_printf("smartvm: test run %s\n", pass ? "PASSED" : "FAILED");
	serial_drain(COM1_PORT);
	/* QEMU: isa-debug-exit ends the process with (code << 1) | 1. */
	outb(QEMU_DEBUG_EXIT_PORT, pass ? KERNEL_EXIT_PASS : KERNEL_EXIT_FAIL);
	/* Bochs: its I/O debugger port stops the simulation on "Shutdown". */
	for (const char *p = shutdown; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	for (;;)
		hlt();
}

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE: return "usable";
	case MB2_MEM_RESERVED: return "reserved";
	case MB2_MEM_ACPI_RECLAIMABLE: return "ACPI";
	case MB2_MEM_NVS: return "ACPI NVS";
	case MB2_MEM_BADRAM: return "bad";
	default: return "other";
	}
}

static void report_memory(const struct mb2_info *mi)
{
	uint64_t usable = mb2_usable_bytes(mi);

	sv_printf("mem: %lu MiB usable in a map of %u entries%s\n",
		  usable >> 20, mi->mmap_count,
		  mi->mmap_dropped ? " (more entries dropped)" : "");
	for (unsigned i = 0; i < mi->mmap_count; i++)
		sv_printf("mem:   %016lx-%016lx %s\n", mi->mmap[i].base,
			  mi->mmap[i].base + mi->mmap[i].length - 1,
			  mem_type_name(mi->mmap[i].type));
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* End of the highest usable RAM: how far the direct map must reach. */
static uint64_t ram_end(const struct mb2_info *mi)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < mi->mmap_count; i++)
		if (mi->mmap[i].type == MB2_MEM_AVAILABLE)
			end = SV_MAX(end, mi->mmap[i].base + mi->mmap[i].length);
	return end;
}

static void report_paging(void)
{
	sv_printf("paging: kernel tables: direct map 0-%lu GiB with %s pages, "
		  "page 0 unmapped, kernel image W^X, NX %s, %zu table pages\n",
		  paging_identity_end() >> 30,
		  paging_has_1g_pages() ? "1G" : "2M",
		  yes_no(paging_has_nx()), paging_table_pages());
}

static void report_cpu(const struct cpu_info *ci)
{
	sv_printf("cpu: %s family %u model %u stepping %u%s%s\n", ci->vendor,
		  ci->family, ci->model, ci->stepping, ci->brand[0] ? ", " : "",
		  ci->brand);
	if (!ci->vmx) {
		sv_printf("vmx: not present\n");
		return;
	}
	sv_printf("vmx: present, VMCS revision 0x%x, true controls %s, "
		  "IA32_FEATURE_CONTROL 0x%lx (%s, VMX outside SMX %s)\n",
		  ci->vmcs_revision, yes_no(ci->true_controls),
		  ci->feature_control,
		  ci->feature_control & SV_FEATURE_CONTROL_LOCKED ?
			"locked" : "unlocked",
		  ci->feature_control & SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX ?
			"enabled" : "disabled");
	sv_printf("vmx: ept %s, unrestricted guest %s, vpid %s\n",
		  yes_no(ci->ept), yes_no(ci->unrestricted_guest),
		  yes_no(ci->vpid));
}

/* The wall clock from the CMOS RTC (the guests' RTCs start from it). */
static void report_wall_clock(void)
{
	struct sv_date d;
	int64_t secs;

	if (cmos_rtc_read(&secs) || secs < 0) {
		sv_printf("rtc: CMOS clock unreadable; the wall clock starts at "
			  "1970-01-01\n");
		return;
	}
	host_set_realtime((uint64_t)secs * 1000000000ull);
	sv_date_from_unix(secs, &d);
	sv_printf("rtc: %04ld-%02u-%02u %02u:%02u:%02u UTC (CMOS clock)\n",
		  (long)d.year, d.month, d.day, d.hour, d.min, d.sec);
}

/* Raise the exception named on the command line (fault=KIND). */
static void raise_fault(const char *kind)
{
	sv_printf("fault: raising %s on purpose\n", kind);
	if (!sv_strcmp(kind, "ud")) {
		__asm__ volatile("ud2");
	} else if (!sv_strcmp(kind, "bp")) {
		__asm__ volatile("int3");
	} else if (!sv_strcmp(kind, "de")) {
		__asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
	} else if (!sv_strcmp(kind, "gp")) {
		/* a non-canonical address */
		(void)*(volatile uint64_t *)0x8000000000000000ull;
	} else if (!sv_strcmp(kind, "pf")) {
		/* unmapped: beyond the direct map of the first 4 GiB and RAM */
		(void)*(volatile uint64_t *)0x000000dead000000ull;
	} else if (!sv_strcmp(kind, "stack")) {
		arch_stack_overflow();
	} else {
		sv_printf("fault: unknown kind '%s' (de, ud, bp, gp, pf, stack)\n",
			  kind);
		kernel_stop(false);
	}
	/* int3 is a trap: the handler stops the run, so nothing returns here */
}

/* A boot line on the console and in the log file (kfs.h). */
static void SV_PRINTF(1, 2) boot_line(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sv_printf("%s\n", line);
	klog_file(line);
}

/* The first boot lines, printed before there was a file to log them to. */
static void log_early_lines(const struct mb2_info *mi)
{
	char line[160];

	sv_snprintf(line, sizeof(line), "Smart-VM %s bare-metal kernel",
		    SV_VERSION_STRING);
	klog_file(line);
	sv_snprintf(line, sizeof(line),
		    "boot: loader \"%s\", command line \"%s\"",
		    mi->bootloader, mi->cmdline);
	klog_file(line);
	sv_snprintf(line, sizeof(line), "mem: %lu MiB usable",
		    mb2_usable_bytes(mi) >> 20);
	klog_file(line);
}

/* The root file system, /dev and the log; no kernel without them. */
static void fs_init(const struct mb2_info *mi)
{
	if (kfs_init())
		kernel_stop(false);
	log_early_lines(mi);
	boot_line("fs: ramfs root, devfs on /dev (%u devices), "
		  "/etc/vm /vm /var/log", kfs_dev_count());
}

void kmain(uint32_t magic, uint64_t info_pa)
{
	const uint8_t *info = (const uint8_t *)(uintptr_t)info_pa;
	static struct mb2_info mi;
	static struct acpi_madt madt;
	bool have_madt, selftest;
	struct cpu_info ci;
	size_t bad_offset;
	uint64_t khz;
	char fault[8];
	int err;

	serial_init(COM1_PORT);
	arch_init();
	sv_printf("\nSmart-VM %s bare-metal kernel\n", SV_VERSION_STRING);

	if (magic != MB2_BOOTLOADER_MAGIC) {
		sv_printf("boot: not started by a multiboot2 loader "
			  "(magic 0x%x)\n", magic);
		kernel_stop(false);
	}
	err = mb2_parse(info, MB2_INFO_MAX, &mi, &bad_offset);
	if (err) {
		sv_printf("boot: bad multiboot2 information at 0x%lx, "
			  "byte offset %zu\n", info_pa, bad_offset);
		kernel_stop(false);
	}
	selftest = cmdline_has(mi.cmdline, "selftest");
	kernel_test_mode = selftest || cmdline_has(mi.cmdline, "test");
	sv_printf("boot: loader \"%s\", command line \"%s\"\n", mi.bootloader,
		  mi.cmdline);
	report_memory(&mi);
	/* Before paging_init: its page tables come from the allocator. */
	err = kmem_kernel_init(&mi, info_pa, *(const uint32_t *)info);
	if (err) {
		sv_printf("mem: no buddy allocator from this map: %s\n",
			  sv_strerror(err));
		kernel_stop(false);
	}
	/* before paging_init: the BIOS data area is in page 0 */
	err = acpi_read_madt(&madt);
	have_madt = err == 0;
	if (err && err != -SV_ENOENT)
		sv_printf("acpi: MADT unusable: %s\n", sv_strerror(err));
	paging_init(ram_end(&mi));
	report_paging();
	err = kmem_kernel_extend(paging_identity_end());
	if (err)
		sv_printf("mem: memory above 4 GiB left out: %s\n",
			  sv_strerror(err));
	kmem_kernel_report();

	cpu_probe(&ci);
	report_cpu(&ci);
	khz = tsc_calibrate();
	sv_printf("tsc: %lu.%03lu MHz\n", khz / 1000, khz % 1000);
	report_wall_clock();
	irq_init(!cmdline_has(mi.cmdline, "noapic"), have_madt ? &madt : NULL);
	if (timer_init())
		kernel_stop(false);
	sti();

	if (kernel_test_mode && arch_selftest())
		kernel_stop(false);

	drivers_init();
	if (drivers_irq_attach())
		sv_printf("drivers: input stays polled\n");
	fs_init(&mi);
	if (selftest && (drivers_selftest() || mm_selftest() ||
			 kernel_selftest() || fs_selftest()))
		kernel_stop(false);

	if (cmdline_value(mi.cmdline, "fault", fault, sizeof(fault)) >= 0)
		raise_fault(fault);

	/* after the self-test, whose disk check writes (and restores) sectors */
	err = kfs_mount_disk();
	(void)err;	/* reported; the kernel runs without the disk */

	if (cmdline_has(mi.cmdline, "console")) {
		boot_line("smartvm: boot complete; console on COM1");
		kvmm_main(mi.cmdline, true);
	}
	if (cmdline_has(mi.cmdline, "start")) {
		boot_line("smartvm: boot complete; starting the VMs of start=");
		kvmm_main(mi.cmdline, false);
	}
	boot_line("smartvm: boot complete; nothing to run yet, stopping");
	kfs_shutdown();
	kernel_stop(true);
}
