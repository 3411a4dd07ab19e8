/*
 * fsck for svfs (sv/svfs.h): check an image and repair what it can.
 *
 * The image is opened like a mount (the journal replayed: for a check
 * only, in memory), then walked from the root directory: every directory
 * entry must name a live inode of its type that nothing else names, every
 * block pointer must point into the data area at a block nothing else
 * uses and lie below the file's size. What the walk reached is then
 * compared with the rest: inodes it did not reach are unreferenced, and
 * the bitmap must mark exactly the blocks it found.
 *
 * A repair removes what is wrong (an entry, a pointer, an inode) rather
 * than guess what was meant, and rewrites the counts and the bitmap from
 * what the walk found. Repairs go through the journal, committed as the
 * transaction fills; a crash in the middle of fsck means running it again.
 */
#include "sv/svfs.h"

#include <stdarg.h>

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "sv/svfs_format.h"

#define BS SVFS_BLOCK_SIZE
#define PPB ((uint64_t)SVFS_PTRS_PER_BLOCK)

struct fsck {
	struct svfs fs;
	bool repair;
	uint64_t errors;
	uint8_t *used;		/* one bit per block: reached */
	uint8_t *seen;		/* one byte per inode: 1 reached */
	uint64_t *queue;	/* directories to scan */
	uint64_t qhead, qtail;
	uint8_t *level[4];	/* a map block per level */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

static void problem(struct fsck *c, const char *fmt, ...) SV_PRINTF(2, 3);
static void problem(struct fsck *c, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	c->errors++;
	if (!c->log)
		return;
	va_start(ap, fmt);
	sv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->log(c->log_ctx, line);
}

/* A name on disk must not hold NUL or '/'. */
static bool name_bad(const char *name, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (name[i] == '\0' || name[i] == '/')
			return true;
	return false;
}

static bool bit_get(const uint8_t *map, uint64_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *map, uint64_t i)
{
	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* A block of the transaction to change, committing first when full. */
static int fix_bget(struct fsck *c, uint64_t blk, uint8_t **out)
{
	int err;

	if (c->fs.ndirty + 2 > c->fs.max_dirty &&
	    (err = svfs_commit(&c->fs)))
		return err;
	return svfs_bget(&c->fs, blk, out);
}

static int fix_iput(struct fsck *c, uint64_t ino, const struct svfs_inode *in)
{
	uint8_t *p;
	int err = fix_bget(c, c->fs.itable_start +
			   (ino - 1) / SVFS_INODES_PER_BLOCK, &p);

	if (!err)
		err = svfs_iput(&c->fs, ino, in);
	return err;
}

/* Claim block b for a file: false if it is outside the data area or
 * already taken (the caller drops the pointer). */
static bool claim(struct fsck *c, uint64_t b)
{
	if (b < c->fs.data_start || b >= c->fs.blocks || bit_get(c->used, b))
		return false;
	bit_set(c->used, b);
	return true;
}

static const uint64_t cover[4] = { 1, PPB, PPB * PPB, PPB * PPB * PPB };

/*
 * Check the map block blk of inode ino (level >= 1, first logical block
 * base): claim its children, drop bad ones and those past the size.
 */
static int walk_map(struct fsck *c, uint64_t ino, uint64_t blk,
		    unsigned level, uint64_t base, uint64_t size,
		    uint64_t *count)
{
	uint64_t *e = (uint64_t *)(void *)c->level[level - 1];
	int err = svfs_bread(&c->fs, blk, e);

	for (uint64_t i = 0; i < PPB && !err; i++) {
		uint64_t cbase = base + i * cover[level - 1];
		uint8_t *p;

		if (!e[i])
			continue;
		if (cbase * BS < size && claim(c, e[i])) {
			(*count)++;
			if (level > 1)
				err = walk_map(c, ino, e[i], level - 1, cbase,
					       size, count);
			continue;
		}
		problem(c, "inode %lu: bad or shared block %lu dropped",
			ino, e[i]);
		if (c->repair && !(err = fix_bget(c, blk, &p)))
			sv_memset(p + i * 8, 0, 8);
	}
	return err;
}

/* Check every block pointer of in; *changed when in was repaired. */
static int walk_inode(struct fsck *c, uint64_t ino, struct svfs_inode *in,
		      bool *changed)
{
	uint64_t count = 0, base = SVFS_NDIRECT;
	int err;

	for (unsigned i = 0; i < SVFS_NPTR; i++) {
		unsigned level = i < SVFS_NDIRECT ? 0 : i - SVFS_NDIRECT + 1;
		uint64_t first = level == 0 ? i : base;

		if (level)
			base += cover[level];
		if (!in->ptr[i])
			continue;
		if (first * BS >= in->size || !claim(c, in->ptr[i])) {
			problem(c, "inode %lu: bad or shared block %lu "
				"dropped", ino, in->ptr[i]);
			in->ptr[i] = 0;
			*changed = true;
			continue;
		}
		count++;
		if (level &&
		    (err = walk_map(c, ino, in->ptr[i], level, first, in->size,
				    &count)))
			return err;
	}
	if (count != in->nblocks) {
		problem(c, "inode %lu: block count %lu wrong", ino,
			in->nblocks);
		in->nblocks = count;
		*changed = true;
	}
	return 0;
}

/* Check the entries of directory dino; queue its subdirectories. */
static int scan_dir(struct fsck *c, uint64_t dino, struct svfs_inode *dir)
{
	uint64_t entries = 0, slots = dir->size / BS * SVFS_DIRENTS_PER_BLOCK;
	struct svfs_dirent_disk d;
	struct svfs_inode in, copy;
	bool changed = false;
	int err;

	for (uint64_t s = 0; s < slots; s++) {
		uint64_t lblk = s / SVFS_DIRENTS_PER_BLOCK, pb = 0, q = lblk;
		size_t off = (size_t)(s % SVFS_DIRENTS_PER_BLOCK) *
			     SVFS_DIRENT_SIZE;
		const char *why = NULL;
		uint8_t *p;

		/* Directories stay small: their blocks are direct or under the
		 * single indirect block (checked by walk_inode already). */
		if (q < SVFS_NDIRECT) {
			pb = dir->ptr[q];
		} else if (q - SVFS_NDIRECT < PPB && dir->ptr[SVFS_NDIRECT]) {
			err = svfs_bread(&c->fs, dir->ptr[SVFS_NDIRECT],
					 c->level[0]);
			if (err)
				return err;
			sv_memcpy(&pb, c->level[0] + (q - SVFS_NDIRECT) * 8, 8);
		}
		if (!pb)
			continue;
		if ((err = svfs_bread(&c->fs, pb, c->level[1])))
			return err;
		sv_memcpy(&d, c->level[1] + off, sizeof(d));
		if (!d.ino)
			continue;
		if (d.ino > c->fs.inode_count || d.namelen == 0 ||
		    d.namelen > SV_NAME_MAX ||
		    name_bad(d.name, d.namelen))
			why = "bad entry";
		else if (c->seen[d.ino - 1] || d.ino == SVFS_ROOT_INO)
			why = "second link";
		else if ((err = svfs_iget(&c->fs, d.ino, &in)))
			return err;
		else if (!svfs_inode_valid(&c->fs, &in) || in.type != d.type)
			why = "entry names a bad inode";
		if (why) {
			problem(c, "directory %lu: %s, slot %lu removed",
				dino, why, s);
			if (c->repair && !(err = fix_bget(c, pb, &p)))
				sv_memset(p + off, 0, sizeof(d));
			if (err)
				return err;
			continue;
		}
		entries++;
		c->seen[d.ino - 1] = 1;
		copy = in;
		if ((err = walk_inode(c, d.ino, &in, &changed)))
			return err;
		if (in.nlink != 1) {
			problem(c, "inode %lu: link count %u", d.ino,
				in.nlink);
			in.nlink = 1;
		}
		if (in.type == SV_FT_DIR) {
			if (in.parent != dino) {
				problem(c, "directory %lu: parent %lu wrong",
					d.ino, in.parent);
				in.parent = dino;
			}
			c->queue[c->qtail++] = d.ino;
		}
		if (c->repair && sv_memcmp(&copy, &in, sizeof(in)) &&
		    (err = fix_iput(c, d.ino, &in)))
			return err;
	}
	if (entries != dir->entries) {
		problem(c, "directory %lu: entry count %lu wrong", dino,
			dir->entries);
		dir->entries = entries;
		if (c->repair && (err = fix_iput(c, dino, dir)))
			return err;
	}
	return 0;
}

static int walk_tree(struct fsck *c)
{
	struct svfs_inode root, copy;
	bool changed = false;
	int err;

	if ((err = svfs_iget(&c->fs, SVFS_ROOT_INO, &root)))
		return err;
	copy = root;
	c->seen[SVFS_ROOT_INO - 1] = 1;
	if ((err = walk_inode(c, SVFS_ROOT_INO, &root, &changed)))
		return err;
	if (root.parent != SVFS_ROOT_INO || root.nlink != 1) {
		problem(c, "root: parent %lu, links %u", root.parent,
			root.nlink);
		root.parent = SVFS_ROOT_INO;
		root.nlink = 1;
	}
	if (c->repair && sv_memcmp(&copy, &root, sizeof(root)) &&
	    (err = fix_iput(c, SVFS_ROOT_INO, &root)))
		return err;
	c->queue[c->qtail++] = SVFS_ROOT_INO;
	while (c->qhead < c->qtail) {
		uint64_t dino = c->queue[c->qhead++];
		struct svfs_inode dir;

		if ((err = svfs_iget(&c->fs, dino, &dir)) ||
		    (err = scan_dir(c, dino, &dir)))
			return err;
	}
	return 0;
}

/*
 * Inodes the walk did not reach: an orphan (nlink 0: unlinked while open
 * when the power went) is a normal state that the next mount frees, so
 * its blocks are claimed and it is left alone; anything else is
 * unreferenced and freed.
 */
static int check_unreached(struct fsck *c)
{
	struct svfs_inode in, zero, copy;
	bool changed = false;
	int err;

	sv_memset(&zero, 0, sizeof(zero));
	for (uint64_t ino = 1; ino <= c->fs.inode_count; ino++) {
		if (c->seen[ino - 1])
			continue;
		if ((err = svfs_iget(&c->fs, ino, &in)))
			return err;
		if (sv_memcmp(&in, &zero, sizeof(in)) == 0)
			continue;
		if (in.nlink == 0 && svfs_inode_valid(&c->fs, &in)) {
			copy = in;
			if ((err = walk_inode(c, ino, &in, &changed)))
				return err;
			if (c->repair && sv_memcmp(&copy, &in, sizeof(in)) &&
			    (err = fix_iput(c, ino, &in)))
				return err;
			continue;
		}
		problem(c, "inode %lu (type %u) unreferenced, freed", ino,
			in.type);
		if (c->repair && (err = fix_iput(c, ino, &zero)))
			return err;
	}
	return 0;
}

static int check_bitmap(struct fsck *c)
{
	uint8_t *disk = c->level[0], *p;
	uint64_t wrong = 0;
	int err;

	for (uint64_t bmb = 0; bmb < c->fs.bitmap_len; bmb++) {
		uint64_t lo = bmb * BS * 8;
		bool bad = false;

		if ((err = svfs_bread(&c->fs, c->fs.bitmap_start + bmb, disk)))
			return err;
		for (uint64_t b = lo; b < lo + BS * 8 && b < c->fs.blocks; b++)
			if (bit_get(disk, b - lo) != bit_get(c->used, b)) {
				wrong++;
				bad = true;
			}
		if (!bad || !c->repair)
			continue;
		if ((err = fix_bget(c, c->fs.bitmap_start + bmb, &p)))
			return err;
		sv_memset(p, 0, BS);
		for (uint64_t b = lo; b < lo + BS * 8 && b < c->fs.blocks; b++)
			if (bit_get(c->used, b))
				bit_set(p, b - lo);
	}
	if (wrong)
		problem(c, "bitmap: %lu blocks marked wrong", wrong);
	return 0;
}

static void *fsck_alloc(struct fsck *c, size_t size)
{
	void *p = c->fs.alloc.alloc(c->fs.alloc.ctx, size);

	if (p)
		sv_memset(p, 0, size);
	return p;
}

static void fsck_free(struct fsck *c, void *p, size_t size)
{
	if (p)
		c->fs.alloc.free(c->fs.alloc.ctx, p, size);
}

static size_t used_bytes(const struct fsck *c)
{
	return (size_t)(c->fs.blocks / 8 + 1);
}

static int fsck_run(struct fsck *c)
{
	int err;

	c->used = fsck_alloc(c, used_bytes(c));
	c->seen = fsck_alloc(c, (size_t)c->fs.inode_count);
	c->queue = fsck_alloc(c, (size_t)c->fs.inode_count * 8);
	for (unsigned i = 0; i < 4; i++)
		c->level[i] = fsck_alloc(c, BS);
	if (!c->used || !c->seen || !c->queue || !c->level[3])
		return -SV_ENOMEM;
	for (uint64_t b = 0; b < c->fs.data_start; b++)
		bit_set(c->used, b);
	if ((err = walk_tree(c)) || (err = check_unreached(c)) ||
	    (err = check_bitmap(c)))
		return err;
	return c->repair ? svfs_commit(&c->fs) : 0;
}

int svfs_fsck(const struct svfs_blkio *io, const struct sv_fs_alloc *alloc,
	      bool repair, void (*log)(void *ctx, const char *line),
	      void *log_ctx)
{
	struct fsck c;
	int err;

	sv_memset(&c, 0, sizeof(c));
	c.repair = repair;
	c.log = log;
	c.log_ctx = log_ctx;
	err = svfs_open(&c.fs, io, alloc, repair ? SVFS_OPEN_REPLAY : 0);
	if (err == -SV_ECORRUPT) {
		problem(&c, "superblock, journal or root directory damaged: "
			"cannot check");
		return SVFS_FSCK_LEFT;
	}
	if (err)
		return err;
	err = fsck_run(&c);
	fsck_free(&c, c.used, used_bytes(&c));
	fsck_free(&c, c.seen, (size_t)c.fs.inode_count);
	fsck_free(&c, c.queue, (size_t)c.fs.inode_count * 8);
	for (unsigned i = 0; i < 4; i++)
		fsck_free(&c, c.level[i], BS);
	if (err == -SV_ECORRUPT) {
		problem(&c, "unreadable metadata: check stopped");
		svfs_close(&c.fs);
		return SVFS_FSCK_LEFT;
	}
	svfs_close(&c.fs);
	if (err)
		return err;
	if (!c.errors)
		return SVFS_FSCK_CLEAN;
	return repair ? SVFS_FSCK_FIXED : SVFS_FSCK_LEFT;
}
