/*
 * Exit traces, format version 1 (sv/trace.h; docs/trace-format.md is the
 * specification): record names, the payload encoder and decoder, the writer
 * and the reader.
 *
 * The reader is where outside input comes in: a file from disk, or a COM2
 * capture that may begin with firmware noise. It checks every length
 * against what is left before reading, every payload against its type's
 * layout (one table, shared with the writer, so the writer cannot emit a
 * record the reader refuses), and every byte against a CRC; the first
 * problem is reported with its byte offset and the reader stays failed.
 * A second pass over a trace already read whole can skip the CRCs and the
 * checks the first one did (sv_trace_reader_open_verified); it goes
 * through the same parser and keeps every bounds check.
 * Nothing here allocates; both directions work on caller-owned memory.
 */
#include "sv/trace.h"

#include <stdarg.h>

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"

/* Sizes of the structural records' payloads. */
#define CHECKPOINT_SIZE 12	/* u64 records, u32 crc */
#define END_SIZE 28		/* u64 records, u64 exits, u64 digest, u32 crc */
#define RET 4			/* every OP_* payload but the destroys opens
				   with the op's i32 result */

/*
 * The encoder writes every field of these structs; a field added to one of
 * them changes its size and stops the build here until the layout (and the
 * format's version) follows.
 */
SV_STATIC_ASSERT(sizeof(struct sv_exit) == SV_TRACE_EXIT_SIZE,
		 "struct sv_exit changed: update sv_tenc_exit/sv_tdec_exit");
SV_STATIC_ASSERT(sizeof(struct sv_regs) == SV_TRACE_REGS_SIZE,
		 "struct sv_regs changed: update sv_tenc_regs/sv_tdec_regs");
SV_STATIC_ASSERT(sizeof(struct sv_segment) == 24,
		 "struct sv_segment changed: update the segment layout");
SV_STATIC_ASSERT(sizeof(struct sv_event) == 8,
		 "struct sv_event changed: update the event layout");
SV_STATIC_ASSERT(sizeof(struct sv_cpuid) + 8 == SV_TRACE_CPUID_SIZE,
		 "struct sv_cpuid changed: update the OP_CPUID layout");
SV_STATIC_ASSERT(RET + SV_TRACE_REGS_SIZE <= SV_TRACE_ENC_MAX,
		 "the largest fixed payload must fit the encoder");
SV_STATIC_ASSERT(sizeof(SV_TRACE_MAGIC) == 8, "the magic is 8 bytes");
#define SV_TRACE_VALUE_CHECK_(name, value) \
	SV_STATIC_ASSERT((value) > 0 && (value) < 256, #name " must fit a u8");
SV_TRACE_RECORDS(SV_TRACE_VALUE_CHECK_)
#undef SV_TRACE_VALUE_CHECK_

/* ---- names and layouts --------------------------------------------------- */

static const char *const type_names[256] = {
#define SV_TRACE_NAME_(name, value) [value] = #name,
	SV_TRACE_RECORDS(SV_TRACE_NAME_)
#undef SV_TRACE_NAME_
};

const char *sv_trace_type_name(unsigned type)
{
	if (type >= SV_ARRAY_SIZE(type_names) || !type_names[type])
		return "UNKNOWN";
	return type_names[type];
}

/*
 * The payload size of every record type: min == max for a fixed layout.
 * READ/WRITE_GPA also carry their data length at offset 12, which must
 * account for the rest of the payload (layout_check). A type absent here is
 * unknown and refused.
 */
struct layout {
	uint32_t min, max;
	bool known;
};

#define FIXED(n) { (n), (n), true }
#define RANGE(lo, hi) { (lo), (hi), true }

static const struct layout layouts[256] = {
	[SV_TR_OP_VM_CREATE]	= FIXED(RET),
	[SV_TR_OP_VM_DESTROY]	= FIXED(0),
	[SV_TR_OP_MAP_MEMORY]	= FIXED(RET + 8 + 8 + 4),
	[SV_TR_OP_VCPU_CREATE]	= FIXED(RET + 4),
	[SV_TR_OP_VCPU_DESTROY]	= FIXED(0),
	[SV_TR_OP_RUN]		= FIXED(RET + SV_TRACE_EXIT_SIZE),
	[SV_TR_OP_COMPLETE_EXIT] = FIXED(RET + 8),
	[SV_TR_OP_GET_REGS]	= FIXED(RET + SV_TRACE_REGS_SIZE),
	[SV_TR_OP_SET_REGS]	= FIXED(RET + SV_TRACE_REGS_SIZE),
	[SV_TR_OP_GET_SEGMENT]	= FIXED(RET + 4 + SV_TRACE_SEGMENT_SIZE),
	[SV_TR_OP_SET_SEGMENT]	= FIXED(RET + 4 + SV_TRACE_SEGMENT_SIZE),
	[SV_TR_OP_GET_CR]	= FIXED(RET + 4 + 8),
	[SV_TR_OP_SET_CR]	= FIXED(RET + 4 + 8),
	[SV_TR_OP_GET_MSR]	= FIXED(RET + 4 + 8),
	[SV_TR_OP_SET_MSR]	= FIXED(RET + 4 + 8),
	[SV_TR_OP_INJECT_EVENT]	= FIXED(RET + SV_TRACE_EVENT_SIZE),
	[SV_TR_OP_INTERRUPT_READY] = FIXED(RET + 1),
	[SV_TR_OP_SET_WINDOW]	= FIXED(RET + 4 + 1),
	[SV_TR_OP_READ_GPA]	= RANGE(SV_TRACE_GPA_HEAD, SV_TRACE_MAX_PAYLOAD),
	[SV_TR_OP_WRITE_GPA]	= RANGE(SV_TRACE_GPA_HEAD, SV_TRACE_MAX_PAYLOAD),
	[SV_TR_OP_CPUID]	= FIXED(RET + SV_TRACE_CPUID_SIZE),
	[SV_TR_TIME]		= FIXED(8),
	[SV_TR_REALTIME]	= FIXED(8),
	[SV_TR_CONFIG]		= RANGE(0, SV_TRACE_MAX_PAYLOAD),
	[SV_TR_IMAGE]		= RANGE(0, SV_TRACE_MAX_PAYLOAD),
	[SV_TR_VM_END]		= RANGE(SV_TRACE_VM_END_HEAD,
					SV_TRACE_VM_END_HEAD +
					SV_TRACE_VM_END_TEXT_MAX),
	[SV_TR_CHECKPOINT]	= FIXED(CHECKPOINT_SIZE),
	[SV_TR_END]		= FIXED(END_SIZE),
};

#undef FIXED
#undef RANGE

/*
 * Little-endian loads, written out byte by byte so that they read the same
 * on any host and any alignment; compilers fold each into one load.
 */
static uint32_t get_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Whether a payload of len bytes can be a record of type. first holds the
 * payload's first min(len, SV_TRACE_GPA_HEAD) bytes. Returns 0, or
 * -SV_ECORRUPT with the reason in why (which may be NULL).
 */
static int layout_check(unsigned type, uint64_t len, const uint8_t *first,
			char *why, size_t why_size)
{
	const struct layout *l = &layouts[type & 0xff];
	const char *name = why ? sv_trace_type_name(type) : NULL;

	if (type > 0xff || !l->known) {
		if (why)
			sv_snprintf(why, why_size, "unknown record type %u",
				    type);
		return -SV_ECORRUPT;
	}
	if (len < l->min || len > l->max) {
		if (!why)
			return -SV_ECORRUPT;
		if (l->min == l->max)
			sv_snprintf(why, why_size, "%s payload is %llu bytes, "
				    "expected %u", name,
				    (unsigned long long)len, (unsigned)l->min);
		else
			sv_snprintf(why, why_size, "%s payload is %llu bytes, "
				    "expected %u to %u", name,
				    (unsigned long long)len, (unsigned)l->min,
				    (unsigned)l->max);
		return -SV_ECORRUPT;
	}
	if (type == SV_TR_OP_READ_GPA || type == SV_TR_OP_WRITE_GPA) {
		uint32_t data = get_le32(first + 12);

		if ((uint64_t)data + SV_TRACE_GPA_HEAD != len) {
			if (why)
				sv_snprintf(why, why_size, "%s payload is %llu "
					    "bytes, but its data length %u "
					    "needs %llu", name,
					    (unsigned long long)len, data,
					    (unsigned long long)data +
					    SV_TRACE_GPA_HEAD);
			return -SV_ECORRUPT;
		}
	}
	return 0;
}

/* ---- encoder ------------------------------------------------------------- */

void sv_tenc_init(struct sv_trace_enc *e)
{
	e->n = 0;
	e->overflow = false;
}

/* Room for n more bytes, or NULL (and overflow, for good) if there is none. */
static uint8_t *enc_room(struct sv_trace_enc *e, size_t n)
{
	uint8_t *p;

	if (e->overflow || n > SV_TRACE_ENC_MAX - e->n) {
		e->overflow = true;
		return NULL;
	}
	p = e->b + e->n;
	e->n += n;
	return p;
}

void sv_tenc_u8(struct sv_trace_enc *e, uint8_t v)
{
	uint8_t *p = enc_room(e, 1);

	if (p)
		p[0] = v;
}

void sv_tenc_u16(struct sv_trace_enc *e, uint16_t v)
{
	uint8_t *p = enc_room(e, 2);

	if (p)
		put_le16(p, v);
}

void sv_tenc_u32(struct sv_trace_enc *e, uint32_t v)
{
	uint8_t *p = enc_room(e, 4);

	if (p)
		put_le32(p, v);
}

void sv_tenc_u64(struct sv_trace_enc *e, uint64_t v)
{
	uint8_t *p = enc_room(e, 8);

	if (p)
		put_le64(p, v);
}

void sv_tenc_bytes(struct sv_trace_enc *e, const void *p, size_t n)
{
	uint8_t *dst = enc_room(e, n);

	if (dst && n)
		sv_memcpy(dst, p, n);
}

void sv_tenc_exit(struct sv_trace_enc *e, const struct sv_exit *x)
{
	sv_tenc_u16(e, x->reason);
	sv_tenc_u16(e, x->reason_flags);
	sv_tenc_u32(e, x->instr_len);
	sv_tenc_u64(e, x->qualification);
	sv_tenc_u64(e, x->guest_linear.v);
	sv_tenc_u64(e, x->guest_physical.v);
	sv_tenc_u32(e, x->instr_info);
	sv_tenc_u32(e, x->intr_info);
	sv_tenc_u32(e, x->intr_error);
	sv_tenc_u32(e, x->idt_vectoring_info);
	sv_tenc_u32(e, x->idt_vectoring_error);
	sv_tenc_u32(e, 0);		/* reserved */
	sv_tenc_u64(e, x->rip);
	sv_tenc_u64(e, x->io_data);
	sv_tenc_u32(e, x->access_size);
	sv_tenc_u32(e, 0);		/* reserved2 */
}

void sv_tenc_regs(struct sv_trace_enc *e, const struct sv_regs *r)
{
	const uint64_t v[] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
		r->rip, r->rflags,
	};

	SV_STATIC_ASSERT(sizeof(v) == SV_TRACE_REGS_SIZE, "18 registers");
	for (size_t i = 0; i < SV_ARRAY_SIZE(v); i++)
		sv_tenc_u64(e, v[i]);
}

void sv_tenc_segment(struct sv_trace_enc *e, const struct sv_segment *s)
{
	sv_tenc_u16(e, s->selector);
	sv_tenc_u32(e, s->limit);
	sv_tenc_u64(e, s->base);
	sv_tenc_u32(e, s->access);
}

void sv_tenc_event(struct sv_trace_enc *e, const struct sv_event *ev)
{
	sv_tenc_u8(e, ev->vector);
	sv_tenc_u8(e, ev->type);
	sv_tenc_u8(e, ev->has_error ? 1 : 0);
	sv_tenc_u32(e, ev->error);
}

/* ---- decoder ------------------------------------------------------------- */

void sv_tdec_init(struct sv_trace_dec *d, const void *p, size_t n)
{
	d->p = p;
	d->n = n;
	d->off = 0;
	d->short_read = false;
}

/* The next n bytes, or NULL (and short_read, for good) if there are fewer. */
static inline const uint8_t *dec_take(struct sv_trace_dec *d, size_t n)
{
	const uint8_t *p;

	if (d->short_read || n > d->n - d->off) {
		d->short_read = true;
		return NULL;
	}
	p = d->p + d->off;
	d->off += n;
	return p;
}

uint8_t sv_tdec_u8(struct sv_trace_dec *d)
{
	const uint8_t *p = dec_take(d, 1);

	return p ? p[0] : 0;
}

uint16_t sv_tdec_u16(struct sv_trace_dec *d)
{
	const uint8_t *p = dec_take(d, 2);

	return p ? (uint16_t)get_le16(p) : 0;
}

uint32_t sv_tdec_u32(struct sv_trace_dec *d)
{
	const uint8_t *p = dec_take(d, 4);

	return p ? get_le32(p) : 0;
}

uint64_t sv_tdec_u64(struct sv_trace_dec *d)
{
	const uint8_t *p = dec_take(d, 8);

	return p ? get_le64(p) : 0;
}

const uint8_t *sv_tdec_bytes(struct sv_trace_dec *d, size_t n)
{
	return dec_take(d, n);
}

/*
 * The composite values are taken whole (one bounds check, not one per
 * field: an exit is decoded on every replayed exit) and read at their
 * offsets in docs/trace-format.md. A short payload gives all zeroes.
 */
void sv_tdec_exit(struct sv_trace_dec *d, struct sv_exit *x)
{
	const uint8_t *p = dec_take(d, SV_TRACE_EXIT_SIZE);

	if (!p) {
		sv_memset(x, 0, sizeof(*x));
		return;
	}
	x->reason = (uint16_t)get_le16(p);
	x->reason_flags = (uint16_t)get_le16(p + 2);
	x->instr_len = get_le32(p + 4);
	x->qualification = get_le64(p + 8);
	x->guest_linear = gva(get_le64(p + 16));
	x->guest_physical = gpa(get_le64(p + 24));
	x->instr_info = get_le32(p + 32);
	x->intr_info = get_le32(p + 36);
	x->intr_error = get_le32(p + 40);
	x->idt_vectoring_info = get_le32(p + 44);
	x->idt_vectoring_error = get_le32(p + 48);
	x->reserved = 0;	/* 52: written as 0, ignored */
	x->rip = get_le64(p + 56);
	x->io_data = get_le64(p + 64);
	x->access_size = get_le32(p + 72);
	x->reserved2 = 0;	/* 76 */
}

void sv_tdec_regs(struct sv_trace_dec *d, struct sv_regs *r)
{
	uint64_t *const v[] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp,
		&r->rsp, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15, &r->rip, &r->rflags,
	};
	const uint8_t *p = dec_take(d, SV_TRACE_REGS_SIZE);

	for (size_t i = 0; i < SV_ARRAY_SIZE(v); i++)
		*v[i] = p ? get_le64(p + 8 * i) : 0;
}

void sv_tdec_segment(struct sv_trace_dec *d, struct sv_segment *s)
{
	const uint8_t *p = dec_take(d, SV_TRACE_SEGMENT_SIZE);

	if (!p) {
		sv_memset(s, 0, sizeof(*s));
		return;
	}
	s->selector = (uint16_t)get_le16(p);
	s->limit = get_le32(p + 2);
	s->base = get_le64(p + 6);
	s->access = get_le32(p + 14);
}

void sv_tdec_event(struct sv_trace_dec *d, struct sv_event *ev)
{
	const uint8_t *p = dec_take(d, SV_TRACE_EVENT_SIZE);

	if (!p) {
		sv_memset(ev, 0, sizeof(*ev));
		return;
	}
	ev->vector = p[0];
	ev->type = p[1];
	ev->has_error = p[2] != 0;
	ev->error = get_le32(p + 3);
}

bool sv_tdec_done(const struct sv_trace_dec *d)
{
	return !d->short_read && d->off == d->n;
}

/* ---- writer -------------------------------------------------------------- */

/* Bytes covered by the running CRC (everything but the header and the
 * structural records' closing CRC fields). */
static void emit(struct sv_trace_writer *w, const void *p, size_t n)
{
	if (!n)
		return;
	w->crc = sv_crc32(w->crc, p, n);
	w->sink(w->ctx, p, n);
}

void sv_trace_writer_begin(struct sv_trace_writer *w, sv_trace_sink sink,
			   void *ctx, const struct sv_trace_header *h)
{
	struct sv_trace_enc e;
	size_t plen = 0;

	sv_memset(w, 0, sizeof(*w));
	w->sink = sink;
	w->ctx = ctx;

	while (plen < SV_TRACE_PRODUCER_MAX && h->producer[plen])
		plen++;
	sv_tenc_init(&e);
	sv_tenc_bytes(&e, SV_TRACE_MAGIC, sizeof(SV_TRACE_MAGIC));
	sv_tenc_u16(&e, SV_TRACE_VERSION);
	sv_tenc_u16(&e, SV_TRACE_HEADER_SIZE);
	sv_tenc_u32(&e, 0);				/* flags */
	sv_tenc_bytes(&e, h->producer, plen);
	for (size_t i = plen; i < SV_TRACE_PRODUCER_MAX; i++)
		sv_tenc_u8(&e, 0);
	sv_tenc_u64(&e, h->cpu_features);
	sv_tenc_u64(&e, h->config_digest);
	sv_tenc_u32(&e, sv_crc32(0, e.b, e.n));		/* of bytes 0..39 */
	sv_tenc_u32(&e, 0);				/* reserved */
	w->sink(w->ctx, e.b, e.n);
}

/*
 * A CHECKPOINT or END: header and counts, then the CRC of everything since
 * the previous checkpoint up to here, which starts a new range.
 */
static void write_closing(struct sv_trace_writer *w, uint8_t type,
			  struct sv_trace_enc *body)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u8(&e, type);
	sv_tenc_u8(&e, 0);
	sv_tenc_u16(&e, 0);
	sv_tenc_u32(&e, (uint32_t)(body->n + 4));
	sv_tenc_bytes(&e, body->b, body->n);
	sv_tenc_u32(&e, sv_crc32(w->crc, e.b, e.n));
	w->sink(w->ctx, e.b, e.n);
	w->crc = 0;
	w->since_checkpoint = 0;
}

void sv_trace_write(struct sv_trace_writer *w, uint8_t type, uint8_t vm,
		    uint16_t vcpu, const void *head, size_t head_len,
		    const void *data, size_t data_len)
{
	uint8_t buf[SV_TRACE_RECORD_HEADER + SV_TRACE_ENC_MAX];
	uint8_t first[SV_TRACE_GPA_HEAD];
	size_t len, nfirst;

	if (w->error)
		return;
	if (w->ended || type == SV_TR_CHECKPOINT || type == SV_TR_END) {
		w->error = -SV_EINVAL;
		return;
	}
	if (head_len > SV_TRACE_MAX_PAYLOAD ||
	    data_len > SV_TRACE_MAX_PAYLOAD - head_len) {
		w->error = -SV_E2BIG;
		return;
	}
	len = head_len + data_len;
	/* The first bytes of the payload, wherever they are, for the check. */
	nfirst = SV_MIN(len, sizeof(first));
	for (size_t i = 0; i < nfirst; i++)
		first[i] = i < head_len ? ((const uint8_t *)head)[i] :
			   ((const uint8_t *)data)[i - head_len];
	if (layout_check(type, len, first, NULL, 0)) {
		w->error = -SV_EINVAL;
		return;
	}

	buf[0] = type;
	buf[1] = vm;
	put_le16(buf + 2, vcpu);
	put_le32(buf + 4, (uint32_t)len);
	if (head_len <= SV_TRACE_ENC_MAX) {	/* the usual case: one call */
		if (head_len)
			sv_memcpy(buf + SV_TRACE_RECORD_HEADER, head, head_len);
		emit(w, buf, SV_TRACE_RECORD_HEADER + head_len);
	} else {
		emit(w, buf, SV_TRACE_RECORD_HEADER);
		emit(w, head, head_len);
	}
	emit(w, data, data_len);

	w->records++;
	if (type == SV_TR_OP_RUN)
		w->exits++;
	if (++w->since_checkpoint == SV_TRACE_CHECKPOINT_EVERY) {
		struct sv_trace_enc body;

		sv_tenc_init(&body);
		sv_tenc_u64(&body, w->records);
		write_closing(w, SV_TR_CHECKPOINT, &body);
	}
}

void sv_trace_writer_end(struct sv_trace_writer *w, uint64_t digest)
{
	struct sv_trace_enc body;

	if (w->error)
		return;
	if (w->ended) {
		w->error = -SV_EINVAL;
		return;
	}
	sv_tenc_init(&body);
	sv_tenc_u64(&body, w->records);
	sv_tenc_u64(&body, w->exits);
	sv_tenc_u64(&body, digest);
	write_closing(w, SV_TR_END, &body);
	w->ended = true;
}

/* ---- reader -------------------------------------------------------------- */

/* Record the first problem; the reader stays failed (err[0] is set). */
SV_PRINTF(3, 4)
static int fail(struct sv_trace_reader *r, uint64_t offset, const char *fmt,
		...)
{
	va_list ap;

	r->err_offset = offset;
	va_start(ap, fmt);
	sv_vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (!r->err[0])
		r->err[0] = '?';
	return -SV_ECORRUPT;
}

/* Offset of the first magic at or after from, or len if there is none. */
static size_t find_magic(const uint8_t *buf, size_t len, size_t from)
{
	for (size_t s = from; len >= sizeof(SV_TRACE_MAGIC) &&
	     s <= len - sizeof(SV_TRACE_MAGIC); s++)
		if (!sv_memcmp(buf + s, SV_TRACE_MAGIC, sizeof(SV_TRACE_MAGIC)))
			return s;
	return len;
}

int sv_trace_reader_open(struct sv_trace_reader *r, const void *buf,
			 size_t len)
{
	const uint8_t *h;
	size_t s;
	uint32_t crc, want;

	sv_memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (len == 0)
		return fail(r, 0, "empty file: no trace header at offset 0");

	s = find_magic(r->buf, len, 0);
	if (s == len) {
		if (len < SV_TRACE_HEADER_SIZE)
			return fail(r, 0, "file ends at byte %zu, before a "
				    "complete %u-byte header at offset 0", len,
				    SV_TRACE_HEADER_SIZE);
		return fail(r, 0, "bad magic at offset 0: no \"%s\" in the "
			    "first %u bytes", SV_TRACE_MAGIC,
			    SV_TRACE_NOISE_MAX + (unsigned)sizeof(SV_TRACE_MAGIC));
	}
	if (s > SV_TRACE_NOISE_MAX)
		return fail(r, s, "trace magic at offset %zu follows more than "
			    "%u bytes of noise", s, SV_TRACE_NOISE_MAX);
	if (len - s < SV_TRACE_HEADER_SIZE)
		return fail(r, s, "file ends at byte %zu inside the header at "
			    "offset %zu", len, s);

	h = r->buf + s;
	if (get_le16(h + 8) != SV_TRACE_VERSION)
		return fail(r, s + 8, "version %u at offset %zu, this reader "
			    "knows %u", get_le16(h + 8), s + 8,
			    SV_TRACE_VERSION);
	if (get_le16(h + 10) != SV_TRACE_HEADER_SIZE)
		return fail(r, s + 10, "header size %u at offset %zu, expected "
			    "%u", get_le16(h + 10), s + 10,
			    SV_TRACE_HEADER_SIZE);
	crc = sv_crc32(0, h, 40);
	want = get_le32(h + 40);
	if (crc != want)
		return fail(r, s + 40, "header CRC-32 mismatch at offset %zu: "
			    "bytes %zu..%zu give 0x%08x, the header says 0x%08x",
			    s + 40, s, s + 39, crc, want);
	if (get_le32(h + 12) != 0)
		return fail(r, s + 12, "unknown header flags 0x%x at offset %zu",
			    get_le32(h + 12), s + 12);
	if (get_le32(h + 44) != 0)
		return fail(r, s + 44, "reserved header field at offset %zu is "
			    "0x%x, expected 0", s + 44, get_le32(h + 44));

	/* NUL-padded: once a NUL, only NULs, so the header is canonical. */
	for (size_t i = 1; i < SV_TRACE_PRODUCER_MAX; i++)
		if (h[16 + i] && !h[16 + i - 1])
			return fail(r, s + 16 + i, "producer at offset %zu is "
				    "not NUL-padded (byte %zu)", s + 16, s + 16 + i);
	sv_memcpy(r->header.producer, h + 16, SV_TRACE_PRODUCER_MAX);
	r->header.cpu_features = get_le64(h + 24);
	r->header.config_digest = get_le64(h + 32);
	r->start = s;
	r->pos = s + SV_TRACE_HEADER_SIZE;
	r->crc_from = r->pos;
	r->crc = 0;
	return 0;
}

/*
 * The CRC of a CHECKPOINT or END at off (payload p): it covers the range
 * since the last one up to its own CRC field, at payload offset crc_at.
 */
static int check_closing(struct sv_trace_reader *r, size_t off,
			 const uint8_t *p, uint32_t crc_at)
{
	const char *what = p[-8] == SV_TR_END ? "END" : "checkpoint";
	uint32_t crc = sv_crc32(r->crc, p - SV_TRACE_RECORD_HEADER,
				SV_TRACE_RECORD_HEADER + crc_at);
	uint32_t want = get_le32(p + crc_at);

	if (crc != want)
		return fail(r, off, "%s at offset %zu: CRC-32 of bytes %zu..%zu "
			    "is 0x%08x, the %s says 0x%08x", what, off,
			    r->crc_from, off + SV_TRACE_RECORD_HEADER + crc_at - 1,
			    crc, what, want);
	return 0;
}

/*
 * A CHECKPOINT at off (payload p): its CRC and count, then a new range
 * begins. A verified reader only steps over it.
 */
static int read_checkpoint(struct sv_trace_reader *r, size_t off,
			   const uint8_t *p)
{
	uint64_t count = get_le64(p);

	if (!r->verified) {
		if (r->since_checkpoint != SV_TRACE_CHECKPOINT_EVERY)
			return fail(r, off, "CHECKPOINT at offset %zu after %u "
				    "records, expected after %u", off,
				    r->since_checkpoint,
				    SV_TRACE_CHECKPOINT_EVERY);
		if (check_closing(r, off, p, 8))
			return -SV_ECORRUPT;
		if (count != r->records)
			return fail(r, off, "checkpoint at offset %zu counts "
				    "%llu records, %llu were read", off,
				    (unsigned long long)count,
				    (unsigned long long)r->records);
	}
	r->pos = off + SV_TRACE_RECORD_HEADER + CHECKPOINT_SIZE;
	r->crc = 0;
	r->crc_from = r->pos;
	r->since_checkpoint = 0;
	r->checkpoints++;
	return 0;
}

/* END at off (payload p): the last range's CRC, the counts, nothing after. */
static int read_end(struct sv_trace_reader *r, size_t off, const uint8_t *p)
{
	uint64_t records = get_le64(p), exits = get_le64(p + 8);
	size_t after = off + SV_TRACE_RECORD_HEADER + END_SIZE;

	if (!r->verified) {
		if (check_closing(r, off, p, 24))
			return -SV_ECORRUPT;
		if (records != r->records || exits != r->exits)
			return fail(r, off, "END at offset %zu counts %llu "
				    "records and %llu exits, %llu and %llu were "
				    "read", off, (unsigned long long)records,
				    (unsigned long long)exits,
				    (unsigned long long)r->records,
				    (unsigned long long)r->exits);
	}
	/* Once per trace, so kept in verified mode too: r->len is all read. */
	if (after != r->len)
		return fail(r, after, "%zu bytes after the END record at offset "
			    "%zu, from offset %zu", r->len - after, off, after);
	r->end_records = records;
	r->end_exits = exits;
	r->end_digest = get_le64(p + 16);
	r->pos = after;
	r->at_end = true;
	return 0;
}

/* A record at off that does not fit its type's layout: say why. */
static int fail_layout(struct sv_trace_reader *r, size_t off, unsigned type,
		       uint32_t len, const uint8_t *first)
{
	char why[96];

	(void)layout_check(type, len, first, why, sizeof(why));
	return fail(r, off, "record at offset %zu: %s", off, why);
}

/*
 * One parser for both modes. What keeps memory safe (the record header and
 * payload lie inside the buffer; the type is known and the size fits its
 * layout, so CHECKPOINT/END fields and the GPA head can be read) is checked
 * always; what a validating pass has already established about the bytes
 * (CRCs, counts, checkpoint placement, structural tags) is checked only
 * when r is not verified.
 */
int sv_trace_reader_next(struct sv_trace_reader *r,
			 struct sv_trace_record *rec)
{
	if (r->err[0])
		return -SV_ECORRUPT;
	if (r->at_end)
		return 0;
	for (;;) {
		size_t off = r->pos, left = r->len - off;
		const uint8_t *p = r->buf + off;
		unsigned type;
		uint32_t len;

		if (left == 0)
			return fail(r, off, "file ends at byte %zu without END "
				    "record", off);
		if (left < SV_TRACE_RECORD_HEADER)
			return fail(r, off, "file ends at byte %zu inside record "
				    "at offset %zu", r->len, off);
		type = p[0];
		len = get_le32(p + 4);
		left -= SV_TRACE_RECORD_HEADER;
		if (!layouts[type].known)
			return fail(r, off, "unknown record type %u at offset "
				    "%zu", type, off);
		if (len < layouts[type].min || len > layouts[type].max)
			return fail_layout(r, off, type, len, NULL);
		if (len > left)
			return fail(r, off, "file ends at byte %zu inside record "
				    "at offset %zu (%s, %u-byte payload)", r->len,
				    off, sv_trace_type_name(type), len);
		p += SV_TRACE_RECORD_HEADER;
		/* Type and size are in range, which is all layout_check has
		 * left to see but a GPA record's data length (in its head). */
		if ((type == SV_TR_OP_READ_GPA || type == SV_TR_OP_WRITE_GPA) &&
		    layout_check(type, len, p, NULL, 0))
			return fail_layout(r, off, type, len, p);
		if (!r->verified &&
		    r->since_checkpoint == SV_TRACE_CHECKPOINT_EVERY &&
		    type != SV_TR_CHECKPOINT)
			return fail(r, off, "%s at offset %zu where the "
				    "CHECKPOINT after %u records belongs",
				    sv_trace_type_name(type), off,
				    SV_TRACE_CHECKPOINT_EVERY);

		if (type == SV_TR_CHECKPOINT || type == SV_TR_END) {
			if (!r->verified && (p[-7] != 0 || get_le16(p - 6) != 0))
				return fail(r, off, "%s at offset %zu tagged vm "
					    "%u vcpu %u, expected 0 0",
					    sv_trace_type_name(type), off, p[-7],
					    get_le16(p - 6));
			if (type == SV_TR_END)
				return read_end(r, off, p) ? -SV_ECORRUPT : 0;
			if (read_checkpoint(r, off, p))
				return -SV_ECORRUPT;
			continue;
		}

		if (!r->verified)
			r->crc = sv_crc32(r->crc, p - SV_TRACE_RECORD_HEADER,
					  SV_TRACE_RECORD_HEADER + (size_t)len);
		r->records++;
		if (type == SV_TR_OP_RUN)
			r->exits++;
		r->since_checkpoint++;
		r->pos = off + SV_TRACE_RECORD_HEADER + len;
		rec->type = (uint8_t)type;
		rec->vm = p[-7];
		rec->vcpu = (uint16_t)get_le16(p - 6);
		rec->len = len;
		rec->payload = p;
		rec->offset = off;
		return 1;
	}
}

int sv_trace_reader_open_verified(struct sv_trace_reader *r,
				  const struct sv_trace_reader *validated)
{
	/* Copied first: r may be validated itself. */
	const uint8_t *buf = validated->buf;
	size_t len = validated->len, start = validated->start;
	struct sv_trace_header header = validated->header;
	bool whole = validated->at_end && !validated->err[0] &&
		     !validated->verified;

	sv_memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (!whole) {
		fail(r, 0, "trace reader: open_verified needs a reader that "
		     "has checked its whole trace");
		return -SV_EINVAL;
	}
	r->verified = true;
	r->start = start;
	r->header = header;
	r->pos = start + SV_TRACE_HEADER_SIZE;
	r->crc_from = r->pos;
	return 0;
}
