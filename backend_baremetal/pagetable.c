/*
 * 4-level page tables as a data structure: map, unmap (splitting large
 * pages), look up. See pagetable.h for the contract; paging.c makes the
 * kernel's address space of it, and tests/unit/test_pagetable.c runs it on
 * Linux. Levels are numbered as in the SDM's table names: 4 = PML4,
 * 3 = PDPT (1 GiB leaves), 2 = page directory (2 MiB leaves), 1 = page
 * table (4 KiB leaves).
 */
#include "pagetable.h"

#include "sv/errno.h"

#define LEVEL_PDPT 3
#define LEVEL_PD   2
#define LEVEL_PT   1
#define PT_PAGE_SHIFT 12		/* 4 KiB */
#define PT_INDEX_BITS 9			/* 512 entries per table */
#define PT_INDEX_MASK (PT_ENTRIES - 1)
#define PT_PAGE_MASK  (PT_SIZE_4K - 1)
#define PA_BITS_MIN 32
#define PA_BITS_MAX 52
/* Entry of a table that points at a lower table: the leaf decides access. */
#define PTE_TABLE (PTE_P | PTE_W)

_Static_assert(1u << PT_INDEX_BITS == PT_ENTRIES, "table size");
_Static_assert(1ull << PT_PAGE_SHIFT == PT_SIZE_4K, "page size");

static unsigned level_shift(unsigned level)
{
	return PT_PAGE_SHIFT + PT_INDEX_BITS * (level - 1);
}

/* Bytes one entry of a table at this level covers. */
static uint64_t level_size(unsigned level)
{
	return 1ull << level_shift(level);
}

static unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> level_shift(level)) & PT_INDEX_MASK;
}

static bool is_present(uint64_t e)
{
	return (e & PTE_P) != 0;
}

/* A present entry that maps a page rather than pointing at a table. */
static bool is_leaf(uint64_t e, unsigned level)
{
	return level == LEVEL_PT || (e & PTE_PS);
}

static uint64_t *table_of(uint64_t e)
{
	return pt_page_virt(e & PTE_ADDR_MASK);
}

static uint64_t *table_alloc(struct pagetable *pt, uint64_t *pa)
{
	uint64_t *t = pt_page_alloc(pa);

	if (t)
		pt->table_pages++;
	return t;
}

static void table_free(struct pagetable *pt, uint64_t *t, uint64_t pa)
{
	pt_page_free(t, pa);
	pt->table_pages--;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

static bool canonical(uint64_t va)
{
	return va < PT_CANONICAL_LOW_END || va >= PT_CANONICAL_HIGH;
}

/* A non-empty, page-aligned range within one canonical half. */
static bool range_ok(uint64_t va, uint64_t size)
{
	uint64_t last = va + size - 1;

	if (!size || (va | size) & PT_PAGE_MASK || last < va)
		return false;
	if (!canonical(va) || !canonical(last))
		return false;
	return (va < PT_CANONICAL_LOW_END) == (last < PT_CANONICAL_LOW_END);
}

static void flush_add(struct pt_flush *fl, uint64_t va)
{
	va &= ~PT_PAGE_MASK;
	if (fl->all || (fl->count && fl->va[fl->count - 1] == va))
		return;
	if (fl->count == PT_FLUSH_MAX) {
		fl->all = true;
		return;
	}
	fl->va[fl->count++] = va;
}

int pt_init(struct pagetable *pt, bool huge_1g, bool nx, unsigned pa_bits)
{
	if (pa_bits < PA_BITS_MIN || pa_bits > PA_BITS_MAX)
		return -SV_EINVAL;
	pt->table_pages = 0;
	pt->huge_1g = huge_1g;
	pt->nx = nx ? PTE_NX : 0;
	pt->pa_limit = 1ull << pa_bits;
	pt->root = table_alloc(pt, &pt->root_pa);
	return pt->root ? 0 : -SV_ENOMEM;
}

static void destroy_level(struct pagetable *pt, uint64_t *t, unsigned level)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];

		if (!is_present(e) || is_leaf(e, level))
			continue;
		destroy_level(pt, table_of(e), level - 1);
		table_free(pt, table_of(e), e & PTE_ADDR_MASK);
	}
}

void pt_destroy(struct pagetable *pt)
{
	destroy_level(pt, pt->root, PT_MAX_LEVEL);
	table_free(pt, pt->root, pt->root_pa);
	pt->root = NULL;
}

/*
 * The entry that decides va: descend from the root and stop at the first
 * entry that is absent or a leaf. *level receives its level.
 */
static uint64_t *walk(const struct pagetable *pt, uint64_t va, unsigned *level)
{
	uint64_t *t = pt->root;
	unsigned l;

	for (l = PT_MAX_LEVEL;; l--) {
		uint64_t *e = &t[pt_index(va, l)];

		if (!is_present(*e) || is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		t = table_of(*e);
	}
}

bool pt_lookup(const struct pagetable *pt, uint64_t va, struct pt_mapping *m)
{
	unsigned l;
	uint64_t e = *walk(pt, va, &l), size = level_size(l);

	if (!is_present(e))
		return false;
	m->page_size = size;
	m->pa = (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1));
	m->flags = e & PT_MAP_FLAGS;
	return true;
}

bool pt_any_mapped(const struct pagetable *pt, uint64_t va, uint64_t size)
{
	while (size) {
		unsigned l;
		uint64_t e = *walk(pt, va, &l), lsz = level_size(l);
		uint64_t span = SV_MIN(lsz - (va & (lsz - 1)), size);

		if (is_present(e))
			return true;
		va += span;
		size -= span;
	}
	return false;
}

uint64_t pt_page_size_for(const struct pagetable *pt, uint64_t va, uint64_t pa,
			  uint64_t size)
{
	uint64_t both = va | pa;

	if (pt->huge_1g && !(both & (PT_SIZE_1G - 1)) && size >= PT_SIZE_1G)
		return PT_SIZE_1G;
	if (!(both & (PT_SIZE_2M - 1)) && size >= PT_SIZE_2M)
		return PT_SIZE_2M;
	return PT_SIZE_4K;
}

/*
 * The entry for va in the table at level target, creating the tables on
 * the way. NULL when a table page cannot be had (or, which pt_map rules
 * out beforehand, a leaf is in the way).
 */
static uint64_t *entry_create(struct pagetable *pt, uint64_t va,
			      unsigned target)
{
	uint64_t *t = pt->root;

	for (unsigned l = PT_MAX_LEVEL; l > target; l--) {
		uint64_t *e = &t[pt_index(va, l)];

		if (!is_present(*e)) {
			uint64_t pa;

			if (!table_alloc(pt, &pa))
				return NULL;
			*e = pa | PTE_TABLE;
		} else if (is_leaf(*e, l)) {
			return NULL;
		}
		t = table_of(*e);
	}
	return &t[pt_index(va, target)];
}

static int unmap_range(struct pagetable *pt, uint64_t va, uint64_t size,
		       struct pt_flush *fl);

static unsigned level_of_size(uint64_t size)
{
	return size == PT_SIZE_1G ? LEVEL_PDPT :
	       size == PT_SIZE_2M ? LEVEL_PD : LEVEL_PT;
}

int pt_map(struct pagetable *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags)
{
	uint64_t attrs, done = 0;

	if (!range_ok(va, size) || pa & PT_PAGE_MASK || flags & ~PT_MAP_FLAGS ||
	    size > pt->pa_limit || pa > pt->pa_limit - size)
		return -SV_EINVAL;
	if (pt_any_mapped(pt, va, size))
		return -SV_EEXIST;
	attrs = (flags & ~PTE_NX) | (flags & pt->nx) | PTE_P;
	while (done < size) {
		uint64_t psz = pt_page_size_for(pt, va + done, pa + done,
						size - done);
		unsigned l = level_of_size(psz);
		uint64_t *e = entry_create(pt, va + done, l);

		if (!e) {
			struct pt_flush fl = { 0 };

			if (done)	/* whole pages only: nothing to split */
				unmap_range(pt, va, done, &fl);
			return -SV_ENOMEM;
		}
		*e = (pa + done) | attrs | (l > LEVEL_PT ? PTE_PS : 0);
		done += psz;
	}
	return 0;
}

/*
 * Replace the large-page leaf *e at level by a table of pages one level
 * smaller that map the same memory with the same attributes.
 */
static int split(struct pagetable *pt, uint64_t *e, unsigned level)
{
	uint64_t pa, child = level_size(level - 1);
	uint64_t base = *e & PTE_ADDR_MASK, attrs = *e & ~PTE_ADDR_MASK;
	uint64_t *t = table_alloc(pt, &pa);

	if (!t)
		return -SV_ENOMEM;
	if (level - 1 == LEVEL_PT)
		attrs &= ~PTE_PS;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = (base + i * child) | attrs;
	*e = pa | PTE_TABLE;
	return 0;
}

/*
 * After the entry for va at level was dealt with, and next is the first
 * address past it still to do (or end is true): free each table on the
 * path that became empty once the range has left it. tables[l] is the
 * table at level l on va's path.
 */
static void prune(struct pagetable *pt, uint64_t *const *tables, unsigned level,
		  uint64_t va, uint64_t next, bool end, struct pt_flush *fl)
{
	for (unsigned l = level; l < PT_MAX_LEVEL; l++) {
		uint64_t *parent = &tables[l + 1][pt_index(va, l + 1)];

		/* Still inside this table's span: more of it may be unmapped. */
		if (!end && next & (level_size(l + 1) - 1))
			return;
		if (!table_empty(tables[l]))
			return;
		table_free(pt, tables[l], *parent & PTE_ADDR_MASK);
		*parent = 0;
		flush_add(fl, va);	/* paging-structure caches */
	}
}

static int unmap_range(struct pagetable *pt, uint64_t va, uint64_t size,
		       struct pt_flush *fl)
{
	uint64_t done = 0;

	while (done < size) {
		uint64_t cur = va + done, left = size - done;
		uint64_t *tables[PT_MAX_LEVEL + 1];
		unsigned l = PT_MAX_LEVEL;

		tables[l] = pt->root;
		for (;;) {
			uint64_t *e = &tables[l][pt_index(cur, l)];
			uint64_t lsz = level_size(l);
			uint64_t span = SV_MIN(lsz - (cur & (lsz - 1)), left);

			if (is_present(*e) && is_leaf(*e, l) && span < lsz) {
				/* The range covers part of a large page. */
				int err = split(pt, e, l);

				if (err)
					return err;
				flush_add(fl, cur);
			}
			if (!is_present(*e) || is_leaf(*e, l)) {
				if (is_present(*e)) {
					*e = 0;
					flush_add(fl, cur);
				}
				done += span;
				prune(pt, tables, l, cur, cur + span,
				      done == size, fl);
				break;
			}
			tables[l - 1] = table_of(*e);
			l--;
		}
	}
	return 0;
}

int pt_unmap(struct pagetable *pt, uint64_t va, uint64_t size,
	     struct pt_flush *fl)
{
	if (!range_ok(va, size))
		return -SV_EINVAL;
	return unmap_range(pt, va, size, fl);
}
