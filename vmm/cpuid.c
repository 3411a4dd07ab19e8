/*
 * CPUID exits: what the guest's CPU says it is.
 *
 * The answer starts from the backend's cpuid op, the raw CPUID of the CPU
 * the backend runs on (so a trace records it and a replay on another
 * machine shows the guest the recorded CPU), and is filtered by the VM's
 * CPU policy (sv/cpu.h) into the CPU the monitor virtualizes:
 *  - VMX is hidden unless the policy shows it (there is no nested VMX);
 *  - the hypervisor-present bit (CPUID.1:ECX[31]) is set;
 *  - leaves 0x40000000-0x400000ff are the monitor's own: Smart-VM's
 *    signature if the policy allows, else they behave as on bare metal
 *    (whatever the host's own hypervisor, if any, would have said there
 *    never reaches the guest);
 *  - a leaf above the highest basic or extended leaf returns the data of
 *    the highest basic leaf, as Intel CPUs do;
 *  - features whose exits or state the monitor does not handle are hidden:
 *    SMX (GETSEC), MONITOR/MWAIT, x2APIC, XSAVE and what depends on it
 *    (XSETBV would need the guest's XCR0 switched by the backend),
 *    protection keys, 5-level paging, and long mode with PCID and
 *    FSGSBASE unless the policy shows long mode.
 * The same filtered view decides which CR4 and EFER bits exist (cr.c,
 * msr.c), as hardware refuses bits its CPUID does not report.
 */
#include "sv/cpu.h"

#include "sv/errno.h"
#include "sv/string.h"
#include "vmm_internal.h"

/* CPUID.0xD: the XSAVE state components, empty while XSAVE is hidden. */
#define CPUID_XSAVE_STATE	0x0000000du

void cpu_policy_default(struct sv_cpu_policy *p)
{
	*p = (struct sv_cpu_policy){
		.vmx = false,
		.hv_leaves = false,
		.long_mode = false,
	};
}

/* The CPU's highest basic and extended leaves, asked once per vCPU. */
static int cpuid_limits(struct sv_vcpu *vcpu)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	struct sv_vcpu_arch *a = &vcpu->arch;
	struct sv_cpuid r;
	int err;

	if (a->cpuid_limits_known)
		return 0;
	err = ops->cpuid(vcpu->b, SV_CPUID_BASIC_MAX, 0, &r);
	if (err)
		return err;
	a->cpuid_max_basic = r.eax;
	err = ops->cpuid(vcpu->b, SV_CPUID_EXT_MAX, 0, &r);
	if (err)
		return err;
	a->cpuid_max_ext = r.eax;	/* below 0x80000000: no extended leaves */
	a->cpuid_limits_known = true;
	return 0;
}

static bool leaf_exists(const struct sv_vcpu_arch *a, uint32_t leaf)
{
	if (leaf <= a->cpuid_max_basic)
		return true;
	return leaf >= SV_CPUID_EXT_MAX && leaf <= a->cpuid_max_ext;
}

static bool hv_leaf(uint32_t leaf)
{
	return leaf >= SV_CPUID_HV_FIRST && leaf <= SV_CPUID_HV_LAST;
}

/* The monitor's own leaves: the highest one and the signature. */
static void hv_answer(uint32_t leaf, struct sv_cpuid *out)
{
	static const char sig[] = SV_CPUID_HV_SIGNATURE;

	SV_STATIC_ASSERT(sizeof(sig) == 12, "the signature fills EBX, ECX, EDX");
	*out = (struct sv_cpuid){ 0, 0, 0, 0 };
	if (leaf != SV_CPUID_HV_FIRST)
		return;
	out->eax = SV_CPUID_HV_FIRST;
	sv_memcpy(&out->ebx, sig, 4);
	sv_memcpy(&out->ecx, sig + 4, 4);
	sv_memcpy(&out->edx, sig + 8, 4);
}

/* Turn the host's answer for an existing leaf into the guest's. */
static void filter(const struct sv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		   struct sv_cpuid *r)
{
	const struct sv_cpu_policy *p = &vcpu->vm->cpu_policy;

	switch (leaf) {
	case SV_CPUID_FEATURES:
		r->ecx &= ~(SV_CPUID_1_ECX_SMX | SV_CPUID_1_ECX_MONITOR |
			    SV_CPUID_1_ECX_X2APIC | SV_CPUID_1_ECX_XSAVE |
			    SV_CPUID_1_ECX_OSXSAVE | SV_CPUID_1_ECX_AVX);
		if (!p->vmx)
			r->ecx &= ~SV_CPUID_1_ECX_VMX;
		if (!p->long_mode)
			r->ecx &= ~SV_CPUID_1_ECX_PCID;
		r->ecx |= SV_CPUID_1_ECX_HYPERVISOR;
		r->ebx = (r->ebx & ~SV_CPUID_1_EBX_APIC_ID_MASK) |
			 (vcpu->id << SV_CPUID_1_EBX_APIC_ID_SHIFT);
		break;
	case SV_CPUID_EXT_FEATURES:
		if (subleaf != 0)
			break;
		r->ecx &= ~(SV_CPUID_7_ECX_PKU | SV_CPUID_7_ECX_OSPKE |
			    SV_CPUID_7_ECX_LA57);
		if (!p->long_mode)
			r->ebx &= ~SV_CPUID_7_EBX_FSGSBASE;
		break;
	case CPUID_XSAVE_STATE:
		*r = (struct sv_cpuid){ 0, 0, 0, 0 };
		break;
	case SV_CPUID_EXT_FEATURES1:
		if (!p->long_mode)
			r->edx &= ~SV_CPUID_X1_EDX_LM;
		break;
	default:
		break;
	}
}

int cpuid_guest(struct sv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		struct sv_cpuid *out)
{
	int err = cpuid_limits(vcpu);

	if (err)
		return err;
	if (hv_leaf(leaf) && vcpu->vm->cpu_policy.hv_leaves) {
		hv_answer(leaf, out);
		return 0;
	}
	if (!leaf_exists(&vcpu->arch, leaf))
		leaf = vcpu->arch.cpuid_max_basic;	/* Intel's behaviour */
	err = vcpu->vm->ops->cpuid(vcpu->b, leaf, subleaf, out);
	if (err)
		return err;
	filter(vcpu, leaf, subleaf, out);
	return 0;
}

/* A feature leaf as the guest sees it, or zeros if the CPU lacks it. */
static int feature_leaf(struct sv_vcpu *vcpu, uint32_t leaf,
			struct sv_cpuid *out)
{
	int err = cpuid_limits(vcpu);

	*out = (struct sv_cpuid){ 0, 0, 0, 0 };
	if (err || !leaf_exists(&vcpu->arch, leaf))
		return err;
	return cpuid_guest(vcpu, leaf, 0, out);
}

int cpuid_cr4_reserved(struct sv_vcpu *vcpu, uint64_t *reserved)
{
	/* the bits every CPU the monitor runs on has (KVM's base set) */
	uint64_t allowed = SV_CR4_VME | SV_CR4_PVI | SV_CR4_TSD | SV_CR4_DE |
			   SV_CR4_PSE | SV_CR4_PAE | SV_CR4_MCE | SV_CR4_PGE |
			   SV_CR4_PCE | SV_CR4_OSFXSR | SV_CR4_OSXMMEXCPT;
	struct sv_cpuid f1, f7;
	int err;

	err = feature_leaf(vcpu, SV_CPUID_FEATURES, &f1);
	if (!err)
		err = feature_leaf(vcpu, SV_CPUID_EXT_FEATURES, &f7);
	if (err)
		return err;
	/* SMXE stays reserved: SMX is always hidden */
	if (f1.ecx & SV_CPUID_1_ECX_VMX)
		allowed |= SV_CR4_VMXE;
	if (f1.ecx & SV_CPUID_1_ECX_PCID)
		allowed |= SV_CR4_PCIDE;
	if (f1.ecx & SV_CPUID_1_ECX_XSAVE)
		allowed |= SV_CR4_OSXSAVE;
	if (f7.ebx & SV_CPUID_7_EBX_FSGSBASE)
		allowed |= SV_CR4_FSGSBASE;
	if (f7.ebx & SV_CPUID_7_EBX_SMEP)
		allowed |= SV_CR4_SMEP;
	if (f7.ebx & SV_CPUID_7_EBX_SMAP)
		allowed |= SV_CR4_SMAP;
	if (f7.ecx & SV_CPUID_7_ECX_UMIP)
		allowed |= SV_CR4_UMIP;
	if (f7.ecx & SV_CPUID_7_ECX_PKU)
		allowed |= SV_CR4_PKE;
	if (f7.ecx & SV_CPUID_7_ECX_LA57)
		allowed |= SV_CR4_LA57;
	*reserved = ~allowed;
	return 0;
}

int cpuid_efer_reserved(struct sv_vcpu *vcpu, uint64_t *reserved)
{
	uint64_t allowed = SV_EFER_SCE;
	struct sv_cpuid x1;
	int err = feature_leaf(vcpu, SV_CPUID_EXT_FEATURES1, &x1);

	if (err)
		return err;
	if (x1.edx & SV_CPUID_X1_EDX_NX)
		allowed |= SV_EFER_NXE;
	if (x1.edx & SV_CPUID_X1_EDX_LM)
		allowed |= SV_EFER_LME | SV_EFER_LMA;
	*reserved = ~allowed;
	return 0;
}

int handle_cpuid(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	struct sv_regs regs;
	struct sv_cpuid r;
	int err;

	(void)exit;
	err = ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	err = cpuid_guest(vcpu, (uint32_t)regs.rax, (uint32_t)regs.rcx, &r);
	if (err)
		return err;
	/* CPUID writes the 32-bit registers, clearing bits 63:32 */
	regs.rax = r.eax;
	regs.rbx = r.ebx;
	regs.rcx = r.ecx;
	regs.rdx = r.edx;
	err = ops->set_regs(vcpu->b, &regs);
	if (err)
		return err;
	return ops->complete_exit(vcpu->b, 0);
}
