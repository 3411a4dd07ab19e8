/*
 * The kernel's run time (kvmm.h): scheduler, VM manager on VT-x, and the
 * manager task. The VM manager is portable (osk/vmmgr.c); what is here is
 * the machine's part: guarded stacks for the vCPU tasks, COM2 for traces,
 * the VMX exit statistics, and the console's `vm` commands (`vm console`
 * is vmmgr_attach/vmmgr_input/vmmgr_detach, plus telling the console when
 * the attached VM ends; `vm pause`/`vm resume` are vmmgr_pause and
 * vmmgr_resume).
 */
#include "kvmm.h"

#include "arch_sched.h"
#include "kconsole.h"
#include "kernel.h"
#include "kfs.h"
#include "kstack.h"
#include "multiboot2.h"
#include "serial.h"
#include "sv/console.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "sv/string.h"
#include "sv/vmmgr.h"
#include "vmx.h"
#include "x86.h"

#define KVMM_STACK_SIZE		(32u << 10)	/* vm_run and the handlers */
#define KVMM_TASK_STACK		(32u << 10)	/* the manager task */
#define KVMM_POLL_NS		1000000ull	/* the manager's nap, trace pending */
#define KVMM_IDLE_NS		10000000ull	/* its nap when nothing is */
#define KVMM_STOP_WAIT_NS	3000000000ull	/* for VMs asked to stop */
#define KVMM_LIST_MAX		128
#define KVMM_TRACE_RING		(4u << 20)	/* trace bytes not yet on COM2 */

static struct sv_sched sched;
static struct vmmgr mgr;
static struct sv_task manager;
static struct kstack manager_stack;
static struct kstack stacks[VMMGR_MAX_VMS];	/* the vCPU tasks' */
static char cmdline_copy[256];
static bool vmxstats;
static char badstate[SV_VM_NAME_MAX];
static struct console *attached_con;	/* `vm console` in progress */

/* ---- host hooks of the VM manager ---- */

static void *stack_alloc(size_t size)
{
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++) {
		if (stacks[i].top)
			continue;
		if (kstack_alloc(size, &stacks[i]))
			return NULL;
		return (void *)(uintptr_t)stacks[i].bottom;
	}
	return NULL;
}

static void stack_free(void *stack, size_t size)
{
	(void)size;
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++) {
		if (stacks[i].top && stacks[i].bottom == (uint64_t)(uintptr_t)stack) {
			kstack_free(&stacks[i]);
			stacks[i] = (struct kstack){ 0 };
			return;
		}
	}
}

/*
 * The trace leaves through a ring: the recorded vCPU copies its records
 * in and the manager task sends them as the UART takes them (115200 baud,
 * about 11 KiB/s), so the guest's time is not spent waiting on COM2. A
 * full ring makes the vCPU wait: nothing of the trace is dropped.
 */
static struct {
	uint8_t *buf;
	size_t pages;
	volatile uint64_t head, tail;	/* bytes written in, sent out */
} tring;

static void to_com2(void *ctx, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t size = tring.pages * SV_PAGE_SIZE;

	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		while (tring.head - tring.tail == size)
			(void)task_sleep(&sched, KVMM_POLL_NS);
		tring.buf[tring.head % size] = p[i];
		tring.head++;
	}
}

/* Send what the UART takes now; whether bytes are still waiting. */
static bool com2_pump(void)
{
	size_t size = tring.pages * SV_PAGE_SIZE;

	while (tring.tail != tring.head) {
		uint64_t off = tring.tail % size;
		size_t run = (size_t)SV_MIN(tring.head - tring.tail, size - off);
		size_t sent = serial_write_some(COM2_PORT, tring.buf + off, run);

		if (!sent)
			return true;
		tring.tail += sent;
	}
	return false;
}

/*
 * The manager's step: guest output, ended VMs, the trace; then a nap
 * unless output is still coming: short while trace bytes wait for the
 * UART (16 bytes take 1.4 ms at 115200 baud), else long enough that the
 * manager costs the VMs about nothing (input wakes the console's loop
 * after at most that; VM output waits in its ring meanwhile).
 */
static void manager_step(void)
{
	bool busy = vmmgr_poll(&mgr);

	if (tring.buf && com2_pump())
		(void)task_sleep(&sched, KVMM_POLL_NS);
	else if (!busy)
		(void)task_sleep(&sched, KVMM_IDLE_NS);
}

/* Everything of the trace out of the ring before the machine stops. */
static void com2_flush(void)
{
	while (tring.buf && com2_pump())
		(void)task_sleep(&sched, KVMM_POLL_NS);
	serial_drain(COM2_PORT);
}

static void print_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	host_console_write(buf, len);
}

/*
 * News about VMs goes to /var/log/smartvm.log too (kfs.h), stamped with
 * the seconds since boot: the console scrolls, the log stays on the disk.
 */
static void log_line(void *ctx, const char *line)
{
	char stamped[VMMGR_NEWS_MAX + 24];
	uint64_t us = host_time_ns() / 1000;

	(void)ctx;
	sv_snprintf(stamped, sizeof(stamped), "[%5lu.%06lu] %s",
		    (unsigned long)(us / 1000000), (unsigned long)(us % 1000000),
		    line);
	klog_file(stamped);
}

static void vm_ended(void *ctx, const struct vmmgr_vm *v)
{
	(void)ctx;
	if (vmxstats && v->m.vm.b)
		vmx_print_exit_costs(v->m.vm.b, mgr.h.out, mgr.h.out_ctx);
}

/*
 * badstate=NAME: make TR unusable, which no VM entry accepts (SDM vol. 3,
 * "Checks on Guest Segment Registers"), before the vCPU first runs.
 */
static void vm_created(void *ctx, struct vmmgr_vm *v)
{
	struct sv_segment tr;
	const struct sv_backend_ops *ops = v->m.vm.ops;

	(void)ctx;
	if (sv_strcmp(v->name, badstate) ||
	    ops->get_segment(v->m.vcpu->b, SV_SEG_TR, &tr))
		return;
	tr.access |= SV_AR_UNUSABLE;
	if (ops->set_segment(v->m.vcpu->b, SV_SEG_TR, &tr) == 0)
		sv_format(mgr.h.out, mgr.h.out_ctx, "vm %s: guest TR made "
			  "unusable on purpose (badstate=)\n", v->name);
}

/*
 * vmxstats counts the monitor's work in TSC ticks, which Bochs advances
 * once per instruction: show that on 1000 NOPs (on hardware the ratio is
 * whatever the clock is).
 */
static void tsc_check(void)
{
	unsigned long flags = host_irq_save();
	uint64_t t0 = rdtsc(), t1;

	__asm__ volatile(".rept 1000\n\tnop\n\t.endr" ::: "memory");
	t1 = rdtsc();
	host_irq_restore(flags);
	sv_printf("vmxstats: 1000 NOPs take %lu TSC ticks\n",
		  (unsigned long)(t1 - t0));
}

static void start(const char *name)
{
	char err[200];

	if (vmmgr_start(&mgr, name, err, sizeof(err))) {
		char line[VMMGR_NEWS_MAX];

		sv_snprintf(line, sizeof(line), "vm %s: not started: %s", name,
			    err);
		sv_format(mgr.h.out, mgr.h.out_ctx, "%s\n", line);
		log_line(NULL, line);
	}
}

/* start=A,B,C */
static void start_listed(void)
{
	char list[KVMM_LIST_MAX];
	char *p = list;

	if (cmdline_value(cmdline_copy, "start", list, sizeof(list)) < 0)
		return;
	while (*p) {
		char *comma = p;

		while (*comma && *comma != ',')
			comma++;
		if (*comma)
			*comma++ = '\0';
		if (*p)
			start(p);
		p = comma;
	}
}

/* Stop every VM and wait (a bounded time) until each has been torn down. */
static void stop_all(void)
{
	uint64_t until = host_time_ns() + KVMM_STOP_WAIT_NS;

	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++)
		if (mgr.vms[i] && vmmgr_stop(&mgr, mgr.vms[i]->name))
			sv_panic("stop_all: VM %s not found", mgr.vms[i]->name);
	while (vmmgr_count(&mgr) && host_time_ns() < until)
		manager_step();
	com2_flush();
}

/* ---- the console's `vm` commands ---- */

static void con_sink(void *ctx, const char *buf, size_t len)
{
	console_write(ctx, buf, len);
}

static int vm_list(void *ctx, struct console *con)
{
	(void)ctx;
	vmmgr_list(&mgr, con_sink, con);
	return 0;
}

static int vm_start(void *ctx, struct console *con, const char *name)
{
	char err[200];
	int e;

	(void)ctx;
	e = vmmgr_start(&mgr, name, err, sizeof(err));
	if (e)	/* the details here, the console adds the cause */
		console_printf(con, "vm start %s: %s\n", name, err);
	return e;
}

static int con_vm_stop(void *ctx, struct console *con, const char *name)
{
	(void)ctx;
	(void)con;
	return vmmgr_stop(&mgr, name);
}

static int vm_info(void *ctx, struct console *con, const char *name)
{
	(void)ctx;
	return vmmgr_info(&mgr, name, con_sink, con);
}

static int vm_pause(void *ctx, struct console *con, const char *name)
{
	char err[160];
	int e;

	(void)ctx;
	e = vmmgr_pause(&mgr, name, err, sizeof(err));
	if (e)	/* the details here, the console adds the cause */
		console_printf(con, "vm pause %s: %s\n", name, err);
	return e;
}

static int vm_resume(void *ctx, struct console *con, const char *name)
{
	char err[160];
	int e;

	(void)ctx;
	e = vmmgr_resume(&mgr, name, err, sizeof(err));
	if (e)
		console_printf(con, "vm resume %s: %s\n", name, err);
	return e;
}

static int vm_unsupported(void *ctx, struct console *con, const char *name)
{
	(void)ctx;
	(void)con;
	(void)name;
	return -SV_ENOSYS;
}

static int vm_attach(void *ctx, struct console *con, const char *name)
{
	char err[160];
	int e;

	(void)ctx;
	e = vmmgr_attach(&mgr, name, err, sizeof(err));
	if (e) {	/* the details here, the console adds the cause */
		console_printf(con, "vm console %s: %s\n", name, err);
		return e;
	}
	attached_con = con;
	return 0;
}

static void vm_serial_in(void *ctx, uint8_t byte)
{
	(void)ctx;
	/* a byte lost to a full ring is counted and reported at the VM's end */
	(void)vmmgr_input(&mgr, &byte, 1);
}

static void vm_detach(void *ctx)
{
	(void)ctx;
	vmmgr_detach(&mgr);
	attached_con = NULL;
}

/* The attached VM ended (its end report is out): the console leaves. */
static void attach_ended(void *ctx, const struct vmmgr_vm *v)
{
	(void)ctx;
	if (attached_con)
		console_vm_ended(attached_con, v->name);
	attached_con = NULL;
}

static const struct console_vm_ops vm_ops = {
	.list = vm_list, .create = vm_unsupported, .start = vm_start,
	.stop = con_vm_stop, .pause = vm_pause, .resume = vm_resume,
	.info = vm_info, .remove = vm_unsupported, .attach = vm_attach,
	.serial_in = vm_serial_in, .detach = vm_detach,
};

/* ---- the manager task ---- */

/* `ps`: every task of the scheduler, the vCPUs (named after their VMs)
 * and the manager among them; copied with interrupts off. */
static int list_tasks(struct console_task_info *out, size_t max, size_t *count)
{
	unsigned long flags = host_irq_save();
	struct sv_list_node *pos;
	size_t n = 0;

	sv_list_for_each(pos, &sched.tasks) {
		const struct sv_task *t = sv_list_entry(pos, struct sv_task,
							 sched_node);

		if (n < max) {
			out[n] = (struct console_task_info){
				.id = t->id, .state = t->state,
				.weight = t->weight,
				.runtime_ns = t->stats.sum_exec_ns,
				.nr_runs = t->stats.nr_runs,
			};
			sv_strlcpy(out[n].name, t->name, sizeof(out[n].name));
		}
		n++;
	}
	host_irq_restore(flags);
	*count = n;
	return 0;
}

static void console_task(void *arg)
{
	static const struct kconsole_hooks hooks = {
		.ps = list_tasks,
		.vm = &vm_ops, .idle = manager_step, .before_halt = stop_all,
	};

	(void)arg;
	start_listed();
	kconsole_run(&hooks);
}

/* Without a console: run what start= names until every VM has ended. */
static void batch_task(void *arg)
{
	(void)arg;
	start_listed();
	while (vmmgr_count(&mgr))
		manager_step();
	com2_flush();
	sv_printf("smartvm: %u VMs started, %u ended; stopping\n", mgr.started,
		  mgr.ended);
	kfs_shutdown();
	kernel_stop(true);
}

void kvmm_main(const char *cmdline, bool console)
{
	struct sv_sched_config cfg = { 0 };
	struct vmmgr_host h = {
		.ops = &vmx_backend_ops, .sched = &sched, .vfs = kfs_vfs(),
		.out = print_sink, .stack_alloc = stack_alloc,
		.stack_free = stack_free, .stack_size = KVMM_STACK_SIZE,
		.trace_sink = to_com2, .producer = "vmx",
		.cpu_features = vmx_trace_features(), .vm_ended = vm_ended,
		.log = log_line,
		.vm_created = vm_created, .attach_ended = attach_ended,
	};
	char name[SV_VM_NAME_MAX];
	char why[160];
	int err;

	sv_strlcpy(cmdline_copy, cmdline, sizeof(cmdline_copy));
	vmxstats = cmdline_has(cmdline, "vmxstats");
	if (vmxstats) {
		tsc_check();
		vmx_measure_exits(true);
	}
	if (cmdline_value(cmdline, "badstate", badstate, sizeof(badstate)) < 0)
		badstate[0] = '\0';
	if (vmx_usable(why, sizeof(why)))
		sv_printf("vmx: %s\n", why);
	else
		sv_printf("vmx: VMs cannot run here: %s\n", why);
	arch_sched_config(&cfg);
	if (sched_init(&sched, &cfg))
		sv_panic("kvmm_main: sched_init refused the defaults");
	if (console) {
		if (!kconsole_init())
			kernel_stop(false);
		h.out = kconsole_async_sink;	/* VM lines between prompts */
	}
	vmmgr_init(&mgr, &h);
	if (cmdline_value(cmdline, "trace", name, sizeof(name)) >= 0) {
		hpa_t pa;

		serial_init(COM2_PORT);
		tring.pages = KVMM_TRACE_RING / SV_PAGE_SIZE;
		tring.buf = host_pages_alloc(tring.pages, &pa);
		err = tring.buf ? vmmgr_record(&mgr, name) : -SV_ENOMEM;
		sv_printf("trace: VM %s's trace goes to COM2%s%s\n", name,
			  err ? ": " : "", err ? sv_strerror(err) : "");
	}
	if (kstack_alloc(KVMM_TASK_STACK, &manager_stack) ||
	    task_create(&sched, &manager, console ? "console" : "vmm",
			SV_SCHED_NICE0_WEIGHT,
			console ? console_task : batch_task, NULL,
			(void *)(uintptr_t)manager_stack.bottom, KVMM_TASK_STACK))
		sv_panic("kvmm_main: no manager task");
	arch_sched_attach(&sched);
	err = sched_run(&sched);
	arch_sched_attach(NULL);
	sv_panic("kvmm_main: the scheduler returned (%s)", sv_strerror(err));
}
