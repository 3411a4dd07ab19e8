/*
 * VM and vCPU objects.
 *
 * Everything a VM owns lives in its struct sv_vm (no hidden globals), so a
 * process can hold several. A VM drives one backend (sv/backend.h): the
 * vCPU loop asks it to run the guest, hands each exit to the dispatcher
 * (vmm/dispatch.c), and before each entry fires due timers and delivers
 * pending events (vmm/event.c).
 *
 * Ownership: the caller provides the struct sv_vm storage and guest RAM;
 * vm_destroy() releases what vm_init() and the vm_* calls acquired from the
 * backend. Not thread-safe: one thread drives a VM.
 */
#ifndef SV_VM_H
#define SV_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"
#include "sv/cpu.h"
#include "sv/exit.h"
#include "sv/format.h"
#include "sv/iobus.h"
#include "sv/irq.h"
#include "sv/list.h"
#include "sv/timer.h"
#include "sv/vmx.h"

#define SV_VM_MAX_VCPUS   1
#define SV_VM_NAME_MAX    32
#define SV_VCPU_MAX_EVENTS 8
#define SV_VM_POLL_WAIT_NS 10000000ull	/* longest halt between polls */

enum sv_vm_state {
	SV_VM_CREATED,	/* built, not run yet */
	SV_VM_RUNNING,
	SV_VM_STOPPED,	/* the guest ended it (debug exit) or a host request */
	SV_VM_FAILED,	/* the guest misbehaved or the backend failed */
};

struct sv_vm;

struct sv_vcpu {
	struct sv_vm *vm;
	struct sv_bvcpu *b;
	uint32_t id;
	struct sv_exit exit;		/* the exit being handled */
	/* events to inject, oldest first (exceptions, NMIs from handlers) */
	struct sv_event events[SV_VCPU_MAX_EVENTS];
	unsigned nevents;
	bool irq_window;		/* interrupt-window exit requested */
	bool halted;			/* in HLT until an interrupt arrives */
	uint64_t nexits;
	struct sv_vcpu_arch arch;	/* TPR, model MSRs (sv/cpu.h) */
};

struct sv_vm {
	char name[SV_VM_NAME_MAX];
	const struct sv_backend_ops *ops;
	struct sv_bvm *b;
	struct sv_iobus bus;
	struct sv_cpu_policy cpu_policy;	/* what CPUID shows (sv/cpu.h) */
	struct sv_vcpu vcpus[SV_VM_MAX_VCPUS];
	unsigned nvcpus;
	struct {
		const struct sv_intc_ops *ops;
		void *ctx;
	} intc;
	struct sv_list_node timers;	/* armed struct sv_timer, by deadline */
	uint64_t (*clock)(void *ctx);	/* NULL: host_time_ns() */
	void *clock_ctx;
	bool clock_realtime;		/* clock follows the host's time */
	enum sv_vm_state state;
	int exit_status;		/* meaningful once STOPPED */
	char stop_reason[160];
	uint64_t exit_counts[SV_EXIT_REASON_MAX];
	/* the host's per-iteration hook (vm_set_poll); NULL: none */
	void (*poll)(struct sv_vm *vm, void *ctx);
	void *poll_ctx;
	/* the host's pause point (vm_set_gate); NULL: none */
	void (*gate)(struct sv_vm *vm, void *ctx);
	void *gate_ctx;
};

/*
 * Create the VM on backend ops (instance inst, see vm_create in
 * sv/backend.h). The struct is the caller's; name is copied.
 */
SV_MUST_CHECK int vm_init(struct sv_vm *vm, const char *name,
			  const struct sv_backend_ops *ops, void *inst);
/* Tear down vCPUs and the backend VM. Safe on a partly initialised VM. */
void vm_destroy(struct sv_vm *vm);

/* Back guest-physical [gpa, gpa+size) with host memory at hva. */
SV_MUST_CHECK int vm_map_ram(struct sv_vm *vm, gpa_t gpa, void *hva,
			     uint64_t size);
/* Create the next vCPU (id = current count). */
SV_MUST_CHECK int vm_add_vcpu(struct sv_vm *vm, struct sv_vcpu **out);

/* Register the interrupt controller model; one per VM. */
SV_MUST_CHECK int vm_set_intc(struct sv_vm *vm, const struct sv_intc_ops *ops,
			      void *ctx);
/* A device drives interrupt line irq to level. */
void vm_irq_set(struct sv_vm *vm, unsigned irq, bool level);
/* An edge: raise then lower. */
void vm_irq_pulse(struct sv_vm *vm, unsigned irq);

/*
 * Guest time in ns: host_time_ns() unless a clock was installed with
 * vm_set_clock. A realtime clock follows the host's time (the recorder's,
 * which logs each read): a halted guest sleeps and a host timer kicks a
 * spinning one. Otherwise time is simulated (device tests) or served from a
 * trace (replay), and the vCPU loop never sleeps or arms host timers.
 */
uint64_t vm_now(const struct sv_vm *vm);
void vm_set_clock(struct sv_vm *vm, uint64_t (*clock)(void *ctx), void *ctx,
		  bool realtime);

/*
 * Give the VM an outside source of events: vm_run calls poll(vm, ctx) on
 * the vCPU's thread once per loop iteration, before it fires due timers
 * (so what poll does is seen by the next entry, or wakes a halted vCPU).
 * This is where a host hands over what other threads queued for the VM
 * (console input for its UART, which only this thread may touch). poll
 * must not block (pausing is the gate's part, vm_set_gate below); it runs once per exit, so it should be cheap when there
 * is nothing to do. Set it before vm_run; NULL (the default) costs nothing.
 *
 * With poll set, a halted vCPU sleeps at most SV_VM_POLL_WAIT_NS before
 * poll is called again, and one that no timer will wake does not fail the
 * VM ("would never wake"): it goes on waiting for what poll brings. A host
 * that queued something wakes the thread for a prompt answer (on the
 * kernel, task_wakeup of the vCPU task); the bound covers a wake-up sent
 * just before the sleep began, which host_wait_until cannot see. A VM whose
 * clock is not realtime never sleeps: it calls poll again at once.
 */
void vm_set_poll(struct sv_vm *vm, void (*poll)(struct sv_vm *vm, void *ctx),
		 void *ctx);

/*
 * Give the VM a gate: vm_run calls gate(vm, ctx) on the vCPU's thread at
 * the top of every loop iteration, before poll, and leaves the loop at
 * once if the VM is no longer running when it returns. Unlike poll, the
 * gate MAY BLOCK: it is where a host pauses the VM (the VM manager's
 * `vm pause`, osk/vmmgr.c), the vCPU's task waiting until it is resumed or
 * stopped. That is safe because the gate runs between exits: the last
 * exit has been handled in full, the next entry is not prepared yet, and
 * no backend call is in progress, so nothing of the VM's is half done. On
 * bare metal each VMX backend op makes its vCPU's VMCS current before
 * touching it (VMPTRLD), so other tasks may use VMX meanwhile, as they
 * already do when the tick preempts a vCPU in the middle of an exit. A
 * host that blocks in the gate must wake the thread to stop the VM (after
 * vm_stop), since the loop cannot see the stop until the gate returns.
 *
 * The gate is not a source of events: it does not change how a halted
 * vCPU waits (only poll does), and it must not change guest-visible state
 * nor read the VM's clock. So a gate leaves no trace of its own in a
 * recording, and a replay (which installs none) follows the same path:
 * a pause shows in a trace only as time that passed, which the recorder's
 * clock logs like any other. Guest time is host time: a paused guest's
 * timers are late when it goes on, not frozen. It should cost one load
 * when the VM is not paused (it runs once per exit). Set it before
 * vm_run; NULL (the default) costs nothing.
 */
void vm_set_gate(struct sv_vm *vm, void (*gate)(struct sv_vm *vm, void *ctx),
		 void *ctx);

/* Arm t to fire at deadline (re-arming moves it); disarm. */
void vm_timer_arm(struct sv_vm *vm, struct sv_timer *t, uint64_t deadline);
void vm_timer_disarm(struct sv_timer *t);
/* Whether t is on its VM's list, waiting to fire. */
bool vm_timer_armed(const struct sv_timer *t);
/*
 * t's deadline if armed, else SV_TIMER_NEVER (a disarmed timer keeps its
 * old deadline field; state digests must not see it).
 */
uint64_t vm_timer_deadline(const struct sv_timer *t);
/* Fire every timer due at now; returns the next deadline or NEVER. */
uint64_t vm_timers_run(struct sv_vm *vm, uint64_t now);

/*
 * End the VM: SV_VM_STOPPED with the guest's status (a debug-exit write, a
 * host request), or SV_VM_FAILED with a reason. The first stop wins; the
 * vCPU loop returns at the next boundary. Never stops the process.
 */
void vm_stop(struct sv_vm *vm, int status, const char *fmt, ...)
	SV_PRINTF(3, 4);
void vm_fail(struct sv_vm *vm, const char *fmt, ...) SV_PRINTF(2, 3);

/*
 * Run vCPU 0 until the VM stops or fails. Returns 0 when it stopped
 * (status in vm->exit_status), or a negative SV_E* code when it failed
 * (reason in vm->stop_reason).
 */
SV_MUST_CHECK int vm_run(struct sv_vm *vm);

/* Queue an exception or NMI for injection at the next entry. */
SV_MUST_CHECK int vcpu_queue_event(struct sv_vcpu *vcpu,
				   const struct sv_event *ev);

/* Describe the last exit and the guest's registers, to sink. */
void vcpu_dump(struct sv_vcpu *vcpu, sv_sink_fn sink, void *ctx);

#endif /* SV_VM_H */
