/*
 * EXCEPTION_NMI exits, and the #GP the other handlers inject.
 *
 * An NMI that arrives while the guest runs belongs to the host: the backend
 * has already handed it to the host kernel, so the guest just resumes.
 * #MC is the CPU's too: the backend passes it to the host's machine-check
 * handler (as KVM does); one the host survives leaves the guest to resume.
 * Any other exception exits only because the monitor intercepted it (the
 * VT-x backend keeps the exception bitmap minimal; more are set only to
 * debug), so it is reflected into the guest as it was raised, error code
 * included, with CR2 for a page fault.
 *
 * If the exception happened while the CPU was delivering an earlier one
 * (IDT-vectoring information), the architecture's rules for two faults
 * apply (SDM vol. 3, "Interrupt 8 - Double Fault Exception"): contributory
 * on contributory, or a page fault followed by a page fault or a
 * contributory fault, becomes #DF; anything during #DF delivery is a triple
 * fault, which ends the VM. A benign earlier exception is dropped:
 * re-executing the instruction raises it again (KVM does the same).
 * Re-injecting an interrupted external interrupt or NMI belongs to the
 * general IDT-vectoring path, not here. #DB is reflected without updating
 * DR6 (no backend op reaches it), which only matters when debugging.
 *
 * Software exceptions (INT3, INTO, INT1) are reflected only with their
 * instruction length, which struct sv_event does not carry: intercepting
 * them fails the VM with a message naming them.
 */
#include "sv/cpu.h"

#include "sv/errno.h"
#include "vmm_internal.h"

/* The vectors hardware delivers as HW_EXCEPTION events, and which of them
 * push an error code (SDM vol. 3, table 6-1). */
static const struct {
	bool exists;
	bool error_code;
	bool contributory;
} hw_exceptions[SV_EXC_COUNT] = {
	[SV_EXC_DE] = { true, false, true },
	[SV_EXC_DB] = { true, false, false },
	[SV_EXC_BR] = { true, false, false },
	[SV_EXC_UD] = { true, false, false },
	[SV_EXC_NM] = { true, false, false },
	[SV_EXC_DF] = { true, true, false },
	[SV_EXC_TS] = { true, true, true },
	[SV_EXC_NP] = { true, true, true },
	[SV_EXC_SS] = { true, true, true },
	[SV_EXC_GP] = { true, true, true },
	[SV_EXC_PF] = { true, true, false },
	[SV_EXC_MF] = { true, false, false },
	[SV_EXC_AC] = { true, true, false },
	[SV_EXC_MC] = { true, false, false },
	[SV_EXC_XM] = { true, false, false },
	[SV_EXC_VE] = { true, false, false },
	[SV_EXC_CP] = { true, true, false },
};

static const char *const exception_names[SV_EXC_COUNT] = {
	[SV_EXC_DE] = "#DE", [SV_EXC_DB] = "#DB", [SV_EXC_NMI] = "NMI",
	[SV_EXC_BP] = "#BP", [SV_EXC_OF] = "#OF", [SV_EXC_BR] = "#BR",
	[SV_EXC_UD] = "#UD", [SV_EXC_NM] = "#NM", [SV_EXC_DF] = "#DF",
	[SV_EXC_TS] = "#TS", [SV_EXC_NP] = "#NP", [SV_EXC_SS] = "#SS",
	[SV_EXC_GP] = "#GP", [SV_EXC_PF] = "#PF", [SV_EXC_MF] = "#MF",
	[SV_EXC_AC] = "#AC", [SV_EXC_MC] = "#MC", [SV_EXC_XM] = "#XM",
	[SV_EXC_VE] = "#VE", [SV_EXC_CP] = "#CP",
};

static const char *exception_name(unsigned vector)
{
	if (vector < SV_EXC_COUNT && exception_names[vector])
		return exception_names[vector];
	return "reserved vector";
}

int vcpu_inject_gp(struct sv_vcpu *vcpu)
{
	struct sv_event ev = {
		.vector = SV_EXC_GP, .type = SV_INTR_TYPE_HW_EXCEPTION,
		.has_error = true, .error = 0,
	};

	return vcpu_queue_event(vcpu, &ev);
}

/*
 * Instructions the virtual CPU does not have, which VT-x makes exit
 * whatever the guest's CPUID says: the VMX instructions (CPUID hides VMX),
 * GETSEC (no SMX), MONITOR/MWAIT (hidden), XSETBV (XSAVE hidden, so
 * CR4.OSXSAVE stays clear), VMFUNC. On the CPU the guest sees they raise
 * #UD, so they do here; RIP stays on the instruction, as for any fault.
 */
int handle_invalid_opcode(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_event ev = {
		.vector = SV_EXC_UD, .type = SV_INTR_TYPE_HW_EXCEPTION,
	};

	(void)exit;
	return vcpu_queue_event(vcpu, &ev);
}

static bool hw_exception_valid(const struct sv_intr_info *i)
{
	return i->vector < SV_EXC_COUNT && hw_exceptions[i->vector].exists &&
	       hw_exceptions[i->vector].error_code == i->has_error;
}

static int malformed(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	vm_fail(vcpu->vm, "EXCEPTION_NMI exit with malformed interruption "
		"information 0x%x at rip 0x%lx", exit->intr_info,
		(unsigned long)exit->rip);
	return -SV_EINVAL;
}

/*
 * The event to deliver for the new exception ev, given the one whose
 * delivery it interrupted. Returns false for a triple fault.
 */
static bool combine(const struct sv_exit *exit, struct sv_event *ev)
{
	struct sv_intr_info prev = sv_intr_info_decode(exit->idt_vectoring_info);
	bool prev_contributory, now_contributory;

	if (!prev.valid || prev.type != SV_INTR_TYPE_HW_EXCEPTION ||
	    prev.vector >= SV_EXC_COUNT)
		return true;
	if (prev.vector == SV_EXC_DF)
		return false;
	prev_contributory = hw_exceptions[prev.vector].contributory;
	now_contributory = hw_exceptions[ev->vector].contributory;
	if ((prev_contributory && now_contributory) ||
	    (prev.vector == SV_EXC_PF &&
	     (ev->vector == SV_EXC_PF || now_contributory)))
		*ev = (struct sv_event){ .vector = SV_EXC_DF,
					 .type = SV_INTR_TYPE_HW_EXCEPTION,
					 .has_error = true, .error = 0 };
	return true;
}

static int reflect(struct sv_vcpu *vcpu, const struct sv_exit *exit,
		   const struct sv_intr_info *info)
{
	struct sv_event ev = {
		.vector = info->vector, .type = SV_INTR_TYPE_HW_EXCEPTION,
		.has_error = info->has_error,
		.error = info->has_error ? exit->intr_error : 0,
	};
	int err;

	if (!combine(exit, &ev)) {
		vm_fail(vcpu->vm, "guest triple fault at rip 0x%lx (%s while "
			"delivering a double fault)", (unsigned long)exit->rip,
			exception_name(info->vector));
		return SV_HANDLED_STOP;
	}
	if (ev.vector == SV_EXC_PF) {
		/* the faulting linear address, as the CPU would have set it */
		err = vcpu->vm->ops->set_cr(vcpu->b, SV_CR2, exit->qualification);
		if (err)
			return err;
	}
	return vcpu_queue_event(vcpu, &ev);
}

int handle_exception_nmi(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_intr_info info = sv_intr_info_decode(exit->intr_info);

	if (!info.valid || (exit->intr_info & SV_INTR_INFO_RESERVED))
		return malformed(vcpu, exit);
	switch (info.type) {
	case SV_INTR_TYPE_NMI:
		if (info.vector != SV_EXC_NMI || info.has_error)
			return malformed(vcpu, exit);
		return SV_HANDLED_RESUME;	/* the host's; already handled */
	case SV_INTR_TYPE_HW_EXCEPTION:
		if (!hw_exception_valid(&info))
			return malformed(vcpu, exit);
		if (info.vector == SV_EXC_MC)
			return SV_HANDLED_RESUME;	/* the host's, see above */
		return reflect(vcpu, exit, &info);
	case SV_INTR_TYPE_SW_EXCEPTION:
	case SV_INTR_TYPE_PRIV_SW_EXCEPTION:
		vm_fail(vcpu->vm, "software exception %s (vector %u) intercepted "
			"at rip 0x%lx: reflecting it needs its instruction "
			"length, which event injection does not carry",
			exception_name(info.vector), info.vector,
			(unsigned long)exit->rip);
		return -SV_ENOTSUP;
	default:
		return malformed(vcpu, exit);
	}
}
