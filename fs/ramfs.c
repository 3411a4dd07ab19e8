/*
 * ramfs: directories and regular files in memory (see sv/ramfs.h).
 *
 * A directory keeps its entries in a list in creation order, each with a
 * sequence number that never repeats; a readdir cookie is "the next
 * sequence number wanted", so removing entries during a listing neither
 * skips nor repeats the others. A file keeps its data as a sorted array
 * of (page index, page) pairs: only written pages exist, holes read as
 * zeros, and bytes of a page past the file's size are always zero, so
 * growing a file never shows stale data.
 *
 * Every operation that allocates does so before it changes anything and
 * gives everything back on failure (SV_ENOSPC).
 */
#include "sv/ramfs.h"

#include "sv/errno.h"
#include "sv/string.h"

SV_FS_DECLARE(ramfs)
static const struct sv_fs_ops ramfs_ops = SV_FS_TABLE(ramfs);

struct ramfs_page {
	uint64_t index;		/* offset / RAMFS_PAGE_SIZE */
	uint8_t *data;
};

struct ramfs_node {
	struct sv_list_node all;	/* in ramfs.nodes */
	uint64_t ino;
	uint32_t type;			/* SV_FT_REG or SV_FT_DIR */
	uint32_t nlink;			/* 1 while linked, 0 once removed */
	uint32_t refs;			/* VFS references */
	uint64_t size;			/* bytes, or entries of a directory */
	/* directories */
	struct ramfs_node *parent;	/* NULL for the root and when removed */
	struct sv_list_node entries;	/* struct ramfs_dirent, by seq */
	uint64_t next_seq;
	/* regular files */
	struct ramfs_page *pages;
	size_t npages, cap;
};

struct ramfs_dirent {
	struct sv_list_node link;
	struct ramfs_node *node;
	uint64_t seq;
	size_t namelen;
	char name[];			/* NUL-terminated */
};

static struct ramfs *ramfs_of(struct sv_fs *fs)
{
	return sv_container_of(fs, struct ramfs, fs);
}

static struct ramfs_node *node_of(struct sv_vnode *v)
{
	return (struct ramfs_node *)(void *)v;
}

static struct sv_vnode *vnode_of(struct ramfs_node *n)
{
	return (struct sv_vnode *)(void *)n;
}

static void *ram_alloc(struct ramfs *r, size_t size)
{
	return r->alloc.alloc(r->alloc.ctx, size);
}

static void ram_free(struct ramfs *r, void *p, size_t size)
{
	if (p)
		r->alloc.free(r->alloc.ctx, p, size);
}

static struct ramfs_node *node_new(struct ramfs *r, uint32_t type)
{
	struct ramfs_node *n = ram_alloc(r, sizeof(*n));

	if (!n)
		return NULL;
	sv_memset(n, 0, sizeof(*n));
	n->ino = r->next_ino++;
	n->type = type;
	n->nlink = 1;
	sv_list_init(&n->entries);
	sv_list_add_tail(&r->nodes, &n->all);
	return n;
}

static void pages_free_from(struct ramfs *r, struct ramfs_node *n, size_t i)
{
	for (size_t j = i; j < n->npages; j++)
		ram_free(r, n->pages[j].data, RAMFS_PAGE_SIZE);
	n->npages = i;
	if (n->npages == 0) {
		ram_free(r, n->pages, n->cap * sizeof(*n->pages));
		n->pages = NULL;
		n->cap = 0;
	}
}

static void dirent_free(struct ramfs *r, struct ramfs_dirent *d)
{
	ram_free(r, d, sizeof(*d) + d->namelen + 1);
}

/* Free n and everything it owns, whatever its counts. */
static void node_free(struct ramfs *r, struct ramfs_node *n)
{
	struct sv_list_node *pos, *tmp;

	sv_list_for_each_safe(pos, tmp, &n->entries)
		dirent_free(r, sv_list_entry(pos, struct ramfs_dirent, link));
	pages_free_from(r, n, 0);
	sv_list_remove(&n->all);
	ram_free(r, n, sizeof(*n));
}

static void node_put_if_dead(struct ramfs *r, struct ramfs_node *n)
{
	if (n->nlink == 0 && n->refs == 0)
		node_free(r, n);
}

int ramfs_init(struct ramfs *rfs, const struct sv_fs_alloc *alloc)
{
	if (!alloc || !alloc->alloc || !alloc->free)
		return -SV_EINVAL;
	sv_memset(rfs, 0, sizeof(*rfs));
	rfs->alloc = *alloc;
	rfs->next_ino = 1;
	sv_list_init(&rfs->nodes);
	rfs->root = node_new(rfs, SV_FT_DIR);
	if (!rfs->root)
		return -SV_ENOSPC;
	rfs->fs.ops = &ramfs_ops;
	rfs->fs.type = "ramfs";
	return 0;
}

void ramfs_destroy(struct ramfs *rfs)
{
	struct sv_list_node *pos, *tmp;

	sv_list_for_each_safe(pos, tmp, &rfs->nodes)
		node_free(rfs, sv_list_entry(pos, struct ramfs_node, all));
	rfs->root = NULL;
}

static int ramfs_root(struct sv_fs *fs, struct sv_vnode **out)
{
	struct ramfs *r = ramfs_of(fs);

	r->root->refs++;
	*out = vnode_of(r->root);
	return 0;
}

static void ramfs_release(struct sv_fs *fs, struct sv_vnode *node)
{
	struct ramfs_node *n = node_of(node);

	n->refs--;
	node_put_if_dead(ramfs_of(fs), n);
}

static struct ramfs_dirent *dir_find(struct ramfs_node *dir, const char *name)
{
	struct sv_list_node *pos;
	size_t len = sv_strlen(name);

	sv_list_for_each(pos, &dir->entries) {
		struct ramfs_dirent *d =
			sv_list_entry(pos, struct ramfs_dirent, link);

		if (d->namelen == len && sv_memcmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

static int ramfs_lookup(struct sv_fs *fs, struct sv_vnode *dirv,
			const char *name, struct sv_vnode **out)
{
	struct ramfs_node *dir = node_of(dirv), *n;
	struct ramfs_dirent *d;

	if (dir->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (name[0] == '.' && name[1] == '\0') {
		n = dir;
	} else if (name[0] == '.' && name[1] == '.' && name[2] == '\0') {
		n = dir == ramfs_of(fs)->root ? dir : dir->parent;
		if (!n)
			return -SV_ENOENT;	/* dir was removed */
	} else {
		d = dir_find(dir, name);
		if (!d)
			return -SV_ENOENT;
		n = d->node;
	}
	n->refs++;
	*out = vnode_of(n);
	return 0;
}

static struct ramfs_dirent *dirent_new(struct ramfs *r, const char *name)
{
	size_t len = sv_strlen(name);
	struct ramfs_dirent *d = ram_alloc(r, sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	sv_memset(d, 0, sizeof(*d));
	d->namelen = len;
	sv_memcpy(d->name, name, len + 1);
	return d;
}

static void dir_link(struct ramfs_node *dir, struct ramfs_dirent *d,
		     struct ramfs_node *n)
{
	d->node = n;
	d->seq = dir->next_seq++;
	sv_list_add_tail(&dir->entries, &d->link);
	dir->size++;
	if (n->type == SV_FT_DIR)
		n->parent = dir;
}

static void dir_unlink(struct ramfs *r, struct ramfs_node *dir,
		       struct ramfs_dirent *d)
{
	sv_list_remove(&d->link);
	dir->size--;
	dirent_free(r, d);
}

/* The node is gone from the tree; it lives on while referenced. */
static void node_drop(struct ramfs *r, struct ramfs_node *n)
{
	n->nlink = 0;
	n->parent = NULL;
	node_put_if_dead(r, n);
}

static int check_new_entry(struct ramfs_node *dir, const char *name)
{
	if (dir->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (dir->nlink == 0)
		return -SV_ENOENT;
	if (dir_find(dir, name))
		return -SV_EEXIST;
	return 0;
}

static int make_node(struct sv_fs *fs, struct sv_vnode *dirv,
		     const char *name, uint32_t type)
{
	struct ramfs *r = ramfs_of(fs);
	struct ramfs_node *dir = node_of(dirv), *n;
	struct ramfs_dirent *d;
	int err = check_new_entry(dir, name);

	if (err)
		return err;
	d = dirent_new(r, name);
	if (!d)
		return -SV_ENOSPC;
	n = node_new(r, type);
	if (!n) {
		dirent_free(r, d);
		return -SV_ENOSPC;
	}
	dir_link(dir, d, n);
	return 0;
}

static int ramfs_create(struct sv_fs *fs, struct sv_vnode *dir,
			const char *name)
{
	return make_node(fs, dir, name, SV_FT_REG);
}

static int ramfs_mkdir(struct sv_fs *fs, struct sv_vnode *dir,
		       const char *name)
{
	return make_node(fs, dir, name, SV_FT_DIR);
}

static int remove_node(struct sv_fs *fs, struct sv_vnode *dirv,
		       const char *name, bool want_dir)
{
	struct ramfs *r = ramfs_of(fs);
	struct ramfs_node *dir = node_of(dirv), *n;
	struct ramfs_dirent *d;

	if (dir->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	d = dir_find(dir, name);
	if (!d)
		return -SV_ENOENT;
	n = d->node;
	if (!want_dir && n->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (want_dir && n->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (want_dir && n->size)
		return -SV_ENOTEMPTY;
	dir_unlink(r, dir, d);
	node_drop(r, n);
	return 0;
}

static int ramfs_unlink(struct sv_fs *fs, struct sv_vnode *dir,
			const char *name)
{
	return remove_node(fs, dir, name, false);
}

static int ramfs_rmdir(struct sv_fs *fs, struct sv_vnode *dir,
		       const char *name)
{
	return remove_node(fs, dir, name, true);
}

/* Whether src may replace the existing entry old: 0 or the error. */
static int check_replace(const struct ramfs_node *src,
			 const struct ramfs_node *old)
{
	if (src->type == SV_FT_DIR && old->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (src->type != SV_FT_DIR && old->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (old->type == SV_FT_DIR && old->size)
		return -SV_ENOTEMPTY;
	return 0;
}

static int ramfs_rename(struct sv_fs *fs, struct sv_vnode *odirv,
			const char *oname, struct sv_vnode *ndirv,
			const char *nname)
{
	struct ramfs *r = ramfs_of(fs);
	struct ramfs_node *odir = node_of(odirv), *ndir = node_of(ndirv);
	struct ramfs_dirent *src, *old, *d;
	struct ramfs_node *n;
	int err;

	if (odir->type != SV_FT_DIR || ndir->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	src = dir_find(odir, oname);
	if (!src)
		return -SV_ENOENT;
	if (ndir->nlink == 0)
		return -SV_ENOENT;
	old = dir_find(ndir, nname);
	if (old == src)
		return 0;
	if (old) {
		err = check_replace(src->node, old->node);
		if (err)
			return err;
	}
	d = dirent_new(r, nname);
	if (!d)
		return -SV_ENOSPC;
	/* Nothing below can fail. */
	n = src->node;
	if (old) {
		struct ramfs_node *victim = old->node;

		dir_unlink(r, ndir, old);
		node_drop(r, victim);
	}
	dir_unlink(r, odir, src);
	dir_link(ndir, d, n);
	return 0;
}

/* Index in n->pages of the first page with index >= idx. */
static size_t page_search(const struct ramfs_node *n, uint64_t idx)
{
	size_t lo = 0, hi = n->npages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->pages[mid].index < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint8_t *page_find(const struct ramfs_node *n, uint64_t idx)
{
	size_t i = page_search(n, idx);

	return i < n->npages && n->pages[i].index == idx ? n->pages[i].data
							 : NULL;
}

static int ramfs_read(struct sv_fs *fs, struct sv_vnode *node, uint64_t off,
		      void *buf, size_t len, size_t *done)
{
	struct ramfs_node *n = node_of(node);
	uint8_t *out = buf;
	size_t total;

	(void)fs;
	*done = 0;
	if (n->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (off >= n->size)
		return 0;
	total = (size_t)SV_MIN((uint64_t)len, n->size - off);
	for (size_t copied = 0; copied < total;) {
		uint64_t pos = off + copied;
		size_t in_page = (size_t)(pos % RAMFS_PAGE_SIZE);
		size_t chunk = SV_MIN(total - copied,
				      RAMFS_PAGE_SIZE - in_page);
		const uint8_t *page = page_find(n, pos / RAMFS_PAGE_SIZE);

		if (page)
			sv_memcpy(out + copied, page + in_page, chunk);
		else
			sv_memset(out + copied, 0, chunk);
		copied += chunk;
	}
	*done = total;
	return 0;
}

/*
 * Allocate every page of [first, last] that n lacks and put them in its
 * array, or change nothing and return SV_ENOSPC. The new pages are first
 * chained through their own first bytes, so the only allocation that can
 * fail after the array is grown is a page, and undoing is freeing the chain.
 */
static int pages_fill(struct ramfs *r, struct ramfs_node *n, uint64_t first,
		      uint64_t last)
{
	uint8_t *chain = NULL;
	size_t missing = 0;

	for (uint64_t idx = first; idx <= last; idx++) {
		uint8_t *p;

		if (page_find(n, idx))
			continue;
		p = ram_alloc(r, RAMFS_PAGE_SIZE);
		if (!p)
			goto fail;
		sv_memset(p, 0, RAMFS_PAGE_SIZE);
		sv_memcpy(p, &chain, sizeof(chain));
		chain = p;
		missing++;
	}
	if (n->npages + missing > n->cap) {
		size_t cap = SV_MAX(n->cap * 2, n->npages + missing);
		struct ramfs_page *a = ram_alloc(r, cap * sizeof(*a));

		if (!a)
			goto fail;
		if (n->npages)
			sv_memcpy(a, n->pages, n->npages * sizeof(*a));
		ram_free(r, n->pages, n->cap * sizeof(*n->pages));
		n->pages = a;
		n->cap = cap;
	}
	/* The chain holds the highest index first; insert from the top down. */
	for (uint64_t idx = last; chain; idx--) {
		size_t i;

		if (page_find(n, idx))
			continue;
		i = page_search(n, idx);
		sv_memmove(&n->pages[i + 1], &n->pages[i],
			   (n->npages - i) * sizeof(*n->pages));
		n->pages[i].index = idx;
		n->pages[i].data = chain;
		sv_memcpy(&chain, chain, sizeof(chain));
		sv_memset(n->pages[i].data, 0, sizeof(chain));
		n->npages++;
	}
	return 0;
fail:
	while (chain) {
		uint8_t *next;

		sv_memcpy(&next, chain, sizeof(next));
		ram_free(r, chain, RAMFS_PAGE_SIZE);
		chain = next;
	}
	return -SV_ENOSPC;
}

static int ramfs_write(struct sv_fs *fs, struct sv_vnode *node, uint64_t off,
		       const void *buf, size_t len, size_t *done)
{
	struct ramfs *r = ramfs_of(fs);
	struct ramfs_node *n = node_of(node);
	const uint8_t *in = buf;
	int err;

	*done = 0;
	if (n->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (len == 0)
		return 0;
	if (off > SV_VFS_OFF_MAX || len > SV_VFS_OFF_MAX - off)
		return -SV_EOVERFLOW;
	err = pages_fill(r, n, off / RAMFS_PAGE_SIZE,
			 (off + len - 1) / RAMFS_PAGE_SIZE);
	if (err)
		return err;
	for (size_t copied = 0; copied < len;) {
		uint64_t pos = off + copied;
		size_t in_page = (size_t)(pos % RAMFS_PAGE_SIZE);
		size_t chunk = SV_MIN(len - copied, RAMFS_PAGE_SIZE - in_page);

		sv_memcpy(page_find(n, pos / RAMFS_PAGE_SIZE) + in_page,
			  in + copied, chunk);
		copied += chunk;
	}
	n->size = SV_MAX(n->size, off + len);
	*done = len;
	return 0;
}

static int ramfs_truncate(struct sv_fs *fs, struct sv_vnode *node,
			  uint64_t size)
{
	struct ramfs_node *n = node_of(node);
	uint64_t keep;	/* pages wholly or partly below size */
	uint8_t *tail;

	if (n->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (size > SV_VFS_OFF_MAX)
		return -SV_EINVAL;
	if (size < n->size) {
		keep = size / RAMFS_PAGE_SIZE + (size % RAMFS_PAGE_SIZE != 0);
		pages_free_from(ramfs_of(fs), n, page_search(n, keep));
		/* Keep the bytes past the end zero for a later grow. */
		tail = size % RAMFS_PAGE_SIZE ?
			page_find(n, size / RAMFS_PAGE_SIZE) : NULL;
		if (tail)
			sv_memset(tail + size % RAMFS_PAGE_SIZE, 0,
				  RAMFS_PAGE_SIZE - size % RAMFS_PAGE_SIZE);
	}
	n->size = size;
	return 0;
}

static int ramfs_getattr(struct sv_fs *fs, struct sv_vnode *node,
			 struct sv_stat *st)
{
	struct ramfs_node *n = node_of(node);

	(void)fs;
	sv_memset(st, 0, sizeof(*st));
	st->ino = n->ino;
	st->size = n->size;
	st->alloc_bytes = (uint64_t)n->npages * RAMFS_PAGE_SIZE;
	st->type = n->type;
	st->nlink = n->nlink;
	return 0;
}

static int ramfs_readdir(struct sv_fs *fs, struct sv_vnode *dirv,
			 uint64_t *cookie, struct sv_dirent *out)
{
	struct ramfs_node *dir = node_of(dirv);
	struct sv_list_node *pos;

	(void)fs;
	if (dir->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	sv_list_for_each(pos, &dir->entries) {
		struct ramfs_dirent *d =
			sv_list_entry(pos, struct ramfs_dirent, link);

		if (d->seq < *cookie)
			continue;
		out->ino = d->node->ino;
		out->type = d->node->type;
		sv_memcpy(out->name, d->name, d->namelen + 1);
		*cookie = d->seq + 1;
		return 1;
	}
	return 0;
}

static int ramfs_fsync(struct sv_fs *fs, struct sv_vnode *node)
{
	(void)fs;
	(void)node;
	return 0;	/* memory is as durable as it gets */
}
