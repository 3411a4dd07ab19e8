/*
 * Helpers shared by the smartvm subcommands (main.c, replay.c, trace.c):
 * whole-file reading, the serial sinks, exit statuses.
 */
#ifndef SV_CLI_H
#define SV_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of smartvm itself; a guest's debug-exit status is odd. */
enum {
	STATUS_USAGE = 2,	/* bad arguments, config or image: no VM ran */
	STATUS_VM_FAILED = 4,	/* the VM failed: triple fault, bad exit, ... */
	STATUS_NO_KVM = 6,	/* /dev/kvm unusable */
	STATUS_DIVERGED = 1,	/* replay: the run differs from the recording */
	STATUS_CORRUPT = 3,	/* replay, trace: the trace file is bad */
};

/* Read a whole file of at most max bytes (NUL-terminated in memory); NULL
 * with a message on stderr on error. */
void *cli_read_file(const char *path, size_t max, size_t *len);

/* COM1 output to a FILE (flushed at each newline), or nowhere. */
void cli_serial_to_file(void *ctx, uint8_t byte);
void cli_serial_discard(void *ctx, uint8_t byte);
/* sv_sink_fn to stderr. */
void cli_sink_stderr(void *ctx, const char *buf, size_t len);

int replay_main(int argc, char **argv);
int trace_main(int argc, char **argv);
int console_main(int argc, char **argv);

#endif
