/*
 * The I/O bus (see sv/iobus.h). Ranges of each space are kept sorted by
 * base in a fixed array, so lookup is a binary search and registration, the
 * only place that moves entries, happens at VM set-up.
 */
#include "sv/iobus.h"

#include "sv/errno.h"
#include "sv/string.h"

#define PORT_SPACE_END 0x10000ull

void iobus_init(struct sv_iobus *bus)
{
	sv_memset(bus, 0, sizeof(*bus));
}

/* Index of the first range whose base is > addr. */
static unsigned upper_bound(const struct sv_io_range *r, unsigned n,
			    uint64_t addr)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iobus_register(struct sv_iobus *bus, enum sv_io_space space,
		   uint64_t base, uint64_t len, struct sv_io_device *dev)
{
	struct sv_io_range *r;
	unsigned n, at;

	if ((unsigned)space >= SV_IO_SPACES || !dev || !dev->handler ||
	    len == 0 || base + len < base ||
	    (space == SV_IO_PORT && base + len > PORT_SPACE_END))
		return -SV_EINVAL;
	r = bus->ranges[space];
	n = bus->count[space];
	at = upper_bound(r, n, base);
	/* neighbours: the range before must end at or before base, the one
	 * after must start at or after base + len */
	if (at > 0 && r[at - 1].base + r[at - 1].len > base)
		return -SV_EBUSY;
	if (at < n && r[at].base < base + len)
		return -SV_EBUSY;
	if (n == SV_IOBUS_MAX_RANGES)
		return -SV_ENOSPC;
	sv_memmove(&r[at + 1], &r[at], (n - at) * sizeof(*r));
	r[at] = (struct sv_io_range){ base, len, dev };
	bus->count[space] = n + 1;
	return 0;
}

void iobus_unregister(struct sv_iobus *bus, struct sv_io_device *dev)
{
	for (unsigned s = 0; s < SV_IO_SPACES; s++) {
		struct sv_io_range *r = bus->ranges[s];
		unsigned n = bus->count[s], kept = 0;

		for (unsigned i = 0; i < n; i++)
			if (r[i].dev != dev)
				r[kept++] = r[i];
		bus->count[s] = kept;
	}
}

struct sv_io_device *iobus_find(const struct sv_iobus *bus,
				enum sv_io_space space, uint64_t addr,
				uint64_t *offset)
{
	const struct sv_io_range *r;
	unsigned at;

	if ((unsigned)space >= SV_IO_SPACES)
		return NULL;
	r = bus->ranges[space];
	at = upper_bound(r, bus->count[space], addr);
	if (at == 0 || addr - r[at - 1].base >= r[at - 1].len)
		return NULL;
	*offset = addr - r[at - 1].base;
	return r[at - 1].dev;
}

int iobus_access(struct sv_iobus *bus, enum sv_io_space space, uint64_t addr,
		 unsigned size, bool write, uint64_t *data)
{
	uint64_t offset = 0;
	struct sv_io_device *dev;
	uint64_t ones = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	int err;

	if (!write)
		*data = ones;
	dev = iobus_find(bus, space, addr, &offset);
	/* an access must lie wholly inside the range that claims its start */
	if (dev && size > 1) {
		uint64_t last_off;

		if (iobus_find(bus, space, addr + size - 1, &last_off) != dev ||
		    last_off != offset + size - 1)
			dev = NULL;
	}
	if (!dev) {
		if (write)
			bus->unassigned_writes++;
		else
			bus->unassigned_reads++;
		return 0;
	}
	if (write) {
		*data &= ones;
		return dev->handler(dev, offset, size, write, data);
	}
	err = dev->handler(dev, offset, size, write, data);
	*data &= ones;
	return err;
}
