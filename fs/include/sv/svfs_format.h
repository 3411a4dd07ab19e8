/*
 * svfs on-disk format and the internals shared by fs/svfs.c (the file
 * system) and fs/svfs_fsck.c (the checker). docs/filesystem.md explains
 * the layout and why it survives a power cut. All integers little-endian
 * (the only byte order Smart-VM runs on); blocks are SVFS_BLOCK_SIZE.
 *
 *   block 0                      superblock (written by mkfs only)
 *   journal_start.. +journal_len journal: header block, then its blocks
 *   bitmap_start..  +bitmap_len  one bit per block, 1 = in use
 *   itable_start..               inode_count inodes of 256 bytes
 *   data_start..blocks           file data, directories, map blocks
 */
#ifndef SV_SVFS_FORMAT_H
#define SV_SVFS_FORMAT_H

#include <stdint.h>

#include "sv/svfs.h"

#define SVFS_MAGIC		0x3130305346565353ull	/* "SSVFS001" */
#define SVFS_JOURNAL_MAGIC	0x4c4e524a53465653ull	/* "SVFSJRNL" */
#define SVFS_VERSION		1u
#define SVFS_ROOT_INO		1u
#define SVFS_INODE_SIZE		256u
#define SVFS_INODES_PER_BLOCK	(SVFS_BLOCK_SIZE / SVFS_INODE_SIZE)
#define SVFS_PTRS_PER_BLOCK	(SVFS_BLOCK_SIZE / 8u)
#define SVFS_NDIRECT		10u
#define SVFS_NPTR		(SVFS_NDIRECT + 3u)	/* + 1, 2, 3 levels */
#define SVFS_DIRENT_SIZE	272u
#define SVFS_DIRENTS_PER_BLOCK	(SVFS_BLOCK_SIZE / SVFS_DIRENT_SIZE)
/* A directory uses its direct and single-indirect blocks only: 7830
 * entries, and fsck can walk it without a deep map. */
#define SVFS_DIR_MAX_BLOCKS	(SVFS_NDIRECT + SVFS_PTRS_PER_BLOCK)
#define SVFS_JOURNAL_MAX_TX	255u	/* blocks in one transaction */
#define SVFS_JOURNAL_MIN	16u

struct svfs_super {
	uint64_t magic;
	uint32_t version, block_size;
	uint64_t blocks, journal_start, journal_len, bitmap_start, bitmap_len;
	uint64_t itable_start, inode_count, data_start;
	uint32_t pad, crc;		/* crc32 of the bytes before crc */
};

struct svfs_inode {
	uint16_t type;			/* 0 free, else enum sv_ftype */
	uint16_t pad;
	uint32_t nlink;			/* 1 linked, 0 orphan to reclaim */
	uint64_t size;			/* bytes (a directory: slot bytes) */
	uint64_t nblocks;		/* data + map blocks owned */
	uint64_t entries;		/* directories: live entries */
	uint64_t parent;		/* directories: ".." */
	uint64_t ptr[SVFS_NPTR];	/* 10 direct, then 1-, 2-, 3-level */
	uint8_t spare[SVFS_INODE_SIZE - 40 - 8 * SVFS_NPTR];
};

struct svfs_dirent_disk {
	uint64_t ino;			/* 0: free slot */
	uint32_t type;
	uint32_t namelen;
	char name[256];			/* not NUL-terminated on disk */
};

/* The journal's first block: a transaction of count blocks follows it. */
struct svfs_jheader {
	uint64_t magic, seq;
	uint32_t count;
	uint32_t data_crc;		/* crc32 over the count blocks */
	uint64_t pad;
	uint64_t target[SVFS_JOURNAL_MAX_TX];	/* home block of each */
	/* the header crc sits in the block's last 4 bytes */
};

_Static_assert(sizeof(struct svfs_inode) == SVFS_INODE_SIZE, "inode size");
_Static_assert(sizeof(struct svfs_dirent_disk) == SVFS_DIRENT_SIZE,
	       "dirent size");
_Static_assert(sizeof(struct svfs_jheader) + 4 <= SVFS_BLOCK_SIZE,
	       "journal header fits a block");

struct svfs_dirty {
	uint64_t blk;
	uint8_t *data;
};

/* Internals shared with svfs_fsck.c. */
#define SVFS_OPEN_REPLAY	1u	/* write a replayed journal home */
#define SVFS_OPEN_RECLAIM	2u	/* free orphans */
SV_MUST_CHECK int svfs_open(struct svfs *fs, const struct svfs_blkio *io,
			    const struct sv_fs_alloc *alloc, unsigned flags);
void svfs_close(struct svfs *fs);
SV_MUST_CHECK int svfs_bread(struct svfs *fs, uint64_t blk, void *buf);
/* The block's copy in the open transaction, to change. */
SV_MUST_CHECK int svfs_bget(struct svfs *fs, uint64_t blk, uint8_t **out);
SV_MUST_CHECK int svfs_commit(struct svfs *fs);
SV_MUST_CHECK int svfs_iget(struct svfs *fs, uint64_t ino,
			    struct svfs_inode *out);
SV_MUST_CHECK int svfs_iput(struct svfs *fs, uint64_t ino,
			    const struct svfs_inode *in);
bool svfs_inode_valid(const struct svfs *fs, const struct svfs_inode *in);

#endif /* SV_SVFS_FORMAT_H */
