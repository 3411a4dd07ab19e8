/*
 * Tests of the vCPU loop, the exit dispatcher and event delivery, through
 * the fake backend: each test scripts a run of exits and checks what the
 * core did with them (device accesses, completions, injections, how the VM
 * ended), including two VMs in one process where one fails.
 */
#include <stdarg.h>
#include <string.h>

#include "fake_backend.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv/vmx.h"
#include "sv_test.h"

/* A device on port 0x500 (4 ports): records writes, answers reads; writing
 * 0xff to offset 3 stops the VM with status 7, like a debug-exit port. */
struct probe {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint64_t last_write, reply;
	unsigned writes, reads;
};

static int probe_handler(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct probe *p = sv_container_of(dev, struct probe, io);

	(void)size;
	if (write) {
		p->writes++;
		p->last_write = *data;
		if (offset == 3 && *data == 0xff)
			vm_stop(p->vm, 7, "probe stop");
	} else {
		p->reads++;
		*data = p->reply;
	}
	return 0;
}

/* A one-line interrupt controller: raise() makes vector 0x30 pending. */
struct tiny_intc {
	bool line;
	unsigned acks;
};

static void tiny_set_irq(void *ctx, unsigned irq, bool level)
{
	(void)irq;
	((struct tiny_intc *)ctx)->line = level;
}

static bool tiny_pending(void *ctx)
{
	return ((struct tiny_intc *)ctx)->line;
}

static int tiny_ack(void *ctx)
{
	struct tiny_intc *t = ctx;

	t->acks++;
	t->line = false;
	return 0x30;
}

static const struct sv_intc_ops tiny_ops = { tiny_set_irq, tiny_pending, tiny_ack };

static uint64_t sim_now;

/* Simulated time: every look at the clock moves it 1 ms on. */
static uint64_t sim_clock(void *ctx)
{
	(void)ctx;
	return sim_now += 1000000;
}

struct rig {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe;
	struct tiny_intc intc;
};

static void rig_init(struct rig *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	SV_CHECK_EQ_I64(vm_init(&r->vm, name, &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&r->vm, &r->vcpu), 0);
	r->probe = (struct probe){ .io = { "probe", probe_handler }, .vm = &r->vm };
	SV_CHECK_EQ_I64(iobus_register(&r->vm.bus, SV_IO_PORT, 0x500, 4,
				       &r->probe.io), 0);
	SV_CHECK_EQ_I64(vm_set_intc(&r->vm, &tiny_ops, &r->intc), 0);
	vm_set_clock(&r->vm, sim_clock, NULL, false);
}

static void queue(struct rig *r, uint16_t reason, uint64_t qual, uint64_t data,
		  uint64_t rip)
{
	struct sv_exit e = { .reason = reason, .qualification = qual,
			     .io_data = data, .rip = rip, .instr_len = 1 };

	SV_CHECK_EQ_I64(fake_queue_exit(r->vcpu->b, &e), 0);
}

static void queue_out(struct rig *r, uint16_t port, unsigned size, uint64_t v)
{
	queue(r, SV_EXIT_IO_INSTRUCTION,
	      sv_io_qual_make(port, size, false, false, false, false), v, 0x1000);
}

static void queue_in(struct rig *r, uint16_t port, unsigned size)
{
	queue(r, SV_EXIT_IO_INSTRUCTION,
	      sv_io_qual_make(port, size, true, false, false, false), 0, 0x1000);
}

static void test_io_and_stop(void)
{
	struct rig r;

	rig_init(&r, "io");
	r.probe.reply = 0xa5;
	queue_out(&r, 0x501, 1, 0x42);
	queue_in(&r, 0x502, 1);
	queue_out(&r, 0x503, 1, 0xff);	/* stops the VM */
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_I64(r.vm.exit_status, 7);
	SV_CHECK_STR_EQ(r.vm.stop_reason, "probe stop");
	SV_CHECK_EQ_U64(r.probe.writes, 2);
	SV_CHECK_EQ_U64(r.probe.reads, 1);
	SV_CHECK_EQ_U64(r.vcpu->b->io_value, 0xa5);	/* IN completed with it */
	SV_CHECK_EQ_U64(r.vm.exit_counts[SV_EXIT_IO_INSTRUCTION], 3);
	SV_CHECK_EQ_U64(r.vcpu->nexits, 3);
	/* the stopping OUT was not completed: the guest never runs again */
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_complete_exit], 2);
	vm_destroy(&r.vm);
}

static void test_unassigned_port(void)
{
	struct rig r;

	rig_init(&r, "float");
	queue_in(&r, 0x1234, 2);
	queue_out(&r, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.vcpu->b->io_value, 0xffff);	/* nothing drives it */
	vm_destroy(&r.vm);
}

/* Two VMs in one process: one fails on an exit nobody handles, the other
 * runs to its end unaffected. */
static void test_unexpected_exit_stops_only_its_vm(void)
{
	static struct rig a, b;

	rig_init(&a, "bad");
	rig_init(&b, "good");
	queue(&a, SV_EXIT_TASK_SWITCH, 0x77, 0, 0x2000);
	queue_out(&b, 0x501, 1, 1);
	queue_out(&b, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&a.vm), -SV_EGUEST);
	SV_CHECK_EQ_U64(a.vm.state, SV_VM_FAILED);
	SV_CHECK(strstr(a.vm.stop_reason, "unexpected exit TASK_SWITCH (9)") != NULL);
	SV_CHECK(strstr(a.vm.stop_reason, "rip 0x2000") != NULL);
	SV_CHECK_EQ_I64(vm_run(&b.vm), 0);
	SV_CHECK_EQ_I64(b.vm.exit_status, 7);
	vm_destroy(&a.vm);
	vm_destroy(&b.vm);
}

static void expect_failure(uint16_t reason, uint16_t flags, uint64_t qual,
			   const char *want)
{
	struct rig r;
	struct sv_exit e = { .reason = reason, .reason_flags = flags,
			     .qualification = qual, .rip = 0x3000 };

	rig_init(&r, "f");
	SV_CHECK_EQ_I64(fake_queue_exit(r.vcpu->b, &e), 0);
	SV_CHECK_EQ_I64(vm_run(&r.vm), -SV_EGUEST);
	if (!strstr(r.vm.stop_reason, want))
		SV_TEST_FAIL_(__FILE__, __LINE__, "stop reason '%s' lacks '%s'",
			      r.vm.stop_reason, want);
	vm_destroy(&r.vm);
}

static void test_failures(void)
{
	expect_failure(SV_EXIT_TRIPLE_FAULT, 0, 0, "triple fault at rip 0x3000");
	expect_failure(SV_EXIT_ENTRY_FAIL_GUEST_STATE, SV_EXIT_FLAG_ENTRY_FAIL, 0,
		       "VM-entry failure");
	expect_failure(9999, 0, 0, "unexpected exit UNKNOWN (9999)");
	/* reserved qualification bits set: refused, not decoded */
	expect_failure(SV_EXIT_IO_INSTRUCTION, 0, 1ull << 40,
		       "malformed qualification");
	/* MMIO the backend could not decode */
	expect_failure(SV_EXIT_EPT_VIOLATION, 0, SV_EPT_QUAL_WRITE,
		       "needs instruction decoding");
	/* and a backend that cannot run at all (empty script) */
	expect_failure(SV_EXIT_HLT, 0, 0, "");
}

static void test_interrupt_window(void)
{
	struct rig r;

	rig_init(&r, "irq");
	vm_irq_set(&r.vm, 0, true);	/* pending before the first entry */
	queue(&r, SV_EXIT_INTERRUPT_WINDOW, 0, 0, 0x1000);
	queue_out(&r, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.intc.acks, 1);
	SV_CHECK_EQ_U64(r.vcpu->b->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->b->events[0].vector, 0x30);
	SV_CHECK_EQ_U64(r.vcpu->b->events[0].type, SV_INTR_TYPE_EXT_INTR);
	/* asked for the window, then withdrew it once the line was served */
	SV_CHECK(!r.vcpu->b->window[SV_WINDOW_INTERRUPT]);
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_set_window], 2);
	vm_destroy(&r.vm);
}

static void test_interrupt_injected_when_ready(void)
{
	struct rig r;

	/* the guest can take it now: no window exit needed */
	rig_init(&r, "ready");
	r.vcpu->b->irq_ready = true;
	vm_irq_set(&r.vm, 0, true);
	queue_out(&r, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.intc.acks, 1);
	SV_CHECK_EQ_U64(r.vcpu->b->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->b->events[0].vector, 0x30);
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_set_window], 0);
	vm_destroy(&r.vm);
}

static void test_window_without_request(void)
{
	struct rig r;

	/* a window exit when nothing is pending injects nothing */
	rig_init(&r, "nowin");
	queue(&r, SV_EXIT_INTERRUPT_WINDOW, 0, 0, 0x1000);
	queue_out(&r, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(r.intc.acks, 0);
	SV_CHECK_EQ_U64(r.vcpu->b->nevents, 0);
	vm_destroy(&r.vm);
}

struct tick {
	struct sv_timer t;
	struct sv_vm *vm;
	unsigned fired;
};

static void tick_fire(struct sv_timer *t, uint64_t now)
{
	struct tick *k = sv_container_of(t, struct tick, t);

	(void)now;
	k->fired++;
	vm_irq_set(k->vm, 0, true);
}

static void test_hlt_waits_for_timer(void)
{
	struct rig r;
	struct tick k = { .t = { .fire = tick_fire } };

	rig_init(&r, "hlt");
	k.vm = &r.vm;
	sim_now = 0;
	vm_timer_arm(&r.vm, &k.t, 50000000);	/* in 50 simulated ms */
	queue(&r, SV_EXIT_HLT, 0, 0, 0x1000);
	queue(&r, SV_EXIT_INTERRUPT_WINDOW, 0, 0, 0x1001);
	queue_out(&r, 0x503, 1, 0xff);
	SV_CHECK_EQ_I64(vm_run(&r.vm), 0);
	SV_CHECK_EQ_U64(k.fired, 1);
	SV_CHECK(sim_now >= 50000000);
	SV_CHECK_EQ_U64(r.intc.acks, 1);
	SV_CHECK(!r.vcpu->halted);
	vm_destroy(&r.vm);
}

static void test_hlt_forever_fails(void)
{
	struct rig r;

	rig_init(&r, "dead");
	queue(&r, SV_EXIT_HLT, 0, 0, 0x1234);
	SV_CHECK_EQ_I64(vm_run(&r.vm), -SV_EGUEST);
	SV_CHECK(strstr(r.vm.stop_reason, "would never wake") != NULL);
	vm_destroy(&r.vm);
}

static unsigned fire_order[4], nfired;

static void order_fire(struct sv_timer *t, uint64_t now)
{
	(void)now;
	fire_order[nfired++] = (unsigned)(t->deadline / 100);
}

static void test_timers(void)
{
	struct sv_vm vm;
	struct sv_timer t[4];

	SV_CHECK_EQ_I64(vm_init(&vm, "timers", &fake_backend_ops, NULL), 0);
	memset(t, 0, sizeof(t));
	for (unsigned i = 0; i < 4; i++)
		t[i].fire = order_fire;
	nfired = 0;
	vm_timer_arm(&vm, &t[0], 300);
	vm_timer_arm(&vm, &t[1], 100);
	vm_timer_arm(&vm, &t[2], 200);
	vm_timer_arm(&vm, &t[3], 400);
	vm_timer_arm(&vm, &t[0], 250);	/* re-arming moves it */
	vm_timer_disarm(&t[3]);
	vm_timer_disarm(&t[3]);		/* twice is harmless */
	SV_CHECK_EQ_U64(vm_timers_run(&vm, 150), 200);
	SV_CHECK_EQ_U64(nfired, 1);
	SV_CHECK_EQ_U64(vm_timers_run(&vm, 1000), SV_TIMER_NEVER);
	SV_CHECK_EQ_U64(nfired, 3);
	SV_CHECK_EQ_U64(fire_order[0], 1);
	SV_CHECK_EQ_U64(fire_order[1], 2);
	SV_CHECK_EQ_U64(fire_order[2], 2);	/* 250 / 100 */
	vm_destroy(&vm);
}

static void test_init_errors(void)
{
	struct sv_vm vm;
	struct sv_vcpu *v;
	struct tiny_intc ic;

	SV_CHECK_EQ_I64(vm_init(&vm, "", &fake_backend_ops, NULL), -SV_EINVAL);
	SV_CHECK_EQ_I64(vm_init(&vm, "a-name-that-is-far-too-long-for-a-vm",
				&fake_backend_ops, NULL), -SV_EINVAL);
	SV_CHECK_EQ_I64(vm_init(&vm, "ok", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_run(&vm), -SV_EINVAL);	/* no vCPU */
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &v), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &v), -SV_ENOSPC);
	SV_CHECK_EQ_I64(vm_set_intc(&vm, &tiny_ops, &ic), 0);
	SV_CHECK_EQ_I64(vm_set_intc(&vm, &tiny_ops, &ic), -SV_EBUSY);
	vm_destroy(&vm);
}

struct strbuf {
	char buf[2048];
	size_t len;
};

static void strbuf_sink(void *ctx, const char *s, size_t n)
{
	struct strbuf *b = ctx;

	if (n > sizeof(b->buf) - 1 - b->len)
		n = sizeof(b->buf) - 1 - b->len;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void test_dump(void)
{
	struct rig r;
	struct strbuf out = { .len = 0 };

	rig_init(&r, "dump");
	r.vcpu->b->regs.rax = 0xfeedface;
	queue(&r, SV_EXIT_TRIPLE_FAULT, 0, 0, 0x7c00);
	SV_CHECK_EQ_I64(vm_run(&r.vm), -SV_EGUEST);
	vcpu_dump(r.vcpu, strbuf_sink, &out);
	SV_CHECK(strstr(out.buf, "last exit TRIPLE_FAULT (2)") != NULL);
	SV_CHECK(strstr(out.buf, "rax 00000000feedface") != NULL);
	SV_CHECK(strstr(out.buf, "cs   sel") != NULL);
	vm_destroy(&r.vm);
}

CU_TestInfo sv_tests_vm[] = {
	{ "port I/O through the bus, stop by a device", test_io_and_stop },
	{ "unassigned port reads all ones", test_unassigned_port },
	{ "unexpected exit stops only its VM", test_unexpected_exit_stops_only_its_vm },
	{ "failures are reported by name", test_failures },
	{ "interrupt delivered through a window", test_interrupt_window },
	{ "interrupt injected at once when ready", test_interrupt_injected_when_ready },
	{ "window with nothing pending", test_window_without_request },
	{ "HLT sleeps until a timer interrupt", test_hlt_waits_for_timer },
	{ "HLT with nothing armed fails the VM", test_hlt_forever_fails },
	{ "timers fire in deadline order", test_timers },
	{ "init errors", test_init_errors },
	{ "exit and state dump", test_dump },
	CU_TEST_INFO_NULL,
};
