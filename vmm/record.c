/*
 * The recording backend (sv/record.h): every op goes to the inner backend
 * and is then logged as one OP_* record, "i32 ret, then the op's fields"
 * (docs/trace-format.md). Results (run, get_*, read_gpa, interrupt_ready,
 * creations) are what replay will serve; effects (set_*, inject, windows,
 * completions, writes, mappings, destructions) are what replay will check,
 * and their payloads, in order, make the effects digest.
 */
#include "sv/record.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/string.h"

SV_BACKEND_DECLARE(rec)

const struct sv_backend_ops sv_record_ops = SV_BACKEND_TABLE(rec, "record");

static struct sv_rec_vm *rvm(struct sv_bvm *b)
{
	return (struct sv_rec_vm *)(void *)b;
}

static struct sv_rec_vcpu *rvcpu(struct sv_bvcpu *b)
{
	return (struct sv_rec_vcpu *)(void *)b;
}

void sv_recorder_init(struct sv_recorder *r, struct sv_trace_writer *w,
		      uint8_t vm_id, const struct sv_backend_ops *inner,
		      void *inner_inst)
{
	sv_memset(r, 0, sizeof(*r));
	r->w = w;
	r->vm_id = vm_id;
	r->inner = inner;
	r->inner_inst = inner_inst;
	sv_digest_init(&r->effects);
	r->vm.rec = r;
}

uint64_t sv_recorder_clock(void *ctx)
{
	struct sv_recorder *r = ctx;
	uint64_t now = host_time_ns();
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u64(&e, now);
	sv_trace_write(r->w, SV_TR_TIME, r->vm_id, 0, e.b, e.n, NULL, 0);
	return now;
}

uint64_t sv_vm_state_digest(uint64_t effects, uint64_t devices)
{
	struct sv_digest d;

	sv_digest_init(&d);
	sv_digest_u64(&d, effects);
	sv_digest_u64(&d, devices);
	return d.h;
}

/* Log a record; effects also go into the digest. */
static void emit(struct sv_recorder *r, uint16_t vcpu, uint8_t type,
		 bool effect, const struct sv_trace_enc *e, const void *data,
		 size_t data_len)
{
	sv_trace_write(r->w, type, r->vm_id, vcpu, e->b, e->n, data, data_len);
	if (effect) {
		sv_digest_bytes(&r->effects, e->b, e->n);
		sv_digest_bytes(&r->effects, data, data_len);
	}
}

static void enc_ret(struct sv_trace_enc *e, int ret)
{
	sv_tenc_init(e);
	sv_tenc_u32(e, (uint32_t)ret);
}

static int rec_vm_create(void *inst, struct sv_bvm **out)
{
	struct sv_recorder *r = inst;
	struct sv_trace_enc e;
	int ret = r->inner->vm_create(r->inner_inst, &r->vm.inner);

	enc_ret(&e, ret);
	emit(r, 0, SV_TR_OP_VM_CREATE, false, &e, NULL, 0);
	if (ret == 0)
		*out = (struct sv_bvm *)(void *)&r->vm;
	return ret;
}

static void rec_vm_destroy(struct sv_bvm *b)
{
	struct sv_rec_vm *vm = rvm(b);
	struct sv_trace_enc e;

	vm->rec->inner->vm_destroy(vm->inner);
	sv_tenc_init(&e);
	emit(vm->rec, 0, SV_TR_OP_VM_DESTROY, true, &e, NULL, 0);
}

static int rec_map_memory(struct sv_bvm *b, gpa_t gpa, void *hva,
			  uint64_t size, uint32_t flags)
{
	struct sv_rec_vm *vm = rvm(b);
	struct sv_trace_enc e;
	int ret = vm->rec->inner->map_memory(vm->inner, gpa, hva, size, flags);

	enc_ret(&e, ret);
	sv_tenc_u64(&e, gpa.v);
	sv_tenc_u64(&e, size);
	sv_tenc_u32(&e, flags);
	emit(vm->rec, 0, SV_TR_OP_MAP_MEMORY, true, &e, NULL, 0);
	return ret;
}

static int rec_vcpu_create(struct sv_bvm *b, uint32_t id, struct sv_bvcpu **out)
{
	struct sv_rec_vm *vm = rvm(b);
	struct sv_recorder *r = vm->rec;
	struct sv_trace_enc e;
	int ret = r->vcpu_used ? -SV_ENOSPC :
		  r->inner->vcpu_create(vm->inner, id, &r->vcpu.inner);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, id);
	emit(r, (uint16_t)id, SV_TR_OP_VCPU_CREATE, false, &e, NULL, 0);
	if (ret == 0) {
		r->vcpu_used = true;
		r->vcpu.vm = vm;
		r->vcpu.id = (uint16_t)id;
		*out = (struct sv_bvcpu *)(void *)&r->vcpu;
	}
	return ret;
}

static void rec_vcpu_destroy(struct sv_bvcpu *b)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;

	v->vm->rec->inner->vcpu_destroy(v->inner);
	v->vm->rec->vcpu_used = false;
	sv_tenc_init(&e);
	emit(v->vm->rec, v->id, SV_TR_OP_VCPU_DESTROY, true, &e, NULL, 0);
}

static int rec_run(struct sv_bvcpu *b, struct sv_exit *exit)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->run(v->inner, exit);

	enc_ret(&e, ret);
	sv_tenc_exit(&e, exit);
	emit(v->vm->rec, v->id, SV_TR_OP_RUN, false, &e, NULL, 0);
	return ret;
}

static int rec_complete_exit(struct sv_bvcpu *b, uint64_t value)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->complete_exit(v->inner, value);

	enc_ret(&e, ret);
	sv_tenc_u64(&e, value);
	emit(v->vm->rec, v->id, SV_TR_OP_COMPLETE_EXIT, true, &e, NULL, 0);
	return ret;
}

static int rec_get_regs(struct sv_bvcpu *b, struct sv_regs *regs)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->get_regs(v->inner, regs);

	enc_ret(&e, ret);
	sv_tenc_regs(&e, regs);
	emit(v->vm->rec, v->id, SV_TR_OP_GET_REGS, false, &e, NULL, 0);
	return ret;
}

static int rec_set_regs(struct sv_bvcpu *b, const struct sv_regs *regs)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->set_regs(v->inner, regs);

	enc_ret(&e, ret);
	sv_tenc_regs(&e, regs);
	emit(v->vm->rec, v->id, SV_TR_OP_SET_REGS, true, &e, NULL, 0);
	return ret;
}

static int rec_get_segment(struct sv_bvcpu *b, enum sv_seg seg,
			   struct sv_segment *out)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->get_segment(v->inner, seg, out);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, (uint32_t)seg);
	sv_tenc_segment(&e, out);
	emit(v->vm->rec, v->id, SV_TR_OP_GET_SEGMENT, false, &e, NULL, 0);
	return ret;
}

static int rec_set_segment(struct sv_bvcpu *b, enum sv_seg seg,
			   const struct sv_segment *in)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->set_segment(v->inner, seg, in);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, (uint32_t)seg);
	sv_tenc_segment(&e, in);
	emit(v->vm->rec, v->id, SV_TR_OP_SET_SEGMENT, true, &e, NULL, 0);
	return ret;
}

static int rec_get_cr(struct sv_bvcpu *b, enum sv_cr cr, uint64_t *val)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->get_cr(v->inner, cr, val);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, (uint32_t)cr);
	sv_tenc_u64(&e, ret ? 0 : *val);
	emit(v->vm->rec, v->id, SV_TR_OP_GET_CR, false, &e, NULL, 0);
	return ret;
}

static int rec_set_cr(struct sv_bvcpu *b, enum sv_cr cr, uint64_t val)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->set_cr(v->inner, cr, val);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, (uint32_t)cr);
	sv_tenc_u64(&e, val);
	emit(v->vm->rec, v->id, SV_TR_OP_SET_CR, true, &e, NULL, 0);
	return ret;
}

static int rec_get_msr(struct sv_bvcpu *b, uint32_t msr, uint64_t *val)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->get_msr(v->inner, msr, val);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, msr);
	sv_tenc_u64(&e, ret ? 0 : *val);
	emit(v->vm->rec, v->id, SV_TR_OP_GET_MSR, false, &e, NULL, 0);
	return ret;
}

static int rec_set_msr(struct sv_bvcpu *b, uint32_t msr, uint64_t val)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->set_msr(v->inner, msr, val);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, msr);
	sv_tenc_u64(&e, val);
	emit(v->vm->rec, v->id, SV_TR_OP_SET_MSR, true, &e, NULL, 0);
	return ret;
}

/* A result: replay serves the host CPU's answer back, on any machine. */
static int rec_cpuid(struct sv_bvcpu *b, uint32_t leaf, uint32_t subleaf,
		     struct sv_cpuid *out)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->cpuid(v->inner, leaf, subleaf, out);

	if (ret)
		sv_memset(out, 0, sizeof(*out));	/* as for read_gpa */
	enc_ret(&e, ret);
	sv_tenc_u32(&e, leaf);
	sv_tenc_u32(&e, subleaf);
	sv_tenc_u32(&e, out->eax);
	sv_tenc_u32(&e, out->ebx);
	sv_tenc_u32(&e, out->ecx);
	sv_tenc_u32(&e, out->edx);
	emit(v->vm->rec, v->id, SV_TR_OP_CPUID, false, &e, NULL, 0);
	return ret;
}

static int rec_inject_event(struct sv_bvcpu *b, const struct sv_event *ev)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->inject_event(v->inner, ev);

	enc_ret(&e, ret);
	sv_tenc_event(&e, ev);
	emit(v->vm->rec, v->id, SV_TR_OP_INJECT_EVENT, true, &e, NULL, 0);
	return ret;
}

static int rec_interrupt_ready(struct sv_bvcpu *b, bool *ready)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->interrupt_ready(v->inner, ready);

	enc_ret(&e, ret);
	sv_tenc_u8(&e, ret == 0 && *ready);
	emit(v->vm->rec, v->id, SV_TR_OP_INTERRUPT_READY, false, &e, NULL, 0);
	return ret;
}

static int rec_set_window(struct sv_bvcpu *b, enum sv_window w, bool on)
{
	struct sv_rec_vcpu *v = rvcpu(b);
	struct sv_trace_enc e;
	int ret = v->vm->rec->inner->set_window(v->inner, w, on);

	enc_ret(&e, ret);
	sv_tenc_u32(&e, (uint32_t)w);
	sv_tenc_u8(&e, on);
	emit(v->vm->rec, v->id, SV_TR_OP_SET_WINDOW, true, &e, NULL, 0);
	return ret;
}

static int rec_read_gpa(struct sv_bvm *b, gpa_t gpa, void *buf, size_t len)
{
	struct sv_rec_vm *vm = rvm(b);
	struct sv_trace_enc e;
	int ret;

	if (len > SV_TRACE_MAX_PAYLOAD - 16)
		return -SV_E2BIG;
	ret = vm->rec->inner->read_gpa(vm->inner, gpa, buf, len);
	enc_ret(&e, ret);
	sv_tenc_u64(&e, gpa.v);
	sv_tenc_u32(&e, (uint32_t)len);
	/* a failed read logs zeros: the core must not see what it missed */
	if (ret)
		sv_memset(buf, 0, len);
	emit(vm->rec, 0, SV_TR_OP_READ_GPA, false, &e, buf, len);
	return ret;
}

static int rec_write_gpa(struct sv_bvm *b, gpa_t gpa, const void *buf,
			 size_t len)
{
	struct sv_rec_vm *vm = rvm(b);
	struct sv_trace_enc e;
	int ret;

	if (len > SV_TRACE_MAX_PAYLOAD - 16)
		return -SV_E2BIG;
	ret = vm->rec->inner->write_gpa(vm->inner, gpa, buf, len);
	enc_ret(&e, ret);
	sv_tenc_u64(&e, gpa.v);
	sv_tenc_u32(&e, (uint32_t)len);
	emit(vm->rec, 0, SV_TR_OP_WRITE_GPA, true, &e, buf, len);
	return ret;
}
