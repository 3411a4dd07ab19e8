/*
 * Bitmaps over arrays of unsigned long (sv/bitmap.h): the range operations,
 * searches and counts, a word at a time. Bit i lives in word
 * i / SV_BITS_PER_WORD at position i % SV_BITS_PER_WORD, as in the inline
 * set/clear/test. Bits past nbits in the last word belong to the caller:
 * nothing here changes them or lets them show in a result.
 */
#include "sv/bitmap.h"

#include "sv/compiler.h"

#define WORD_BITS SV_BITS_PER_WORD

/* Bits [start % WORD_BITS, WORD_BITS) of a word. */
static inline unsigned long mask_from(size_t start)
{
	return ~0ul << (start % WORD_BITS);
}

/* Bits [0, end % WORD_BITS) of a word, or all of them when end is aligned. */
static inline unsigned long mask_below(size_t end)
{
	return end % WORD_BITS ? ~(~0ul << (end % WORD_BITS)) : ~0ul;
}

/* Apply set (or clear) to the bits of [start, start+len), word by word. */
static void update_range(unsigned long *map, size_t start, size_t len, bool set)
{
	size_t end = start + len, last;

	if (len == 0)
		return;
	last = (end - 1) / WORD_BITS;
	for (size_t w = start / WORD_BITS; w <= last; w++) {
		unsigned long m = ~0ul;

		if (w == start / WORD_BITS)
			m &= mask_from(start);
		if (w == last)
			m &= mask_below(end);
		if (set)
			map[w] |= m;
		else
			map[w] &= ~m;
	}
}

void sv_bitmap_zero(unsigned long *map, size_t nbits)
{
	update_range(map, 0, nbits, false);
}

void sv_bitmap_fill(unsigned long *map, size_t nbits)
{
	update_range(map, 0, nbits, true);
}

void sv_bitmap_set_range(unsigned long *map, size_t start, size_t len)
{
	update_range(map, start, len, true);
}

void sv_bitmap_clear_range(unsigned long *map, size_t start, size_t len)
{
	update_range(map, start, len, false);
}

/*
 * First bit at or after start whose value is !invert, or nbits. Each word is
 * XORed with invert (all ones or zero), so both searches look for a 1.
 */
static size_t find_next(const unsigned long *map, size_t nbits, size_t start,
			unsigned long invert)
{
	size_t w, bit;
	unsigned long word;

	if (start >= nbits)
		return nbits;
	w = start / WORD_BITS;
	word = (map[w] ^ invert) & mask_from(start);
	while (word == 0) {
		if (++w >= SV_BITMAP_WORDS(nbits))
			return nbits;
		word = map[w] ^ invert;
	}
	bit = w * WORD_BITS + (size_t)__builtin_ctzl(word);
	/* A hit among the caller's bits past nbits is no hit. */
	return SV_MIN(bit, nbits);
}

size_t sv_bitmap_find_next_set(const unsigned long *map, size_t nbits,
			       size_t start)
{
	return find_next(map, nbits, start, 0);
}

size_t sv_bitmap_find_next_clear(const unsigned long *map, size_t nbits,
				 size_t start)
{
	return find_next(map, nbits, start, ~0ul);
}

size_t sv_bitmap_find_clear_run(const unsigned long *map, size_t nbits,
				size_t len, size_t align)
{
	size_t pos = 0;

	if (len == 0)
		return 0;	/* the empty run at 0 is aligned to anything */
	if (align == 0)
		align = 1;
	for (;;) {
		size_t set;

		pos = sv_bitmap_find_next_clear(map, nbits, pos);
		pos = SV_ALIGN_UP(pos, align);
		if (pos >= nbits || len > nbits - pos)
			return nbits;
		/* Any set bit in [pos, pos+len) ends this candidate. */
		set = sv_bitmap_find_next_set(map, pos + len, pos);
		if (set == pos + len)
			return pos;
		pos = set + 1;
	}
}

/* Set bits in one word, without the popcnt instruction or libgcc. */
static inline size_t word_weight(unsigned long w)
{
	SV_STATIC_ASSERT(sizeof(w) == 8, "word_weight assumes 64-bit words");
	w = w - ((w >> 1) & 0x5555555555555555ul);
	w = (w & 0x3333333333333333ul) + ((w >> 2) & 0x3333333333333333ul);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0ful;
	return (size_t)((w * 0x0101010101010101ul) >> 56);
}

size_t sv_bitmap_weight(const unsigned long *map, size_t nbits)
{
	size_t full = nbits / WORD_BITS, n = 0;

	for (size_t w = 0; w < full; w++)
		n += word_weight(map[w]);
	if (nbits % WORD_BITS)
		n += word_weight(map[full] & mask_below(nbits));
	return n;
}
