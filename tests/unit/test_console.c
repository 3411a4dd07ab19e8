/*
 * Tests of the command console (console/): the line editor fed byte by
 * byte, the parser, and each command's output and error messages on a
 * ramfs tree, with the output sink captured into a buffer.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "sv/console.h"
#include "sv/errno.h"
#include "sv/ramfs.h"
#include "sv/vfs.h"
#include "sv_test.h"

struct cfix {
	struct console con;
	struct sv_vfs vfs;
	struct ramfs rfs;
	char out[65536];
	size_t out_len;
	bool halted;
};

static void *c_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void c_free(void *ctx, void *p, size_t size)
{
	free(p);
}

static void c_sink(void *ctx, const char *buf, size_t len)
{
	struct cfix *f = ctx;
	size_t room = sizeof(f->out) - 1 - f->out_len;

	if (len > room) {	/* keep the tail: the latest output matters */
		f->out_len = 0;
		room = sizeof(f->out) - 1;
		if (len > room)
			len = room;
	}
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = '\0';
}

static int c_halt(void *ctx)
{
	((struct cfix *)ctx)->halted = true;
	return 0;
}

static struct cfix *fix_new(void)
{
	static const struct sv_fs_alloc alloc = { c_alloc, c_free, NULL };
	struct cfix *f = calloc(1, sizeof(*f));
	struct console_host host = { .write = c_sink, .ctx = f };

	vfs_init(&f->vfs);
	SV_CHECK_EQ_I64(ramfs_init(&f->rfs, &alloc), 0);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, "/", 1, &f->rfs.fs), 0);
	console_init(&f->con, &f->vfs, &host);
	return f;
}

static void fix_free(struct cfix *f)
{
	console_fini(&f->con);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, "/", 1), 0);
	ramfs_destroy(&f->rfs);
	free(f);
}

static void clear(struct cfix *f)
{
	f->out_len = 0;
	f->out[0] = '\0';
}

/* Run a command with fresh output; its status. */
static int run(struct cfix *f, const char *line)
{
	clear(f);
	return console_run(&f->con, line);
}

static void type(struct cfix *f, const char *s)
{
	while (*s)
		console_input(&f->con, (uint8_t)*s++);
}

static void write_file(struct cfix *f, const char *path, const char *text)
{
	int fd;
	size_t done;

	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->con.fds, path, strlen(path),
				 SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &fd), 0);
	SV_CHECK_EQ_I64(vfs_write(&f->con.fds, fd, text, strlen(text), &done), 0);
	SV_CHECK_EQ_I64(vfs_close(&f->con.fds, fd), 0);
}

#define CHECK_OUT(f, s) do { \
	if (!strstr((f)->out, (s))) \
		SV_TEST_FAIL_(__FILE__, __LINE__, "output lacks \"%s\":\n%.400s", \
			      (s), (f)->out); \
	} while (0)
#define CHECK_NOT_OUT(f, s) SV_CHECK(strstr((f)->out, (s)) == NULL)

/* ---- line editor ---- */

static void test_edit_backspace_enter(void)
{
	struct cfix *f = fix_new();

	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, "/abc", 4), 0);
	type(f, "ls /abX\b");
	console_input(&f->con, 0x7f);	/* DEL too */
	type(f, "bc");
	SV_CHECK_EQ_U64(console_line_len(&f->con), 7);
	SV_CHECK_EQ_I64(strcmp(f->con.line, "ls /abc"), 0);
	type(f, "\r\n");		/* CR LF is one Enter */
	SV_CHECK_EQ_I64(f->con.last_status, 0);
	SV_CHECK_EQ_U64(f->con.hist_count, 1);
	SV_CHECK_EQ_U64(console_line_len(&f->con), 0);
	CHECK_OUT(f, "\b \b");
	/* backspace on an empty line does nothing */
	clear(f);
	type(f, "\b\b");
	SV_CHECK_EQ_U64(f->out_len, 0);
	fix_free(f);
}

static void test_edit_ctrl_c_ctrl_u(void)
{
	struct cfix *f = fix_new();

	type(f, "rm /x");
	clear(f);
	console_input(&f->con, 0x03);
	CHECK_OUT(f, "^C\n" CONSOLE_PROMPT);
	SV_CHECK_EQ_U64(console_line_len(&f->con), 0);
	SV_CHECK_EQ_U64(f->con.hist_count, 0);	/* not run, not kept */
	type(f, "help");
	console_input(&f->con, 0x15);
	SV_CHECK_EQ_U64(console_line_len(&f->con), 0);
	type(f, "bogus\n");
	CHECK_OUT(f, "bogus: unknown command (try help)");
	SV_CHECK_EQ_I64(f->con.last_status, -SV_ENOENT);
	fix_free(f);
}

/* A VM's line while the user types: on its own line, then the prompt and
 * the half-typed line again; nothing is broken while a command runs. */
static void test_edit_async_output(void)
{
	struct cfix *f = fix_new();

	console_start(&f->con);
	type(f, "ls /e");
	clear(f);
	console_async_write(&f->con, "[vm] one\n", 9);
	console_async_write(&f->con, "[vm] two\n", 9);
	SV_CHECK_EQ_I64(strcmp(f->out, "\n[vm] one\n[vm] two\n"), 0);
	clear(f);
	console_redraw(&f->con);
	SV_CHECK_EQ_I64(strcmp(f->out, CONSOLE_PROMPT "ls /e"), 0);
	clear(f);
	console_redraw(&f->con);	/* nothing new: nothing drawn */
	SV_CHECK_EQ_U64(f->out_len, 0);
	/* the next key redraws first, then the line goes on as typed */
	console_async_write(&f->con, "[vm] three\n", 11);
	type(f, "tc");
	CHECK_OUT(f, "[vm] three\n" CONSOLE_PROMPT "ls /etc");
	SV_CHECK_EQ_I64(strcmp(f->con.line, "ls /etc"), 0);
	/* during a command its output and the VM's simply interleave */
	f->con.running = true;
	clear(f);
	console_async_write(&f->con, "x", 1);
	SV_CHECK_EQ_I64(strcmp(f->out, "x"), 0);
	f->con.running = false;
	fix_free(f);
}

static void test_edit_history(void)
{
	struct cfix *f = fix_new();

	type(f, "help ls\nhelp cat\nhelp cat\n");
	SV_CHECK_EQ_U64(f->con.hist_count, 2);	/* repeat kept once */
	type(f, "par");
	type(f, "\x1b[A");
	SV_CHECK_EQ_I64(strcmp(f->con.line, "help cat"), 0);
	type(f, "\x1bOA");	/* application-mode arrow */
	SV_CHECK_EQ_I64(strcmp(f->con.line, "help ls"), 0);
	clear(f);
	type(f, "\x1b[A");	/* oldest: bell, line kept */
	CHECK_OUT(f, "\a");
	SV_CHECK_EQ_I64(strcmp(f->con.line, "help ls"), 0);
	type(f, "\x1b[B\x1b[B");
	SV_CHECK_EQ_I64(strcmp(f->con.line, "par"), 0);	/* typed line back */
	type(f, "\x1b[1;5C");	/* other sequences are dropped whole */
	SV_CHECK_EQ_I64(strcmp(f->con.line, "par"), 0);
	console_input(&f->con, 0x15);
	type(f, "\x1b[A\n");
	CHECK_OUT(f, "usage: cat FILE");
	/* the ring keeps the last CONSOLE_HISTORY lines */
	for (int i = 0; i < CONSOLE_HISTORY + 5; i++) {
		char l[32];

		snprintf(l, sizeof(l), "help x%d\n", i);
		type(f, l);
	}
	SV_CHECK_EQ_U64(f->con.hist_count, CONSOLE_HISTORY);
	for (int i = 0; i < CONSOLE_HISTORY + 3; i++)
		type(f, "\x1b[A");
	SV_CHECK_EQ_I64(strcmp(f->con.line, "help x5"), 0);
	fix_free(f);
}

static void test_edit_long_line(void)
{
	struct cfix *f = fix_new();
	char big[CONSOLE_LINE_MAX * 3];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	type(f, big);
	SV_CHECK_EQ_U64(console_line_len(&f->con), CONSOLE_LINE_MAX);
	SV_CHECK_EQ_U64(strlen(f->con.line), CONSOLE_LINE_MAX);
	clear(f);
	type(f, "b");
	CHECK_OUT(f, "\a");
	type(f, "\n");
	CHECK_OUT(f, ": unknown command");
	fix_free(f);
}

static void test_edit_random_bytes(void)
{
	struct cfix *f = fix_new();
	uint32_t x = 12345;

	write_file(f, "/f", "data\n");
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t b = (uint8_t)(x >> 16);

		/* bias toward editing keys, printables and escapes */
		if ((x >> 8) % 4 == 0)
			b = "\x1b[AB\b\x7f\x03\x15\r\n ls/f\"\\"[(x >> 24) % 16];
		console_input(&f->con, b);
		SV_CHECK(console_line_len(&f->con) <= CONSOLE_LINE_MAX);
	}
	SV_CHECK(f->con.hist_count <= CONSOLE_HISTORY);
	fix_free(f);
}

/* ---- parser ---- */

static void test_parse_words_quotes_escapes(void)
{
	char buf[128], *argv[8];
	const char *why;
	int n;

	n = console_parse("  cp  \"a b\"\tc\\ d  \"\" e\\\"f \"x\\\"y\\\\\" \\n",
			  buf, sizeof(buf), argv, 8, &why);
	SV_CHECK_EQ_I64(n, 7);
	if (n == 7) {
		SV_CHECK_EQ_I64(strcmp(argv[0], "cp"), 0);
		SV_CHECK_EQ_I64(strcmp(argv[1], "a b"), 0);
		SV_CHECK_EQ_I64(strcmp(argv[2], "c d"), 0);
		SV_CHECK_EQ_I64(strcmp(argv[3], ""), 0);
		SV_CHECK_EQ_I64(strcmp(argv[4], "e\"f"), 0);
		SV_CHECK_EQ_I64(strcmp(argv[5], "x\"y\\"), 0);
		SV_CHECK_EQ_I64(strcmp(argv[6], "\n"), 0);
	}
	SV_CHECK_EQ_I64(console_parse("   ", buf, sizeof(buf), argv, 8, &why), 0);
	SV_CHECK_EQ_I64(console_parse("a\"b c\"d", buf, sizeof(buf), argv, 8,
				      &why), 1);
	SV_CHECK_EQ_I64(strcmp(argv[0], "ab cd"), 0);
}

static void test_parse_errors(void)
{
	char buf[16], *argv[4];
	const char *why = NULL;

	SV_CHECK_EQ_I64(console_parse("cat \"x", buf, sizeof(buf), argv, 4, &why),
			-SV_EINVAL);
	SV_CHECK(why && strstr(why, "unterminated quote"));
	SV_CHECK_EQ_I64(console_parse("cat x\\", buf, sizeof(buf), argv, 4, &why),
			-SV_EINVAL);
	SV_CHECK(why && strstr(why, "backslash"));
	SV_CHECK_EQ_I64(console_parse("a b c d e", buf, sizeof(buf), argv, 4,
				      &why), -SV_E2BIG);
	SV_CHECK_EQ_I64(console_parse("aaaaaaaaaaaaaaaaaaaaa", buf, sizeof(buf),
				      argv, 4, &why), -SV_ENAMETOOLONG);

	struct cfix *f = fix_new();

	SV_CHECK_EQ_I64(run(f, "cat \"/etc"), -SV_EINVAL);
	CHECK_OUT(f, "console: unterminated quote");
	SV_CHECK_EQ_I64(run(f, "help a b c d e f g h i j k l m n o p q"),
			-SV_E2BIG);
	CHECK_OUT(f, "too many words");
	fix_free(f);
}

/* ---- commands ---- */

static void test_cmd_help_usage(void)
{
	struct cfix *f = fix_new();

	SV_CHECK_EQ_I64(run(f, "help"), 0);
	CHECK_OUT(f, "  ls ");
	CHECK_OUT(f, "  reboot ");
	SV_CHECK_EQ_I64(run(f, "help mv"), 0);
	CHECK_OUT(f, "usage: mv SRC DST");
	SV_CHECK_EQ_I64(run(f, "help nope"), -SV_ENOENT);
	CHECK_OUT(f, "help: nope: unknown command");
	SV_CHECK_EQ_I64(run(f, "cat"), -SV_EINVAL);
	CHECK_OUT(f, "cat: usage: cat FILE");
	SV_CHECK_EQ_I64(run(f, "cp a"), -SV_EINVAL);
	CHECK_OUT(f, "cp: usage: cp SRC DST");
	SV_CHECK_EQ_I64(run(f, "ls -x"), -SV_EINVAL);
	CHECK_OUT(f, "ls: unknown option '-x'");
	SV_CHECK_EQ_I64(run(f, "ls / /"), -SV_EINVAL);
	fix_free(f);
}

static void test_cmd_ls_cat(void)
{
	struct cfix *f = fix_new();

	SV_CHECK_EQ_I64(run(f, "mkdir /etc"), 0);
	SV_CHECK_EQ_I64(run(f, "mkdir etc/vm"), 0);	/* relative: from / */
	write_file(f, "/etc/vm/a.cfg", "name = a\n");
	SV_CHECK_EQ_I64(run(f, "ls /etc"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, "vm/\n"), 0);
	SV_CHECK_EQ_I64(run(f, "ls -l /etc/vm"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, "-            9  a.cfg\n"), 0);
	SV_CHECK_EQ_I64(run(f, "ls /etc/vm/a.cfg"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, "/etc/vm/a.cfg\n"), 0);
	SV_CHECK_EQ_I64(run(f, "ls"), 0);
	CHECK_OUT(f, "etc/");
	SV_CHECK_EQ_I64(run(f, "cat /etc/vm/a.cfg"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, "name = a\n"), 0);
	SV_CHECK_EQ_I64(run(f, "cat /etc/x"), -SV_ENOENT);
	SV_CHECK_EQ_I64(strcmp(f->out, "cat: /etc/x: no such file or entry\n"), 0);
	SV_CHECK_EQ_I64(run(f, "cat /etc"), -SV_EISDIR);
	CHECK_OUT(f, "cat: /etc: is a directory");
	SV_CHECK_EQ_I64(run(f, "ls /nope"), -SV_ENOENT);
	CHECK_OUT(f, "ls: /nope: no such file or entry");
	fix_free(f);
}

static void test_cmd_cp_mv_rm_mkdir(void)
{
	struct cfix *f = fix_new();
	char big[3000];

	memset(big, 'z', sizeof(big) - 1);	/* more than one copy buffer */
	big[sizeof(big) - 1] = '\0';
	write_file(f, "/a", big);
	SV_CHECK_EQ_I64(run(f, "mkdir /d"), 0);
	SV_CHECK_EQ_I64(run(f, "mkdir /d"), -SV_EEXIST);
	CHECK_OUT(f, "mkdir: /d: already exists");
	SV_CHECK_EQ_I64(run(f, "cp /a /b"), 0);
	SV_CHECK_EQ_I64(run(f, "cat /b"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, big), 0);
	SV_CHECK_EQ_I64(run(f, "cp /a /d"), 0);	/* into a directory */
	SV_CHECK_EQ_I64(run(f, "ls -l /d"), 0);
	CHECK_OUT(f, "2999  a\n");
	SV_CHECK_EQ_I64(run(f, "cp /a /a"), -SV_EINVAL);
	CHECK_OUT(f, "are the same file");
	SV_CHECK_EQ_I64(run(f, "cp /d /e"), -SV_EISDIR);
	CHECK_OUT(f, "cp: /d: is a directory");
	SV_CHECK_EQ_I64(run(f, "cp /zz /e"), -SV_ENOENT);
	CHECK_OUT(f, "cp: /zz: no such file or entry");
	SV_CHECK_EQ_I64(run(f, "mv /b /c"), 0);
	SV_CHECK_EQ_I64(run(f, "ls /"), 0);
	CHECK_OUT(f, "c\n");
	CHECK_NOT_OUT(f, "b\n");
	SV_CHECK_EQ_I64(run(f, "mv /c /d"), 0);
	SV_CHECK_EQ_I64(run(f, "ls /d"), 0);
	CHECK_OUT(f, "c\n");
	SV_CHECK_EQ_I64(run(f, "mv /zz /y"), -SV_ENOENT);
	CHECK_OUT(f, "mv: /zz: no such file or entry");
	SV_CHECK_EQ_I64(run(f, "rm /d"), -SV_EISDIR);
	CHECK_OUT(f, "rm: /d: is a directory");
	SV_CHECK_EQ_I64(run(f, "rmdir /d"), -SV_ENOTEMPTY);
	CHECK_OUT(f, "rmdir: /d: directory not empty");
	SV_CHECK_EQ_I64(run(f, "rm /d/c"), 0);
	SV_CHECK_EQ_I64(run(f, "rm /d/a"), 0);
	SV_CHECK_EQ_I64(run(f, "rmdir /d"), 0);
	SV_CHECK_EQ_I64(run(f, "rm /nope"), -SV_ENOENT);
	CHECK_OUT(f, "rm: /nope: no such file or entry");
	fix_free(f);
}

static void test_cmd_df_log(void)
{
	struct cfix *f = fix_new();

	SV_CHECK_EQ_I64(run(f, "df"), 0);
	CHECK_OUT(f, "0      ramfs     /");
	CHECK_OUT(f, "no statfs");
	SV_CHECK_EQ_I64(run(f, "log"), -SV_ENOENT);
	CHECK_OUT(f, "log: no log yet (/var/log/smartvm.log is not present)");
	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, "/var", 4), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, "/var/log", 8), 0);
	write_file(f, CONSOLE_LOG_PATH, "boot ok\n");
	SV_CHECK_EQ_I64(run(f, "log"), 0);
	SV_CHECK_EQ_I64(strcmp(f->out, "boot ok\n"), 0);
	fix_free(f);
}

static int fake_mem(void *ctx, struct kmem_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pages.managed_pages = 100;
	st->pages.free_pages = 60;
	st->pages.used_pages = 40;
	return 0;
}

static int fake_ps(void *ctx, struct console_task_info *out, size_t max,
		   size_t *count)
{
	out[0] = (struct console_task_info){ .id = 1, .name = "idle",
		.state = SV_TASK_RUNNING, .weight = 1024,
		.runtime_ns = 5000, .nr_runs = 3 };
	*count = 1;
	return 0;
}

static void test_cmd_services_absent_and_present(void)
{
	struct cfix *f = fix_new();
	static const char *const vms[] = { "vm list", "vm create a",
		"vm start a", "vm stop a", "vm pause a", "vm resume a",
		"vm info a", "vm delete a", "vm console a" };

	SV_CHECK_EQ_I64(run(f, "mem"), -SV_ENOSYS);
	CHECK_OUT(f, "mem: not available on this host");
	SV_CHECK_EQ_I64(run(f, "ps"), -SV_ENOSYS);
	CHECK_OUT(f, "ps: not available on this host");
	SV_CHECK_EQ_I64(run(f, "halt"), -SV_ENOSYS);
	CHECK_OUT(f, "halt: not available on this host");
	SV_CHECK_EQ_I64(run(f, "reboot"), -SV_ENOSYS);
	CHECK_OUT(f, "reboot: not available on this host");
	for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++) {
		SV_CHECK_EQ_I64(run(f, vms[i]), -SV_ENOSYS);
		CHECK_OUT(f, "VMs are not built into this console yet");
	}
	SV_CHECK_EQ_I64(run(f, "vm frob"), -SV_EINVAL);
	CHECK_OUT(f, "vm: usage: vm list|create");
	SV_CHECK_EQ_I64(run(f, "vm start"), -SV_EINVAL);

	f->con.host.mem_stats = fake_mem;
	f->con.host.ps = fake_ps;
	f->con.host.halt = c_halt;
	SV_CHECK_EQ_I64(run(f, "mem"), 0);
	CHECK_OUT(f, "100 managed, 40 used, 60 free (240 KiB free");
	SV_CHECK_EQ_I64(run(f, "ps"), 0);
	CHECK_OUT(f, "idle");
	CHECK_OUT(f, "running");
	SV_CHECK_EQ_I64(run(f, "halt"), 0);
	SV_CHECK(f->halted);
	fix_free(f);
}

/* A VM manager that records calls, to check attach and detach. */
static char vm_log[256];

static int fv_op(void *ctx, struct console *con, const char *name)
{
	strcat(vm_log, name ? name : "-");
	return strcmp(name, "bad") ? 0 : -SV_ENOENT;
}

static int fv_list(void *ctx, struct console *con)
{
	console_printf(con, "no VMs\n");
	return 0;
}

static void fv_in(void *ctx, uint8_t b)
{
	size_t n = strlen(vm_log);

	vm_log[n] = (char)b;
	vm_log[n + 1] = '\0';
}

static void fv_detach(void *ctx)
{
	strcat(vm_log, "|detach");
}

static void test_cmd_vm_attach(void)
{
	static const struct console_vm_ops ops = { fv_list, fv_op, fv_op,
		fv_op, fv_op, fv_op, fv_op, fv_op, fv_op, fv_in, fv_detach };
	struct cfix *f = fix_new();

	f->con.host.vm = &ops;
	vm_log[0] = '\0';
	SV_CHECK_EQ_I64(run(f, "vm list"), 0);
	CHECK_OUT(f, "no VMs");
	SV_CHECK_EQ_I64(run(f, "vm info bad"), -SV_ENOENT);
	CHECK_OUT(f, "vm info bad: no such file or entry");
	type(f, "vm console g\n");
	SV_CHECK(f->con.attached);
	type(f, "ls\x03\n");	/* goes to the guest, Ctrl-C included */
	console_input(&f->con, CONSOLE_DETACH_BYTE);
	SV_CHECK(!f->con.attached);
	SV_CHECK_EQ_I64(strcmp(vm_log, "badgls\x03\n|detach"), 0);
	CHECK_OUT(f, "[detached]\n" CONSOLE_PROMPT);
	fix_free(f);
}

/* The attached VM ends: the console leaves attached mode by itself. */
static void test_cmd_vm_ended_while_attached(void)
{
	static const struct console_vm_ops ops = { fv_list, fv_op, fv_op,
		fv_op, fv_op, fv_op, fv_op, fv_op, fv_op, fv_in, fv_detach };
	struct cfix *f = fix_new();

	f->con.host.vm = &ops;
	vm_log[0] = '\0';
	console_vm_ended(&f->con, "g");		/* not attached: nothing */
	SV_CHECK_EQ_U64(f->out_len, 0);
	type(f, "vm console g\n");
	SV_CHECK(f->con.attached);
	type(f, "hi");
	clear(f);
	console_async_write(&f->con, "vm g: stopped\n", 14);
	console_vm_ended(&f->con, "g");
	SV_CHECK(!f->con.attached);
	SV_CHECK_EQ_I64(strcmp(f->out, "vm g: stopped\n"
			       "[detached: VM g ended]\n" CONSOLE_PROMPT), 0);
	/* the VM is gone: its detach is not called; input edits again */
	SV_CHECK_STR_EQ(vm_log, "ghi");
	type(f, "vm list\n");
	CHECK_OUT(f, "no VMs");
	SV_CHECK_STR_EQ(vm_log, "ghi");
	fix_free(f);
}

CU_TestInfo sv_tests_console[] = {
	{ "edit_async_output", test_edit_async_output },
	{ "edit_backspace_enter", test_edit_backspace_enter },
	{ "edit_ctrl_c_ctrl_u", test_edit_ctrl_c_ctrl_u },
	{ "edit_history", test_edit_history },
	{ "edit_long_line", test_edit_long_line },
	{ "edit_random_bytes", test_edit_random_bytes },
	{ "parse_words_quotes_escapes", test_parse_words_quotes_escapes },
	{ "parse_errors", test_parse_errors },
	{ "cmd_help_usage", test_cmd_help_usage },
	{ "cmd_ls_cat", test_cmd_ls_cat },
	{ "cmd_cp_mv_rm_mkdir", test_cmd_cp_mv_rm_mkdir },
	{ "cmd_df_log", test_cmd_df_log },
	{ "cmd_services", test_cmd_services_absent_and_present },
	{ "cmd_vm_attach", test_cmd_vm_attach },
	{ "cmd_vm_ended_while_attached", test_cmd_vm_ended_while_attached },
	CU_TEST_INFO_NULL,
};
