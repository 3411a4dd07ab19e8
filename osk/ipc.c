/*
 * Synchronous message ports and notifications (sv/ipc.h).
 *
 * A call lives on its sender's stack for as long as ipc_send waits: the
 * message is copied from the sender's buffer when a receiver takes it, and
 * the reply straight into the sender's reply buffer. The port links the
 * call on one of two lists, pending (not yet received; FIFO) then serving
 * (received, not yet answered), and whoever finishes the call unlinks it
 * before waking the sender: the replier, ipc_close, or the sender itself
 * on timeout. A token therefore never points into a stack: it carries the
 * call's id, looked up among the port's serving calls, so a reply to a
 * sender that gave up finds nothing instead of writing a dead frame.
 *
 * Everything runs with interrupts disabled (host_irq_save), which on one
 * processor makes each step atomic with respect to wake-ups from
 * interrupt handlers and timeouts.
 */
#include "sv/ipc.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "task_priv.h"

struct ipc_call {
	struct sv_list_node node;	/* port->pending or port->serving */
	uint64_t id;
	const struct sv_ipc_msg *msg;	/* in the sender's memory */
	struct sv_ipc_msg *reply;	/* likewise; NULL: not wanted */
	struct sv_waitq done;		/* just the sender */
};

void ipc_port_init(struct sv_ipc_port *port, struct sv_sched *s,
		   const char *name)
{
	port->sched = s;
	port->name = name;
	port->closed = false;
	sv_list_init(&port->pending);
	sv_list_init(&port->serving);
	waitq_init(&port->receivers);
	waitq_init(&port->notify_waiters);
	port->notify_bits = 0;
	port->next_call_id = 1;
}

/* Finish every call of a list with -SV_EPIPE. */
static void abort_calls(struct sv_ipc_port *port, struct sv_list_node *list)
{
	struct sv_list_node *pos, *tmp;

	sv_list_for_each_safe(pos, tmp, list) {
		struct ipc_call *c = sv_list_entry(pos, struct ipc_call, node);

		sv_list_remove(&c->node);
		waitq_wake_one(port->sched, &c->done, -SV_EPIPE);
	}
}

void ipc_close(struct sv_ipc_port *port)
{
	unsigned long flags = host_irq_save();

	if (!port->closed) {
		port->closed = true;
		abort_calls(port, &port->pending);
		abort_calls(port, &port->serving);
		waitq_wake_all(port->sched, &port->receivers, -SV_EPIPE);
		waitq_wake_all(port->sched, &port->notify_waiters, -SV_EPIPE);
	}
	host_irq_restore(flags);
}

int ipc_send(struct sv_ipc_port *port, const struct sv_ipc_msg *msg,
	     struct sv_ipc_msg *reply, uint64_t timeout_ns)
{
	struct sv_sched *s = port->sched;
	unsigned long flags;
	struct ipc_call call;
	int rc;

	if (!msg)
		return -SV_EINVAL;
	if (timeout_ns == 0)
		return -SV_ETIMEDOUT;	/* a call cannot complete without waiting */
	flags = host_irq_save();
	if (port->closed) {
		host_irq_restore(flags);
		return -SV_EPIPE;
	}
	if (!task_in_task(s)) {
		host_irq_restore(flags);
		return -SV_EPERM;
	}
	call.id = port->next_call_id++;
	call.msg = msg;
	call.reply = reply;
	waitq_init(&call.done);
	sv_list_add_tail(&port->pending, &call.node);
	waitq_wake_one(s, &port->receivers, 0);

	rc = waitq_wait(s, &call.done, timeout_ns);
	/* on time-out the call is still linked; a receiver must not find it */
	sv_list_remove(&call.node);
	host_irq_restore(flags);
	return rc;
}

int ipc_receive(struct sv_ipc_port *port, struct sv_ipc_msg *msg,
		uint64_t timeout_ns, struct sv_ipc_token *token)
{
	struct sv_sched *s = port->sched;
	unsigned long flags;
	uint64_t deadline;
	int rc;

	if (!msg || !token)
		return -SV_EINVAL;
	flags = host_irq_save();
	deadline = deadline_after(sched_clock(s), timeout_ns);
	for (;;) {
		struct sv_list_node *n = sv_list_first(&port->pending);

		if (port->closed) {
			rc = -SV_EPIPE;
			break;
		}
		if (n) {
			struct ipc_call *c = sv_list_entry(n, struct ipc_call,
							   node);

			sv_list_remove(&c->node);
			sv_list_add_tail(&port->serving, &c->node);
			*msg = *c->msg;
			token->port = port;
			token->call_id = c->id;
			rc = 0;
			break;
		}
		/* woken by a send (another receiver may take it first): look again */
		rc = waitq_wait_until(s, &port->receivers, deadline);
		if (rc)
			break;
	}
	host_irq_restore(flags);
	return rc;
}

int ipc_reply(const struct sv_ipc_token *token, const struct sv_ipc_msg *reply)
{
	struct sv_ipc_port *port;
	struct sv_list_node *pos;
	unsigned long flags;
	int rc = -SV_ENOENT;

	if (!token || !token->port || !reply)
		return -SV_EINVAL;
	port = token->port;
	flags = host_irq_save();
	if (port->closed) {
		host_irq_restore(flags);
		return -SV_EPIPE;
	}
	sv_list_for_each(pos, &port->serving) {
		struct ipc_call *c = sv_list_entry(pos, struct ipc_call, node);

		if (c->id != token->call_id)
			continue;
		sv_list_remove(&c->node);
		if (c->reply)
			*c->reply = *reply;
		waitq_wake_one(port->sched, &c->done, 0);
		rc = 0;
		break;
	}
	host_irq_restore(flags);
	return rc;
}

int ipc_notify(struct sv_ipc_port *port, uint64_t bits)
{
	unsigned long flags = host_irq_save();
	int rc = 0;

	if (port->closed) {
		rc = -SV_EPIPE;
	} else if (bits) {
		port->notify_bits |= bits;
		waitq_wake_one(port->sched, &port->notify_waiters, 0);
	}
	host_irq_restore(flags);
	return rc;
}

int ipc_wait_notify(struct sv_ipc_port *port, uint64_t timeout_ns,
		    uint64_t *bits)
{
	struct sv_sched *s = port->sched;
	unsigned long flags;
	uint64_t deadline;
	int rc;

	if (!bits)
		return -SV_EINVAL;
	flags = host_irq_save();
	deadline = deadline_after(sched_clock(s), timeout_ns);
	for (;;) {
		if (port->closed) {
			rc = -SV_EPIPE;
			break;
		}
		if (port->notify_bits) {
			*bits = port->notify_bits;
			port->notify_bits = 0;
			rc = 0;
			break;
		}
		rc = waitq_wait_until(s, &port->notify_waiters, deadline);
		if (rc)
			break;
	}
	host_irq_restore(flags);
	return rc;
}
