/*
 * 16550A UART character device (uart16550.h). Register offsets and bits
 * follow the National Semiconductor PC16550D datasheet.
 */
#include "uart16550.h"

#include "deadline.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "x86.h"

enum uart_reg {
	UART_RBR = 0,	/* receive buffer (read, DLAB=0) */
	UART_THR = 0,	/* transmit holding (write, DLAB=0) */
	UART_IER = 1,	/* interrupt enable (DLAB=0) */
	UART_IIR = 2,	/* interrupt identification (read) */
	UART_FCR = 2,	/* FIFO control (write) */
	UART_LCR = 3,	/* line control */
	UART_MCR = 4,	/* modem control */
	UART_LSR = 5,	/* line status */
	UART_MSR = 6,	/* modem status */
	UART_SCR = 7,	/* scratch */
};

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* transmitter holding register empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */

#define IIR_NO_INT	0x01	/* no interrupt pending */
#define IIR_ID_MASK	0x0e
#define IIR_ID_MSR	0x00	/* modem status change */
#define IIR_ID_THRE	0x02	/* transmitter empty */
#define IIR_ID_RDA	0x04	/* received data available */
#define IIR_ID_RLS	0x06	/* receiver line status */
#define IIR_ID_TIMEOUT	0x0c	/* character timeout (FIFO mode) */
#define IIR_FIFO_MASK	0xc0	/* both set: 16550A FIFOs enabled */

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_TRIGGER_8	0x80	/* receive interrupt at 8 bytes */

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT2	0x08	/* gates the IRQ line on PC boards */
#define MCR_LOOP	0x10	/* internal loopback */

#define LSR_DR		0x01	/* data ready */
#define LSR_OE		0x02	/* overrun */
#define LSR_PE		0x04	/* parity error */
#define LSR_FE		0x08	/* framing error */
#define LSR_BI		0x10	/* break */
#define LSR_THRE	0x20	/* room in the transmit FIFO */
#define LSR_TEMT	0x40	/* transmitter completely empty */

#define SCRATCH_PATTERN_A 0x5a
#define SCRATCH_PATTERN_B 0xa5

/* One byte at 115200 baud takes ~87 us; allow far more for a full FIFO. */
#define UART_TX_TIMEOUT_NS	(10 * NS_PER_MS)
#define UART_DRAIN_TIMEOUT_NS	(50 * NS_PER_MS)
#define UART_LOOP_TIMEOUT_NS	(50 * NS_PER_MS)
/* An interrupt drains at most this many bytes (a FIFO is 16). */
#define UART_IRQ_BUDGET		64

static uint8_t uart_in(const struct uart16550 *u, enum uart_reg reg)
{
	return inb((uint16_t)(u->base + reg));
}

static void uart_out(const struct uart16550 *u, enum uart_reg reg, uint8_t v)
{
	outb((uint16_t)(u->base + reg), v);
}

/* Move received bytes from the chip into the ring; counts line errors. */
static void uart_drain_rx(struct uart16550 *u, unsigned budget)
{
	uint8_t lsr;

	while (budget-- && ((lsr = uart_in(u, UART_LSR)) & LSR_DR)) {
		if (lsr & LSR_OE)
			u->overruns++;
		if (lsr & (LSR_PE | LSR_FE | LSR_BI))
			u->line_errors++;
		byte_ring_put(&u->rx, uart_in(u, UART_RBR));
	}
}

static int uart_read(struct sv_chardev *dev, void *buf, size_t len)
{
	struct uart16550 *u = sv_container_of(dev, struct uart16550, cdev);

	/* The ring has one producer at a time: the handler while it can run,
	 * else the reader (polled, or with IF clear on this, the only,
	 * processor). */
	if (!u->irq_mode || !(read_rflags() & RFLAGS_IF))
		uart_drain_rx(u, SV_BYTE_RING_SIZE);
	return (int)byte_ring_get(&u->rx, buf, len);
}

static int uart_write(struct sv_chardev *dev, const void *buf, size_t len)
{
	struct uart16550 *u = sv_container_of(dev, struct uart16550, cdev);
	const uint8_t *p = buf;
	struct deadline d;

	for (size_t i = 0; i < len; i++) {
		deadline_start(&d, UART_TX_TIMEOUT_NS);
		while (!(uart_in(u, UART_LSR) & LSR_THRE)) {
			/* A task preempted between the test and the clock
			 * read finds its deadline gone while the byte went
			 * out long ago: look once more before giving up. */
			if (deadline_passed(&d) &&
			    !(uart_in(u, UART_LSR) & LSR_THRE))
				return i ? (int)i : -SV_ETIMEDOUT;
		}
		uart_out(u, UART_THR, p[i]);
	}
	return (int)len;
}

static const struct sv_chardev_ops uart_ops = {
	.read = uart_read,
	.write = uart_write,
};

int uart16550_init(struct uart16550 *u, const char *name, uint16_t base)
{
	u->cdev.name = name;
	u->cdev.ops = &uart_ops;
	u->base = base;
	u->irq_mode = false;
	u->overruns = u->line_errors = 0;
	byte_ring_init(&u->rx);

	/* A floating bus reads 0xff: the scratch register must hold values. */
	uart_out(u, UART_SCR, SCRATCH_PATTERN_A);
	if (uart_in(u, UART_SCR) != SCRATCH_PATTERN_A)
		return -SV_ENODEV;
	uart_out(u, UART_SCR, SCRATCH_PATTERN_B);
	if (uart_in(u, UART_SCR) != SCRATCH_PATTERN_B)
		return -SV_ENODEV;

	uart_out(u, UART_IER, 0);
	/* Not FCR_CLEAR_TX: console output may still be in the FIFO. */
	uart_out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_TRIGGER_8);
	u->fifo = (uart_in(u, UART_IIR) & IIR_FIFO_MASK) == IIR_FIFO_MASK;
	uart_out(u, UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	/* Clear anything latched: line status, stale data, modem status. */
	(void)uart_in(u, UART_LSR);
	while (uart_in(u, UART_LSR) & LSR_DR)
		(void)uart_in(u, UART_RBR);
	(void)uart_in(u, UART_MSR);
	return 0;
}

void uart16550_set_irq(struct uart16550 *u, bool on)
{
	unsigned long flags = read_rflags();

	cli();
	u->irq_mode = on;
	uart_out(u, UART_IER, on ? IER_ERBFI | IER_ELSI : 0);
	if (flags & RFLAGS_IF)
		sti();
}

void uart16550_interrupt(struct uart16550 *u)
{
	uint8_t iir;

	/* Serve every cause the chip reports until it says none is left. */
	for (unsigned i = 0; i < UART_IRQ_BUDGET; i++) {
		iir = uart_in(u, UART_IIR);
		if (iir & IIR_NO_INT)
			return;
		switch (iir & IIR_ID_MASK) {
		case IIR_ID_RLS:	/* reading LSR clears it */
		case IIR_ID_RDA:
		case IIR_ID_TIMEOUT:
			uart_drain_rx(u, UART_IRQ_BUDGET);
			break;
		case IIR_ID_MSR:
			(void)uart_in(u, UART_MSR);
			break;
		case IIR_ID_THRE:	/* reading IIR cleared it */
		default:
			break;
		}
	}
}

static void uart_wait_temt(const struct uart16550 *u)
{
	struct deadline d;

	deadline_start(&d, UART_DRAIN_TIMEOUT_NS);
	while (!(uart_in(u, UART_LSR) & LSR_TEMT) && !deadline_passed(&d))
		;
}

int uart16550_loopback_test(struct uart16550 *u)
{
	static const uint8_t probe[] = { 'S', 'v', 0x00, 0xff, '\n' };
	uint8_t got[sizeof(probe)], junk[16];
	uint8_t mcr = uart_in(u, UART_MCR);
	size_t n = 0;
	struct deadline d;
	int err = 0, r;

	uart_wait_temt(u);
	uart_out(u, UART_MCR, mcr | MCR_LOOP);
	while (chardev_read(&u->cdev, junk, sizeof(junk)) > 0)
		;	/* stale input is not part of the test */
	r = chardev_write(&u->cdev, probe, sizeof(probe));
	if (r != (int)sizeof(probe))
		err = r < 0 ? r : -SV_EIO;
	deadline_start(&d, UART_LOOP_TIMEOUT_NS);
	while (!err && n < sizeof(probe)) {
		r = chardev_read(&u->cdev, got + n, sizeof(probe) - n);
		if (r < 0)
			err = r;
		else if (r > 0)
			n += (size_t)r;
		else if (deadline_passed(&d))
			err = -SV_ETIMEDOUT;
	}
	uart_wait_temt(u);
	uart_out(u, UART_MCR, mcr);
	if (!err && sv_memcmp(got, probe, sizeof(probe)))
		err = -SV_EIO;
	return err;
}
