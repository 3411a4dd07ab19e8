/* A host file as an svfs block device (see svfs_image.h). */
#include "svfs_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/errno.h"

#define IMG_SECTOR 512u

static int img_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	struct svfs_image *img = ctx;
	size_t len = (size_t)count * IMG_SECTOR;
	ssize_t n = pread(img->fd, buf, len, (off_t)(sector * IMG_SECTOR));

	if (n < 0)
		return -SV_EIO;
	if ((size_t)n < len)	/* past the end of a short file: zeros */
		memset((char *)buf + n, 0, len - (size_t)n);
	return 0;
}

static int img_write(void *ctx, uint64_t sector, uint32_t count,
		     const void *buf)
{
	struct svfs_image *img = ctx;
	size_t len = (size_t)count * IMG_SECTOR;
	ssize_t n = pwrite(img->fd, buf, len, (off_t)(sector * IMG_SECTOR));

	return n == (ssize_t)len ? 0 : -SV_EIO;
}

static int img_flush(void *ctx)
{
	struct svfs_image *img = ctx;

	return fdatasync(img->fd) == 0 ? 0 : -SV_EIO;
}

int svfs_image_open(struct svfs_image *img, const char *path, bool writable)
{
	struct stat st;

	img->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (img->fd < 0 || fstat(img->fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (img->fd >= 0)
			close(img->fd);
		return -SV_EIO;
	}
	img->io = (struct svfs_blkio){
		.read = img_read,
		.write = writable ? img_write : NULL,
		.flush = img_flush,
		.ctx = img,
		.sector_size = IMG_SECTOR,
		.sector_count = (uint64_t)st.st_size / IMG_SECTOR,
	};
	return 0;
}

void svfs_image_close(struct svfs_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}

static void *img_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void img_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

const struct sv_fs_alloc svfs_image_alloc = { img_alloc, img_free, NULL };

uint64_t svfs_parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)v << shift;
}
