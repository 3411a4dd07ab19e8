/*
 * The exit handlers only VT-x produces (vmm/cpuid.c, cr.c, msr.c,
 * exception.c) and the VM-entry failure path of the dispatcher, driven
 * through the fake backend: one exit at a time through vmm_dispatch, with
 * the fake's registers set as the guest left them, then the results read
 * back from the fake (registers, CRs, MSRs, RIP: the fake's complete_exit
 * moves RIP by the instruction length, as VT-x does) and from the vCPU's
 * event queue (#GP(0), RIP not moved). The last tests run the real loop:
 * a #GP reaching the backend, entry failures by name, and a CPUID/RDMSR/
 * MOV-CR run recorded and replayed to the same digest.
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/vmm_internal.h"
#include "fake_backend.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/record.h"
#include "sv/trace.h"
#include "sv/vm.h"
#include "sv/vmx.h"
#include "sv_test.h"

#define RIP	0x1000
#define LEN	3

/* The host CPU the fake reports: max basic leaf 0xb, extended 0x80000008. */
#define MAX_BASIC	0x0000000bu
#define MAX_EXT		0x80000008u
#define F1_ECX_HOST	(SV_CPUID_1_ECX_VMX | SV_CPUID_1_ECX_SMX | \
			 SV_CPUID_1_ECX_XSAVE | SV_BIT(0) /* SSE3 */)
#define LEAF_B_EAX	0x0b0b0b0bu

struct rig {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct sv_bvcpu *f;	/* the fake vCPU */
};

static void fake_cpu(struct sv_bvcpu *f)
{
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_BASIC_MAX, FAKE_CPUID_ANY_SUBLEAF,
				       MAX_BASIC, 0x756e6547, 0x6c65746e,
				       0x49656e69), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_FEATURES, FAKE_CPUID_ANY_SUBLEAF,
				       0x000306a9, 0x07100800, F1_ECX_HOST,
				       0xbfebfbff), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_EXT_FEATURES, 0, 0,
				       SV_CPUID_7_EBX_SMEP, 0, 0), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(f, MAX_BASIC, FAKE_CPUID_ANY_SUBLEAF,
				       LEAF_B_EAX, 0xb1, 0xb2, 0xb3), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_EXT_MAX, FAKE_CPUID_ANY_SUBLEAF,
				       MAX_EXT, 0, 0, 0), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_EXT_FEATURES1,
				       FAKE_CPUID_ANY_SUBLEAF, 0, 0, 0,
				       SV_CPUID_X1_EDX_NX | SV_CPUID_X1_EDX_LM |
				       SV_CPUID_X1_EDX_SYSCALL), 0);
	/* and a hypervisor under the host, whose leaf must never leak */
	SV_CHECK_EQ_I64(fake_set_cpuid(f, SV_CPUID_HV_FIRST, FAKE_CPUID_ANY_SUBLEAF,
				       0x40000001, 0x4b4d564b, 0x564b4d56,
				       0x4d), 0);
}

static void rig_init(struct rig *r)
{
	SV_CHECK_EQ_I64(vm_init(&r->vm, "t", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&r->vm, &r->vcpu), 0);
	r->f = r->vcpu->b;
	r->vm.state = SV_VM_RUNNING;	/* as inside vm_run */
	fake_cpu(r->f);
}

/* One exit, as vm_run would take it: run the fake, dispatch. */
static void step(struct rig *r, uint16_t reason, uint64_t qual)
{
	struct sv_exit e = { .reason = reason, .qualification = qual,
			     .rip = RIP, .instr_len = LEN };

	SV_CHECK_EQ_I64(fake_queue_exit(r->f, &e), 0);
	SV_CHECK_EQ_I64(r->vm.ops->run(r->f, &r->vcpu->exit), 0);
	vmm_dispatch(r->vcpu, &r->vcpu->exit);
}

static void step_exit(struct rig *r, const struct sv_exit *e)
{
	SV_CHECK_EQ_I64(fake_queue_exit(r->f, e), 0);
	SV_CHECK_EQ_I64(r->vm.ops->run(r->f, &r->vcpu->exit), 0);
	vmm_dispatch(r->vcpu, &r->vcpu->exit);
}

static void cpuid_step(struct rig *r, uint64_t rax, uint64_t rcx)
{
	r->f->regs.rax = rax;
	r->f->regs.rcx = rcx;
	step(r, SV_EXIT_CPUID, 0);
}

/* The instruction completed: RIP moved past it, nothing injected. */
static void check_completed(struct rig *r, unsigned line)
{
	if (r->f->regs.rip != RIP + LEN || r->vcpu->nevents != 0 ||
	    r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "not completed: rip 0x%lx, %u "
			      "events, state %d (%s)",
			      (unsigned long)r->f->regs.rip, r->vcpu->nevents,
			      r->vm.state, r->vm.stop_reason);
	else
		CU_PASS("completed");
}

/* #GP(0) queued, RIP still on the instruction, the VM running. */
static void check_gp(struct rig *r, unsigned line)
{
	const struct sv_event *ev = &r->vcpu->events[0];

	if (r->vcpu->nevents != 1 || ev->vector != SV_EXC_GP ||
	    ev->type != SV_INTR_TYPE_HW_EXCEPTION || !ev->has_error ||
	    ev->error != 0 || r->f->regs.rip != RIP ||
	    r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "no #GP(0): %u events (vector %u "
			      "type %u error %u), rip 0x%lx, state %d (%s)",
			      r->vcpu->nevents, ev->vector, ev->type, ev->error,
			      (unsigned long)r->f->regs.rip, r->vm.state,
			      r->vm.stop_reason);
	else
		CU_PASS("#GP");
	r->vcpu->nevents = 0;
}

#define CHECK_COMPLETED(r) check_completed(r, __LINE__)
#define CHECK_GP(r) check_gp(r, __LINE__)

static void check_failed(struct rig *r, const char *want, unsigned line)
{
	if (r->vm.state != SV_VM_FAILED || !strstr(r->vm.stop_reason, want))
		SV_TEST_FAIL_(__FILE__, line, "state %d, reason '%s' lacks '%s'",
			      r->vm.state, r->vm.stop_reason, want);
	else
		CU_PASS("failed");
}

#define CHECK_FAILED(r, want) check_failed(r, want, __LINE__)

/* ---- CPUID ----------------------------------------------------------------- */

static void test_cpuid_features(void)
{
	struct rig r;

	rig_init(&r);
	r.f->regs.rbx = 0xffffffff00000000ull;
	cpuid_step(&r, 0xffffffff00000000ull | SV_CPUID_FEATURES, 0);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x000306a9);
	/* VMX and SMX hidden, hypervisor present, SSE3 passed through */
	SV_CHECK_EQ_U64(r.f->regs.rcx & SV_CPUID_1_ECX_VMX, 0);
	SV_CHECK_EQ_U64(r.f->regs.rcx & SV_CPUID_1_ECX_SMX, 0);
	SV_CHECK_EQ_U64(r.f->regs.rcx & SV_CPUID_1_ECX_XSAVE, 0);
	SV_CHECK(r.f->regs.rcx & SV_CPUID_1_ECX_HYPERVISOR);
	SV_CHECK(r.f->regs.rcx & SV_BIT(0));
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0xbfebfbff);
	/* the initial APIC ID is the vCPU's; bits 63:32 cleared */
	SV_CHECK_EQ_U64(r.f->regs.rbx, 0x00100800);
	/* long mode hidden by the default policy */
	cpuid_step(&r, SV_CPUID_EXT_FEATURES1, 0);
	SV_CHECK_EQ_U64(r.f->regs.rdx, SV_CPUID_X1_EDX_NX | SV_CPUID_X1_EDX_SYSCALL);
	vm_destroy(&r.vm);
}

static void test_cpuid_policy(void)
{
	struct rig r;

	rig_init(&r);
	r.vm.cpu_policy.vmx = true;
	r.vm.cpu_policy.hv_leaves = true;
	cpuid_step(&r, SV_CPUID_FEATURES, 0);
	CHECK_COMPLETED(&r);
	SV_CHECK(r.f->regs.rcx & SV_CPUID_1_ECX_VMX);
	cpuid_step(&r, SV_CPUID_HV_FIRST, 0);
	SV_CHECK_EQ_U64(r.f->regs.rax, SV_CPUID_HV_FIRST);
	SV_CHECK(memcmp(&r.f->regs.rbx, "Smar", 4) == 0);
	SV_CHECK(memcmp(&r.f->regs.rcx, "t-VM", 4) == 0);
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0);
	cpuid_step(&r, SV_CPUID_HV_FIRST + 1, 0);
	SV_CHECK_EQ_U64(r.f->regs.rax | r.f->regs.rbx | r.f->regs.rcx |
			r.f->regs.rdx, 0);
	vm_destroy(&r.vm);
}

/* Leaves past the highest read as the highest basic leaf, as on Intel. */
static void test_cpuid_out_of_range(void)
{
	static const uint32_t leaves[] = {
		SV_CPUID_HV_FIRST, SV_CPUID_HV_LAST, MAX_BASIC + 1,
		MAX_EXT + 1, 0xc0000000u, 0xffffffffu,
	};
	struct rig r;

	rig_init(&r);
	for (unsigned i = 0; i < SV_ARRAY_SIZE(leaves); i++) {
		cpuid_step(&r, leaves[i], 0);
		SV_CHECK_EQ_U64(r.f->regs.rax, LEAF_B_EAX);
		SV_CHECK_EQ_U64(r.f->regs.rbx, 0xb1);
		SV_CHECK_EQ_U64(r.f->regs.rdx, 0xb3);
	}
	/* the top extended leaf itself exists */
	cpuid_step(&r, SV_CPUID_EXT_MAX, 0);
	SV_CHECK_EQ_U64(r.f->regs.rax, MAX_EXT);
	vm_destroy(&r.vm);
}

/* The CPU's limits are asked once; each exit then asks one leaf. */
static void test_cpuid_backend_calls(void)
{
	struct rig r;

	rig_init(&r);
	cpuid_step(&r, SV_CPUID_FEATURES, 0);
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_cpuid], 3);
	cpuid_step(&r, SV_CPUID_BASIC_MAX, 0);
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_cpuid], 4);
	SV_CHECK_EQ_U64(r.f->regs.rax, MAX_BASIC);
	SV_CHECK_EQ_U64(r.f->regs.rbx, 0x756e6547);	/* "Genu" */
	vm_destroy(&r.vm);
}

/* ---- control registers ------------------------------------------------------ */

static uint64_t cr_qual(unsigned cr, unsigned access, unsigned gpr)
{
	return cr | ((uint64_t)access << SV_CR_QUAL_ACCESS_SHIFT) |
	       ((uint64_t)gpr << SV_CR_QUAL_GPR_SHIFT);
}

static uint64_t lmsw_qual(uint16_t data, bool mem)
{
	return ((uint64_t)SV_CR_ACCESS_LMSW << SV_CR_QUAL_ACCESS_SHIFT) |
	       ((uint64_t)data << SV_CR_QUAL_LMSW_DATA_SHIFT) |
	       (mem ? SV_CR_QUAL_LMSW_MEM : 0);
}

static void mov_to_cr(struct rig *r, unsigned cr, uint64_t val)
{
	r->f->regs.rbx = val;
	step(r, SV_EXIT_CR_ACCESS,
	     cr_qual(cr, SV_CR_ACCESS_MOV_TO_CR, SV_VMX_GPR_RBX));
}

static void test_cr0(void)
{
	struct rig r;

	rig_init(&r);
	r.f->cr[SV_CR0] = SV_CR0_ET;
	/* a 32-bit guest: the high half of the register is not used;
	 * undefined bit 6 is ignored and ET reads as 1 */
	mov_to_cr(&r, SV_CR0, 0xdead000080000001ull | SV_BIT64(6));
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_PG | SV_CR0_PE | SV_CR0_ET);
	/* PG without PE, NW without CD: #GP, nothing written */
	mov_to_cr(&r, SV_CR0, SV_CR0_PG);
	CHECK_GP(&r);
	mov_to_cr(&r, SV_CR0, SV_CR0_PE | SV_CR0_NW);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_PG | SV_CR0_PE | SV_CR0_ET);
	/* cache disabled, not write-through: fine */
	mov_to_cr(&r, SV_CR0, SV_CR0_PE | SV_CR0_NW | SV_CR0_CD);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_PE | SV_CR0_NW | SV_CR0_CD |
			SV_CR0_ET);
	vm_destroy(&r.vm);
}

static void test_cr4(void)
{
	struct rig r;

	rig_init(&r);
	mov_to_cr(&r, SV_CR4, SV_CR4_PAE | SV_CR4_PSE | SV_CR4_PGE);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR4], SV_CR4_PAE | SV_CR4_PSE | SV_CR4_PGE);
	/* the guest has no VMX, though the host has */
	mov_to_cr(&r, SV_CR4, SV_CR4_PAE | SV_CR4_VMXE);
	CHECK_GP(&r);
	/* no XSAVE shown, so no OSXSAVE; SMEP is shown */
	mov_to_cr(&r, SV_CR4, SV_CR4_OSXSAVE);
	CHECK_GP(&r);
	mov_to_cr(&r, SV_CR4, SV_CR4_SMAP);
	CHECK_GP(&r);
	mov_to_cr(&r, SV_CR4, SV_BIT64(15));	/* undefined */
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR4], SV_CR4_PAE | SV_CR4_PSE | SV_CR4_PGE);
	mov_to_cr(&r, SV_CR4, SV_CR4_SMEP);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR4], SV_CR4_SMEP);
	/* a policy that shows VMX lets VMXE through */
	r.vm.cpu_policy.vmx = true;
	mov_to_cr(&r, SV_CR4, SV_CR4_VMXE);
	CHECK_COMPLETED(&r);
	vm_destroy(&r.vm);
}

static void test_cr3_and_reads(void)
{
	struct rig r;

	rig_init(&r);
	mov_to_cr(&r, SV_CR3, 0xabcd000000123018ull);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR3], 0x00123018);
	/* MOV from CR3 into ESI, and into R9 (the table covers all 16) */
	r.f->regs.rsi = ~0ull;
	step(&r, SV_EXIT_CR_ACCESS,
	     cr_qual(SV_CR3, SV_CR_ACCESS_MOV_FROM_CR, SV_VMX_GPR_RSI));
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x00123018);
	r.f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_ET;
	step(&r, SV_EXIT_CR_ACCESS,
	     cr_qual(SV_CR0, SV_CR_ACCESS_MOV_FROM_CR, SV_VMX_GPR_R9));
	SV_CHECK_EQ_U64(r.f->regs.r9, SV_CR0_PE | SV_CR0_ET);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x00123018);
	vm_destroy(&r.vm);
}

static void test_clts_lmsw(void)
{
	struct rig r;

	rig_init(&r);
	r.f->cr[SV_CR0] = SV_CR0_ET | SV_CR0_TS | SV_CR0_MP;
	step(&r, SV_EXIT_CR_ACCESS, cr_qual(0, SV_CR_ACCESS_CLTS, 0));
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_ET | SV_CR0_MP);
	/* LMSW sets PE, EM; clears MP; leaves the other bits */
	r.f->cr[SV_CR0] |= SV_CR0_NE;
	step(&r, SV_EXIT_CR_ACCESS, lmsw_qual(SV_CR0_PE | SV_CR0_EM, false));
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_ET | SV_CR0_NE | SV_CR0_PE |
			SV_CR0_EM);
	/* ... and never clears PE, in the memory form too; high bits of the
	 * operand are not loaded */
	step(&r, SV_EXIT_CR_ACCESS, lmsw_qual(0xfff0 | SV_CR0_TS, true));
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR0], SV_CR0_ET | SV_CR0_NE | SV_CR0_PE |
			SV_CR0_TS);
	vm_destroy(&r.vm);
}

static void test_cr8(void)
{
	struct rig r;

	rig_init(&r);
	mov_to_cr(&r, SV_CR8, 9);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.vcpu->arch.tpr, 9);
	mov_to_cr(&r, SV_CR8, 0x10);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.vcpu->arch.tpr, 9);
	step(&r, SV_EXIT_CR_ACCESS,
	     cr_qual(SV_CR8, SV_CR_ACCESS_MOV_FROM_CR, SV_VMX_GPR_RDX));
	SV_CHECK_EQ_U64(r.f->regs.rdx, 9);
	vm_destroy(&r.vm);
}

static void test_cr_malformed(void)
{
	struct rig r;

	rig_init(&r);
	step(&r, SV_EXIT_CR_ACCESS, cr_qual(5, SV_CR_ACCESS_MOV_TO_CR, 0));
	CHECK_FAILED(&r, "CR-access exit with malformed qualification 0x5");
	vm_destroy(&r.vm);
	rig_init(&r);
	step(&r, SV_EXIT_CR_ACCESS, SV_BIT64(7));	/* a reserved bit */
	CHECK_FAILED(&r, "malformed qualification 0x80");
	vm_destroy(&r.vm);
}

/* ---- MSRs ----------------------------------------------------------------- */

static void rdmsr(struct rig *r, uint32_t msr)
{
	r->f->regs.rcx = msr;
	r->f->regs.rax = r->f->regs.rdx = 0xffffffffffffffffull;
	step(r, SV_EXIT_MSR_READ, 0);
}

static void wrmsr(struct rig *r, uint32_t msr, uint64_t v)
{
	r->f->regs.rcx = msr;
	r->f->regs.rax = 0xffffffff00000000ull | (uint32_t)v;	/* high halves */
	r->f->regs.rdx = 0xffffffff00000000ull | (v >> 32);	/* unused */
	step(r, SV_EXIT_MSR_WRITE, 0);
}

static uint64_t fake_msr(const struct sv_bvcpu *f, uint32_t msr)
{
	for (unsigned i = 0; i < f->nmsrs; i++)
		if (f->msrs[i].index == msr)
			return f->msrs[i].value;
	return 0xbadbadbadull;
}

static void test_msr_constants(void)
{
	struct rig r;

	rig_init(&r);
	rdmsr(&r, SV_MSR_IA32_APIC_BASE);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xfee00900);
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0);
	rdmsr(&r, SV_MSR_IA32_FEATURE_CONTROL);
	SV_CHECK_EQ_U64(r.f->regs.rax, SV_FEATURE_CONTROL_LOCKED);
	SV_CHECK_EQ_U64(r.f->regs.rax & (SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX |
					 SV_FEATURE_CONTROL_VMX_IN_SMX), 0);
	/* writing back what was read is fine; another value is not */
	wrmsr(&r, SV_MSR_IA32_APIC_BASE, 0xfee00900);
	CHECK_COMPLETED(&r);
	wrmsr(&r, SV_MSR_IA32_APIC_BASE, 0xfee00100);
	CHECK_GP(&r);
	wrmsr(&r, SV_MSR_IA32_FEATURE_CONTROL, SV_FEATURE_CONTROL_LOCKED |
	      SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_set_msr], 0);
	vm_destroy(&r.vm);
}

static void test_msr_unknown(void)
{
	struct rig r;

	rig_init(&r);
	rdmsr(&r, 0x12345678);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffffffffffffffffull);	/* untouched */
	wrmsr(&r, 0x12345678, 1);
	CHECK_GP(&r);
	/* the VMX capability MSRs do not exist for a guest without VMX */
	rdmsr(&r, SV_MSR_IA32_VMX_BASIC);
	CHECK_GP(&r);
	/* nor FS base without long mode */
	rdmsr(&r, SV_MSR_IA32_FS_BASE);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_get_msr], 0);
	vm_destroy(&r.vm);
}

static void test_msr_backend(void)
{
	struct rig r;

	rig_init(&r);
	SV_CHECK_EQ_I64(fake_backend_ops.set_msr(r.f, SV_MSR_IA32_TSC,
						 0x123456789abull), 0);
	rdmsr(&r, SV_MSR_IA32_TSC);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x456789ab);
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0x123);
	/* EFER: NXE and SCE exist (CPUID shows NX), LME does not */
	wrmsr(&r, SV_MSR_IA32_EFER, SV_EFER_NXE | SV_EFER_SCE);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(fake_msr(r.f, SV_MSR_IA32_EFER), SV_EFER_NXE | SV_EFER_SCE);
	wrmsr(&r, SV_MSR_IA32_EFER, SV_EFER_LME);
	CHECK_GP(&r);
	SV_CHECK_EQ_U64(fake_msr(r.f, SV_MSR_IA32_EFER), SV_EFER_NXE | SV_EFER_SCE);
	/* PAT: type 2 is reserved */
	wrmsr(&r, SV_MSR_IA32_PAT, SV_PAT_DEFAULT | 0x0200000000000000ull);
	CHECK_GP(&r);
	wrmsr(&r, SV_MSR_IA32_PAT, 0x0007010600070406ull);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(fake_msr(r.f, SV_MSR_IA32_PAT), 0x0007010600070406ull);
	/* SYSENTER_EIP takes addresses, canonical ones */
	wrmsr(&r, SV_MSR_IA32_SYSENTER_EIP, 0x0000800000000000ull);
	CHECK_GP(&r);
	wrmsr(&r, SV_MSR_IA32_SYSENTER_EIP, 0xc0100000);
	CHECK_COMPLETED(&r);
	SV_CHECK_EQ_U64(fake_msr(r.f, SV_MSR_IA32_SYSENTER_EIP), 0xc0100000);
	vm_destroy(&r.vm);
}

static void test_msr_stored(void)
{
	struct rig r;
	uint64_t def = SV_MTRR_DEF_E | SV_MEMTYPE_WB;

	rig_init(&r);
	rdmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0);
	wrmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE, def);
	CHECK_COMPLETED(&r);
	rdmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE);
	SV_CHECK_EQ_U64(r.f->regs.rax, def);
	wrmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE, def | SV_BIT64(9));	/* reserved */
	CHECK_GP(&r);
	wrmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE, SV_MTRR_DEF_E | 2);	/* bad type */
	CHECK_GP(&r);
	rdmsr(&r, SV_MSR_IA32_MTRR_DEF_TYPE);
	SV_CHECK_EQ_U64(r.f->regs.rax, def);
	/* kept in the model, not the backend */
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_set_msr], 0);
	vm_destroy(&r.vm);
}

/* ---- exceptions and NMIs ------------------------------------------------- */

static void exception_step(struct rig *r, uint32_t intr_info, uint32_t error,
			   uint64_t qual, uint32_t idt_vectoring)
{
	struct sv_exit e = {
		.reason = SV_EXIT_EXCEPTION_NMI, .rip = RIP, .instr_len = LEN,
		.intr_info = intr_info, .intr_error = error,
		.qualification = qual, .idt_vectoring_info = idt_vectoring,
	};

	step_exit(r, &e);
}

static void test_nmi_and_mc_resume(void)
{
	struct rig r;

	rig_init(&r);
	exception_step(&r, sv_intr_info_make(SV_EXC_NMI, SV_INTR_TYPE_NMI, false),
		       0, 0, 0);
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_RUNNING);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
	SV_CHECK_EQ_U64(r.f->regs.rip, RIP);	/* nothing completed */
	exception_step(&r, sv_intr_info_make(SV_EXC_MC, SV_INTR_TYPE_HW_EXCEPTION,
					     false), 0, 0, 0);
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_RUNNING);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
	vm_destroy(&r.vm);
}

static void test_exception_reflected(void)
{
	struct rig r;

	rig_init(&r);
	exception_step(&r, sv_intr_info_make(SV_EXC_PF, SV_INTR_TYPE_HW_EXCEPTION,
					     true), 0x6, 0xdeadb000, 0);
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_RUNNING);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_PF);
	SV_CHECK_EQ_U64(r.vcpu->events[0].type, SV_INTR_TYPE_HW_EXCEPTION);
	SV_CHECK(r.vcpu->events[0].has_error);
	SV_CHECK_EQ_U64(r.vcpu->events[0].error, 0x6);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR2], 0xdeadb000);
	SV_CHECK_EQ_U64(r.f->regs.rip, RIP);
	r.vcpu->nevents = 0;
	/* #UD has no error code */
	exception_step(&r, sv_intr_info_make(SV_EXC_UD, SV_INTR_TYPE_HW_EXCEPTION,
					     false), 0, 0, 0);
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_UD);
	SV_CHECK(!r.vcpu->events[0].has_error);
	vm_destroy(&r.vm);
}

static void test_exception_double_fault(void)
{
	struct rig r;

	rig_init(&r);
	/* #GP while delivering #PF: a double fault */
	exception_step(&r, sv_intr_info_make(SV_EXC_GP, SV_INTR_TYPE_HW_EXCEPTION,
					     true), 0, 0,
		       sv_intr_info_make(SV_EXC_PF, SV_INTR_TYPE_HW_EXCEPTION,
					 true));
	SV_CHECK_EQ_U64(r.vcpu->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_DF);
	SV_CHECK_EQ_U64(r.vcpu->events[0].error, 0);
	r.vcpu->nevents = 0;
	/* #GP after a benign #DB: just the #GP */
	exception_step(&r, sv_intr_info_make(SV_EXC_GP, SV_INTR_TYPE_HW_EXCEPTION,
					     true), 0x18, 0,
		       sv_intr_info_make(SV_EXC_DB, SV_INTR_TYPE_HW_EXCEPTION,
					 false));
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_GP);
	SV_CHECK_EQ_U64(r.vcpu->events[0].error, 0x18);
	r.vcpu->nevents = 0;
	/* anything while delivering #DF: triple fault, the VM ends */
	exception_step(&r, sv_intr_info_make(SV_EXC_NP, SV_INTR_TYPE_HW_EXCEPTION,
					     true), 0, 0,
		       sv_intr_info_make(SV_EXC_DF, SV_INTR_TYPE_HW_EXCEPTION,
					 true));
	CHECK_FAILED(&r, "triple fault at rip 0x1000 (#NP while delivering a "
		     "double fault)");
	vm_destroy(&r.vm);
}

static void test_exception_malformed(void)
{
	static const struct { uint32_t info; const char *want; } bad[] = {
		/* not valid */
		{ SV_EXC_GP | (SV_INTR_TYPE_HW_EXCEPTION << SV_INTR_INFO_TYPE_SHIFT),
		  "malformed interruption information 0x30d" },
		/* reserved vector 15; #GP without its error code; NMI on 3 */
		{ 0x8000030f, "malformed interruption information 0x8000030f" },
		{ 0x8000030d, "malformed" },
		{ 0x80000203, "malformed" },
		/* an external interrupt is not an EXCEPTION_NMI exit */
		{ 0x80000020, "malformed" },
		{ 0x80000603, "software exception #BP (vector 3)" },
	};

	for (unsigned i = 0; i < SV_ARRAY_SIZE(bad); i++) {
		struct rig r;

		rig_init(&r);
		exception_step(&r, bad[i].info, 0, 0, 0);
		CHECK_FAILED(&r, bad[i].want);
		SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
		vm_destroy(&r.vm);
	}
}

static void test_cache_flush(void)
{
	struct rig r;

	rig_init(&r);
	step(&r, SV_EXIT_WBINVD, 0);
	CHECK_COMPLETED(&r);
	step(&r, SV_EXIT_INVD, 0);
	CHECK_COMPLETED(&r);
	vm_destroy(&r.vm);
}

/* VMX instructions, GETSEC, MONITOR/MWAIT, XSETBV, VMFUNC: the virtual
 * CPU has none of them, so each raises #UD with RIP on it. */
static void test_missing_instructions_ud(void)
{
	static const uint16_t reasons[] = {
		SV_EXIT_GETSEC, SV_EXIT_VMCALL, SV_EXIT_VMCLEAR,
		SV_EXIT_VMLAUNCH, SV_EXIT_VMPTRLD, SV_EXIT_VMPTRST,
		SV_EXIT_VMREAD, SV_EXIT_VMRESUME, SV_EXIT_VMWRITE,
		SV_EXIT_VMXOFF, SV_EXIT_VMXON, SV_EXIT_MWAIT, SV_EXIT_MONITOR,
		SV_EXIT_INVEPT, SV_EXIT_INVVPID, SV_EXIT_XSETBV, SV_EXIT_VMFUNC,
	};
	struct rig r;

	rig_init(&r);
	for (size_t i = 0; i < SV_ARRAY_SIZE(reasons); i++) {
		const struct sv_event *ev = &r.vcpu->events[0];

		step(&r, reasons[i], 0);
		if (r.vcpu->nevents != 1 || ev->vector != SV_EXC_UD ||
		    ev->type != SV_INTR_TYPE_HW_EXCEPTION || ev->has_error ||
		    r.f->regs.rip != RIP || r.vm.state != SV_VM_RUNNING)
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: no #UD (%u events, "
				      "vector %u), rip 0x%lx, state %d",
				      sv_exit_reason_name(reasons[i]),
				      r.vcpu->nevents, ev->vector,
				      (unsigned long)r.f->regs.rip, r.vm.state);
		r.vcpu->nevents = 0;
	}
	SV_CHECK_EQ_U64(r.f->vm->calls[FAKE_OP_complete_exit], 0);
	vm_destroy(&r.vm);
}

/* ---- through the vCPU loop ------------------------------------------------ */

/* Port 0x503: writing 0xff stops the VM with status 7. */
struct probe {
	struct sv_io_device io;
	struct sv_vm *vm;
};

static int probe_handler(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct probe *p = sv_container_of(dev, struct probe, io);

	(void)size;
	if (write && offset == 3 && *data == 0xff)
		vm_stop(p->vm, 7, "probe stop");
	else if (!write)
		*data = 0;
	return 0;
}

static void queue_exit(struct sv_bvcpu *f, uint16_t reason, uint64_t qual,
		       uint64_t rip)
{
	struct sv_exit e = { .reason = reason, .qualification = qual,
			     .rip = rip, .instr_len = 2 };

	SV_CHECK_EQ_I64(fake_queue_exit(f, &e), 0);
}

static void queue_stop(struct sv_bvcpu *f, uint64_t rip)
{
	struct sv_exit e = {
		.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = 1,
		.qualification = sv_io_qual_make(0x503, 1, false, false, false,
						 false),
		.io_data = 0xff, .rip = rip,
	};

	SV_CHECK_EQ_I64(fake_queue_exit(f, &e), 0);
}

/* The #GP a bad WRMSR earns reaches the backend at the next entry. */
static void test_gp_injected_by_loop(void)
{
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe = { .io = { "probe", probe_handler }, .vm = &vm };

	SV_CHECK_EQ_I64(vm_init(&vm, "gp", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(iobus_register(&vm.bus, SV_IO_PORT, 0x500, 4, &probe.io), 0);
	vcpu->b->regs.rcx = 0xdeadbeef;
	queue_exit(vcpu->b, SV_EXIT_MSR_WRITE, 0, 0x2000);
	queue_stop(vcpu->b, 0x3000);
	SV_CHECK_EQ_I64(vm_run(&vm), 0);
	SV_CHECK_EQ_I64(vm.exit_status, 7);
	SV_CHECK_EQ_U64(vcpu->b->nevents, 1);
	SV_CHECK_EQ_U64(vcpu->b->events[0].vector, SV_EXC_GP);
	SV_CHECK_EQ_U64(vcpu->b->events[0].type, SV_INTR_TYPE_HW_EXCEPTION);
	SV_CHECK(vcpu->b->events[0].has_error);
	SV_CHECK_EQ_U64(vcpu->b->events[0].error, 0);
	vm_destroy(&vm);
}

static void expect_entry_failure(uint16_t reason, uint64_t qual,
				 const char *want)
{
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct sv_exit e = { .reason = reason,
			     .reason_flags = SV_EXIT_FLAG_ENTRY_FAIL,
			     .qualification = qual, .rip = 0x4000 };

	SV_CHECK_EQ_I64(vm_init(&vm, "ef", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(fake_queue_exit(vcpu->b, &e), 0);
	SV_CHECK_EQ_I64(vm_run(&vm), -SV_EGUEST);
	SV_CHECK_EQ_U64(vm.state, SV_VM_FAILED);
	if (!strstr(vm.stop_reason, want))
		SV_TEST_FAIL_(__FILE__, __LINE__, "stop reason '%s' lacks '%s'",
			      vm.stop_reason, want);
	/* the guest never ran: no instruction completed */
	SV_CHECK_EQ_U64(vcpu->b->vm->calls[FAKE_OP_complete_exit], 0);
	vm_destroy(&vm);
}

static void test_entry_failures(void)
{
	expect_entry_failure(SV_EXIT_ENTRY_FAIL_GUEST_STATE, 0,
			     "VM-entry failure: invalid guest state "
			     "(ENTRY_FAIL_GUEST_STATE), qualification 0x0 "
			     "(no detail)");
	expect_entry_failure(SV_EXIT_ENTRY_FAIL_GUEST_STATE, 4,
			     "qualification 0x4 (invalid VMCS link pointer)");
	expect_entry_failure(SV_EXIT_ENTRY_FAIL_MSR_LOAD, 3,
			     "VM-entry failure: MSR loading failed at entry 3 "
			     "(ENTRY_FAIL_MSR_LOAD)");
	expect_entry_failure(SV_EXIT_ENTRY_FAIL_MACHINE_CHECK, 0,
			     "VM-entry failure: machine-check event during "
			     "entry (ENTRY_FAIL_MACHINE_CHECK)");
	expect_entry_failure(SV_EXIT_GETSEC, 0,
			     "VM-entry failure: exit reason GETSEC (11)");
	expect_entry_failure(9999, 0, "VM-entry failure: exit reason UNKNOWN");
}

/* ---- record and replay ------------------------------------------------------ */

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
}

static struct membuf trace;
static uint64_t recorded_effects;

/*
 * RDMSR of the TSC (rcx), MOV EBX to CR0, CPUID leaf 1 (the RDMSR left 1 in
 * EAX), then the probe stops the VM.
 */
static void record_run(void)
{
	static struct sv_recorder rec;
	struct sv_trace_writer w;
	struct sv_trace_header h = { .producer = "test" };
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe = { .io = { "probe", probe_handler }, .vm = &vm };
	struct sv_bvcpu *f;

	free(trace.p);
	memset(&trace, 0, sizeof(trace));
	sv_trace_writer_begin(&w, mem_sink, &trace, &h);
	sv_recorder_init(&rec, &w, 0, &fake_backend_ops, NULL);
	SV_CHECK_EQ_I64(vm_init(&vm, "rec", &sv_record_ops, &rec), 0);
	vm_set_clock(&vm, sv_recorder_clock, &rec, true);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(iobus_register(&vm.bus, SV_IO_PORT, 0x500, 4, &probe.io), 0);
	f = rec.vcpu.inner;
	fake_cpu(f);
	SV_CHECK_EQ_I64(fake_backend_ops.set_msr(f, SV_MSR_IA32_TSC, 1), 0);
	f->regs.rcx = SV_MSR_IA32_TSC;
	f->regs.rbx = SV_CR0_PE | SV_CR0_PG;
	queue_exit(f, SV_EXIT_MSR_READ, 0, 0x1000);
	queue_exit(f, SV_EXIT_CR_ACCESS,
		   cr_qual(SV_CR0, SV_CR_ACCESS_MOV_TO_CR, SV_VMX_GPR_RBX), 0x1002);
	queue_exit(f, SV_EXIT_CPUID, 0, 0x1004);
	queue_stop(f, 0x1006);
	SV_CHECK_EQ_I64(vm_run(&vm), 0);
	SV_CHECK_EQ_I64(vm.exit_status, 7);
	SV_CHECK_EQ_U64(f->cr[SV_CR0], SV_CR0_PE | SV_CR0_PG | SV_CR0_ET);
	SV_CHECK(f->regs.rcx & SV_CPUID_1_ECX_HYPERVISOR);
	recorded_effects = rec.effects.h;
	vm_destroy(&vm);
	sv_trace_writer_end(&w, recorded_effects);
	SV_CHECK_EQ_I64(w.error, 0);
}

static int replay_run(bool show_vmx, struct sv_replayer *rp)
{
	struct sv_trace_reader r;
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe = { .io = { "probe", probe_handler }, .vm = &vm };
	int ret;

	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, trace.p, trace.len), 0);
	sv_replayer_init(rp, &r, 0);
	SV_CHECK_EQ_I64(vm_init(&vm, "rp", &sv_replay_ops, rp), 0);
	vm.cpu_policy.vmx = show_vmx;
	vm_set_clock(&vm, sv_replayer_clock, rp, false);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(iobus_register(&vm.bus, SV_IO_PORT, 0x500, 4, &probe.io), 0);
	ret = vm_run(&vm);
	vm_destroy(&vm);
	rp->r = NULL;
	return ret;
}

static void test_record_replay(void)
{
	static struct sv_replayer rp;
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	unsigned ncpuid = 0;
	int ret;

	record_run();
	/* the CPUID answers are in the trace */
	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, trace.p, trace.len), 0);
	while ((ret = sv_trace_reader_next(&r, &rec)) > 0)
		ncpuid += rec.type == SV_TR_OP_CPUID;
	SV_CHECK_EQ_I64(ret, 0);
	SV_CHECK_EQ_U64(ncpuid, 3);	/* the two limits, then leaf 1 */
	SV_CHECK_EQ_I64(replay_run(false, &rp), 0);
	SV_CHECK(!rp.diverged);
	SV_CHECK_EQ_U64(rp.exits, 4);
	SV_CHECK_EQ_U64(rp.effects.h, recorded_effects);
}

/* A monitor that filters CPUID differently is caught at the CPUID exit. */
static void test_replay_policy_diverges(void)
{
	static struct sv_replayer rp;

	record_run();
	SV_CHECK(replay_run(true, &rp) < 0);
	SV_CHECK(rp.diverged);
	if (!strstr(rp.report, "replay diverged at exit 2 (CPUID, rip 0x1004), "
			       "different effect"))
		SV_TEST_FAIL_(__FILE__, __LINE__, "report: %.400s", rp.report);
	SV_CHECK(strstr(rp.report, "OP_SET_REGS") != NULL);
}

CU_TestInfo sv_tests_vmexit[] = {
	{ "CPUID: VMX hidden, hypervisor bit, APIC ID", test_cpuid_features },
	{ "CPUID: policy shows VMX and Smart-VM's leaves", test_cpuid_policy },
	{ "CPUID: leaves past the highest read the highest basic", test_cpuid_out_of_range },
	{ "CPUID: the CPU's limits are asked once", test_cpuid_backend_calls },
	{ "CR0: written, ignored bits, #GP for PG without PE, NW without CD", test_cr0 },
	{ "CR4: VMXE and features not shown get #GP", test_cr4 },
	{ "CR3 write; MOV from CR into any GPR", test_cr3_and_reads },
	{ "CLTS; LMSW sets PE but never clears it", test_clts_lmsw },
	{ "CR8: the TPR, reserved bits #GP", test_cr8 },
	{ "CR: malformed qualification fails the VM", test_cr_malformed },
	{ "MSR: read-only constants", test_msr_constants },
	{ "MSR: unknown MSRs get #GP", test_msr_unknown },
	{ "MSR: backend-held MSRs and their checks", test_msr_backend },
	{ "MSR: model-held MTRR default type", test_msr_stored },
	{ "NMI and #MC resume the guest", test_nmi_and_mc_resume },
	{ "an intercepted exception is reflected", test_exception_reflected },
	{ "double and triple faults", test_exception_double_fault },
	{ "malformed interruption information fails the VM", test_exception_malformed },
	{ "INVD and WBINVD complete", test_cache_flush },
	{ "instructions the CPU lacks raise #UD", test_missing_instructions_ud },
	{ "#GP reaches the backend through the loop", test_gp_injected_by_loop },
	{ "VM-entry failures are reported by name", test_entry_failures },
	{ "CPUID, RDMSR, MOV CR record and replay", test_record_replay },
	{ "a different CPUID filter diverges at its exit", test_replay_policy_diverges },
	CU_TEST_INFO_NULL,
};
