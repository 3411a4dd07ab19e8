/*
 * ramfs: a file system in memory, the root file system at boot.
 *
 * Directories and regular files; file data lives in page-sized chunks
 * taken from the caller's allocator, only where something was written, so
 * files may be sparse and as large as SV_VFS_OFF_MAX. Running out of memory
 * is SV_ENOSPC and leaves the tree as it was.
 *
 * The caller owns struct ramfs (embed it or put it in static storage),
 * mounts &rfs->fs with vfs_mount, and calls ramfs_destroy once it is
 * unmounted; destroy returns every byte to the allocator.
 */
#ifndef SV_RAMFS_H
#define SV_RAMFS_H

#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/vfs.h"

#define RAMFS_PAGE_SIZE 4096u

struct ramfs_node;

struct ramfs {
	struct sv_fs fs;		/* what the VFS sees */
	struct sv_fs_alloc alloc;
	struct ramfs_node *root;
	struct sv_list_node nodes;	/* every live node, for destroy */
	uint64_t next_ino;
};

/* An empty file system (just a root directory); SV_ENOSPC without memory. */
SV_MUST_CHECK int ramfs_init(struct ramfs *rfs, const struct sv_fs_alloc *alloc);
/* Free every node and page, including unlinked nodes still referenced. */
void ramfs_destroy(struct ramfs *rfs);

#endif /* SV_RAMFS_H */
