/*
 * svfs: the crash-safe on-disk file system (sv/svfs.h, docs/filesystem.md).
 *
 * Every change goes into the open transaction: a small table of changed
 * blocks in memory (struct svfs_dirty). Reads look there first. Commit
 * writes the table to the journal with one header that names each block's
 * home and carries a checksum over all of it, flushes, then writes the
 * blocks home and flushes again. Mount replays the journal when its header
 * and checksum are whole; replay is idempotent, so a crash during replay
 * or during the home writes only means replaying again.
 *
 * Operations are cut into steps that each leave the file system consistent
 * (a block mapped together with its bitmap bit, an entry removed together
 * with its inode's link count), and a commit only happens between steps,
 * when the table is about to fill: so any committed state is consistent,
 * and fsync (commit everything) makes every earlier change durable.
 *
 * Anything read from the disk is checked before use: a block pointer
 * outside the data area or a bad directory entry is SV_ECORRUPT, never a
 * wild access. An error in the middle of a change stops the file system
 * from writing at all (fs->io_error) rather than commit half a step.
 */
#include "sv/svfs.h"

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/svfs_format.h"

SV_FS_DECLARE(svfs)
static const struct sv_fs_ops svfs_ops = SV_FS_TABLE(svfs);

/* Scratch blocks: map levels nest (0-3), the others never do. */
enum { SCR_JOURNAL = 4, SCR_LEAF = 5, SCR_DIR = 6, SCR_COUNT = 7 };

#define BS SVFS_BLOCK_SIZE
#define PPB ((uint64_t)SVFS_PTRS_PER_BLOCK)
#define STEP_ROOM 16u	/* blocks one step may change, at most */

struct svfs_node {
	struct sv_list_node link;	/* in svfs.nodes */
	uint64_t ino;
	uint32_t refs;
};

static struct svfs *svfs_of(struct sv_fs *f)
{
	return sv_container_of(f, struct svfs, fs);
}

static struct svfs_node *node_of(struct sv_vnode *v)
{
	return (struct svfs_node *)(void *)v;
}

static void *fs_alloc(struct svfs *fs, size_t size)
{
	return fs->alloc.alloc(fs->alloc.ctx, size);
}

static void fs_free(struct svfs *fs, void *p, size_t size)
{
	if (p)
		fs->alloc.free(fs->alloc.ctx, p, size);
}

/* ---- the device ---- */

static uint32_t sectors_per_block(const struct svfs_blkio *io)
{
	return BS / io->sector_size;
}

static int dev_read(const struct svfs_blkio *io, uint64_t blk, void *buf)
{
	uint32_t spb = sectors_per_block(io);

	if (blk >= io->sector_count / spb)
		return -SV_ECORRUPT;
	return io->read(io->ctx, blk * spb, spb, buf);
}

static int dev_write(const struct svfs_blkio *io, uint64_t blk,
		     const void *buf)
{
	uint32_t spb = sectors_per_block(io);

	if (!io->write)
		return -SV_EPERM;
	if (blk >= io->sector_count / spb)
		return -SV_EIO;
	return io->write(io->ctx, blk * spb, spb, buf);
}

static int dev_flush(const struct svfs_blkio *io)
{
	return io->flush ? io->flush(io->ctx) : 0;
}

static bool io_valid(const struct svfs_blkio *io)
{
	return io && io->read && io->sector_size &&
	       io->sector_size <= BS && BS % io->sector_size == 0;
}

/* ---- the open transaction ---- */

static struct svfs_dirty *dirty_find(struct svfs *fs, uint64_t blk)
{
	for (uint32_t i = 0; i < fs->ndirty; i++)
		if (fs->dirty[i].blk == blk)
			return &fs->dirty[i];
	return NULL;
}

int svfs_bread(struct svfs *fs, uint64_t blk, void *buf)
{
	struct svfs_dirty *d = dirty_find(fs, blk);

	if (blk >= fs->blocks)
		return -SV_ECORRUPT;
	if (d) {
		sv_memcpy(buf, d->data, BS);
		return 0;
	}
	return dev_read(&fs->io, blk, buf);
}

/* len bytes at off of block blk, without a whole-block buffer of the
 * caller's. */
static int read_part(struct svfs *fs, uint64_t blk, size_t off, void *dst,
		     size_t len)
{
	struct svfs_dirty *d = dirty_find(fs, blk);
	int err;

	if (d) {
		sv_memcpy(dst, d->data + off, len);
		return 0;
	}
	err = svfs_bread(fs, blk, fs->scratch[SCR_LEAF]);
	if (!err)
		sv_memcpy(dst, fs->scratch[SCR_LEAF] + off, len);
	return err;
}

static bool writable_block(const struct svfs *fs, uint64_t blk)
{
	return blk >= fs->bitmap_start && blk < fs->blocks;
}

/* The transaction's copy of blk: read from disk unless fresh (then zero). */
static int bget_mode(struct svfs *fs, uint64_t blk, bool fresh, uint8_t **out)
{
	struct svfs_dirty *d = dirty_find(fs, blk);
	int err;

	if (!writable_block(fs, blk))
		return -SV_ECORRUPT;
	if (!d) {
		if (fs->ndirty >= fs->max_dirty)
			return -SV_EIO;	/* a step outgrew STEP_ROOM */
		d = &fs->dirty[fs->ndirty];
		if (fresh)
			sv_memset(d->data, 0, BS);
		else if ((err = dev_read(&fs->io, blk, d->data)))
			return err;
		d->blk = blk;
		fs->ndirty++;
	} else if (fresh) {
		sv_memset(d->data, 0, BS);
	}
	*out = d->data;
	return 0;
}

int svfs_bget(struct svfs *fs, uint64_t blk, uint8_t **out)
{
	return bget_mode(fs, blk, false, out);
}

static void put_crc(uint8_t *block)
{
	uint32_t crc = sv_crc32(0, block, BS - 4);

	sv_memcpy(block + BS - 4, &crc, 4);
}

static bool crc_ok(const uint8_t *block)
{
	uint32_t crc;

	sv_memcpy(&crc, block + BS - 4, 4);
	return crc == sv_crc32(0, block, BS - 4);
}

static int write_home(struct svfs *fs)
{
	int err;

	for (uint32_t i = 0; i < fs->ndirty; i++) {
		err = dev_write(&fs->io, fs->dirty[i].blk, fs->dirty[i].data);
		if (err)
			return err;
	}
	return dev_flush(&fs->io);
}

int svfs_commit(struct svfs *fs)
{
	struct svfs_jheader *h = (void *)fs->scratch[SCR_JOURNAL];
	uint32_t crc = 0;
	int err = 0;

	if (fs->io_error)
		return fs->io_error;
	if (fs->ndirty == 0)
		return 0;
	if (fs->readonly)
		return -SV_EPERM;
	sv_memset(h, 0, BS);
	for (uint32_t i = 0; i < fs->ndirty && !err; i++) {
		err = dev_write(&fs->io, fs->journal_start + 1 + i,
				fs->dirty[i].data);
		crc = sv_crc32(crc, fs->dirty[i].data, BS);
		h->target[i] = fs->dirty[i].blk;
	}
	h->magic = SVFS_JOURNAL_MAGIC;
	h->seq = ++fs->seq;
	h->count = fs->ndirty;
	h->data_crc = crc;
	put_crc(fs->scratch[SCR_JOURNAL]);
	/* The header is the commit record: once it is whole on the disk,
	 * with the blocks its checksum covers, the transaction counts. */
	if (!err)
		err = dev_write(&fs->io, fs->journal_start, h);
	if (!err)
		err = dev_flush(&fs->io);
	if (!err)
		err = write_home(fs);
	if (err) {
		fs->io_error = err;
		return err;
	}
	fs->ndirty = 0;
	return 0;
}

/* An error in the middle of a change: write nothing more, ever. */
static int fs_fail(struct svfs *fs, int err)
{
	if (!fs->io_error)
		fs->io_error = err;
	fs->ndirty = 0;
	return err;
}

/*
 * Load a whole journal transaction into the open transaction (the
 * overlay); with write, also write it home. A torn or absent one is
 * ignored: its home writes never started.
 */
static int journal_load(struct svfs *fs, bool write)
{
	const struct svfs_jheader *h = (void *)fs->scratch[SCR_JOURNAL];
	uint32_t crc = 0;
	int err = dev_read(&fs->io, fs->journal_start, fs->scratch[SCR_JOURNAL]);

	if (err)
		return err;
	if (h->magic != SVFS_JOURNAL_MAGIC || !crc_ok(fs->scratch[SCR_JOURNAL]))
		return 0;
	fs->seq = h->seq;
	if (h->count > fs->max_dirty)
		return -SV_ECORRUPT;
	for (uint32_t i = 0; i < h->count; i++) {
		if (!writable_block(fs, h->target[i]))
			return -SV_ECORRUPT;
		err = dev_read(&fs->io, fs->journal_start + 1 + i,
			       fs->dirty[i].data);
		if (err)
			return err;
		crc = sv_crc32(crc, fs->dirty[i].data, BS);
		fs->dirty[i].blk = h->target[i];
	}
	if (crc != h->data_crc)
		return 0;	/* a later transaction was being written */
	fs->ndirty = h->count;
	if (!write)
		return 0;
	err = write_home(fs);
	fs->ndirty = 0;
	return err;
}

/* Make room for a step of up to n blocks, committing if needed; the
 * inode being changed (if any) goes into the transaction first. */
static int ensure_room(struct svfs *fs, uint32_t n, uint64_t ino,
		       const struct svfs_inode *in)
{
	int err;

	if (fs->ndirty + n <= fs->max_dirty)
		return 0;
	if (in && (err = svfs_iput(fs, ino, in)))
		return err;
	return svfs_commit(fs);
}

/* ---- inodes and blocks ---- */

bool svfs_inode_valid(const struct svfs *fs, const struct svfs_inode *in)
{
	if (in->type != SV_FT_REG && in->type != SV_FT_DIR)
		return false;
	if (in->type == SV_FT_DIR &&
	    (in->parent == 0 || in->parent > fs->inode_count ||
	     in->size % BS != 0 ||
	     in->size > (uint64_t)SVFS_DIR_MAX_BLOCKS * BS))
		return false;
	return in->size <= SV_VFS_OFF_MAX;
}

static uint64_t inode_block(const struct svfs *fs, uint64_t ino)
{
	return fs->itable_start + (ino - 1) / SVFS_INODES_PER_BLOCK;
}

static size_t inode_off(uint64_t ino)
{
	return (size_t)((ino - 1) % SVFS_INODES_PER_BLOCK) * SVFS_INODE_SIZE;
}

int svfs_iget(struct svfs *fs, uint64_t ino, struct svfs_inode *out)
{
	if (ino == 0 || ino > fs->inode_count)
		return -SV_ECORRUPT;
	return read_part(fs, inode_block(fs, ino), inode_off(ino), out,
			 sizeof(*out));
}

int svfs_iput(struct svfs *fs, uint64_t ino, const struct svfs_inode *in)
{
	uint8_t *p;
	int err;

	if (ino == 0 || ino > fs->inode_count)
		return -SV_ECORRUPT;
	err = svfs_bget(fs, inode_block(fs, ino), &p);
	if (!err)
		sv_memcpy(p + inode_off(ino), in, sizeof(*in));
	return err;
}

/* A live inode: type regular file or directory and sane. */
static int iget_live(struct svfs *fs, uint64_t ino, struct svfs_inode *in)
{
	int err = svfs_iget(fs, ino, in);

	if (!err && !svfs_inode_valid(fs, in))
		err = -SV_ECORRUPT;
	return err;
}

static int ialloc(struct svfs *fs, uint64_t *out)
{
	struct svfs_inode in;
	int err;

	for (uint64_t n = 0; n < fs->inode_count; n++) {
		uint64_t ino = (fs->ino_hint + n) % fs->inode_count + 1;

		if ((err = svfs_iget(fs, ino, &in)))
			return err;
		if (in.type == 0) {
			fs->ino_hint = ino % fs->inode_count;
			*out = ino;
			return 0;
		}
	}
	return -SV_ENOSPC;
}

static bool data_block(const struct svfs *fs, uint64_t b)
{
	return b >= fs->data_start && b < fs->blocks;
}

#define BITS_PER_BLOCK ((uint64_t)BS * 8)

static int balloc(struct svfs *fs, uint64_t *out)
{
	uint64_t span = fs->blocks - fs->data_start;
	uint8_t *bm = fs->scratch[SCR_LEAF], *p;
	uint64_t loaded = UINT64_MAX;
	int err;

	if (fs->free_blocks == 0)
		return -SV_ENOSPC;
	for (uint64_t n = 0; n < span; n++) {
		uint64_t b = fs->data_start + (fs->alloc_hint + n) % span;
		uint64_t bmb = b / BITS_PER_BLOCK;
		size_t bit = (size_t)(b % BITS_PER_BLOCK);

		if (bmb != loaded) {
			err = svfs_bread(fs, fs->bitmap_start + bmb, bm);
			if (err)
				return err;
			loaded = bmb;
		}
		if (bm[bit / 8] & (1u << (bit % 8)))
			continue;
		err = svfs_bget(fs, fs->bitmap_start + bmb, &p);
		if (err)
			return err;
		p[bit / 8] |= (uint8_t)(1u << (bit % 8));
		fs->free_blocks--;
		fs->alloc_hint = b + 1 - fs->data_start;
		*out = b;
		return 0;
	}
	return -SV_ENOSPC;
}

static int bfree(struct svfs *fs, uint64_t b)
{
	uint8_t *p;
	size_t bit = (size_t)(b % BITS_PER_BLOCK);
	int err;

	if (!data_block(fs, b))
		return -SV_ECORRUPT;
	err = svfs_bget(fs, fs->bitmap_start + b / BITS_PER_BLOCK, &p);
	if (err)
		return err;
	if (p[bit / 8] & (1u << (bit % 8)))
		fs->free_blocks++;
	p[bit / 8] &= (uint8_t)~(1u << (bit % 8));
	return 0;
}

/* ---- the block map: 10 direct pointers, then trees of 1, 2, 3 levels ---- */

static const uint64_t level_cover[4] = { 1, PPB, PPB * PPB, PPB * PPB * PPB };
#define MAX_LBLK (SVFS_NDIRECT + PPB + PPB * PPB + PPB * PPB * PPB)

static int new_block(struct svfs *fs, struct svfs_inode *in, uint64_t *out)
{
	uint8_t *p;
	int err = balloc(fs, out);

	if (!err)
		err = bget_mode(fs, *out, true, &p);
	if (!err)
		in->nblocks++;
	return err;
}

/*
 * The block holding logical block lblk of in: 0 for a hole, unless alloc,
 * which maps a zeroed block there (changing in; the caller writes it).
 */
static int bmap(struct svfs *fs, struct svfs_inode *in, uint64_t lblk,
		bool alloc, uint64_t *out)
{
	unsigned levels = 0;
	uint64_t *root, cur, idx[3];
	int err;

	if (lblk < SVFS_NDIRECT) {
		root = &in->ptr[lblk];
	} else {
		lblk -= SVFS_NDIRECT;
		for (levels = 1; levels <= 3; levels++) {
			if (lblk < level_cover[levels])
				break;
			lblk -= level_cover[levels];
		}
		if (levels > 3)
			return -SV_EOVERFLOW;
		root = &in->ptr[SVFS_NDIRECT + levels - 1];
		for (unsigned l = levels; l-- > 0;) {
			idx[l] = lblk % PPB;
			lblk /= PPB;
		}
	}
	cur = *root;
	if (cur == 0) {
		if (!alloc) {
			*out = 0;
			return 0;
		}
		if ((err = new_block(fs, in, &cur)))
			return err;
		*root = cur;
	} else if (!data_block(fs, cur)) {
		return -SV_ECORRUPT;
	}
	for (unsigned l = 0; l < levels; l++) {
		uint64_t next;
		uint8_t *p;

		err = read_part(fs, cur, idx[l] * 8, &next, 8);
		if (err)
			return err;
		if (next == 0) {
			if (!alloc) {
				*out = 0;
				return 0;
			}
			if ((err = new_block(fs, in, &next)) ||
			    (err = svfs_bget(fs, cur, &p)))
				return err;
			sv_memcpy(p + idx[l] * 8, &next, 8);
		} else if (!data_block(fs, next)) {
			return -SV_ECORRUPT;
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

/*
 * Free the blocks under map block blk (level >= 1, first logical block
 * base) that hold logical blocks >= from, clearing their entries one
 * consistent step at a time. *empty: no entry is left.
 */
static int trunc_tree(struct svfs *fs, uint64_t ino, struct svfs_inode *in,
		      uint64_t blk, unsigned level, uint64_t base,
		      uint64_t from, bool *empty)
{
	const uint64_t *e = (const void *)fs->scratch[level - 1];
	uint64_t span = level_cover[level - 1];
	int err = svfs_bread(fs, blk, fs->scratch[level - 1]);

	*empty = true;
	for (uint64_t i = 0; i < PPB && !err; i++) {
		uint64_t child = e[i], cbase = base + i * span;
		uint8_t *p;
		bool cempty = true;

		if (child == 0)
			continue;
		if (cbase + span <= from || !data_block(fs, child)) {
			*empty = false;	/* kept, or left for fsck */
			continue;
		}
		if (level > 1)
			err = trunc_tree(fs, ino, in, child, level - 1, cbase,
					 from, &cempty);
		if (err || !cempty) {
			*empty = false;
			continue;
		}
		if ((err = ensure_room(fs, 4, ino, in)) ||
		    (err = svfs_bget(fs, blk, &p)) || (err = bfree(fs, child)))
			break;
		sv_memset(p + i * 8, 0, 8);
		in->nblocks--;
	}
	return err;
}

/* Unmap every logical block >= from. */
static int trunc_blocks(struct svfs *fs, uint64_t ino, struct svfs_inode *in,
			uint64_t from)
{
	uint64_t base = SVFS_NDIRECT;
	int err;

	for (uint64_t i = from; i < SVFS_NDIRECT; i++) {
		if (!in->ptr[i])
			continue;
		if ((err = ensure_room(fs, 4, ino, in)) ||
		    (err = bfree(fs, in->ptr[i])))
			return err;
		in->ptr[i] = 0;
		in->nblocks--;
	}
	for (unsigned l = 1; l <= 3; l++) {
		uint64_t *root = &in->ptr[SVFS_NDIRECT + l - 1];
		bool empty;

		if (*root && base + level_cover[l] > from) {
			if (!data_block(fs, *root))
				return -SV_ECORRUPT;
			err = trunc_tree(fs, ino, in, *root, l, base, from,
					 &empty);
			if (err)
				return err;
			if (empty) {
				if ((err = ensure_room(fs, 4, ino, in)) ||
				    (err = bfree(fs, *root)))
					return err;
				*root = 0;
				in->nblocks--;
			}
		}
		base += level_cover[l];
	}
	return 0;
}

/* Free an unlinked inode and all it owns. */
static int reclaim(struct svfs *fs, uint64_t ino)
{
	struct svfs_inode in;
	int err = svfs_iget(fs, ino, &in);

	if (err)
		return err;
	if ((err = trunc_blocks(fs, ino, &in, 0)) ||
	    (err = ensure_room(fs, 4, ino, &in)))
		return fs_fail(fs, err);
	sv_memset(&in, 0, sizeof(in));
	err = svfs_iput(fs, ino, &in);
	return err ? fs_fail(fs, err) : 0;
}

/* ---- mkfs, mount, unmount ---- */

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static int write_zeros(const struct svfs_blkio *io, uint64_t first,
		       uint64_t count)
{
	static const uint8_t zero[BS];
	int err = 0;

	for (uint64_t b = first; b < first + count && !err; b++)
		err = dev_write(io, b, zero);
	return err;
}

static void mkfs_layout(struct svfs_super *sb, uint64_t blocks)
{
	sv_memset(sb, 0, sizeof(*sb));
	sb->magic = SVFS_MAGIC;
	sb->version = SVFS_VERSION;
	sb->block_size = BS;
	sb->blocks = blocks;
	sb->journal_start = 1;
	sb->journal_len = SV_MIN(SV_MAX(blocks / 64, SVFS_JOURNAL_MIN),
				 SVFS_JOURNAL_MAX_TX + 1);
	sb->bitmap_start = 1 + sb->journal_len;
	sb->bitmap_len = div_up(blocks, BITS_PER_BLOCK);
	sb->itable_start = sb->bitmap_start + sb->bitmap_len;
	sb->inode_count = SV_MIN(SV_MAX(blocks / 4, 64), 1u << 19);
	sb->inode_count -= sb->inode_count % SVFS_INODES_PER_BLOCK;
	sb->data_start = sb->itable_start +
			 sb->inode_count / SVFS_INODES_PER_BLOCK;
	sb->crc = sv_crc32(0, sb, sizeof(*sb) - 4);
}

static int mkfs_bitmap(const struct svfs_blkio *io, const struct svfs_super *s,
		       uint8_t *buf)
{
	int err;

	for (uint64_t bmb = 0; bmb < s->bitmap_len; bmb++) {
		uint64_t lo = bmb * BITS_PER_BLOCK;

		sv_memset(buf, 0, BS);
		for (uint64_t b = lo; b < s->data_start &&
		     b < lo + BITS_PER_BLOCK; b++)
			buf[(b - lo) / 8] |= (uint8_t)(1u << ((b - lo) % 8));
		if ((err = dev_write(io, s->bitmap_start + bmb, buf)))
			return err;
	}
	return 0;
}

int svfs_mkfs(const struct svfs_blkio *io, uint64_t blocks)
{
	uint8_t buf[BS];	/* mkfs runs on a roomy stack */
	struct svfs_super s;
	struct svfs_inode root;
	int err;

	if (!io_valid(io) || !io->write)
		return -SV_EINVAL;
	if (blocks == 0)
		blocks = io->sector_count / sectors_per_block(io);
	if (blocks < SVFS_MIN_BLOCKS ||
	    blocks > io->sector_count / sectors_per_block(io))
		return -SV_EINVAL;
	mkfs_layout(&s, blocks);
	if (s.data_start + 8 > blocks)
		return -SV_EINVAL;
	/* Unmake any old file system first, and write the superblock last:
	 * a half-made image is not svfs. */
	sv_memset(buf, 0, BS);
	if ((err = dev_write(io, 0, buf)) ||
	    (err = write_zeros(io, 1, s.journal_len)) ||
	    (err = write_zeros(io, s.itable_start,
			       s.data_start - s.itable_start)) ||
	    (err = mkfs_bitmap(io, &s, buf)))
		return err;
	sv_memset(&root, 0, sizeof(root));
	root.type = SV_FT_DIR;
	root.nlink = 1;
	root.parent = SVFS_ROOT_INO;
	sv_memset(buf, 0, BS);
	sv_memcpy(buf, &root, sizeof(root));
	if ((err = dev_write(io, s.itable_start, buf)) ||
	    (err = dev_flush(io)))
		return err;
	sv_memset(buf, 0, BS);
	sv_memcpy(buf, &s, sizeof(s));
	if ((err = dev_write(io, 0, buf)))
		return err;
	return dev_flush(io);
}

/* The superblock's numbers describe a layout that fits the device. */
static bool super_valid(const struct svfs_super *sb, uint64_t dev_blocks)
{
	uint64_t ilen;

	if (sb->magic != SVFS_MAGIC || sb->version != SVFS_VERSION ||
	    sb->block_size != BS ||
	    sb->crc != sv_crc32(0, sb, sizeof(*sb) - 4))
		return false;
	if (sb->blocks < SVFS_MIN_BLOCKS || sb->blocks > dev_blocks ||
	    sb->journal_start != 1 || sb->journal_len < SVFS_JOURNAL_MIN ||
	    sb->journal_len > SVFS_JOURNAL_MAX_TX + 1 ||
	    sb->bitmap_start != 1 + sb->journal_len ||
	    sb->bitmap_len != div_up(sb->blocks, BITS_PER_BLOCK) ||
	    sb->itable_start != sb->bitmap_start + sb->bitmap_len ||
	    sb->inode_count == 0 || sb->inode_count > sb->blocks * 16)
		return false;
	ilen = div_up(sb->inode_count, SVFS_INODES_PER_BLOCK);
	return sb->data_start == sb->itable_start + ilen &&
	       sb->data_start < sb->blocks;
}

static int count_free(struct svfs *fs)
{
	uint8_t *bm = fs->scratch[SCR_LEAF];
	int err;

	fs->free_blocks = 0;
	for (uint64_t bmb = 0; bmb < fs->bitmap_len; bmb++) {
		if ((err = svfs_bread(fs, fs->bitmap_start + bmb, bm)))
			return err;
		for (uint64_t bit = 0; bit < BITS_PER_BLOCK; bit++) {
			uint64_t b = bmb * BITS_PER_BLOCK + bit;

			if (b >= fs->data_start && b < fs->blocks &&
			    !(bm[bit / 8] & (1u << (bit % 8))))
				fs->free_blocks++;
		}
	}
	return 0;
}

static int reclaim_orphans(struct svfs *fs)
{
	struct svfs_inode in;
	int err;

	for (uint64_t ino = 1; ino <= fs->inode_count; ino++) {
		if ((err = svfs_iget(fs, ino, &in)))
			return err;
		if (in.type != 0 && in.nlink == 0 && ino != SVFS_ROOT_INO &&
		    svfs_inode_valid(fs, &in) && (err = reclaim(fs, ino)))
			return err;
	}
	return svfs_commit(fs);
}

void svfs_close(struct svfs *fs)
{
	struct sv_list_node *pos, *tmp;

	if (fs->nodes.next)
		sv_list_for_each_safe(pos, tmp, &fs->nodes)
			fs_free(fs, sv_list_entry(pos, struct svfs_node, link),
				sizeof(struct svfs_node));
	for (uint32_t i = 0; fs->dirty && i < fs->max_dirty; i++)
		fs_free(fs, fs->dirty[i].data, BS);
	fs_free(fs, fs->dirty, fs->max_dirty * sizeof(*fs->dirty));
	for (unsigned i = 0; i < SCR_COUNT; i++)
		fs_free(fs, fs->scratch[i], BS);
	sv_memset(fs, 0, sizeof(*fs));
}

static int open_buffers(struct svfs *fs)
{
	for (unsigned i = 0; i < SCR_COUNT; i++)
		if (!(fs->scratch[i] = fs_alloc(fs, BS)))
			return -SV_ENOSPC;
	return 0;
}

static int open_dirty(struct svfs *fs)
{
	fs->dirty = fs_alloc(fs, fs->max_dirty * sizeof(*fs->dirty));
	if (!fs->dirty)
		return -SV_ENOSPC;
	sv_memset(fs->dirty, 0, fs->max_dirty * sizeof(*fs->dirty));
	for (uint32_t i = 0; i < fs->max_dirty; i++)
		if (!(fs->dirty[i].data = fs_alloc(fs, BS)))
			return -SV_ENOSPC;
	return 0;
}

static int open_image(struct svfs *fs, unsigned flags)
{
	const struct svfs_super *sb = (const void *)fs->scratch[0];
	struct svfs_inode root;
	int err;

	if ((err = dev_read(&fs->io, 0, fs->scratch[0])))
		return err;
	if (!super_valid(sb, fs->io.sector_count / sectors_per_block(&fs->io)))
		return -SV_ECORRUPT;
	fs->blocks = sb->blocks;
	fs->journal_start = sb->journal_start;
	fs->journal_len = sb->journal_len;
	fs->bitmap_start = sb->bitmap_start;
	fs->bitmap_len = sb->bitmap_len;
	fs->itable_start = sb->itable_start;
	fs->inode_count = sb->inode_count;
	fs->data_start = sb->data_start;
	fs->max_dirty = (uint32_t)fs->journal_len - 1;
	if ((err = open_dirty(fs)) ||
	    (err = journal_load(fs, flags & SVFS_OPEN_REPLAY)) ||
	    (err = count_free(fs)) ||
	    (err = iget_live(fs, SVFS_ROOT_INO, &root)))
		return err;
	if (root.type != SV_FT_DIR)
		return -SV_ECORRUPT;
	if (flags & SVFS_OPEN_RECLAIM)
		return reclaim_orphans(fs);
	return 0;
}

int svfs_open(struct svfs *fs, const struct svfs_blkio *io,
	      const struct sv_fs_alloc *alloc, unsigned flags)
{
	int err;

	if (!io_valid(io) || !alloc || !alloc->alloc || !alloc->free)
		return -SV_EINVAL;
	sv_memset(fs, 0, sizeof(*fs));
	fs->io = *io;
	fs->alloc = *alloc;
	fs->readonly = !(flags & SVFS_OPEN_REPLAY) || !io->write;
	sv_list_init(&fs->nodes);
	err = open_buffers(fs);
	if (!err)
		err = open_image(fs, flags);
	if (err) {
		svfs_close(fs);
		return err;
	}
	fs->fs.ops = &svfs_ops;
	fs->fs.type = "svfs";
	return 0;
}

int svfs_mount(struct svfs *fs, const struct svfs_blkio *io,
	       const struct sv_fs_alloc *alloc)
{
	return svfs_open(fs, io, alloc, SVFS_OPEN_REPLAY | SVFS_OPEN_RECLAIM);
}

int svfs_sync(struct svfs *fs)
{
	return svfs_commit(fs);
}

int svfs_unmount(struct svfs *fs)
{
	int err = fs->readonly ? 0 : svfs_commit(fs);

	svfs_close(fs);
	return err;
}

void svfs_statfs(const struct svfs *fs, uint64_t *free_blocks,
		 uint64_t *total_blocks)
{
	*free_blocks = fs->free_blocks;
	*total_blocks = fs->blocks - fs->data_start;
}

/* ---- nodes ---- */

static int node_get(struct svfs *fs, uint64_t ino, struct sv_vnode **out)
{
	struct sv_list_node *pos;
	struct svfs_node *n;

	sv_list_for_each(pos, &fs->nodes) {
		n = sv_list_entry(pos, struct svfs_node, link);
		if (n->ino == ino) {
			n->refs++;
			*out = (struct sv_vnode *)(void *)n;
			return 0;
		}
	}
	n = fs_alloc(fs, sizeof(*n));
	if (!n)
		return -SV_ENOSPC;
	n->ino = ino;
	n->refs = 1;
	sv_list_add_tail(&fs->nodes, &n->link);
	*out = (struct sv_vnode *)(void *)n;
	return 0;
}

static bool node_referenced(struct svfs *fs, uint64_t ino)
{
	struct sv_list_node *pos;

	sv_list_for_each(pos, &fs->nodes)
		if (sv_list_entry(pos, struct svfs_node, link)->ino == ino)
			return true;
	return false;
}

static int svfs_root(struct sv_fs *f, struct sv_vnode **out)
{
	return node_get(svfs_of(f), SVFS_ROOT_INO, out);
}

static void svfs_release(struct sv_fs *f, struct sv_vnode *node)
{
	struct svfs *fs = svfs_of(f);
	struct svfs_node *n = node_of(node);
	struct svfs_inode in;
	uint64_t ino = n->ino;

	if (--n->refs)
		return;
	sv_list_remove(&n->link);
	fs_free(fs, n, sizeof(*n));
	/* An unlinked node's last reference: free it now. If that fails it
	 * stays an orphan, and the next mount frees it. */
	if (!fs->io_error && !fs->readonly && !svfs_iget(fs, ino, &in) &&
	    in.type && in.nlink == 0)
		(void)reclaim(fs, ino);
}

/* ---- directories ---- */

static bool name_matches(const struct svfs_dirent_disk *d, const char *name,
			 size_t len)
{
	return d->ino && d->namelen == len && sv_memcmp(d->name, name, len) == 0;
}

static bool dirent_sane(const struct svfs *fs, const struct svfs_dirent_disk *d)
{
	return d->ino == 0 ||
	       (d->ino <= fs->inode_count && d->namelen >= 1 &&
		d->namelen <= SV_NAME_MAX &&
		(d->type == SV_FT_REG || d->type == SV_FT_DIR));
}

static uint64_t dir_slots(const struct svfs_inode *dir)
{
	return dir->size / BS * SVFS_DIRENTS_PER_BLOCK;
}

/* Entry at slot of dir (a hole reads as a free entry). */
static int dirent_read(struct svfs *fs, struct svfs_inode *dir, uint64_t slot,
		       struct svfs_dirent_disk *d)
{
	uint64_t pb;
	int err = bmap(fs, dir, slot / SVFS_DIRENTS_PER_BLOCK, false, &pb);

	if (err)
		return err;
	if (pb == 0) {
		sv_memset(d, 0, sizeof(*d));
		return 0;
	}
	err = read_part(fs, pb, (size_t)(slot % SVFS_DIRENTS_PER_BLOCK) *
			SVFS_DIRENT_SIZE, d, sizeof(*d));
	if (!err && !dirent_sane(fs, d))
		err = -SV_ECORRUPT;
	return err;
}

static int dirent_write(struct svfs *fs, struct svfs_inode *dir,
			uint64_t slot, const struct svfs_dirent_disk *d)
{
	uint64_t pb;
	uint8_t *p;
	int err = bmap(fs, dir, slot / SVFS_DIRENTS_PER_BLOCK, true, &pb);

	if (!err)
		err = svfs_bget(fs, pb, &p);
	if (!err)
		sv_memcpy(p + (slot % SVFS_DIRENTS_PER_BLOCK) *
			  SVFS_DIRENT_SIZE, d, sizeof(*d));
	return err;
}

/* Slot of name in dir (SV_ENOENT), and optionally the first free slot. */
static int dir_find(struct svfs *fs, struct svfs_inode *dir, const char *name,
		    uint64_t *slot, struct svfs_dirent_disk *d, uint64_t *free)
{
	size_t len = sv_strlen(name);
	uint64_t n = dir_slots(dir);
	int err;

	if (free)
		*free = n;
	for (uint64_t s = 0; s < n; s++) {
		if ((err = dirent_read(fs, dir, s, d)))
			return err;
		if (name_matches(d, name, len)) {
			*slot = s;
			return 0;
		}
		if (free && d->ino == 0 && *free == n)
			*free = s;
	}
	return -SV_ENOENT;
}

static int dir_inode(struct svfs *fs, struct sv_vnode *v, struct svfs_inode *in)
{
	int err = iget_live(fs, node_of(v)->ino, in);

	if (!err && in->type != SV_FT_DIR)
		err = -SV_ENOTDIR;
	return err;
}

static int svfs_lookup(struct sv_fs *f, struct sv_vnode *dirv,
		       const char *name, struct sv_vnode **out)
{
	struct svfs *fs = svfs_of(f);
	struct svfs_inode dir, in;
	struct svfs_dirent_disk d;
	uint64_t ino = node_of(dirv)->ino, slot;
	int err = dir_inode(fs, dirv, &dir);

	if (err)
		return err;
	if (sv_strcmp(name, ".") == 0) {
		return node_get(fs, ino, out);
	} else if (sv_strcmp(name, "..") == 0) {
		if (ino == SVFS_ROOT_INO)
			return node_get(fs, ino, out);
		if (dir.nlink == 0)
			return -SV_ENOENT;
		ino = dir.parent;
	} else {
		if ((err = dir_find(fs, &dir, name, &slot, &d, NULL)))
			return err;
		ino = d.ino;
	}
	if ((err = iget_live(fs, ino, &in)))
		return err;
	return node_get(fs, ino, out);
}

/* Free blocks a step may need beyond data: map blocks of a growing dir. */
#define META_RESERVE 4u

static int make_node(struct sv_fs *f, struct sv_vnode *dirv, const char *name,
		     uint32_t type)
{
	struct svfs *fs = svfs_of(f);
	uint64_t dino = node_of(dirv)->ino, slot, free, ino;
	struct svfs_inode dir, in;
	struct svfs_dirent_disk d;
	size_t len = sv_strlen(name);
	int err;

	if (fs->io_error)
		return fs->io_error;
	if ((err = dir_inode(fs, dirv, &dir)))
		return err;
	if (dir.nlink == 0)
		return -SV_ENOENT;
	err = dir_find(fs, &dir, name, &slot, &d, &free);
	if (err != -SV_ENOENT)
		return err ? err : -SV_EEXIST;
	if (fs->free_blocks < META_RESERVE)
		return -SV_ENOSPC;
	if ((err = ensure_room(fs, STEP_ROOM, 0, NULL)) ||
	    (err = iget_live(fs, dino, &dir)) || (err = ialloc(fs, &ino)))
		return err;
	sv_memset(&in, 0, sizeof(in));
	in.type = (uint16_t)type;
	in.nlink = 1;
	in.parent = type == SV_FT_DIR ? dino : 0;
	sv_memset(&d, 0, sizeof(d));
	d.ino = ino;
	d.type = type;
	d.namelen = (uint32_t)len;
	sv_memcpy(d.name, name, len);
	if (free / SVFS_DIRENTS_PER_BLOCK >= SVFS_DIR_MAX_BLOCKS)
		return -SV_ENOSPC;
	if (free == dir_slots(&dir))
		dir.size += BS;
	dir.entries++;
	if ((err = svfs_iput(fs, ino, &in)) ||
	    (err = dirent_write(fs, &dir, free, &d)) ||
	    (err = svfs_iput(fs, dino, &dir)))
		return fs_fail(fs, err);
	return 0;
}

static int svfs_create(struct sv_fs *f, struct sv_vnode *dir, const char *name)
{
	return make_node(f, dir, name, SV_FT_REG);
}

static int svfs_mkdir(struct sv_fs *f, struct sv_vnode *dir, const char *name)
{
	return make_node(f, dir, name, SV_FT_DIR);
}

/* The entry is gone: the inode becomes an orphan, freed now unless the
 * VFS still holds it (then at its last release, or at the next mount). */
static int drop_inode(struct svfs *fs, uint64_t ino, struct svfs_inode *in)
{
	int err;

	in->nlink = 0;
	if ((err = svfs_iput(fs, ino, in)))
		return err;
	return node_referenced(fs, ino) ? 0 : reclaim(fs, ino);
}

static int remove_node(struct sv_fs *f, struct sv_vnode *dirv,
		       const char *name, bool want_dir)
{
	struct svfs *fs = svfs_of(f);
	uint64_t dino = node_of(dirv)->ino, slot, vino;
	struct svfs_inode dir, in;
	struct svfs_dirent_disk d;
	int err;

	if (fs->io_error)
		return fs->io_error;
	if ((err = dir_inode(fs, dirv, &dir)) ||
	    (err = dir_find(fs, &dir, name, &slot, &d, NULL)) ||
	    (err = iget_live(fs, d.ino, &in)))
		return err;
	if (!want_dir && in.type == SV_FT_DIR)
		return -SV_EISDIR;
	if (want_dir && in.type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (want_dir && in.entries)
		return -SV_ENOTEMPTY;
	if ((err = ensure_room(fs, STEP_ROOM, 0, NULL)))
		return err;
	vino = d.ino;
	sv_memset(&d, 0, sizeof(d));
	dir.entries--;
	if ((err = dirent_write(fs, &dir, slot, &d)) ||
	    (err = svfs_iput(fs, dino, &dir)) ||
	    (err = drop_inode(fs, vino, &in)))
		return fs_fail(fs, err);
	return 0;
}

static int svfs_unlink(struct sv_fs *f, struct sv_vnode *dir, const char *name)
{
	return remove_node(f, dir, name, false);
}

static int svfs_rmdir(struct sv_fs *f, struct sv_vnode *dir, const char *name)
{
	return remove_node(f, dir, name, true);
}

/* Whether src may replace the existing entry old: 0 or the error. */
static int check_replace(const struct svfs_inode *src,
			 const struct svfs_inode *old)
{
	if (src->type == SV_FT_DIR && old->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (src->type != SV_FT_DIR && old->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (old->type == SV_FT_DIR && old->entries)
		return -SV_ENOTEMPTY;
	return 0;
}

/*
 * One step: the new entry (a free slot, or the replaced entry's slot),
 * the old entry cleared, a moved directory's "..", a replaced inode
 * orphaned. Either all of it is committed or none.
 */
static int svfs_rename(struct sv_fs *f, struct sv_vnode *odirv,
		       const char *oname, struct sv_vnode *ndirv,
		       const char *nname)
{
	struct svfs *fs = svfs_of(f);
	uint64_t oino = node_of(odirv)->ino, nino = node_of(ndirv)->ino;
	struct svfs_inode odir_s, ndir_s, src, victim;
	struct svfs_inode *odir = &odir_s, *ndir = oino == nino ? odir : &ndir_s;
	struct svfs_dirent_disk sd, nd;
	uint64_t sslot, nslot, free, vino = 0;
	size_t len = sv_strlen(nname);
	int err;

	if (fs->io_error)
		return fs->io_error;
	if ((err = dir_inode(fs, odirv, odir)) ||
	    (err = dir_inode(fs, ndirv, ndir)) ||
	    (err = dir_find(fs, odir, oname, &sslot, &sd, NULL)) ||
	    (err = iget_live(fs, sd.ino, &src)))
		return err;
	if (ndir->nlink == 0)
		return -SV_ENOENT;
	err = dir_find(fs, ndir, nname, &nslot, &nd, &free);
	if (err && err != -SV_ENOENT)
		return err;
	if (!err) {
		if (oino == nino && nslot == sslot)
			return 0;
		vino = nd.ino;
		if ((err = iget_live(fs, vino, &victim)) ||
		    (err = check_replace(&src, &victim)))
			return err;
		free = nslot;
	}
	if (fs->free_blocks < META_RESERVE ||
	    free / SVFS_DIRENTS_PER_BLOCK >= SVFS_DIR_MAX_BLOCKS)
		return -SV_ENOSPC;
	if ((err = ensure_room(fs, STEP_ROOM, 0, NULL)))
		return err;
	sv_memset(&nd, 0, sizeof(nd));
	nd.ino = sd.ino;
	nd.type = sd.type;
	nd.namelen = (uint32_t)len;
	sv_memcpy(nd.name, nname, len);
	if (free == dir_slots(ndir))
		ndir->size += BS;
	if (!vino)
		ndir->entries++;
	odir->entries--;
	sv_memset(&sd, 0, sizeof(sd));
	if ((err = dirent_write(fs, ndir, free, &nd)) ||
	    (err = dirent_write(fs, odir, sslot, &sd)) ||
	    (err = svfs_iput(fs, oino, odir)) ||
	    (err = svfs_iput(fs, nino, ndir)))
		return fs_fail(fs, err);
	if (src.type == SV_FT_DIR && oino != nino) {
		src.parent = nino;
		if ((err = svfs_iput(fs, nd.ino, &src)))
			return fs_fail(fs, err);
	}
	if (vino && (err = drop_inode(fs, vino, &victim)))
		return fs_fail(fs, err);
	return 0;
}

static int file_inode(struct svfs *fs, struct sv_vnode *v,
		      struct svfs_inode *in)
{
	int err = iget_live(fs, node_of(v)->ino, in);

	if (!err && in->type == SV_FT_DIR)
		err = -SV_EISDIR;
	return err;
}

static int svfs_read(struct sv_fs *f, struct sv_vnode *node, uint64_t off,
		     void *buf, size_t len, size_t *done)
{
	struct svfs *fs = svfs_of(f);
	struct svfs_inode in;
	uint8_t *out = buf;
	size_t total;
	int err;

	*done = 0;
	if ((err = file_inode(fs, node, &in)))
		return err;
	if (off >= in.size)
		return 0;
	total = (size_t)SV_MIN((uint64_t)len, in.size - off);
	for (size_t copied = 0; copied < total;) {
		uint64_t pos = off + copied, pb;
		size_t in_blk = (size_t)(pos % BS);
		size_t chunk = SV_MIN(total - copied, BS - in_blk);

		if ((err = bmap(fs, &in, pos / BS, false, &pb)))
			return err;
		if (pb)
			err = read_part(fs, pb, in_blk, out + copied, chunk);
		else
			sv_memset(out + copied, 0, chunk);
		if (err)
			return err;
		copied += chunk;
	}
	*done = total;
	return 0;
}

/* Free blocks a write of blocks [first, last] may take, map blocks too. */
static uint64_t write_need(uint64_t first, uint64_t last)
{
	uint64_t n = last - first + 1;

	return n + n / (PPB - 1) * 2 + 6;
}

static int svfs_write(struct sv_fs *f, struct sv_vnode *node, uint64_t off,
		      const void *buf, size_t len, size_t *done)
{
	struct svfs *fs = svfs_of(f);
	uint64_t ino = node_of(node)->ino;
	const uint8_t *in_buf = buf;
	struct svfs_inode in;
	int err;

	*done = 0;
	if (fs->io_error)
		return fs->io_error;
	if ((err = file_inode(fs, node, &in)))
		return err;
	if (len == 0)
		return 0;
	if (off > SV_VFS_OFF_MAX || len > SV_VFS_OFF_MAX - off ||
	    (off + len - 1) / BS >= MAX_LBLK)
		return -SV_EOVERFLOW;
	if (write_need(off / BS, (off + len - 1) / BS) > fs->free_blocks)
		return -SV_ENOSPC;
	/* Each block is a step: mapped, written and counted in the size
	 * together, so a commit between blocks leaves a shorter file. */
	for (size_t copied = 0; copied < len;) {
		uint64_t pos = off + copied, pb;
		size_t in_blk = (size_t)(pos % BS);
		size_t chunk = SV_MIN(len - copied, BS - in_blk);
		uint8_t *p;

		if ((err = ensure_room(fs, STEP_ROOM, ino, &in)) ||
		    (err = bmap(fs, &in, pos / BS, true, &pb)) ||
		    (err = bget_mode(fs, pb, false, &p)))
			return fs_fail(fs, err);
		sv_memcpy(p + in_blk, in_buf + copied, chunk);
		copied += chunk;
		in.size = SV_MAX(in.size, pos + chunk);
	}
	if ((err = svfs_iput(fs, ino, &in)))
		return fs_fail(fs, err);
	*done = len;
	return 0;
}

/*
 * Shrinking unmaps the blocks past the new end from the last one down
 * (each a step that leaves a hole), zeroes the tail of the new last
 * block, and only then sets the size: bytes past the size are always zero,
 * so growing never shows old data.
 */
static int svfs_truncate(struct sv_fs *f, struct sv_vnode *node,
			 uint64_t size)
{
	struct svfs *fs = svfs_of(f);
	uint64_t ino = node_of(node)->ino, pb;
	struct svfs_inode in;
	uint8_t *p;
	int err;

	if (fs->io_error)
		return fs->io_error;
	if ((err = file_inode(fs, node, &in)))
		return err;
	if (size > SV_VFS_OFF_MAX)
		return -SV_EINVAL;
	if (size < in.size) {
		if ((err = trunc_blocks(fs, ino, &in, div_up(size, BS))) ||
		    (err = ensure_room(fs, STEP_ROOM, ino, &in)))
			return fs_fail(fs, err);
		if (size % BS) {
			if ((err = bmap(fs, &in, size / BS, false, &pb)))
				return fs_fail(fs, err);
			if (pb && (err = svfs_bget(fs, pb, &p)))
				return fs_fail(fs, err);
			if (pb)
				sv_memset(p + size % BS, 0, BS - size % BS);
		}
	} else if ((err = ensure_room(fs, STEP_ROOM, 0, NULL))) {
		return err;
	}
	in.size = size;
	if ((err = svfs_iput(fs, ino, &in)))
		return fs_fail(fs, err);
	return 0;
}

static int svfs_getattr(struct sv_fs *f, struct sv_vnode *node,
			struct sv_stat *st)
{
	struct svfs_inode in;
	int err = iget_live(svfs_of(f), node_of(node)->ino, &in);

	if (err)
		return err;
	sv_memset(st, 0, sizeof(*st));
	st->ino = node_of(node)->ino;
	st->size = in.type == SV_FT_DIR ? in.entries : in.size;
	st->alloc_bytes = in.nblocks * BS;
	st->type = in.type;
	st->nlink = in.nlink;
	return 0;
}

/* The cookie is the next slot to look at: entries never move. */
static int svfs_readdir(struct sv_fs *f, struct sv_vnode *dirv,
			uint64_t *cookie, struct sv_dirent *out)
{
	struct svfs *fs = svfs_of(f);
	struct svfs_inode dir;
	struct svfs_dirent_disk d;
	int err = dir_inode(fs, dirv, &dir);

	if (err)
		return err;
	for (uint64_t s = *cookie; s < dir_slots(&dir); s++) {
		if ((err = dirent_read(fs, &dir, s, &d)))
			return err;
		if (!d.ino)
			continue;
		out->ino = d.ino;
		out->type = d.type;
		sv_memcpy(out->name, d.name, d.namelen);
		out->name[d.namelen] = '\0';
		*cookie = s + 1;
		return 1;
	}
	*cookie = dir_slots(&dir);
	return 0;
}

/* One transaction holds every change: committing it syncs them all. */
static int svfs_fsync(struct sv_fs *f, struct sv_vnode *node)
{
	(void)node;
	return svfs_commit(svfs_of(f));
}
