/*
 * RDMSR and WRMSR exits against the virtual CPU's MSR model.
 *
 * The MSRs the guest's CPU has are listed once, in SV_GUEST_MSRS
 * (sv/cpu.h), each with how it is reached: a read-only constant, a value
 * kept in the vCPU's model, or the backend's get_msr/set_msr for those the
 * hardware holds for the guest (the VMCS's SYSENTER, EFER, PAT and segment
 * bases; the TSC). An MSR not in the list, or a write the MSR refuses
 * (reserved bits, an invalid memory type, a non-canonical address, a
 * different value for a constant), gets #GP(0) with RIP left on the
 * instruction, as on hardware. ECX selects the MSR; the value is EDX:EAX.
 */
#include "sv/cpu.h"

#include "sv/errno.h"
#include "sv/string.h"
#include "vmm_internal.h"

enum msr_access { ACCESS_CONST, ACCESS_STORED, ACCESS_BACKEND,
		  ACCESS_BACKEND_LM };
enum msr_check { CHECK_ANY, CHECK_CANONICAL, CHECK_PAT, CHECK_MTRR_DEF_TYPE,
		 CHECK_EFER };

struct guest_msr {
	const char *name;
	uint32_t index;
	uint8_t access;		/* enum msr_access */
	uint8_t check;		/* enum msr_check */
	uint64_t value;		/* CONST: the value; STORED: after reset */
};

static const struct guest_msr guest_msrs[SV_GUEST_MSR_COUNT] = {
#define GUEST_MSR_(name, access, value, check) \
	[SV_GUEST_MSR_##name] = { #name, SV_MSR_##name, ACCESS_##access, \
				  CHECK_##check, (value) },
	SV_GUEST_MSRS(GUEST_MSR_)
#undef GUEST_MSR_
};

void vcpu_arch_reset(struct sv_vcpu_arch *a)
{
	sv_memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < SV_GUEST_MSR_COUNT; i++)
		if (guest_msrs[i].access == ACCESS_STORED)
			a->msr[i] = guest_msrs[i].value;
}

/* The model's entry for index, or NULL if the guest's CPU lacks it. */
static const struct guest_msr *msr_find(const struct sv_vcpu *vcpu,
					uint32_t index)
{
	for (unsigned i = 0; i < SV_GUEST_MSR_COUNT; i++) {
		const struct guest_msr *m = &guest_msrs[i];

		if (m->index != index)
			continue;
		if (m->access == ACCESS_BACKEND_LM &&
		    !vcpu->vm->cpu_policy.long_mode)
			return NULL;
		return m;
	}
	return NULL;
}

static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;	/* 48-bit */
}

static bool memtype_valid(uint64_t t, bool uc_minus)
{
	return t == SV_MEMTYPE_UC || t == SV_MEMTYPE_WC || t == SV_MEMTYPE_WT ||
	       t == SV_MEMTYPE_WP || t == SV_MEMTYPE_WB ||
	       (uc_minus && t == SV_MEMTYPE_UC_MINUS);
}

static bool pat_valid(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		if (!memtype_valid((v >> (8 * i)) & 0xff, true))
			return false;
	return true;
}

static bool mtrr_def_type_valid(uint64_t v)
{
	if (v & ~(SV_MTRR_DEF_TYPE_MASK | SV_MTRR_DEF_FE | SV_MTRR_DEF_E))
		return false;
	return memtype_valid(v & SV_MTRR_DEF_TYPE_MASK, false);
}

/* Whether m takes the value v; *ok false means #GP. */
static int msr_write_ok(struct sv_vcpu *vcpu, const struct guest_msr *m,
			uint64_t v, bool *ok)
{
	uint64_t reserved;
	int err;

	if (m->access == ACCESS_CONST) {
		*ok = v == m->value;
		return 0;
	}
	switch (m->check) {
	case CHECK_CANONICAL:
		*ok = canonical(v);
		return 0;
	case CHECK_PAT:
		*ok = pat_valid(v);
		return 0;
	case CHECK_MTRR_DEF_TYPE:
		*ok = mtrr_def_type_valid(v);
		return 0;
	case CHECK_EFER:
		err = cpuid_efer_reserved(vcpu, &reserved);
		*ok = !(v & reserved);
		return err;
	default:
		*ok = true;
		return 0;
	}
}

static int backend_failed(struct sv_vcpu *vcpu, const struct guest_msr *m,
			  const char *op, int err)
{
	vm_fail(vcpu->vm, "backend %s could not %s MSR %s: %s",
		vcpu->vm->ops->kind, op, m->name, sv_strerror(err));
	return err;
}

int handle_rdmsr(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	const struct guest_msr *m;
	struct sv_regs regs;
	uint64_t v = 0;
	int err;

	(void)exit;
	err = ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	m = msr_find(vcpu, (uint32_t)regs.rcx);
	if (!m)
		return vcpu_inject_gp(vcpu);
	switch (m->access) {
	case ACCESS_CONST:
		v = m->value;
		break;
	case ACCESS_STORED:
		v = vcpu->arch.msr[m - guest_msrs];
		break;
	default:
		err = ops->get_msr(vcpu->b, m->index, &v);
		if (err)
			return backend_failed(vcpu, m, "read", err);
		break;
	}
	regs.rax = (uint32_t)v;		/* RDMSR clears bits 63:32 of both */
	regs.rdx = v >> 32;
	err = ops->set_regs(vcpu->b, &regs);
	if (err)
		return err;
	return ops->complete_exit(vcpu->b, 0);
}

int handle_wrmsr(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	const struct guest_msr *m;
	struct sv_regs regs;
	uint64_t v;
	bool ok;
	int err;

	(void)exit;
	err = ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	m = msr_find(vcpu, (uint32_t)regs.rcx);
	if (!m)
		return vcpu_inject_gp(vcpu);
	v = (regs.rdx << 32) | (uint32_t)regs.rax;
	err = msr_write_ok(vcpu, m, v, &ok);
	if (err)
		return err;
	if (!ok)
		return vcpu_inject_gp(vcpu);
	switch (m->access) {
	case ACCESS_CONST:
		break;		/* the same value written back */
	case ACCESS_STORED:
		vcpu->arch.msr[m - guest_msrs] = v;
		break;
	default:
		err = ops->set_msr(vcpu->b, m->index, v);
		if (err)
			return backend_failed(vcpu, m, "write", err);
		break;
	}
	return ops->complete_exit(vcpu->b, 0);
}
