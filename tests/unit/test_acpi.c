/*
 * Tests of the ACPI table parsing the bare-metal kernel's interrupt set-up
 * relies on (backend_baremetal/acpi.c): RSDP versions and checksums, table
 * headers, and MADT entries (I/O APICs, ISA interrupt source overrides),
 * on tables built here, well-formed and broken.
 */
#include <stdint.h>
#include <string.h>

#include "acpi.h"
#include "sv/errno.h"
#include "sv_test.h"

struct table {
	uint8_t b[512];
	size_t len;
};

static void put(struct table *t, size_t off, const void *v, size_t n)
{
	memcpy(t->b + off, v, n);
}

static void put8(struct table *t, size_t off, uint8_t v) { put(t, off, &v, 1); }
static void put32(struct table *t, size_t off, uint32_t v) { put(t, off, &v, 4); }
static void put64(struct table *t, size_t off, uint64_t v) { put(t, off, &v, 8); }

/* Make the bytes [0, len) sum to zero through the byte at off. */
static void fix_sum(struct table *t, size_t off, size_t len)
{
	uint8_t sum = 0;

	t->b[off] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[off] = (uint8_t)-sum;
}

#define SDT_CHECKSUM 9

static void madt_begin(struct table *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	put32(t, 36, 0xfee00000);	/* local APIC address */
	put32(t, 40, 1);		/* PCAT_COMPAT */
	t->len = 44;
}

static void madt_entry(struct table *t, const uint8_t *e, size_t n)
{
	put(t, t->len, e, n);
	t->len += n;
}

static void madt_ioapic(struct table *t, uint8_t id, uint32_t pa,
			uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id, 0 };

	memcpy(e + 4, &pa, 4);
	memcpy(e + 8, &gsi_base, 4);
	madt_entry(t, e, sizeof(e));
}

static void madt_iso(struct table *t, uint8_t src, uint32_t gsi,
		     uint16_t flags)
{
	uint8_t e[10] = { 2, 10, 0, src };

	memcpy(e + 4, &gsi, 4);
	memcpy(e + 8, &flags, 2);
	madt_entry(t, e, sizeof(e));
}

static void madt_end(struct table *t)
{
	put32(t, 4, (uint32_t)t->len);
	fix_sum(t, SDT_CHECKSUM, t->len);
}

/* What QEMU's firmware builds: one I/O APIC, IRQ 0 on GSI 2, PCI IRQs level. */
static void qemu_like(struct table *t)
{
	static const uint8_t lapic[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };
	static const uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 };

	madt_begin(t);
	madt_entry(t, lapic, sizeof(lapic));
	madt_ioapic(t, 0, 0xfec00000, 0);
	madt_iso(t, 0, 2, 0);
	madt_iso(t, 5, 5, ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_HIGH);
	madt_iso(t, 9, 9, ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_LOW);
	madt_entry(t, nmi, sizeof(nmi));
	madt_end(t);
}

static void test_madt(void)
{
	struct table t;
	struct acpi_madt m;

	qemu_like(&t);
	SV_CHECK_EQ_U64(acpi_table_check(t.b, sizeof(t.b), "APIC"), t.len);
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), 0);
	SV_CHECK_EQ_U64(m.lapic_pa, 0xfee00000);
	SV_CHECK(m.pcat_compat);
	SV_CHECK_EQ_U64(m.n_ioapics, 1);
	SV_CHECK_EQ_U64(m.ioapic[0].pa, 0xfec00000);
	SV_CHECK_EQ_U64(m.ioapic[0].gsi_base, 0);
	SV_CHECK_EQ_U64(m.isa[0].gsi, 2);
	SV_CHECK(m.isa[0].overridden);
	SV_CHECK(!m.isa[0].level && !m.isa[0].active_low);	/* bus default */
	SV_CHECK(m.isa[5].level && !m.isa[5].active_low);
	SV_CHECK(m.isa[9].level && m.isa[9].active_low);
	SV_CHECK_EQ_U64(m.isa[1].gsi, 1);			/* untouched */
	SV_CHECK(!m.isa[1].overridden && !m.isa[1].level);
	SV_CHECK_EQ_U64(m.isa[15].gsi, 15);
}

static void test_madt_lapic_override_and_many_ioapics(void)
{
	static const uint8_t ovr[12] = { 5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 1, 0, 0, 0 };
	struct table t;
	struct acpi_madt m;

	madt_begin(&t);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&t, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	madt_entry(&t, ovr, sizeof(ovr));
	madt_iso(&t, 16, 20, 0);	/* not an ISA IRQ: ignored */
	madt_end(&t);
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), 0);
	SV_CHECK_EQ_U64(m.n_ioapics, ACPI_MAX_IOAPICS);
	SV_CHECK_EQ_U64(m.ioapic[3].gsi_base, 72);
	SV_CHECK_EQ_U64(m.lapic_pa, 0x1fee00000ull);
}

static void test_madt_corrupt(void)
{
	struct table t;
	struct acpi_madt m;

	/* an entry longer than what is left */
	qemu_like(&t);
	t.b[t.len - 6 + 1] = 9;
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), -SV_ECORRUPT);
	SV_CHECK_EQ_U64(m.n_ioapics, 0);	/* nothing half-parsed kept */
	SV_CHECK_EQ_U64(m.isa[0].gsi, 0);
	/* a zero-length entry would never end */
	qemu_like(&t);
	t.b[44 + 1] = 0;
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), -SV_ECORRUPT);
	/* an I/O APIC entry too short for its fields */
	madt_begin(&t);
	madt_entry(&t, (const uint8_t[]){ 1, 6, 0, 0, 0, 0 }, 6);
	madt_end(&t);
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), -SV_ECORRUPT);
	/* one byte left over after the last entry */
	madt_begin(&t);
	t.len++;
	madt_end(&t);
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, t.len, &m), -SV_ECORRUPT);
	/* shorter than the fixed part */
	SV_CHECK_EQ_I64(acpi_madt_parse(t.b, 40, &m), -SV_ECORRUPT);
	/* a failed parse leaves the defaults */
	SV_CHECK_EQ_U64(m.n_ioapics, 0);
	SV_CHECK_EQ_U64(m.isa[0].gsi, 0);
}

static void test_table_check(void)
{
	struct table t;

	qemu_like(&t);
	SV_CHECK_EQ_U64(acpi_table_check(t.b, t.len, "FACP"), 0);
	SV_CHECK_EQ_U64(acpi_table_check(t.b, t.len - 1, "APIC"), 0);
	SV_CHECK_EQ_U64(acpi_table_check(t.b, 20, "APIC"), 0);
	t.b[50] ^= 1;	/* checksum */
	SV_CHECK_EQ_U64(acpi_table_check(t.b, t.len, "APIC"), 0);
	qemu_like(&t);
	put32(&t, 4, 12);	/* shorter than a header */
	fix_sum(&t, SDT_CHECKSUM, 12);
	SV_CHECK_EQ_U64(acpi_table_check(t.b, t.len, "APIC"), 0);
}

static void rsdp(struct table *t, uint8_t revision, uint32_t rsdt,
		 uint64_t xsdt)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "RSD PTR ", 8);
	memcpy(t->b + 9, "BOCHS ", 6);
	put8(t, 15, revision);
	put32(t, 16, rsdt);
	fix_sum(t, 8, 20);
	t->len = 20;
	if (revision >= 2) {
		put32(t, 20, 36);
		put64(t, 24, xsdt);
		fix_sum(t, 32, 36);
		t->len = 36;
	}
}

static void test_rsdp(void)
{
	struct table t;
	uint64_t pa = 0;
	bool x = true;

	rsdp(&t, 0, 0x7fe1234, 0);
	SV_CHECK(acpi_rsdp_parse(t.b, t.len, &pa, &x));
	SV_CHECK_EQ_U64(pa, 0x7fe1234);
	SV_CHECK(!x);
	rsdp(&t, 2, 0x7fe1234, 0x17fe5678ull);
	SV_CHECK(acpi_rsdp_parse(t.b, t.len, &pa, &x));
	SV_CHECK_EQ_U64(pa, 0x17fe5678ull);
	SV_CHECK(x);
	/* a broken extended checksum falls back to the RSDT */
	t.b[33] ^= 0x55;
	SV_CHECK(acpi_rsdp_parse(t.b, t.len, &pa, &x));
	SV_CHECK_EQ_U64(pa, 0x7fe1234);
	SV_CHECK(!x);
	/* a broken first checksum, a wrong signature, too few bytes */
	rsdp(&t, 0, 0x7fe1234, 0);
	t.b[16] ^= 1;
	SV_CHECK(!acpi_rsdp_parse(t.b, t.len, &pa, &x));
	rsdp(&t, 0, 0x7fe1234, 0);
	t.b[0] = 'r';
	SV_CHECK(!acpi_rsdp_parse(t.b, t.len, &pa, &x));
	rsdp(&t, 0, 0x7fe1234, 0);
	SV_CHECK(!acpi_rsdp_parse(t.b, 19, &pa, &x));
	/* a revision-2 pointer whose length claims more than is there */
	rsdp(&t, 2, 0x7fe1234, 0x17fe5678ull);
	SV_CHECK(acpi_rsdp_parse(t.b, 30, &pa, &x));
	SV_CHECK(!x);
}

CU_TestInfo sv_tests_acpi[] = {
	{ "MADT of a QEMU-like machine", test_madt },
	{ "MADT: local APIC override, more I/O APICs than kept",
	  test_madt_lapic_override_and_many_ioapics },
	{ "MADT: corrupt entries refused", test_madt_corrupt },
	{ "table header checks", test_table_check },
	{ "RSDP versions and checksums", test_rsdp },
	CU_TEST_INFO_NULL,
};
