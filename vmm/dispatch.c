/*
 * The exit dispatcher: one table indexed by basic exit reason (DESIGN.md
 * section 4), a bounds check, and one path for every exit nobody handles,
 * which stops that VM only. A failed VM entry (the exit reason's
 * ENTRY_FAIL flag) goes to its own table, which names the failure. The
 * handler contract is in vmm_internal.h.
 */
#include "sv/errno.h"
#include "sv/vmx.h"
#include "vmm_internal.h"

static const sv_exit_handler exit_handlers[SV_EXIT_REASON_MAX] = {
	[SV_EXIT_EXCEPTION_NMI]      = handle_exception_nmi,
	[SV_EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[SV_EXIT_TRIPLE_FAULT]       = handle_triple_fault,
	[SV_EXIT_INTERRUPT_WINDOW]   = handle_interrupt_window,
	[SV_EXIT_CPUID]              = handle_cpuid,
	[SV_EXIT_HLT]                = handle_hlt,
	[SV_EXIT_INVD]               = handle_cache_flush,
	[SV_EXIT_CR_ACCESS]          = handle_cr,
	[SV_EXIT_IO_INSTRUCTION]     = handle_io,
	[SV_EXIT_MSR_READ]           = handle_rdmsr,
	[SV_EXIT_MSR_WRITE]          = handle_wrmsr,
	[SV_EXIT_EPT_VIOLATION]      = handle_mmio,
	[SV_EXIT_PREEMPTION_TIMER]   = handle_external_interrupt,
	/* instructions the virtual CPU lacks: #UD (exception.c) */
	[SV_EXIT_GETSEC]             = handle_invalid_opcode,
	[SV_EXIT_VMCALL]             = handle_invalid_opcode,
	[SV_EXIT_VMCLEAR]            = handle_invalid_opcode,
	[SV_EXIT_VMLAUNCH]           = handle_invalid_opcode,
	[SV_EXIT_VMPTRLD]            = handle_invalid_opcode,
	[SV_EXIT_VMPTRST]            = handle_invalid_opcode,
	[SV_EXIT_VMREAD]             = handle_invalid_opcode,
	[SV_EXIT_VMRESUME]           = handle_invalid_opcode,
	[SV_EXIT_VMWRITE]            = handle_invalid_opcode,
	[SV_EXIT_VMXOFF]             = handle_invalid_opcode,
	[SV_EXIT_VMXON]              = handle_invalid_opcode,
	[SV_EXIT_MWAIT]              = handle_invalid_opcode,
	[SV_EXIT_MONITOR]            = handle_invalid_opcode,
	[SV_EXIT_INVEPT]             = handle_invalid_opcode,
	[SV_EXIT_INVVPID]            = handle_invalid_opcode,
	[SV_EXIT_XSETBV]             = handle_invalid_opcode,
	[SV_EXIT_VMFUNC]             = handle_invalid_opcode,
	[SV_EXIT_WBINVD]             = handle_cache_flush,
};

static int handle_unexpected(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "unexpected exit %s (%u) at rip 0x%lx, "
		"qualification 0x%lx", sv_exit_reason_name(exit->reason),
		exit->reason, (unsigned long)exit->rip,
		(unsigned long)exit->qualification);
	return -SV_EGUEST;
}

/*
 * VM-entry failures (SDM vol. 3, "VM-Entry Failures During or After
 * Loading Guest State"). The guest never ran; the VM fails with the
 * reason by name. The exit qualification of an invalid-guest-state
 * failure says which check failed, when the CPU knows.
 */
enum entry_fail_qual {
	ENTRY_FAIL_QUAL_DEFAULT = 0,	/* no further information */
	ENTRY_FAIL_QUAL_PDPTE = 2,	/* loading the PDPTEs */
	ENTRY_FAIL_QUAL_NMI_BLOCKED = 3,	/* NMI injection while blocked */
	ENTRY_FAIL_QUAL_VMCS_LINK = 4,	/* invalid VMCS link pointer */
	ENTRY_FAIL_QUAL_COUNT
};

static const char *const entry_fail_quals[ENTRY_FAIL_QUAL_COUNT] = {
	[ENTRY_FAIL_QUAL_DEFAULT] = "no detail",
	[ENTRY_FAIL_QUAL_PDPTE] = "PDPTE loading failed",
	[ENTRY_FAIL_QUAL_NMI_BLOCKED] = "NMI injected while NMIs are blocked",
	[ENTRY_FAIL_QUAL_VMCS_LINK] = "invalid VMCS link pointer",
};

static int entry_fail_guest_state(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	uint64_t q = exit->qualification;
	const char *what = q < ENTRY_FAIL_QUAL_COUNT && entry_fail_quals[q] ?
			   entry_fail_quals[q] : "unknown";

	vm_fail(vcpu->vm, "VM-entry failure: invalid guest state "
		"(ENTRY_FAIL_GUEST_STATE), qualification 0x%lx (%s), rip 0x%lx",
		(unsigned long)q, what, (unsigned long)exit->rip);
	return -SV_EGUEST;
}

static int entry_fail_msr_load(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	/* the qualification is the failing entry's number, from 1 */
	vm_fail(vcpu->vm, "VM-entry failure: MSR loading failed at entry %lu "
		"(ENTRY_FAIL_MSR_LOAD)", (unsigned long)exit->qualification);
	return -SV_EGUEST;
}

static int entry_fail_machine_check(struct sv_vcpu *vcpu,
				    const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "VM-entry failure: machine-check event during entry "
		"(ENTRY_FAIL_MACHINE_CHECK), rip 0x%lx",
		(unsigned long)exit->rip);
	return -SV_EGUEST;
}

static const sv_exit_handler entry_fail_handlers[SV_EXIT_REASON_MAX] = {
	[SV_EXIT_ENTRY_FAIL_GUEST_STATE]   = entry_fail_guest_state,
	[SV_EXIT_ENTRY_FAIL_MSR_LOAD]      = entry_fail_msr_load,
	[SV_EXIT_ENTRY_FAIL_MACHINE_CHECK] = entry_fail_machine_check,
};

static int entry_fail_other(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "VM-entry failure: exit reason %s (%u), "
		"qualification 0x%lx", sv_exit_reason_name(exit->reason),
		exit->reason, (unsigned long)exit->qualification);
	return -SV_EGUEST;
}

void vmm_dispatch(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	bool entry_failed = exit->reason_flags & SV_EXIT_FLAG_ENTRY_FAIL;
	sv_exit_handler h = NULL;
	int ret;

	if (exit->reason < SV_EXIT_REASON_MAX)
		h = (entry_failed ? entry_fail_handlers : exit_handlers)[exit->reason];
	if (!h)
		h = entry_failed ? entry_fail_other : handle_unexpected;
	ret = h(vcpu, exit);
	if (ret < 0)
		vm_fail(vcpu->vm, "%s exit handler failed: %s",
			sv_exit_reason_name(exit->reason), sv_strerror(ret));
}
