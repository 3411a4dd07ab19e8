/*
 * smartvm: the Linux host's command-line program.
 *
 *   smartvm run [--record FILE] CONFIG   run a VM through the KVM API
 *   smartvm replay FILE                  replay a recorded trace (replay.c)
 *   smartvm trace dump|stats FILE        inspect a trace (trace.c)
 *
 * This file is host glue only: reading files, guest RAM from mmap, the
 * serial sink, the trace file, exit statuses; the machine itself is built
 * by osk/machine.c, the recording by vmm/record.c.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "kvm_backend.h"
#include "sv/errno.h"
#include "sv/host.h"
#include "sv/machine.h"
#include "sv/record.h"
#include "sv/vmrecord.h"
#include "sv/trace.h"
#include "sv/vmconfig.h"
#include "sv_version.h"

#define CONFIG_MAX_BYTES (64u << 10)
#define IMAGE_MAX_BYTES  (64u << 20)

static const char usage[] =
	"usage: smartvm [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"Smart-VM, a lightweight virtual machine monitor. This Linux program runs\n"
	"the same portable core as the bare-metal kernel (build/smartvm.iso).\n"
	"\n"
	"commands:\n"
	"  run [--record FILE] CONFIG\n"
	"                  run the VM described by CONFIG through the KVM API,\n"
	"                  recording its exit trace to FILE if asked\n"
	"  replay FILE     replay a recorded trace: same output, same digest?\n"
	"  trace dump|stats FILE\n"
	"                  list a trace's exits, or count them by reason\n"
	"  console [--disk IMAGE]\n"
	"                  the command console, over stdin and stdout, on a\n"
	"                  file tree in memory or on the svfs image IMAGE\n"
	"Each command takes --help.\n"
	"\n"
	"options:\n"
	"  --version   print the version and exit\n"
	"  --help      print this help and exit\n";

static const char run_usage[] =
	"usage: smartvm run [--record FILE] CONFIG\n"
	"\n"
	"Runs the VM that the configuration file CONFIG describes (format:\n"
	"docs/vm-config.md) to completion, through /dev/kvm. The guest gets a PC's\n"
	"legacy devices: 8259A PIC pair, 8254 PIT, 16550A UART as COM1 (0x3f8,\n"
	"IRQ 4), CMOS/RTC, fw_cfg (0x510), the debug-exit port (0xf4) and the POST\n"
	"port (0x80). COM1 goes where the config's `serial` key says.\n"
	"\n"
	"  --record FILE  log every exit, result and effect to the trace FILE\n"
	"                 (docs/trace-format.md), with the config and image, so\n"
	"                 `smartvm replay FILE` reproduces the run on any machine\n"
	"\n"
	"Exit status:\n"
	"  odd N    the guest wrote v to port 0xf4: N = ((v << 1) | 1) & 0xff,\n"
	"           as QEMU's isa-debug-exit\n"
	"  2        bad arguments, configuration or guest image: no VM ran\n"
	"  4        the VM failed (triple fault, unexpected exit, ...): the\n"
	"           reason and the guest's state are printed on stderr\n"
	"  6        /dev/kvm cannot be used\n";

/* path as written in the config, relative to the config file's folder. */
static int resolve(const char *config_path, const char *path, char *out,
		   size_t outlen)
{
	char dir[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(out, outlen, "%s", path);
	else {
		snprintf(dir, sizeof(dir), "%s", config_path);
		n = snprintf(out, outlen, "%s/%s", dirname(dir), path);
	}
	return n < 0 || (size_t)n >= outlen ? -SV_ENAMETOOLONG : 0;
}

struct run_ctx {
	struct sv_vmconfig cfg;
	char *config_text;
	size_t config_len;
	void *image;
	size_t image_len;
	void *ram;
	FILE *serial;
};

static int run_prepare(struct run_ctx *rc, const char *config_path)
{
	char err[512], path[PATH_MAX];
	size_t len;

	rc->config_text = cli_read_file(config_path, CONFIG_MAX_BYTES, &len);
	if (!rc->config_text)
		return -1;
	rc->config_len = len;
	if (vmconfig_parse(rc->config_text, len, config_path, &rc->cfg, err,
			   sizeof(err))) {
		fprintf(stderr, "smartvm: %s\n", err);
		return -1;
	}
	if (resolve(config_path, rc->cfg.image, path, sizeof(path))) {
		fprintf(stderr, "smartvm: %s: image path too long\n", config_path);
		return -1;
	}
	rc->image = cli_read_file(path, IMAGE_MAX_BYTES, &rc->image_len);
	if (!rc->image)
		return -1;
	switch (rc->cfg.serial) {
	case SV_SERIAL_STDIO:
		rc->serial = stdout;
		break;
	case SV_SERIAL_FILE:
		if (resolve(config_path, rc->cfg.serial_path, path, sizeof(path)) ||
		    !(rc->serial = fopen(path, "we"))) {
			fprintf(stderr, "smartvm: serial file %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		break;
	case SV_SERIAL_NONE:
		rc->serial = NULL;
		break;
	}
	rc->ram = mmap(NULL, rc->cfg.memory, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rc->ram == MAP_FAILED) {
		rc->ram = NULL;
		fprintf(stderr, "smartvm: cannot allocate %llu bytes of guest "
			"RAM: %s\n", (unsigned long long)rc->cfg.memory,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void run_cleanup(struct run_ctx *rc)
{
	if (rc->ram)
		munmap(rc->ram, rc->cfg.memory);
	if (rc->serial && rc->serial != stdout)
		fclose(rc->serial);
	free(rc->image);
	free(rc->config_text);
}

struct recording {
	FILE *f;
	const char *path;
	struct vmrecord r;
};

#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_80000001_ECX_SVM	(1u << 2)

/* What the recording CPU offers, for the trace header (SV_TRACE_CPU_*). */
static uint64_t host_cpu_features(void)
{
	unsigned a, b, c, d;
	uint64_t f = 0;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & CPUID_1_ECX_VMX))
		f |= SV_TRACE_CPU_VMX;
	if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & CPUID_80000001_ECX_SVM))
		f |= SV_TRACE_CPU_SVM;
	return f;
}

static void trace_to_file(void *ctx, const void *buf, size_t len)
{
	fwrite(buf, 1, len, ctx);
}

/* Open the trace and write its prologue (sv/vmrecord.h). */
static int record_begin(struct recording *r, const struct run_ctx *rc,
			uint64_t wallclock)
{
	const struct vmrecord_source src = {
		.producer = "kvm", .cpu_features = host_cpu_features(),
		.config = rc->config_text, .config_len = rc->config_len,
		.image = rc->image, .image_len = rc->image_len,
		.wallclock_ns = wallclock,
	};

	r->f = fopen(r->path, "wbe");
	if (!r->f) {
		fprintf(stderr, "smartvm: %s: %s\n", r->path, strerror(errno));
		return -1;
	}
	vmrecord_begin(&r->r, trace_to_file, r->f, &src, &kvm_backend_ops,
		       NULL);
	return 0;
}

/* VM_END and END, after the machine is gone; reports write errors. */
static int record_end(struct recording *r, const struct sv_vm *vm,
		      uint64_t digest)
{
	int err;

	vmrecord_vm_end(&r->r, vm, digest);
	err = vmrecord_end(&r->r, digest);
	if (ferror(r->f) | fclose(r->f) || err) {
		fprintf(stderr, "smartvm: %s: could not write the trace%s%s\n",
			r->path, err ? ": " : "", err ? sv_strerror(err) : "");
		return -1;
	}
	fprintf(stderr, "smartvm: trace %s: %llu exits, digest %016llx\n",
		r->path, (unsigned long long)r->r.w.exits,
		(unsigned long long)digest);
	return 0;
}

static int run_main(int argc, char **argv)
{
	static struct sv_machine m;	/* large: the load plan lives in it */
	static struct recording recording;
	struct recording *rec = NULL;
	struct run_ctx rc = { 0 };
	struct sv_machine_params p;
	const char *config;
	uint64_t wallclock = host_realtime_ns(), digest = 0;
	char err[512];
	int status;

	if (argc == 4 && !strcmp(argv[1], "--record")) {
		rec = &recording;
		rec->path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") ||
					  !strcmp(argv[1], "-h"));

		fputs(run_usage, help ? stdout : stderr);
		return help ? 0 : STATUS_USAGE;
	}
	config = argv[1];
	if (run_prepare(&rc, config)) {
		run_cleanup(&rc);
		return STATUS_USAGE;
	}
	p = (struct sv_machine_params){
		.cfg = &rc.cfg, .ops = &kvm_backend_ops, .ram = rc.ram,
		.image = rc.image, .image_len = rc.image_len,
		.serial_out = rc.serial ? cli_serial_to_file : cli_serial_discard,
		.serial_ctx = rc.serial, .wallclock_ns = wallclock,
	};
	/* config and image are checked before KVM is even looked at */
	if (machine_plan(&m, &p, err, sizeof(err))) {
		fprintf(stderr, "smartvm: %s: %s\n", rc.cfg.image, err);
		run_cleanup(&rc);
		return STATUS_USAGE;
	}
	if (!kvm_available(err, sizeof(err))) {
		fprintf(stderr, "smartvm: KVM is not usable: %s\n", err);
		run_cleanup(&rc);
		return STATUS_NO_KVM;
	}
	if (rec) {
		if (record_begin(rec, &rc, wallclock)) {
			run_cleanup(&rc);
			return STATUS_USAGE;
		}
		p.ops = &sv_record_ops;
		p.backend_inst = &rec->r.rec;
		p.clock = sv_recorder_clock;
		p.clock_ctx = &rec->r.rec;
		p.clock_realtime = true;
	}
	if (machine_create(&m, &p, err, sizeof(err))) {
		fprintf(stderr, "smartvm: %s: %s\n", config, err);
		if (rec)
			fclose(rec->f);
		run_cleanup(&rc);
		return STATUS_VM_FAILED;
	}
	if (vm_run(&m.vm) == 0) {
		status = m.vm.exit_status & 0xff;
	} else {
		if (rc.serial)
			fflush(rc.serial);
		fprintf(stderr, "smartvm: VM '%s' failed: %s\n", m.vm.name,
			m.vm.stop_reason);
		vcpu_dump(m.vcpu, cli_sink_stderr, NULL);
		status = STATUS_VM_FAILED;
	}
	if (rc.serial)
		fflush(rc.serial);
	if (rec)	/* the state as the VM ended, before teardown */
		digest = vmrecord_digest(&rec->r, machine_devices_digest(&m));
	machine_destroy(&m);
	if (rec && record_end(rec, &m.vm, digest) &&
	    status != STATUS_VM_FAILED)
		status = STATUS_USAGE;
	run_cleanup(&rc);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return STATUS_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("smartvm %s\n", SV_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return replay_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "trace"))
		return trace_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "console"))
		return console_main(argc - 1, argv + 1);
	fprintf(stderr, "smartvm: unknown command '%s' (see smartvm --help)\n",
		argv[1]);
	return STATUS_USAGE;
}
