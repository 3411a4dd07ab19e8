/*
 * A fake vCPU backend for unit tests. It implements every op of
 * SV_BACKEND_OPS over plain memory: exits come from a script the test
 * queues, registers/CRs/MSRs/segments are fields, guest memory is what the
 * test maps, and every call is counted so a test can check what the core
 * asked of its backend.
 */
#ifndef SV_FAKE_BACKEND_H
#define SV_FAKE_BACKEND_H

#include "sv/backend.h"

enum fake_op {
#define FAKE_OP_ENUM(ctx, ret, name, args) FAKE_OP_##name,
	SV_BACKEND_OPS(FAKE_OP_ENUM, _)
#undef FAKE_OP_ENUM
	FAKE_OP_COUNT
};

#define FAKE_MAX_EXITS   64
#define FAKE_MAX_REGIONS 8
#define FAKE_MAX_EVENTS  16
#define FAKE_MAX_MSRS    16
#define FAKE_MAX_CPUID   16
/* A CPUID table entry that answers every subleaf of its leaf. */
#define FAKE_CPUID_ANY_SUBLEAF 0xffffffffu

struct fake_region {
	gpa_t gpa;
	uint8_t *hva;
	uint64_t size;
	uint32_t flags;
};

struct sv_bvm {
	struct fake_region regions[FAKE_MAX_REGIONS];
	unsigned nregions;
	unsigned nvcpus;
	unsigned calls[FAKE_OP_COUNT];
};

struct sv_bvcpu {
	struct sv_bvm *vm;
	uint32_t id;
	struct sv_exit script[FAKE_MAX_EXITS];
	unsigned nscript, next;
	struct sv_exit last;
	struct sv_regs regs;
	struct sv_segment segs[SV_SEG_COUNT];
	uint64_t cr[9];
	struct { uint32_t index; uint64_t value; } msrs[FAKE_MAX_MSRS];
	unsigned nmsrs;
	/* what cpuid answers; a leaf not listed reads as zeros */
	struct {
		uint32_t leaf, subleaf;	/* subleaf may be FAKE_CPUID_ANY_SUBLEAF */
		struct sv_cpuid r;
	} cpuid[FAKE_MAX_CPUID];
	unsigned ncpuid;
	struct sv_event events[FAKE_MAX_EVENTS];
	unsigned nevents;
	bool window[2];
	bool irq_ready;		/* what interrupt_ready answers */
	uint64_t io_value;	/* last complete_exit value */
};

extern const struct sv_backend_ops fake_backend_ops;

/* Queue an exit for the vCPU's next run; returns 0 or -SV_ENOSPC. */
int fake_queue_exit(struct sv_bvcpu *vcpu, const struct sv_exit *exit);
/* Add (or replace) what cpuid answers for leaf/subleaf; 0 or -SV_ENOSPC. */
int fake_set_cpuid(struct sv_bvcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		   uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);

#endif
