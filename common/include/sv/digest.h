/*
 * Digests and checksums for traces and state comparison.
 *
 * struct sv_digest is a streaming 64-bit FNV-1a hash: deterministic on every
 * host and byte order, cheap, and enough to tell two runs apart (it is not
 * a cryptographic hash; nothing here defends against a forger). Values go
 * in little-endian, so a digest computed on bare metal equals one computed
 * on Linux for the same state. sv_crc32 is the IEEE 802.3 CRC-32 that
 * traces use to detect corrupted bytes.
 */
#ifndef SV_DIGEST_H
#define SV_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SV_DIGEST_INIT 0xcbf29ce484222325ull	/* FNV-1a 64 offset basis */

struct sv_digest {
	uint64_t h;
};

static inline void sv_digest_init(struct sv_digest *d)
{
	d->h = SV_DIGEST_INIT;
}

void sv_digest_bytes(struct sv_digest *d, const void *buf, size_t len);
/* An integer as its little-endian bytes (8, 4, 2 or 1 of them). */
void sv_digest_u64(struct sv_digest *d, uint64_t v);
void sv_digest_u32(struct sv_digest *d, uint32_t v);
void sv_digest_u16(struct sv_digest *d, uint16_t v);
void sv_digest_u8(struct sv_digest *d, uint8_t v);

/* CRC-32 (IEEE, reflected, polynomial 0xedb88320) of buf, continuing crc
 * (start with 0). */
uint32_t sv_crc32(uint32_t crc, const void *buf, size_t len);

#endif /* SV_DIGEST_H */
