/*
 * smartvm trace dump|stats FILE: read a trace without replaying it. dump
 * prints one line per exit (index, VM, vCPU, reason, RIP, the exit decoded),
 * with filters; stats counts exits by reason. A corrupt trace is reported
 * with its byte offset after what could be read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sv/trace.h"
#include "sv/vmx.h"

#define TRACE_MAX_BYTES (4ull << 30)

static const char trace_usage[] =
	"usage: smartvm trace dump [FILTERS] FILE\n"
	"       smartvm trace stats FILE\n"
	"\n"
	"dump prints one line per exit: index, VM, vCPU, exit reason, guest\n"
	"RIP and the exit decoded (port I/O: direction, port, size, value).\n"
	"Filters (all must match):\n"
	"  --vm N          exits of VM N\n"
	"  --vcpu N        exits of vCPU N\n"
	"  --reason NAME   exits of this reason (IO_INSTRUCTION, HLT, ...)\n"
	"  --from I        exits with index I or more\n"
	"  --to I          exits with index I or less\n"
	"stats prints the number of exits by reason and the totals.\n"
	"Exit status: 0, 2 bad arguments, 3 corrupt trace (with the offset).\n";

struct filters {
	long vm, vcpu;
	const char *reason;
	uint64_t from, to;
};

static void decode(char *buf, size_t n, const struct sv_exit *x)
{
	switch (x->reason) {
	case SV_EXIT_IO_INSTRUCTION: {
		struct sv_io_qual q = sv_io_qual_decode(x->qualification);

		if (q.in)
			snprintf(buf, n, "in   port 0x%04x size %u%s", q.port,
				 q.size, q.rep ? " rep" : "");
		else
			snprintf(buf, n, "out  port 0x%04x size %u value 0x%" PRIx64
				 "%s", q.port, q.size, x->io_data,
				 q.rep ? " rep" : "");
		break;
	}
	case SV_EXIT_EPT_VIOLATION:
		if (x->qualification & SV_EPT_QUAL_WRITE)
			snprintf(buf, n, "write gpa 0x%" PRIx64 " size %u value 0x%"
				 PRIx64, x->guest_physical.v, x->access_size,
				 x->io_data);
		else
			snprintf(buf, n, "read  gpa 0x%" PRIx64 " size %u",
				 x->guest_physical.v, x->access_size);
		break;
	default:
		snprintf(buf, n, "qualification 0x%" PRIx64 "%s", x->qualification,
			 x->reason_flags & SV_EXIT_FLAG_ENTRY_FAIL ?
				" (VM-entry failure)" : "");
		break;
	}
}

static bool selected(const struct filters *f, const struct sv_trace_record *rec,
		     const struct sv_exit *x, uint64_t index)
{
	return (f->vm < 0 || rec->vm == f->vm) &&
	       (f->vcpu < 0 || rec->vcpu == f->vcpu) &&
	       (!f->reason || !strcmp(f->reason, sv_exit_reason_name(x->reason))) &&
	       index >= f->from && index <= f->to;
}

static bool parse_num(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return *s && !*end && !errno && *s != '-';
}

int trace_main(int argc, char **argv)
{
	struct filters f = { -1, -1, NULL, 0, UINT64_MAX };
	static uint64_t counts[SV_EXIT_REASON_MAX + 1];
	struct sv_trace_reader r;
	struct sv_trace_record rec;
	uint64_t index = 0, records = 0, t_first = 0, t_last = 0, v;
	bool dump, have_time = false;
	const char *path;
	uint8_t *buf;
	size_t len;
	int i, got, status = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") ||
	    (strcmp(argv[1], "dump") && strcmp(argv[1], "stats"))) {
		bool help = argc >= 2 && !strcmp(argv[1], "--help");

		fputs(trace_usage, help ? stdout : stderr);
		return help ? 0 : STATUS_USAGE;
	}
	dump = !strcmp(argv[1], "dump");
	/* dump takes OPTION VALUE pairs before FILE; stats takes none */
	if (argc < 3 || (argc - 3) % 2 != 0 || (!dump && argc != 3)) {
		fputs(trace_usage, stderr);
		return STATUS_USAGE;
	}
	for (i = 2; i < argc - 1; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (!strcmp(opt, "--reason"))
			f.reason = val;
		else if (!strcmp(opt, "--vm") && parse_num(val, &v))
			f.vm = (long)v;
		else if (!strcmp(opt, "--vcpu") && parse_num(val, &v))
			f.vcpu = (long)v;
		else if (!strcmp(opt, "--from") && parse_num(val, &v))
			f.from = v;
		else if (!strcmp(opt, "--to") && parse_num(val, &v))
			f.to = v;
		else {
			fprintf(stderr, "smartvm trace: bad option '%s %s'\n",
				opt, val);
			return STATUS_USAGE;
		}
	}
	path = argv[argc - 1];
	buf = cli_read_file(path, TRACE_MAX_BYTES, &len);
	if (!buf)
		return STATUS_USAGE;
	if (sv_trace_reader_open(&r, buf, len)) {
		fprintf(stderr, "smartvm: %s: corrupt trace at byte %llu: %s\n",
			path, (unsigned long long)r.err_offset, r.err);
		free(buf);
		return STATUS_CORRUPT;
	}
	while ((got = sv_trace_reader_next(&r, &rec)) > 0) {
		struct sv_trace_dec d;
		struct sv_exit x;
		char what[96];

		records++;
		if (rec.type == SV_TR_TIME && rec.len == 8) {
			sv_tdec_init(&d, rec.payload, rec.len);
			t_last = sv_tdec_u64(&d);
			if (!have_time)
				t_first = t_last;
			have_time = true;
		}
		if (rec.type != SV_TR_OP_RUN)
			continue;
		sv_tdec_init(&d, rec.payload, rec.len);
		(void)sv_tdec_u32(&d);	/* ret */
		sv_tdec_exit(&d, &x);
		counts[SV_MIN(x.reason, SV_EXIT_REASON_MAX)]++;
		if (dump && selected(&f, &rec, &x, index)) {
			decode(what, sizeof(what), &x);
			printf("%8" PRIu64 " vm%u vcpu%u %-22s rip 0x%08" PRIx64
			       "  %s\n", index, rec.vm, rec.vcpu,
			       sv_exit_reason_name(x.reason), x.rip, what);
		}
		index++;
	}
	if (got < 0) {
		fflush(stdout);
		fprintf(stderr, "smartvm: %s: corrupt trace at byte %llu: %s\n",
			path, (unsigned long long)r.err_offset, r.err);
		status = STATUS_CORRUPT;
	}
	if (!dump) {
		printf("%-24s %12s %7s\n", "exit reason", "exits", "share");
		for (unsigned k = 0; k <= SV_EXIT_REASON_MAX; k++)
			if (counts[k])
				printf("%-24s %12" PRIu64 " %6.2f%%\n",
				       k < SV_EXIT_REASON_MAX ?
					sv_exit_reason_name(k) : "(out of range)",
				       counts[k], 100.0 * (double)counts[k] /
				       (double)index);
		printf("total: %" PRIu64 " exits, %" PRIu64 " records, %zu bytes, "
		       "producer %.8s", index, records, len, r.header.producer);
		if (have_time)
			printf(", %.3f ms of guest time",
			       (double)(t_last - t_first) / 1e6);
		printf("\n");
	}
	free(buf);
	return status;
}
