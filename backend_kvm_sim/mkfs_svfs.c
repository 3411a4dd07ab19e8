/*
 * mkfs.svfs IMAGE [SIZE]: make an empty svfs file system in IMAGE, a host
 * file (created, or resized to SIZE such as 64M or 8G: sparse on the host)
 * or a block device. The format is in docs/filesystem.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv/errno.h"
#include "svfs_image.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkfs.svfs IMAGE [SIZE]\n"
		"  SIZE: bytes, or with K, M, G, T (at least 256K); creates or\n"
		"  resizes IMAGE; without it the whole existing IMAGE is used\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct svfs_image img;
	uint64_t size = 0;
	int fd, err;

	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return usage();
	if (argc == 3 && (size = svfs_parse_size(argv[2])) == 0)
		return usage();
	if (size) {
		fd = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			fprintf(stderr, "mkfs.svfs: %s: %s\n", argv[1],
				strerror(errno));
			return 1;
		}
		close(fd);
	}
	if (svfs_image_open(&img, argv[1], true))
		return 1;
	err = svfs_mkfs(&img.io, 0);
	svfs_image_close(&img);
	if (err) {
		fprintf(stderr, "mkfs.svfs: %s: %s\n", argv[1],
			err == -SV_EINVAL ? "too small (or not sector-sized)"
					  : sv_strerror(err));
		return 1;
	}
	printf("mkfs.svfs: %s: %llu blocks of %u bytes\n", argv[1],
	       (unsigned long long)(img.io.sector_count /
				    (SVFS_BLOCK_SIZE / img.io.sector_size)),
	       SVFS_BLOCK_SIZE);
	return 0;
}
