/*
 * The virtual file system: one tree of paths over several file systems
 * (ramfs at boot, later devfs and the on-disk file system), mounted on
 * each other's directories.
 *
 * The VFS owns no memory: the mount table lives in struct sv_vfs and the
 * open files in a struct sv_fdtable, both provided by the caller (a task
 * owns its descriptor table). File systems that need memory take it from
 * a struct sv_fs_alloc the caller gives them.
 *
 * A file system implements struct sv_fs_ops (listed once, in SV_FS_OPS)
 * and embeds struct sv_fs. The VFS handles paths, mounts, descriptors and
 * offsets; the file system only sees one directory and one name at a time.
 *
 * Paths are (pointer, length) pairs, absolute, at most SV_PATH_MAX bytes,
 * with components of at most SV_NAME_MAX bytes; a NUL byte inside the
 * length is refused (SV_EINVAL). "." and ".." are understood, ".." at a
 * mount's root leaves the mount, ".." at "/" stays at "/", and repeated
 * slashes count as one. There are no links and no current directory.
 *
 * Not thread-safe: the caller serializes calls on one struct sv_vfs.
 */
#ifndef SV_VFS_H
#define SV_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define SV_NAME_MAX		255	/* bytes in one path component */
#define SV_PATH_MAX		1024	/* bytes in a whole path */
#define SV_VFS_MAX_MOUNTS	16
#define SV_FD_MAX		32	/* descriptors in one table */
#define SV_VFS_OFF_MAX		((uint64_t)INT64_MAX)	/* largest file size */

/* Memory for a file system: size is passed to free too (for kmem). */
struct sv_fs_alloc {
	void *(*alloc)(void *ctx, size_t size);	/* NULL when out of memory */
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

enum sv_ftype {
	SV_FT_REG = 1,		/* regular file */
	SV_FT_DIR = 2,		/* directory */
	SV_FT_CHR = 3,		/* character device (devfs) */
	SV_FT_BLK = 4,		/* block device (devfs) */
};

struct sv_stat {
	uint64_t ino;		/* unique within its file system */
	uint64_t size;		/* bytes (files); entries (directories) */
	uint64_t alloc_bytes;	/* storage actually used (sparse files) */
	uint32_t type;		/* enum sv_ftype */
	uint32_t nlink;		/* 0 once unlinked while still open */
	uint32_t mount_id;	/* index of the mount holding the node */
};

struct sv_dirent {
	uint64_t ino;
	uint32_t type;		/* enum sv_ftype */
	char name[SV_NAME_MAX + 1];	/* NUL-terminated */
};

struct sv_fs;
struct sv_vnode;	/* a file system's node; opaque to the VFS */

/*
 * X(ctx, return type, name, parameter list) for every file-system op.
 *
 * References: root and lookup return a node with a reference taken; the
 * VFS gives each back with release. While a reference is held, the same
 * node is always the same struct sv_vnode pointer (the VFS compares
 * pointers to find mount points and to refuse moving a directory under
 * itself). A node unlinked while referenced lives until its last release.
 *
 * Names are NUL-terminated, 1..SV_NAME_MAX bytes, never "." or ".."
 * except that lookup must resolve ".." (the root's ".." is itself, and a
 * removed directory's ".." is SV_ENOENT). Directory ops on a node that is
 * not a directory return SV_ENOTDIR; creating in a removed directory
 * returns SV_ENOENT. Out of memory or space is SV_ENOSPC, and a failed op
 * changes nothing visible.
 *
 *  root      the file system's root directory
 *  release   drop a reference from root/lookup
 *  lookup    the entry name of directory dir
 *  create    a new empty regular file (SV_EEXIST if name exists)
 *  mkdir     a new empty directory (SV_EEXIST if name exists)
 *  unlink    remove a non-directory entry (SV_EISDIR on a directory)
 *  rmdir     remove an empty directory (SV_ENOTDIR, SV_ENOTEMPTY)
 *  rename    move odir/oname to ndir/nname, replacing a file by a file or
 *            an empty directory by a directory (SV_EISDIR, SV_ENOTDIR,
 *            SV_ENOTEMPTY otherwise); the VFS has checked that ndir is not
 *            oname itself or under it; same name in same dir is a no-op
 *  read      up to len bytes at off into buf; *done gets the count (short
 *            only at end of file); holes read as zeros
 *  write     len bytes at off (the VFS has checked off + len does not
 *            exceed SV_VFS_OFF_MAX); all or nothing: *done = len or error
 *  truncate  set the size; new bytes read as zeros
 *  getattr   fill *st (mount_id is filled by the VFS)
 *  readdir   the next entry after *cookie (0 = start), advancing *cookie;
 *            returns 1 with *out filled, 0 at the end, or an error. Each
 *            entry present for the whole listing is returned exactly once
 *            even if others are created or removed meanwhile. "." and ".."
 *            are not listed.
 *  fsync     make the node's data and metadata durable
 */
#define SV_FS_OPS(X, ctx) \
	X(ctx, int,  root,     (struct sv_fs *fs, struct sv_vnode **out)) \
	X(ctx, void, release,  (struct sv_fs *fs, struct sv_vnode *node)) \
	X(ctx, int,  lookup,   (struct sv_fs *fs, struct sv_vnode *dir, \
	                        const char *name, struct sv_vnode **out)) \
	X(ctx, int,  create,   (struct sv_fs *fs, struct sv_vnode *dir, \
	                        const char *name)) \
	X(ctx, int,  mkdir,    (struct sv_fs *fs, struct sv_vnode *dir, \
	                        const char *name)) \
	X(ctx, int,  unlink,   (struct sv_fs *fs, struct sv_vnode *dir, \
	                        const char *name)) \
	X(ctx, int,  rmdir,    (struct sv_fs *fs, struct sv_vnode *dir, \
	                        const char *name)) \
	X(ctx, int,  rename,   (struct sv_fs *fs, struct sv_vnode *odir, \
	                        const char *oname, struct sv_vnode *ndir, \
	                        const char *nname)) \
	X(ctx, int,  read,     (struct sv_fs *fs, struct sv_vnode *node, \
	                        uint64_t off, void *buf, size_t len, \
	                        size_t *done)) \
	X(ctx, int,  write,    (struct sv_fs *fs, struct sv_vnode *node, \
	                        uint64_t off, const void *buf, size_t len, \
	                        size_t *done)) \
	X(ctx, int,  truncate, (struct sv_fs *fs, struct sv_vnode *node, \
	                        uint64_t size)) \
	X(ctx, int,  getattr,  (struct sv_fs *fs, struct sv_vnode *node, \
	                        struct sv_stat *st)) \
	X(ctx, int,  readdir,  (struct sv_fs *fs, struct sv_vnode *dir, \
	                        uint64_t *cookie, struct sv_dirent *out)) \
	X(ctx, int,  fsync,    (struct sv_fs *fs, struct sv_vnode *node))

struct sv_fs_ops {
#define SV_FS_MEMBER_(ctx, ret, name, args) ret (*name) args;
	SV_FS_OPS(SV_FS_MEMBER_, _)
#undef SV_FS_MEMBER_
};

/*
 * An implementation with prefix p writes SV_FS_DECLARE(p) before its
 * functions p_root, p_lookup, ... and then
 *	static const struct sv_fs_ops p_ops = SV_FS_TABLE(p);
 * so an op it forgets is a compile error.
 */
#define SV_FS_DECL_(p, ret, name, args) static ret p##_##name args;
#define SV_FS_INIT_(p, ret, name, args) .name = p##_##name,
#define SV_FS_DECLARE(p) SV_FS_OPS(SV_FS_DECL_, p)
#define SV_FS_TABLE(p) { SV_FS_OPS(SV_FS_INIT_, p) }

/* Embedded first in every file-system instance. */
struct sv_fs {
	const struct sv_fs_ops *ops;
	const char *type;	/* "ramfs", "devfs", ... */
};

/* One mounted file system; slots of struct sv_vfs. */
struct sv_mount {
	struct sv_fs *fs;		/* NULL: slot free */
	struct sv_mount *parent;	/* NULL for the root mount */
	struct sv_vnode *mountpoint;	/* directory in parent covered */
	struct sv_vnode *root;		/* fs's root, referenced */
	uint32_t busy;			/* open files + child mounts */
};

struct sv_vfs {
	struct sv_mount mounts[SV_VFS_MAX_MOUNTS];
};

/* Open flags: one access mode, plus any of the others. */
#define SV_O_RDONLY	0x0u
#define SV_O_WRONLY	0x1u
#define SV_O_RDWR	0x2u
#define SV_O_ACCMODE	0x3u
#define SV_O_CREAT	0x10u	/* create a regular file if missing */
#define SV_O_EXCL	0x20u	/* with CREAT: SV_EEXIST if it exists */
#define SV_O_TRUNC	0x40u	/* empty a regular file opened for writing */
#define SV_O_APPEND	0x80u	/* every write goes to the end */
#define SV_O_DIRECTORY	0x100u	/* SV_ENOTDIR unless a directory */

enum sv_whence { SV_SEEK_SET, SV_SEEK_CUR, SV_SEEK_END };

struct sv_file {
	struct sv_mount *mnt;		/* NULL: descriptor free */
	struct sv_vnode *node;		/* referenced */
	uint64_t pos;			/* offset, or readdir cookie */
	uint32_t flags;
	uint32_t type;			/* enum sv_ftype at open */
	uint32_t mount_id;		/* for stat */
};

/* A task's descriptors; owned by the task, bounded by SV_FD_MAX. */
struct sv_fdtable {
	struct sv_file files[SV_FD_MAX];
};

/* An empty mount table; the first mount must be at "/". */
void vfs_init(struct sv_vfs *vfs);

/*
 * Mount fs at directory path (or at "/" when nothing is mounted yet). A
 * directory can hold one mount and a mount root cannot be covered again
 * (SV_EBUSY); SV_ENOSPC when the table is full. The fs stays the caller's.
 */
SV_MUST_CHECK int vfs_mount(struct sv_vfs *vfs, const char *path, size_t len,
			    struct sv_fs *fs);
/*
 * Unmount the file system mounted at path (the path names its root);
 * SV_EBUSY while it has open files or mounts of its own, SV_EINVAL if
 * path is not a mount's root. "/" unmounts last.
 */
SV_MUST_CHECK int vfs_unmount(struct sv_vfs *vfs, const char *path,
			      size_t len);

void vfs_fdtable_init(struct sv_fdtable *fdt);
/* Close every open descriptor (a task exiting). */
void vfs_fdtable_close_all(struct sv_fdtable *fdt);

/* Open path with SV_O_* flags; *fd gets the lowest free descriptor
 * (SV_EMFILE when there is none: nothing is created then). */
SV_MUST_CHECK int vfs_open(struct sv_vfs *vfs, struct sv_fdtable *fdt,
			   const char *path, size_t len, uint32_t flags,
			   int *fd);
SV_MUST_CHECK int vfs_close(struct sv_fdtable *fdt, int fd);
/* Read/write at the descriptor's offset and advance it by *done. */
SV_MUST_CHECK int vfs_read(struct sv_fdtable *fdt, int fd, void *buf,
			   size_t len, size_t *done);
SV_MUST_CHECK int vfs_write(struct sv_fdtable *fdt, int fd, const void *buf,
			    size_t len, size_t *done);
/* New offset = base + off (base per whence); may lie past the end. */
SV_MUST_CHECK int vfs_seek(struct sv_fdtable *fdt, int fd, int64_t off,
			   enum sv_whence whence, uint64_t *pos);
SV_MUST_CHECK int vfs_fstat(struct sv_fdtable *fdt, int fd,
			    struct sv_stat *st);
/* Next entry of an open directory: 1 and *out, 0 at the end, or error. */
SV_MUST_CHECK int vfs_readdir(struct sv_fdtable *fdt, int fd,
			      struct sv_dirent *out);
SV_MUST_CHECK int vfs_ftruncate(struct sv_fdtable *fdt, int fd,
				uint64_t size);
SV_MUST_CHECK int vfs_fsync(struct sv_fdtable *fdt, int fd);

SV_MUST_CHECK int vfs_stat(struct sv_vfs *vfs, const char *path, size_t len,
			   struct sv_stat *st);
SV_MUST_CHECK int vfs_mkdir(struct sv_vfs *vfs, const char *path,
			    size_t len);
SV_MUST_CHECK int vfs_rmdir(struct sv_vfs *vfs, const char *path,
			    size_t len);
SV_MUST_CHECK int vfs_unlink(struct sv_vfs *vfs, const char *path,
			     size_t len);
SV_MUST_CHECK int vfs_truncate(struct sv_vfs *vfs, const char *path,
			       size_t len, uint64_t size);
/* Both paths in one mount (SV_EXDEV across mounts). */
SV_MUST_CHECK int vfs_rename(struct sv_vfs *vfs, const char *from,
			     size_t from_len, const char *to, size_t to_len);

#endif /* SV_VFS_H */
