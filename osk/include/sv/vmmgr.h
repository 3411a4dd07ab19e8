/*
 * The VM manager: VMs started from configuration files on the Smart-VM
 * file system, each vCPU a task under the fair scheduler (DESIGN.md
 * section 10, "life of a VM").
 *
 * `vmmgr_start(mgr, "web")` reads /etc/vm/web.cfg, reads the image it
 * names from the file system, builds the machine (osk/machine.c) on the
 * host's backend with RAM from host_pages_alloc, and creates the vCPU task
 * that runs vm_run. Each VM's COM1 output goes, line by line, to the
 * manager's console with a "[name] " prefix (serial = stdio) or to the
 * file the configuration names, and every VM's start and end go to the
 * console too.
 *
 * Concurrency: one manager task (the console) calls every vmmgr_*
 * function; only it touches the file system and the console. A vCPU task
 * touches nothing but its own VM: guest output crosses over in a
 * per-VM ring that vmmgr_poll drains, and a VM that ended (task DEAD) is
 * torn down by vmmgr_poll too. A VM that fails stops alone: its task
 * ends, the others run on.
 */
#ifndef SV_VMMGR_H
#define SV_VMMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"
#include "sv/format.h"
#include "sv/machine.h"
#include "sv/sched.h"
#include "sv/trace.h"
#include "sv/vfs.h"
#include "sv/vmconfig.h"
#include "sv/vmrecord.h"

#define VMMGR_MAX_VMS		8
#define VMMGR_CONFIG_DIR	"/etc/vm"
#define VMMGR_CONFIG_MAX	(16u << 10)	/* bytes of a configuration file */
#define VMMGR_IMAGE_MAX		(64u << 20)	/* bytes of a guest image */
#define VMMGR_RING		4096		/* guest output in flight */
#define VMMGR_LINE_MAX		160

struct vmmgr_vm;

struct vmmgr_host {
	const struct sv_backend_ops *ops;	/* the vCPU backend */
	struct sv_sched *sched;			/* where the vCPU tasks run */
	struct sv_vfs *vfs;			/* configs, images, serial files */
	sv_sink_fn out;				/* the console */
	void *out_ctx;
	/* a task stack with a guard page below it; NULL if none */
	void *(*stack_alloc)(size_t size);
	void (*stack_free)(void *stack, size_t size);
	size_t stack_size;
	/* optional: where a recorded VM's trace goes, byte by byte */
	sv_trace_sink trace_sink;
	void *trace_ctx;
	const char *producer;			/* trace header: "vmx" */
	uint64_t cpu_features;			/* SV_TRACE_CPU_* */
	/* optional: a VM was built, its vCPU has not run yet */
	void (*vm_created)(void *ctx, struct vmmgr_vm *v);
	/* optional: a VM ended, before its teardown (exit statistics) */
	void (*vm_ended)(void *ctx, const struct vmmgr_vm *v);
	void *ctx;
};

enum vmmgr_state {
	VMMGR_RUNNING,	/* its task runs the guest */
	VMMGR_ENDED,	/* the task returned; vmmgr_poll tears it down */
};

struct vmmgr_vm {
	enum vmmgr_state state;
	char name[SV_VM_NAME_MAX];
	struct sv_vmconfig cfg;
	struct sv_machine m;
	size_t pages;			/* of this struct (host pages) */
	void *ram;
	size_t ram_pages;
	char *config;			/* the configuration file's text */
	size_t config_pages, config_len;
	uint8_t *image;			/* the guest image file */
	size_t image_pages, image_len;
	struct sv_task task;
	void *stack;
	int result;			/* vm_run's */
	uint64_t started_ns;
	/* COM1: the vCPU task writes at head, the manager reads at tail */
	uint8_t ring[VMMGR_RING];
	volatile uint32_t head, tail;
	uint64_t dropped;		/* bytes lost to a full ring */
	char line[VMMGR_LINE_MAX];
	size_t line_len;
	int serial_fd;			/* serial = FILE: open descriptor */
	bool recording;
	struct vmrecord rec;
};

struct vmmgr {
	struct vmmgr_host h;
	struct sv_fdtable fds;		/* the manager's open files */
	struct vmmgr_vm *vms[VMMGR_MAX_VMS];
	char trace_vm[SV_VM_NAME_MAX];	/* record this VM's next start */
	unsigned started, ended;	/* counts since vmmgr_init */
};

void vmmgr_init(struct vmmgr *mgr, const struct vmmgr_host *h);

/*
 * Record the next start of VM name as a trace to h->trace_sink. One VM
 * at a time: -SV_EBUSY while a recording runs, -SV_ENOTSUP without a sink.
 */
SV_MUST_CHECK int vmmgr_record(struct vmmgr *mgr, const char *name);

/*
 * Start VM name from VMMGR_CONFIG_DIR/name.cfg. On error nothing is left
 * behind and err says what was wrong (config file:line, image, backend).
 */
SV_MUST_CHECK int vmmgr_start(struct vmmgr *mgr, const char *name, char *err,
			      size_t errlen);

/* Ask VM name to stop (it ends at its next exit). -SV_ENOENT: no such VM. */
SV_MUST_CHECK int vmmgr_stop(struct vmmgr *mgr, const char *name);

/*
 * Move guest output to its console or file, and tear down the VMs that
 * ended, reporting how. Returns whether anything happened.
 */
bool vmmgr_poll(struct vmmgr *mgr);

/* VMs started and not yet torn down. */
unsigned vmmgr_count(const struct vmmgr *mgr);

/* One line per VM: name, state, memory, exits, run time. */
void vmmgr_list(const struct vmmgr *mgr, sv_sink_fn sink, void *ctx);

/* Whether VM name exists; its line of vmmgr_list plus its config. */
SV_MUST_CHECK int vmmgr_info(const struct vmmgr *mgr, const char *name,
			     sv_sink_fn sink, void *ctx);

#endif /* SV_VMMGR_H */
