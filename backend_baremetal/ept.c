/*
 * EPT tables (ept.h): 4 KiB leaves under a 4-level tree whose table pages
 * come from the host page allocator (VA == PA in the kernel's direct map).
 */
#include "ept.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/types.h"

#define EPT_ENTRIES	512
#define EPT_LEVELS	4
#define EPT_MT_WB	(6ull << EPT_MT_SHIFT)

static unsigned index_at(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

int ept_init(struct ept *e)
{
	hpa_t pa;

	e->pml4 = host_pages_alloc(1, &pa);
	if (!e->pml4)
		return -SV_ENOMEM;
	e->pml4_pa = pa.v;
	e->table_pages = 1;
	return 0;
}

static void free_level(uint64_t *table, unsigned level)
{
	for (unsigned i = 0; level > 1 && i < EPT_ENTRIES; i++)
		if (table[i] & EPT_RWX)
			free_level((uint64_t *)(uintptr_t)(table[i] & EPT_ADDR_MASK),
				   level - 1);
	host_pages_free(table, 1);
}

void ept_destroy(struct ept *e)
{
	if (e->pml4)
		free_level(e->pml4, EPT_LEVELS);
	e->pml4 = NULL;
	e->table_pages = 0;
}

/* The leaf table (level 1) covering gpa, made on the way down. */
static uint64_t *leaf_table(struct ept *e, uint64_t gpa)
{
	uint64_t *t = e->pml4;

	for (unsigned level = EPT_LEVELS; level > 1; level--) {
		uint64_t *entry = &t[index_at(gpa, level)];

		if (!(*entry & EPT_RWX)) {
			hpa_t pa;
			void *page = host_pages_alloc(1, &pa);

			if (!page)
				return NULL;
			e->table_pages++;
			*entry = pa.v | EPT_RWX;
		}
		t = (uint64_t *)(uintptr_t)(*entry & EPT_ADDR_MASK);
	}
	return t;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    uint64_t perm)
{
	if ((gpa | hpa | size) & (SV_PAGE_SIZE - 1) || !(perm & EPT_RWX) ||
	    (perm & ~EPT_RWX) || gpa + size < gpa)
		return -SV_EINVAL;
	for (uint64_t off = 0; off < size; off += SV_PAGE_SIZE) {
		uint64_t *t = leaf_table(e, gpa + off);
		uint64_t *entry;

		if (!t)
			return -SV_ENOMEM;
		entry = &t[index_at(gpa + off, 1)];
		if (*entry & EPT_RWX)
			return -SV_EEXIST;
		*entry = (hpa + off) | perm | EPT_MT_WB;
	}
	return 0;
}

uint64_t ept_pointer(const struct ept *e)
{
	return e->pml4_pa | EPTP_WALK_4 | EPTP_MT_WB;
}
