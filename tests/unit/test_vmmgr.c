/*
 * Tests of the VM manager (osk/vmmgr.c) on Linux, run the way the kernel
 * runs it (backend_baremetal/kvmm.c): a manager task calls vmmgr_start and
 * then loops vmmgr_poll + task_sleep until no VM is left, under a real
 * scheduler whose tasks switch with the POSIX task seam. Configurations and
 * images live on a ramfs mounted as the VFS root; the fake backend plays
 * each guest from a script queued by the vm_created hook (OUT bytes to
 * COM1, then the debug-exit port or a triple fault). Its run op first does
 * what the kernel's timer interrupt does (sched_tick, task_yield when
 * asked), so the vCPU tasks and the manager interleave.
 *
 * Host pages are counted through the linker's --wrap of host_pages_alloc
 * and host_pages_free (tests/unit/CMakeLists.txt), stacks and ramfs memory
 * by this file's allocators, so each test can check that every byte came
 * back, and can make any one allocation fail.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_backend.h"
#include "sched_harness.h"
#include "sv/errno.h"
#include "sv/host.h"
#include "sv/ramfs.h"
#include "sv/record.h"
#include "sv/trace.h"
#include "sv/vmmgr.h"
#include "sv/vmx.h"
#include "sv_test.h"

#define STACK_SIZE	(128 * 1024)
#define POLL_NS		1000000ull	/* the manager's nap between polls */
#define CLOCK_STEP_NS	1000ull		/* each read of the clock moves it on */
#define POLL_LIMIT	200000u		/* manager iterations before giving up */
#define OUT_MAX		32768
#define MAX_SCRIPTS	16
#define DEBUG_EXIT_STOP	0x10		/* status (0x10 << 1) | 1 = 33 */

/* ---- host pages, counted (--wrap) ---------------------------------------- */

void *__real_host_pages_alloc(size_t npages, hpa_t *pa);
void __real_host_pages_free(void *va, size_t npages);
void *__wrap_host_pages_alloc(size_t npages, hpa_t *pa);
void __wrap_host_pages_free(void *va, size_t npages);

#define MAX_LIVE 64

static struct {
	bool on;		/* count only during a vmmgr test */
	struct { void *va; size_t n; } live[MAX_LIVE];
	size_t pages;		/* outstanding */
	unsigned allocs;	/* outstanding allocations */
	unsigned bad_frees;	/* unknown address or wrong page count */
	unsigned calls;		/* host_pages_alloc calls so far */
	unsigned fail_at;	/* fail that call (1-based); 0: none */
} hp;

void *__wrap_host_pages_alloc(size_t npages, hpa_t *pa)
{
	void *va;

	if (!hp.on)
		return __real_host_pages_alloc(npages, pa);
	if (++hp.calls == hp.fail_at)
		return NULL;
	va = __real_host_pages_alloc(npages, pa);
	if (!va)
		return NULL;
	for (unsigned i = 0; i < MAX_LIVE; i++) {
		if (!hp.live[i].va) {
			hp.live[i].va = va;
			hp.live[i].n = npages;
			hp.pages += npages;
			hp.allocs++;
			return va;
		}
	}
	hp.bad_frees++;		/* table full: counts as a failure too */
	return va;
}

void __wrap_host_pages_free(void *va, size_t npages)
{
	if (hp.on && va) {
		unsigned i;

		for (i = 0; i < MAX_LIVE; i++)
			if (hp.live[i].va == va)
				break;
		if (i == MAX_LIVE || hp.live[i].n != npages) {
			hp.bad_frees++;
		} else {
			hp.live[i].va = NULL;
			hp.pages -= npages;
			hp.allocs--;
		}
	}
	__real_host_pages_free(va, npages);
}

/* ---- the rig: file system, scheduler, manager ---------------------------- */

enum script {
	SCRIPT_HELLO,		/* "Hi\n", then "bye" (no newline), stop 33 */
	SCRIPT_FAULT,		/* "X", then a triple fault */
	SCRIPT_LOOP,		/* reads an unclaimed port forever */
	SCRIPT_QUIET,		/* no output, stop 33 */
	SCRIPT_PROMPT,		/* "echo> ", then reads a port forever */
};

struct rig {
	struct ramfs rfs;
	struct sv_fs_alloc fs_alloc;
	size_t fs_bytes;		/* ramfs memory outstanding */
	struct sv_vfs vfs;
	struct sv_fdtable fds;		/* the test's own descriptors */
	struct sv_sched s;
	uint64_t now;			/* the scheduler's simulated clock */
	struct vmmgr mgr;
	struct vmmgr_host h;
	char out[OUT_MAX];		/* the manager's console */
	char log[4096];			/* the host's log, lines ended by '|' */
	size_t log_len;
	size_t out_len;
	uint8_t *trace;			/* the recorded trace */
	size_t trace_len, trace_cap;
	unsigned stacks;		/* vCPU stacks outstanding */
	unsigned stack_calls, stack_fail_at;
	unsigned created, ended;	/* hook calls */
	struct { char name[SV_VM_NAME_MAX]; enum script s; } scripts[MAX_SCRIPTS];
	unsigned nscripts;
	struct sv_bvcpu *loop[VMMGR_MAX_VMS];	/* vCPUs whose script repeats */
	unsigned loop_from[VMMGR_MAX_VMS];	/* from this exit on */
	unsigned nloop;
	unsigned attach_ends;		/* attach_ended hook calls */
	struct sv_task manager;
	void (*body)(struct rig *r);
	bool pull_plug;			/* a test gave up: every run fails */
	/* pause VM pause_vm from its own vCPU when its script reaches exit
	 * pause_at (a pause at a chosen point of the run) */
	char pause_vm[SV_VM_NAME_MAX];
	unsigned pause_at;
	struct sv_bvcpu *pause_vcpu;
	int pause_err;
};

static struct rig R;
static struct sv_backend_ops test_ops;

static void *fs_alloc(void *ctx, size_t size)
{
	struct rig *r = ctx;
	void *p = malloc(size);

	if (p)
		r->fs_bytes += size;
	return p;
}

static void fs_free(void *ctx, void *ptr, size_t size)
{
	struct rig *r = ctx;

	if (ptr)
		r->fs_bytes -= size;
	free(ptr);
}

static uint64_t rig_clock(void *ctx)
{
	struct rig *r = ctx;

	return r->now += CLOCK_STEP_NS;
}

/* Nothing runnable: jump to the next deadline; none is a deadlock. */
static int rig_idle(void *ctx, uint64_t deadline)
{
	struct rig *r = ctx;

	if (deadline == SV_TIME_NEVER)
		return -SV_EAGAIN;
	if (deadline > r->now)
		r->now = deadline;
	return 0;
}

static void out_sink(void *ctx, const char *buf, size_t len)
{
	struct rig *r = ctx;
	size_t room = sizeof(r->out) - 1 - r->out_len;

	if (len > room)
		len = room;
	memcpy(r->out + r->out_len, buf, len);
	r->out_len += len;
	r->out[r->out_len] = '\0';
}

static void trace_sink(void *ctx, const void *buf, size_t len)
{
	struct rig *r = ctx;

	if (r->trace_len + len > r->trace_cap) {
		size_t cap = r->trace_cap ? r->trace_cap : 65536;
		uint8_t *p;

		while (cap < r->trace_len + len)
			cap *= 2;
		p = realloc(r->trace, cap);
		if (!p)
			return;
		r->trace = p;
		r->trace_cap = cap;
	}
	memcpy(r->trace + r->trace_len, buf, len);
	r->trace_len += len;
}

static void *vm_stack_alloc(size_t size)
{
	void *p;

	if (++R.stack_calls == R.stack_fail_at)
		return NULL;
	p = test_stack_alloc(size);
	if (p)
		R.stacks++;
	return p;
}

static void vm_stack_free(void *stack, size_t size)
{
	SV_CHECK_EQ_U64(size, STACK_SIZE);
	if (stack)
		R.stacks--;
	test_stack_free(stack);
}

/* The fake backend's run, after what the timer interrupt would do. */
static int yielding_run(struct sv_bvcpu *vcpu, struct sv_exit *exit)
{
	if (sched_tick(&R.s, sched_clock(&R.s)))
		task_yield(&R.s);
	if (R.pull_plug)
		return -SV_EIO;
	if (R.pause_vcpu == vcpu && vcpu->next == R.pause_at) {
		char err[160];

		R.pause_vcpu = NULL;	/* once */
		R.pause_err = vmmgr_pause(&R.mgr, R.pause_vm, err, sizeof(err));
	}
	for (unsigned i = 0; i < R.nloop; i++)
		if (R.loop[i] == vcpu && vcpu->next == vcpu->nscript)
			vcpu->next = R.loop_from[i];	/* the guest loops */
	return fake_backend_ops.run(vcpu, exit);
}

static void q_exit(struct sv_bvcpu *f, uint16_t reason, uint64_t qual,
		   uint64_t data)
{
	struct sv_exit e = { .reason = reason, .qualification = qual,
			     .io_data = data, .rip = 0x7c00, .instr_len = 1 };

	SV_CHECK_EQ_I64(fake_queue_exit(f, &e), 0);
}

static void q_out(struct sv_bvcpu *f, uint16_t port, uint8_t v)
{
	q_exit(f, SV_EXIT_IO_INSTRUCTION,
	       sv_io_qual_make(port, 1, false, false, false, false), v);
}

static void q_text(struct sv_bvcpu *f, const char *s)
{
	while (*s)
		q_out(f, SV_MACHINE_COM1_PORT, (uint8_t)*s++);
}

static enum script script_of(const struct rig *r, const char *name)
{
	for (unsigned i = 0; i < r->nscripts; i++)
		if (!strcmp(r->scripts[i].name, name))
			return r->scripts[i].s;
	return SCRIPT_HELLO;
}

static void set_script(struct rig *r, const char *name, enum script s)
{
	SV_CHECK(r->nscripts < MAX_SCRIPTS);
	if (r->nscripts == MAX_SCRIPTS)
		return;
	strcpy(r->scripts[r->nscripts].name, name);
	r->scripts[r->nscripts++].s = s;
}

/* Built, not run yet: queue the guest's part into the fake vCPU. */
static void vm_created(void *ctx, struct vmmgr_vm *v)
{
	struct rig *r = ctx;
	/* a recorded VM's vCPU handle is the recorder's, wrapping the fake */
	struct sv_bvcpu *f = v->recording ? v->rec.rec.vcpu.inner
					  : v->m.vcpu->b;

	r->created++;
	SV_CHECK_EQ_U64(v->m.vm.state, SV_VM_CREATED);
	if (r->pause_vm[0] && !strcmp(r->pause_vm, v->name))
		r->pause_vcpu = f;
	switch (script_of(r, v->name)) {
	case SCRIPT_HELLO:
		q_text(f, "Hi\r\nbye");
		q_out(f, SV_MACHINE_DEBUG_EXIT, DEBUG_EXIT_STOP);
		break;
	case SCRIPT_FAULT:
		q_text(f, "X");
		q_exit(f, SV_EXIT_TRIPLE_FAULT, 0, 0);
		q_out(f, SV_MACHINE_DEBUG_EXIT, DEBUG_EXIT_STOP);  /* never */
		break;
	case SCRIPT_PROMPT:
		q_text(f, "echo> ");	/* then loops on the port read */
		/* fall through */
	case SCRIPT_LOOP:
		q_exit(f, SV_EXIT_IO_INSTRUCTION,
		       sv_io_qual_make(0x1234, 1, true, false, false, false), 0);
		if (r->nloop < VMMGR_MAX_VMS) {
			r->loop_from[r->nloop] = f->nscript - 1;
			r->loop[r->nloop++] = f;
		}
		break;
	case SCRIPT_QUIET:
		q_out(f, SV_MACHINE_DEBUG_EXIT, DEBUG_EXIT_STOP);
		break;
	}
}

/* The host's log: every line of news, one per call, without newlines. */
static void log_sink(void *ctx, const char *line)
{
	struct rig *r = ctx;
	size_t len = strlen(line), room = sizeof(r->log) - 1 - r->log_len;

	SV_CHECK(strchr(line, '\n') == NULL);
	if (len + 1 > room)
		return;
	memcpy(r->log + r->log_len, line, len);
	r->log_len += len;
	r->log[r->log_len++] = '|';
	r->log[r->log_len] = '\0';
}

static void vm_ended(void *ctx, const struct vmmgr_vm *v)
{
	struct rig *r = ctx;

	r->ended++;
	SV_CHECK_EQ_U64(v->state, VMMGR_ENDED);
}

/* The attached VM ended: mark the moment in the console's output. */
static void attach_ended(void *ctx, const struct vmmgr_vm *v)
{
	struct rig *r = ctx;
	char mark[64];

	r->attach_ends++;
	SV_CHECK(r->mgr.attached == NULL);	/* detached before the call */
	snprintf(mark, sizeof(mark), "<attach ended: %s>", v->name);
	out_sink(r, mark, strlen(mark));
}

static void put(struct rig *r, const char *path, const void *data, size_t len)
{
	size_t done = 0;
	int fd = -1;

	SV_CHECK_EQ_I64(vfs_open(&r->vfs, &r->fds, path, strlen(path),
				 SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &fd), 0);
	if (len)
		SV_CHECK_EQ_I64(vfs_write(&r->fds, fd, data, len, &done), 0);
	SV_CHECK_EQ_I64(vfs_close(&r->fds, fd), 0);
}

/* A file's contents, NUL-terminated; 0 or the open's error. */
static int get(struct rig *r, const char *path, char *buf, size_t cap,
	       size_t *len)
{
	size_t done;
	int fd, e;

	*len = 0;
	buf[0] = '\0';
	e = vfs_open(&r->vfs, &r->fds, path, strlen(path), SV_O_RDONLY, &fd);
	if (e)
		return e;
	while (!(e = vfs_read(&r->fds, fd, buf + *len, cap - 1 - *len,
			      &done)) && done)
		*len += done;
	buf[*len] = '\0';
	SV_CHECK_EQ_I64(vfs_close(&r->fds, fd), 0);
	return e;
}

static const uint8_t flat_image[] = { 0xf4 };	/* hlt: the script decides */

static void put_str(struct rig *r, const char *path, const char *text)
{
	put(r, path, text, strlen(text));
}

/* /etc/vm/NAME.cfg (1 MiB, flat, image /vm/NAME.bin) plus extra lines. */
static void put_vm(struct rig *r, const char *name, const char *extra)
{
	char path[128], text[1024];

	snprintf(path, sizeof(path), "/etc/vm/%s.cfg", name);
	snprintf(text, sizeof(text), "name = %s\nmemory = 1M\n"
		 "image = /vm/%s.bin\nformat = flat\n%s", name, name, extra);
	put_str(r, path, text);
	snprintf(path, sizeof(path), "/vm/%s.bin", name);
	put(r, path, flat_image, sizeof(flat_image));
}

static void rig_setup(bool with_trace)
{
	struct sv_sched_config cfg = { .clock = rig_clock, .idle = rig_idle,
				       .ctx = &R };

	memset(&R, 0, sizeof(R));
	memset(&hp, 0, sizeof(hp));
	hp.on = true;
	test_ops = fake_backend_ops;
	test_ops.run = yielding_run;

	R.fs_alloc = (struct sv_fs_alloc){ fs_alloc, fs_free, &R };
	SV_CHECK_EQ_I64(ramfs_init(&R.rfs, &R.fs_alloc), 0);
	vfs_init(&R.vfs);
	SV_CHECK_EQ_I64(vfs_mount(&R.vfs, "/", 1, &R.rfs.fs), 0);
	vfs_fdtable_init(&R.fds);
	SV_CHECK_EQ_I64(vfs_mkdir(&R.vfs, "/etc", 4), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&R.vfs, "/etc/vm", 7), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&R.vfs, "/vm", 3), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&R.vfs, "/var", 4), 0);
	SV_CHECK_EQ_I64(sched_init(&R.s, &cfg), 0);

	R.h = (struct vmmgr_host){
		.ops = &test_ops, .sched = &R.s, .vfs = &R.vfs,
		.out = out_sink, .out_ctx = &R,
		.stack_alloc = vm_stack_alloc, .stack_free = vm_stack_free,
		.stack_size = STACK_SIZE,
		.trace_sink = with_trace ? trace_sink : NULL, .trace_ctx = &R,
		.producer = "test", .cpu_features = SV_TRACE_CPU_VMX,
		.vm_created = vm_created, .vm_ended = vm_ended,
		.attach_ended = attach_ended, .log = log_sink, .ctx = &R,
	};
	vmmgr_init(&R.mgr, &R.h);
}

/* Nothing the manager took is still out: pages, stacks, descriptors. */
static void check_nothing_held(void)
{
	SV_CHECK_EQ_U64(hp.pages, 0);
	SV_CHECK_EQ_U64(hp.allocs, 0);
	SV_CHECK_EQ_U64(hp.bad_frees, 0);
	SV_CHECK_EQ_U64(R.stacks, 0);
	for (unsigned i = 0; i < SV_FD_MAX; i++)
		SV_CHECK(R.mgr.fds.files[i].mnt == NULL);
	SV_CHECK_EQ_U64(R.vfs.mounts[0].busy, 0);	/* no open files */
}

static void rig_teardown(void)
{
	SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), 0);
	check_nothing_held();
	SV_CHECK_EQ_U64(R.s.nr_tasks, 0);	/* every task reaped */
	SV_CHECK_EQ_I64(vfs_unmount(&R.vfs, "/", 1), 0);
	ramfs_destroy(&R.rfs);
	SV_CHECK_EQ_U64(R.fs_bytes, 0);
	free(R.trace);
	R.trace = NULL;
	hp.on = false;
}

/* The manager's loop, as kvmm.c's: poll, nap when nothing happened. */
static void mgr_wait_all(struct rig *r)
{
	unsigned n = 0;

	while (vmmgr_count(&r->mgr)) {
		if (++n == POLL_LIMIT) {
			/* end them by the backend, whatever vmmgr does */
			SV_TEST_FAIL_(__FILE__, __LINE__,
				      "VMs still running after %u polls", n);
			r->pull_plug = true;
		}
		if (n > 2 * POLL_LIMIT)
			break;		/* and the test fails on what is left */
		if (!vmmgr_poll(&r->mgr))
			(void)task_sleep(&r->s, POLL_NS);
	}
}

static void manager_main(void *arg)
{
	struct rig *r = arg;

	if (r->body)
		r->body(r);
	mgr_wait_all(r);
}

/* Run body on a manager task until every VM has ended and is torn down. */
static void rig_run(void (*body)(struct rig *r))
{
	void *stack = test_stack_alloc(STACK_SIZE);

	R.body = body;
	SV_CHECK_EQ_I64(task_create(&R.s, &R.manager, "manager",
				    SV_SCHED_NICE0_WEIGHT, manager_main, &R,
				    stack, STACK_SIZE), 0);
	SV_CHECK_EQ_I64(sched_run(&R.s), 0);
	SV_CHECK_EQ_I64(task_reap(&R.s, &R.manager, NULL), 0);
	test_stack_free(stack);
}

static bool out_has(const char *s)
{
	return strstr(R.out, s) != NULL;
}

/* On failure the whole console goes to stderr, for the reader. */
#define CHECK_OUT_(s, want) \
	do { \
		if (out_has(s) != (want)) { \
			SV_TEST_FAIL_(__FILE__, __LINE__, "output %s \"%s\"", \
				      (want) ? "lacks" : "has", s); \
			fprintf(stderr, "output:\n%s", R.out); \
		} else { \
			CU_PASS(s); \
		} \
	} while (0)
#define CHECK_OUT(s) CHECK_OUT_(s, true)
#define CHECK_NOT_OUT(s) CHECK_OUT_(s, false)

#define CHECK_STR_HAS(hay, s) \
	do { \
		if (!strstr(hay, s)) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				      "\"%s\" lacks \"%s\"", hay, s); \
		else \
			CU_PASS(s); \
	} while (0)

static void start_ok(struct rig *r, const char *name)
{
	char err[200] = "";
	int e = vmmgr_start(&r->mgr, name, err, sizeof(err));

	if (e)
		SV_TEST_FAIL_(__FILE__, __LINE__, "vmmgr_start(%s): %s: %s",
			      name, sv_strerror(e), err);
	else
		CU_PASS(name);
}

/* ---- 1. one VM runs to its debug-exit stop -------------------------------- */

static void body_one(struct rig *r)
{
	start_ok(r, "hello");
	SV_CHECK_EQ_U64(vmmgr_count(&r->mgr), 1);
	SV_CHECK_EQ_U64(r->stacks, 1);
	SV_CHECK(hp.pages > 256);	/* 1 MiB of guest RAM, at least */
	SV_CHECK_EQ_U64(r->created, 1);
}

static void test_runs_to_stop(void)
{
	const char *started, *line, *bye, *stopped;

	rig_setup(false);
	put_vm(&R, "hello", "");
	rig_run(body_one);
	CHECK_OUT("vm hello: started (1 MiB, flat image of 1 bytes)\n");
	CHECK_OUT("[hello] Hi\n");
	CHECK_OUT("[hello] bye\n");	/* a last line without newline */
	CHECK_OUT("vm hello: stopped, exit status 33: ");
	CHECK_OUT("(8 exits)\n");	/* H i \r \n b y e, and the stop */
	CHECK_NOT_OUT("\r");
	started = strstr(R.out, "vm hello: started");
	line = strstr(R.out, "[hello] Hi");
	bye = strstr(R.out, "[hello] bye");
	stopped = strstr(R.out, "vm hello: stopped");
	SV_CHECK(started && line && bye && stopped && started < line &&
		 line < bye && bye < stopped);
	/* the news, not the guest's lines, went to the log too */
	SV_CHECK(strstr(R.log, "vm hello: started (1 MiB, flat image of 1 "
			"bytes)|vm hello: stopped, exit status 33: ") == R.log);
	SV_CHECK(strstr(R.log, "Hi") == NULL);
	SV_CHECK_EQ_U64(R.ended, 1);
	SV_CHECK_EQ_U64(R.mgr.started, 1);
	SV_CHECK_EQ_U64(R.mgr.ended, 1);
	SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), 0);
	rig_teardown();
}

/* ---- 2. two VMs, one fails ----------------------------------------------- */

static void body_two(struct rig *r)
{
	start_ok(r, "bad");
	start_ok(r, "good");
	SV_CHECK_EQ_U64(vmmgr_count(&r->mgr), 2);
}

static void test_one_fails_other_runs(void)
{
	rig_setup(false);
	/* good's image is relative: found next to its configuration */
	put_vm(&R, "bad", "");
	put_str(&R, "/etc/vm/good.cfg",
		"name = good\nmemory = 1M\nimage = good.bin\nformat = flat\n");
	put(&R, "/etc/vm/good.bin", flat_image, sizeof(flat_image));
	set_script(&R, "bad", SCRIPT_FAULT);
	rig_run(body_two);
	CHECK_OUT("vm bad: failed: guest triple fault at rip 0x7c00");
	CHECK_OUT("[bad] X\n");		/* its output still comes out */
	CHECK_OUT("[good] Hi\n");
	CHECK_OUT("vm good: stopped, exit status 33");
	CHECK_NOT_OUT("vm good: failed");
	CHECK_NOT_OUT("vm bad: stopped");
	SV_CHECK_EQ_U64(R.ended, 2);
	SV_CHECK_EQ_U64(R.mgr.ended, 2);
	rig_teardown();
}

/* ---- 3. errors leave nothing behind -------------------------------------- */

static unsigned open_fds(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SV_FD_MAX; i++)
		n += R.mgr.fds.files[i].mnt != NULL;
	return n;
}

/* vmmgr_start(name) fails with code, err containing want, and no trace. */
static void expect_fail(const char *name, int code, const char *want,
			int line)
{
	unsigned count = vmmgr_count(&R.mgr);
	size_t pages = hp.pages, out_len = R.out_len;
	unsigned allocs = hp.allocs, stacks = R.stacks, fds = open_fds();
	char err[200] = "";
	int e = vmmgr_start(&R.mgr, name, err, sizeof(err));

	if (e != code)
		SV_TEST_FAIL_(__FILE__, line, "vmmgr_start(\"%s\") = %s, "
			      "expected %s (err: %s)", name, sv_errname(e),
			      sv_errname(code), err);
	if (!strstr(err, want))
		SV_TEST_FAIL_(__FILE__, line, "vmmgr_start(\"%s\"): err \"%s\" "
			      "lacks \"%s\"", name, err, want);
	if (vmmgr_count(&R.mgr) != count || hp.pages != pages ||
	    hp.allocs != allocs || R.stacks != stacks || hp.bad_frees)
		SV_TEST_FAIL_(__FILE__, line, "vmmgr_start(\"%s\") left "
			      "something: %u VMs (was %u), %zu pages (was %zu), "
			      "%u stacks (was %u), %u bad frees", name,
			      vmmgr_count(&R.mgr), count, hp.pages, pages,
			      R.stacks, stacks, hp.bad_frees);
	if (R.out_len != out_len)
		SV_TEST_FAIL_(__FILE__, line, "vmmgr_start(\"%s\") printed "
			      "\"%s\"", name, R.out + out_len);
	if (open_fds() != fds)
		SV_TEST_FAIL_(__FILE__, line, "vmmgr_start(\"%s\") left "
			      "%u descriptors open (was %u)", name, open_fds(),
			      fds);
	CU_PASS(name);
}

#define EXPECT_FAIL(name, code, want) expect_fail(name, code, want, __LINE__)

static void test_errors_leave_nothing(void)
{
	static const uint8_t junk[64] = { 0x7f, 'E', 'L', 'F' };
	char long_name[41], buf[64];
	size_t len;

	rig_setup(false);
	memset(long_name, 'a', 40);
	long_name[40] = '\0';

	EXPECT_FAIL("nope", -SV_ENOENT, "/etc/vm/nope.cfg: no such file");
	EXPECT_FAIL("../x", -SV_EINVAL, "bad VM name '../x'");
	EXPECT_FAIL("", -SV_EINVAL, "bad VM name ''");
	EXPECT_FAIL(".hidden", -SV_EINVAL, "bad VM name");
	EXPECT_FAIL("a b", -SV_EINVAL, "bad VM name");
	EXPECT_FAIL(long_name, -SV_EINVAL, "bad VM name");

	put_str(&R, "/etc/vm/syn.cfg",
		"name = syn\nimage = /vm/syn.bin\nmemroy = 1M\nformat = flat\n");
	EXPECT_FAIL("syn", -SV_EINVAL, "/etc/vm/syn.cfg:3: unknown key 'memroy'");
	put(&R, "/etc/vm/empty.cfg", "", 0);
	EXPECT_FAIL("empty", -SV_EINVAL, "/etc/vm/empty.cfg: empty file");

	put_str(&R, "/etc/vm/ghost.cfg",
		"name = ghost\nimage = /vm/ghost.bin\nformat = flat\n");
	EXPECT_FAIL("ghost", -SV_ENOENT, "image /vm/ghost.bin: no such file");
	/* relative: looked for next to the configuration */
	put_str(&R, "/etc/vm/rel.cfg",
		"name = rel\nimage = rel.bin\nformat = flat\n");
	EXPECT_FAIL("rel", -SV_ENOENT, "image /etc/vm/rel.bin");

	put_vm(&R, "big", "");
	SV_CHECK_EQ_I64(vfs_truncate(&R.vfs, "/vm/big.bin", 11,
				     VMMGR_IMAGE_MAX + 1ull), 0);
	EXPECT_FAIL("big", -SV_E2BIG, "image /vm/big.bin: larger than 67108864 "
		    "bytes");
	put_vm(&R, "hollow", "");
	put(&R, "/vm/hollow.bin", "", 0);
	EXPECT_FAIL("hollow", -SV_EINVAL, "image /vm/hollow.bin: empty file");
	/* a configuration over VMMGR_CONFIG_MAX */
	put_vm(&R, "fat", "");
	SV_CHECK_EQ_I64(vfs_truncate(&R.vfs, "/etc/vm/fat.cfg", 15,
				     VMMGR_CONFIG_MAX + 1ull), 0);
	EXPECT_FAIL("fat", -SV_E2BIG, "/etc/vm/fat.cfg: larger than 16384 bytes");

	/*
	 * An image the loader refuses: RAM was taken and is given back, and
	 * the serial file named is left as it was.
	 */
	put_str(&R, "/etc/vm/junk.cfg", "name = junk\nmemory = 4M\n"
		"image = /vm/junk.bin\nformat = multiboot\n"
		"serial = file:/var/junk.log\n");
	put(&R, "/vm/junk.bin", junk, sizeof(junk));
	put_str(&R, "/var/junk.log", "the last run's log");
	EXPECT_FAIL("junk", -SV_EINVAL, "image /vm/junk.bin: ");
	SV_CHECK_EQ_I64(get(&R, "/var/junk.log", buf, sizeof(buf), &len), 0);
	SV_CHECK_STR_EQ(buf, "the last run's log");
	/* a 1 MiB guest has no room for a Multiboot kernel */
	put_str(&R, "/etc/vm/tiny.cfg", "name = tiny\nmemory = 1M\n"
		"image = /vm/junk.bin\nformat = multiboot\n");
	EXPECT_FAIL("tiny", -SV_ERANGE, "image /vm/junk.bin: guest RAM");
	/* a serial file that cannot be created */
	put_vm(&R, "noser", "serial = file:/no/such/dir/log\n");
	EXPECT_FAIL("noser", -SV_ENOENT, "serial file /no/such/dir/log");

	SV_CHECK_EQ_U64(R.created, 0);
	SV_CHECK_EQ_U64(R.mgr.started, 0);
	rig_teardown();
}

/* Each allocation of a start, made to fail in turn, is undone. */
static void test_out_of_memory_unwinds(void)
{
	unsigned k;

	rig_setup(false);
	put_vm(&R, "oom", "");
	for (k = 1; k < 16; k++) {
		char err[200] = "";
		int e;

		hp.calls = 0;
		hp.fail_at = k;
		e = vmmgr_start(&R.mgr, "oom", err, sizeof(err));
		hp.fail_at = 0;
		if (e == 0)
			break;
		SV_CHECK_EQ_I64(e, -SV_ENOMEM);
		SV_CHECK(err[0] != '\0');
		SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), 0);
		check_nothing_held();
	}
	/* struct, config, image, RAM: four allocations; the fifth succeeds */
	SV_CHECK_EQ_U64(k, 5);
	SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), 1);
	rig_run(NULL);
	CHECK_OUT("vm oom: stopped, exit status 33");

	/* and the stack */
	R.stack_calls = 0;
	R.stack_fail_at = 1;
	{
		char err[200] = "";

		SV_CHECK_EQ_I64(vmmgr_start(&R.mgr, "oom", err, sizeof(err)),
				-SV_ENOMEM);
		CHECK_STR_HAS(err, "stack");
	}
	check_nothing_held();
	SV_CHECK_EQ_U64(R.created, 1);	/* the hook saw only the VM that ran */
	rig_teardown();
}

/* Twice the same VM, and more than VMMGR_MAX_VMS. */
static void test_running_twice_and_full(void)
{
	char name[16];

	rig_setup(false);
	for (unsigned i = 0; i <= VMMGR_MAX_VMS; i++) {
		snprintf(name, sizeof(name), "vm%u", i);
		put_vm(&R, name, "serial = none\n");
	}
	/* task_create works before sched_run: start them from the test */
	start_ok(&R, "vm0");
	EXPECT_FAIL("vm0", -SV_EEXIST, "vm0");
	for (unsigned i = 1; i < VMMGR_MAX_VMS; i++) {
		snprintf(name, sizeof(name), "vm%u", i);
		start_ok(&R, name);
	}
	SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), VMMGR_MAX_VMS);
	snprintf(name, sizeof(name), "vm%u", VMMGR_MAX_VMS);
	{
		unsigned count = vmmgr_count(&R.mgr);
		size_t pages = hp.pages;
		char err[200] = "", want[32];

		SV_CHECK_EQ_I64(vmmgr_start(&R.mgr, name, err, sizeof(err)),
				-SV_ENOSPC);
		snprintf(want, sizeof(want), "%u VMs", VMMGR_MAX_VMS);
		CHECK_STR_HAS(err, want);
		SV_CHECK_EQ_U64(vmmgr_count(&R.mgr), count);
		SV_CHECK_EQ_U64(hp.pages, pages);
	}
	rig_run(NULL);
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++) {
		char want[64];

		snprintf(want, sizeof(want), "vm vm%u: stopped, exit status 33",
			 i);
		CHECK_OUT(want);
	}
	SV_CHECK_EQ_U64(R.mgr.ended, VMMGR_MAX_VMS);
	/* a slot is free again, and the name too */
	start_ok(&R, name);
	start_ok(&R, "vm0");
	rig_run(NULL);
	SV_CHECK_EQ_U64(R.mgr.ended, VMMGR_MAX_VMS + 2);
	rig_teardown();
}

/* ---- 4. serial = file and serial = none ---------------------------------- */

static void body_serial(struct rig *r)
{
	start_ok(r, "tofile");
	start_ok(r, "relfile");
	start_ok(r, "mute");
}

static void test_serial_file_and_none(void)
{
	char buf[256];
	size_t len;

	rig_setup(false);
	SV_CHECK_EQ_I64(vfs_mkdir(&R.vfs, "/var/log", 8), 0);
	put_vm(&R, "tofile", "serial = file:/var/log/tofile.txt\n");
	put_str(&R, "/var/log/tofile.txt", "old contents, to be replaced");
	/* a relative path is relative to the configuration's directory */
	put_vm(&R, "relfile", "serial = file:relfile.log\n");
	put_vm(&R, "mute", "serial = none\n");
	rig_run(body_serial);
	SV_CHECK_EQ_I64(get(&R, "/var/log/tofile.txt", buf, sizeof(buf), &len),
			0);
	SV_CHECK_STR_EQ(buf, "Hi\r\nbye");	/* every byte, as the guest sent */
	SV_CHECK_EQ_I64(get(&R, "/etc/vm/relfile.log", buf, sizeof(buf), &len),
			0);
	SV_CHECK_STR_EQ(buf, "Hi\r\nbye");
	CHECK_NOT_OUT("[tofile]");
	CHECK_NOT_OUT("[relfile]");
	CHECK_NOT_OUT("[mute]");
	CHECK_OUT("vm tofile: stopped, exit status 33");
	CHECK_OUT("vm relfile: stopped, exit status 33");
	CHECK_OUT("vm mute: stopped, exit status 33");
	rig_teardown();
}

/* ---- 5. vmmgr_stop -------------------------------------------------------- */

static void body_stop(struct rig *r)
{
	unsigned n = 0;

	start_ok(r, "spin");
	/* let it run a while: it would never end by itself */
	while (r->mgr.vms[0] && r->mgr.vms[0]->m.vcpu->nexits < 1000 &&
	       ++n < POLL_LIMIT) {
		(void)vmmgr_poll(&r->mgr);
		(void)task_sleep(&r->s, POLL_NS);
	}
	SV_CHECK(r->mgr.vms[0] && r->mgr.vms[0]->m.vcpu->nexits >= 1000);
	SV_CHECK_EQ_U64(r->mgr.vms[0]->state, VMMGR_RUNNING);
	SV_CHECK_EQ_I64(vmmgr_stop(&r->mgr, "ghost"), -SV_ENOENT);
	SV_CHECK_EQ_I64(vmmgr_stop(&r->mgr, "spin"), 0);
	/* and one stopped before its vCPU ever ran */
	start_ok(r, "early");
	SV_CHECK_EQ_I64(vmmgr_stop(&r->mgr, "early"), 0);
}

static void test_stop_from_console(void)
{
	rig_setup(false);
	put_vm(&R, "spin", "");
	put_vm(&R, "early", "");
	set_script(&R, "spin", SCRIPT_LOOP);
	rig_run(body_stop);
	CHECK_OUT("vm spin: stopped, exit status 0: stopped from the console");
	CHECK_OUT("vm early: stopped, exit status 0: stopped from the console "
		  "(0 exits)");
	CHECK_NOT_OUT("[early]");
	SV_CHECK_EQ_I64(vmmgr_stop(&R.mgr, "spin"), -SV_ENOENT);  /* gone */
	rig_teardown();
}

/* ---- 6. vmmgr_record ------------------------------------------------------ */

static void body_record(struct rig *r)
{
	SV_CHECK_EQ_I64(vmmgr_record(&r->mgr, "rec"), 0);
	SV_CHECK_EQ_I64(vmmgr_record(&r->mgr, "other"), -SV_EBUSY);  /* pending */
	start_ok(r, "plain");		/* not the one to record */
	SV_CHECK(!r->mgr.vms[0]->recording);
	start_ok(r, "rec");
	SV_CHECK(r->mgr.vms[1]->recording);
	SV_CHECK_EQ_I64(vmmgr_record(&r->mgr, "other"), -SV_EBUSY);  /* running */
}

static void test_record(void)
{
	static const char rec_cfg[] = "name = rec\nmemory = 1M\n"
		"image = /vm/rec.bin\nformat = flat\nserial = none\n";
	struct sv_trace_reader tr;
	struct sv_trace_record rec;
	unsigned runs = 0, ends = 0, configs = 0, images = 0, n = 0;
	int e;

	rig_setup(false);
	SV_CHECK_EQ_I64(vmmgr_record(&R.mgr, "rec"), -SV_ENOTSUP);  /* no sink */
	rig_teardown();

	rig_setup(true);
	{
		char long_name[SV_VM_NAME_MAX + 8];

		memset(long_name, 'r', sizeof(long_name) - 1);
		long_name[sizeof(long_name) - 1] = '\0';
		SV_CHECK_EQ_I64(vmmgr_record(&R.mgr, long_name),
				-SV_ENAMETOOLONG);
	}
	put_str(&R, "/etc/vm/rec.cfg", rec_cfg);
	put(&R, "/vm/rec.bin", flat_image, sizeof(flat_image));
	put_vm(&R, "plain", "serial = none\n");
	set_script(&R, "rec", SCRIPT_QUIET);
	rig_run(body_record);
	CHECK_OUT("vm rec: started (1 MiB, flat image of 1 bytes, trace on COM2)");
	CHECK_OUT("vm rec: stopped, exit status 33");
	CHECK_OUT("vm rec: trace: 1 exits, digest ");
	CHECK_NOT_OUT("NOT WRITTEN");
	CHECK_NOT_OUT("vm plain: trace");

	SV_CHECK(R.trace_len > SV_TRACE_HEADER_SIZE);
	e = sv_trace_reader_open(&tr, R.trace, R.trace_len);
	SV_CHECK_EQ_I64(e, 0);
	if (e)
		goto out;
	SV_CHECK(strncmp(tr.header.producer, "test", SV_TRACE_PRODUCER_MAX) == 0);
	SV_CHECK_EQ_U64(tr.header.cpu_features, SV_TRACE_CPU_VMX);
	while ((e = sv_trace_reader_next(&tr, &rec)) == 1) {
		n++;
		switch (rec.type) {
		case SV_TR_CONFIG:
			configs++;
			SV_CHECK_EQ_U64(n, 1);	/* the prologue comes first */
			SV_CHECK_EQ_U64(rec.len, strlen(rec_cfg));
			SV_CHECK(memcmp(rec.payload, rec_cfg, rec.len) == 0);
			break;
		case SV_TR_IMAGE:
			images++;
			SV_CHECK_EQ_U64(n, 2);
			SV_CHECK_EQ_U64(rec.len, sizeof(flat_image));
			SV_CHECK(memcmp(rec.payload, flat_image, rec.len) == 0);
			break;
		case SV_TR_OP_RUN:
			runs++;
			break;
		case SV_TR_VM_END: {
			struct sv_trace_dec d;

			ends++;
			sv_tdec_init(&d, rec.payload, rec.len);
			SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_VM_STOPPED);
			SV_CHECK_EQ_U64(sv_tdec_u32(&d), 33);
			break;
		}
		default:
			break;
		}
	}
	SV_CHECK_EQ_I64(e, 0);		/* END read, nothing after it */
	if (e)
		printf("trace: %s at %lu\n", tr.err, (unsigned long)tr.err_offset);
	SV_CHECK(tr.at_end);
	SV_CHECK_EQ_U64(configs, 1);
	SV_CHECK_EQ_U64(images, 1);
	SV_CHECK_EQ_U64(runs, 1);	/* the one debug-exit OUT */
	SV_CHECK_EQ_U64(ends, 1);
	SV_CHECK_EQ_U64(tr.end_exits, 1);
out:
	/* the recording is over: another may be asked for */
	SV_CHECK_EQ_I64(vmmgr_record(&R.mgr, "other"), 0);
	rig_teardown();
}

/* ---- 7. vmmgr_list and vmmgr_info ---------------------------------------- */

static char listing[4096];
static size_t listing_len;

static void list_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof(listing) - 1 - listing_len)
		len = sizeof(listing) - 1 - listing_len;
	memcpy(listing + listing_len, buf, len);
	listing_len += len;
	listing[listing_len] = '\0';
}

static void body_list(struct rig *r)
{
	start_ok(r, "web");
	start_ok(r, "db");
	listing_len = 0;
	listing[0] = '\0';
	vmmgr_list(&r->mgr, list_sink, NULL);
	CHECK_STR_HAS(listing, "NAME");
	CHECK_STR_HAS(listing, "STATE");
	CHECK_STR_HAS(listing, "\nweb ");
	CHECK_STR_HAS(listing, "\ndb ");
	CHECK_STR_HAS(listing, " running ");
	CHECK_STR_HAS(listing, "1 MiB");

	listing_len = 0;
	listing[0] = '\0';
	SV_CHECK_EQ_I64(vmmgr_info(&r->mgr, "web", list_sink, NULL), 0);
	SV_CHECK(strncmp(listing, "web ", 4) == 0);
	CHECK_STR_HAS(listing, "running");
	CHECK_STR_HAS(listing, "image /vm/web.bin (flat)");
	CHECK_STR_HAS(listing, "serial stdio");
	SV_CHECK(strstr(listing, "db") == NULL);	/* only web */

	listing_len = 0;
	listing[0] = '\0';
	SV_CHECK_EQ_I64(vmmgr_info(&r->mgr, "db", list_sink, NULL), 0);
	CHECK_STR_HAS(listing, "serial file /var/db.log");

	listing_len = 0;
	SV_CHECK_EQ_I64(vmmgr_info(&r->mgr, "nope", list_sink, NULL),
			-SV_ENOENT);
	SV_CHECK_EQ_U64(listing_len, 0);
}

static void test_list_and_info(void)
{
	rig_setup(false);
	put_vm(&R, "web", "");
	put_vm(&R, "db", "serial = file:/var/db.log\n");
	rig_run(body_list);
	/* once torn down they are gone from the list */
	listing_len = 0;
	listing[0] = '\0';
	vmmgr_list(&R.mgr, list_sink, NULL);
	CHECK_STR_HAS(listing, "NAME");
	SV_CHECK(strstr(listing, "web") == NULL);
	SV_CHECK(strstr(listing, "db") == NULL);
	rig_teardown();
}

/* ---- 8. vm console: attach, output, input, detach ------------------------ */

static void body_attach_output(struct rig *r)
{
	char err[200] = "";

	start_ok(r, "hello");
	start_ok(r, "other");
	/* before either vCPU has run: all of hello's output is seen raw */
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "ghost", err, sizeof(err)),
			-SV_ENOENT);
	CHECK_STR_HAS(err, "no VM ghost runs");
	SV_CHECK(vmmgr_attached(&r->mgr) == NULL);
	SV_CHECK_EQ_I64(vmmgr_input(&r->mgr, (const uint8_t *)"x", 1),
			-SV_ENOENT);
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "hello", err, sizeof(err)), 0);
	SV_CHECK_STR_EQ(vmmgr_attached(&r->mgr), "hello");
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "other", err, sizeof(err)),
			-SV_EBUSY);
	CHECK_STR_HAS(err, "attached to hello already");
	SV_CHECK_STR_EQ(vmmgr_attached(&r->mgr), "hello");
}

static void test_attach_output_raw(void)
{
	const char *stop, *mark;

	rig_setup(false);
	put_vm(&R, "hello", "");
	put_vm(&R, "other", "");
	rig_run(body_attach_output);
	/* hello's bytes as sent, CR included, no prefix, no line buffering */
	CHECK_OUT("Hi\r\n");
	CHECK_OUT("bye");
	CHECK_NOT_OUT("[hello]");
	CHECK_OUT("[other] Hi\n");	/* the other VM's lines go on */
	CHECK_OUT("[other] bye\n");
	/* "bye" had no newline: the end report starts a line of its own */
	CHECK_OUT("\nvm hello: stopped, exit status 33");
	CHECK_NOT_OUT("byevm hello");
	/* ended while attached: detached after the report, host told once */
	SV_CHECK_EQ_U64(R.attach_ends, 1);
	stop = strstr(R.out, "vm hello: stopped");
	mark = strstr(R.out, "<attach ended: hello>");
	SV_CHECK(stop && mark && stop < mark);
	CHECK_NOT_OUT("<attach ended: other>");
	SV_CHECK(vmmgr_attached(&R.mgr) == NULL);
	SV_CHECK_EQ_I64(vmmgr_input(&R.mgr, (const uint8_t *)"x", 1),
			-SV_ENOENT);
	rig_teardown();
}

static void body_detach(struct rig *r)
{
	char err[200] = "";

	start_ok(r, "hello");
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "hello", err, sizeof(err)), 0);
	vmmgr_detach(&r->mgr);
	SV_CHECK(vmmgr_attached(&r->mgr) == NULL);
	vmmgr_detach(&r->mgr);		/* twice: nothing to do */
	SV_CHECK_EQ_I64(vmmgr_input(&r->mgr, (const uint8_t *)"x", 1),
			-SV_ENOENT);
	/* and again, to another VM, once the first is detached */
	start_ok(r, "other");
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "other", err, sizeof(err)), 0);
	vmmgr_detach(&r->mgr);
}

static void test_attach_detach(void)
{
	rig_setup(false);
	put_vm(&R, "hello", "");
	put_vm(&R, "other", "");
	rig_run(body_detach);
	CHECK_OUT("[hello] Hi\n");	/* prefixed lines again */
	CHECK_OUT("[hello] bye\n");
	CHECK_OUT("[other] Hi\n");
	SV_CHECK_EQ_U64(R.attach_ends, 0);	/* it ended detached */
	rig_teardown();
}

/* Let the vCPU run (the manager naps) until cond holds; whether it did. */
#define RUN_UNTIL(r, cond) \
	({ \
		unsigned n_ = 0; \
		while (!(cond) && ++n_ < POLL_LIMIT) { \
			(void)vmmgr_poll(&(r)->mgr); \
			(void)task_sleep(&(r)->s, POLL_NS); \
		} \
		(cond); \
	})

/* Act as the guest: an IN or OUT on COM1, between the vCPU's runs. */
static uint8_t com1_io(struct vmmgr_vm *v, unsigned reg, bool write,
		       uint8_t value)
{
	uint64_t data = value;

	SV_CHECK_EQ_I64(iobus_access(&v->m.vm.bus, SV_IO_PORT,
				     SV_MACHINE_COM1_PORT + reg, 1, write,
				     &data), 0);
	return (uint8_t)data;
}

static void body_input(struct rig *r)
{
	static const char typed[] = "0123456789abcdefghij";
	struct vmmgr_vm *v;
	uint8_t many[300];
	char err[200] = "", got[32];
	unsigned i;

	start_ok(r, "prompt");
	v = r->mgr.vms[0];
	/* "echo> " has no newline: held back, not shown yet */
	SV_CHECK(RUN_UNTIL(r, v->line_len == 6));
	CHECK_NOT_OUT("echo> ");
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "prompt", err, sizeof(err)), 0);
	SV_CHECK(vmmgr_poll(&r->mgr));
	CHECK_OUT("echo> ");		/* shown raw at the first poll */
	CHECK_NOT_OUT("[prompt]");
	SV_CHECK_EQ_U64(v->line_len, 0);

	/* the guest turns the FIFO on: 16 bytes of room */
	com1_io(v, SV_UART_FCR, true, SV_UART_FCR_FIFOE);
	SV_CHECK_EQ_I64(vmmgr_input(&r->mgr, (const uint8_t *)typed,
				    strlen(typed)), 0);
	/* the vCPU task takes what fits; the rest waits in the ring */
	SV_CHECK(RUN_UNTIL(r, v->m.com1.rx_count == SV_UART_FIFO_SIZE));
	SV_CHECK_EQ_U64(v->in_head - v->in_tail, 4);
	SV_CHECK_EQ_U64(v->m.com1.rx_overruns, 0);
	for (i = 0; i < SV_UART_FIFO_SIZE; i++)
		got[i] = (char)com1_io(v, SV_UART_RBR, false, 0);
	got[i] = '\0';
	SV_CHECK_STR_EQ(got, "0123456789abcdef");
	SV_CHECK(RUN_UNTIL(r, v->in_head == v->in_tail));
	SV_CHECK_EQ_U64(v->m.com1.rx_count, 4);
	for (i = 0; i < 4; i++)
		got[i] = (char)com1_io(v, SV_UART_RBR, false, 0);
	got[i] = '\0';
	SV_CHECK_STR_EQ(got, "ghij");

	/* more than the ring holds, the vCPU not running: nothing blocks */
	memset(many, 'z', sizeof(many));
	SV_CHECK_EQ_I64(vmmgr_input(&r->mgr, many, sizeof(many)), -SV_ENOSPC);
	SV_CHECK_EQ_U64(v->in_head - v->in_tail, VMMGR_IN_RING);
	SV_CHECK_EQ_U64(v->in_dropped, sizeof(many) - VMMGR_IN_RING);
	SV_CHECK_EQ_I64(vmmgr_input(&r->mgr, many, 1), -SV_ENOSPC);
	SV_CHECK_EQ_U64(v->in_dropped, sizeof(many) - VMMGR_IN_RING + 1);
	/* the guest reads nothing: the FIFO fills, the ring keeps the rest */
	SV_CHECK(RUN_UNTIL(r, v->m.com1.rx_count == SV_UART_FIFO_SIZE));
	(void)vmmgr_poll(&r->mgr);
	(void)task_sleep(&r->s, 10 * POLL_NS);
	SV_CHECK_EQ_U64(v->m.com1.rx_count, SV_UART_FIFO_SIZE);
	SV_CHECK_EQ_U64(v->in_head - v->in_tail,
			VMMGR_IN_RING - SV_UART_FIFO_SIZE);
	SV_CHECK_EQ_U64(v->m.com1.rx_overruns, 0);
	/* stopped while attached: the host hears of it */
	SV_CHECK_EQ_I64(vmmgr_stop(&r->mgr, "prompt"), 0);
}

static void test_attach_input(void)
{
	rig_setup(false);
	put_vm(&R, "prompt", "");
	set_script(&R, "prompt", SCRIPT_PROMPT);
	rig_run(body_input);
	CHECK_OUT("vm prompt: stopped, exit status 0: stopped from the console");
	CHECK_OUT("vm prompt: 45 bytes of console input lost\n");
	CHECK_OUT("<attach ended: prompt>");
	SV_CHECK_EQ_U64(R.attach_ends, 1);
	/* "echo> " was the last output: the report began a new line */
	CHECK_OUT("echo> \nvm prompt: stopped");
	rig_teardown();
}

static void body_attach_recorded(struct rig *r)
{
	char err[200] = "";

	SV_CHECK_EQ_I64(vmmgr_record(&r->mgr, "rec"), 0);
	start_ok(r, "rec");
	SV_CHECK(r->mgr.vms[0]->recording);
	SV_CHECK(r->mgr.vms[0]->m.vm.poll == NULL);	/* no input path */
	SV_CHECK_EQ_I64(vmmgr_attach(&r->mgr, "rec", err, sizeof(err)),
			-SV_EPERM);
	CHECK_STR_HAS(err, "VM rec is being recorded");
	SV_CHECK(vmmgr_attached(&r->mgr) == NULL);
	start_ok(r, "plain");
	SV_CHECK(r->mgr.vms[1]->m.vm.poll != NULL);
}

static void test_attach_recorded(void)
{
	rig_setup(true);
	put_vm(&R, "rec", "serial = none\n");
	put_vm(&R, "plain", "serial = none\n");
	set_script(&R, "rec", SCRIPT_QUIET);
	rig_run(body_attach_recorded);
	CHECK_OUT("vm rec: trace: 1 exits");
	SV_CHECK_EQ_U64(R.attach_ends, 0);
	rig_teardown();
}

/* ---- 9. the vCPU loop's poll hook (vm_set_poll) -------------------------- */

struct poll_probe {
	unsigned calls;
	unsigned stop_at;
	uint64_t now;
};

static uint64_t probe_clock(void *ctx)
{
	return ((struct poll_probe *)ctx)->now;
}

static void probe_poll(struct sv_vm *vm, void *ctx)
{
	struct poll_probe *p = ctx;

	if (++p->calls == p->stop_at)
		vm_stop(vm, 7, "stopped by the poll hook");
}

/*
 * Called once per loop iteration; a halted vCPU with no timer waits for
 * what the hook brings instead of failing; a stop from the hook ends the
 * loop at once.
 */
static void test_vm_poll_hook(void)
{
	struct poll_probe p = { .stop_at = 5 };
	struct sv_vcpu *vcpu;
	struct sv_vm vm;
	struct sv_exit hlt = { .reason = SV_EXIT_HLT, .rip = 0x1000,
			       .instr_len = 1 };

	SV_CHECK_EQ_I64(vm_init(&vm, "t", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	vm_set_clock(&vm, probe_clock, &p, false);
	vm_set_poll(&vm, probe_poll, &p);
	SV_CHECK_EQ_I64(fake_queue_exit(vcpu->b, &hlt), 0);
	SV_CHECK_EQ_I64(vm_run(&vm), 0);
	SV_CHECK_EQ_U64(vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_I64(vm.exit_status, 7);
	SV_CHECK_STR_EQ(vm.stop_reason, "stopped by the poll hook");
	SV_CHECK_EQ_U64(p.calls, 5);	/* one run, then four halted turns */
	SV_CHECK_EQ_U64(vcpu->nexits, 1);
	vm_destroy(&vm);
}

/* ---- 10. vm pause and vm resume ------------------------------------------ */

/* The manager naps n times; the vCPUs get every chance to run. */
static void nap(struct rig *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		(void)vmmgr_poll(&r->mgr);
		(void)task_sleep(&r->s, POLL_NS);
	}
}

static void list_to(const struct rig *r, const char *name)
{
	listing_len = 0;
	listing[0] = '\0';
	if (name)
		SV_CHECK_EQ_I64(vmmgr_info(&r->mgr, name, list_sink, NULL), 0);
	else
		vmmgr_list(&r->mgr, list_sink, NULL);
}

/* A paused VM's vCPU task is blocked and gets no processor time. */
static void check_idle_while_paused(struct rig *r, struct vmmgr_vm *v)
{
	uint64_t runs, exec, exits;

	SV_CHECK(RUN_UNTIL(r, v->task.state == SV_TASK_BLOCKED));
	runs = v->task.stats.nr_runs;
	exec = v->task.stats.sum_exec_ns;
	exits = v->m.vcpu->nexits;
	nap(r, 50);
	SV_CHECK_EQ_U64(v->task.state, SV_TASK_BLOCKED);
	SV_CHECK_EQ_U64(v->task.stats.nr_runs, runs);
	SV_CHECK_EQ_U64(v->task.stats.sum_exec_ns, exec);
	SV_CHECK_EQ_U64(v->m.vcpu->nexits, exits);
	/* console input does not wake it either (task_wakeup: sleepers only) */
	SV_CHECK(!task_wakeup(&r->s, &v->task));
	nap(r, 5);
	SV_CHECK_EQ_U64(v->task.stats.nr_runs, runs);
}

static void body_pause_resume(struct rig *r)
{
	char err[200] = "";
	struct vmmgr_vm *v;

	start_ok(r, "hello");
	v = r->mgr.vms[0];
	/* paused before its vCPU ever ran: it stops at the first gate */
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "hello", err, sizeof(err)),
			-SV_EINVAL);
	CHECK_STR_HAS(err, "VM hello is not paused");
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "hello", err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "hello", err, sizeof(err)),
			-SV_EBUSY);
	CHECK_STR_HAS(err, "VM hello is paused already");
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "ghost", err, sizeof(err)),
			-SV_ENOENT);
	CHECK_STR_HAS(err, "no VM ghost runs");
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "ghost", err, sizeof(err)),
			-SV_ENOENT);
	check_idle_while_paused(r, v);
	SV_CHECK_EQ_U64(v->m.vcpu->nexits, 0);
	SV_CHECK_EQ_U64(v->m.vm.state, SV_VM_RUNNING);	/* in vm_run */
	CHECK_NOT_OUT("[hello]");

	list_to(r, NULL);
	CHECK_STR_HAS(listing, "\nhello            paused       1 MiB ");
	list_to(r, "hello");
	CHECK_STR_HAS(listing, "hello            paused ");
	CHECK_STR_HAS(listing, "\n  paused for ");

	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "hello", err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "hello", err, sizeof(err)),
			-SV_EINVAL);
	list_to(r, "hello");
	CHECK_STR_HAS(listing, "hello            running ");
	SV_CHECK(strstr(listing, "paused") == NULL);
	/* and its script goes on to the end (mgr_wait_all) */
}

static void test_pause_resume(void)
{
	const char *paused, *resumed, *hi, *stopped;

	rig_setup(false);
	put_vm(&R, "hello", "");
	rig_run(body_pause_resume);
	paused = strstr(R.out, "vm hello: paused\n");
	resumed = strstr(R.out, "vm hello: resumed after ");
	hi = strstr(R.out, "[hello] Hi\n");
	stopped = strstr(R.out, "vm hello: stopped, exit status 33: ");
	SV_CHECK(paused && resumed && hi && stopped);
	SV_CHECK(paused < resumed && resumed < hi && hi < stopped);
	CHECK_OUT("[hello] bye\n");
	CHECK_OUT("(8 exits)\n");
	rig_teardown();
}

static void body_pause_stop(struct rig *r)
{
	char err[200] = "";
	struct vmmgr_vm *v;
	uint64_t n;

	start_ok(r, "spin");
	v = r->mgr.vms[0];
	SV_CHECK(RUN_UNTIL(r, v->m.vcpu->nexits >= 1000));
	/* paused mid-run: it stops at its next loop boundary */
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "spin", err, sizeof(err)), 0);
	check_idle_while_paused(r, v);
	list_to(r, NULL);
	CHECK_STR_HAS(listing, "\nspin             paused ");
	/* resumed, it runs again */
	n = v->m.vcpu->nexits;
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "spin", err, sizeof(err)), 0);
	SV_CHECK(RUN_UNTIL(r, v->m.vcpu->nexits >= n + 1000));
	/* paused again, then stopped: the stop wakes it and it ends */
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "spin", err, sizeof(err)), 0);
	check_idle_while_paused(r, v);
	n = v->m.vcpu->nexits;
	SV_CHECK_EQ_I64(vmmgr_stop(&r->mgr, "spin"), 0);
	SV_CHECK_EQ_U64(v->task.state, SV_TASK_RUNNABLE);
	/* asked to stop, not yet ended: neither pause nor resume applies */
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "spin", err, sizeof(err)),
			-SV_ENOENT);
	CHECK_STR_HAS(err, "VM spin is ending");
	SV_CHECK_EQ_I64(vmmgr_pause(&r->mgr, "spin", err, sizeof(err)),
			-SV_ENOENT);
	SV_CHECK(RUN_UNTIL(r, v->state == VMMGR_ENDED));
	SV_CHECK_EQ_U64(v->m.vcpu->nexits, n);	/* no guest code after it */
}

static void test_pause_then_stop(void)
{
	rig_setup(false);
	put_vm(&R, "spin", "");
	set_script(&R, "spin", SCRIPT_LOOP);
	rig_run(body_pause_stop);
	CHECK_OUT("vm spin: paused\n");
	CHECK_OUT("vm spin: resumed after ");
	CHECK_OUT("vm spin: stopped, exit status 0: stopped from the console");
	SV_CHECK_EQ_U64(R.ended, 1);
	rig_teardown();
}

static void replay_serial(void *ctx, uint8_t byte)
{
	char *out = ctx;
	size_t n = strlen(out);

	if (n < 63) {
		out[n] = (char)byte;
		out[n + 1] = '\0';
	}
}

/*
 * Replay R.trace as `smartvm replay` does (backend_kvm_sim/replay_cmd.c):
 * the machine from its CONFIG, IMAGE and REALTIME records, on the
 * replayer. Checks that it ends as recorded, with the recorded state
 * digest; the guest's COM1 output goes to serial (64 bytes).
 */
static void replay_recorded(char *serial, uint64_t *exits, uint64_t *dg)
{
	static struct sv_replayer rp;
	static struct sv_machine m;
	struct sv_trace_reader tr;
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	struct sv_vmconfig cfg;
	struct sv_machine_params p;
	const void *image;
	size_t image_len;
	uint64_t wallclock, digest;
	char err[256];
	void *ram;

	serial[0] = '\0';
	SV_CHECK_EQ_I64(sv_trace_reader_open(&tr, R.trace, R.trace_len), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&tr, &rec), 1);
	SV_CHECK_EQ_U64(rec.type, SV_TR_CONFIG);
	SV_CHECK_EQ_I64(vmconfig_parse((const char *)rec.payload, rec.len,
				       "trace", &cfg, err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(sv_trace_reader_next(&tr, &rec), 1);
	SV_CHECK_EQ_U64(rec.type, SV_TR_IMAGE);
	image = rec.payload;
	image_len = rec.len;
	SV_CHECK_EQ_I64(sv_trace_reader_next(&tr, &rec), 1);
	SV_CHECK_EQ_U64(rec.type, SV_TR_REALTIME);
	sv_tdec_init(&d, rec.payload, rec.len);
	wallclock = sv_tdec_u64(&d);

	ram = aligned_alloc(4096, cfg.memory);
	SV_CHECK(ram != NULL);
	if (!ram)
		return;
	memset(ram, 0, cfg.memory);
	sv_replayer_init(&rp, &tr, 0);
	p = (struct sv_machine_params){
		.cfg = &cfg, .ops = &sv_replay_ops, .backend_inst = &rp,
		.clock = sv_replayer_clock, .clock_ctx = &rp,
		.clock_realtime = false, .ram = ram,
		.image = image, .image_len = image_len,
		.serial_out = replay_serial, .serial_ctx = serial,
		.wallclock_ns = wallclock,
	};
	SV_CHECK_EQ_I64(machine_plan(&m, &p, err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(machine_create(&m, &p, err, sizeof(err)), 0);
	SV_CHECK_EQ_I64(vm_run(&m.vm), 0);
	digest = sv_vm_state_digest(rp.effects.h, machine_devices_digest(&m));
	machine_destroy(&m);
	SV_CHECK(!rp.diverged);
	if (rp.diverged)
		fprintf(stderr, "%s\n", rp.report);
	*exits = rp.exits;
	*dg = digest;

	SV_CHECK_EQ_I64(sv_trace_reader_next(&tr, &rec), 1);
	SV_CHECK_EQ_U64(rec.type, SV_TR_VM_END);
	sv_tdec_init(&d, rec.payload, rec.len);
	SV_CHECK_EQ_U64(sv_tdec_u32(&d), SV_VM_STOPPED);
	SV_CHECK_EQ_U64(sv_tdec_u32(&d), 33);
	SV_CHECK_EQ_U64(sv_tdec_u64(&d), digest);	/* the recorded one */
	SV_CHECK_EQ_I64(sv_trace_reader_next(&tr, &rec), 0);
	SV_CHECK_EQ_U64(tr.end_digest, digest);
	free(ram);
}

static uint64_t rec_paused_exits;

static void body_pause_recorded(struct rig *r)
{
	struct timespec gap = { 0, 3000000 };	/* 3 ms of host time */
	char err[200] = "";
	struct vmmgr_vm *v;

	SV_CHECK_EQ_I64(vmmgr_record(&r->mgr, "rec"), 0);
	start_ok(r, "rec");
	v = r->mgr.vms[0];
	SV_CHECK(v->recording);
	/* its vCPU pauses itself in the middle of "Hi\r\nbye" */
	SV_CHECK(RUN_UNTIL(r, v->paused));
	SV_CHECK_EQ_I64(r->pause_err, 0);
	check_idle_while_paused(r, v);
	rec_paused_exits = v->m.vcpu->nexits;
	/* real time passes (the recorder's clock is the host's) */
	nanosleep(&gap, NULL);
	SV_CHECK_EQ_I64(vmmgr_resume(&r->mgr, "rec", err, sizeof(err)), 0);
}

static void test_pause_recorded(void)
{
	char serial[64], want[80];
	uint64_t exits = 0, digest = 0;

	rig_setup(true);
	put_vm(&R, "rec", "");
	strcpy(R.pause_vm, "rec");
	R.pause_at = 3;		/* after "Hi\r" */
	rig_run(body_pause_recorded);
	SV_CHECK_EQ_U64(rec_paused_exits, 4);	/* the exit it was in, too */
	CHECK_OUT("vm rec: paused\n");
	CHECK_OUT("vm rec: resumed after ");
	CHECK_OUT("[rec] Hi\n");
	CHECK_OUT("[rec] bye\n");
	CHECK_OUT("vm rec: stopped, exit status 33");
	CHECK_OUT("vm rec: trace: 8 exits, digest ");
	CHECK_NOT_OUT("NOT WRITTEN");
	/* the trace replays to the same end and digest, output and all */
	replay_recorded(serial, &exits, &digest);
	SV_CHECK_EQ_U64(exits, 8);
	SV_CHECK_STR_EQ(serial, "Hi\r\nbye");
	snprintf(want, sizeof(want), "vm rec: trace: 8 exits, digest %016lx\n",
		 (unsigned long)digest);
	CHECK_OUT(want);
	rig_teardown();
}

CU_TestInfo sv_tests_vmmgr[] = {
	{ "a VM runs to its debug-exit stop", test_runs_to_stop },
	{ "one VM fails, the other runs on", test_one_fails_other_runs },
	{ "errors leave nothing behind", test_errors_leave_nothing },
	{ "out of memory at each step unwinds", test_out_of_memory_unwinds },
	{ "running twice, more than the maximum", test_running_twice_and_full },
	{ "serial to a file, or nowhere", test_serial_file_and_none },
	{ "stop from the console", test_stop_from_console },
	{ "record a VM's trace", test_record },
	{ "list and info", test_list_and_info },
	{ "vm console: output raw, ended while attached", test_attach_output_raw },
	{ "vm console: detach", test_attach_detach },
	{ "vm console: input into the UART FIFO", test_attach_input },
	{ "vm console: a recorded VM is refused", test_attach_recorded },
	{ "the vCPU loop's poll hook", test_vm_poll_hook },
	{ "vm pause, vm resume: the guest goes on", test_pause_resume },
	{ "vm pause, then vm stop ends it", test_pause_then_stop },
	{ "a recorded VM paused replays", test_pause_recorded },
	CU_TEST_INFO_NULL,
};
