/*
 * devfs: the device registry (sv/driver.h) seen as a file system, usually
 * mounted on /dev. A device is a file.
 *
 * One read-only directory lists every character and block device of a
 * struct sv_device_registry under its own name, plus two built-in
 * character devices: "null" (reads end at once, writes are swallowed) and
 * "zero" (reads give zeros, writes are swallowed). The listing follows the
 * registry as it is now: a device registered after the mount shows up, one
 * unregistered disappears, and an open file of a removed device answers
 * SV_ENODEV.
 *
 * Character devices (SV_FT_CHR, size 0) ignore the offset; reads and
 * writes go to chardev_read/chardev_write and, as those do not block, a
 * read may return 0 bytes (nothing available now) and a write may take
 * fewer bytes than asked (SV_EAGAIN when it takes none).
 *
 * Block devices (SV_FT_BLK, size = sectors * sector size) are byte
 * addressed: a request is turned into whole-sector blockdev_read/
 * blockdev_write calls, with a read-modify-write of the partial sectors at
 * either end through a bounce buffer in struct devfs. Reads stop at the
 * end of the device; a write reaching past it is refused (SV_ENOSPC)
 * before anything is written. A device error part-way leaves the sectors
 * before it written, as blockdev_write does.
 *
 * The namespace is fixed by the drivers: create, mkdir, unlink, rmdir,
 * rename and truncate answer SV_EPERM. devfs owns no memory; the caller
 * owns struct devfs (static storage), mounts &dfs->fs with vfs_mount, and
 * keeps the registry alive as long as it is mounted. Not thread-safe: the
 * VFS's caller serializes, and registry changes must not race with it.
 */
#ifndef SV_DEVFS_H
#define SV_DEVFS_H

#include <stdint.h>

#include "sv/compiler.h"
#include "sv/driver.h"
#include "sv/vfs.h"

/* Largest sector size devfs can split a request at; larger sectors are
 * only reachable sector-aligned (SV_ENOTSUP otherwise). */
#define DEVFS_SECTOR_MAX	4096u

/* The built-in devices, always listed. */
#define DEVFS_BUILTIN_COUNT	2	/* "null" and "zero" */

/* A node devfs owns itself (the root and the built-in devices); registered
 * devices are their own nodes. Only its address matters. */
struct devfs_node {
	uint32_t kind;
};

struct devfs {
	struct sv_fs fs;		/* what the VFS sees */
	const struct sv_device_registry *reg;
	struct devfs_node root, null, zero;
	uint8_t bounce[DEVFS_SECTOR_MAX];	/* partial sectors */
};

/* A devfs over reg; SV_EINVAL without one. Nothing to destroy. */
SV_MUST_CHECK int devfs_init(struct devfs *dfs,
			     const struct sv_device_registry *reg);

/* Entries /dev lists now: the registry's devices and the built-in ones. */
unsigned devfs_count(const struct devfs *dfs);

#endif /* SV_DEVFS_H */
