/*
 * Tests for common/bitmap.c: a few hand-made cases at word boundaries, then
 * random operations (fixed seed) on bitmaps of awkward sizes, checked after
 * every step against a plain bool-array model. The bits past nbits in the
 * last word hold a pattern that must survive and never show in a result.
 */
#include "sv/bitmap.h"
#include "sv/compiler.h"
#include "sv_test.h"

#define W SV_BITS_PER_WORD

static void test_set_clear_test(void)
{
	unsigned long map[SV_BITMAP_WORDS(130)] = { 0 };

	sv_bitmap_set(map, 0);
	sv_bitmap_set(map, 63);
	sv_bitmap_set(map, 64);
	sv_bitmap_set(map, 129);
	SV_CHECK_EQ_U64(map[0], 0x8000000000000001ull);
	SV_CHECK_EQ_U64(map[1], 1);
	SV_CHECK_EQ_U64(map[2], 2);
	SV_CHECK(sv_bitmap_test(map, 63));
	SV_CHECK(!sv_bitmap_test(map, 62));
	sv_bitmap_clear(map, 63);
	SV_CHECK(!sv_bitmap_test(map, 63));
	SV_CHECK(sv_bitmap_test(map, 64));
	SV_CHECK_EQ_U64(sv_bitmap_weight(map, 130), 3);
	SV_CHECK_EQ_U64(sv_bitmap_weight(map, 129), 2);
}

static void test_ranges(void)
{
	unsigned long map[3] = { 0 };

	sv_bitmap_set_range(map, 60, 10);	/* 60..69, across a word */
	SV_CHECK_EQ_U64(map[0], 0xf000000000000000ull);
	SV_CHECK_EQ_U64(map[1], 0x3f);
	sv_bitmap_set_range(map, 64, 128);	/* exactly words 1 and 2 */
	SV_CHECK_EQ_U64(map[1], ~0ull);
	SV_CHECK_EQ_U64(map[2], ~0ull);
	sv_bitmap_clear_range(map, 62, 70);	/* 62..131 */
	SV_CHECK_EQ_U64(map[0], 0x3000000000000000ull);
	SV_CHECK_EQ_U64(map[1], 0);
	SV_CHECK_EQ_U64(map[2], ~0ull << 4);
	sv_bitmap_set_range(map, 5, 0);		/* empty: no change */
	sv_bitmap_clear_range(map, 130, 0);
	SV_CHECK_EQ_U64(map[0], 0x3000000000000000ull);
	SV_CHECK_EQ_U64(map[2], ~0ull << 4);

	/* zero and fill stop at nbits and leave the rest of the word alone. */
	sv_bitmap_zero(map, 140);
	SV_CHECK_EQ_U64(map[0], 0);
	SV_CHECK_EQ_U64(map[2], ~0ull << 12);
	sv_bitmap_fill(map, 130);
	SV_CHECK_EQ_U64(map[0], ~0ull);
	SV_CHECK_EQ_U64(map[1], ~0ull);
	SV_CHECK_EQ_U64(map[2], (~0ull << 12) | 3);
	sv_bitmap_zero(map, 128);
	SV_CHECK_EQ_U64(map[1], 0);
	SV_CHECK_EQ_U64(map[2], (~0ull << 12) | 3);
}

static void test_find(void)
{
	unsigned long map[3] = { 0 };

	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 0), 150);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_clear(map, 150, 149), 149);
	sv_bitmap_set(map, 64);
	sv_bitmap_set(map, 140);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 0), 64);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 64), 64);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 65), 140);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 141), 150);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 150, 500), 150);
	/* A set bit past nbits is not found. */
	SV_CHECK_EQ_U64(sv_bitmap_find_next_set(map, 140, 65), 140);

	sv_bitmap_fill(map, 192);
	sv_bitmap_clear(map, 191);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_clear(map, 192, 0), 191);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_clear(map, 191, 0), 191);
	SV_CHECK_EQ_U64(sv_bitmap_find_next_clear(map, 150, 0), 150);
}

static void test_clear_run(void)
{
	unsigned long map[4] = { 0 };

	/* Set: 0..9 and 70..72; clear runs are 10..69 and 73..255. */
	sv_bitmap_set_range(map, 0, 10);
	sv_bitmap_set_range(map, 70, 3);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 1, 0), 10);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 60, 0), 10);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 61, 0), 73);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 16, 16), 16);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 50, 16), 16);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 55, 16), 80);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 64, 64), 128);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 128, 64), 128);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 129, 64), 256);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 183, 1), 73);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 256, 184, 1), 256);
	/* The run must end by nbits. */
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 200, 128, 0), 200);
	SV_CHECK_EQ_U64(sv_bitmap_find_clear_run(map, 201, 128, 0), 73);
}

/* xorshift64: the same sequence on every host. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

#define MODEL_MAX 320

struct model {
	size_t nbits;
	bool bit[MODEL_MAX];
};

static size_t model_find(const struct model *m, size_t start, bool value)
{
	for (size_t i = start; i < m->nbits; i++)
		if (m->bit[i] == value)
			return i;
	return m->nbits;
}

static size_t model_clear_run(const struct model *m, size_t len, size_t align)
{
	if (align == 0)
		align = 1;
	for (size_t pos = 0; pos + len <= m->nbits; pos += align) {
		size_t i = 0;

		while (i < len && !m->bit[pos + i])
			i++;
		if (i == len)
			return pos;
	}
	return m->nbits;
}

static size_t model_weight(const struct model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nbits; i++)
		n += m->bit[i];
	return n;
}

/* Bits of the last word that lie past nbits, and their fixed pattern. */
static unsigned long tail_mask(size_t nbits)
{
	return nbits % W ? ~0ul << (nbits % W) : 0;
}

#define TAIL_PATTERN 0xa5c3a5c3a5c3a5c3ul

/* Compare map against the model; report the first difference. */
static bool same_as_model(const unsigned long *map, const struct model *m,
			  const char *op)
{
	size_t last = SV_BITMAP_WORDS(m->nbits) - 1;

	for (size_t i = 0; i < m->nbits; i++)
		if (sv_bitmap_test(map, i) != m->bit[i]) {
			SV_TEST_FAIL_(__FILE__, __LINE__,
				"nbits=%zu after %s: bit %zu is %d, model %d",
				m->nbits, op, i, sv_bitmap_test(map, i),
				m->bit[i]);
			return false;
		}
	if ((map[last] & tail_mask(m->nbits)) !=
	    (TAIL_PATTERN & tail_mask(m->nbits))) {
		SV_TEST_FAIL_(__FILE__, __LINE__,
			"nbits=%zu after %s: bits past nbits changed", m->nbits,
			op);
		return false;
	}
	return true;
}

#define CHECK_QUERY(got, want, what) \
	do { \
		size_t g_ = (got), w_ = (want); \
		if (g_ != w_) { \
			SV_TEST_FAIL_(__FILE__, __LINE__, \
				"nbits=%zu step %d: %s: got %zu, model %zu", \
				m.nbits, step, what, g_, w_); \
			failures++; \
		} \
	} while (0)

static void random_run(size_t nbits, int steps)
{
	unsigned long map[SV_BITMAP_WORDS(MODEL_MAX)];
	struct model m = { .nbits = nbits };
	size_t last = SV_BITMAP_WORDS(nbits) - 1;
	unsigned failures = 0;

	for (size_t i = 0; i <= last; i++)
		map[i] = rng();
	map[last] = (map[last] & ~tail_mask(nbits)) |
		    (TAIL_PATTERN & tail_mask(nbits));
	for (size_t i = 0; i < nbits; i++)
		m.bit[i] = sv_bitmap_test(map, i);

	for (int step = 0; step < steps && failures < 5; step++) {
		size_t a = rng_below(nbits), len = rng_below(nbits - a + 1);
		const char *op;
		size_t run_len, align;

		switch (rng_below(8)) {
		case 0:
			sv_bitmap_set(map, a);
			m.bit[a] = true;
			op = "set";
			break;
		case 1:
			sv_bitmap_clear(map, a);
			m.bit[a] = false;
			op = "clear";
			break;
		case 2:
		case 3:
			sv_bitmap_set_range(map, a, len);
			for (size_t i = a; i < a + len; i++)
				m.bit[i] = true;
			op = "set_range";
			break;
		case 4:
		case 5:
		case 6:
			sv_bitmap_clear_range(map, a, len);
			for (size_t i = a; i < a + len; i++)
				m.bit[i] = false;
			op = "clear_range";
			break;
		default: {
			bool fill = rng_below(4) == 0;

			if (fill)
				sv_bitmap_fill(map, nbits);
			else
				sv_bitmap_zero(map, nbits);
			for (size_t i = 0; i < nbits; i++)
				m.bit[i] = fill;
			op = fill ? "fill" : "zero";
			break;
		}
		}
		if (!same_as_model(map, &m, op)) {
			failures++;
			break;
		}

		/* Starts past the end too, where the answer is nbits. */
		a = rng_below(nbits + 3);
		CHECK_QUERY(sv_bitmap_find_next_set(map, nbits, a),
			    model_find(&m, a, true), "find_next_set");
		CHECK_QUERY(sv_bitmap_find_next_clear(map, nbits, a),
			    model_find(&m, a, false), "find_next_clear");
		run_len = rng_below(4) ? rng_below(9) : rng_below(nbits + 2);
		align = (size_t)1 << rng_below(8);
		if (align == 128)
			align = 0;
		CHECK_QUERY(sv_bitmap_find_clear_run(map, nbits, run_len, align),
			    model_clear_run(&m, run_len, align),
			    "find_clear_run");
		CHECK_QUERY(sv_bitmap_weight(map, nbits), model_weight(&m),
			    "weight");
	}
	SV_CHECK_EQ_U64(failures, 0);
}

static void test_random_against_model(void)
{
	static const size_t sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 200,
					257, MODEL_MAX };

	rng_state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < SV_ARRAY_SIZE(sizes); i++)
		random_run(sizes[i], 3000);
}

CU_TestInfo sv_tests_bitmap[] = {
	{ "set_clear_test", test_set_clear_test },
	{ "ranges", test_ranges },
	{ "find", test_find },
	{ "clear_run", test_clear_run },
	{ "random_against_model", test_random_against_model },
	CU_TEST_INFO_NULL,
};
