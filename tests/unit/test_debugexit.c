/*
 * Tests of the debug-exit port (QEMU isa-debug-exit at 0xf4, iosize 4) and
 * the POST port (0x80), through the I/O bus: the exit status for byte,
 * word and dword writes, that reads do not stop the VM, that the first stop
 * stands, and that the POST port keeps and counts what it is given, under
 * random writes too.
 */
#include <string.h>

#include "fake_backend.h"
#include "sv/dev/debugexit.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv_test.h"

struct rig {
	struct sv_vm vm;
	struct sv_debugexit dx;
	struct sv_postport post;
};

static struct rig rig;

static struct rig *rig_init(void)
{
	struct rig *r = &rig;

	memset(r, 0, sizeof(*r));
	SV_CHECK_EQ_I64(vm_init(&r->vm, "debugexit", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(debugexit_init(&r->dx, &r->vm, SV_DEBUGEXIT_PORT), 0);
	SV_CHECK_EQ_I64(postport_init(&r->post, &r->vm), 0);
	return r;
}

static void rig_fini(struct rig *r)
{
	debugexit_destroy(&r->dx);
	postport_destroy(&r->post);
	vm_destroy(&r->vm);
}

static void out(struct rig *r, uint16_t port, unsigned size, uint64_t v)
{
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size, true,
				     &v), 0);
}

static uint64_t in(struct rig *r, uint16_t port, unsigned size)
{
	uint64_t v = 0;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size, false,
				     &v), 0);
	return v;
}

static void test_outb_stops_with_status(void)
{
	struct rig *r = rig_init();

	SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
	out(r, SV_DEBUGEXIT_PORT, 1, 0x31);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_I64(r->vm.exit_status, 0x63);
	SV_CHECK(strstr(r->vm.stop_reason, "debug-exit") != NULL);
	/* the first stop stands */
	out(r, SV_DEBUGEXIT_PORT, 1, 0);
	SV_CHECK_EQ_I64(r->vm.exit_status, 0x63);
	rig_fini(r);

	/* zero still exits, with 1: a guest cannot fake "did not finish" */
	r = rig_init();
	out(r, SV_DEBUGEXIT_PORT, 1, 0);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_I64(r->vm.exit_status, 1);
	rig_fini(r);
}

/* With iosize 4, QEMU hands the whole word or dword to the device. */
static void test_wide_writes(void)
{
	static const struct { uint16_t port; unsigned size; uint64_t v; int status; }
	cases[] = {
		{ SV_DEBUGEXIT_PORT, 2, 0x1234, 0x2469 },
		{ SV_DEBUGEXIT_PORT, 4, 0x12345678, 0x2468acf1 },
		{ SV_DEBUGEXIT_PORT, 4, 0x80000001, 3 },	/* bit 31 shifts out */
		{ SV_DEBUGEXIT_PORT + 1, 1, 0x10, 0x21 },	/* anywhere inside */
		{ SV_DEBUGEXIT_PORT + 2, 2, 0x7, 0xf },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig *r = rig_init();

		out(r, cases[i].port, cases[i].size, cases[i].v);
		SV_CHECK_EQ_U64(r->vm.state, SV_VM_STOPPED);
		SV_CHECK_EQ_I64(r->vm.exit_status, cases[i].status);
		rig_fini(r);
	}
	/* an access crossing the end of the four ports is dropped by the bus */
	{
		struct rig *r = rig_init();

		out(r, SV_DEBUGEXIT_PORT + 2, 4, 0x55);
		SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
		rig_fini(r);
	}
}

static void test_reads_do_not_stop(void)
{
	struct rig *r = rig_init();

	SV_CHECK_EQ_U64(in(r, SV_DEBUGEXIT_PORT, 1), 0);
	SV_CHECK_EQ_U64(in(r, SV_DEBUGEXIT_PORT, 4), 0);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
	/* neighbours are not ours */
	SV_CHECK_EQ_U64(in(r, SV_DEBUGEXIT_PORT - 1, 1), 0xff);
	out(r, SV_DEBUGEXIT_PORT + SV_DEBUGEXIT_IOSIZE, 1, 1);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
	rig_fini(r);
	/* another base, and bad arguments */
	{
		static struct sv_debugexit other;

		r = rig_init();
		SV_CHECK_EQ_I64(debugexit_init(&other, &r->vm, 0xf6), -SV_EBUSY);
		SV_CHECK_EQ_I64(debugexit_init(&other, &r->vm, 0xfffd),
				-SV_EINVAL);
		SV_CHECK_EQ_I64(debugexit_init(&other, NULL, 0x501), -SV_EINVAL);
		SV_CHECK_EQ_I64(debugexit_init(&other, &r->vm, 0x501), 0);
		out(r, 0x501, 1, 2);
		SV_CHECK_EQ_I64(r->vm.exit_status, 5);
		debugexit_destroy(&other);
		rig_fini(r);
	}
}

static void test_post_port(void)
{
	struct rig *r = rig_init();

	SV_CHECK_EQ_U64(postport_last(&r->post), 0);
	SV_CHECK_EQ_U64(postport_writes(&r->post), 0);
	SV_CHECK_EQ_U64(in(r, SV_POSTPORT_PORT, 1), 0);
	out(r, SV_POSTPORT_PORT, 1, 0x12);
	out(r, SV_POSTPORT_PORT, 1, 0xab);
	SV_CHECK_EQ_U64(postport_last(&r->post), 0xab);
	SV_CHECK_EQ_U64(postport_writes(&r->post), 2);
	SV_CHECK_EQ_U64(in(r, SV_POSTPORT_PORT, 1), 0xab);
	/* reading changes nothing */
	SV_CHECK_EQ_U64(postport_writes(&r->post), 2);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
	rig_fini(r);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void test_random_post_writes(void)
{
	struct rig *r = rig_init();
	uint64_t seed = 0x80f4ull, writes = 0;
	uint8_t last = 0;

	for (unsigned i = 0; i < 100000; i++) {
		uint64_t x = rng_next(&seed);
		uint16_t port = (uint16_t)(0x7e + (x >> 8) % 4);	/* 0x7e-0x81 */
		unsigned size = 1u << (x % 3);
		bool write = (x >> 7) & 1;
		uint64_t d = x >> 16;

		SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size,
					     write, &d), 0);
		if (write && port == SV_POSTPORT_PORT && size == 1) {
			last = (uint8_t)(x >> 16);
			writes++;
		}
	}
	SV_CHECK_EQ_U64(postport_last(&r->post), last);
	SV_CHECK_EQ_U64(postport_writes(&r->post), writes);
	SV_CHECK_EQ_U64(r->vm.state, SV_VM_CREATED);
	rig_fini(r);
}

static uint64_t rig_digest(const struct rig *r)
{
	struct sv_digest d;

	sv_digest_init(&d);
	debugexit_digest(&r->dx, &d);
	postport_digest(&r->post, &d);
	return d.h;
}

/* rig_init() on a rig of the caller's, so that two can live at once. */
static void digest_rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	SV_CHECK_EQ_I64(vm_init(&r->vm, "debugexit", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(debugexit_init(&r->dx, &r->vm, SV_DEBUGEXIT_PORT), 0);
	SV_CHECK_EQ_I64(postport_init(&r->post, &r->vm), 0);
}

static void test_state_digest(void)
{
	static struct rig two[2];
	struct rig *a = &two[0], *b = &two[1];

	/* Two fresh rigs at different addresses: no pointer is hashed. */
	digest_rig_init(a);
	digest_rig_init(b);
	SV_CHECK_EQ_U64(rig_digest(a), rig_digest(b));

	/* The same POST codes: equal. */
	for (unsigned i = 0; i < 5; i++) {
		out(a, SV_POSTPORT_PORT, 1, 0x10 + i);
		out(b, SV_POSTPORT_PORT, 1, 0x10 + i);
	}
	(void)in(a, SV_POSTPORT_PORT, 1);
	(void)in(b, SV_POSTPORT_PORT, 1);
	SV_CHECK_EQ_U64(rig_digest(a), rig_digest(b));

	/* A different last code differs; so does the same code once more. */
	out(a, SV_POSTPORT_PORT, 1, 0x55);
	out(b, SV_POSTPORT_PORT, 1, 0xaa);
	SV_CHECK(rig_digest(a) != rig_digest(b));
	out(b, SV_POSTPORT_PORT, 1, 0x55);
	SV_CHECK_EQ_U64(postport_last(&a->post), postport_last(&b->post));
	SV_CHECK(rig_digest(a) != rig_digest(b));
	rig_fini(a);
	rig_fini(b);

	/* The debug-exit port's place is part of its state. */
	memset(b, 0, sizeof(*b));
	SV_CHECK_EQ_I64(vm_init(&b->vm, "debugexit", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(debugexit_init(&b->dx, &b->vm, 0x501), 0);
	SV_CHECK_EQ_I64(postport_init(&b->post, &b->vm), 0);
	digest_rig_init(a);
	SV_CHECK(rig_digest(a) != rig_digest(b));
	rig_fini(a);
	rig_fini(b);
}

CU_TestInfo sv_tests_debugexit[] = {
	{ "out 0x31 stops with 0x63", test_outb_stops_with_status },
	{ "word and dword writes", test_wide_writes },
	{ "reads and neighbours", test_reads_do_not_stop },
	{ "POST port", test_post_port },
	{ "random POST writes", test_random_post_writes },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
