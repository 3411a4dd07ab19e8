/*
 * The command console: a line editor fed one byte at a time, a command
 * parser and the commands (help, ls, cat, cp, mv, rm, mkdir, rmdir, df,
 * log, mem, ps, vm ..., halt, reboot), the same code on bare metal (COM1,
 * VGA + PS/2 keyboard) and on Linux (`smartvm console`).
 *
 * The console owns no memory beyond struct console, which the caller
 * provides: the edit line, the history ring, a descriptor table for the
 * VFS and the scratch buffers the commands use. It writes through one
 * output sink (sv_sink_fn) and reaches the rest of the system through
 * struct console_host, whose optional members the host fills in when it
 * has the service: memory and task statistics, a VM manager, halt and
 * reboot. A command whose service is absent says so plainly and fails.
 *
 * Output uses "\n" for a new line; a sink that drives a raw terminal or a
 * serial line adds the "\r" itself.
 *
 * Not thread-safe: one caller feeds one console.
 */
#ifndef SV_CONSOLE_H
#define SV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/format.h"
#include "sv/kmem.h"
#include "sv/task.h"
#include "sv/vfs.h"

#define CONSOLE_LINE_MAX	256	/* bytes in an edit line, NUL excluded */
#define CONSOLE_HISTORY		16	/* past lines kept */
#define CONSOLE_ARGS_MAX	16	/* words in one command */
#define CONSOLE_PROMPT		"smartvm> "
#define CONSOLE_LOG_PATH	"/var/log/smartvm.log"

/* The byte that leaves `vm console NAME` (Ctrl-], as telnet). */
#define CONSOLE_DETACH_BYTE	0x1d

/* One task as `ps` shows it (filled by the host's ps provider). */
struct console_task_info {
	uint32_t id;
	char name[SV_TASK_NAME_MAX];
	enum sv_task_state state;
	uint32_t weight;
	uint64_t runtime_ns;		/* processor time received */
	uint64_t nr_runs;
};

struct console;

/*
 * The VM manager as the console sees it. Every member is required once the
 * table is given; output goes through console_printf(con, ...). Each
 * returns 0 or a negative SV_E* code; the console reports the error as
 * "vm SUB NAME: cause".
 *
 *  attach     connect the console to VM name's serial port: from then on
 *             the console hands every input byte to serial_in until the
 *             user types CONSOLE_DETACH_BYTE, then calls detach. The VM
 *             manager prints the guest's output as it comes, raw (in
 *             attached mode console_async_write writes it straight
 *             through). If the VM ends first, the host calls
 *             console_vm_ended instead, and detach is not called.
 */
struct console_vm_ops {
	int (*list)(void *ctx, struct console *con);
	int (*create)(void *ctx, struct console *con, const char *name);
	int (*start)(void *ctx, struct console *con, const char *name);
	int (*stop)(void *ctx, struct console *con, const char *name);
	int (*pause)(void *ctx, struct console *con, const char *name);
	int (*resume)(void *ctx, struct console *con, const char *name);
	int (*info)(void *ctx, struct console *con, const char *name);
	int (*remove)(void *ctx, struct console *con, const char *name);
	int (*attach)(void *ctx, struct console *con, const char *name);
	void (*serial_in)(void *ctx, uint8_t byte);
	void (*detach)(void *ctx);
};

/* What the host gives the console. Only write is required. */
struct console_host {
	sv_sink_fn write;		/* all output */
	void *ctx;			/* for every callback below */
	/* mem: the kernel allocator's statistics */
	int (*mem_stats)(void *ctx, struct kmem_stats *st);
	/* ps: up to max tasks into out, *count gets how many there are */
	int (*ps)(void *ctx, struct console_task_info *out, size_t max,
		  size_t *count);
	/* halt/reboot: return only if it could not be done (or, on Linux,
	 * to let console_main leave its loop) */
	int (*halt)(void *ctx);
	int (*reboot)(void *ctx);
	const struct console_vm_ops *vm;	/* NULL: no VMs in this console */
};

enum console_esc {
	CONSOLE_ESC_NONE,	/* ordinary input */
	CONSOLE_ESC_ESC,	/* after ESC */
	CONSOLE_ESC_CSI,	/* after ESC [ or ESC O, until the final byte */
};

struct console {
	struct console_host host;
	struct sv_vfs *vfs;
	struct sv_fdtable fds;		/* the console's open files */

	/* the line editor */
	char line[CONSOLE_LINE_MAX + 1];
	size_t len;
	enum console_esc esc;
	bool last_cr;			/* swallow the LF of a CR LF */
	char hist[CONSOLE_HISTORY][CONSOLE_LINE_MAX + 1];
	size_t hist_count;		/* lines held, up to CONSOLE_HISTORY */
	size_t hist_next;		/* slot the next line goes to */
	size_t hist_pos;		/* 0: editing; k: k-th latest line */
	char saved[CONSOLE_LINE_MAX + 1];	/* the edit line while browsing */

	bool attached;			/* `vm console` in progress */
	bool running;			/* a command runs: its output is its own */
	bool async_broke;		/* asynchronous output broke the prompt
					   line; console_redraw puts it back */
	int last_status;		/* of the last command */

	/* scratch for the commands (kept here, not on a kernel stack) */
	char words[CONSOLE_LINE_MAX + 1];
	char path[2][SV_PATH_MAX + 1];
	struct sv_dirent dirent;
	uint8_t buf[512];
	struct console_task_info tasks[32];
};

/*
 * Set up con over vfs (mounted by the caller; may be NULL, then the file
 * commands fail with a message). host->write must be set. Prints nothing:
 * console_start prints the banner prompt.
 */
void console_init(struct console *con, struct sv_vfs *vfs,
		  const struct console_host *host);
/* Close the console's descriptors (before the VFS goes away). */
void console_fini(struct console *con);

/* Print the prompt (once, when the user arrives). */
void console_start(struct console *con);

/*
 * Feed one input byte: edit the line, and on Enter run it and print the
 * next prompt. Any byte sequence is accepted; a line stops growing at
 * CONSOLE_LINE_MAX bytes (the terminal bell rings).
 */
void console_input(struct console *con, uint8_t byte);

/* Run one command line as if typed (no echo, no history); its status. */
int console_run(struct console *con, const char *line);

/* Bytes in the line being edited (hosts use it for Ctrl-D on an empty line). */
size_t console_line_len(const struct console *con);

/* Output through the host's sink. */
void console_write(struct console *con, const char *buf, size_t len);
/*
 * Output that no command asked for (a VM's serial lines, the VM manager's
 * news): it starts on a line of its own rather than after the prompt, and
 * console_redraw() (or the next key) puts the prompt and the line being
 * edited back below it. During a command it is written as it comes.
 */
void console_async_write(struct console *con, const char *buf, size_t len);
void console_redraw(struct console *con);

/*
 * The VM the console is attached to (`vm console`) has ended: leave
 * attached mode without calling the VM's detach, print "[detached: VM name
 * ended]" and the prompt. Nothing happens when the console is not attached.
 */
void console_vm_ended(struct console *con, const char *name);
int console_printf(struct console *con, const char *fmt, ...) SV_PRINTF(2, 3);

/*
 * Split line into at most max words: runs of non-blanks, "..." quoted
 * strings (blanks kept), backslash escapes of any byte (\" \\ \  and,
 * inside or outside quotes, \n \t). The words are NUL-terminated copies in
 * buf (size at least strlen(line) + 1); argv[i] points into it.
 * Returns the word count, or -SV_EINVAL (unterminated quote, trailing
 * backslash), -SV_E2BIG (more than max words), -SV_ENAMETOOLONG (buf too
 * small); *err (may be NULL) gets a short description on error.
 */
SV_MUST_CHECK int console_parse(const char *line, char *buf, size_t size,
				char **argv, int max, const char **err);

#endif /* SV_CONSOLE_H */
