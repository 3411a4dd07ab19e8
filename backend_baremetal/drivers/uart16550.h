/*
 * 16550A UART as a character device ("ttyS0" on COM1).
 *
 * Transmission is polled: a write waits for room in the FIFO byte by byte
 * (raw bytes; the console's "\n" -> "\r\n" is serial.c's business).
 * Reception goes through a byte ring: filled by uart16550_interrupt() once
 * the IRQ framework routes the line and uart16550_set_irq() turned the
 * receive interrupt on, or by reads themselves while polled (or while
 * interrupts are disabled: one processor, so the handler cannot run).
 *
 * The boot console (serial.c) keeps writing to the same port; both only
 * ever wait for THRE and write THR, so their output interleaves by bytes
 * at worst.
 */
#ifndef SV_BM_DRV_UART16550_H
#define SV_BM_DRV_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/driver.h"

#define COM1_IRQ 4
#define COM2_IRQ 3

struct uart16550 {
	struct sv_chardev cdev;
	uint16_t base;
	bool fifo;		/* a 16550A whose FIFOs work */
	bool irq_mode;		/* the interrupt handler fills rx */
	struct sv_byte_ring rx;
	unsigned overruns;	/* LSR.OE: bytes lost in the chip */
	unsigned line_errors;	/* LSR.PE, FE or BI */
};

/*
 * Probe the UART at base (scratch register) and set it up for the driver:
 * FIFOs on with a receive trigger, interrupts off. The line settings
 * (baud, 8N1) are left as serial_init() made them. SV_ENODEV if no UART
 * answers. Does not register the device.
 */
SV_MUST_CHECK int uart16550_init(struct uart16550 *u, const char *name,
				 uint16_t base);

/*
 * Receive interrupts on or off. Turn them on only after the handler is
 * installed and the line unmasked; with them off, reads poll.
 */
void uart16550_set_irq(struct uart16550 *u, bool on);

/* The interrupt handler: drains the receive FIFO into the ring. */
void uart16550_interrupt(struct uart16550 *u);

/*
 * Self-check through the chip's internal loopback (MCR.LOOP): bytes written
 * through the character device must come back through it. Waits for the
 * transmitter to drain first (console output would otherwise loop back) and
 * restores the modem control register. 0, SV_ETIMEDOUT or SV_EIO.
 */
SV_MUST_CHECK int uart16550_loopback_test(struct uart16550 *u);

#endif /* SV_BM_DRV_UART16550_H */
