/*
 * Tests of the fw_cfg device through ports 0x510/0x511, read the way
 * firmware reads it (16-bit selector write, then byte reads): signature,
 * feature bitmap, RAM size, CPU counts, the file directory's big-endian
 * layout and name order, reading a file byte by byte, the e820 file, reads
 * past the end, unknown keys, the file table's refusals, and random guest
 * accesses.
 */
#include <string.h>

#include "fake_backend.h"
#include "sv/dev/fwcfg.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv_test.h"

struct rig {
	struct sv_vm vm;
	struct sv_fwcfg fw;
};

static struct rig rig;

static struct rig *rig_init(uint64_t ram, unsigned ncpus)
{
	struct rig *r = &rig;

	memset(r, 0, sizeof(*r));
	SV_CHECK_EQ_I64(vm_init(&r->vm, "fwcfg", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(fwcfg_init(&r->fw, &r->vm, ram, ncpus), 0);
	return r;
}

static void rig_fini(struct rig *r)
{
	fwcfg_destroy(&r->fw);
	vm_destroy(&r->vm);
}

static void select_key(struct rig *r, uint16_t key)
{
	uint64_t d = key;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT,
				     SV_FWCFG_PORT_SELECTOR, 2, true, &d), 0);
}

static uint8_t read_byte(struct rig *r)
{
	uint64_t d = 0;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, SV_FWCFG_PORT_DATA,
				     1, false, &d), 0);
	return (uint8_t)d;
}

static void read_bytes(struct rig *r, void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = read_byte(r);
}

/* Select key and read n bytes of it. */
static void read_item(struct rig *r, uint16_t key, void *buf, size_t n)
{
	select_key(r, key);
	read_bytes(r, buf, n);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void test_signature_and_id(void)
{
	struct rig *r = rig_init(128ull << 20, 1);
	uint8_t buf[8];
	uint64_t d;

	read_item(r, SV_FWCFG_SIGNATURE, buf, 8);
	SV_CHECK(memcmp(buf, "QEMU\0\0\0\0", 8) == 0);
	/* selecting again rewinds */
	read_item(r, SV_FWCFG_SIGNATURE, buf, 2);
	SV_CHECK(memcmp(buf, "QE", 2) == 0);
	read_item(r, SV_FWCFG_ID, buf, 4);
	SV_CHECK_EQ_U64(le(buf, 4), SV_FWCFG_F_TRADITIONAL);	/* no DMA */
	/* the DMA address register is absent: all ones */
	d = 0;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, SV_FWCFG_PORT_DMA,
				     4, false, &d), 0);
	SV_CHECK_EQ_U64(d, 0xffffffffu);
	/* the write-channel bit is ignored, as by QEMU since v2.4 */
	read_item(r, SV_FWCFG_WRITE_CHANNEL | SV_FWCFG_SIGNATURE, buf, 4);
	SV_CHECK(memcmp(buf, "QEMU", 4) == 0);
	rig_fini(r);
}

static void test_ram_and_cpus(void)
{
	struct rig *r = rig_init(0x123456789000ull, 3);
	uint8_t buf[10];

	read_item(r, SV_FWCFG_RAM_SIZE, buf, 10);
	SV_CHECK_EQ_U64(le(buf, 8), 0x123456789000ull);
	SV_CHECK_EQ_U64(le(buf + 8, 2), 0);		/* past the end */
	read_item(r, SV_FWCFG_NB_CPUS, buf, 3);
	SV_CHECK_EQ_U64(le(buf, 2), 3);
	SV_CHECK_EQ_U64(buf[2], 0);
	read_item(r, SV_FWCFG_MAX_CPUS, buf, 2);
	SV_CHECK_EQ_U64(le(buf, 2), 3);
	rig_fini(r);
}

static const char blob_a[] = "alpha contents";
static const uint8_t blob_boot[] = { '/', 'r', 'o', 'm', '@', 0 };
static const char blob_z[] = "zeta!";

static void test_file_directory(void)
{
	struct rig *r = rig_init(64ull << 20, 1);
	struct sv_e820_entry map[] = {
		{ 0, 0x9fc00, SV_E820_RAM },
		{ 0x100000, (64ull << 20) - 0x100000, SV_E820_RAM },
	};
	static const struct { const char *name; uint32_t size; } want[] = {
		{ "bootorder", sizeof(blob_boot) },
		{ "etc/e820", 2 * SV_FWCFG_E820_ENTRY_SIZE },
		{ "opt/alpha", sizeof(blob_a) },
		{ "opt/zeta", sizeof(blob_z) },
	};
	uint8_t count[4], entry[64];

	/* empty directory: a zero count */
	read_item(r, SV_FWCFG_FILE_DIR, count, 4);
	SV_CHECK_EQ_U64(be(count, 4), 0);
	SV_CHECK_EQ_U64(read_byte(r), 0);

	/* added out of order; the directory sorts them by name */
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/zeta", blob_z,
				       sizeof(blob_z)), 0);
	SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, map, 2), 0);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/alpha", blob_a,
				       sizeof(blob_a)), 0);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "bootorder", blob_boot,
				       sizeof(blob_boot)), 0);

	select_key(r, SV_FWCFG_FILE_DIR);
	read_bytes(r, count, 4);
	SV_CHECK_EQ_U64(be(count, 4), 4);
	for (unsigned i = 0; i < 4; i++) {
		read_bytes(r, entry, sizeof(entry));
		SV_CHECK_EQ_U64(be(entry, 4), want[i].size);
		SV_CHECK_EQ_U64(be(entry + 4, 2), SV_FWCFG_FILE_FIRST + i);
		SV_CHECK_EQ_U64(be(entry + 6, 2), 0);		/* reserved */
		SV_CHECK_STR_EQ((const char *)entry + 8, want[i].name);
		/* the name field is NUL-padded to its 56 bytes */
		for (size_t k = 8 + strlen(want[i].name); k < 64; k++)
			SV_CHECK_EQ_U64(entry[k], 0);
	}
	/* the directory ends there */
	SV_CHECK_EQ_U64(read_byte(r), 0);
	rig_fini(r);
}

/* Find name in the directory as firmware does; returns its key or 0. */
static uint16_t find_file(struct rig *r, const char *name, uint32_t *size)
{
	uint8_t count[4], entry[64];

	read_item(r, SV_FWCFG_FILE_DIR, count, 4);
	for (uint32_t i = 0; i < be(count, 4); i++) {
		read_bytes(r, entry, sizeof(entry));
		if (strcmp((const char *)entry + 8, name) == 0) {
			*size = (uint32_t)be(entry, 4);
			return (uint16_t)be(entry + 4, 2);
		}
	}
	return 0;
}

static void test_read_file_and_e820(void)
{
	struct rig *r = rig_init(1ull << 30, 2);
	struct sv_e820_entry map[] = {
		{ 0, 0x9fc00, SV_E820_RAM },
		{ 0x9fc00, 0x400, SV_E820_RESERVED },
		{ 0xf0000, 0x10000, SV_E820_RESERVED },
		{ 0x100000, (1ull << 30) - 0x100000, SV_E820_RAM },
		{ 0xfffffffff000ull, 0x1000, SV_E820_NVS },
	};
	uint8_t buf[128];
	uint32_t size = 0;
	uint16_t key;

	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/alpha", blob_a,
				       sizeof(blob_a)), 0);
	SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, map, 5), 0);

	key = find_file(r, "opt/alpha", &size);
	SV_CHECK_EQ_U64(size, sizeof(blob_a));
	select_key(r, key);
	for (size_t i = 0; i < sizeof(blob_a); i++)
		SV_CHECK_EQ_U64(read_byte(r), (uint8_t)blob_a[i]);
	/* past the end: zeros, however many */
	for (unsigned i = 0; i < 100; i++)
		SV_CHECK_EQ_U64(read_byte(r), 0);

	key = find_file(r, SV_FWCFG_E820_FILE, &size);
	SV_CHECK_EQ_U64(size, 5 * 20);
	read_item(r, key, buf, size);
	for (unsigned i = 0; i < 5; i++) {
		const uint8_t *e = buf + 20 * i;

		SV_CHECK_EQ_U64(le(e, 8), map[i].base);
		SV_CHECK_EQ_U64(le(e + 8, 8), map[i].length);
		SV_CHECK_EQ_U64(le(e + 16, 4), map[i].type);
	}
	/* the device kept its own copy of the map */
	memset(map, 0xee, sizeof(map));
	read_item(r, key, buf, 20);
	SV_CHECK_EQ_U64(le(buf + 8, 8), 0x9fc00);
	/* a second e820 is refused */
	SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, NULL, 0), -SV_EEXIST);
	rig_fini(r);
}

static void test_unknown_keys_and_widths(void)
{
	struct rig *r = rig_init(1ull << 30, 2);
	static const uint16_t keys[] = {
		SV_FWCFG_UUID, 0x0004, 0x0018, 0x0020, 0x0021, 0x3fff, 0x8000,
		0x8003, 0xbfff, 0xffff,
	};
	uint64_t d;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		select_key(r, keys[i]);
		for (unsigned k = 0; k < 8; k++)
			SV_CHECK_EQ_U64(read_byte(r), 0);
	}
	/* an 8-bit read of the selector port reads data, as in QEMU */
	select_key(r, SV_FWCFG_SIGNATURE);
	d = 0;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT,
				     SV_FWCFG_PORT_SELECTOR, 1, false, &d), 0);
	SV_CHECK_EQ_U64(d, 'Q');
	/* an 8-bit write is a data write: ignored, the offset stays */
	d = 0x42;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, SV_FWCFG_PORT_DATA,
				     1, true, &d), 0);
	SV_CHECK_EQ_U64(read_byte(r), 'E');
	/* a 16-bit read is not valid: floating, and the offset stays */
	d = 0;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT,
				     SV_FWCFG_PORT_SELECTOR, 2, false, &d), 0);
	SV_CHECK_EQ_U64(d, 0xffff);
	SV_CHECK_EQ_U64(read_byte(r), 'M');
	/* a 16-bit write to the data port selects nothing (it straddles) */
	d = SV_FWCFG_ID;
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, SV_FWCFG_PORT_DATA,
				     2, true, &d), 0);
	SV_CHECK_EQ_U64(read_byte(r), 'U');
	rig_fini(r);
}

static void test_add_file_refusals(void)
{
	struct rig *r = rig_init(1ull << 30, 1);
	char name[64];
	uint8_t count[4];

	memset(name, 'n', sizeof(name));
	name[55] = 0;		/* 55 characters: fits with its NUL */
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, name, blob_a, 1), 0);
	name[55] = 'n';
	name[56] = 0;		/* 56: too long */
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, name, blob_a, 1),
			-SV_ENAMETOOLONG);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "", blob_a, 1),
			-SV_ENAMETOOLONG);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, NULL, blob_a, 1), -SV_EINVAL);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "x", NULL, 1), -SV_EINVAL);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "empty", NULL, 0), 0);
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "empty", blob_a, 1), -SV_EEXIST);
	/* fill the table */
	for (unsigned i = 2; i < SV_FWCFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "opt/f%02u", i);
		SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, name, blob_z, 2), 0);
	}
	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/more", blob_z, 2),
			-SV_ENOSPC);
	SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, NULL, 0), -SV_ENOSPC);
	read_item(r, SV_FWCFG_FILE_DIR, count, 4);
	SV_CHECK_EQ_U64(be(count, 4), SV_FWCFG_MAX_FILES);
	/* the last file is reachable at the last key */
	{
		uint32_t size = 0;
		uint16_t key = find_file(r, "opt/f31", &size);
		uint8_t b[2];

		SV_CHECK_EQ_U64(key, SV_FWCFG_FILE_FIRST + SV_FWCFG_MAX_FILES - 1);
		read_item(r, key, b, 2);
		SV_CHECK(memcmp(b, blob_z, 2) == 0);
	}
	rig_fini(r);

	/* bad e820 maps and init arguments */
	r = rig_init(1ull << 30, 1);
	{
		struct sv_e820_entry zero_len = { 0x1000, 0, SV_E820_RAM };
		struct sv_e820_entry wraps = { ~0ull - 10, 100, SV_E820_RAM };
		struct sv_e820_entry no_type = { 0, 0x1000, 0 };
		struct sv_e820_entry to_top = { ~0ull - 0xfff, 0x1000, SV_E820_RAM };
		static struct sv_e820_entry big[SV_FWCFG_MAX_E820 + 1];
		static struct sv_fwcfg other;

		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, &zero_len, 1), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, &wraps, 1), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, &no_type, 1), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, NULL, 1), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, big, SV_FWCFG_MAX_E820 + 1),
				-SV_E2BIG);
		SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, &to_top, 1), 0);
		SV_CHECK_EQ_I64(fwcfg_init(&other, &r->vm, 0, 0), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_init(&other, &r->vm, 0, 0x10000), -SV_EINVAL);
		SV_CHECK_EQ_I64(fwcfg_init(&other, &r->vm, 0, 1), -SV_EBUSY);
	}
	rig_fini(r);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void test_random_guest(void)
{
	struct rig *r = rig_init(1ull << 30, 4);
	uint64_t seed = 0xf0cf9ull;
	unsigned bad = 0;
	uint8_t sig[4];

	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/alpha", blob_a,
				       sizeof(blob_a)), 0);
	for (unsigned i = 0; i < 200000 && bad < 10; i++) {
		uint64_t x = rng_next(&seed);
		unsigned size = 1u << (x % 3);
		uint16_t port = (uint16_t)(0x50f + (x >> 8) % 8);
		uint64_t d = x >> 16;
		uint32_t len = 0;

		/* bias selector writes toward real keys */
		if ((x >> 4) % 4 == 0) {
			port = SV_FWCFG_PORT_SELECTOR;
			size = 2;
			d = (x >> 32) % 0x24;
		}
		SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size,
					     (x >> 7) & 1, &d), 0);
		/* the offset never passes the selected item's end */
		if ((r->fw.selector & SV_FWCFG_ARCH_LOCAL) == 0) {
			unsigned e = r->fw.selector & SV_FWCFG_ENTRY_MASK;

			if (e == SV_FWCFG_FILE_DIR)
				len = r->fw.dir_len;
			else if (e == SV_FWCFG_FILE_FIRST)
				len = sizeof(blob_a);
			else if (e == SV_FWCFG_RAM_SIZE)
				len = 8;
			else if (e <= SV_FWCFG_ID)
				len = 4;
			else if (e == SV_FWCFG_NB_CPUS || e == SV_FWCFG_MAX_CPUS)
				len = 2;
		}
		if (r->fw.offset > len)
			bad++;
	}
	SV_CHECK_EQ_U64(bad, 0);
	read_item(r, SV_FWCFG_SIGNATURE, sig, 4);
	SV_CHECK(memcmp(sig, "QEMU", 4) == 0);
	rig_fini(r);
}

static uint64_t fwcfg_digest_of(const struct sv_fwcfg *f)
{
	struct sv_digest d;

	sv_digest_init(&d);
	fwcfg_digest(f, &d);
	return d.h;
}

/* rig_init() on a rig of the caller's, so that two can live at once. */
static void digest_rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	SV_CHECK_EQ_I64(vm_init(&r->vm, "fwcfg", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(fwcfg_init(&r->fw, &r->vm, 64ull << 20, 2), 0);
}

/* Files and e820 map of the rig's own (data at its own address). */
static void digest_setup(struct rig *r, uint8_t *blob, size_t len)
{
	static const struct sv_e820_entry map[] = {
		{ 0, 0x9fc00, SV_E820_RAM },
		{ 0x100000, (64ull << 20) - 0x100000, SV_E820_RAM },
	};

	SV_CHECK_EQ_I64(fwcfg_add_file(&r->fw, "opt/blob", blob,
				       (uint32_t)len), 0);
	SV_CHECK_EQ_I64(fwcfg_add_e820(&r->fw, map, 2), 0);
}

static void test_state_digest(void)
{
	static struct rig two[2];
	struct rig *a = &two[0], *b = &two[1];
	uint8_t copy_a[40], copy_b[40];
	uint8_t sig[4];

	for (unsigned i = 0; i < sizeof(copy_a); i++)
		copy_a[i] = copy_b[i] = (uint8_t)(i * 7);

	/* Two fresh devices at different addresses: no pointer is hashed. */
	digest_rig_init(a);
	digest_rig_init(b);
	SV_CHECK_EQ_U64(fwcfg_digest_of(&a->fw), fwcfg_digest_of(&b->fw));

	/* The same files, their bytes at different addresses; same reads. */
	digest_setup(a, copy_a, sizeof(copy_a));
	digest_setup(b, copy_b, sizeof(copy_b));
	read_item(a, SV_FWCFG_SIGNATURE, sig, sizeof(sig));
	read_item(b, SV_FWCFG_SIGNATURE, sig, sizeof(sig));
	select_key(a, SV_FWCFG_FILE_DIR);
	select_key(b, SV_FWCFG_FILE_DIR);
	read_bytes(a, sig, 3);
	read_bytes(b, sig, 3);
	SV_CHECK_EQ_U64(fwcfg_digest_of(&a->fw), fwcfg_digest_of(&b->fw));

	/* One more data read tells them apart (the offset)... */
	(void)read_byte(b);
	SV_CHECK(fwcfg_digest_of(&a->fw) != fwcfg_digest_of(&b->fw));
	(void)read_byte(a);
	SV_CHECK_EQ_U64(fwcfg_digest_of(&a->fw), fwcfg_digest_of(&b->fw));
	/* ...as does a different selector... */
	select_key(a, SV_FWCFG_FILE_FIRST);
	select_key(b, SV_FWCFG_FILE_FIRST + 1);
	SV_CHECK(fwcfg_digest_of(&a->fw) != fwcfg_digest_of(&b->fw));
	select_key(b, SV_FWCFG_FILE_FIRST);
	SV_CHECK_EQ_U64(fwcfg_digest_of(&a->fw), fwcfg_digest_of(&b->fw));
	/* ...and a file's contents. */
	copy_b[39] ^= 1;
	SV_CHECK(fwcfg_digest_of(&a->fw) != fwcfg_digest_of(&b->fw));

	rig_fini(a);
	rig_fini(b);
}

CU_TestInfo sv_tests_fwcfg[] = {
	{ "signature and feature bitmap", test_signature_and_id },
	{ "RAM size and CPU counts", test_ram_and_cpus },
	{ "file directory layout and order", test_file_directory },
	{ "reading a file, the e820 file", test_read_file_and_e820 },
	{ "unknown keys and access widths", test_unknown_keys_and_widths },
	{ "add_file refusals", test_add_file_refusals },
	{ "random guest accesses", test_random_guest },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
