/*
 * One VM's trace, prologue to epilogue (sv/vmrecord.h).
 */
#include "sv/vmrecord.h"

#include "sv/digest.h"
#include "sv/string.h"

void vmrecord_begin(struct vmrecord *r, sv_trace_sink sink, void *ctx,
		    const struct vmrecord_source *src,
		    const struct sv_backend_ops *inner, void *inner_inst)
{
	struct sv_trace_header h = { .cpu_features = src->cpu_features };
	struct sv_trace_enc e;
	struct sv_digest d;

	sv_strlcpy(h.producer, src->producer, sizeof(h.producer));
	sv_digest_init(&d);
	sv_digest_bytes(&d, src->config, src->config_len);
	sv_digest_bytes(&d, src->image, src->image_len);
	h.config_digest = d.h;
	sv_trace_writer_begin(&r->w, sink, ctx, &h);
	sv_trace_write(&r->w, SV_TR_CONFIG, 0, 0, src->config, src->config_len,
		       NULL, 0);
	sv_trace_write(&r->w, SV_TR_IMAGE, 0, 0, src->image, src->image_len,
		       NULL, 0);
	sv_tenc_init(&e);
	sv_tenc_u64(&e, src->wallclock_ns);
	sv_trace_write(&r->w, SV_TR_REALTIME, 0, 0, e.b, e.n, NULL, 0);
	sv_recorder_init(&r->rec, &r->w, 0, inner, inner_inst);
}

uint64_t vmrecord_digest(const struct vmrecord *r, uint64_t devices_digest)
{
	return sv_vm_state_digest(r->rec.effects.h, devices_digest);
}

void vmrecord_vm_end(struct vmrecord *r, const struct sv_vm *vm,
		     uint64_t digest)
{
	struct sv_trace_enc e;

	sv_tenc_init(&e);
	sv_tenc_u32(&e, (uint32_t)vm->state);
	sv_tenc_u32(&e, (uint32_t)vm->exit_status);
	sv_tenc_u64(&e, digest);
	sv_trace_write(&r->w, SV_TR_VM_END, 0, 0, e.b, e.n, vm->stop_reason,
		       sv_strlen(vm->stop_reason));
}

int vmrecord_end(struct vmrecord *r, uint64_t digest)
{
	sv_trace_writer_end(&r->w, digest);
	return r->w.error;
}
