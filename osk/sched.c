/*
 * The weighted fair scheduler's policy (sv/sched.h): virtual runtime
 * accounting, the runqueue heap, slices, wake-up placement and the timed
 * wait list. Nothing here switches stacks, and time comes in as `now`
 * (only sched_clock asks the config's clock hook): osk/task.c does the
 * switching on top of these decisions, and simulations call them directly
 * with their own time. Nor does anything here need task.c, so a program
 * that only simulates links no context switch.
 */
#include "sv/sched.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "sv/string.h"

/*
 * delta * NICE0 must not overflow: no single accounting step is longer
 * than this (some 13 days), so a stalled clock cannot wrap a vruntime.
 */
#define MAX_DELTA_NS	(1ull << 50)
#define MAX_LATENCY_NS	1000000000ull

/* ---- ordering ------------------------------------------------------------ */

/* a < b for virtual runtimes that may have wrapped (Linux's trick). */
static inline bool vr_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline uint64_t vr_max(uint64_t a, uint64_t b)
{
	return vr_before(a, b) ? b : a;
}

/* Runqueue order: smaller vruntime first, then first enqueued. */
static inline bool rq_before(const struct sv_task *a, const struct sv_task *b)
{
	if (a->vruntime != b->vruntime)
		return vr_before(a->vruntime, b->vruntime);
	return a->rq_seq < b->rq_seq;
}

/* ---- the runqueue: a min-heap with back-pointers -------------------------- */

static void rq_set(struct sv_sched *s, size_t i, struct sv_task *t)
{
	s->rq[i] = t;
	t->rq_index = i;
}

static void rq_sift_up(struct sv_sched *s, size_t i)
{
	struct sv_task *t = s->rq[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!rq_before(t, s->rq[parent]))
			break;
		rq_set(s, i, s->rq[parent]);
		i = parent;
	}
	rq_set(s, i, t);
}

static void rq_sift_down(struct sv_sched *s, size_t i)
{
	struct sv_task *t = s->rq[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= s->nr_queued)
			break;
		if (child + 1 < s->nr_queued &&
		    rq_before(s->rq[child + 1], s->rq[child]))
			child++;
		if (!rq_before(s->rq[child], t))
			break;
		rq_set(s, i, s->rq[child]);
		i = child;
	}
	rq_set(s, i, t);
}

/* Cannot fail: sched_add keeps nr_tasks, hence nr_queued, in bounds. */
static void rq_insert(struct sv_sched *s, struct sv_task *t)
{
	SV_ASSERT(t->rq_index == SV_RQ_NONE);
	SV_ASSERT(s->nr_queued < SV_SCHED_MAX_TASKS);
	t->rq_seq = s->next_seq++;
	s->queued_weight += t->weight;
	rq_set(s, s->nr_queued++, t);
	rq_sift_up(s, t->rq_index);
}

static void rq_remove(struct sv_sched *s, struct sv_task *t)
{
	size_t i = t->rq_index;
	struct sv_task *last;

	SV_ASSERT(i < s->nr_queued && s->rq[i] == t);
	s->queued_weight -= t->weight;
	t->rq_index = SV_RQ_NONE;
	last = s->rq[--s->nr_queued];
	if (last == t)
		return;
	rq_set(s, i, last);
	/* the moved task may belong above or below its new slot */
	rq_sift_up(s, i);
	rq_sift_down(s, last->rq_index);
}

static struct sv_task *rq_first(const struct sv_sched *s)
{
	return s->nr_queued ? s->rq[0] : NULL;
}

/* ---- accounting ------------------------------------------------------------ */

/* The latest time seen; time never runs backwards for the scheduler. */
static uint64_t advance(struct sv_sched *s, uint64_t now)
{
	if (now > s->now)
		s->now = now;
	return s->now;
}

/* min_vruntime follows the smallest vruntime of current and the queue. */
static void update_min_vruntime(struct sv_sched *s)
{
	const struct sv_task *first = rq_first(s);
	uint64_t vr;

	if (s->current)
		vr = s->current->vruntime;
	else if (first)
		vr = first->vruntime;
	else
		return;
	if (first && vr_before(first->vruntime, vr))
		vr = first->vruntime;
	s->min_vruntime = vr_max(s->min_vruntime, vr);
}

/* Charge the current task for the time since exec_start. */
static void update_current(struct sv_sched *s, uint64_t now)
{
	struct sv_task *c = s->current;
	uint64_t delta, num;

	if (!c || now <= s->exec_start)
		return;
	delta = SV_MIN(now - s->exec_start, MAX_DELTA_NS);
	s->exec_start = now;
	c->stats.sum_exec_ns += delta;
	/* exact over many steps: the division's remainder is carried */
	num = delta * SV_SCHED_NICE0_WEIGHT + c->vruntime_rem;
	c->vruntime += num / c->weight;
	c->vruntime_rem = (uint32_t)(num % c->weight);
	update_min_vruntime(s);
}

/* ns of wall time scaled to t's virtual time. */
static uint64_t to_vtime(const struct sv_task *t, uint64_t ns)
{
	return ns * SV_SCHED_NICE0_WEIGHT / t->weight;
}

static uint64_t period(const struct sv_sched *s, size_t nr)
{
	if (nr * s->cfg.min_granularity_ns > s->cfg.latency_ns)
		return nr * s->cfg.min_granularity_ns;
	return s->cfg.latency_ns;
}

static uint64_t slice_of(const struct sv_sched *s, const struct sv_task *t)
{
	uint64_t total = s->queued_weight + (s->current ? s->current->weight : 0);
	uint64_t slice;

	slice = period(s, sched_nr_runnable(s)) * t->weight / total;
	return SV_MAX(slice, s->cfg.min_granularity_ns);
}

uint64_t sched_slice(const struct sv_sched *s)
{
	return s->current ? slice_of(s, s->current) : 0;
}

/* ---- the timed list --------------------------------------------------------- */

static void timed_insert(struct sv_sched *s, struct sv_task *t, uint64_t deadline)
{
	struct sv_list_node *pos;

	t->wake_deadline = deadline;
	/* after every task due no later: FIFO among equal deadlines */
	for (pos = s->timed.prev; pos != &s->timed; pos = pos->prev) {
		struct sv_task *o = sv_list_entry(pos, struct sv_task, timed_node);

		if (o->wake_deadline <= deadline)
			break;
	}
	sv_list_add(pos, &t->timed_node);	/* right after pos */
}

static void timed_remove(struct sv_task *t)
{
	sv_list_remove(&t->timed_node);
	t->wake_deadline = SV_TIME_NEVER;
}

uint64_t sched_next_deadline(const struct sv_sched *s)
{
	struct sv_list_node *n = sv_list_first(&s->timed);

	return n ? sv_list_entry(n, struct sv_task, timed_node)->wake_deadline
		 : SV_TIME_NEVER;
}

/* ---- set-up ------------------------------------------------------------------ */

/* Here, not in task.c: the policy functions need nothing of task.c. */
int task_init(struct sv_task *t, const char *name, uint32_t weight)
{
	if (weight < SV_SCHED_WEIGHT_MIN || weight > SV_SCHED_WEIGHT_MAX)
		return -SV_EINVAL;
	sv_memset(t, 0, sizeof(*t));
	sv_strlcpy(t->name, name ? name : "", sizeof(t->name));
	t->weight = weight;
	t->state = SV_TASK_DEAD;	/* not runnable until attached */
	t->rq_index = SV_RQ_NONE;
	t->wake_deadline = SV_TIME_NEVER;
	sv_list_init(&t->timed_node);
	sv_list_init(&t->wait_node);
	sv_list_init(&t->sched_node);
	waitq_init(&t->exited);
	return 0;
}

int sched_init(struct sv_sched *s, const struct sv_sched_config *cfg)
{
	struct sv_sched_config c = cfg ? *cfg : (struct sv_sched_config){ 0 };

	if (!c.latency_ns)
		c.latency_ns = SV_SCHED_LATENCY_NS;
	if (!c.min_granularity_ns)
		c.min_granularity_ns = SV_SCHED_MIN_GRANULARITY_NS;
	if (!c.wakeup_granularity_ns)
		c.wakeup_granularity_ns = SV_SCHED_WAKEUP_GRANULARITY_NS;
	if (!c.sleeper_bonus_ns)
		c.sleeper_bonus_ns = c.latency_ns / 2;
	if (c.latency_ns > MAX_LATENCY_NS || c.min_granularity_ns > c.latency_ns ||
	    c.wakeup_granularity_ns > c.latency_ns ||
	    c.sleeper_bonus_ns > c.latency_ns)
		return -SV_EINVAL;

	sv_memset(s, 0, sizeof(*s));
	s->cfg = c;
	sv_list_init(&s->timed);
	sv_list_init(&s->tasks);
	/* the idle context: never queued, never attached */
	if (task_init(&s->idle, "idle", SV_SCHED_NICE0_WEIGHT))
		sv_panic("cannot happen: nice-0 weight refused");
	return 0;
}

int sched_add(struct sv_sched *s, struct sv_task *t, uint64_t now)
{
	unsigned long flags = host_irq_save();
	int rc = 0;

	now = advance(s, now);
	if (t->sched)
		rc = -SV_EBUSY;
	else if (s->nr_tasks >= SV_SCHED_MAX_TASKS)
		rc = -SV_ENOSPC;
	if (rc) {
		host_irq_restore(flags);
		return rc;
	}
	t->id = ++s->next_id;
	t->sched = s;
	sv_list_add_tail(&s->tasks, &t->sched_node);
	s->nr_tasks++;
	s->nr_live++;

	update_current(s, now);
	update_min_vruntime(s);
	t->vruntime = s->min_vruntime;
	t->vruntime_rem = 0;
	t->state = SV_TASK_RUNNABLE;
	t->runnable_since = now;
	t->woken = false;
	rq_insert(s, t);
	host_irq_restore(flags);
	return 0;
}

int sched_remove(struct sv_sched *s, struct sv_task *t, uint64_t now)
{
	unsigned long flags = host_irq_save();

	if (t->sched != s) {
		host_irq_restore(flags);
		return -SV_EINVAL;
	}
	now = advance(s, now);
	if (t == s->current) {
		update_current(s, now);
		s->current = NULL;
		s->need_resched = false;
	}
	if (t->rq_index != SV_RQ_NONE)
		rq_remove(s, t);
	timed_remove(t);
	sv_list_remove(&t->wait_node);
	t->waitq = NULL;
	if (t->state != SV_TASK_DEAD)
		s->nr_live--;
	t->state = SV_TASK_DEAD;
	sv_list_remove(&t->sched_node);
	s->nr_tasks--;
	t->sched = NULL;
	update_min_vruntime(s);
	host_irq_restore(flags);
	return 0;
}

int sched_set_weight(struct sv_sched *s, struct sv_task *t, uint32_t weight,
		     uint64_t now)
{
	unsigned long flags;

	if (weight < SV_SCHED_WEIGHT_MIN || weight > SV_SCHED_WEIGHT_MAX)
		return -SV_EINVAL;
	flags = host_irq_save();
	/* time run so far is charged at the old weight */
	update_current(s, advance(s, now));
	if (t->rq_index != SV_RQ_NONE)
		s->queued_weight = s->queued_weight - t->weight + weight;
	t->weight = weight;
	t->vruntime_rem = 0;
	host_irq_restore(flags);
	return 0;
}

/* ---- decisions ----------------------------------------------------------------- */

struct sv_task *sched_pick(struct sv_sched *s, uint64_t now)
{
	unsigned long flags = host_irq_save();
	struct sv_task *prev = s->current, *next;

	now = advance(s, now);
	update_current(s, now);
	if (prev && prev->state == SV_TASK_RUNNING) {
		prev->state = SV_TASK_RUNNABLE;
		prev->runnable_since = now;
		prev->woken = false;
		rq_insert(s, prev);
	}
	s->current = NULL;
	s->need_resched = false;
	next = rq_first(s);
	if (next) {
		uint64_t waited = now - next->runnable_since;

		rq_remove(s, next);
		next->state = SV_TASK_RUNNING;
		next->stats.nr_runs++;
		next->stats.wait_max_ns = SV_MAX(next->stats.wait_max_ns, waited);
		if (next->woken)
			next->stats.wake_latency_max_ns =
				SV_MAX(next->stats.wake_latency_max_ns, waited);
		next->woken = false;
		s->current = next;
		s->exec_start = now;
		s->slice_start = now;
		if (next != prev)
			s->nr_switches++;
	}
	update_min_vruntime(s);
	host_irq_restore(flags);
	return next;
}

void sched_block(struct sv_sched *s, enum sv_task_state state,
		 uint64_t deadline, uint64_t now)
{
	unsigned long flags = host_irq_save();
	struct sv_task *c = s->current;

	if (!c)
		sv_panic("no current task to block");
	if (state != SV_TASK_BLOCKED && state != SV_TASK_SLEEPING &&
	    state != SV_TASK_DEAD)
		sv_panic("task %s: cannot block in state %d", c->name, state);
	now = advance(s, now);
	update_current(s, now);
	c->state = state;
	s->current = NULL;
	s->need_resched = false;
	if (state == SV_TASK_DEAD)
		s->nr_live--;
	else if (deadline != SV_TIME_NEVER)
		timed_insert(s, c, deadline);
	host_irq_restore(flags);
}

bool sched_wake(struct sv_sched *s, struct sv_task *t, int result,
		uint64_t now)
{
	unsigned long flags = host_irq_save();
	struct sv_task *c = s->current;
	uint64_t floor;

	if (t->sched != s ||
	    (t->state != SV_TASK_BLOCKED && t->state != SV_TASK_SLEEPING)) {
		host_irq_restore(flags);
		return false;
	}
	now = advance(s, now);
	sv_list_remove(&t->wait_node);
	t->waitq = NULL;
	timed_remove(t);
	t->wake_result = result;

	update_current(s, now);
	/* at most sleeper_bonus of credit, and no debt forgiven */
	floor = s->min_vruntime - s->cfg.sleeper_bonus_ns;
	t->vruntime = vr_max(t->vruntime, floor);
	t->state = SV_TASK_RUNNABLE;
	t->runnable_since = now;
	t->woken = true;
	t->stats.nr_wakeups++;
	rq_insert(s, t);

	/* preempt a current task that is well ahead of the woken one */
	if (c && vr_before(t->vruntime + to_vtime(t, s->cfg.wakeup_granularity_ns),
			   c->vruntime))
		s->need_resched = true;
	host_irq_restore(flags);
	return true;
}

size_t sched_expire(struct sv_sched *s, uint64_t now)
{
	unsigned long flags = host_irq_save();
	size_t n = 0;

	now = advance(s, now);
	while (sched_next_deadline(s) <= now) {
		struct sv_task *t = sv_list_entry(s->timed.next, struct sv_task,
						  timed_node);

		if (!sched_wake(s, t, -SV_ETIMEDOUT, now))
			sv_panic("task %s on the timed list in state %d",
				 t->name, t->state);
		n++;
	}
	host_irq_restore(flags);
	return n;
}

bool sched_tick(struct sv_sched *s, uint64_t now)
{
	unsigned long flags = host_irq_save();
	bool preempt;

	now = advance(s, now);
	sched_expire(s, now);
	if (!s->current) {
		preempt = s->nr_queued > 0;
	} else {
		update_current(s, now);
		preempt = s->nr_queued > 0 &&
			  (s->need_resched ||
			   now - s->slice_start >= slice_of(s, s->current));
	}
	host_irq_restore(flags);
	return preempt;
}

uint64_t sched_clock(struct sv_sched *s)
{
	if (s->cfg.clock)
		return advance(s, s->cfg.clock(s->cfg.ctx));
	return s->now;
}
