/*
 * Seed images for fuzz_svfs.c, made with the fs/ code itself:
 *
 *   gen_svfs_corpus DIR
 *
 * writes DIR/empty.img (a fresh mkfs), DIR/files.img (directories, small
 * files, a sparse file, a rename and an unlink), DIR/big.img (1 MiB, many
 * files) and DIR/torn-N.img: the files image as a power cut after the Nth
 * sector write of a last fsync would leave it, so that some seeds hold a
 * journal transaction for mount and fsck to replay or ignore.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"
#include "sv/svfs.h"
#include "sv/vfs.h"

#define SECTOR 512u

void host_console_write(const char *buf, size_t len);
void host_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stderr);
}

static void *g_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size ? size : 1);
}

static void g_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static const struct sv_fs_alloc alloc = { g_alloc, g_free, NULL };

/* Memory that stops taking writes after `budget` of them (-1: never). */
struct memdev {
	uint8_t *mem;
	uint64_t sectors;
	long budget;
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

	if (sector + count > d->sectors)
		return -SV_EIO;
	if (d->budget == 0)
		return 0;	/* lost in the power cut */
	if (d->budget > 0)
		d->budget--;
	memcpy(d->mem + sector * SECTOR, buf, (size_t)count * SECTOR);
	return 0;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_svfs_corpus: %s: %d\n", what, err);
	exit(1);
}

static void save(const char *dir, const char *name, const struct memdev *d)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(d->mem, SECTOR, d->sectors, f) != d->sectors ||
	    fclose(f))
		die(path, -SV_EIO);
}

static void put(struct sv_vfs *vfs, struct sv_fdtable *fdt, const char *path,
		uint64_t off, size_t len, bool sync)
{
	static uint8_t buf[20000];
	uint64_t pos;
	size_t done;
	int fd, err;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + len);
	err = vfs_open(vfs, fdt, path, strlen(path), SV_O_RDWR | SV_O_CREAT,
		       &fd);
	if (err)
		die(path, err);
	err = vfs_seek(fdt, fd, (int64_t)off, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_write(fdt, fd, buf, len, &done);
	if (!err && sync)
		err = vfs_fsync(fdt, fd);
	if (err || vfs_close(fdt, fd))
		die(path, err);
}

/* mkfs over bytes of memory, mount, and let fill() write files. budget
 * limits the writes of the final unmount (its commit). */
static void make(const char *dir, const char *name, size_t bytes,
		 void (*fill)(struct sv_vfs *, struct sv_fdtable *),
		 long budget)
{
	struct memdev d = { calloc(1, bytes), bytes / SECTOR, -1 };
	struct svfs_blkio io = { md_read, md_write, NULL, &d, SECTOR,
				 d.sectors };
	static struct svfs fs;
	static struct sv_vfs vfs;
	static struct sv_fdtable fdt;
	int err;

	if (!d.mem)
		die("calloc", -SV_ENOMEM);
	if ((err = svfs_mkfs(&io, 0)) || (err = svfs_mount(&fs, &io, &alloc)))
		die("mkfs/mount", err);
	vfs_init(&vfs);
	vfs_fdtable_init(&fdt);
	if ((err = vfs_mount(&vfs, "/", 1, &fs.fs)))
		die("vfs_mount", err);
	if (fill)
		fill(&vfs, &fdt);
	vfs_fdtable_close_all(&fdt);
	if ((err = vfs_unmount(&vfs, "/", 1)))
		die("vfs_unmount", err);
	d.budget = budget;
	if (svfs_unmount(&fs) && budget < 0)	/* a power cut may fail it */
		die("svfs_unmount", -SV_EIO);
	save(dir, name, &d);
	free(d.mem);
}

static void fill_files(struct sv_vfs *vfs, struct sv_fdtable *fdt)
{
	char path[64];

	if (vfs_mkdir(vfs, "/etc", 4) || vfs_mkdir(vfs, "/etc/vm", 7) ||
	    vfs_mkdir(vfs, "/vm", 3) || vfs_mkdir(vfs, "/var", 4) ||
	    vfs_mkdir(vfs, "/var/log", 8))
		die("mkdir", -SV_EIO);
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/etc/vm/vm%d.cfg", i);
		put(vfs, fdt, path, 0, (size_t)i * 900 + 10, i % 2);
	}
	put(vfs, fdt, "/var/log/smartvm.log", 0, 9000, true);
	put(vfs, fdt, "/vm/a.img", 5ull << 30, 5000, true);	/* sparse */
	put(vfs, fdt, "/vm/b.img", 40000, 100, false);
	if (vfs_rename(vfs, "/vm/b.img", 9, "/vm/c.img", 9) ||
	    vfs_unlink(vfs, "/etc/vm/vm5.cfg", 15))
		die("rename/unlink", -SV_EIO);
	put(vfs, fdt, "/etc/vm/vm0.cfg", 100, 3000, false);	/* unsynced */
}

static void fill_many(struct sv_vfs *vfs, struct sv_fdtable *fdt)
{
	char path[64];

	if (vfs_mkdir(vfs, "/d", 2))
		die("mkdir", -SV_EIO);
	for (int i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "/d/f%02d", i);
		put(vfs, fdt, path, 0, (size_t)(i % 7) * 2000 + 1, false);
	}
	put(vfs, fdt, "/d/deep", 1ull << 32, 4096, true);
}

int main(int argc, char **argv)
{
	static const long cuts[] = { 1, 3, 8, 20 };
	char name[32];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	make(argv[1], "empty.img", SVFS_MIN_BLOCKS * SVFS_BLOCK_SIZE, NULL, -1);
	make(argv[1], "files.img", SVFS_MIN_BLOCKS * SVFS_BLOCK_SIZE,
	     fill_files, -1);
	make(argv[1], "big.img", 4 * SVFS_MIN_BLOCKS * SVFS_BLOCK_SIZE,
	     fill_many, -1);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		snprintf(name, sizeof(name), "torn-%ld.img", cuts[i]);
		make(argv[1], name, SVFS_MIN_BLOCKS * SVFS_BLOCK_SIZE,
		     fill_files, cuts[i]);
	}
	return 0;
}
