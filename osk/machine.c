/*
 * Building a VM from its configuration (see sv/machine.h): the VM manager's
 * one recipe, used by every host. The order is the DESIGN.md "life of a VM":
 * validate and plan the image (machine_plan), then create the VM and its
 * RAM and vCPU, attach the devices to its I/O bus, write the image and set
 * the boot CPU state (machine_create).
 */
#include "sv/machine.h"

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"

/* The PC memory layout the guest's e820 map and CMOS describe. */
#define EBDA_START	0x9fc00ull
#define LOW_RAM_END	0xa0000ull
#define BIOS_START	0xf0000ull
#define HIGH_RAM_START	0x100000ull

static int fail(char *err, size_t errlen, int code, const char *what)
{
	sv_snprintf(err, errlen, "%s: %s", what, sv_strerror(code));
	return code;
}

static int plan_image(struct sv_machine *m, const struct sv_machine_params *p,
		      char *err, size_t errlen)
{
	const struct sv_vmconfig *cfg = p->cfg;

	switch (cfg->format) {
	case SV_IMAGE_FLAT:
		return loader_flat(p->image, p->image_len, cfg->load_seg,
				   cfg->load_off, cfg->memory, &m->plan, err,
				   errlen);
	case SV_IMAGE_MULTIBOOT:
		return loader_multiboot(p->image, p->image_len, cfg->memory,
					cfg->cmdline, &m->plan, err, errlen);
	}
	sv_snprintf(err, errlen, "unknown image format %d", (int)cfg->format);
	return -SV_EINVAL;
}

static int add_e820(struct sv_machine *m)
{
	struct sv_e820_entry map[4];
	unsigned n = 0;
	uint64_t ram = m->ram_size;

	map[n++] = (struct sv_e820_entry){ 0, SV_MIN(ram, EBDA_START),
					   SV_E820_RAM };
	map[n++] = (struct sv_e820_entry){ EBDA_START, LOW_RAM_END - EBDA_START,
					   SV_E820_RESERVED };
	map[n++] = (struct sv_e820_entry){ BIOS_START, HIGH_RAM_START - BIOS_START,
					   SV_E820_RESERVED };
	if (ram > HIGH_RAM_START)
		map[n++] = (struct sv_e820_entry){ HIGH_RAM_START,
						   ram - HIGH_RAM_START,
						   SV_E820_RAM };
	return fwcfg_add_e820(&m->fwcfg, map, n);
}

static int attach_devices(struct sv_machine *m, const struct sv_machine_params *p,
			  char *err, size_t errlen)
{
	struct sv_vm *vm = &m->vm;
	int e;

	if ((e = pic_init(&m->pic, vm)))
		return fail(err, errlen, e, "8259A PIC");
	if ((e = pit_init(&m->pit, vm)))
		return fail(err, errlen, e, "8254 PIT");
	if ((e = uart_init(&m->com1, vm, SV_MACHINE_COM1_PORT,
			   SV_MACHINE_COM1_IRQ, p->serial_out, p->serial_ctx)))
		return fail(err, errlen, e, "COM1");
	if ((e = rtc_init(&m->rtc, vm, p->wallclock_ns)))
		return fail(err, errlen, e, "CMOS/RTC");
	rtc_set_memory(&m->rtc, m->ram_size);
	if ((e = fwcfg_init(&m->fwcfg, vm, m->ram_size, p->cfg->vcpus)) ||
	    (e = add_e820(m)))
		return fail(err, errlen, e, "fw_cfg");
	if ((e = debugexit_init(&m->debugexit, vm, SV_MACHINE_DEBUG_EXIT)))
		return fail(err, errlen, e, "debug-exit port");
	if ((e = postport_init(&m->post, vm)))
		return fail(err, errlen, e, "POST port");
	return 0;
}

static int set_boot_cpu(struct sv_machine *m)
{
	const struct sv_backend_ops *ops = m->vm.ops;
	const struct sv_boot_cpu *c = &m->plan.cpu;
	struct sv_bvcpu *b = m->vcpu->b;
	int e;

	for (unsigned s = 0; s < SV_SEG_COUNT; s++)
		if ((e = ops->set_segment(b, (enum sv_seg)s, &c->seg[s])))
			return e;
	if ((e = ops->set_cr(b, SV_CR0, c->cr0)) ||
	    (e = ops->set_cr(b, SV_CR3, c->cr3)) ||
	    (e = ops->set_cr(b, SV_CR4, c->cr4)))
		return e;
	return ops->set_regs(b, &c->regs);
}

int machine_plan(struct sv_machine *m, const struct sv_machine_params *p,
		 char *err, size_t errlen)
{
	int e;

	sv_memset(m, 0, sizeof(*m));
	m->ram = p->ram;
	m->ram_size = p->cfg->memory;
	e = plan_image(m, p, err, errlen);
	m->planned = e == 0;
	return e;
}

int machine_create(struct sv_machine *m, const struct sv_machine_params *p,
		   char *err, size_t errlen)
{
	int e;

	if (!m->planned || m->ram != p->ram) {
		sv_snprintf(err, errlen, "machine_create without machine_plan");
		return -SV_EINVAL;
	}
	e = vm_init(&m->vm, p->cfg->name, p->ops, p->backend_inst);
	if (e)
		return fail(err, errlen, e, "cannot create the VM");
	/* before any device reads the time, so a recording sees every read */
	if (p->clock)
		vm_set_clock(&m->vm, p->clock, p->clock_ctx, p->clock_realtime);
	if ((e = vm_map_ram(&m->vm, gpa(0), m->ram, m->ram_size))) {
		fail(err, errlen, e, "cannot map guest RAM");
		goto undo;
	}
	if ((e = vm_add_vcpu(&m->vm, &m->vcpu))) {
		fail(err, errlen, e, "cannot create the vCPU");
		goto undo;
	}
	if ((e = attach_devices(m, p, err, errlen)))
		goto undo;
	if ((e = loader_apply(&m->plan, m->ram, m->ram_size))) {
		fail(err, errlen, e, "cannot write the image to guest RAM");
		goto undo;
	}
	if ((e = set_boot_cpu(m))) {
		fail(err, errlen, e, "cannot set the boot CPU state");
		goto undo;
	}
	return 0;
undo:
	machine_destroy(m);
	return e;
}

void machine_destroy(struct sv_machine *m)
{
	vm_destroy(&m->vm);
}

uint64_t machine_devices_digest(const struct sv_machine *m)
{
	struct sv_digest d;

	sv_digest_init(&d);
	pic_digest(&m->pic, &d);
	pit_digest(&m->pit, &d);
	uart_digest(&m->com1, &d);
	rtc_digest(&m->rtc, &d);
	fwcfg_digest(&m->fwcfg, &d);
	debugexit_digest(&m->debugexit, &d);
	postport_digest(&m->post, &d);
	return d.h;
}
