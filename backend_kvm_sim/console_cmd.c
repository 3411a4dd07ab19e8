/*
 * smartvm console: the command console (console/) on Linux.
 *
 *   smartvm console [--disk IMAGE]
 *
 * The same console code as on bare metal, fed from stdin: byte by byte in
 * raw mode when stdin is a terminal (the console does its own echo and
 * editing), or a line at a time from a pipe or file, so a script of
 * commands can be run. Output goes to stdout. The file tree is a ramfs
 * root with the standard layout (/etc/vm, /vm, /var/log) until the on-disk
 * file system is built in; see --disk below.
 *
 * Leaves on `halt`, at end of input, or on Ctrl-D on an empty line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "sv/console.h"
#include "sv/errno.h"
#include "sv/ramfs.h"
#include "sv/vfs.h"

#define KEY_CTRL_D 0x04

static const char console_usage[] =
	"usage: smartvm console [--disk IMAGE]\n"
	"\n"
	"The Smart-VM command console (docs/console.md) on Linux, over a file\n"
	"tree in memory (/etc/vm, /vm, /var/log). Commands come from stdin: typed\n"
	"at a terminal (line editing, history with the arrow keys, Ctrl-C drops\n"
	"the line) or one per line from a pipe. `help` lists them; `halt`,\n"
	"Ctrl-D on an empty line or the end of input leave.\n"
	"\n"
	"  --disk IMAGE  work on a file system image (not available yet)\n";

struct con_host {
	bool quit;
};

static void *host_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void host_free(void *ctx, void *ptr, size_t size)
{
	free(ptr);
}

static void out_stdout(void *ctx, const char *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
}

static int host_halt(void *ctx)
{
	struct con_host *h = ctx;

	h->quit = true;
	return 0;
}

/* The standard layout on an empty root. */
static int make_layout(struct sv_vfs *vfs)
{
	static const char *const dirs[] = { "/etc", "/etc/vm", "/vm", "/var",
					    "/var/log", "/dev" };
	size_t i;
	int err;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		err = vfs_mkdir(vfs, dirs[i], strlen(dirs[i]));
		if (err && err != -SV_EEXIST)
			return err;
	}
	return 0;
}

static struct termios saved_tio;

static bool raw_mode_enter(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return false;
	t = saved_tio;
	/* no line discipline, echo or signals: the console does all three;
	 * output processing stays on, so "\n" still returns the carriage */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | IXON | INLCR | IGNCR);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
}

static void raw_mode_leave(void)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
}

static void run_tty(struct console *con, struct con_host *h)
{
	unsigned char byte;
	ssize_t n;

	while (!h->quit) {
		fflush(stdout);
		n = read(STDIN_FILENO, &byte, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (byte == KEY_CTRL_D && console_line_len(con) == 0)
			break;
		console_input(con, byte);
	}
	fputs("\n", stdout);
}

static void run_lines(struct console *con, struct con_host *h)
{
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;

	while (!h->quit && (n = getline(&line, &cap, stdin)) > 0) {
		for (i = 0; i < (size_t)n && !h->quit; i++)
			console_input(con, (uint8_t)line[i]);
		fflush(stdout);
	}
	if (!h->quit && console_line_len(con))	/* last line had no newline */
		console_input(con, '\n');
	if (!h->quit)
		fputs("\n", stdout);
	free(line);
}

int console_main(int argc, char **argv)
{
	static struct console con;	/* large: history and buffers */
	static struct sv_vfs vfs;
	static struct ramfs root;
	struct sv_fs_alloc alloc = { host_alloc, host_free, NULL };
	struct con_host h = { .quit = false };
	struct console_host host = {
		.write = out_stdout, .ctx = &h, .halt = host_halt,
	};
	const char *disk = NULL;
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(console_usage, stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--disk"))
		disk = argv[2];
	else if (argc != 1) {
		fputs(console_usage, stderr);
		return STATUS_USAGE;
	}
	if (disk) {
		/*
		 * --disk IMAGE: mount the on-disk file system from IMAGE at "/"
		 * here instead of the ramfs root, once fs/ has it (issue 7).
		 */
		fprintf(stderr, "smartvm console: --disk %s: the on-disk file "
			"system is not built in yet\n", disk);
		return STATUS_USAGE;
	}
	vfs_init(&vfs);
	err = ramfs_init(&root, &alloc);
	if (!err)
		err = vfs_mount(&vfs, "/", 1, &root.fs);
	if (!err)
		err = make_layout(&vfs);
	if (err) {
		fprintf(stderr, "smartvm console: cannot set up the file tree: "
			"%s\n", sv_strerror(err));
		return STATUS_USAGE;
	}
	console_init(&con, &vfs, &host);
	console_start(&con);
	if (raw_mode_enter()) {
		run_tty(&con, &h);
		raw_mode_leave();
	} else {
		run_lines(&con, &h);
	}
	fflush(stdout);
	console_fini(&con);
	if (vfs_unmount(&vfs, "/", 1) == 0)
		ramfs_destroy(&root);
	return 0;
}
