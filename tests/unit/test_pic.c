/*
 * The 8259A pair (devices/pic.c), driven as a guest and its devices would:
 * ICWs and OCWs through the I/O bus, device lines through vm_irq_set (so
 * the pair's registration as the VM's interrupt controller is exercised),
 * and INTA cycles through pic_ack.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fake_backend.h"
#include "sv/dev/pic.h"
#include "sv/errno.h"
#include "sv/iobus.h"
#include "sv/vm.h"
#include "sv_test.h"

enum {
	MASTER_CMD = 0x20, MASTER_DATA = 0x21,
	SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1,
	ELCR1 = 0x4d0, ELCR2 = 0x4d1,
	/* Linux's ISA_IRQ_VECTOR(0) and its slave base. */
	LINUX_MASTER_BASE = 0x30, LINUX_SLAVE_BASE = 0x38,
	OCW2_EOI = 0x20, OCW2_SPECIFIC_EOI = 0x60,
	OCW2_ROTATE_EOI = 0xa0, OCW2_ROTATE_SPECIFIC_EOI = 0xe0,
	OCW2_SET_PRIORITY = 0xc0, OCW2_ROTATE_AEOI_SET = 0x80,
	OCW3_READ_IRR = 0x0a, OCW3_READ_ISR = 0x0b, OCW3_POLL = 0x0c,
	OCW3_SET_SMM = 0x68, OCW3_RESET_SMM = 0x48,
};

struct env {
	struct sv_vm vm;
	struct sv_pic pic;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_FATAL(vm_init(&e->vm, "t", &fake_backend_ops, NULL) == 0);
	CU_ASSERT_FATAL(pic_init(&e->pic, &e->vm) == 0);
	return e;
}

static void env_free(struct env *e)
{
	vm_destroy(&e->vm);
	free(e);
}

static void out8(struct env *e, uint16_t port, uint8_t val)
{
	uint64_t data = val;

	SV_CHECK_EQ_I64(iobus_access(&e->vm.bus, SV_IO_PORT, port, 1, true,
				     &data), 0);
}

static uint8_t in8(struct env *e, uint16_t port)
{
	uint64_t data = 0;

	SV_CHECK_EQ_I64(iobus_access(&e->vm.bus, SV_IO_PORT, port, 1, false,
				     &data), 0);
	return (uint8_t)data;
}

static void pulse(struct env *e, unsigned irq)
{
	vm_irq_pulse(&e->vm, irq);
}

/* Linux's init_8259A(): cascade on IR2, 8086 mode, normal EOI. */
static void init_pair(struct env *e, uint8_t mbase, uint8_t sbase,
		      uint8_t icw4)
{
	out8(e, MASTER_DATA, 0xff);	/* mask all */
	out8(e, SLAVE_DATA, 0xff);
	out8(e, MASTER_CMD, 0x11);	/* ICW1: edge, cascade, ICW4 */
	out8(e, MASTER_DATA, mbase);	/* ICW2 */
	out8(e, MASTER_DATA, 0x04);	/* ICW3: slave on IR2 */
	out8(e, MASTER_DATA, icw4);	/* ICW4 */
	out8(e, SLAVE_CMD, 0x11);
	out8(e, SLAVE_DATA, sbase);
	out8(e, SLAVE_DATA, 0x02);	/* ICW3: slave ID 2 */
	out8(e, SLAVE_DATA, icw4 & ~0x10);	/* no SFNM on a slave */
	out8(e, MASTER_DATA, 0x00);	/* OCW1: unmask all */
	out8(e, SLAVE_DATA, 0x00);
}

static struct env *linux_env(void)
{
	struct env *e = env_new();

	init_pair(e, LINUX_MASTER_BASE, LINUX_SLAVE_BASE, 0x01);
	return e;
}

static uint8_t read_isr(struct env *e, uint16_t cmd)
{
	out8(e, cmd, OCW3_READ_ISR);
	return in8(e, cmd);
}

static uint8_t read_irr(struct env *e, uint16_t cmd)
{
	out8(e, cmd, OCW3_READ_IRR);
	return in8(e, cmd);
}

static void test_uninitialised_delivers_nothing(void)
{
	struct env *e = env_new();

	/* Power-on: nothing programmed, every request ignored. */
	pulse(e, 0);
	pulse(e, 10);
	SV_CHECK(!pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), -SV_EAGAIN);

	/* Half an init sequence is still uninitialised. */
	out8(e, MASTER_CMD, 0x11);
	out8(e, MASTER_DATA, 0x08);
	pulse(e, 1);
	SV_CHECK(!pic_pending(&e->pic));
	out8(e, MASTER_DATA, 0x04);
	pulse(e, 1);
	SV_CHECK(!pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), -SV_EAGAIN);

	/* The last ICW completes it; an edge after that is delivered. */
	out8(e, MASTER_DATA, 0x01);
	SV_CHECK(pic_pending(&e->pic));	/* IR1 latched after ICW1 */
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x09);

	/* The slave is still uninitialised: its requests go nowhere. */
	out8(e, MASTER_CMD, OCW2_EOI);
	pulse(e, 10);
	SV_CHECK(!pic_pending(&e->pic));
	env_free(e);
}

static void test_icw1_resets_edge_latches(void)
{
	struct env *e = linux_env();

	pulse(e, 3);
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x08);
	/* A line held high through ICW1 must go low then high again. */
	vm_irq_set(&e->vm, 4, true);
	init_pair(e, LINUX_MASTER_BASE, LINUX_SLAVE_BASE, 0x01);
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x00);
	SV_CHECK(!pic_pending(&e->pic));
	vm_irq_set(&e->vm, 4, false);
	vm_irq_set(&e->vm, 4, true);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 4);
	env_free(e);
}

static void test_linux_init_irq0(void)
{
	struct env *e = linux_env();

	SV_CHECK(!pic_pending(&e->pic));
	pulse(e, 0);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 0);
	SV_CHECK(!pic_pending(&e->pic));
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x01);
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x00);
	/* In service: a second edge waits for the EOI. */
	pulse(e, 0);
	SV_CHECK(!pic_pending(&e->pic));
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 0);
	SV_CHECK_EQ_U64(e->pic.acks, 2);
	env_free(e);
}

static void test_dos_init_ignores_icw2_low_bits(void)
{
	struct env *e = env_new();

	/* The BIOS's bases 0x08 / 0x70, with junk in ICW2's low bits. */
	init_pair(e, 0x0f, 0x77, 0x01);
	pulse(e, 1);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x09);
	pulse(e, 14);
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x76);
	env_free(e);
}

static void test_masking(void)
{
	struct env *e = linux_env();

	out8(e, MASTER_DATA, 0x01);
	SV_CHECK_EQ_U64(in8(e, MASTER_DATA), 0x01);
	pulse(e, 0);
	SV_CHECK(!pic_pending(&e->pic));
	/* The request is latched in the IRR, held back by the IMR only. */
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x01);
	out8(e, MASTER_DATA, 0x00);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE);
	out8(e, MASTER_CMD, OCW2_EOI);

	/* Masking the cascade input masks the whole slave. */
	out8(e, MASTER_DATA, 0x04);
	pulse(e, 12);
	SV_CHECK(!pic_pending(&e->pic));
	out8(e, MASTER_DATA, 0x00);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 4);
	/* ... and a slave IMR bit masks its own line. */
	out8(e, SLAVE_CMD, OCW2_EOI);
	out8(e, MASTER_CMD, OCW2_EOI);
	out8(e, SLAVE_DATA, 0x10);
	pulse(e, 12);
	SV_CHECK(!pic_pending(&e->pic));
	SV_CHECK_EQ_U64(in8(e, SLAVE_DATA), 0x10);
	env_free(e);
}

static void test_priority(void)
{
	struct env *e = linux_env();

	pulse(e, 5);
	pulse(e, 3);
	pulse(e, 1);
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x2a);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 1);
	/* 3 and 5 rank below the level in service. */
	SV_CHECK(!pic_pending(&e->pic));
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 3);
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	out8(e, MASTER_CMD, OCW2_EOI);

	/* IRQs 8-15 rank between IRQ 1 and IRQ 3 (they come in on IR2). */
	pulse(e, 3);
	pulse(e, 15);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 7);
	env_free(e);
}

static void test_nested_and_eoi(void)
{
	struct env *e = linux_env();

	pulse(e, 3);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 3);
	/* Lower priority waits, higher priority nests. */
	pulse(e, 6);
	SV_CHECK(!pic_pending(&e->pic));
	pulse(e, 1);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 1);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x0a);
	/* A non-specific EOI ends the highest level in service. */
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x08);
	SV_CHECK(!pic_pending(&e->pic));
	/* A specific EOI for a level not in service changes nothing. */
	out8(e, MASTER_CMD, OCW2_SPECIFIC_EOI | 5);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x08);
	out8(e, MASTER_CMD, OCW2_SPECIFIC_EOI | 3);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 6);
	/* A specific EOI may end a lower level before a higher one. */
	pulse(e, 4);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 4);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x50);
	out8(e, MASTER_CMD, OCW2_SPECIFIC_EOI | 6);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x10);
	env_free(e);
}

static void test_auto_eoi(void)
{
	struct env *e = env_new();

	init_pair(e, LINUX_MASTER_BASE, LINUX_SLAVE_BASE, 0x03);
	pulse(e, 0);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	/* No EOI needed for the next one, even a lower priority one. */
	pulse(e, 0);
	pulse(e, 5);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	/* Both chips in AEOI: a slave interrupt leaves no ISR bit anywhere. */
	pulse(e, 10);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 2);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	SV_CHECK_EQ_U64(read_isr(e, SLAVE_CMD), 0x00);

	/* Rotate in AEOI mode: the level just served drops to lowest. */
	out8(e, MASTER_CMD, OCW2_ROTATE_AEOI_SET);
	pulse(e, 1);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 1);
	pulse(e, 1);
	pulse(e, 6);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 6);
	env_free(e);
}

static void test_cascade(void)
{
	struct env *e = linux_env();

	pulse(e, 10);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x04);
	SV_CHECK_EQ_U64(read_irr(e, SLAVE_CMD), 0x04);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 2);
	SV_CHECK_EQ_U64(read_isr(e, SLAVE_CMD), 0x04);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x04);
	SV_CHECK_EQ_U64(read_irr(e, SLAVE_CMD), 0x00);

	/* Another slave request waits for both EOIs (normal nesting). */
	pulse(e, 9);
	SV_CHECK(!pic_pending(&e->pic));
	out8(e, SLAVE_CMD, OCW2_EOI);
	SV_CHECK(!pic_pending(&e->pic));	/* master IR2 still in service */
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 1);

	/* Device IRQ 2 is the bus's IRQ2 pin, wired to IRQ 9 on the AT. */
	out8(e, SLAVE_CMD, OCW2_EOI);
	out8(e, MASTER_CMD, OCW2_EOI);
	pulse(e, 2);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 1);
	env_free(e);
}

static void test_special_fully_nested(void)
{
	struct env *e = env_new();

	/* Master ICW4 with SFNM (the helper keeps it off the slave). */
	init_pair(e, LINUX_MASTER_BASE, LINUX_SLAVE_BASE, 0x11);
	pulse(e, 12);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 4);
	/* A higher slave level gets through the master's busy IR2. */
	pulse(e, 9);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 1);
	SV_CHECK_EQ_U64(read_isr(e, SLAVE_CMD), 0x12);
	/* A lower one does not (the slave itself blocks it). */
	pulse(e, 14);
	SV_CHECK(!pic_pending(&e->pic));
	env_free(e);
}

static void test_spurious_level_drop(void)
{
	struct env *e = linux_env();

	/* IRQ 5 level-triggered through the ELCR. */
	out8(e, ELCR1, 0x20);
	SV_CHECK_EQ_U64(in8(e, ELCR1), 0x20);
	vm_irq_set(&e->vm, 5, true);
	SV_CHECK(pic_pending(&e->pic));
	vm_irq_set(&e->vm, 5, false);
	SV_CHECK(!pic_pending(&e->pic));
	/* The CPU had seen INTR: INTA now gets the default IR7. */
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 7);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	SV_CHECK_EQ_U64(e->pic.spurious_master, 1);

	/* A level request still high after EOI interrupts again. */
	vm_irq_set(&e->vm, 5, true);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK(pic_pending(&e->pic));
	vm_irq_set(&e->vm, 5, false);
	SV_CHECK(!pic_pending(&e->pic));

	/* An edge request, by contrast, stays latched after its pulse. */
	pulse(e, 6);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 6);
	out8(e, MASTER_CMD, OCW2_EOI);
	env_free(e);
}

static void test_spurious_slave(void)
{
	struct env *e = linux_env();

	/* IRQ 11 level-triggered; ICW1 LTIM would do it for a whole chip. */
	out8(e, ELCR2, 0x08);
	vm_irq_set(&e->vm, 11, true);
	SV_CHECK(pic_pending(&e->pic));
	vm_irq_set(&e->vm, 11, false);
	/* The master latched the slave's INT edge; the slave has nothing. */
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_SLAVE_BASE + 7);
	SV_CHECK_EQ_U64(e->pic.spurious_slave, 1);
	SV_CHECK_EQ_U64(read_isr(e, SLAVE_CMD), 0x00);
	/* The master's IR2 is in service: Linux EOIs the master only. */
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x04);

	/* ELCR bits of IRQ 0-2, 8 and 13 are read-only zero. */
	out8(e, ELCR1, 0xff);
	out8(e, ELCR2, 0xff);
	SV_CHECK_EQ_U64(in8(e, ELCR1), 0xf8);
	SV_CHECK_EQ_U64(in8(e, ELCR2), 0xde);
	env_free(e);
}

static void test_ltim_level_mode(void)
{
	struct env *e = env_new();

	out8(e, MASTER_CMD, 0x19);	/* LTIM */
	out8(e, MASTER_DATA, 0x20);
	out8(e, MASTER_DATA, 0x04);
	out8(e, MASTER_DATA, 0x01);
	vm_irq_set(&e->vm, 3, true);
	vm_irq_set(&e->vm, 3, false);
	SV_CHECK(!pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x27);
	/* A line already high at ICW1 requests at once in level mode. */
	vm_irq_set(&e->vm, 4, true);
	out8(e, MASTER_CMD, 0x19);
	out8(e, MASTER_DATA, 0x20);
	out8(e, MASTER_DATA, 0x04);
	out8(e, MASTER_DATA, 0x01);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x24);
	env_free(e);
}

static void test_read_irr_isr_and_imr(void)
{
	struct env *e = linux_env();

	pulse(e, 4);
	pulse(e, 6);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 4);
	out8(e, MASTER_DATA, 0x81);
	out8(e, MASTER_CMD, OCW3_READ_ISR);
	/* The selection sticks across reads; A0 = 1 always reads the IMR. */
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x10);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x10);
	SV_CHECK_EQ_U64(in8(e, MASTER_DATA), 0x81);
	out8(e, MASTER_CMD, OCW3_READ_IRR);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x40);
	/* OCW3 with RR = 0 leaves the selection alone. */
	out8(e, MASTER_CMD, 0x08);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x40);

	/* A 16-bit IN from 0x20 reads 0x20 then 0x21, as the ISA bus splits it. */
	{
		uint64_t data = 0;

		SV_CHECK_EQ_I64(iobus_access(&e->vm.bus, SV_IO_PORT, MASTER_CMD,
					     2, false, &data), 0);
		SV_CHECK_EQ_U64(data, 0x8140);
	}
	/* ICW1 resets the selection to IRR and clears IMR and ISR. */
	out8(e, MASTER_CMD, OCW3_READ_ISR);
	out8(e, MASTER_CMD, 0x11);
	SV_CHECK_EQ_U64(in8(e, MASTER_DATA), 0x00);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x00);	/* IRR, edges reset */
	env_free(e);
}

static void test_poll(void)
{
	struct env *e = linux_env();

	/* Nothing requesting: I = 0. */
	out8(e, MASTER_CMD, OCW3_POLL);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x00);

	out8(e, MASTER_DATA, 0xff);	/* polling works with INTR masked off */
	out8(e, MASTER_DATA, 0x00);
	pulse(e, 6);
	pulse(e, 3);
	out8(e, MASTER_CMD, OCW3_POLL);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x83);
	/* The poll read acknowledged IR3. */
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x08);
	SV_CHECK_EQ_U64(read_irr(e, MASTER_CMD), 0x40);
	/* The poll is one-shot: the next read is the selected register. */
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x40);
	/* Poll wins over RR in the same OCW3. */
	out8(e, MASTER_CMD, OCW2_EOI);
	out8(e, MASTER_CMD, OCW3_POLL | OCW3_READ_ISR);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x86);
	SV_CHECK_EQ_U64(in8(e, MASTER_CMD), 0x40);	/* ISR now */
	SV_CHECK_EQ_U64(e->pic.acks, 2);
	env_free(e);
}

static void test_rotation(void)
{
	struct env *e = linux_env();

	/* Rotate on non-specific EOI: IR0 served, then drops to lowest. */
	pulse(e, 0);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE);
	out8(e, MASTER_CMD, OCW2_ROTATE_EOI);
	SV_CHECK_EQ_U64(e->pic.master.lowest, 0);
	pulse(e, 0);
	pulse(e, 7);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 7);
	out8(e, MASTER_CMD, OCW2_ROTATE_EOI);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE);
	/* The priority order is now 0 (highest) ... 7 (lowest). */
	pulse(e, 5);
	SV_CHECK(!pic_pending(&e->pic));	/* 0 is in service and ranks first */
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	out8(e, MASTER_CMD, OCW2_EOI);

	/* Set priority: IR3 lowest makes IR4 highest. */
	out8(e, MASTER_CMD, OCW2_SET_PRIORITY | 3);
	pulse(e, 3);
	pulse(e, 5);
	pulse(e, 4);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 4);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x10);
	/* Rotate on specific EOI: end IR4 and make it the lowest. */
	out8(e, MASTER_CMD, OCW2_ROTATE_SPECIFIC_EOI | 4);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	SV_CHECK_EQ_U64(e->pic.master.lowest, 4);
	/* Order 5 6 7 0 1 2 3 4: IR5 before IR3. */
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	out8(e, MASTER_CMD, OCW2_EOI);
	/* Set priority IR1 lowest: order 2 ... 1, IR3 ahead of a new IR1. */
	out8(e, MASTER_CMD, OCW2_SET_PRIORITY | 1);
	pulse(e, 1);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 3);
	env_free(e);
}

static void test_special_mask_mode(void)
{
	struct env *e = linux_env();

	pulse(e, 1);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 1);
	pulse(e, 5);
	SV_CHECK(!pic_pending(&e->pic));
	/* The handler masks its own level and enables everything else. */
	out8(e, MASTER_DATA, 0x02);
	out8(e, MASTER_CMD, OCW3_SET_SMM);
	SV_CHECK(pic_pending(&e->pic));
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 5);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x22);
	/* A non-specific EOI skips the masked IR1 in special mask mode. */
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x02);
	out8(e, MASTER_CMD, OCW3_RESET_SMM);
	out8(e, MASTER_CMD, OCW2_EOI);
	SV_CHECK_EQ_U64(read_isr(e, MASTER_CMD), 0x00);
	env_free(e);
}

static void test_init_sequence_variants(void)
{
	struct env *e = env_new();

	/* Single, with ICW4: ICW1, ICW2, ICW4; then A0 = 1 is the IMR. */
	out8(e, MASTER_CMD, 0x13);
	out8(e, MASTER_DATA, 0x40);
	SV_CHECK(e->pic.master.init_step == SV_PIC_WANT_ICW4);
	out8(e, MASTER_DATA, 0x01);
	out8(e, MASTER_DATA, 0x5a);
	SV_CHECK_EQ_U64(in8(e, MASTER_DATA), 0x5a);
	/* Single mode: IR2 is an ordinary input of the master. */
	out8(e, MASTER_DATA, 0x00);
	out8(e, SLAVE_CMD, 0x11);
	out8(e, SLAVE_DATA, 0x48);
	out8(e, SLAVE_DATA, 0x02);
	out8(e, SLAVE_DATA, 0x01);
	pulse(e, 11);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), 0x42);

	/* Cascade without ICW4: ICW1, ICW2, ICW3; 8086 mode is then off. */
	out8(e, MASTER_CMD, 0x10);
	out8(e, MASTER_DATA, 0x40);
	out8(e, MASTER_DATA, 0x04);
	SV_CHECK(e->pic.master.ready);
	SV_CHECK(!e->pic.master.upm);
	out8(e, MASTER_DATA, 0xa5);
	SV_CHECK_EQ_U64(in8(e, MASTER_DATA), 0xa5);
	env_free(e);
}

/* A tiny deterministic generator, so failures reproduce. */
static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned popcount8(uint8_t v)
{
	unsigned n = 0;

	for (; v; v &= (uint8_t)(v - 1))
		n++;
	return n;
}

static void test_hostile_sequences(void)
{
	static const uint16_t ports[] = {
		MASTER_CMD, MASTER_DATA, SLAVE_CMD, SLAVE_DATA, ELCR1, ELCR2,
	};
	struct env *e = env_new();
	struct sv_pic *p = &e->pic;
	uint32_t seed = 0x8259a;
	unsigned bad = 0, first_bad = 0, acked = 0;

#define INVARIANT(cond) \
	do { \
		if (!(cond) && !bad++) \
			first_bad = step; \
	} while (0)

	for (unsigned step = 0; step < 200000; step++) {
		uint32_t r = rng_next(&seed);
		uint8_t misr = p->master.isr, sisr = p->slave.isr;
		uint64_t spurious = p->spurious_master;
		bool was_pending = pic_pending(p);
		unsigned op = r % 16;
		uint64_t data = rng_next(&seed);
		uint16_t port = ports[(r >> 8) % SV_ARRAY_SIZE(ports)];
		unsigned size = 1u << ((r >> 12) % 3);
		bool may_gain = false;

		if (op < 5) {
			/* Garbage writes, biased toward ICW1 so inits happen. */
			if ((r >> 16) % 4 == 0)
				data = 0x10 | (data & 0xef);
			INVARIANT(iobus_access(&e->vm.bus, SV_IO_PORT, port,
					       size, true, &data) == 0);
		} else if (op < 8) {
			/* A read of a command port may be a poll (an INTA). */
			INVARIANT(iobus_access(&e->vm.bus, SV_IO_PORT, port,
					       size, false, &data) == 0);
			may_gain = true;
		} else if (op < 13) {
			vm_irq_set(&e->vm, (r >> 16) % 20, (r >> 24) & 1);
		} else {
			int v = pic_ack(p);

			may_gain = true;
			acked += v >= 0;
			INVARIANT(v <= 255);
			INVARIANT(v >= 0 || v == -SV_EAGAIN);
			INVARIANT(v >= 0 || !p->master.ready);
			/* pending promised a real master request. */
			INVARIANT(!was_pending || p->spurious_master == spurious);
			if (v >= 0 && (p->master.isr & ~misr))
				INVARIANT(((p->master.isr & ~misr) == 0x04 &&
					   p->master.icw3 & 0x04) ||
					  (unsigned)v == p->master.vector_base +
					  (unsigned)__builtin_ctz(p->master.isr & ~misr));
			if (v >= 0 && (p->slave.isr & ~sisr))
				INVARIANT((unsigned)v == p->slave.vector_base +
					  (unsigned)__builtin_ctz(p->slave.isr & ~sisr));
		}
		/*
		 * ISR bits appear only through an acknowledge (INTA or a
		 * poll read), one level per chip at a time.
		 */
		if (may_gain) {
			INVARIANT(popcount8(p->master.isr & ~misr) <= 1);
			INVARIANT(popcount8(p->slave.isr & ~sisr) <= 1);
		} else {
			INVARIANT(!(p->master.isr & ~misr));
			INVARIANT(!(p->slave.isr & ~sisr));
		}
		INVARIANT(p->master.lowest < 8 && p->slave.lowest < 8);
		INVARIANT(p->master.init_step <= SV_PIC_WANT_ICW4);
		INVARIANT(p->slave.init_step <= SV_PIC_WANT_ICW4);
		INVARIANT(!(p->master.elcr & 0x07) && !(p->slave.elcr & 0x21));
		INVARIANT((p->master.vector_base & 7) == 0 &&
			  (p->slave.vector_base & 7) == 0);
		/* A chip that is not ready never raises INTR. */
		INVARIANT(p->master.ready || !pic_pending(p));
	}
#undef INVARIANT
	SV_CHECK_EQ_U64(bad, 0);
	SV_CHECK_EQ_U64(first_bad, 0);
	/* The sequence did reach the interesting states. */
	SV_CHECK(acked > 100);
	SV_CHECK(p->acks > 100);
	env_free(e);
}

static uint64_t pic_digest_of(const struct sv_pic *pic)
{
	struct sv_digest d;

	sv_digest_init(&d);
	pic_digest(pic, &d);
	return d.h;
}

/* The same accesses on both pairs, as a replay repeats a recording. */
static void digest_drive(struct env *e)
{
	init_pair(e, LINUX_MASTER_BASE, LINUX_SLAVE_BASE, 0x01);
	out8(e, ELCR2, 0x0c);		/* IRQ 10, 11 level-triggered */
	vm_irq_set(&e->vm, 10, true);
	pulse(e, 0);
	pulse(e, 4);
	SV_CHECK_EQ_I64(pic_ack(&e->pic), LINUX_MASTER_BASE + 0);
	out8(e, MASTER_CMD, OCW3_READ_ISR);
	(void)in8(e, MASTER_CMD);
}

static void test_state_digest(void)
{
	struct env *a = env_new(), *b = env_new();

	/* Two fresh pairs at different addresses: no pointer is hashed. */
	SV_CHECK(a != b);
	SV_CHECK_EQ_U64(pic_digest_of(&a->pic), pic_digest_of(&b->pic));

	digest_drive(a);
	digest_drive(b);
	SV_CHECK(a->pic.acks == 1 && a->pic.master.isr != 0);
	SV_CHECK_EQ_U64(pic_digest_of(&a->pic), pic_digest_of(&b->pic));

	/* One different IMR write tells them apart... */
	out8(a, MASTER_DATA, 0x10);
	out8(b, MASTER_DATA, 0x20);
	SV_CHECK(pic_digest_of(&a->pic) != pic_digest_of(&b->pic));
	/* ...and the same state again makes them equal again. */
	out8(b, MASTER_DATA, 0x10);
	SV_CHECK_EQ_U64(pic_digest_of(&a->pic), pic_digest_of(&b->pic));
	/* So do a level-line change and a statistics counter. */
	vm_irq_set(&b->vm, 11, true);
	SV_CHECK(pic_digest_of(&a->pic) != pic_digest_of(&b->pic));
	vm_irq_set(&b->vm, 11, false);
	SV_CHECK_EQ_U64(pic_digest_of(&a->pic), pic_digest_of(&b->pic));
	b->pic.spurious_slave++;
	SV_CHECK(pic_digest_of(&a->pic) != pic_digest_of(&b->pic));

	env_free(a);
	env_free(b);
}

CU_TestInfo sv_tests_pic[] = {
	{ "uninitialised delivers nothing", test_uninitialised_delivers_nothing },
	{ "ICW1 resets edge latches", test_icw1_resets_edge_latches },
	{ "Linux init, IRQ 0", test_linux_init_irq0 },
	{ "DOS init, ICW2 low bits", test_dos_init_ignores_icw2_low_bits },
	{ "masking", test_masking },
	{ "priority", test_priority },
	{ "nesting and EOI", test_nested_and_eoi },
	{ "automatic EOI", test_auto_eoi },
	{ "cascade", test_cascade },
	{ "special fully nested mode", test_special_fully_nested },
	{ "spurious IRQ 7", test_spurious_level_drop },
	{ "spurious IRQ 15", test_spurious_slave },
	{ "LTIM level mode", test_ltim_level_mode },
	{ "read IRR/ISR/IMR", test_read_irr_isr_and_imr },
	{ "poll command", test_poll },
	{ "rotation", test_rotation },
	{ "special mask mode", test_special_mask_mode },
	{ "init sequence variants", test_init_sequence_variants },
	{ "hostile sequences", test_hostile_sequences },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
