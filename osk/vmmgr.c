/*
 * The VM manager (sv/vmmgr.h): configuration and image from the file
 * system, the machine recipe, one task per vCPU, guest output, console
 * input for the attached VM, pause and resume, and teardown. Validate
 * first (name, config, image, plan), then act; every failure on the way
 * unwinds what was made.
 */
#include "sv/vmmgr.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/string.h"

#define SIZE_PAGES(n)	(((n) + SV_PAGE_SIZE - 1) / SV_PAGE_SIZE)

/* The rings index with free-running uint32_t counters: sizes divide 2^32. */
_Static_assert((VMMGR_RING & (VMMGR_RING - 1)) == 0, "VMMGR_RING");
_Static_assert((VMMGR_IN_RING & (VMMGR_IN_RING - 1)) == 0, "VMMGR_IN_RING");

static void say(const struct vmmgr *mgr, const char *fmt, ...) SV_PRINTF(2, 3);
static void news(const struct vmmgr *mgr, const char *fmt, ...)
	SV_PRINTF(2, 3);

static void say(const struct vmmgr *mgr, const char *fmt, ...)
{
	struct vmmgr_vm *a = mgr->attached;
	va_list ap;

	/* news starts on a line of its own (mgr is const, the VM is not) */
	if (a && a->raw_midline) {
		mgr->h.out(mgr->h.out_ctx, "\n", 1);
		a->raw_midline = false;
	}
	va_start(ap, fmt);
	sv_vformat(mgr->h.out, mgr->h.out_ctx, fmt, ap);
	va_end(ap);
}

/*
 * What happened to a VM (started, paused, stopped, failed, ...): a line on
 * the console, and in the host's log when it keeps one, so a VM's life is
 * on record after the console has scrolled it away.
 */
static void news(const struct vmmgr *mgr, const char *fmt, ...)
{
	char line[VMMGR_NEWS_MAX];
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(mgr, "%s\n", line);
	if (mgr->h.log)
		mgr->h.log(mgr->h.ctx, line);
}

void vmmgr_init(struct vmmgr *mgr, const struct vmmgr_host *h)
{
	sv_memset(mgr, 0, sizeof(*mgr));
	mgr->h = *h;
	vfs_fdtable_init(&mgr->fds);
}

static struct vmmgr_vm *find(const struct vmmgr *mgr, const char *name)
{
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++)
		if (mgr->vms[i] && !sv_strcmp(mgr->vms[i]->name, name))
			return mgr->vms[i];
	return NULL;
}

static bool recording_active(const struct vmmgr *mgr)
{
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++)
		if (mgr->vms[i] && mgr->vms[i]->recording)
			return true;
	return false;
}

int vmmgr_record(struct vmmgr *mgr, const char *name)
{
	if (!mgr->h.trace_sink)
		return -SV_ENOTSUP;
	if (recording_active(mgr) || mgr->trace_vm[0])
		return -SV_EBUSY;
	if (sv_strlcpy(mgr->trace_vm, name, sizeof(mgr->trace_vm)) >=
	    sizeof(mgr->trace_vm)) {
		mgr->trace_vm[0] = '\0';
		return -SV_ENAMETOOLONG;
	}
	return 0;
}

/* A VM name is also a file name: letters, digits, '_', '-', '.'. */
static bool name_ok(const char *name)
{
	size_t n = sv_strlen(name);

	if (n == 0 || n >= SV_VM_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Read a whole file of at most max bytes into fresh host pages. */
static int read_file(struct vmmgr *mgr, const char *path, size_t max,
		     void **buf, size_t *pages, size_t *len)
{
	struct sv_stat st;
	size_t done, got = 0;
	hpa_t pa;
	int fd, err;

	err = vfs_open(mgr->h.vfs, &mgr->fds, path, sv_strlen(path),
		       SV_O_RDONLY, &fd);
	if (err)
		return err;
	err = vfs_fstat(&mgr->fds, fd, &st);
	if (!err && (st.size > max || st.size == 0))
		err = st.size ? -SV_E2BIG : -SV_EINVAL;
	if (!err) {
		*pages = SIZE_PAGES((size_t)st.size);
		*buf = host_pages_alloc(*pages, &pa);
		if (!*buf)
			err = -SV_ENOMEM;
	}
	while (!err && got < st.size) {
		err = vfs_read(&mgr->fds, fd, (uint8_t *)*buf + got,
			       (size_t)st.size - got, &done);
		if (!err && done == 0)
			err = -SV_EIO;	/* shorter than it said */
		got += done;
	}
	if (vfs_close(&mgr->fds, fd) && !err)
		err = -SV_EIO;
	if (err && *buf) {
		host_pages_free(*buf, *pages);
		*buf = NULL;
	}
	*len = got;
	return err;
}

/* COM1 of a VM, on its vCPU task: into the ring, never blocking. */
static void serial_out(void *ctx, uint8_t byte)
{
	struct vmmgr_vm *v = ctx;
	uint32_t head = v->head;

	if (head - __atomic_load_n(&v->tail, __ATOMIC_ACQUIRE) >= VMMGR_RING) {
		v->dropped++;
		return;
	}
	v->ring[head % VMMGR_RING] = byte;
	__atomic_store_n(&v->head, head + 1, __ATOMIC_RELEASE);
}

/*
 * The vCPU loop's poll hook, on the vCPU task: queued console input into
 * COM1 as far as its receiver FIFO has room; the rest waits for the next
 * iteration (the guest reads the FIFO meanwhile), so no byte is overrun.
 */
static void input_poll(struct sv_vm *vm, void *ctx)
{
	struct vmmgr_vm *v = ctx;
	uint32_t tail = v->in_tail;
	uint32_t head = __atomic_load_n(&v->in_head, __ATOMIC_ACQUIRE);
	unsigned room;

	(void)vm;
	if (tail == head)
		return;
	room = uart_rx_room(&v->m.com1);
	while (room && tail != head) {
		uint32_t off = tail % VMMGR_IN_RING;
		uint32_t n = SV_MIN(SV_MIN(head - tail, VMMGR_IN_RING - off),
				    (uint32_t)room);

		if (uart_receive(&v->m.com1, v->in_ring + off, n))
			break;	/* only for a NULL buffer: not reached */
		tail += n;
		room -= n;
	}
	__atomic_store_n(&v->in_tail, tail, __ATOMIC_RELEASE);
}

/*
 * The vCPU loop's gate (vm_set_gate), on the vCPU task between exits: a
 * paused VM's task blocks here on resume_q until vmmgr_resume or
 * vmmgr_stop wakes it. Interrupts stay off from the test to the wait, so
 * no wake-up falls between them (sv/waitq.h); the wait hands them back.
 */
static void pause_gate(struct sv_vm *vm, void *ctx)
{
	struct vmmgr_vm *v = ctx;
	unsigned long flags;

	if (!__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE))
		return;		/* once per exit: one load */
	flags = host_irq_save();
	while (v->paused && vm->state == SV_VM_RUNNING) {
		/* no timeout, and every waker passes 0: the test decides */
		int e = waitq_wait(v->sched, &v->resume_q, SV_TIMEOUT_INFINITE);

		(void)e;
	}
	host_irq_restore(flags);
}

static void vcpu_main(void *arg)
{
	struct vmmgr_vm *v = arg;

	v->result = vm_run(&v->m.vm);
	v->state = VMMGR_ENDED;
}

static void trace_sink(void *ctx, const void *buf, size_t len)
{
	const struct vmmgr *mgr = ctx;

	mgr->h.trace_sink(mgr->h.trace_ctx, buf, len);
}

static void vm_free(struct vmmgr *mgr, struct vmmgr_vm *v)
{
	if (v->serial_fd >= 0 && vfs_close(&mgr->fds, v->serial_fd))
		news(mgr, "vm %s: serial file not closed", v->name);
	if (v->stack)
		mgr->h.stack_free(v->stack, mgr->h.stack_size);
	if (v->ram)
		host_pages_free(v->ram, v->ram_pages);
	if (v->image)
		host_pages_free(v->image, v->image_pages);
	if (v->config)
		host_pages_free(v->config, v->config_pages);
	host_pages_free(v, v->pages);
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	SV_PRINTF(4, 5);

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* read_file's failure as a message: its own refusals said plainly. */
static int file_fail(char *err, size_t errlen, int e, const char *what,
		     const char *path, size_t max)
{
	if (e == -SV_E2BIG)
		return fail(err, errlen, e, "%s%s: larger than %zu bytes",
			    what, path, max);
	if (e == -SV_EINVAL)
		return fail(err, errlen, e, "%s%s: empty file", what, path);
	return fail(err, errlen, e, "%s%s: %s", what, path, sv_strerror(e));
}

/* A path from the configuration: relative ones are under its directory. */
static void config_path(char *buf, size_t size, const char *path)
{
	if (path[0] == '/')
		sv_strlcpy(buf, path, size);
	else
		sv_snprintf(buf, size, VMMGR_CONFIG_DIR "/%s", path);
}

/* Read and check the configuration and the image (no VM yet). */
static int load_files(struct vmmgr *mgr, struct vmmgr_vm *v, char *err,
		      size_t errlen)
{
	char path[SV_VMCONFIG_PATH_MAX + sizeof(VMMGR_CONFIG_DIR) + 8];
	void *buf = NULL;
	int e;

	sv_snprintf(path, sizeof(path), VMMGR_CONFIG_DIR "/%s.cfg", v->name);
	e = read_file(mgr, path, VMMGR_CONFIG_MAX, &buf, &v->config_pages,
		      &v->config_len);
	if (e)
		return file_fail(err, errlen, e, "", path, VMMGR_CONFIG_MAX);
	v->config = buf;
	e = vmconfig_parse(v->config, v->config_len, path, &v->cfg, err, errlen);
	if (e)
		return e;
	config_path(path, sizeof(path), v->cfg.image);
	buf = NULL;
	e = read_file(mgr, path, VMMGR_IMAGE_MAX, &buf, &v->image_pages,
		      &v->image_len);
	if (e)
		return file_fail(err, errlen, e, "image ", path,
				 VMMGR_IMAGE_MAX);
	v->image = buf;
	return 0;
}

/*
 * serial = file:PATH, opened (created, emptied) once the machine is built,
 * so that a VM that does not start leaves an old log as it was.
 */
static int open_serial(struct vmmgr *mgr, struct vmmgr_vm *v, char *err,
		       size_t errlen)
{
	char p[SV_VMCONFIG_PATH_MAX + sizeof(VMMGR_CONFIG_DIR) + 8];
	int e;

	if (v->cfg.serial != SV_SERIAL_FILE)
		return 0;
	config_path(p, sizeof(p), v->cfg.serial_path);
	e = vfs_open(mgr->h.vfs, &mgr->fds, p, sv_strlen(p),
		     SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &v->serial_fd);
	if (e) {
		v->serial_fd = -1;
		return fail(err, errlen, e, "serial file %s: %s", p,
			    sv_strerror(e));
	}
	return 0;
}

static int build(struct vmmgr *mgr, struct vmmgr_vm *v, char *err,
		 size_t errlen)
{
	struct sv_machine_params p = {
		.cfg = &v->cfg, .ops = mgr->h.ops, .clock_realtime = true,
		.image = v->image, .image_len = v->image_len,
		.serial_out = serial_out, .serial_ctx = v,
		.wallclock_ns = host_realtime_ns(),
	};
	char msg[160];
	hpa_t pa;
	int e;

	v->ram_pages = (size_t)(v->cfg.memory / SV_PAGE_SIZE);
	v->ram = host_pages_alloc(v->ram_pages, &pa);
	if (!v->ram)
		return fail(err, errlen, -SV_ENOMEM, "no %lu MiB of RAM for "
			    "the guest", (unsigned long)(v->cfg.memory >> 20));
	p.ram = v->ram;
	if ((e = machine_plan(&v->m, &p, msg, sizeof(msg))))
		return fail(err, errlen, e, "image %s: %s", v->cfg.image, msg);
	if (!sv_strcmp(mgr->trace_vm, v->name)) {
		struct vmrecord_source src = {
			.producer = mgr->h.producer,
			.cpu_features = mgr->h.cpu_features,
			.config = v->config, .config_len = v->config_len,
			.image = v->image, .image_len = v->image_len,
			.wallclock_ns = p.wallclock_ns,
		};

		vmrecord_begin(&v->rec, trace_sink, mgr, &src, mgr->h.ops, NULL);
		v->recording = true;
		mgr->trace_vm[0] = '\0';
		p.ops = &sv_record_ops;
		p.backend_inst = &v->rec.rec;
		p.clock = sv_recorder_clock;
		p.clock_ctx = &v->rec.rec;
	}
	if ((e = machine_create(&v->m, &p, err, errlen)))
		return e;
	/* a recorded VM takes no input: its trace could not replay it */
	if (!v->recording)
		vm_set_poll(&v->m.vm, input_poll, v);
	/* but it may pause: the gate leaves no trace (sv/vm.h) */
	vm_set_gate(&v->m.vm, pause_gate, v);
	return 0;
}

int vmmgr_start(struct vmmgr *mgr, const char *name, char *err, size_t errlen)
{
	size_t pages = SIZE_PAGES(sizeof(struct vmmgr_vm));
	struct vmmgr_vm *v;
	unsigned slot;
	hpa_t pa;
	int e;

	if (!name_ok(name))
		return fail(err, errlen, -SV_EINVAL, "bad VM name '%s'", name);
	if (find(mgr, name))
		return fail(err, errlen, -SV_EEXIST, "VM %s is running", name);
	for (slot = 0; slot < VMMGR_MAX_VMS && mgr->vms[slot]; slot++)
		;
	if (slot == VMMGR_MAX_VMS)
		return fail(err, errlen, -SV_ENOSPC, "%u VMs run already",
			    VMMGR_MAX_VMS);
	v = host_pages_alloc(pages, &pa);
	if (!v)
		return fail(err, errlen, -SV_ENOMEM, "no memory for a VM");
	v->pages = pages;
	v->serial_fd = -1;
	v->sched = mgr->h.sched;
	waitq_init(&v->resume_q);
	sv_strlcpy(v->name, name, sizeof(v->name));
	if ((e = load_files(mgr, v, err, errlen)))
		goto fail_files;
	if ((e = build(mgr, v, err, errlen)))
		goto fail_files;	/* machine_create undid itself */
	v->stack = mgr->h.stack_alloc(mgr->h.stack_size);
	if (!v->stack) {
		e = fail(err, errlen, -SV_ENOMEM, "no stack for the vCPU task");
		goto fail_machine;
	}
	if ((e = open_serial(mgr, v, err, errlen)))
		goto fail_machine;
	if (mgr->h.vm_created)
		mgr->h.vm_created(mgr->h.ctx, v);
	v->state = VMMGR_RUNNING;
	v->paused = false;
	v->started_ns = host_time_ns();
	e = task_create(mgr->h.sched, &v->task, name, SV_SCHED_NICE0_WEIGHT,
			vcpu_main, v, v->stack, mgr->h.stack_size);
	if (e) {
		fail(err, errlen, e, "vCPU task: %s", sv_strerror(e));
		goto fail_machine;
	}
	mgr->vms[slot] = v;
	mgr->started++;
	news(mgr, "vm %s: started (%lu MiB, %s image of %zu bytes%s)", name,
	    (unsigned long)(v->cfg.memory >> 20),
	    vmconfig_format_name(v->cfg.format), v->image_len,
	    v->recording ? ", trace on COM2" : "");
	return 0;
fail_machine:
	machine_destroy(&v->m);
fail_files:
	if (v->recording && vmrecord_end(&v->rec, 0) == 0)
		news(mgr, "vm %s: trace ended without a run", name);
	vm_free(mgr, v);
	return e;
}

int vmmgr_stop(struct vmmgr *mgr, const char *name)
{
	struct vmmgr_vm *v = find(mgr, name);
	unsigned long flags;

	if (!v)
		return -SV_ENOENT;
	flags = host_irq_save();	/* the vCPU task reads the state */
	vm_stop(&v->m.vm, 0, "stopped from the console");
	/* a paused one leaves its gate and sees the stop */
	(void)waitq_wake_all(mgr->h.sched, &v->resume_q, 0);
	host_irq_restore(flags);
	(void)task_wakeup(mgr->h.sched, &v->task);	/* a halted guest too */
	return 0;
}

/* A VM that pause/resume may act on: started, its guest not ending. */
static struct vmmgr_vm *find_live(struct vmmgr *mgr, const char *name,
				  char *err, size_t errlen)
{
	struct vmmgr_vm *v = find(mgr, name);

	if (!v || v->state != VMMGR_RUNNING) {
		fail(err, errlen, -SV_ENOENT, "no VM %s runs", name);
		return NULL;
	}
	if (v->m.vm.state == SV_VM_STOPPED || v->m.vm.state == SV_VM_FAILED) {
		fail(err, errlen, -SV_ENOENT, "VM %s is ending", name);
		return NULL;
	}
	return v;
}

int vmmgr_pause(struct vmmgr *mgr, const char *name, char *err, size_t errlen)
{
	struct vmmgr_vm *v = find_live(mgr, name, err, errlen);
	unsigned long flags;

	if (!v)
		return -SV_ENOENT;
	if (v->paused)
		return fail(err, errlen, -SV_EBUSY, "VM %s is paused already",
			    name);
	flags = host_irq_save();	/* the vCPU task tests it so */
	__atomic_store_n(&v->paused, true, __ATOMIC_RELEASE);
	host_irq_restore(flags);
	v->paused_ns = host_time_ns();
	/* a guest halted until a far timer reaches its gate now */
	(void)task_wakeup(mgr->h.sched, &v->task);
	news(mgr, "vm %s: paused", name);
	return 0;
}

int vmmgr_resume(struct vmmgr *mgr, const char *name, char *err,
		 size_t errlen)
{
	struct vmmgr_vm *v = find_live(mgr, name, err, errlen);
	unsigned long flags;
	uint64_t ms;

	if (!v)
		return -SV_ENOENT;
	if (!v->paused)
		return fail(err, errlen, -SV_EINVAL, "VM %s is not paused",
			    name);
	flags = host_irq_save();
	__atomic_store_n(&v->paused, false, __ATOMIC_RELEASE);
	(void)waitq_wake_all(mgr->h.sched, &v->resume_q, 0);
	host_irq_restore(flags);
	ms = (host_time_ns() - v->paused_ns) / 1000000;
	news(mgr, "vm %s: resumed after %lu.%03lu s", name,
	    (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
	return 0;
}

int vmmgr_attach(struct vmmgr *mgr, const char *name, char *err, size_t errlen)
{
	struct vmmgr_vm *v = find(mgr, name);

	if (!v || v->state != VMMGR_RUNNING)
		return fail(err, errlen, -SV_ENOENT, "no VM %s runs", name);
	if (mgr->attached)
		return fail(err, errlen, -SV_EBUSY, "attached to %s already",
			    mgr->attached->name);
	if (v->recording)
		return fail(err, errlen, -SV_EPERM, "VM %s is being recorded: "
			    "its trace has no record of console input", name);
	mgr->attached = v;
	v->raw_midline = false;
	return 0;
}

void vmmgr_detach(struct vmmgr *mgr)
{
	if (mgr->attached)
		mgr->attached->raw_midline = false;
	mgr->attached = NULL;
}

const char *vmmgr_attached(const struct vmmgr *mgr)
{
	return mgr->attached ? mgr->attached->name : NULL;
}

int vmmgr_input(struct vmmgr *mgr, const uint8_t *buf, size_t len)
{
	struct vmmgr_vm *v = mgr->attached;
	uint32_t head, tail;
	size_t i;

	if (!v)
		return -SV_ENOENT;
	head = v->in_head;
	tail = __atomic_load_n(&v->in_tail, __ATOMIC_ACQUIRE);
	for (i = 0; i < len && head - tail < VMMGR_IN_RING; i++)
		v->in_ring[head++ % VMMGR_IN_RING] = buf[i];
	__atomic_store_n(&v->in_head, head, __ATOMIC_RELEASE);
	v->in_dropped += len - i;
	/* a vCPU halted until a far timer (or none) takes it now */
	(void)task_wakeup(mgr->h.sched, &v->task);
	return i == len ? 0 : -SV_ENOSPC;
}

/* A finished line of guest output to the console. */
static void flush_line(struct vmmgr *mgr, struct vmmgr_vm *v)
{
	say(mgr, "[%s] %.*s\n", v->name, (int)v->line_len, v->line);
	v->line_len = 0;
}

/* The attached VM's output, to the console as it came. */
static void show_raw(struct vmmgr *mgr, struct vmmgr_vm *v, const void *buf,
		     size_t len)
{
	if (!len)
		return;
	mgr->h.out(mgr->h.out_ctx, buf, len);
	v->raw_midline = ((const char *)buf)[len - 1] != '\n';
}

/* Bytes of a serial = stdio VM not attached: into "[name] " lines. */
static void add_to_lines(struct vmmgr *mgr, struct vmmgr_vm *v,
			 const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r')
			continue;
		if (p[i] == '\n') {
			flush_line(mgr, v);
			continue;
		}
		v->line[v->line_len++] = (char)p[i];
		if (v->line_len == sizeof(v->line))
			flush_line(mgr, v);
	}
}

static void drain(struct vmmgr *mgr, struct vmmgr_vm *v, bool *busy)
{
	bool attached = v == mgr->attached;
	uint32_t head = __atomic_load_n(&v->head, __ATOMIC_ACQUIRE);

	if (attached && v->line_len) {	/* a prompt held back, say */
		show_raw(mgr, v, v->line, v->line_len);
		v->line_len = 0;
		*busy = true;
	}
	while (v->tail != head) {
		uint32_t off = v->tail % VMMGR_RING;
		size_t n = SV_MIN(head - v->tail, VMMGR_RING - off), done;
		const uint8_t *p = v->ring + off;

		*busy = true;
		if (attached)
			show_raw(mgr, v, p, n);
		if (v->cfg.serial == SV_SERIAL_FILE) {
			if (vfs_write(&mgr->fds, v->serial_fd, p, n, &done))
				done = 0;
			v->dropped += n - done;
		} else if (v->cfg.serial == SV_SERIAL_STDIO && !attached) {
			add_to_lines(mgr, v, p, n);
		}
		__atomic_store_n(&v->tail, v->tail + (uint32_t)n,
				 __ATOMIC_RELEASE);
	}
}

static void report_end(struct vmmgr *mgr, const struct vmmgr_vm *v)
{
	const struct sv_vm *vm = &v->m.vm;
	uint64_t exits = vm->nvcpus ? vm->vcpus[0].nexits : 0;

	if (vm->state == SV_VM_STOPPED)
		news(mgr, "vm %s: stopped, exit status %d: %s (%lu exits)",
		    v->name, vm->exit_status, vm->stop_reason,
		    (unsigned long)exits);
	else
		news(mgr, "vm %s: failed: %s (%lu exits)", v->name,
		    vm->stop_reason, (unsigned long)exits);
	if (v->dropped)
		news(mgr, "vm %s: %lu bytes of serial output lost", v->name,
		    (unsigned long)v->dropped);
	if (v->in_dropped)
		news(mgr, "vm %s: %lu bytes of console input lost", v->name,
		    (unsigned long)v->in_dropped);
}

static void teardown(struct vmmgr *mgr, unsigned slot)
{
	struct vmmgr_vm *v = mgr->vms[slot];
	uint64_t digest = 0;
	bool busy = false;

	drain(mgr, v, &busy);
	if (v->line_len)
		flush_line(mgr, v);
	report_end(mgr, v);
	if (mgr->h.vm_ended)
		mgr->h.vm_ended(mgr->h.ctx, v);
	if (mgr->attached == v) {
		vmmgr_detach(mgr);
		if (mgr->h.attach_ended)
			mgr->h.attach_ended(mgr->h.ctx, v);
	}
	if (v->recording)
		digest = vmrecord_digest(&v->rec, machine_devices_digest(&v->m));
	machine_destroy(&v->m);
	if (v->recording) {
		int e;

		vmrecord_vm_end(&v->rec, &v->m.vm, digest);
		e = vmrecord_end(&v->rec, digest);

		news(mgr, "vm %s: trace: %lu exits, digest %016lx%s%s",
		    v->name, (unsigned long)v->rec.w.exits,
		    (unsigned long)digest, e ? ", NOT WRITTEN: " : "",
		    e ? sv_strerror(e) : "");
	}
	if (v->serial_fd >= 0 && vfs_fsync(&mgr->fds, v->serial_fd))
		news(mgr, "vm %s: serial file not synced", v->name);
	vm_free(mgr, v);
	mgr->vms[slot] = NULL;
	mgr->ended++;
}

bool vmmgr_poll(struct vmmgr *mgr)
{
	bool busy = false;

	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++) {
		struct vmmgr_vm *v = mgr->vms[i];

		if (!v)
			continue;
		drain(mgr, v, &busy);
		if (v->state == VMMGR_ENDED &&
		    task_reap(mgr->h.sched, &v->task, NULL) == 0) {
			teardown(mgr, i);
			busy = true;
		}
	}
	return busy;
}

unsigned vmmgr_count(const struct vmmgr *mgr)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++)
		n += mgr->vms[i] != NULL;
	return n;
}

static const char *state_name(const struct vmmgr_vm *v)
{
	if (v->state != VMMGR_RUNNING)
		return "ended";
	return v->paused ? "paused" : "running";
}

static void list_one(const struct vmmgr_vm *v, sv_sink_fn sink, void *ctx)
{
	uint64_t ms = (host_time_ns() - v->started_ns) / 1000000;

	sv_format(sink, ctx, "%-16s %-8s %5lu MiB %10lu exits %6lu.%03lu s\n",
		  v->name, state_name(v),
		  (unsigned long)(v->cfg.memory >> 20),
		  (unsigned long)v->m.vm.vcpus[0].nexits,
		  (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
}

void vmmgr_list(const struct vmmgr *mgr, sv_sink_fn sink, void *ctx)
{
	sv_format(sink, ctx, "%-16s %-8s %9s %16s %8s\n", "NAME", "STATE",
		  "MEMORY", "EXITS", "TIME");
	for (unsigned i = 0; i < VMMGR_MAX_VMS; i++)
		if (mgr->vms[i])
			list_one(mgr->vms[i], sink, ctx);
}

int vmmgr_info(const struct vmmgr *mgr, const char *name, sv_sink_fn sink,
	       void *ctx)
{
	const struct vmmgr_vm *v = find(mgr, name);

	if (!v)
		return -SV_ENOENT;
	list_one(v, sink, ctx);
	sv_format(sink, ctx, "  image %s (%s), cmdline \"%s\", serial %s%s%s\n",
		  v->cfg.image, vmconfig_format_name(v->cfg.format),
		  v->cfg.cmdline, vmconfig_serial_name(v->cfg.serial),
		  v->cfg.serial == SV_SERIAL_FILE ? " " : "",
		  v->cfg.serial == SV_SERIAL_FILE ? v->cfg.serial_path : "");
	if (v->state == VMMGR_RUNNING && v->paused) {
		uint64_t ms = (host_time_ns() - v->paused_ns) / 1000000;

		sv_format(sink, ctx, "  paused for %lu.%03lu s (its clock runs "
			  "on: timers will be late)\n",
			  (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
	}
	return 0;
}
