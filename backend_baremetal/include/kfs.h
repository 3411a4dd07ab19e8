/*
 * The kernel's file tree: a ramfs root with the standard layout, devfs on
 * /dev over sv_kernel_devices, and the monitor's log file
 * /var/log/smartvm.log (fs/, osk/ devfs; issue 7).
 *
 *   /etc/vm    VM configurations (NAME.cfg)
 *   /vm        VM disk images (NAME.img)
 *   /var/log   the monitor's log
 *   /dev       the devices (devfs)
 *
 * The ramfs takes its memory from the kernel's allocator (kmalloc/kfree).
 * One tree for the whole kernel, reached through kfs_vfs(); calls are not
 * locked and come from the boot context (the console task, later, will be
 * the one user and serialize its own calls).
 */
#ifndef SV_BM_KFS_H
#define SV_BM_KFS_H

#include <stdbool.h>

#include "sv/compiler.h"
#include "sv/vfs.h"

/*
 * Mount the root, make the layout, mount devfs on /dev and open the log;
 * call after kmem_kernel_init() and drivers_init(). 0, or the first error
 * (reported on the console; the tree is then unusable).
 */
SV_MUST_CHECK int kfs_init(void);

/* Entries of /dev now (registered devices, null and zero). */
unsigned kfs_dev_count(void);

/* The kernel's tree; NULL before kfs_init() succeeded. */
struct sv_vfs *kfs_vfs(void);

/*
 * When /dev/hda holds an svfs file system, make it the root: the ramfs root
 * is taken down (its log appended to the disk's /var/log/smartvm.log), svfs
 * is mounted at / with the standard layout made where missing (/etc/vm,
 * /vm, /var/log) and devfs on /dev again. The ramfs root stays when
 * anything fails. One boot line says what happened:
 *   fs: svfs on /dev/hda is the root, /etc/vm /vm /var/log on it (N MiB free)
 *   fs: /dev/hda has no svfs, not mounted
 *   fs: no /dev/hda, no disk mounted
 * Call after kfs_init(), with no file of the tree open but the log. 0 when
 * mounted, else the reason (SV_ENOENT: no disk, SV_ECORRUPT: not svfs, or
 * the mount's error).
 */
SV_MUST_CHECK int kfs_mount_disk(void);

/* Whether the disk is the root now. */
bool kfs_disk_mounted(void);

/*
 * Before the machine stops or resets: commit the disk and unmount it
 * (only synced if something on it is still open). Errors are reported.
 */
void kfs_shutdown(void);

/*
 * Append line and a newline to /var/log/smartvm.log. Before kfs_init(),
 * or when the write fails, the line is dropped: logging never stops the
 * kernel. Past 64 KiB the log is rotated: renamed to smartvm.log.1
 * (replacing the older one) and started afresh.
 */
void klog_file(const char *line);

/*
 * The file tree's part of the `selftest` run, one "fs: ...: ok" line per
 * check: a file written and read back in ramfs, the /dev listing against
 * the registry, /dev/null and /dev/zero, sector 0 of /dev/hda through
 * devfs against the driver (skipped without a disk), and the boot lines in
 * the log file. 0 when all passed.
 */
int fs_selftest(void);

#endif
