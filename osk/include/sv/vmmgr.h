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
 * `vm console NAME` attaches the console to one VM (vmmgr_attach): its
 * COM1 output then goes to the console raw, byte for byte, without prefix
 * or line buffering (a partial line held back is shown first), whatever
 * its serial setting says (a serial file still gets every byte too); and
 * what the user types reaches its COM1 receiver (vmmgr_input). The other
 * VMs' lines go on as before. vmmgr_detach ends it; a VM that ends while
 * attached is detached by vmmgr_poll after its end report, and the host
 * hears of it through h->attach_ended so that the console can leave its
 * attached mode. A VM being recorded cannot be attached: its trace has no
 * record of host input, so the run could not be replayed.
 *
 * Concurrency: one manager task (the console) calls every vmmgr_*
 * function; only it touches the file system and the console. A vCPU task
 * touches nothing but its own VM: guest output crosses over in a
 * per-VM ring that vmmgr_poll drains, and a VM that ended (task DEAD) is
 * torn down by vmmgr_poll too. Console input crosses the other way in a
 * per-VM input ring that the vCPU task empties into its UART from the vCPU
 * loop's poll hook (vm_set_poll), as far as the receiver FIFO has room,
 * never blocking; the manager wakes the vCPU task after queuing (a halted
 * guest sleeps until its next timer otherwise). A VM that fails stops
 * alone: its task ends, the others run on.
 *
 * `vm pause NAME` (vmmgr_pause) stops the guest at its vCPU loop's next
 * boundary: the vCPU task blocks on the VM's resume queue from the loop's
 * gate (vm_set_gate), taking no processor time, until vmmgr_resume or
 * vmmgr_stop wakes it. Guest time is the host's real time and is not
 * frozen: a paused guest's timers are simply late when it goes on, as a
 * suspended laptop's clock is (a periodic timer delivers what its model
 * delivers for a missed interval, usually one interrupt, not a burst).
 * Console input typed meanwhile waits in the input ring. A recorded VM may
 * be paused too: the gate does nothing guest-visible and reads no clock,
 * so the trace shows the pause only as time that passed, and replays.
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
#include "sv/waitq.h"

#define VMMGR_MAX_VMS		16
#define VMMGR_CONFIG_DIR	"/etc/vm"
#define VMMGR_CONFIG_MAX	(16u << 10)	/* bytes of a configuration file */
#define VMMGR_IMAGE_MAX		(64u << 20)	/* bytes of a guest image */
#define VMMGR_RING		4096		/* guest output in flight */
#define VMMGR_NEWS_MAX		256		/* a line of news about a VM */
#define VMMGR_LINE_MAX		160
#define VMMGR_IN_RING		256		/* console input in flight */

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
	/* optional: each line of news about a VM (no newline), for a log */
	void (*log)(void *ctx, const char *line);
	/* optional: a VM ended, before its teardown (exit statistics) */
	void (*vm_ended)(void *ctx, const struct vmmgr_vm *v);
	/* optional: the attached VM ended and is detached (after its end
	 * report, before its teardown): the console leaves attached mode */
	void (*attach_ended)(void *ctx, const struct vmmgr_vm *v);
	void *ctx;
};

enum vmmgr_state {
	VMMGR_RUNNING,	/* its task runs the guest */
	VMMGR_ENDED,	/* the task returned; vmmgr_poll tears it down */
};

struct vmmgr_vm {
	enum vmmgr_state state;
	/* vmmgr_pause: the vCPU blocks at its gate on resume_q. Written by
	 * the manager, read by the vCPU task, both with interrupts off. */
	bool paused;
	struct sv_waitq resume_q;
	struct sv_sched *sched;		/* the vCPU task's (for its gate) */
	uint64_t paused_ns;		/* host_time_ns() at the pause */
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
	bool raw_midline;		/* attached, last byte shown not LF */
	/* console input: the manager writes at in_head, the vCPU task reads
	 * at in_tail (into COM1, as the FIFO has room) */
	uint8_t in_ring[VMMGR_IN_RING];
	uint32_t in_head, in_tail;	/* __atomic acquire/release */
	uint64_t in_dropped;		/* bytes lost to a full input ring */
	int serial_fd;			/* serial = FILE: open descriptor */
	bool recording;
	struct vmrecord rec;
};

struct vmmgr {
	struct vmmgr_host h;
	struct sv_fdtable fds;		/* the manager's open files */
	struct vmmgr_vm *vms[VMMGR_MAX_VMS];
	char trace_vm[SV_VM_NAME_MAX];	/* record this VM's next start */
	struct vmmgr_vm *attached;	/* `vm console`: NULL when none */
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

/*
 * Ask VM name to stop (it ends at its next exit; its vCPU task is woken, so
 * a halted or paused guest ends too). -SV_ENOENT: no such VM.
 */
SV_MUST_CHECK int vmmgr_stop(struct vmmgr *mgr, const char *name);

/*
 * Pause VM name: its vCPU task blocks before its next guest entry (at once
 * if the guest is halted: the task is woken to see it) and uses no
 * processor time until vmmgr_resume, or vmmgr_stop, which ends it. Prints
 * "vm NAME: paused". Errors, with err saying why: -SV_ENOENT no such VM
 * (or it has ended or is ending), -SV_EBUSY it is paused already.
 */
SV_MUST_CHECK int vmmgr_pause(struct vmmgr *mgr, const char *name, char *err,
			      size_t errlen);

/*
 * Let paused VM name run again (its timers that fell due meanwhile fire at
 * once, late). Prints "vm NAME: resumed after S s". Errors, with err saying
 * why: -SV_ENOENT no such VM (or it has ended), -SV_EINVAL it is not
 * paused.
 */
SV_MUST_CHECK int vmmgr_resume(struct vmmgr *mgr, const char *name, char *err,
			       size_t errlen);

/*
 * Move guest output to its console or file, and tear down the VMs that
 * ended, reporting how. Returns whether anything happened.
 */
bool vmmgr_poll(struct vmmgr *mgr);

/*
 * Attach the console to VM name (see above). Errors, with err saying
 * why: -SV_ENOENT no such VM (or it has ended), -SV_EPERM the VM is being
 * recorded, -SV_EBUSY a VM is attached already.
 */
SV_MUST_CHECK int vmmgr_attach(struct vmmgr *mgr, const char *name, char *err,
			      size_t errlen);

/* End the attachment, if any: the VM's output goes back to its lines. */
void vmmgr_detach(struct vmmgr *mgr);

/* The attached VM's name, or NULL. */
const char *vmmgr_attached(const struct vmmgr *mgr);

/*
 * Queue len bytes for the attached VM's COM1 receiver and wake its vCPU
 * task. Never blocks: what does not fit in the input ring (VMMGR_IN_RING
 * bytes not yet taken by the guest's FIFO) is lost, counted, and reported
 * when the VM ends, as a serial line loses bytes. Returns 0 when all were
 * queued, -SV_ENOSPC when some were lost, -SV_ENOENT when no VM is
 * attached. Not SV_MUST_CHECK: a caller with nobody to tell may ignore it.
 */
int vmmgr_input(struct vmmgr *mgr, const uint8_t *buf, size_t len);

/* VMs started and not yet torn down. */
unsigned vmmgr_count(const struct vmmgr *mgr);

/* One line per VM: name, state (running, paused, ended), memory, exits,
 * run time (since its start, paused time included). */
void vmmgr_list(const struct vmmgr *mgr, sv_sink_fn sink, void *ctx);

/* Whether VM name exists; its line of vmmgr_list plus its config. */
SV_MUST_CHECK int vmmgr_info(const struct vmmgr *mgr, const char *name,
			     sv_sink_fn sink, void *ctx);

#endif /* SV_VMMGR_H */
