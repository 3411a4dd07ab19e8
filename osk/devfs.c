/*
 * devfs: the device registry as a directory of device files (sv/devfs.h).
 *
 * devfs keeps no table of its own: each operation asks the registry. The
 * vnode of a registered device is the device's own struct (a stable
 * address for as long as it is registered, which is what the VFS's
 * pointer-identity rule needs); the root and the built-in null and zero
 * are nodes inside struct devfs. A vnode is only dereferenced after it has
 * been found again in the registry (or among devfs's own nodes), so a
 * device unregistered while open is answered SV_ENODEV instead of being
 * touched.
 *
 * A node's inode number is its readdir key: 1 for the root, 2 and 3 for
 * null and zero, the device's address for the others. A readdir cookie is
 * the key of the entry last returned and the next entry is the smallest
 * key above it, so a listing returns every entry that stays exactly once,
 * whatever is registered or unregistered meanwhile.
 */
#include "sv/devfs.h"

#include "sv/errno.h"
#include "sv/string.h"

SV_FS_DECLARE(devfs)
static const struct sv_fs_ops devfs_ops = SV_FS_TABLE(devfs);

enum devfs_kind {
	DEVFS_GONE,		/* a device no longer registered */
	DEVFS_ROOT,
	DEVFS_NULL,
	DEVFS_ZERO,
	DEVFS_CHR,		/* a registered character device */
	DEVFS_BLK,		/* a registered block device */
};

enum {
	DEVFS_INO_ROOT = 1,
	DEVFS_INO_NULL = 2,
	DEVFS_INO_ZERO = 3,
};

/* What a vnode stands for, found again from devfs and the registry. */
struct devfs_ref {
	enum devfs_kind kind;
	struct sv_chardev *chr;
	struct sv_blockdev *blk;
};

static struct devfs *devfs_of(struct sv_fs *fs)
{
	return sv_container_of(fs, struct devfs, fs);
}

static struct sv_vnode *vnode_of(void *p)
{
	return (struct sv_vnode *)p;
}

static bool is_builtin_name(const char *name)
{
	return !sv_strcmp(name, "null") || !sv_strcmp(name, "zero");
}

static struct devfs_ref classify(const struct devfs *d,
				 const struct sv_vnode *v)
{
	const struct sv_device_registry *reg = d->reg;
	struct devfs_ref r = { .kind = DEVFS_GONE };

	if (v == (const void *)&d->root)
		r.kind = DEVFS_ROOT;
	else if (v == (const void *)&d->null)
		r.kind = DEVFS_NULL;
	else if (v == (const void *)&d->zero)
		r.kind = DEVFS_ZERO;
	for (unsigned i = 0; r.kind == DEVFS_GONE && i < chardev_count(reg);
	     i++) {
		if ((const void *)chardev_at(reg, i) == v) {
			r.kind = DEVFS_CHR;
			r.chr = chardev_at(reg, i);
		}
	}
	for (unsigned i = 0; r.kind == DEVFS_GONE && i < blockdev_count(reg);
	     i++) {
		if ((const void *)blockdev_at(reg, i) == v) {
			r.kind = DEVFS_BLK;
			r.blk = blockdev_at(reg, i);
		}
	}
	return r;
}

/* Device size in bytes, capped at the largest file size the VFS knows. */
static uint64_t blk_size(const struct sv_blockdev *b)
{
	if (b->sector_count > SV_VFS_OFF_MAX / b->sector_size)
		return SV_VFS_OFF_MAX;
	return b->sector_count * b->sector_size;
}

int devfs_init(struct devfs *dfs, const struct sv_device_registry *reg)
{
	if (!dfs || !reg)
		return -SV_EINVAL;
	sv_memset(dfs, 0, sizeof(*dfs));
	dfs->fs.ops = &devfs_ops;
	dfs->fs.type = "devfs";
	dfs->reg = reg;
	dfs->root.kind = DEVFS_ROOT;
	dfs->null.kind = DEVFS_NULL;
	dfs->zero.kind = DEVFS_ZERO;
	return 0;
}

/* One directory entry; ino is also its readdir key. */
struct devfs_entry {
	const char *name;
	uint32_t type;
	uint64_t ino;
};

/*
 * The directory as it is now: every entry into out[0..max) and the count
 * (out may be NULL to count). A registered device named like a built-in
 * one is hidden by it, as lookup finds the built-in.
 */
static unsigned entries(const struct devfs *d, struct devfs_entry *out,
			unsigned max)
{
	const struct sv_device_registry *reg = d->reg;
	unsigned n = 0;

#define DEVFS_PUT_(nm, ty, in) \
	do { \
		if (out && n < max) \
			out[n] = (struct devfs_entry){ (nm), (ty), (in) }; \
		n++; \
	} while (0)
	DEVFS_PUT_("null", SV_FT_CHR, DEVFS_INO_NULL);
	DEVFS_PUT_("zero", SV_FT_CHR, DEVFS_INO_ZERO);
	for (unsigned i = 0; i < chardev_count(reg); i++) {
		struct sv_chardev *c = chardev_at(reg, i);

		if (!is_builtin_name(c->name))
			DEVFS_PUT_(c->name, SV_FT_CHR, (uintptr_t)c);
	}
	for (unsigned i = 0; i < blockdev_count(reg); i++) {
		struct sv_blockdev *b = blockdev_at(reg, i);

		if (!is_builtin_name(b->name))
			DEVFS_PUT_(b->name, SV_FT_BLK, (uintptr_t)b);
	}
#undef DEVFS_PUT_
	return n;
}

unsigned devfs_count(const struct devfs *dfs)
{
	return entries(dfs, NULL, 0);
}

static int devfs_root(struct sv_fs *fs, struct sv_vnode **out)
{
	*out = vnode_of(&devfs_of(fs)->root);
	return 0;
}

static void devfs_release(struct sv_fs *fs, struct sv_vnode *node)
{
	/* Nodes are the drivers' or devfs's own: nothing to free. */
	(void)fs;
	(void)node;
}

static int devfs_lookup(struct sv_fs *fs, struct sv_vnode *dir,
			const char *name, struct sv_vnode **out)
{
	struct devfs *d = devfs_of(fs);
	struct sv_chardev *c;
	struct sv_blockdev *b;

	if (dir != vnode_of(&d->root))
		return -SV_ENOTDIR;
	if (!sv_strcmp(name, ".") || !sv_strcmp(name, ".."))
		*out = vnode_of(&d->root);
	else if (!sv_strcmp(name, "null"))
		*out = vnode_of(&d->null);
	else if (!sv_strcmp(name, "zero"))
		*out = vnode_of(&d->zero);
	else if ((c = chardev_find(d->reg, name)) != NULL)
		*out = vnode_of(c);
	else if ((b = blockdev_find(d->reg, name)) != NULL)
		*out = vnode_of(b);
	else
		return -SV_ENOENT;
	return 0;
}

/* The namespace belongs to the drivers. */
static int devfs_create(struct sv_fs *fs, struct sv_vnode *dir,
			const char *name)
{
	(void)fs, (void)dir, (void)name;
	return -SV_EPERM;
}

static int devfs_mkdir(struct sv_fs *fs, struct sv_vnode *dir,
		       const char *name)
{
	(void)fs, (void)dir, (void)name;
	return -SV_EPERM;
}

static int devfs_unlink(struct sv_fs *fs, struct sv_vnode *dir,
			const char *name)
{
	(void)fs, (void)dir, (void)name;
	return -SV_EPERM;
}

static int devfs_rmdir(struct sv_fs *fs, struct sv_vnode *dir,
		       const char *name)
{
	(void)fs, (void)dir, (void)name;
	return -SV_EPERM;
}

static int devfs_rename(struct sv_fs *fs, struct sv_vnode *odir,
			const char *oname, struct sv_vnode *ndir,
			const char *nname)
{
	(void)fs, (void)odir, (void)oname, (void)ndir, (void)nname;
	return -SV_EPERM;
}

static int devfs_truncate(struct sv_fs *fs, struct sv_vnode *node,
			  uint64_t size)
{
	(void)fs, (void)node, (void)size;
	return -SV_EPERM;
}

/*
 * Move len bytes between buf and the device at byte offset off, which the
 * caller has bounds-checked. Whole sectors go straight to or from buf;
 * a partial sector at either end goes through the bounce buffer (read,
 * patch, write back when writing).
 */
static int blk_transfer(struct devfs *d, struct sv_blockdev *b, uint64_t off,
			uint8_t *buf, size_t len, bool write)
{
	const uint32_t ss = b->sector_size;

	while (len) {
		uint64_t lba = off / ss;
		size_t in = (size_t)(off % ss), chunk;
		int err;

		if (in == 0 && len >= ss) {
			uint64_t n = len / ss;

			err = write ? blockdev_write(b, lba, n, buf)
				    : blockdev_read(b, lba, n, buf);
			chunk = (size_t)(n * ss);
		} else {
			chunk = SV_MIN(len, (size_t)ss - in);
			err = blockdev_read(b, lba, 1, d->bounce);
			if (!err && write) {
				sv_memcpy(d->bounce + in, buf, chunk);
				err = blockdev_write(b, lba, 1, d->bounce);
			} else if (!err) {
				sv_memcpy(buf, d->bounce + in, chunk);
			}
		}
		if (err)
			return err;
		off += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/* Whether [off, off + len) needs the bounce buffer and cannot have it. */
static bool blk_unsplittable(const struct sv_blockdev *b, uint64_t off,
			     size_t len)
{
	return b->sector_size > DEVFS_SECTOR_MAX &&
	       (off % b->sector_size || len % b->sector_size);
}

static int devfs_read(struct sv_fs *fs, struct sv_vnode *node, uint64_t off,
		      void *buf, size_t len, size_t *done)
{
	struct devfs *d = devfs_of(fs);
	struct devfs_ref r = classify(d, node);
	uint64_t size;
	int n;

	*done = 0;
	switch (r.kind) {
	case DEVFS_GONE:
		return -SV_ENODEV;
	case DEVFS_ROOT:
		return -SV_EISDIR;
	case DEVFS_NULL:
		return 0;
	case DEVFS_ZERO:
		sv_memset(buf, 0, len);
		*done = len;
		return 0;
	case DEVFS_CHR:
		n = chardev_read(r.chr, buf, len);
		if (n < 0)
			return n;
		*done = (size_t)n;
		return 0;
	case DEVFS_BLK:
		size = blk_size(r.blk);
		if (off >= size || len == 0)
			return 0;
		len = (size_t)SV_MIN((uint64_t)len, size - off);
		if (blk_unsplittable(r.blk, off, len))
			return -SV_ENOTSUP;
		n = blk_transfer(d, r.blk, off, buf, len, false);
		if (n)
			return n;
		*done = len;
		return 0;
	}
	return -SV_EINVAL;
}

static int devfs_write(struct sv_fs *fs, struct sv_vnode *node, uint64_t off,
		       const void *buf, size_t len, size_t *done)
{
	struct devfs *d = devfs_of(fs);
	struct devfs_ref r = classify(d, node);
	uint64_t size;
	int n;

	*done = 0;
	switch (r.kind) {
	case DEVFS_GONE:
		return -SV_ENODEV;
	case DEVFS_ROOT:
		return -SV_EISDIR;
	case DEVFS_NULL:
	case DEVFS_ZERO:
		*done = len;
		return 0;
	case DEVFS_CHR:
		if (len == 0)
			return 0;
		n = chardev_write(r.chr, buf, len);
		if (n < 0)
			return n;
		if (n == 0)
			return -SV_EAGAIN;	/* the device took nothing */
		*done = (size_t)n;
		return 0;
	case DEVFS_BLK:
		if (len == 0)
			return 0;
		size = blk_size(r.blk);
		if (off > size || len > size - off)
			return -SV_ENOSPC;	/* a disk does not grow */
		if (blk_unsplittable(r.blk, off, len))
			return -SV_ENOTSUP;
		/* blk_transfer only reads from buf when writing */
		n = blk_transfer(d, r.blk, off, (uint8_t *)(uintptr_t)buf, len,
				 true);
		if (n)
			return n;
		*done = len;
		return 0;
	}
	return -SV_EINVAL;
}

static int devfs_getattr(struct sv_fs *fs, struct sv_vnode *node,
			 struct sv_stat *st)
{
	struct devfs *d = devfs_of(fs);
	struct devfs_ref r = classify(d, node);

	sv_memset(st, 0, sizeof(*st));
	st->nlink = 1;
	switch (r.kind) {
	case DEVFS_GONE:
		return -SV_ENODEV;
	case DEVFS_ROOT:
		st->ino = DEVFS_INO_ROOT;
		st->type = SV_FT_DIR;
		st->size = devfs_count(d);
		break;
	case DEVFS_NULL:
	case DEVFS_ZERO:
		st->ino = r.kind == DEVFS_NULL ? DEVFS_INO_NULL
					       : DEVFS_INO_ZERO;
		st->type = SV_FT_CHR;
		break;
	case DEVFS_CHR:
		st->ino = (uintptr_t)r.chr;
		st->type = SV_FT_CHR;
		break;
	case DEVFS_BLK:
		st->ino = (uintptr_t)r.blk;
		st->type = SV_FT_BLK;
		st->size = blk_size(r.blk);
		break;
	}
	return 0;
}

static int devfs_readdir(struct sv_fs *fs, struct sv_vnode *dir,
			 uint64_t *cookie, struct sv_dirent *out)
{
	struct devfs *d = devfs_of(fs);
	struct devfs_entry all[DEVFS_BUILTIN_COUNT + SV_MAX_CHARDEVS +
			       SV_MAX_BLOCKDEVS];
	const struct devfs_entry *next = NULL;
	unsigned n;

	if (dir != vnode_of(&d->root))
		return -SV_ENOTDIR;
	n = entries(d, all, SV_ARRAY_SIZE(all));
	for (unsigned i = 0; i < n && i < SV_ARRAY_SIZE(all); i++)
		if (all[i].ino > *cookie && (!next || all[i].ino < next->ino))
			next = &all[i];
	if (!next)
		return 0;
	out->ino = next->ino;
	out->type = next->type;
	sv_memset(out->name, 0, sizeof(out->name));
	sv_memcpy(out->name, next->name,
		  sv_strnlen(next->name, SV_DEVICE_NAME_MAX));
	*cookie = next->ino;
	return 1;
}

static int devfs_fsync(struct sv_fs *fs, struct sv_vnode *node)
{
	struct devfs_ref r = classify(devfs_of(fs), node);

	if (r.kind == DEVFS_GONE)
		return -SV_ENODEV;
	return r.kind == DEVFS_BLK ? blockdev_flush(r.blk) : 0;
}
