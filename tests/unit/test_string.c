/*
 * Tests for common/string.c. The copies and the fill are checked at every
 * pair of alignments and at lengths around the word size against a byte
 * model, with guard bytes on both sides; memmove in both overlap directions.
 */
#include "sv/string.h"
#include "sv_test.h"

#define GUARD 0xa5
#define AREA  192

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* A recognisable non-repeating pattern, distinct per seed. */
static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

static void test_memcpy_alignments(void)
{
	unsigned char src[AREA], dst[AREA], want[AREA];
	unsigned bad = 0;

	fill_pattern(src, sizeof(src), 1);
	for (size_t so = 0; so < 16; so++)
		for (size_t d = 0; d < 16; d++)
			for (size_t n = 0; n < 100; n++) {
				void *ret;

				memset(dst, GUARD, sizeof(dst));
				memset(want, GUARD, sizeof(want));
				memcpy(want + d, src + so, n);
				ret = sv_memcpy(dst + d, src + so, n);
				if (ret != dst + d || memcmp(dst, want, sizeof(dst))) {
					if (bad++ < 5)
						SV_TEST_FAIL_(__FILE__, __LINE__,
							"sv_memcpy src+%zu dst+%zu n=%zu",
							so, d, n);
				}
			}
	SV_CHECK_EQ_U64(bad, 0);
}

static void test_memmove_overlap(void)
{
	unsigned char buf[AREA], want[AREA];
	unsigned bad = 0;

	/* Source and destination within one buffer: both directions overlap. */
	for (size_t so = 0; so < 40; so++)
		for (size_t d = 0; d < 40; d++)
			for (size_t n = 0; n < 100; n++) {
				void *ret;

				fill_pattern(buf, sizeof(buf), 2);
				fill_pattern(want, sizeof(want), 2);
				memmove(want + d, want + so, n);
				ret = sv_memmove(buf + d, buf + so, n);
				if (ret != buf + d || memcmp(buf, want, sizeof(buf))) {
					if (bad++ < 5)
						SV_TEST_FAIL_(__FILE__, __LINE__,
							"sv_memmove src+%zu dst+%zu n=%zu",
							so, d, n);
				}
			}
	SV_CHECK_EQ_U64(bad, 0);
}

static void test_memset(void)
{
	unsigned char buf[AREA], want[AREA];
	unsigned bad = 0;

	for (size_t d = 0; d < 16; d++)
		for (size_t n = 0; n < 100; n++) {
			void *ret;

			memset(buf, GUARD, sizeof(buf));
			memset(want, GUARD, sizeof(want));
			memset(want + d, 0x3c, n);
			ret = sv_memset(buf + d, 0x3c, n);
			if (ret != buf + d || memcmp(buf, want, sizeof(buf))) {
				if (bad++ < 5)
					SV_TEST_FAIL_(__FILE__, __LINE__,
						"sv_memset dst+%zu n=%zu", d, n);
			}
		}
	SV_CHECK_EQ_U64(bad, 0);

	/* The value is converted to unsigned char, as memset does. */
	memset(buf, GUARD, sizeof(buf));
	sv_memset(buf, 0x1ff, 20);
	SV_CHECK_EQ_U64(buf[0], 0xff);
	SV_CHECK_EQ_U64(buf[19], 0xff);
	SV_CHECK_EQ_U64(buf[20], GUARD);
	sv_memset(buf, 0, 20);
	SV_CHECK_EQ_U64(buf[0], 0);
	SV_CHECK_EQ_U64(buf[19], 0);
}

static void test_memcmp(void)
{
	const unsigned char a[] = { 1, 2, 3, 0x80 };
	const unsigned char b[] = { 1, 2, 4, 0x01 };
	const unsigned char c[] = { 1, 2, 3, 0x01 };

	SV_CHECK_EQ_I64(sv_memcmp(a, b, 0), 0);
	SV_CHECK_EQ_I64(sv_memcmp(a, b, 2), 0);
	SV_CHECK_EQ_I64(sign(sv_memcmp(a, b, 3)), -1);
	SV_CHECK_EQ_I64(sign(sv_memcmp(b, a, 3)), 1);
	/* Bytes compare as unsigned: 0x80 is above 0x01. */
	SV_CHECK_EQ_I64(sign(sv_memcmp(a, c, 4)), 1);
	SV_CHECK_EQ_I64(sign(sv_memcmp(c, a, 4)), -1);
	SV_CHECK_EQ_I64(sv_memcmp(a, a, 4), 0);
}

static void test_strlen(void)
{
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };

	SV_CHECK_EQ_U64(sv_strlen(""), 0);
	SV_CHECK_EQ_U64(sv_strlen("a"), 1);
	SV_CHECK_EQ_U64(sv_strlen("hello, world"), 12);
	SV_CHECK_EQ_U64(sv_strnlen("hello", 0), 0);
	SV_CHECK_EQ_U64(sv_strnlen("hello", 3), 3);
	SV_CHECK_EQ_U64(sv_strnlen("hello", 5), 5);
	SV_CHECK_EQ_U64(sv_strnlen("hello", 100), 5);

	/* strnlen must not read past max: no terminator within reach. */
	SV_CHECK_EQ_U64(sv_strnlen(unterminated, sizeof(unterminated)), 4);
}

static void test_strcmp(void)
{
	SV_CHECK_EQ_I64(sv_strcmp("", ""), 0);
	SV_CHECK_EQ_I64(sv_strcmp("abc", "abc"), 0);
	SV_CHECK_EQ_I64(sign(sv_strcmp("abc", "abd")), -1);
	SV_CHECK_EQ_I64(sign(sv_strcmp("abd", "abc")), 1);
	SV_CHECK_EQ_I64(sign(sv_strcmp("ab", "abc")), -1);
	SV_CHECK_EQ_I64(sign(sv_strcmp("abc", "ab")), 1);
	SV_CHECK_EQ_I64(sign(sv_strcmp("\x80", "\x01")), 1);

	SV_CHECK_EQ_I64(sv_strncmp("abc", "abd", 0), 0);
	SV_CHECK_EQ_I64(sv_strncmp("abc", "abd", 2), 0);
	SV_CHECK_EQ_I64(sign(sv_strncmp("abc", "abd", 3)), -1);
	SV_CHECK_EQ_I64(sign(sv_strncmp("ab", "abc", 5)), -1);
	SV_CHECK_EQ_I64(sign(sv_strncmp("abc", "ab", 5)), 1);
	/* Equal strings stop at the NUL: what follows does not count. */
	SV_CHECK_EQ_I64(sv_strncmp("ab\0x", "ab\0y", 4), 0);
	SV_CHECK_EQ_I64(sign(sv_strncmp("\x80", "\x01", 1)), 1);
}

static void test_strchr(void)
{
	const char *s = "a/b/c";

	SV_CHECK(sv_strchr(s, '/') == s + 1);
	SV_CHECK(sv_strrchr(s, '/') == s + 3);
	SV_CHECK(sv_strchr(s, 'a') == s);
	SV_CHECK(sv_strrchr(s, 'a') == s);
	SV_CHECK(sv_strchr(s, 'x') == NULL);
	SV_CHECK(sv_strrchr(s, 'x') == NULL);
	/* The terminator is part of the string. */
	SV_CHECK(sv_strchr(s, '\0') == s + 5);
	SV_CHECK(sv_strrchr(s, '\0') == s + 5);
	SV_CHECK(sv_strchr("", 'a') == NULL);
	/* c is converted to char: 0x100 + '/' still finds '/'. */
	SV_CHECK(sv_strchr(s, 0x100 + '/') == s + 1);
	SV_CHECK(sv_strchr("\xe9t\xe9", 0xe9) != NULL);
}

static void test_strlcpy(void)
{
	char buf[8];

	memset(buf, GUARD, sizeof(buf));
	SV_CHECK_EQ_U64(sv_strlcpy(buf, "hello", 0), 5);
	SV_CHECK_EQ_U64((unsigned char)buf[0], GUARD);

	SV_CHECK_EQ_U64(sv_strlcpy(buf, "hello", 1), 5);
	SV_CHECK_STR_EQ(buf, "");
	SV_CHECK_EQ_U64((unsigned char)buf[1], GUARD);

	SV_CHECK_EQ_U64(sv_strlcpy(buf, "hello", 6), 5);
	SV_CHECK_STR_EQ(buf, "hello");

	memset(buf, GUARD, sizeof(buf));
	SV_CHECK_EQ_U64(sv_strlcpy(buf, "hello, world", 8), 12);
	SV_CHECK_STR_EQ(buf, "hello, ");

	SV_CHECK_EQ_U64(sv_strlcpy(buf, "", sizeof(buf)), 0);
	SV_CHECK_STR_EQ(buf, "");
}

CU_TestInfo sv_tests_string[] = {
	{ "memcpy_alignments", test_memcpy_alignments },
	{ "memmove_overlap", test_memmove_overlap },
	{ "memset", test_memset },
	{ "memcmp", test_memcmp },
	{ "strlen", test_strlen },
	{ "strcmp", test_strcmp },
	{ "strchr", test_strchr },
	{ "strlcpy", test_strlcpy },
	CU_TEST_INFO_NULL,
};
