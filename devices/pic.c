/*
 * The 8259A PIC pair of the PC/AT (see sv/dev/pic.h for the wiring).
 *
 * Each chip is modelled by its registers (IRR, ISR, IMR), the level of its
 * eight inputs and the modes the ICWs and OCWs select. A request is
 * resolved the way the datasheet's priority resolver does it: the highest
 * priority unmasked IRR bit wins when it outranks every in-service level
 * (or, in special mask mode, whenever its own level is not in service).
 * The slave's INT output is recomputed after every change and drives the
 * master's IR2 input like any device line, so cascading needs no special
 * case beyond the INTA cycle, where a master that picked IR2 lets the slave
 * put the vector on the bus.
 *
 * Edge-triggered inputs latch their IRR bit on a rising edge and keep it
 * until INTA, so a device may pulse a line (vm_irq_pulse); the datasheet
 * only requires the input to stay high until INTA to avoid the default
 * IR7, which is what a level-triggered input (LTIM or ELCR) models here:
 * its IRR bit follows the line, and a request that drops before INTA gets
 * the spurious IR7 vector.
 */
#include "sv/dev/pic.h"

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/irq.h"
#include "sv/string.h"
#include "sv/vm.h"

/* Register offsets: the chip decodes A0 only. */
enum {
	PIC_A0_COMMAND = 0,	/* ICW1, OCW2, OCW3; reads IRR/ISR/poll */
	PIC_A0_DATA = 1,	/* ICW2-ICW4, OCW1; reads IMR */
};

/* ICW1 (A0 = 0, D4 = 1). */
enum {
	ICW1_IC4 = SV_BIT(0),	/* ICW4 needed */
	ICW1_SNGL = SV_BIT(1),	/* single chip, no ICW3 */
	ICW1_ADI = SV_BIT(2),	/* call address interval (MCS-80/85 only) */
	ICW1_LTIM = SV_BIT(3),	/* level-triggered inputs */
	ICW1_SELECT = SV_BIT(4),
};

/* ICW2: T7-T3 of the vector; the chip supplies the IR number below. */
#define ICW2_VECTOR_MASK 0xf8u
#define ICW3_SLAVE_ID_MASK 0x07u

/* ICW4. */
enum {
	ICW4_UPM = SV_BIT(0),	/* 8086/8088 mode */
	ICW4_AEOI = SV_BIT(1),
	ICW4_MS = SV_BIT(2),	/* buffered master (BUF = 1 only) */
	ICW4_BUF = SV_BIT(3),
	ICW4_SFNM = SV_BIT(4),
};

/* OCW2 (A0 = 0, D4 = 0, D3 = 0): R, SL, EOI in D7-D5, level in D2-D0. */
#define OCW2_CMD_SHIFT 5
#define OCW2_LEVEL_MASK 0x07u
enum ocw2_cmd {
	OCW2_ROTATE_AEOI_CLEAR = 0,	/* R=0 SL=0 EOI=0 */
	OCW2_NONSPECIFIC_EOI = 1,	/* EOI */
	OCW2_NOP = 2,			/* SL */
	OCW2_SPECIFIC_EOI = 3,		/* SL EOI */
	OCW2_ROTATE_AEOI_SET = 4,	/* R */
	OCW2_ROTATE_NONSPECIFIC_EOI = 5, /* R EOI */
	OCW2_SET_PRIORITY = 6,		/* R SL */
	OCW2_ROTATE_SPECIFIC_EOI = 7,	/* R SL EOI */
};

/* OCW3 (A0 = 0, D4 = 0, D3 = 1). */
enum {
	OCW3_RIS = SV_BIT(0),	/* read ISR (with RR), else IRR */
	OCW3_RR = SV_BIT(1),	/* act on RIS */
	OCW3_P = SV_BIT(2),	/* poll command */
	OCW3_SELECT = SV_BIT(3),
	OCW3_SMM = SV_BIT(5),	/* set (1) or reset (0) special mask ... */
	OCW3_ESMM = SV_BIT(6),	/* ... when ESMM = 1 */
};

/* Poll word: I in D7, the highest requesting level in W2-W0. */
#define POLL_INTERRUPT SV_BIT(7)

/* The default vector for a request that vanished before INTA. */
#define PIC_SPURIOUS_IR 7

/*
 * ELCR bits that must stay 0 on the PIIX/ICH: IRQ 0, 1, 2 (timer,
 * keyboard, cascade), 8 (RTC) and 13 (FPU) are edge-triggered by wiring.
 */
#define ELCR1_WRITABLE 0xf8u
#define ELCR2_WRITABLE 0xdeu

/* The ISA bus's IRQ2 pin is wired to the slave's IR1 on the PC/AT. */
#define ISA_IRQ2_REDIRECT 9

static struct sv_pic_chip *chip_of_irq(struct sv_pic *pic, unsigned irq)
{
	return irq < 8 ? &pic->master : &pic->slave;
}

static bool chip_is_cascaded(const struct sv_pic_chip *c)
{
	return c->is_master && !c->single &&
	       (c->icw3 & SV_BIT(SV_PIC_CASCADE_IR));
}

static bool pin_is_level(const struct sv_pic_chip *c, unsigned pin)
{
	return c->ltim || (c->elcr & SV_BIT(pin));
}

/*
 * Rank of the highest-priority set bit in bits: 0 is the highest priority,
 * the level just after c->lowest; 8 when no bit is set.
 */
static unsigned chip_rank(const struct sv_pic_chip *c, uint8_t bits)
{
	for (unsigned rank = 0; rank < 8; rank++)
		if (bits & SV_BIT((c->lowest + 1 + rank) & 7))
			return rank;
	return 8;
}

static unsigned rank_to_ir(const struct sv_pic_chip *c, unsigned rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The in-service levels that hold back lower-priority requests. */
static uint8_t chip_blocking_isr(const struct sv_pic_chip *c)
{
	uint8_t busy = c->isr;

	/*
	 * Special fully nested mode: a slave's higher-priority request must
	 * get through while one of its own is in service on the same master
	 * input, so that input does not block itself.
	 */
	if (c->sfnm && chip_is_cascaded(c))
		busy &= (uint8_t)~SV_BIT(SV_PIC_CASCADE_IR);
	return busy;
}

/* The IR the priority resolver would present on INTA now, or -1. */
static int chip_resolve(const struct sv_pic_chip *c)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;
	uint8_t busy = chip_blocking_isr(c);
	unsigned rank;

	if (c->special_mask) {
		/*
		 * Special mask mode: every unmasked level that is not itself
		 * in service may interrupt, lower ones included.
		 */
		rank = chip_rank(c, req & (uint8_t)~busy);
		return rank < 8 ? (int)rank_to_ir(c, rank) : -1;
	}
	rank = chip_rank(c, req);
	if (rank < 8 && rank < chip_rank(c, busy))
		return (int)rank_to_ir(c, rank);
	return -1;
}

/* The chip's INT output. */
static bool chip_int(const struct sv_pic_chip *c)
{
	return c->ready && chip_resolve(c) >= 0;
}

static void chip_set_pin(struct sv_pic_chip *c, unsigned pin, bool level)
{
	uint8_t bit = (uint8_t)SV_BIT(pin);

	if (level) {
		/* A rising edge latches the request in either mode. */
		if (!(c->lines & bit) || pin_is_level(c, pin))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= (uint8_t)~bit;
		if (pin_is_level(c, pin))
			c->irr &= (uint8_t)~bit;
	}
}

/* The slave's INT drives the master's IR2 as a device line would. */
static void pic_update_cascade(struct sv_pic *pic)
{
	chip_set_pin(&pic->master, SV_PIC_CASCADE_IR, chip_int(&pic->slave));
}

/*
 * The chip's side of INTA (or of a poll read) for level ir: the request
 * becomes in service, or with AEOI is ended right away.
 */
static void chip_intack(struct sv_pic_chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)SV_BIT(ir);

	/* An edge latch is consumed; a level request stays while the line is high. */
	if (pin_is_level(c, ir))
		c->irr = (uint8_t)((c->irr & ~bit) | (c->lines & bit));
	else
		c->irr &= (uint8_t)~bit;
	if (c->aeoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)ir;
	} else {
		c->isr |= bit;
	}
}

/* Back to the state ICW1 establishes; ready again after the last ICW. */
static void chip_icw1(struct sv_pic_chip *c, uint8_t val)
{
	c->ltim = val & ICW1_LTIM;
	c->single = val & ICW1_SNGL;
	c->want_icw4 = val & ICW1_IC4;
	c->init_step = SV_PIC_WANT_ICW2;
	c->ready = false;
	c->imr = 0;
	c->isr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	/* "If IC4 = 0, all functions selected in ICW4 are set to zero." */
	c->upm = false;
	c->aeoi = false;
	c->sfnm = false;
	c->buffered = false;
	c->buffered_master = false;
	c->rotate_on_aeoi = false;
	/*
	 * The edge sense latches are reset: an edge input must go low then
	 * high again to request; a level input requests while it is high.
	 */
	c->irr = 0;
	for (unsigned pin = 0; pin < 8; pin++)
		if (pin_is_level(c, pin))
			c->irr |= c->lines & (uint8_t)SV_BIT(pin);
}

static void chip_next_icw(struct sv_pic_chip *c, enum sv_pic_init_step next)
{
	c->init_step = next;
	c->ready = next == SV_PIC_OPERATIONAL;
}

static void chip_write_data(struct sv_pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case SV_PIC_WANT_ICW2:
		c->vector_base = val & ICW2_VECTOR_MASK;
		if (!c->single)
			chip_next_icw(c, SV_PIC_WANT_ICW3);
		else
			chip_next_icw(c, c->want_icw4 ? SV_PIC_WANT_ICW4
							 : SV_PIC_OPERATIONAL);
		break;
	case SV_PIC_WANT_ICW3:
		c->icw3 = c->is_master ? val : (uint8_t)(val & ICW3_SLAVE_ID_MASK);
		chip_next_icw(c, c->want_icw4 ? SV_PIC_WANT_ICW4
						 : SV_PIC_OPERATIONAL);
		break;
	case SV_PIC_WANT_ICW4:
		c->upm = val & ICW4_UPM;
		c->aeoi = val & ICW4_AEOI;
		c->buffered = val & ICW4_BUF;
		c->buffered_master = val & ICW4_MS;
		c->sfnm = val & ICW4_SFNM;
		chip_next_icw(c, SV_PIC_OPERATIONAL);
		break;
	case SV_PIC_OPERATIONAL:
	default:
		c->imr = val;	/* OCW1 */
		break;
	}
}

/*
 * The in-service level a non-specific EOI ends: the highest-priority one,
 * skipping, in special mask mode, levels masked in the IMR. -1 if none.
 */
static int chip_eoi_target(const struct sv_pic_chip *c)
{
	uint8_t isr = c->isr;
	unsigned rank;

	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	rank = chip_rank(c, isr);
	return rank < 8 ? (int)rank_to_ir(c, rank) : -1;
}

static void chip_ocw2(struct sv_pic_chip *c, uint8_t val)
{
	unsigned level = val & OCW2_LEVEL_MASK;
	int ir;

	switch ((enum ocw2_cmd)(val >> OCW2_CMD_SHIFT)) {
	case OCW2_NONSPECIFIC_EOI:
	case OCW2_ROTATE_NONSPECIFIC_EOI:
		ir = chip_eoi_target(c);
		if (ir < 0)
			break;
		c->isr &= (uint8_t)~SV_BIT(ir);
		if (val >> OCW2_CMD_SHIFT == OCW2_ROTATE_NONSPECIFIC_EOI)
			c->lowest = (uint8_t)ir;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= (uint8_t)~SV_BIT(level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= (uint8_t)~SV_BIT(level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (uint8_t)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_aeoi = false;
		break;
	case OCW2_NOP:
	default:
		break;
	}
}

static void chip_ocw3(struct sv_pic_chip *c, uint8_t val)
{
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
	if (val & OCW3_P)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
}

static void chip_write_command(struct sv_pic_chip *c, uint8_t val)
{
	if (val & ICW1_SELECT)
		chip_icw1(c, val);
	else if (val & OCW3_SELECT)
		chip_ocw3(c, val);
	else
		chip_ocw2(c, val);
}

/*
 * A poll read: the chip treats the RD pulse as an interrupt acknowledge
 * and returns the poll word instead of a register.
 */
static uint8_t chip_poll(struct sv_pic_chip *c)
{
	int ir = c->ready ? chip_resolve(c) : -1;

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_intack(c, (unsigned)ir);
	c->pair->acks++;
	return (uint8_t)(POLL_INTERRUPT | (unsigned)ir);
}

static uint8_t chip_read(struct sv_pic_chip *c, uint64_t offset)
{
	if (offset == PIC_A0_DATA)
		return c->imr;
	if (c->poll)
		return chip_poll(c);
	return c->read_isr ? c->isr : c->irr;
}

/*
 * The bus handler of each chip. A wider access is the ISA bus's split
 * into byte cycles at consecutive ports, all within the range (the bus
 * refuses accesses that straddle its end).
 */
static int pic_chip_io(struct sv_io_device *dev, uint64_t offset,
		       unsigned size, bool write, uint64_t *data)
{
	struct sv_pic_chip *c = sv_container_of(dev, struct sv_pic_chip, io);
	uint64_t out = 0;

	for (unsigned i = 0; i < size && offset + i < SV_PIC_PORTS; i++) {
		if (write) {
			uint8_t val = (uint8_t)(*data >> (8 * i));

			if (offset + i == PIC_A0_COMMAND)
				chip_write_command(c, val);
			else
				chip_write_data(c, val);
		} else {
			out |= (uint64_t)chip_read(c, offset + i) << (8 * i);
		}
		pic_update_cascade(c->pair);
	}
	if (!write)
		*data = out;
	return 0;
}

static int pic_elcr_io(struct sv_io_device *dev, uint64_t offset,
		       unsigned size, bool write, uint64_t *data)
{
	struct sv_pic *pic = sv_container_of(dev, struct sv_pic, elcr_io);
	uint64_t out = 0;

	for (unsigned i = 0; i < size && offset + i < SV_PIC_ELCR_PORTS; i++) {
		bool slave = offset + i == 1;
		struct sv_pic_chip *c = slave ? &pic->slave : &pic->master;
		uint8_t writable = slave ? ELCR2_WRITABLE : ELCR1_WRITABLE;

		if (write)
			c->elcr = (uint8_t)(*data >> (8 * i)) & writable;
		else
			out |= (uint64_t)c->elcr << (8 * i);
	}
	if (!write)
		*data = out;
	return 0;
}

void pic_set_irq(struct sv_pic *pic, unsigned irq, bool level)
{
	if (irq >= SV_PIC_IRQS)
		return;
	if (irq == SV_PIC_CASCADE_IR)
		irq = ISA_IRQ2_REDIRECT;
	chip_set_pin(chip_of_irq(pic, irq), irq & 7, level);
	pic_update_cascade(pic);
}

bool pic_pending(const struct sv_pic *pic)
{
	return chip_int(&pic->master);
}

int pic_ack(struct sv_pic *pic)
{
	struct sv_pic_chip *m = &pic->master, *s = &pic->slave;
	int ir, slave_ir, vector;

	if (!m->ready)
		return -SV_EAGAIN;
	ir = chip_resolve(m);
	if (ir < 0) {
		/* The request went away before INTA: default IR7, no ISR bit. */
		pic->spurious_master++;
		return m->vector_base + PIC_SPURIOUS_IR;
	}
	if (ir == SV_PIC_CASCADE_IR && chip_is_cascaded(m)) {
		slave_ir = s->ready ? chip_resolve(s) : -1;
		if (slave_ir >= 0) {
			chip_intack(s, (unsigned)slave_ir);
			vector = s->vector_base + slave_ir;
		} else {
			/* The master's IR2 is in service all the same. */
			pic->spurious_slave++;
			vector = s->vector_base + PIC_SPURIOUS_IR;
		}
	} else {
		vector = m->vector_base + ir;
	}
	chip_intack(m, (unsigned)ir);
	pic->acks++;
	pic_update_cascade(pic);
	return vector;
}

static void pic_op_set_irq(void *ctx, unsigned irq, bool level)
{
	pic_set_irq(ctx, irq, level);
}

static bool pic_op_pending(void *ctx)
{
	return pic_pending(ctx);
}

static int pic_op_ack(void *ctx)
{
	return pic_ack(ctx);
}

static const struct sv_intc_ops pic_intc_ops = {
	.set_irq = pic_op_set_irq,
	.pending = pic_op_pending,
	.ack = pic_op_ack,
};

/*
 * The datasheet defines no power-on state; until ICW1 the chip is
 * uninitialised. We hold the state ICW1 would set, not ready, so nothing
 * is delivered and reads return zeros.
 */
static void chip_power_on(struct sv_pic_chip *c, struct sv_pic *pic,
			  bool master)
{
	sv_memset(c, 0, sizeof(*c));
	c->io.name = master ? "pic-master" : "pic-slave";
	c->io.handler = pic_chip_io;
	c->pair = pic;
	c->is_master = master;
	c->lowest = 7;
	c->init_step = SV_PIC_OPERATIONAL;
}

int pic_init(struct sv_pic *pic, struct sv_vm *vm)
{
	int err;

	sv_memset(pic, 0, sizeof(*pic));
	pic->vm = vm;
	chip_power_on(&pic->master, pic, true);
	chip_power_on(&pic->slave, pic, false);
	pic->elcr_io.name = "pic-elcr";
	pic->elcr_io.handler = pic_elcr_io;

	err = iobus_register(&vm->bus, SV_IO_PORT, SV_PIC_MASTER_BASE,
			     SV_PIC_PORTS, &pic->master.io);
	if (!err)
		err = iobus_register(&vm->bus, SV_IO_PORT, SV_PIC_SLAVE_BASE,
				     SV_PIC_PORTS, &pic->slave.io);
	if (!err)
		err = iobus_register(&vm->bus, SV_IO_PORT, SV_PIC_ELCR_BASE,
				     SV_PIC_ELCR_PORTS, &pic->elcr_io);
	if (!err)
		err = vm_set_intc(vm, &pic_intc_ops, pic);
	if (err) {
		iobus_unregister(&vm->bus, &pic->master.io);
		iobus_unregister(&vm->bus, &pic->slave.io);
		iobus_unregister(&vm->bus, &pic->elcr_io);
	}
	return err;
}

static void chip_digest(const struct sv_pic_chip *c, struct sv_digest *d)
{
	sv_digest_u8(d, c->irr);
	sv_digest_u8(d, c->isr);
	sv_digest_u8(d, c->imr);
	sv_digest_u8(d, c->lines);
	sv_digest_u8(d, c->elcr);
	sv_digest_u8(d, c->vector_base);
	sv_digest_u8(d, c->icw3);
	sv_digest_u8(d, c->lowest);
	sv_digest_u32(d, (uint32_t)c->init_step);
	sv_digest_u8(d, c->ready);
	sv_digest_u8(d, c->ltim);
	sv_digest_u8(d, c->single);
	sv_digest_u8(d, c->want_icw4);
	sv_digest_u8(d, c->upm);
	sv_digest_u8(d, c->aeoi);
	sv_digest_u8(d, c->sfnm);
	sv_digest_u8(d, c->buffered);
	sv_digest_u8(d, c->buffered_master);
	sv_digest_u8(d, c->rotate_on_aeoi);
	sv_digest_u8(d, c->special_mask);
	sv_digest_u8(d, c->read_isr);
	sv_digest_u8(d, c->poll);
}

void pic_digest(const struct sv_pic *pic, struct sv_digest *d)
{
	chip_digest(&pic->master, d);
	chip_digest(&pic->slave, d);
	sv_digest_u64(d, pic->acks);
	sv_digest_u64(d, pic->spurious_master);
	sv_digest_u64(d, pic->spurious_slave);
}
