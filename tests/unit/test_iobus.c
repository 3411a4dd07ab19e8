/*
 * Tests of the I/O bus: registration (overlap refused, order kept), lookup
 * at range edges, unassigned addresses floating, size masking, accesses
 * straddling a range's end.
 */
#include "sv/errno.h"
#include "sv/iobus.h"
#include "sv_test.h"

struct probe {
	struct sv_io_device io;
	uint64_t last_offset, last_data;
	unsigned last_size, calls;
	bool last_write;
	uint64_t reply;
};

static int probe_handler(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct probe *p = sv_container_of(dev, struct probe, io);

	p->calls++;
	p->last_offset = offset;
	p->last_size = size;
	p->last_write = write;
	if (write)
		p->last_data = *data;
	else
		*data = p->reply;
	return 0;
}

static void probe_init(struct probe *p, const char *name)
{
	*p = (struct probe){ .io = { name, probe_handler } };
}

static void test_register_overlap(void)
{
	struct sv_iobus bus;
	struct probe a, b, c;

	iobus_init(&bus);
	probe_init(&a, "a");
	probe_init(&b, "b");
	probe_init(&c, "c");
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x20, 2, &a.io), 0);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x3f8, 8, &b.io), 0);
	/* overlaps: inside, straddling either end, containing */
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x21, 1, &c.io), -SV_EBUSY);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x1f, 2, &c.io), -SV_EBUSY);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x3ff, 4, &c.io), -SV_EBUSY);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x300, 0x200, &c.io), -SV_EBUSY);
	/* adjacent is fine; the same range in the other space is fine */
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x22, 1, &c.io), 0);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_MMIO, 0x20, 2, &c.io), 0);
	/* bad ranges */
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x100, 0, &c.io), -SV_EINVAL);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0xfffe, 4, &c.io), -SV_EINVAL);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_MMIO, ~0ull - 1, 4, &c.io),
			-SV_EINVAL);
	SV_CHECK_EQ_U64(bus.count[SV_IO_PORT], 3);
	/* sorted by base whatever the registration order */
	SV_CHECK_EQ_U64(bus.ranges[SV_IO_PORT][0].base, 0x20);
	SV_CHECK_EQ_U64(bus.ranges[SV_IO_PORT][1].base, 0x22);
	SV_CHECK_EQ_U64(bus.ranges[SV_IO_PORT][2].base, 0x3f8);
	iobus_unregister(&bus, &c.io);
	SV_CHECK_EQ_U64(bus.count[SV_IO_PORT], 2);
	SV_CHECK_EQ_U64(bus.count[SV_IO_MMIO], 0);
}

static void test_full(void)
{
	struct sv_iobus bus;
	struct probe p;

	iobus_init(&bus);
	probe_init(&p, "p");
	for (unsigned i = 0; i < SV_IOBUS_MAX_RANGES; i++)
		SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, i * 16, 4, &p.io), 0);
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x8000, 4, &p.io),
			-SV_ENOSPC);
}

static void test_access(void)
{
	struct sv_iobus bus;
	struct probe a;
	uint64_t v;

	iobus_init(&bus);
	probe_init(&a, "a");
	SV_CHECK_EQ_I64(iobus_register(&bus, SV_IO_PORT, 0x3f8, 8, &a.io), 0);
	a.reply = 0x1234567890abcdefull;
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x3fd, 1, false, &v), 0);
	SV_CHECK_EQ_U64(a.last_offset, 5);
	SV_CHECK_EQ_U64(v, 0xef);		/* masked to the access size */
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x3f8, 2, false, &v), 0);
	SV_CHECK_EQ_U64(v, 0xcdef);
	v = 0xabcd;
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x3ff, 1, true, &v), 0);
	SV_CHECK(a.last_write);
	SV_CHECK_EQ_U64(a.last_data, 0xcd);	/* only the low byte is written */
	SV_CHECK_EQ_U64(a.last_offset, 7);
	/* unassigned: all ones, writes dropped, the device is not called */
	a.calls = 0;
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x3f7, 1, false, &v), 0);
	SV_CHECK_EQ_U64(v, 0xff);
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x400, 4, false, &v), 0);
	SV_CHECK_EQ_U64(v, 0xffffffff);
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_MMIO, 0x3f8, 8, false, &v), 0);
	SV_CHECK_EQ_U64(v, ~0ull);
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x0, 2, true, &v), 0);
	/* a word at the range's last byte straddles its end: floating */
	SV_CHECK_EQ_I64(iobus_access(&bus, SV_IO_PORT, 0x3ff, 2, false, &v), 0);
	SV_CHECK_EQ_U64(v, 0xffff);
	SV_CHECK_EQ_U64(a.calls, 0);
	SV_CHECK_EQ_U64(bus.unassigned_reads, 4);
	SV_CHECK_EQ_U64(bus.unassigned_writes, 1);
}

CU_TestInfo sv_tests_iobus[] = {
	{ "registration and overlap", test_register_overlap },
	{ "bus full", test_full },
	{ "accesses, masking, unassigned", test_access },
	CU_TEST_INFO_NULL,
};
