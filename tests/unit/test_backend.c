/*
 * Tests of the vCPU backend seam: the ops table generated from the X-macro
 * is complete, and the fake backend the other suites rely on behaves like a
 * backend (scripted exits, I/O completion, memory bounds, register state).
 */
#include <stdlib.h>

#include "fake_backend.h"
#include "sv/errno.h"
#include "sv/vmx.h"
#include "sv_test.h"

static void test_table_complete(void)
{
	const struct sv_backend_ops *ops = &fake_backend_ops;
	unsigned n = 0;

	/* every member the X-macro lists is set */
#define CHECK_OP(ctx, ret, name, args) \
	do { SV_CHECK(ops->name != NULL); n++; } while (0);
	SV_BACKEND_OPS(CHECK_OP, _)
#undef CHECK_OP
	SV_CHECK_EQ_U64(n, SV_BACKEND_OP_COUNT);
	/* and the struct holds nothing but the kind and those members */
	SV_CHECK_EQ_U64(sizeof(struct sv_backend_ops),
			sizeof(const char *) + n * sizeof(void (*)(void)));
	SV_CHECK_STR_EQ(ops->kind, "fake");
}

struct fixture {
	struct sv_bvm *vm;
	struct sv_bvcpu *vcpu;
	uint8_t *ram;
};

#define RAM_SIZE (16 * SV_PAGE_SIZE)

static void setup(struct fixture *f)
{
	const struct sv_backend_ops *ops = &fake_backend_ops;

	SV_CHECK_EQ_I64(ops->vm_create(NULL, &f->vm), 0);
	f->ram = calloc(1, RAM_SIZE);
	SV_CHECK_EQ_I64(ops->map_memory(f->vm, gpa(0x100000), f->ram, RAM_SIZE, 0), 0);
	SV_CHECK_EQ_I64(ops->vcpu_create(f->vm, 0, &f->vcpu), 0);
}

static void teardown(struct fixture *f)
{
	fake_backend_ops.vcpu_destroy(f->vcpu);
	fake_backend_ops.vm_destroy(f->vm);
	free(f->ram);
}

static void test_scripted_exits(void)
{
	const struct sv_backend_ops *ops = &fake_backend_ops;
	struct fixture f;
	struct sv_exit in = {
		.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = 1,
		.qualification = 0x3f80008,	/* in al, dx; port 0x3f8 */
		.rip = 0x1000,
	}, out;
	struct sv_regs regs;

	setup(&f);
	SV_CHECK_EQ_I64(fake_queue_exit(f.vcpu, &in), 0);
	in.reason = SV_EXIT_HLT;
	in.rip = 0x1001;
	SV_CHECK_EQ_I64(fake_queue_exit(f.vcpu, &in), 0);

	SV_CHECK_EQ_I64(ops->run(f.vcpu, &out), 0);
	SV_CHECK_EQ_U64(out.reason, SV_EXIT_IO_INSTRUCTION);
	SV_CHECK_EQ_U64(out.qualification, 0x3f80008);
	SV_CHECK_EQ_I64(ops->complete_exit(f.vcpu, 0x5a), 0);
	SV_CHECK_EQ_I64(ops->get_regs(f.vcpu, &regs), 0);
	SV_CHECK_EQ_U64(regs.rip, 0x1001);	/* moved past the 1-byte IN */
	SV_CHECK_EQ_U64(f.vcpu->io_value, 0x5a);

	SV_CHECK_EQ_I64(ops->run(f.vcpu, &out), 0);
	SV_CHECK_EQ_U64(out.reason, SV_EXIT_HLT);
	SV_CHECK_EQ_I64(ops->run(f.vcpu, &out), -SV_EIO);	/* script done */
	SV_CHECK_EQ_U64(f.vm->calls[FAKE_OP_run], 3);
	teardown(&f);
}

static void test_memory_bounds(void)
{
	const struct sv_backend_ops *ops = &fake_backend_ops;
	struct fixture f;
	uint32_t v = 0xdeadbeef, r = 0;
	static uint8_t rom[SV_PAGE_SIZE];

	setup(&f);
	SV_CHECK_EQ_I64(ops->write_gpa(f.vm, gpa(0x100ffc), &v, 4), 0);
	SV_CHECK_EQ_I64(ops->read_gpa(f.vm, gpa(0x100ffc), &r, 4), 0);
	SV_CHECK_EQ_U64(r, 0xdeadbeef);
	/* the last byte of RAM is fine, one past it is not */
	SV_CHECK_EQ_I64(ops->write_gpa(f.vm, gpa(0x100000 + RAM_SIZE - 1), &v, 1), 0);
	SV_CHECK_EQ_I64(ops->write_gpa(f.vm, gpa(0x100000 + RAM_SIZE - 2), &v, 4),
			-SV_EFAULT);
	SV_CHECK_EQ_I64(ops->read_gpa(f.vm, gpa(0xfffff), &r, 4), -SV_EFAULT);
	/* a huge length must not wrap around the bounds check */
	SV_CHECK_EQ_I64(ops->read_gpa(f.vm, gpa(0x100010), &r, (size_t)-8),
			-SV_EFAULT);
	/* overlapping and unaligned maps are refused; read-only is read-only */
	SV_CHECK_EQ_I64(ops->map_memory(f.vm, gpa(0x10f000), rom, sizeof(rom), 0),
			-SV_EEXIST);
	SV_CHECK_EQ_I64(ops->map_memory(f.vm, gpa(0x800), rom, sizeof(rom), 0),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(ops->map_memory(f.vm, gpa(0xf0000), rom, sizeof(rom),
					SV_MEM_READONLY), 0);
	SV_CHECK_EQ_I64(ops->write_gpa(f.vm, gpa(0xf0000), &v, 4), -SV_EFAULT);
	SV_CHECK_EQ_I64(ops->read_gpa(f.vm, gpa(0xf0000), &r, 4), 0);
	teardown(&f);
}

static void test_state(void)
{
	const struct sv_backend_ops *ops = &fake_backend_ops;
	struct fixture f;
	struct sv_segment cs = { .selector = 0x8, .limit = 0xffffffff,
				 .base = 0, .access = 0xc09b }, got;
	struct sv_event ev = { .vector = 32, .type = SV_INTR_TYPE_EXT_INTR };
	uint64_t v;

	setup(&f);
	SV_CHECK_EQ_I64(ops->set_segment(f.vcpu, SV_SEG_CS, &cs), 0);
	SV_CHECK_EQ_I64(ops->get_segment(f.vcpu, SV_SEG_CS, &got), 0);
	SV_CHECK_EQ_U64(got.access, 0xc09b);
	SV_CHECK_EQ_I64(ops->set_cr(f.vcpu, SV_CR0, 0x11), 0);
	SV_CHECK_EQ_I64(ops->get_cr(f.vcpu, SV_CR0, &v), 0);
	SV_CHECK_EQ_U64(v, 0x11);
	SV_CHECK_EQ_I64(ops->get_cr(f.vcpu, (enum sv_cr)5, &v), -SV_EINVAL);
	SV_CHECK_EQ_I64(ops->get_msr(f.vcpu, 0xc0000080, &v), -SV_ENOENT);
	SV_CHECK_EQ_I64(ops->set_msr(f.vcpu, 0xc0000080, 0x500), 0);
	SV_CHECK_EQ_I64(ops->get_msr(f.vcpu, 0xc0000080, &v), 0);
	SV_CHECK_EQ_U64(v, 0x500);
	SV_CHECK_EQ_I64(ops->inject_event(f.vcpu, &ev), 0);
	SV_CHECK_EQ_U64(f.vcpu->nevents, 1);
	SV_CHECK_EQ_U64(f.vcpu->events[0].vector, 32);
	SV_CHECK_EQ_I64(ops->set_window(f.vcpu, SV_WINDOW_INTERRUPT, true), 0);
	SV_CHECK(f.vcpu->window[SV_WINDOW_INTERRUPT]);
	teardown(&f);
}

CU_TestInfo sv_tests_backend[] = {
	{ "ops table complete", test_table_complete },
	{ "scripted exits and I/O completion", test_scripted_exits },
	{ "guest memory bounds", test_memory_bounds },
	{ "register, segment, CR, MSR, event state", test_state },
	CU_TEST_INFO_NULL,
};
