/*
 * Fixed-size bitmaps over arrays of unsigned long: page-frame maps, I/O and
 * MSR permission bitmaps, id allocators. The caller owns the storage; size it
 * with SV_BITMAP_WORDS(nbits).
 */
#ifndef SV_BITMAP_H
#define SV_BITMAP_H

#include <stdbool.h>
#include <stddef.h>

#define SV_BITS_PER_WORD (8 * sizeof(unsigned long))
#define SV_BITMAP_WORDS(nbits) \
	(((nbits) + SV_BITS_PER_WORD - 1) / SV_BITS_PER_WORD)

static inline void sv_bitmap_set(unsigned long *map, size_t bit)
{
	map[bit / SV_BITS_PER_WORD] |= 1ul << (bit % SV_BITS_PER_WORD);
}

static inline void sv_bitmap_clear(unsigned long *map, size_t bit)
{
	map[bit / SV_BITS_PER_WORD] &= ~(1ul << (bit % SV_BITS_PER_WORD));
}

static inline bool sv_bitmap_test(const unsigned long *map, size_t bit)
{
	return (map[bit / SV_BITS_PER_WORD] >> (bit % SV_BITS_PER_WORD)) & 1;
}

/* Clear or set all of bits [0, nbits); bits past nbits in the last word stay. */
void sv_bitmap_zero(unsigned long *map, size_t nbits);
void sv_bitmap_fill(unsigned long *map, size_t nbits);
/* Set or clear the range [start, start+len). */
void sv_bitmap_set_range(unsigned long *map, size_t start, size_t len);
void sv_bitmap_clear_range(unsigned long *map, size_t start, size_t len);
/* Index of the first set/clear bit at or after start, or nbits when none. */
size_t sv_bitmap_find_next_set(const unsigned long *map, size_t nbits,
			       size_t start);
size_t sv_bitmap_find_next_clear(const unsigned long *map, size_t nbits,
				 size_t start);
/*
 * Start of the first run of len clear bits at an index that is a multiple
 * of align (a power of two, or 0/1 for none), or nbits when there is none.
 */
size_t sv_bitmap_find_clear_run(const unsigned long *map, size_t nbits,
				size_t len, size_t align);
/* Number of set bits among [0, nbits). */
size_t sv_bitmap_weight(const unsigned long *map, size_t nbits);

#endif /* SV_BITMAP_H */
