/*
 * The kernel's driver framework: two device classes and a registry.
 *
 * A character device moves a stream of bytes (serial port, keyboard, text
 * console); a block device moves fixed-size sectors addressed by LBA (disk).
 * A driver embeds struct sv_chardev or struct sv_blockdev in its own state,
 * fills in a name and an ops table, and registers it; the console, a future
 * devfs and the self-test find devices by name or enumerate them.
 *
 * Callers go through chardev_read/write and blockdev_read/write rather than
 * the ops: the framework checks arguments once (a block request past the
 * end of the device never reaches the driver) and splits block requests to
 * the driver's largest transfer.
 *
 * Storage is static: the registry is a bounded table of pointers to
 * devices the drivers own, so it works before any allocator. Registration,
 * unregistration and enumeration are not locked: drivers register during
 * boot, before tasks run; later changes must be serialized by the caller.
 *
 * Also here: a byte ring, the receive buffer shared by the serial and
 * keyboard drivers (one producer, e.g. an interrupt handler, and one
 * consumer).
 */
#ifndef SV_DRIVER_H
#define SV_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

/* Longest device name, without the terminating NUL ("ttyS0", "hda"). */
#define SV_DEVICE_NAME_MAX	15
/* Registry capacity per class. */
#define SV_MAX_CHARDEVS		16
#define SV_MAX_BLOCKDEVS	8

struct sv_chardev;
struct sv_blockdev;

/*
 * Character device operations. Both are non-blocking: read returns the
 * bytes available now (0 when none), write the bytes accepted (a polled
 * driver accepts everything). Each returns a count >= 0 or a negative
 * SV_E* code; len is at most INT_MAX and never 0 (the framework answers
 * those itself). A NULL member means the direction is not supported.
 */
struct sv_chardev_ops {
	int (*read)(struct sv_chardev *dev, void *buf, size_t len);
	int (*write)(struct sv_chardev *dev, const void *buf, size_t len);
};

struct sv_chardev {
	const char *name;		/* unique among all devices */
	const struct sv_chardev_ops *ops;
};

/*
 * Block device operations: transfer count sectors starting at lba to or
 * from buf (count * sector_size bytes). The framework guarantees
 * 1 <= count <= max_transfer and lba + count <= sector_count before it
 * calls. Return 0 or a negative SV_E* code (SV_EIO for a medium error,
 * SV_ETIMEDOUT for a device that stopped answering). write may be NULL for
 * a read-only device; flush may be NULL when the device has no cache.
 */
struct sv_blockdev_ops {
	int (*read)(struct sv_blockdev *dev, uint64_t lba, uint32_t count,
		    void *buf);
	int (*write)(struct sv_blockdev *dev, uint64_t lba, uint32_t count,
		     const void *buf);
	int (*flush)(struct sv_blockdev *dev);
};

struct sv_blockdev {
	const char *name;		/* unique among all devices */
	uint32_t sector_size;		/* bytes, a power of two */
	uint64_t sector_count;
	uint32_t max_transfer;		/* sectors per driver call, >= 1 */
	const struct sv_blockdev_ops *ops;
};

struct sv_device_registry {
	struct sv_chardev *chardevs[SV_MAX_CHARDEVS];
	struct sv_blockdev *blockdevs[SV_MAX_BLOCKDEVS];
	unsigned nchardevs, nblockdevs;
};

/* The kernel's registry; tests build their own. */
extern struct sv_device_registry sv_kernel_devices;

void devreg_init(struct sv_device_registry *reg);

/*
 * Register a device. Names share one namespace across both classes (a
 * devfs lists them in one directory). Errors: SV_EINVAL (no name, a name
 * longer than SV_DEVICE_NAME_MAX or with '/' or blanks in it, no ops, for
 * a block device a sector size that is not a power of two or a zero
 * max_transfer), SV_EEXIST (name taken), SV_EBUSY (this device is already
 * registered), SV_ENOSPC (table full). The device must outlive its
 * registration.
 */
SV_MUST_CHECK int chardev_register(struct sv_device_registry *reg,
				   struct sv_chardev *dev);
SV_MUST_CHECK int blockdev_register(struct sv_device_registry *reg,
				    struct sv_blockdev *dev);
/* Remove a registered device (SV_ENOENT if it is not); order is kept. */
SV_MUST_CHECK int chardev_unregister(struct sv_device_registry *reg,
				     struct sv_chardev *dev);
SV_MUST_CHECK int blockdev_unregister(struct sv_device_registry *reg,
				      struct sv_blockdev *dev);

/* The device named name, or NULL. */
struct sv_chardev *chardev_find(const struct sv_device_registry *reg,
				const char *name);
struct sv_blockdev *blockdev_find(const struct sv_device_registry *reg,
				  const char *name);

/* Enumeration in registration order: index 0..count-1, NULL past the end. */
unsigned chardev_count(const struct sv_device_registry *reg);
struct sv_chardev *chardev_at(const struct sv_device_registry *reg,
			      unsigned index);
unsigned blockdev_count(const struct sv_device_registry *reg);
struct sv_blockdev *blockdev_at(const struct sv_device_registry *reg,
				unsigned index);

/*
 * Byte I/O on a character device: the number of bytes moved (0 when len is
 * 0 or nothing is available), or SV_ENOTSUP for a direction the device
 * lacks, or the driver's error. len above INT_MAX is clamped.
 */
SV_MUST_CHECK int chardev_read(struct sv_chardev *dev, void *buf, size_t len);
SV_MUST_CHECK int chardev_write(struct sv_chardev *dev, const void *buf,
				size_t len);

/*
 * Sector I/O on a block device: count sectors at lba, split into driver
 * calls of at most max_transfer. Refused before reaching the driver:
 * SV_ERANGE when any sector lies past the end (or lba + count overflows),
 * SV_EFAULT for a NULL buffer, SV_ENOTSUP for writes to a read-only
 * device. count 0 does nothing and returns 0. On a driver error the
 * sectors before the failing call have been transferred.
 */
SV_MUST_CHECK int blockdev_read(struct sv_blockdev *dev, uint64_t lba,
				uint64_t count, void *buf);
SV_MUST_CHECK int blockdev_write(struct sv_blockdev *dev, uint64_t lba,
				 uint64_t count, const void *buf);
/* Make written data durable (0 when the device has nothing to flush). */
SV_MUST_CHECK int blockdev_flush(struct sv_blockdev *dev);

/*
 * A byte ring of SV_BYTE_RING_SIZE bytes. Safe for one producer and one
 * consumer without a lock, also when the producer is an interrupt handler:
 * each index is written by one side only, with release/acquire ordering so
 * the byte is in place before the index that publishes it.
 */
#define SV_BYTE_RING_SIZE 256	/* a power of two */

struct sv_byte_ring {
	uint8_t data[SV_BYTE_RING_SIZE];
	unsigned head;			/* next write; producer only */
	unsigned tail;			/* next read; consumer only */
	unsigned dropped;		/* bytes lost to a full ring */
};

void byte_ring_init(struct sv_byte_ring *r);
/* Append a byte; false (and counted in dropped) when the ring is full. */
bool byte_ring_put(struct sv_byte_ring *r, uint8_t byte);
/* Take up to len bytes; returns how many. */
size_t byte_ring_get(struct sv_byte_ring *r, void *buf, size_t len);
bool byte_ring_empty(const struct sv_byte_ring *r);

#endif /* SV_DRIVER_H */
