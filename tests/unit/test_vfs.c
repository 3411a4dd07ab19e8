/*
 * Tests for fs/vfs.c over ramfs: path edge cases, every operation and its
 * error paths, descriptor tables, and mounts (a second ramfs at /mnt).
 * Every test ends by unmounting and destroying its file systems and checks
 * that the allocator got every byte back.
 */
#include <stdlib.h>

#include "sv/errno.h"
#include "sv/ramfs.h"
#include "sv/vfs.h"
#include "sv_test.h"

/* A path literal as the (pointer, length) pair the VFS takes. */
#define P(s) s, sizeof(s) - 1
/* A path in a char array or pointer. */
#define S(s) (s), strlen(s)

struct counting_alloc {
	size_t live_bytes, live_blocks;
};

static void *c_alloc(void *ctx, size_t size)
{
	struct counting_alloc *a = ctx;
	void *p = malloc(size);

	if (p) {
		a->live_bytes += size;
		a->live_blocks++;
	}
	return p;
}

static void c_free(void *ctx, void *p, size_t size)
{
	struct counting_alloc *a = ctx;

	a->live_bytes -= size;
	a->live_blocks--;
	free(p);
}

struct fx {
	struct counting_alloc ca;
	struct sv_fs_alloc alloc;
	struct ramfs rootfs, mntfs;
	bool mnt_mounted;
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
};

static void fx_setup(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->alloc = (struct sv_fs_alloc){ c_alloc, c_free, &f->ca };
	SV_CHECK_EQ_I64(ramfs_init(&f->rootfs, &f->alloc), 0);
	SV_CHECK_EQ_I64(ramfs_init(&f->mntfs, &f->alloc), 0);
	vfs_init(&f->vfs);
	vfs_fdtable_init(&f->fdt);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, P("/"), &f->rootfs.fs), 0);
}

/* /mnt holds a second ramfs. */
static void fx_mount_mnt(struct fx *f)
{
	int err = vfs_mkdir(&f->vfs, P("/mnt"));

	SV_CHECK(err == 0 || err == -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, P("/mnt"), &f->mntfs.fs), 0);
	f->mnt_mounted = true;
}

static void fx_teardown(struct fx *f)
{
	vfs_fdtable_close_all(&f->fdt);
	if (f->mnt_mounted)
		SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/mnt")), 0);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/")), 0);
	ramfs_destroy(&f->mntfs);
	ramfs_destroy(&f->rootfs);
	SV_CHECK_EQ_U64(f->ca.live_bytes, 0);
	SV_CHECK_EQ_U64(f->ca.live_blocks, 0);
}

static void put_file(struct fx *f, const char *path, const char *data)
{
	size_t done = 0;
	int fd = -1;

	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, S(path),
				 SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, data, strlen(data), &done), 0);
	SV_CHECK_EQ_U64(done, strlen(data));
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
}

/* The whole file as a string ("<err N>" when it cannot be read). */
static const char *get_file(struct fx *f, const char *path)
{
	static char buf[4096];
	size_t done = 0;
	int fd = -1, err;

	err = vfs_open(&f->vfs, &f->fdt, S(path), SV_O_RDONLY, &fd);
	if (!err)
		err = vfs_read(&f->fdt, fd, buf, sizeof(buf) - 1, &done);
	if (fd >= 0)
		SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	if (err)
		snprintf(buf, sizeof(buf), "<err %d>", err);
	else
		buf[done] = '\0';
	return buf;
}

static uint64_t ino_of(struct fx *f, const char *path)
{
	struct sv_stat st;

	memset(&st, 0, sizeof(st));
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, S(path), &st), 0);
	return st.ino;
}

static int stat_err(struct fx *f, const char *path)
{
	struct sv_stat st;

	return vfs_stat(&f->vfs, S(path), &st);
}

static void test_path_validation(void)
{
	struct fx f;
	char name[SV_NAME_MAX + 3], path[SV_PATH_MAX + 2];

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a")), 0);
	SV_CHECK_EQ_I64(stat_err(&f, ""), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, NULL, 0, NULL), -SV_ENOENT);
	SV_CHECK_EQ_I64(stat_err(&f, "a"), -SV_EINVAL);	/* relative */
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a\0b")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/b\0")), -SV_EINVAL);
	/* Only the length counts: a NUL inside it is refused. */
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, "/a\0", 3, NULL), -SV_EINVAL);

	/* A name of SV_NAME_MAX bytes is fine; one more is not. */
	name[0] = '/';
	memset(name + 1, 'n', SV_NAME_MAX);
	name[SV_NAME_MAX + 1] = '\0';
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, S(name)), 0);
	SV_CHECK_EQ_I64(stat_err(&f, name), 0);
	name[SV_NAME_MAX + 1] = 'n';
	name[SV_NAME_MAX + 2] = '\0';
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, S(name)), -SV_ENAMETOOLONG);
	SV_CHECK_EQ_I64(stat_err(&f, name), -SV_ENAMETOOLONG);
	/* Too long even when an earlier component is missing. */
	snprintf(path, sizeof(path), "/missing%s", name);
	SV_CHECK_EQ_I64(stat_err(&f, path), -SV_ENAMETOOLONG);

	/* SV_PATH_MAX bytes of "/a/.." are fine; one more byte is not. */
	for (size_t i = 0; i < SV_PATH_MAX; i++)
		path[i] = "/a/.."[i % 5];
	path[SV_PATH_MAX] = '\0';
	SV_CHECK_EQ_I64(stat_err(&f, path), 0);
	path[SV_PATH_MAX] = '/';
	path[SV_PATH_MAX + 1] = '\0';
	SV_CHECK_EQ_I64(stat_err(&f, path), -SV_ENAMETOOLONG);
	fx_teardown(&f);
}

static void test_dots_and_slashes(void)
{
	struct fx f;
	uint64_t root, b;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("//a///b//")), 0);
	put_file(&f, "/a/b/f", "x");
	root = ino_of(&f, "/");
	b = ino_of(&f, "/a/b");
	SV_CHECK(root != b);
	SV_CHECK_EQ_U64(ino_of(&f, "/a/./b/../b"), b);
	SV_CHECK_EQ_U64(ino_of(&f, "/../../a/b"), b);
	SV_CHECK_EQ_U64(ino_of(&f, "/a/b/../.."), root);
	SV_CHECK_EQ_U64(ino_of(&f, "/a/b/../../.."), root);
	SV_CHECK_EQ_U64(ino_of(&f, "///"), root);
	SV_CHECK_EQ_U64(ino_of(&f, "/."), root);
	SV_CHECK_STR_EQ(get_file(&f, "//a/./b//f"), "x");
	/* Walking through a file or a missing directory. */
	SV_CHECK_EQ_I64(stat_err(&f, "/a/b/f/x"), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(stat_err(&f, "/a/b/f/.."), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(stat_err(&f, "/nope/x"), -SV_ENOENT);
	SV_CHECK_EQ_I64(stat_err(&f, "/nope/.."), -SV_ENOENT);
	/* The special names cannot be made or removed. */
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a/.")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a/..")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/a/b/.")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/a/b/..")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/"), P("/z")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a"), P("/.")), -SV_EINVAL);
	SV_CHECK_EQ_I64(stat_err(&f, "/a/b"), 0);
	fx_teardown(&f);
}

static void test_open_read_write_seek(void)
{
	struct fx f;
	char buf[64];
	size_t done;
	uint64_t pos;
	int fd, fd2;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDWR, &fd),
			-SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"),
				 SV_O_RDWR | SV_O_CREAT | SV_O_EXCL, &fd), 0);
	SV_CHECK_EQ_I64(fd, 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "hello world", 11, &done), 0);
	SV_CHECK_EQ_U64(done, 11);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "", 0, &done), 0);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 6, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_U64(pos, 6);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, 3, &done), 0);
	SV_CHECK_EQ_U64(done, 3);
	SV_CHECK(memcmp(buf, "wor", 3) == 0);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, -2, SV_SEEK_CUR, &pos), 0);
	SV_CHECK_EQ_U64(pos, 7);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, -1, SV_SEEK_END, &pos), 0);
	SV_CHECK_EQ_U64(pos, 10);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 1);
	SV_CHECK_EQ_I64(buf[0], 'd');
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 0);	/* end of file */
	/* Seek errors leave the offset alone. */
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, -12, SV_SEEK_END, &pos),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, INT64_MIN, SV_SEEK_CUR, &pos),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, INT64_MAX, SV_SEEK_END, &pos),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, (enum sv_whence)7, &pos),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_CUR, &pos), 0);
	SV_CHECK_EQ_U64(pos, 11);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, INT64_MAX, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "x", 1, &done), -SV_EOVERFLOW);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);

	/* Flags: EXCL, TRUNC, APPEND, access modes, bad combinations. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"),
				 SV_O_RDWR | SV_O_CREAT | SV_O_EXCL, &fd),
			-SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), 3, &fd), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), 0x8000, &fd),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"),
				 SV_O_WRONLY | SV_O_APPEND, &fd), 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "!", 1, &done), 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, 1, &done), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDONLY, &fd2),
			0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd2, "x", 1, &done), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_ftruncate(&f.fdt, fd2, 0), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd2), 0);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "?", 1, &done), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/f"), "hello world!?");
	/* TRUNC with read-only access leaves the file alone. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"),
				 SV_O_RDONLY | SV_O_TRUNC, &fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/f"), "hello world!?");
	put_file(&f, "/f", "new");
	SV_CHECK_STR_EQ(get_file(&f, "/f"), "new");

	/* Directories: read-only, no data, only rewind. */
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d"), SV_O_RDWR, &fd),
			-SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d"),
				 SV_O_WRONLY | SV_O_CREAT, &fd), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_DIRECTORY,
				 &fd), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d/"), SV_O_DIRECTORY,
				 &fd), 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, 1, &done), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_ftruncate(&f.fdt, fd, 0), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 1, SV_SEEK_SET, &pos), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_END, &pos), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	/* "/" and "/d/.." open as directories too. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d/.."),
				 SV_O_RDONLY | SV_O_CREAT, &fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/"),
				 SV_O_RDONLY | SV_O_CREAT | SV_O_EXCL, &fd),
			-SV_EEXIST);
	/* Creating under a file or a missing directory. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f/x"),
				 SV_O_WRONLY | SV_O_CREAT, &fd), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/no/x"),
				 SV_O_WRONLY | SV_O_CREAT, &fd), -SV_ENOENT);
	fx_teardown(&f);
}

static void test_stat_fsync(void)
{
	struct fx f;
	struct sv_stat st;
	int fd;

	fx_setup(&f);
	put_file(&f, "/f", "12345");
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	put_file(&f, "/d/x", "");
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_REG);
	SV_CHECK_EQ_U64(st.size, 5);
	SV_CHECK_EQ_U64(st.nlink, 1);
	SV_CHECK_EQ_U64(st.mount_id, 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/d"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_DIR);
	SV_CHECK_EQ_U64(st.size, 1);	/* entries */
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/g"), &st), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDWR, &fd), 0);
	SV_CHECK_EQ_I64(vfs_fstat(&f.fdt, fd, &st), 0);
	SV_CHECK_EQ_U64(st.ino, ino_of(&f, "/f"));
	SV_CHECK_EQ_U64(st.size, 5);
	SV_CHECK_EQ_I64(vfs_fsync(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_fsync(&f.fdt, fd), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_fstat(&f.fdt, fd, &st), -SV_EBADF);
	fx_teardown(&f);
}

static void test_mkdir_rmdir_unlink(void)
{
	struct fx f;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/x/y")), -SV_ENOENT);
	put_file(&f, "/d/f", "data");
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d/f")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d/f/y")), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d")), -SV_ENOTEMPTY);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d/f")), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d/g")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d/f/g")), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/d")), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/d/g")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/g/g")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/d/f")), 0);
	SV_CHECK_EQ_I64(stat_err(&f, "/d/f"), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/d/f")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d/")), 0);
	SV_CHECK_EQ_I64(stat_err(&f, "/d"), -SV_ENOENT);
	fx_teardown(&f);
}

static void test_unlinked_open_file(void)
{
	struct fx f;
	struct sv_stat st;
	char buf[8];
	size_t done;
	int fd, dfd;

	fx_setup(&f);
	put_file(&f, "/f", "alive");
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDWR, &fd), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d"), SV_O_RDONLY, &dfd),
			0);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/f")), 0);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(stat_err(&f, "/f"), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_fstat(&f.fdt, fd, &st), 0);
	SV_CHECK_EQ_U64(st.nlink, 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 5);
	SV_CHECK(memcmp(buf, "alive", 5) == 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "!", 1, &done), 0);
	/* A removed directory lists nothing. */
	struct sv_dirent de;
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, dfd, &de), 0);
	/* A new file of the same name is a different file. */
	put_file(&f, "/f", "other");
	SV_CHECK(ino_of(&f, "/f") != st.ino);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, dfd), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/f"), "other");
	fx_teardown(&f);	/* checks the unlinked nodes were freed */
}

static void test_truncate(void)
{
	struct fx f;
	struct sv_stat st;
	char buf[16];
	size_t done;
	int fd;

	fx_setup(&f);
	put_file(&f, "/f", "abcdef");
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), 3), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/f"), "abc");
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), 6), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDWR, &fd), 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 6);
	SV_CHECK(memcmp(buf, "abc\0\0\0", 6) == 0);	/* not "def" again */
	SV_CHECK_EQ_I64(vfs_ftruncate(&f.fdt, fd, 1), 0);
	SV_CHECK_EQ_I64(vfs_fstat(&f.fdt, fd, &st), 0);
	SV_CHECK_EQ_U64(st.size, 1);
	SV_CHECK_EQ_I64(vfs_ftruncate(&f.fdt, fd, SV_VFS_OFF_MAX + 1),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_ftruncate(&f.fdt, fd, 0), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/"), 0), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/g"), 0), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), SV_VFS_OFF_MAX + 1),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/f"), SV_VFS_OFF_MAX), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/f"), &st), 0);
	SV_CHECK_EQ_U64(st.size, SV_VFS_OFF_MAX);
	SV_CHECK_EQ_U64(st.alloc_bytes, RAMFS_PAGE_SIZE);	/* still "a" */
	fx_teardown(&f);
}

static void test_readdir(void)
{
	struct fx f;
	struct sv_dirent de;
	unsigned seen = 0;
	uint64_t pos;
	int fd, n;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/d/sub")), 0);
	put_file(&f, "/d/one", "1");
	put_file(&f, "/d/two", "22");
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d"), SV_O_RDONLY, &fd), 0);
	while ((n = vfs_readdir(&f.fdt, fd, &de)) == 1) {
		if (!strcmp(de.name, "sub")) {
			seen |= 1;
			SV_CHECK_EQ_U64(de.type, SV_FT_DIR);
			SV_CHECK_EQ_U64(de.ino, ino_of(&f, "/d/sub"));
		} else if (!strcmp(de.name, "one")) {
			seen |= 2;
			SV_CHECK_EQ_U64(de.type, SV_FT_REG);
		} else if (!strcmp(de.name, "two")) {
			seen |= 4;
		} else {
			SV_TEST_FAIL_(__FILE__, __LINE__, "unexpected %s",
				      de.name);
		}
	}
	SV_CHECK_EQ_I64(n, 0);
	SV_CHECK_EQ_U64(seen, 7);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), 0);	/* stays at end */
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), 1);
	SV_CHECK_STR_EQ(de.name, "sub");
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/d/one"), SV_O_RDONLY,
				 &fd), 0);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), -SV_ENOTDIR);
	fx_teardown(&f);
}

static void test_fd_table(void)
{
	struct fx f;
	char buf[4];
	size_t done;
	uint64_t pos;
	int fds[SV_FD_MAX], fd;

	fx_setup(&f);
	put_file(&f, "/f", "x");
	for (int i = 0; i < SV_FD_MAX; i++) {
		SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDONLY,
					 &fds[i]), 0);
		SV_CHECK_EQ_I64(fds[i], i);
	}
	/* A full table refuses before creating anything. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/new"),
				 SV_O_RDWR | SV_O_CREAT, &fd), -SV_EMFILE);
	SV_CHECK_EQ_I64(stat_err(&f, "/new"), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, 5), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, 5), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, 5, buf, 1, &done), -SV_EBADF);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/f"), SV_O_RDONLY, &fd), 0);
	SV_CHECK_EQ_I64(fd, 5);	/* lowest free */
	/* Each descriptor has its own offset. */
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, 0, buf, 4, &done), 0);
	SV_CHECK_EQ_U64(done, 1);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, 1, buf, 4, &done), 0);
	SV_CHECK_EQ_U64(done, 1);
	for (int bad = -1; bad <= SV_FD_MAX; bad += SV_FD_MAX + 1) {
		SV_CHECK_EQ_I64(vfs_close(&f.fdt, bad), -SV_EBADF);
		SV_CHECK_EQ_I64(vfs_read(&f.fdt, bad, buf, 1, &done),
				-SV_EBADF);
		SV_CHECK_EQ_I64(vfs_write(&f.fdt, bad, buf, 1, &done),
				-SV_EBADF);
		SV_CHECK_EQ_I64(vfs_seek(&f.fdt, bad, 0, SV_SEEK_SET, &pos),
				-SV_EBADF);
	}
	/* Busy: the mount cannot go while descriptors are open. */
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/")), -SV_EBUSY);
	vfs_fdtable_close_all(&f.fdt);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, 0), -SV_EBADF);
	fx_teardown(&f);
}

static void test_mounts(void)
{
	struct fx f;
	struct sv_stat st;
	uint64_t pos;
	int fd;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/mnt")), 0);
	put_file(&f, "/mnt/hidden", "under");
	put_file(&f, "/top", "root side");
	fx_mount_mnt(&f);
	SV_CHECK_EQ_I64(stat_err(&f, "/mnt/hidden"), -SV_ENOENT);
	put_file(&f, "/mnt/inner", "mnt side");
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/mnt/sub")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/mnt/inner"), "mnt side");
	SV_CHECK_STR_EQ(get_file(&f, "/mnt/sub/../inner"), "mnt side");
	SV_CHECK_STR_EQ(get_file(&f, "/mnt/../top"), "root side");
	SV_CHECK_STR_EQ(get_file(&f, "/mnt/sub/../../mnt/./inner"),
			"mnt side");
	SV_CHECK_EQ_U64(ino_of(&f, "/mnt/.."), ino_of(&f, "/"));
	SV_CHECK_EQ_U64(ino_of(&f, "/mnt/sub/../../.."), ino_of(&f, "/"));
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/mnt/inner"), &st), 0);
	SV_CHECK(st.mount_id != 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/mnt/.."), &st), 0);
	SV_CHECK_EQ_U64(st.mount_id, 0);
	/* The same ino on both sides: they are different file systems. */
	SV_CHECK_EQ_U64(ino_of(&f, "/mnt"), ino_of(&f, "/"));

	/* The covered directory and the mount are protected. */
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/mnt")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/mnt"), P("/m2")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/m2")), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/m2"), P("/mnt")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/top"), P("/mnt/top")),
			-SV_EXDEV);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/mnt/inner"), P("/inner")),
			-SV_EXDEV);
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/mnt"), &f.rootfs.fs), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/m2"), &f.mntfs.fs), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/top"), &f.mntfs.fs),
			-SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/none"), &f.mntfs.fs),
			-SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/m2"), NULL), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt/sub")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/nope")), -SV_ENOENT);

	/* Busy with an open file, then with a nested mount. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/mnt/inner"), SV_O_RDONLY,
				 &fd), 0);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	{
		struct ramfs third;

		SV_CHECK_EQ_I64(ramfs_init(&third, &f.alloc), 0);
		SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/mnt/sub"), &third.fs), 0);
		put_file(&f, "/mnt/sub/deep", "3");
		SV_CHECK_STR_EQ(get_file(&f, "/mnt/sub/../../top"),
				"root side");
		SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt")), -SV_EBUSY);
		SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt/sub/")), 0);
		ramfs_destroy(&third);
	}
	SV_CHECK_EQ_I64(stat_err(&f, "/mnt/sub/deep"), -SV_ENOENT);
	/* A directory open on the mount: also busy. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/mnt"), SV_O_RDONLY, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt")), -SV_EBUSY);
	SV_CHECK_EQ_I64(vfs_seek(&f.fdt, fd, 0, SV_SEEK_SET, &pos), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/mnt")), 0);
	f.mnt_mounted = false;
	SV_CHECK_STR_EQ(get_file(&f, "/mnt/hidden"), "under");
	SV_CHECK_EQ_I64(stat_err(&f, "/mnt/inner"), -SV_ENOENT);
	/* It can come back, and keeps its files. */
	SV_CHECK_EQ_I64(vfs_mount(&f.vfs, P("/m2"), &f.mntfs.fs), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/m2/inner"), "mnt side");
	SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/m2")), 0);
	fx_teardown(&f);
}

static void test_mount_table(void)
{
	static struct ramfs many[SV_VFS_MAX_MOUNTS];
	struct counting_alloc ca = { 0 };
	struct sv_fs_alloc alloc = { c_alloc, c_free, &ca };
	struct sv_vfs vfs;
	struct sv_stat st;
	char path[32];
	int n;

	vfs_init(&vfs);
	for (int i = 0; i < SV_VFS_MAX_MOUNTS; i++)
		SV_CHECK_EQ_I64(ramfs_init(&many[i], &alloc), 0);
	/* Nothing works before "/" is mounted, and "/" comes first. */
	SV_CHECK_EQ_I64(vfs_stat(&vfs, P("/"), &st), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_mkdir(&vfs, P("/a")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_mount(&vfs, P("/a"), &many[0].fs), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_mount(&vfs, P("a"), &many[0].fs), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_mount(&vfs, P("//"), &many[0].fs), 0);
	SV_CHECK_EQ_I64(vfs_mount(&vfs, P("/"), &many[1].fs), -SV_EBUSY);
	for (n = 1; n < SV_VFS_MAX_MOUNTS; n++) {
		snprintf(path, sizeof(path), "/m%d", n);
		SV_CHECK_EQ_I64(vfs_mkdir(&vfs, S(path)), 0);
		SV_CHECK_EQ_I64(vfs_mount(&vfs, S(path), &many[n].fs), 0);
	}
	SV_CHECK_EQ_I64(vfs_mkdir(&vfs, P("/full")), 0);
	{
		struct ramfs extra;

		SV_CHECK_EQ_I64(ramfs_init(&extra, &alloc), 0);
		SV_CHECK_EQ_I64(vfs_mount(&vfs, P("/full"), &extra.fs),
				-SV_ENOSPC);
		ramfs_destroy(&extra);
	}
	for (n = 1; n < SV_VFS_MAX_MOUNTS; n++) {
		snprintf(path, sizeof(path), "/m%d", n);
		SV_CHECK_EQ_I64(vfs_stat(&vfs, S(path), &st), 0);
		SV_CHECK_EQ_U64(st.mount_id, n);
		SV_CHECK_EQ_I64(vfs_unmount(&vfs, S(path)), 0);
	}
	SV_CHECK_EQ_I64(vfs_unmount(&vfs, P("/")), 0);
	SV_CHECK_EQ_I64(vfs_stat(&vfs, P("/"), &st), -SV_ENOENT);
	for (int i = 0; i < SV_VFS_MAX_MOUNTS; i++)
		ramfs_destroy(&many[i]);
	SV_CHECK_EQ_U64(ca.live_bytes, 0);
}

static void test_rename(void)
{
	struct fx f;
	struct sv_stat st;
	char buf[8];
	size_t done;
	uint64_t ino;
	int fd;

	fx_setup(&f);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/a/b")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/c")), 0);
	put_file(&f, "/a/f", "F");
	put_file(&f, "/a/b/g", "G");
	ino = ino_of(&f, "/a/f");
	/* Within a directory, and across directories. */
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a/f"), P("/a/f2")), 0);
	SV_CHECK_EQ_I64(stat_err(&f, "/a/f"), -SV_ENOENT);
	SV_CHECK_EQ_U64(ino_of(&f, "/a/f2"), ino);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a/f2"), P("/c/f")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/c/f"), "F");
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/c/f"), P("/c/f")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/c/f"), "F");
	/* An open file follows its node. */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/c/f"), SV_O_RDONLY, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/c/f"), P("/f")), 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 1);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	/* Over an existing file: the old one goes. */
	put_file(&f, "/g", "old");
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/f"), P("/g")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/g"), "F");
	SV_CHECK_EQ_I64(stat_err(&f, "/f"), -SV_ENOENT);
	/* A directory with its contents; over an empty directory. */
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a/b"), P("/c/b")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/c/b/g"), "G");
	SV_CHECK_EQ_U64(ino_of(&f, "/c/b/.."), ino_of(&f, "/c"));
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/e")), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/c/b"), P("/e")), 0);
	SV_CHECK_STR_EQ(get_file(&f, "/e/g"), "G");
	SV_CHECK_EQ_U64(ino_of(&f, "/e/.."), ino_of(&f, "/"));
	/* Type mismatches and non-empty targets. */
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/g"), P("/a")), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a"), P("/g")), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/a"), P("/e")), -SV_ENOTEMPTY);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/x"), P("/y")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/g"), P("/x/y")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/g"), P("/g/y")), -SV_ENOTDIR);
	/* Into its own subtree. */
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/e/h")), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/e"), P("/e/h/e")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/e"), P("/e/x")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/e/h"), P("/e/h/x")),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/e"), P("/e/h/..")), -SV_EINVAL);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/e/h"), P("/h")), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/h"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_DIR);
	/* Removing the renamed directory's old parent is now allowed. */
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/e/g")), 0);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/e")), 0);
	fx_teardown(&f);
}

CU_TestInfo sv_tests_vfs[] = {
	{ "path_validation", test_path_validation },
	{ "dots_and_slashes", test_dots_and_slashes },
	{ "open_read_write_seek", test_open_read_write_seek },
	{ "stat_fsync", test_stat_fsync },
	{ "mkdir_rmdir_unlink", test_mkdir_rmdir_unlink },
	{ "unlinked_open_file", test_unlinked_open_file },
	{ "truncate", test_truncate },
	{ "readdir", test_readdir },
	{ "fd_table", test_fd_table },
	{ "mounts", test_mounts },
	{ "mount_table", test_mount_table },
	{ "rename", test_rename },
	CU_TEST_INFO_NULL,
};
