/*
 * String port I/O: INS and OUTS, with and without REP, when the backend
 * leaves their elements to the core (VT-x: access_size 0 in the exit; KVM
 * moves them itself and hands out one element per exit, which io.c
 * handles like any IN or OUT).
 *
 * The exit gives the port, the element size, the direction and REP
 * (qualification), the address size and the segment of OUTS (instruction
 * information) and the linear address of the first element's memory
 * operand (guest_linear). Everything else is the guest's state: DF from
 * RFLAGS, RSI or RDI, RCX, the segment's base. For each element: translate
 * its linear address (identity with paging off, else the walker, sv/walk.h,
 * at the guest's CPL, a write for INS), one access on the I/O bus, and the
 * element copied from (OUTS) or to (INS) guest RAM with read_gpa or
 * write_gpa; then RSI or RDI moves by the element size, down with DF, and
 * REP decrements RCX, each wrapping at the address size.
 *
 * An instruction ends in one of these ways:
 *  - all its elements done: the registers are written with set_regs and
 *    the instruction completed with complete_exit (RIP past it);
 *  - SV_STRIO_MAX_ELEMENTS elements done with more left, or a device
 *    stopped the VM: the registers are written, RIP stays on it, and the
 *    guest executes it again for the rest (as the processor resumes a REP
 *    interrupted by an interrupt), so a huge count cannot hold the
 *    monitor;
 *  - an element's translation faults: the guest gets the #PF (CR2, error
 *    code) or the #GP (non-canonical) the processor would raise, with the
 *    registers as far as the elements done and RIP on the instruction;
 *  - an element that is not RAM, page tables outside RAM, instruction
 *    information no processor writes: the VM fails with the reason.
 *
 * Decode, then act: a page's translation and the check that it is RAM
 * come before any element on it touches the port, so a fault or a refusal
 * never follows a port access whose data would be lost. Translations are
 * kept for the page last used (a TLB of one entry): the guest cannot run,
 * so its tables cannot change, while one exit is handled.
 *
 * Not modelled: segment limits and usability (the processor's #GP or #SS
 * for an element outside its segment), alignment checks, I/O breakpoints,
 * and RFLAGS.RF.
 */
#include <stddef.h>

#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/iobus.h"
#include "sv/vmx.h"
#include "sv/walk.h"
#include "vmm_internal.h"

#define RFLAGS_DF	SV_BIT64(10)	/* direction: string addresses decrease */
#define RFLAGS_VM	SV_BIT64(17)	/* virtual-8086 mode */
#define PAGE_SIZE_4K	4096ull
#define PAGE_MASK_4K	(~(PAGE_SIZE_4K - 1))
#define LINEAR32_MASK	0xffffffffull	/* linear addresses outside 64-bit mode */

/* The instruction-information segment numbers are the backend's. */
static const enum sv_seg info_seg[] = {
	[SV_VMX_SEG_ES] = SV_SEG_ES, [SV_VMX_SEG_CS] = SV_SEG_CS,
	[SV_VMX_SEG_SS] = SV_SEG_SS, [SV_VMX_SEG_DS] = SV_SEG_DS,
	[SV_VMX_SEG_FS] = SV_SEG_FS, [SV_VMX_SEG_GS] = SV_SEG_GS,
};

/* What one exit's elements have in common. */
struct strio {
	struct sv_vcpu *vcpu;
	const struct sv_exit *exit;
	struct sv_io_qual q;
	unsigned addr_bytes;	/* 2, 4 or 8: how far RSI/RDI/RCX count */
	bool long_mode;		/* 64-bit mode: linear addresses are 64 bits */
	uint64_t seg_base;
	bool paging;
	unsigned access;	/* SV_WALK_*: the memory side's access */
	struct sv_paging pg;
	/* the last page translated and checked to be RAM */
	bool cached;
	uint64_t cache_la, cache_pa;
};

/* How a translation or a run of elements ended, besides a failure. */
enum {
	STRIO_DONE = 0,		/* the instruction is finished */
	STRIO_FAULTED = 1,	/* an exception is queued for the guest */
	STRIO_MORE = 2,		/* stopped early: the cap, or the VM stopped */
};

static const char *insn_name(const struct strio *s)
{
	return s->q.in ? "INS" : "OUTS";
}

static uint64_t addr_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* reg += delta, wrapping at the address size: 16-bit leaves bits 63:16
 * alone, 32-bit zero-extends (as a 32-bit register write does). */
static void reg_step(uint64_t *reg, unsigned addr_bytes, int64_t delta)
{
	uint64_t v = *reg + (uint64_t)delta;

	if (addr_bytes == 2)
		*reg = (*reg & ~0xffffull) | (v & 0xffffull);
	else if (addr_bytes == 4)
		*reg = v & LINEAR32_MASK;
	else
		*reg = v;
}

static uint64_t *index_reg(const struct strio *s, struct sv_regs *regs)
{
	return s->q.in ? &regs->rdi : &regs->rsi;
}

/*
 * Linear la to guest-physical, for the access of s, and check that the page
 * is RAM. Returns 0, STRIO_FAULTED (an exception is queued for the guest),
 * or a failure of the VM.
 */
static int translate(struct strio *s, uint64_t la, gpa_t *out)
{
	struct sv_vm *vm = s->vcpu->vm;
	uint64_t pa_page;
	uint8_t probe;
	struct sv_walk w;
	int err;

	if (s->cached && (la & PAGE_MASK_4K) == s->cache_la) {
		*out = gpa(s->cache_pa | (la & ~PAGE_MASK_4K));
		return 0;
	}
	if (!s->paging) {
		pa_page = la & PAGE_MASK_4K;
	} else {
		err = walk_translate(vm, &s->pg, gva(la), s->access, &w);
		switch (err) {
		case 0:
			break;
		case -SV_EFAULT:
			err = walk_inject_pf(s->vcpu, &w);
			return err ? err : STRIO_FAULTED;
		case -SV_ERANGE:
			err = vcpu_inject_gp(s->vcpu);
			return err ? err : STRIO_FAULTED;
		case -SV_ENOENT:
			vm_fail(vm, "string I/O (%s, port 0x%x) at rip 0x%lx: the "
				"guest's page tables for linear 0x%lx lead out of "
				"its RAM", insn_name(s), s->q.port,
				(unsigned long)s->exit->rip, (unsigned long)la);
			return -SV_EGUEST;
		default:
			return err;
		}
		pa_page = w.gpa.v & PAGE_MASK_4K;
	}
	/* a byte of the page read: is it RAM, before any port access */
	if (vm->ops->read_gpa(vm->b, gpa(pa_page), &probe, 1)) {
		vm_fail(vm, "string I/O (%s, port 0x%x) at rip 0x%lx: its memory "
			"operand at linear 0x%lx (physical 0x%lx) is not RAM",
			insn_name(s), s->q.port, (unsigned long)s->exit->rip,
			(unsigned long)la,
			(unsigned long)(pa_page | (la & ~PAGE_MASK_4K)));
		return -SV_EGUEST;
	}
	s->cached = true;
	s->cache_la = la & PAGE_MASK_4K;
	s->cache_pa = pa_page;
	*out = gpa(pa_page | (la & ~PAGE_MASK_4K));
	return 0;
}

/* One element's memory: one piece, or two when it crosses a page. */
struct element {
	gpa_t pa[2];
	unsigned len[2];
};

static int element_translate(struct strio *s, uint64_t la, struct element *e)
{
	unsigned first = (unsigned)(PAGE_SIZE_4K - (la & ~PAGE_MASK_4K));
	uint64_t next;
	int err;

	if (first > s->q.size)
		first = s->q.size;
	e->len[0] = first;
	e->len[1] = s->q.size - first;
	err = translate(s, la, &e->pa[0]);
	if (err || !e->len[1])
		return err;
	next = la + first;
	if (!s->long_mode)
		next &= LINEAR32_MASK;
	return translate(s, next, &e->pa[1]);
}

/* Move one element, translated. 0, or a failure of the VM. */
static int element_move(struct strio *s, const struct element *e)
{
	struct sv_vm *vm = s->vcpu->vm;
	const struct sv_backend_ops *ops = vm->ops;
	uint8_t buf[4] = { 0, 0, 0, 0 };
	uint64_t data = 0;
	unsigned i;
	int err = 0;

	if (!s->q.in) {
		err = ops->read_gpa(vm->b, e->pa[0], buf, e->len[0]);
		if (!err && e->len[1])
			err = ops->read_gpa(vm->b, e->pa[1], buf + e->len[0],
					    e->len[1]);
		if (err)
			goto not_ram;
		for (i = 0; i < s->q.size; i++)
			data |= (uint64_t)buf[i] << (8 * i);
	}
	err = iobus_access(&vm->bus, SV_IO_PORT, s->q.port, s->q.size,
			   !s->q.in, &data);
	if (err || !s->q.in)
		return err;
	for (i = 0; i < s->q.size; i++)
		buf[i] = (uint8_t)(data >> (8 * i));
	err = ops->write_gpa(vm->b, e->pa[0], buf, e->len[0]);
	if (!err && e->len[1])
		err = ops->write_gpa(vm->b, e->pa[1], buf + e->len[0],
				     e->len[1]);
	if (!err)
		return 0;
not_ram:
	/* RAM a moment ago (translate checked): read-only, or the backend */
	vm_fail(vm, "string I/O (%s, port 0x%x) at rip 0x%lx: %s guest "
		"memory at physical 0x%lx failed (%d)", insn_name(s),
		s->q.port, (unsigned long)s->exit->rip,
		s->q.in ? "writing" : "reading", (unsigned long)e->pa[0].v, err);
	return -SV_EGUEST;
}

/*
 * Fill s from the exit and the guest's state: the address size and
 * segment from the instruction information (validated: they may be
 * undefined on a processor without IA32_VMX_BASIC[54]), the mode, the
 * segment base, and the paging state. 0 or a failure of the VM.
 */
static int strio_setup(struct strio *s, const struct sv_regs *regs)
{
	struct sv_vcpu *vcpu = s->vcpu;
	struct sv_vm *vm = vcpu->vm;
	const struct sv_backend_ops *ops = vm->ops;
	struct sv_io_info info = sv_io_info_decode(s->exit->instr_info);
	unsigned seg = s->q.in ? SV_VMX_SEG_ES : info.seg;
	struct sv_segment cs, sg, ss;
	uint64_t cr0;
	int err;

	if (!info.addr_bytes || seg >= SV_ARRAY_SIZE(info_seg)) {
		vm_fail(vm, "string I/O (%s, port 0x%x) at rip 0x%lx: the exit's "
			"instruction information 0x%x names no valid address "
			"size or segment", insn_name(s), s->q.port,
			(unsigned long)s->exit->rip, s->exit->instr_info);
		return -SV_EGUEST;
	}
	err = ops->get_segment(vcpu->b, SV_SEG_CS, &cs);
	if (!err)
		err = ops->get_segment(vcpu->b, info_seg[seg], &sg);
	if (!err)
		err = ops->get_cr(vcpu->b, SV_CR0, &cr0);
	if (err)
		return err;
	s->addr_bytes = info.addr_bytes;
	s->long_mode = (cr0 & SV_CR0_PE) && !(regs->rflags & RFLAGS_VM) &&
		       (cs.access & SV_AR_L);
	if (s->long_mode ? s->addr_bytes == 2 : s->addr_bytes == 8) {
		vm_fail(vm, "string I/O (%s, port 0x%x) at rip 0x%lx: a %u-bit "
			"address size is impossible in %s mode", insn_name(s),
			s->q.port, (unsigned long)s->exit->rip,
			8 * s->addr_bytes, s->long_mode ? "64-bit" : "this");
		return -SV_EGUEST;
	}
	/* 64-bit mode: only FS and GS have a base */
	s->seg_base = sg.base;
	if (s->long_mode && seg != SV_VMX_SEG_FS && seg != SV_VMX_SEG_GS)
		s->seg_base = 0;
	s->paging = (cr0 & SV_CR0_PG) != 0;
	if (!s->paging)
		return 0;
	/* the CPL is SS.DPL (see emulate.c); vm86 code runs at 3 */
	s->access = s->q.in ? SV_WALK_WRITE : 0;
	if (regs->rflags & RFLAGS_VM) {
		s->access |= SV_WALK_USER;
	} else {
		err = ops->get_segment(vcpu->b, SV_SEG_SS, &ss);
		if (err)
			return err;
		if (SV_AR_DPL(ss.access) == 3)
			s->access |= SV_WALK_USER;
	}
	return walk_paging_load(vcpu, regs->rflags, &s->pg);
}

/*
 * Move up to SV_STRIO_MAX_ELEMENTS elements, updating regs as each is
 * done. Returns STRIO_DONE, STRIO_FAULTED, STRIO_MORE or a failure of the
 * VM.
 */

static int strio_run(struct strio *s, struct sv_regs *regs)
{
	struct sv_vm *vm = s->vcpu->vm;
	uint64_t amask = addr_mask(s->addr_bytes);
	int64_t delta = (regs->rflags & RFLAGS_DF) ? -(int64_t)s->q.size :
			(int64_t)s->q.size;
	uint64_t *idx = index_reg(s, regs);
	uint64_t la = s->exit->guest_linear.v;
	struct element e;
	int err;

	for (unsigned n = 0;; n++) {
		if (s->q.rep && (regs->rcx & amask) == 0)
			return STRIO_DONE;
		if (n == SV_STRIO_MAX_ELEMENTS || vm->state != SV_VM_RUNNING)
			return STRIO_MORE;
		if (n > 0) {	/* the first is the exit's own */
			la = s->seg_base + (*idx & amask);
			if (!s->long_mode)
				la &= LINEAR32_MASK;
		}
		err = element_translate(s, la, &e);
		if (!err)
			err = element_move(s, &e);
		if (err)
			return err;
		reg_step(idx, s->addr_bytes, delta);
		if (!s->q.rep)
			return vm->state == SV_VM_RUNNING ? STRIO_DONE :
			       STRIO_MORE;
		reg_step(&regs->rcx, s->addr_bytes, -1);
	}
}

int handle_string_io(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_vm *vm = vcpu->vm;
	const struct sv_backend_ops *ops = vm->ops;
	struct strio s = {
		.vcpu = vcpu, .exit = exit,
		.q = sv_io_qual_decode(exit->qualification),
	};
	struct sv_regs regs, before;
	int err, ret;

	err = ops->get_regs(vcpu->b, &regs);
	if (err)
		return err;
	err = strio_setup(&s, &regs);
	if (err)
		return err;
	before = regs;
	ret = strio_run(&s, &regs);
	if (ret < 0)
		return ret;
	/* registers as far as the elements done, whatever comes next */
	if (regs.rsi != before.rsi || regs.rdi != before.rdi ||
	    regs.rcx != before.rcx) {
		err = ops->set_regs(vcpu->b, &regs);
		if (err)
			return err;
	}
	if (vm->state != SV_VM_RUNNING)
		return SV_HANDLED_STOP;	/* a device ended the VM */
	if (ret != STRIO_DONE)
		return SV_HANDLED_RESUME;	/* a fault to take, or more to do */
	return ops->complete_exit(vcpu->b, 0);
}
