/*
 * The 8259A PIC pair, programmed as on every PC (Intel 8259A datasheet:
 * ICW1-ICW4 initialization, OCW1 mask, OCW2 EOI, OCW3 register read).
 */
#include "i8259.h"

#include "x86.h"

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1

#define ICW1_ICW4       0x01	/* ICW4 follows */
#define ICW1_INIT       0x10	/* start initialization (edge triggered) */
#define ICW3_MASTER_SLAVE_ON(irq) (1u << (irq))	/* slave on this input */
#define ICW3_SLAVE_ID   I8259_CASCADE		/* slave's cascade identity */
#define ICW4_8086       0x01	/* 8086/8088 mode, normal EOI */
#define OCW2_EOI        0x20	/* non-specific end of interrupt */
#define OCW3_READ_ISR   0x0b	/* next read of the command port: ISR */
#define ALL_MASKED      0xff
#define IRQS_PER_CHIP   8
#define SPURIOUS_LINE   7	/* the lowest-priority input of each chip */
#define POST_PORT       0x80	/* writes to it do nothing but take time */

static uint8_t mask_master = ALL_MASKED, mask_slave = ALL_MASKED;

/* The slow 8259s of old boards want a pause between initialization words. */
static void io_wait(void)
{
	outb(POST_PORT, 0);
}

void i8259_init(unsigned base_vector)
{
	outb(PIC_MASTER_DATA, ALL_MASKED);
	outb(PIC_SLAVE_DATA, ALL_MASKED);
	outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC_SLAVE_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC_MASTER_DATA, (uint8_t)base_vector);		/* ICW2 */
	io_wait();
	outb(PIC_SLAVE_DATA, (uint8_t)(base_vector + IRQS_PER_CHIP));
	io_wait();
	outb(PIC_MASTER_DATA, ICW3_MASTER_SLAVE_ON(I8259_CASCADE));
	io_wait();
	outb(PIC_SLAVE_DATA, ICW3_SLAVE_ID);
	io_wait();
	outb(PIC_MASTER_DATA, ICW4_8086);
	io_wait();
	outb(PIC_SLAVE_DATA, ICW4_8086);
	io_wait();
	/* Everything masked but the cascade, which slave lines need. */
	mask_master = ALL_MASKED & ~(1u << I8259_CASCADE);
	mask_slave = ALL_MASKED;
	outb(PIC_MASTER_DATA, mask_master);
	outb(PIC_SLAVE_DATA, mask_slave);
}

void i8259_set_masked(unsigned irq, bool masked)
{
	uint8_t *m = irq < IRQS_PER_CHIP ? &mask_master : &mask_slave;
	uint8_t bit = (uint8_t)(1u << (irq % IRQS_PER_CHIP));

	if (irq >= I8259_IRQS)
		return;
	*m = masked ? (uint8_t)(*m | bit) : (uint8_t)(*m & ~bit);
	outb(irq < IRQS_PER_CHIP ? PIC_MASTER_DATA : PIC_SLAVE_DATA, *m);
}

void i8259_eoi(unsigned irq)
{
	if (irq >= IRQS_PER_CHIP)
		outb(PIC_SLAVE_CMD, OCW2_EOI);
	outb(PIC_MASTER_CMD, OCW2_EOI);
}

static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

bool i8259_spurious(unsigned irq)
{
	if (irq % IRQS_PER_CHIP != SPURIOUS_LINE)
		return false;
	if (irq < IRQS_PER_CHIP)
		return !(read_isr(PIC_MASTER_CMD) & (1u << SPURIOUS_LINE));
	if (read_isr(PIC_SLAVE_CMD) & (1u << SPURIOUS_LINE))
		return false;
	outb(PIC_MASTER_CMD, OCW2_EOI);	/* the master did see the cascade */
	return true;
}
