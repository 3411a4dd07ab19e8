/*
 * Tests of the multiboot2 boot-information parser and the kernel
 * command-line helpers (backend_baremetal/multiboot2.c), on blocks built
 * here: a well-formed one, and broken ones that must be refused with the
 * byte offset of the problem.
 */
#include <stdint.h>
#include <string.h>

#include "multiboot2.h"
#include "sv/errno.h"
#include "sv_test.h"

struct builder {
	uint8_t buf[4096] __attribute__((aligned(8)));
	size_t len;
};

static void put32(struct builder *b, size_t off, uint32_t v)
{
	memcpy(b->buf + off, &v, 4);
}

static void begin(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Append a tag with the payload; returns the tag's offset. */
static size_t tag(struct builder *b, uint32_t type, const void *payload,
		  size_t n)
{
	size_t off = b->len;

	put32(b, off, type);
	put32(b, off + 4, (uint32_t)(8 + n));
	memcpy(b->buf + off + 8, payload, n);
	b->len = (off + 8 + n + 7) & ~(size_t)7;
	return off;
}

static size_t finish(struct builder *b)
{
	tag(b, MB2_TAG_END, NULL, 0);
	put32(b, 0, (uint32_t)b->len);
	return b->len;
}

struct mmap_payload {
	uint32_t entry_size, entry_version;
	struct { uint64_t base, len; uint32_t type, zero; } e[3];
};

static void build_good(struct builder *b)
{
	static const char cmd[] = "test fault=pf  verbose";
	static const char loader[] = "GRUB 2.06";
	uint32_t meminfo[2] = { 639, 130048 };
	struct mmap_payload mm = {
		24, 0,
		{ { 0, 0x9fc00, MB2_MEM_AVAILABLE, 0 },
		  { 0xf0000, 0x10000, MB2_MEM_RESERVED, 0 },
		  { 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE, 0 } },
	};

	begin(b);
	tag(b, MB2_TAG_CMDLINE, cmd, sizeof(cmd));
	tag(b, MB2_TAG_BOOTLOADER, loader, sizeof(loader));
	tag(b, 21, "\1\2\3", 3);	/* unknown tag: skipped */
	tag(b, MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	tag(b, MB2_TAG_MMAP, &mm, sizeof(mm));
	finish(b);
}

static void test_good(void)
{
	struct builder b;
	struct mb2_info mi;
	size_t off;

	build_good(&b);
	SV_CHECK_EQ_I64(mb2_parse(b.buf, sizeof(b.buf), &mi, &off), 0);
	SV_CHECK_STR_EQ(mi.cmdline, "test fault=pf  verbose");
	SV_CHECK_STR_EQ(mi.bootloader, "GRUB 2.06");
	SV_CHECK_EQ_U64(mi.mem_lower_kb, 639);
	SV_CHECK_EQ_U64(mi.mem_upper_kb, 130048);
	SV_CHECK_EQ_U64(mi.mmap_count, 3);
	SV_CHECK_EQ_U64(mi.mmap[2].base, 0x100000);
	SV_CHECK_EQ_U64(mi.mmap[1].type, MB2_MEM_RESERVED);
	SV_CHECK_EQ_U64(mb2_usable_bytes(&mi), 0x9fc00 + 0x7ee0000);
}

static void test_absent_tags(void)
{
	struct builder b;
	struct mb2_info mi;
	size_t off;

	begin(&b);
	finish(&b);
	SV_CHECK_EQ_I64(mb2_parse(b.buf, sizeof(b.buf), &mi, &off), 0);
	SV_CHECK_STR_EQ(mi.cmdline, "");
	SV_CHECK_EQ_U64(mi.mmap_count, 0);
}

static void expect_corrupt(struct builder *b, size_t max, size_t want_off)
{
	struct mb2_info mi;
	size_t off = 12345;

	SV_CHECK_EQ_I64(mb2_parse(b->buf, max, &mi, &off), -SV_ECORRUPT);
	SV_CHECK_EQ_U64(off, want_off);
}

static void test_corrupt(void)
{
	struct builder b;
	size_t t;

	/* total size larger than the caller's bound */
	build_good(&b);
	expect_corrupt(&b, b.len - 8, 0);
	/* absurd total sizes */
	build_good(&b);
	put32(&b, 0, 4);
	expect_corrupt(&b, sizeof(b.buf), 0);
	put32(&b, 0, 0xffffffff);
	expect_corrupt(&b, sizeof(b.buf), 0);
	/* a tag that claims to run past the block */
	build_good(&b);
	put32(&b, 8 + 4, 0x10000);
	expect_corrupt(&b, sizeof(b.buf), 8);
	/* a tag smaller than its own header */
	build_good(&b);
	put32(&b, 8 + 4, 4);
	expect_corrupt(&b, sizeof(b.buf), 8);
	/* a command line that is not terminated inside its tag */
	begin(&b);
	t = tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 8);
	finish(&b);
	expect_corrupt(&b, sizeof(b.buf), t);
	/* no end tag: the last tag is cut off by the total size */
	build_good(&b);
	put32(&b, 0, (uint32_t)(b.len - 8));
	expect_corrupt(&b, sizeof(b.buf), b.len - 8);
	/* memory map entries too small to hold an entry */
	begin(&b);
	{
		uint32_t mm[2 + 4] = { 16, 0 };

		t = tag(&b, MB2_TAG_MMAP, mm, sizeof(mm));
	}
	finish(&b);
	expect_corrupt(&b, sizeof(b.buf), t);
}

static void test_mmap_overflow(void)
{
	static struct builder b;
	struct { uint32_t size, ver; uint64_t e[MB2_MAX_MMAP + 5][3]; } mm;
	struct mb2_info mi;
	size_t off;

	memset(&mm, 0, sizeof(mm));
	mm.size = 24;
	for (unsigned i = 0; i < MB2_MAX_MMAP + 5; i++) {
		mm.e[i][0] = (uint64_t)i << 20;
		mm.e[i][1] = 1 << 20;
		mm.e[i][2] = MB2_MEM_AVAILABLE;
	}
	begin(&b);
	tag(&b, MB2_TAG_MMAP, &mm, sizeof(mm));
	finish(&b);
	SV_CHECK_EQ_I64(mb2_parse(b.buf, sizeof(b.buf), &mi, &off), 0);
	SV_CHECK_EQ_U64(mi.mmap_count, MB2_MAX_MMAP);
	SV_CHECK_EQ_U64(mi.mmap_dropped, 5);
}

static void test_cmdline(void)
{
	const char *line = "  test fault=pf testing=1 x= \tlast";
	char buf[8];

	SV_CHECK(cmdline_has(line, "test"));
	SV_CHECK(cmdline_has(line, "fault"));
	SV_CHECK(cmdline_has(line, "last"));
	SV_CHECK(!cmdline_has(line, "tes"));	/* whole words only */
	SV_CHECK(!cmdline_has(line, "pf"));
	SV_CHECK(!cmdline_has(line, ""));
	SV_CHECK(!cmdline_has("", "test"));
	SV_CHECK_EQ_I64(cmdline_value(line, "fault", buf, sizeof(buf)), 2);
	SV_CHECK_STR_EQ(buf, "pf");
	SV_CHECK_EQ_I64(cmdline_value(line, "testing", buf, sizeof(buf)), 1);
	SV_CHECK_STR_EQ(buf, "1");
	SV_CHECK_EQ_I64(cmdline_value(line, "x", buf, sizeof(buf)), 0);
	SV_CHECK_STR_EQ(buf, "");
	SV_CHECK_EQ_I64(cmdline_value(line, "test", buf, sizeof(buf)), -1);
	SV_CHECK_EQ_I64(cmdline_value("k=0123456789", "k", buf, sizeof(buf)), 10);
	SV_CHECK_STR_EQ(buf, "0123456");	/* truncated, terminated */
}

CU_TestInfo sv_tests_multiboot2[] = {
	{ "well-formed block", test_good },
	{ "absent tags", test_absent_tags },
	{ "corrupt blocks refused with offset", test_corrupt },
	{ "memory map longer than kept", test_mmap_overflow },
	{ "command line words and values", test_cmdline },
	CU_TEST_INFO_NULL,
};
