/*
 * The I/O bus: port and MMIO address ranges of one VM, each served by a
 * device through one handler signature (kvmtool's mmio_handler_fn).
 *
 * The exit handlers decode an access and call iobus_access(); the bus finds
 * the device by address and calls its handler. Nothing here allocates: the
 * ranges live in fixed sorted arrays inside struct sv_iobus, looked up by
 * binary search. An address no device claims reads all ones and ignores
 * writes, as on a PC bus with nothing driving it.
 */
#ifndef SV_IOBUS_H
#define SV_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

enum sv_io_space { SV_IO_PORT, SV_IO_MMIO, SV_IO_SPACES };

struct sv_io_device;

/*
 * An access of size bytes (1, 2, 4 or 8) at offset bytes into the range the
 * device registered. On a write, *data holds the value (zero-extended); on a
 * read, the handler stores the value in *data (the bus has set it to all
 * ones first, so a handler that ignores a register reads as floating).
 * Returns 0, or a negative SV_E* code when the access stops the VM (a guest
 * asked for something the device cannot honour).
 */
typedef int (*sv_io_handler)(struct sv_io_device *dev, uint64_t offset,
			     unsigned size, bool write, uint64_t *data);

/* The common header every device embeds (container_of gets the device). */
struct sv_io_device {
	const char *name;
	sv_io_handler handler;
};

struct sv_io_range {
	uint64_t base, len;
	struct sv_io_device *dev;
};

#define SV_IOBUS_MAX_RANGES 32

struct sv_iobus {
	struct sv_io_range ranges[SV_IO_SPACES][SV_IOBUS_MAX_RANGES];
	unsigned count[SV_IO_SPACES];
	uint64_t unassigned_reads, unassigned_writes;
};

void iobus_init(struct sv_iobus *bus);

/*
 * Claim [base, base+len) in space for dev. Refused with -SV_EBUSY when it
 * overlaps a registered range, -SV_EINVAL for an empty or wrapping range or
 * a port range past 0xffff, -SV_ENOSPC when the bus is full.
 */
SV_MUST_CHECK int iobus_register(struct sv_iobus *bus, enum sv_io_space space,
				 uint64_t base, uint64_t len,
				 struct sv_io_device *dev);

/* Release every range dev holds. */
void iobus_unregister(struct sv_iobus *bus, struct sv_io_device *dev);

/* The device serving addr, with *offset into its range; NULL if none. */
struct sv_io_device *iobus_find(const struct sv_iobus *bus,
				enum sv_io_space space, uint64_t addr,
				uint64_t *offset);

/*
 * Perform one access (see sv_io_handler). An access that no device claims,
 * or that straddles the end of a device's range, reads all ones and drops
 * writes. Returns what the handler returned, or 0.
 */
SV_MUST_CHECK int iobus_access(struct sv_iobus *bus, enum sv_io_space space,
			       uint64_t addr, unsigned size, bool write,
			       uint64_t *data);

#endif /* SV_IOBUS_H */
