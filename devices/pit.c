/*
 * The 8254 PIT and port B of the PC/AT (see sv/dev/pit.h for the wiring).
 *
 * Time is counted in CLK pulses on one global grid, pulse k falling at
 * k / 1.193182 MHz of guest time, so reading a count never accumulates
 * rounding: a counter remembers the pulse that loaded its count element
 * (CE) and derives the CE and OUT from the pulses elapsed since, per the
 * datasheet's waveforms. A count written is loaded on the next pulse, as on
 * the chip (NULL COUNT is set until then).
 *
 * IRQ 0 follows counter 0's OUT as an edge-triggered PIC sees it: in modes
 * 0 and 1 the line carries OUT's level (low while counting, high from
 * terminal count on); in the periodic and strobe modes 2-5 the line rests
 * low and each rising edge of OUT is delivered as a pulse, which is all an
 * edge-triggered input can tell apart and needs one timer per period
 * rather than one per OUT transition.
 */
#include "sv/dev/pit.h"

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/timer.h"
#include "sv/vm.h"

/* Ports, as offsets into 0x40-0x43 (A1-A0). */
enum {
	PIT_PORT_COUNTER0 = 0,
	PIT_PORT_CONTROL = 3,	/* write only; reads float */
};

/* Control word: SC1-SC0 RW1-RW0 M2-M0 BCD. */
#define CW_SC_SHIFT 6
#define CW_RW_SHIFT 4
#define CW_RW_MASK 0x03u
#define CW_MODE_SHIFT 1
#define CW_MODE_MASK 0x07u
#define CW_BCD SV_BIT(0)
#define CW_SC_READ_BACK 3u

enum pit_rw {
	PIT_RW_LATCH = 0,	/* counter latch command */
	PIT_RW_LSB = 1,
	PIT_RW_MSB = 2,
	PIT_RW_LSB_MSB = 3,
};

/* Read-back command: 1 1 /COUNT /STATUS CNT2 CNT1 CNT0 0. */
#define RB_CNT(i) SV_BIT(1 + (i))
#define RB_NOT_STATUS SV_BIT(4)
#define RB_NOT_COUNT SV_BIT(5)

/* Status byte: OUT, NULL COUNT, then the control word's RW, M, BCD. */
#define ST_OUT SV_BIT(7)
#define ST_NULL_COUNT SV_BIT(6)
#define ST_RW_SHIFT 4
#define ST_MODE_SHIFT 1
#define ST_BCD SV_BIT(0)

/* Port B (0x61). */
enum {
	PORT_B_GATE2 = SV_BIT(0),		/* counter 2 GATE */
	PORT_B_SPEAKER_DATA = SV_BIT(1),	/* OUT2 to the speaker */
	PORT_B_PARITY_CHECK_OFF = SV_BIT(2),
	PORT_B_IOCHK_OFF = SV_BIT(3),
	PORT_B_REFRESH = SV_BIT(4),		/* toggles with DRAM refresh */
	PORT_B_OUT2 = SV_BIT(5),
};
#define PORT_B_WRITABLE 0x0fu

/*
 * The refresh request bit toggles every 15.085 us on the AT (counter 1 in
 * mode 2 with count 18); BIOS and DOS delay loops count its edges.
 */
#define REFRESH_HALF_PERIOD_NS 15085u

#define NS_PER_S 1000000000ull
#define BIN_MODULUS 65536u
#define BCD_MODULUS 10000u

/*
 * Split at whole seconds so neither product passes 2^64: the remainder
 * part stays below 1.2e15 and the seconds part below 2^64 for 15 million
 * years of guest time.
 */
uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return ns / NS_PER_S * SV_PIT_HZ + ns % NS_PER_S * SV_PIT_HZ / NS_PER_S;
}

uint64_t pit_ticks_to_ns(uint64_t ticks)
{
	uint64_t rem = ticks % SV_PIT_HZ;

	return ticks / SV_PIT_HZ * NS_PER_S +
	       (rem * NS_PER_S + SV_PIT_HZ - 1) / SV_PIT_HZ;
}

static uint32_t ctr_modulus(const struct sv_pit_counter *c)
{
	return c->bcd ? BCD_MODULUS : BIN_MODULUS;
}

/*
 * The count register as a count: 0 is the largest (65536, or 10^4 in BCD).
 * The datasheet leaves non-decimal BCD digits undefined; each nibble is
 * taken at face value and the result kept below 10^4.
 */
static uint32_t ctr_initial_count(const struct sv_pit_counter *c)
{
	uint32_t v = c->cr;

	if (c->bcd)
		v = ((v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 +
		     (v >> 4 & 0xf) * 10 + (v & 0xf)) % BCD_MODULUS;
	return v ? v : ctr_modulus(c);
}

static uint16_t ctr_encode(const struct sv_pit_counter *c, uint32_t v)
{
	if (!c->bcd)
		return (uint16_t)v;
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 |
			  (v / 10 % 10) << 4 | (v % 10));
}

/* CE pulses elapsed at pulse now; false while the CE is not loaded. */
static bool ctr_elapsed(const struct sv_pit_counter *c, uint64_t now,
			uint64_t *e)
{
	if (c->state != SV_PIT_COUNTING)
		return false;
	if (!c->running) {
		*e = c->acc;
		return true;
	}
	if (now < c->start_tick)
		return false;
	*e = c->acc + (now - c->start_tick);
	return true;
}

/* The CE's contents at pulse now, 0 to modulus - 1, in binary. */
static uint32_t ctr_value(const struct sv_pit_counter *c, uint64_t now)
{
	uint32_t m = ctr_modulus(c), n = c->n;
	uint64_t e, phase, step;

	if (!ctr_elapsed(c, now, &e))
		return c->hold;
	switch (c->mode) {
	case 2:
		/* n, n-1, ..., 1, then reload. */
		return (uint32_t)((n - e % n) % m);
	case 3:
		/*
		 * Counts down by two from n (n - 1 when odd) in each half of
		 * the period; the high half is the longer one for odd n.
		 */
		phase = e % n;
		step = phase < (n + 1) / 2 ? phase : phase - (n + 1) / 2;
		return (uint32_t)(((n & ~1u) - 2 * step) % m);
	default:
		/* One-shot modes: down through 0, then wrapping. */
		return (uint32_t)((n + m - e % m) % m);
	}
}

static bool ctr_out(const struct sv_pit_counter *c, uint64_t now)
{
	uint64_t e;
	bool loaded;

	if (c->state == SV_PIT_WAIT_COUNT)
		return c->mode != 0;	/* initial OUT: low in mode 0 only */
	if (c->state == SV_PIT_WAIT_TRIGGER)
		return true;
	loaded = ctr_elapsed(c, now, &e);
	switch (c->mode) {
	case 0:
		return loaded && e >= c->n;
	case 1:
		return !loaded || e >= c->n;
	case 2:
		return !c->gate || !loaded || e % c->n != c->n - 1;
	case 3:
		return !c->gate || !loaded || e % c->n < (c->n + 1) / 2;
	default:
		return !loaded || e != c->n;	/* 4, 5: low for one pulse */
	}
}

/* A mode 2/3 count written mid-period takes over at the period's end. */
static void ctr_catch_up(struct sv_pit_counter *c, uint64_t now)
{
	if (c->reload_pending && now >= c->reload_tick) {
		c->start_tick = c->reload_tick;
		c->acc = 0;
		c->n = ctr_initial_count(c);
		c->reload_pending = false;
	}
}

/* Load the count register into the CE on the next pulse. */
static void ctr_load(struct sv_pit_counter *c, uint64_t now)
{
	c->hold = ctr_value(c, now);
	c->n = ctr_initial_count(c);
	c->state = SV_PIT_COUNTING;
	c->acc = 0;
	c->start_tick = now + 1;
	/* GATE low stops counting in modes 0, 2, 3, 4; in 1 and 5 it only triggers. */
	c->running = c->mode == 1 || c->mode == 5 || c->gate;
	c->reload_pending = false;
	c->null_until = now + 1;
}

static uint8_t ctr_status(const struct sv_pit_counter *c, uint64_t now)
{
	return (uint8_t)((ctr_out(c, now) ? ST_OUT : 0) |
			 (now < c->null_until ? ST_NULL_COUNT : 0) |
			 c->rw << ST_RW_SHIFT | c->mode_bits << ST_MODE_SHIFT |
			 (c->bcd ? ST_BCD : 0));
}

static void ctr_latch_count(struct sv_pit_counter *c, uint64_t now)
{
	static const enum sv_pit_latch first[] = {
		[PIT_RW_LSB] = SV_PIT_LATCH_LSB,
		[PIT_RW_MSB] = SV_PIT_LATCH_MSB,
		[PIT_RW_LSB_MSB] = SV_PIT_LATCH_WORD_LSB,
	};

	/* A second latch before the first is read is ignored. */
	if (c->latch != SV_PIT_LATCH_NONE || c->rw == PIT_RW_LATCH)
		return;
	c->latched_count = ctr_encode(c, ctr_value(c, now));
	c->latch = first[c->rw];
}

static void ctr_latch_status(struct sv_pit_counter *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->latched_status = ctr_status(c, now);
	c->status_latched = true;
}

/* A control word with RW != 0: new mode; "all control logic is reset". */
static void ctr_program(struct sv_pit_counter *c, uint8_t cw, uint64_t now)
{
	uint8_t m = cw >> CW_MODE_SHIFT & CW_MODE_MASK;

	c->hold = ctr_value(c, now);
	c->mode_bits = m;
	c->mode = (m & 2) ? (m & 3) : m;	/* X10 is 2, X11 is 3 */
	c->rw = cw >> CW_RW_SHIFT & CW_RW_MASK;
	c->bcd = cw & CW_BCD;
	c->state = SV_PIT_WAIT_COUNT;
	c->running = false;
	c->reload_pending = false;
	c->null_until = UINT64_MAX;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->latch = SV_PIT_LATCH_NONE;
	c->status_latched = false;
}

/* A complete count is in the count register. */
static void ctr_count_written(struct sv_pit_counter *c, uint64_t now)
{
	uint64_t e;

	switch (c->mode) {
	case 1:
	case 5:
		/* Loaded into the CE by the next GATE trigger only. */
		if (c->state == SV_PIT_WAIT_COUNT)
			c->state = SV_PIT_WAIT_TRIGGER;
		c->null_until = UINT64_MAX;
		break;
	case 2:
	case 3:
		if (c->state == SV_PIT_COUNTING && c->running &&
		    ctr_elapsed(c, now, &e)) {
			/*
			 * The present period is not affected. (Mode 3 loads at
			 * the end of the half-cycle on the chip; we keep every
			 * period starting high and wait for its end.)
			 */
			c->reload_tick = c->start_tick + (e / c->n + 1) * c->n;
			c->reload_pending = true;
			c->null_until = c->reload_tick;
		} else if (c->state == SV_PIT_COUNTING && !c->running) {
			c->null_until = UINT64_MAX;	/* loaded when GATE rises */
		} else {
			ctr_load(c, now);
		}
		break;
	default:
		ctr_load(c, now);	/* modes 0 and 4 restart */
		break;
	}
}

static void ctr_write(struct sv_pit_counter *c, uint8_t val, uint64_t now)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		c->cr = val;
		break;
	case PIT_RW_MSB:
		c->cr = (uint16_t)(val << 8);
		break;
	default:
		if (!c->write_msb_next) {
			c->cr_lsb = val;
			c->write_msb_next = true;
			if (c->mode == 0) {
				/* The first byte stops the count; OUT goes low. */
				c->hold = ctr_value(c, now);
				c->state = SV_PIT_WAIT_COUNT;
				c->running = false;
				c->reload_pending = false;
				c->null_until = UINT64_MAX;
			}
			return;
		}
		c->cr = (uint16_t)(c->cr_lsb | val << 8);
		c->write_msb_next = false;
		break;
	}
	ctr_count_written(c, now);
}

static uint8_t ctr_read(struct sv_pit_counter *c, uint64_t now)
{
	uint16_t v;

	if (c->status_latched) {
		/* Status first, whichever was latched first. */
		c->status_latched = false;
		return c->latched_status;
	}
	switch (c->latch) {
	case SV_PIT_LATCH_LSB:
		c->latch = SV_PIT_LATCH_NONE;
		return (uint8_t)c->latched_count;
	case SV_PIT_LATCH_MSB:
		c->latch = SV_PIT_LATCH_NONE;
		return (uint8_t)(c->latched_count >> 8);
	case SV_PIT_LATCH_WORD_LSB:
		c->latch = SV_PIT_LATCH_WORD_MSB;
		return (uint8_t)c->latched_count;
	case SV_PIT_LATCH_WORD_MSB:
		c->latch = SV_PIT_LATCH_NONE;
		return (uint8_t)(c->latched_count >> 8);
	case SV_PIT_LATCH_NONE:
	default:
		break;
	}
	v = ctr_encode(c, ctr_value(c, now));
	switch (c->rw) {
	case PIT_RW_LSB:
		return (uint8_t)v;
	case PIT_RW_MSB:
		return (uint8_t)(v >> 8);
	default:
		/* LSB, then MSB; each byte is sampled when it is read. */
		c->read_msb_next = !c->read_msb_next;
		return (uint8_t)(c->read_msb_next ? v : v >> 8);
	}
}

static void ctr_set_gate(struct sv_pit_counter *c, bool level, uint64_t now)
{
	bool rising = level && !c->gate;

	if (level == c->gate)
		return;
	ctr_catch_up(c, now);
	switch (c->mode) {
	case 0:
	case 4:
		/* GATE enables counting; OUT is not affected. */
		if (c->state != SV_PIT_COUNTING)
			break;
		if (!rising && c->running) {
			if (now > c->start_tick)
				c->acc += now - c->start_tick;
			c->running = false;
		} else if (rising && !c->running) {
			if (now > c->start_tick)
				c->start_tick = now;
			c->running = true;
		}
		break;
	case 1:
	case 5:
		/* A rising edge triggers: the CE is (re)loaded on the next pulse. */
		if (rising && c->state != SV_PIT_WAIT_COUNT) {
			c->gate = level;
			ctr_load(c, now);
		}
		break;
	default:
		/* Modes 2, 3: low stops the count (OUT high); rising reloads. */
		if (c->state != SV_PIT_COUNTING)
			break;
		if (!rising) {
			uint64_t e;

			if (ctr_elapsed(c, now, &e))
				c->acc = e;
			c->hold = ctr_value(c, now);
			c->running = false;
			c->reload_pending = false;
		} else {
			c->gate = level;
			ctr_load(c, now);
		}
		break;
	}
	c->gate = level;
}

/* Counter 0's next rising OUT edge after pulse now, if it will have one. */
static bool pit_next_edge(const struct sv_pit_counter *c, uint64_t now,
			  uint64_t *tick)
{
	uint64_t at;

	if (c->state != SV_PIT_COUNTING || !c->running)
		return false;
	switch (c->mode) {
	case 2:
	case 3:
		if (c->reload_pending)
			at = c->reload_tick;
		else if (now < c->start_tick)
			at = c->start_tick + c->n;
		else
			at = c->start_tick +
			     ((now - c->start_tick) / c->n + 1) * c->n;
		break;
	default: {
		/* OUT rises at terminal count (0, 1) or after the strobe (4, 5). */
		uint64_t target = c->n + (c->mode >= 4 ? 1 : 0);

		if (c->acc >= target)
			return false;
		at = c->start_tick + (target - c->acc);
		break;
	}
	}
	if (at <= now)
		return false;
	*tick = at;
	return true;
}

/* IRQ 0 carries OUT0's level in modes 0 and 1, and rests low otherwise. */
static void pit_sync_line(struct sv_pit *pit, uint64_t now)
{
	const struct sv_pit_counter *c = &pit->ch[0];
	bool level = c->mode <= 1 && ctr_out(c, now);

	if (level != pit->irq_line) {
		pit->irq_line = level;
		vm_irq_set(pit->vm, SV_PIT_IRQ, level);
	}
}

/*
 * Arm the timer for counter 0's next edge after now (now_ns in guest ns).
 * The deadline is after now_ns by construction; the clamp keeps it so
 * should that ever break, since a due deadline would make the vCPU loop
 * fire this timer forever.
 */
static void pit_rearm(struct sv_pit *pit, uint64_t now, uint64_t now_ns)
{
	uint64_t tick;

	if (pit_next_edge(&pit->ch[0], now, &tick)) {
		pit->edge_armed = true;
		pit->edge_tick = tick;
		vm_timer_arm(pit->vm, &pit->timer,
			     SV_MAX(pit_ticks_to_ns(tick), now_ns + 1));
	} else if (pit->edge_armed) {
		pit->edge_armed = false;
		vm_timer_disarm(&pit->timer);
	}
}

/*
 * Deliver counter 0's armed edge if it is due at pulse now: one edge,
 * however late, then the first edge after now is armed.
 */
static void pit_deliver_due(struct sv_pit *pit, uint64_t now,
			    uint64_t now_ns)
{
	struct sv_pit_counter *c = &pit->ch[0];
	uint64_t edge = pit->edge_tick;

	if (!pit->edge_armed || now < edge)
		return;
	pit->edge_armed = false;
	ctr_catch_up(c, now);
	pit->irq_edges++;
	if ((c->mode == 2 || c->mode == 3) && edge >= c->start_tick)
		pit->irq_missed += (now - c->start_tick) / c->n -
				   (edge - c->start_tick) / c->n;
	if (c->mode <= 1) {
		pit_sync_line(pit, now);
	} else {
		if (pit->irq_line) {
			pit->irq_line = false;
			vm_irq_set(pit->vm, SV_PIT_IRQ, false);
		}
		vm_irq_pulse(pit->vm, SV_PIT_IRQ);
	}
	pit_rearm(pit, now, now_ns);
}

static void pit_timer_fire(struct sv_timer *t, uint64_t now_ns)
{
	struct sv_pit *pit = sv_container_of(t, struct sv_pit, timer);
	uint64_t now = pit_ns_to_ticks(now_ns);

	if (pit->edge_armed && now < pit->edge_tick) {
		/* Fired early: keep waiting for the edge. */
		vm_timer_arm(pit->vm, &pit->timer,
			     SV_MAX(pit_ticks_to_ns(pit->edge_tick), now_ns + 1));
		return;
	}
	pit_deliver_due(pit, now, now_ns);
}

/* Counter 0 changed under a guest write: re-derive IRQ 0 and its timer. */
static void pit_counter0_changed(struct sv_pit *pit, uint64_t now,
				 uint64_t now_ns)
{
	pit_sync_line(pit, now);
	pit_rearm(pit, now, now_ns);
}

static void pit_write_control(struct sv_pit *pit, uint8_t cw, uint64_t now,
			      uint64_t now_ns)
{
	unsigned sc = cw >> CW_SC_SHIFT;

	if (sc == CW_SC_READ_BACK) {
		for (unsigned i = 0; i < SV_PIT_COUNTERS; i++) {
			struct sv_pit_counter *c = &pit->ch[i];

			if (!(cw & RB_CNT(i)))
				continue;
			ctr_catch_up(c, now);
			if (!(cw & RB_NOT_COUNT))
				ctr_latch_count(c, now);
			if (!(cw & RB_NOT_STATUS))
				ctr_latch_status(c, now);
		}
		return;
	}
	ctr_catch_up(&pit->ch[sc], now);
	if ((cw >> CW_RW_SHIFT & CW_RW_MASK) == PIT_RW_LATCH) {
		ctr_latch_count(&pit->ch[sc], now);
		return;
	}
	ctr_program(&pit->ch[sc], cw, now);
	if (sc == 0)
		pit_counter0_changed(pit, now, now_ns);
}

static int pit_io(struct sv_io_device *dev, uint64_t offset, unsigned size,
		  bool write, uint64_t *data)
{
	struct sv_pit *pit = sv_container_of(dev, struct sv_pit, io);
	uint64_t now_ns = vm_now(pit->vm), now = pit_ns_to_ticks(now_ns);
	uint64_t out = 0;

	pit_deliver_due(pit, now, now_ns);
	for (unsigned i = 0; i < size && offset + i < SV_PIT_PORTS; i++) {
		unsigned port = (unsigned)(offset + i);
		uint8_t val = (uint8_t)(*data >> (8 * i));

		if (port == PIT_PORT_CONTROL) {
			if (write)
				pit_write_control(pit, val, now, now_ns);
			else
				out |= 0xffull << (8 * i);	/* not readable */
			continue;
		}
		ctr_catch_up(&pit->ch[port], now);
		if (write) {
			ctr_write(&pit->ch[port], val, now);
			if (port == PIT_PORT_COUNTER0)
				pit_counter0_changed(pit, now, now_ns);
		} else {
			out |= (uint64_t)ctr_read(&pit->ch[port], now) << (8 * i);
		}
	}
	if (!write)
		*data = out;
	return 0;
}

static int pit_port_b_io(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct sv_pit *pit = sv_container_of(dev, struct sv_pit, port_b_io);
	uint64_t now_ns = vm_now(pit->vm), now = pit_ns_to_ticks(now_ns);
	struct sv_pit_counter *c2 = &pit->ch[2];

	(void)offset;	/* a one-port range */
	(void)size;	/* wider accesses straddle the range; the bus drops them */
	if (write) {
		pit->port_b = (uint8_t)(*data & PORT_B_WRITABLE);
		ctr_set_gate(c2, pit->port_b & PORT_B_GATE2, now);
		return 0;
	}
	ctr_catch_up(c2, now);
	*data = pit->port_b |
		((now_ns / REFRESH_HALF_PERIOD_NS) & 1 ? PORT_B_REFRESH : 0) |
		(ctr_out(c2, now) ? PORT_B_OUT2 : 0);
	return 0;
}

static void ctr_power_on(struct sv_pit_counter *c, bool gate)
{
	sv_memset(c, 0, sizeof(*c));
	c->rw = PIT_RW_LSB_MSB;
	c->state = SV_PIT_WAIT_COUNT;
	c->gate = gate;
	c->n = BIN_MODULUS;
	c->null_until = UINT64_MAX;
}

int pit_init(struct sv_pit *pit, struct sv_vm *vm)
{
	int err;

	sv_memset(pit, 0, sizeof(*pit));
	pit->vm = vm;
	pit->io.name = "pit";
	pit->io.handler = pit_io;
	pit->port_b_io.name = "port-b";
	pit->port_b_io.handler = pit_port_b_io;
	/* GATE0 and GATE1 are tied high on the PC; GATE2 is port B bit 0. */
	for (unsigned i = 0; i < SV_PIT_COUNTERS; i++)
		ctr_power_on(&pit->ch[i], i != 2);
	sv_list_init(&pit->timer.node);
	pit->timer.deadline = SV_TIMER_NEVER;
	pit->timer.fire = pit_timer_fire;

	err = iobus_register(&vm->bus, SV_IO_PORT, SV_PIT_BASE, SV_PIT_PORTS,
			     &pit->io);
	if (err)
		return err;
	err = iobus_register(&vm->bus, SV_IO_PORT, SV_PIT_PORT_B, 1,
			     &pit->port_b_io);
	if (err)
		iobus_unregister(&vm->bus, &pit->io);
	return err;
}

static void ctr_digest(const struct sv_pit_counter *c, struct sv_digest *d)
{
	sv_digest_u8(d, c->mode);
	sv_digest_u8(d, c->mode_bits);
	sv_digest_u8(d, c->rw);
	sv_digest_u8(d, c->bcd);
	sv_digest_u32(d, (uint32_t)c->state);
	sv_digest_u16(d, c->cr);
	sv_digest_u8(d, c->cr_lsb);
	sv_digest_u8(d, c->write_msb_next);
	sv_digest_u8(d, c->read_msb_next);
	sv_digest_u8(d, c->gate);
	sv_digest_u32(d, c->n);
	sv_digest_u64(d, c->start_tick);
	sv_digest_u64(d, c->acc);
	sv_digest_u8(d, c->running);
	sv_digest_u8(d, c->reload_pending);
	sv_digest_u64(d, c->reload_tick);
	sv_digest_u64(d, c->null_until);
	sv_digest_u32(d, c->hold);
	sv_digest_u32(d, (uint32_t)c->latch);
	sv_digest_u16(d, c->latched_count);
	sv_digest_u8(d, c->status_latched);
	sv_digest_u8(d, c->latched_status);
}

void pit_digest(const struct sv_pit *pit, struct sv_digest *d)
{
	for (unsigned i = 0; i < SV_PIT_COUNTERS; i++)
		ctr_digest(&pit->ch[i], d);
	sv_digest_u8(d, pit->port_b);
	sv_digest_u64(d, vm_timer_deadline(&pit->timer));
	sv_digest_u8(d, pit->edge_armed);
	sv_digest_u64(d, pit->edge_tick);
	sv_digest_u8(d, pit->irq_line);
	sv_digest_u64(d, pit->irq_edges);
	sv_digest_u64(d, pit->irq_missed);
}
