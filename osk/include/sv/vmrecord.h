/*
 * Recording one VM's run as a trace (DESIGN.md section 5), the same way on
 * every host: the prologue (header, CONFIG, IMAGE, REALTIME), a recorder
 * wrapping the real backend (sv/record.h), and the epilogue (VM_END with
 * the state digest, then END). `smartvm run --record` writes it to a file;
 * the bare-metal kernel streams it over COM2.
 */
#ifndef SV_VMRECORD_H
#define SV_VMRECORD_H

#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/record.h"
#include "sv/trace.h"
#include "sv/vm.h"

struct vmrecord {
	struct sv_trace_writer w;
	struct sv_recorder rec;
};

struct vmrecord_source {
	const char *producer;		/* "kvm", "vmx" */
	uint64_t cpu_features;		/* SV_TRACE_CPU_* */
	const void *config;		/* the configuration file's bytes */
	size_t config_len;
	const void *image;		/* the guest image's bytes */
	size_t image_len;
	uint64_t wallclock_ns;		/* the RTC's start time */
};

/*
 * Write the prologue to sink and set up r->rec around inner (inst) as VM
 * 0. Build the machine on sv_record_ops with backend_inst &r->rec and the
 * clock sv_recorder_clock(&r->rec), realtime.
 */
void vmrecord_begin(struct vmrecord *r, sv_trace_sink sink, void *ctx,
		    const struct vmrecord_source *src,
		    const struct sv_backend_ops *inner, void *inner_inst);

/* The state digest as the VM ended, before teardown (its devices'). */
uint64_t vmrecord_digest(const struct vmrecord *r, uint64_t devices_digest);

/*
 * VM_END: how the VM ended and its digest. After the machine's teardown,
 * whose backend calls are part of the trace, as replay expects.
 */
void vmrecord_vm_end(struct vmrecord *r, const struct sv_vm *vm,
		     uint64_t digest);

/* END, after the machine is gone. Returns r->w.error (0: all written). */
SV_MUST_CHECK int vmrecord_end(struct vmrecord *r, uint64_t digest);

#endif /* SV_VMRECORD_H */
