/*
 * VM and vCPU objects, interrupt lines, guest timers, and the vCPU loop.
 *
 * The loop (vm_run) is the life of an exit from DESIGN.md section 10: pass
 * the host's gate (where a paused VM waits) and poll hook, fire due
 * timers, prepare the next entry (event.c), run the backend, count the
 * exit, dispatch it (dispatch.c). It leaves when a handler, a device or a
 * failure has moved the VM out of SV_VM_RUNNING.
 */
#include "sv/vm.h"

#include <stdarg.h>
#include <stddef.h>

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "sv/string.h"
#include "vmm_internal.h"

int vm_init(struct sv_vm *vm, const char *name, const struct sv_backend_ops *ops,
	    void *inst)
{
	int err;

	sv_memset(vm, 0, sizeof(*vm));
	if (!name || !*name || sv_strlen(name) >= sizeof(vm->name) || !ops)
		return -SV_EINVAL;
	sv_strlcpy(vm->name, name, sizeof(vm->name));
	vm->ops = ops;
	cpu_policy_default(&vm->cpu_policy);
	iobus_init(&vm->bus);
	sv_list_init(&vm->timers);
	vm->clock_realtime = true;	/* host_time_ns() */
	err = ops->vm_create(inst, &vm->b);
	if (err) {
		vm->b = NULL;
		return err;
	}
	vm->state = SV_VM_CREATED;
	return 0;
}

void vm_destroy(struct sv_vm *vm)
{
	struct sv_list_node *pos, *tmp;

	sv_list_for_each_safe(pos, tmp, &vm->timers)
		sv_list_remove(pos);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->ops->vcpu_destroy(vm->vcpus[i].b);
	vm->nvcpus = 0;
	if (vm->b)
		vm->ops->vm_destroy(vm->b);
	vm->b = NULL;
}

int vm_map_ram(struct sv_vm *vm, gpa_t gpa, void *hva, uint64_t size)
{
	return vm->ops->map_memory(vm->b, gpa, hva, size, 0);
}

int vm_add_vcpu(struct sv_vm *vm, struct sv_vcpu **out)
{
	struct sv_vcpu *vcpu;
	int err;

	if (vm->nvcpus == SV_VM_MAX_VCPUS)
		return -SV_ENOSPC;
	vcpu = &vm->vcpus[vm->nvcpus];
	sv_memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = vm->nvcpus;
	vcpu_arch_reset(&vcpu->arch);
	err = vm->ops->vcpu_create(vm->b, vcpu->id, &vcpu->b);
	if (err)
		return err;
	vm->nvcpus++;
	*out = vcpu;
	return 0;
}

int vm_set_intc(struct sv_vm *vm, const struct sv_intc_ops *ops, void *ctx)
{
	if (vm->intc.ops)
		return -SV_EBUSY;
	vm->intc.ops = ops;
	vm->intc.ctx = ctx;
	return 0;
}

void vm_irq_set(struct sv_vm *vm, unsigned irq, bool level)
{
	if (vm->intc.ops)
		vm->intc.ops->set_irq(vm->intc.ctx, irq, level);
}

void vm_irq_pulse(struct sv_vm *vm, unsigned irq)
{
	vm_irq_set(vm, irq, true);
	vm_irq_set(vm, irq, false);
}

uint64_t vm_now(const struct sv_vm *vm)
{
	return vm->clock ? vm->clock(vm->clock_ctx) : host_time_ns();
}

void vm_set_clock(struct sv_vm *vm, uint64_t (*clock)(void *ctx), void *ctx,
		  bool realtime)
{
	vm->clock = clock;
	vm->clock_ctx = ctx;
	vm->clock_realtime = realtime;
}

void vm_set_poll(struct sv_vm *vm, void (*poll)(struct sv_vm *vm, void *ctx),
		 void *ctx)
{
	vm->poll = poll;
	vm->poll_ctx = ctx;
}

void vm_set_gate(struct sv_vm *vm, void (*gate)(struct sv_vm *vm, void *ctx),
		 void *ctx)
{
	vm->gate = gate;
	vm->gate_ctx = ctx;
}

void vm_timer_disarm(struct sv_timer *t)
{
	/* an unarmed timer is either zeroed or points at itself */
	if (t->node.next)
		sv_list_remove(&t->node);
}

bool vm_timer_armed(const struct sv_timer *t)
{
	return t->node.next && !sv_list_empty(&t->node);
}

uint64_t vm_timer_deadline(const struct sv_timer *t)
{
	return vm_timer_armed(t) ? t->deadline : SV_TIMER_NEVER;
}

void vm_timer_arm(struct sv_vm *vm, struct sv_timer *t, uint64_t deadline)
{
	struct sv_list_node *pos;

	vm_timer_disarm(t);
	t->deadline = deadline;
	if (deadline == SV_TIMER_NEVER)
		return;
	/* keep the list sorted; a VM has a handful of timers */
	sv_list_for_each(pos, &vm->timers) {
		if (sv_list_entry(pos, struct sv_timer, node)->deadline > deadline)
			break;
	}
	sv_list_add_tail(pos, &t->node);	/* i.e. insert before pos */
}

uint64_t vm_timers_run(struct sv_vm *vm, uint64_t now)
{
	struct sv_list_node *first;

	while ((first = sv_list_first(&vm->timers)) != NULL) {
		struct sv_timer *t = sv_list_entry(first, struct sv_timer, node);

		if (t->deadline > now)
			return t->deadline;
		sv_list_remove(&t->node);
		t->fire(t, now);	/* may re-arm itself */
	}
	return SV_TIMER_NEVER;
}

static void vm_end(struct sv_vm *vm, enum sv_vm_state state, int status,
		   const char *fmt, va_list ap)
{
	if (vm->state == SV_VM_STOPPED || vm->state == SV_VM_FAILED)
		return;		/* the first reason stands */
	vm->state = state;
	vm->exit_status = status;
	sv_vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
}

void vm_stop(struct sv_vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_end(vm, SV_VM_STOPPED, status, fmt, ap);
	va_end(ap);
}

void vm_fail(struct sv_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_end(vm, SV_VM_FAILED, -SV_EGUEST, fmt, ap);
	va_end(ap);
}

/*
 * A halted vCPU waits for an interrupt: sleep until the next timer, or give
 * up when nothing could ever wake it (no timer, and no poll hook through
 * which the host could bring an event: vm_set_poll).
 */
static void vcpu_wait(struct sv_vcpu *vcpu, uint64_t next)
{
	struct sv_vm *vm = vcpu->vm;

	if (vcpu->nevents || (vm->intc.ops && vm->intc.ops->pending(vm->intc.ctx))) {
		vcpu->halted = false;
		return;
	}
	if (next == SV_TIMER_NEVER && !vm->poll) {
		vm_fail(vm, "guest halted with no interrupt source armed "
			"(HLT at rip 0x%lx would never wake)",
			(unsigned long)vcpu->exit.rip);
		return;
	}
	if (!vm->clock_realtime)
		return;
	if (vm->poll) {		/* a wake-up lost before the sleep costs little */
		uint64_t now = vm_now(vm);

		if (next > now && next - now > SV_VM_POLL_WAIT_NS)
			next = now + SV_VM_POLL_WAIT_NS;
	}
	host_wait_until(next);
}

int vm_run(struct sv_vm *vm)
{
	struct sv_vcpu *vcpu = &vm->vcpus[0];

	if (vm->nvcpus == 0 || vm->state != SV_VM_CREATED)
		return -SV_EINVAL;
	vm->state = SV_VM_RUNNING;
	while (vm->state == SV_VM_RUNNING) {
		uint64_t next;
		int err;

		if (vm->gate) {		/* may block: a paused VM waits here */
			vm->gate(vm, vm->gate_ctx);
			if (vm->state != SV_VM_RUNNING)
				break;
		}
		if (vm->poll) {
			vm->poll(vm, vm->poll_ctx);
			if (vm->state != SV_VM_RUNNING)
				break;
		}
		next = vm_timers_run(vm, vm_now(vm));
		if (vcpu->halted) {
			vcpu_wait(vcpu, next);
			continue;
		}
		err = vcpu_prepare_entry(vcpu);
		if (err) {
			vm_fail(vm, "event injection failed: %s", sv_strerror(err));
			break;
		}
		if (vm->clock_realtime)	/* simulated time never kicks the host */
			host_timer_arm(next);
		err = vm->ops->run(vcpu->b, &vcpu->exit);
		if (err) {
			vm_fail(vm, "backend %s could not run the guest: %s",
				vm->ops->kind, sv_strerror(err));
			break;
		}
		vcpu->nexits++;
		if (vcpu->exit.reason < SV_EXIT_REASON_MAX)
			vm->exit_counts[vcpu->exit.reason]++;
		vmm_dispatch(vcpu, &vcpu->exit);
	}
	if (vm->clock_realtime)
		host_timer_arm(SV_TIMER_NEVER);
	return vm->state == SV_VM_STOPPED ? 0 : -SV_EGUEST;
}

int vcpu_queue_event(struct sv_vcpu *vcpu, const struct sv_event *ev)
{
	if (vcpu->nevents == SV_VCPU_MAX_EVENTS)
		return -SV_ENOSPC;
	vcpu->events[vcpu->nevents++] = *ev;
	return 0;
}

static const char *const seg_names[SV_SEG_COUNT] = {
	"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr",
};

void vcpu_dump(struct sv_vcpu *vcpu, sv_sink_fn sink, void *ctx)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	const struct sv_exit *e = &vcpu->exit;
	struct sv_regs r;
	uint64_t cr0 = 0, cr3 = 0, cr4 = 0;

	sv_format(sink, ctx, "vcpu %u after %lu exits: last exit %s (%u) "
		  "qualification 0x%lx rip 0x%lx len %u\n", vcpu->id,
		  (unsigned long)vcpu->nexits, sv_exit_reason_name(e->reason),
		  e->reason, (unsigned long)e->qualification,
		  (unsigned long)e->rip, e->instr_len);
	if (ops->get_regs(vcpu->b, &r) == 0) {
		sv_format(sink, ctx, "  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n"
			  "  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n"
			  "  rip %016lx rflags %08lx\n",
			  (unsigned long)r.rax, (unsigned long)r.rbx,
			  (unsigned long)r.rcx, (unsigned long)r.rdx,
			  (unsigned long)r.rsi, (unsigned long)r.rdi,
			  (unsigned long)r.rbp, (unsigned long)r.rsp,
			  (unsigned long)r.rip, (unsigned long)r.rflags);
	}
	if (ops->get_cr(vcpu->b, SV_CR0, &cr0) == 0 &&
	    ops->get_cr(vcpu->b, SV_CR3, &cr3) == 0 &&
	    ops->get_cr(vcpu->b, SV_CR4, &cr4) == 0)
		sv_format(sink, ctx, "  cr0 %08lx cr3 %08lx cr4 %08lx\n",
			  (unsigned long)cr0, (unsigned long)cr3,
			  (unsigned long)cr4);
	for (unsigned s = 0; s < SV_SEG_COUNT; s++) {
		struct sv_segment seg;

		if (ops->get_segment(vcpu->b, (enum sv_seg)s, &seg) == 0)
			sv_format(sink, ctx, "  %-4s sel %04x base %08lx limit %08x "
				  "ar %05x\n", seg_names[s], seg.selector,
				  (unsigned long)seg.base, seg.limit, seg.access);
	}
}

/* Where each register VMX numbers (enum sv_vmx_gpr) lives in sv_regs. */
static const size_t gpr_offset[16] = {
	[SV_VMX_GPR_RAX] = offsetof(struct sv_regs, rax),
	[SV_VMX_GPR_RCX] = offsetof(struct sv_regs, rcx),
	[SV_VMX_GPR_RDX] = offsetof(struct sv_regs, rdx),
	[SV_VMX_GPR_RBX] = offsetof(struct sv_regs, rbx),
	[SV_VMX_GPR_RSP] = offsetof(struct sv_regs, rsp),
	[SV_VMX_GPR_RBP] = offsetof(struct sv_regs, rbp),
	[SV_VMX_GPR_RSI] = offsetof(struct sv_regs, rsi),
	[SV_VMX_GPR_RDI] = offsetof(struct sv_regs, rdi),
	[SV_VMX_GPR_R8]  = offsetof(struct sv_regs, r8),
	[SV_VMX_GPR_R9]  = offsetof(struct sv_regs, r9),
	[SV_VMX_GPR_R10] = offsetof(struct sv_regs, r10),
	[SV_VMX_GPR_R11] = offsetof(struct sv_regs, r11),
	[SV_VMX_GPR_R12] = offsetof(struct sv_regs, r12),
	[SV_VMX_GPR_R13] = offsetof(struct sv_regs, r13),
	[SV_VMX_GPR_R14] = offsetof(struct sv_regs, r14),
	[SV_VMX_GPR_R15] = offsetof(struct sv_regs, r15),
};

uint64_t *vcpu_gpr(struct sv_regs *r, unsigned n)
{
	return (uint64_t *)(void *)((char *)r + gpr_offset[n & 15]);
}
