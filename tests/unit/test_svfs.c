/*
 * Tests for fs/svfs.c and fs/svfs_fsck.c, through the VFS, on a block
 * device in memory: every operation and its errors, persistence across
 * unmount and mount, sparse files past 4 GiB, many small files, a crash
 * harness and corrupted images.
 *
 * The crash harness records every sector write of a workload (create,
 * write, rename, unlink, truncate, fsync) and then, for every prefix of
 * that sequence, and again with the next write torn in half, builds the
 * image a power cut there would leave, mounts it, checks every file synced
 * before the cut, and runs fsck, which must find it clean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"
#include "sv/svfs.h"
#include "sv/svfs_format.h"
#include "sv/vfs.h"
#include "sv_test.h"

#define P(s) s, sizeof(s) - 1
#define S(s) (s), strlen(s)
#define GiB (1ull << 30)
#define SECTOR 512u

/* ---- memory with accounting ---- */

struct tally {
	size_t live;
};

static void *t_alloc(void *ctx, size_t size)
{
	struct tally *t = ctx;
	void *p = malloc(size);

	if (p)
		t->live += size;
	return p;
}

static void t_free(void *ctx, void *p, size_t size)
{
	struct tally *t = ctx;

	t->live -= size;
	free(p);
}

/* ---- a block device in memory that can record its writes ---- */

struct wrec {
	uint64_t sector;
	uint32_t count;
	uint8_t *data;
};

struct memdev {
	uint8_t *mem;
	uint64_t sectors;
	bool record;
	struct wrec *log;
	size_t nlog, caplog;
	uint64_t flushes;
};

static int md_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	struct memdev *d = ctx;

	if (sector + count > d->sectors)
		return -SV_EIO;
	memcpy(buf, d->mem + sector * SECTOR, (size_t)count * SECTOR);
	return 0;
}

static int md_write(void *ctx, uint64_t sector, uint32_t count,
		    const void *buf)
{
	struct memdev *d = ctx;
	size_t len = (size_t)count * SECTOR;

	if (sector + count > d->sectors)
		return -SV_EIO;
	memcpy(d->mem + sector * SECTOR, buf, len);
	if (d->record) {
		if (d->nlog == d->caplog) {
			d->caplog = d->caplog ? d->caplog * 2 : 256;
			d->log = realloc(d->log, d->caplog * sizeof(*d->log));
		}
		d->log[d->nlog].sector = sector;
		d->log[d->nlog].count = count;
		d->log[d->nlog].data = malloc(len);
		memcpy(d->log[d->nlog].data, buf, len);
		d->nlog++;
	}
	return 0;
}

static int md_flush(void *ctx)
{
	((struct memdev *)ctx)->flushes++;
	return 0;
}

static void md_init(struct memdev *d, uint64_t bytes)
{
	memset(d, 0, sizeof(*d));
	d->sectors = bytes / SECTOR;
	d->mem = calloc(1, bytes);
}

static void md_destroy(struct memdev *d)
{
	for (size_t i = 0; i < d->nlog; i++)
		free(d->log[i].data);
	free(d->log);
	free(d->mem);
}

static struct svfs_blkio md_io(struct memdev *d)
{
	return (struct svfs_blkio){ md_read, md_write, md_flush, d, SECTOR,
				    d->sectors };
}

/* ---- a mounted file system ---- */

struct fx {
	struct tally t;
	struct sv_fs_alloc alloc;
	struct memdev dev;
	struct svfs_blkio io;
	struct svfs fs;
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
};

static int fx_mount(struct fx *f)
{
	int err = svfs_mount(&f->fs, &f->io, &f->alloc);

	if (err)
		return err;
	vfs_init(&f->vfs);
	vfs_fdtable_init(&f->fdt);
	return vfs_mount(&f->vfs, P("/"), &f->fs.fs);
}

static void fx_unmount(struct fx *f)
{
	vfs_fdtable_close_all(&f->fdt);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/")), 0);
	SV_CHECK_EQ_I64(svfs_unmount(&f->fs), 0);
	SV_CHECK_EQ_U64(f->t.live, 0);
}

static void fx_setup(struct fx *f, uint64_t bytes)
{
	memset(f, 0, sizeof(*f));
	f->alloc = (struct sv_fs_alloc){ t_alloc, t_free, &f->t };
	md_init(&f->dev, bytes);
	f->io = md_io(&f->dev);
	SV_CHECK_EQ_I64(svfs_mkfs(&f->io, 0), 0);
	SV_CHECK_EQ_I64(fx_mount(f), 0);
}

static int fsck_image(struct fx *f, bool repair)
{
	return svfs_fsck(&f->io, &f->alloc, repair, NULL, NULL);
}

static void fx_teardown(struct fx *f)
{
	fx_unmount(f);
	SV_CHECK_EQ_I64(fsck_image(f, false), SVFS_FSCK_CLEAN);
	md_destroy(&f->dev);
}

static int pwrite_path(struct fx *f, const char *path, uint64_t off,
		       const void *buf, size_t len, bool sync)
{
	uint64_t pos;
	size_t done;
	int fd, err;

	err = vfs_open(&f->vfs, &f->fdt, S(path), SV_O_RDWR | SV_O_CREAT, &fd);
	if (err)
		return err;
	err = vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_write(&f->fdt, fd, buf, len, &done);
	if (!err && sync)
		err = vfs_fsync(&f->fdt, fd);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	return err;
}

static int pread_path(struct fx *f, const char *path, uint64_t off, void *buf,
		      size_t len, size_t *done)
{
	uint64_t pos;
	int fd, err;

	err = vfs_open(&f->vfs, &f->fdt, S(path), SV_O_RDONLY, &fd);
	if (err)
		return err;
	err = vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_read(&f->fdt, fd, buf, len, done);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	return err;
}

/* Whether path holds exactly len bytes equal to want. */
static bool file_is(struct fx *f, const char *path, const void *want,
		    size_t len)
{
	struct sv_stat st;
	uint8_t *buf = malloc(len + 1);
	size_t done = 0;
	bool ok = vfs_stat(&f->vfs, S(path), &st) == 0 && st.size == len &&
		  pread_path(f, path, 0, buf, len + 1, &done) == 0 &&
		  done == len && memcmp(buf, want, len) == 0;

	free(buf);
	return ok;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static size_t count_entries(struct fx *f, const char *path)
{
	struct sv_dirent de;
	size_t n = 0;
	int fd;

	if (vfs_open(&f->vfs, &f->fdt, S(path), SV_O_DIRECTORY, &fd))
		return (size_t)-1;
	while (vfs_readdir(&f->fdt, fd, &de) == 1)
		n++;
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	return n;
}

/* ---- tests ---- */

static void test_mkfs_and_mount_refusals(void)
{
	struct fx f;
	struct svfs fs2;

	fx_setup(&f, 1 << 20);
	fx_unmount(&f);
	/* A blank device is not svfs. */
	memset(f.dev.mem, 0, SECTOR);
	SV_CHECK_EQ_I64(svfs_mount(&fs2, &f.io, &f.alloc), -SV_ECORRUPT);
	SV_CHECK_EQ_I64(fsck_image(&f, false), SVFS_FSCK_LEFT);
	SV_CHECK_EQ_U64(f.t.live, 0);
	/* Too small to hold one. */
	f.io.sector_count = 16;
	SV_CHECK_EQ_I64(svfs_mkfs(&f.io, 0), -SV_EINVAL);
	md_destroy(&f.dev);
}

static void test_every_op(void)
{
	struct fx f;
	struct sv_stat st;
	struct sv_dirent de;
	uint8_t buf[64];
	size_t done;
	int fd;

	fx_setup(&f, 4 << 20);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/etc")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/etc")), -SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/etc/vm")), 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/etc/vm/a.cfg", 0, "mem=64\n", 7,
				    false), 0);
	SV_CHECK(file_is(&f, "/etc/vm/a.cfg", "mem=64\n", 7));
	SV_CHECK(file_is(&f, "/etc/vm/../vm/./a.cfg", "mem=64\n", 7));
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/etc"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_DIR);
	SV_CHECK_EQ_U64(st.size, 1);
	/* O_EXCL, O_TRUNC, O_APPEND */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/etc/vm/a.cfg"),
				 SV_O_CREAT | SV_O_EXCL | SV_O_RDWR, &fd),
			-SV_EEXIST);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/etc/vm/a.cfg"),
				 SV_O_WRONLY | SV_O_APPEND, &fd), 0);
	SV_CHECK_EQ_I64(vfs_write(&f.fdt, fd, "cpus=1\n", 7, &done), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK(file_is(&f, "/etc/vm/a.cfg", "mem=64\ncpus=1\n", 14));
	/* truncate down, then up: the gap reads zero */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/etc/vm/a.cfg"), 3), 0);
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/etc/vm/a.cfg"), 6), 0);
	SV_CHECK(file_is(&f, "/etc/vm/a.cfg", "mem\0\0\0", 6));
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/etc"), 0), -SV_EISDIR);
	/* rename: within a dir, across dirs, over a file, a directory */
	SV_CHECK_EQ_I64(pwrite_path(&f, "/b", 0, "bbb", 3, false), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/b"), P("/c")), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/b"), &st), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/c"), P("/etc/vm/a.cfg")), 0);
	SV_CHECK(file_is(&f, "/etc/vm/a.cfg", "bbb", 3));
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/etc/vm"), P("/vmcfg")), 0);
	SV_CHECK(file_is(&f, "/vmcfg/../vmcfg/a.cfg", "bbb", 3));
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/vmcfg/a.cfg"), P("/etc")),
			-SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_rename(&f.vfs, P("/etc"), P("/vmcfg")),
			-SV_ENOTEMPTY);
	/* readdir */
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/"), SV_O_DIRECTORY, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), 1);
	SV_CHECK_STR_EQ(de.name, "etc");
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), 1);
	SV_CHECK_STR_EQ(de.name, "vmcfg");
	SV_CHECK_EQ_U64(de.type, SV_FT_DIR);
	SV_CHECK_EQ_I64(vfs_readdir(&f.fdt, fd, &de), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	/* unlink, rmdir and their errors */
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/vmcfg")), -SV_ENOTEMPTY);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/vmcfg")), -SV_EISDIR);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/vmcfg/a.cfg")), -SV_ENOTDIR);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/vmcfg/a.cfg")), 0);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/vmcfg/a.cfg")), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/vmcfg")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/x/y")), -SV_ENOENT);
	/* an unlinked file stays readable while open, then goes */
	SV_CHECK_EQ_I64(pwrite_path(&f, "/tmp", 0, "keep", 4, false), 0);
	SV_CHECK_EQ_I64(vfs_open(&f.vfs, &f.fdt, P("/tmp"), SV_O_RDWR, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/tmp")), 0);
	SV_CHECK_EQ_I64(vfs_fstat(&f.fdt, fd, &st), 0);
	SV_CHECK_EQ_U64(st.nlink, 0);
	SV_CHECK_EQ_I64(vfs_read(&f.fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 4);
	SV_CHECK_EQ_I64(vfs_fsync(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f.fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/tmp"), &st), -SV_ENOENT);
	SV_CHECK_EQ_U64(count_entries(&f, "/"), 1);
	fx_teardown(&f);
}

static void test_persistence(void)
{
	struct fx f;
	static uint8_t big[100000];

	fill(big, sizeof(big), 3);
	fx_setup(&f, 4 << 20);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/vm")), 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/vm/big", 0, big, sizeof(big),
				    false), 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/small", 0, "hi", 2, false), 0);
	fx_unmount(&f);
	SV_CHECK_EQ_I64(fsck_image(&f, false), SVFS_FSCK_CLEAN);
	SV_CHECK_EQ_I64(fx_mount(&f), 0);
	SV_CHECK(file_is(&f, "/vm/big", big, sizeof(big)));
	SV_CHECK(file_is(&f, "/small", "hi", 2));
	fx_teardown(&f);
}

static void test_sparse_big_file(void)
{
	struct fx f;
	struct sv_stat st;
	uint8_t buf[16];
	uint64_t free0, free1, total;
	uint64_t off = 5 * GiB + 4094;	/* straddles two blocks */
	size_t done;

	fx_setup(&f, 8 << 20);
	svfs_statfs(&f.fs, &free0, &total);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", off, "hello", 5, true), 0);
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", 0, "boot", 4, false), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/img"), &st), 0);
	SV_CHECK_EQ_U64(st.size, off + 5);
	SV_CHECK(st.alloc_bytes <= 8 * SVFS_BLOCK_SIZE);
	fx_unmount(&f);
	SV_CHECK_EQ_I64(fx_mount(&f), 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", off - 2, buf, 16, &done), 0);
	SV_CHECK_EQ_U64(done, 7);
	SV_CHECK(memcmp(buf, "\0\0hello", 7) == 0);
	SV_CHECK_EQ_I64(pread_path(&f, "/img", 3 * GiB, buf, 16, &done), 0);
	SV_CHECK_EQ_U64(done, 16);
	SV_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
	/* shrinking below the far blocks frees them and their map blocks */
	SV_CHECK_EQ_I64(vfs_truncate(&f.vfs, P("/img"), 4 * GiB), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, P("/img"), &st), 0);
	SV_CHECK_EQ_U64(st.alloc_bytes, SVFS_BLOCK_SIZE);
	SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, P("/img")), 0);
	svfs_statfs(&f.fs, &free1, &total);
	SV_CHECK_EQ_U64(free1, free0 - 1);	/* the root directory's block */
	fx_teardown(&f);
}

static void test_many_small_files(void)
{
	struct fx f;
	char path[64], data[64];
	uint64_t free0, free1, total;

	fx_setup(&f, 16 << 20);
	svfs_statfs(&f.fs, &free0, &total);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/logs")), 0);
	for (int i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/logs/f%03d.log", i);
		snprintf(data, sizeof(data), "line %d\n", i);
		SV_CHECK_EQ_I64(pwrite_path(&f, path, 0, data, strlen(data),
					    false), 0);
	}
	fx_unmount(&f);
	SV_CHECK_EQ_I64(fsck_image(&f, false), SVFS_FSCK_CLEAN);
	SV_CHECK_EQ_I64(fx_mount(&f), 0);
	SV_CHECK_EQ_U64(count_entries(&f, "/logs"), 600);
	for (int i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/logs/f%03d.log", i);
		snprintf(data, sizeof(data), "line %d\n", i);
		SV_CHECK(file_is(&f, path, data, strlen(data)));
		SV_CHECK_EQ_I64(vfs_unlink(&f.vfs, S(path)), 0);
	}
	SV_CHECK_EQ_I64(vfs_rmdir(&f.vfs, P("/logs")), 0);
	svfs_statfs(&f.fs, &free1, &total);
	SV_CHECK(free1 + SVFS_DIR_MAX_BLOCKS >= free0);
	fx_teardown(&f);
}

static void test_full_disk(void)
{
	struct fx f;
	static uint8_t big[1 << 20];
	struct sv_stat st;
	int err = 0, i;
	char path[32];

	fx_setup(&f, 1 << 20);
	for (i = 0; i < 8 && !err; i++) {
		snprintf(path, sizeof(path), "/f%d", i);
		err = pwrite_path(&f, path, 0, big, sizeof(big) / 4, false);
	}
	SV_CHECK_EQ_I64(err, -SV_ENOSPC);
	/* the refused write changed nothing */
	snprintf(path, sizeof(path), "/f%d", i - 1);
	SV_CHECK_EQ_I64(vfs_stat(&f.vfs, S(path), &st), 0);
	SV_CHECK_EQ_U64(st.size, 0);
	fx_teardown(&f);
}

/* ---- the crash harness ---- */

#define CRASH_BYTES (1u << 20)

struct synced {
	size_t after;		/* writes done when fsync returned */
	const char *path;
	const uint8_t *data;
	size_t len;
};

static void crash_workload(struct fx *f, struct synced *s, size_t *ns)
{
	static uint8_t a[3000], b[60000], c[9000], d[5000];
	size_t done;
	int fd;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	fill(c, sizeof(c), 3);
	fill(d, sizeof(d), 4);
	*ns = 0;
	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, P("/etc")), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/etc/a.cfg", 0, a, sizeof(a), true),
			0);
	s[(*ns)++] = (struct synced){ f->dev.nlog, "/etc/a.cfg", a, sizeof(a) };
	SV_CHECK_EQ_I64(pwrite_path(f, "/log", 0, c, sizeof(c), false), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f->vfs, P("/log"), P("/log.1")), 0);
	/* bigger than one transaction: committed in steps */
	SV_CHECK_EQ_I64(pwrite_path(f, "/vm.img", 0, b, sizeof(b), false), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/vm.img", GiB, "far", 3, true), 0);
	s[(*ns)++] = (struct synced){ f->dev.nlog, "/etc/a.cfg", a, sizeof(a) };
	SV_CHECK_EQ_I64(vfs_unlink(&f->vfs, P("/log.1")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, P("/d")), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/d/x", 0, d, sizeof(d), false), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f->vfs, P("/d/x"), P("/etc/b.cfg")), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/etc/c.cfg", 0, c, sizeof(c), true),
			0);
	s[(*ns)++] = (struct synced){ f->dev.nlog, "/etc/b.cfg", d, sizeof(d) };
	s[(*ns)++] = (struct synced){ f->dev.nlog, "/etc/c.cfg", c, sizeof(c) };
	/* replace a synced file by rename, shrink the big one, more data */
	SV_CHECK_EQ_I64(vfs_truncate(&f->vfs, P("/vm.img"), 100), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/etc/new", 0, a, 100, false), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/etc/old", 0, d, 10, false), 0);
	SV_CHECK_EQ_I64(vfs_rename(&f->vfs, P("/etc/new"), P("/etc/old")),
			0);
	SV_CHECK_EQ_I64(vfs_rmdir(&f->vfs, P("/d")), 0);
	/* a file unlinked while open: an orphan until closed */
	SV_CHECK_EQ_I64(pwrite_path(f, "/open", 0, c, sizeof(c), true), 0);
	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, P("/open"), SV_O_RDWR, &fd),
			0);
	SV_CHECK_EQ_I64(vfs_unlink(&f->vfs, P("/open")), 0);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, b, 9000, &done), 0);
	SV_CHECK_EQ_I64(vfs_fsync(&f->fdt, fd), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/tail", 0, b, 20000, false), 0);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	SV_CHECK_EQ_I64(pwrite_path(f, "/tail2", 0, b, 3000, true), 0);
}

/* Mount the image a power cut leaves and check it; 0 when all is well. */
static void crash_check(struct fx *g, const struct synced *s, size_t ns,
			size_t k, size_t *failures)
{
	/* fsck sees the journal's last transaction without writing it */
	bool ok = fsck_image(g, false) == SVFS_FSCK_CLEAN && fx_mount(g) == 0;

	for (size_t i = 0; ok && i < ns; i++) {
		/* later syncs of the same path supersede earlier ones */
		bool superseded = false;

		for (size_t j = i + 1; j < ns; j++)
			if (s[j].after <= k && !strcmp(s[j].path, s[i].path))
				superseded = true;
		if (s[i].after <= k && !superseded &&
		    !file_is(g, s[i].path, s[i].data, s[i].len))
			ok = false;
	}
	if (ok) {
		vfs_fdtable_close_all(&g->fdt);
		ok = vfs_unmount(&g->vfs, P("/")) == 0 &&
		     svfs_unmount(&g->fs) == 0 &&
		     fsck_image(g, false) == SVFS_FSCK_CLEAN;
	}
	if (!ok && (*failures)++ < 5)
		fprintf(stderr, "crash after write %zu: bad image\n", k);
}

static void test_crash_every_prefix(void)
{
	struct fx f, g;
	struct synced s[8];
	size_t ns, failures = 0, torn = 0;
	uint8_t *base = malloc(CRASH_BYTES), *img = malloc(CRASH_BYTES);

	fx_setup(&f, CRASH_BYTES);
	fx_unmount(&f);
	memcpy(base, f.dev.mem, CRASH_BYTES);
	SV_CHECK_EQ_I64(fx_mount(&f), 0);
	f.dev.record = true;
	crash_workload(&f, s, &ns);
	fx_unmount(&f);
	SV_CHECK(f.dev.nlog > 100);

	memset(&g, 0, sizeof(g));
	g.alloc = (struct sv_fs_alloc){ t_alloc, t_free, &g.t };
	g.dev.sectors = CRASH_BYTES / SECTOR;
	g.dev.mem = malloc(CRASH_BYTES);
	g.io = md_io(&g.dev);
	memcpy(img, base, CRASH_BYTES);
	for (size_t k = 0; k <= f.dev.nlog; k++) {
		const struct wrec *w = k < f.dev.nlog ? &f.dev.log[k] : NULL;

		memcpy(g.dev.mem, img, CRASH_BYTES);
		crash_check(&g, s, ns, k, &failures);
		if (!w)
			break;
		if (w->count > 1) {	/* the cut tears write k in half */
			memcpy(g.dev.mem, img, CRASH_BYTES);
			memcpy(g.dev.mem + w->sector * SECTOR, w->data,
			       (size_t)w->count / 2 * SECTOR);
			crash_check(&g, s, ns, k, &failures);
			torn++;
		}
		memcpy(img + w->sector * SECTOR, w->data,
		       (size_t)w->count * SECTOR);
	}
	SV_CHECK_EQ_U64(failures, 0);
	SV_CHECK(torn > 100);
	SV_CHECK_EQ_U64(g.t.live, 0);
	free(g.dev.mem);
	free(base);
	free(img);
	md_destroy(&f.dev);
}

/* ---- corrupted images ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Walk every file of a mounted (maybe damaged) image; errors are fine. */
static void walk_all(struct fx *f, const char *dir, int depth)
{
	struct sv_dirent de;
	char path[SV_PATH_MAX];
	uint8_t buf[8192];
	size_t done;
	int fd;

	if (depth > 8 ||
	    vfs_open(&f->vfs, &f->fdt, S(dir), SV_O_DIRECTORY, &fd))
		return;
	while (vfs_readdir(&f->fdt, fd, &de) == 1) {
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "",
			 de.name);
		if (de.type == SV_FT_DIR)
			walk_all(f, path, depth + 1);
		else
			(void)pread_path(f, path, 0, buf, sizeof(buf), &done);
	}
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
}

static void test_corrupted_images(void)
{
	struct fx f;
	uint8_t *good;
	uint64_t rng = 0x5eed1234, meta_bytes, lo;
	struct svfs_super sb;
	int fixed_then_clean = 0, left = 0, refused = 0;
	static uint8_t data[20000];

	fill(data, sizeof(data), 9);
	fx_setup(&f, CRASH_BYTES);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/etc")), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f.vfs, P("/etc/vm")), 0);
	for (int i = 0; i < 20; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/etc/vm/f%d", i);
		SV_CHECK_EQ_I64(pwrite_path(&f, path, 0, data,
					    (size_t)i * 700 + 1, false), 0);
	}
	SV_CHECK_EQ_I64(pwrite_path(&f, "/img", 3 * GiB, data, 5000, false), 0);
	fx_unmount(&f);
	good = malloc(CRASH_BYTES);
	memcpy(good, f.dev.mem, CRASH_BYTES);
	/* the bitmap, the inodes and the first data blocks (directories,
	 * map blocks); now and then the superblock */
	memcpy(&sb, good, sizeof(sb));
	lo = sb.bitmap_start * SVFS_BLOCK_SIZE;
	meta_bytes = (sb.data_start + 24) * SVFS_BLOCK_SIZE - lo;
	for (int round = 0; round < 400; round++) {
		int flips = 1 + (int)(rng_next(&rng) % 8), r;

		memcpy(f.dev.mem, good, CRASH_BYTES);
		for (int i = 0; i < flips; i++) {
			uint64_t at = rng_next(&rng) % 50 == 0 ?
				rng_next(&rng) % sizeof(sb) :
				lo + rng_next(&rng) % meta_bytes;

			f.dev.mem[at] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
		}
		if (fx_mount(&f) == 0) {
			walk_all(&f, "/", 0);
			(void)pwrite_path(&f, "/new", 0, data, 3000, true);
			vfs_fdtable_close_all(&f.fdt);
			SV_CHECK_EQ_I64(vfs_unmount(&f.vfs, P("/")), 0);
			if (svfs_unmount(&f.fs))
				refused++;
		}
		SV_CHECK_EQ_U64(f.t.live, 0);
		r = fsck_image(&f, false);
		SV_CHECK(r == SVFS_FSCK_CLEAN || r == SVFS_FSCK_LEFT);
		r = fsck_image(&f, true);
		SV_CHECK(r >= 0);
		if (r == SVFS_FSCK_FIXED || r == SVFS_FSCK_CLEAN) {
			SV_CHECK_EQ_I64(fsck_image(&f, false), SVFS_FSCK_CLEAN);
			fixed_then_clean++;
		} else {
			left++;
		}
		SV_CHECK_EQ_U64(f.t.live, 0);
	}
	SV_CHECK(fixed_then_clean > 100);
	if (getenv("SVFS_TEST_VERBOSE"))
		fprintf(stderr, "corrupt: %d repaired, %d left, %d refused\n",
			fixed_then_clean, left, refused);
	free(good);
	md_destroy(&f.dev);
}

CU_TestInfo sv_tests_svfs[] = {
	{ "mkfs_and_mount_refusals", test_mkfs_and_mount_refusals },
	{ "every_op", test_every_op },
	{ "persistence", test_persistence },
	{ "sparse_big_file", test_sparse_big_file },
	{ "many_small_files", test_many_small_files },
	{ "full_disk", test_full_disk },
	{ "crash_every_prefix", test_crash_every_prefix },
	{ "corrupted_images", test_corrupted_images },
	CU_TEST_INFO_NULL,
};
