/*
 * The replay backend (sv/record.h). No guest runs: each op the core calls
 * takes the next record of the trace, which must be the same op. Results
 * are served from it; effects are encoded exactly as the recorder encoded
 * them and compared byte for byte. The first difference (or a record of
 * the wrong kind) ends the replay: the report names the exit index and
 * reason, the guest RIP, and the operation expected and the one seen, and
 * every later op fails so the VM stops at once.
 */
#include "sv/record.h"

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "sv/vmx.h"

SV_BACKEND_DECLARE(rp)

const struct sv_backend_ops sv_replay_ops = SV_BACKEND_TABLE(rp, "replay");

#define REPLAY_FAILED (-SV_EIO)

void sv_replayer_init(struct sv_replayer *p, struct sv_trace_reader *r,
		      uint8_t vm_id)
{
	sv_memset(p, 0, sizeof(*p));
	p->r = r;
	p->vm_id = vm_id;
	sv_digest_init(&p->effects);
	p->vm.rp = p;
	p->vcpu.rp = p;
}

static struct sv_replayer *vm_rp(struct sv_bvm *b)
{
	return ((struct { struct sv_replayer *rp; } *)(void *)b)->rp;
}

static struct sv_replayer *vcpu_rp(struct sv_bvcpu *b)
{
	return ((struct { struct sv_replayer *rp; } *)(void *)b)->rp;
}

/* "OP_COMPLETE_EXIT ret 0 | 00 00 ..." : a record for a report. */
static void describe(char *buf, size_t n, uint8_t type, const uint8_t *p,
		     size_t len)
{
	size_t used = (size_t)sv_snprintf(buf, n, "%s", sv_trace_type_name(type));

	if (len >= 4 && type < SV_TR_TIME) {
		struct sv_trace_dec d;

		sv_tdec_init(&d, p, len);
		used += (size_t)sv_snprintf(buf + SV_MIN(used, n), n - SV_MIN(used, n),
					    " ret %d", (int)(int32_t)sv_tdec_u32(&d));
		p += 4;
		len -= 4;
	}
	for (size_t i = 0; i < len && i < 40 && used < n; i++)
		used += (size_t)sv_snprintf(buf + used, n - used, "%s%02x",
					    i ? " " : " | ", p[i]);
	if (len > 40 && used < n)
		sv_snprintf(buf + used, n - used, " ... (%zu bytes)", len);
}

static void diverge(struct sv_replayer *p, const char *what,
		    const struct sv_trace_record *rec, uint8_t want_type,
		    const uint8_t *seen, size_t seen_len)
{
	char expected[200], got[200];

	if (p->diverged)
		return;
	p->diverged = true;
	if (rec)
		describe(expected, sizeof(expected), rec->type, rec->payload,
			 rec->len);
	else
		sv_snprintf(expected, sizeof(expected), "(%s)", p->r->err[0] ?
			    p->r->err : "the end of the trace");
	describe(got, sizeof(got), want_type, seen, seen_len);
	if (p->exits == 0)
		sv_snprintf(p->report, sizeof(p->report),
			    "replay diverged before the first exit (%s)%s%lu:\n"
			    "  expected: %s\n  seen:     %s", what,
			    rec ? ", trace offset " : "",
			    (unsigned long)(rec ? rec->offset : 0), expected, got);
	else
		sv_snprintf(p->report, sizeof(p->report),
			    "replay diverged at exit %lu (%s, rip 0x%lx), %s, "
			    "trace offset %lu:\n  expected: %s\n  seen:     %s",
			    (unsigned long)(p->exits - 1),
			    sv_exit_reason_name(p->last_exit.reason),
			    (unsigned long)p->last_exit.rip, what,
			    (unsigned long)(rec ? rec->offset : 0), expected, got);
}

/*
 * Diverge, showing what the core asked for as the record it would have
 * logged: ret 0, then asked (NULL for a result, where the core asked for
 * nothing it could show). Built only here, off the path of a matching op.
 */
static void diverge_asked(struct sv_replayer *p, const char *what,
			  const struct sv_trace_record *rec, uint8_t want_type,
			  const struct sv_trace_enc *asked)
{
	uint8_t seen[4 + SV_TRACE_ENC_MAX];

	if (!asked) {
		diverge(p, what, rec, want_type, NULL, 0);
		return;
	}
	sv_memset(seen, 0, 4);
	sv_memcpy(seen + 4, asked->b, asked->n);
	diverge(p, what, rec, want_type, seen, 4 + asked->n);
}

/*
 * The next record, which must be of type want for this VM. On a mismatch,
 * diverge with what the core asked and return false.
 */
static bool next_record(struct sv_replayer *p, uint8_t want,
			const struct sv_trace_enc *asked,
			struct sv_trace_record *rec)
{
	int r;

	if (p->diverged)
		return false;
	r = sv_trace_reader_next(p->r, rec);
	if (r <= 0) {
		diverge_asked(p, r < 0 ? "corrupt trace" : "trace ended", NULL,
			      want, asked);
		return false;
	}
	if (rec->type != want) {
		diverge_asked(p, "different operation", rec, want, asked);
		return false;
	}
	if (rec->vm != p->vm_id) {
		diverge_asked(p, "record of another VM", rec, want, asked);
		return false;
	}
	return true;
}

/*
 * An effect: the core's request (e, plus data) must equal the logged
 * payload after its ret. Returns the logged ret, or REPLAY_FAILED.
 */
static int effect(struct sv_replayer *p, uint8_t type,
		  const struct sv_trace_enc *e, const void *data,
		  size_t data_len)
{
	struct sv_trace_record rec;
	size_t head_len = 4 + e->n;	/* ret, then e */
	struct sv_trace_dec d;

	if (!next_record(p, type, e, &rec))
		return REPLAY_FAILED;
	if (rec.len != head_len + data_len ||
	    sv_memcmp(rec.payload + 4, e->b, e->n) != 0 ||
	    (data_len && sv_memcmp(rec.payload + head_len, data, data_len) != 0)) {
		diverge_asked(p, "different effect", &rec, type, e);
		return REPLAY_FAILED;
	}
	sv_digest_bytes(&p->effects, rec.payload, rec.len);
	sv_tdec_init(&d, rec.payload, rec.len);
	return (int)(int32_t)sv_tdec_u32(&d);
}

/* A result: the record's decoder is positioned after ret. */
static bool result(struct sv_replayer *p, uint8_t type,
		   struct sv_trace_record *rec, struct sv_trace_dec *d, int *ret)
{
	if (!next_record(p, type, NULL, rec))
		return false;
	sv_tdec_init(d, rec->payload, rec->len);
	*ret = (int)(int32_t)sv_tdec_u32(d);
	return true;
}

/* A result whose payload did not decode to its exact size. */
static int bad_payload(struct sv_replayer *p, const struct sv_trace_record *rec)
{
	diverge(p, "malformed record", rec, rec->type, NULL, 0);
	return REPLAY_FAILED;
}

uint64_t sv_replayer_clock(void *ctx)
{
	struct sv_replayer *p = ctx;
	struct sv_trace_record rec;
	struct sv_trace_dec d;

	if (!next_record(p, SV_TR_TIME, NULL, &rec))
		return p->last_time;
	sv_tdec_init(&d, rec.payload, rec.len);
	p->last_time = sv_tdec_u64(&d);
	if (!sv_tdec_done(&d))
		bad_payload(p, &rec);
	return p->last_time;
}

static int rp_vm_create(void *inst, struct sv_bvm **out)
{
	struct sv_replayer *p = inst;
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_VM_CREATE, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (!sv_tdec_done(&d))
		return bad_payload(p, &rec);
	if (ret == 0)
		*out = (struct sv_bvm *)(void *)&p->vm;
	return ret;
}

/* The destroy ops return nothing, so their records have no payload. */
static void destroyed(struct sv_replayer *p, uint8_t type)
{
	struct sv_trace_record rec;

	if (next_record(p, type, NULL, &rec) && rec.len != 0)
		bad_payload(p, &rec);
}

static void rp_vm_destroy(struct sv_bvm *b)
{
	destroyed(vm_rp(b), SV_TR_OP_VM_DESTROY);
}

static int rp_map_memory(struct sv_bvm *b, gpa_t gpa, void *hva,
			 uint64_t size, uint32_t flags)
{
	struct sv_trace_enc e;

	(void)hva;	/* host addresses differ between runs */
	sv_tenc_init(&e);
	sv_tenc_u64(&e, gpa.v);
	sv_tenc_u64(&e, size);
	sv_tenc_u32(&e, flags);
	return effect(vm_rp(b), SV_TR_OP_MAP_MEMORY, &e, NULL, 0);
}

static int rp_vcpu_create(struct sv_bvm *b, uint32_t id, struct sv_bvcpu **out)
{
	struct sv_replayer *p = vm_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_VCPU_CREATE, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (sv_tdec_u32(&d) != id || !sv_tdec_done(&d)) {
		diverge(p, "different vCPU", &rec, SV_TR_OP_VCPU_CREATE, NULL, 0);
		return REPLAY_FAILED;
	}
	if (ret == 0) {
		p->vcpu.id = (uint16_t)id;
		*out = (struct sv_bvcpu *)(void *)&p->vcpu;
	}
	return ret;
}

static void rp_vcpu_destroy(struct sv_bvcpu *b)
{
	destroyed(vcpu_rp(b), SV_TR_OP_VCPU_DESTROY);
}

static int rp_run(struct sv_bvcpu *b, struct sv_exit *exit)
{
	struct sv_replayer *p = vcpu_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_RUN, &rec, &d, &ret))
		return REPLAY_FAILED;
	sv_tdec_exit(&d, exit);
	if (!sv_tdec_done(&d))
		return bad_payload(p, &rec);
	p->last_exit = *exit;
	p->exits++;
	return ret;
}

static int rp_complete_exit(struct sv_bvcpu *b, uint64_t value)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u64(&e, value);
	return effect(vcpu_rp(b), SV_TR_OP_COMPLETE_EXIT, &e, NULL, 0);
}

static int rp_get_regs(struct sv_bvcpu *b, struct sv_regs *regs)
{
	struct sv_replayer *p = vcpu_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_GET_REGS, &rec, &d, &ret))
		return REPLAY_FAILED;
	sv_tdec_regs(&d, regs);
	return sv_tdec_done(&d) ? ret : bad_payload(p, &rec);
}

static int rp_set_regs(struct sv_bvcpu *b, const struct sv_regs *regs)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_regs(&e, regs);
	return effect(vcpu_rp(b), SV_TR_OP_SET_REGS, &e, NULL, 0);
}

static int rp_get_segment(struct sv_bvcpu *b, enum sv_seg seg,
			  struct sv_segment *out)
{
	struct sv_replayer *p = vcpu_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_GET_SEGMENT, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (sv_tdec_u32(&d) != (uint32_t)seg) {
		diverge(p, "different segment", &rec, rec.type, NULL, 0);
		return REPLAY_FAILED;
	}
	sv_tdec_segment(&d, out);
	return sv_tdec_done(&d) ? ret : bad_payload(p, &rec);
}

static int rp_set_segment(struct sv_bvcpu *b, enum sv_seg seg,
			  const struct sv_segment *in)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u32(&e, (uint32_t)seg);
	sv_tenc_segment(&e, in);
	return effect(vcpu_rp(b), SV_TR_OP_SET_SEGMENT, &e, NULL, 0);
}

/* get_cr and get_msr: u32 index, u64 value. */
static int get_indexed(struct sv_replayer *p, uint8_t type, uint32_t index,
		       uint64_t *val)
{
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, type, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (sv_tdec_u32(&d) != index) {
		diverge(p, "different register", &rec, type, NULL, 0);
		return REPLAY_FAILED;
	}
	*val = sv_tdec_u64(&d);
	return sv_tdec_done(&d) ? ret : bad_payload(p, &rec);
}

static int set_indexed(struct sv_replayer *p, uint8_t type, uint32_t index,
		       uint64_t val)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u32(&e, index);
	sv_tenc_u64(&e, val);
	return effect(p, type, &e, NULL, 0);
}

static int rp_get_cr(struct sv_bvcpu *b, enum sv_cr cr, uint64_t *val)
{
	return get_indexed(vcpu_rp(b), SV_TR_OP_GET_CR, (uint32_t)cr, val);
}

static int rp_set_cr(struct sv_bvcpu *b, enum sv_cr cr, uint64_t val)
{
	return set_indexed(vcpu_rp(b), SV_TR_OP_SET_CR, (uint32_t)cr, val);
}

static int rp_get_msr(struct sv_bvcpu *b, uint32_t msr, uint64_t *val)
{
	return get_indexed(vcpu_rp(b), SV_TR_OP_GET_MSR, msr, val);
}

static int rp_set_msr(struct sv_bvcpu *b, uint32_t msr, uint64_t val)
{
	return set_indexed(vcpu_rp(b), SV_TR_OP_SET_MSR, msr, val);
}

static void enc_request(struct sv_trace_enc *e, uint32_t leaf,
			uint32_t subleaf)
{
	sv_tenc_init(e);
	sv_tenc_u32(e, 0);
	sv_tenc_u32(e, leaf);
	sv_tenc_u32(e, subleaf);
}

static int rp_cpuid(struct sv_bvcpu *b, uint32_t leaf, uint32_t subleaf,
		    struct sv_cpuid *out)
{
	struct sv_replayer *p = vcpu_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_CPUID, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (sv_tdec_u32(&d) != leaf || sv_tdec_u32(&d) != subleaf) {
		struct sv_trace_enc seen;	/* what the core asked, ret 0 */

		enc_request(&seen, leaf, subleaf);
		diverge(p, "different CPUID leaf", &rec, rec.type, seen.b,
			seen.n);
		return REPLAY_FAILED;
	}
	out->eax = sv_tdec_u32(&d);
	out->ebx = sv_tdec_u32(&d);
	out->ecx = sv_tdec_u32(&d);
	out->edx = sv_tdec_u32(&d);
	return sv_tdec_done(&d) ? ret : bad_payload(p, &rec);
}

static int rp_inject_event(struct sv_bvcpu *b, const struct sv_event *ev)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_event(&e, ev);
	return effect(vcpu_rp(b), SV_TR_OP_INJECT_EVENT, &e, NULL, 0);
}

static int rp_interrupt_ready(struct sv_bvcpu *b, bool *ready)
{
	struct sv_replayer *p = vcpu_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	int ret;

	if (!result(p, SV_TR_OP_INTERRUPT_READY, &rec, &d, &ret))
		return REPLAY_FAILED;
	*ready = sv_tdec_u8(&d) != 0;
	return sv_tdec_done(&d) ? ret : bad_payload(p, &rec);
}

static int rp_set_window(struct sv_bvcpu *b, enum sv_window w, bool on)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u32(&e, (uint32_t)w);
	sv_tenc_u8(&e, on);
	return effect(vcpu_rp(b), SV_TR_OP_SET_WINDOW, &e, NULL, 0);
}

static int rp_read_gpa(struct sv_bvm *b, gpa_t gpa, void *buf, size_t len)
{
	struct sv_replayer *p = vm_rp(b);
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	const uint8_t *data;
	int ret;

	if (!result(p, SV_TR_OP_READ_GPA, &rec, &d, &ret))
		return REPLAY_FAILED;
	if (sv_tdec_u64(&d) != gpa.v || sv_tdec_u32(&d) != len) {
		diverge(p, "different memory read", &rec, rec.type, NULL, 0);
		return REPLAY_FAILED;
	}
	data = sv_tdec_bytes(&d, len);
	if (!data || !sv_tdec_done(&d))
		return bad_payload(p, &rec);
	sv_memcpy(buf, data, len);
	return ret;
}

static int rp_write_gpa(struct sv_bvm *b, gpa_t gpa, const void *buf,
			size_t len)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u64(&e, gpa.v);
	sv_tenc_u32(&e, (uint32_t)len);
	return effect(vm_rp(b), SV_TR_OP_WRITE_GPA, &e, buf, len);
}
