/*
 * The console's commands: one table (name, usage, help, argument counts,
 * handler) that console_run, help and the usage messages all read.
 *
 * File commands work on the VFS through the console's own descriptor
 * table; paths are absolute (the console has no current directory, so a
 * relative path is taken from "/"). Services the portable core cannot
 * provide itself (memory and task statistics, VMs, halt, reboot) come
 * through struct console_host; when the host has not given one, the
 * command says so and fails.
 *
 * Every error is printed as "COMMAND: WHAT: CAUSE" and returned as a
 * negative SV_E* code, which console_run passes on.
 */
#include "sv/console.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/types.h"

struct cmd {
	const char *name;
	const char *usage;	/* arguments, after the name */
	const char *help;
	int min_args, max_args;	/* words after the name */
	int (*run)(struct console *con, int argc, char **argv);
};

static const struct cmd *cmd_find(const char *name);
static const struct cmd *cmd_at(size_t i);	/* NULL past the end */

static int usage_error(struct console *con, const struct cmd *c)
{
	console_printf(con, "%s: usage: %s%s%s\n", c->name, c->name,
		       c->usage[0] ? " " : "", c->usage);
	return -SV_EINVAL;
}

static int fail(struct console *con, const char *cmd, const char *what,
		int err)
{
	console_printf(con, "%s: %s: %s\n", cmd, what, sv_strerror(err));
	return err;
}

static int no_service(struct console *con, const char *cmd)
{
	console_printf(con, "%s: not available on this host\n", cmd);
	return -SV_ENOSYS;
}

/* arg as an absolute path in con->path[slot]; its length in *len. */
static int abs_path(struct console *con, int slot, const char *arg,
		    size_t *len)
{
	char *p = con->path[slot];
	size_t n = sv_strlen(arg), pre = arg[0] == '/' ? 0 : 1;

	if (n + pre > SV_PATH_MAX)
		return -SV_ENAMETOOLONG;
	p[0] = '/';
	sv_memcpy(p + pre, arg, n + 1);
	*len = n + pre;
	return 0;
}

/* Append "/" name to con->path[slot] (of length *len). */
static int path_join(struct console *con, int slot, size_t *len,
		     const char *name)
{
	char *p = con->path[slot];
	size_t n = sv_strlen(name), sep = *len && p[*len - 1] == '/' ? 0 : 1;

	if (*len + sep + n > SV_PATH_MAX)
		return -SV_ENAMETOOLONG;
	if (sep)
		p[(*len)++] = '/';
	sv_memcpy(p + *len, name, n + 1);
	*len += n;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *end = path + sv_strlen(path), *b;

	while (end > path && end[-1] == '/')
		end--;
	for (b = end; b > path && b[-1] != '/'; b--)
		;
	return b;
}

static int stat_path(struct console *con, int slot, const char *arg,
		     size_t *len, struct sv_stat *st)
{
	int err = abs_path(con, slot, arg, len);

	if (!con->vfs)
		return -SV_ENODEV;
	return err ? err : vfs_stat(con->vfs, con->path[slot], *len, st);
}

static char type_char(uint32_t type)
{
	switch (type) {
	case SV_FT_DIR:
		return 'd';
	case SV_FT_CHR:
		return 'c';
	case SV_FT_BLK:
		return 'b';
	default:
		return '-';
	}
}

/* ---- help ---- */

static int cmd_help(struct console *con, int argc, char **argv)
{
	const struct cmd *c;
	size_t i;

	if (argc == 2) {
		c = cmd_find(argv[1]);
		if (!c) {
			console_printf(con, "help: %s: unknown command\n",
				       argv[1]);
			return -SV_ENOENT;
		}
		console_printf(con, "usage: %s %s\n  %s\n", c->name, c->usage,
			       c->help);
		return 0;
	}
	console_printf(con, "commands (help COMMAND for more):\n");
	for (i = 0; (c = cmd_at(i)); i++)
		console_printf(con, "  %-7s %s\n", c->name, c->help);
	return 0;
}

/* ---- files ---- */

static int ls_print(struct console *con, bool lng, const char *name,
		    const struct sv_stat *st)
{
	const char *slash = st->type == SV_FT_DIR ? "/" : "";

	if (lng)
		console_printf(con, "%c %12llu  %s%s\n", type_char(st->type),
			       (unsigned long long)st->size, name, slash);
	else
		console_printf(con, "%s%s\n", name, slash);
	return 0;
}

static int ls_dir(struct console *con, bool lng, const char *arg,
		  size_t len)
{
	struct sv_stat st;
	size_t clen;
	int fd, r, err;

	err = vfs_open(con->vfs, &con->fds, con->path[0], len,
		       SV_O_RDONLY | SV_O_DIRECTORY, &fd);
	if (err)
		return fail(con, "ls", arg, err);
	while ((r = vfs_readdir(&con->fds, fd, &con->dirent)) == 1) {
		st = (struct sv_stat){ .type = con->dirent.type };
		if (lng) {
			sv_memcpy(con->path[1], con->path[0], len + 1);
			clen = len;
			err = path_join(con, 1, &clen, con->dirent.name);
			if (!err)
				err = vfs_stat(con->vfs, con->path[1], clen,
					       &st);
			if (err) {	/* removed meanwhile: show what we know */
				st = (struct sv_stat){ .type = con->dirent.type };
			}
		}
		ls_print(con, lng, con->dirent.name, &st);
	}
	err = vfs_close(&con->fds, fd);
	if (r < 0)
		return fail(con, "ls", arg, r);
	return err ? fail(con, "ls", arg, err) : 0;
}

static int cmd_ls(struct console *con, int argc, char **argv)
{
	const char *arg = "/";
	bool lng = false, have_path = false;
	struct sv_stat st;
	size_t len;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!sv_strcmp(argv[i], "-l"))
			lng = true;
		else if (argv[i][0] == '-') {
			console_printf(con, "ls: unknown option '%s'\n", argv[i]);
			return usage_error(con, cmd_find("ls"));
		} else if (have_path)
			return usage_error(con, cmd_find("ls"));
		else {
			arg = argv[i];
			have_path = true;
		}
	}
	err = stat_path(con, 0, arg, &len, &st);
	if (err)
		return fail(con, "ls", arg, err);
	if (st.type != SV_FT_DIR)
		return ls_print(con, lng, arg, &st);
	return ls_dir(con, lng, arg, len);
}

/* Print the file at con->path[0] (len bytes), which the user named arg. */
static int print_file(struct console *con, const char *cmd, const char *arg,
		      size_t len)
{
	size_t done;
	int fd, err, cerr;

	err = vfs_open(con->vfs, &con->fds, con->path[0], len, SV_O_RDONLY, &fd);
	if (err)
		return fail(con, cmd, arg, err);
	while (!(err = vfs_read(&con->fds, fd, con->buf, sizeof(con->buf),
				&done)) && done)
		console_write(con, (const char *)con->buf, done);
	cerr = vfs_close(&con->fds, fd);
	if (!err)
		err = cerr;
	return err ? fail(con, cmd, arg, err) : 0;
}

static int cmd_cat(struct console *con, int argc, char **argv)
{
	struct sv_stat st;
	size_t len;
	int err;

	err = stat_path(con, 0, argv[1], &len, &st);
	if (!err && st.type == SV_FT_DIR)
		err = -SV_EISDIR;
	if (err)
		return fail(con, "cat", argv[1], err);
	return print_file(con, "cat", argv[1], len);
}

/*
 * The destination of cp/mv in con->path[1]: DST itself, or DST/base(SRC)
 * when DST is a directory. *dst_st gets its stat (type 0: absent).
 */
static int target_path(struct console *con, const char *src, const char *dst,
		       size_t *len, struct sv_stat *dst_st)
{
	int err = stat_path(con, 1, dst, len, dst_st);

	if (err == -SV_ENOENT) {
		dst_st->type = 0;
		return 0;
	}
	if (err || dst_st->type != SV_FT_DIR)
		return err;
	err = path_join(con, 1, len, base_name(src));
	if (err)
		return err;
	err = vfs_stat(con->vfs, con->path[1], *len, dst_st);
	if (err == -SV_ENOENT) {
		dst_st->type = 0;
		return 0;
	}
	return err;
}

/* Copy the file con->path[0] to con->path[1]; errors are reported. */
static int copy_file(struct console *con, const char *cmd, const char *src,
		     size_t slen, const char *dst, size_t dlen)
{
	size_t done, wrote;
	int in, out, err, e2;

	err = vfs_open(con->vfs, &con->fds, con->path[0], slen, SV_O_RDONLY, &in);
	if (err)
		return fail(con, cmd, src, err);
	err = vfs_open(con->vfs, &con->fds, con->path[1], dlen,
		       SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &out);
	if (err) {
		e2 = vfs_close(&con->fds, in);
		(void)e2;	/* read-only: nothing to lose */
		return fail(con, cmd, dst, err);
	}
	for (;;) {
		err = vfs_read(&con->fds, in, con->buf, sizeof(con->buf), &done);
		if (err) {
			fail(con, cmd, src, err);
			break;
		}
		if (!done)
			break;
		err = vfs_write(&con->fds, out, con->buf, done, &wrote);
		if (err) {
			fail(con, cmd, dst, err);
			break;
		}
	}
	e2 = vfs_close(&con->fds, in);
	(void)e2;
	e2 = vfs_close(&con->fds, out);
	if (!err && e2)
		err = fail(con, cmd, dst, e2);
	return err;
}

static int cmd_cp(struct console *con, int argc, char **argv)
{
	struct sv_stat sst, dst;
	size_t slen, dlen;
	int err;

	err = stat_path(con, 0, argv[1], &slen, &sst);
	if (!err && sst.type == SV_FT_DIR)
		err = -SV_EISDIR;
	if (err)
		return fail(con, "cp", argv[1], err);
	err = target_path(con, argv[1], argv[2], &dlen, &dst);
	if (err)
		return fail(con, "cp", argv[2], err);
	if (dst.type && dst.ino == sst.ino && dst.mount_id == sst.mount_id) {
		console_printf(con, "cp: %s and %s are the same file\n",
			       argv[1], argv[2]);
		return -SV_EINVAL;
	}
	if (dst.type == SV_FT_DIR)
		return fail(con, "cp", argv[2], -SV_EISDIR);
	return copy_file(con, "cp", argv[1], slen, argv[2], dlen);
}

static int cmd_mv(struct console *con, int argc, char **argv)
{
	struct sv_stat sst, dst;
	size_t slen, dlen;
	int err;

	err = stat_path(con, 0, argv[1], &slen, &sst);
	if (err)
		return fail(con, "mv", argv[1], err);
	err = target_path(con, argv[1], argv[2], &dlen, &dst);
	if (err)
		return fail(con, "mv", argv[2], err);
	err = vfs_rename(con->vfs, con->path[0], slen, con->path[1], dlen);
	if (err == -SV_EXDEV && sst.type != SV_FT_DIR) {
		/* across mounts: copy, then remove the original */
		err = copy_file(con, "mv", argv[1], slen, argv[2], dlen);
		if (err)
			return err;
		err = vfs_unlink(con->vfs, con->path[0], slen);
		return err ? fail(con, "mv", argv[1], err) : 0;
	}
	return err ? fail(con, "mv", argv[1], err) : 0;
}

/* rm, mkdir, rmdir: one path, one VFS call. */
static int path_op(struct console *con, const char *cmd, const char *arg,
		   int (*op)(struct sv_vfs *, const char *, size_t))
{
	size_t len;
	int err = con->vfs ? abs_path(con, 0, arg, &len) : -SV_ENODEV;

	if (!err)
		err = op(con->vfs, con->path[0], len);
	return err ? fail(con, cmd, arg, err) : 0;
}

static int cmd_rm(struct console *con, int argc, char **argv)
{
	return path_op(con, "rm", argv[1], vfs_unlink);
}

static int cmd_mkdir(struct console *con, int argc, char **argv)
{
	return path_op(con, "mkdir", argv[1], vfs_mkdir);
}

static int cmd_rmdir(struct console *con, int argc, char **argv)
{
	return path_op(con, "rmdir", argv[1], vfs_rmdir);
}

static int cmd_df(struct console *con, int argc, char **argv)
{
	const struct sv_mount *m;
	size_t i;

	if (!con->vfs)
		return fail(con, "df", "/", -SV_ENODEV);
	console_printf(con, "mount  type      on\n");
	for (i = 0; i < SV_VFS_MAX_MOUNTS; i++) {
		m = &con->vfs->mounts[i];
		if (!m->fs)
			continue;
		if (m->parent)
			console_printf(con, "%-5zu  %-8s  a directory of mount %zu\n",
				       i, m->fs->type,
				       (size_t)(m->parent - con->vfs->mounts));
		else
			console_printf(con, "%-5zu  %-8s  /\n", i, m->fs->type);
	}
	console_printf(con, "df: sizes unknown: the VFS has no statfs "
		       "operation yet, so no file system reports its space\n");
	return 0;
}

static int cmd_log(struct console *con, int argc, char **argv)
{
	struct sv_stat st;
	size_t len;
	int err = stat_path(con, 0, CONSOLE_LOG_PATH, &len, &st);

	if (err == -SV_ENOENT) {
		console_printf(con, "log: no log yet (%s is not present)\n",
			       CONSOLE_LOG_PATH);
		return err;
	}
	if (!err && st.type == SV_FT_DIR)
		err = -SV_EISDIR;
	if (err)
		return fail(con, "log", CONSOLE_LOG_PATH, err);
	return print_file(con, "log", CONSOLE_LOG_PATH, len);
}

/* ---- system ---- */

static int cmd_mem(struct console *con, int argc, char **argv)
{
	struct kmem_stats st;
	int err;

	if (!con->host.mem_stats)
		return no_service(con, "mem");
	err = con->host.mem_stats(con->host.ctx, &st);
	if (err)
		return fail(con, "mem", "statistics", err);
	console_printf(con, "pages: %llu managed, %llu used, %llu free "
		       "(%llu KiB free, largest free block %llu pages)\n",
		       (unsigned long long)st.pages.managed_pages,
		       (unsigned long long)st.pages.used_pages,
		       (unsigned long long)st.pages.free_pages,
		       (unsigned long long)(st.pages.free_pages *
					    SV_PAGE_SIZE / 1024),
		       (unsigned long long)st.pages.largest_free_pages);
	console_printf(con, "small objects: %llu bytes in %llu bytes of slabs\n",
		       (unsigned long long)st.small_bytes,
		       (unsigned long long)st.slab_bytes);
	console_printf(con, "large blocks: %llu (%llu pages); page runs: %llu "
		       "(%llu pages)\n",
		       (unsigned long long)st.large_blocks,
		       (unsigned long long)st.large_pages,
		       (unsigned long long)st.page_runs,
		       (unsigned long long)st.page_pages);
	console_printf(con, "failed allocations: %llu, refused frees: %llu\n",
		       (unsigned long long)st.failed_allocs,
		       (unsigned long long)st.bad_frees);
	return 0;
}

static const char *state_name(enum sv_task_state s)
{
	switch (s) {
	case SV_TASK_RUNNABLE:
		return "runnable";
	case SV_TASK_RUNNING:
		return "running";
	case SV_TASK_BLOCKED:
		return "blocked";
	case SV_TASK_SLEEPING:
		return "sleeping";
	case SV_TASK_DEAD:
		return "dead";
	}
	return "?";
}

static int cmd_ps(struct console *con, int argc, char **argv)
{
	const struct console_task_info *t;
	size_t n = 0, i, max = SV_ARRAY_SIZE(con->tasks);
	int err;

	if (!con->host.ps)
		return no_service(con, "ps");
	err = con->host.ps(con->host.ctx, con->tasks, max, &n);
	if (err)
		return fail(con, "ps", "task list", err);
	console_printf(con, "%5s  %-15s  %-8s  %6s  %14s  %8s\n", "ID", "NAME",
		       "STATE", "WEIGHT", "RUNTIME(us)", "RUNS");
	for (i = 0; i < n && i < max; i++) {
		t = &con->tasks[i];
		console_printf(con, "%5u  %-15.15s  %-8s  %6u  %14llu  %8llu\n",
			       t->id, t->name, state_name(t->state), t->weight,
			       (unsigned long long)(t->runtime_ns / 1000),
			       (unsigned long long)t->nr_runs);
	}
	if (n > max)
		console_printf(con, "(%zu more not shown)\n", n - max);
	return 0;
}

/* vm SUB [NAME]: the subcommands and whether they take a NAME. */
struct vm_sub {
	const char *name;
	bool needs_name;
};

static const struct vm_sub vm_subs[] = {
	{ "list", false }, { "create", true }, { "start", true },
	{ "stop", true }, { "pause", true }, { "resume", true },
	{ "info", true }, { "delete", true }, { "console", true },
};

static int vm_call(struct console *con, const struct console_vm_ops *vm,
		   const char *sub, const char *name)
{
	void *ctx = con->host.ctx;

	if (!sv_strcmp(sub, "list"))
		return vm->list(ctx, con);
	if (!sv_strcmp(sub, "create"))
		return vm->create(ctx, con, name);
	if (!sv_strcmp(sub, "start"))
		return vm->start(ctx, con, name);
	if (!sv_strcmp(sub, "stop"))
		return vm->stop(ctx, con, name);
	if (!sv_strcmp(sub, "pause"))
		return vm->pause(ctx, con, name);
	if (!sv_strcmp(sub, "resume"))
		return vm->resume(ctx, con, name);
	if (!sv_strcmp(sub, "info"))
		return vm->info(ctx, con, name);
	if (!sv_strcmp(sub, "delete"))
		return vm->remove(ctx, con, name);
	return vm->attach(ctx, con, name);	/* console */
}

static int cmd_vm(struct console *con, int argc, char **argv)
{
	const struct vm_sub *sub = NULL;
	size_t i;
	int err;

	for (i = 0; i < SV_ARRAY_SIZE(vm_subs); i++)
		if (!sv_strcmp(argv[1], vm_subs[i].name))
			sub = &vm_subs[i];
	if (!sub || argc != (sub->needs_name ? 3 : 2))
		return usage_error(con, cmd_find("vm"));
	if (!con->host.vm) {
		console_printf(con, "vm %s: VMs are not built into this "
			       "console yet\n", sub->name);
		return -SV_ENOSYS;
	}
	err = vm_call(con, con->host.vm, sub->name, argc == 3 ? argv[2] : NULL);
	if (err) {
		console_printf(con, "vm %s%s%s: %s\n", sub->name,
			       argc == 3 ? " " : "", argc == 3 ? argv[2] : "",
			       sv_strerror(err));
		return err;
	}
	if (!sv_strcmp(sub->name, "console")) {
		con->attached = true;
		console_printf(con, "[attached to %s; Ctrl-] detaches]\n",
			       argv[2]);
	}
	return 0;
}

static int power(struct console *con, const char *cmd, int (*fn)(void *))
{
	int err;

	if (!fn)
		return no_service(con, cmd);
	err = fn(con->host.ctx);
	return err ? fail(con, cmd, "host", err) : 0;
}

static int cmd_halt(struct console *con, int argc, char **argv)
{
	return power(con, "halt", con->host.halt);
}

static int cmd_reboot(struct console *con, int argc, char **argv)
{
	return power(con, "reboot", con->host.reboot);
}

static const struct cmd cmds[] = {
	{ "help", "[COMMAND]", "list the commands, or explain one", 0, 1,
	  cmd_help },
	{ "ls", "[-l] [PATH]", "list a directory (-l: type and size)", 0, 2,
	  cmd_ls },
	{ "cat", "FILE", "print a file", 1, 1, cmd_cat },
	{ "cp", "SRC DST", "copy a file (into DST if it is a directory)", 2, 2,
	  cmd_cp },
	{ "mv", "SRC DST", "move or rename (into DST if it is a directory)",
	  2, 2, cmd_mv },
	{ "rm", "FILE", "remove a file", 1, 1, cmd_rm },
	{ "mkdir", "DIR", "make a directory", 1, 1, cmd_mkdir },
	{ "rmdir", "DIR", "remove an empty directory", 1, 1, cmd_rmdir },
	{ "df", "", "list the mounted file systems and their space", 0, 0,
	  cmd_df },
	{ "log", "", "print the monitor's log (" CONSOLE_LOG_PATH ")", 0, 0,
	  cmd_log },
	{ "mem", "", "memory use of the kernel", 0, 0, cmd_mem },
	{ "ps", "", "list the kernel's tasks", 0, 0, cmd_ps },
	{ "vm", "list|create|start|stop|pause|resume|info|delete|console [NAME]",
	  "manage VMs; vm console NAME attaches to its serial (Ctrl-] detaches)",
	  1, 2, cmd_vm },
	{ "halt", "", "stop the machine", 0, 0, cmd_halt },
	{ "reboot", "", "restart the machine", 0, 0, cmd_reboot },
};
static const size_t nr_cmds = SV_ARRAY_SIZE(cmds);

static const struct cmd *cmd_at(size_t i)
{
	return i < nr_cmds ? &cmds[i] : NULL;
}

static const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < nr_cmds; i++)
		if (!sv_strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int console_run(struct console *con, const char *line)
{
	char *argv[CONSOLE_ARGS_MAX];
	const struct cmd *c;
	const char *why;
	int argc;

	argc = console_parse(line, con->words, sizeof(con->words), argv,
			     CONSOLE_ARGS_MAX, &why);
	if (argc < 0) {
		console_printf(con, "console: %s\n", why);
		return argc;
	}
	if (argc == 0)
		return 0;
	c = cmd_find(argv[0]);
	if (!c) {
		console_printf(con, "%s: unknown command (try help)\n", argv[0]);
		return -SV_ENOENT;
	}
	if (argc - 1 < c->min_args || argc - 1 > c->max_args)
		return usage_error(con, c);
	return c->run(con, argc, argv);
}
