/*
 * The PC/AT's pair of 8259A programmable interrupt controllers, as the
 * guest sees them: the master at ports 0x20-0x21, the slave at 0xa0-0xa1
 * cascaded on the master's IR2, and the PIIX/ICH edge/level control
 * registers (ELCR) at 0x4d0-0x4d1.
 *
 * The pair is the VM's interrupt controller (sv/irq.h): devices drive
 * lines 0-15 with vm_irq_set(), the vCPU loop asks pic_pending() whether
 * INTR is raised and runs the INTA cycle with pic_ack(). Everything
 * follows the Intel 8259A datasheet: the ICW1-ICW4 initialisation
 * sequence, OCW1-OCW3, priority resolution with rotation, special mask
 * and special fully nested modes, automatic EOI, the poll command and the
 * default IR7 (spurious) vector when a request goes away before INTA.
 *
 * Ownership: the caller provides struct sv_pic storage, which must outlive
 * the VM's I/O bus. Not thread-safe: the thread that drives the VM owns it.
 */
#ifndef SV_DEV_PIC_H
#define SV_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"

struct sv_vm;
struct sv_pic;

/* I/O ports of the PC/AT wiring. */
enum {
	SV_PIC_MASTER_BASE = 0x20,
	SV_PIC_SLAVE_BASE  = 0xa0,
	SV_PIC_PORTS       = 2,	/* A0 = 0 (command), A0 = 1 (data) */
	SV_PIC_ELCR_BASE   = 0x4d0,	/* ELCR1 (IRQ 0-7), ELCR2 (IRQ 8-15) */
	SV_PIC_ELCR_PORTS  = 2,
	SV_PIC_CASCADE_IR  = 2,	/* master input the slave's INT drives */
	SV_PIC_IRQS        = 16,
};

/* Which initialisation command word the chip expects next on A0 = 1. */
enum sv_pic_init_step {
	SV_PIC_OPERATIONAL,	/* A0 = 1 writes are OCW1 */
	SV_PIC_WANT_ICW2,
	SV_PIC_WANT_ICW3,
	SV_PIC_WANT_ICW4,
};

/* One 8259A. */
struct sv_pic_chip {
	struct sv_io_device io;
	struct sv_pic *pair;
	bool is_master;

	uint8_t irr;		/* interrupt request register */
	uint8_t isr;		/* in-service register */
	uint8_t imr;		/* interrupt mask register (OCW1) */
	uint8_t lines;		/* level of each IR input now */
	uint8_t elcr;		/* level-triggered inputs per the ELCR */
	uint8_t vector_base;	/* ICW2, T7-T3 */
	uint8_t icw3;		/* master: inputs with a slave; slave: its ID */
	uint8_t lowest;		/* IR with the lowest priority (7 after ICW1) */
	enum sv_pic_init_step init_step;

	bool ready;		/* initialisation sequence complete */
	bool ltim;		/* ICW1 LTIM: every input level-triggered */
	bool single;		/* ICW1 SNGL: no cascade, no ICW3 */
	bool want_icw4;		/* ICW1 IC4 */
	bool upm;		/* ICW4 uPM: 8086 mode (vector on 2nd INTA) */
	bool aeoi;		/* ICW4 AEOI */
	bool sfnm;		/* ICW4 SFNM: special fully nested mode */
	bool buffered;		/* ICW4 BUF (no effect on a virtual bus) */
	bool buffered_master;	/* ICW4 M/S */
	bool rotate_on_aeoi;	/* OCW2 "rotate in automatic EOI mode" */
	bool special_mask;	/* OCW3 special mask mode */
	bool read_isr;		/* OCW3 RR/RIS: A0 = 0 reads ISR, else IRR */
	bool poll;		/* OCW3 P: the next A0 = 0 read is a poll */
};

struct sv_pic {
	struct sv_vm *vm;
	struct sv_pic_chip master, slave;
	struct sv_io_device elcr_io;

	/* Diagnostics. */
	uint64_t acks;			/* INTA cycles and polls that found a request */
	uint64_t spurious_master;	/* default IR7 vectors given by the master */
	uint64_t spurious_slave;	/* ... and by the slave */
};

/*
 * Put the pair in its power-on state (uninitialised: no interrupt is
 * delivered until the guest has written ICW1 and the ICWs it announced),
 * register its ports on vm's I/O bus and make it vm's interrupt
 * controller. Returns 0, or the error of iobus_register / vm_set_intc.
 */
SV_MUST_CHECK int pic_init(struct sv_pic *pic, struct sv_vm *vm);

/*
 * The interrupt-controller operations (also reached through sv/irq.h once
 * registered). pic_set_irq: device line irq (0-15) is now at level; line 2,
 * the ISA bus's IRQ2 pin, is routed to IRQ 9 as on the PC/AT because the
 * master's IR2 carries the cascade. Out-of-range lines are ignored.
 * pic_pending: the master would raise INTR now. pic_ack: one INTA cycle;
 * returns the vector, or -SV_EAGAIN when the master is not initialised
 * (it puts no vector on the bus then; callers only ack after pending).
 */
void pic_set_irq(struct sv_pic *pic, unsigned irq, bool level);
bool pic_pending(const struct sv_pic *pic);
SV_MUST_CHECK int pic_ack(struct sv_pic *pic);

/*
 * Feed the pair's state into d (record/replay's state digest), field by
 * field with fixed widths: for the master, then the slave, IRR, ISR, IMR,
 * input lines, ELCR, ICW2 vector base, ICW3, lowest priority (u8 each),
 * the init step (u32), then the flags ready, LTIM, SNGL, IC4, uPM, AEOI,
 * SFNM, BUF, M/S, rotate-on-AEOI, special mask, read-ISR, poll (u8 each);
 * then acks, spurious_master, spurious_slave (u64). Pointers, the I/O
 * headers and is_master (fixed by position) are left out.
 */
void pic_digest(const struct sv_pic *pic, struct sv_digest *d);

#endif /* SV_DEV_PIC_H */
