/*
 * libFuzzer target for the trace reader (common/trace.c). Run by fuzz.sh.
 *
 * Each input is read twice: as it is, and as a copy whose header CRC and
 * CHECKPOINT/END CRCs have been recomputed, so that mutations also reach
 * what lies behind the CRCs (counts, checkpoint placement, END, trailing
 * bytes, payload layouts). Besides the sanitizers, three oracles turn
 * silent misbehaviour into crashes:
 *  - a failed read leaves a message with an offset inside the input;
 *  - every record the reader hands out decodes to exactly its length with
 *    the layout of its type (docs/trace-format.md);
 *  - a trace the reader accepts whole is canonical: writing its records
 *    again through the writer gives back the same bytes;
 *  - a verified second pass over an accepted trace
 *    (sv_trace_reader_open_verified) gives exactly the same records, and
 *    over that buffer changed afterwards (as a bug elsewhere might) it
 *    still ends or fails with an offset inside the buffer, handing out only
 *    records that lie inside it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* format.c's console printer refers to it; nothing here prints through it. */
void host_console_write(const char *buf, size_t len);
void host_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stderr);
}

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "oracle failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

/* Decode rec with the layout of its type; it must fit exactly. */
static void decode(const struct sv_trace_record *rec)
{
	struct sv_trace_dec d;
	struct sv_exit x;
	struct sv_regs regs;
	struct sv_segment seg;
	struct sv_event ev;
	uint32_t n;

	sv_tdec_init(&d, rec->payload, rec->len);
	switch (rec->type) {
	case SV_TR_OP_VM_DESTROY:
	case SV_TR_OP_VCPU_DESTROY:
		break;
	case SV_TR_TIME:
	case SV_TR_REALTIME:
		(void)sv_tdec_u64(&d);
		break;
	case SV_TR_CONFIG:
	case SV_TR_IMAGE:
		CHECK(sv_tdec_bytes(&d, rec->len) == rec->payload);
		break;
	case SV_TR_VM_END:
		(void)sv_tdec_u32(&d);
		(void)sv_tdec_u32(&d);
		(void)sv_tdec_u64(&d);
		CHECK(rec->len - d.off <= SV_TRACE_VM_END_TEXT_MAX);
		CHECK(sv_tdec_bytes(&d, rec->len - d.off) != NULL);
		break;
	default:
		(void)sv_tdec_u32(&d);		/* ret */
		switch (rec->type) {
		case SV_TR_OP_VM_CREATE:
			break;
		case SV_TR_OP_MAP_MEMORY:
			(void)sv_tdec_u64(&d);
			(void)sv_tdec_u64(&d);
			(void)sv_tdec_u32(&d);
			break;
		case SV_TR_OP_VCPU_CREATE:
			(void)sv_tdec_u32(&d);
			break;
		case SV_TR_OP_RUN:
			sv_tdec_exit(&d, &x);
			break;
		case SV_TR_OP_COMPLETE_EXIT:
			(void)sv_tdec_u64(&d);
			break;
		case SV_TR_OP_GET_REGS:
		case SV_TR_OP_SET_REGS:
			sv_tdec_regs(&d, &regs);
			break;
		case SV_TR_OP_GET_SEGMENT:
		case SV_TR_OP_SET_SEGMENT:
			(void)sv_tdec_u32(&d);
			sv_tdec_segment(&d, &seg);
			break;
		case SV_TR_OP_GET_CR:
		case SV_TR_OP_SET_CR:
		case SV_TR_OP_GET_MSR:
		case SV_TR_OP_SET_MSR:
			(void)sv_tdec_u32(&d);
			(void)sv_tdec_u64(&d);
			break;
		case SV_TR_OP_INJECT_EVENT:
			sv_tdec_event(&d, &ev);
			break;
		case SV_TR_OP_INTERRUPT_READY:
			(void)sv_tdec_u8(&d);
			break;
		case SV_TR_OP_SET_WINDOW:
			(void)sv_tdec_u32(&d);
			(void)sv_tdec_u8(&d);
			break;
		case SV_TR_OP_CPUID:
			for (int i = 0; i < 6; i++)	/* leaf, subleaf, eax..edx */
				(void)sv_tdec_u32(&d);
			break;
		case SV_TR_OP_READ_GPA:
		case SV_TR_OP_WRITE_GPA:
			(void)sv_tdec_u64(&d);
			n = sv_tdec_u32(&d);
			CHECK(sv_tdec_bytes(&d, n) != NULL);
			break;
		default:
			/* The reader hands out data records only. */
			CHECK(!"record of a type the reader should not return");
		}
	}
	CHECK(sv_tdec_done(&d));
}

/* ---- the canonical-form oracle ------------------------------------------- */

struct outbuf {
	uint8_t *b;
	size_t n, cap;
};

static void out_sink(void *ctx, const void *buf, size_t len)
{
	struct outbuf *o = ctx;

	CHECK(len <= o->cap - o->n);	/* never longer than the original */
	memcpy(o->b + o->n, buf, len);
	o->n += len;
}

/* The trace at data + r->start, read whole by r, written again. */
static void check_canonical(const uint8_t *data, size_t size,
			    const struct sv_trace_reader *accepted)
{
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	struct sv_trace_writer w;
	struct outbuf o = { malloc(size), 0, size };

	CHECK(o.b != NULL);
	CHECK(sv_trace_reader_open(&r, data, size) == 0);
	sv_trace_writer_begin(&w, out_sink, &o, &r.header);
	while (sv_trace_reader_next(&r, &rec) == 1)
		sv_trace_write(&w, rec.type, rec.vm, rec.vcpu, rec.payload,
			       rec.len, NULL, 0);
	sv_trace_writer_end(&w, accepted->end_digest);
	CHECK(w.error == 0);
	CHECK(o.n == size - accepted->start);
	CHECK(memcmp(o.b, data + accepted->start, o.n) == 0);
	free(o.b);
}

/* ---- the verified-mode oracles ------------------------------------------- */

/* The records of a verified pass are those of a checking one, in order. */
static void check_verified(const uint8_t *data, size_t size,
			   const struct sv_trace_reader *accepted)
{
	struct sv_trace_reader v, n;
	struct sv_trace_record a, c;
	int ra, rc;

	CHECK(sv_trace_reader_open_verified(&v, accepted) == 0);
	CHECK(sv_trace_reader_open(&n, data, size) == 0);
	do {
		ra = sv_trace_reader_next(&v, &a);
		rc = sv_trace_reader_next(&n, &c);
		CHECK(ra == rc);
		if (ra == 1)
			CHECK(a.type == c.type && a.vm == c.vm &&
			      a.vcpu == c.vcpu && a.len == c.len &&
			      a.payload == c.payload && a.offset == c.offset);
	} while (ra == 1);
	CHECK(ra == 0 && v.at_end && v.pos == size);
	CHECK(v.records == n.records && v.exits == n.exits);
	CHECK(v.end_digest == n.end_digest && v.end_records == n.end_records &&
	      v.end_exits == n.end_exits);
}

/*
 * b (size bytes) was accepted by *accepted; change a few of its bytes,
 * chosen from its contents, and read it verified: whatever the change, the
 * reader ends or fails with an offset in the buffer and every record it
 * hands out lies inside it (and the sanitizers see no read outside).
 */
static void check_verified_damaged(uint8_t *b, size_t size,
				   const struct sv_trace_reader *accepted)
{
	size_t first = accepted->start + SV_TRACE_HEADER_SIZE;
	struct sv_digest h;

	if (size <= first)
		return;
	sv_digest_init(&h);
	sv_digest_bytes(&h, b, size);
	for (int k = 0; k < 4; k++) {
		struct sv_trace_reader v;
		struct sv_trace_record rec;
		uint64_t pick = h.h >> (16 * k);
		size_t at = first + (size_t)(pick % (size - first));
		uint8_t old = b[at];
		int ret;

		b[at] ^= (uint8_t)((pick >> 8) | 1);
		CHECK(sv_trace_reader_open_verified(&v, accepted) == 0);
		while ((ret = sv_trace_reader_next(&v, &rec)) == 1)
			CHECK(rec.payload >= b &&
			      rec.len <= size - (size_t)(rec.payload - b));
		CHECK(ret == 0 || (ret == -SV_ECORRUPT && v.err[0] &&
				   v.err_offset <= size));
		b[at] = old;
	}
}

/* ---- reading -------------------------------------------------------------- */

/* Read data whole; true, with the reader that accepted it, if it is good. */
static bool read_trace(const uint8_t *data, size_t size,
		       struct sv_trace_reader *accepted)
{
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	uint64_t records = 0;
	int ret = sv_trace_reader_open(&r, data, size);

	if (ret == 0) {
		while ((ret = sv_trace_reader_next(&r, &rec)) == 1) {
			CHECK(rec.payload >= data &&
			      rec.len <= size - (size_t)(rec.payload - data));
			CHECK(rec.offset + SV_TRACE_RECORD_HEADER ==
			      (uint64_t)(rec.payload - data));
			decode(&rec);
			records++;
		}
	}
	if (ret < 0) {
		CHECK(ret == -SV_ECORRUPT);
		CHECK(r.err[0] != '\0');
		CHECK(memchr(r.err, '\0', sizeof(r.err)) != NULL);
		CHECK(r.err_offset <= size);
		CHECK(sv_trace_reader_next(&r, &rec) == -SV_ECORRUPT);
		return false;
	}
	CHECK(r.at_end);
	CHECK(r.end_records == records && r.records == records);
	CHECK(r.pos == size);
	CHECK(sv_trace_reader_next(&r, &rec) == 0);
	check_canonical(data, size, &r);
	check_verified(data, size, &r);
	*accepted = r;
	return true;
}

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

/*
 * Recompute every CRC the reader checks, following the framing as far as
 * it goes: what a mutation would need to get past them. Kept independent
 * of trace.c on purpose (it follows docs/trace-format.md).
 */
static void repair(uint8_t *b, size_t n)
{
	size_t s, pos, from;

	for (s = 0; s + 8 <= n && s <= SV_TRACE_NOISE_MAX; s++)
		if (!memcmp(b + s, "SVTRACE", 8))
			break;
	if (s + SV_TRACE_HEADER_SIZE > n || s > SV_TRACE_NOISE_MAX)
		return;
	wr32(b + s + 40, sv_crc32(0, b + s, 40));
	pos = from = s + SV_TRACE_HEADER_SIZE;
	while (n - pos >= SV_TRACE_RECORD_HEADER) {
		uint8_t type = b[pos];
		uint32_t len = rd32(b + pos + 4);
		size_t crc_at;

		if (len > n - pos - SV_TRACE_RECORD_HEADER)
			return;
		if ((type == SV_TR_CHECKPOINT && len == 12) ||
		    (type == SV_TR_END && len == 28)) {
			crc_at = pos + SV_TRACE_RECORD_HEADER + len - 4;
			wr32(b + crc_at, sv_crc32(0, b + from, crc_at - from));
			from = crc_at + 4;
		}
		pos += SV_TRACE_RECORD_HEADER + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_trace_reader accepted;
	uint8_t *copy;

	(void)read_trace(data, size, &accepted);
	/* An exact-size copy, so any read past the end is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	repair(copy, size);
	if (read_trace(copy, size, &accepted))
		check_verified_damaged(copy, size, &accepted);
	free(copy);
	return 0;
}
