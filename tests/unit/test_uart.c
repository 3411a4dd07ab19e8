/*
 * Tests of the 16550A UART model, driven through the I/O bus as a guest's
 * IN/OUT would, with a fake interrupt controller watching IRQ 4 and
 * simulated time for the character timeout: Linux 8250 probing and
 * start-up, the divisor latch, output order, the THRE interrupt rules, the
 * receive FIFO with its trigger levels, timeout and overrun, loopback,
 * OUT2 gating, IIR priorities, the scratch register, and random guest
 * writes that must leave the device consistent.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"
#include "sv/dev/uart.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv_test.h"

#define BASE SV_UART_COM1_BASE
#define IRQ  SV_UART_COM1_IRQ

/* An interrupt controller that only watches lines: levels and edges. */
struct watch_intc {
	bool level[16];
	unsigned rises[16], falls[16];
	bool bad_line;
};

static void watch_set_irq(void *ctx, unsigned irq, bool level)
{
	struct watch_intc *w = ctx;

	if (irq >= 16) {
		w->bad_line = true;
		return;
	}
	if (level && !w->level[irq])
		w->rises[irq]++;
	if (!level && w->level[irq])
		w->falls[irq]++;
	w->level[irq] = level;
}

static bool watch_pending(void *ctx)
{
	(void)ctx;
	return false;
}

static int watch_ack(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct sv_intc_ops watch_ops = {
	watch_set_irq, watch_pending, watch_ack,
};

struct rig {
	struct sv_vm vm;
	struct watch_intc intc;
	struct sv_uart uart;
	uint64_t now;
	uint8_t out[4096];
	size_t nout;
};

static struct rig rig;

static uint64_t rig_clock(void *ctx)
{
	return ((struct rig *)ctx)->now;
}

static void rig_out(void *ctx, uint8_t byte)
{
	struct rig *r = ctx;

	if (r->nout < sizeof(r->out))
		r->out[r->nout++] = byte;
}

static struct rig *rig_init(void)
{
	struct rig *r = &rig;

	memset(r, 0, sizeof(*r));
	r->now = 1000000000ull;
	SV_CHECK_EQ_I64(vm_init(&r->vm, "uart", &fake_backend_ops, NULL), 0);
	vm_set_clock(&r->vm, rig_clock, r, false);
	SV_CHECK_EQ_I64(vm_set_intc(&r->vm, &watch_ops, &r->intc), 0);
	SV_CHECK_EQ_I64(uart_init(&r->uart, &r->vm, BASE, IRQ, rig_out, r), 0);
	return r;
}

static void rig_fini(struct rig *r)
{
	uart_destroy(&r->uart);
	vm_destroy(&r->vm);
}

static void out8(struct rig *r, unsigned reg, uint8_t v)
{
	uint64_t d = v;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, BASE + reg, 1,
				     true, &d), 0);
}

static uint8_t in8(struct rig *r, unsigned reg)
{
	uint64_t d = 0;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, BASE + reg, 1,
				     false, &d), 0);
	return (uint8_t)d;
}

static void advance(struct rig *r, uint64_t ns)
{
	r->now += ns;
	vm_timers_run(&r->vm, r->now);
}

static bool irq_line(struct rig *r)
{
	return r->intc.level[IRQ];
}

static void receive(struct rig *r, const char *s, size_t n)
{
	SV_CHECK_EQ_I64(uart_receive(&r->uart, (const uint8_t *)s, n), 0);
}

static void test_reset_state(void)
{
	struct rig *r = rig_init();

	SV_CHECK_EQ_U64(in8(r, SV_UART_IER), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LCR), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MCR), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LSR),
			SV_UART_LSR_THRE | SV_UART_LSR_TEMT);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_CTS |
			SV_UART_MSR_DSR | SV_UART_MSR_DCD);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 0);
	/* the ports are taken: a second UART there is refused */
	{
		static struct sv_uart other;

		SV_CHECK_EQ_I64(uart_init(&other, &r->vm, BASE + 4, IRQ, NULL,
					  NULL), -SV_EBUSY);
		SV_CHECK_EQ_I64(uart_init(&other, &r->vm, 0xfffc, IRQ, NULL,
					  NULL), -SV_EINVAL);
		SV_CHECK_EQ_I64(uart_init(&other, &r->vm, 0x2f8, 16, NULL,
					  NULL), -SV_EINVAL);
	}
	rig_fini(r);
}

/*
 * What Linux's 8250 driver does to find and start a port (autoconfig and
 * serial8250_do_startup): every check it makes must see a 16550A.
 */
static void test_linux_probe_and_startup(void)
{
	struct rig *r = rig_init();
	uint8_t save_ier, save_mcr, iir, lsr;

	/* existence: IER's low nibble holds what is written, the rest is 0 */
	save_ier = in8(r, SV_UART_IER);
	out8(r, SV_UART_IER, 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IER) & 0x0f, 0);
	out8(r, SV_UART_IER, 0xff);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IER), 0x0f);
	out8(r, SV_UART_IER, save_ier);

	/* loopback check: MCR = LOOP | OUT2 | RTS must read MSR 0x90 */
	save_mcr = in8(r, SV_UART_MCR);
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP | 0x0a);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR) & 0xf0, 0x90);
	out8(r, SV_UART_MCR, save_mcr);

	/* EFR probe with LCR = 0xbf is an FCR write of 0 on a 16550A */
	out8(r, SV_UART_LCR, 0xbf);
	out8(r, SV_UART_FCR, 0);
	out8(r, SV_UART_LCR, 0);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR) >> 6, 3);	/* "16550A" */
	/* not a 16750: the 64-byte FIFO bit (IIR bit 5) never reads 1 */
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0x20);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR) >> 5, 6);
	out8(r, SV_UART_LCR, 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR) >> 5, 6);

	/* startup: clear the FIFOs and pending state */
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | SV_UART_FCR_RFRES |
	     SV_UART_FCR_XFRES);
	out8(r, SV_UART_FCR, 0);
	in8(r, SV_UART_LSR);
	in8(r, SV_UART_RBR);
	in8(r, SV_UART_IIR);
	in8(r, SV_UART_MSR);
	SV_CHECK(in8(r, SV_UART_LSR) != 0xff);

	/* baud rate 115200, 8N1 */
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB | 0x03);
	out8(r, SV_UART_DLL, 1);
	out8(r, SV_UART_DLM, 0);
	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0x80);	/* trigger 8 */

	/* the THRE test: enabling THRI with THR empty must interrupt */
	out8(r, SV_UART_IER, SV_UART_IER_ETBEI);
	lsr = in8(r, SV_UART_LSR);
	iir = in8(r, SV_UART_IIR);
	out8(r, SV_UART_IER, 0);
	SV_CHECK(lsr & SV_UART_LSR_TEMT);
	SV_CHECK_EQ_U64(iir, SV_UART_IIR_FIFOS | SV_UART_IIR_THRI);

	/* set_mctrl with OUT2, enable RX and line-status interrupts */
	out8(r, SV_UART_MCR, SV_UART_MCR_DTR | SV_UART_MCR_RTS |
	     SV_UART_MCR_OUT2);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI | SV_UART_IER_ELSI);
	SV_CHECK(!irq_line(r));
	receive(r, "abcdefgh", 8);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR),
			SV_UART_IIR_FIFOS | SV_UART_IIR_RDI);
	for (const char *p = "abcdefgh"; *p; p++) {
		SV_CHECK(in8(r, SV_UART_LSR) & SV_UART_LSR_DR);
		SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), (uint8_t)*p);
	}
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	SV_CHECK(!irq_line(r));
	rig_fini(r);
}

static void test_divisor_latch(void)
{
	struct rig *r = rig_init();

	/* the BIOS default, 9600 baud */
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLL), 12);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLM), 0);
	out8(r, SV_UART_DLL, 0x34);
	out8(r, SV_UART_DLM, 0x12);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLL), 0x34);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLM), 0x12);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LCR), SV_UART_LCR_DLAB);
	/* no byte went out while DLAB hid THR */
	SV_CHECK_EQ_U64(r->nout, 0);

	/* with DLAB clear the same offsets are THR/RBR and IER */
	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_IER, SV_UART_IER_ELSI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IER), SV_UART_IER_ELSI);
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB | 0x03);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLL), 0x34);
	SV_CHECK_EQ_U64(in8(r, SV_UART_DLM), 0x12);
	out8(r, SV_UART_LCR, 0x03);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IER), SV_UART_IER_ELSI);
	rig_fini(r);
}

static void test_output_order(void)
{
	struct rig *r = rig_init();
	const char *msg = "Hello, Smart-VM!\r\n";

	out8(r, SV_UART_LCR, 0x03);
	for (const char *p = msg; *p; p++) {
		SV_CHECK(in8(r, SV_UART_LSR) & SV_UART_LSR_THRE);
		out8(r, SV_UART_THR, (uint8_t)*p);
		/* the line is infinitely fast: empty again at once */
		SV_CHECK_EQ_U64(in8(r, SV_UART_LSR) &
				(SV_UART_LSR_THRE | SV_UART_LSR_TEMT),
				SV_UART_LSR_THRE | SV_UART_LSR_TEMT);
	}
	SV_CHECK_EQ_U64(r->nout, strlen(msg));
	SV_CHECK(memcmp(r->out, msg, strlen(msg)) == 0);
	SV_CHECK_EQ_U64(r->uart.tx_bytes, strlen(msg));

	/* bytes travel whole whatever the word length (reset LCR: 5 bits) */
	out8(r, SV_UART_LCR, 0x00);
	out8(r, SV_UART_THR, 0xc1);
	SV_CHECK_EQ_U64(r->out[r->nout - 1], 0xc1);
	rig_fini(r);
}

static void test_thre_interrupt(void)
{
	struct rig *r = rig_init();

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	SV_CHECK(!irq_line(r));
	/* enabling ETBEI with THR empty raises THRE */
	out8(r, SV_UART_IER, SV_UART_IER_ETBEI);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 1);
	/* reading IIR while it reports THRE clears it */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_THRI);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);

	/* a byte written: THRE drops, the byte leaves, THRE comes back */
	out8(r, SV_UART_THR, 'x');
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 2);
	SV_CHECK_EQ_U64(r->intc.falls[IRQ], 1);
	/* writing THR while THRE is pending makes a fresh edge */
	out8(r, SV_UART_THR, 'y');
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 3);
	SV_CHECK_EQ_U64(r->intc.falls[IRQ], 2);
	SV_CHECK_EQ_U64(r->nout, 2);

	/* masking ETBEI lowers the line; unmasking re-samples THRE */
	out8(r, SV_UART_IER, 0);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);
	out8(r, SV_UART_IER, SV_UART_IER_ETBEI);
	SV_CHECK(irq_line(r));
	/* re-writing IER with ETBEI already set does not re-raise it */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_THRI);
	out8(r, SV_UART_IER, SV_UART_IER_ETBEI | SV_UART_IER_ELSI);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);
	/* reading IIR does not clear THRE when it reports something else */
	out8(r, SV_UART_IER, 0);
	out8(r, SV_UART_IER, SV_UART_IER_ETBEI | SV_UART_IER_ERBFI);
	receive(r, "z", 1);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_RDI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'z');
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_THRI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);
	rig_fini(r);
}

static void test_rx_fifo_trigger_levels(void)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	struct rig *r = rig_init();
	char buf[16];

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('A' + i);
	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI);
	for (unsigned t = 0; t < 4; t++) {
		uint8_t n = levels[t];

		out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | SV_UART_FCR_RFRES |
		     (uint8_t)(t << SV_UART_FCR_TRIG_SHIFT));
		SV_CHECK_EQ_U64(uart_rx_room(&r->uart), 16);
		receive(r, buf, n - 1u);
		SV_CHECK(!irq_line(r));
		SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
				SV_UART_IIR_NO_INT);
		receive(r, buf + n - 1, 1);
		SV_CHECK(irq_line(r));
		SV_CHECK_EQ_U64(in8(r, SV_UART_IIR),
				SV_UART_IIR_FIFOS | SV_UART_IIR_RDI);
		SV_CHECK_EQ_U64(uart_rx_room(&r->uart), 16u - n);
		/* one byte read drops the level below the trigger */
		SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'A');
		SV_CHECK(!irq_line(r));
		for (unsigned i = 1; i < n; i++)
			SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), (uint8_t)buf[i]);
		SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	}
	/* an empty FIFO reads the last byte again */
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), (uint8_t)buf[13]);

	/* FIFO reset throws the bytes away */
	receive(r, "xyz", 3);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | SV_UART_FCR_RFRES);
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	/* and so does leaving FIFO mode; FCR bits need FIFOE to stick */
	receive(r, "xyz", 3);
	out8(r, SV_UART_FCR, 0xc0);
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_NO_INT);
	/* 16450 mode: one byte raises data available */
	receive(r, "q", 1);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_RDI);
	SV_CHECK_EQ_U64(uart_rx_room(&r->uart), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'q');
	rig_fini(r);
}

static void test_character_timeout(void)
{
	struct rig *r = rig_init();
	/* divisor 12, 8N1: 10 bits of 16 * 12 clocks at 1.8432 MHz */
	const uint64_t char_ns = 10ull * 16 * 12 * 1000000000 / 1843200;

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0x80);	/* trigger 8 */
	receive(r, "abc", 3);
	SV_CHECK(!irq_line(r));
	advance(r, 4 * char_ns - 1000);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_NO_INT);
	/* a new byte restarts the timer */
	receive(r, "d", 1);
	advance(r, 4 * char_ns - 1000);
	SV_CHECK(!irq_line(r));
	advance(r, 2000);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_CTI);
	/* reading a byte clears the indication and restarts the timer */
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'a');
	SV_CHECK(!irq_line(r));
	advance(r, 4 * char_ns + 1000);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'b');
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'c');
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'd');
	SV_CHECK(!irq_line(r));
	/* nothing left: no timeout ever */
	advance(r, 100 * char_ns);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_NO_INT);
	/* no timeout in 16450 mode (data available covers one byte) */
	out8(r, SV_UART_FCR, 0);
	out8(r, SV_UART_IER, 0);
	receive(r, "e", 1);
	advance(r, 100 * char_ns);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_RDI);
	/* the timeout scales with the baud rate: divisor 1 is 12x shorter */
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0xc0);
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB | 0x03);
	out8(r, SV_UART_DLL, 1);
	out8(r, SV_UART_LCR, 0x03);
	receive(r, "f", 1);
	advance(r, 4 * char_ns / 12 + 1000);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_CTI);
	rig_fini(r);
}

static void test_overrun(void)
{
	struct rig *r = rig_init();
	const char *in = "0123456789abcdefXYZ";

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0xc0);	/* trigger 14 */
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI | SV_UART_IER_ELSI);
	receive(r, in, 19);
	SV_CHECK_EQ_U64(r->uart.rx_overruns, 3);
	SV_CHECK_EQ_U64(uart_rx_room(&r->uart), 0);
	/* line status outranks data available */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_RLSI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LSR), SV_UART_LSR_DR | SV_UART_LSR_OE |
			SV_UART_LSR_THRE | SV_UART_LSR_TEMT);
	/* reading LSR cleared OE and the line status interrupt */
	SV_CHECK_EQ_U64(in8(r, SV_UART_LSR), SV_UART_LSR_DR |
			SV_UART_LSR_THRE | SV_UART_LSR_TEMT);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_RDI);
	/* the FIFO kept the first 16 bytes; the later ones were lost */
	for (unsigned i = 0; i < 16; i++)
		SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), (uint8_t)in[i]);
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	SV_CHECK(!irq_line(r));

	/* 16450 mode: the new byte overwrites the unread one */
	out8(r, SV_UART_FCR, 0);
	receive(r, "PQ", 2);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LSR) & (SV_UART_LSR_DR | SV_UART_LSR_OE),
			SV_UART_LSR_DR | SV_UART_LSR_OE);
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'Q');
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	SV_CHECK_EQ_I64(uart_receive(&r->uart, NULL, 1), -SV_EINVAL);
	SV_CHECK_EQ_I64(uart_receive(&r->uart, NULL, 0), 0);
	rig_fini(r);
}

static void test_loopback(void)
{
	struct rig *r = rig_init();

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE);
	in8(r, SV_UART_MSR);
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP);
	/* the inputs now follow the (cleared) outputs: all four changed */
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_DCTS |
			SV_UART_MSR_DDSR | SV_UART_MSR_DDCD);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), 0);
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP | SV_UART_MCR_DTR);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_DSR |
			SV_UART_MSR_DDSR);
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP | SV_UART_MCR_RTS |
	     SV_UART_MCR_OUT1);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_CTS | SV_UART_MSR_RI |
			SV_UART_MSR_DDSR | SV_UART_MSR_DCTS);
	/* RI's falling edge is TERI; its rise set no delta */
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP | SV_UART_MCR_OUT2);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_DCD | SV_UART_MSR_TERI |
			SV_UART_MSR_DCTS | SV_UART_MSR_DDCD);

	/* transmitted bytes come back to the receiver, not to the line */
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI);
	out8(r, SV_UART_THR, 'L');
	out8(r, SV_UART_THR, 'B');
	SV_CHECK_EQ_U64(r->nout, 0);
	SV_CHECK(in8(r, SV_UART_LSR) & SV_UART_LSR_DR);
	/* data available pends in IIR, but the pin is cut off from the PIC */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_RDI);
	SV_CHECK(!irq_line(r));
	/* the line's bytes do not reach the receiver in loopback */
	receive(r, "no", 2);
	SV_CHECK_EQ_U64(uart_rx_room(&r->uart), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'L');
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'B');
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));

	/* leaving loopback: the terminal's lines are back, bytes go out */
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	SV_CHECK_EQ_U64(in8(r, SV_UART_MSR), SV_UART_MSR_CTS | SV_UART_MSR_DSR |
			SV_UART_MSR_DCD | SV_UART_MSR_DCTS | SV_UART_MSR_DDSR);
	out8(r, SV_UART_THR, 'o');
	SV_CHECK_EQ_U64(r->nout, 1);
	SV_CHECK_EQ_U64(r->out[0], 'o');
	SV_CHECK(!(in8(r, SV_UART_LSR) & SV_UART_LSR_DR));
	rig_fini(r);
}

static void test_out2_gates_irq(void)
{
	struct rig *r = rig_init();

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI);
	receive(r, "k", 1);
	/* pending in the chip, but OUT2 is low: the line stays quiet */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_RDI);
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 0);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	SV_CHECK(irq_line(r));
	SV_CHECK(uart_irq_asserted(&r->uart));
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT1 | SV_UART_MCR_DTR);
	SV_CHECK(!irq_line(r));
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2 | SV_UART_MCR_DTR);
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_RBR), 'k');
	SV_CHECK(!irq_line(r));
	SV_CHECK_EQ_U64(r->intc.rises[IRQ], 2);
	SV_CHECK(!r->intc.bad_line);
	rig_fini(r);
}

/* All five sources at once, taken in the datasheet's order. */
static void test_iir_priority(void)
{
	struct rig *r = rig_init();

	out8(r, SV_UART_LCR, 0x03);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE);	/* trigger 1 */
	/* modem status: a trip through loopback changes every input */
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	receive(r, "0123456789abcdefg", 17);		/* data + overrun */
	out8(r, SV_UART_IER, SV_UART_IER_MASK);		/* and THRE */
	SV_CHECK(irq_line(r));
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_RLSI);
	in8(r, SV_UART_LSR);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_RDI);
	for (unsigned i = 0; i < 16; i++)
		in8(r, SV_UART_RBR);
	/* the timeout indication ranks with data available, above THRE */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_THRI);
	/* that read acknowledged THRE */
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_MSI);
	SV_CHECK(irq_line(r));
	SV_CHECK(in8(r, SV_UART_MSR) & SV_UART_MSR_DELTAS);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_NO_INT);
	SV_CHECK(!irq_line(r));

	/* timeout versus THRE and modem status */
	out8(r, SV_UART_MCR, SV_UART_MCR_LOOP);
	out8(r, SV_UART_MCR, SV_UART_MCR_OUT2);
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | 0xc0);	/* trigger 14 */
	out8(r, SV_UART_THR, '!');			/* THRE again */
	receive(r, "t", 1);
	advance(r, 100000000);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_CTI);
	in8(r, SV_UART_RBR);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_THRI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_MSI);
	rig_fini(r);
}

static void test_scratch_and_wide_access(void)
{
	struct rig *r = rig_init();
	uint64_t d;

	for (unsigned v = 0; v < 256; v++) {
		out8(r, SV_UART_SCR, (uint8_t)v);
		SV_CHECK_EQ_U64(in8(r, SV_UART_SCR), v);
	}
	/* a 16-bit OUT at MSR is two byte writes: MSR (ignored), SCR */
	d = 0x5aff;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, BASE + SV_UART_MSR,
				     2, true, &d), 0);
	SV_CHECK_EQ_U64(in8(r, SV_UART_SCR), 0x5a);
	d = 0;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, BASE + SV_UART_MSR,
				     2, false, &d), 0);
	SV_CHECK_EQ_U64(d, 0x5ab0);
	/* LSR is read-only */
	out8(r, SV_UART_LSR, 0x00);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LSR), SV_UART_LSR_THRE | SV_UART_LSR_TEMT);
	/* a 32-bit OUT at THR writes THR, IER, FCR, LCR in turn */
	out8(r, SV_UART_LCR, 0x03);
	d = 0x03c10241;		/* 'A', ETBEI, FIFOE|trigger 14, 8N1 */
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, BASE, 4, true, &d),
			0);
	SV_CHECK_EQ_U64(r->nout, 1);
	SV_CHECK_EQ_U64(r->out[0], 'A');
	SV_CHECK_EQ_U64(in8(r, SV_UART_IER), SV_UART_IER_ETBEI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_IIR), SV_UART_IIR_FIFOS |
			SV_UART_IIR_THRI);
	SV_CHECK_EQ_U64(in8(r, SV_UART_LCR), 0x03);
	rig_fini(r);
}

/* xorshift64*: a fixed-seed generator, so a failure replays exactly. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void test_random_guest(void)
{
	struct rig *r = rig_init();
	uint64_t seed = 0x5eed0f16550aull;
	unsigned bad = 0;

	for (unsigned i = 0; i < 200000 && bad < 10; i++) {
		uint64_t x = rng_next(&seed);
		unsigned size = 1u << (x % 3);
		unsigned port = BASE + (unsigned)((x >> 8) % 10) - 1;
		uint64_t d = x >> 16;
		struct sv_uart *u = &r->uart;
		uint8_t iir;

		if ((x >> 4) % 16 == 0) {
			uint8_t in[24];

			for (unsigned k = 0; k < sizeof(in); k++)
				in[k] = (uint8_t)rng_next(&seed);
			SV_CHECK_EQ_I64(uart_receive(u, in, (x >> 40) % 24), 0);
		} else if ((x >> 4) % 16 == 1) {
			advance(r, (x >> 20) % 20000000);
		} else {
			SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port,
						     size, (x >> 7) & 1, &d), 0);
		}
		/* invariants a guest can never break */
		if (u->rx_count > (u->fcr & SV_UART_FCR_FIFOE ? 16u : 1u) ||
		    u->rx_head >= SV_UART_FIFO_SIZE ||
		    (u->ier & ~SV_UART_IER_MASK) ||
		    (u->mcr & ~SV_UART_MCR_MASK) ||
		    u->irq_level != r->intc.level[IRQ] ||
		    (u->irq_level && (!(u->mcr & SV_UART_MCR_OUT2) ||
				      (u->mcr & SV_UART_MCR_LOOP))))
			bad++;
		iir = in8(r, SV_UART_IIR);
		if ((iir & 0x30) || ((iir & SV_UART_IIR_NO_INT) && u->irq_level))
			bad++;
		if ((in8(r, SV_UART_LSR) & 0x60) != 0x60)
			bad++;
	}
	SV_CHECK_EQ_U64(bad, 0);
	SV_CHECK(!r->intc.bad_line);
	SV_CHECK(r->uart.tx_bytes > 0 && r->uart.rx_bytes > 0);
	rig_fini(r);
}

static uint64_t uart_digest_of(const struct sv_uart *u)
{
	struct sv_digest d;

	sv_digest_init(&d);
	uart_digest(u, &d);
	return d.h;
}

/* rig_init() on a rig of the caller's, so that two can live at once. */
static void digest_rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->now = 1000000000ull;
	SV_CHECK_EQ_I64(vm_init(&r->vm, "uart", &fake_backend_ops, NULL), 0);
	vm_set_clock(&r->vm, rig_clock, r, false);
	SV_CHECK_EQ_I64(vm_set_intc(&r->vm, &watch_ops, &r->intc), 0);
	SV_CHECK_EQ_I64(uart_init(&r->uart, &r->vm, BASE, IRQ, rig_out, r), 0);
}

/* The same accesses, input and simulated time on both UARTs. */
static void digest_drive(struct rig *r)
{
	out8(r, SV_UART_LCR, SV_UART_LCR_DLAB);
	out8(r, SV_UART_DLL, 1);		/* 115200 baud */
	out8(r, SV_UART_DLM, 0);
	out8(r, SV_UART_LCR, 0x03);		/* 8N1 */
	out8(r, SV_UART_FCR, SV_UART_FCR_FIFOE | SV_UART_FCR_RFRES |
			     SV_UART_FCR_XFRES | 0xc0);
	out8(r, SV_UART_MCR, SV_UART_MCR_DTR | SV_UART_MCR_RTS |
			     SV_UART_MCR_OUT2);
	out8(r, SV_UART_IER, SV_UART_IER_ERBFI | SV_UART_IER_ETBEI);
	out8(r, SV_UART_THR, 'o');
	out8(r, SV_UART_THR, 'k');
	receive(r, "abc", 3);
	advance(r, 10000);
	(void)in8(r, SV_UART_RBR);
	(void)in8(r, SV_UART_IIR);
}

static void test_state_digest(void)
{
	static struct rig two[2];
	struct rig *a = &two[0], *b = &two[1];

	/* Two fresh UARTs at different addresses, with different output
	 * contexts: no pointer is hashed. */
	digest_rig_init(a);
	digest_rig_init(b);
	SV_CHECK_EQ_U64(uart_digest_of(&a->uart), uart_digest_of(&b->uart));

	digest_drive(a);
	digest_drive(b);
	SV_CHECK_EQ_U64(a->nout, 2);
	SV_CHECK_EQ_U64(a->uart.rx_count, 2);
	SV_CHECK_EQ_U64(uart_digest_of(&a->uart), uart_digest_of(&b->uart));

	/* One more byte into one FIFO tells them apart... */
	receive(b, "d", 1);
	SV_CHECK(uart_digest_of(&a->uart) != uart_digest_of(&b->uart));
	/* ...as does the order of the bytes, with the same count. */
	receive(a, "e", 1);
	SV_CHECK_EQ_U64(a->uart.rx_count, b->uart.rx_count);
	SV_CHECK(uart_digest_of(&a->uart) != uart_digest_of(&b->uart));
	/* Drained, they differ only in RBR, the last byte read... */
	for (unsigned i = 0; i < 3; i++) {
		(void)in8(a, SV_UART_RBR);
		(void)in8(b, SV_UART_RBR);
	}
	SV_CHECK_EQ_U64(b->uart.rx_count, 0);
	SV_CHECK(uart_digest_of(&a->uart) != uart_digest_of(&b->uart));
	/* ...until both read the same byte: equal again. */
	receive(a, "z", 1);
	receive(b, "z", 1);
	SV_CHECK_EQ_U64(in8(a, SV_UART_RBR), 'z');
	SV_CHECK_EQ_U64(in8(b, SV_UART_RBR), 'z');
	SV_CHECK_EQ_U64(uart_digest_of(&a->uart), uart_digest_of(&b->uart));
	rig_fini(a);
	rig_fini(b);

	/*
	 * A disarmed timer's old deadline is no state: a byte that came and
	 * went at different times leaves the two UARTs alike.
	 */
	digest_rig_init(a);
	digest_rig_init(b);
	out8(a, SV_UART_FCR, SV_UART_FCR_FIFOE);
	out8(b, SV_UART_FCR, SV_UART_FCR_FIFOE);
	advance(b, 5000);
	receive(a, "x", 1);
	receive(b, "x", 1);
	SV_CHECK(uart_digest_of(&a->uart) != uart_digest_of(&b->uart));
	(void)in8(a, SV_UART_RBR);
	(void)in8(b, SV_UART_RBR);
	SV_CHECK(a->uart.timeout_timer.deadline !=
		 b->uart.timeout_timer.deadline);
	SV_CHECK_EQ_U64(uart_digest_of(&a->uart), uart_digest_of(&b->uart));
	rig_fini(a);
	rig_fini(b);
}

CU_TestInfo sv_tests_uart[] = {
	{ "reset state", test_reset_state },
	{ "Linux 8250 probe and start-up", test_linux_probe_and_startup },
	{ "divisor latch behind DLAB", test_divisor_latch },
	{ "output bytes in order", test_output_order },
	{ "THRE interrupt rules", test_thre_interrupt },
	{ "RX FIFO trigger levels", test_rx_fifo_trigger_levels },
	{ "character timeout", test_character_timeout },
	{ "overrun", test_overrun },
	{ "loopback", test_loopback },
	{ "OUT2 gates the IRQ line", test_out2_gates_irq },
	{ "IIR priorities", test_iir_priority },
	{ "scratch register and wide accesses", test_scratch_and_wide_access },
	{ "random guest accesses", test_random_guest },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
