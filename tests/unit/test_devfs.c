/*
 * Tests for osk/devfs.c through the VFS, mounted on /dev of a ramfs root as
 * the kernel does, over a registry of fake devices: a serial-like
 * character device with canned input, a read-only keyboard, a device that
 * takes a few bytes per write, and a memory-backed disk of 512-byte
 * sectors whose driver takes at most 3 sectors per call and can be told
 * to fail. Covers the listing, stat, character I/O, byte-addressed block
 * I/O at unaligned offsets (checked against the backing store, including
 * the bytes around the write), the end of the disk, null and zero, the
 * refused namespace operations, and devices unregistered under an open
 * file or a listing.
 */
#include <stdlib.h>

#include "sv/devfs.h"
#include "sv/driver.h"
#include "sv/errno.h"
#include "sv/ramfs.h"
#include "sv/vfs.h"
#include "sv_test.h"

#define P(s) s, sizeof(s) - 1
#define SECTOR 512u
#define SECTORS 16u
#define DISK_BYTES (SECTOR * SECTORS)

/* A character device with canned input and a record of what it was sent;
 * accept_max > 0 limits the bytes one write takes. */
struct fake_chr {
	struct sv_chardev dev;
	char in[64];
	size_t in_len, in_pos;
	char out[64];
	size_t out_len;
	size_t accept_max;
};

static int fchr_read(struct sv_chardev *dev, void *buf, size_t len)
{
	struct fake_chr *c = sv_container_of(dev, struct fake_chr, dev);
	size_t n = c->in_len - c->in_pos;

	if (n > len)
		n = len;
	memcpy(buf, c->in + c->in_pos, n);
	c->in_pos += n;
	return (int)n;
}

static int fchr_write(struct sv_chardev *dev, const void *buf, size_t len)
{
	struct fake_chr *c = sv_container_of(dev, struct fake_chr, dev);
	size_t n = len;

	if (c->accept_max && n > c->accept_max)
		n = c->accept_max;
	if (n > sizeof(c->out) - c->out_len)
		n = sizeof(c->out) - c->out_len;
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
	return (int)n;
}

static const struct sv_chardev_ops fchr_ops = { fchr_read, fchr_write };
static const struct sv_chardev_ops fkbd_ops = { fchr_read, NULL };

struct fake_disk {
	struct sv_blockdev dev;
	uint8_t data[DISK_BYTES];
	unsigned reads, writes;		/* driver calls */
	uint32_t biggest;		/* largest count asked for */
	bool fail;			/* every call fails with SV_EIO */
};

/* Counts the call; 0 when it may go ahead, SV_EIO when told to fail. */
static int fdisk_call(struct fake_disk *d, uint32_t count, unsigned *calls)
{
	if (count > d->biggest)
		d->biggest = count;
	if (d->fail)
		return -SV_EIO;
	(*calls)++;
	return 0;
}

static int fdisk_read(struct sv_blockdev *dev, uint64_t lba, uint32_t count,
		      void *buf)
{
	struct fake_disk *d = sv_container_of(dev, struct fake_disk, dev);
	int err = fdisk_call(d, count, &d->reads);

	if (!err)
		memcpy(buf, d->data + lba * SECTOR, count * SECTOR);
	return err;
}

static int fdisk_write(struct sv_blockdev *dev, uint64_t lba, uint32_t count,
		       const void *buf)
{
	struct fake_disk *d = sv_container_of(dev, struct fake_disk, dev);
	int err = fdisk_call(d, count, &d->writes);

	if (!err)
		memcpy(d->data + lba * SECTOR, buf, count * SECTOR);
	return err;
}

static const struct sv_blockdev_ops fdisk_ops = { fdisk_read, fdisk_write,
						  NULL };

static void *t_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void t_free(void *ctx, void *p, size_t size)
{
	(void)ctx, (void)size;
	free(p);
}

struct fx {
	struct sv_device_registry reg;
	struct fake_chr tty, kbd, slow;
	struct fake_disk disk;
	struct ramfs root;
	struct devfs dev;
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sv_fs_alloc alloc = { t_alloc, t_free, NULL };

	devreg_init(&f->reg);
	f->tty.dev = (struct sv_chardev){ "ttyS0", &fchr_ops };
	memcpy(f->tty.in, "hello", 5);
	f->tty.in_len = 5;
	f->kbd.dev = (struct sv_chardev){ "kbd0", &fkbd_ops };
	f->slow.dev = (struct sv_chardev){ "slow0", &fchr_ops };
	f->slow.accept_max = 2;
	f->disk.dev = (struct sv_blockdev){ "hda", SECTOR, SECTORS, 3,
					    &fdisk_ops };
	for (size_t i = 0; i < DISK_BYTES; i++)
		f->disk.data[i] = (uint8_t)(i * 7 + 1);
	SV_CHECK_EQ_I64(chardev_register(&f->reg, &f->tty.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&f->reg, &f->kbd.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&f->reg, &f->slow.dev), 0);
	SV_CHECK_EQ_I64(blockdev_register(&f->reg, &f->disk.dev), 0);

	SV_CHECK_EQ_I64(ramfs_init(&f->root, &alloc), 0);
	vfs_init(&f->vfs);
	vfs_fdtable_init(&f->fdt);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, P("/"), &f->root.fs), 0);
	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, P("/dev")), 0);
	SV_CHECK_EQ_I64(devfs_init(&f->dev, &f->reg), 0);
	SV_CHECK_EQ_I64(vfs_mount(&f->vfs, P("/dev"), &f->dev.fs), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	vfs_fdtable_close_all(&f->fdt);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/dev")), 0);
	SV_CHECK_EQ_I64(vfs_unmount(&f->vfs, P("/")), 0);
	ramfs_destroy(&f->root);
	free(f);
}

static int open_path(struct fx *f, const char *path, uint32_t flags)
{
	int fd = -1;

	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, path, strlen(path), flags,
				 &fd), 0);
	return fd;
}

/* Read/write at an offset through a descriptor; the result, *done set. */
static int pread_fd(struct fx *f, int fd, uint64_t off, void *buf,
		    size_t len, size_t *done)
{
	uint64_t pos;

	SV_CHECK_EQ_I64(vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos),
			0);
	return vfs_read(&f->fdt, fd, buf, len, done);
}

static int pwrite_fd(struct fx *f, int fd, uint64_t off, const void *buf,
		     size_t len, size_t *done)
{
	uint64_t pos;

	SV_CHECK_EQ_I64(vfs_seek(&f->fdt, fd, (int64_t)off, SV_SEEK_SET, &pos),
			0);
	return vfs_write(&f->fdt, fd, buf, len, done);
}

/* The names /dev lists, each with its type; the count of entries. */
struct listing {
	char name[32][SV_NAME_MAX + 1];
	uint32_t type[32];
	unsigned n;
};

static int list_index(const struct listing *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return (int)i;
	return -1;
}

static void list_dev(struct fx *f, struct listing *l)
{
	struct sv_dirent de;
	int fd = open_path(f, "/dev", SV_O_RDONLY | SV_O_DIRECTORY), r;

	memset(l, 0, sizeof(*l));
	while ((r = vfs_readdir(&f->fdt, fd, &de)) == 1 && l->n < 32) {
		SV_CHECK(list_index(l, de.name) < 0);	/* once each */
		strcpy(l->name[l->n], de.name);
		l->type[l->n++] = de.type;
	}
	SV_CHECK_EQ_I64(r, 0);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
}

static void test_init_needs_registry(void)
{
	struct devfs d;

	SV_CHECK_EQ_I64(devfs_init(&d, NULL), -SV_EINVAL);
}

static void test_ls_dev(void)
{
	static const struct { const char *name; uint32_t type; } want[] = {
		{ "null", SV_FT_CHR }, { "zero", SV_FT_CHR },
		{ "ttyS0", SV_FT_CHR }, { "kbd0", SV_FT_CHR },
		{ "slow0", SV_FT_CHR }, { "hda", SV_FT_BLK },
	};
	struct fx *f = fx_new();
	struct listing l;
	struct sv_stat st;

	list_dev(f, &l);
	SV_CHECK_EQ_U64(l.n, SV_ARRAY_SIZE(want));
	SV_CHECK_EQ_U64(devfs_count(&f->dev), SV_ARRAY_SIZE(want));
	for (size_t i = 0; i < SV_ARRAY_SIZE(want); i++) {
		int at = list_index(&l, want[i].name);

		SV_CHECK(at >= 0);
		if (at >= 0)
			SV_CHECK_EQ_U64(l.type[at], want[i].type);
	}
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_DIR);
	SV_CHECK_EQ_U64(st.size, SV_ARRAY_SIZE(want));
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/hda"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_BLK);
	SV_CHECK_EQ_U64(st.size, DISK_BYTES);
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/ttyS0"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_CHR);
	SV_CHECK_EQ_U64(st.size, 0);
	/* ".." of the mount root leaves the mount */
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/../dev/./null"), &st), 0);
	SV_CHECK_EQ_U64(st.type, SV_FT_CHR);
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/hdb"), &st), -SV_ENOENT);
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/ttyS0/x"), &st),
			-SV_ENOTDIR);
	fx_free(f);
}

static void test_cat_chardev(void)
{
	struct fx *f = fx_new();
	char buf[16] = { 0 };
	size_t done = 99;
	int fd = open_path(f, "/dev/ttyS0", SV_O_RDWR);

	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 5);
	SV_CHECK_STR_EQ(buf, "hello");
	/* nothing more for now: 0 bytes, not an error */
	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "abc", 3, &done), 0);
	SV_CHECK_EQ_U64(done, 3);
	SV_CHECK_EQ_U64(f->tty.out_len, 3);
	SV_CHECK(memcmp(f->tty.out, "abc", 3) == 0);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);

	/* the keyboard has no write direction */
	fd = open_path(f, "/dev/kbd0", SV_O_WRONLY);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "x", 1, &done), -SV_ENOTSUP);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);

	/* a device taking 2 bytes a time: short writes, then SV_EAGAIN */
	fd = open_path(f, "/dev/slow0", SV_O_WRONLY);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "wxyz", 4, &done), 0);
	SV_CHECK_EQ_U64(done, 2);
	SV_CHECK(memcmp(f->slow.out, "wx", 2) == 0);
	f->slow.out_len = sizeof(f->slow.out);	/* full */
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "yz", 2, &done), -SV_EAGAIN);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	fx_free(f);
}

static void test_block_unaligned(void)
{
	struct fx *f = fx_new();
	static uint8_t before[DISK_BYTES], buf[2000], back[2000];
	size_t done;
	int fd = open_path(f, "/dev/hda", SV_O_RDWR);

	memcpy(before, f->disk.data, DISK_BYTES);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xa5 ^ i);
	/* 1700 bytes from 300: a partial head, two whole sectors in one
	 * call, a partial tail */
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, 300, buf, 1700, &done), 0);
	SV_CHECK_EQ_U64(done, 1700);
	SV_CHECK(memcmp(f->disk.data + 300, buf, 1700) == 0);
	SV_CHECK(memcmp(f->disk.data, before, 300) == 0);
	SV_CHECK(memcmp(f->disk.data + 2000, before + 2000,
			DISK_BYTES - 2000) == 0);
	SV_CHECK(f->disk.biggest <= 3);

	memset(back, 0, sizeof(back));
	SV_CHECK_EQ_I64(pread_fd(f, fd, 300, back, 1700, &done), 0);
	SV_CHECK_EQ_U64(done, 1700);
	SV_CHECK(memcmp(back, buf, 1700) == 0);

	/* two bytes across a sector boundary */
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, 511, "\x11\x22", 2, &done), 0);
	SV_CHECK_EQ_U64(f->disk.data[511], 0x11);
	SV_CHECK_EQ_U64(f->disk.data[512], 0x22);
	SV_CHECK_EQ_U64(f->disk.data[510], buf[210]);
	SV_CHECK_EQ_U64(f->disk.data[513], buf[213]);
	SV_CHECK_EQ_I64(pread_fd(f, fd, 510, back, 4, &done), 0);
	SV_CHECK_EQ_U64(done, 4);
	SV_CHECK_EQ_U64(back[0], buf[210]);
	SV_CHECK_EQ_U64(back[1], 0x11);
	SV_CHECK_EQ_U64(back[2], 0x22);
	SV_CHECK_EQ_U64(back[3], buf[213]);

	/* sequential reads advance the offset: sector 0 then sector 1 */
	SV_CHECK_EQ_I64(pread_fd(f, fd, 0, back, SECTOR, &done), 0);
	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, back + SECTOR, SECTOR, &done), 0);
	SV_CHECK(memcmp(back, f->disk.data, 2 * SECTOR) == 0);

	/* a driver error comes back as it is */
	f->disk.fail = true;
	SV_CHECK_EQ_I64(pread_fd(f, fd, 100, back, 10, &done), -SV_EIO);
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, 1024, buf, SECTOR, &done), -SV_EIO);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	fx_free(f);
}

static void test_block_end(void)
{
	struct fx *f = fx_new();
	static uint8_t before[DISK_BYTES], buf[200];
	unsigned calls;
	uint64_t pos;
	size_t done;
	int fd = open_path(f, "/dev/hda", SV_O_RDWR);

	memcpy(before, f->disk.data, DISK_BYTES);
	SV_CHECK_EQ_I64(vfs_seek(&f->fdt, fd, 0, SV_SEEK_END, &pos), 0);
	SV_CHECK_EQ_U64(pos, DISK_BYTES);
	/* a read across the end is short; at or past the end it is empty */
	SV_CHECK_EQ_I64(pread_fd(f, fd, DISK_BYTES - 10, buf, 100, &done), 0);
	SV_CHECK_EQ_U64(done, 10);
	SV_CHECK(memcmp(buf, before + DISK_BYTES - 10, 10) == 0);
	SV_CHECK_EQ_I64(pread_fd(f, fd, DISK_BYTES, buf, 100, &done), 0);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(pread_fd(f, fd, DISK_BYTES + 5000, buf, 100, &done),
			0);
	SV_CHECK_EQ_U64(done, 0);

	/* a write reaching past the end writes nothing */
	calls = f->disk.writes;
	memset(buf, 0xee, sizeof(buf));
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, DISK_BYTES - 10, buf, 20, &done),
			-SV_ENOSPC);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, DISK_BYTES, buf, 1, &done),
			-SV_ENOSPC);
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, (uint64_t)1 << 40, buf, 1, &done),
			-SV_ENOSPC);
	SV_CHECK_EQ_U64(f->disk.writes, calls);
	SV_CHECK(memcmp(f->disk.data, before, DISK_BYTES) == 0);
	/* up to the last byte is fine */
	SV_CHECK_EQ_I64(pwrite_fd(f, fd, DISK_BYTES - 20, buf, 20, &done), 0);
	SV_CHECK_EQ_U64(done, 20);
	SV_CHECK_EQ_U64(f->disk.data[DISK_BYTES - 1], 0xee);
	SV_CHECK_EQ_U64(f->disk.data[DISK_BYTES - 21],
			before[DISK_BYTES - 21]);
	SV_CHECK_EQ_I64(vfs_fsync(&f->fdt, fd), 0);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	fx_free(f);
}

static void test_null_zero(void)
{
	struct fx *f = fx_new();
	uint8_t buf[64];
	size_t done = 99;
	int fd = open_path(f, "/dev/null", SV_O_RDWR);

	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, 0);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, sizeof(buf));
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);

	fd = open_path(f, "/dev/zero", SV_O_RDWR);
	memset(buf, 0xff, sizeof(buf));
	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, buf, sizeof(buf), &done), 0);
	SV_CHECK_EQ_U64(done, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			SV_CHECK_EQ_U64(buf[i], 0);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "x", 1, &done), 0);
	SV_CHECK_EQ_U64(done, 1);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	/* O_TRUNC on a zero-sized device is accepted, as on Unix */
	fd = open_path(f, "/dev/null", SV_O_WRONLY | SV_O_TRUNC);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	fx_free(f);
}

static void test_namespace_refused(void)
{
	struct fx *f = fx_new();
	struct listing l;
	int fd = -1;

	SV_CHECK_EQ_I64(vfs_mkdir(&f->vfs, P("/dev/sub")), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, P("/dev/new"),
				 SV_O_WRONLY | SV_O_CREAT, &fd), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_unlink(&f->vfs, P("/dev/ttyS0")), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_unlink(&f->vfs, P("/dev/null")), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_rmdir(&f->vfs, P("/dev/hda")), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_rename(&f->vfs, P("/dev/ttyS0"), P("/dev/tty")),
			-SV_EPERM);
	SV_CHECK_EQ_I64(vfs_truncate(&f->vfs, P("/dev/hda"), 0), -SV_EPERM);
	SV_CHECK_EQ_I64(vfs_open(&f->vfs, &f->fdt, P("/dev/hda"),
				 SV_O_WRONLY | SV_O_TRUNC, &fd), -SV_EPERM);
	/* nothing changed */
	list_dev(f, &l);
	SV_CHECK_EQ_U64(l.n, 6);
	SV_CHECK(list_index(&l, "ttyS0") >= 0);
	SV_CHECK(list_index(&l, "tty") < 0);
	fx_free(f);
}

static void test_unregistered_device(void)
{
	struct fx *f = fx_new();
	struct sv_dirent de;
	struct sv_stat st;
	struct listing l;
	char buf[8];
	size_t done;
	int fd = open_path(f, "/dev/ttyS0", SV_O_RDWR), dir, r;
	unsigned seen_hda = 0, seen = 0;

	SV_CHECK_EQ_I64(chardev_unregister(&f->reg, &f->tty.dev), 0);
	SV_CHECK_EQ_I64(vfs_read(&f->fdt, fd, buf, sizeof(buf), &done),
			-SV_ENODEV);
	SV_CHECK_EQ_I64(vfs_write(&f->fdt, fd, "a", 1, &done), -SV_ENODEV);
	SV_CHECK_EQ_I64(vfs_fstat(&f->fdt, fd, &st), -SV_ENODEV);
	SV_CHECK_EQ_U64(f->tty.in_pos, 0);	/* the driver was not called */
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, fd), 0);
	list_dev(f, &l);
	SV_CHECK_EQ_U64(l.n, 5);
	SV_CHECK(list_index(&l, "ttyS0") < 0);

	/* a device removed mid-listing does not disturb the others */
	dir = open_path(f, "/dev", SV_O_RDONLY);
	SV_CHECK_EQ_I64(vfs_readdir(&f->fdt, dir, &de), 1);
	seen++;
	seen_hda += !strcmp(de.name, "hda");
	if (!strcmp(de.name, "kbd0"))	/* then remove another one */
		SV_CHECK_EQ_I64(chardev_unregister(&f->reg, &f->slow.dev), 0);
	else
		SV_CHECK_EQ_I64(chardev_unregister(&f->reg, &f->kbd.dev), 0);
	while ((r = vfs_readdir(&f->fdt, dir, &de)) == 1) {
		seen++;
		seen_hda += !strcmp(de.name, "hda");
	}
	SV_CHECK_EQ_I64(r, 0);
	SV_CHECK_EQ_U64(seen, 4);	/* 5 less the one removed unseen */
	SV_CHECK_EQ_U64(seen_hda, 1);
	SV_CHECK_EQ_I64(vfs_close(&f->fdt, dir), 0);

	/* one registered later shows up */
	SV_CHECK_EQ_I64(chardev_register(&f->reg, &f->tty.dev), 0);
	SV_CHECK_EQ_I64(vfs_stat(&f->vfs, P("/dev/ttyS0"), &st), 0);
	fx_free(f);
}

CU_TestInfo sv_tests_devfs[] = {
	{ "init_needs_registry", test_init_needs_registry },
	{ "ls_dev", test_ls_dev },
	{ "cat_chardev", test_cat_chardev },
	{ "block_unaligned", test_block_unaligned },
	{ "block_end", test_block_end },
	{ "null_zero", test_null_zero },
	{ "namespace_refused", test_namespace_refused },
	{ "unregistered_device", test_unregistered_device },
	CU_TEST_INFO_NULL,
};
