/*
 * ACPI tables, as much as the interrupt set-up needs (acpi.h): the RSDP,
 * the RSDT/XSDT and the MADT (ACPI 6.5, sections 5.2.5, 5.2.7, 5.2.8 and
 * 5.2.12). Fields are read with sv_memcpy at their byte offsets (the tables
 * are packed and unaligned); every length is checked against the bytes
 * available before it is used.
 */
#include "acpi.h"

#include "paging.h"
#include "sv/errno.h"
#include "sv/string.h"

/* RSDP */
#define RSDP_SIGNATURE      "RSD PTR "
#define RSDP_SIGNATURE_LEN  8
#define RSDP_V1_LEN         20
#define RSDP_REVISION       15	/* offsets */
#define RSDP_RSDT_ADDR      16
#define RSDP_LENGTH         20
#define RSDP_XSDT_ADDR      24
#define RSDP_V2_MIN_LEN     36
#define RSDP_REVISION_V2    2
#define RSDP_ALIGN          16

/* System description table header */
#define SDT_SIG_LEN         4
#define SDT_LENGTH          4
#define SDT_HEADER_LEN      36
#define SDT_MAX_LEN         (1u << 20)	/* sanity bound for firmware lengths */

/* MADT */
#define MADT_LAPIC_ADDR     36
#define MADT_FLAGS          40
#define MADT_ENTRIES        44
#define MADT_PCAT_COMPAT    0x1u
#define MADT_ENTRY_HEADER   2	/* type, length */

enum madt_entry_type {
	MADT_IOAPIC = 1,
	MADT_ISO = 2,		/* interrupt source override */
	MADT_LAPIC_ADDR_OVERRIDE = 5,
};

#define IOAPIC_ENTRY_LEN    12
#define IOAPIC_ID           2
#define IOAPIC_ADDR         4
#define IOAPIC_GSI_BASE     8
#define ISO_ENTRY_LEN       10
#define ISO_BUS             2
#define ISO_SOURCE          3
#define ISO_GSI             4
#define ISO_FLAGS           8
#define ISO_BUS_ISA         0
#define LAPIC_OVR_ENTRY_LEN 12
#define LAPIC_OVR_ADDR      4

/* Where the firmware leaves the RSDP (ACPI 6.5, 5.2.5.1) */
#define BDA_EBDA_SEGMENT    0x40e	/* real-mode segment of the EBDA */
#define EBDA_MIN            0x80000
#define EBDA_MAX            0xa0000
#define EBDA_SCAN_LEN       1024
#define BIOS_AREA_START     0xe0000
#define BIOS_AREA_END       0x100000
#define SEGMENT_SHIFT       4
/* Tables are read through the boot tables' identity map of 0-4 GiB. */
#define READABLE_END        (4ull << 30)

static uint8_t rd8(const uint8_t *p, size_t off)
{
	return p[off];
}

static uint16_t rd16(const uint8_t *p, size_t off)
{
	uint16_t v;

	sv_memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;

	sv_memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	uint64_t v;

	sv_memcpy(&v, p + off, sizeof(v));
	return v;
}

static bool sums_to_zero(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

bool acpi_rsdp_parse(const void *ptr, size_t avail, uint64_t *sdt_pa,
		     bool *is_xsdt)
{
	const uint8_t *p = ptr;
	uint32_t len;

	if (avail < RSDP_V1_LEN ||
	    sv_memcmp(p, RSDP_SIGNATURE, RSDP_SIGNATURE_LEN) ||
	    !sums_to_zero(p, RSDP_V1_LEN))
		return false;
	if (rd8(p, RSDP_REVISION) >= RSDP_REVISION_V2 &&
	    avail >= RSDP_V2_MIN_LEN) {
		len = rd32(p, RSDP_LENGTH);
		if (len >= RSDP_V2_MIN_LEN && len <= avail &&
		    sums_to_zero(p, len) && rd64(p, RSDP_XSDT_ADDR)) {
			*sdt_pa = rd64(p, RSDP_XSDT_ADDR);
			*is_xsdt = true;
			return true;
		}
	}
	*sdt_pa = rd32(p, RSDP_RSDT_ADDR);
	*is_xsdt = false;
	return *sdt_pa != 0;
}

uint32_t acpi_table_check(const void *ptr, size_t avail, const char *sig)
{
	const uint8_t *p = ptr;
	uint32_t len;

	if (avail < SDT_HEADER_LEN || sv_memcmp(p, sig, SDT_SIG_LEN))
		return 0;
	len = rd32(p, SDT_LENGTH);
	if (len < SDT_HEADER_LEN || len > avail || len > SDT_MAX_LEN ||
	    !sums_to_zero(p, len))
		return 0;
	return len;
}

void acpi_madt_defaults(struct acpi_madt *out)
{
	sv_memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < ACPI_ISA_IRQS; i++)
		out->isa[i].gsi = i;
}

static void madt_iso(const uint8_t *e, struct acpi_madt *out)
{
	uint8_t src = rd8(e, ISO_SOURCE);
	uint16_t flags = rd16(e, ISO_FLAGS);
	struct acpi_isa_irq *irq;

	if (rd8(e, ISO_BUS) != ISO_BUS_ISA || src >= ACPI_ISA_IRQS)
		return;
	irq = &out->isa[src];
	irq->gsi = rd32(e, ISO_GSI);
	irq->overridden = true;
	/* "conforms to the bus": ISA is edge-triggered, active high */
	irq->level = (flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL;
	irq->active_low =
		(flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW;
}

static int madt_entries(const uint8_t *p, size_t len, struct acpi_madt *out)
{
	size_t off = MADT_ENTRIES;

	if (len < MADT_ENTRIES)
		return -SV_ECORRUPT;
	out->lapic_pa = rd32(p, MADT_LAPIC_ADDR);
	out->pcat_compat = (rd32(p, MADT_FLAGS) & MADT_PCAT_COMPAT) != 0;
	while (off < len) {
		const uint8_t *e = p + off;
		uint8_t type, elen;

		if (len - off < MADT_ENTRY_HEADER)
			return -SV_ECORRUPT;
		type = rd8(e, 0);
		elen = rd8(e, 1);
		if (elen < MADT_ENTRY_HEADER || elen > len - off)
			return -SV_ECORRUPT;
		if ((type == MADT_IOAPIC && elen < IOAPIC_ENTRY_LEN) ||
		    (type == MADT_ISO && elen < ISO_ENTRY_LEN) ||
		    (type == MADT_LAPIC_ADDR_OVERRIDE &&
		     elen < LAPIC_OVR_ENTRY_LEN))
			return -SV_ECORRUPT;
		if (type == MADT_IOAPIC && out->n_ioapics < ACPI_MAX_IOAPICS)
			out->ioapic[out->n_ioapics++] = (struct acpi_ioapic){
				.id = rd8(e, IOAPIC_ID),
				.pa = rd32(e, IOAPIC_ADDR),
				.gsi_base = rd32(e, IOAPIC_GSI_BASE),
			};
		else if (type == MADT_ISO)
			madt_iso(e, out);
		else if (type == MADT_LAPIC_ADDR_OVERRIDE)
			out->lapic_pa = rd64(e, LAPIC_OVR_ADDR);
		off += elen;
	}
	return 0;
}

int acpi_madt_parse(const void *madt, size_t len, struct acpi_madt *out)
{
	struct acpi_madt m;
	int err;

	/* Decode into a copy: a table refused half-way changes nothing. */
	acpi_madt_defaults(&m);
	err = madt_entries(madt, len, &m);
	if (err)
		acpi_madt_defaults(out);
	else
		*out = m;
	return err;
}

/* ---- on the machine ---- */

static const uint8_t *phys(uint64_t pa)
{
	return paging_phys_to_virt(pa);
}

static size_t readable_from(uint64_t pa)
{
	return pa < READABLE_END ? (size_t)SV_MIN(READABLE_END - pa,
						  (uint64_t)SDT_MAX_LEN) : 0;
}

static bool scan_rsdp(uint64_t start, uint64_t end, uint64_t *sdt_pa,
		      bool *is_xsdt)
{
	for (uint64_t pa = start; pa + RSDP_V1_LEN <= end; pa += RSDP_ALIGN)
		if (acpi_rsdp_parse(phys(pa), (size_t)(end - pa), sdt_pa,
				    is_xsdt))
			return true;
	return false;
}

static bool find_rsdp(uint64_t *sdt_pa, bool *is_xsdt)
{
	uint64_t ebda = (uint64_t)rd16(phys(BDA_EBDA_SEGMENT), 0)
			<< SEGMENT_SHIFT;

	if (ebda >= EBDA_MIN && ebda < EBDA_MAX &&
	    scan_rsdp(ebda, ebda + EBDA_SCAN_LEN, sdt_pa, is_xsdt))
		return true;
	return scan_rsdp(BIOS_AREA_START, BIOS_AREA_END, sdt_pa, is_xsdt);
}

int acpi_read_madt(struct acpi_madt *out)
{
	static const char *const sdt_sig[2] = { "RSDT", "XSDT" };
	uint64_t sdt_pa;
	uint32_t len;
	size_t entry_size;
	bool is_xsdt;

	acpi_madt_defaults(out);
	if (!find_rsdp(&sdt_pa, &is_xsdt))
		return -SV_ENOENT;
	len = acpi_table_check(phys(sdt_pa), readable_from(sdt_pa),
			       sdt_sig[is_xsdt]);
	if (!len)
		return -SV_ECORRUPT;
	entry_size = is_xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	for (size_t off = SDT_HEADER_LEN; off + entry_size <= len;
	     off += entry_size) {
		const uint8_t *sdt = phys(sdt_pa);
		uint64_t pa = is_xsdt ? rd64(sdt, off) : rd32(sdt, off);
		uint32_t mlen;

		if (readable_from(pa) < SDT_HEADER_LEN ||
		    sv_memcmp(phys(pa), "APIC", SDT_SIG_LEN))
			continue;
		mlen = acpi_table_check(phys(pa), readable_from(pa), "APIC");
		if (!mlen)
			return -SV_ECORRUPT;
		return acpi_madt_parse(phys(pa), mlen, out);
	}
	return -SV_ENOENT;
}
