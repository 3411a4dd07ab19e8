/*
 * Tests of the machine recipe (osk/machine.c) through the fake backend: a
 * good image gives a VM with its RAM, vCPU, devices and boot state; a bad
 * image or config is refused before anything is created.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"
#include "sv/errno.h"
#include "sv/machine.h"
#include "sv_test.h"

#define RAM (2u << 20)

static struct sv_machine m;

static void no_serial(void *ctx, uint8_t b)
{
	(void)ctx;
	(void)b;
}

static struct sv_vmconfig flat_config(void)
{
	struct sv_vmconfig c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "t");
	c.memory = RAM;
	c.vcpus = 1;
	c.format = SV_IMAGE_FLAT;
	c.load_seg = 0;
	c.load_off = 0x7c00;
	return c;
}

static void test_flat_machine(void)
{
	static const uint8_t code[] = { 0xb0, 0x10, 0xe6, 0xf4 };  /* mov al,0x10; out 0xf4,al */
	struct sv_vmconfig cfg = flat_config();
	uint8_t *ram = calloc(1, RAM);
	struct sv_machine_params p = {
		.cfg = &cfg, .ops = &fake_backend_ops, .ram = ram,
		.image = code, .image_len = sizeof(code),
		.serial_out = no_serial,
	};
	char err[256] = "";
	uint64_t v = 0;

	SV_CHECK_EQ_I64(machine_plan(&m, &p, err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(machine_create(&m, &p, err, sizeof(err)), 0);
	SV_CHECK_STR_EQ(err, "");
	/* the image is in RAM at 0000:7c00 and the vCPU starts there */
	SV_CHECK(memcmp(ram + 0x7c00, code, sizeof(code)) == 0);
	SV_CHECK_EQ_U64(m.vcpu->b->regs.rip, 0x7c00);
	SV_CHECK_EQ_U64(m.vcpu->b->segs[SV_SEG_CS].selector, 0);
	/* RAM is mapped at 0 and every device answers on its ports */
	SV_CHECK_EQ_U64(m.vm.b->nregions, 1);
	SV_CHECK_EQ_U64(m.vm.b->regions[0].size, RAM);
	SV_CHECK_EQ_I64(iobus_access(&m.vm.bus, SV_IO_PORT, 0x510, 2, true, &v), 0);
	SV_CHECK_EQ_I64(iobus_access(&m.vm.bus, SV_IO_PORT, 0x511, 1, false, &v), 0);
	SV_CHECK_EQ_U64(v, 'Q');	/* fw_cfg signature */
	SV_CHECK_EQ_I64(iobus_access(&m.vm.bus, SV_IO_PORT, 0x3fd, 1, false, &v), 0);
	SV_CHECK(v != 0xff);		/* COM1 LSR, not a floating bus */
	SV_CHECK(iobus_find(&m.vm.bus, SV_IO_PORT, 0x20, &v) != NULL);
	SV_CHECK(iobus_find(&m.vm.bus, SV_IO_PORT, 0x40, &v) != NULL);
	SV_CHECK(iobus_find(&m.vm.bus, SV_IO_PORT, 0x71, &v) != NULL);
	SV_CHECK(iobus_find(&m.vm.bus, SV_IO_PORT, 0x80, &v) != NULL);
	/* the guest's debug exit ends the run with QEMU's status */
	v = 0x10;
	SV_CHECK_EQ_I64(iobus_access(&m.vm.bus, SV_IO_PORT, 0xf4, 1, true, &v), 0);
	SV_CHECK_EQ_U64(m.vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_I64(m.vm.exit_status, 0x21);
	machine_destroy(&m);
	free(ram);
}

static void test_bad_image_creates_nothing(void)
{
	static const uint8_t junk[64] = { 0x7f, 'E', 'L', 'F' };
	struct sv_vmconfig cfg = flat_config();
	uint8_t *ram = calloc(1, RAM);
	struct sv_machine_params p = {
		.cfg = &cfg, .ops = &fake_backend_ops, .ram = ram,
		.image = junk, .image_len = sizeof(junk), .serial_out = no_serial,
	};
	char err[256] = "";

	cfg.format = SV_IMAGE_MULTIBOOT;
	SV_CHECK(machine_plan(&m, &p, err, sizeof(err)) < 0);
	SV_CHECK(err[0] != '\0');
	SV_CHECK(m.vm.b == NULL);	/* no backend VM was made */
	/* a flat image that does not fit below 1 MiB */
	cfg.format = SV_IMAGE_FLAT;
	cfg.load_seg = 0xffff;
	cfg.load_off = 0xfff0;
	err[0] = '\0';
	SV_CHECK(machine_plan(&m, &p, err, sizeof(err)) < 0);
	SV_CHECK(err[0] != '\0');
	/* and creating without a good plan is refused */
	SV_CHECK_EQ_I64(machine_create(&m, &p, err, sizeof(err)), -SV_EINVAL);
	SV_CHECK(m.vm.b == NULL);
	/* RAM untouched */
	for (unsigned i = 0; i < RAM; i++)
		if (ram[i]) {
			SV_TEST_FAIL_(__FILE__, __LINE__, "RAM byte %u written", i);
			break;
		}
	free(ram);
}

static uint64_t fixed_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* Two machines built alike, on their own RAM, output contexts and clocks. */
static void test_devices_digest(void)
{
	static const uint8_t code[] = { 0xf4 };		/* hlt */
	static struct sv_machine two[2];
	struct sv_vmconfig cfg = flat_config();
	uint64_t now[2] = { 3000000000ull, 3000000000ull };
	uint8_t *ram[2];
	char err[256] = "";
	uint64_t v;

	for (unsigned i = 0; i < 2; i++) {
		struct sv_machine_params p = {
			.cfg = &cfg, .ops = &fake_backend_ops,
			.clock = fixed_clock, .clock_ctx = &now[i],
			.ram = ram[i] = calloc(1, RAM),
			.image = code, .image_len = sizeof(code),
			.serial_out = no_serial, .serial_ctx = &two[i],
			.wallclock_ns = 1795674659ull * 1000000000ull,
		};

		SV_CHECK_EQ_I64(machine_plan(&two[i], &p, err, sizeof(err)), 0);
		SV_CHECK_EQ_I64(machine_create(&two[i], &p, err, sizeof(err)), 0);
	}
	SV_CHECK_EQ_U64(machine_devices_digest(&two[0]),
			machine_devices_digest(&two[1]));
	SV_CHECK(machine_devices_digest(&two[0]) != SV_DIGEST_INIT);

	/* The same port writes keep them equal; one more on one differs. */
	for (unsigned i = 0; i < 2; i++) {
		v = 0x42;
		SV_CHECK_EQ_I64(iobus_access(&two[i].vm.bus, SV_IO_PORT, 0x3ff,
					     1, true, &v), 0);	/* COM1 SCR */
	}
	SV_CHECK_EQ_U64(machine_devices_digest(&two[0]),
			machine_devices_digest(&two[1]));
	v = 0x21;
	SV_CHECK_EQ_I64(iobus_access(&two[1].vm.bus, SV_IO_PORT, 0x21, 1, true,
				     &v), 0);	/* master PIC IMR */
	SV_CHECK(machine_devices_digest(&two[0]) !=
		 machine_devices_digest(&two[1]));

	for (unsigned i = 0; i < 2; i++) {
		machine_destroy(&two[i]);
		free(ram[i]);
	}
}

CU_TestInfo sv_tests_machine[] = {
	{ "flat image machine", test_flat_machine },
	{ "bad image creates nothing", test_bad_image_creates_nothing },
	{ "devices digest", test_devices_digest },
	CU_TEST_INFO_NULL,
};
