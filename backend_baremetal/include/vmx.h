/*
 * The VMX backend (vmx.c): the vCPU backend ops of sv/backend.h on Intel
 * VT-x, for the bare-metal kernel. The kernel enters VMX operation when
 * the first VM is created and leaves it (VMXOFF, CR4.VMXE cleared) when
 * the last one is destroyed.
 *
 * Guest RAM is mapped by EPT, or, on a CPU without it, by the monitor's
 * own page table (physmap.h), which serves only guests that do not page.
 * Guests that start in real mode need unrestricted guest. Shadow page
 * tables and the vm86 real-mode monitor are the next step (DESIGN.md
 * section 6); until then such guests fail or are refused with a message.
 *
 * One processor: each vCPU is a task, and every op makes its vCPU's VMCS
 * current with interrupts off, so a preemption between two ops of
 * different vCPUs never leaves the wrong VMCS current.
 */
#ifndef SV_BM_VMX_H
#define SV_BM_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/format.h"

extern const struct sv_backend_ops vmx_backend_ops;

/*
 * Whether this processor can run guests here; if not, why (a sentence for
 * the console). Reads the capability MSRs; changes nothing.
 */
bool vmx_usable(char *why, size_t len);

/* The SV_TRACE_CPU_* bits of this processor, for a trace header. */
uint64_t vmx_trace_features(void);

/* Monitor cost per exit reason, as measured by the TSC (vmx.c). */
struct vmx_exit_cost {
	uint64_t count;		/* exits of this reason measured */
	uint64_t total;		/* TSC ticks from VM exit to the next entry */
	uint64_t min;
};

/* Count the monitor's cost per exit (off by default: it reads the TSC
 * twice per exit). The kernel's `vmxstats` turns it on. */
void vmx_measure_exits(bool on);

/*
 * Print each exit reason's count and the TSC ticks the monitor spent from
 * the exit to the next entry (min and mean), for the VM's one vCPU. Under
 * Bochs the TSC counts instructions, so these are instruction counts.
 */
void vmx_print_exit_costs(const struct sv_bvm *vm, sv_sink_fn sink,
			  void *ctx);

#endif /* SV_BM_VMX_H */
