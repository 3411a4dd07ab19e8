/*
 * The PC's 8254 programmable interval timer, as the guest sees it: three
 * counters at ports 0x40-0x42 and the control word register at 0x43,
 * clocked at 1.193182 MHz, plus the PIT-related bits of the PC/AT's port B
 * (0x61): counter 2's GATE, the speaker data enable and OUT2 status, which
 * is how Linux calibrates its TSC.
 *
 * Counter 0's OUT drives IRQ 0. Nothing ticks in the model: each counter
 * keeps the CLK pulse at which its count was loaded, and its count and OUT
 * are computed from the guest time (vm_now) when read. Counter 0's next
 * rising OUT edge is an armed struct sv_timer; when it fires late it
 * delivers one edge and re-arms for the first edge after now, counting the
 * edges it skipped (irq_missed), so a guest that did not run for a while
 * gets no burst of timer interrupts.
 *
 * Ownership: the caller provides struct sv_pit storage, which must outlive
 * the VM's I/O bus and timer list. Not thread-safe: the thread that drives
 * the VM owns it.
 */
#ifndef SV_DEV_PIT_H
#define SV_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"
#include "sv/timer.h"

struct sv_vm;

enum {
	SV_PIT_BASE = 0x40,	/* counters 0-2, then the control word */
	SV_PIT_PORTS = 4,
	SV_PIT_PORT_B = 0x61,	/* PC/AT system control port B */
	SV_PIT_COUNTERS = 3,
	SV_PIT_IRQ = 0,		/* counter 0's OUT */
	SV_PIT_HZ = 1193182,	/* CLK input of every counter */
};

/* Where a counter is in its programming (its CE is only meaningful when counting). */
enum sv_pit_state {
	SV_PIT_WAIT_COUNT,	/* control word written, no complete count yet */
	SV_PIT_WAIT_TRIGGER,	/* modes 1 and 5: count written, no GATE edge yet */
	SV_PIT_COUNTING,	/* CE loaded (or loading at start_tick) */
};

/* A latched count still to be read, per the counter's RW mode. */
enum sv_pit_latch {
	SV_PIT_LATCH_NONE,
	SV_PIT_LATCH_LSB,	/* one read, low byte */
	SV_PIT_LATCH_MSB,	/* one read, high byte */
	SV_PIT_LATCH_WORD_LSB,	/* two reads, low byte next */
	SV_PIT_LATCH_WORD_MSB,	/* two reads, high byte next */
};

/*
 * One counter. Times are CLK pulse numbers since guest time 0 (ticks);
 * the count element's elapsed pulses are acc + (now - start_tick) while
 * running, acc while stopped by GATE.
 */
struct sv_pit_counter {
	uint8_t mode;		/* 0-5 (6 and 7 written are modes 2 and 3) */
	uint8_t mode_bits;	/* M2-M0 as written, for the status byte */
	uint8_t rw;		/* RW1-RW0: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	enum sv_pit_state state;
	uint16_t cr;		/* count register, as the guest wrote it */
	uint8_t cr_lsb;		/* first byte of a two-byte write */
	bool write_msb_next;
	bool read_msb_next;	/* unlatched two-byte reads */
	bool gate;

	uint32_t n;		/* count in effect: 1-65536 (1-10000 in BCD) */
	uint64_t start_tick;	/* pulse that loads n into the CE */
	uint64_t acc;		/* pulses counted before start_tick (GATE pauses) */
	bool running;
	bool reload_pending;	/* modes 2, 3: a new count for the next period */
	uint64_t reload_tick;
	uint64_t null_until;	/* status NULL COUNT until this pulse */
	uint32_t hold;		/* CE contents while not counting */

	enum sv_pit_latch latch;
	uint16_t latched_count;
	bool status_latched;
	uint8_t latched_status;
};

struct sv_pit {
	struct sv_vm *vm;
	struct sv_io_device io;		/* 0x40-0x43 */
	struct sv_io_device port_b_io;	/* 0x61 */
	struct sv_pit_counter ch[SV_PIT_COUNTERS];
	uint8_t port_b;			/* writable bits of port B */

	struct sv_timer timer;		/* counter 0's next OUT rising edge */
	bool edge_armed;
	uint64_t edge_tick;
	bool irq_line;			/* level IRQ 0 is driven at */

	/* Diagnostics. */
	uint64_t irq_edges;		/* IRQ 0 edges delivered */
	uint64_t irq_missed;		/* periodic edges skipped: the timer fired late */
};

/*
 * Put the PIT in its power-on state (every counter waiting for a control
 * word, OUT low, GATE2 low; the datasheet leaves it undefined) and
 * register its ports on vm's I/O bus. Returns 0, or the error of
 * iobus_register (-SV_EBUSY if another device holds port 0x61).
 */
SV_MUST_CHECK int pit_init(struct sv_pit *pit, struct sv_vm *vm);

/* Guest time in ns <-> CLK pulses, exact and without overflow for centuries. */
uint64_t pit_ns_to_ticks(uint64_t ns);
/* The first ns at which pit_ns_to_ticks() reaches ticks. */
uint64_t pit_ticks_to_ns(uint64_t ticks);

/*
 * Feed the PIT's state into d (record/replay's state digest), field by
 * field with fixed widths. For counters 0, 1, 2 in turn: mode, mode_bits,
 * rw, BCD (u8), state (u32), cr (u16), cr_lsb, write_msb_next,
 * read_msb_next, gate (u8), n (u32), start_tick, acc (u64), running,
 * reload_pending (u8), reload_tick, null_until (u64), hold (u32), latch
 * (u32), latched_count (u16), status_latched, latched_status (u8). Then
 * port B (u8), the timer's deadline (u64, SV_TIMER_NEVER while disarmed),
 * edge_armed (u8), edge_tick (u64), irq_line (u8), irq_edges, irq_missed
 * (u64). Pointers, I/O headers and the timer's list node are left out.
 */
void pit_digest(const struct sv_pit *pit, struct sv_digest *d);

#endif /* SV_DEV_PIT_H */
