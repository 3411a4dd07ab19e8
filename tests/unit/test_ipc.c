/*
 * Tests for IPC ports and notifications (osk/ipc.c), with real tasks on
 * their own stacks (backend_kvm_sim/task_posix.c) and a simulated clock that jumps to the
 * next deadline whenever nothing is runnable, so every timeout lands on an
 * exact, asserted time: FIFO order across senders, a sender blocked until
 * the reply, a receiver blocked until a message, timeouts on both sides
 * (before and after the message was taken), a port closed under waiting
 * senders and receivers while another port carries on, notifications
 * coalescing, and the error returns.
 */
#include "sv/ipc.h"

#include <stdint.h>
#include <stdlib.h>

#include "sv/errno.h"
#include "sv/sched.h"
#include "sv/task.h"
#include "sv_test.h"
#include "sched_harness.h"

#define MS 1000000ull

/* The message types of these tests' little protocol. */
enum {
	MSG_ECHO = 1,	/* word[0]: sender, word[1]: sequence, word[2]: order */
	MSG_STOP,
};

struct env {
	struct test_sched ts;
	struct sv_ipc_port port, other;
	struct sv_task tasks[16];
	size_t nr_tasks;
	uint64_t send_order;	/* stamped into each message just before sending */
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	SV_CHECK_EQ_I64(test_sched_init(&e->ts, NULL), 0);
	ipc_port_init(&e->port, &e->ts.s, "port");
	ipc_port_init(&e->other, &e->ts.s, "other");
	return e;
}

static void env_spawn(struct env *e, const char *name, void (*entry)(void *),
		      void *arg)
{
	SV_CHECK_EQ_I64(test_task_spawn(&e->ts, &e->tasks[e->nr_tasks++], name,
					SV_SCHED_NICE0_WEIGHT, entry, arg), 0);
}

/* Run to completion; every task must have ended. */
static void env_run(struct env *e)
{
	SV_CHECK_EQ_I64(sched_run(&e->ts.s), 0);
	SV_CHECK_EQ_U64(test_sched_cleanup(&e->ts), 0);
}

static struct sv_sched *sched_of(struct env *e)
{
	return &e->ts.s;
}

/* ---- FIFO order across senders, replies to the right sender --------------- */

#define SENDERS 3
#define PER_SENDER 5

struct fifo {
	struct env *e;
	uint64_t got_order[SENDERS * PER_SENDER];
	uint64_t got_from[SENDERS * PER_SENDER];
	uint64_t got_seq[SENDERS * PER_SENDER];
	size_t nr_got;
	int bad_replies;
	int rc_fail;
};

struct sender_arg {
	struct fifo *f;
	uint64_t id;
};

static void fifo_sender(void *p)
{
	struct sender_arg *a = p;
	struct env *e = a->f->e;

	for (uint64_t i = 0; i < PER_SENDER; i++) {
		struct sv_ipc_msg m = { .type = MSG_ECHO }, r = { 0 };

		m.word[0] = a->id;
		m.word[1] = i;
		m.word[2] = e->send_order++;
		if (ipc_send(&e->port, &m, &r, SV_TIMEOUT_INFINITE))
			a->f->rc_fail++;
		if (r.type != MSG_ECHO || r.word[0] != a->id * 1000 + i)
			a->f->bad_replies++;
		/* let the others queue up behind the next one */
		task_yield(sched_of(e));
	}
}

static void fifo_server(void *p)
{
	struct fifo *f = p;
	struct env *e = f->e;

	while (f->nr_got < SENDERS * PER_SENDER) {
		struct sv_ipc_msg m, r = { .type = MSG_ECHO };
		struct sv_ipc_token tok;

		if (ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok)) {
			f->rc_fail++;
			return;
		}
		f->got_from[f->nr_got] = m.word[0];
		f->got_seq[f->nr_got] = m.word[1];
		f->got_order[f->nr_got++] = m.word[2];
		r.word[0] = m.word[0] * 1000 + m.word[1];
		if (ipc_reply(&tok, &r))
			f->rc_fail++;
	}
}

static void test_fifo_senders(void)
{
	struct env *e = env_new();
	struct fifo *f = calloc(1, sizeof(*f));
	struct sender_arg sa[SENDERS];
	uint64_t last_seq[SENDERS];

	f->e = e;
	/* the senders first: they queue up before the server takes any */
	for (int i = 0; i < SENDERS; i++) {
		sa[i] = (struct sender_arg){ f, (uint64_t)i };
		env_spawn(e, "sender", fifo_sender, &sa[i]);
	}
	env_spawn(e, "server", fifo_server, f);
	env_run(e);

	SV_CHECK_EQ_U64(f->nr_got, SENDERS * PER_SENDER);
	SV_CHECK_EQ_I64(f->rc_fail, 0);
	SV_CHECK_EQ_I64(f->bad_replies, 0);
	/* received exactly in the order sent, across all senders */
	for (size_t i = 0; i < f->nr_got; i++)
		SV_CHECK_EQ_U64(f->got_order[i], i);
	/* and each sender's own messages in its order */
	for (int i = 0; i < SENDERS; i++)
		last_seq[i] = UINT64_MAX;
	for (size_t i = 0; i < f->nr_got; i++) {
		uint64_t from = f->got_from[i];

		SV_CHECK(from < SENDERS);
		if (from >= SENDERS)
			continue;
		SV_CHECK_EQ_U64(f->got_seq[i], last_seq[from] + 1);
		last_seq[from] = f->got_seq[i];
	}
	/* several were queued at once: the first three came one per sender */
	SV_CHECK_EQ_U64(f->got_from[0], 0);
	SV_CHECK_EQ_U64(f->got_from[1], 1);
	SV_CHECK_EQ_U64(f->got_from[2], 2);
	free(f);
	free(e);
}

/* ---- blocking: a sender until the reply, a receiver until a message ------- */

struct rendezvous {
	struct env *e;
	struct sv_task *sender;
	int send_rc, recv_rc, reply_rc;
	uint64_t sent_back_at, received_at;
	enum sv_task_state sender_state_in_service;
	struct sv_ipc_msg reply;
};

static void slow_server(void *p)
{
	struct rendezvous *r = p;
	struct env *e = r->e;
	struct sv_ipc_msg m, ans = { .type = 77 };
	struct sv_ipc_token tok;

	r->recv_rc = ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok);
	r->received_at = e->ts.now;
	test_clock_advance(&e->ts, 5 * MS);	/* works on it */
	(void)task_sleep(sched_of(e), 10 * MS);	/* and waits for a device */
	r->sender_state_in_service = r->sender->state;
	ans.word[0] = m.word[0] + 1;
	r->reply_rc = ipc_reply(&tok, &ans);
}

static void plain_sender(void *p)
{
	struct rendezvous *r = p;
	struct env *e = r->e;
	struct sv_ipc_msg m = { .type = MSG_ECHO, .word = { 99 } };

	r->send_rc = ipc_send(&e->port, &m, &r->reply, SV_TIMEOUT_INFINITE);
	r->sent_back_at = e->ts.now;
}

static void test_send_blocks_until_reply(void)
{
	struct env *e = env_new();
	struct rendezvous r = { .e = e };

	env_spawn(e, "server", slow_server, &r);
	env_spawn(e, "sender", plain_sender, &r);
	r.sender = &e->tasks[1];
	env_run(e);
	SV_CHECK_EQ_I64(r.recv_rc, 0);
	SV_CHECK_EQ_I64(r.reply_rc, 0);
	SV_CHECK_EQ_I64(r.send_rc, 0);
	SV_CHECK_EQ_U64(r.received_at, 0);
	SV_CHECK_EQ_U64(r.sender_state_in_service, SV_TASK_BLOCKED);
	SV_CHECK_EQ_U64(r.sent_back_at, 15 * MS);	/* 5 ms work + 10 ms sleep */
	SV_CHECK_EQ_U64(r.reply.type, 77);
	SV_CHECK_EQ_U64(r.reply.word[0], 100);
	free(e);
}

static void late_sender(void *p)
{
	struct rendezvous *r = p;

	(void)task_sleep(sched_of(r->e), 20 * MS);
	plain_sender(p);
}

static void quick_server(void *p)
{
	struct rendezvous *r = p;
	struct env *e = r->e;
	struct sv_ipc_msg m, ans = { .type = 78 };
	struct sv_ipc_token tok;

	r->recv_rc = ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok);
	r->received_at = e->ts.now;
	r->reply_rc = ipc_reply(&tok, &ans);
}

static void test_receive_blocks_until_message(void)
{
	struct env *e = env_new();
	struct rendezvous r = { .e = e };

	env_spawn(e, "server", quick_server, &r);
	env_spawn(e, "sender", late_sender, &r);
	env_run(e);
	SV_CHECK_EQ_I64(r.recv_rc, 0);
	SV_CHECK_EQ_U64(r.received_at, 20 * MS);
	SV_CHECK_EQ_I64(r.send_rc, 0);
	SV_CHECK_EQ_U64(r.sent_back_at, 20 * MS);
	SV_CHECK_EQ_U64(r.reply.type, 78);
	free(e);
}

/* ---- timeouts ------------------------------------------------------------------ */

struct timeouts {
	struct env *e;
	int recv_rc, poll_rc, send_rc, late_poll_rc, reply_rc;
	uint64_t recv_at, send_at, reply_at;
	struct sv_ipc_msg reply;
};

static void timed_receiver(void *p)
{
	struct timeouts *t = p;
	struct env *e = t->e;
	struct sv_ipc_msg m;
	struct sv_ipc_token tok;

	t->poll_rc = ipc_receive(&e->port, &m, 0, &tok);
	t->recv_rc = ipc_receive(&e->port, &m, 30 * MS, &tok);
	t->recv_at = e->ts.now;
}

static void timed_sender(void *p)
{
	struct timeouts *t = p;
	struct env *e = t->e;
	struct sv_ipc_msg m = { .type = MSG_ECHO };
	struct sv_ipc_token tok;

	/* after the receiver gave up: nobody takes it */
	(void)task_sleep(sched_of(e), 40 * MS);
	t->send_rc = ipc_send(&e->other, &m, &t->reply, 25 * MS);
	t->send_at = e->ts.now;
	/* the message was withdrawn with the time-out */
	t->late_poll_rc = ipc_receive(&e->other, &m, 0, &tok);
}

static void test_timeouts_both_sides(void)
{
	struct env *e = env_new();
	struct timeouts t = { .e = e };

	env_spawn(e, "receiver", timed_receiver, &t);
	env_spawn(e, "sender", timed_sender, &t);
	env_run(e);
	SV_CHECK_EQ_I64(t.poll_rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_I64(t.recv_rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_U64(t.recv_at, 30 * MS);
	SV_CHECK_EQ_I64(t.send_rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_U64(t.send_at, 65 * MS);
	SV_CHECK_EQ_I64(t.late_poll_rc, -SV_ETIMEDOUT);
	free(e);
}

static void sluggish_server(void *p)
{
	struct timeouts *t = p;
	struct env *e = t->e;
	struct sv_ipc_msg m, ans = { .type = 5 };
	struct sv_ipc_token tok;

	if (ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok))
		return;
	(void)task_sleep(sched_of(e), 50 * MS);
	t->reply_rc = ipc_reply(&tok, &ans);
	t->reply_at = e->ts.now;
}

static void impatient_sender(void *p)
{
	struct timeouts *t = p;
	struct env *e = t->e;
	struct sv_ipc_msg m = { .type = MSG_ECHO };

	t->reply.type = 0xdead;
	t->send_rc = ipc_send(&e->port, &m, &t->reply, 20 * MS);
	t->send_at = e->ts.now;
}

/* The sender gives up while its message is being served. */
static void test_send_timeout_in_service(void)
{
	struct env *e = env_new();
	struct timeouts t = { .e = e };

	env_spawn(e, "server", sluggish_server, &t);
	env_spawn(e, "sender", impatient_sender, &t);
	env_run(e);
	SV_CHECK_EQ_I64(t.send_rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_U64(t.send_at, 20 * MS);
	SV_CHECK_EQ_I64(t.reply_rc, -SV_ENOENT);	/* nobody to answer */
	SV_CHECK_EQ_U64(t.reply_at, 50 * MS);
	SV_CHECK_EQ_U64(t.reply.type, 0xdead);		/* untouched */
	free(e);
}

/* ---- closing a port under waiting tasks ------------------------------------ */

struct closing {
	struct env *e;
	int queued_rc, served_rc, recv_rc, late_send_rc, server_reply_rc,
	    server_recv_rc, other_rc, other_server_rc;
	uint64_t queued_at, served_at, other_at;
	struct sv_ipc_msg other_reply;
};

/* Takes one message from the closing port and sits on it. */
static void holding_server(void *p)
{
	struct closing *c = p;
	struct env *e = c->e;
	struct sv_ipc_msg m, ans = { 0 };
	struct sv_ipc_token tok;

	if (ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok))
		return;
	(void)task_sleep(sched_of(e), 30 * MS);
	c->server_reply_rc = ipc_reply(&tok, &ans);
	c->server_recv_rc = ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok);
}

static void served_sender(void *p)
{
	struct closing *c = p;
	struct sv_ipc_msg m = { .type = 1 };

	c->served_rc = ipc_send(&c->e->port, &m, NULL, SV_TIMEOUT_INFINITE);
	c->served_at = c->e->ts.now;
}

static void queued_sender(void *p)
{
	struct closing *c = p;
	struct sv_ipc_msg m = { .type = 2 };

	c->queued_rc = ipc_send(&c->e->port, &m, NULL, SV_TIMEOUT_INFINITE);
	c->queued_at = c->e->ts.now;
	c->late_send_rc = ipc_send(&c->e->port, &m, NULL, SV_TIMEOUT_INFINITE);
}

/* Serves the other port, slowly, across the close. */
static void other_server(void *p)
{
	struct closing *c = p;
	struct env *e = c->e;
	struct sv_ipc_msg m, ans = { .type = 3 };
	struct sv_ipc_token tok;

	if (ipc_receive(&e->other, &m, SV_TIMEOUT_INFINITE, &tok))
		return;
	(void)task_sleep(sched_of(e), 20 * MS);
	c->other_server_rc = ipc_reply(&tok, &ans);
}

static void other_sender(void *p)
{
	struct closing *c = p;
	struct sv_ipc_msg m = { .type = 4 };

	c->other_rc = ipc_send(&c->e->other, &m, &c->other_reply,
			       SV_TIMEOUT_INFINITE);
	c->other_at = c->e->ts.now;
}

static void closer(void *p)
{
	struct closing *c = p;

	(void)task_sleep(sched_of(c->e), 10 * MS);
	ipc_close(&c->e->port);
	ipc_close(&c->e->port);		/* harmless */
}

static void test_close_under_waiting_sender(void)
{
	struct env *e = env_new();
	struct closing c = { .e = e };

	env_spawn(e, "holder", holding_server, &c);
	env_spawn(e, "served", served_sender, &c);
	env_spawn(e, "queued", queued_sender, &c);
	env_spawn(e, "oserver", other_server, &c);
	env_spawn(e, "osender", other_sender, &c);
	env_spawn(e, "closer", closer, &c);
	env_run(e);
	/* both senders of the closed port: woken by the close */
	SV_CHECK_EQ_I64(c.served_rc, -SV_EPIPE);
	SV_CHECK_EQ_U64(c.served_at, 10 * MS);
	SV_CHECK_EQ_I64(c.queued_rc, -SV_EPIPE);
	SV_CHECK_EQ_U64(c.queued_at, 10 * MS);
	SV_CHECK_EQ_I64(c.late_send_rc, -SV_EPIPE);
	/* its server: the token is dead, and so is the port */
	SV_CHECK_EQ_I64(c.server_reply_rc, -SV_EPIPE);
	SV_CHECK_EQ_I64(c.server_recv_rc, -SV_EPIPE);
	/* the other port carried on undisturbed */
	SV_CHECK_EQ_I64(c.other_server_rc, 0);
	SV_CHECK_EQ_I64(c.other_rc, 0);
	SV_CHECK_EQ_U64(c.other_at, 20 * MS);
	SV_CHECK_EQ_U64(c.other_reply.type, 3);
	free(e);
}

struct blocked_receiver {
	struct env *e;
	int rc, notify_rc;
	uint64_t at;
};

static void waiting_receiver(void *p)
{
	struct blocked_receiver *b = p;
	struct sv_ipc_msg m;
	struct sv_ipc_token tok;

	b->rc = ipc_receive(&b->e->port, &m, SV_TIMEOUT_INFINITE, &tok);
	b->at = b->e->ts.now;
}

static void waiting_notified(void *p)
{
	struct blocked_receiver *b = p;
	uint64_t bits = 0;

	b->notify_rc = ipc_wait_notify(&b->e->port, SV_TIMEOUT_INFINITE, &bits);
}

static void test_close_under_waiting_receiver(void)
{
	struct env *e = env_new();
	struct blocked_receiver b = { .e = e };
	struct closing c = { .e = e };

	env_spawn(e, "receiver", waiting_receiver, &b);
	env_spawn(e, "notified", waiting_notified, &b);
	env_spawn(e, "closer", closer, &c);
	env_run(e);
	SV_CHECK_EQ_I64(b.rc, -SV_EPIPE);
	SV_CHECK_EQ_U64(b.at, 10 * MS);
	SV_CHECK_EQ_I64(b.notify_rc, -SV_EPIPE);
	SV_CHECK_EQ_I64(ipc_notify(&e->port, 1), -SV_EPIPE);
	free(e);
}

/* ---- notifications ----------------------------------------------------------- */

struct notes {
	struct env *e;
	uint64_t bits[4];
	int rc[4];
	uint64_t at[4];
};

static void notify_waiter(void *p)
{
	struct notes *n = p;
	struct env *e = n->e;

	for (int i = 0; i < 3; i++) {
		n->rc[i] = ipc_wait_notify(&e->port, 10 * MS, &n->bits[i]);
		n->at[i] = e->ts.now;
	}
}

static void notifier(void *p)
{
	struct notes *n = p;
	struct env *e = n->e;

	/* three notifications before the waiter runs again: one wake-up */
	n->rc[3] = ipc_notify(&e->port, 0x1) | ipc_notify(&e->port, 0x4) |
		   ipc_notify(&e->port, 0x1) | ipc_notify(&e->port, 0);
	(void)task_sleep(sched_of(e), 5 * MS);
	n->rc[3] |= ipc_notify(&e->port, 0x100);
}

static void test_notify_coalescing(void)
{
	struct env *e = env_new();
	struct notes n = { .e = e };
	uint64_t bits = 0;

	/* from outside a task (an interrupt handler, say): pending for later */
	SV_CHECK_EQ_I64(ipc_notify(&e->port, 0x80), 0);
	SV_CHECK_EQ_I64(ipc_wait_notify(&e->port, 0, &bits), 0);
	SV_CHECK_EQ_U64(bits, 0x80);
	SV_CHECK_EQ_I64(ipc_wait_notify(&e->port, 0, &bits), -SV_ETIMEDOUT);

	env_spawn(e, "waiter", notify_waiter, &n);
	env_spawn(e, "notifier", notifier, &n);
	env_run(e);
	SV_CHECK_EQ_I64(n.rc[3], 0);
	SV_CHECK_EQ_I64(n.rc[0], 0);
	SV_CHECK_EQ_U64(n.bits[0], 0x5);	/* coalesced */
	SV_CHECK_EQ_U64(n.at[0], 0);
	SV_CHECK_EQ_I64(n.rc[1], 0);
	SV_CHECK_EQ_U64(n.bits[1], 0x100);
	SV_CHECK_EQ_U64(n.at[1], 5 * MS);
	SV_CHECK_EQ_I64(n.rc[2], -SV_ETIMEDOUT);
	SV_CHECK_EQ_U64(n.at[2], 15 * MS);
	free(e);
}

/* ---- several receivers on one port; errors ----------------------------------- */

struct pool {
	struct env *e;
	unsigned served[2];
	unsigned seen[12];
	int stop_rc;
};

struct pool_server_arg {
	struct pool *pool;
	int idx;
};

static void pool_server(void *p)
{
	struct pool_server_arg *a = p;
	struct env *e = a->pool->e;

	for (;;) {
		struct sv_ipc_msg m, ans = { .type = MSG_ECHO };
		struct sv_ipc_token tok;

		if (ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok))
			return;
		if (m.type == MSG_STOP) {
			a->pool->stop_rc = ipc_reply(&tok, &ans);
			return;
		}
		if (m.word[0] < 12)
			a->pool->seen[m.word[0]]++;
		a->pool->served[a->idx]++;
		/* take some time so the other server gets work too */
		(void)task_sleep(sched_of(e), 1 * MS);
		(void)!ipc_reply(&tok, &ans);
	}
}

struct pool_client_arg {
	struct pool *pool;
	uint64_t id;
};

static void pool_client(void *p)
{
	struct pool_client_arg *a = p;
	struct env *e = a->pool->e;
	struct sv_ipc_msg m = { .type = MSG_ECHO, .word = { a->id } };

	(void)!ipc_send(&e->port, &m, NULL, SV_TIMEOUT_INFINITE);
	if (a->id >= 10) {
		m.type = MSG_STOP;	/* the last two clients stop a server each */
		(void)task_sleep(sched_of(e), 50 * MS);
		(void)!ipc_send(&e->port, &m, NULL, SV_TIMEOUT_INFINITE);
	}
}

static void test_several_receivers(void)
{
	struct env *e = env_new();
	struct pool pool = { .e = e };
	struct pool_server_arg sa[2] = { { &pool, 0 }, { &pool, 1 } };
	struct pool_client_arg ca[12];

	env_spawn(e, "server0", pool_server, &sa[0]);
	env_spawn(e, "server1", pool_server, &sa[1]);
	for (int i = 0; i < 12; i++) {
		ca[i] = (struct pool_client_arg){ &pool, (uint64_t)i };
		env_spawn(e, "client", pool_client, &ca[i]);
	}
	env_run(e);
	for (int i = 0; i < 12; i++)
		SV_CHECK_EQ_U64(pool.seen[i], 1);	/* each exactly once */
	SV_CHECK(pool.served[0] > 0 && pool.served[1] > 0);
	SV_CHECK_EQ_U64(pool.served[0] + pool.served[1], 12);
	SV_CHECK_EQ_I64(pool.stop_rc, 0);
	free(e);
}

struct misuse {
	struct env *e;
	int send0_rc, reply_again_rc, reply_null_rc, bad_token_rc, null_rc;
};

static void misuse_server(void *p)
{
	struct misuse *u = p;
	struct env *e = u->e;
	struct sv_ipc_msg m, ans = { 0 };
	struct sv_ipc_token tok, forged;

	if (ipc_receive(&e->port, &m, SV_TIMEOUT_INFINITE, &tok))
		return;
	u->reply_null_rc = ipc_reply(&tok, NULL);
	forged = tok;
	forged.call_id += 1000;
	u->bad_token_rc = ipc_reply(&forged, &ans);
	if (ipc_reply(&tok, &ans))
		return;
	u->reply_again_rc = ipc_reply(&tok, &ans);
}

static void misuse_client(void *p)
{
	struct misuse *u = p;
	struct env *e = u->e;
	struct sv_ipc_msg m = { .type = 9 };

	u->send0_rc = ipc_send(&e->port, &m, NULL, 0);
	u->null_rc = ipc_send(&e->port, NULL, NULL, SV_TIMEOUT_INFINITE);
	(void)!ipc_send(&e->port, &m, NULL, SV_TIMEOUT_INFINITE);
}

static void test_errors(void)
{
	struct env *e = env_new();
	struct misuse u = { .e = e };
	struct sv_ipc_msg m = { 0 };
	struct sv_ipc_token tok;
	uint64_t bits;

	/* a send always blocks: not outside a task */
	SV_CHECK_EQ_I64(ipc_send(&e->port, &m, NULL, SV_TIMEOUT_INFINITE),
			-SV_EPERM);
	SV_CHECK_EQ_I64(ipc_receive(&e->port, NULL, 0, &tok), -SV_EINVAL);
	SV_CHECK_EQ_I64(ipc_receive(&e->port, &m, 0, NULL), -SV_EINVAL);
	SV_CHECK_EQ_I64(ipc_wait_notify(&e->port, 0, NULL), -SV_EINVAL);
	SV_CHECK_EQ_I64(ipc_reply(NULL, &m), -SV_EINVAL);
	SV_CHECK_EQ_I64(ipc_wait_notify(&e->port, 0, &bits), -SV_ETIMEDOUT);

	env_spawn(e, "server", misuse_server, &u);
	env_spawn(e, "client", misuse_client, &u);
	env_run(e);
	SV_CHECK_EQ_I64(u.send0_rc, -SV_ETIMEDOUT);
	SV_CHECK_EQ_I64(u.null_rc, -SV_EINVAL);
	SV_CHECK_EQ_I64(u.reply_null_rc, -SV_EINVAL);
	SV_CHECK_EQ_I64(u.bad_token_rc, -SV_ENOENT);
	SV_CHECK_EQ_I64(u.reply_again_rc, -SV_ENOENT);	/* a token is single-use */
	free(e);
}

CU_TestInfo sv_tests_ipc[] = {
	{ "fifo_senders", test_fifo_senders },
	{ "send_blocks_until_reply", test_send_blocks_until_reply },
	{ "receive_blocks_until_message", test_receive_blocks_until_message },
	{ "timeouts_both_sides", test_timeouts_both_sides },
	{ "send_timeout_in_service", test_send_timeout_in_service },
	{ "close_under_waiting_sender", test_close_under_waiting_sender },
	{ "close_under_waiting_receiver", test_close_under_waiting_receiver },
	{ "notify_coalescing", test_notify_coalescing },
	{ "several_receivers", test_several_receivers },
	{ "errors", test_errors },
	CU_TEST_INFO_NULL,
};
