/*
 * Handlers for exits about the vCPU's own state: HLT, triple fault, and
 * external interrupts of the host (a host timer made the guest exit so that
 * the vCPU loop could run its device timers). The VMX preemption timer's
 * exit, the backend's bound on how long a guest runs without exiting, is
 * handled as one of those.
 */
#include "sv/errno.h"
#include "vmm_internal.h"

int handle_hlt(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	(void)exit;
	vcpu->halted = true;
	return vcpu->vm->ops->complete_exit(vcpu->b, 0);
}

int handle_triple_fault(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "guest triple fault at rip 0x%lx (shutdown: an "
		"exception while delivering a double fault)",
		(unsigned long)exit->rip);
	return SV_HANDLED_STOP;
}

int handle_external_interrupt(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return SV_HANDLED_RESUME;	/* the loop runs due timers next */
}
