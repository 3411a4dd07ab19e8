/*
 * A National/TI 16550A UART as the guest sees it: eight byte-wide
 * registers at base (COM1 = 0x3f8 on IRQ 4), the divisor latch behind
 * LCR.DLAB, 16-byte receive FIFO with its trigger levels, the four
 * prioritised interrupt sources of the IIR plus the FIFO character
 * timeout, loopback mode, and the PC's wiring of MCR.OUT2 as the gate of
 * the IRQ line.
 *
 * The serial line is infinitely fast: a byte written to THR reaches the out
 * callback at once, THR and the transmitter are empty again before the
 * guest's next instruction (LSR.THRE and TEMT never read 0), and the THRE
 * interrupt is re-raised as the chip raises it after each byte. Received
 * bytes come from uart_receive() (the console), which the chip takes into
 * its FIFO, or loses with LSR.OE when the FIFO is full.
 *
 * Character timeout: the datasheet's rule, timed. While the FIFO holds data
 * and no byte has entered or left it for four character times (computed
 * from the divisor and the LCR frame format, on a 1.8432 MHz clock), IIR
 * reports a timeout; a VM timer measures it. Reading RBR clears it.
 *
 * Bytes travel whole: the LCR word length times the line but does not cut
 * bits off a byte, as in QEMU, because guests that never program the LCR
 * (its reset value selects 5-bit words) still expect their text to arrive.
 *
 * Not modelled: parity, framing and break errors (a virtual line has none,
 * so LSR.PE/FE/BI and the FIFO error bit stay 0; LCR's set-break bit is
 * stored only), the DMA mode pins (FCR bit 3 is stored only), and the modem
 * inputs outside loopback, which read as a terminal that is always there
 * (CTS, DSR and DCD asserted, RI not).
 *
 * Ownership: the caller provides struct sv_uart storage, which must outlive
 * the VM's I/O bus and timers (uart_destroy() releases both). Not
 * thread-safe: the thread that drives the VM owns it, and calls
 * uart_receive() from that thread too.
 */
#ifndef SV_DEV_UART_H
#define SV_DEV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"
#include "sv/timer.h"

struct sv_vm;

/* PC wiring of the first two serial ports. */
enum {
	SV_UART_COM1_BASE = 0x3f8,
	SV_UART_COM1_IRQ  = 4,
	SV_UART_COM2_BASE = 0x2f8,
	SV_UART_COM2_IRQ  = 3,
	SV_UART_PORTS     = 8,
	SV_UART_FIFO_SIZE = 16,
};

/* Register offsets from base (the datasheet's names). */
enum sv_uart_reg {
	SV_UART_RBR = 0,	/* read, DLAB = 0: receiver buffer */
	SV_UART_THR = 0,	/* write, DLAB = 0: transmitter holding */
	SV_UART_DLL = 0,	/* DLAB = 1: divisor latch, low byte */
	SV_UART_IER = 1,	/* DLAB = 0: interrupt enable */
	SV_UART_DLM = 1,	/* DLAB = 1: divisor latch, high byte */
	SV_UART_IIR = 2,	/* read: interrupt identification */
	SV_UART_FCR = 2,	/* write: FIFO control */
	SV_UART_LCR = 3,	/* line control */
	SV_UART_MCR = 4,	/* modem control */
	SV_UART_LSR = 5,	/* line status */
	SV_UART_MSR = 6,	/* modem status */
	SV_UART_SCR = 7,	/* scratch */
};

/* IER */
#define SV_UART_IER_ERBFI	0x01	/* received data available (+ timeout) */
#define SV_UART_IER_ETBEI	0x02	/* THR empty */
#define SV_UART_IER_ELSI	0x04	/* receiver line status */
#define SV_UART_IER_EDSSI	0x08	/* modem status */
#define SV_UART_IER_MASK	0x0f	/* bits 4-7 are always 0 */

/* IIR: bit 0 = 1 means nothing pending; bits 1-3 the source. */
#define SV_UART_IIR_NO_INT	0x01
#define SV_UART_IIR_MSI		0x00	/* modem status (4th) */
#define SV_UART_IIR_THRI	0x02	/* THR empty (3rd) */
#define SV_UART_IIR_RDI		0x04	/* received data available (2nd) */
#define SV_UART_IIR_RLSI	0x06	/* receiver line status (1st) */
#define SV_UART_IIR_CTI		0x0c	/* character timeout (2nd) */
#define SV_UART_IIR_ID_MASK	0x0e
#define SV_UART_IIR_FIFOS	0xc0	/* both set while FCR.FIFOE is 1 */

/* FCR */
#define SV_UART_FCR_FIFOE	0x01	/* FIFO enable */
#define SV_UART_FCR_RFRES	0x02	/* receiver FIFO reset (self-clearing) */
#define SV_UART_FCR_XFRES	0x04	/* transmitter FIFO reset (self-clearing) */
#define SV_UART_FCR_DMA		0x08	/* DMA mode select */
#define SV_UART_FCR_TRIG_MASK	0xc0	/* receiver trigger: 1, 4, 8, 14 bytes */
#define SV_UART_FCR_TRIG_SHIFT	6

/* LCR */
#define SV_UART_LCR_WLS_MASK	0x03	/* word length: 5 + WLS bits */
#define SV_UART_LCR_STB		0x04	/* 2 stop bits (1.5 with 5-bit words) */
#define SV_UART_LCR_PEN		0x08	/* parity enable */
#define SV_UART_LCR_EPS		0x10	/* even parity */
#define SV_UART_LCR_SP		0x20	/* stick parity */
#define SV_UART_LCR_SBC		0x40	/* set break */
#define SV_UART_LCR_DLAB	0x80	/* divisor latch access */

/* MCR */
#define SV_UART_MCR_DTR		0x01
#define SV_UART_MCR_RTS		0x02
#define SV_UART_MCR_OUT1	0x04
#define SV_UART_MCR_OUT2	0x08	/* gates the IRQ line on a PC */
#define SV_UART_MCR_LOOP	0x10
#define SV_UART_MCR_MASK	0x1f	/* bits 5-7 are always 0 */

/* LSR */
#define SV_UART_LSR_DR		0x01	/* data ready */
#define SV_UART_LSR_OE		0x02	/* overrun error */
#define SV_UART_LSR_PE		0x04	/* parity error */
#define SV_UART_LSR_FE		0x08	/* framing error */
#define SV_UART_LSR_BI		0x10	/* break interrupt */
#define SV_UART_LSR_THRE	0x20	/* THR (transmit FIFO) empty */
#define SV_UART_LSR_TEMT	0x40	/* THR and shift register empty */
#define SV_UART_LSR_RXFE	0x80	/* error in receiver FIFO */
#define SV_UART_LSR_ERRORS	(SV_UART_LSR_OE | SV_UART_LSR_PE | \
				 SV_UART_LSR_FE | SV_UART_LSR_BI)

/* MSR */
#define SV_UART_MSR_DCTS	0x01	/* delta CTS */
#define SV_UART_MSR_DDSR	0x02	/* delta DSR */
#define SV_UART_MSR_TERI	0x04	/* trailing edge of RI */
#define SV_UART_MSR_DDCD	0x08	/* delta DCD */
#define SV_UART_MSR_DELTAS	0x0f
#define SV_UART_MSR_CTS		0x10
#define SV_UART_MSR_DSR		0x20
#define SV_UART_MSR_RI		0x40
#define SV_UART_MSR_DCD		0x80

/* The 16550A's reference clock on a PC: 1.8432 MHz, 16 clocks a bit. */
#define SV_UART_CLOCK_HZ	1843200u

typedef void (*sv_uart_out_fn)(void *ctx, uint8_t byte);

struct sv_uart {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint16_t base;
	unsigned irq;
	sv_uart_out_fn out;
	void *out_ctx;

	/* Registers. */
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t dll, dlm;
	uint8_t lsr_errors;	/* OE (PE, FE, BI never set): cleared on LSR read */
	uint8_t msr;		/* input levels (bits 4-7) and deltas (0-3) */
	uint8_t rbr;		/* last byte read; read again when empty */

	/* Receiver FIFO (one entry deep while FCR.FIFOE is 0, as a 16450). */
	uint8_t rx_fifo[SV_UART_FIFO_SIZE];
	unsigned rx_head, rx_count;

	bool thr_ipending;	/* THRE interrupt not yet acknowledged */
	bool timeout_ipending;	/* character timeout indication */
	bool irq_level;		/* what the IRQ line carries now */
	struct sv_timer timeout_timer;

	/* Diagnostics. */
	uint64_t tx_bytes, rx_bytes, rx_overruns, rx_dropped;
};

/*
 * Put the UART in its reset state (divisor 12, i.e. 9600 baud, as the PC
 * BIOS leaves it), register its eight ports at base on vm's I/O bus and
 * drive ISA line irq (0-15). Bytes the guest transmits go to out(out_ctx,
 * byte); out may be NULL to discard them. Returns 0, -SV_EINVAL for a bad
 * argument, or the error of iobus_register.
 */
SV_MUST_CHECK int uart_init(struct sv_uart *u, struct sv_vm *vm, uint16_t base,
			    unsigned irq, sv_uart_out_fn out, void *out_ctx);

/* Leave the I/O bus and disarm the timeout timer. */
void uart_destroy(struct sv_uart *u);

/*
 * Bytes arriving on the serial line, in order: each enters the receiver
 * FIFO, or is lost with LSR.OE set when it is full (in 16450 mode the new
 * byte replaces the unread one, as on the chip). In loopback mode the
 * receiver is cut off from the line and the bytes are dropped. Returns 0,
 * or -SV_EINVAL for a NULL buffer with len > 0.
 */
SV_MUST_CHECK int uart_receive(struct sv_uart *u, const uint8_t *buf,
			       size_t len);

/* How many bytes uart_receive() can take now without an overrun. */
unsigned uart_rx_room(const struct sv_uart *u);

/* The level of the IRQ line (pending enabled source, OUT2, no loopback). */
bool uart_irq_asserted(const struct sv_uart *u);

/*
 * Feed the UART's state into d (record/replay's state digest), field by
 * field with fixed widths: base (u16), irq (u32), IER, LCR, MCR, SCR, FCR,
 * DLL, DLM, lsr_errors, MSR, RBR (u8), rx_head, rx_count (u32), the
 * rx_count bytes in the receiver FIFO from oldest to newest, then
 * thr_ipending, timeout_ipending, irq_level (u8), the timeout timer's
 * deadline (u64, SV_TIMER_NEVER while disarmed), tx_bytes, rx_bytes,
 * rx_overruns, rx_dropped (u64). The output sink (out, out_ctx), the VM
 * pointer, the I/O header and the timer's list node are left out, as are
 * the stale bytes of the FIFO outside its contents.
 */
void uart_digest(const struct sv_uart *u, struct sv_digest *d);

#endif /* SV_DEV_UART_H */
