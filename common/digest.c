/*
 * FNV-1a 64 digests and the IEEE CRC-32 (see sv/digest.h). The CRC table is
 * computed at compile time into .rodata, so the code needs no set-up call
 * on either host.
 */
#include "sv/digest.h"

#include <stdbool.h>

#define FNV_PRIME 0x100000001b3ull

void sv_digest_bytes(struct sv_digest *d, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = d->h;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	d->h = h;
}

static void digest_le(struct sv_digest *d, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sv_digest_bytes(d, b, bytes);
}

void sv_digest_u64(struct sv_digest *d, uint64_t v) { digest_le(d, v, 8); }
void sv_digest_u32(struct sv_digest *d, uint32_t v) { digest_le(d, v, 4); }
void sv_digest_u16(struct sv_digest *d, uint16_t v) { digest_le(d, v, 2); }
void sv_digest_u8(struct sv_digest *d, uint8_t v) { digest_le(d, v, 1); }

/* One table entry: eight rounds of the reflected polynomial on byte n. */
#define CRC_POLY 0xedb88320u
#define CRC_R(c) (((c) >> 1) ^ (((c) & 1) ? CRC_POLY : 0))
#define CRC_E(n) CRC_R(CRC_R(CRC_R(CRC_R(CRC_R(CRC_R(CRC_R(CRC_R((uint32_t)(n)))))))))
#define CRC_4(n) CRC_E(n), CRC_E((n) + 1), CRC_E((n) + 2), CRC_E((n) + 3)
#define CRC_16(n) CRC_4(n), CRC_4((n) + 4), CRC_4((n) + 8), CRC_4((n) + 12)
#define CRC_64(n) CRC_16(n), CRC_16((n) + 16), CRC_16((n) + 32), CRC_16((n) + 48)

static const uint32_t crc_table[256] = {
	CRC_64(0), CRC_64(64), CRC_64(128), CRC_64(192),
};

/*
 * Slicing by four (Intel's "slicing-by-N"): slice[k][n] is the CRC of byte
 * n followed by k zero bytes, so four input bytes fold in with four table
 * reads. The three extra tables are derived from crc_table on first use;
 * two racing first users compute the same values, so no lock is needed.
 */
static uint32_t crc_slice[3][256];
static volatile bool crc_slice_ready;

static void crc_slice_init(void)
{
	for (unsigned n = 0; n < 256; n++) {
		uint32_t c = crc_table[n];

		for (unsigned k = 0; k < 3; k++) {
			c = crc_table[c & 0xff] ^ (c >> 8);
			crc_slice[k][n] = c;
		}
	}
	crc_slice_ready = true;
}

uint32_t sv_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_slice_ready)
		crc_slice_init();
	crc = ~crc;
	for (; len >= 4; len -= 4, p += 4) {
		crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		crc = crc_slice[2][crc & 0xff] ^ crc_slice[1][(crc >> 8) & 0xff] ^
		      crc_slice[0][(crc >> 16) & 0xff] ^ crc_table[crc >> 24];
	}
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
