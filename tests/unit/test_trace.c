/*
 * Tests for common/trace.c (format version 1, docs/trace-format.md).
 *
 * Traces are written through the writer API into a memory buffer and read
 * back: every record type field for field, checkpoints over a few thousand
 * records, and the byte layouts the specification gives (its worked example
 * is checked here byte for byte). Then the reader is fed every kind of
 * damage the issue names (empty, truncated at every length, every single
 * bit flipped, absurd lengths, wrong version or magic, bytes after END,
 * noise before the magic) and must refuse each with the right offset and
 * message, never crash and never read the whole trace as good.
 */
#include <stdlib.h>

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/trace.h"
#include "sv_test.h"

/* ---- a growable memory sink ---------------------------------------------- */

struct membuf {
	uint8_t *b;
	size_t n, cap;
	unsigned calls;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	CU_ASSERT(len > 0);	/* the writer never emits empty chunks */
	if (m->n + len > m->cap) {
		m->cap = (m->n + len) * 2;
		m->b = realloc(m->b, m->cap);
		CU_ASSERT_FATAL(m->b != NULL);
	}
	memcpy(m->b + m->n, buf, len);
	m->n += len;
	m->calls++;
}

static void mem_free(struct membuf *m)
{
	free(m->b);
	memset(m, 0, sizeof(*m));
}

static const struct sv_trace_header test_header = {
	.producer = "test",
	.cpu_features = SV_TRACE_CPU_VMX | SV_TRACE_CPU_EPT,
	.config_digest = 0x1122334455667788ull,
};

static void begin(struct sv_trace_writer *w, struct membuf *m)
{
	memset(m, 0, sizeof(*m));
	sv_trace_writer_begin(w, mem_sink, m, &test_header);
}

/* Open and read every record; returns the last status (0 when the whole
 * trace read as good), and the number of records in *count. */
static int read_all(struct sv_trace_reader *r, const void *buf, size_t len,
		    uint64_t *count)
{
	struct sv_trace_record rec;
	int ret = sv_trace_reader_open(r, buf, len);

	if (count)
		*count = 0;
	if (ret)
		return ret;
	while ((ret = sv_trace_reader_next(r, &rec)) == 1)
		if (count)
			(*count)++;
	return ret;
}

/* The reader failed at offset with a message containing text. */
#define CHECK_ERR(r, ret, offset, text) \
	do { \
		SV_CHECK_EQ_I64((ret), -SV_ECORRUPT); \
		SV_CHECK_EQ_U64((r)->err_offset, (offset)); \
		if (!strstr((r)->err, (text))) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"error \"%s\" lacks \"%s\"", (r)->err, (text)); \
		else \
			CU_PASS(text); \
	} while (0)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Offsets of the records of a valid trace (checkpoints and END included),
 * found by walking the framing; returns how many. */
static size_t record_offsets(const uint8_t *b, size_t n, size_t *offs,
			     size_t max)
{
	size_t pos = SV_TRACE_HEADER_SIZE, k = 0;

	while (pos + SV_TRACE_RECORD_HEADER <= n && k < max) {
		offs[k++] = pos;
		pos += SV_TRACE_RECORD_HEADER + rd32(b + pos + 4);
	}
	return k;
}

/* Recompute the CRC of the CHECKPOINT or END at off, whose range began at
 * from: what a forger (or the test of a check behind the CRC) does. */
static void fix_closing_crc(uint8_t *b, size_t from, size_t off)
{
	uint32_t len = rd32(b + off + 4);
	size_t crc_at = off + SV_TRACE_RECORD_HEADER + len - 4;

	wr32(b + crc_at, sv_crc32(0, b + from, crc_at - from));
}

static void fix_header_crc(uint8_t *b)
{
	wr32(b + 40, sv_crc32(0, b, 40));
}

/* ---- sample values ------------------------------------------------------- */

static struct sv_exit sample_exit(unsigned i)
{
	struct sv_exit x = {
		.reason = (uint16_t)(30 + i),
		.reason_flags = 0x8000,
		.instr_len = 2,
		.qualification = 0x00000000003f8008ull + i,
		.guest_linear = gva(0xffff800000001000ull + i),
		.guest_physical = gpa(0xfee00000ull + i),
		.instr_info = 0x11223344,
		.intr_info = 0x80000b0e,
		.intr_error = 0xdeadbeef,
		.idt_vectoring_info = 0x80000306,
		.idt_vectoring_error = 0x55aa55aa,
		.rip = 0x100000ull + 16 * i,
		.io_data = 0x0123456789abcdefull ^ i,
		.access_size = 4,
	};
	return x;
}

static struct sv_regs sample_regs(uint64_t seed)
{
	struct sv_regs r;
	uint64_t *v = (uint64_t *)&r;

	for (int i = 0; i < 18; i++)
		v[i] = seed * 0x100000001b3ull + (uint64_t)i * 0x0101010101010101ull;
	return r;
}

static void check_exit_eq(const struct sv_exit *a, const struct sv_exit *b)
{
	SV_CHECK_EQ_U64(a->reason, b->reason);
	SV_CHECK_EQ_U64(a->reason_flags, b->reason_flags);
	SV_CHECK_EQ_U64(a->instr_len, b->instr_len);
	SV_CHECK_EQ_U64(a->qualification, b->qualification);
	SV_CHECK_EQ_U64(a->guest_linear.v, b->guest_linear.v);
	SV_CHECK_EQ_U64(a->guest_physical.v, b->guest_physical.v);
	SV_CHECK_EQ_U64(a->instr_info, b->instr_info);
	SV_CHECK_EQ_U64(a->intr_info, b->intr_info);
	SV_CHECK_EQ_U64(a->intr_error, b->intr_error);
	SV_CHECK_EQ_U64(a->idt_vectoring_info, b->idt_vectoring_info);
	SV_CHECK_EQ_U64(a->idt_vectoring_error, b->idt_vectoring_error);
	SV_CHECK_EQ_U64(a->rip, b->rip);
	SV_CHECK_EQ_U64(a->io_data, b->io_data);
	SV_CHECK_EQ_U64(a->access_size, b->access_size);
}

/* ---- names and layouts --------------------------------------------------- */

static void test_names(void)
{
#define CHECK_NAME(name, value) SV_CHECK_STR_EQ(sv_trace_type_name(value), #name);
	SV_TRACE_RECORDS(CHECK_NAME)
#undef CHECK_NAME
	SV_CHECK_STR_EQ(sv_trace_type_name(0), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_trace_type_name(22), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_trace_type_name(66), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_trace_type_name(255), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_trace_type_name(256 + SV_TR_OP_RUN), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_trace_type_name(~0u), "UNKNOWN");
}

/* The composite layouts of the specification, at their byte offsets. */
static void test_composite_layouts(void)
{
	struct sv_exit x = sample_exit(0), y;
	struct sv_regs regs = sample_regs(7), regs2;
	struct sv_segment seg = { 0x0010, 0x000fffff, 0xffffffff00001000ull,
				  0xc09b }, seg2;
	struct sv_event ev = { 14, 3, true, 0x12345678 }, ev2;
	struct sv_trace_enc e;
	struct sv_trace_dec d;

	x.reserved = 0xffffffff;	/* written as zero all the same */
	x.reserved2 = 0xffffffff;
	sv_tenc_init(&e);
	sv_tenc_exit(&e, &x);
	SV_CHECK(!e.overflow);
	SV_CHECK_EQ_U64(e.n, SV_TRACE_EXIT_SIZE);
	SV_CHECK_EQ_U64(e.b[0] | e.b[1] << 8, x.reason);
	SV_CHECK_EQ_U64(e.b[2] | e.b[3] << 8, 0x8000);
	SV_CHECK_EQ_U64(rd32(e.b + 4), 2);
	SV_CHECK_EQ_U64(rd32(e.b + 8), 0x003f8008);	/* qualification */
	SV_CHECK_EQ_U64(rd32(e.b + 20), 0xffff8000);	/* linear, high half */
	SV_CHECK_EQ_U64(rd32(e.b + 24), 0xfee00000);	/* physical */
	SV_CHECK_EQ_U64(rd32(e.b + 32), 0x11223344);	/* instr_info */
	SV_CHECK_EQ_U64(rd32(e.b + 36), 0x80000b0e);	/* intr_info */
	SV_CHECK_EQ_U64(rd32(e.b + 40), 0xdeadbeef);	/* intr_error */
	SV_CHECK_EQ_U64(rd32(e.b + 44), 0x80000306);	/* idt info */
	SV_CHECK_EQ_U64(rd32(e.b + 48), 0x55aa55aa);	/* idt error */
	SV_CHECK_EQ_U64(rd32(e.b + 52), 0);		/* reserved */
	SV_CHECK_EQ_U64(rd32(e.b + 56), 0x100000);	/* rip */
	SV_CHECK_EQ_U64(rd32(e.b + 64), 0x89abcdef);	/* io_data */
	SV_CHECK_EQ_U64(rd32(e.b + 68), 0x01234567);
	SV_CHECK_EQ_U64(rd32(e.b + 72), 4);		/* access_size */
	SV_CHECK_EQ_U64(rd32(e.b + 76), 0);		/* reserved2 */
	sv_tdec_init(&d, e.b, e.n);
	memset(&y, 0xee, sizeof(y));
	sv_tdec_exit(&d, &y);
	SV_CHECK(sv_tdec_done(&d));
	check_exit_eq(&y, &x);
	SV_CHECK_EQ_U64(y.reserved, 0);
	SV_CHECK_EQ_U64(y.reserved2, 0);

	sv_tenc_init(&e);
	sv_tenc_regs(&e, &regs);
	SV_CHECK_EQ_U64(e.n, SV_TRACE_REGS_SIZE);
	SV_CHECK_EQ_U64(rd32(e.b + 0), (uint32_t)regs.rax);
	SV_CHECK_EQ_U64(rd32(e.b + 8 * 7), (uint32_t)regs.rsp);
	SV_CHECK_EQ_U64(rd32(e.b + 8 * 15), (uint32_t)regs.r15);
	SV_CHECK_EQ_U64(rd32(e.b + 8 * 16), (uint32_t)regs.rip);
	SV_CHECK_EQ_U64(rd32(e.b + 8 * 17 + 4), (uint32_t)(regs.rflags >> 32));
	sv_tdec_init(&d, e.b, e.n);
	sv_tdec_regs(&d, &regs2);
	SV_CHECK(sv_tdec_done(&d));
	SV_CHECK(memcmp(&regs, &regs2, sizeof(regs)) == 0);

	sv_tenc_init(&e);
	sv_tenc_segment(&e, &seg);
	SV_CHECK_EQ_U64(e.n, SV_TRACE_SEGMENT_SIZE);
	SV_CHECK_EQ_U64(e.b[0] | e.b[1] << 8, 0x0010);
	SV_CHECK_EQ_U64(rd32(e.b + 2), 0x000fffff);
	SV_CHECK_EQ_U64(rd32(e.b + 6), 0x00001000);
	SV_CHECK_EQ_U64(rd32(e.b + 10), 0xffffffff);
	SV_CHECK_EQ_U64(rd32(e.b + 14), 0xc09b);
	sv_tdec_init(&d, e.b, e.n);
	sv_tdec_segment(&d, &seg2);
	SV_CHECK(sv_tdec_done(&d));
	SV_CHECK_EQ_U64(seg2.selector, seg.selector);
	SV_CHECK_EQ_U64(seg2.limit, seg.limit);
	SV_CHECK_EQ_U64(seg2.base, seg.base);
	SV_CHECK_EQ_U64(seg2.access, seg.access);

	sv_tenc_init(&e);
	sv_tenc_event(&e, &ev);
	SV_CHECK_EQ_U64(e.n, SV_TRACE_EVENT_SIZE);
	SV_CHECK_EQ_U64(e.b[0], 14);
	SV_CHECK_EQ_U64(e.b[1], 3);
	SV_CHECK_EQ_U64(e.b[2], 1);
	SV_CHECK_EQ_U64(rd32(e.b + 3), 0x12345678);
	sv_tdec_init(&d, e.b, e.n);
	sv_tdec_event(&d, &ev2);
	SV_CHECK(sv_tdec_done(&d));
	SV_CHECK_EQ_U64(ev2.vector, 14);
	SV_CHECK_EQ_U64(ev2.type, 3);
	SV_CHECK(ev2.has_error);
	SV_CHECK_EQ_U64(ev2.error, 0x12345678);
}

static void test_encoder_overflow(void)
{
	struct sv_trace_enc e;
	uint8_t big[SV_TRACE_ENC_MAX] = { 0 };

	sv_tenc_init(&e);
	sv_tenc_bytes(&e, big, SV_TRACE_ENC_MAX - 3);
	SV_CHECK(!e.overflow);
	sv_tenc_u32(&e, 1);		/* does not fit: nothing written */
	SV_CHECK(e.overflow);
	SV_CHECK_EQ_U64(e.n, SV_TRACE_ENC_MAX - 3);
	sv_tenc_u8(&e, 1);		/* would fit, but the value is lost */
	SV_CHECK_EQ_U64(e.n, SV_TRACE_ENC_MAX - 3);
	sv_tenc_init(&e);
	SV_CHECK(!e.overflow);
	SV_CHECK_EQ_U64(e.n, 0);
}

static void test_decoder_short(void)
{
	const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct sv_trace_dec d;
	struct sv_exit x;

	sv_tdec_init(&d, b, sizeof(b));
	SV_CHECK_EQ_U64(sv_tdec_u16(&d), 0x0201);
	SV_CHECK_EQ_U64(sv_tdec_u32(&d), 0x06050403);
	SV_CHECK(!sv_tdec_done(&d));		/* one byte left */
	SV_CHECK_EQ_U64(sv_tdec_u16(&d), 0);	/* past the end */
	SV_CHECK(d.short_read);
	SV_CHECK_EQ_U64(sv_tdec_u8(&d), 0);	/* and stays failed */
	SV_CHECK(!sv_tdec_done(&d));

	sv_tdec_init(&d, b, sizeof(b));
	SV_CHECK(sv_tdec_bytes(&d, 8) == NULL);
	SV_CHECK(!sv_tdec_done(&d));
	sv_tdec_init(&d, b, sizeof(b));
	SV_CHECK(sv_tdec_bytes(&d, 7) == b);
	SV_CHECK(sv_tdec_done(&d));
	sv_tdec_init(&d, b, sizeof(b));
	SV_CHECK(sv_tdec_bytes(&d, SIZE_MAX) == NULL);	/* no wrap-around */

	sv_tdec_init(&d, b, sizeof(b));		/* a whole exit from 7 bytes */
	sv_tdec_exit(&d, &x);
	SV_CHECK(d.short_read);
	SV_CHECK_EQ_U64(x.rip, 0);

	sv_tdec_init(&d, NULL, 0);
	SV_CHECK(sv_tdec_done(&d));
	SV_CHECK_EQ_U64(sv_tdec_u8(&d), 0);
	SV_CHECK(!sv_tdec_done(&d));
}

/* The worked example of docs/trace-format.md, byte for byte. */
static void test_spec_example(void)
{
	static const uint8_t expect[] = {
		/* header */
		0x53, 0x56, 0x54, 0x52, 0x41, 0x43, 0x45, 0x00,
		0x01, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x6b, 0x76, 0x6d, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		0xa8, 0x68, 0x92, 0x42, 0x00, 0x00, 0x00, 0x00,
		/* TIME, vm 0, vcpu 0, 8 bytes: 1000000 ns */
		0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
		0x40, 0x42, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* END: 1 record, 0 exits, digest 0xfeedface, CRC */
		0x41, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xce, 0xfa, 0xed, 0xfe, 0x00, 0x00, 0x00, 0x00,
		0x1d, 0x9b, 0x8f, 0xd3,
	};
	struct sv_trace_header h = {
		.producer = "kvm",
		.cpu_features = SV_TRACE_CPU_VMX | SV_TRACE_CPU_EPT |
				SV_TRACE_CPU_UNRESTRICTED | SV_TRACE_CPU_VPID,
		.config_digest = 0x0123456789abcdefull,
	};
	struct sv_trace_writer w;
	struct sv_trace_enc e;
	struct sv_trace_reader r;
	struct membuf m = { 0 };
	uint64_t n;

	sv_trace_writer_begin(&w, mem_sink, &m, &h);
	SV_CHECK_EQ_U64(m.n, SV_TRACE_HEADER_SIZE);
	SV_CHECK_EQ_U64(m.calls, 1);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 1000000);
	sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
	sv_trace_writer_end(&w, 0xfeedface);
	SV_CHECK_EQ_I64(w.error, 0);
	SV_CHECK_EQ_U64(m.n, sizeof(expect));
	for (size_t i = 0; i < sizeof(expect) && i < m.n; i++)
		if (m.b[i] != expect[i])
			SV_TEST_FAIL_(__FILE__, __LINE__, "byte %zu is 0x%02x, "
				      "the specification says 0x%02x", i,
				      m.b[i], expect[i]);
	SV_CHECK_EQ_I64(read_all(&r, expect, sizeof(expect), &n), 0);
	SV_CHECK_EQ_U64(n, 1);
	SV_CHECK(memcmp(r.header.producer, "kvm\0\0\0\0\0", 8) == 0);
	SV_CHECK_EQ_U64(r.header.cpu_features, 0xf);
	SV_CHECK_EQ_U64(r.header.config_digest, 0x0123456789abcdefull);
	SV_CHECK_EQ_U64(r.end_digest, 0xfeedface);
	mem_free(&m);
}

/* ---- every record type, written and read back ---------------------------- */

static const char config_text[] = "name demo\nmemory 16M\nserial com1\n";
static const uint8_t image_bytes[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0xfa,
				       0xf4 };
static const uint8_t gpa_data[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
static const char stop_text[] = "guest wrote 0x31 to the debug-exit port";

static void ret_head(struct sv_trace_enc *e, int32_t ret)
{
	sv_tenc_init(e);
	sv_tenc_u32(e, (uint32_t)ret);
}

/* One record of every data type, in the order a run produces them, each
 * with distinct vm/vcpu tags and field values. Returns the END digest. */
static uint64_t write_every_type(struct sv_trace_writer *w)
{
	struct sv_trace_enc e;
	struct sv_exit x = sample_exit(1);
	struct sv_regs regs = sample_regs(3);
	struct sv_segment seg = { 0x0008, 0xffffffff, 0, 0xa09b };
	struct sv_event ev = { 32, 0, false, 0 };

	sv_trace_write(w, SV_TR_CONFIG, 0, 0, config_text,
		       sizeof(config_text) - 1, NULL, 0);
	sv_trace_write(w, SV_TR_IMAGE, 0, 0, NULL, 0, image_bytes,
		       sizeof(image_bytes));
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 1700000000123456789ull);
	sv_trace_write(w, SV_TR_REALTIME, 0, 0, e.b, e.n, NULL, 0);

	ret_head(&e, 0);
	sv_trace_write(w, SV_TR_OP_VM_CREATE, 1, 0, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u64(&e, 0x100000);
	sv_tenc_u64(&e, 16ull << 20);
	sv_tenc_u32(&e, SV_MEM_READONLY);
	sv_trace_write(w, SV_TR_OP_MAP_MEMORY, 1, 0, e.b, e.n, NULL, 0);
	ret_head(&e, -SV_ENOSPC);
	sv_tenc_u32(&e, 2);
	sv_trace_write(w, SV_TR_OP_VCPU_CREATE, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_exit(&e, &x);
	sv_trace_write(w, SV_TR_OP_RUN, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u64(&e, 0xabcdull);
	sv_trace_write(w, SV_TR_OP_COMPLETE_EXIT, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_regs(&e, &regs);
	sv_trace_write(w, SV_TR_OP_GET_REGS, 1, 2, e.b, e.n, NULL, 0);
	regs.rip += 2;
	ret_head(&e, 0);
	sv_tenc_regs(&e, &regs);
	sv_trace_write(w, SV_TR_OP_SET_REGS, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u32(&e, SV_SEG_CS);
	sv_tenc_segment(&e, &seg);
	sv_trace_write(w, SV_TR_OP_GET_SEGMENT, 1, 2, e.b, e.n, NULL, 0);
	seg.selector = 0x18;
	ret_head(&e, 0);
	sv_tenc_u32(&e, SV_SEG_SS);
	sv_tenc_segment(&e, &seg);
	sv_trace_write(w, SV_TR_OP_SET_SEGMENT, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u32(&e, SV_CR0);
	sv_tenc_u64(&e, 0x80000011);
	sv_trace_write(w, SV_TR_OP_GET_CR, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u32(&e, SV_CR4);
	sv_tenc_u64(&e, 0x2020);
	sv_trace_write(w, SV_TR_OP_SET_CR, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u32(&e, 0xc0000080);
	sv_tenc_u64(&e, 0xd01);
	sv_trace_write(w, SV_TR_OP_GET_MSR, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, -SV_EINVAL);
	sv_tenc_u32(&e, 0x1b);
	sv_tenc_u64(&e, 0xfee00900);
	sv_trace_write(w, SV_TR_OP_SET_MSR, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_event(&e, &ev);
	sv_trace_write(w, SV_TR_OP_INJECT_EVENT, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u8(&e, 1);
	sv_trace_write(w, SV_TR_OP_INTERRUPT_READY, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u32(&e, SV_WINDOW_NMI);
	sv_tenc_u8(&e, 1);
	sv_trace_write(w, SV_TR_OP_SET_WINDOW, 1, 2, e.b, e.n, NULL, 0);
	ret_head(&e, 0);
	sv_tenc_u64(&e, 0x7000);
	sv_tenc_u32(&e, sizeof(gpa_data));
	sv_trace_write(w, SV_TR_OP_READ_GPA, 1, 0, e.b, e.n, gpa_data,
		       sizeof(gpa_data));
	ret_head(&e, 0);
	sv_tenc_u64(&e, 0x8000);
	sv_tenc_u32(&e, 0);		/* an empty write has no data */
	sv_trace_write(w, SV_TR_OP_WRITE_GPA, 1, 0, e.b, e.n, NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 123456789);
	sv_trace_write(w, SV_TR_TIME, 1, 2, e.b, e.n, NULL, 0);
	sv_trace_write(w, SV_TR_OP_VCPU_DESTROY, 1, 2, NULL, 0, NULL, 0);
	sv_trace_write(w, SV_TR_OP_VM_DESTROY, 1, 0, NULL, 0, NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u32(&e, 2);		/* stopped */
	sv_tenc_u32(&e, (uint32_t)-3);
	sv_tenc_u64(&e, 0x0badc0ffee0ddf00ull);
	sv_trace_write(w, SV_TR_VM_END, 1, 0, e.b, e.n, stop_text,
		       sizeof(stop_text) - 1);
	return 0x5eed5eed5eed5eedull;
}

#define EVERY_TYPE_RECORDS 25	/* every type but CHECKPOINT and END */

/* A small valid trace of every record type in *m. */
static void build_small(struct membuf *m)
{
	struct sv_trace_writer w;

	begin(&w, m);
	sv_trace_writer_end(&w, write_every_type(&w));
	CU_ASSERT_FATAL(w.error == 0);
}

/* Next record, which must be of this type and tag; a decoder on it. */
static bool expect_rec(struct sv_trace_reader *r, struct sv_trace_record *rec,
		       struct sv_trace_dec *d, uint8_t type, uint8_t vm,
		       uint16_t vcpu, uint32_t len)
{
	int ret = sv_trace_reader_next(r, rec);

	SV_CHECK_EQ_I64(ret, 1);
	if (ret != 1) {
		SV_TEST_FAIL_(__FILE__, __LINE__, "reader: %s", r->err);
		return false;
	}
	SV_CHECK_STR_EQ(sv_trace_type_name(rec->type), sv_trace_type_name(type));
	SV_CHECK_EQ_U64(rec->vm, vm);
	SV_CHECK_EQ_U64(rec->vcpu, vcpu);
	SV_CHECK_EQ_U64(rec->len, len);
	sv_tdec_init(d, rec->payload, rec->len);
	return rec->type == type && rec->len == len;
}

static void test_every_record_type(void)
{
	struct membuf m;
	struct sv_trace_writer w;
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	struct sv_exit x, want_x = sample_exit(1);
	struct sv_regs regs, want_regs = sample_regs(3);
	struct sv_segment seg;
	struct sv_event ev;
	const uint8_t *p;
	uint64_t digest;
	size_t expect_off = SV_TRACE_HEADER_SIZE;

	begin(&w, &m);
	digest = write_every_type(&w);
	SV_CHECK_EQ_U64(w.records, EVERY_TYPE_RECORDS);
	SV_CHECK_EQ_U64(w.exits, 1);
	sv_trace_writer_end(&w, digest);
	SV_CHECK_EQ_I64(w.error, 0);
	SV_CHECK(w.ended);

	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, m.b, m.n), 0);
	SV_CHECK(memcmp(r.header.producer, "test\0\0\0\0", 8) == 0);
	SV_CHECK_EQ_U64(r.header.cpu_features, test_header.cpu_features);
	SV_CHECK_EQ_U64(r.header.config_digest, test_header.config_digest);
	SV_CHECK_EQ_U64(r.start, 0);

	if (expect_rec(&r, &rec, &d, SV_TR_CONFIG, 0, 0, sizeof(config_text) - 1))
		SV_CHECK(memcmp(rec.payload, config_text, rec.len) == 0);
	SV_CHECK_EQ_U64(rec.offset, expect_off);
	if (expect_rec(&r, &rec, &d, SV_TR_IMAGE, 0, 0, sizeof(image_bytes)))
		SV_CHECK(memcmp(rec.payload, image_bytes, rec.len) == 0);
	expect_off += SV_TRACE_RECORD_HEADER + sizeof(config_text) - 1;
	SV_CHECK_EQ_U64(rec.offset, expect_off);
	if (expect_rec(&r, &rec, &d, SV_TR_REALTIME, 0, 0, 8))
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 1700000000123456789ull);

	if (expect_rec(&r, &rec, &d, SV_TR_OP_VM_CREATE, 1, 0, 4))
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
	if (expect_rec(&r, &rec, &d, SV_TR_OP_MAP_MEMORY, 1, 0, 24)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x100000);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 16ull << 20);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_MEM_READONLY);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_VCPU_CREATE, 1, 2, 8)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), -SV_ENOSPC);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), 2);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_RUN, 1, 2, 84)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		sv_tdec_exit(&d, &x);
		check_exit_eq(&x, &want_x);
	}
	SV_CHECK(sv_tdec_done(&d));
	if (expect_rec(&r, &rec, &d, SV_TR_OP_COMPLETE_EXIT, 1, 2, 12)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0xabcd);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_GET_REGS, 1, 2, 148)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		sv_tdec_regs(&d, &regs);
		SV_CHECK(memcmp(&regs, &want_regs, sizeof(regs)) == 0);
	}
	want_regs.rip += 2;
	if (expect_rec(&r, &rec, &d, SV_TR_OP_SET_REGS, 1, 2, 148)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		sv_tdec_regs(&d, &regs);
		SV_CHECK_EQ_U64(regs.rip, want_regs.rip);
		SV_CHECK(memcmp(&regs, &want_regs, sizeof(regs)) == 0);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_GET_SEGMENT, 1, 2, 26)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_SEG_CS);
		sv_tdec_segment(&d, &seg);
		SV_CHECK_EQ_U64(seg.selector, 0x0008);
		SV_CHECK_EQ_U64(seg.limit, 0xffffffff);
		SV_CHECK_EQ_U64(seg.base, 0);
		SV_CHECK_EQ_U64(seg.access, 0xa09b);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_SET_SEGMENT, 1, 2, 26)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_SEG_SS);
		sv_tdec_segment(&d, &seg);
		SV_CHECK_EQ_U64(seg.selector, 0x18);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_GET_CR, 1, 2, 16)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_CR0);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x80000011);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_SET_CR, 1, 2, 16)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_CR4);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x2020);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_GET_MSR, 1, 2, 16)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), 0xc0000080);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0xd01);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_SET_MSR, 1, 2, 16)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), -SV_EINVAL);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), 0x1b);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0xfee00900);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_INJECT_EVENT, 1, 2, 11)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		sv_tdec_event(&d, &ev);
		SV_CHECK_EQ_U64(ev.vector, 32);
		SV_CHECK_EQ_U64(ev.type, 0);
		SV_CHECK(!ev.has_error);
		SV_CHECK_EQ_U64(ev.error, 0);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_INTERRUPT_READY, 1, 2, 5)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u8(&d), 1);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_SET_WINDOW, 1, 2, 9)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_WINDOW_NMI);
		SV_CHECK_EQ_U64(sv_tdec_u8(&d), 1);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_OP_READ_GPA, 1, 0,
		       16 + sizeof(gpa_data))) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x7000);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), sizeof(gpa_data));
		p = sv_tdec_bytes(&d, sizeof(gpa_data));
		SV_CHECK(p && memcmp(p, gpa_data, sizeof(gpa_data)) == 0);
	}
	SV_CHECK(sv_tdec_done(&d));
	if (expect_rec(&r, &rec, &d, SV_TR_OP_WRITE_GPA, 1, 0, 16)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 0);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x8000);
		SV_CHECK_EQ_U64(sv_tdec_u32(&d), 0);
	}
	if (expect_rec(&r, &rec, &d, SV_TR_TIME, 1, 2, 8))
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 123456789);
	expect_rec(&r, &rec, &d, SV_TR_OP_VCPU_DESTROY, 1, 2, 0);
	expect_rec(&r, &rec, &d, SV_TR_OP_VM_DESTROY, 1, 0, 0);
	if (expect_rec(&r, &rec, &d, SV_TR_VM_END, 1, 0,
		       16 + sizeof(stop_text) - 1)) {
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), 2);
		SV_CHECK_EQ_I64((int32_t)sv_tdec_u32(&d), -3);
		SV_CHECK_EQ_U64(sv_tdec_u64(&d), 0x0badc0ffee0ddf00ull);
		p = sv_tdec_bytes(&d, sizeof(stop_text) - 1);
		SV_CHECK(p && memcmp(p, stop_text, sizeof(stop_text) - 1) == 0);
	}

	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 0);
	SV_CHECK(r.at_end);
	SV_CHECK_EQ_U64(r.records, EVERY_TYPE_RECORDS);
	SV_CHECK_EQ_U64(r.exits, 1);
	SV_CHECK_EQ_U64(r.end_records, EVERY_TYPE_RECORDS);
	SV_CHECK_EQ_U64(r.end_exits, 1);
	SV_CHECK_EQ_U64(r.end_digest, digest);
	SV_CHECK_EQ_U64(r.checkpoints, 0);
	SV_CHECK_EQ_U64(r.pos, m.n);
	SV_CHECK_STR_EQ(r.err, "");
	/* After END, always 0. */
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 0);
	mem_free(&m);
}

/* ---- checkpoints --------------------------------------------------------- */

/* n records alternating OP_RUN and TIME; a trace with END. */
static void build_long(struct membuf *m, unsigned n)
{
	struct sv_trace_writer w;
	struct sv_trace_enc e;

	begin(&w, m);
	for (unsigned i = 0; i < n; i++) {
		struct sv_exit x = sample_exit(i);

		if (i % 2 == 0) {
			ret_head(&e, 0);
			sv_tenc_exit(&e, &x);
			sv_trace_write(&w, SV_TR_OP_RUN, (uint8_t)(i % 3),
				       (uint16_t)(i % 5), e.b, e.n, NULL, 0);
		} else {
			sv_tenc_init(&e);
			sv_tenc_u64(&e, 1000ull * i);
			sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
		}
		/* The writer counts each checkpoint's range afresh. */
		SV_CHECK_EQ_U64(w.since_checkpoint,
				(i + 1) % SV_TRACE_CHECKPOINT_EVERY);
	}
	sv_trace_writer_end(&w, 42);
	CU_ASSERT_FATAL(w.error == 0);
}

static void test_checkpoints(void)
{
	enum { N = 3500 };
	struct membuf m;
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	static size_t offs[N + 16];
	size_t k, data = 0, cps = 0, from = SV_TRACE_HEADER_SIZE;
	uint64_t count = 0, t = 0;
	int ret;

	build_long(&m, N);
	/* In the raw stream: a CHECKPOINT after every 1024th record, counting
	 * the records before it, with the CRC of its range. */
	k = record_offsets(m.b, m.n, offs, N + 16);
	SV_CHECK_EQ_U64(k, N + N / SV_TRACE_CHECKPOINT_EVERY + 1);
	for (size_t i = 0; i < k; i++) {
		const uint8_t *p = m.b + offs[i];

		if (p[0] == SV_TR_CHECKPOINT) {
			cps++;
			SV_CHECK_EQ_U64(data, cps * SV_TRACE_CHECKPOINT_EVERY);
			SV_CHECK_EQ_U64(rd32(p + 4), 12);
			SV_CHECK_EQ_U64(rd32(p + 8), data);
			SV_CHECK_EQ_U64(rd32(p + 16),
					sv_crc32(0, m.b + from, offs[i] + 16 - from));
			from = offs[i] + 20;
		} else if (p[0] != SV_TR_END) {
			data++;
		}
	}
	SV_CHECK_EQ_U64(cps, 3);
	SV_CHECK_EQ_U64(m.b[offs[k - 1]], SV_TR_END);
	SV_CHECK_EQ_U64(rd32(m.b + offs[k - 1] + 8 + 24),
			sv_crc32(0, m.b + from, offs[k - 1] + 32 - from));

	/* Read back: checkpoints are consumed, the records come in order. */
	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, m.b, m.n), 0);
	while ((ret = sv_trace_reader_next(&r, &rec)) == 1) {
		if (count % 2 == 1) {
			struct sv_trace_dec d;

			SV_CHECK_EQ_U64(rec.type, SV_TR_TIME);
			sv_tdec_init(&d, rec.payload, rec.len);
			t = sv_tdec_u64(&d);
			if (t != 1000 * count)
				SV_CHECK_EQ_U64(t, 1000 * count);
		} else if (rec.type != SV_TR_OP_RUN || rec.vm != count % 3 ||
			   rec.vcpu != count % 5) {
			SV_CHECK_EQ_U64(rec.type, SV_TR_OP_RUN);
			SV_CHECK_EQ_U64(rec.vm, count % 3);
		}
		count++;
	}
	SV_CHECK_EQ_I64(ret, 0);
	SV_CHECK_EQ_U64(count, N);
	SV_CHECK_EQ_U64(r.checkpoints, 3);
	SV_CHECK_EQ_U64(r.end_records, N);
	SV_CHECK_EQ_U64(r.end_exits, N / 2);
	SV_CHECK_EQ_U64(r.end_digest, 42);

	/* A payload byte changed in the second range: the second checkpoint
	 * names itself and the range that failed. */
	{
		size_t cp1 = 0, cp2 = 0;
		char range[64];

		for (size_t i = 0; i < k; i++)
			if (m.b[offs[i]] == SV_TR_CHECKPOINT) {
				if (!cp1)
					cp1 = offs[i];
				else if (!cp2)
					cp2 = offs[i];
			}
		m.b[cp1 + 20 + 100] ^= 0x10;
		ret = read_all(&r, m.b, m.n, &count);
		snprintf(range, sizeof(range), "bytes %zu..%zu", cp1 + 20,
			 cp2 + 15);
		CHECK_ERR(&r, ret, cp2, range);
		CHECK_ERR(&r, ret, cp2, "checkpoint at offset");
		SV_CHECK_EQ_U64(count, 2 * SV_TRACE_CHECKPOINT_EVERY);
		m.b[cp1 + 20 + 100] ^= 0x10;

		/* A checkpoint counting wrong (with a CRC to match). */
		wr64(m.b + cp1 + 8, 1000);
		fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, cp1);
		ret = read_all(&r, m.b, m.n, NULL);
		CHECK_ERR(&r, ret, cp1, "counts 1000 records, 1024 were read");
	}
	mem_free(&m);
}

/* Exactly 2048 records: END follows the second checkpoint directly; and
 * a checkpoint that is missing or early is refused. */
static void test_checkpoint_placement(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	uint64_t count;
	size_t cp_at, n;
	uint8_t *b;
	int ret;

	build_long(&m, 2048);
	SV_CHECK_EQ_I64(read_all(&r, m.b, m.n, &count), 0);
	SV_CHECK_EQ_U64(count, 2048);
	SV_CHECK_EQ_U64(r.checkpoints, 2);
	/* Drop the last checkpoint: END sits where it belongs. */
	cp_at = m.n - 36 - 20;
	SV_CHECK_EQ_U64(m.b[cp_at], SV_TR_CHECKPOINT);
	b = malloc(m.n);
	memcpy(b, m.b, cp_at);
	memcpy(b + cp_at, m.b + cp_at + 20, 36);
	n = m.n - 20;
	ret = read_all(&r, b, n, NULL);
	CHECK_ERR(&r, ret, cp_at, "END at offset");
	CHECK_ERR(&r, ret, cp_at, "where the CHECKPOINT after 1024 records "
		  "belongs");
	free(b);
	mem_free(&m);

	/* A checkpoint after one record, with a correct CRC. */
	{
		struct sv_trace_writer w;
		struct sv_trace_enc e;
		uint8_t cp[20] = { SV_TR_CHECKPOINT, 0, 0, 0, 12 };
		size_t at;

		begin(&w, &m);
		sv_tenc_init(&e);
		sv_tenc_u64(&e, 5);
		sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
		at = m.n;
		wr64(cp + 8, 1);
		mem_sink(&m, cp, sizeof(cp));
		fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, at);
		ret = read_all(&r, m.b, m.n, NULL);
		CHECK_ERR(&r, ret, at, "CHECKPOINT at offset 64 after 1 "
			  "records, expected after 1024");
		mem_free(&m);
	}
}

/* ---- damage -------------------------------------------------------------- */

static void test_empty_file(void)
{
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	int ret = sv_trace_reader_open(&r, NULL, 0);

	CHECK_ERR(&r, ret, 0, "empty file");
	CHECK_ERR(&r, ret, 0, "offset 0");
	/* A failed reader stays failed. */
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), -SV_ECORRUPT);
}

static void test_truncated_everywhere(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	size_t offs[64], k;
	char text[96];
	uint64_t count;

	build_small(&m);
	k = record_offsets(m.b, m.n, offs, 64);
	SV_CHECK_EQ_U64(k, EVERY_TYPE_RECORDS + 1);
	for (size_t len = 0; len < m.n; len++) {
		/* A copy of exactly len bytes, so valgrind and ASan see any
		 * read past the end. */
		uint8_t *b = malloc(len ? len : 1);
		size_t rec_at = 0;
		int ret;

		memcpy(b, m.b, len);
		ret = read_all(&r, b, len, &count);
		SV_CHECK_EQ_I64(ret, -SV_ECORRUPT);
		if (len == 0) {
			CHECK_ERR(&r, ret, 0, "empty file");
		} else if (len < 8) {
			snprintf(text, sizeof(text), "file ends at byte %zu, "
				 "before a complete 48-byte header", len);
			CHECK_ERR(&r, ret, 0, text);
		} else if (len < SV_TRACE_HEADER_SIZE) {
			snprintf(text, sizeof(text), "file ends at byte %zu "
				 "inside the header at offset 0", len);
			CHECK_ERR(&r, ret, 0, text);
		} else {
			size_t i = 0;

			while (i < k && offs[i] < len)
				rec_at = offs[i++];
			if (i < k && offs[i] == len) {
				snprintf(text, sizeof(text), "file ends at byte "
					 "%zu without END record", len);
				CHECK_ERR(&r, ret, len, text);
				SV_CHECK_EQ_U64(count, i);
			} else {
				snprintf(text, sizeof(text), "file ends at byte "
					 "%zu inside record at offset %zu", len,
					 rec_at);
				CHECK_ERR(&r, ret, rec_at, text);
			}
		}
		free(b);
	}
	mem_free(&m);
}

static void test_every_bit_flip(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	unsigned refused = 0, bits;
	uint8_t *b;

	build_small(&m);
	bits = (unsigned)m.n * 8;
	b = malloc(m.n);
	for (unsigned bit = 0; bit < bits; bit++) {
		uint64_t count;
		int ret;

		memcpy(b, m.b, m.n);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ret = read_all(&r, b, m.n, &count);
		if (ret == -SV_ECORRUPT && r.err[0] && r.err_offset <= m.n &&
		    (strstr(r.err, "offset") || strstr(r.err, "byte")))
			refused++;
		else
			SV_TEST_FAIL_(__FILE__, __LINE__, "flip of bit %u (byte "
				      "%u) gave %d after %llu records: \"%s\"",
				      bit, bit / 8, ret,
				      (unsigned long long)count, r.err);
	}
	SV_CHECK_EQ_U64(refused, bits);
	free(b);
	mem_free(&m);
}

static void test_absurd_length(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	size_t offs[64];
	size_t run_at = 0;
	int ret;

	build_small(&m);
	/* The first record is CONFIG, of variable size. */
	SV_CHECK_EQ_U64(m.b[SV_TRACE_HEADER_SIZE], SV_TR_CONFIG);
	wr32(m.b + SV_TRACE_HEADER_SIZE + 4, 0xffffffff);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, SV_TRACE_HEADER_SIZE, "record at offset 48: CONFIG "
		  "payload is 4294967295 bytes, expected 0 to 16777216");
	/* Within the limit, but past the end of the file. */
	wr32(m.b + SV_TRACE_HEADER_SIZE + 4, 1000000);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, SV_TRACE_HEADER_SIZE, "inside record at offset 48 "
		  "(CONFIG, 1000000-byte payload)");
	mem_free(&m);

	/* A fixed-size record with any other length. */
	build_small(&m);
	for (size_t i = 0, k = record_offsets(m.b, m.n, offs, 64); i < k; i++)
		if (m.b[offs[i]] == SV_TR_OP_RUN)
			run_at = offs[i];
	wr32(m.b + run_at + 4, 0xffffffff);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, run_at, "OP_RUN payload is 4294967295 bytes, "
		  "expected 84");
	wr32(m.b + run_at + 4, 83);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, run_at, "OP_RUN payload is 83 bytes, expected 84");
	mem_free(&m);
}

static void test_gpa_length_mismatch(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	size_t offs[64], at = 0;
	int ret;

	build_small(&m);
	for (size_t i = 0, k = record_offsets(m.b, m.n, offs, 64); i < k; i++)
		if (m.b[offs[i]] == SV_TR_OP_READ_GPA)
			at = offs[i];
	SV_CHECK_EQ_U64(rd32(m.b + at + 8 + 12), sizeof(gpa_data));
	wr32(m.b + at + 8 + 12, 0xfffffff0);	/* 16 + len wraps a u32 */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, at, "OP_READ_GPA payload is 22 bytes, but its data "
		  "length 4294967280 needs 4294967296");
	mem_free(&m);
}

static void test_unknown_type(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	int ret;

	build_small(&m);
	m.b[SV_TRACE_HEADER_SIZE] = 22;
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, SV_TRACE_HEADER_SIZE,
		  "unknown record type 22 at offset 48");
	m.b[SV_TRACE_HEADER_SIZE] = 0;
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, SV_TRACE_HEADER_SIZE, "unknown record type 0");
	mem_free(&m);
}

static void test_wrong_version(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	int ret;

	build_small(&m);
	m.b[8] = 2;
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 8, "version 2 at offset 8, this reader knows 1");
	fix_header_crc(m.b);		/* a well-formed version 2 header */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 8, "version 2 at offset 8, this reader knows 1");
	m.b[8] = 1;
	m.b[10] = 64;			/* header size */
	fix_header_crc(m.b);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 10, "header size 64 at offset 10, expected 48");
	mem_free(&m);
}

static void test_wrong_magic(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	int ret;

	build_small(&m);
	m.b[6] = 'X';			/* "SVTRACX" */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 0, "bad magic at offset 0");
	m.b[6] = 'E';
	m.b[7] = ' ';			/* the NUL is part of the magic */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 0, "bad magic at offset 0");
	mem_free(&m);
}

static void test_header_fields(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	int ret;

	build_small(&m);
	m.b[17] ^= 1;			/* producer: the CRC catches it */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 40, "header CRC-32 mismatch at offset 40: bytes "
		  "0..39");
	m.b[17] ^= 1;
	m.b[12] = 1;			/* flags, with a CRC to match */
	fix_header_crc(m.b);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 12, "unknown header flags 0x1 at offset 12");
	m.b[12] = 0;
	m.b[21] = 'x';			/* "test\0x": not NUL-padded */
	fix_header_crc(m.b);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 21, "producer at offset 16 is not NUL-padded "
		  "(byte 21)");
	m.b[21] = 0;
	memcpy(m.b + 16, "12345678", 8);	/* all 8 bytes: fine */
	fix_header_crc(m.b);
	SV_CHECK_EQ_I64(read_all(&r, m.b, m.n, NULL), 0);
	SV_CHECK(memcmp(r.header.producer, "12345678", 8) == 0);
	memcpy(m.b + 16, "test\0\0\0\0", 8);
	fix_header_crc(m.b);
	m.b[46] = 1;			/* reserved: outside the CRC */
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 44, "reserved header field at offset 44");
	mem_free(&m);
}

static void test_bytes_after_end(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	size_t n;
	uint64_t count;
	int ret;

	build_small(&m);
	n = m.n;
	mem_sink(&m, "\0", 1);
	ret = read_all(&r, m.b, m.n, &count);
	CHECK_ERR(&r, ret, n, "1 bytes after the END record");
	SV_CHECK_EQ_U64(count, EVERY_TYPE_RECORDS);
	SV_CHECK(!r.at_end);
	/* A second whole trace appended is no better. */
	m.n = n;
	{
		uint8_t *copy = malloc(n);	/* the sink may move m.b */

		memcpy(copy, m.b, n);
		mem_sink(&m, copy, n);
		free(copy);
	}
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, n, "bytes after the END record");
	mem_free(&m);
}

static void test_end_counts(void)
{
	struct membuf m;
	struct sv_trace_reader r;
	size_t end_at;
	int ret;

	build_small(&m);
	end_at = m.n - 36;
	SV_CHECK_EQ_U64(m.b[end_at], SV_TR_END);
	wr64(m.b + end_at + 8, EVERY_TYPE_RECORDS + 1);
	fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, end_at);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, end_at, "counts 26 records and 1 exits, 25 and 1 "
		  "were read");
	wr64(m.b + end_at + 8, EVERY_TYPE_RECORDS);
	wr64(m.b + end_at + 16, 0);
	fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, end_at);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, end_at, "counts 25 records and 0 exits");
	/* Structural records belong to no VM. */
	wr64(m.b + end_at + 16, 1);
	m.b[end_at + 1] = 1;
	fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, end_at);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, end_at, "END at offset");
	CHECK_ERR(&r, ret, end_at, "tagged vm 1 vcpu 0, expected 0 0");
	m.b[end_at + 1] = 0;
	/* Without the fix-up, the digest is covered by END's CRC too. */
	wr64(m.b + end_at + 16, 1);
	fix_closing_crc(m.b, SV_TRACE_HEADER_SIZE, end_at);
	m.b[end_at + 8 + 16] ^= 0x80;
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, end_at, "END at offset");
	CHECK_ERR(&r, ret, end_at, "CRC-32 of bytes 48..");
	mem_free(&m);
}

static void test_missing_end(void)
{
	struct membuf m;
	struct sv_trace_writer w;
	struct sv_trace_reader r;
	char text[64];
	uint64_t count;
	int ret;

	begin(&w, &m);
	(void)write_every_type(&w);
	ret = read_all(&r, m.b, m.n, &count);
	snprintf(text, sizeof(text), "file ends at byte %zu without END "
		 "record", m.n);
	CHECK_ERR(&r, ret, m.n, text);
	SV_CHECK_EQ_U64(count, EVERY_TYPE_RECORDS);
	mem_free(&m);

	/* A header alone. */
	begin(&w, &m);
	ret = read_all(&r, m.b, m.n, &count);
	CHECK_ERR(&r, ret, 48, "file ends at byte 48 without END record");
	mem_free(&m);
}

static void test_noise_before_magic(void)
{
	struct membuf m, noisy;
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	uint64_t count;
	int ret;

	build_small(&m);
	for (size_t noise = 0; noise <= SV_TRACE_NOISE_MAX + 1; noise++) {
		if (noise > 16 && noise < SV_TRACE_NOISE_MAX - 16)
			noise = SV_TRACE_NOISE_MAX - 16;
		memset(&noisy, 0, sizeof(noisy));
		for (size_t i = 0; i < noise; i++)
			/* BIOS chatter, with a near-miss of the magic in it */
			mem_sink(&noisy, i % 64 < 7 ? &"SVTRACE"[i % 64] :
				 &"\r\nSeaBIOS"[i % 9], 1);
		mem_sink(&noisy, m.b, m.n);
		ret = read_all(&r, noisy.b, noisy.n, &count);
		if (noise <= SV_TRACE_NOISE_MAX) {
			SV_CHECK_EQ_I64(ret, 0);
			SV_CHECK_EQ_U64(r.start, noise);
			SV_CHECK_EQ_U64(count, EVERY_TYPE_RECORDS);
		} else {
			CHECK_ERR(&r, ret, noise, "trace magic at offset 4097 "
				  "follows more than 4096 bytes of noise");
		}
		mem_free(&noisy);
	}

	/* Offsets are the file's: the first record follows the noise. */
	memset(&noisy, 0, sizeof(noisy));
	mem_sink(&noisy, "garbage!", 8);
	mem_sink(&noisy, m.b, m.n);
	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, noisy.b, noisy.n), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 1);
	SV_CHECK_EQ_U64(rec.offset, 8 + SV_TRACE_HEADER_SIZE);
	/* And damage after noise is reported at its file offset. */
	noisy.b[8 + SV_TRACE_HEADER_SIZE] = 99;
	ret = read_all(&r, noisy.b, noisy.n, NULL);
	CHECK_ERR(&r, ret, 56, "unknown record type 99 at offset 56");
	noisy.b[8 + SV_TRACE_HEADER_SIZE] = SV_TR_CONFIG;
	noisy.b[8 + 20] ^= 1;
	ret = read_all(&r, noisy.b, noisy.n, NULL);
	CHECK_ERR(&r, ret, 48, "bytes 8..47");
	mem_free(&noisy);

	/* Noise only. */
	memset(&noisy, 0, sizeof(noisy));
	for (int i = 0; i < 5000; i++)
		mem_sink(&noisy, "x", 1);
	ret = read_all(&r, noisy.b, noisy.n, NULL);
	CHECK_ERR(&r, ret, 0, "bad magic at offset 0");
	mem_free(&noisy);
	mem_free(&m);
}

/* ---- the writer's own checks --------------------------------------------- */

static void test_writer_refusals(void)
{
	struct membuf m;
	struct sv_trace_writer w;
	struct sv_trace_reader r;
	struct sv_trace_enc e;
	size_t n;
	int ret;

	/* A payload that does not fit its type's layout. */
	begin(&w, &m);
	ret_head(&e, 0);
	sv_trace_write(&w, SV_TR_OP_RUN, 0, 0, e.b, e.n, NULL, 0);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	n = m.n;
	/* Nothing more is written, END included. */
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 1);
	sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
	sv_trace_writer_end(&w, 0);
	SV_CHECK_EQ_U64(m.n, n);
	SV_CHECK_EQ_U64(n, SV_TRACE_HEADER_SIZE);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	ret = read_all(&r, m.b, m.n, NULL);
	CHECK_ERR(&r, ret, 48, "without END record");
	mem_free(&m);

	/* GPA data that disagrees with its length field. */
	begin(&w, &m);
	ret_head(&e, 0);
	sv_tenc_u64(&e, 0x1000);
	sv_tenc_u32(&e, 4);
	sv_trace_write(&w, SV_TR_OP_WRITE_GPA, 0, 0, e.b, e.n, "abc", 3);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	mem_free(&m);

	/* Types the caller may not write. */
	begin(&w, &m);
	sv_trace_write(&w, SV_TR_CHECKPOINT, 0, 0, NULL, 0, NULL, 0);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	mem_free(&m);
	begin(&w, &m);
	sv_trace_write(&w, 22, 0, 0, NULL, 0, NULL, 0);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	mem_free(&m);

	/* A stop reason longer than VM_END allows. */
	begin(&w, &m);
	{
		char text[SV_TRACE_VM_END_TEXT_MAX + 1];

		memset(text, 'x', sizeof(text));
		sv_tenc_init(&e);
		sv_tenc_u32(&e, 3);
		sv_tenc_u32(&e, 1);
		sv_tenc_u64(&e, 0);
		sv_trace_write(&w, SV_TR_VM_END, 0, 0, e.b, e.n, text,
			       sizeof(text) - 1);
		SV_CHECK_EQ_I64(w.error, 0);
		sv_trace_write(&w, SV_TR_VM_END, 0, 0, e.b, e.n, text,
			       sizeof(text));
		SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	}
	mem_free(&m);

	/* More than SV_TRACE_MAX_PAYLOAD. */
	begin(&w, &m);
	{
		uint8_t *big = calloc(1, SV_TRACE_MAX_PAYLOAD + 1);

		sv_trace_write(&w, SV_TR_IMAGE, 0, 0, big, 1, big,
			       SV_TRACE_MAX_PAYLOAD);
		SV_CHECK_EQ_I64(w.error, -SV_E2BIG);
		SV_CHECK_EQ_U64(m.n, SV_TRACE_HEADER_SIZE);
		free(big);
	}
	mem_free(&m);

	/* A write after END, and a second END. */
	begin(&w, &m);
	sv_trace_writer_end(&w, 7);
	n = m.n;
	SV_CHECK_EQ_I64(w.error, 0);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, 1);
	sv_trace_write(&w, SV_TR_TIME, 0, 0, e.b, e.n, NULL, 0);
	SV_CHECK_EQ_I64(w.error, -SV_EINVAL);
	sv_trace_writer_end(&w, 7);
	SV_CHECK_EQ_U64(m.n, n);
	SV_CHECK_EQ_I64(read_all(&r, m.b, m.n, NULL), 0);
	SV_CHECK_EQ_U64(r.end_digest, 7);
	mem_free(&m);
}

/* A payload larger than the encoder, given as head: written as is. */
static void test_large_payloads(void)
{
	struct membuf m;
	struct sv_trace_writer w;
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	static uint8_t big[70000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	begin(&w, &m);
	sv_trace_write(&w, SV_TR_CONFIG, 0, 0, big, 300, NULL, 0);
	sv_trace_write(&w, SV_TR_IMAGE, 0, 0, big, 1000, big + 1000,
		       sizeof(big) - 1000);
	sv_trace_writer_end(&w, 0);
	SV_CHECK_EQ_I64(w.error, 0);
	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, m.b, m.n), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 1);
	SV_CHECK_EQ_U64(rec.len, 300);
	SV_CHECK(memcmp(rec.payload, big, 300) == 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 1);
	SV_CHECK_EQ_U64(rec.len, sizeof(big));
	SV_CHECK(memcmp(rec.payload, big, sizeof(big)) == 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 0);
	mem_free(&m);
}

/* ---- verified mode: a second pass over a trace read whole ---------------- */

/* A reader that has read the whole trace in b (n bytes) as good. */
static void validate(struct sv_trace_reader *r, const uint8_t *b, size_t n)
{
	uint64_t count;

	SV_CHECK_EQ_I64(read_all(r, b, n, &count), 0);
	SV_CHECK(r->at_end);
}

/* The verified reader hands out exactly the records a checking one does. */
static void check_same_records(const uint8_t *b, size_t n)
{
	struct sv_trace_reader checked, v, normal;
	struct sv_trace_record a, c;
	uint64_t count = 0;
	int ra, rc;

	validate(&checked, b, n);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	SV_CHECK(v.verified);
	SV_CHECK_EQ_I64(sv_trace_reader_open(&normal, b, n), 0);
	SV_CHECK_EQ_U64(v.start, normal.start);
	SV_CHECK_EQ_U64(v.header.config_digest, normal.header.config_digest);
	SV_CHECK_EQ_U64(v.header.cpu_features, normal.header.cpu_features);
	SV_CHECK(!memcmp(v.header.producer, normal.header.producer,
			 SV_TRACE_PRODUCER_MAX));
	do {
		ra = sv_trace_reader_next(&v, &a);
		rc = sv_trace_reader_next(&normal, &c);
		SV_CHECK_EQ_I64(ra, rc);
		if (ra != 1 || rc != 1)
			break;
		if (a.type != c.type || a.vm != c.vm || a.vcpu != c.vcpu ||
		    a.len != c.len || a.payload != c.payload ||
		    a.offset != c.offset) {
			SV_TEST_FAIL_(__FILE__, __LINE__, "record %llu differs: "
				      "%s at %llu, checked %s at %llu",
				      (unsigned long long)count,
				      sv_trace_type_name(a.type),
				      (unsigned long long)a.offset,
				      sv_trace_type_name(c.type),
				      (unsigned long long)c.offset);
			break;
		}
		count++;
	} while (1);
	SV_CHECK_EQ_I64(ra, 0);
	SV_CHECK_EQ_U64(count, normal.records);
	SV_CHECK(v.at_end);
	SV_CHECK_EQ_U64(v.pos, n);
	SV_CHECK_EQ_U64(v.records, normal.records);
	SV_CHECK_EQ_U64(v.exits, normal.exits);
	SV_CHECK_EQ_U64(v.checkpoints, normal.checkpoints);
	SV_CHECK_EQ_U64(v.end_records, normal.end_records);
	SV_CHECK_EQ_U64(v.end_exits, normal.end_exits);
	SV_CHECK_EQ_U64(v.end_digest, normal.end_digest);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&v, &a), 0);	/* and stays */

	/* Reopened in place, as smartvm replay does. */
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&checked, &checked), 0);
	SV_CHECK(checked.verified && !checked.at_end);
	SV_CHECK_EQ_U64(checked.pos, normal.start + SV_TRACE_HEADER_SIZE);
	while ((ra = sv_trace_reader_next(&checked, &a)) == 1)
		;
	SV_CHECK_EQ_I64(ra, 0);
	SV_CHECK_EQ_U64(checked.records, normal.records);
}

static void test_verified_same_records(void)
{
	struct membuf m;
	uint8_t *noisy;

	build_small(&m);		/* every record type */
	check_same_records(m.b, m.n);
	mem_free(&m);

	build_long(&m, 3 * SV_TRACE_CHECKPOINT_EVERY + 7);	/* checkpoints */
	check_same_records(m.b, m.n);
	mem_free(&m);

	build_long(&m, 2 * SV_TRACE_CHECKPOINT_EVERY);	/* CHECKPOINT, END */
	check_same_records(m.b, m.n);

	/* Noise before the magic: the offsets still count it. */
	noisy = malloc(m.n + 100);
	CU_ASSERT_FATAL(noisy != NULL);
	memset(noisy, 'x', 100);
	memcpy(noisy + 100, m.b, m.n);
	check_same_records(noisy, m.n + 100);
	free(noisy);
	mem_free(&m);
}

/* Only a reader that checked its whole trace can vouch for it. */
static void test_verified_needs_validation(void)
{
	struct membuf m;
	struct sv_trace_reader r, v, v2;
	struct sv_trace_record rec;
	uint8_t *b;

	build_small(&m);

	/* Opened, not read: nothing past the header was checked. */
	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, m.b, m.n), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &r), -SV_EINVAL);
	SV_CHECK(!v.verified);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&v, &rec), -SV_ECORRUPT);
	SV_CHECK(strstr(v.err, "checked its whole trace") != NULL);

	/* Part read: the rest was not. */
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), 1);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &r), -SV_EINVAL);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&v, &rec), -SV_ECORRUPT);
	/* ... and failing in place leaves r failed too. */
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&r, &r), -SV_EINVAL);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&r, &rec), -SV_ECORRUPT);

	/* Refused: a reader that failed cannot vouch for its trace. */
	b = malloc(m.n);
	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, m.b, m.n);
	b[m.n - 30] ^= 0x04;		/* inside END: refused */
	SV_CHECK_EQ_I64(read_all(&r, b, m.n, NULL), -SV_ECORRUPT);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &r), -SV_EINVAL);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&v, &rec), -SV_ECORRUPT);
	free(b);

	/* A verified reader checked nothing, so it cannot vouch either. */
	validate(&r, m.b, m.n);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &r), 0);
	while (sv_trace_reader_next(&v, &rec) == 1)
		;
	SV_CHECK(v.at_end);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v2, &v), -SV_EINVAL);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&v2, &rec), -SV_ECORRUPT);
	mem_free(&m);
}

/*
 * What the verified mode trusts and what it still checks, on a buffer
 * changed after its validation (a bug elsewhere): a payload byte is
 * served as it now is (no CRC is recomputed: that is the point), while a
 * length that would lead outside the buffer or out of its layout is still
 * refused with its offset.
 */
static void test_verified_bounds(void)
{
	struct membuf m;
	struct sv_trace_reader checked, v;
	struct sv_trace_record rec;
	size_t offs[64], k, time_at = 0, gpa_at = 0, end_at;
	uint8_t *b;
	int ret;

	build_small(&m);
	b = malloc(m.n);		/* exact size: ASan sees any overrun */
	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, m.b, m.n);
	k = record_offsets(b, m.n, offs, 64);
	for (size_t i = 0; i < k; i++) {
		if (b[offs[i]] == SV_TR_TIME && !time_at)
			time_at = offs[i];
		if (b[offs[i]] == SV_TR_OP_READ_GPA)
			gpa_at = offs[i];
	}
	end_at = offs[k - 1];
	SV_CHECK(time_at && gpa_at);
	validate(&checked, b, m.n);

	/* A changed TIME value: served, not checked (the checking reader
	 * refuses the same bytes). */
	b[time_at + 8] ^= 0x5a;
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	do {
		ret = sv_trace_reader_next(&v, &rec);
	} while (ret == 1 && rec.offset != time_at);
	SV_CHECK_EQ_I64(ret, 1);
	SV_CHECK_EQ_U64(rec.payload[0], m.b[time_at + 8] ^ 0x5a);
	while ((ret = sv_trace_reader_next(&v, &rec)) == 1)
		;
	SV_CHECK_EQ_I64(ret, 0);
	SV_CHECK_EQ_I64(read_all(&v, b, m.n, NULL), -SV_ECORRUPT);
	b[time_at + 8] ^= 0x5a;

	/* Absurd, past the end, or out of layout: refused with the offset. */
	wr32(b + SV_TRACE_HEADER_SIZE + 4, 0xffffffff);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	ret = sv_trace_reader_next(&v, &rec);
	CHECK_ERR(&v, ret, SV_TRACE_HEADER_SIZE, "CONFIG payload is 4294967295 "
		  "bytes, expected 0 to 16777216");
	wr32(b + SV_TRACE_HEADER_SIZE + 4, 1000000);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	ret = sv_trace_reader_next(&v, &rec);
	CHECK_ERR(&v, ret, SV_TRACE_HEADER_SIZE, "inside record at offset 48 "
		  "(CONFIG, 1000000-byte payload)");
	memcpy(b, m.b, m.n);

	wr32(b + gpa_at + 8 + 12, 0xfffffff0);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	while ((ret = sv_trace_reader_next(&v, &rec)) == 1)
		;
	CHECK_ERR(&v, ret, gpa_at, "data length 4294967280 needs 4294967296");
	memcpy(b, m.b, m.n);

	/* END changed into a record type: the buffer ends without END. */
	b[end_at] = SV_TR_TIME;
	wr32(b + end_at + 4, 8);
	SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked), 0);
	while ((ret = sv_trace_reader_next(&v, &rec)) == 1)
		;
	SV_CHECK_EQ_I64(ret, -SV_ECORRUPT);
	SV_CHECK(v.err_offset > end_at && v.err_offset <= m.n);
	free(b);
	mem_free(&m);
}

/*
 * Every byte of a validated trace changed, in turn, three ways: the
 * verified reader ends (at END or with an error whose offset lies in the
 * buffer) and every record it hands out lies inside the buffer. Run by
 * sv_unit_tests_asan too, on an exact-size copy, so an overrun is caught.
 */
static void test_verified_every_byte(void)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	struct membuf m;
	struct sv_trace_reader checked, v;
	struct sv_trace_record rec;
	unsigned ended = 0, refused = 0, runs = 0;
	uint8_t *b;

	build_small(&m);
	b = malloc(m.n);
	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, m.b, m.n);
	validate(&checked, b, m.n);
	for (size_t i = SV_TRACE_HEADER_SIZE; i < m.n; i++) {
		for (size_t f = 0; f < SV_ARRAY_SIZE(flips); f++) {
			uint64_t last = 0;
			int ret;

			b[i] = m.b[i] ^ flips[f];
			runs++;
			SV_CHECK_EQ_I64(sv_trace_reader_open_verified(&v, &checked),
					0);
			while ((ret = sv_trace_reader_next(&v, &rec)) == 1) {
				if (rec.payload < b || rec.offset < last ||
				    rec.len > m.n - (size_t)(rec.payload - b))
					SV_TEST_FAIL_(__FILE__, __LINE__, "byte %zu ^ "
						      "%#x: record at %llu outside "
						      "the buffer", i, flips[f],
						      (unsigned long long)rec.offset);
				last = rec.offset + 1;
			}
			if (ret == 0)
				ended++;
			else if (ret == -SV_ECORRUPT && v.err[0] &&
				 v.err_offset <= m.n)
				refused++;
			b[i] = m.b[i];
		}
	}
	SV_CHECK_EQ_U64(ended + refused, runs);
	SV_CHECK(refused > 0);	/* length and type bytes are still checked */
	SV_CHECK(ended > 0);	/* payload bytes are not re-checked */
	free(b);
	mem_free(&m);
}

CU_TestInfo sv_tests_trace[] = {
	{ "names", test_names },
	{ "composite_layouts", test_composite_layouts },
	{ "encoder_overflow", test_encoder_overflow },
	{ "decoder_short", test_decoder_short },
	{ "spec_example", test_spec_example },
	{ "every_record_type", test_every_record_type },
	{ "checkpoints", test_checkpoints },
	{ "checkpoint_placement", test_checkpoint_placement },
	{ "empty_file", test_empty_file },
	{ "truncated_everywhere", test_truncated_everywhere },
	{ "every_bit_flip", test_every_bit_flip },
	{ "absurd_length", test_absurd_length },
	{ "gpa_length_mismatch", test_gpa_length_mismatch },
	{ "unknown_type", test_unknown_type },
	{ "wrong_version", test_wrong_version },
	{ "wrong_magic", test_wrong_magic },
	{ "header_fields", test_header_fields },
	{ "bytes_after_end", test_bytes_after_end },
	{ "end_counts", test_end_counts },
	{ "missing_end", test_missing_end },
	{ "noise_before_magic", test_noise_before_magic },
	{ "writer_refusals", test_writer_refusals },
	{ "large_payloads", test_large_payloads },
	{ "verified_same_records", test_verified_same_records },
	{ "verified_needs_validation", test_verified_needs_validation },
	{ "verified_bounds", test_verified_bounds },
	{ "verified_every_byte", test_verified_every_byte },
	CU_TEST_INFO_NULL,
};
