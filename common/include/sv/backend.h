/*
 * The vCPU backend: the second platform seam (DESIGN.md section 3).
 *
 * Several implementations coexist at run time (vmx on bare metal, kvm and
 * replay on Linux, record wrapping any of them, a fake in unit tests), so
 * this seam is an ops table. Its members are listed once, in
 * SV_BACKEND_OPS, and every implementation, wrapper and fake expands that
 * list: a member added here that one of them lacks fails to build.
 *
 * Conventions for every op: int-returning ops give 0 or a negative SV_E*
 * code; handles are opaque to the core (each backend defines struct
 * sv_bvm and struct sv_bvcpu for itself); no op keeps a pointer it was given
 * beyond the call, except map_memory's host range, which must stay valid
 * until the VM is destroyed.
 */
#ifndef SV_BACKEND_H
#define SV_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/exit.h"
#include "sv/types.h"

struct sv_bvm;		/* a backend's VM */
struct sv_bvcpu;	/* a backend's vCPU */

/* General-purpose registers, RIP and RFLAGS. */
struct sv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

enum sv_seg {
	SV_SEG_ES, SV_SEG_CS, SV_SEG_SS, SV_SEG_DS, SV_SEG_FS, SV_SEG_GS,
	SV_SEG_LDTR, SV_SEG_TR, SV_SEG_COUNT
};

/* A segment register as VMX holds it: access rights in the VMCS layout. */
struct sv_segment {
	uint16_t selector;
	uint32_t limit;
	uint64_t base;
	uint32_t access;	/* SV_AR_* bits, see sv/vmx.h */
};

enum sv_cr { SV_CR0 = 0, SV_CR2 = 2, SV_CR3 = 3, SV_CR4 = 4, SV_CR8 = 8 };

/* What the CPUID instruction returns in EAX, EBX, ECX and EDX. */
struct sv_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

/* An event to inject at the next entry (VM-entry interruption info). */
struct sv_event {
	uint8_t vector;
	uint8_t type;		/* SV_INTR_TYPE_*, see sv/vmx.h */
	bool has_error;
	uint32_t error;
};

enum sv_window { SV_WINDOW_INTERRUPT, SV_WINDOW_NMI };

/* map_memory flags */
#define SV_MEM_READONLY	(1u << 0)

/*
 * X(ctx, return type, name, parameter list) for every backend op; ctx is
 * passed through untouched so expansions can paste a prefix onto names.
 *
 *  vm_create      make an empty VM (no memory, no vCPUs) on the backend
 *                 instance inst (the recorder or replayer a VM belongs
 *                 to; NULL for backends that need none)
 *  vm_destroy     free it and everything created in it
 *  map_memory     back [gpa, gpa+size) with host memory at hva
 *  vcpu_create    make vCPU number id, in its reset state
 *  vcpu_destroy   free it
 *  run            enter the guest; return when it exits, with *exit filled
 *  complete_exit  finish the instruction that caused the last exit: an IN
 *                 or MMIO read gets value in its destination (other exits
 *                 ignore it); RIP moves past the instruction. Handlers call
 *                 it once for each exit they emulate; a backend whose host
 *                 already moved RIP (KVM) only stores the value.
 *  get/set_regs   general-purpose registers, RIP, RFLAGS
 *  get/set_segment one segment register
 *  get/set_cr     a control register, as the guest's architectural value:
 *                 what the guest wrote and reads back (the monitor has
 *                 already validated it). The backend realizes it on the
 *                 hardware as it must; on VT-x, read shadows for the bits
 *                 the host owns, the CR0/CR4 fixed bits, and an identity
 *                 map for CR3 while the guest runs unpaged on a CPU without
 *                 unrestricted guest. get_cr returns what set_cr was given.
 *  get/set_msr    a model-specific register of the guest, for those the
 *                 hardware holds for it (the VMCS's SYSENTER, EFER, PAT, FS
 *                 and GS bases, the TSC); vmm/msr.c decides which MSRs the
 *                 guest has and validates values first
 *  cpuid          the raw CPUID result of the CPU the backend runs on, for
 *                 leaf (EAX) and subleaf (ECX); the monitor filters it into
 *                 what the guest sees (vmm/cpuid.c). Going through the
 *                 backend is what records it, so a replay on another
 *                 machine shows the guest the recorded CPU.
 *  inject_event   deliver an event at the next entry
 *  interrupt_ready whether an external interrupt injected now would be
 *                 taken at the next entry (RFLAGS.IF set, no STI/MOV-SS
 *                 blocking, none already queued)
 *  set_window     ask (or stop asking) for an interrupt- or NMI-window exit
 *  read/write_gpa copy to or from guest-physical memory
 */
#define SV_BACKEND_OPS(X, ctx) \
	X(ctx, int,  vm_create,    (void *inst, struct sv_bvm **out)) \
	X(ctx, void, vm_destroy,   (struct sv_bvm *vm)) \
	X(ctx, int,  map_memory,   (struct sv_bvm *vm, gpa_t gpa, void *hva, \
	                            uint64_t size, uint32_t flags)) \
	X(ctx, int,  vcpu_create,  (struct sv_bvm *vm, uint32_t id, \
	                            struct sv_bvcpu **out)) \
	X(ctx, void, vcpu_destroy, (struct sv_bvcpu *vcpu)) \
	X(ctx, int,  run,          (struct sv_bvcpu *vcpu, struct sv_exit *exit)) \
	X(ctx, int,  complete_exit, (struct sv_bvcpu *vcpu, uint64_t value)) \
	X(ctx, int,  get_regs,     (struct sv_bvcpu *vcpu, struct sv_regs *regs)) \
	X(ctx, int,  set_regs,     (struct sv_bvcpu *vcpu, \
	                            const struct sv_regs *regs)) \
	X(ctx, int,  get_segment,  (struct sv_bvcpu *vcpu, enum sv_seg seg, \
	                            struct sv_segment *out)) \
	X(ctx, int,  set_segment,  (struct sv_bvcpu *vcpu, enum sv_seg seg, \
	                            const struct sv_segment *in)) \
	X(ctx, int,  get_cr,       (struct sv_bvcpu *vcpu, enum sv_cr cr, \
	                            uint64_t *val)) \
	X(ctx, int,  set_cr,       (struct sv_bvcpu *vcpu, enum sv_cr cr, \
	                            uint64_t val)) \
	X(ctx, int,  get_msr,      (struct sv_bvcpu *vcpu, uint32_t msr, \
	                            uint64_t *val)) \
	X(ctx, int,  set_msr,      (struct sv_bvcpu *vcpu, uint32_t msr, \
	                            uint64_t val)) \
	X(ctx, int, cpuid, (struct sv_bvcpu *vcpu, uint32_t leaf, uint32_t subleaf, struct sv_cpuid *out)) \
	X(ctx, int,  inject_event, (struct sv_bvcpu *vcpu, \
	                            const struct sv_event *ev)) \
	X(ctx, int,  interrupt_ready, (struct sv_bvcpu *vcpu, bool *ready)) \
	X(ctx, int,  set_window,   (struct sv_bvcpu *vcpu, enum sv_window w, \
	                            bool on)) \
	X(ctx, int,  read_gpa,     (struct sv_bvm *vm, gpa_t gpa, void *buf, \
	                            size_t len)) \
	X(ctx, int,  write_gpa,    (struct sv_bvm *vm, gpa_t gpa, \
	                            const void *buf, size_t len))

struct sv_backend_ops {
	const char *kind;	/* "vmx", "kvm", "replay", "record", "fake" */
#define SV_BACKEND_MEMBER_(ctx, ret, name, args) ret (*name) args;
	SV_BACKEND_OPS(SV_BACKEND_MEMBER_, _)
#undef SV_BACKEND_MEMBER_
};

/*
 * An implementation with prefix p writes SV_BACKEND_DECLARE(p) before its
 * functions p_vm_create, p_run, ... and ends with
 *	const struct sv_backend_ops p_ops = SV_BACKEND_TABLE(p, "p");
 * An op it forgets to define is a compile error, not a NULL at run time.
 */
#define SV_BACKEND_DECL_(p, ret, name, args) static ret p##_##name args;
#define SV_BACKEND_INIT_(p, ret, name, args) .name = p##_##name,
#define SV_BACKEND_DECLARE(p) SV_BACKEND_OPS(SV_BACKEND_DECL_, p)
#define SV_BACKEND_TABLE(p, kind_str) \
	{ .kind = (kind_str), SV_BACKEND_OPS(SV_BACKEND_INIT_, p) }

/* Number of ops; tests use it to check a table is complete. */
#define SV_BACKEND_COUNT_(ctx, ret, name, args) +1
#define SV_BACKEND_OP_COUNT (0 SV_BACKEND_OPS(SV_BACKEND_COUNT_, _))

#endif /* SV_BACKEND_H */
