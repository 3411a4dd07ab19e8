/*
 * Control-register exits (MOV to/from CR0, CR3, CR4, CR8, CLTS, LMSW) and
 * the cache-control instructions INVD and WBINVD.
 *
 * The monitor keeps the guest's architectural CR values through the
 * backend's get_cr/set_cr (the backend realizes them on the hardware, see
 * sv/backend.h) and the TPR (CR8) in the vCPU. Every value the guest
 * writes is checked first, as the SDM and KVM's kvm_set_cr0/kvm_set_cr4
 * do: a bad one gets #GP(0) and nothing is written, with RIP left on the
 * instruction; a good one is written and the instruction completed.
 *
 * Guests are 32-bit: outside 64-bit mode MOV CR takes and gives the low 32
 * bits of the register.
 */
#include <stddef.h>

#include "sv/cpu.h"
#include "sv/errno.h"
#include "vmm_internal.h"


/*
 * The bits of a GPR that MOV CR uses: all 64 in 64-bit mode (CS.L, only
 * possible when the policy shows long mode), else the low 32.
 */
static int operand_mask(struct sv_vcpu *vcpu, uint64_t *mask)
{
	struct sv_segment cs;
	int err;

	*mask = 0xffffffffull;
	if (!vcpu->vm->cpu_policy.long_mode)
		return 0;
	err = vcpu->vm->ops->get_segment(vcpu->b, SV_SEG_CS, &cs);
	if (!err && (cs.access & SV_AR_L))
		*mask = ~0ull;
	return err;
}

/* Bits above 31 exist in CR0, CR3 and CR4 only with long mode. */
static uint64_t high_reserved(const struct sv_vcpu *vcpu)
{
	return vcpu->vm->cpu_policy.long_mode ? 0 : ~0xffffffffull;
}

/*
 * Decode, then act: *val becomes the value to write, or the call returns
 * false for a write real hardware refuses with #GP.
 */
static bool cr0_valid(uint64_t *val)
{
	uint64_t v = *val;

	if (v >> 32)			/* bits 63:32 are reserved */
		return false;
	v = (v & SV_CR0_DEFINED) | SV_CR0_ET;	/* others in 31:0 ignored */
	if ((v & SV_CR0_PG) && !(v & SV_CR0_PE))
		return false;
	if ((v & SV_CR0_NW) && !(v & SV_CR0_CD))
		return false;
	*val = v;
	return true;
}

static int cr4_valid(struct sv_vcpu *vcpu, uint64_t val, bool *ok)
{
	uint64_t reserved;
	int err = cpuid_cr4_reserved(vcpu, &reserved);

	if (err)
		return err;
	/* PCIDE is only for IA-32e mode, which these guests never enter */
	*ok = !(val & (reserved | high_reserved(vcpu) | SV_CR4_PCIDE));
	return 0;
}

/* Write val to cr (MOV to CR, CLTS, LMSW) and complete, or inject #GP. */
static int cr_write(struct sv_vcpu *vcpu, unsigned cr, uint64_t val)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	bool ok = true;
	int err = 0;

	switch (cr) {
	case SV_CR0:
		ok = cr0_valid(&val);
		break;
	case SV_CR3:
		ok = !(val & high_reserved(vcpu));
		break;
	case SV_CR4:
		err = cr4_valid(vcpu, val, &ok);
		break;
	case SV_CR8:
		ok = !(val & ~SV_CR8_TPR_MASK);
		break;
	default:
		return -SV_EINVAL;	/* checked by the caller */
	}
	if (err)
		return err;
	if (!ok)
		return vcpu_inject_gp(vcpu);
	if (cr == SV_CR8)
		vcpu->arch.tpr = (uint8_t)val;
	else
		err = ops->set_cr(vcpu->b, (enum sv_cr)cr, val);
	if (err == -SV_ENOTSUP) {	/* a valid value this host cannot run */
		vm_fail(vcpu->vm, "the %s backend cannot run the guest with "
			"CR%u = 0x%lx (e.g. paging without EPT or shadow page "
			"tables)", ops->kind, cr, (unsigned long)val);
		return SV_HANDLED_STOP;
	}
	if (err)
		return err;
	return ops->complete_exit(vcpu->b, 0);
}

static int cr_read(struct sv_vcpu *vcpu, unsigned cr, uint64_t *val)
{
	if (cr == SV_CR8) {
		*val = vcpu->arch.tpr;
		return 0;
	}
	return vcpu->vm->ops->get_cr(vcpu->b, (enum sv_cr)cr, val);
}

static int mov_to_cr(struct sv_vcpu *vcpu, const struct sv_cr_qual *q)
{
	struct sv_regs regs;
	uint64_t mask;
	int err = operand_mask(vcpu, &mask);

	if (!err)
		err = vcpu->vm->ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	return cr_write(vcpu, q->cr, *vcpu_gpr(&regs, q->gpr) & mask);
}

static int mov_from_cr(struct sv_vcpu *vcpu, const struct sv_cr_qual *q)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	struct sv_regs regs;
	uint64_t val, mask;
	int err = cr_read(vcpu, q->cr, &val);

	if (!err)
		err = operand_mask(vcpu, &mask);
	if (!err)
		err = ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	*vcpu_gpr(&regs, q->gpr) = val & mask;	/* a 32-bit write zero-extends */
	err = ops->set_regs(vcpu->b, &regs);
	if (err)
		return err;
	return ops->complete_exit(vcpu->b, 0);
}

/* CLTS clears CR0.TS. */
static int clts(struct sv_vcpu *vcpu)
{
	uint64_t cr0;
	int err = cr_read(vcpu, SV_CR0, &cr0);

	if (err)
		return err;
	return cr_write(vcpu, SV_CR0, cr0 & ~SV_CR0_TS);
}

/*
 * LMSW loads CR0's PE, MP, EM and TS from its operand, whose value VT-x
 * puts in the qualification for the register and the memory form alike;
 * it can set PE but never clear it.
 */
static int lmsw(struct sv_vcpu *vcpu, const struct sv_cr_qual *q)
{
	uint64_t cr0;
	int err = cr_read(vcpu, SV_CR0, &cr0);

	if (err)
		return err;
	cr0 = (cr0 & ~(SV_CR0_LMSW_BITS & ~SV_CR0_PE)) |
	      (q->lmsw_data & SV_CR0_LMSW_BITS);
	return cr_write(vcpu, SV_CR0, cr0);
}

int handle_cr(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_cr_qual q = sv_cr_qual_decode(exit->qualification);
	bool movable = q.cr == SV_CR0 || q.cr == SV_CR3 || q.cr == SV_CR4 ||
		       q.cr == SV_CR8;

	if ((exit->qualification & SV_CR_QUAL_RESERVED) ||
	    ((q.access == SV_CR_ACCESS_MOV_TO_CR ||
	      q.access == SV_CR_ACCESS_MOV_FROM_CR) && !movable)) {
		vm_fail(vcpu->vm, "CR-access exit with malformed qualification "
			"0x%lx at rip 0x%lx", (unsigned long)exit->qualification,
			(unsigned long)exit->rip);
		return -SV_EINVAL;
	}
	switch (q.access) {
	case SV_CR_ACCESS_MOV_TO_CR:
		return mov_to_cr(vcpu, &q);
	case SV_CR_ACCESS_MOV_FROM_CR:
		return mov_from_cr(vcpu, &q);
	case SV_CR_ACCESS_CLTS:
		return clts(vcpu);
	default:		/* SV_CR_ACCESS_LMSW: the field is two bits */
		return lmsw(vcpu, &q);
	}
}

/*
 * INVD and WBINVD. The host keeps caches coherent for the guest's memory,
 * so there is nothing to flush on its behalf; INVD is treated as WBINVD
 * (throwing away dirty lines the host owns is never right).
 */
int handle_cache_flush(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	(void)exit;
	return vcpu->vm->ops->complete_exit(vcpu->b, 0);
}
