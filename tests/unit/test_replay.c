/*
 * Record and replay through the fake backend: a run recorded by the
 * recording backend replays to the same effects digest, and a replay whose
 * device handler was deliberately altered (a test-only variant) is caught
 * at the right exit index with a report naming the exit reason, the guest
 * RIP and the operation expected and seen.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"
#include "sv/errno.h"
#include "sv/record.h"
#include "sv/trace.h"
#include "sv/vm.h"
#include "sv/vmx.h"
#include "sv_test.h"

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
}

/* Port 0x500: reads answer 0x40 + n for the n-th read, or, when altered,
 * something else on the third; writing 0xff to 0x503 stops the VM. */
struct probe {
	struct sv_io_device io;
	struct sv_vm *vm;
	unsigned reads;
	bool altered;
};

static int probe_handler(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct probe *p = sv_container_of(dev, struct probe, io);

	(void)size;
	if (write) {
		if (offset == 3 && *data == 0xff)
			vm_stop(p->vm, 5, "probe stop");
		return 0;
	}
	*data = 0x40 + p->reads++;
	if (p->altered && p->reads == 3)
		*data = 0x99;
	return 0;
}

static void script(struct sv_bvcpu *fake)
{
	static const struct { bool in; uint16_t port; uint64_t v; } io[] = {
		{ false, 0x501, 0x11 }, { true, 0x502, 0 }, { true, 0x502, 0 },
		{ true, 0x502, 0 }, { false, 0x503, 0xff },
	};

	for (unsigned i = 0; i < SV_ARRAY_SIZE(io); i++) {
		struct sv_exit e = {
			.reason = SV_EXIT_IO_INSTRUCTION, .instr_len = 1,
			.qualification = sv_io_qual_make(io[i].port, 1, io[i].in,
							 false, false, false),
			.io_data = io[i].v, .rip = 0x1000 + i,
		};

		SV_CHECK_EQ_I64(fake_queue_exit(fake, &e), 0);
	}
}

static struct membuf trace;
static uint64_t recorded_effects;

static void record_run(void)
{
	static struct sv_recorder rec;
	struct sv_trace_writer w;
	struct sv_trace_header h = { .producer = "test" };
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe = { .io = { "probe", probe_handler }, .vm = &vm };

	free(trace.p);
	memset(&trace, 0, sizeof(trace));
	sv_trace_writer_begin(&w, mem_sink, &trace, &h);
	sv_recorder_init(&rec, &w, 0, &fake_backend_ops, NULL);
	SV_CHECK_EQ_I64(vm_init(&vm, "rec", &sv_record_ops, &rec), 0);
	vm_set_clock(&vm, sv_recorder_clock, &rec, true);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(iobus_register(&vm.bus, SV_IO_PORT, 0x500, 4, &probe.io), 0);
	script(rec.vcpu.inner);		/* the fake vCPU under the recorder */
	SV_CHECK_EQ_I64(vm_run(&vm), 0);
	SV_CHECK_EQ_I64(vm.exit_status, 5);
	recorded_effects = rec.effects.h;
	vm_destroy(&vm);
	sv_trace_writer_end(&w, recorded_effects);
}

/* Replay the recorded run; returns the replayer's state in *out. */
static int replay_run(bool altered, struct sv_replayer *rp)
{
	struct sv_trace_reader r;
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct probe probe = { .io = { "probe", probe_handler }, .vm = &vm,
			       .altered = altered };
	int ret;

	SV_CHECK_EQ_I64(sv_trace_reader_open(&r, trace.p, trace.len), 0);
	sv_replayer_init(rp, &r, 0);
	SV_CHECK_EQ_I64(vm_init(&vm, "rp", &sv_replay_ops, rp), 0);
	vm_set_clock(&vm, sv_replayer_clock, rp, false);
	SV_CHECK_EQ_I64(vm_add_vcpu(&vm, &vcpu), 0);
	SV_CHECK_EQ_I64(iobus_register(&vm.bus, SV_IO_PORT, 0x500, 4, &probe.io), 0);
	ret = vm_run(&vm);
	vm_destroy(&vm);
	rp->r = NULL;	/* the reader lived on this stack */
	return ret;
}

static void test_replay_matches(void)
{
	static struct sv_replayer rp;

	record_run();
	SV_CHECK(trace.len > SV_TRACE_HEADER_SIZE);
	SV_CHECK_EQ_I64(replay_run(false, &rp), 0);
	SV_CHECK(!rp.diverged);
	SV_CHECK_EQ_U64(rp.exits, 5);
	SV_CHECK_EQ_U64(rp.effects.h, recorded_effects);
}

static void test_altered_handler_diverges(void)
{
	static struct sv_replayer rp;

	record_run();
	SV_CHECK(replay_run(true, &rp) < 0);
	SV_CHECK(rp.diverged);
	/* the third IN is exit 3 (0: OUT, 1-3: IN), at rip 0x1003 */
	if (!strstr(rp.report, "replay diverged at exit 3 (IO_INSTRUCTION, "
			       "rip 0x1003), different effect"))
		SV_TEST_FAIL_(__FILE__, __LINE__, "report: %.400s", rp.report);
	/* expected the logged value 0x42, seen the altered 0x99 */
	SV_CHECK(strstr(rp.report, "expected: OP_COMPLETE_EXIT ret 0 | 42 00") != NULL);
	SV_CHECK(strstr(rp.report, "seen:     OP_COMPLETE_EXIT ret 0 | 99 00") != NULL);
	SV_CHECK(rp.effects.h != recorded_effects);
}

static void test_truncated_trace_diverges(void)
{
	static struct sv_replayer rp;
	size_t full;

	record_run();
	full = trace.len;
	/* cut the trace in the middle of the run: the reader reports it */
	trace.len = SV_TRACE_HEADER_SIZE + (full - SV_TRACE_HEADER_SIZE) / 2;
	SV_CHECK(replay_run(false, &rp) < 0);
	SV_CHECK(rp.diverged);
	SV_CHECK(strstr(rp.report, "corrupt trace") != NULL ||
		 strstr(rp.report, "trace ended") != NULL);
	trace.len = full;
}

CU_TestInfo sv_tests_replay[] = {
	{ "a recorded run replays to the same effects", test_replay_matches },
	{ "an altered handler is caught at its exit", test_altered_handler_diverges },
	{ "a trace cut short stops the replay", test_truncated_trace_diverges },
	CU_TEST_INFO_NULL,
};
