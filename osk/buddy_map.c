/*
 * Building the buddy zone from the firmware memory map (sv/buddy.h,
 * struct buddy_layout). The bare-metal kernel turns the multiboot2 map into
 * struct buddy_region entries, lists what boot already uses (its image, the
 * modules, the boot information) as struct buddy_range, and calls
 * buddy_init_from_map(); the unit tests feed made-up maps.
 *
 * Everything here is one walk over the usable pages: for each usable region
 * (shrunk inward to whole pages), skip what any exclusion covers (unusable
 * regions, reserved ranges and the table, grown outward to whole pages;
 * the usable regions before it, so that overlapping entries are counted
 * once) and hand each remaining piece to a callback. Maps have a few dozen
 * entries, so the quadratic scan costs nothing and needs no memory.
 */
#include "sv/buddy.h"

#include "sv/errno.h"

#define PAGE_MASK (SV_PAGE_SIZE - 1)
/* Addresses past x86-64's 52-bit physical limit are clipped away. */
#define PHYS_LIMIT (1ull << 52)

struct map_walk {
	const struct buddy_region *map;
	size_t nmap;
	const struct buddy_range *rsv;
	size_t nrsv;
	uint64_t meta_s, meta_e;	/* the table, when in the zone */
	uint64_t lo, hi;		/* clip to [lo, hi) */
};

static uint64_t end_of(uint64_t base, uint64_t len)
{
	return len > PHYS_LIMIT - SV_MIN(base, PHYS_LIMIT) ? PHYS_LIMIT
							    : base + len;
}

static uint64_t page_up(uint64_t x)
{
	return SV_ALIGN_UP(SV_MIN(x, PHYS_LIMIT), SV_PAGE_SIZE);
}

static uint64_t page_down(uint64_t x)
{
	return SV_ALIGN_DOWN(SV_MIN(x, PHYS_LIMIT), SV_PAGE_SIZE);
}

/*
 * The k-th exclusion for usable region j, in bytes, page-aligned; false
 * past the last one. Empty ones come back as s == e.
 */
static bool exclusion(const struct map_walk *w, size_t j, size_t k,
		      uint64_t *s, uint64_t *e)
{
	*s = *e = 0;
	if (k < w->nmap) {
		const struct buddy_region *r = &w->map[k];

		if (!r->usable) {
			*s = page_down(r->base.v);
			*e = page_up(end_of(r->base.v, r->len));
		} else if (k < j) {
			*s = page_up(r->base.v);
			*e = page_down(end_of(r->base.v, r->len));
		}
		return true;
	}
	k -= w->nmap;
	if (k < w->nrsv) {
		*s = page_down(w->rsv[k].base.v);
		*e = page_up(end_of(w->rsv[k].base.v, w->rsv[k].len));
		return true;
	}
	if (k == w->nrsv) {
		*s = w->meta_s;
		*e = w->meta_e;
		return true;
	}
	return false;
}

/* Call fn(ctx, s, e) on each piece [s, e) of usable pages; stops on non-0. */
static int walk_usable(const struct map_walk *w,
		       int (*fn)(void *ctx, uint64_t s, uint64_t e), void *ctx)
{
	for (size_t j = 0; j < w->nmap; j++) {
		const struct buddy_region *r = &w->map[j];
		uint64_t p, e, xs, xe;

		if (!r->usable)
			continue;
		p = SV_MAX(page_up(r->base.v), SV_MAX(w->lo, SV_PAGE_SIZE));
		e = SV_MIN(page_down(end_of(r->base.v, r->len)), w->hi);
		while (p < e) {
			uint64_t q = e;
			bool moved = true;
			int err;

			while (moved) {	/* step over exclusions covering p */
				moved = false;
				for (size_t k = 0; exclusion(w, j, k, &xs, &xe); k++)
					if (xs <= p && p < xe) {
						p = xe;
						moved = true;
					}
			}
			if (p >= e)
				break;
			for (size_t k = 0; exclusion(w, j, k, &xs, &xe); k++)
				if (xs < xe && xs > p && xs < q)
					q = xs;
			err = fn(ctx, p, q);
			if (err)
				return err;
			p = q;
		}
	}
	return 0;
}

struct extent {
	uint64_t lo, hi, pages;		/* lowest, highest, how many */
	uint64_t want, fit;		/* the table: its size, where it fits */
};

static int measure(void *ctx, uint64_t s, uint64_t e)
{
	struct extent *x = ctx;

	x->lo = SV_MIN(x->lo, s);
	x->hi = SV_MAX(x->hi, e);
	x->pages += (e - s) >> SV_PAGE_SHIFT;
	if (x->want && e - s >= x->want && s < x->fit)
		x->fit = s;
	return 0;
}

int buddy_plan(const struct buddy_region *map, size_t nmap,
	       const struct buddy_range *rsv, size_t nrsv,
	       struct buddy_layout *out)
{
	struct map_walk w = { map, nmap, rsv, nrsv, 0, 0, 0, PHYS_LIMIT };
	struct extent x = { UINT64_MAX, 0, 0, 0, UINT64_MAX };
	uint64_t nframes, pages;
	int err;

	err = walk_usable(&w, measure, &x);
	if (err)
		return err;
	if (x.pages == 0)
		return -SV_ENOMEM;
	nframes = (x.hi - x.lo) >> SV_PAGE_SHIFT;
	if (nframes > BUDDY_MAX_FRAMES)
		return -SV_ERANGE;
	/* Second walk: the lowest piece that holds the table. */
	pages = x.pages;
	x.want = SV_ALIGN_UP(buddy_meta_size(nframes), SV_PAGE_SIZE);
	err = walk_usable(&w, measure, &x);
	if (err)
		return err;
	if (x.fit == UINT64_MAX)
		return -SV_ENOMEM;
	out->zone_base = hpa(x.lo);
	out->nframes = nframes;
	out->meta = hpa(x.fit);
	out->meta_len = x.want;
	out->usable_pages = pages - (x.want >> SV_PAGE_SHIFT);
	return 0;
}

static int check_absent(void *ctx, uint64_t s, uint64_t e)
{
	const struct sv_buddy *b = ctx;

	/* Absent frames answer -SV_EFAULT; anything else is already added. */
	for (uint64_t p = s; p < e; p += SV_PAGE_SIZE)
		if (buddy_find(b, hpa(p), NULL, NULL, NULL) != -SV_EFAULT)
			return -SV_EEXIST;
	return 0;
}

static int add_piece(void *ctx, uint64_t s, uint64_t e)
{
	return buddy_add_range(ctx, hpa(s), e - s);
}

int buddy_add_map(struct sv_buddy *b, const struct buddy_region *map,
		  size_t nmap, const struct buddy_range *rsv, size_t nrsv)
{
	struct map_walk w = { map, nmap, rsv, nrsv, 0, 0,
			      b->base_pfn << SV_PAGE_SHIFT,
			      (b->base_pfn + b->nframes) << SV_PAGE_SHIFT };
	int err;

	if (b->meta_len) {
		w.meta_s = page_down(b->meta_pa.v);
		w.meta_e = page_up(end_of(b->meta_pa.v, b->meta_len));
	}
	/* Decode, then act: a half-added map would be hard to undo. */
	err = walk_usable(&w, check_absent, b);
	if (err)
		return err;
	return walk_usable(&w, add_piece, b);
}

int buddy_init_from_map(struct sv_buddy *b, const struct buddy_region *map,
			size_t nmap, const struct buddy_range *rsv, size_t nrsv,
			uintptr_t virt_offset, struct buddy_layout *layout)
{
	struct buddy_layout l;
	void *meta;
	int err;

	err = buddy_plan(map, nmap, rsv, nrsv, &l);
	if (err)
		return err;
	meta = (void *)(uintptr_t)(l.meta.v + virt_offset);
	err = buddy_init(b, l.zone_base, l.nframes, meta, l.meta_len);
	if (err)
		return err;
	b->meta_pa = l.meta;
	b->meta_len = l.meta_len;
	err = buddy_add_map(b, map, nmap, rsv, nrsv);
	if (err)
		return err;
	if (layout)
		*layout = l;
	return 0;
}
