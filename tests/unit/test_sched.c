/*
 * Tests for the fair scheduler (osk/sched.c) and tasks with stacks of their
 * own (osk/task.c, osk/waitq.c).
 *
 * The policy tests need no switching: a small simulator plays the tasks'
 * part on a simulated clock. CPU-bound tasks just let time pass; sleepers
 * run a burst, block with a deadline and are woken by sched_tick. Events
 * are timer ticks, the scheduler's next deadline (a one-shot timer, as the
 * kernel programs it) and burst ends; at each the simulator calls
 * sched_tick and, when it says so, sched_pick. It watches the tasks' states
 * from outside to measure waits independently of the scheduler's own
 * statistics. The figures asserted are the ones issue 6 asks for: Jain's
 * index >= 0.99 for equal weights, shares within 2 % of the weights, no
 * starvation and bounded wake-up latency, within bounds derived from the
 * target latency.
 *
 * The task tests run real tasks on their own stacks through the ucontext
 * implementation of the switch (backend_kvm_sim/task_posix.c), with the simulated clock
 * jumping to the next deadline whenever nothing is runnable.
 */
#include "sv/sched.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sv/errno.h"
#include "sv/task.h"
#include "sv/waitq.h"
#include "sv_test.h"
#include "sched_harness.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

/* ---- the simulator --------------------------------------------------------- */

#define SIM_MAX 64

struct sim_task {
	struct sv_task t;
	uint64_t burst_ns;	/* CPU time per burst; 0: CPU-bound */
	uint64_t sleep_ns;	/* then sleeps this long */
	uint64_t left;		/* of the current burst */
	uint64_t bursts;	/* completed */
	/* measured from outside */
	uint64_t wake_due;	/* when its sleep ended */
	bool due_pending;
	uint64_t max_wake_latency;
	bool waiting;
	uint64_t waiting_since;
	uint64_t max_gap;	/* longest runnable-but-not-running stretch */
};

struct sim {
	struct sv_sched s;
	uint64_t now;
	uint64_t tick;
	struct sim_task *tasks[SIM_MAX];
	size_t n;
};

static struct sim_task *sim_of(struct sv_task *t)
{
	return sv_container_of(t, struct sim_task, t);
}

static void sim_init(struct sim *m, uint64_t tick,
		     const struct sv_sched_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->tick = tick;
	SV_CHECK_EQ_I64(sched_init(&m->s, cfg), 0);
}

static void sim_add(struct sim *m, struct sim_task *st, const char *name,
		    uint32_t weight, uint64_t burst, uint64_t sleep)
{
	memset(st, 0, sizeof(*st));
	SV_CHECK_EQ_I64(task_init(&st->t, name, weight), 0);
	st->burst_ns = burst;
	st->sleep_ns = sleep;
	st->left = burst;
	SV_CHECK_EQ_I64(sched_add(&m->s, &st->t, m->now), 0);
	m->tasks[m->n++] = st;
}

static void sim_forget(struct sim *m, struct sim_task *st)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->tasks[i] == st) {
			m->tasks[i] = m->tasks[--m->n];
			return;
		}
}

/* Track waits by the tasks' states, independently of the scheduler. */
static void sim_observe(struct sim *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct sim_task *st = m->tasks[i];

		switch (st->t.state) {
		case SV_TASK_RUNNABLE:
			if (!st->waiting) {
				st->waiting = true;
				st->waiting_since = m->now;
			}
			break;
		case SV_TASK_RUNNING:
			if (st->waiting && m->now - st->waiting_since > st->max_gap)
				st->max_gap = m->now - st->waiting_since;
			st->waiting = false;
			if (st->due_pending) {
				uint64_t lat = m->now - st->wake_due;

				if (lat > st->max_wake_latency)
					st->max_wake_latency = lat;
				st->due_pending = false;
			}
			break;
		default:
			st->waiting = false;
			break;
		}
	}
}

static void sim_run(struct sim *m, uint64_t duration)
{
	uint64_t until = m->now + duration;

	if (!sched_current(&m->s))
		sched_pick(&m->s, m->now);
	sim_observe(m);
	while (m->now < until) {
		struct sv_task *cur = sched_current(&m->s);
		struct sim_task *st = cur ? sim_of(cur) : NULL;
		uint64_t next = (m->now / m->tick + 1) * m->tick;
		bool burst_end = false;

		next = SV_MIN(next, until);
		next = SV_MIN(next, sched_next_deadline(&m->s));
		if (st && st->burst_ns && m->now + st->left <= next) {
			next = m->now + st->left;
			burst_end = true;
		}
		if (st && st->burst_ns)
			st->left -= next - m->now;
		m->now = next;
		if (burst_end) {
			st->left = st->burst_ns;
			st->bursts++;
			st->wake_due = m->now + st->sleep_ns;
			st->due_pending = true;
			sched_block(&m->s, SV_TASK_SLEEPING, st->wake_due, m->now);
		}
		if (sched_tick(&m->s, m->now) || !sched_current(&m->s))
			sched_pick(&m->s, m->now);
		sim_observe(m);
	}
}

static double jain(const double *x, size_t n)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return sq > 0 ? sum * sum / (n * sq) : 0;
}

/* The runqueue is a valid heap whose back-pointers are right. */
static bool rq_consistent(const struct sv_sched *s)
{
	uint64_t w = 0;

	for (size_t i = 0; i < s->nr_queued; i++) {
		const struct sv_task *t = s->rq[i];

		if (t->rq_index != i || t->state != SV_TASK_RUNNABLE)
			return false;
		w += t->weight;
		if (i > 0) {
			const struct sv_task *p = s->rq[(i - 1) / 2];

			if ((int64_t)(t->vruntime - p->vruntime) < 0 ||
			    (t->vruntime == p->vruntime && t->rq_seq < p->rq_seq))
				return false;
		}
	}
	return w == s->queued_weight;
}

#define CHECK_SHARE(got, want, rel) \
	do { \
		double g_ = (got), w_ = (want); \
		if (fabs(g_ / w_ - 1.0) > (rel)) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"share %s = %.5f, expected %.5f +- %.1f %%", \
				#got, g_, w_, (rel) * 100); \
		else \
			CU_PASS(#got); \
	} while (0)

#define CHECK_LE(a, b) \
	do { \
		uint64_t a_ = (a), b_ = (b); \
		if (a_ > b_) \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"%s <= %s: %" PRIu64 " > %" PRIu64, #a, #b, \
				a_, b_); \
		else \
			CU_PASS(#a); \
	} while (0)

/* ---- configuration and accounting ---------------------------------------- */

static void test_config(void)
{
	struct sv_sched s;
	struct sv_sched_config c = { 0 };
	struct sv_task t;

	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	SV_CHECK_EQ_U64(s.cfg.latency_ns, SV_SCHED_LATENCY_NS);
	SV_CHECK_EQ_U64(s.cfg.min_granularity_ns, SV_SCHED_MIN_GRANULARITY_NS);
	SV_CHECK_EQ_U64(s.cfg.sleeper_bonus_ns, SV_SCHED_LATENCY_NS / 2);
	SV_CHECK(sched_current(&s) == NULL);
	SV_CHECK(sched_pick(&s, 0) == NULL);
	SV_CHECK(!sched_tick(&s, 1 * MS));
	SV_CHECK_EQ_U64(sched_next_deadline(&s), SV_TIME_NEVER);

	c.latency_ns = 1 * MS;
	c.min_granularity_ns = 2 * MS;
	SV_CHECK_EQ_I64(sched_init(&s, &c), -SV_EINVAL);
	c.latency_ns = 2 * SEC;
	SV_CHECK_EQ_I64(sched_init(&s, &c), -SV_EINVAL);

	SV_CHECK_EQ_I64(task_init(&t, "x", 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(task_init(&t, "x", SV_SCHED_WEIGHT_MAX + 1), -SV_EINVAL);
	SV_CHECK_EQ_I64(task_init(&t, "a-very-long-task-name", 1), 0);
	SV_CHECK_STR_EQ(t.name, "a-very-long-tas");
	SV_CHECK(t.sched == NULL);
}

static void test_vruntime_scaling(void)
{
	struct sv_sched s;
	struct sv_task heavy, light;
	uint64_t base;

	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	SV_CHECK_EQ_I64(task_init(&heavy, "heavy", 2048), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &heavy, 0), 0);
	SV_CHECK_EQ_U64(heavy.id, 1);
	base = heavy.vruntime;
	SV_CHECK(sched_pick(&s, 0) == &heavy);
	SV_CHECK_EQ_U64(heavy.state, SV_TASK_RUNNING);
	SV_CHECK(!sched_tick(&s, 1 * MS));	/* alone: never preempted */
	SV_CHECK_EQ_U64(heavy.stats.sum_exec_ns, 1 * MS);
	SV_CHECK_EQ_U64(heavy.vruntime - base, 500 * US);	/* twice the weight */

	/* weight 3: 1000 steps of 1 ns, the remainders carried exactly */
	SV_CHECK_EQ_I64(task_init(&light, "light", 3), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &light, 1 * MS), 0);
	SV_CHECK_EQ_U64(light.vruntime, s.min_vruntime);
	sched_block(&s, SV_TASK_BLOCKED, SV_TIME_NEVER, 1 * MS);
	SV_CHECK(sched_pick(&s, 1 * MS) == &light);
	base = light.vruntime;
	for (uint64_t i = 1; i <= 1000; i++)
		(void)sched_tick(&s, 1 * MS + i);
	SV_CHECK_EQ_U64(light.vruntime - base, 1000 * 1024 / 3);
	SV_CHECK_EQ_U64(light.stats.sum_exec_ns, 1000);

	/* time running backwards counts as standing still */
	(void)sched_tick(&s, 0);
	SV_CHECK_EQ_U64(light.stats.sum_exec_ns, 1000);
}

static void test_slices(void)
{
	struct sv_sched s;
	struct sv_task t[12];

	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	for (int i = 0; i < 12; i++) {
		uint64_t n = (uint64_t)i + 1, want;

		SV_CHECK_EQ_I64(task_init(&t[i], "t", SV_SCHED_NICE0_WEIGHT), 0);
		SV_CHECK_EQ_I64(sched_add(&s, &t[i], 0), 0);
		if (i == 0)
			SV_CHECK(sched_pick(&s, 0) == &t[0]);
		/* latency / n, until that is below the granularity (n > 8) */
		want = n <= 8 ? SV_SCHED_LATENCY_NS / n
			      : SV_SCHED_MIN_GRANULARITY_NS;
		SV_CHECK_EQ_U64(sched_slice(&s), want);
	}

	/* weighted: 1:3 splits the latency 1.5 ms : 4.5 ms */
	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	SV_CHECK_EQ_I64(task_init(&t[0], "a", 1024), 0);
	SV_CHECK_EQ_I64(task_init(&t[1], "b", 3072), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &t[0], 0), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &t[1], 0), 0);
	SV_CHECK(sched_pick(&s, 0) == &t[0]);
	SV_CHECK_EQ_U64(sched_slice(&s), 1500 * US);
	SV_CHECK(!sched_tick(&s, 1499 * US));
	SV_CHECK(sched_tick(&s, 1500 * US));
	SV_CHECK(sched_pick(&s, 1500 * US) == &t[1]);
	SV_CHECK_EQ_U64(sched_slice(&s), 4500 * US);
	SV_CHECK(!sched_tick(&s, 5999 * US));
	SV_CHECK(sched_tick(&s, 6000 * US));
	SV_CHECK_EQ_U64(t[0].vruntime, t[1].vruntime);	/* even after one period */

	/*
	 * More tasks than latency / granularity: the period stretches to
	 * 9 * 0.75 ms, split by weight, and no slice is below 0.75 ms.
	 */
	for (int light_first = 0; light_first < 2; light_first++) {
		uint64_t total = 8 * 1024 + 110;

		SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
		for (int i = 0; i < 9; i++) {
			bool light = light_first ? i == 0 : i == 8;

			SV_CHECK_EQ_I64(task_init(&t[i], "t", light ? 110 : 1024),
					0);
			SV_CHECK_EQ_I64(sched_add(&s, &t[i], 0), 0);
		}
		SV_CHECK(sched_pick(&s, 0) == &t[0]);
		SV_CHECK_EQ_U64(sched_slice(&s),
				light_first ? SV_SCHED_MIN_GRANULARITY_NS
					    : 9 * SV_SCHED_MIN_GRANULARITY_NS *
					      1024 / total);
	}
}

/* Equal tasks added together run in the order they were added, round-robin. */
static void test_ties_fifo(void)
{
	struct sim m;
	struct sim_task st[4];
	const char *names[] = { "A", "B", "C", "D" };
	char order[16] = "";
	size_t len = 0;

	sim_init(&m, 100 * US, NULL);
	for (int i = 0; i < 4; i++)
		sim_add(&m, &st[i], names[i], SV_SCHED_NICE0_WEIGHT, 0, 0);
	for (struct sv_task *t = sched_pick(&m.s, 0); len < 12;) {
		order[len++] = t->name[0];
		/* run out the slice (1.5 ms) a tick at a time */
		do
			m.now += m.tick;
		while (!sched_tick(&m.s, m.now));
		SV_CHECK_EQ_U64(m.now % (1500 * US), 0);
		t = sched_pick(&m.s, m.now);
	}
	order[len] = 0;
	SV_CHECK_STR_EQ(order, "ABCDABCDABCD");
	SV_CHECK(rq_consistent(&m.s));
}

/* ---- fairness ---------------------------------------------------------------- */

static void test_jain_equal_weights(void)
{
	static const size_t sizes[] = { 2, 5, 16, 50 };

	for (size_t k = 0; k < SV_ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		struct sim *m = malloc(sizeof(*m));
		struct sim_task *st = calloc(n, sizeof(*st));
		double x[64], j;

		sim_init(m, 1 * MS, NULL);
		for (size_t i = 0; i < n; i++)
			sim_add(m, &st[i], "cpu", SV_SCHED_NICE0_WEIGHT, 0, 0);
		sim_run(m, 10 * SEC);
		for (size_t i = 0; i < n; i++) {
			x[i] = (double)st[i].t.stats.sum_exec_ns;
			CHECK_SHARE(x[i] / (10.0 * SEC), 1.0 / n, 0.02);
		}
		j = jain(x, n);
		if (j < 0.99)
			SV_TEST_FAIL_(__FILE__, __LINE__,
				      "Jain's index %.6f < 0.99 for %zu tasks", j, n);
		else
			CU_PASS("jain");
		SV_CHECK(j > 0.9999);	/* what it actually achieves */
		free(st);
		free(m);
	}
}

/* Run the weights CPU-bound for a while; every share within 2 %. */
static void check_weighted(const uint32_t *w, size_t n, uint64_t tick,
			   uint64_t duration)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task *st = calloc(n, sizeof(*st));
	double total = 0;

	sim_init(m, tick, NULL);
	for (size_t i = 0; i < n; i++) {
		sim_add(m, &st[i], "w", w[i], 0, 0);
		total += w[i];
	}
	sim_run(m, duration);
	for (size_t i = 0; i < n; i++)
		CHECK_SHARE((double)st[i].t.stats.sum_exec_ns / duration,
			    w[i] / total, 0.02);
	SV_CHECK(rq_consistent(&m->s));
	free(st);
	free(m);
}

static void test_weighted_shares(void)
{
	static const uint32_t w124[] = { 1024, 2048, 4096 };
	/* Linux's weights of nice 0, 0, 0, -5, 5, 10 and -10 */
	static const uint32_t mix[] = { 1024, 1024, 1024, 3121, 335, 110, 9548 };

	check_weighted(w124, SV_ARRAY_SIZE(w124), 1 * MS, 10 * SEC);
	check_weighted(w124, SV_ARRAY_SIZE(w124), 250 * US, 10 * SEC);
	check_weighted(mix, SV_ARRAY_SIZE(mix), 1 * MS, 60 * SEC);
}

/*
 * No starvation: a runnable task waits at most one period for the others'
 * slices, each rounded up to a whole tick since preemption happens at
 * ticks: latency (or n * granularity) + n * tick.
 */
static void test_no_starvation(void)
{
	static const size_t sizes[] = { 3, 8, 20 };

	for (size_t k = 0; k < SV_ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		struct sim *m = malloc(sizeof(*m));
		struct sim_task *st = calloc(n, sizeof(*st));
		uint64_t period = SV_MAX(SV_SCHED_LATENCY_NS,
					 n * SV_SCHED_MIN_GRANULARITY_NS);
		uint64_t bound = period + n * 1 * MS;

		sim_init(m, 1 * MS, NULL);
		for (size_t i = 0; i < n; i++)
			sim_add(m, &st[i], "cpu", SV_SCHED_NICE0_WEIGHT, 0, 0);
		sim_run(m, 2 * SEC);
		for (size_t i = 0; i < n; i++) {
			SV_CHECK(st[i].t.stats.nr_runs > 0);
			CHECK_LE(st[i].max_gap, bound);
			/* the scheduler's own account agrees */
			SV_CHECK_EQ_U64(st[i].t.stats.wait_max_ns, st[i].max_gap);
		}
		free(st);
		free(m);
	}
}

/*
 * Interactive sleepers among CPU hogs: each is woken at its deadline and,
 * having slept longer than the others' slices, is placed ahead of the hogs
 * and preempts at once; the bound asserted is the target latency, the
 * guarantee for any sleeper. They get all the CPU they ask for.
 */
static void test_wakeup_latency(void)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task hog[4], io[3];
	static const uint64_t sleeps[] = { 5 * MS, 9 * MS, 20 * MS };
	uint64_t duration = 10 * SEC, warmup = 100 * MS;

	sim_init(m, 1 * MS, NULL);
	for (int i = 0; i < 4; i++)
		sim_add(m, &hog[i], "hog", SV_SCHED_NICE0_WEIGHT, 0, 0);
	for (int i = 0; i < 3; i++)
		sim_add(m, &io[i], "io", SV_SCHED_NICE0_WEIGHT, 200 * US,
			sleeps[i]);
	/* at the start some hogs have not run at all and go first */
	sim_run(m, warmup);
	for (int i = 0; i < 3; i++) {
		CHECK_LE(io[i].max_wake_latency, SV_SCHED_LATENCY_NS);
		io[i].max_wake_latency = 0;
		io[i].bursts = 0;
	}
	sim_run(m, duration);
	for (int i = 0; i < 3; i++) {
		uint64_t cycle = 200 * US + sleeps[i];

		SV_CHECK(io[i].t.stats.nr_wakeups > 100);
		/* the bound for any sleeper */
		CHECK_LE(io[i].max_wake_latency, SV_SCHED_LATENCY_NS);
		/*
		 * In fact: a hog is preempted at once, so a sleeper waits at
		 * most for the bursts of the two other sleepers due before it.
		 */
		CHECK_LE(io[i].max_wake_latency, 2 * 200 * US);
		/* the scheduler's own account agrees */
		SV_CHECK_EQ_U64(io[i].t.stats.wake_latency_max_ns >=
				io[i].max_wake_latency, 1);
		/* it got the CPU whenever it asked: as many bursts as fit */
		SV_CHECK(io[i].bursts >= duration / (cycle + 2 * 200 * US));
	}
	/* the hogs share the rest evenly */
	{
		double x[4];

		for (int i = 0; i < 4; i++)
			x[i] = (double)hog[i].t.stats.sum_exec_ns;
		SV_CHECK(jain(x, 4) > 0.999);
	}
	free(m);
}

/*
 * A sleeper is not starved and cannot starve: after a long sleep it gets
 * at most the bonus of credit, so the task that ran meanwhile waits no more
 * than bonus + a slice; and a task that naps briefly and often gains
 * nothing by it.
 */
static void test_sleeper_bonus_bounded(void)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task hog, sleeper, h1, h2, napper;
	uint64_t before, bound;

	sim_init(m, 1 * MS, NULL);
	sim_add(m, &hog, "hog", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &sleeper, "sleeper", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_run(m, 10 * MS);
	/* the sleeper sleeps a whole second, as a task does: while current */
	while (sched_current(&m->s) != &sleeper.t)
		sim_run(m, 1 * MS);
	sched_block(&m->s, SV_TASK_SLEEPING, m->now + 1 * SEC, m->now);
	SV_CHECK(sched_pick(&m->s, m->now) == &hog.t);
	sim_run(m, 1 * SEC - 1 * MS);
	SV_CHECK_EQ_U64(sleeper.t.state, SV_TASK_SLEEPING);

	/* it wakes 1 ms into this stretch and is CPU-bound from then on */
	before = hog.t.stats.sum_exec_ns;
	hog.max_gap = 0;
	sim_run(m, 1 * SEC);
	SV_CHECK_EQ_U64(sleeper.t.stats.nr_wakeups, 1);
	bound = m->s.cfg.sleeper_bonus_ns + SV_SCHED_LATENCY_NS + m->tick;
	CHECK_LE(hog.max_gap, bound);
	CHECK_SHARE((double)(hog.t.stats.sum_exec_ns - before) / SEC, 0.5, 0.02);
	free(m);

	/* the napper runs 2 ms, naps 10 us: no more than a third */
	m = malloc(sizeof(*m));
	sim_init(m, 1 * MS, NULL);
	sim_add(m, &h1, "h1", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &h2, "h2", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &napper, "napper", SV_SCHED_NICE0_WEIGHT, 2 * MS, 10 * US);
	sim_run(m, 10 * SEC);
	SV_CHECK(napper.t.stats.nr_wakeups > 1000);
	SV_CHECK((double)napper.t.stats.sum_exec_ns / (10.0 * SEC) <=
		 1.0 / 3 * 1.02);
	CHECK_SHARE((double)h1.t.stats.sum_exec_ns / (10.0 * SEC), 1.0 / 3, 0.02);
	CHECK_SHARE((double)h2.t.stats.sum_exec_ns / (10.0 * SEC), 1.0 / 3, 0.02);
	free(m);
}

/* Tasks come and go mid-run: shares rebalance, a newcomer gets no credit. */
static void test_add_remove_mid_run(void)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task a, b, c, d;
	uint64_t sa, sc, sd;
	struct sv_task *cur;

	sim_init(m, 1 * MS, NULL);
	sim_add(m, &a, "a", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &b, "b", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &c, "c", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_run(m, 5 * SEC);

	sim_add(m, &d, "d", SV_SCHED_NICE0_WEIGHT, 0, 0);
	SV_CHECK_EQ_U64(d.t.vruntime, m->s.min_vruntime);
	sa = a.t.stats.sum_exec_ns;
	sim_run(m, 100 * MS);
	/* no catch-up burst: a quarter of the time, give or take a slice */
	CHECK_LE(d.t.stats.sum_exec_ns, 25 * MS + SV_SCHED_LATENCY_NS);
	sim_run(m, 4900 * MS);
	CHECK_SHARE((double)d.t.stats.sum_exec_ns / (5.0 * SEC), 0.25, 0.02);
	CHECK_SHARE((double)(a.t.stats.sum_exec_ns - sa) / (5.0 * SEC), 0.25,
		    0.02);

	/* remove a task that is waiting, then the running one */
	while (sched_current(&m->s) == &b.t)
		sim_run(m, m->tick);
	SV_CHECK_EQ_U64(b.t.state, SV_TASK_RUNNABLE);
	SV_CHECK_EQ_I64(sched_remove(&m->s, &b.t, m->now), 0);
	sim_forget(m, &b);
	SV_CHECK(b.t.sched == NULL && b.t.state == SV_TASK_DEAD);
	SV_CHECK(rq_consistent(&m->s));
	sa = a.t.stats.sum_exec_ns;
	sc = c.t.stats.sum_exec_ns;
	sd = d.t.stats.sum_exec_ns;
	sim_run(m, 6 * SEC);
	CHECK_SHARE((double)(a.t.stats.sum_exec_ns - sa) / (6.0 * SEC), 1.0 / 3,
		    0.02);
	CHECK_SHARE((double)(c.t.stats.sum_exec_ns - sc) / (6.0 * SEC), 1.0 / 3,
		    0.02);
	CHECK_SHARE((double)(d.t.stats.sum_exec_ns - sd) / (6.0 * SEC), 1.0 / 3,
		    0.02);

	cur = sched_current(&m->s);
	SV_CHECK(cur != NULL);
	SV_CHECK_EQ_I64(sched_remove(&m->s, cur, m->now), 0);
	sim_forget(m, sim_of(cur));
	SV_CHECK(sched_current(&m->s) == NULL);
	SV_CHECK_EQ_U64(m->s.nr_tasks, 2);
	SV_CHECK_EQ_I64(sched_remove(&m->s, cur, m->now), -SV_EINVAL);
	sim_run(m, 1 * SEC);
	SV_CHECK(rq_consistent(&m->s));
	free(m);
}

/* One task blocks and is woken by hand over and over among two hogs. */
static void test_block_wake_repeated(void)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task h1, h2, x;
	unsigned cycles = 0;

	sim_init(m, 1 * MS, NULL);
	sim_add(m, &h1, "h1", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &h2, "h2", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &x, "x", SV_SCHED_NICE0_WEIGHT, 0, 0);
	for (int i = 0; i < 3000; i++) {
		sim_run(m, 1 * MS);
		if (sched_current(&m->s) == &x.t)
			sim_run(m, 300 * US);	/* it may have just been picked */
		if (sched_current(&m->s) == &x.t) {
			sched_block(&m->s, SV_TASK_BLOCKED, SV_TIME_NEVER, m->now);
			SV_CHECK_EQ_U64(x.t.state, SV_TASK_BLOCKED);
			SV_CHECK(sched_pick(&m->s, m->now) != &x.t);
		} else if (x.t.state == SV_TASK_BLOCKED && i % 2) {
			SV_CHECK(sched_wake(&m->s, &x.t, 42 + i, m->now));
			SV_CHECK_EQ_I64(x.t.wake_result, 42 + i);
			SV_CHECK_EQ_U64(x.t.state, SV_TASK_RUNNABLE);
			/* a second wake-up finds nothing to do */
			SV_CHECK(!sched_wake(&m->s, &x.t, 0, m->now));
			cycles++;
		}
		SV_CHECK(rq_consistent(&m->s));
		SV_CHECK_EQ_U64(sched_nr_runnable(&m->s),
				2 + (x.t.state != SV_TASK_BLOCKED));
	}
	SV_CHECK(cycles > 300);
	SV_CHECK_EQ_U64(x.t.stats.nr_wakeups, cycles);
	SV_CHECK(x.t.stats.sum_exec_ns > 0);
	SV_CHECK((double)x.t.stats.sum_exec_ns / m->now <= 1.0 / 3 * 1.02);
	CHECK_SHARE((double)h1.t.stats.sum_exec_ns / h2.t.stats.sum_exec_ns, 1.0,
		    0.02);
	free(m);
}

static void test_timed_list(void)
{
	static const uint64_t dl[] = { 50, 10, 30, 10, 40 };
	struct sv_sched s;
	struct sv_task t[5];

	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	for (int i = 0; i < 5; i++) {
		SV_CHECK_EQ_I64(task_init(&t[i], "t", SV_SCHED_NICE0_WEIGHT), 0);
		SV_CHECK_EQ_I64(sched_add(&s, &t[i], 0), 0);
	}
	for (int i = 0; i < 5; i++) {
		SV_CHECK(sched_pick(&s, 0) == &t[i]);
		sched_block(&s, SV_TASK_BLOCKED, dl[i] * MS, 0);
	}
	SV_CHECK(sched_pick(&s, 0) == NULL);
	SV_CHECK_EQ_U64(sched_next_deadline(&s), 10 * MS);

	/* woken early: off the timed list, with the waker's result */
	SV_CHECK(sched_wake(&s, &t[2], 5, 1 * MS));
	SV_CHECK_EQ_I64(t[2].wake_result, 5);
	SV_CHECK_EQ_U64(t[2].wake_deadline, SV_TIME_NEVER);

	SV_CHECK_EQ_U64(sched_expire(&s, 10 * MS - 1), 0);
	SV_CHECK_EQ_U64(sched_expire(&s, 10 * MS), 2);
	SV_CHECK_EQ_I64(t[1].wake_result, -SV_ETIMEDOUT);
	SV_CHECK_EQ_I64(t[3].wake_result, -SV_ETIMEDOUT);
	SV_CHECK(t[1].rq_seq < t[3].rq_seq);	/* equal deadlines: FIFO */
	SV_CHECK_EQ_U64(sched_next_deadline(&s), 40 * MS);

	/* the timer tick expires the rest and asks for a pick */
	SV_CHECK(sched_tick(&s, 100 * MS));
	SV_CHECK_EQ_U64(sched_next_deadline(&s), SV_TIME_NEVER);
	for (int i = 0; i < 5; i++)
		SV_CHECK_EQ_U64(t[i].state, SV_TASK_RUNNABLE);
	SV_CHECK_EQ_U64(s.nr_queued, 5);
	SV_CHECK(rq_consistent(&s));
}

static void test_wakeup_preemption(void)
{
	struct sv_sched s;
	struct sv_task h, w;

	/* a long sleeper preempts the running task before its slice ends */
	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	SV_CHECK_EQ_I64(task_init(&h, "h", SV_SCHED_NICE0_WEIGHT), 0);
	SV_CHECK_EQ_I64(task_init(&w, "w", SV_SCHED_NICE0_WEIGHT), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &w, 0), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &h, 0), 0);
	SV_CHECK(sched_pick(&s, 0) == &w);
	sched_block(&s, SV_TASK_BLOCKED, SV_TIME_NEVER, 0);
	SV_CHECK(sched_pick(&s, 0) == &h);
	SV_CHECK(!sched_tick(&s, 499 * MS));	/* alone */
	SV_CHECK(sched_pick(&s, 499 * MS) == &h);	/* a fresh slice */
	SV_CHECK(sched_wake(&s, &w, 0, 500 * MS));
	SV_CHECK_EQ_U64(w.vruntime, h.vruntime - s.cfg.sleeper_bonus_ns);
	SV_CHECK(sched_tick(&s, 500 * MS + 1));
	SV_CHECK(sched_pick(&s, 500 * MS + 1) == &w);
	SV_CHECK_EQ_U64(w.stats.wake_latency_max_ns, 1);

	/* a task barely behind does not: it waits for the slice to end */
	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	SV_CHECK_EQ_I64(task_init(&h, "h", SV_SCHED_NICE0_WEIGHT), 0);
	SV_CHECK_EQ_I64(task_init(&w, "w", SV_SCHED_NICE0_WEIGHT), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &w, 0), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &h, 0), 0);
	SV_CHECK(sched_pick(&s, 0) == &w);
	sched_block(&s, SV_TASK_BLOCKED, SV_TIME_NEVER, 0);
	SV_CHECK(sched_pick(&s, 0) == &h);
	SV_CHECK(sched_wake(&s, &w, 0, 500 * US));
	SV_CHECK(!sched_tick(&s, 600 * US));
	SV_CHECK(!sched_tick(&s, 3 * MS - 1));
	SV_CHECK(sched_tick(&s, 3 * MS));
	SV_CHECK(sched_pick(&s, 3 * MS) == &w);
}

static void test_capacity_and_errors(void)
{
	static struct sv_task many[SV_SCHED_MAX_TASKS + 1];
	struct sv_sched s;

	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	for (size_t i = 0; i <= SV_SCHED_MAX_TASKS; i++)
		SV_CHECK_EQ_I64(task_init(&many[i], "m", 1 + (uint32_t)i), 0);
	for (size_t i = 0; i < SV_SCHED_MAX_TASKS; i++)
		SV_CHECK_EQ_I64(sched_add(&s, &many[i], i), 0);
	SV_CHECK_EQ_I64(sched_add(&s, &many[SV_SCHED_MAX_TASKS], 0), -SV_ENOSPC);
	SV_CHECK_EQ_I64(sched_add(&s, &many[0], 0), -SV_EBUSY);
	SV_CHECK_EQ_I64(sched_remove(&s, &many[SV_SCHED_MAX_TASKS], 0),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(sched_set_weight(&s, &many[0], 0, 0), -SV_EINVAL);
	SV_CHECK(rq_consistent(&s));
	SV_CHECK_EQ_U64(s.nr_queued, SV_SCHED_MAX_TASKS);
	/* smallest vruntime first, then FIFO: all equal, so the first added */
	SV_CHECK(sched_pick(&s, SV_SCHED_MAX_TASKS) == &many[0]);
	for (size_t i = SV_SCHED_MAX_TASKS; i-- > 0;)
		SV_CHECK_EQ_I64(sched_remove(&s, &many[i], 1000), 0);
	SV_CHECK_EQ_U64(s.nr_tasks, 0);
	SV_CHECK_EQ_U64(s.nr_queued, 0);
	SV_CHECK_EQ_U64(s.queued_weight, 0);
	SV_CHECK(sched_current(&s) == NULL);
}

/* Virtual runtimes may wrap around 2^64: comparisons are by difference. */
static void test_vruntime_wraparound(void)
{
	static const uint32_t w[] = { 1024, 2048, 4096 };
	struct sim *m = malloc(sizeof(*m));
	struct sim_task st[3];
	bool wrapped = false;

	sim_init(m, 1 * MS, NULL);
	m->s.min_vruntime = UINT64_MAX - 1 * SEC;	/* start just below */
	for (int i = 0; i < 3; i++)
		sim_add(m, &st[i], "w", w[i], 0, 0);
	sim_run(m, 10 * SEC);
	for (int i = 0; i < 3; i++) {
		wrapped |= st[i].t.vruntime < UINT64_MAX / 2;
		CHECK_SHARE((double)st[i].t.stats.sum_exec_ns / (10.0 * SEC),
			    w[i] / 7168.0, 0.02);
	}
	SV_CHECK(wrapped);
	SV_CHECK(m->s.min_vruntime < UINT64_MAX / 2);
	free(m);
}

static void test_set_weight(void)
{
	struct sim *m = malloc(sizeof(*m));
	struct sim_task a, b;
	uint64_t sb;

	sim_init(m, 1 * MS, NULL);
	sim_add(m, &a, "a", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_add(m, &b, "b", SV_SCHED_NICE0_WEIGHT, 0, 0);
	sim_run(m, 2 * SEC);
	SV_CHECK_EQ_I64(sched_set_weight(&m->s, &b.t, 3072, m->now), 0);
	sb = b.t.stats.sum_exec_ns;
	sim_run(m, 10 * SEC);
	CHECK_SHARE((double)(b.t.stats.sum_exec_ns - sb) / (10.0 * SEC), 0.75,
		    0.02);
	SV_CHECK(rq_consistent(&m->s));
	free(m);
}

/* ---- random operations against the invariants ----------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool on_timed_list(const struct sv_sched *s, const struct sv_task *t)
{
	const struct sv_list_node *p;
	uint64_t last = 0;
	bool found = false;

	sv_list_for_each(p, &s->timed) {
		const struct sv_task *o = sv_list_entry(p, struct sv_task,
							timed_node);

		if (o->wake_deadline < last)
			return false;	/* unsorted: fails the caller too */
		last = o->wake_deadline;
		found |= o == t;
	}
	return found;
}

static void test_random_operations(void)
{
	enum { N = 24, STEPS = 40000 };
	static struct sv_task t[N];
	struct sv_sched s;
	uint64_t now = 0;
	bool ok = true;

	rng_state = 0x9e3779b97f4a7c15ull;
	SV_CHECK_EQ_I64(sched_init(&s, NULL), 0);
	for (int i = 0; i < N; i++)
		SV_CHECK_EQ_I64(task_init(&t[i], "r", 1 + rng() % 5000), 0);
	for (int step = 0; step < STEPS && ok; step++) {
		struct sv_task *x = &t[rng() % N];
		size_t attached = 0, live = 0;

		switch (rng() % 8) {
		case 0:
			if (!x->sched && task_init(x, "r", 1 + rng() % 5000) == 0)
				ok &= sched_add(&s, x, now) == 0;
			break;
		case 1:
			if (x->sched)
				ok &= sched_remove(&s, x, now) == 0;
			break;
		case 2:
			now += rng() % (2 * MS);
			(void)sched_tick(&s, now);
			break;
		case 3:
			sched_pick(&s, now);
			break;
		case 4:
			if (sched_current(&s))
				sched_block(&s, rng() % 2 ? SV_TASK_BLOCKED
							  : SV_TASK_SLEEPING,
					    rng() % 2 ? SV_TIME_NEVER
						      : now + rng() % (20 * MS),
					    now);
			break;
		case 5:
			if (x->sched) {
				bool asleep = x->state == SV_TASK_BLOCKED ||
					      x->state == SV_TASK_SLEEPING;

				ok &= sched_wake(&s, x, 0, now) == asleep;
			}
			break;
		case 6:
			if (x->sched)
				ok &= sched_set_weight(&s, x, 1 + rng() % 9000,
						       now) == 0;
			break;
		case 7:
			now += rng() % (5 * MS);
			sched_expire(&s, now);
			break;
		}
		ok &= rq_consistent(&s);
		for (int i = 0; i < N; i++) {
			struct sv_task *y = &t[i];
			bool timed = on_timed_list(&s, y);

			if (!y->sched) {
				ok &= y->state == SV_TASK_DEAD && !timed &&
				      y->rq_index == SV_RQ_NONE;
				continue;
			}
			attached++;
			live += y->state != SV_TASK_DEAD;
			ok &= (y->state == SV_TASK_RUNNING) == (s.current == y);
			ok &= (y->state == SV_TASK_RUNNABLE) ==
			      (y->rq_index != SV_RQ_NONE);
			ok &= timed == (y->wake_deadline != SV_TIME_NEVER);
			if (timed)
				ok &= y->state == SV_TASK_BLOCKED ||
				      y->state == SV_TASK_SLEEPING;
		}
		ok &= attached == s.nr_tasks && live == s.nr_live;
		if (!ok)
			SV_TEST_FAIL_(__FILE__, __LINE__,
				      "invariant broken at step %d", step);
	}
	SV_CHECK(ok);
}

/* ---- tasks on their own stacks ---------------------------------------------- */

struct log {
	char text[128];
	size_t len;
	uint64_t at[32];	/* the clock at each entry */
};

static void log_put(struct log *l, struct test_sched *ts, char c)
{
	if (l->len < SV_ARRAY_SIZE(l->at))
		l->at[l->len] = ts->now;
	if (l->len + 1 < sizeof(l->text))
		l->text[l->len++] = c;
	l->text[l->len] = 0;
}

struct rr_arg {
	struct test_sched *ts;
	struct log *log;
	char tag;
	int code;	/* 0: return from the entry */
};

static void rr_entry(void *p)
{
	struct rr_arg *a = p;

	for (int i = 0; i < 3; i++) {
		log_put(a->log, a->ts, a->tag);
		task_yield(&a->ts->s);
	}
	if (a->code)
		task_exit(&a->ts->s, a->code);
}

static void test_task_round_robin_exit(void)
{
	struct test_sched ts;
	struct sv_task t[3];
	struct log log = { .len = 0 };
	struct rr_arg args[3] = {
		{ &ts, &log, 'A', 0 }, { &ts, &log, 'B', 41 },
		{ &ts, &log, 'C', 42 },
	};
	int code = -1;

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);	/* nothing to run */
	for (int i = 0; i < 3; i++)
		SV_CHECK_EQ_I64(test_task_spawn(&ts, &t[i], "rr", 1024, rr_entry,
						&args[i]), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	/* no time passes: equal virtual runtimes, so yield goes round */
	SV_CHECK_STR_EQ(log.text, "ABCABCABC");
	for (int i = 0; i < 3; i++) {
		SV_CHECK_EQ_U64(t[i].state, SV_TASK_DEAD);
		SV_CHECK_EQ_I64(task_reap(&ts.s, &t[i], &code), 0);
		SV_CHECK_EQ_I64(code, args[i].code);
		SV_CHECK_EQ_I64(task_reap(&ts.s, &t[i], &code), -SV_EINVAL);
		test_stack_free(t[i].stack);
	}
	SV_CHECK_EQ_U64(ts.s.nr_tasks, 0);
	SV_CHECK(ts.s.nr_switches >= 9);
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);
}

struct sleep_arg {
	struct test_sched *ts;
	struct log *log;
	char tag;
	uint64_t ns;
	uint64_t left;
};

static void sleep_entry(void *p)
{
	struct sleep_arg *a = p;

	a->left = task_sleep(&a->ts->s, a->ns);
	log_put(a->log, a->ts, a->tag);
}

static void test_task_sleep(void)
{
	struct test_sched ts;
	struct sv_task t[3];
	struct log log = { .len = 0 };
	struct sleep_arg args[3] = {
		{ &ts, &log, 'a', 30 * MS, 1 }, { &ts, &log, 'b', 10 * MS, 1 },
		{ &ts, &log, 'c', 20 * MS, 1 },
	};

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	for (int i = 0; i < 3; i++)
		SV_CHECK_EQ_I64(test_task_spawn(&ts, &t[i], "sleep", 1024,
						sleep_entry, &args[i]), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	SV_CHECK_STR_EQ(log.text, "bca");
	SV_CHECK_EQ_U64(log.at[0], 10 * MS);
	SV_CHECK_EQ_U64(log.at[1], 20 * MS);
	SV_CHECK_EQ_U64(log.at[2], 30 * MS);
	for (int i = 0; i < 3; i++)
		SV_CHECK_EQ_U64(args[i].left, 0);
	SV_CHECK_EQ_U64(ts.idle_calls, 3);
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);	/* frees the stacks */
}

struct wakeup_arg {
	struct test_sched *ts;
	struct sv_task *sleeper;
	bool woke, woke_again;
};

static void waker_entry(void *p)
{
	struct wakeup_arg *a = p;

	test_clock_advance(a->ts, 100 * MS);
	a->woke = task_wakeup(&a->ts->s, a->sleeper);
	a->woke_again = task_wakeup(&a->ts->s, a->sleeper);
}

static void test_task_wakeup_early(void)
{
	struct test_sched ts;
	struct sv_task sleeper, waker;
	struct log log = { .len = 0 };
	struct sleep_arg sa = { &ts, &log, 's', 1 * SEC, 0 };
	struct wakeup_arg wa = { &ts, &sleeper, false, true };

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	SV_CHECK_EQ_I64(test_task_spawn(&ts, &sleeper, "sleeper", 1024,
					sleep_entry, &sa), 0);
	SV_CHECK_EQ_I64(test_task_spawn(&ts, &waker, "waker", 1024, waker_entry,
					&wa), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	SV_CHECK(wa.woke);
	SV_CHECK(!wa.woke_again);	/* runnable by then: nothing to do */
	SV_CHECK_EQ_U64(sa.left, 900 * MS);
	SV_CHECK_EQ_U64(log.at[0], 100 * MS);
	SV_CHECK_EQ_U64(ts.idle_calls, 0);
	SV_CHECK_EQ_U64(ts.s.nr_tasks, 2);	/* dead, not reaped */
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);
}

struct waitq_arg {
	struct test_sched *ts;
	struct sv_waitq *q;
	uint64_t timeout;
	int rc;
	uint64_t at;
	struct sv_task *first_woken;
	size_t woken_all;
	int poll_rc;
};

static void waiter_entry(void *p)
{
	struct waitq_arg *a = p;

	a->rc = waitq_wait(&a->ts->s, a->q, a->timeout);
	a->at = a->ts->now;
}

static void wq_waker_entry(void *p)
{
	struct waitq_arg *a = p;

	a->poll_rc = waitq_wait(&a->ts->s, a->q, 0);	/* does not block */
	a->first_woken = waitq_wake_one(&a->ts->s, a->q, 7);
	(void)task_sleep(&a->ts->s, 100 * MS);
	a->woken_all = waitq_wake_all(&a->ts->s, a->q, -SV_EPIPE);
}

static void test_waitq(void)
{
	struct test_sched ts;
	struct sv_waitq q;
	struct sv_task w[3], waker;
	struct waitq_arg a[3] = {
		{ &ts, &q, SV_TIMEOUT_INFINITE, 1, 0, NULL, 0, 0 },
		{ &ts, &q, SV_TIMEOUT_INFINITE, 1, 0, NULL, 0, 0 },
		{ &ts, &q, 50 * MS, 1, 0, NULL, 0, 0 },
	};
	struct waitq_arg wa = { &ts, &q, 0, 0, 0, NULL, 0, 1 };

	waitq_init(&q);
	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	/* outside a task a zero timeout is a poll; waking nobody is fine */
	SV_CHECK_EQ_I64(waitq_wait(&ts.s, &q, 0), -SV_ETIMEDOUT);
	SV_CHECK(waitq_wake_one(&ts.s, &q, 0) == NULL);
	for (int i = 0; i < 3; i++)
		SV_CHECK_EQ_I64(test_task_spawn(&ts, &w[i], "waiter", 1024,
						waiter_entry, &a[i]), 0);
	SV_CHECK_EQ_I64(test_task_spawn(&ts, &waker, "waker", 1024,
					wq_waker_entry, &wa), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	SV_CHECK_EQ_I64(wa.poll_rc, -SV_ETIMEDOUT);
	SV_CHECK(wa.first_woken == &w[0]);	/* the longest waiter */
	SV_CHECK_EQ_I64(a[0].rc, 7);
	SV_CHECK_EQ_U64(a[0].at, 0);
	SV_CHECK_EQ_I64(a[2].rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_U64(a[2].at, 50 * MS);
	SV_CHECK_EQ_U64(wa.woken_all, 1);
	SV_CHECK_EQ_I64(a[1].rc, -SV_EPIPE);
	SV_CHECK_EQ_U64(a[1].at, 100 * MS);
	SV_CHECK(waitq_empty(&q));
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);
}

struct join_arg {
	struct test_sched *ts;
	struct sv_task child, child2;
	struct sleep_arg csleep, csleep2;
	struct log log;
	int code, rc_self, rc_busy, rc_join, rc_join2, code2;
	uint64_t joined_at;
};

static void child_entry(void *p)
{
	struct sleep_arg *a = p;

	(void)task_sleep(&a->ts->s, a->ns);
	task_exit(&a->ts->s, (int)(a->ns / MS));
}

static void parent_entry(void *p)
{
	struct join_arg *a = p;
	struct sv_sched *s = &a->ts->s;

	a->csleep = (struct sleep_arg){ a->ts, &a->log, 'c', 5 * MS, 0 };
	a->csleep2 = (struct sleep_arg){ a->ts, &a->log, 'd', 9 * MS, 0 };
	if (test_task_spawn(a->ts, &a->child, "child", 1024, child_entry,
			    &a->csleep) ||
	    test_task_spawn(a->ts, &a->child2, "child2", 1024, child_entry,
			    &a->csleep2))
		return;
	a->rc_self = task_join(s, sched_current(s), NULL);
	a->rc_busy = task_reap(s, &a->child2, NULL);
	a->rc_join = task_join(s, &a->child, &a->code);
	a->joined_at = a->ts->now;
	a->rc_join2 = task_join(s, &a->child2, &a->code2);
	test_stack_free(a->child.stack);
	test_stack_free(a->child2.stack);
}

static void test_task_join(void)
{
	struct test_sched ts;
	struct sv_task parent;
	struct join_arg *a = calloc(1, sizeof(*a));

	a->ts = &ts;
	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	SV_CHECK_EQ_I64(test_task_spawn(&ts, &parent, "parent", 1024,
					parent_entry, a), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	SV_CHECK_EQ_I64(a->rc_self, -SV_EINVAL);
	SV_CHECK_EQ_I64(a->rc_busy, -SV_EBUSY);
	SV_CHECK_EQ_I64(a->rc_join, 0);
	SV_CHECK_EQ_I64(a->code, 5);
	SV_CHECK_EQ_U64(a->joined_at, 5 * MS);
	SV_CHECK_EQ_I64(a->rc_join2, 0);
	SV_CHECK_EQ_I64(a->code2, 9);
	SV_CHECK_EQ_U64(ts.s.nr_tasks, 1);	/* the parent, dead */
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);
	free(a);
}

static void forever_entry(void *p)
{
	struct test_sched *ts = p;
	struct sv_waitq q;

	waitq_init(&q);
	(void)!waitq_wait(&ts->s, &q, SV_TIMEOUT_INFINITE);
}

/* Everyone blocked for good: the idle hook reports it, sched_run returns. */
static void test_task_deadlock(void)
{
	struct test_sched ts;
	struct sv_task t;

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	SV_CHECK_EQ_I64(test_task_spawn(&ts, &t, "stuck", 1024, forever_entry,
					&ts), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), -SV_EAGAIN);
	SV_CHECK_EQ_U64(t.state, SV_TASK_BLOCKED);
	SV_CHECK_EQ_I64(task_reap(&ts.s, &t, NULL), -SV_EBUSY);
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 1);
}

static void nop_entry(void *p)
{
	(void)p;
}

static void test_task_create_errors(void)
{
	struct test_sched ts;
	struct sv_sched bare;
	struct sv_task t;
	void *stack = test_stack_alloc(TEST_STACK_SIZE);

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	SV_CHECK_EQ_I64(task_create(&ts.s, &t, "t", 1024, NULL, NULL, stack,
				    TEST_STACK_SIZE), -SV_EINVAL);
	SV_CHECK_EQ_I64(task_create(&ts.s, &t, "t", 1024, nop_entry, NULL,
				    (char *)stack + 8, TEST_STACK_SIZE - 16),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(task_create(&ts.s, &t, "t", 1024, nop_entry, NULL, stack,
				    SV_TASK_STACK_MIN - 16), -SV_EINVAL);
	/* big enough for the core, too small for glibc's ucontext */
	SV_CHECK_EQ_I64(task_create(&ts.s, &t, "t", 1024, nop_entry, NULL, stack,
				    SV_TASK_STACK_MIN), -SV_EINVAL);
	SV_CHECK_EQ_I64(task_create(&ts.s, &t, "t", 0, nop_entry, NULL, stack,
				    TEST_STACK_SIZE), -SV_EINVAL);
	SV_CHECK_EQ_U64(ts.s.nr_tasks, 0);
	SV_CHECK_EQ_I64(sched_init(&bare, NULL), 0);
	SV_CHECK_EQ_I64(sched_run(&bare), -SV_EINVAL);	/* no hooks */
	test_stack_free(stack);
}

struct spin_arg {
	struct test_sched *ts;
	uint64_t work;		/* ns of CPU to use */
	struct log *log;
	char tag;
};

/* CPU-bound on a simulated clock, preempted by the "timer" every 100 us. */
static void spin_entry(void *p)
{
	struct spin_arg *a = p;
	struct sv_sched *s = &a->ts->s;
	struct sv_task *self = sched_current(s);

	while (self->stats.sum_exec_ns < a->work) {
		test_clock_advance(a->ts, 100 * US);
		if (sched_tick(s, a->ts->now)) {
			log_put(a->log, a->ts, a->tag);
			task_yield(s);
		}
	}
}

static void test_task_preemption(void)
{
	struct test_sched ts;
	struct sv_task t[2];
	struct log log = { .len = 0 };
	struct spin_arg a[2] = {
		{ &ts, 30 * MS, &log, '1' }, { &ts, 30 * MS, &log, '2' },
	};

	SV_CHECK_EQ_I64(test_sched_init(&ts, NULL), 0);
	for (int i = 0; i < 2; i++)
		SV_CHECK_EQ_I64(test_task_spawn(&ts, &t[i], "spin", 1024,
						spin_entry, &a[i]), 0);
	SV_CHECK_EQ_I64(sched_run(&ts.s), 0);
	/*
	 * 3 ms slices, alternating, until both have had 30 ms: 20 preemptions
	 * (the last two when each has just finished, noticed after the tick)
	 */
	SV_CHECK_STR_EQ(log.text, "12121212121212121212");
	SV_CHECK_EQ_U64(log.at[0], 3 * MS);
	SV_CHECK_EQ_U64(log.at[1], 6 * MS);
	SV_CHECK_EQ_U64(t[0].stats.sum_exec_ns, 30 * MS);
	SV_CHECK_EQ_U64(t[1].stats.sum_exec_ns, 30 * MS);
	SV_CHECK_EQ_U64(ts.now, 60 * MS);
	SV_CHECK_EQ_U64(test_sched_cleanup(&ts), 0);
}

CU_TestInfo sv_tests_sched[] = {
	{ "config", test_config },
	{ "vruntime_scaling", test_vruntime_scaling },
	{ "slices", test_slices },
	{ "ties_fifo", test_ties_fifo },
	{ "jain_equal_weights", test_jain_equal_weights },
	{ "weighted_shares", test_weighted_shares },
	{ "no_starvation", test_no_starvation },
	{ "wakeup_latency", test_wakeup_latency },
	{ "sleeper_bonus_bounded", test_sleeper_bonus_bounded },
	{ "add_remove_mid_run", test_add_remove_mid_run },
	{ "block_wake_repeated", test_block_wake_repeated },
	{ "timed_list", test_timed_list },
	{ "wakeup_preemption", test_wakeup_preemption },
	{ "capacity_and_errors", test_capacity_and_errors },
	{ "vruntime_wraparound", test_vruntime_wraparound },
	{ "set_weight", test_set_weight },
	{ "random_operations", test_random_operations },
	{ "task_round_robin_exit", test_task_round_robin_exit },
	{ "task_sleep", test_task_sleep },
	{ "task_wakeup_early", test_task_wakeup_early },
	{ "waitq", test_waitq },
	{ "task_join", test_task_join },
	{ "task_deadlock", test_task_deadlock },
	{ "task_create_errors", test_task_create_errors },
	{ "task_preemption", test_task_preemption },
	CU_TEST_INFO_NULL,
};
