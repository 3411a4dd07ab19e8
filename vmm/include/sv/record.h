/*
 * Record and replay of a VM's conversation with its backend and host
 * (DESIGN.md section 5; the trace format is sv/trace.h).
 *
 * The recorder is a backend that wraps any other: each op is passed to the
 * inner backend and logged, results and effects alike, and its clock
 * (install it with vm_set_clock, realtime) logs every time read. The
 * replayer is a backend that runs no guest: it serves the logged results
 * back and compares each effect the core asks for with the logged one; the
 * first difference stops the VM with a report (exit index, exit reason,
 * guest RIP, the operation expected and the one seen).
 *
 * One recorder or replayer per VM (vm_create's inst), all of a run's
 * recorders sharing one trace writer. Both hash the effect records in
 * order; sv_vm_state_digest() combines that with the devices' state.
 * Neither allocates: handles live inside the recorder/replayer.
 */
#ifndef SV_RECORD_H
#define SV_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/digest.h"
#include "sv/trace.h"

#define SV_REPLAY_REPORT_MAX 640

/* Backend handles; opaque outside record.c and replay.c. */
struct sv_rec_vm {
	struct sv_recorder *rec;
	struct sv_bvm *inner;
};

struct sv_rec_vcpu {
	struct sv_rec_vm *vm;
	struct sv_bvcpu *inner;
	uint16_t id;
};

struct sv_recorder {
	struct sv_trace_writer *w;
	uint8_t vm_id;
	const struct sv_backend_ops *inner;
	void *inner_inst;
	struct sv_digest effects;
	struct sv_rec_vm vm;
	struct sv_rec_vcpu vcpu;	/* one vCPU per VM for now */
	bool vcpu_used;
};

extern const struct sv_backend_ops sv_record_ops;

void sv_recorder_init(struct sv_recorder *r, struct sv_trace_writer *w,
		      uint8_t vm_id, const struct sv_backend_ops *inner,
		      void *inner_inst);
/* vm_set_clock(vm, sv_recorder_clock, rec, true): host time, logged. */
uint64_t sv_recorder_clock(void *rec);

struct sv_replayer {
	struct sv_trace_reader *r;
	uint8_t vm_id;
	struct sv_digest effects;
	uint64_t exits;			/* OP_RUN records served */
	struct sv_exit last_exit;	/* the exit being handled */
	uint64_t last_time;
	bool diverged;
	char report[SV_REPLAY_REPORT_MAX];
	/* handles handed to the core; only their addresses matter */
	struct { struct sv_replayer *rp; } vm;
	struct { struct sv_replayer *rp; uint16_t id; } vcpu;
	bool vcpu_used;
};

extern const struct sv_backend_ops sv_replay_ops;

/* Replay VM vm_id from r, positioned at that VM's first op record. */
void sv_replayer_init(struct sv_replayer *p, struct sv_trace_reader *r,
		      uint8_t vm_id);
/* vm_set_clock(vm, sv_replayer_clock, rp, false): logged time. */
uint64_t sv_replayer_clock(void *rp);

/*
 * A VM's state digest: its effects digest (recorder's or replayer's) with
 * the devices' state digest (machine_devices_digest).
 */
uint64_t sv_vm_state_digest(uint64_t effects, uint64_t devices);

#endif /* SV_RECORD_H */
