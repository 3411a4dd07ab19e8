/*
 * Event delivery before each VM entry.
 *
 * Queued events (exceptions and NMIs raised by handlers) go first, one per
 * entry. External interrupts come from the VM's interrupt-controller model
 * and are delivered only through an interrupt window: when the controller
 * has one pending, the vCPU asks for an interrupt-window exit, and that
 * exit (handle_interrupt_window) acknowledges the controller and injects
 * the vector. VT-x and KVM both give the window exit as soon as the guest
 * can take an interrupt (RFLAGS.IF=1, no STI/MOV-SS blocking), so the same
 * path is exercised on both hosts.
 */
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/vmx.h"
#include "vmm_internal.h"

static bool intc_pending(const struct sv_vm *vm)
{
	return vm->intc.ops && vm->intc.ops->pending(vm->intc.ctx);
}

static int vcpu_set_window(struct sv_vcpu *vcpu, bool on)
{
	int err;

	if (vcpu->irq_window == on)
		return 0;
	err = vcpu->vm->ops->set_window(vcpu->b, SV_WINDOW_INTERRUPT, on);
	if (!err)
		vcpu->irq_window = on;
	return err;
}

/* INTA: take the vector from the controller and inject it. */
static int inject_external(struct sv_vcpu *vcpu)
{
	struct sv_vm *vm = vcpu->vm;
	struct sv_event ev = { .type = SV_INTR_TYPE_EXT_INTR };
	int vector = vm->intc.ops->ack(vm->intc.ctx);

	if (vector < 0 || vector > 255) {
		vm_fail(vm, "interrupt controller returned vector %d", vector);
		return -SV_EINVAL;
	}
	ev.vector = (uint8_t)vector;
	return vm->ops->inject_event(vcpu->b, &ev);
}

int vcpu_prepare_entry(struct sv_vcpu *vcpu)
{
	bool ready = false;
	int err;

	if (vcpu->nevents) {
		struct sv_event ev = vcpu->events[0];

		vcpu->nevents--;
		sv_memmove(&vcpu->events[0], &vcpu->events[1],
			   vcpu->nevents * sizeof(vcpu->events[0]));
		err = vcpu->vm->ops->inject_event(vcpu->b, &ev);
		if (err)
			return err;
		/* one event per entry: an interrupt waits for a window */
		return vcpu_set_window(vcpu, intc_pending(vcpu->vm));
	}
	if (!intc_pending(vcpu->vm))
		return vcpu_set_window(vcpu, false);
	err = vcpu->vm->ops->interrupt_ready(vcpu->b, &ready);
	if (err)
		return err;
	if (!ready)
		return vcpu_set_window(vcpu, true);
	err = inject_external(vcpu);
	if (err)
		return err;
	return vcpu_set_window(vcpu, intc_pending(vcpu->vm));
}

int handle_interrupt_window(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	int err;

	(void)exit;
	/* the window is consumed; prepare_entry asks again if still needed */
	err = vcpu_set_window(vcpu, false);
	if (err || !intc_pending(vcpu->vm))
		return err;	/* the request went away meanwhile */
	return inject_external(vcpu);
}
