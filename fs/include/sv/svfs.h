/*
 * svfs: the project's crash-safe on-disk file system (docs/filesystem.md).
 *
 * svfs reads and writes whole sectors through struct svfs_blkio, a table
 * of three callbacks and a context: on bare metal an adapter over
 * struct sv_blockdev, on Linux a file, in tests memory. Every change,
 * data and metadata, goes through a redo journal: a transaction is written
 * to the journal with a checksum over all of it, then to its home
 * blocks; mount replays a complete transaction and ignores a torn one.
 * fsync commits everything changed so far.
 *
 * The caller owns struct svfs, mounts &fs->fs with vfs_mount, and calls
 * svfs_unmount once the VFS has let go of it. Not thread-safe.
 */
#ifndef SV_SVFS_H
#define SV_SVFS_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/vfs.h"

/* Sector access: 0 or a negative SV_E* code. sector_size divides 4096. */
struct svfs_blkio {
	int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t sector, uint32_t count,
		     const void *buf);
	int (*flush)(void *ctx);	/* NULL: writes are durable at once */
	void *ctx;
	uint32_t sector_size;
	uint64_t sector_count;
};

#define SVFS_BLOCK_SIZE		4096u
#define SVFS_MIN_BLOCKS		64u	/* smallest image: 256 KiB */

struct svfs_dirty;	/* a block changed in the open transaction */

struct svfs {
	struct sv_fs fs;		/* what the VFS sees */
	struct svfs_blkio io;
	struct sv_fs_alloc alloc;
	/* geometry, from the superblock */
	uint64_t blocks, journal_start, journal_len, bitmap_start,
		 bitmap_len, itable_start, inode_count, data_start;
	uint64_t free_blocks, seq, alloc_hint, ino_hint;
	/* the open transaction: at most max_dirty blocks */
	struct svfs_dirty *dirty;
	uint32_t ndirty, max_dirty;
	uint8_t *scratch[7];		/* see SCR_* in svfs.c */
	struct sv_list_node nodes;	/* struct svfs_node, referenced */
	bool readonly;			/* fsck -n: never write */
	int io_error;			/* sticky: after one, refuse writes */
};

/* Make an empty file system over the first blocks * 4096 bytes (0: the
 * whole device). */
SV_MUST_CHECK int svfs_mkfs(const struct svfs_blkio *io, uint64_t blocks);

/* Check the superblock, replay the journal, reclaim orphans. SV_ECORRUPT
 * for an image that is not svfs or is damaged; never crashes on one. */
SV_MUST_CHECK int svfs_mount(struct svfs *fs, const struct svfs_blkio *io,
			     const struct sv_fs_alloc *alloc);
/* Commit everything changed so far (what fsync does). */
SV_MUST_CHECK int svfs_sync(struct svfs *fs);
/* Commit and free; the VFS must hold no node of fs any more. */
SV_MUST_CHECK int svfs_unmount(struct svfs *fs);

/* Free space: blocks free and in all. */
void svfs_statfs(const struct svfs *fs, uint64_t *free_blocks,
		 uint64_t *total_blocks);

/*
 * fsck: check the image (after replaying a complete journal transaction;
 * with repair false the replay stays in memory) and, with repair, fix
 * what it can. Returns SVFS_FSCK_CLEAN, _FIXED or _LEFT (the e2fsck exit
 * codes 0, 1, 4), or a negative SV_E* code when it could not run. log,
 * when not NULL, gets one line per problem found.
 */
enum { SVFS_FSCK_CLEAN = 0, SVFS_FSCK_FIXED = 1, SVFS_FSCK_LEFT = 4 };
int svfs_fsck(const struct svfs_blkio *io, const struct sv_fs_alloc *alloc,
	      bool repair, void (*log)(void *ctx, const char *line),
	      void *log_ctx);

#endif /* SV_SVFS_H */
