/*
 * Port I/O the drivers need beyond x86.h's byte accessors: 16- and 32-bit
 * accesses (ATA data, PCI configuration) and string transfers of 16-bit
 * words (a sector through the ATA data register). Prefixed pio_ so they can
 * never clash with accessors x86.h may grow; they can move there later.
 */
#ifndef SV_BM_DRV_PORTIO_H
#define SV_BM_DRV_PORTIO_H

#include <stddef.h>
#include <stdint.h>

#include "x86.h"

/* Any write to the POST port takes about a microsecond on a PC bus. */
#define IO_DELAY_PORT 0x80

static inline uint16_t pio_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t pio_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void pio_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* Read count 16-bit words from port into buf. */
static inline void pio_insw(uint16_t port, void *buf, size_t count)
{
	__asm__ volatile("cld; rep insw"
			 : "+D"(buf), "+c"(count)
			 : "d"(port)
			 : "memory");
}

/* Write count 16-bit words from buf to port. */
static inline void pio_outsw(uint16_t port, const void *buf, size_t count)
{
	__asm__ volatile("cld; rep outsw"
			 : "+S"(buf), "+c"(count)
			 : "d"(port)
			 : "memory");
}

static inline void pio_delay(void)
{
	outb(IO_DELAY_PORT, 0);
}

#endif /* SV_BM_DRV_PORTIO_H */
