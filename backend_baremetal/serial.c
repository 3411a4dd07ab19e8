/*
 * Polled 16550 UART: the kernel's console on COM1. Register offsets and bits
 * follow the 16550A datasheet.
 */
#include "serial.h"

#include "x86.h"

enum {
	UART_THR = 0,	/* transmit holding (DLAB=0) */
	UART_DLL = 0,	/* divisor latch low (DLAB=1) */
	UART_IER = 1,	/* interrupt enable (DLAB=0) */
	UART_DLM = 1,	/* divisor latch high (DLAB=1) */
	UART_FCR = 2,	/* FIFO control */
	UART_LCR = 3,	/* line control */
	UART_MCR = 4,	/* modem control */
	UART_LSR = 5,	/* line status */
};

#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_ENABLE_CLEAR 0x07	/* enable, clear RX and TX FIFOs */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_THRE  0x20		/* room in the transmit FIFO */
#define LSR_TEMT  0x40		/* transmitter empty */
#define UART_FIFO_SIZE 16	/* 16550A transmit FIFO */
#define UART_CLOCK_DIV_115200 1	/* 1.8432 MHz / 16 / 115200 */

/* Spin limit so a missing UART (no chip at base) cannot hang the kernel. */
#define SERIAL_SPIN_MAX 1000000

void serial_init(uint16_t base)
{
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, UART_CLOCK_DIV_115200);
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE_CLEAR);
	outb(base + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void serial_wait(uint16_t base, uint8_t bit)
{
	for (int i = 0; i < SERIAL_SPIN_MAX; i++) {
		if (inb(base + UART_LSR) & bit)
			return;
		cpu_relax();
	}
}

static void serial_putc(uint16_t base, char c)
{
	serial_wait(base, LSR_THRE);
	outb(base + UART_THR, (uint8_t)c);
}

void serial_write(uint16_t base, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			serial_putc(base, '\r');
		serial_putc(base, buf[i]);
	}
}

size_t serial_write_some(uint16_t base, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n = len < UART_FIFO_SIZE ? len : UART_FIFO_SIZE;

	if (!(inb(base + UART_LSR) & LSR_THRE))
		return 0;
	for (size_t i = 0; i < n; i++)	/* THRE: the FIFO is empty */
		outb(base + UART_THR, p[i]);
	return n;
}

void serial_drain(uint16_t base)
{
	serial_wait(base, LSR_TEMT);
}
