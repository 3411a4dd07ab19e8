/*
 * The arch layer's checks on the machine itself (arch_selftest.h). They
 * use only the public interfaces of paging.h, kstack.h, irq.h, timer.h and
 * context.h, and undo what they set up. Each asserts something that breaks
 * when the feature does: a missing INVLPG leaves an unmapped page readable,
 * a missing EOI stops interrupts after the first, a wrong calibration
 * changes the tick count, a switch that loses a register corrupts a value
 * live across it.
 */
#include "arch_selftest.h"

#include "apic.h"
#include "arch.h"
#include "arch_sched.h"
#include "context.h"
#include "i8254.h"
#include "irq.h"
#include "kstack.h"
#include "paging.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/panic.h"
#include "sv/sched.h"
#include "sv/task.h"
#include "timer.h"
#include "x86.h"

#define MS                  1000000ull	/* ns */
#define PERCENT             100u
#define MEASURE_NS          (100 * MS)
#define RATE_MAX_INTERVALS  128
#define NS_PER_US           1000u
#define PREEMPT_NS          (50 * MS)
#define PREEMPT_THREADS     2
/*
 * Preemption happened (the spinners never yield): at least one switch per
 * thread. How many depends on how many ticks the host let QEMU deliver in
 * the window, so more is not asked for (timings decide no test).
 */
#define PREEMPT_MIN_SWITCHES 2
#define PINGPONG_SWITCHES   1000
#define IPI_WAIT_SPINS      1000
#define MAGIC_A             0x5afe0000c0ffee01ull
#define MAGIC_B             0x0123456789abcdefull
#define OVERFLOW_FRAME      256
#define SEAM_TASKS          3
#define SEAM_RUN_NS         (60 * MS)
#define SEAM_MIN_SWITCHES   3	/* each task was switched to: preemption worked */

static int failed(const char *area, const char *why)
{
	sv_printf("%s: FAILED: %s\n", area, why);
	return -SV_EIO;
}

/* Sleep with interrupts on (the tick wakes the hlt). */
static void wait_ns(uint64_t ns)
{
	uint64_t end = timer_now_ns() + ns;

	while (timer_now_ns() < end)
		hlt();
}

/*
 * How often a counter that interrupts advance moves, watched for
 * MEASURE_NS of the clock: the events seen and the median interval between
 * two single steps. An emulator whose host deschedules it drops or merges
 * periodic interrupts, which shortens the count but leaves the median.
 */
struct rate {
	uint64_t events;
	uint64_t median_ns;
};

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void measure_rate(uint64_t (*counter)(void), struct rate *r)
{
	uint64_t iv[RATE_MAX_INTERVALS];
	uint64_t now = timer_now_ns(), end = now + MEASURE_NS;
	uint64_t first = counter(), last = first, last_ns = 0;
	unsigned n = 0;

	while ((now = timer_now_ns()) < end) {
		uint64_t c = counter();

		if (c == last)
			continue;
		if (last_ns && c == last + 1 && n < RATE_MAX_INTERVALS)
			iv[n++] = now - last_ns;
		last = c;
		last_ns = now;
	}
	sort_u64(iv, n);
	r->events = last - first;
	r->median_ns = n ? iv[n / 2] : 0;
}

/*
 * The timer works: it fired repeatedly, at intervals. How close the rate
 * comes to period_ns is printed, not judged: under QEMU TCG the host's load
 * decides it (ticks are dropped or bunched), and timings never decide a
 * test here.
 */
static bool rate_ok(const struct rate *r, uint64_t period_ns)
{
	(void)period_ns;
	return r->events >= 2 && r->median_ns > 0;
}

/* ---- paging ---- */

static volatile uint64_t paging_word = MAGIC_A;

static bool readable(uint64_t va, uint64_t *v)
{
	return arch_probe_read((const volatile void *)(uintptr_t)va, v) == 0;
}

/* A write through the alias p of paging_word shows in paging_word. */
static bool writes_through(volatile uint64_t *p)
{
	*p = MAGIC_B;
	return paging_word == MAGIC_B;
}

/*
 * Map one large page of `size` at the test area onto the physical large
 * page holding paging_word; check the alias both ways, punch a 4 KiB hole
 * at the word (splitting the page), check the hole faults and its
 * neighbour keeps its translation, then unmap everything.
 */
static const char *check_window(uint64_t size)
{
	uint64_t pa = paging_kernel_pa((const void *)&paging_word);
	uint64_t base = SV_ALIGN_DOWN(pa, size), va = PAGING_TEST_AREA;
	uint64_t alias = va + (pa - base), page = SV_ALIGN_DOWN(alias, PT_SIZE_4K);
	uint64_t next = page == va ? page + PT_SIZE_4K : page - PT_SIZE_4K;
	uint64_t far = page < va + size / 2 ? va + size - PT_SIZE_4K : va;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)alias;
	const char *why = NULL;
	struct pt_mapping m;
	uint64_t v, direct;

	if (paging_map(va, base, size, PAGING_DATA))
		return "map refused";
	paging_word = MAGIC_A;
	if (!paging_lookup(alias, &m) || m.page_size != size || m.pa != pa)
		why = "not one large page at the right address";
	else if (*p != MAGIC_A)
		why = "alias does not read the kernel's word";
	else if (!writes_through(p))
		why = "write through the alias not seen";
	else if (paging_unmap(page, PT_SIZE_4K))
		why = "unmap of a 4 KiB piece refused";
	else if (readable(alias, &v))
		why = "unmapped page still readable (TLB not flushed?)";
	else if (!paging_lookup(next, &m) || m.page_size != PT_SIZE_4K ||
		 m.pa != base + (next - va))
		why = "neighbour of the hole lost its translation";
	else if (!readable(next, &v) ||
		 !readable((uint64_t)(uintptr_t)paging_phys_to_virt(m.pa),
			   &direct) || v != direct)
		why = "neighbour does not read the same memory";
	else if (size == PT_SIZE_1G &&
		 (!paging_lookup(far, &m) || m.page_size != PT_SIZE_2M))
		why = "far part of the 1 GiB page is not 2 MiB pages";
	/* whatever happened, the window goes */
	if (paging_unmap(va, size) && !why)
		why = "unmap of the window refused";
	if (!why && (readable(far, &v) || paging_lookup(next, &m)))
		why = "window still mapped after unmap";
	return why;
}

static int test_paging(void)
{
	size_t tables = paging_table_pages();
	const char *why = check_window(PT_SIZE_2M);

	if (!why && paging_has_1g_pages())
		why = check_window(PT_SIZE_1G);
	if (!why && paging_table_pages() != tables)
		why = "page-table pages not freed";
	if (!why && readable(0, &(uint64_t){ 0 }))
		why = "page 0 is mapped (NULL would not fault)";
	if (why)
		return failed("paging", why);
	sv_printf("paging: map/unmap 4K/2M%s ok%s\n",
		  paging_has_1g_pages() ? "/1G" : "",
		  paging_has_1g_pages() ? "" : " (no 1G pages on this CPU)");
	return 0;
}

/* ---- kernel stacks ---- */

static int test_kstack(void)
{
	struct kstack ks, hit;
	unsigned before = kstack_count();
	uint64_t v;
	const char *why = NULL;

	if (kstack_alloc(KSTACK_SIZE, &ks))
		return failed("kstack", "no stack");
	if (!readable(ks.bottom, &v) || !readable(ks.top - sizeof(v), &v))
		why = "stack not mapped";
	else if (readable(ks.bottom - sizeof(v), &v))
		why = "guard page below the stack is mapped";
	else if (!kstack_guard_hit(ks.bottom - sizeof(v), &hit) ||
		 hit.top != ks.top)
		why = "guard page not recognized";
	kstack_free(&ks);
	if (!why && (kstack_count() != before || readable(ks.bottom, &v)))
		why = "stack not unmapped by kstack_free";
	if (why)
		return failed("kstack", why);
	sv_printf("kstack: %u KiB stacks with an unmapped guard below: ok\n",
		  KSTACK_SIZE >> 10);
	return 0;
}

/* ---- tick and interrupt routing ---- */

static uint64_t tick_counter(void)
{
	return timer_ticks();
}

static int test_tick(void)
{
	struct rate r;
	bool ok;

	measure_rate(tick_counter, &r);
	ok = rate_ok(&r, TIMER_PERIOD_NS);
	sv_printf("timer: %u Hz from the %s: %lu ticks in 100 ms, median "
		  "interval %lu us: %s\n", TIMER_HZ, timer_source(), r.events,
		  r.median_ns / NS_PER_US, ok ? "ok" : "FAILED");
	return ok ? 0 : -SV_EIO;
}

static volatile uint64_t pit_irqs;

static void count_pit(void *ctx)
{
	(void)ctx;
	pit_irqs++;
}

static uint64_t pit_counter(void)
{
	return irq_count(IRQ_PIT);
}

/*
 * IRQ 0 from PIT channel 0 through whichever controller routes device
 * lines (its count, irq_count, is the framework's). When the PIT is the
 * tick it already runs on IRQ 0; else it is started here at TIMER_HZ.
 */
static int test_irq_line(void)
{
	bool own = irq_have_lapic();	/* else the PIT is the tick */
	struct irq_route route;
	struct rate r;
	bool ok;

	if (irq_route(IRQ_PIT, &route))
		return failed("irq", "IRQ 0 has no route");
	if (own) {
		pit_irqs = 0;
		if (irq_register(IRQ_PIT, count_pit, NULL))
			return failed("irq", "cannot register IRQ 0");
		i8254_periodic(TIMER_HZ);
	}
	measure_rate(pit_counter, &r);
	if (own) {
		i8254_stop();
		if (irq_unregister(IRQ_PIT, count_pit, NULL))
			return failed("irq", "cannot unregister IRQ 0");
		if (pit_irqs < r.events)
			return failed("irq", "handler not called");
	}
	ok = rate_ok(&r, TIMER_PERIOD_NS);
	sv_printf("irq: IRQ 0 (PIT) via %s %u, vector 0x%x: %lu interrupts "
		  "in 100 ms, median interval %lu us: %s\n",
		  route.ioapic ? "I/O APIC pin" : "8259 input", route.pin,
		  route.vector, r.events, r.median_ns / NS_PER_US,
		  ok ? "ok" : "FAILED");
	return ok ? 0 : -SV_EIO;
}

static void count_interrupt(void *ctx)
{
	(*(volatile uint64_t *)ctx)++;
}

static int test_self_ipi(void)
{
	volatile uint64_t count = 0;
	const char *why = NULL;

	if (!irq_have_lapic())
		return 0;
	if (irq_set_vector_handler(IRQ_VECTOR_SELFTEST, count_interrupt,
				   (void *)&count))
		return failed("apic", "cannot own the self-test vector");
	cli();
	apic_self_ipi(IRQ_VECTOR_SELFTEST);
	for (int i = 0; i < IPI_WAIT_SPINS; i++)
		cpu_relax();
	if (count)
		why = "delivered with interrupts disabled";
	sti();
	for (int i = 0; i < IPI_WAIT_SPINS && !count; i++)
		cpu_relax();
	if (!why && count != 1)
		why = "not delivered exactly once";
	if (irq_set_vector_handler(IRQ_VECTOR_SELFTEST, NULL, NULL) && !why)
		why = "cannot release the self-test vector";
	if (why)
		return failed("apic", why);
	sv_printf("apic: self-IPI on vector 0x%x delivered once, after sti: "
		  "ok\n", IRQ_VECTOR_SELFTEST);
	return 0;
}

/* ---- context switch ---- */

static void *pingpong_sp, *pingpong_main_sp;
static volatile uint64_t pingpong_count, pingpong_sink;
static volatile uint64_t seed_a = MAGIC_A, seed_b = MAGIC_B;

/* Keeps its own values live across each switch, in the same registers. */
static void pingpong(void *arg)
{
	uint64_t a = seed_b, b = ~seed_a, c = a * 3, d = b * 5, e = a ^ b;

	(void)arg;
	for (;;) {
		pingpong_count++;
		a += 1;
		b ^= a;
		c += b;
		d ^= c;
		e += d;
		pingpong_sink = a ^ b ^ c ^ d ^ e;
		arch_switch(&pingpong_sp, pingpong_main_sp);
	}
}

static SV_NORETURN void never_exits(void *arg)
{
	(void)arg;
	sv_panic("never_exits: a test thread returned");
}

static const char *check_pingpong(void)
{
	/* Values from volatile memory, live in registers across switches. */
	uint64_t a = seed_a, b = seed_b, c = a + b, d = a ^ b, e = a * 7;
	struct kstack ks;
	const char *why = NULL;

	if (kstack_alloc(KSTACK_SIZE, &ks))
		return "no stack";
	pingpong_count = 0;
	pingpong_sp = arch_context_init(ks.top, pingpong, NULL, never_exits);
	for (uint64_t i = 0; i < PINGPONG_SWITCHES && !why; i++) {
		arch_switch(&pingpong_main_sp, pingpong_sp);
		if (pingpong_count != i + 1)
			why = "the thread did not run once per switch";
	}
	__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e));
	if (!why && (a != seed_a || b != seed_b || c != seed_a + seed_b ||
		     d != (seed_a ^ seed_b) || e != seed_a * 7))
		why = "callee-saved registers changed across switches";
	kstack_free(&ks);	/* the thread stays suspended for good */
	return why;
}

struct spinner {
	void *sp;
	struct kstack ks;
	volatile uint64_t loops;
	volatile bool exited;
};

static struct spinner spinners[PREEMPT_THREADS];
static void *spin_main_sp;
static uint64_t spin_last_tick;
static int spin_running;		/* -1: the main context */
static volatile bool spin_stop;
static volatile unsigned spin_switches;

static void **saved_sp(int who)
{
	return who < 0 ? &spin_main_sp : &spinners[who].sp;
}

/* The exit hook: on each new tick, round-robin main and the spinners. */
static void preempt_on_tick(void)
{
	int prev = spin_running, next = prev;

	if (timer_ticks() == spin_last_tick)
		return;
	spin_last_tick = timer_ticks();
	do
		next = next + 1 == PREEMPT_THREADS ? -1 : next + 1;
	while (next >= 0 && spinners[next].exited);
	if (next == prev)
		return;
	spin_running = next;
	spin_switches++;
	arch_switch(saved_sp(prev), *saved_sp(next));
}

/* Never yields: only the tick takes the processor away. */
static void spin(void *arg)
{
	struct spinner *s = arg;

	sti();	/* a new context starts with interrupts disabled */
	while (!spin_stop)
		s->loops++;
}

static SV_NORETURN void spin_exit(void *arg)
{
	struct spinner *s = arg;
	void *dead;

	cli();
	s->exited = true;
	spin_running = -1;
	arch_switch(&dead, spin_main_sp);
	sv_panic("spin_exit: an exited thread was resumed");
}

static const char *check_preemption(void)
{
	irq_exit_hook_fn *old;
	const char *why = NULL;
	unsigned n = 0;

	spin_stop = false;
	spin_switches = 0;
	spin_running = -1;
	for (; n < PREEMPT_THREADS; n++) {
		struct spinner *s = &spinners[n];

		s->loops = 0;
		s->exited = false;
		if (kstack_alloc(KSTACK_SIZE, &s->ks))
			break;
		s->sp = arch_context_init(s->ks.top, spin, s, spin_exit);
	}
	if (n < PREEMPT_THREADS) {
		while (n--)
			kstack_free(&spinners[n].ks);
		return "no stack";
	}
	spin_last_tick = timer_ticks();
	old = irq_set_exit_hook(preempt_on_tick);
	wait_ns(PREEMPT_NS);
	spin_stop = true;
	for (unsigned i = 0; i < PREEMPT_THREADS; i++)
		while (!spinners[i].exited)
			hlt();
	irq_set_exit_hook(old);
	for (unsigned i = 0; i < PREEMPT_THREADS; i++) {
		if (!spinners[i].loops)
			why = "a thread never ran";
		kstack_free(&spinners[i].ks);
	}
	if (!why && spin_switches < PREEMPT_MIN_SWITCHES)
		why = "too few preemptions";
	return why;
}

static int test_switch(void)
{
	const char *why = check_pingpong();

	if (why)
		return failed("switch", why);
	sv_printf("switch: %u switches to a kernel thread and back, "
		  "registers kept: ok\n", PINGPONG_SWITCHES);
	why = check_preemption();
	if (why)
		return failed("switch", why);
	sv_printf("switch: %u preemptions on the tick among 2 spinning "
		  "threads and the boot context in 50 ms: ok\n", spin_switches);
	return 0;
}

/* ---- the scheduler's context-switch seam (task_arch.c) ---- */

static const uint32_t seam_weight[SEAM_TASKS] = {
	SV_SCHED_NICE0_WEIGHT, SV_SCHED_NICE0_WEIGHT, 2 * SV_SCHED_NICE0_WEIGHT,
};
static struct sv_sched seam_sched;
static struct sv_task seam_task[SEAM_TASKS];
static struct kstack seam_stack[SEAM_TASKS];
static uint64_t seam_stop;

/* Never yields: only preemption on the tick shares the processor. */
static void seam_spin(void *arg)
{
	(void)arg;
	while (timer_now_ns() < seam_stop)
		cpu_relax();
}

/*
 * The kernel's own scheduler (osk/sched.c, task.c) running spinning tasks
 * on guarded stacks through task_arch.c, preempted from the tick through
 * arch_sched.c, until they all exit; then reaped. Fills share[] in percent.
 */
static const char *check_sched_seam(unsigned *share)
{
	struct sv_sched_config cfg = { 0 };
	uint64_t total = 0;
	const char *why = NULL;
	unsigned n;
	int err;

	arch_sched_config(&cfg);
	if (sched_init(&seam_sched, &cfg))
		return "sched_init refused";
	seam_stop = timer_now_ns() + SEAM_RUN_NS;
	for (n = 0; n < SEAM_TASKS; n++) {
		struct kstack *ks = &seam_stack[n];

		if (kstack_alloc(KSTACK_SIZE, ks))
			break;
		if (task_create(&seam_sched, &seam_task[n], "spin",
				seam_weight[n], seam_spin, NULL,
				(void *)(uintptr_t)ks->bottom,
				ks->top - ks->bottom)) {
			kstack_free(ks);
			break;
		}
	}
	if (n == SEAM_TASKS) {
		arch_sched_attach(&seam_sched);
		err = sched_run(&seam_sched);
		arch_sched_attach(NULL);
		if (err)
			why = "sched_run failed";
	} else {
		why = "cannot create the tasks";
	}
	for (unsigned i = 0; i < n; i++)
		total += seam_task[i].stats.sum_exec_ns;
	/*
	 * Every task ran; the shares are printed, not judged: under QEMU TCG a
	 * host that deschedules the emulator charges that time to whichever
	 * task was on the CPU (the unit tests judge the policy's fairness).
	 */
	for (unsigned i = 0; i < n; i++) {
		share[i] = total ? (unsigned)(seam_task[i].stats.sum_exec_ns *
					      PERCENT / total) : 0;
		if (!why && !seam_task[i].stats.sum_exec_ns)
			why = "a task never ran";
		if (task_reap(&seam_sched, &seam_task[i], NULL) && !why)
			why = "a task could not be reaped";
		kstack_free(&seam_stack[i]);
	}
	if (!why && seam_sched.nr_switches < SEAM_MIN_SWITCHES)
		why = "too few switches";
	return why;
}

static int test_sched_seam(void)
{
	unsigned share[SEAM_TASKS] = { 0 };
	const char *why = check_sched_seam(share);

	if (why)
		return failed("task_arch", why);
	sv_printf("task_arch: 3 spinning tasks of weights 1:1:2 on guarded "
		  "stacks, preempted on the tick: %lu switches, shares "
		  "%u/%u/%u%%: ok\n", seam_sched.nr_switches, share[0],
		  share[1], share[2]);
	return 0;
}

int arch_selftest(void)
{
	int err = 0;

	err |= test_paging();
	err |= test_kstack();
	err |= test_tick();
	err |= test_irq_line();
	err |= test_self_ipi();
	err |= test_switch();
	err |= test_sched_seam();
	return err ? -SV_EIO : 0;
}

/* ---- fault=stack ---- */

static volatile uint64_t overflow_limit = UINT64_MAX;

static uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[OVERFLOW_FRAME];

	frame[0] = (uint8_t)depth;
	if (depth >= overflow_limit)
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void overflow(void *arg)
{
	(void)arg;
	(void)recurse(0);
}

void arch_stack_overflow(void)
{
	struct kstack ks;
	void *sp;

	if (kstack_alloc(KSTACK_SIZE, &ks))
		sv_panic("arch_stack_overflow: no stack");
	sv_printf("fault: a kernel thread recurses on its stack 0x%016lx-"
		  "0x%016lx\n", ks.bottom, ks.top);
	arch_switch(&sp, arch_context_init(ks.top, overflow, NULL,
					    never_exits));
	sv_panic("arch_stack_overflow: the overflow was not caught");
}
