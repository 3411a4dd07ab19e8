/*
 * What the kernel reads from the ACPI tables (ACPI 6.5, section 5.2): the
 * MADT's I/O APICs and ISA interrupt source overrides, which say where each
 * legacy IRQ arrives and with which trigger mode and polarity. The parsing
 * functions work on byte buffers and validate every length and checksum
 * (firmware tables are outside input), so the unit tests run them on
 * Linux; acpi_read_madt() finds the tables in the machine's memory.
 */
#ifndef SV_BM_ACPI_H
#define SV_BM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define ACPI_MAX_IOAPICS 8
#define ACPI_ISA_IRQS    16

/* MPS INTI flags of an interrupt source override (ACPI table 5.26). */
#define ACPI_INTI_POLARITY_MASK   0x3u
#define ACPI_INTI_POLARITY_BUS    0x0u	/* as the bus says: ISA high */
#define ACPI_INTI_POLARITY_HIGH   0x1u
#define ACPI_INTI_POLARITY_LOW    0x3u
#define ACPI_INTI_TRIGGER_SHIFT   2
#define ACPI_INTI_TRIGGER_MASK    (0x3u << ACPI_INTI_TRIGGER_SHIFT)
#define ACPI_INTI_TRIGGER_BUS     (0x0u << ACPI_INTI_TRIGGER_SHIFT)	/* ISA: edge */
#define ACPI_INTI_TRIGGER_EDGE    (0x1u << ACPI_INTI_TRIGGER_SHIFT)
#define ACPI_INTI_TRIGGER_LEVEL   (0x3u << ACPI_INTI_TRIGGER_SHIFT)

struct acpi_ioapic {
	uint8_t id;
	uint64_t pa;		/* register base */
	uint32_t gsi_base;	/* global system interrupt of its pin 0 */
};

/* Where ISA IRQ n arrives: identity, edge, active high unless overridden. */
struct acpi_isa_irq {
	uint32_t gsi;
	bool level;
	bool active_low;
	bool overridden;	/* an override entry named it */
};

struct acpi_madt {
	uint64_t lapic_pa;	/* local APIC base the MADT gives */
	bool pcat_compat;	/* the board has the 8259 pair too */
	unsigned n_ioapics;	/* kept in ioapic[] (more are dropped) */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	struct acpi_isa_irq isa[ACPI_ISA_IRQS];
};

/*
 * Validate a Root System Description Pointer at p (avail bytes readable):
 * signature, checksum, and for revision 2+ the extended checksum. Gives
 * the RSDT or, when present, XSDT address and which of the two it is.
 */
bool acpi_rsdp_parse(const void *p, size_t avail, uint64_t *sdt_pa,
		     bool *is_xsdt);

/*
 * A system description table header at p with signature sig (4 chars):
 * its length fits in avail and is at least the header, its bytes sum to 0.
 * Returns the length, or 0 when not so.
 */
uint32_t acpi_table_check(const void *p, size_t avail, const char *sig);

/*
 * Parse a MADT (already checked by acpi_table_check) of len bytes into
 * *out. -SV_ECORRUPT when an entry runs past the end or is shorter than
 * its type needs, and *out gets the defaults; unknown entry types are
 * skipped.
 */
SV_MUST_CHECK int acpi_madt_parse(const void *madt, size_t len,
				  struct acpi_madt *out);

/* *out as if there were no MADT: ISA IRQs identity, edge, active high. */
void acpi_madt_defaults(struct acpi_madt *out);

/*
 * Find the RSDP in the BIOS areas (the EBDA's first KiB, then
 * 0xe0000-0xfffff), follow the XSDT or RSDT to the MADT and parse it.
 * Reads physical memory through the direct map, page 0 included (the BIOS
 * data area's EBDA pointer): call before paging_init() unmaps it.
 * -SV_ENOENT when there is no ACPI or no MADT, -SV_ECORRUPT for tables
 * that fail their checks; *out holds the defaults then.
 */
SV_MUST_CHECK int acpi_read_madt(struct acpi_madt *out);

#endif /* SV_BM_ACPI_H */
