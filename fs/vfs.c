/*
 * The VFS core: path walking across mounts, the mount table, and open
 * files in a caller-owned descriptor table (see sv/vfs.h for the rules).
 *
 * A walk holds one referenced (mount, node) pair at a time. Entering a
 * covered directory switches to the mounted file system's root; ".." at a
 * mount root continues from the covered directory's parent in the mount
 * below. Paths are checked whole (length, NUL bytes, absolute) before any
 * file system is asked anything, and every operation validates before it
 * changes anything, so a failure leaves no trace.
 */
#include "sv/vfs.h"

#include "sv/errno.h"
#include "sv/string.h"

/* A referenced position in the tree. */
struct loc {
	struct sv_mount *mnt;
	struct sv_vnode *node;
};

static const struct sv_fs_ops *ops_of(const struct sv_mount *m)
{
	return m->fs->ops;
}

static void loc_put(struct loc *l)
{
	ops_of(l->mnt)->release(l->mnt->fs, l->node);
	l->node = NULL;
}

static struct sv_mount *root_mount(struct sv_vfs *vfs)
{
	for (size_t i = 0; i < SV_VFS_MAX_MOUNTS; i++)
		if (vfs->mounts[i].fs && !vfs->mounts[i].parent)
			return &vfs->mounts[i];
	return NULL;
}

/* The mount covering directory node of mount mnt, if any. */
static struct sv_mount *covering(struct sv_vfs *vfs, const struct sv_mount *mnt,
				 const struct sv_vnode *node)
{
	for (size_t i = 0; i < SV_VFS_MAX_MOUNTS; i++) {
		struct sv_mount *m = &vfs->mounts[i];

		if (m->fs && m->parent == mnt && m->mountpoint == node)
			return m;
	}
	return NULL;
}

static bool is_dot(const char *name)
{
	return name[0] == '.' && name[1] == '\0';
}

static bool is_dotdot(const char *name)
{
	return name[0] == '.' && name[1] == '.' && name[2] == '\0';
}

static int check_path(const char *path, size_t len)
{
	if (!path || len == 0)
		return -SV_ENOENT;
	if (len > SV_PATH_MAX)
		return -SV_ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '\0')
			return -SV_EINVAL;
	if (path[0] != '/')
		return -SV_EINVAL;	/* no current directory to be relative to */
	/* Every component's length, before any lookup has side effects. */
	for (size_t i = 0, run = 0; i < len; i++) {
		run = path[i] == '/' ? 0 : run + 1;
		if (run > SV_NAME_MAX)
			return -SV_ENAMETOOLONG;
	}
	return 0;
}

/*
 * Copy the component at *i into name (NUL-terminated) and move *i past it;
 * false when only slashes remain. check_path has bounded its length.
 */
static bool next_component(const char *path, size_t len, size_t *i,
			   char name[SV_NAME_MAX + 1])
{
	size_t n = 0;

	while (*i < len && path[*i] == '/')
		(*i)++;
	if (*i == len)
		return false;
	while (*i < len && path[*i] != '/')
		name[n++] = path[(*i)++];
	name[n] = '\0';
	return true;
}

static bool only_slashes_left(const char *path, size_t len, size_t i)
{
	while (i < len && path[i] == '/')
		i++;
	return i == len;
}

static int loc_root(struct sv_vfs *vfs, struct loc *out)
{
	struct sv_mount *m = root_mount(vfs);
	int err;

	if (!m)
		return -SV_ENOENT;
	err = ops_of(m)->root(m->fs, &out->node);
	if (err)
		return err;
	out->mnt = m;
	return 0;
}

/*
 * Move *cur to its entry name ("", "." and ".." included). On failure
 * *cur is released and cleared, so the caller has nothing to undo.
 */
static int step(struct sv_vfs *vfs, struct loc *cur, const char *name)
{
	struct sv_vnode *next;
	struct sv_mount *m;
	int err;

	if (name[0] == '\0' || is_dot(name))
		return 0;
	if (is_dotdot(name) && cur->node == cur->mnt->root) {
		if (!cur->mnt->parent)
			return 0;	/* ".." of "/" is "/" */
		m = cur->mnt->parent;
		err = ops_of(m)->lookup(m->fs, cur->mnt->mountpoint, "..",
					&next);
		loc_put(cur);
		if (err)
			return err;
		cur->mnt = m;
		cur->node = next;
		return 0;
	}
	err = ops_of(cur->mnt)->lookup(cur->mnt->fs, cur->node, name, &next);
	loc_put(cur);
	if (err)
		return err;
	cur->node = next;
	m = covering(vfs, cur->mnt, next);
	if (m) {
		/* A mount root is never covered again, so one hop is enough. */
		err = ops_of(m)->root(m->fs, &next);
		loc_put(cur);
		if (err)
			return err;
		cur->mnt = m;
		cur->node = next;
	}
	return 0;
}

/*
 * SV_ENOTDIR (releasing *l) unless *l is a directory: the parent of a last
 * component reports it here, the same for every operation.
 */
static int check_dir(struct loc *l)
{
	struct sv_stat st;
	int err = ops_of(l->mnt)->getattr(l->mnt->fs, l->node, &st);

	if (!err && st.type != SV_FT_DIR)
		err = -SV_ENOTDIR;
	if (err)
		loc_put(l);
	return err;
}

/*
 * Walk path up to its last component: *dir gets the directory (referenced)
 * and name the last component, "" when the path is "/".
 */
static int resolve_parent(struct sv_vfs *vfs, const char *path, size_t len,
			  struct loc *dir, char name[SV_NAME_MAX + 1])
{
	bool walked = false;
	size_t i = 0;
	int err = check_path(path, len);

	if (err)
		return err;
	err = loc_root(vfs, dir);
	if (err)
		return err;
	name[0] = '\0';
	while (next_component(path, len, &i, name)) {
		if (only_slashes_left(path, len, i))
			return walked ? check_dir(dir) : 0;
		err = step(vfs, dir, name);
		if (err)
			return err;
		walked = true;
	}
	return 0;
}

static int resolve(struct sv_vfs *vfs, const char *path, size_t len,
		   struct loc *out)
{
	char name[SV_NAME_MAX + 1];
	int err = resolve_parent(vfs, path, len, out, name);

	return err ? err : step(vfs, out, name);
}

static int loc_stat(struct sv_vfs *vfs, const struct loc *l,
		    struct sv_stat *st)
{
	int err = ops_of(l->mnt)->getattr(l->mnt->fs, l->node, st);

	if (!err)
		st->mount_id = (uint32_t)(l->mnt - vfs->mounts);
	return err;
}

void vfs_init(struct sv_vfs *vfs)
{
	sv_memset(vfs, 0, sizeof(*vfs));
}

static struct sv_mount *free_slot(struct sv_vfs *vfs, const struct sv_fs *fs,
				  int *err)
{
	struct sv_mount *slot = NULL;

	for (size_t i = 0; i < SV_VFS_MAX_MOUNTS; i++) {
		if (vfs->mounts[i].fs == fs) {
			*err = -SV_EBUSY;	/* one instance, one place */
			return NULL;
		}
		if (!vfs->mounts[i].fs && !slot)
			slot = &vfs->mounts[i];
	}
	*err = slot ? 0 : -SV_ENOSPC;
	return slot;
}

static int mount_root(struct sv_vfs *vfs, const char *path, size_t len,
		      struct sv_fs *fs)
{
	struct sv_mount *slot;
	struct sv_vnode *root;
	int err = check_path(path, len);

	if (err)
		return err;
	if (!only_slashes_left(path, len, 0))
		return -SV_ENOENT;
	slot = free_slot(vfs, fs, &err);
	if (!slot)
		return err;
	err = fs->ops->root(fs, &root);
	if (err)
		return err;
	*slot = (struct sv_mount){ .fs = fs, .root = root };
	return 0;
}

int vfs_mount(struct sv_vfs *vfs, const char *path, size_t len,
	      struct sv_fs *fs)
{
	struct sv_mount *slot;
	struct sv_vnode *root;
	struct sv_stat st;
	struct loc at;
	int err;

	if (!fs || !fs->ops)
		return -SV_EINVAL;
	if (!root_mount(vfs))
		return mount_root(vfs, path, len, fs);
	err = resolve(vfs, path, len, &at);
	if (err)
		return err;
	err = loc_stat(vfs, &at, &st);
	if (!err && st.type != SV_FT_DIR)
		err = -SV_ENOTDIR;
	if (!err && at.node == at.mnt->root)
		err = -SV_EBUSY;
	slot = err ? NULL : free_slot(vfs, fs, &err);
	if (!err)
		err = fs->ops->root(fs, &root);
	if (err) {
		loc_put(&at);
		return err;
	}
	/* The mount keeps the reference on the covered directory. */
	*slot = (struct sv_mount){ .fs = fs, .parent = at.mnt,
				   .mountpoint = at.node, .root = root };
	at.mnt->busy++;
	return 0;
}

int vfs_unmount(struct sv_vfs *vfs, const char *path, size_t len)
{
	struct sv_mount *m;
	struct loc at;
	int err = resolve(vfs, path, len, &at);

	if (err)
		return err;
	m = at.mnt;
	err = at.node == m->root ? 0 : -SV_EINVAL;
	loc_put(&at);
	if (err)
		return err;
	if (m->busy)
		return -SV_EBUSY;
	ops_of(m)->release(m->fs, m->root);
	if (m->parent) {
		ops_of(m->parent)->release(m->parent->fs, m->mountpoint);
		m->parent->busy--;
	}
	*m = (struct sv_mount){ 0 };
	return 0;
}

void vfs_fdtable_init(struct sv_fdtable *fdt)
{
	sv_memset(fdt, 0, sizeof(*fdt));
}

static struct sv_file *file_of(struct sv_fdtable *fdt, int fd)
{
	if (fd < 0 || fd >= SV_FD_MAX || !fdt->files[fd].mnt)
		return NULL;
	return &fdt->files[fd];
}

static void file_close(struct sv_file *f)
{
	f->mnt->fs->ops->release(f->mnt->fs, f->node);
	f->mnt->busy--;
	*f = (struct sv_file){ 0 };
}

void vfs_fdtable_close_all(struct sv_fdtable *fdt)
{
	for (int fd = 0; fd < SV_FD_MAX; fd++)
		if (fdt->files[fd].mnt)
			file_close(&fdt->files[fd]);
}

/* Whether an open of a node of this type with these flags is allowed. */
static int check_open(uint32_t flags, uint32_t type)
{
	bool writes = (flags & SV_O_ACCMODE) != SV_O_RDONLY;

	if ((flags & SV_O_DIRECTORY) && type != SV_FT_DIR)
		return -SV_ENOTDIR;
	if (type == SV_FT_DIR && (writes || (flags & SV_O_TRUNC)))
		return -SV_EISDIR;
	return 0;
}

/* Find name in dir, creating a regular file there if flags ask for it. */
static int open_lookup(struct sv_vfs *vfs, struct loc *l, const char *name,
		       uint32_t flags)
{
	bool special = name[0] == '\0' || is_dot(name) || is_dotdot(name);
	int err;

	if ((flags & SV_O_CREAT) && !special) {
		err = ops_of(l->mnt)->create(l->mnt->fs, l->node, name);
		if (err == -SV_EEXIST && !(flags & SV_O_EXCL))
			err = 0;
		if (err) {
			loc_put(l);
			return err;
		}
	} else if ((flags & (SV_O_CREAT | SV_O_EXCL)) ==
		   (SV_O_CREAT | SV_O_EXCL)) {
		loc_put(l);
		return -SV_EEXIST;
	}
	return step(vfs, l, name);
}

int vfs_open(struct sv_vfs *vfs, struct sv_fdtable *fdt, const char *path,
	     size_t len, uint32_t flags, int *fd)
{
	char name[SV_NAME_MAX + 1];
	struct sv_file *f = NULL;
	struct sv_stat st;
	struct loc l;
	int err;

	if ((flags & SV_O_ACCMODE) == SV_O_ACCMODE ||
	    (flags & ~(SV_O_ACCMODE | SV_O_CREAT | SV_O_EXCL | SV_O_TRUNC |
		       SV_O_APPEND | SV_O_DIRECTORY)))
		return -SV_EINVAL;
	for (int i = 0; i < SV_FD_MAX && !f; i++)
		if (!fdt->files[i].mnt)
			f = &fdt->files[i];
	if (!f)
		return -SV_EMFILE;	/* the descriptor table is full */
	err = resolve_parent(vfs, path, len, &l, name);
	if (err)
		return err;
	err = open_lookup(vfs, &l, name, flags);
	if (err)
		return err;
	err = loc_stat(vfs, &l, &st);
	if (!err)
		err = check_open(flags, st.type);
	if (!err && (flags & SV_O_TRUNC) &&
	    (flags & SV_O_ACCMODE) != SV_O_RDONLY && st.size)
		err = ops_of(l.mnt)->truncate(l.mnt->fs, l.node, 0);
	if (err) {
		loc_put(&l);
		return err;
	}
	*f = (struct sv_file){ .mnt = l.mnt, .node = l.node, .flags = flags,
			       .type = st.type, .mount_id = st.mount_id };
	l.mnt->busy++;
	*fd = (int)(f - fdt->files);
	return 0;
}

int vfs_close(struct sv_fdtable *fdt, int fd)
{
	struct sv_file *f = file_of(fdt, fd);

	if (!f)
		return -SV_EBADF;
	file_close(f);
	return 0;
}

int vfs_read(struct sv_fdtable *fdt, int fd, void *buf, size_t len,
	     size_t *done)
{
	struct sv_file *f = file_of(fdt, fd);
	int err;

	*done = 0;
	if (!f || (f->flags & SV_O_ACCMODE) == SV_O_WRONLY)
		return -SV_EBADF;
	if (f->type == SV_FT_DIR)
		return -SV_EISDIR;
	err = f->mnt->fs->ops->read(f->mnt->fs, f->node, f->pos, buf, len,
				    done);
	if (!err)
		f->pos += *done;
	return err;
}

static int file_size(struct sv_file *f, uint64_t *size)
{
	struct sv_stat st;
	int err = f->mnt->fs->ops->getattr(f->mnt->fs, f->node, &st);

	*size = st.size;
	return err;
}

int vfs_write(struct sv_fdtable *fdt, int fd, const void *buf, size_t len,
	      size_t *done)
{
	struct sv_file *f = file_of(fdt, fd);
	uint64_t pos;
	int err;

	*done = 0;
	if (!f || (f->flags & SV_O_ACCMODE) == SV_O_RDONLY)
		return -SV_EBADF;
	pos = f->pos;
	if (f->flags & SV_O_APPEND) {
		err = file_size(f, &pos);
		if (err)
			return err;
	}
	if (len == 0)
		return 0;
	if (pos > SV_VFS_OFF_MAX || len > SV_VFS_OFF_MAX - pos)
		return -SV_EOVERFLOW;
	err = f->mnt->fs->ops->write(f->mnt->fs, f->node, pos, buf, len, done);
	if (!err)
		f->pos = pos + *done;
	return err;
}

int vfs_seek(struct sv_fdtable *fdt, int fd, int64_t off,
	     enum sv_whence whence, uint64_t *pos)
{
	struct sv_file *f = file_of(fdt, fd);
	uint64_t base;
	int err;

	if (!f)
		return -SV_EBADF;
	if (f->type == SV_FT_DIR) {
		/* Cookies are opaque: a directory can only be rewound. */
		if (whence != SV_SEEK_SET || off != 0)
			return -SV_EINVAL;
		f->pos = 0;
		*pos = 0;
		return 0;
	}
	switch (whence) {
	case SV_SEEK_SET:
		base = 0;
		break;
	case SV_SEEK_CUR:
		base = f->pos;
		break;
	case SV_SEEK_END:
		err = file_size(f, &base);
		if (err)
			return err;
		break;
	default:
		return -SV_EINVAL;
	}
	/* base <= SV_VFS_OFF_MAX = INT64_MAX, so neither case overflows. */
	if (off < 0 ? (uint64_t)-(off + 1) + 1 > base
		    : (uint64_t)off > SV_VFS_OFF_MAX - base)
		return -SV_EINVAL;
	f->pos = off < 0 ? base - ((uint64_t)-(off + 1) + 1)
			 : base + (uint64_t)off;
	*pos = f->pos;
	return 0;
}

int vfs_fstat(struct sv_fdtable *fdt, int fd, struct sv_stat *st)
{
	struct sv_file *f = file_of(fdt, fd);
	int err;

	if (!f)
		return -SV_EBADF;
	err = f->mnt->fs->ops->getattr(f->mnt->fs, f->node, st);
	if (!err)
		st->mount_id = f->mount_id;
	return err;
}

int vfs_readdir(struct sv_fdtable *fdt, int fd, struct sv_dirent *out)
{
	struct sv_file *f = file_of(fdt, fd);

	if (!f)
		return -SV_EBADF;
	if (f->type != SV_FT_DIR)
		return -SV_ENOTDIR;
	return f->mnt->fs->ops->readdir(f->mnt->fs, f->node, &f->pos, out);
}

int vfs_ftruncate(struct sv_fdtable *fdt, int fd, uint64_t size)
{
	struct sv_file *f = file_of(fdt, fd);

	if (!f || (f->flags & SV_O_ACCMODE) == SV_O_RDONLY)
		return -SV_EBADF;
	if (f->type == SV_FT_DIR)
		return -SV_EISDIR;
	if (size > SV_VFS_OFF_MAX)
		return -SV_EINVAL;
	return f->mnt->fs->ops->truncate(f->mnt->fs, f->node, size);
}

int vfs_fsync(struct sv_fdtable *fdt, int fd)
{
	struct sv_file *f = file_of(fdt, fd);

	if (!f)
		return -SV_EBADF;
	return f->mnt->fs->ops->fsync(f->mnt->fs, f->node);
}

int vfs_stat(struct sv_vfs *vfs, const char *path, size_t len,
	     struct sv_stat *st)
{
	struct loc l;
	int err = resolve(vfs, path, len, &l);

	if (err)
		return err;
	err = loc_stat(vfs, &l, st);
	loc_put(&l);
	return err;
}

int vfs_truncate(struct sv_vfs *vfs, const char *path, size_t len,
		 uint64_t size)
{
	struct loc l;
	int err;

	if (size > SV_VFS_OFF_MAX)
		return -SV_EINVAL;
	err = resolve(vfs, path, len, &l);
	if (err)
		return err;
	err = ops_of(l.mnt)->truncate(l.mnt->fs, l.node, size);
	loc_put(&l);
	return err;
}

int vfs_mkdir(struct sv_vfs *vfs, const char *path, size_t len)
{
	char name[SV_NAME_MAX + 1];
	struct loc dir;
	int err = resolve_parent(vfs, path, len, &dir, name);

	if (err)
		return err;
	if (name[0] == '\0' || is_dot(name) || is_dotdot(name))
		err = -SV_EEXIST;
	else
		err = ops_of(dir.mnt)->mkdir(dir.mnt->fs, dir.node, name);
	loc_put(&dir);
	return err;
}

/* The error for removing or renaming "/", "x/." or "x/..". */
static int special_name_error(const char *name)
{
	return name[0] == '\0' ? -SV_EBUSY : -SV_EINVAL;
}

/* SV_EBUSY if dir/name is covered by a mount, or a lookup error. */
static int check_not_mountpoint(struct sv_vfs *vfs, struct loc *dir,
				const char *name)
{
	struct sv_vnode *child;
	int err = ops_of(dir->mnt)->lookup(dir->mnt->fs, dir->node, name,
					   &child);

	if (err)
		return err;
	if (covering(vfs, dir->mnt, child))
		err = -SV_EBUSY;
	ops_of(dir->mnt)->release(dir->mnt->fs, child);
	return err;
}

static int remove_entry(struct sv_vfs *vfs, const char *path, size_t len,
			bool is_dir)
{
	char name[SV_NAME_MAX + 1];
	struct loc dir;
	int err = resolve_parent(vfs, path, len, &dir, name);

	if (err)
		return err;
	if (name[0] == '\0' || is_dot(name) || is_dotdot(name))
		err = special_name_error(name);
	else
		err = check_not_mountpoint(vfs, &dir, name);
	if (!err)
		err = is_dir ? ops_of(dir.mnt)->rmdir(dir.mnt->fs, dir.node,
						       name)
			     : ops_of(dir.mnt)->unlink(dir.mnt->fs, dir.node,
							name);
	loc_put(&dir);
	return err;
}

int vfs_rmdir(struct sv_vfs *vfs, const char *path, size_t len)
{
	return remove_entry(vfs, path, len, true);
}

int vfs_unlink(struct sv_vfs *vfs, const char *path, size_t len)
{
	return remove_entry(vfs, path, len, false);
}

/*
 * SV_EINVAL if directory src is dir or one of its ancestors within the
 * mount: a directory cannot move under itself.
 */
static int check_not_ancestor(struct loc *dir, struct sv_vnode *src)
{
	const struct sv_fs_ops *ops = ops_of(dir->mnt);
	struct sv_fs *fs = dir->mnt->fs;
	struct sv_vnode *p = dir->node, *up;
	bool owned = false;
	int err = 0;

	while (!err && p != dir->mnt->root) {
		if (p == src) {
			err = -SV_EINVAL;
			break;
		}
		err = ops->lookup(fs, p, "..", &up);
		if (owned)
			ops->release(fs, p);
		if (err)
			return err;
		p = up;
		owned = true;
	}
	if (owned)
		ops->release(fs, p);
	return err;
}

static int rename_checks(struct sv_vfs *vfs, struct loc *od, const char *on,
			 struct loc *nd, const char *nn)
{
	struct sv_vnode *src;
	struct sv_stat st;
	int err;

	if (od->mnt != nd->mnt)
		return -SV_EXDEV;
	err = ops_of(od->mnt)->lookup(od->mnt->fs, od->node, on, &src);
	if (err)
		return err;
	err = covering(vfs, od->mnt, src) ? -SV_EBUSY : 0;
	if (!err)
		err = ops_of(od->mnt)->getattr(od->mnt->fs, src, &st);
	if (!err && st.type == SV_FT_DIR)
		err = check_not_ancestor(nd, src);
	ops_of(od->mnt)->release(od->mnt->fs, src);
	if (!err) {
		err = check_not_mountpoint(vfs, nd, nn);
		if (err == -SV_ENOENT)
			err = 0;	/* a new name */
	}
	return err;
}

int vfs_rename(struct sv_vfs *vfs, const char *from, size_t from_len,
	       const char *to, size_t to_len)
{
	char oname[SV_NAME_MAX + 1], nname[SV_NAME_MAX + 1];
	struct loc od, nd;
	int err = resolve_parent(vfs, from, from_len, &od, oname);

	if (err)
		return err;
	err = resolve_parent(vfs, to, to_len, &nd, nname);
	if (err) {
		loc_put(&od);
		return err;
	}
	if (oname[0] == '\0' || is_dot(oname) || is_dotdot(oname))
		err = special_name_error(oname);
	else if (nname[0] == '\0' || is_dot(nname) || is_dotdot(nname))
		err = special_name_error(nname);
	else
		err = rename_checks(vfs, &od, oname, &nd, nname);
	if (!err)
		err = ops_of(od.mnt)->rename(od.mnt->fs, od.node, oname,
					     nd.node, nname);
	loc_put(&nd);
	loc_put(&od);
	return err;
}
