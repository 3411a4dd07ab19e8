/*
 * The driver framework (sv/driver.h): the device registry, the checked
 * entry points through which everyone reaches a driver, and the byte ring
 * the input drivers buffer into.
 *
 * The checks live here so that each driver can trust its arguments: a block
 * driver is only ever asked for sectors that exist, in pieces it said it
 * can take, and a character driver never sees a zero or oversized length.
 */
#include "sv/driver.h"

#include <limits.h>

#include "sv/errno.h"
#include "sv/string.h"

struct sv_device_registry sv_kernel_devices;

void devreg_init(struct sv_device_registry *reg)
{
	sv_memset(reg, 0, sizeof(*reg));
}

/* A name fit for a directory entry: 1..SV_DEVICE_NAME_MAX printable
 * characters, no '/' and no blanks. */
static bool name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = sv_strnlen(name, SV_DEVICE_NAME_MAX + 1);
	if (len == 0 || len > SV_DEVICE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] == '/' || name[i] > '~')
			return false;
	return true;
}

static bool name_taken(const struct sv_device_registry *reg, const char *name)
{
	return chardev_find(reg, name) || blockdev_find(reg, name);
}

static bool is_power_of_two(uint32_t v)
{
	return v && !(v & (v - 1));
}

int chardev_register(struct sv_device_registry *reg, struct sv_chardev *dev)
{
	if (!dev || !name_valid(dev->name) || !dev->ops)
		return -SV_EINVAL;
	for (unsigned i = 0; i < reg->nchardevs; i++)
		if (reg->chardevs[i] == dev)
			return -SV_EBUSY;
	if (name_taken(reg, dev->name))
		return -SV_EEXIST;
	if (reg->nchardevs == SV_MAX_CHARDEVS)
		return -SV_ENOSPC;
	reg->chardevs[reg->nchardevs++] = dev;
	return 0;
}

int blockdev_register(struct sv_device_registry *reg, struct sv_blockdev *dev)
{
	if (!dev || !name_valid(dev->name) || !dev->ops || !dev->ops->read ||
	    !is_power_of_two(dev->sector_size) || !dev->max_transfer)
		return -SV_EINVAL;
	for (unsigned i = 0; i < reg->nblockdevs; i++)
		if (reg->blockdevs[i] == dev)
			return -SV_EBUSY;
	if (name_taken(reg, dev->name))
		return -SV_EEXIST;
	if (reg->nblockdevs == SV_MAX_BLOCKDEVS)
		return -SV_ENOSPC;
	reg->blockdevs[reg->nblockdevs++] = dev;
	return 0;
}

int chardev_unregister(struct sv_device_registry *reg, struct sv_chardev *dev)
{
	for (unsigned i = 0; i < reg->nchardevs; i++) {
		if (reg->chardevs[i] != dev)
			continue;
		/* keep the order of the rest: enumeration stays stable */
		for (reg->nchardevs--; i < reg->nchardevs; i++)
			reg->chardevs[i] = reg->chardevs[i + 1];
		reg->chardevs[reg->nchardevs] = NULL;
		return 0;
	}
	return -SV_ENOENT;
}

int blockdev_unregister(struct sv_device_registry *reg, struct sv_blockdev *dev)
{
	for (unsigned i = 0; i < reg->nblockdevs; i++) {
		if (reg->blockdevs[i] != dev)
			continue;
		for (reg->nblockdevs--; i < reg->nblockdevs; i++)
			reg->blockdevs[i] = reg->blockdevs[i + 1];
		reg->blockdevs[reg->nblockdevs] = NULL;
		return 0;
	}
	return -SV_ENOENT;
}

struct sv_chardev *chardev_find(const struct sv_device_registry *reg,
				const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < reg->nchardevs; i++)
		if (!sv_strcmp(reg->chardevs[i]->name, name))
			return reg->chardevs[i];
	return NULL;
}

struct sv_blockdev *blockdev_find(const struct sv_device_registry *reg,
				  const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < reg->nblockdevs; i++)
		if (!sv_strcmp(reg->blockdevs[i]->name, name))
			return reg->blockdevs[i];
	return NULL;
}

unsigned chardev_count(const struct sv_device_registry *reg)
{
	return reg->nchardevs;
}

struct sv_chardev *chardev_at(const struct sv_device_registry *reg,
			      unsigned index)
{
	return index < reg->nchardevs ? reg->chardevs[index] : NULL;
}

unsigned blockdev_count(const struct sv_device_registry *reg)
{
	return reg->nblockdevs;
}

struct sv_blockdev *blockdev_at(const struct sv_device_registry *reg,
				unsigned index)
{
	return index < reg->nblockdevs ? reg->blockdevs[index] : NULL;
}

int chardev_read(struct sv_chardev *dev, void *buf, size_t len)
{
	if (!dev->ops->read)
		return -SV_ENOTSUP;
	if (len == 0)
		return 0;
	if (!buf)
		return -SV_EFAULT;
	return dev->ops->read(dev, buf, SV_MIN(len, (size_t)INT_MAX));
}

int chardev_write(struct sv_chardev *dev, const void *buf, size_t len)
{
	if (!dev->ops->write)
		return -SV_ENOTSUP;
	if (len == 0)
		return 0;
	if (!buf)
		return -SV_EFAULT;
	return dev->ops->write(dev, buf, SV_MIN(len, (size_t)INT_MAX));
}

/* Decode: the request must lie inside the device. */
static int block_check(const struct sv_blockdev *dev, uint64_t lba,
		       uint64_t count, const void *buf)
{
	if (lba > dev->sector_count || count > dev->sector_count - lba)
		return -SV_ERANGE;
	if (count && !buf)
		return -SV_EFAULT;
	return 0;
}

int blockdev_read(struct sv_blockdev *dev, uint64_t lba, uint64_t count,
		  void *buf)
{
	uint8_t *p = buf;
	int err = block_check(dev, lba, count, buf);

	while (!err && count) {
		uint32_t n = (uint32_t)SV_MIN(count, (uint64_t)dev->max_transfer);

		err = dev->ops->read(dev, lba, n, p);
		lba += n;
		count -= n;
		p += (size_t)n * dev->sector_size;
	}
	return err;
}

int blockdev_write(struct sv_blockdev *dev, uint64_t lba, uint64_t count,
		   const void *buf)
{
	const uint8_t *p = buf;
	int err;

	if (!dev->ops->write)
		return -SV_ENOTSUP;
	err = block_check(dev, lba, count, buf);
	while (!err && count) {
		uint32_t n = (uint32_t)SV_MIN(count, (uint64_t)dev->max_transfer);

		err = dev->ops->write(dev, lba, n, p);
		lba += n;
		count -= n;
		p += (size_t)n * dev->sector_size;
	}
	return err;
}

int blockdev_flush(struct sv_blockdev *dev)
{
	return dev->ops->flush ? dev->ops->flush(dev) : 0;
}

SV_STATIC_ASSERT((SV_BYTE_RING_SIZE & (SV_BYTE_RING_SIZE - 1)) == 0,
		 "the ring indexes by masking");

void byte_ring_init(struct sv_byte_ring *r)
{
	sv_memset(r, 0, sizeof(*r));
}

/*
 * head and tail run freely (unsigned wrap-around) and are masked on use;
 * head - tail is the fill level.
 */
bool byte_ring_put(struct sv_byte_ring *r, uint8_t byte)
{
	unsigned head = r->head;	/* ours */
	unsigned tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (head - tail >= SV_BYTE_RING_SIZE) {
		r->dropped++;
		return false;
	}
	r->data[head & (SV_BYTE_RING_SIZE - 1)] = byte;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

size_t byte_ring_get(struct sv_byte_ring *r, void *buf, size_t len)
{
	unsigned tail = r->tail;	/* ours */
	unsigned head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint8_t *out = buf;
	size_t n = 0;

	while (n < len && tail != head)
		out[n++] = r->data[tail++ & (SV_BYTE_RING_SIZE - 1)];
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

bool byte_ring_empty(const struct sv_byte_ring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}
