/*
 * A file on the host as an svfs block device (struct svfs_blkio), for the
 * svfs host tools: mkfs.svfs, fsck.svfs and svfs-cp. Writes go through
 * pwrite; flush is fdatasync, so the journal's ordering holds on the host
 * file too.
 */
#ifndef SV_SVFS_IMAGE_H
#define SV_SVFS_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/svfs.h"
#include "sv/vfs.h"

struct svfs_image {
	int fd;
	struct svfs_blkio io;
};

/* Open path (read-only unless writable); prints why on failure. */
int svfs_image_open(struct svfs_image *img, const char *path, bool writable);
void svfs_image_close(struct svfs_image *img);
/* malloc and free, as a struct sv_fs_alloc. */
extern const struct sv_fs_alloc svfs_image_alloc;
/* "64M", "4G", "1048576": bytes, or 0 when not a size. */
uint64_t svfs_parse_size(const char *s);

#endif /* SV_SVFS_IMAGE_H */
