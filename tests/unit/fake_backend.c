/*
 * The fake backend (see fake_backend.h). It expands SV_BACKEND_OPS, so it
 * fails to build the day an op is added to the seam without it.
 */
#include "fake_backend.h"

#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"

SV_BACKEND_DECLARE(fake)

const struct sv_backend_ops fake_backend_ops = SV_BACKEND_TABLE(fake, "fake");

#define COUNT(vm, op) ((vm)->calls[FAKE_OP_##op]++)

int fake_queue_exit(struct sv_bvcpu *vcpu, const struct sv_exit *exit)
{
	if (vcpu->nscript == FAKE_MAX_EXITS)
		return -SV_ENOSPC;
	vcpu->script[vcpu->nscript++] = *exit;
	return 0;
}

int fake_set_cpuid(struct sv_bvcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		   uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	unsigned i;

	for (i = 0; i < vcpu->ncpuid; i++)
		if (vcpu->cpuid[i].leaf == leaf && vcpu->cpuid[i].subleaf == subleaf)
			break;
	if (i == FAKE_MAX_CPUID)
		return -SV_ENOSPC;
	if (i == vcpu->ncpuid)
		vcpu->ncpuid++;
	vcpu->cpuid[i].leaf = leaf;
	vcpu->cpuid[i].subleaf = subleaf;
	vcpu->cpuid[i].r = (struct sv_cpuid){ eax, ebx, ecx, edx };
	return 0;
}

static int fake_vm_create(void *inst, struct sv_bvm **out)
{
	(void)inst;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -SV_ENOMEM;
	COUNT(*out, vm_create);
	return 0;
}

static void fake_vm_destroy(struct sv_bvm *vm)
{
	free(vm);
}

static int fake_map_memory(struct sv_bvm *vm, gpa_t gpa, void *hva,
			   uint64_t size, uint32_t flags)
{
	COUNT(vm, map_memory);
	if (size == 0 || gpa.v + size < gpa.v || (gpa.v | size) % SV_PAGE_SIZE)
		return -SV_EINVAL;
	for (unsigned i = 0; i < vm->nregions; i++) {
		const struct fake_region *r = &vm->regions[i];

		if (gpa.v < r->gpa.v + r->size && r->gpa.v < gpa.v + size)
			return -SV_EEXIST;
	}
	if (vm->nregions == FAKE_MAX_REGIONS)
		return -SV_ENOSPC;
	vm->regions[vm->nregions++] = (struct fake_region){ gpa, hva, size, flags };
	return 0;
}

static int fake_vcpu_create(struct sv_bvm *vm, uint32_t id,
			    struct sv_bvcpu **out)
{
	COUNT(vm, vcpu_create);
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -SV_ENOMEM;
	(*out)->vm = vm;
	(*out)->id = id;
	(*out)->regs.rflags = 0x2;	/* reserved bit 1, as after reset */
	vm->nvcpus++;
	return 0;
}

static void fake_vcpu_destroy(struct sv_bvcpu *vcpu)
{
	vcpu->vm->nvcpus--;
	free(vcpu);
}

/* Out of script: the run fails, like a backend whose guest is gone. */
static int fake_run(struct sv_bvcpu *vcpu, struct sv_exit *exit)
{
	COUNT(vcpu->vm, run);
	if (vcpu->next == vcpu->nscript)
		return -SV_EIO;
	vcpu->last = vcpu->script[vcpu->next++];
	vcpu->regs.rip = vcpu->last.rip;
	*exit = vcpu->last;
	return 0;
}

static int fake_complete_exit(struct sv_bvcpu *vcpu, uint64_t value)
{
	COUNT(vcpu->vm, complete_exit);
	vcpu->io_value = value;
	vcpu->regs.rip = vcpu->last.rip + vcpu->last.instr_len;
	return 0;
}

static int fake_get_regs(struct sv_bvcpu *vcpu, struct sv_regs *regs)
{
	COUNT(vcpu->vm, get_regs);
	*regs = vcpu->regs;
	return 0;
}

static int fake_set_regs(struct sv_bvcpu *vcpu, const struct sv_regs *regs)
{
	COUNT(vcpu->vm, set_regs);
	vcpu->regs = *regs;
	return 0;
}

static int fake_get_segment(struct sv_bvcpu *vcpu, enum sv_seg seg,
			    struct sv_segment *out)
{
	COUNT(vcpu->vm, get_segment);
	if ((unsigned)seg >= SV_SEG_COUNT)
		return -SV_EINVAL;
	*out = vcpu->segs[seg];
	return 0;
}

static int fake_set_segment(struct sv_bvcpu *vcpu, enum sv_seg seg,
			    const struct sv_segment *in)
{
	COUNT(vcpu->vm, set_segment);
	if ((unsigned)seg >= SV_SEG_COUNT)
		return -SV_EINVAL;
	vcpu->segs[seg] = *in;
	return 0;
}

static bool cr_valid(enum sv_cr cr)
{
	return cr == SV_CR0 || cr == SV_CR2 || cr == SV_CR3 || cr == SV_CR4 ||
	       cr == SV_CR8;
}

static int fake_get_cr(struct sv_bvcpu *vcpu, enum sv_cr cr, uint64_t *val)
{
	COUNT(vcpu->vm, get_cr);
	if (!cr_valid(cr))
		return -SV_EINVAL;
	*val = vcpu->cr[cr];
	return 0;
}

static int fake_set_cr(struct sv_bvcpu *vcpu, enum sv_cr cr, uint64_t val)
{
	COUNT(vcpu->vm, set_cr);
	if (!cr_valid(cr))
		return -SV_EINVAL;
	vcpu->cr[cr] = val;
	return 0;
}

static int fake_get_msr(struct sv_bvcpu *vcpu, uint32_t msr, uint64_t *val)
{
	COUNT(vcpu->vm, get_msr);
	for (unsigned i = 0; i < vcpu->nmsrs; i++) {
		if (vcpu->msrs[i].index == msr) {
			*val = vcpu->msrs[i].value;
			return 0;
		}
	}
	return -SV_ENOENT;
}

static int fake_set_msr(struct sv_bvcpu *vcpu, uint32_t msr, uint64_t val)
{
	COUNT(vcpu->vm, set_msr);
	for (unsigned i = 0; i < vcpu->nmsrs; i++) {
		if (vcpu->msrs[i].index == msr) {
			vcpu->msrs[i].value = val;
			return 0;
		}
	}
	if (vcpu->nmsrs == FAKE_MAX_MSRS)
		return -SV_ENOSPC;
	vcpu->msrs[vcpu->nmsrs].index = msr;
	vcpu->msrs[vcpu->nmsrs++].value = val;
	return 0;
}

static int fake_cpuid(struct sv_bvcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		      struct sv_cpuid *out)
{
	COUNT(vcpu->vm, cpuid);
	*out = (struct sv_cpuid){ 0, 0, 0, 0 };
	for (unsigned i = 0; i < vcpu->ncpuid; i++) {
		if (vcpu->cpuid[i].leaf == leaf &&
		    (vcpu->cpuid[i].subleaf == subleaf ||
		     vcpu->cpuid[i].subleaf == FAKE_CPUID_ANY_SUBLEAF)) {
			*out = vcpu->cpuid[i].r;
			break;
		}
	}
	return 0;
}

static int fake_inject_event(struct sv_bvcpu *vcpu, const struct sv_event *ev)
{
	COUNT(vcpu->vm, inject_event);
	if (vcpu->nevents == FAKE_MAX_EVENTS)
		return -SV_ENOSPC;
	vcpu->events[vcpu->nevents++] = *ev;
	return 0;
}

static int fake_interrupt_ready(struct sv_bvcpu *vcpu, bool *ready)
{
	COUNT(vcpu->vm, interrupt_ready);
	*ready = vcpu->irq_ready;
	return 0;
}

static int fake_set_window(struct sv_bvcpu *vcpu, enum sv_window w, bool on)
{
	COUNT(vcpu->vm, set_window);
	if (w != SV_WINDOW_INTERRUPT && w != SV_WINDOW_NMI)
		return -SV_EINVAL;
	vcpu->window[w] = on;
	return 0;
}

/* The host bytes behind [gpa, gpa+len), which must lie in one region. */
static uint8_t *fake_translate(struct sv_bvm *vm, gpa_t gpa, size_t len,
			       bool write)
{
	for (unsigned i = 0; i < vm->nregions; i++) {
		const struct fake_region *r = &vm->regions[i];

		if (gpa.v >= r->gpa.v && len <= r->size &&
		    gpa.v - r->gpa.v <= r->size - len) {
			if (write && (r->flags & SV_MEM_READONLY))
				return NULL;
			return r->hva + (gpa.v - r->gpa.v);
		}
	}
	return NULL;
}

static int fake_read_gpa(struct sv_bvm *vm, gpa_t gpa, void *buf, size_t len)
{
	uint8_t *p;

	COUNT(vm, read_gpa);
	p = fake_translate(vm, gpa, len, false);
	if (!p)
		return -SV_EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int fake_write_gpa(struct sv_bvm *vm, gpa_t gpa, const void *buf,
			  size_t len)
{
	uint8_t *p;

	COUNT(vm, write_gpa);
	p = fake_translate(vm, gpa, len, true);
	if (!p)
		return -SV_EFAULT;
	memcpy(p, buf, len);
	return 0;
}
