/*
 * Tests of common/digest.c against published check values: CRC-32 (IEEE)
 * of "123456789" is 0xcbf43926, FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c.
 */
#include <string.h>

#include "sv/digest.h"
#include "sv_test.h"

static void test_crc32(void)
{
	static const char check[] = "123456789";
	uint8_t buf[1000];
	uint32_t whole;

	SV_CHECK_EQ_U64(sv_crc32(0, check, 9), 0xcbf43926);
	SV_CHECK_EQ_U64(sv_crc32(0, "", 0), 0);
	/* any split into two calls gives the one-shot value, at any alignment */
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	whole = sv_crc32(0, buf, sizeof(buf));
	for (unsigned cut = 0; cut <= 64; cut++)
		SV_CHECK_EQ_U64(sv_crc32(sv_crc32(0, buf, cut), buf + cut,
					 sizeof(buf) - cut), whole);
	for (unsigned off = 1; off < 8; off++)
		SV_CHECK_EQ_U64(sv_crc32(sv_crc32(0, buf, off), buf + off,
					 sizeof(buf) - off), whole);
}

static void test_fnv(void)
{
	struct sv_digest d;
	uint8_t le[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	uint64_t bytes;

	sv_digest_init(&d);
	SV_CHECK_EQ_U64(d.h, 0xcbf29ce484222325ull);
	sv_digest_bytes(&d, "a", 1);
	SV_CHECK_EQ_U64(d.h, 0xaf63dc4c8601ec8cull);
	/* integers go in as their little-endian bytes on every host */
	sv_digest_init(&d);
	sv_digest_bytes(&d, le, 8);
	bytes = d.h;
	sv_digest_init(&d);
	sv_digest_u64(&d, 0x0102030405060708ull);
	SV_CHECK_EQ_U64(d.h, bytes);
	sv_digest_init(&d);
	sv_digest_u32(&d, 0x05060708);
	sv_digest_u16(&d, 0x0304);
	sv_digest_u8(&d, 0x02);
	sv_digest_u8(&d, 0x01);
	SV_CHECK_EQ_U64(d.h, bytes);
}

CU_TestInfo sv_tests_digest[] = {
	{ "CRC-32 check value, splits and alignments", test_crc32 },
	{ "FNV-1a 64 check value and integer byte order", test_fnv },
	CU_TEST_INFO_NULL,
};
