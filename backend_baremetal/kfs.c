/*
 * The kernel's file tree (kfs.h): the portable ramfs and devfs put
 * together at boot, the log file, and their checks on the real machine.
 *
 * Everything is static: one tree, one descriptor table for the kernel's
 * own files (the log stays open in it), and a second table for the
 * self-test so that its files never collide with the kernel's.
 *
 * The disk: when /dev/hda holds an svfs file system it becomes the root,
 * through an adapter (struct svfs_blkio over the sv_blockdev; fs/ knows
 * nothing of the driver framework): the boot-time ramfs root is taken
 * down (its log carried over to the disk's /var/log/smartvm.log), svfs is
 * mounted at / with the standard layout, and devfs again on /dev. So
 * /etc/vm, /vm and the log live on the disk and survive a reboot.
 * kfs_shutdown() commits and unmounts it before the machine stops.
 */
#include "kfs.h"

#include <stdarg.h>

#include "kmem_kernel.h"
#include "sv/devfs.h"
#include "sv/driver.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/panic.h"
#include "sv/ramfs.h"
#include "sv/string.h"
#include "sv/svfs.h"

#define LOG_PATH	"/var/log/smartvm.log"
#define LOG_OLD_PATH	"/var/log/smartvm.log.1"
#define LOG_ROTATE_SIZE	(64u * 1024)	/* bytes before the log is rotated */
#define DISK_DEV	"hda"
#define P(s)		s, sizeof(s) - 1	/* a literal path */

static struct ramfs root_fs;
static struct devfs dev_fs;
static struct sv_vfs vfs;
static struct sv_fdtable kernel_fds;
static bool mounted;
static int log_fd = -1;
static uint64_t log_size;	/* bytes in the current log file */
static struct svfs disk_fs;
static struct sv_blockdev *disk_dev;
static bool disk_mounted;

static void *kfs_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return kmalloc(size);
}

static void kfs_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	/* a refused free is reported and counted by kfree itself */
	(void)kfree(ptr);
}

static const struct sv_fs_alloc kfs_allocator = { kfs_alloc, kfs_free, NULL };

struct sv_vfs *kfs_vfs(void)
{
	return mounted ? &vfs : NULL;
}

/*
 * The standard layout on whatever is mounted at / (what exists is kept),
 * devfs on /dev, and the log open for appending.
 */
static int make_layout(void)
{
	static const char *const dirs[] = {
		"/etc", "/etc/vm", "/vm", "/var", "/var/log", "/dev",
	};
	struct sv_stat st;
	int err;

	for (size_t i = 0; i < SV_ARRAY_SIZE(dirs); i++) {
		err = vfs_mkdir(&vfs, dirs[i], sv_strlen(dirs[i]));
		if (err && err != -SV_EEXIST)
			return err;
	}
	err = vfs_mount(&vfs, P("/dev"), &dev_fs.fs);
	if (!err)
		err = vfs_open(&vfs, &kernel_fds, P(LOG_PATH),
			       SV_O_WRONLY | SV_O_CREAT | SV_O_APPEND, &log_fd);
	if (!err)
		err = vfs_fstat(&kernel_fds, log_fd, &st);
	if (!err)
		log_size = st.size;
	return err;
}

int kfs_init(void)
{
	int err;

	err = ramfs_init(&root_fs, &kfs_allocator);
	if (err) {
		sv_printf("fs: no memory for the root file system: %s\n",
			  sv_strerror(err));
		return err;
	}
	vfs_init(&vfs);
	vfs_fdtable_init(&kernel_fds);
	err = devfs_init(&dev_fs, &sv_kernel_devices);
	if (!err)
		err = vfs_mount(&vfs, P("/"), &root_fs.fs);
	if (!err)
		err = make_layout();
	if (err) {
		/* the tree is half made: nothing may use it */
		sv_printf("fs: cannot build the file tree: %s\n",
			  sv_strerror(err));
		return err;
	}
	mounted = true;
	return 0;
}

unsigned kfs_dev_count(void)
{
	return mounted ? devfs_count(&dev_fs) : 0;
}

/*
 * Rotation: once the log passes LOG_ROTATE_SIZE it becomes smartvm.log.1
 * (replacing the previous one) and a new, empty log is started. On any
 * failure the old file simply keeps growing.
 */
static void log_rotate(void)
{
	int fd, err;

	err = vfs_unlink(&vfs, P(LOG_OLD_PATH));
	if (err && err != -SV_ENOENT)
		return;
	err = vfs_rename(&vfs, P(LOG_PATH), P(LOG_OLD_PATH));
	if (err)
		return;
	err = vfs_open(&vfs, &kernel_fds, P(LOG_PATH),
		       SV_O_WRONLY | SV_O_CREAT | SV_O_APPEND, &fd);
	if (err)
		return;	/* the old descriptor still writes to .1 */
	if (vfs_close(&kernel_fds, log_fd))
		sv_printf("fs: cannot close the rotated log\n");
	log_fd = fd;
	log_size = 0;
}

void klog_file(const char *line)
{
	size_t len = sv_strlen(line), done;
	int err;

	if (log_fd < 0)
		return;
	if (log_size + len + 1 > LOG_ROTATE_SIZE)
		log_rotate();
	err = vfs_write(&kernel_fds, log_fd, line, len, &done);
	if (!err)
		err = vfs_write(&kernel_fds, log_fd, "\n", 1, &done);
	if (!err)
		log_size += len + 1;
	(void)err;	/* a line that does not fit in memory is dropped */
}

/* ---- the disk: svfs on /dev/hda as the root ---- */

static int hda_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	return blockdev_read(ctx, sector, count, buf);
}

static int hda_write(void *ctx, uint64_t sector, uint32_t count,
		     const void *buf)
{
	return blockdev_write(ctx, sector, count, buf);
}

static int hda_flush(void *ctx)
{
	return blockdev_flush(ctx);
}

/* A boot line on the console and in the log. */
static void SV_PRINTF(1, 2) disk_line(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sv_printf("%s\n", line);
	klog_file(line);
}

/* The log so far, read whole into kmalloc'd memory; NULL when empty. */
static char *take_log(size_t *len)
{
	struct sv_stat st;
	char *buf;
	size_t done = 0;
	int fd;

	*len = 0;
	if (log_fd < 0 || vfs_fstat(&kernel_fds, log_fd, &st) || !st.size ||
	    !(buf = kmalloc((size_t)st.size)))
		return NULL;
	if (vfs_open(&vfs, &kernel_fds, P(LOG_PATH), SV_O_RDONLY, &fd)) {
		kfree(buf);
		return NULL;
	}
	if (vfs_read(&kernel_fds, fd, buf, (size_t)st.size, &done))
		done = 0;
	if (vfs_close(&kernel_fds, fd))
		sv_printf("fs: cannot close the log\n");
	*len = done;
	return buf;
}

/* Close the log and take /dev and / down; the root fs itself lives on. */
static int root_down(void)
{
	int err = 0;

	if (log_fd >= 0 && vfs_close(&kernel_fds, log_fd))
		sv_printf("fs: cannot close the log\n");
	log_fd = -1;
	err = vfs_unmount(&vfs, P("/dev"));
	if (!err)
		err = vfs_unmount(&vfs, P("/"));
	return err;
}

/* Mount fs at / with the standard layout, devfs and the log. */
static int root_up(struct sv_fs *fs)
{
	int err = vfs_mount(&vfs, P("/"), fs);

	if (err)
		return err;
	err = make_layout();
	if (err) {
		(void)root_down();	/* leave nothing half made */
		return err;
	}
	return 0;
}

/*
 * Make the mounted svfs the root: the ramfs root goes (its log carried
 * over, appended to the disk's log), or stays if anything fails.
 */
static int disk_becomes_root(void)
{
	size_t len, done;
	char *log = take_log(&len);
	int err = root_down();

	if (!err) {
		err = root_up(&disk_fs.fs);
		if (err && root_up(&root_fs.fs))
			sv_panic("the ramfs root cannot come back");
	}
	if (!err) {
		if (log && vfs_write(&kernel_fds, log_fd, log, len, &done) == 0)
			log_size += done;
		ramfs_destroy(&root_fs);
	}
	if (log && kfree(log))
		sv_printf("fs: cannot free the log copy\n");
	return err;
}

int kfs_mount_disk(void)
{
	struct svfs_blkio io;
	uint64_t free_blocks, total_blocks;
	int err;

	if (!mounted)
		return -SV_ENOENT;
	disk_dev = blockdev_find(&sv_kernel_devices, DISK_DEV);
	if (!disk_dev) {
		disk_line("fs: no /dev/hda, no disk mounted");
		return -SV_ENOENT;
	}
	io = (struct svfs_blkio){
		.read = hda_read, .write = hda_write,
		.flush = disk_dev->ops->flush ? hda_flush : NULL,
		.ctx = disk_dev, .sector_size = disk_dev->sector_size,
		.sector_count = disk_dev->sector_count,
	};
	err = svfs_mount(&disk_fs, &io, &kfs_allocator);
	if (err == -SV_ECORRUPT) {
		disk_line("fs: /dev/hda has no svfs, not mounted");
		return err;
	}
	if (err) {
		disk_line("fs: /dev/hda: svfs mount failed: %s",
			  sv_strerror(err));
		return err;
	}
	err = disk_becomes_root();
	if (err) {
		disk_line("fs: cannot make svfs the root: %s", sv_strerror(err));
		if (svfs_unmount(&disk_fs))
			sv_printf("fs: svfs unmount failed\n");
		return err;
	}
	disk_mounted = true;
	err = svfs_sync(&disk_fs);
	svfs_statfs(&disk_fs, &free_blocks, &total_blocks);
	disk_line("fs: svfs on /dev/hda is the root, /etc/vm /vm /var/log on "
		  "it (%lu MiB free)%s",
		  (unsigned long)(free_blocks * SVFS_BLOCK_SIZE >> 20),
		  err ? ", but the layout could not be synced" : "");
	return 0;
}

bool kfs_disk_mounted(void)
{
	return disk_mounted;
}

void kfs_shutdown(void)
{
	int err;

	if (!disk_mounted)
		return;
	err = svfs_sync(&disk_fs);
	if (err)
		sv_printf("fs: svfs sync failed: %s\n", sv_strerror(err));
	/* the VFS lets go only when nothing on the disk is open */
	if (root_down())
		return;
	disk_mounted = false;
	err = svfs_unmount(&disk_fs);
	if (err)
		sv_printf("fs: svfs unmount failed: %s\n", sv_strerror(err));
}

/* ---- the `selftest` checks ---- */

static struct sv_fdtable test_fds;

/* Closing a descriptor the check opened cannot fail; say so if it does. */
static void test_close(int fd)
{
	int err = vfs_close(&test_fds, fd);

	if (err)
		sv_printf("fs: close of descriptor %d refused: %s\n", fd,
			  sv_strerror(err));
}

static int failed(const char *what, int err)
{
	sv_printf("fs: %s: FAILED (%s)\n", what, sv_strerror(err));
	return -1;
}

static uint8_t pattern_at(size_t i)
{
	return (uint8_t)(i * 13 + (i >> 8) + 1);
}

/* A file spanning three ramfs pages, written, read back and removed. */
#define RW_BYTES	10000u
#define RW_CHUNK	512u

static int check_file_roundtrip(void)
{
	static uint8_t buf[RW_CHUNK];
	struct sv_stat st;
	size_t done;
	int fd, err;

	err = vfs_open(&vfs, &test_fds, P("/vm/selftest.img"),
		       SV_O_RDWR | SV_O_CREAT | SV_O_EXCL, &fd);
	if (err)
		return failed("create /vm/selftest.img", err);
	for (size_t off = 0; off < RW_BYTES && !err; off += RW_CHUNK) {
		size_t n = SV_MIN(RW_CHUNK, RW_BYTES - off);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern_at(off + i);
		err = vfs_write(&test_fds, fd, buf, n, &done);
	}
	if (!err)
		err = vfs_fstat(&test_fds, fd, &st);
	if (!err && st.size != RW_BYTES)
		err = -SV_EIO;
	if (!err) {
		uint64_t pos;

		err = vfs_seek(&test_fds, fd, 0, SV_SEEK_SET, &pos);
	}
	for (size_t off = 0; off < RW_BYTES && !err; off += done) {
		err = vfs_read(&test_fds, fd, buf, RW_CHUNK, &done);
		if (!err && done == 0)
			err = -SV_EIO;	/* ended early */
		for (size_t i = 0; i < done && !err; i++)
			if (buf[i] != pattern_at(off + i))
				err = -SV_ECORRUPT;
	}
	test_close(fd);
	if (err)
		return failed("ramfs write/read back", err);
	err = vfs_unlink(&vfs, P("/vm/selftest.img"));
	if (!err && vfs_stat(&vfs, P("/vm/selftest.img"), &st) != -SV_ENOENT)
		err = -SV_EEXIST;
	if (err)
		return failed("ramfs unlink", err);
	sv_printf("fs: ramfs: %u bytes written to /vm/selftest.img, read back "
		  "and removed: ok\n", RW_BYTES);
	return 0;
}

/* The registry's name at index i of the combined char+block list. */
static const char *registered_name(unsigned i)
{
	unsigned nchr = chardev_count(&sv_kernel_devices);

	return i < nchr ? chardev_at(&sv_kernel_devices, i)->name
			: blockdev_at(&sv_kernel_devices, i - nchr)->name;
}

/* ls /dev: every registered device once, with null and zero. */
static int check_ls_dev(void)
{
	unsigned nreg = chardev_count(&sv_kernel_devices) +
			blockdev_count(&sv_kernel_devices);
	unsigned seen[SV_MAX_CHARDEVS + SV_MAX_BLOCKDEVS] = { 0 };
	unsigned total = 0, builtin = 0;
	static struct sv_dirent de;
	int fd, r, err = 0;

	r = vfs_open(&vfs, &test_fds, P("/dev"),
		     SV_O_RDONLY | SV_O_DIRECTORY, &fd);
	if (r)
		return failed("open /dev", r);
	while ((r = vfs_readdir(&test_fds, fd, &de)) == 1) {
		total++;
		if (!sv_strcmp(de.name, "null") || !sv_strcmp(de.name, "zero"))
			builtin++;
		for (unsigned i = 0; i < nreg; i++)
			if (!sv_strcmp(de.name, registered_name(i)))
				seen[i]++;
	}
	test_close(fd);
	if (r < 0)
		return failed("readdir /dev", r);
	for (unsigned i = 0; i < nreg; i++)
		if (seen[i] != 1)
			err = -SV_ENOENT;
	if (!err && (builtin != 2 || total != nreg + 2))
		err = -SV_EEXIST;
	if (err)
		return failed("ls /dev against the device registry", err);
	sv_printf("fs: ls /dev: %u devices, each registered device once, "
		  "null and zero: ok\n", total);
	return 0;
}

static int check_null_zero(void)
{
	uint8_t buf[64];
	size_t done = 1;
	int fd, err;

	err = vfs_open(&vfs, &test_fds, P("/dev/zero"), SV_O_RDONLY, &fd);
	if (err)
		return failed("open /dev/zero", err);
	sv_memset(buf, 0xff, sizeof(buf));
	err = vfs_read(&test_fds, fd, buf, sizeof(buf), &done);
	test_close(fd);
	for (size_t i = 0; i < sizeof(buf) && !err; i++)
		if (buf[i] || done != sizeof(buf))
			err = -SV_ECORRUPT;
	if (err)
		return failed("/dev/zero", err);
	err = vfs_open(&vfs, &test_fds, P("/dev/null"), SV_O_RDWR, &fd);
	if (err)
		return failed("open /dev/null", err);
	err = vfs_write(&test_fds, fd, buf, sizeof(buf), &done);
	if (!err && done != sizeof(buf))
		err = -SV_EIO;
	if (!err)
		err = vfs_read(&test_fds, fd, buf, sizeof(buf), &done);
	if (!err && done != 0)
		err = -SV_EIO;
	test_close(fd);
	if (err)
		return failed("/dev/null", err);
	sv_printf("fs: /dev/zero reads zeros, /dev/null swallows writes and "
		  "reads empty: ok\n");
	return 0;
}

/*
 * Sector 0 of the disk through devfs, and a span across the sectors 0/1
 * boundary that devfs must assemble from two sectors, against the driver.
 */
#define DISK_SPAN_OFF	500u
#define DISK_SPAN_LEN	24u

static int check_disk(void)
{
	static uint8_t direct[1024], via_fs[512];
	struct sv_blockdev *hda = blockdev_find(&sv_kernel_devices, "hda");
	struct sv_stat st;
	size_t done;
	uint64_t pos;
	int fd, err;

	if (!hda) {
		sv_printf("fs: no /dev/hda, disk check skipped\n");
		return 0;
	}
	if (hda->sector_size != 512)
		return failed("/dev/hda sector size", -SV_ENOTSUP);
	err = blockdev_read(hda, 0, 2, direct);
	if (err)
		return failed("hda sectors 0-1 from the driver", err);
	err = vfs_stat(&vfs, P("/dev/hda"), &st);
	if (!err && (st.type != SV_FT_BLK ||
		     st.size != hda->sector_count * hda->sector_size))
		err = -SV_EINVAL;
	if (err)
		return failed("stat /dev/hda", err);
	err = vfs_open(&vfs, &test_fds, P("/dev/hda"), SV_O_RDONLY, &fd);
	if (err)
		return failed("open /dev/hda", err);
	err = vfs_read(&test_fds, fd, via_fs, 512, &done);
	if (!err && (done != 512 || sv_memcmp(via_fs, direct, 512)))
		err = -SV_ECORRUPT;
	if (!err)
		err = vfs_seek(&test_fds, fd, DISK_SPAN_OFF, SV_SEEK_SET, &pos);
	if (!err)
		err = vfs_read(&test_fds, fd, via_fs, DISK_SPAN_LEN, &done);
	if (!err && (done != DISK_SPAN_LEN ||
		     sv_memcmp(via_fs, direct + DISK_SPAN_OFF, DISK_SPAN_LEN)))
		err = -SV_ECORRUPT;
	test_close(fd);
	if (err)
		return failed("/dev/hda through devfs", err);
	sv_printf("fs: /dev/hda: sector 0 and %u bytes across sectors 0-1 read "
		  "through devfs match the driver: ok\n", DISK_SPAN_LEN);
	return 0;
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = sv_strlen(needle);

	for (; *hay; hay++)
		if (!sv_strncmp(hay, needle, n))
			return true;
	return false;
}

/* The log starts with the banner and holds the file tree's boot line. */
static int check_log(void)
{
	static char buf[1024];
	struct sv_stat st;
	size_t done;
	int fd, err;

	err = vfs_open(&vfs, &test_fds, P(LOG_PATH), SV_O_RDONLY, &fd);
	if (err)
		return failed("open " LOG_PATH, err);
	err = vfs_fstat(&test_fds, fd, &st);
	if (!err)
		err = vfs_read(&test_fds, fd, buf, sizeof(buf) - 1, &done);
	test_close(fd);
	if (!err) {
		buf[done] = '\0';
		if (sv_strncmp(buf, "Smart-VM ", 9) ||
		    !contains(buf, "\nfs: ramfs root, devfs on /dev ("))
			err = -SV_ENOENT;
	}
	if (err)
		return failed(LOG_PATH " boot lines", err);
	sv_printf("fs: " LOG_PATH " holds the boot lines (%lu bytes): ok\n",
		  (unsigned long)st.size);
	return 0;
}

int fs_selftest(void)
{
	if (!mounted)
		return failed("file tree", -SV_ENOENT);
	vfs_fdtable_init(&test_fds);
	if (check_file_roundtrip() || check_ls_dev() || check_null_zero() ||
	    check_disk() || check_log())
		return -1;
	return 0;
}
