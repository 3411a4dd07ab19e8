/*
 * The PC's MC146818 real-time clock and CMOS RAM, as the guest sees it:
 * an index port at 0x70 (bit 7 masks NMI, as on the PC/AT) and a data port
 * at 0x71 over 128 bytes: the time, calendar and alarm registers 0x00-0x09,
 * control registers A-D at 0x0a-0x0d, the century byte at 0x32 and CMOS
 * RAM holding the memory-size fields a BIOS would have written.
 *
 * Time: the guest's wall clock is the wall-clock time the caller gave at
 * rtc_init() plus the VM time (vm_now) elapsed since, counted in whole
 * seconds by a divider chain whose seconds begin on the given phase. The
 * registers are rendered from that count when read, in BCD or binary and
 * 12- or 24-hour format as register B says; the calendar is computed by
 * hand (leap years by the Gregorian 4/100/400 rule, the century byte
 * carrying the year past 99). Register A's UIP bit reads 1 during the
 * 244 us before each second's update, so a guest polling it sees it rise
 * and fall. Setting the clock is as on the chip: with B.SET = 1 the updates
 * stop and the guest writes the registers; clearing SET restarts the clock
 * from them without disturbing the divider's phase. A write to a time
 * register while the clock runs sets that field at once. Divider reset
 * (A.DV = 11x, or the test values 011 and 10x) stops the clock; releasing
 * it to a running value makes the first update come 500 ms later.
 *
 * Interrupts (IRQ 8): the periodic (A.RS rate), alarm (with the "don't
 * care" codes 0xc0-0xff) and update-ended sources set PF, AF and UF in
 * register C at the times the chip would, IRQF = PF.PIE + AF.AIE + UF.UIE
 * drives the line, and reading register C clears them all. The flags are
 * brought up to date lazily at every register access, and a VM timer wakes
 * the device only when an enabled source would raise the line.
 *
 * Simplifications: B.DSE (daylight saving) is stored and ignored; DV values
 * 000 and 001 (other crystals) run at the normal rate; the square-wave
 * output has no pin; out-of-range register values written by the guest are
 * clamped into range when the clock restarts from them (a day past the end
 * of its month becomes its last day); a change of B.DM or B.24/12
 * while the clock runs shows the new format at once.
 *
 * Ownership: the caller provides struct sv_rtc storage, which must outlive
 * the VM's I/O bus and timers (rtc_destroy() releases both). Not
 * thread-safe: the thread that drives the VM owns it.
 */
#ifndef SV_DEV_RTC_H
#define SV_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"
#include "sv/timer.h"

struct sv_vm;

enum {
	SV_RTC_PORT_INDEX = 0x70,
	SV_RTC_PORT_DATA  = 0x71,
	SV_RTC_PORTS      = 2,
	SV_RTC_IRQ        = 8,
	SV_RTC_CMOS_SIZE  = 128,
};

/* CMOS addresses (the MC146818's, then the PC/AT BIOS's). */
enum sv_rtc_reg {
	SV_RTC_SECONDS       = 0x00,
	SV_RTC_SECONDS_ALARM = 0x01,
	SV_RTC_MINUTES       = 0x02,
	SV_RTC_MINUTES_ALARM = 0x03,
	SV_RTC_HOURS         = 0x04,
	SV_RTC_HOURS_ALARM   = 0x05,
	SV_RTC_DAY_OF_WEEK   = 0x06,	/* 1 = Sunday */
	SV_RTC_DAY_OF_MONTH  = 0x07,
	SV_RTC_MONTH         = 0x08,
	SV_RTC_YEAR          = 0x09,	/* 0-99 */
	SV_RTC_REG_A         = 0x0a,
	SV_RTC_REG_B         = 0x0b,
	SV_RTC_REG_C         = 0x0c,
	SV_RTC_REG_D         = 0x0d,
	SV_CMOS_DIAGNOSTIC   = 0x0e,
	SV_CMOS_SHUTDOWN     = 0x0f,
	SV_CMOS_FLOPPY_TYPES = 0x10,
	SV_CMOS_DISK_TYPES   = 0x12,
	SV_CMOS_EQUIPMENT    = 0x14,
	SV_CMOS_BASE_MEM_LO  = 0x15,	/* KiB below 640 KiB */
	SV_CMOS_BASE_MEM_HI  = 0x16,
	SV_CMOS_EXT_MEM_LO   = 0x17,	/* KiB above 1 MiB, at most 65535 */
	SV_CMOS_EXT_MEM_HI   = 0x18,
	SV_CMOS_CHECKSUM_HI  = 0x2e,	/* sum of 0x10-0x2d, big-endian */
	SV_CMOS_CHECKSUM_LO  = 0x2f,
	SV_CMOS_EXT_MEM2_LO  = 0x30,	/* copy of 0x17/0x18 (POST's count) */
	SV_CMOS_EXT_MEM2_HI  = 0x31,
	SV_RTC_CENTURY       = 0x32,	/* IBM PS/2 and ACPI FADT location */
	SV_CMOS_MEM16M_LO    = 0x34,	/* 64 KiB units above 16 MiB */
	SV_CMOS_MEM16M_HI    = 0x35,
};

/* Port 0x70 */
#define SV_RTC_INDEX_NMI_MASK	0x80
#define SV_RTC_INDEX_MASK	0x7f

/* Register A */
#define SV_RTC_A_UIP		0x80	/* update in progress (read-only) */
#define SV_RTC_A_DV_MASK	0x70	/* divider chain control */
#define SV_RTC_A_DV_SHIFT	4
#define SV_RTC_A_DV_32KHZ	0x20	/* 010: 32.768 kHz time base, running */
#define SV_RTC_A_RS_MASK	0x0f	/* periodic rate select */

/* Register B */
#define SV_RTC_B_SET		0x80	/* stop updates to set the clock */
#define SV_RTC_B_PIE		0x40	/* periodic interrupt enable */
#define SV_RTC_B_AIE		0x20	/* alarm interrupt enable */
#define SV_RTC_B_UIE		0x10	/* update-ended interrupt enable */
#define SV_RTC_B_SQWE		0x08	/* square-wave enable */
#define SV_RTC_B_DM		0x04	/* data mode: 1 = binary, 0 = BCD */
#define SV_RTC_B_24H		0x02	/* 1 = 24-hour, 0 = 12-hour */
#define SV_RTC_B_DSE		0x01	/* daylight saving enable */

/* Register C (read-only, cleared by reading) */
#define SV_RTC_C_IRQF		0x80
#define SV_RTC_C_PF		0x40
#define SV_RTC_C_AF		0x20
#define SV_RTC_C_UF		0x10

/* Register D */
#define SV_RTC_D_VRT		0x80	/* valid RAM and time: battery good */

/* Hours registers in 12-hour mode */
#define SV_RTC_HOURS_PM		0x80

/* An alarm register at or above this matches any value ("don't care"). */
#define SV_RTC_ALARM_DONT_CARE	0xc0

/* The UIP window before each update, for every time base (datasheet). */
#define SV_RTC_UIP_NS		244000ull

struct sv_rtc {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint8_t cmos[SV_RTC_CMOS_SIZE];	/* the time registers as last rendered */
	uint8_t index;
	bool nmi_masked;

	/*
	 * The divider chain: its seconds begin at div_ref_ns + k * 1e9 (VM
	 * time; signed, since the phase may put the reference before 0).
	 * While the clock runs, the second that began at div_ref_ns is Unix
	 * second base_sec.
	 */
	int64_t div_ref_ns;
	int64_t base_sec;
	uint8_t dow_offset;	/* guest's day of week minus the computed one */
	uint8_t flags;		/* register C's PF, AF, UF */
	int64_t events_ns;	/* the flags are up to date to this VM time */
	bool irq_level;
	struct sv_timer timer;
};

/*
 * Power-on state: register A = 0x26 (32.768 kHz, 1024 Hz rate), B = 0x02
 * (24-hour, BCD), D = VRT, the clock at wall-clock time epoch_ns_at_now
 * (nanoseconds since 1970-01-01 00:00 UTC, normally host_realtime_ns())
 * at the VM time of this call, the equipment byte saying "FPU present, VGA"
 * and no memory sizes (see rtc_set_memory); registers ports 0x70-0x71 on
 * vm's I/O bus. Returns 0, -SV_EINVAL, or the error of iobus_register.
 */
SV_MUST_CHECK int rtc_init(struct sv_rtc *rtc, struct sv_vm *vm,
			   uint64_t epoch_ns_at_now);

/* Leave the I/O bus, disarm the timer, lower the line. */
void rtc_destroy(struct sv_rtc *rtc);

/*
 * Write the memory-size fields of a machine with ram_bytes of RAM from
 * address 0: base memory (640 KiB, or less), extended memory above 1 MiB in
 * KiB at 0x17/0x18 and 0x30/0x31 (at most 65535), memory above 16 MiB in
 * 64 KiB units at 0x34/0x35 (at most 65535), and the checksum at 0x2e/0x2f.
 */
void rtc_set_memory(struct sv_rtc *rtc, uint64_t ram_bytes);

/* Port 0x70's bit 7 as last written: the guest masked NMIs. */
bool rtc_nmi_masked(const struct sv_rtc *rtc);

/* The level of IRQ 8 as driven by register C's IRQF. */
bool rtc_irq_asserted(const struct sv_rtc *rtc);

/*
 * Feed the RTC's state into d (record/replay's state digest), field by
 * field with fixed widths: the 128 CMOS bytes (time registers as last
 * rendered), index, nmi_masked (u8), div_ref_ns, base_sec (u64, two's
 * complement), dow_offset, flags (u8), events_ns (u64), irq_level (u8),
 * the timer's deadline (u64, SV_TIMER_NEVER while disarmed). base_sec
 * carries the wall-clock time given to rtc_init(), so two runs digest
 * alike only when given the same one. The VM pointer, the I/O header and
 * the timer's list node are left out.
 */
void rtc_digest(const struct sv_rtc *rtc, struct sv_digest *d);

#endif /* SV_DEV_RTC_H */
