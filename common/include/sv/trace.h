/*
 * Exit traces, format version 1 (docs/trace-format.md is the specification;
 * keep the two in step).
 *
 * A trace is a header and a stream of type-length records. It logs, in the
 * order the core saw them, every result the core received from a vCPU
 * backend or the host (exits, register and memory reads, time) and every
 * effect the core asked of them (register and memory writes, injections,
 * windows, I/O completions), each tagged with VM and vCPU ids. Replaying
 * serves the results back and compares the effects.
 *
 * Everything is little-endian and fixed-width, written and read byte by
 * byte, so a trace made on bare metal reads on any host. Records are not
 * aligned. Every SV_TRACE_CHECKPOINT_EVERY records the writer emits a
 * CHECKPOINT holding the CRC-32 of all bytes since the previous checkpoint
 * (or the header) up to its own CRC field; the reader verifies it. The last
 * record is END, with the counts and the final state digest, covered the
 * same way, so every byte of a trace is checked.
 *
 * Freestanding: the writer emits bytes to a sink (a file on Linux, COM2 on
 * bare metal); the reader parses a buffer in memory. Neither allocates.
 */
#ifndef SV_TRACE_H
#define SV_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"
#include "sv/exit.h"

#define SV_TRACE_MAGIC		"SVTRACE"	/* 8 bytes with its NUL */
#define SV_TRACE_VERSION	1
#define SV_TRACE_HEADER_SIZE	48
#define SV_TRACE_RECORD_HEADER	8		/* type, vm, vcpu, length */
#define SV_TRACE_MAX_PAYLOAD	(16u << 20)	/* larger is refused */
#define SV_TRACE_CHECKPOINT_EVERY 1024
#define SV_TRACE_PRODUCER_MAX	8
#define SV_TRACE_NOISE_MAX	4096		/* bytes skipped before the magic */

/* Encoded sizes of the composite values and of fixed payload parts. */
#define SV_TRACE_EXIT_SIZE	80	/* struct sv_exit, every field */
#define SV_TRACE_REGS_SIZE	144	/* the 18 u64 of struct sv_regs */
#define SV_TRACE_SEGMENT_SIZE	18	/* u16 u32 u64 u32 */
#define SV_TRACE_EVENT_SIZE	7	/* u8 u8 u8 u32 */
#define SV_TRACE_GPA_HEAD	16	/* READ/WRITE_GPA: ret, gpa, len */
#define SV_TRACE_CPUID_SIZE	24	/* CPUID: u32 leaf, subleaf, eax..edx */
#define SV_TRACE_VM_END_HEAD	16	/* VM_END: state, status, digest */
#define SV_TRACE_VM_END_TEXT_MAX 160	/* VM_END's stop reason text */

/* cpu_features bits in the header: what the recording CPU offered. */
#define SV_TRACE_CPU_VMX	(1ull << 0)
#define SV_TRACE_CPU_EPT	(1ull << 1)
#define SV_TRACE_CPU_UNRESTRICTED (1ull << 2)
#define SV_TRACE_CPU_VPID	(1ull << 3)
#define SV_TRACE_CPU_SVM	(1ull << 4)

/*
 * Record types: X(name, value). OP_* mirror the backend ops one for one
 * (sv/backend.h); the rest are host reads and trace structure.
 */
#define SV_TRACE_RECORDS(X) \
	X(OP_VM_CREATE,        1) \
	X(OP_VM_DESTROY,       2) \
	X(OP_MAP_MEMORY,       3) \
	X(OP_VCPU_CREATE,      4) \
	X(OP_VCPU_DESTROY,     5) \
	X(OP_RUN,              6) \
	X(OP_COMPLETE_EXIT,    7) \
	X(OP_GET_REGS,         8) \
	X(OP_SET_REGS,         9) \
	X(OP_GET_SEGMENT,     10) \
	X(OP_SET_SEGMENT,     11) \
	X(OP_GET_CR,          12) \
	X(OP_SET_CR,          13) \
	X(OP_GET_MSR,         14) \
	X(OP_SET_MSR,         15) \
	X(OP_INJECT_EVENT,    16) \
	X(OP_INTERRUPT_READY, 17) \
	X(OP_SET_WINDOW,      18) \
	X(OP_READ_GPA,        19) \
	X(OP_WRITE_GPA,       20) \
	X(OP_CPUID,           21) \
	X(TIME,               32) \
	X(REALTIME,           33) \
	X(CONFIG,             48) \
	X(IMAGE,              49) \
	X(VM_END,             50) \
	X(CHECKPOINT,         64) \
	X(END,                65)

enum sv_trace_type {
#define SV_TRACE_TYPE_ENUM_(name, value) SV_TR_##name = (value),
	SV_TRACE_RECORDS(SV_TRACE_TYPE_ENUM_)
#undef SV_TRACE_TYPE_ENUM_
};

/* "OP_RUN", ...; "UNKNOWN" for a value no record has. */
const char *sv_trace_type_name(unsigned type);

/* ---- payload encoding: a byte buffer and its cursor --------------------- */

/* Fixed payloads are small; READ/WRITE_GPA, CONFIG and IMAGE carry data
 * through sv_trace_write's second part instead of this buffer. */
#define SV_TRACE_ENC_MAX 256

struct sv_trace_enc {
	uint8_t b[SV_TRACE_ENC_MAX];
	size_t n;
	bool overflow;
};

void sv_tenc_init(struct sv_trace_enc *e);
void sv_tenc_u8(struct sv_trace_enc *e, uint8_t v);
void sv_tenc_u16(struct sv_trace_enc *e, uint16_t v);
void sv_tenc_u32(struct sv_trace_enc *e, uint32_t v);
void sv_tenc_u64(struct sv_trace_enc *e, uint64_t v);
void sv_tenc_bytes(struct sv_trace_enc *e, const void *p, size_t n);
/* Composite values, each in one fixed layout (docs/trace-format.md). */
void sv_tenc_exit(struct sv_trace_enc *e, const struct sv_exit *x);
void sv_tenc_regs(struct sv_trace_enc *e, const struct sv_regs *r);
void sv_tenc_segment(struct sv_trace_enc *e, const struct sv_segment *s);
void sv_tenc_event(struct sv_trace_enc *e, const struct sv_event *ev);

struct sv_trace_dec {
	const uint8_t *p;
	size_t n, off;
	bool short_read;	/* a get ran past the end: the payload is bad */
};

void sv_tdec_init(struct sv_trace_dec *d, const void *p, size_t n);
uint8_t sv_tdec_u8(struct sv_trace_dec *d);
uint16_t sv_tdec_u16(struct sv_trace_dec *d);
uint32_t sv_tdec_u32(struct sv_trace_dec *d);
uint64_t sv_tdec_u64(struct sv_trace_dec *d);
/* Pointer to the next n bytes (NULL and short_read if there are fewer). */
const uint8_t *sv_tdec_bytes(struct sv_trace_dec *d, size_t n);
void sv_tdec_exit(struct sv_trace_dec *d, struct sv_exit *x);
void sv_tdec_regs(struct sv_trace_dec *d, struct sv_regs *r);
void sv_tdec_segment(struct sv_trace_dec *d, struct sv_segment *s);
void sv_tdec_event(struct sv_trace_dec *d, struct sv_event *ev);
/* True when the payload was read exactly to its end without running short. */
bool sv_tdec_done(const struct sv_trace_dec *d);

/* ---- writer -------------------------------------------------------------- */

typedef void (*sv_trace_sink)(void *ctx, const void *buf, size_t len);

struct sv_trace_header {
	char producer[SV_TRACE_PRODUCER_MAX];	/* "kvm", "vmx", "test": NUL-padded */
	uint64_t cpu_features;			/* SV_TRACE_CPU_* */
	uint64_t config_digest;			/* of the CONFIG and IMAGE records */
};

struct sv_trace_writer {
	sv_trace_sink sink;
	void *ctx;
	uint32_t crc;			/* of record bytes since the last checkpoint */
	unsigned since_checkpoint;	/* records since then */
	uint64_t records, exits;	/* written so far (END excluded) */
	bool ended;
	/*
	 * 0, or the first failure: -SV_E2BIG for a payload over
	 * SV_TRACE_MAX_PAYLOAD, -SV_EINVAL for a payload that does not fit
	 * its type's layout, an unknown type, a CHECKPOINT or END asked for
	 * by the caller, or a write after END. The offending record is not
	 * written and nothing after it is (END included), so the trace reads
	 * back as truncated rather than silently short; check it at the end.
	 */
	int error;
};

/* Write the header. */
void sv_trace_writer_begin(struct sv_trace_writer *w, sv_trace_sink sink,
			   void *ctx, const struct sv_trace_header *h);
/*
 * Write one record whose payload is head (head_len bytes) followed by data
 * (data_len bytes; either may be empty). Emits a CHECKPOINT after every
 * SV_TRACE_CHECKPOINT_EVERY records. Counts OP_RUN records as exits. The
 * payload is checked against its type's layout first (see w->error).
 */
void sv_trace_write(struct sv_trace_writer *w, uint8_t type, uint8_t vm,
		    uint16_t vcpu, const void *head, size_t head_len,
		    const void *data, size_t data_len);
/* The END record: record and exit counts, and the final state digest. */
void sv_trace_writer_end(struct sv_trace_writer *w, uint64_t digest);

/* ---- reader -------------------------------------------------------------- */

struct sv_trace_record {
	uint8_t type, vm;
	uint16_t vcpu;
	uint32_t len;
	const uint8_t *payload;
	uint64_t offset;		/* of the record's first byte in the file */
};

struct sv_trace_reader {
	const uint8_t *buf;
	size_t len, pos;
	size_t start;			/* offset of the magic (noise skipped) */
	struct sv_trace_header header;	/* producer: %.8s, maybe no NUL */
	uint32_t crc;			/* of bytes crc_from..pos */
	size_t crc_from;		/* where the current CRC range began */
	unsigned since_checkpoint;
	uint64_t records, exits;	/* read so far (CHECKPOINTs excluded) */
	uint64_t checkpoints;		/* verified (or, verified mode, passed) */
	bool at_end;			/* END has been read */
	/*
	 * Set by sv_trace_reader_open_verified: the buffer was read whole by
	 * a checking pass, so this one computes no CRC and trusts what that
	 * pass checked (see there); lengths are still bounds-checked.
	 */
	bool verified;
	/* END's contents, valid once at_end */
	uint64_t end_records, end_exits, end_digest;
	/* the first problem: where and what */
	uint64_t err_offset;
	char err[160];
};

/*
 * Validate the header of the trace in buf (the whole file) and get ready to
 * read records. Bytes before the magic (noise on a serial line before the
 * stream began) are skipped, up to 4096 of them. Returns 0 or -SV_ECORRUPT
 * (also for a wrong version) with r->err and r->err_offset set.
 */
SV_MUST_CHECK int sv_trace_reader_open(struct sv_trace_reader *r,
				       const void *buf, size_t len);
/*
 * The next record in *rec, checkpoints verified and consumed on the way;
 * rec->payload points into the buffer given to open. A record returned has
 * a known type, the exact size of a fixed type, and for READ/WRITE_GPA a
 * data length that matches; its bytes are CRC-checked only when the next
 * CHECKPOINT or END is read, so a caller that must act only on verified
 * data reads the whole trace first (and then reads it again with
 * sv_trace_reader_open_verified, below).
 * Returns 1 for a record, 0 after END (and then always 0), or -SV_ECORRUPT
 * with r->err and r->err_offset: truncated file, bad length, unknown type,
 * checkpoint mismatch, counts in END that disagree, bytes after END.
 */
SV_MUST_CHECK int sv_trace_reader_next(struct sv_trace_reader *r,
				       struct sv_trace_record *rec);
/*
 * Read again, from its first record, the trace that `validated` has read
 * whole: its sv_trace_reader_next returned 0, so the header, every record's
 * framing and layout, every CHECKPOINT and END (CRCs, counts, placement,
 * tags) and the absence of trailing bytes have all been checked. r (which
 * may be validated itself) then hands out the same records, with the same
 * offsets, counts and END contents, without that work: no CRC is computed
 * and the checkpoint, count, placement and tag checks are skipped. It
 * still bounds-checks every record header and length against the buffer
 * and checks each record's type and size against its layout (READ/WRITE_GPA
 * data length included), so if the buffer was changed after validation (a
 * bug elsewhere) it fails with -SV_ECORRUPT, r->err and r->err_offset, or
 * returns changed but in-bounds records; it never reads outside the buffer.
 * This is how a program that validated a trace before acting on it avoids
 * checking every byte twice (smartvm replay).
 * Returns 0, or -SV_EINVAL when validated is not a reader of
 * sv_trace_reader_open that read its trace to END without error (it failed,
 * has not finished, or is itself verified and so checked nothing): r is then
 * failed and its sv_trace_reader_next returns -SV_ECORRUPT. The buffer must
 * stay mapped, as for sv_trace_reader_open.
 */
SV_MUST_CHECK int sv_trace_reader_open_verified(
	struct sv_trace_reader *r, const struct sv_trace_reader *validated);

#endif /* SV_TRACE_H */
