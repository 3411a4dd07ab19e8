/*
 * IPC (osk/ipc.c): synchronous message ports and asynchronous
 * notifications, the way service tasks outside the kernel core are reached.
 *
 * A port is a rendezvous. A client's ipc_send blocks until a server has
 * taken its message with ipc_receive and answered it with ipc_reply (a
 * remote procedure call); senders are served in the order they sent.
 * Messages are small fixed-size structs copied between the tasks' own
 * buffers: nothing is allocated, and a message is never shared. A
 * notification is a bitmask on the port that anyone (an interrupt handler
 * too) ORs bits into without blocking; a task waits for it and takes all
 * pending bits at once, so repeated notifications of one event coalesce.
 *
 * Closing a port wakes every sender, receiver and notification waiter with
 * -SV_EPIPE, and every later call fails with it. All blocking goes through
 * the scheduler's wait queues, so it behaves alike whatever switches the
 * stacks. Timeouts are relative, in ns of the scheduler's clock:
 * SV_TIMEOUT_INFINITE never expires, 0 only polls.
 *
 * Lifetime: the port's creator owns it; it may close the port at any time,
 * but may release its memory only when no task is inside a call on it and
 * no receiver still holds a token from it.
 */
#ifndef SV_IPC_H
#define SV_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/sched.h"
#include "sv/waitq.h"

#define SV_IPC_MSG_SIZE		64
#define SV_IPC_PAYLOAD_WORDS	7

/* One message: a type word (the protocol's) and 56 bytes of payload. */
struct sv_ipc_msg {
	uint64_t type;
	union {
		uint64_t word[SV_IPC_PAYLOAD_WORDS];
		uint8_t byte[SV_IPC_PAYLOAD_WORDS * 8];
	};
};
SV_STATIC_ASSERT(sizeof(struct sv_ipc_msg) == SV_IPC_MSG_SIZE,
		 "an IPC message is 64 bytes");

struct sv_ipc_port {
	struct sv_sched *sched;
	const char *name;
	bool closed;
	struct sv_list_node pending;	/* calls not yet received, oldest first */
	struct sv_list_node serving;	/* received, waiting for their reply */
	struct sv_waitq receivers;	/* tasks in ipc_receive */
	struct sv_waitq notify_waiters;	/* tasks in ipc_wait_notify */
	uint64_t notify_bits;		/* pending notifications */
	uint64_t next_call_id;
};

/*
 * What a receiver answers with: names the call it took. Valid for one
 * ipc_reply; stale after the reply, after the sender timed out, and after
 * the port closed.
 */
struct sv_ipc_token {
	struct sv_ipc_port *port;
	uint64_t call_id;
};

/* Initialize an open port whose calls block on s. name is kept, not copied. */
void ipc_port_init(struct sv_ipc_port *port, struct sv_sched *s,
		   const char *name);

/*
 * Close the port: every blocked sender, receiver and notification waiter
 * returns -SV_EPIPE, calls already taken by a receiver included; so does
 * every later call. Closing twice is harmless. Never blocks.
 */
void ipc_close(struct sv_ipc_port *port);

/*
 * Send *msg and wait for the reply, stored in *reply (may be NULL when the
 * caller wants none). The timeout covers the whole call: waiting for a
 * receiver and for its reply. Returns 0 (replied), -SV_ETIMEDOUT (the
 * receiver's token then goes stale), -SV_EPIPE (the port is or got closed),
 * -SV_EPERM (not in a task: a send always blocks). Task context.
 */
SV_MUST_CHECK int ipc_send(struct sv_ipc_port *port,
			   const struct sv_ipc_msg *msg,
			   struct sv_ipc_msg *reply, uint64_t timeout_ns);

/*
 * Take the oldest pending message into *msg, waiting for one up to the
 * timeout; *token names the call for ipc_reply. Returns 0, -SV_ETIMEDOUT or
 * -SV_EPIPE. With timeout 0 it only polls and may run outside a task.
 */
SV_MUST_CHECK int ipc_receive(struct sv_ipc_port *port, struct sv_ipc_msg *msg,
			      uint64_t timeout_ns, struct sv_ipc_token *token);

/*
 * Answer the call token names: copy *reply to its sender and wake it.
 * -SV_ENOENT: no sender waits for this token (it timed out, or the token was
 * used); -SV_EPIPE: the port closed. Never blocks.
 */
SV_MUST_CHECK int ipc_reply(const struct sv_ipc_token *token,
			    const struct sv_ipc_msg *reply);

/*
 * OR bits into the port's notifications and wake a waiter. Never blocks:
 * callable from interrupt handlers. -SV_EPIPE: the port is closed.
 */
int ipc_notify(struct sv_ipc_port *port, uint64_t bits);

/*
 * Wait until notification bits are pending, then take them all into *bits
 * (clearing them). Returns 0, -SV_ETIMEDOUT or -SV_EPIPE. With timeout 0 it
 * only polls and may run outside a task.
 */
SV_MUST_CHECK int ipc_wait_notify(struct sv_ipc_port *port,
				  uint64_t timeout_ns, uint64_t *bits);

#endif /* SV_IPC_H */
