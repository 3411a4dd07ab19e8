/*
 * The buddy page-frame allocator (sv/buddy.h).
 *
 * The zone is a table of struct buddy_frame, one per 4 KiB frame. A block
 * of order k is 2^k frames whose first frame number (pfn) is a multiple of
 * 2^k; its buddy is the block at pfn ^ 2^k. Alignment is on the absolute
 * pfn, not on the index in the table, so blocks are aligned in physical
 * memory whatever the zone's base; a block whose buddy would fall outside
 * the zone just never merges.
 *
 * Only a block's head frame says what the block is (free, allocated, first
 * or later piece of a run); its other frames are INNER, so splitting and
 * merging touch one frame per step, never the whole block. The free blocks
 * of each order are the set bits of a bitmap with summary levels above it
 * (struct buddy_freemap), kept after the table in the caller's storage
 * (the allocator never touches the memory it manages). A mask of the
 * non-empty orders finds the smallest fitting order in one step and the
 * summaries the lowest free block of it in one word per level: the
 * address-ordered best fit that keeps fragmentation down (sv/buddy.h).
 *
 * An allocation is a run of n pages: the blocks of n's binary digits, from
 * the largest down, laid out from an aligned block of the next power of two
 * whose tail went back to the free blocks. The run's first block (ALLOC)
 * records n and the owner; the later ones (ALLOC_CONT) point back at it.
 * A plain power-of-two allocation is a run of one block.
 */
#include "sv/buddy.h"

#include <stdarg.h>

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"

#define NIL UINT32_MAX
#define PAGE_MASK (SV_PAGE_SIZE - 1)

SV_STATIC_ASSERT(sizeof(struct buddy_frame) == 8, "buddy_frame grew");
SV_STATIC_ASSERT(BUDDY_MAX_ORDER < 32, "nonempty is a u32 mask");
SV_STATIC_ASSERT(BUDDY_MAX_FRAMES < NIL, "NIL must not be a frame index");

static inline uint64_t pfn_of(const struct sv_buddy *b, uint64_t idx)
{
	return b->base_pfn + idx;
}

static inline hpa_t addr_of(const struct sv_buddy *b, uint64_t idx)
{
	return hpa(pfn_of(b, idx) << SV_PAGE_SHIFT);
}

static inline unsigned ctz64(uint64_t x)
{
	return x ? (unsigned)__builtin_ctzll(x) : 64;
}

static inline unsigned floor_log2(uint64_t x)
{
	return 63 - (unsigned)__builtin_clzll(x);
}

/* Smallest order whose block holds npages (npages >= 1). */
static inline unsigned order_for(uint64_t npages)
{
	return npages == 1 ? 0 : floor_log2(npages - 1) + 1;
}

/* ---- Free-block bitmaps ------------------------------------------------ */

/* Words of a bitmap of nblocks bits and its summary levels. */
static uint64_t freemap_words(uint64_t nblocks, unsigned *nlevels)
{
	uint64_t total = 0, w = nblocks;
	unsigned levels = 0;

	do {
		w = (w + 63) / 64;
		total += w;
		levels++;
	} while (w > 1);
	if (nlevels)
		*nlevels = levels;
	return total;
}

uint64_t buddy_meta_size(uint64_t nframes)
{
	uint64_t size = SV_ALIGN_UP(nframes * sizeof(struct buddy_frame), 8);

	if (nframes == 0)
		return 0;
	/* whatever the base, order k has at most one block more than
	 * nframes / 2^k rounded up */
	for (unsigned k = 0; k < BUDDY_NR_ORDERS; k++)
		size += 8 * freemap_words(((nframes - 1) >> k) + 2, NULL);
	return size;
}

/* Bit of the order-k block whose head is frame idx, and back. */
static inline uint64_t block_bit(const struct sv_buddy *b, uint32_t idx,
				 unsigned k)
{
	return (pfn_of(b, idx) >> k) - (b->base_pfn >> k);
}

static inline uint32_t bit_block(const struct sv_buddy *b, uint64_t j,
				 unsigned k)
{
	return (uint32_t)((((b->base_pfn >> k) + j) << k) - b->base_pfn);
}

static void freemap_set(struct buddy_freemap *m, uint64_t j)
{
	for (unsigned l = 0; l < m->nlevels; l++, j /= 64) {
		uint64_t *w = &m->level[l][j / 64], was = *w;

		*w = was | 1ull << (j % 64);
		if (was)
			break;	/* the levels above know already */
	}
}

static void freemap_clear(struct buddy_freemap *m, uint64_t j)
{
	for (unsigned l = 0; l < m->nlevels; l++, j /= 64) {
		uint64_t *w = &m->level[l][j / 64];

		*w &= ~(1ull << (j % 64));
		if (*w)
			break;	/* still something below */
	}
}

/* Lowest set bit, following the summaries down; false when empty. */
static bool freemap_first(const struct buddy_freemap *m, uint64_t *out)
{
	uint64_t j = 0;

	for (unsigned l = m->nlevels; l-- > 0;) {
		uint64_t w = m->level[l][j];

		if (!w)
			return false;
		j = j * 64 + ctz64(w);
	}
	*out = j;
	return true;
}

/* Make the order-k block at idx a free block. */
static void free_add(struct sv_buddy *b, uint32_t idx, unsigned order)
{
	struct buddy_frame *f = &b->frames[idx];

	f->state = BUDDY_FRAME_FREE;
	f->order = (uint8_t)order;
	f->owner = BUDDY_OWNER_NONE;
	f->next = 0;
	freemap_set(&b->free[order], block_bit(b, idx, order));
	b->nonempty |= SV_BIT(order);
	b->free_blocks[order]++;
	b->free_pages += 1ull << order;
}

/* Take a free block out of the free set; its head becomes INNER. */
static void free_take(struct sv_buddy *b, uint32_t idx)
{
	struct buddy_frame *f = &b->frames[idx];
	unsigned order = f->order;

	freemap_clear(&b->free[order], block_bit(b, idx, order));
	if (--b->free_blocks[order] == 0)
		b->nonempty &= ~SV_BIT(order);
	b->free_pages -= 1ull << order;
	f->state = BUDDY_FRAME_INNER;
}

/* Index of the buddy of the order-k block at idx, if it is in the zone. */
static bool buddy_index(const struct sv_buddy *b, uint32_t idx, unsigned k,
			uint32_t *out)
{
	uint64_t bpfn = pfn_of(b, idx) ^ (1ull << k);

	if (bpfn < b->base_pfn || bpfn - b->base_pfn >= b->nframes)
		return false;
	*out = (uint32_t)(bpfn - b->base_pfn);
	return true;
}

/* Give the order-k block at idx back, merging it with free buddies. */
static void free_block(struct sv_buddy *b, uint32_t idx, unsigned order)
{
	uint32_t bud;

	b->frames[idx].state = BUDDY_FRAME_INNER;
	while (order < BUDDY_MAX_ORDER && buddy_index(b, idx, order, &bud) &&
	       b->frames[bud].state == BUDDY_FRAME_FREE &&
	       b->frames[bud].order == order) {
		free_take(b, bud);
		if (bud < idx)
			idx = bud;
		order++;
	}
	free_add(b, idx, order);
}

/*
 * Head of the block holding the present frame idx, or NIL when the table
 * is inconsistent. A block of order k holding idx starts at idx's pfn
 * rounded down to 2^k, and every frame between that head and idx is INNER,
 * so the first non-INNER frame met rounding down by growing powers of two
 * is the head.
 */
static uint32_t block_of(const struct sv_buddy *b, uint32_t idx)
{
	uint64_t pfn = pfn_of(b, idx);

	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		uint64_t hpfn = pfn & ~((1ull << k) - 1);
		uint32_t h;

		if (hpfn < b->base_pfn)
			break;
		h = (uint32_t)(hpfn - b->base_pfn);
		if (b->frames[h].state == BUDDY_FRAME_ABSENT)
			break;
		if (b->frames[h].state != BUDDY_FRAME_INNER)
			return pfn < hpfn + (1ull << b->frames[h].order) ? h : NIL;
	}
	return NIL;
}

SV_PRINTF(3, 4)
static int refuse(struct sv_buddy *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(b->last_error_msg, sizeof(b->last_error_msg), fmt, ap);
	va_end(ap);
	b->last_error = err;
	b->bad_frees++;
	return err;
}

int buddy_init(struct sv_buddy *b, hpa_t base, uint64_t nframes, void *meta,
	       size_t meta_size)
{
	uint64_t *words;

	if ((base.v & PAGE_MASK) || nframes == 0 ||
	    nframes > BUDDY_MAX_FRAMES || !meta ||
	    meta_size < buddy_meta_size(nframes) || (uintptr_t)meta % 8)
		return -SV_EINVAL;
	sv_memset(b, 0, sizeof(*b));
	b->base_pfn = base.v >> SV_PAGE_SHIFT;
	b->nframes = nframes;
	b->frames = meta;
	/* all frames BUDDY_FRAME_ABSENT, all bitmaps empty */
	sv_memset(meta, 0, buddy_meta_size(nframes));
	words = (uint64_t *)(void *)((char *)meta +
		SV_ALIGN_UP(nframes * sizeof(struct buddy_frame), 8));
	for (unsigned k = 0; k < BUDDY_NR_ORDERS; k++) {
		struct buddy_freemap *m = &b->free[k];
		uint64_t w;

		m->nblocks = ((b->base_pfn + nframes - 1) >> k) -
			     (b->base_pfn >> k) + 1;
		freemap_words(m->nblocks, &m->nlevels);
		SV_STATIC_ASSERT(BUDDY_BM_LEVELS >= 6, "2^32 frames need 6");
		w = m->nblocks;
		for (unsigned l = 0; l < m->nlevels; l++) {
			w = (w + 63) / 64;
			m->level[l] = words;
			words += w;
		}
	}
	return 0;
}

bool buddy_contains(const struct sv_buddy *b, hpa_t pa)
{
	uint64_t pfn = pa.v >> SV_PAGE_SHIFT;

	return pfn >= b->base_pfn && pfn - b->base_pfn < b->nframes;
}

int buddy_add_range(struct sv_buddy *b, hpa_t base, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - base.v ? UINT64_MAX : base.v + len;
	uint64_t s, e;

	if (base.v > UINT64_MAX - PAGE_MASK)
		return 0;
	s = SV_ALIGN_UP(base.v, SV_PAGE_SIZE) >> SV_PAGE_SHIFT;
	e = SV_ALIGN_DOWN(end, SV_PAGE_SIZE) >> SV_PAGE_SHIFT;
	if (e <= s)
		return 0;
	if (s < b->base_pfn || e - b->base_pfn > b->nframes)
		return -SV_ERANGE;
	s -= b->base_pfn;
	e -= b->base_pfn;
	for (uint64_t i = s; i < e; i++)
		if (b->frames[i].state != BUDDY_FRAME_ABSENT)
			return -SV_EEXIST;

	for (uint64_t i = s; i < e; i++)
		b->frames[i].state = BUDDY_FRAME_INNER;
	/* Largest aligned blocks first; each merges with what is free. */
	for (uint64_t i = s; i < e;) {
		unsigned k = SV_MIN(ctz64(pfn_of(b, i)), BUDDY_MAX_ORDER);

		while ((1ull << k) > e - i)
			k--;
		free_block(b, (uint32_t)i, k);
		i += 1ull << k;
	}
	b->managed_pages += e - s;
	return 0;
}

/*
 * Split the free order-k block at idx (already taken out) around the
 * index range [s, e): the parts inside become absent, the parts outside go
 * back among the free blocks (their buddies hold reserved frames, so no
 * merge).
 * Returns the number of frames made absent. Recursion depth <= k.
 */
static uint64_t carve(struct sv_buddy *b, uint32_t idx, unsigned k,
		      uint64_t s, uint64_t e)
{
	uint64_t end = (uint64_t)idx + (1ull << k);

	if (end <= s || idx >= e) {
		free_add(b, idx, k);
		return 0;
	}
	if (idx >= s && end <= e) {
		for (uint64_t i = idx; i < end; i++)
			b->frames[i].state = BUDDY_FRAME_ABSENT;
		return 1ull << k;
	}
	k--;
	return carve(b, idx, k, s, e) +
	       carve(b, (uint32_t)(idx + (1u << k)), k, s, e);
}

int buddy_reserve_range(struct sv_buddy *b, hpa_t base, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - base.v ? UINT64_MAX : base.v + len;
	uint64_t s = base.v >> SV_PAGE_SHIFT;
	uint64_t e = (end >> SV_PAGE_SHIFT) + ((end & PAGE_MASK) != 0);
	uint64_t taken = 0;

	s = SV_MAX(s, b->base_pfn);
	e = SV_MIN(e, b->base_pfn + b->nframes);
	if (e <= s)
		return 0;
	s -= b->base_pfn;
	e -= b->base_pfn;

	/* Decode: every present frame of the range must be in a free block. */
	for (uint64_t i = s; i < e;) {
		uint32_t h;

		if (b->frames[i].state == BUDDY_FRAME_ABSENT) {
			i++;
			continue;
		}
		h = block_of(b, (uint32_t)i);
		if (h == NIL)
			return -SV_ECORRUPT;
		if (b->frames[h].state != BUDDY_FRAME_FREE)
			return -SV_EBUSY;
		i = h + (1ull << b->frames[h].order);
	}
	/* Act: carve each free block that meets the range. */
	for (uint64_t i = s; i < e;) {
		uint32_t h;
		unsigned k;

		if (b->frames[i].state == BUDDY_FRAME_ABSENT) {
			i++;
			continue;
		}
		h = block_of(b, (uint32_t)i);
		k = b->frames[h].order;
		free_take(b, h);
		taken += carve(b, h, k, s, e);
		i = h + (1ull << k);
	}
	b->managed_pages -= taken;
	return 0;
}

/*
 * Turn the order-`order` block at idx (taken out, frames INNER) into a
 * run of npages, giving the tail back. The tail blocks grow from the end of
 * the run upward, each the largest aligned one that fits; each one's buddy
 * holds run pages, so none can merge and they go straight back.
 */
static void make_run(struct sv_buddy *b, uint32_t idx, unsigned order,
		     uint64_t npages, unsigned owner)
{
	uint64_t off = 0, size = 1ull << order;

	for (unsigned k = order + 1; k-- > 0;) {
		struct buddy_frame *f;

		if (!(npages & (1ull << k)))
			continue;
		f = &b->frames[idx + off];
		f->state = off ? BUDDY_FRAME_ALLOC_CONT : BUDDY_FRAME_ALLOC;
		f->order = (uint8_t)k;
		f->owner = (uint8_t)owner;
		f->next = off ? idx : (uint32_t)npages;
		off += 1ull << k;
	}
	while (off < size) {
		unsigned k = ctz64(off);

		free_add(b, (uint32_t)(idx + off), k);
		off += 1ull << k;
	}
}

int buddy_alloc_owned(struct sv_buddy *b, uint64_t npages, unsigned owner,
		      hpa_t *pa)
{
	unsigned order, k;
	uint32_t idx, fits;
	uint64_t j;

	if (npages == 0 || owner > UINT8_MAX)
		return -SV_EINVAL;
	if (npages > BUDDY_MAX_PAGES)
		return -SV_ERANGE;
	order = order_for(npages);
	fits = b->nonempty & ~(SV_BIT(order) - 1);
	if (!fits) {
		b->failed_allocs++;
		return -SV_ENOMEM;
	}
	k = (unsigned)__builtin_ctz(fits);
	if (!freemap_first(&b->free[k], &j))
		return -SV_ECORRUPT;	/* nonempty said otherwise */
	idx = bit_block(b, j, k);
	free_take(b, idx);
	while (k > order) {	/* split, keeping the lower half */
		k--;
		free_add(b, idx + (1u << k), k);
	}
	make_run(b, idx, order, npages, owner);
	b->allocs++;
	*pa = addr_of(b, idx);
	return 0;
}

int buddy_alloc_pages(struct sv_buddy *b, uint64_t npages, hpa_t *pa)
{
	return buddy_alloc_owned(b, npages, BUDDY_OWNER_NONE, pa);
}

int buddy_alloc(struct sv_buddy *b, unsigned order, hpa_t *pa)
{
	if (order > BUDDY_MAX_ORDER)
		return -SV_ERANGE;
	return buddy_alloc_owned(b, 1ull << order, BUDDY_OWNER_NONE, pa);
}

/* Index of the first frame of the run that holds frame idx's block h. */
static uint32_t run_head(const struct sv_buddy *b, uint32_t h)
{
	return b->frames[h].state == BUDDY_FRAME_ALLOC_CONT ? b->frames[h].next : h;
}

int buddy_free_owned(struct sv_buddy *b, hpa_t pa, uint64_t npages,
		     unsigned owner)
{
	const struct buddy_frame *f;
	unsigned long long at = pa.v;
	uint64_t n, off = 0;
	uint32_t idx, h;

	if (pa.v & PAGE_MASK)
		return refuse(b, -SV_EINVAL, "free of %#llx: not page-aligned", at);
	if (!buddy_contains(b, pa))
		return refuse(b, -SV_EFAULT, "free of %#llx: outside the zone", at);
	idx = (uint32_t)((pa.v >> SV_PAGE_SHIFT) - b->base_pfn);
	f = &b->frames[idx];
	switch (f->state) {
	case BUDDY_FRAME_ABSENT:
		return refuse(b, -SV_EFAULT,
			      "free of %#llx: not memory the allocator manages",
			      at);
	case BUDDY_FRAME_FREE:
		return refuse(b, -SV_ENOENT,
			      "free of %#llx: not allocated (double free?)", at);
	case BUDDY_FRAME_INNER:
		h = block_of(b, idx);
		if (h == NIL)
			return refuse(b, -SV_ECORRUPT,
				      "free of %#llx: frame table corrupt", at);
		if (b->frames[h].state == BUDDY_FRAME_FREE)
			return refuse(b, -SV_ENOENT,
				      "free of %#llx: inside a free block", at);
		return refuse(b, -SV_EINVAL,
			      "free of %#llx: inside the allocation at %#llx",
			      at, (unsigned long long)addr_of(b, run_head(b, h)).v);
	case BUDDY_FRAME_ALLOC_CONT:
		return refuse(b, -SV_EINVAL,
			      "free of %#llx: inside the allocation at %#llx",
			      at, (unsigned long long)addr_of(b, f->next).v);
	default:
		break;
	}
	if (f->owner != owner)
		return refuse(b, -SV_EPERM,
			      "free of %#llx: owned by %u, freed as owner %u",
			      at, f->owner, owner);
	if (f->next != npages)
		return refuse(b, -SV_ERANGE,
			      "free of %#llx: allocated as %u pages, freed as %llu",
			      at, f->next, (unsigned long long)npages);

	/* Act: the run's blocks, largest first, as make_run laid them out. */
	n = f->next;
	for (unsigned k = BUDDY_MAX_ORDER + 1; k-- > 0;) {
		if (!(n & (1ull << k)))
			continue;
		free_block(b, (uint32_t)(idx + off), k);
		off += 1ull << k;
	}
	b->frees++;
	return 0;
}

int buddy_free_pages(struct sv_buddy *b, hpa_t pa, uint64_t npages)
{
	return buddy_free_owned(b, pa, npages, BUDDY_OWNER_NONE);
}

int buddy_free(struct sv_buddy *b, hpa_t pa, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return refuse(b, -SV_ERANGE, "free of %#llx: order %u too big",
			      (unsigned long long)pa.v, order);
	return buddy_free_owned(b, pa, 1ull << order, BUDDY_OWNER_NONE);
}

int buddy_find(const struct sv_buddy *b, hpa_t pa, hpa_t *head,
	       uint64_t *npages, unsigned *owner)
{
	uint32_t idx, h;

	if (!buddy_contains(b, pa))
		return -SV_EFAULT;
	idx = (uint32_t)((pa.v >> SV_PAGE_SHIFT) - b->base_pfn);
	switch (b->frames[idx].state) {
	case BUDDY_FRAME_ABSENT:
		return -SV_EFAULT;
	case BUDDY_FRAME_INNER:
		h = block_of(b, idx);
		if (h == NIL)
			return -SV_ECORRUPT;
		break;
	default:
		h = idx;
		break;
	}
	if (b->frames[h].state == BUDDY_FRAME_FREE)
		return -SV_ENOENT;
	h = run_head(b, h);
	if (head)
		*head = addr_of(b, h);
	if (npages)
		*npages = b->frames[h].next;
	if (owner)
		*owner = b->frames[h].owner;
	return 0;
}

void buddy_stats(const struct sv_buddy *b, struct buddy_stats *st)
{
	sv_memset(st, 0, sizeof(*st));
	st->managed_pages = b->managed_pages;
	st->free_pages = b->free_pages;
	st->used_pages = b->managed_pages - b->free_pages;
	st->largest_free_pages =
		b->nonempty ? 1ull << floor_log2(b->nonempty) : 0;
	for (unsigned k = 0; k < BUDDY_NR_ORDERS; k++)
		st->free_blocks[k] = b->free_blocks[k];
	st->allocs = b->allocs;
	st->frees = b->frees;
	st->failed_allocs = b->failed_allocs;
	st->bad_frees = b->bad_frees;
	st->last_error = b->last_error;
	st->last_error_msg = b->last_error_msg;
}

/* ---- Consistency check ---------------------------------------------------- */

SV_PRINTF(3, 4)
static int corrupt(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		sv_vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -SV_ECORRUPT;
}

/* The blocks after a run's first one: CONT heads pointing back at it. */
static int check_run(const struct sv_buddy *b, uint32_t idx, char *why,
		     size_t len)
{
	const struct buddy_frame *f = &b->frames[idx];
	uint64_t n = f->next, off = 1ull << f->order;

	if (n == 0 || n > BUDDY_MAX_PAGES || floor_log2(n) != f->order)
		return corrupt(why, len, "run at %u: %llu pages in an order-%u "
			       "first block", idx, (unsigned long long)n,
			       f->order);
	for (unsigned k = f->order; k-- > 0;) {
		const struct buddy_frame *c;

		if (!(n & (1ull << k)))
			continue;
		if (idx + off >= b->nframes)
			return corrupt(why, len, "run at %u leaves the zone", idx);
		c = &b->frames[idx + off];
		if (c->state != BUDDY_FRAME_ALLOC_CONT || c->order != k ||
		    c->next != idx || c->owner != f->owner)
			return corrupt(why, len, "run at %u: block %llu wrong",
				       idx, (unsigned long long)(idx + off));
		off += 1ull << k;
	}
	return 0;
}

/*
 * Each order's bitmap: every set bit a free head of that order, as many as
 * the table walk counted, and every summary bit saying whether the word
 * below is non-zero (no stray bits past the end of a level either).
 */
static int check_freemaps(const struct sv_buddy *b, const uint64_t *blocks,
			  char *why, size_t len)
{
	for (unsigned k = 0; k < BUDDY_NR_ORDERS; k++) {
		const struct buddy_freemap *m = &b->free[k];
		uint64_t count = 0, nbits = m->nblocks;

		for (unsigned l = 0; l < m->nlevels; l++) {
			uint64_t nwords = (nbits + 63) / 64;

			for (uint64_t w = 0; w < nwords; w++) {
				uint64_t word = m->level[l][w];

				if (w == nwords - 1 && nbits % 64 &&
				    word >> (nbits % 64))
					return corrupt(why, len, "order %u level "
						       "%u: bits past the end",
						       k, l);
				if (l > 0)
					continue;
				for (; word; word &= word - 1) {
					uint64_t j = w * 64 + ctz64(word);
					uint32_t idx = bit_block(b, j, k);
					const struct buddy_frame *f =
						&b->frames[idx];

					if (pfn_of(b, idx) < b->base_pfn ||
					    idx >= b->nframes ||
					    f->state != BUDDY_FRAME_FREE ||
					    f->order != k)
						return corrupt(why, len, "order "
							       "%u: bit %llu is "
							       "no free block",
							       k, (unsigned long long)j);
					count++;
				}
			}
			if (l + 1 < m->nlevels)
				for (uint64_t w = 0; w < nwords; w++) {
					bool up = m->level[l + 1][w / 64] >>
						  (w % 64) & 1;

					if (up != (m->level[l][w] != 0))
						return corrupt(why, len, "order "
							       "%u level %u: "
							       "summary of word "
							       "%llu wrong", k,
							       l + 1,
							       (unsigned long long)w);
				}
			nbits = nwords;
		}
		if (count != blocks[k] || count != b->free_blocks[k] ||
		    !!(b->nonempty & SV_BIT(k)) != (count != 0))
			return corrupt(why, len, "order %u: %llu free blocks in "
				       "the bitmap, %llu in the table, %llu "
				       "counted", k, (unsigned long long)count,
				       (unsigned long long)blocks[k],
				       (unsigned long long)b->free_blocks[k]);
	}
	return 0;
}

int buddy_check(const struct sv_buddy *b, char *why, size_t len)
{
	uint64_t blocks[BUDDY_NR_ORDERS] = { 0 }, free_pages = 0, absent = 0;
	int err;

	for (uint64_t i = 0; i < b->nframes;) {
		const struct buddy_frame *f = &b->frames[i];
		uint64_t size;
		uint32_t bud;

		if (f->state == BUDDY_FRAME_ABSENT) {
			absent++;
			i++;
			continue;
		}
		if (f->state == BUDDY_FRAME_INNER || f->state > BUDDY_FRAME_ALLOC_CONT)
			return corrupt(why, len, "frame %llu: state %u where a "
				       "block should start",
				       (unsigned long long)i, f->state);
		size = 1ull << f->order;
		if (f->order > BUDDY_MAX_ORDER || (pfn_of(b, i) & (size - 1)) ||
		    size > b->nframes - i)
			return corrupt(why, len, "block at %llu: order %u "
				       "misaligned or past the zone",
				       (unsigned long long)i, f->order);
		for (uint64_t j = 1; j < size; j++)
			if (b->frames[i + j].state != BUDDY_FRAME_INNER)
				return corrupt(why, len, "block at %llu: frame "
					       "%llu is not inner",
					       (unsigned long long)i,
					       (unsigned long long)(i + j));
		if (f->state == BUDDY_FRAME_FREE) {
			blocks[f->order]++;
			free_pages += size;
			if (f->order < BUDDY_MAX_ORDER &&
			    buddy_index(b, (uint32_t)i, f->order, &bud) &&
			    b->frames[bud].state == BUDDY_FRAME_FREE &&
			    b->frames[bud].order == f->order)
				return corrupt(why, len, "free buddies %llu and "
					       "%u not merged",
					       (unsigned long long)i, bud);
		} else if (f->state == BUDDY_FRAME_ALLOC) {
			err = check_run(b, (uint32_t)i, why, len);
			if (err)
				return err;
		} else if (f->next >= i ||
			   b->frames[f->next].state != BUDDY_FRAME_ALLOC) {
			return corrupt(why, len, "block at %llu: its run's "
				       "first block %u is not allocated",
				       (unsigned long long)i, f->next);
		}
		i += size;
	}
	err = check_freemaps(b, blocks, why, len);
	if (err)
		return err;
	if (free_pages != b->free_pages || b->nframes - absent != b->managed_pages)
		return corrupt(why, len, "counters: %llu free (table %llu), "
			       "%llu managed (table %llu)",
			       (unsigned long long)b->free_pages,
			       (unsigned long long)free_pages,
			       (unsigned long long)b->managed_pages,
			       (unsigned long long)(b->nframes - absent));
	return 0;
}
