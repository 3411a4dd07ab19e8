/*
 * A PC-like virtual machine assembled from a configuration: the VM manager's
 * recipe for one guest. It owns the VM object and the guest's devices (PIC
 * pair, PIT, COM1, CMOS/RTC, fw_cfg, debug-exit and POST ports), loads the
 * guest image into RAM and sets the boot CPU state.
 *
 * Host-neutral: the caller provides guest RAM, the image bytes, the backend
 * and where COM1's output goes, so the Linux program and the bare-metal
 * kernel build machines the same way.
 */
#ifndef SV_MACHINE_H
#define SV_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"
#include "sv/dev/debugexit.h"
#include "sv/dev/fwcfg.h"
#include "sv/dev/pic.h"
#include "sv/dev/pit.h"
#include "sv/dev/rtc.h"
#include "sv/dev/uart.h"
#include "sv/loader.h"
#include "sv/vm.h"
#include "sv/vmconfig.h"

/* Standard PC I/O assignments of the machine's devices. */
#define SV_MACHINE_COM1_PORT	0x3f8
#define SV_MACHINE_COM1_IRQ	4
#define SV_MACHINE_DEBUG_EXIT	0xf4

struct sv_machine_params {
	const struct sv_vmconfig *cfg;
	const struct sv_backend_ops *ops;
	void *backend_inst;		/* vm_create's inst: recorder, replayer */
	/* guest time (vm_set_clock); NULL: the host's own clock */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	bool clock_realtime;
	void *ram;			/* cfg->memory bytes, zeroed, page-aligned */
	const void *image;		/* the guest image file's bytes */
	size_t image_len;
	void (*serial_out)(void *ctx, uint8_t byte);	/* COM1 output */
	void *serial_ctx;
	uint64_t wallclock_ns;		/* RTC time at start (host_realtime_ns) */
};

struct sv_machine {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	uint8_t *ram;
	uint64_t ram_size;
	struct sv_pic pic;
	struct sv_pit pit;
	struct sv_uart com1;
	struct sv_rtc rtc;
	struct sv_fwcfg fwcfg;
	struct sv_debugexit debugexit;
	struct sv_postport post;
	struct sv_load_plan plan;
	bool planned;			/* machine_plan succeeded */
};

/*
 * Decode: validate the image against the configuration and plan its load
 * into m->plan. No side effects beyond *m; a bad image gets a message in
 * err and nothing else happens.
 */
SV_MUST_CHECK int machine_plan(struct sv_machine *m,
			       const struct sv_machine_params *p,
			       char *err, size_t errlen);

/*
 * Act: after a successful machine_plan() on the same m and p, create the
 * VM, its RAM, vCPU and devices, write the image and set the boot state.
 * On error, err holds a message and everything made so far is undone.
 */
SV_MUST_CHECK int machine_create(struct sv_machine *m,
				 const struct sv_machine_params *p,
				 char *err, size_t errlen);
void machine_destroy(struct sv_machine *m);

/*
 * The device half of the record/replay state digest: one FNV-1a digest
 * (sv/digest.h) fed by each device's *_digest in this fixed order: PIC
 * pair, PIT, COM1, RTC, fw_cfg, debug exit, POST port. Equal for two
 * machines whose devices are in the same state, whatever their addresses.
 */
uint64_t machine_devices_digest(const struct sv_machine *m);

#endif /* SV_MACHINE_H */
