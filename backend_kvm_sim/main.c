/*
 * smartvm: the Linux host's command-line program.
 *
 *   smartvm run CONFIG    run a VM through the KVM API (run_main)
 *
 * Record/replay commands (`replay`, `trace`) arrive with issue 5. This file
 * is host glue only: reading files, guest RAM from mmap, the serial sink,
 * exit statuses; the machine itself is built by osk/machine.c.
 */
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

#include "kvm_backend.h"
#include "sv/errno.h"
#include "sv/host.h"
#include "sv/machine.h"
#include "sv/vmconfig.h"
#include "sv_version.h"

/* Exit statuses of smartvm itself; a guest's debug-exit status is odd. */
enum {
	STATUS_USAGE = 2,	/* bad arguments, config or image: no VM ran */
	STATUS_VM_FAILED = 4,	/* the VM failed: triple fault, bad exit, ... */
	STATUS_NO_KVM = 6,	/* /dev/kvm unusable */
};

#define CONFIG_MAX_BYTES (64u << 10)
#define IMAGE_MAX_BYTES  (64u << 20)

static const char usage[] =
	"usage: smartvm [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"Smart-VM, a lightweight virtual machine monitor. This Linux program runs\n"
	"the same portable core as the bare-metal kernel (build/smartvm.iso).\n"
	"\n"
	"commands:\n"
	"  run CONFIG      run the VM described by CONFIG through the KVM API\n"
	"                  (smartvm run --help for details)\n"
	"  replay FILE     replay a recorded exit trace       (not built yet)\n"
	"  trace dump|stats FILE                              (not built yet)\n"
	"\n"
	"options:\n"
	"  --version   print the version and exit\n"
	"  --help      print this help and exit\n";

static const char run_usage[] =
	"usage: smartvm run CONFIG\n"
	"\n"
	"Runs the VM that the configuration file CONFIG describes (format:\n"
	"docs/vm-config.md) to completion, through /dev/kvm. The guest gets a PC's\n"
	"legacy devices: 8259A PIC pair, 8254 PIT, 16550A UART as COM1 (0x3f8,\n"
	"IRQ 4), CMOS/RTC, fw_cfg (0x510), the debug-exit port (0xf4) and the POST\n"
	"port (0x80). COM1 goes where the config's `serial` key says.\n"
	"\n"
	"Exit status:\n"
	"  odd N    the guest wrote v to port 0xf4: N = ((v << 1) | 1) & 0xff,\n"
	"           as QEMU's isa-debug-exit\n"
	"  2        bad arguments, configuration or guest image: no VM ran\n"
	"  4        the VM failed (triple fault, unexpected exit, ...): the\n"
	"           reason and the guest's state are printed on stderr\n"
	"  6        /dev/kvm cannot be used\n";

/* Read a whole file of at most max bytes; NULL with a message on error. */
static void *read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "smartvm: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "smartvm: %s: not a regular file\n", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		fprintf(stderr, "smartvm: %s: %lld bytes, more than the %zu "
			"allowed\n", path, (long long)st.st_size, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		fprintf(stderr, "smartvm: %s: short read\n", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	((char *)buf)[n] = '\0';
	*len = (size_t)n;
out:
	close(fd);
	return buf;
}

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

static void serial_to_file(void *ctx, uint8_t byte)
{
	FILE *f = ctx;

	putc(byte, f);
	if (byte == '\n')
		fflush(f);
}

static void sink_stderr(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stderr);
}

struct run_ctx {
	struct sv_vmconfig cfg;
	char *config_text;
	void *image;
	size_t image_len;
	void *ram;
	FILE *serial;
};

static int run_prepare(struct run_ctx *rc, const char *config_path)
{
	char err[512], path[PATH_MAX];
	size_t len;

	rc->config_text = read_file(config_path, CONFIG_MAX_BYTES, &len);
	if (!rc->config_text)
		return -1;
	if (vmconfig_parse(rc->config_text, len, config_path, &rc->cfg, err,
			   sizeof(err))) {
		fprintf(stderr, "smartvm: %s\n", err);
		return -1;
	}
	if (resolve(config_path, rc->cfg.image, path, sizeof(path))) {
		fprintf(stderr, "smartvm: %s: image path too long\n", config_path);
		return -1;
	}
	rc->image = read_file(path, IMAGE_MAX_BYTES, &rc->image_len);
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

static void serial_discard(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
}

static int run_main(int argc, char **argv)
{
	static struct sv_machine m;	/* large: the load plan lives in it */
	struct run_ctx rc = { 0 };
	struct sv_machine_params p;
	char err[512];
	int status;

	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") ||
					  !strcmp(argv[1], "-h"));

		fputs(run_usage, help ? stdout : stderr);
		return help ? 0 : STATUS_USAGE;
	}
	if (run_prepare(&rc, argv[1])) {
		run_cleanup(&rc);
		return STATUS_USAGE;
	}
	p = (struct sv_machine_params){
		.cfg = &rc.cfg, .ops = &kvm_backend_ops, .ram = rc.ram,
		.image = rc.image, .image_len = rc.image_len,
		.serial_out = rc.serial ? serial_to_file : serial_discard,
		.serial_ctx = rc.serial, .wallclock_ns = host_realtime_ns(),
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
	if (machine_create(&m, &p, err, sizeof(err))) {
		fprintf(stderr, "smartvm: %s: %s\n", argv[1], err);
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
		vcpu_dump(m.vcpu, sink_stderr, NULL);
		status = STATUS_VM_FAILED;
	}
	if (rc.serial)
		fflush(rc.serial);
	machine_destroy(&m);
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
	if (!strcmp(argv[1], "replay") || !strcmp(argv[1], "trace")) {
		fprintf(stderr, "smartvm: '%s' is not built yet in this version\n",
			argv[1]);
		return STATUS_USAGE;
	}
	fprintf(stderr, "smartvm: unknown command '%s' (see smartvm --help)\n",
		argv[1]);
	return STATUS_USAGE;
}
