/*
 * Polled 16550 UART driver for the kernel's own console (COM1) and the trace
 * port (COM2). Interrupt-driven I/O arrives with the driver framework.
 */
#ifndef SV_BM_SERIAL_H
#define SV_BM_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define COM1_PORT 0x3f8
#define COM2_PORT 0x2f8

/* Program the UART at base: 115200 baud, 8N1, FIFOs on, interrupts off. */
void serial_init(uint16_t base);
/* Write bytes, translating "\n" to "\r\n"; waits for room in the FIFO. */
void serial_write(uint16_t base, const char *buf, size_t len);
/*
 * Without waiting: as many bytes as the transmit FIFO takes now (none
 * while it is still sending). Returns how many went.
 */
size_t serial_write_some(uint16_t base, const void *buf, size_t len);
/* Wait until the transmitter is completely empty (LSR.TEMT). */
void serial_drain(uint16_t base);

#endif
