/*
 * smartvm replay FILE: rebuild the recorded machine from the trace's own
 * CONFIG and IMAGE, run it on the replay backend (no guest executes), and
 * compare: every effect as it happens (vmm/replay.c), then the VM's end
 * state and digest, then the trace's final digest.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "sv/errno.h"
#include "sv/machine.h"
#include "sv/record.h"
#include "sv/trace.h"
#include "sv/vmconfig.h"

#define TRACE_MAX_BYTES (4ull << 30)

static const char replay_usage[] =
	"usage: smartvm replay [--quiet] FILE\n"
	"\n"
	"Replays the exit trace FILE (recorded by `smartvm run --record`, or\n"
	"captured from the bare-metal kernel over COM2). The machine is rebuilt\n"
	"from the configuration and image stored in the trace and driven by the\n"
	"replay backend: the logged exits and results are served back, and\n"
	"every effect the monitor asks for is compared with the logged one. The\n"
	"guest's serial output is printed (not with --quiet), then the state\n"
	"digest.\n"
	"\n"
	"Exit status: 0 the replay matches the recording; 1 it diverged (the\n"
	"first difference is reported: exit index and reason, guest RIP, the\n"
	"operation expected and the one seen); 2 bad arguments; 3 the trace is\n"
	"corrupt (the byte offset is reported).\n";

struct replay_ctx {
	struct sv_trace_reader r;
	struct sv_vmconfig cfg;
	const uint8_t *config_text;
	size_t config_len;
	const uint8_t *image;
	size_t image_len;
	uint64_t wallclock;
	void *ram;
};

static int corrupt(const struct sv_trace_reader *r, const char *path)
{
	fprintf(stderr, "smartvm: %s: corrupt trace at byte %llu: %s\n", path,
		(unsigned long long)r->err_offset, r->err);
	return STATUS_CORRUPT;
}

/*
 * Check the whole trace (header, every record, checkpoint and END) before
 * anything acts on it, so a corrupt or truncated file is refused with its
 * offset before any replay effect. Then r starts again at the first record
 * in verified mode: the replay reads the records without checking every
 * byte a second time (bounds are still checked).
 */
static int validate(struct sv_trace_reader *r, const uint8_t *buf, size_t len,
		    const char *path)
{
	struct sv_trace_record rec;
	int ret;

	if (sv_trace_reader_open(r, buf, len))
		return corrupt(r, path);
	while ((ret = sv_trace_reader_next(r, &rec)) > 0)
		;
	if (ret < 0)
		return corrupt(r, path);
	if (sv_trace_reader_open_verified(r, r))	/* r read it all: cannot fail */
		return corrupt(r, path);
	return 0;
}

/* The next record, which must be of type want. */
static int expect(struct replay_ctx *c, const char *path, uint8_t want,
		  struct sv_trace_record *rec)
{
	int r = sv_trace_reader_next(&c->r, rec);

	if (r < 0)
		return corrupt(&c->r, path);
	if (r == 0 || rec->type != want) {
		fprintf(stderr, "smartvm: %s: expected a %s record at byte %llu, "
			"found %s\n", path, sv_trace_type_name(want),
			(unsigned long long)(r ? rec->offset : c->r.pos),
			r ? sv_trace_type_name(rec->type) : "the end");
		return STATUS_CORRUPT;
	}
	return 0;
}

/* CONFIG, IMAGE, REALTIME: what the machine is built from. */
static int read_prologue(struct replay_ctx *c, const char *path)
{
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	struct sv_digest dg;
	char err[512];
	int s;

	if ((s = expect(c, path, SV_TR_CONFIG, &rec)))
		return s;
	c->config_text = rec.payload;
	c->config_len = rec.len;
	if (vmconfig_parse((const char *)rec.payload, rec.len, "trace CONFIG",
			   &c->cfg, err, sizeof(err))) {
		fprintf(stderr, "smartvm: %s: %s\n", path, err);
		return STATUS_CORRUPT;
	}
	if ((s = expect(c, path, SV_TR_IMAGE, &rec)))
		return s;
	c->image = rec.payload;
	c->image_len = rec.len;
	sv_digest_init(&dg);
	sv_digest_bytes(&dg, c->config_text, c->config_len);
	sv_digest_bytes(&dg, c->image, c->image_len);
	if (dg.h != c->r.header.config_digest) {
		fprintf(stderr, "smartvm: %s: the CONFIG and IMAGE records digest "
			"to %016llx, the header says %016llx\n", path,
			(unsigned long long)dg.h,
			(unsigned long long)c->r.header.config_digest);
		return STATUS_CORRUPT;
	}
	if ((s = expect(c, path, SV_TR_REALTIME, &rec)))
		return s;
	sv_tdec_init(&d, rec.payload, rec.len);
	c->wallclock = sv_tdec_u64(&d);
	if (!sv_tdec_done(&d)) {
		fprintf(stderr, "smartvm: %s: bad REALTIME record at byte %llu\n",
			path, (unsigned long long)rec.offset);
		return STATUS_CORRUPT;
	}
	return 0;
}

/* VM_END as recorded against the replayed VM; END's digest. */
static int check_end(struct replay_ctx *c, const char *path,
		     const struct sv_vm *vm, uint64_t digest)
{
	struct sv_trace_record rec;
	struct sv_trace_dec d;
	uint32_t state, status;
	uint64_t logged;
	size_t reason_len;
	int s, r;

	if ((s = expect(c, path, SV_TR_VM_END, &rec)))
		return s;
	sv_tdec_init(&d, rec.payload, rec.len);
	state = sv_tdec_u32(&d);
	status = sv_tdec_u32(&d);
	logged = sv_tdec_u64(&d);
	reason_len = rec.len - d.off;
	if (state != (uint32_t)vm->state || status != (uint32_t)vm->exit_status ||
	    reason_len != strlen(vm->stop_reason) ||
	    memcmp(rec.payload + d.off, vm->stop_reason, reason_len) != 0) {
		printf("replay: the VM ended differently: recorded state %u "
		       "status %d (%.*s), replayed state %u status %d (%s)\n",
		       state, (int)status, (int)reason_len,
		       (const char *)rec.payload + d.off, (unsigned)vm->state,
		       vm->exit_status, vm->stop_reason);
		return STATUS_DIVERGED;
	}
	if (logged != digest) {
		printf("replay: state digest %016llx, recorded %016llx\n",
		       (unsigned long long)digest, (unsigned long long)logged);
		return STATUS_DIVERGED;
	}
	r = sv_trace_reader_next(&c->r, &rec);
	if (r < 0)
		return corrupt(&c->r, path);
	if (r > 0) {
		fprintf(stderr, "smartvm: %s: %s record at byte %llu after the "
			"VM ended (one VM per trace is replayed)\n", path,
			sv_trace_type_name(rec.type),
			(unsigned long long)rec.offset);
		return STATUS_CORRUPT;
	}
	if (c->r.end_digest != digest) {
		printf("replay: final digest %016llx, recorded %016llx\n",
		       (unsigned long long)digest,
		       (unsigned long long)c->r.end_digest);
		return STATUS_DIVERGED;
	}
	return 0;
}

int replay_main(int argc, char **argv)
{
	static struct sv_machine m;
	static struct sv_replayer rp;
	static struct replay_ctx c;
	struct sv_machine_params p;
	bool quiet = false;
	const char *path;
	uint8_t *buf;
	size_t len;
	uint64_t digest;
	char err[512];
	int s;

	if (argc == 3 && !strcmp(argv[1], "--quiet")) {
		quiet = true;
		argc--;
		argv++;
	}
	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && !strcmp(argv[1], "--help");

		fputs(replay_usage, help ? stdout : stderr);
		return help ? 0 : STATUS_USAGE;
	}
	path = argv[1];
	buf = cli_read_file(path, TRACE_MAX_BYTES, &len);
	if (!buf)
		return STATUS_USAGE;
	if ((s = validate(&c.r, buf, len, path)))
		goto out;
	if ((s = read_prologue(&c, path)))
		goto out;
	c.ram = mmap(NULL, c.cfg.memory, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c.ram == MAP_FAILED) {
		fprintf(stderr, "smartvm: guest RAM: %s\n", strerror(errno));
		s = STATUS_USAGE;
		goto out;
	}
	sv_replayer_init(&rp, &c.r, 0);
	p = (struct sv_machine_params){
		.cfg = &c.cfg, .ops = &sv_replay_ops, .backend_inst = &rp,
		.clock = sv_replayer_clock, .clock_ctx = &rp,
		.clock_realtime = false, .ram = c.ram,
		.image = c.image, .image_len = c.image_len,
		.serial_out = quiet ? cli_serial_discard : cli_serial_to_file,
		.serial_ctx = stdout, .wallclock_ns = c.wallclock,
	};
	if (machine_plan(&m, &p, err, sizeof(err)) ||
	    machine_create(&m, &p, err, sizeof(err))) {
		fflush(stdout);
		if (rp.diverged)
			printf("%s\n", rp.report);
		else
			fprintf(stderr, "smartvm: %s: %s\n", path, err);
		s = rp.diverged ? STATUS_DIVERGED : STATUS_CORRUPT;
		goto unmap;
	}
	/*
	 * A failed VM is no error here (VM_END says whether it failed then),
	 * but it is reported as `run` did, dump included: the dump's register
	 * reads are in the trace too.
	 */
	if (vm_run(&m.vm) < 0 && !rp.diverged) {
		fflush(stdout);
		fprintf(stderr, "smartvm: VM '%s' failed: %s\n", m.vm.name,
			m.vm.stop_reason);
		vcpu_dump(m.vcpu, cli_sink_stderr, NULL);
	}
	fflush(stdout);
	digest = sv_vm_state_digest(rp.effects.h, machine_devices_digest(&m));
	machine_destroy(&m);
	if (rp.diverged) {
		printf("%s\n", rp.report);
		s = STATUS_DIVERGED;
		goto unmap;
	}
	s = check_end(&c, path, &m.vm, digest);
	if (s == 0)
		printf("replay: %llu exits, digest %016llx: matches the "
		       "recording\n", (unsigned long long)rp.exits,
		       (unsigned long long)digest);
unmap:
	munmap(c.ram, c.cfg.memory);
out:
	free(buf);
	return s;
}
