/*
 * Tests for the driver framework (osk/driver.c) and the scancode decoder
 * (osk/kbdmap.c): registration rules (duplicates, bad names, a full table,
 * one namespace across classes), lookup and stable enumeration, the
 * checked character and block entry points against fake devices that
 * record every call (so a request refused by the framework is seen never
 * to reach the driver), request splitting, the byte ring, and scancode
 * sequences through shift, caps lock, ctrl, alt and the E0/E1 prefixes.
 */
#include <limits.h>

#include "sv/driver.h"
#include "sv/errno.h"
#include "sv/kbdmap.h"
#include "sv_test.h"

/* ---- fake devices ---- */

struct fake_char {
	struct sv_chardev dev;
	char out[64];			/* what was written */
	size_t out_len;
	const char *in;			/* what reads deliver */
	unsigned calls;
	size_t last_len;		/* len of the last call */
};

static int fake_char_read(struct sv_chardev *dev, void *buf, size_t len)
{
	struct fake_char *f = sv_container_of(dev, struct fake_char, dev);
	size_t n = strlen(f->in);

	f->calls++;
	f->last_len = len;
	if (n > len)
		n = len;
	memcpy(buf, f->in, n);
	f->in += n;
	return (int)n;
}

static int fake_char_write(struct sv_chardev *dev, const void *buf, size_t len)
{
	struct fake_char *f = sv_container_of(dev, struct fake_char, dev);
	size_t room = sizeof(f->out) - f->out_len;

	f->calls++;
	f->last_len = len;
	if (len > room)
		len = room;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	return (int)len;
}

static const struct sv_chardev_ops fake_char_ops = {
	.read = fake_char_read,
	.write = fake_char_write,
};
static const struct sv_chardev_ops write_only_ops = {
	.write = fake_char_write,
};

#define FAKE_SECTOR 512
#define FAKE_SECTORS 16
#define MAX_CALLS 16

/* A RAM disk that logs every driver call. */
struct fake_disk {
	struct sv_blockdev dev;
	uint8_t data[FAKE_SECTORS * FAKE_SECTOR];
	unsigned calls, flushes;
	uint64_t call_lba[MAX_CALLS];
	uint32_t call_count[MAX_CALLS];
	int fail_at_call;		/* return SV_EIO on this call (1-based) */
};

static int fake_disk_log(struct fake_disk *d, uint64_t lba, uint32_t count)
{
	if (d->calls < MAX_CALLS) {
		d->call_lba[d->calls] = lba;
		d->call_count[d->calls] = count;
	}
	d->calls++;
	/* the framework's promise: never past the end, never too much */
	CU_ASSERT(count >= 1 && count <= d->dev.max_transfer);
	CU_ASSERT(lba + count <= d->dev.sector_count);
	return (int)d->calls == d->fail_at_call ? -SV_EIO : 0;
}

static int fake_disk_read(struct sv_blockdev *dev, uint64_t lba,
			  uint32_t count, void *buf)
{
	struct fake_disk *d = sv_container_of(dev, struct fake_disk, dev);
	int err = fake_disk_log(d, lba, count);

	if (!err)
		memcpy(buf, d->data + lba * FAKE_SECTOR, count * FAKE_SECTOR);
	return err;
}

static int fake_disk_write(struct sv_blockdev *dev, uint64_t lba,
			   uint32_t count, const void *buf)
{
	struct fake_disk *d = sv_container_of(dev, struct fake_disk, dev);
	int err = fake_disk_log(d, lba, count);

	if (!err)
		memcpy(d->data + lba * FAKE_SECTOR, buf, count * FAKE_SECTOR);
	return err;
}

static int fake_disk_flush(struct sv_blockdev *dev)
{
	sv_container_of(dev, struct fake_disk, dev)->flushes++;
	return 0;
}

static const struct sv_blockdev_ops fake_disk_ops = {
	.read = fake_disk_read,
	.write = fake_disk_write,
	.flush = fake_disk_flush,
};
static const struct sv_blockdev_ops read_only_ops = {
	.read = fake_disk_read,
};

static void fake_char_init(struct fake_char *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->dev.name = name;
	f->dev.ops = &fake_char_ops;
	f->in = "";
}

static void fake_disk_init(struct fake_disk *d, const char *name,
			   uint32_t max_transfer)
{
	memset(d, 0, sizeof(*d));
	d->dev.name = name;
	d->dev.sector_size = FAKE_SECTOR;
	d->dev.sector_count = FAKE_SECTORS;
	d->dev.max_transfer = max_transfer;
	d->dev.ops = &fake_disk_ops;
	for (size_t i = 0; i < sizeof(d->data); i++)
		d->data[i] = (uint8_t)(i / FAKE_SECTOR * 7 + i);
}

/* ---- registry ---- */

static void test_register_and_find(void)
{
	struct sv_device_registry reg;
	struct fake_char tty, kbd;
	struct fake_disk hda;

	devreg_init(&reg);
	fake_char_init(&tty, "ttyS0");
	fake_char_init(&kbd, "kbd0");
	fake_disk_init(&hda, "hda", 4);
	SV_CHECK_EQ_I64(chardev_register(&reg, &tty.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&reg, &kbd.dev), 0);
	SV_CHECK_EQ_I64(blockdev_register(&reg, &hda.dev), 0);

	SV_CHECK(chardev_find(&reg, "ttyS0") == &tty.dev);
	SV_CHECK(chardev_find(&reg, "kbd0") == &kbd.dev);
	SV_CHECK(blockdev_find(&reg, "hda") == &hda.dev);
	/* each class answers only for its own devices */
	SV_CHECK(chardev_find(&reg, "hda") == NULL);
	SV_CHECK(blockdev_find(&reg, "kbd0") == NULL);
	SV_CHECK(chardev_find(&reg, "ttyS") == NULL);	/* no prefix match */
	SV_CHECK(chardev_find(&reg, "ttyS01") == NULL);
	SV_CHECK(chardev_find(&reg, NULL) == NULL);
}

static void test_duplicates_refused(void)
{
	struct sv_device_registry reg;
	struct fake_char a, b;
	struct fake_disk d, e;

	devreg_init(&reg);
	fake_char_init(&a, "ttyS0");
	fake_char_init(&b, "ttyS0");
	fake_disk_init(&d, "ttyS0", 1);
	fake_disk_init(&e, "hda", 1);
	SV_CHECK_EQ_I64(chardev_register(&reg, &a.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&reg, &a.dev), -SV_EBUSY);
	SV_CHECK_EQ_I64(chardev_register(&reg, &b.dev), -SV_EEXIST);
	/* one namespace: a block device cannot take a char device's name */
	SV_CHECK_EQ_I64(blockdev_register(&reg, &d.dev), -SV_EEXIST);
	SV_CHECK_EQ_I64(blockdev_register(&reg, &e.dev), 0);
	SV_CHECK_EQ_I64(blockdev_register(&reg, &e.dev), -SV_EBUSY);
	b.dev.name = "hda";
	SV_CHECK_EQ_I64(chardev_register(&reg, &b.dev), -SV_EEXIST);
	SV_CHECK_EQ_U64(chardev_count(&reg), 1);
	SV_CHECK_EQ_U64(blockdev_count(&reg), 1);
	SV_CHECK(chardev_find(&reg, "ttyS0") == &a.dev);
}

static void test_invalid_refused(void)
{
	static const char *const bad_names[] = {
		"", "has space", "a/b", "sixteen-chars-xx", "tab\tx", "\x7f",
	};
	struct sv_device_registry reg;
	struct fake_char c;
	struct fake_disk d;

	devreg_init(&reg);
	for (size_t i = 0; i < SV_ARRAY_SIZE(bad_names); i++) {
		fake_char_init(&c, bad_names[i]);
		SV_CHECK_EQ_I64(chardev_register(&reg, &c.dev), -SV_EINVAL);
	}
	fake_char_init(&c, NULL);
	SV_CHECK_EQ_I64(chardev_register(&reg, &c.dev), -SV_EINVAL);
	fake_char_init(&c, "nops");
	c.dev.ops = NULL;
	SV_CHECK_EQ_I64(chardev_register(&reg, &c.dev), -SV_EINVAL);
	SV_CHECK_EQ_I64(chardev_register(&reg, NULL), -SV_EINVAL);
	/* the longest name allowed */
	fake_char_init(&c, "fifteen-chars-x");
	SV_CHECK_EQ_I64(chardev_register(&reg, &c.dev), 0);

	fake_disk_init(&d, "hdb", 1);
	d.dev.sector_size = 520;
	SV_CHECK_EQ_I64(blockdev_register(&reg, &d.dev), -SV_EINVAL);
	d.dev.sector_size = 0;
	SV_CHECK_EQ_I64(blockdev_register(&reg, &d.dev), -SV_EINVAL);
	d.dev.sector_size = FAKE_SECTOR;
	d.dev.max_transfer = 0;
	SV_CHECK_EQ_I64(blockdev_register(&reg, &d.dev), -SV_EINVAL);
	SV_CHECK_EQ_U64(blockdev_count(&reg), 0);
	SV_CHECK_EQ_U64(chardev_count(&reg), 1);
}

static void test_table_full(void)
{
	static char names[SV_MAX_CHARDEVS + 1][8];
	static struct fake_char devs[SV_MAX_CHARDEVS + 1];
	static struct fake_disk disks[SV_MAX_BLOCKDEVS + 1];
	static char dnames[SV_MAX_BLOCKDEVS + 1][8];
	struct sv_device_registry reg;

	devreg_init(&reg);
	for (unsigned i = 0; i <= SV_MAX_CHARDEVS; i++) {
		snprintf(names[i], sizeof(names[i]), "c%u", i);
		fake_char_init(&devs[i], names[i]);
		SV_CHECK_EQ_I64(chardev_register(&reg, &devs[i].dev),
				i < SV_MAX_CHARDEVS ? 0 : -SV_ENOSPC);
	}
	for (unsigned i = 0; i <= SV_MAX_BLOCKDEVS; i++) {
		snprintf(dnames[i], sizeof(dnames[i]), "d%u", i);
		fake_disk_init(&disks[i], dnames[i], 1);
		SV_CHECK_EQ_I64(blockdev_register(&reg, &disks[i].dev),
				i < SV_MAX_BLOCKDEVS ? 0 : -SV_ENOSPC);
	}
	SV_CHECK_EQ_U64(chardev_count(&reg), SV_MAX_CHARDEVS);
	SV_CHECK_EQ_U64(blockdev_count(&reg), SV_MAX_BLOCKDEVS);
	/* freeing a slot makes room again */
	SV_CHECK_EQ_I64(chardev_unregister(&reg, &devs[3].dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&reg, &devs[SV_MAX_CHARDEVS].dev), 0);
}

static void test_enumerate_and_unregister(void)
{
	struct sv_device_registry reg;
	struct fake_char a, b, c;
	struct fake_disk d;

	devreg_init(&reg);
	fake_char_init(&a, "a");
	fake_char_init(&b, "b");
	fake_char_init(&c, "c");
	fake_disk_init(&d, "d", 1);
	SV_CHECK_EQ_I64(chardev_register(&reg, &a.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&reg, &b.dev), 0);
	SV_CHECK_EQ_I64(chardev_register(&reg, &c.dev), 0);
	SV_CHECK_EQ_I64(blockdev_register(&reg, &d.dev), 0);
	SV_CHECK(chardev_at(&reg, 0) == &a.dev);
	SV_CHECK(chardev_at(&reg, 1) == &b.dev);
	SV_CHECK(chardev_at(&reg, 2) == &c.dev);
	SV_CHECK(chardev_at(&reg, 3) == NULL);
	SV_CHECK(blockdev_at(&reg, 0) == &d.dev);
	SV_CHECK(blockdev_at(&reg, 1) == NULL);

	/* removal from the middle keeps the order of the others */
	SV_CHECK_EQ_I64(chardev_unregister(&reg, &b.dev), 0);
	SV_CHECK_EQ_I64(chardev_unregister(&reg, &b.dev), -SV_ENOENT);
	SV_CHECK_EQ_U64(chardev_count(&reg), 2);
	SV_CHECK(chardev_at(&reg, 0) == &a.dev);
	SV_CHECK(chardev_at(&reg, 1) == &c.dev);
	SV_CHECK(chardev_at(&reg, 2) == NULL);
	SV_CHECK(chardev_find(&reg, "b") == NULL);
	/* and its name is free again */
	SV_CHECK_EQ_I64(chardev_register(&reg, &b.dev), 0);
	SV_CHECK(chardev_at(&reg, 2) == &b.dev);

	SV_CHECK_EQ_I64(blockdev_unregister(&reg, &d.dev), 0);
	SV_CHECK_EQ_I64(blockdev_unregister(&reg, &d.dev), -SV_ENOENT);
	SV_CHECK(blockdev_find(&reg, "d") == NULL);
	SV_CHECK_EQ_U64(blockdev_count(&reg), 0);
}

/* ---- character I/O ---- */

static void test_chardev_io(void)
{
	struct fake_char f;
	char buf[8];

	fake_char_init(&f, "tty");
	f.in = "hello world";
	SV_CHECK_EQ_I64(chardev_read(&f.dev, buf, 5), 5);
	SV_CHECK(memcmp(buf, "hello", 5) == 0);
	SV_CHECK_EQ_I64(chardev_write(&f.dev, "abc", 3), 3);
	SV_CHECK_EQ_U64(f.out_len, 3);
	SV_CHECK(memcmp(f.out, "abc", 3) == 0);
	SV_CHECK_EQ_U64(f.calls, 2);

	/* zero lengths and NULL buffers never reach the driver */
	SV_CHECK_EQ_I64(chardev_read(&f.dev, buf, 0), 0);
	SV_CHECK_EQ_I64(chardev_write(&f.dev, "x", 0), 0);
	SV_CHECK_EQ_I64(chardev_read(&f.dev, NULL, 4), -SV_EFAULT);
	SV_CHECK_EQ_I64(chardev_write(&f.dev, NULL, 4), -SV_EFAULT);
	SV_CHECK_EQ_U64(f.calls, 2);

	/* a length beyond INT_MAX is clamped so the count fits the result */
	SV_CHECK_EQ_I64(chardev_read(&f.dev, buf, (size_t)INT_MAX + 10), 6);
	SV_CHECK_EQ_U64(f.last_len, INT_MAX);

	f.dev.ops = &write_only_ops;
	SV_CHECK_EQ_I64(chardev_read(&f.dev, buf, 1), -SV_ENOTSUP);
}

/* ---- block I/O ---- */

static void test_block_read_write(void)
{
	struct fake_disk d;
	uint8_t buf[3 * FAKE_SECTOR], pattern[3 * FAKE_SECTOR];

	fake_disk_init(&d, "hda", 8);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 2, 3, buf), 0);
	SV_CHECK(memcmp(buf, d.data + 2 * FAKE_SECTOR, sizeof(buf)) == 0);
	SV_CHECK_EQ_U64(d.calls, 1);
	SV_CHECK_EQ_U64(d.call_lba[0], 2);
	SV_CHECK_EQ_U64(d.call_count[0], 3);

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(0xa5 ^ i);
	/* the last three sectors: allowed, ends exactly at the end */
	SV_CHECK_EQ_I64(blockdev_write(&d.dev, FAKE_SECTORS - 3, 3, pattern), 0);
	SV_CHECK(memcmp(d.data + (FAKE_SECTORS - 3) * FAKE_SECTOR, pattern,
			sizeof(pattern)) == 0);
	SV_CHECK_EQ_I64(blockdev_flush(&d.dev), 0);
	SV_CHECK_EQ_U64(d.flushes, 1);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 0, 0, buf), 0);	/* no-op */
	SV_CHECK_EQ_U64(d.calls, 2);
}

static void test_block_bounds(void)
{
	struct fake_disk d;
	uint8_t buf[2 * FAKE_SECTOR];

	fake_disk_init(&d, "hda", 8);
	/* each of these would touch a sector past the end */
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, FAKE_SECTORS, 1, buf), -SV_ERANGE);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, FAKE_SECTORS - 1, 2, buf),
			-SV_ERANGE);
	SV_CHECK_EQ_I64(blockdev_write(&d.dev, FAKE_SECTORS - 1, 2, buf),
			-SV_ERANGE);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, FAKE_SECTORS + 1, 0, buf),
			-SV_ERANGE);
	/* lba + count wraps around 2^64 */
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 2, UINT64_MAX, buf), -SV_ERANGE);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, UINT64_MAX, 2, buf), -SV_ERANGE);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 0, 1, NULL), -SV_EFAULT);
	/* none of them reached the driver */
	SV_CHECK_EQ_U64(d.calls, 0);

	/* a read-only device refuses writes, also before the driver */
	d.dev.ops = &read_only_ops;
	SV_CHECK_EQ_I64(blockdev_write(&d.dev, 0, 1, buf), -SV_ENOTSUP);
	SV_CHECK_EQ_I64(blockdev_flush(&d.dev), 0);
	SV_CHECK_EQ_U64(d.calls, 0);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 0, 1, buf), 0);
	SV_CHECK_EQ_U64(d.calls, 1);
}

static void test_block_split(void)
{
	static uint8_t buf[FAKE_SECTORS * FAKE_SECTOR];
	struct fake_disk d;

	fake_disk_init(&d, "hda", 3);
	SV_CHECK_EQ_I64(blockdev_read(&d.dev, 1, 10, buf), 0);
	/* 10 sectors in pieces of at most 3: 3 + 3 + 3 + 1 */
	SV_CHECK_EQ_U64(d.calls, 4);
	SV_CHECK_EQ_U64(d.call_lba[0], 1);
	SV_CHECK_EQ_U64(d.call_lba[1], 4);
	SV_CHECK_EQ_U64(d.call_lba[2], 7);
	SV_CHECK_EQ_U64(d.call_lba[3], 10);
	SV_CHECK_EQ_U64(d.call_count[3], 1);
	SV_CHECK(memcmp(buf, d.data + FAKE_SECTOR, 10 * FAKE_SECTOR) == 0);

	/* an error stops the request at the failing piece */
	d.calls = 0;
	d.fail_at_call = 2;
	memset(buf, 0, sizeof(buf));
	SV_CHECK_EQ_I64(blockdev_write(&d.dev, 0, 9, buf), -SV_EIO);
	SV_CHECK_EQ_U64(d.calls, 2);
	SV_CHECK_EQ_U64(d.data[1], 0);			/* piece 1 written */
	SV_CHECK(d.data[3 * FAKE_SECTOR + 1] != 0);	/* piece 2 not */
}

/* ---- byte ring ---- */

static void test_byte_ring(void)
{
	struct sv_byte_ring r;
	uint8_t out[SV_BYTE_RING_SIZE + 8];
	unsigned i;

	byte_ring_init(&r);
	SV_CHECK(byte_ring_empty(&r));
	SV_CHECK_EQ_U64(byte_ring_get(&r, out, sizeof(out)), 0);
	for (i = 0; i < SV_BYTE_RING_SIZE; i++)
		SV_CHECK(byte_ring_put(&r, (uint8_t)i));
	SV_CHECK(!byte_ring_put(&r, 0xee));		/* full */
	SV_CHECK_EQ_U64(r.dropped, 1);
	SV_CHECK_EQ_U64(byte_ring_get(&r, out, 10), 10);
	SV_CHECK_EQ_U64(out[9], 9);
	/* wrap around the end of the storage */
	for (i = 0; i < 10; i++)
		SV_CHECK(byte_ring_put(&r, (uint8_t)(0x80 + i)));
	SV_CHECK_EQ_U64(byte_ring_get(&r, out, sizeof(out)), SV_BYTE_RING_SIZE);
	SV_CHECK_EQ_U64(out[0], 10);
	SV_CHECK_EQ_U64(out[SV_BYTE_RING_SIZE - 11], SV_BYTE_RING_SIZE - 1);
	SV_CHECK_EQ_U64(out[SV_BYTE_RING_SIZE - 10], 0x80);
	SV_CHECK_EQ_U64(out[SV_BYTE_RING_SIZE - 1], 0x89);
	SV_CHECK(byte_ring_empty(&r));
}

/* ---- scancodes ---- */

/* Feed a set-1 byte sequence; returns the characters, NUL-terminated. */
static const char *feed(struct sv_kbdmap *k, const uint8_t *codes, size_t n)
{
	static char text[128];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char out[SV_KBDMAP_MAX_OUT];
		size_t got = kbdmap_feed(k, codes[i], out);

		CU_ASSERT(got <= SV_KBDMAP_MAX_OUT);
		for (size_t j = 0; j < got && len + 1 < sizeof(text); j++)
			text[len++] = out[j];
	}
	text[len] = 0;
	return text;
}

#define FEED(k, ...) \
	feed(k, (const uint8_t[]){ __VA_ARGS__ }, \
	     sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* set-1 make codes used below */
enum {
	K_ESC = 0x01, K_1 = 0x02, K_2 = 0x03, K_MINUS = 0x0c, K_BKSP = 0x0e,
	K_Q = 0x10, K_LBRACKET = 0x1a, K_ENTER = 0x1c, K_LCTRL = 0x1d,
	K_A = 0x1e, K_C = 0x2e, K_H = 0x23, K_I = 0x17, K_LSHIFT = 0x2a,
	K_RSHIFT = 0x36, K_LALT = 0x38, K_SPACE = 0x39, K_CAPS = 0x3a,
	K_NUM = 0x45, K_KP8 = 0x48, K_KP_DOT = 0x53, K_SLASH = 0x35,
	K_F1 = 0x3b, BRK = 0x80, E0 = 0xe0, E1 = 0xe1,
};

static void test_kbd_plain_and_shift(void)
{
	struct sv_kbdmap k;

	kbdmap_init(&k);
	SV_CHECK_STR_EQ(FEED(&k, K_H, K_H | BRK, K_I, K_I | BRK), "hi");
	/* left shift held over two keys, released, then right shift */
	SV_CHECK_STR_EQ(FEED(&k, K_LSHIFT, K_H, K_H | BRK, K_1, K_1 | BRK,
			     K_LSHIFT | BRK, K_I, K_I | BRK), "H!i");
	SV_CHECK_STR_EQ(FEED(&k, K_RSHIFT, K_MINUS, K_RSHIFT | BRK, K_MINUS),
			"_-");
	/* both shifts: releasing one keeps the other in effect */
	SV_CHECK_STR_EQ(FEED(&k, K_LSHIFT, K_RSHIFT, K_LSHIFT | BRK, K_A,
			     K_RSHIFT | BRK, K_A), "Aa");
	SV_CHECK_STR_EQ(FEED(&k, K_ENTER, K_BKSP, K_SPACE, K_ESC),
			"\n\b \x1b");
	/* typematic repeat: makes without breaks repeat the character */
	SV_CHECK_STR_EQ(FEED(&k, K_Q, K_Q, K_Q, K_Q | BRK), "qqq");
	/* breaks, function keys and unknown codes produce nothing */
	SV_CHECK_STR_EQ(FEED(&k, K_F1, K_F1 | BRK, 0x7f, 0x5d, 0xfa), "");
}

static void test_kbd_caps_lock(void)
{
	struct sv_kbdmap k;

	kbdmap_init(&k);
	SV_CHECK_STR_EQ(FEED(&k, K_CAPS, K_CAPS | BRK, K_A, K_1), "A1");
	/* shift inverts caps for letters only */
	SV_CHECK_STR_EQ(FEED(&k, K_LSHIFT, K_A, K_1, K_LSHIFT | BRK), "a!");
	/* holding caps (a repeated make) toggles once */
	SV_CHECK_STR_EQ(FEED(&k, K_CAPS, K_CAPS, K_CAPS | BRK, K_A), "a");
	SV_CHECK_STR_EQ(FEED(&k, K_CAPS, K_CAPS | BRK, K_A), "A");
}

static void test_kbd_ctrl_alt(void)
{
	struct sv_kbdmap k;

	kbdmap_init(&k);
	SV_CHECK_STR_EQ(FEED(&k, K_LCTRL, K_C, K_C | BRK, K_LCTRL | BRK, K_C),
			"\x03" "c");
	/* right ctrl comes behind E0 */
	SV_CHECK_STR_EQ(FEED(&k, E0, K_LCTRL, K_A, E0, K_LCTRL | BRK, K_A),
			"\x01" "a");
	SV_CHECK_STR_EQ(FEED(&k, K_LCTRL, K_LBRACKET, K_LCTRL | BRK), "\x1b");
	/* ctrl with shift and caps still gives the control character */
	SV_CHECK_STR_EQ(FEED(&k, K_CAPS, K_CAPS | BRK, K_LCTRL, K_LSHIFT, K_A,
			     K_LSHIFT | BRK, K_LCTRL | BRK, K_CAPS,
			     K_CAPS | BRK), "\x01");
	/* ctrl-space is NUL, which is not delivered */
	SV_CHECK_STR_EQ(FEED(&k, K_LCTRL, K_SPACE, K_LCTRL | BRK), "");
	/* alt is meta: ESC before the character */
	SV_CHECK_STR_EQ(FEED(&k, K_LALT, K_A, K_LALT | BRK, K_A), "\x1b" "aa");
	SV_CHECK_STR_EQ(FEED(&k, E0, K_LALT, K_Q, E0, K_LALT | BRK), "\x1bq");
}

static void test_kbd_extended(void)
{
	struct sv_kbdmap k;

	kbdmap_init(&k);
	/* the cursor block sends terminal sequences */
	SV_CHECK_STR_EQ(FEED(&k, E0, K_KP8, E0, K_KP8 | BRK), "\x1b[A");
	SV_CHECK_STR_EQ(FEED(&k, E0, K_KP_DOT), "\x1b[3~");
	/* keypad enter and slash */
	SV_CHECK_STR_EQ(FEED(&k, E0, K_ENTER, E0, K_SLASH), "\n/");
	/* the keypad: cursor keys with num lock off, digits with it on */
	SV_CHECK_STR_EQ(FEED(&k, K_KP8, K_KP8 | BRK), "\x1b[A");
	SV_CHECK_STR_EQ(FEED(&k, K_NUM, K_NUM | BRK, K_KP8, K_KP_DOT), "8.");
	/* print screen's fake shift (E0 2A) does not shift */
	SV_CHECK_STR_EQ(FEED(&k, E0, K_LSHIFT, E0, 0x37, E0, 0xb7, E0,
			     K_LSHIFT | BRK, K_A), "a");
	/* pause (E1 1D 45 E1 9D C5) is swallowed whole, even its 1D (ctrl) */
	SV_CHECK_STR_EQ(FEED(&k, E1, 0x1d, 0x45, E1, 0x9d, 0xc5, K_A), "a");
	SV_CHECK(!k.lctrl && !k.rctrl);
	SV_CHECK(k.num_lock);
	/* a prefix applies to one code only */
	SV_CHECK_STR_EQ(FEED(&k, E0, K_KP8 | BRK, K_2), "2");
}

CU_TestInfo sv_tests_driver[] = {
	{ "register_and_find", test_register_and_find },
	{ "duplicates_refused", test_duplicates_refused },
	{ "invalid_refused", test_invalid_refused },
	{ "table_full", test_table_full },
	{ "enumerate_and_unregister", test_enumerate_and_unregister },
	{ "chardev_io", test_chardev_io },
	{ "block_read_write", test_block_read_write },
	{ "block_bounds", test_block_bounds },
	{ "block_split", test_block_split },
	{ "byte_ring", test_byte_ring },
	{ "kbd_plain_and_shift", test_kbd_plain_and_shift },
	{ "kbd_caps_lock", test_kbd_caps_lock },
	{ "kbd_ctrl_alt", test_kbd_ctrl_alt },
	{ "kbd_extended", test_kbd_extended },
	CU_TEST_INFO_NULL,
};
