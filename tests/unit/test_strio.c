/*
 * String port I/O moved by the core (vmm/strio.c), driven through the fake
 * backend as VT-x reports INS/OUTS: access_size 0, the first element's
 * linear address in guest_linear, address size and segment in the
 * instruction information. A port device on the bus records every access
 * and answers reads with a counting sequence. Covered: OUTS and INS of
 * each size, REP with counts 0, 1 and n, DF=1, 16-bit address-size wrap
 * (and the upper register bits it keeps), 32-bit zero-extension, segment
 * override (and INS ignoring it), 64-bit mode (DS base ignored, FS base
 * counts), the per-exit cap (RIP kept, RCX/RSI where it stopped, the
 * guest's re-execution finishing it), a device stopping the VM mid-string,
 * paging on (non-contiguous pages, a page-crossing element, the dirty bit,
 * #PF mid-string with the registers as far as it got, a user access to a
 * supervisor page), refusals (not RAM, read-only RAM, bad instruction
 * information), and the KVM-style exit (access_size set) left as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/vmm_internal.h"
#include "fake_backend.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv/vmx.h"
#include "sv/walk.h"
#include "sv_test.h"

#define RAM_SIZE	0x20000u
#define ROM_BASE	0x40000u	/* a read-only page */
#define PORT		0x500u
#define PORT_STOP	0x507u		/* writing 0xff here stops the VM */
#define MAX_LOG		4096u
#define INSN_LEN	2u
#define RFLAGS_DF	SV_BIT64(10)

/* The port device: every access logged; reads answer 0x11, 0x12, ... */
struct port_dev {
	struct sv_io_device io;
	struct sv_vm *vm;
	unsigned calls, reads, writes;
	uint64_t data[MAX_LOG];
	unsigned size[MAX_LOG];
	uint64_t next_reply;
};

static int port_handler(struct sv_io_device *dev, uint64_t offset,
			unsigned size, bool write, uint64_t *data)
{
	struct port_dev *p = sv_container_of(dev, struct port_dev, io);

	if (p->calls < MAX_LOG)
		p->size[p->calls] = size;
	if (write) {
		if (p->calls < MAX_LOG)
			p->data[p->calls] = *data;
		p->writes++;
		if (offset == PORT_STOP - PORT && *data == 0xff)
			vm_stop(p->vm, 9, "port stop");
	} else {
		*data = p->next_reply++;
		if (p->calls < MAX_LOG)
			p->data[p->calls] = *data;
		p->reads++;
	}
	p->calls++;
	return 0;
}

struct rig {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct sv_bvcpu *f;
	struct port_dev dev;
	uint8_t *ram, *rom;
};

#define AR_CODE32 (SV_AR_P | SV_AR_S | SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE | \
		   SV_AR_DB)
#define AR_CODE16 (SV_AR_P | SV_AR_S | SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE)
#define AR_CODE64 (SV_AR_P | SV_AR_S | SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE | \
		   SV_AR_L)
#define AR_DATA   (SV_AR_P | SV_AR_S | SV_AR_TYPE_WRITABLE | SV_AR_DB)

enum { REAL, PROT32, LONG64 };

static void rig_init(struct rig *r, int mode)
{
	memset(r, 0, sizeof(*r));
	r->ram = calloc(1, RAM_SIZE);
	r->rom = calloc(1, SV_PAGE_SIZE);
	SV_CHECK_EQ_I64(vm_init(&r->vm, "strio", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&r->vm, &r->vcpu), 0);
	SV_CHECK_EQ_I64(vm_map_ram(&r->vm, gpa(0), r->ram, RAM_SIZE), 0);
	SV_CHECK_EQ_I64(r->vm.ops->map_memory(r->vm.b, gpa(ROM_BASE), r->rom,
					      SV_PAGE_SIZE, SV_MEM_READONLY), 0);
	r->f = r->vcpu->b;
	r->vm.state = SV_VM_RUNNING;	/* as inside vm_run */
	r->dev.io = (struct sv_io_device){ "port", port_handler };
	r->dev.vm = &r->vm;
	r->dev.next_reply = 0x11;
	SV_CHECK_EQ_I64(iobus_register(&r->vm.bus, SV_IO_PORT, PORT, 8,
				       &r->dev.io), 0);
	for (unsigned s = 0; s < SV_SEG_COUNT; s++)
		r->f->segs[s] = (struct sv_segment){ 0x10, 0xffffffff, 0,
						     AR_DATA };
	switch (mode) {
	case REAL:
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x100, 0xffff,
							     0x1000, AR_CODE16 };
		for (unsigned s = 0; s < SV_SEG_COUNT; s++)
			if (s != SV_SEG_CS)
				r->f->segs[s].limit = 0xffff;
		break;
	case LONG64:
		r->f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_ET;
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x8, 0xffffffff, 0,
							     AR_CODE64 };
		break;
	default:
		r->f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_ET;
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x8, 0xffffffff, 0,
							     AR_CODE32 };
		break;
	}
	r->f->regs.rip = 0x1000;
}

static void rig_destroy(struct rig *r)
{
	vm_destroy(&r->vm);
	free(r->ram);
	free(r->rom);
}

static unsigned calls(struct rig *r, enum fake_op op)
{
	return r->vm.b->calls[op];
}

/* The linear address hardware reports for the memory operand. */
static uint64_t hw_linear(struct rig *r, bool in, unsigned seg,
			  unsigned addr_bytes, bool long_mode)
{
	enum sv_seg s = in ? SV_SEG_ES : (enum sv_seg)seg;
	uint64_t idx = in ? r->f->regs.rdi : r->f->regs.rsi;
	uint64_t mask = addr_bytes == 8 ? ~0ull : (1ull << (8 * addr_bytes)) - 1;
	uint64_t base = r->f->segs[s].base;

	if (long_mode && s != SV_SEG_FS && s != SV_SEG_GS)
		base = 0;
	return long_mode ? base + (idx & mask) :
	       (base + (idx & mask)) & 0xffffffffull;
}

struct sx {
	unsigned size;		/* element: 1, 2, 4 */
	bool in, rep;
	unsigned addr_bytes;	/* 2, 4, 8; 0 = 4 */
	unsigned seg;		/* enum sv_vmx_seg (OUTS); 0 = DS */
	uint16_t port;		/* 0 = PORT */
	bool long_mode;
	uint32_t info;		/* nonzero: this instruction information */
};

/* The guest executes the instruction at its RIP: one exit, dispatched. */
static void strio_exit(struct rig *r, const struct sx *x)
{
	unsigned ab = x->addr_bytes ? x->addr_bytes : 4;
	unsigned seg = x->in ? SV_VMX_SEG_DS :
		       (x->seg ? x->seg : SV_VMX_SEG_DS);
	struct sv_exit e = {
		.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = INSN_LEN,
		.qualification = sv_io_qual_make(x->port ? x->port : PORT,
						 x->size, x->in, true, x->rep,
						 false),
		.instr_info = x->info ? x->info : sv_io_info_make(ab, seg),
		.guest_linear = gva(hw_linear(r, x->in, seg, ab, x->long_mode)),
		.rip = r->f->regs.rip,
	};

	SV_CHECK_EQ_I64(fake_queue_exit(r->f, &e), 0);
	SV_CHECK_EQ_I64(r->vm.ops->run(r->f, &r->vcpu->exit), 0);
	vmm_dispatch(r->vcpu, &r->vcpu->exit);
}

static void check_running(struct rig *r, unsigned line)
{
	if (r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "VM not running: %s",
			      r->vm.stop_reason);
	else
		CU_PASS("running");
}

static void check_failed(struct rig *r, const char *want, unsigned line)
{
	if (r->vm.state != SV_VM_FAILED || !strstr(r->vm.stop_reason, want))
		SV_TEST_FAIL_(__FILE__, line, "state %d, reason '%s' lacks '%s'",
			      r->vm.state, r->vm.stop_reason, want);
	else
		CU_PASS("failed");
}

#define CHECK_RUNNING(r) check_running(r, __LINE__)
#define CHECK_FAILED(r, want) check_failed(r, want, __LINE__)

/* ---- one element ------------------------------------------------------------ */

static void test_outs_sizes(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	struct rig r;

	rig_init(&r, PROT32);
	memcpy(r.ram + 0x3000, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 77;
	r.f->regs.rax = 0xaaaa;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t rip = r.f->regs.rip, rsi = r.f->regs.rsi;

		strio_exit(&r, &(struct sx){ .size = sizes[i] });
		CHECK_RUNNING(&r);
		SV_CHECK_EQ_U64(r.dev.writes, i + 1);
		SV_CHECK_EQ_U64(r.dev.size[i], sizes[i]);
		SV_CHECK_EQ_U64(r.f->regs.rsi, rsi + sizes[i]);
		SV_CHECK_EQ_U64(r.f->regs.rip, rip + INSN_LEN);
	}
	SV_CHECK_EQ_U64(r.dev.data[0], 0x01);
	SV_CHECK_EQ_U64(r.dev.data[1], 0x0302);
	SV_CHECK_EQ_U64(r.dev.data[2], 0x07060504);
	/* no REP: RCX untouched; OUTS: RAX untouched */
	SV_CHECK_EQ_U64(r.f->regs.rcx, 77);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xaaaa);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 3);
	rig_destroy(&r);
}

static void test_ins_sizes(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	memset(r.ram + 0x4000, 0xee, 16);
	r.f->regs.rdi = 0x4000;
	r.f->regs.rax = 0xaaaa;
	r.dev.next_reply = 0xa1;
	strio_exit(&r, &(struct sx){ .size = 1, .in = true });
	r.dev.next_reply = 0xb2b1;
	strio_exit(&r, &(struct sx){ .size = 2, .in = true });
	r.dev.next_reply = 0xc4c3c2c1;
	strio_exit(&r, &(struct sx){ .size = 4, .in = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.reads, 3);
	SV_CHECK(memcmp(r.ram + 0x4000,
			"\xa1\xb1\xb2\xc1\xc2\xc3\xc4\xee", 8) == 0);
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0x4007);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + 3 * INSN_LEN);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xaaaa);	/* INS leaves RAX */
	rig_destroy(&r);
}

/* ---- REP ---------------------------------------------------------------- */

static void test_rep_counts(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	memcpy(r.ram + 0x3000, "hello, world", 12);
	/* count 0: nothing moves, the instruction completes */
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 0;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x3000);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_set_regs), 0);
	/* count 1 */
	r.f->regs.rcx = 1;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK_EQ_U64(r.dev.data[0], 'h');
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x3001);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + 2 * INSN_LEN);
	/* count n: one exit for all of them */
	r.f->regs.rcx = 11;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 12);
	for (unsigned i = 0; i < 12; i++)
		SV_CHECK_EQ_U64(r.dev.data[i], (uint8_t)"hello, world"[i]);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x300c);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + 3 * INSN_LEN);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 3);

	/* REP INSD, 3 elements */
	r.f->regs.rdi = 0x5000;
	r.f->regs.rcx = 3;
	r.dev.next_reply = 0x10203040;
	strio_exit(&r, &(struct sx){ .size = 4, .in = true, .rep = true });
	SV_CHECK(memcmp(r.ram + 0x5000, "\x40\x30\x20\x10\x41\x30\x20\x10"
			"\x42\x30\x20\x10", 12) == 0);
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0x500c);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	rig_destroy(&r);
}

static void test_rep_df(void)
{
	struct rig r;

	/* REP OUTSW with DF=1: from the last word down */
	rig_init(&r, PROT32);
	memcpy(r.ram + 0x3000, "\x01\x00\x02\x00\x03\x00", 6);
	r.f->regs.rflags |= RFLAGS_DF;
	r.f->regs.rsi = 0x3004;
	r.f->regs.rcx = 3;
	strio_exit(&r, &(struct sx){ .size = 2, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 3);
	SV_CHECK_EQ_U64(r.dev.data[0], 3);
	SV_CHECK_EQ_U64(r.dev.data[1], 2);
	SV_CHECK_EQ_U64(r.dev.data[2], 1);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x2ffe);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);

	/* REP INSB with DF=1: the replies land backwards */
	r.f->regs.rdi = 0x4003;
	r.f->regs.rcx = 4;
	r.dev.next_reply = 'a';
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true });
	SV_CHECK(memcmp(r.ram + 0x4000, "dcba", 4) == 0);
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0x3fff);
	rig_destroy(&r);
}

/* ---- address size, segments, modes --------------------------------------- */

static void test_addr16_wrap(void)
{
	struct rig r;

	/* real mode, ES base 0x2000, DI ffff: DI wraps to 0 within ES */
	rig_init(&r, REAL);
	r.f->segs[SV_SEG_ES].base = 0x2000;
	r.f->regs.rdi = 0xdead0000fffeull;
	r.f->regs.rcx = 0x123400000004ull;
	r.dev.next_reply = 'w';
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true,
				     .addr_bytes = 2 });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 4);
	SV_CHECK_EQ_U64(r.ram[0x2000 + 0xfffe], 'w');
	SV_CHECK_EQ_U64(r.ram[0x2000 + 0xffff], 'x');
	SV_CHECK_EQ_U64(r.ram[0x2000], 'y');
	SV_CHECK_EQ_U64(r.ram[0x2001], 'z');
	SV_CHECK_EQ_U64(r.ram[0x12000], 0);	/* not past the wrap */
	/* CX and DI counted; the bits above them kept */
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0xdead00000002ull);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0x123400000000ull);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);

	/* a 16-bit count ignores RCX's upper bits: CX 0 is no element */
	r.f->regs.rcx = 0x10000;
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true,
				     .addr_bytes = 2 });
	SV_CHECK_EQ_U64(r.dev.calls, 4);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0x10000);
	rig_destroy(&r);

	/* 32-bit address size: ECX and ESI zero-extend */
	rig_init(&r, PROT32);
	r.f->regs.rsi = 0xffffffff00003000ull;
	r.f->regs.rcx = 0xffffffff00000002ull;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x3002);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	rig_destroy(&r);
}

static void test_segments(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	r.f->segs[SV_SEG_DS].base = 0x1000;
	r.f->segs[SV_SEG_FS].base = 0x6000;
	r.f->segs[SV_SEG_ES].base = 0x7000;
	r.ram[0x1000 + 0x10] = 'd';
	r.ram[0x1000 + 0x11] = 'D';
	r.ram[0x6000 + 0x10] = 'f';
	r.ram[0x6000 + 0x11] = 'F';
	/* OUTS default DS: both elements from DS (the second computed) */
	r.f->regs.rsi = 0x10;
	r.f->regs.rcx = 2;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	SV_CHECK_EQ_U64(r.dev.data[0], 'd');
	SV_CHECK_EQ_U64(r.dev.data[1], 'D');
	/* fs: override */
	r.f->regs.rsi = 0x10;
	r.f->regs.rcx = 2;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true,
				     .seg = SV_VMX_SEG_FS });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.data[2], 'f');
	SV_CHECK_EQ_U64(r.dev.data[3], 'F');
	/* INS: ES always, whatever the information says */
	r.f->regs.rdi = 0x20;
	r.f->regs.rcx = 2;
	r.dev.next_reply = 'e';
	{
		struct sv_exit e = {
			.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = INSN_LEN,
			.qualification = sv_io_qual_make(PORT, 1, true, true,
							 true, false),
			.instr_info = sv_io_info_make(4, SV_VMX_SEG_FS),
			.guest_linear = gva(0x7020), .rip = r.f->regs.rip,
		};

		SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
		SV_CHECK_EQ_I64(r.vm.ops->run(r.f, &r.vcpu->exit), 0);
		vmm_dispatch(r.vcpu, &r.vcpu->exit);
	}
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.ram[0x7020], 'e');
	SV_CHECK_EQ_U64(r.ram[0x7021], 'f');
	SV_CHECK_EQ_U64(r.ram[0x6020], 0);
	SV_CHECK_EQ_U64(r.ram[0x6021], 0);
	rig_destroy(&r);
}

/* 4-level paging, the first 2 MiB identity-mapped, for 64-bit mode. */
#define PML4	0x10000u
#define PDPT	0x11000u
#define PD64	0x12000u

static void put_pte(struct rig *r, uint64_t at, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		r->ram[at + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_pte(struct rig *r, uint64_t at, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)r->ram[at + i] << (8 * i);
	return v;
}

static void test_long_mode(void)
{
	struct rig r;

	rig_init(&r, LONG64);
	r.f->cr[SV_CR0] |= SV_CR0_PG;
	r.f->cr[SV_CR4] = SV_CR4_PAE;
	r.f->cr[SV_CR3] = PML4;
	SV_CHECK_EQ_I64(r.vm.ops->set_msr(r.f, SV_MSR_IA32_EFER, SV_EFER_LME |
					  SV_EFER_LMA), 0);
	put_pte(&r, PML4, PDPT | SV_PTE_P | SV_PTE_RW, 8);
	put_pte(&r, PDPT, PD64 | SV_PTE_P | SV_PTE_RW, 8);
	put_pte(&r, PD64, 0 | SV_PTE_P | SV_PTE_RW | SV_PTE_PS, 8);
	r.ram[0x3000] = 'x';
	r.ram[0x3001] = 'y';
	r.ram[0x8000] = 'g';
	r.ram[0x8001] = 'G';
	/* DS's base means nothing in 64-bit mode; RSI is 64 bits wide */
	r.f->segs[SV_SEG_DS].base = 0x5000;
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 0xffffffff00000002ull;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true, .addr_bytes = 8,
				     .long_mode = true });
	CHECK_RUNNING(&r);
	/* a 64-bit count: not 2 but 2^64-2^32+2, stopped by the cap */
	SV_CHECK_EQ_U64(r.dev.calls, SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(r.dev.data[0], 'x');
	SV_CHECK_EQ_U64(r.dev.data[1], 'y');
	SV_CHECK_EQ_U64(r.f->regs.rcx,
			0xffffffff00000002ull - SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);
	/* fs: its base counts */
	r.dev.calls = 0;
	r.f->segs[SV_SEG_FS].base = 0x5000;
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 2;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true, .addr_bytes = 8,
				     .seg = SV_VMX_SEG_FS, .long_mode = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	SV_CHECK_EQ_U64(r.dev.data[0], 'g');
	SV_CHECK_EQ_U64(r.dev.data[1], 'G');
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);
	/* a non-canonical address: #GP(0), nothing moved */
	r.dev.calls = 0;
	r.f->segs[SV_SEG_FS].base = 0x0000800000000000ull;
	r.f->regs.rsi = 0;
	r.f->regs.rcx = 1;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true, .addr_bytes = 8,
				     .seg = SV_VMX_SEG_FS, .long_mode = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_GP);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 1);
	rig_destroy(&r);
}

/* ---- stopping early -------------------------------------------------------- */

static void test_cap(void)
{
	const unsigned n = 3000;
	struct rig r;
	unsigned exits = 0;

	rig_init(&r, PROT32);
	for (unsigned i = 0; i < n; i++)
		r.ram[0x8000 + i] = (uint8_t)(i * 7);
	r.f->regs.rsi = 0x8000;
	r.f->regs.rcx = n;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	exits++;
	CHECK_RUNNING(&r);
	/* stopped at the cap: RIP on the instruction, registers where it
	 * stopped, no completion */
	SV_CHECK_EQ_U64(r.dev.calls, SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);
	SV_CHECK_EQ_U64(r.f->regs.rcx, n - SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x8000 + SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 0);
	/* the guest executes it again until it is done */
	while (r.f->regs.rip == 0x1000 && exits < 10) {
		strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
		exits++;
	}
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(exits, (n + SV_STRIO_MAX_ELEMENTS - 1) /
			       SV_STRIO_MAX_ELEMENTS);
	SV_CHECK_EQ_U64(r.dev.calls, n);
	for (unsigned i = 0; i < n; i++)
		if (r.dev.data[i] != (uint8_t)(i * 7)) {
			SV_TEST_FAIL_(__FILE__, __LINE__, "element %u: 0x%llx", i,
				      (unsigned long long)r.dev.data[i]);
			break;
		}
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x8000 + n);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 1);
	rig_destroy(&r);
}

static void test_device_stops_vm(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	memcpy(r.ram + 0x3000, "ab\xff" "cd", 5);
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 5;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true,
				     .port = PORT_STOP });
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_U64(r.vm.exit_status, 9);
	SV_CHECK_EQ_U64(r.dev.calls, 3);	/* nothing after the stop */
	SV_CHECK_EQ_U64(r.f->regs.rcx, 2);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x3003);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 0);
	rig_destroy(&r);
}

/* ---- paging ------------------------------------------------------------- */

#define PD32	0x10000u
#define PT32	0x11000u
#define P_	SV_PTE_P
#define RW_	SV_PTE_RW
#define US_	SV_PTE_US

/*
 * 32-bit paging: linear 0x400000 -> physical 0x5000, 0x401000 -> 0x3000
 * (not contiguous), 0x402000 not present. Supervisor (SS.DPL 0).
 */
static void paging32_init(struct rig *r)
{
	rig_init(r, PROT32);
	r->f->cr[SV_CR0] |= SV_CR0_PG | SV_CR0_WP;
	r->f->cr[SV_CR3] = PD32;
	put_pte(r, PD32 + 1 * 4, PT32 | P_ | RW_ | US_, 4);
	put_pte(r, PT32 + 0 * 4, 0x5000 | P_ | RW_, 4);
	put_pte(r, PT32 + 1 * 4, 0x3000 | P_ | RW_, 4);
}

static void check_pf(struct rig *r, uint32_t error, uint64_t cr2,
		     unsigned line)
{
	if (r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "VM not running: %s",
			      r->vm.stop_reason);
	if (r->vcpu->nevents != 1 || r->vcpu->events[0].vector != SV_EXC_PF ||
	    !r->vcpu->events[0].has_error || r->vcpu->events[0].error != error)
		SV_TEST_FAIL_(__FILE__, line, "%u events, first vector %u error "
			      "0x%x, expected #PF 0x%x", r->vcpu->nevents,
			      r->vcpu->events[0].vector,
			      r->vcpu->events[0].error, error);
	else
		CU_PASS("#PF queued");
	SV_CHECK_EQ_U64(r->f->cr[SV_CR2], cr2);
	r->vcpu->nevents = 0;
}

#define CHECK_PF(r, err, cr2) check_pf(r, err, cr2, __LINE__)

static void test_paging(void)
{
	struct rig r;

	paging32_init(&r);
	/* REP OUTSB over the page boundary: 0x5ffe, 0x5fff, 0x3000, 0x3001 */
	memcpy(r.ram + 0x5ffe, "AB", 2);
	memcpy(r.ram + 0x3000, "CD", 2);
	r.f->regs.rsi = 0x400ffe;
	r.f->regs.rcx = 4;
	strio_exit(&r, &(struct sx){ .size = 1, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 4);
	SV_CHECK_EQ_U64(r.dev.data[0], 'A');
	SV_CHECK_EQ_U64(r.dev.data[1], 'B');
	SV_CHECK_EQ_U64(r.dev.data[2], 'C');
	SV_CHECK_EQ_U64(r.dev.data[3], 'D');
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x401002);
	/* OUTSD whose element crosses the boundary: two translations */
	r.f->regs.rsi = 0x400ffe;
	strio_exit(&r, &(struct sx){ .size = 4 });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.data[4], 0x44434241);
	/* INS writes: the dirty bit of the page written, not the other */
	r.f->regs.rdi = 0x401010;
	r.dev.next_reply = 0x77;
	strio_exit(&r, &(struct sx){ .size = 1, .in = true });
	SV_CHECK_EQ_U64(r.ram[0x3010], 0x77);
	SV_CHECK_EQ_U64(get_pte(&r, PT32 + 4, 4) & SV_PTE_D, SV_PTE_D);
	SV_CHECK_EQ_U64(get_pte(&r, PT32, 4) & SV_PTE_D, 0);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
	rig_destroy(&r);

	/* REP INSB into the missing page: two elements, then #PF (a write,
	 * not present) with RCX/RDI as far as it got and RIP kept */
	paging32_init(&r);
	r.f->regs.rdi = 0x401ffe;
	r.f->regs.rcx = 4;
	r.dev.next_reply = 'p';
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true });
	CHECK_PF(&r, SV_PF_WR, 0x402000);
	SV_CHECK_EQ_U64(r.dev.calls, 2);	/* no port read for the third */
	SV_CHECK_EQ_U64(r.ram[0x3ffe], 'p');
	SV_CHECK_EQ_U64(r.ram[0x3fff], 'q');
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0x402000);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 2);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 0);
	/* the guest maps the page and executes it again: it finishes */
	put_pte(&r, PT32 + 2 * 4, 0x6000 | P_ | RW_, 4);
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true });
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
	SV_CHECK(memcmp(r.ram + 0x6000, "rs", 2) == 0);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000 + INSN_LEN);
	rig_destroy(&r);

	/* an INSW whose second byte is on the missing page: the fault comes
	 * before the port is read (CR2 the second page's first byte) */
	paging32_init(&r);
	r.f->regs.rdi = 0x401fff;
	strio_exit(&r, &(struct sx){ .size = 2, .in = true });
	CHECK_PF(&r, SV_PF_WR, 0x402000);
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	SV_CHECK_EQ_U64(r.f->regs.rdi, 0x401fff);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_set_regs), 0);

	/* user code (SS.DPL 3) reading a supervisor page: P|US */
	r.f->segs[SV_SEG_SS].access = AR_DATA | (3u << SV_AR_DPL_SHIFT);
	r.f->regs.rsi = 0x400000;
	strio_exit(&r, &(struct sx){ .size = 1 });
	CHECK_PF(&r, SV_PF_P | SV_PF_US, 0x400000);
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	rig_destroy(&r);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_refusals(void)
{
	struct rig r;

	/* OUTS from memory that is not RAM: refused before the port */
	rig_init(&r, PROT32);
	r.f->regs.rsi = 0x100000;
	strio_exit(&r, &(struct sx){ .size = 1 });
	CHECK_FAILED(&r, "string I/O (OUTS, port 0x500) at rip 0x1000: its "
		     "memory operand at linear 0x100000 (physical 0x100000) is "
		     "not RAM");
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 0);
	rig_destroy(&r);

	/* REP INS running off the end of RAM: the elements before it are
	 * done, the one outside is refused before the port */
	rig_init(&r, PROT32);
	r.f->regs.rdi = RAM_SIZE - 2;
	r.f->regs.rcx = 4;
	strio_exit(&r, &(struct sx){ .size = 1, .in = true, .rep = true });
	CHECK_FAILED(&r, "is not RAM");
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	rig_destroy(&r);

	/* INS into read-only memory */
	rig_init(&r, PROT32);
	r.f->regs.rdi = ROM_BASE;
	strio_exit(&r, &(struct sx){ .size = 1, .in = true });
	CHECK_FAILED(&r, "writing guest memory at physical 0x40000");
	SV_CHECK_EQ_U64(r.rom[0], 0);
	rig_destroy(&r);

	/* instruction information no processor writes */
	rig_init(&r, PROT32);
	r.f->regs.rsi = 0x3000;
	strio_exit(&r, &(struct sx){ .size = 1, .info = 3u << 7 });
	CHECK_FAILED(&r, "instruction information 0x180 names no valid "
		     "address size or segment");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	r.f->regs.rsi = 0x3000;
	strio_exit(&r, &(struct sx){ .size = 1, .info = (1u << 7) |
							(6u << 15) });
	CHECK_FAILED(&r, "names no valid address size or segment");
	rig_destroy(&r);
	/* a 64-bit address size outside 64-bit mode */
	rig_init(&r, PROT32);
	r.f->regs.rsi = 0x3000;
	strio_exit(&r, &(struct sx){ .size = 1, .addr_bytes = 8 });
	CHECK_FAILED(&r, "a 64-bit address size is impossible in this mode");
	SV_CHECK_EQ_U64(r.dev.calls, 0);
	rig_destroy(&r);
}

/* ---- the backend moved it (KVM): one element per exit, unchanged -------- */

static void test_backend_decoded(void)
{
	struct rig r;
	struct sv_exit e = {
		.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = INSN_LEN,
		.qualification = sv_io_qual_make(PORT, 1, false, true, true,
						 false),
		.io_data = 'k', .access_size = 1, .rip = 0x1000,
	};

	rig_init(&r, PROT32);
	r.f->regs.rsi = 0x3000;
	r.f->regs.rcx = 5;
	SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
	e.qualification = sv_io_qual_make(PORT, 2, true, true, false, false);
	e.access_size = 2;
	e.io_data = 0;
	SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
	r.dev.next_reply = 0x4321;
	for (int i = 0; i < 2; i++) {
		SV_CHECK_EQ_I64(r.vm.ops->run(r.f, &r.vcpu->exit), 0);
		vmm_dispatch(r.vcpu, &r.vcpu->exit);
	}
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	SV_CHECK_EQ_U64(r.dev.data[0], 'k');		/* io_data, not memory */
	SV_CHECK_EQ_U64(r.dev.size[1], 2);
	SV_CHECK_EQ_U64(r.f->io_value, 0x4321);	/* the IN's value */
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_complete_exit), 2);
	/* the core touched neither registers nor memory */
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_get_regs), 0);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_set_regs), 0);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_read_gpa), 0);
	SV_CHECK_EQ_U64(calls(&r, FAKE_OP_write_gpa), 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x3000);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 5);
	rig_destroy(&r);
}

/* ---- through the vCPU loop ------------------------------------------------ */

/* The cap's re-execution through vm_run: the exits the guest makes. */
static void test_through_loop(void)
{
	struct rig r;
	uint64_t la = 0x8000;

	rig_init(&r, PROT32);
	r.vm.state = SV_VM_CREATED;
	memset(r.ram + 0x8000, 'z', 1500);
	r.ram[0x8000 + 1499] = 0xff;
	r.f->regs.rsi = 0x8000;
	r.f->regs.rcx = 1500;
	/* the same instruction twice (the second from where the first
	 * stopped), then its last element stops the VM */
	for (int i = 0; i < 2; i++) {
		struct sv_exit e = {
			.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = INSN_LEN,
			.qualification = sv_io_qual_make(PORT_STOP, 1, false,
							 true, true, false),
			.instr_info = sv_io_info_make(4, SV_VMX_SEG_DS),
			.guest_linear = gva(la), .rip = 0x1000,
		};

		SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
		la += SV_STRIO_MAX_ELEMENTS;
	}
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.vm.exit_status, 9);
	SV_CHECK_EQ_U64(r.dev.calls, 1500);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x8000 + 1500);
	rig_destroy(&r);
}

CU_TestInfo sv_tests_strio[] = {
	{ "OUTS of each size: data, RSI, RIP, RCX and RAX kept", test_outs_sizes },
	{ "INS of each size: memory, RDI, RAX kept", test_ins_sizes },
	{ "REP counts 0, 1, n; REP INSD", test_rep_counts },
	{ "DF=1: REP OUTSW and REP INSB go down", test_rep_df },
	{ "address size: 16-bit wrap keeps upper bits, 32-bit zero-extends", test_addr16_wrap },
	{ "segments: DS default, FS override, INS always ES", test_segments },
	{ "64-bit mode: DS base ignored, FS counts, 64-bit RCX, #GP", test_long_mode },
	{ "per-exit cap: RIP kept, RCX/RSI where it stopped, re-executed", test_cap },
	{ "a device stopping the VM mid-string", test_device_stops_vm },
	{ "paging: page crossing, dirty bit, #PF mid-string and restart", test_paging },
	{ "refusals: not RAM, read-only, bad instruction information", test_refusals },
	{ "backend-decoded (KVM) string I/O: one element, unchanged", test_backend_decoded },
	{ "through vm_run: a REP re-executed until done", test_through_loop },
	CU_TEST_INFO_NULL,
};
