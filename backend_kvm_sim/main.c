/*
 * smartvm: the Linux host's command-line program. For now it reports its
 * version and usage; `run`, `replay` and `trace` arrive with the Linux-host
 * and record/replay work (issues 4 and 5).
 */
#include <stdio.h>
#include <string.h>

#include "sv_version.h"

static const char usage[] =
	"usage: smartvm [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"Smart-VM, a lightweight virtual machine monitor. This Linux program runs\n"
	"the same portable core as the bare-metal kernel (build/smartvm.iso).\n"
	"\n"
	"options:\n"
	"  --version   print the version and exit\n"
	"  --help      print this help and exit\n"
	"\n"
	"commands (not built yet; each says so when called):\n"
	"  run CONFIG      run a VM through the KVM API\n"
	"  replay FILE     replay a recorded exit trace\n"
	"  trace dump|stats FILE\n"
	"                  inspect a recorded exit trace\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("smartvm %s\n", SV_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "replay") ||
	    !strcmp(argv[1], "trace")) {
		fprintf(stderr, "smartvm: '%s' is not built yet in this version\n",
			argv[1]);
		return 2;
	}
	fprintf(stderr, "smartvm: unknown command '%s' (see smartvm --help)\n",
		argv[1]);
	return 2;
}
