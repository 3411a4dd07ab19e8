/*
 * svfs-cp: move files between the host and an svfs image, so a disk for
 * Smart-VM can be prepared on Linux (configs, guest disk images).
 *
 *   svfs-cp IMAGE ls [PATH]            list a directory (default /)
 *   svfs-cp IMAGE put HOSTFILE PATH    host -> image (parents made; PATH
 *                                      may name a directory)
 *   svfs-cp IMAGE get PATH HOSTFILE    image -> host
 *   svfs-cp IMAGE mkdir PATH           with parents
 *   svfs-cp IMAGE rm PATH              a file or an empty directory
 *
 * Copies keep holes both ways: blocks of zeros are not written, so a
 * sparse guest image stays sparse. The image is mounted through the VFS
 * with the same fs/ code the kernel runs, and synced before exit.
 */
#define _GNU_SOURCE	/* SEEK_DATA */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/errno.h"
#include "sv/svfs_format.h"	/* svfs_open: a read-only image */
#include "svfs_image.h"

#define CHUNK (1u << 20)

struct cp {
	struct svfs_image img;
	struct svfs fs;
	struct sv_vfs vfs;
	struct sv_fdtable fdt;
	uint8_t buf[CHUNK];
};

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, "svfs-cp: %s %s: %s\n", what, path, sv_strerror(err));
	return 1;
}

static int mkdir_p(struct cp *c, const char *path, size_t len)
{
	int err;

	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		err = vfs_mkdir(&c->vfs, path, i);
		if (err && err != -SV_EEXIST)
			return err;
	}
	return 0;
}

static int cmd_ls(struct cp *c, const char *path)
{
	struct sv_dirent de;
	struct sv_stat st;
	char full[SV_PATH_MAX + SV_NAME_MAX + 2];
	int fd, err, r;

	err = vfs_open(&c->vfs, &c->fdt, path, strlen(path), SV_O_DIRECTORY,
		       &fd);
	if (err)
		return fail("ls", path, err);
	while ((r = vfs_readdir(&c->fdt, fd, &de)) == 1) {
		snprintf(full, sizeof(full), "%s/%s",
			 strcmp(path, "/") ? path : "", de.name);
		if (vfs_stat(&c->vfs, full, strlen(full), &st))
			memset(&st, 0, sizeof(st));
		printf("%c %12llu %12llu  %s%s\n",
		       de.type == SV_FT_DIR ? 'd' : '-',
		       (unsigned long long)st.size,
		       (unsigned long long)st.alloc_bytes, de.name,
		       de.type == SV_FT_DIR ? "/" : "");
	}
	if (vfs_close(&c->fdt, fd) || r < 0)
		return fail("ls", path, r < 0 ? r : -SV_EIO);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Copy n bytes at off into fd, skipping blocks of zeros. */
static int write_sparse(struct cp *c, int fd, uint64_t off, size_t n)
{
	for (size_t at = 0; at < n; at += SVFS_BLOCK_SIZE) {
		size_t len = n - at < SVFS_BLOCK_SIZE ? n - at : SVFS_BLOCK_SIZE;
		uint64_t pos;
		size_t done;
		int err;

		if (all_zero(c->buf + at, len))
			continue;
		if ((err = vfs_seek(&c->fdt, fd, (int64_t)(off + at),
				    SV_SEEK_SET, &pos)) ||
		    (err = vfs_write(&c->fdt, fd, c->buf + at, len, &done)))
			return err;
	}
	return 0;
}

static int cmd_put(struct cp *c, const char *host, const char *path)
{
	char dst[SV_PATH_MAX + 1];
	const char *base = strrchr(host, '/') ? strrchr(host, '/') + 1 : host;
	const char *slash = strrchr(path, '/');
	struct sv_stat st;
	uint64_t off = 0;
	off_t end;
	ssize_t got;
	int hfd, fd, err;

	/* "dir/" or an existing directory: put the file in it */
	if (slash && slash != path &&
	    (err = mkdir_p(c, path, (size_t)(slash - path))))
		return fail("mkdir", path, err);
	if (slash && slash[1] == '\0')
		snprintf(dst, sizeof(dst), "%s%s", path, base);
	else if (!vfs_stat(&c->vfs, path, strlen(path), &st) &&
		 st.type == SV_FT_DIR)
		snprintf(dst, sizeof(dst), "%s/%s", strcmp(path, "/") ? path
								: "", base);
	else
		snprintf(dst, sizeof(dst), "%s", path);
	hfd = open(host, O_RDONLY | O_CLOEXEC);
	if (hfd < 0) {
		fprintf(stderr, "svfs-cp: %s: %s\n", host, strerror(errno));
		return 1;
	}
	err = vfs_open(&c->vfs, &c->fdt, dst, strlen(dst),
		       SV_O_WRONLY | SV_O_CREAT | SV_O_TRUNC, &fd);
	if (err) {
		close(hfd);
		return fail("create", dst, err);
	}
	/* Only the host file's data regions are read (SEEK_DATA), so a big
	 * sparse guest image copies in the time its data takes. */
	end = lseek(hfd, 0, SEEK_END);
	while (!err && off < (uint64_t)end) {
		off_t data = lseek(hfd, (off_t)off, SEEK_DATA);

		if (data < 0 && errno == ENXIO)
			break;		/* only a hole is left */
		if (data > 0)
			off = (uint64_t)data;
		got = pread(hfd, c->buf, CHUNK, (off_t)off);
		if (got <= 0) {
			err = got < 0 ? -SV_EIO : 0;
			break;
		}
		err = write_sparse(c, fd, off, (size_t)got);
		off += (uint64_t)got;
	}
	if (!err && end < 0)
		err = -SV_EIO;
	if (!err)	/* a trailing hole still counts in the size */
		err = vfs_ftruncate(&c->fdt, fd, (uint64_t)end);
	if (!err)
		err = vfs_fsync(&c->fdt, fd);
	close(hfd);
	if (vfs_close(&c->fdt, fd) && !err)
		err = -SV_EIO;
	return err ? fail("write", dst, err) : 0;
}

static int cmd_get(struct cp *c, const char *path, const char *host)
{
	struct sv_stat st;
	uint64_t off = 0;
	size_t done;
	int hfd, fd, err;

	err = vfs_open(&c->vfs, &c->fdt, path, strlen(path), SV_O_RDONLY, &fd);
	if (err)
		return fail("open", path, err);
	err = vfs_fstat(&c->fdt, fd, &st);
	hfd = open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (hfd < 0) {
		fprintf(stderr, "svfs-cp: %s: %s\n", host, strerror(errno));
		err = vfs_close(&c->fdt, fd);
		return 1;
	}
	while (!err && off < st.size &&
	       !(err = vfs_read(&c->fdt, fd, c->buf, CHUNK, &done)) && done) {
		for (size_t at = 0; at < done && !err; at += SVFS_BLOCK_SIZE) {
			size_t len = done - at < SVFS_BLOCK_SIZE ?
				     done - at : SVFS_BLOCK_SIZE;

			if (!all_zero(c->buf + at, len) &&
			    pwrite(hfd, c->buf + at, len,
				   (off_t)(off + at)) != (ssize_t)len)
				err = -SV_EIO;
		}
		off += done;
	}
	if (!err && ftruncate(hfd, (off_t)off) < 0)
		err = -SV_EIO;
	if (close(hfd) < 0 && !err)
		err = -SV_EIO;
	if (vfs_close(&c->fdt, fd) && !err)
		err = -SV_EIO;
	return err ? fail("copy", path, err) : 0;
}

static int cmd_rm(struct cp *c, const char *path)
{
	struct sv_stat st;
	int err = vfs_stat(&c->vfs, path, strlen(path), &st);

	if (!err)
		err = st.type == SV_FT_DIR ? vfs_rmdir(&c->vfs, path,
						       strlen(path))
					   : vfs_unlink(&c->vfs, path,
							strlen(path));
	return err ? fail("rm", path, err) : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: svfs-cp IMAGE ls [PATH]\n"
		"       svfs-cp IMAGE put HOSTFILE PATH\n"
		"       svfs-cp IMAGE get PATH HOSTFILE\n"
		"       svfs-cp IMAGE mkdir PATH\n"
		"       svfs-cp IMAGE rm PATH\n");
	return 2;
}

static int run(struct cp *c, int argc, char **argv)
{
	const char *cmd = argv[2];

	if (!strcmp(cmd, "ls") && argc <= 4)
		return cmd_ls(c, argc == 4 ? argv[3] : "/");
	if (!strcmp(cmd, "put") && argc == 5)
		return cmd_put(c, argv[3], argv[4]);
	if (!strcmp(cmd, "get") && argc == 5)
		return cmd_get(c, argv[3], argv[4]);
	if (!strcmp(cmd, "mkdir") && argc == 4) {
		int err = mkdir_p(c, argv[3], strlen(argv[3]));

		return err ? fail("mkdir", argv[3], err) : 0;
	}
	if (!strcmp(cmd, "rm") && argc == 4)
		return cmd_rm(c, argv[3]);
	return usage();
}

int main(int argc, char **argv)
{
	static struct cp c;
	bool writes;
	int rc, err;

	if (argc < 3)
		return usage();
	writes = strcmp(argv[2], "ls") && strcmp(argv[2], "get");
	/* Mounting replays the journal, so even ls wants write access;
	 * a read-only image is listed as it stands. */
	if (svfs_image_open(&c.img, argv[1], true) &&
	    (writes || svfs_image_open(&c.img, argv[1], false)))
		return 1;
	err = c.img.io.write ? svfs_mount(&c.fs, &c.img.io, &svfs_image_alloc)
			     : svfs_open(&c.fs, &c.img.io, &svfs_image_alloc,
					 0);
	if (err) {
		svfs_image_close(&c.img);
		return fail("mount", argv[1], err);
	}
	vfs_init(&c.vfs);
	vfs_fdtable_init(&c.fdt);
	err = vfs_mount(&c.vfs, "/", 1, &c.fs.fs);
	rc = err ? fail("mount", argv[1], err) : run(&c, argc, argv);
	vfs_fdtable_close_all(&c.fdt);
	if (!err && vfs_unmount(&c.vfs, "/", 1))
		rc = 1;
	if ((err = svfs_unmount(&c.fs))) {
		fail("sync", argv[1], err);
		rc = 1;
	}
	svfs_image_close(&c.img);
	return rc;
}
