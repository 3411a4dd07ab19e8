/*
 * libFuzzer target for svfs (fs/svfs.c, fs/svfs_fsck.c). Run by
 * fuzz_svfs.sh, which seeds it with the images gen_svfs_corpus.c makes.
 *
 * Each input is a disk image: used as it is when its size is a multiple
 * of 4 KiB between IMG_MIN and IMG_MAX, otherwise cut or zero-padded to
 * IMG_MIN. Behind an in-memory struct svfs_blkio it then goes through
 * what fsck.svfs and the mount code do with an image found on a disk:
 *  - fsck without repair, which must not write and must not fail with
 *    anything but a check result;
 *  - fsck with repair, on a copy; when it says the image is clean or
 *    fixed, a second check must find it clean;
 *  - mount, a walk of the whole tree through the VFS (readdir, stat,
 *    read of every file), a small write with fsync, and unmount.
 * Besides the sanitizers, every allocation made through the file system's
 * allocator must be freed again by the end of each step.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"
#include "sv/svfs.h"
#include "sv/vfs.h"

#define SECTOR		512u
#define IMG_MIN		(SVFS_MIN_BLOCKS * SVFS_BLOCK_SIZE)	/* 256 KiB */
#define IMG_MAX		(4u * IMG_MIN)				/* 1 MiB */
#define WALK_NODES	256	/* nodes visited per mount: bounds cycles */
#define WALK_DEPTH	8
#define READ_MAX	(64u * 1024)	/* bytes read from each file */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* format.c's console printer refers to it; nothing here prints through it. */
void host_console_write(const char *buf, size_t len);
void host_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stderr);
}

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "oracle failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

/* ---- memory with accounting ---------------------------------------------- */

static size_t live;

static void *f_alloc(void *ctx, size_t size)
{
	void *p = malloc(size ? size : 1);

	(void)ctx;
	if (p)
		live += size;
	return p;
}

static void f_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	CHECK(size <= live);
	live -= size;
	free(p);
}

static const struct sv_fs_alloc alloc = { f_alloc, f_free, NULL };

/* ---- a block device in memory -------------------------------------------- */

struct memdev {
	uint8_t *mem;
	uint64_t sectors;
	bool readonly;		/* a write is an oracle failure */
};

static int md_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	struct memdev *d = ctx;

	if (sector > d->sectors || count > d->sectors - sector)
		return -SV_EIO;
	memcpy(buf, d->mem + sector * SECTOR, (size_t)count * SECTOR);
	return 0;
}

static int md_write(void *ctx, uint64_t sector, uint32_t count,
		    const void *buf)
{
	struct memdev *d = ctx;

	CHECK(!d->readonly);
	if (sector > d->sectors || count > d->sectors - sector)
		return -SV_EIO;
	memcpy(d->mem + sector * SECTOR, buf, (size_t)count * SECTOR);
	return 0;
}

static int md_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static struct svfs_blkio md_io(struct memdev *d)
{
	return (struct svfs_blkio){ md_read, md_write, md_flush, d, SECTOR,
				    d->sectors };
}

/* ---- fsck ------------------------------------------------------------------ */

static void no_log(void *ctx, const char *line)
{
	(void)ctx;
	CHECK(line != NULL && memchr(line, '\0', 4096) != NULL);
}

static int fsck(struct memdev *d, bool repair)
{
	struct svfs_blkio io = md_io(d);
	int r = svfs_fsck(&io, &alloc, repair, no_log, NULL);

	CHECK(live == 0);
	return r;
}

static void check_fsck(const uint8_t *img, size_t size)
{
	struct memdev d = { malloc(size), size / SECTOR, true };
	int r;

	CHECK(d.mem != NULL);
	memcpy(d.mem, img, size);
	/* A check never writes (the memdev traps if it does) and, on an
	 * in-memory device that cannot fail, always gives a verdict. */
	r = fsck(&d, false);
	CHECK(r == SVFS_FSCK_CLEAN || r == SVFS_FSCK_LEFT);
	CHECK(memcmp(d.mem, img, size) == 0);

	d.readonly = false;
	r = fsck(&d, true);
	CHECK(r == SVFS_FSCK_CLEAN || r == SVFS_FSCK_FIXED ||
	      r == SVFS_FSCK_LEFT || r == -SV_ENOSPC);
	if (r == SVFS_FSCK_CLEAN || r == SVFS_FSCK_FIXED) {
		d.readonly = true;
		CHECK(fsck(&d, false) == SVFS_FSCK_CLEAN);
	}
	free(d.mem);
}

/* ---- mount and walk -------------------------------------------------------- */

struct walk {
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
	int nodes;
	uint8_t buf[READ_MAX];
};

static void read_file(struct walk *w, const char *path, size_t plen)
{
	struct sv_stat st;
	uint64_t pos;
	size_t done;
	int fd;

	if (vfs_open(&w->vfs, &w->fdt, path, plen, SV_O_RDONLY, &fd))
		return;
	if (vfs_fstat(&w->fdt, fd, &st) == 0) {
		if (vfs_read(&w->fdt, fd, w->buf, sizeof(w->buf), &done) == 0)
			CHECK(done <= sizeof(w->buf));
		/* and the tail of a big (maybe sparse) file */
		if (st.size > sizeof(w->buf) &&
		    st.size - 4096 <= SV_VFS_OFF_MAX &&
		    vfs_seek(&w->fdt, fd, (int64_t)(st.size - 4096),
			     SV_SEEK_SET, &pos) == 0 &&
		    vfs_read(&w->fdt, fd, w->buf, 8192, &done) == 0)
			CHECK(done <= 8192);
	}
	CHECK(vfs_close(&w->fdt, fd) == 0);
}

static void walk_dir(struct walk *w, const char *dir, size_t dlen, int depth)
{
	struct sv_dirent de;
	struct sv_stat st;
	char path[SV_PATH_MAX];
	int fd, n, ret;

	if (depth > WALK_DEPTH ||
	    vfs_open(&w->vfs, &w->fdt, dir, dlen, SV_O_DIRECTORY, &fd))
		return;
	while (w->nodes < WALK_NODES &&
	       (ret = vfs_readdir(&w->fdt, fd, &de)) == 1) {
		w->nodes++;
		CHECK(memchr(de.name, '\0', sizeof(de.name)) != NULL);
		n = snprintf(path, sizeof(path), "%s/%s",
			     dlen > 1 ? dir : "", de.name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (vfs_stat(&w->vfs, path, (size_t)n, &st))
			continue;
		if (st.type == SV_FT_DIR)
			walk_dir(w, path, (size_t)n, depth + 1);
		else if (st.type == SV_FT_REG)
			read_file(w, path, (size_t)n);
	}
	CHECK(vfs_close(&w->fdt, fd) == 0);
}

/* Errors are expected on a damaged image; only crashes and leaks count. */
static void may_fail(int err)
{
	(void)err;
}

static void small_write(struct walk *w)
{
	static const char msg[] = "written by fuzz_svfs\n";
	size_t done;
	int fd;

	may_fail(vfs_mkdir(&w->vfs, "/fz", 3));
	if (vfs_open(&w->vfs, &w->fdt, "/fz/new", 7,
		     SV_O_RDWR | SV_O_CREAT | SV_O_TRUNC, &fd))
		return;
	if (vfs_write(&w->fdt, fd, msg, sizeof(msg) - 1, &done) == 0)
		CHECK(done == sizeof(msg) - 1);
	may_fail(vfs_fsync(&w->fdt, fd));
	CHECK(vfs_close(&w->fdt, fd) == 0);
	may_fail(vfs_rename(&w->vfs, "/fz/new", 7, "/fz/old", 7));
	may_fail(vfs_unlink(&w->vfs, "/fz/old", 7));
}

static void check_mount(const uint8_t *img, size_t size)
{
	struct memdev d = { malloc(size), size / SECTOR, false };
	struct svfs_blkio io = md_io(&d);
	struct svfs *fs = malloc(sizeof(*fs));
	struct walk *w = malloc(sizeof(*w));

	CHECK(d.mem && fs && w);
	memcpy(d.mem, img, size);
	memset(fs, 0, sizeof(*fs));
	if (svfs_mount(fs, &io, &alloc) == 0) {
		vfs_init(&w->vfs);
		vfs_fdtable_init(&w->fdt);
		w->nodes = 0;
		CHECK(vfs_mount(&w->vfs, "/", 1, &fs->fs) == 0);
		walk_dir(w, "/", 1, 0);
		small_write(w);
		vfs_fdtable_close_all(&w->fdt);
		CHECK(vfs_unmount(&w->vfs, "/", 1) == 0);
		may_fail(svfs_unmount(fs));	/* refused after an error */
	}
	CHECK(live == 0);
	free(w);
	free(fs);
	free(d.mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size;
	uint8_t *img;

	if (size % SVFS_BLOCK_SIZE || size < IMG_MIN || size > IMG_MAX)
		n = IMG_MIN;
	img = calloc(1, n);
	if (!img)
		return 0;
	memcpy(img, data, size < n ? size : n);
	check_fsck(img, n);
	check_mount(img, n);
	free(img);
	return 0;
}
