/*
 * Kernel self-test of tasks, IPC and the log service on the real machine.
 *
 * Three kernel threads on guarded stacks, scheduled by the portable fair
 * scheduler (osk/) and preempted by the tick:
 *  - the log service: receives LOG_WRITE messages on its port and writes
 *    them to the console; nothing else in the kernel writes through it
 *    except by IPC, which is the point (the hybrid kernel's service tasks);
 *  - an echo server answering three messages;
 *  - a client that checks the answers, a receive that times out on an
 *    empty port, a log line sent to the log service, and closes the log
 *    port, which ends the service (-SV_EPIPE).
 */
#include "kselftest.h"

#include "arch_sched.h"
#include "kstack.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/ipc.h"
#include "sv/sched.h"
#include "sv/string.h"
#include "sv/task.h"
#include "timer.h"

#define LOG_WRITE	1	/* byte[0] = length, then the text */
#define ECHO_PING	2
#define ECHO_MESSAGES	3
#define EMPTY_WAIT_NS	5000000ull	/* 5 ms */
#define LOG_SEND_NS	100000000ull	/* a log line is taken within 100 ms */
#define LOG_TEXT_MAX	(sizeof(((struct sv_ipc_msg *)0)->byte) - 1)

static struct sv_sched sched;
static struct sv_ipc_port log_port, echo_port, empty_port;
static struct sv_task tasks[3];
static struct kstack stacks[3];

static unsigned log_lines;
static const char *client_why;	/* first failed check of the client */
static uint64_t waited_ns;

static void log_service(void *arg)
{
	struct sv_ipc_msg msg, reply = { .type = LOG_WRITE };
	struct sv_ipc_token tok;

	(void)arg;
	while (ipc_receive(&log_port, &msg, SV_TIMEOUT_INFINITE, &tok) == 0) {
		size_t len = SV_MIN((size_t)msg.byte[0], LOG_TEXT_MAX);

		if (msg.type != LOG_WRITE)
			len = 0;
		sv_printf("log: %.*s\n", (int)len, (const char *)&msg.byte[1]);
		log_lines++;
		reply.word[0] = len;
		if (ipc_reply(&tok, &reply))
			break;	/* the sender gave up: a broken client */
	}
	/* the port was closed: the service ends */
}

/* What the kernel calls to log: a message to the log service's port. */
static int klog(const char *text)
{
	struct sv_ipc_msg msg = { .type = LOG_WRITE }, reply;
	size_t len = SV_MIN(sv_strlen(text), LOG_TEXT_MAX);
	int err;

	msg.byte[0] = (uint8_t)len;
	sv_memcpy(&msg.byte[1], text, len);
	err = ipc_send(&log_port, &msg, &reply, LOG_SEND_NS);
	if (err)
		return err;
	return reply.word[0] == len ? 0 : -SV_EIO;
}

static void echo_server(void *arg)
{
	struct sv_ipc_msg msg, reply;
	struct sv_ipc_token tok;

	(void)arg;
	for (unsigned i = 0; i < ECHO_MESSAGES; i++) {
		if (ipc_receive(&echo_port, &msg, SV_TIMEOUT_INFINITE, &tok))
			return;
		reply.type = msg.type;
		reply.word[0] = msg.word[0] * 2;
		if (ipc_reply(&tok, &reply))
			return;
	}
}

static const char *client_checks(void)
{
	struct sv_ipc_msg msg = { .type = ECHO_PING }, reply;
	struct sv_ipc_token tok;
	uint64_t t0;

	for (unsigned i = 0; i < ECHO_MESSAGES; i++) {
		msg.word[0] = 100 + i;
		if (ipc_send(&echo_port, &msg, &reply, SV_TIMEOUT_INFINITE))
			return "an echo message was not answered";
		if (reply.type != ECHO_PING || reply.word[0] != 2 * (100 + i))
			return "an echo answer was wrong or out of order";
	}
	t0 = timer_now_ns();
	if (ipc_receive(&empty_port, &msg, EMPTY_WAIT_NS, &tok) != -SV_ETIMEDOUT)
		return "a receive on an empty port did not time out";
	waited_ns = timer_now_ns() - t0;
	if (waited_ns < EMPTY_WAIT_NS)
		return "a receive timed out early";
	if (klog("hello from a kernel task, through IPC"))
		return "the log service did not take a line";
	return NULL;
}

static void client(void *arg)
{
	(void)arg;
	client_why = client_checks();
	ipc_close(&log_port);	/* the service sees -SV_EPIPE and ends */
	ipc_close(&echo_port);
}

static int failed(const char *what, const char *why)
{
	sv_printf("%s: FAILED (%s)\n", what, why);
	return -1;
}

int kernel_selftest(void)
{
	static void (*const entry[3])(void *) = { log_service, echo_server, client };
	static const char *const name[3] = { "log", "echo", "client" };
	struct sv_sched_config cfg = { 0 };
	unsigned n;
	int err = 0;

	arch_sched_config(&cfg);
	if (sched_init(&sched, &cfg))
		return failed("ipc", "sched_init refused");
	ipc_port_init(&log_port, &sched, "log");
	ipc_port_init(&echo_port, &sched, "echo");
	ipc_port_init(&empty_port, &sched, "empty");
	for (n = 0; n < 3; n++) {
		if (kstack_alloc(KSTACK_SIZE, &stacks[n]))
			break;
		if (task_create(&sched, &tasks[n], name[n], 1024, entry[n], NULL,
				(void *)(uintptr_t)stacks[n].bottom,
				stacks[n].top - stacks[n].bottom)) {
			kstack_free(&stacks[n]);
			break;
		}
	}
	if (n == 3) {
		arch_sched_attach(&sched);
		err = sched_run(&sched);
		arch_sched_attach(NULL);
	}
	for (unsigned i = 0; i < n; i++) {
		if (task_reap(&sched, &tasks[i], NULL) && !err)
			err = -SV_EBUSY;
		kstack_free(&stacks[i]);
	}
	ipc_close(&empty_port);
	if (n != 3)
		return failed("ipc", "cannot create the tasks");
	if (err)
		return failed("ipc", "the tasks did not all end");
	if (client_why)
		return failed("ipc", client_why);
	sv_printf("ipc: %u messages to an echo task answered in order, a "
		  "receive on an empty port timed out after %lu ms: ok\n",
		  ECHO_MESSAGES, (unsigned long)(waited_ns / 1000000));
	if (log_lines != 1)
		return failed("logsvc", "the log service saw no line");
	sv_printf("logsvc: the kernel log service is a task reached through "
		  "its IPC port, ended by closing it: ok\n");
	return 0;
}
