/*
 * Between the files of vmm/: the dispatcher, the exit handlers and event
 * delivery. Not part of the vmm's public interface.
 *
 * The handler contract, written once: a handler gets the vCPU and its exit
 * record, emulates what the exit asks (completing the instruction through
 * the backend's complete_exit when it emulated one), and returns
 *   SV_HANDLED_RESUME  enter the guest again;
 *   SV_HANDLED_STOP    leave the loop: the VM was stopped (vm_stop) and
 *                      goes back to the VM manager;
 *   < 0                the VM failed; the handler has called vm_fail with
 *                      the reason (the dispatcher does it for it if not).
 * A handler never stops the monitor: a guest's bad request ends its VM.
 */
#ifndef SV_VMM_INTERNAL_H
#define SV_VMM_INTERNAL_H

#include "sv/vm.h"

enum { SV_HANDLED_RESUME = 0, SV_HANDLED_STOP = 1 };

typedef int (*sv_exit_handler)(struct sv_vcpu *vcpu, const struct sv_exit *exit);

/* dispatch.c */
void vmm_dispatch(struct sv_vcpu *vcpu, const struct sv_exit *exit);

/* event.c: inject a queued event or ask for an interrupt window. */
int vcpu_prepare_entry(struct sv_vcpu *vcpu);

/* handlers, by area */
int handle_io(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_mmio(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_interrupt_window(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_external_interrupt(struct sv_vcpu *vcpu, const struct sv_exit *exit);
/* An instruction the virtual CPU lacks (VMX, GETSEC, MONITOR...): #UD. */
int handle_invalid_opcode(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_hlt(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_triple_fault(struct sv_vcpu *vcpu, const struct sv_exit *exit);
/* the exits only VT-x produces (KVM handles these itself) */
int handle_cpuid(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_cr(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_cache_flush(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_rdmsr(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_wrmsr(struct sv_vcpu *vcpu, const struct sv_exit *exit);
int handle_exception_nmi(struct sv_vcpu *vcpu, const struct sv_exit *exit);

/*
 * cpuid.c: the guest's view of CPUID, leaf and subleaf as in EAX and ECX
 * (policy applied), and the CR4 and EFER bits that view makes reserved
 * (a write setting one gets #GP, as on hardware without the feature).
 */
SV_MUST_CHECK int cpuid_guest(struct sv_vcpu *vcpu, uint32_t leaf,
			      uint32_t subleaf, struct sv_cpuid *out);
SV_MUST_CHECK int cpuid_cr4_reserved(struct sv_vcpu *vcpu, uint64_t *reserved);
SV_MUST_CHECK int cpuid_efer_reserved(struct sv_vcpu *vcpu, uint64_t *reserved);

/*
 * emulate.c: an MMIO exit without a decoded access (access_size 0). Fetches
 * and decodes the instruction at CS:RIP (through the guest's page tables
 * when paging is on, sv/walk.h), performs the access on the bus, writes
 * the register and moves RIP past the instruction with set_regs, not
 * complete_exit. A fetch that would fault queues the guest's #PF and
 * resumes it. Handler contract; the VM fails, with the reason, on anything
 * it cannot emulate.
 */
int emulate_mmio(struct sv_vcpu *vcpu, const struct sv_exit *exit);

/*
 * strio.c: an INS/OUTS exit whose elements the backend left to the core
 * (access_size 0: VT-x). Moves them between the port and guest memory
 * (through the guest's page tables when paging is on) and updates RSI/RDI
 * and, with REP, RCX; completes the instruction with set_regs then
 * complete_exit once it is finished. A REP instruction stops after
 * SV_STRIO_MAX_ELEMENTS elements, or when a device stops the VM, or at a
 * fault (#PF queued for the guest), with RIP left on it and the registers
 * where it stopped, so the guest executes it again for the rest, as the
 * processor resumes an interrupted REP. Handler contract; io.c calls it.
 */
#define SV_STRIO_MAX_ELEMENTS	1024u
int handle_string_io(struct sv_vcpu *vcpu, const struct sv_exit *exit);

/*
 * exception.c: queue #GP(0) for the next entry, the answer to a guest's bad
 * CR or MSR access. The instruction is not completed: RIP stays on it, as
 * for any fault.
 */
SV_MUST_CHECK int vcpu_inject_gp(struct sv_vcpu *vcpu);

/*
 * The register VMX number n (enum sv_vmx_gpr: exit qualifications,
 * instruction information, ModRM) names in r; only n's low 4 bits count.
 */
uint64_t *vcpu_gpr(struct sv_regs *r, unsigned n);

#endif
