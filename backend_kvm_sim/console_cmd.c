/*
 * smartvm console: the command console (console/) on Linux.
 *
 *   smartvm console [--disk IMAGE]
 *
 * The same console code as on bare metal, fed from stdin: byte by byte in
 * raw mode when stdin is a terminal (the console does its own echo and
 * editing), or a line at a time from a pipe or file, so a script of
 * commands can be run. Output goes to stdout.
 *
 * The file tree is a ramfs root with the standard layout (/etc/vm, /vm,
 * /var/log, /dev), gone when the console leaves; or, with --disk, the svfs
 * image IMAGE (made by mkfs.svfs) mounted as the root, with the layout's
 * directories created in it where missing. Nothing is mounted at /dev on
 * a disk: Linux has no devfs for the console, and the image is left free
 * of an empty /dev the bare-metal kernel would cover with its devfs.
 * Leaving commits the image (svfs_sync, then svfs_unmount), so what the
 * console changed is there for svfs-cp, fsck.svfs or the next session.
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
#include "sv/svfs.h"
#include "sv/vfs.h"
#include "svfs_image.h"

#define KEY_CTRL_D 0x04

static const char console_usage[] =
	"usage: smartvm console [--disk IMAGE]\n"
	"\n"
	"The Smart-VM command console (docs/console.md) on Linux, over a file\n"
	"tree in memory (/etc/vm, /vm, /var/log, /dev) or, with --disk, on an\n"
	"svfs image. Commands come from stdin: typed at a terminal (line\n"
	"editing, history with the arrow keys, Ctrl-C drops the line) or one per\n"
	"line from a pipe. `help` lists them; `halt`, Ctrl-D on an empty line or\n"
	"the end of input leave.\n"
	"\n"
	"  --disk IMAGE  work on the svfs image IMAGE (mkfs.svfs makes one),\n"
	"                mounted at /; /etc/vm, /vm and /var/log are created in\n"
	"                it if missing, nothing is at /dev. Changes are committed\n"
	"                to IMAGE when the console leaves.\n"
	"\n"
	"Exit status: 0 done; 1 the image could not be committed on leaving;\n"
	"2 bad arguments, or IMAGE cannot be opened or is not a sound svfs\n"
	"image (fsck.svfs checks and repairs one).\n";

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

/* The standard layout, where missing; /dev (the last one) only in memory. */
static int make_layout(struct sv_vfs *vfs, bool with_dev)
{
	static const char *const dirs[] = { "/etc", "/etc/vm", "/vm", "/var",
					    "/var/log", "/dev" };
	size_t i, n = sizeof(dirs) / sizeof(dirs[0]) - (with_dev ? 0 : 1);
	int err;

	for (i = 0; i < n; i++) {
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

/* The root: the svfs image at disk, or a ramfs when disk is NULL. */
struct con_root {
	const char *disk;
	struct ramfs ram;
	struct svfs svfs;
	struct svfs_image img;
};

static int root_mount(struct con_root *r, struct sv_vfs *vfs,
		      const struct sv_fs_alloc *alloc)
{
	struct sv_fs *fs;
	int err;

	vfs_init(vfs);
	if (!r->disk) {
		err = ramfs_init(&r->ram, alloc);
		if (err) {
			fprintf(stderr, "smartvm console: cannot set up the "
				"file tree: %s\n", sv_strerror(err));
			return err;
		}
		fs = &r->ram.fs;
	} else {
		/* svfs_image_open prints its own reason (the host's errno) */
		if (svfs_image_open(&r->img, r->disk, true))
			return -SV_EIO;
		err = svfs_mount(&r->svfs, &r->img.io, &svfs_image_alloc);
		if (err) {
			fprintf(stderr, "smartvm console: %s: cannot mount: %s "
				"(is it an svfs image? fsck.svfs checks it)\n",
				r->disk, sv_strerror(err));
			svfs_image_close(&r->img);
			return err;
		}
		fs = &r->svfs.fs;
	}
	err = vfs_mount(vfs, "/", 1, fs);
	if (!err) {
		err = make_layout(vfs, !r->disk);
		/* nothing is open yet, so unmounting the root cannot fail */
		if (err && vfs_unmount(vfs, "/", 1))
			return err;
	}
	if (err) {
		fprintf(stderr, "smartvm console: cannot set up the file tree: "
			"%s\n", sv_strerror(err));
		if (r->disk) {
			/* commit what was created; the error stands */
			if (svfs_unmount(&r->svfs))
				fprintf(stderr, "smartvm console: %s: cannot "
					"commit the image\n", r->disk);
			svfs_image_close(&r->img);
		} else {
			ramfs_destroy(&r->ram);
		}
	}
	return err;
}

/* Unmount the root; a disk is committed first. 0, or -SV_EIO when the
 * image could not be written (said on stderr). */
static int root_unmount(struct con_root *r, struct sv_vfs *vfs)
{
	int err = vfs_unmount(vfs, "/", 1), uerr;

	if (!r->disk) {
		if (!err)
			ramfs_destroy(&r->ram);
		return 0;
	}
	if (err) {	/* cannot happen once the console closed its files */
		fprintf(stderr, "smartvm console: %s: still in use: %s\n",
			r->disk, sv_strerror(err));
		return err;
	}
	/* svfs_unmount frees the file system even when its commit fails;
	 * the first error is the one to report */
	err = svfs_sync(&r->svfs);
	uerr = svfs_unmount(&r->svfs);
	if (!err)
		err = uerr;
	svfs_image_close(&r->img);
	if (err)
		fprintf(stderr, "smartvm console: %s: cannot commit the "
			"changes: %s\n", r->disk, sv_strerror(err));
	return err;
}

int console_main(int argc, char **argv)
{
	static struct console con;	/* large: history and buffers */
	static struct sv_vfs vfs;
	static struct con_root root;
	struct sv_fs_alloc alloc = { host_alloc, host_free, NULL };
	struct con_host h = { .quit = false };
	struct console_host host = {
		.write = out_stdout, .ctx = &h, .halt = host_halt,
	};

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(console_usage, stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--disk"))
		root.disk = argv[2];
	else if (argc != 1) {
		fputs(console_usage, stderr);
		return STATUS_USAGE;
	}
	if (root_mount(&root, &vfs, &alloc))
		return STATUS_USAGE;
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
	return root_unmount(&root, &vfs) ? 1 : 0;
}
