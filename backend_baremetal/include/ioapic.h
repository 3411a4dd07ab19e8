/*
 * The I/O APIC (Intel 82093AA datasheet; the same registers in every PC
 * chipset since): routes device interrupt pins (global system interrupts
 * from gsi_base up) to vectors of a local APIC. One I/O APIC is driven,
 * the one covering the ISA IRQs; irq.c owns the routing policy.
 */
#ifndef SV_BM_IOAPIC_H
#define SV_BM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull	/* where PCs put the first one */

/*
 * Map the I/O APIC at physical pa and mask every pin. -SV_ENOMEM when it
 * cannot be mapped, -SV_ENODEV when nothing sensible answers there.
 */
SV_MUST_CHECK int ioapic_init(uint64_t pa);

unsigned ioapic_pins(void);
uint32_t ioapic_version(void);	/* version field of VER */
uint64_t ioapic_base_pa(void);

/*
 * Route pin to vector on the local APIC dest_apic_id (fixed delivery,
 * physical destination), with the pin's trigger mode and polarity, masked
 * or not. Pins beyond ioapic_pins() are ignored.
 */
void ioapic_route(unsigned pin, unsigned vector, unsigned dest_apic_id,
		  bool level, bool active_low, bool masked);
void ioapic_set_masked(unsigned pin, bool masked);

#endif /* SV_BM_IOAPIC_H */
