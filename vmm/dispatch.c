/*
 * The exit dispatcher: one table indexed by basic exit reason (DESIGN.md
 * section 4), a bounds check, and one path for every exit nobody handles,
 * which stops that VM only. The handler contract is in vmm_internal.h.
 */
#include "sv/errno.h"
#include "sv/vmx.h"
#include "vmm_internal.h"

static const sv_exit_handler exit_handlers[SV_EXIT_REASON_MAX] = {
	[SV_EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[SV_EXIT_TRIPLE_FAULT]       = handle_triple_fault,
	[SV_EXIT_INTERRUPT_WINDOW]   = handle_interrupt_window,
	[SV_EXIT_HLT]                = handle_hlt,
	[SV_EXIT_IO_INSTRUCTION]     = handle_io,
	[SV_EXIT_EPT_VIOLATION]      = handle_mmio,
};

static int handle_unexpected(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "unexpected exit %s (%u%s) at rip 0x%lx, "
		"qualification 0x%lx", sv_exit_reason_name(exit->reason),
		exit->reason,
		exit->reason_flags & SV_EXIT_FLAG_ENTRY_FAIL ? ", VM-entry failure" : "",
		(unsigned long)exit->rip, (unsigned long)exit->qualification);
	return -SV_EGUEST;
}

void vmm_dispatch(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	sv_exit_handler h = NULL;
	int ret;

	if (exit->reason < SV_EXIT_REASON_MAX &&
	    !(exit->reason_flags & SV_EXIT_FLAG_ENTRY_FAIL))
		h = exit_handlers[exit->reason];
	ret = (h ? h : handle_unexpected)(vcpu, exit);
	if (ret < 0)
		vm_fail(vcpu->vm, "%s exit handler failed: %s",
			sv_exit_reason_name(exit->reason), sv_strerror(ret));
}
