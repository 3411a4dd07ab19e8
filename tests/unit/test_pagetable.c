/*
 * Tests of the kernel's page-table code (backend_baremetal/pagetable.c),
 * run on Linux over fake table pages: page-size choice, large pages,
 * splitting on partial unmap, freeing of empty tables, the TLB flush list,
 * argument checks and out-of-memory behaviour. The fake pages are heap
 * pages whose address stands in for the physical one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pagetable.h"
#include "sv/errno.h"
#include "sv_test.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define PA_BITS 52
#define HIGH_VA 0xffffffff80000000ull

static long live_pages;		/* table pages handed out, not freed */
static long allocs_left = -1;	/* fail the allocation after this many; -1: never */

void *pt_page_alloc(uint64_t *pa)
{
	void *p;

	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	p = aligned_alloc(PT_SIZE_4K, PT_SIZE_4K);
	if (!p)
		return NULL;
	memset(p, 0, PT_SIZE_4K);
	*pa = (uint64_t)(uintptr_t)p;
	live_pages++;
	return p;
}

void pt_page_free(void *va, uint64_t pa)
{
	CU_ASSERT_EQUAL((uint64_t)(uintptr_t)va, pa);
	free(va);
	live_pages--;
}

void *pt_page_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static void setup(struct pagetable *pt, bool huge_1g, bool nx)
{
	live_pages = 0;
	allocs_left = -1;
	SV_CHECK_EQ_I64(pt_init(pt, huge_1g, nx, PA_BITS), 0);
}

static void teardown(struct pagetable *pt)
{
	pt_destroy(pt);
	SV_CHECK_EQ_I64(live_pages, 0);
}

/* va must be mapped to pa with a page of the given size. */
static void expect_map(const struct pagetable *pt, uint64_t va, uint64_t pa,
		       uint64_t page_size)
{
	struct pt_mapping m;

	if (!pt_lookup(pt, va, &m)) {
		SV_TEST_FAIL_(__FILE__, __LINE__, "0x%" PRIx64 " not mapped", va);
		return;
	}
	SV_CHECK_EQ_U64(m.pa, pa);
	SV_CHECK_EQ_U64(m.page_size, page_size);
}

static void expect_unmapped(const struct pagetable *pt, uint64_t va)
{
	struct pt_mapping m;

	SV_CHECK(!pt_lookup(pt, va, &m));
}

static bool flushed(const struct pt_flush *fl, uint64_t va)
{
	if (fl->all)
		return true;
	for (unsigned i = 0; i < fl->count; i++)
		if (fl->va[i] == (va & ~(PT_SIZE_4K - 1)))
			return true;
	return false;
}

static void test_page_size_choice(void)
{
	struct pagetable pt = { .huge_1g = true };

	SV_CHECK_EQ_U64(pt_page_size_for(&pt, GiB, 2 * GiB, GiB), PT_SIZE_1G);
	SV_CHECK_EQ_U64(pt_page_size_for(&pt, GiB, 2 * GiB, GiB - 4 * KiB),
			PT_SIZE_2M);
	SV_CHECK_EQ_U64(pt_page_size_for(&pt, GiB, 2 * GiB + 2 * MiB, GiB),
			PT_SIZE_2M);
	SV_CHECK_EQ_U64(pt_page_size_for(&pt, 2 * MiB, 4 * KiB, 4 * MiB),
			PT_SIZE_4K);
	SV_CHECK_EQ_U64(pt_page_size_for(&pt, 2 * MiB, 4 * MiB, 2 * MiB - 1),
			PT_SIZE_4K);
	pt.huge_1g = false;	/* e.g. Bochs' Core 2 models */
	SV_CHECK_EQ_U64(pt_page_size_for(&pt, GiB, 2 * GiB, GiB), PT_SIZE_2M);
}

static void test_map_1g(void)
{
	struct pagetable pt;

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 4 * GiB, GiB, 2 * GiB, PTE_W | PTE_NX), 0);
	expect_map(&pt, 4 * GiB, GiB, PT_SIZE_1G);
	expect_map(&pt, 5 * GiB + 12345, 2 * GiB + 12345, PT_SIZE_1G);
	expect_unmapped(&pt, 6 * GiB);
	expect_unmapped(&pt, 4 * GiB - 1);
	SV_CHECK_EQ_U64(pt.table_pages, 2);	/* PML4 and one PDPT */
	SV_CHECK_EQ_I64(live_pages, 2);
	teardown(&pt);
}

static void test_map_without_1g(void)
{
	struct pagetable pt;

	setup(&pt, false, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 4 * GiB, GiB, GiB, PTE_W), 0);
	expect_map(&pt, 4 * GiB + 3 * MiB, GiB + 3 * MiB, PT_SIZE_2M);
	SV_CHECK_EQ_U64(pt.table_pages, 3);	/* PML4, PDPT, one directory */
	teardown(&pt);
}

/* A range that is not large-aligned at its ends gets 4 KiB pages there. */
static void test_map_mixed_sizes(void)
{
	struct pagetable pt;
	uint64_t va = HIGH_VA + 2 * MiB - 8 * KiB;

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, va, 0x200000 - 8 * KiB, 2 * MiB + 12 * KiB,
			       0), 0);
	expect_map(&pt, va, 0x200000 - 8 * KiB, PT_SIZE_4K);
	expect_map(&pt, va + 4 * KiB, 0x200000 - 4 * KiB, PT_SIZE_4K);
	expect_map(&pt, va + 8 * KiB, 0x200000, PT_SIZE_2M);
	expect_map(&pt, va + 8 * KiB + 2 * MiB, 0x400000, PT_SIZE_4K);
	expect_unmapped(&pt, va + 12 * KiB + 2 * MiB);
	expect_unmapped(&pt, va - 4 * KiB);
	teardown(&pt);
}

static void test_flags(void)
{
	struct pagetable pt;
	struct pt_mapping m;

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, GiB, 0, 4 * KiB,
			       PTE_W | PTE_PCD | PTE_PWT | PTE_NX), 0);
	SV_CHECK(pt_lookup(&pt, GiB, &m));
	SV_CHECK_EQ_U64(m.flags, PTE_W | PTE_PCD | PTE_PWT | PTE_NX);
	teardown(&pt);

	setup(&pt, true, false);	/* no NX: the bit must not be set */
	SV_CHECK_EQ_I64(pt_map(&pt, GiB, 0, 4 * KiB, PTE_W | PTE_NX), 0);
	SV_CHECK(pt_lookup(&pt, GiB, &m));
	SV_CHECK_EQ_U64(m.flags, PTE_W);
	teardown(&pt);
}

/* Unmapping a 4 KiB page inside a 1 GiB page splits it twice. */
static void test_split_1g(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };
	struct pt_mapping m;
	uint64_t hole = 4 * GiB + 10 * MiB + 20 * KiB;

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 4 * GiB, 0, GiB, PTE_W | PTE_NX), 0);
	SV_CHECK_EQ_I64(pt_unmap(&pt, hole, 4 * KiB, &fl), 0);
	expect_unmapped(&pt, hole);
	expect_map(&pt, hole - 4 * KiB, 10 * MiB + 16 * KiB, PT_SIZE_4K);
	expect_map(&pt, hole + 4 * KiB, 10 * MiB + 24 * KiB, PT_SIZE_4K);
	expect_map(&pt, 4 * GiB + 8 * MiB, 8 * MiB, PT_SIZE_2M);
	expect_map(&pt, 4 * GiB + 12 * MiB, 12 * MiB, PT_SIZE_2M);
	expect_map(&pt, 5 * GiB - 4 * KiB, GiB - 4 * KiB, PT_SIZE_2M);
	SV_CHECK(pt_lookup(&pt, hole + 4 * KiB, &m));
	SV_CHECK_EQ_U64(m.flags, PTE_W | PTE_NX);	/* attributes kept */
	SV_CHECK(flushed(&fl, hole));
	SV_CHECK_EQ_U64(pt.table_pages, 4);	/* PML4, PDPT, PD, PT */

	/* Unmapping the rest frees every table but the root. */
	fl = (struct pt_flush){ 0 };
	SV_CHECK_EQ_I64(pt_unmap(&pt, 4 * GiB, GiB, &fl), 0);
	SV_CHECK(!pt_any_mapped(&pt, 4 * GiB, GiB));
	SV_CHECK_EQ_U64(pt.table_pages, 1);
	SV_CHECK(fl.all);	/* 511 large pages: too many to list */
	teardown(&pt);
}

/* A 2 MiB piece out of a 1 GiB page: one split, no page table. */
static void test_split_2m_piece(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, GiB, PTE_W), 0);
	SV_CHECK_EQ_I64(pt_unmap(&pt, 6 * MiB, 2 * MiB, &fl), 0);
	expect_unmapped(&pt, 6 * MiB);
	expect_unmapped(&pt, 8 * MiB - 4 * KiB);
	expect_map(&pt, 4 * MiB, 4 * MiB, PT_SIZE_2M);
	expect_map(&pt, 8 * MiB, 8 * MiB, PT_SIZE_2M);
	SV_CHECK_EQ_U64(pt.table_pages, 3);
	SV_CHECK(!fl.all);
	SV_CHECK(flushed(&fl, 6 * MiB));
	teardown(&pt);
}

/* Holes inside the range are skipped; tables empty afterwards are freed. */
static void test_unmap_with_holes(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, HIGH_VA, 0x100000, 40 * KiB, PTE_W), 0);
	SV_CHECK_EQ_I64(pt_map(&pt, HIGH_VA + 100 * KiB, 0x200000, 8 * KiB, 0),
			0);
	SV_CHECK_EQ_U64(pt.table_pages, 4);
	SV_CHECK_EQ_I64(pt_unmap(&pt, HIGH_VA, 2 * MiB, &fl), 0);
	SV_CHECK(!pt_any_mapped(&pt, HIGH_VA, 2 * MiB));
	SV_CHECK_EQ_U64(pt.table_pages, 1);
	/* 12 pages, and one address for the three freed tables (an INVLPG
	 * drops every paging-structure cache entry) */
	SV_CHECK(!fl.all);
	SV_CHECK_EQ_U64(fl.count, 13);
	SV_CHECK(flushed(&fl, HIGH_VA + 104 * KiB));
	/* Unmapping nothing at all is fine too. */
	fl = (struct pt_flush){ 0 };
	SV_CHECK_EQ_I64(pt_unmap(&pt, HIGH_VA, 2 * MiB, &fl), 0);
	SV_CHECK_EQ_U64(fl.count, 0);
	teardown(&pt);
}

static void test_flush_list(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };

	setup(&pt, false, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 2 * MiB, 2 * MiB, 2 * MiB, PTE_W), 0);
	SV_CHECK_EQ_I64(pt_unmap(&pt, 2 * MiB + 8 * KiB, 12 * KiB, &fl), 0);
	SV_CHECK(!fl.all);
	SV_CHECK_EQ_U64(fl.count, 3);	/* split at the first page, then 3 pages */
	SV_CHECK(flushed(&fl, 2 * MiB + 8 * KiB));
	SV_CHECK(flushed(&fl, 2 * MiB + 12 * KiB));
	SV_CHECK(flushed(&fl, 2 * MiB + 16 * KiB));
	teardown(&pt);
}

static void test_overlap_refused(void)
{
	struct pagetable pt;

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 2 * MiB, 0, 2 * MiB, PTE_W), 0);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, 8 * MiB, PTE_W), -SV_EEXIST);
	SV_CHECK_EQ_I64(pt_map(&pt, 4 * MiB - 4 * KiB, 0, 4 * KiB, 0),
			-SV_EEXIST);
	expect_unmapped(&pt, 0);	/* nothing of the refused range */
	expect_unmapped(&pt, 4 * MiB);
	expect_map(&pt, 2 * MiB, 0, PT_SIZE_2M);
	teardown(&pt);
}

static void test_bad_arguments(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };

	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, 1, 0, 4 * KiB, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 1, 4 * KiB, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, 100, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, 0, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(pt_map(&pt, 0x0000800000000000ull, 0, 4 * KiB, 0),
			-SV_EINVAL);	/* non-canonical */
	SV_CHECK_EQ_I64(pt_map(&pt, 0x00007ffffffff000ull, 0, 8 * KiB, 0),
			-SV_EINVAL);	/* runs off the lower half */
	SV_CHECK_EQ_I64(pt_map(&pt, 0xfffffffffffff000ull, 0, 8 * KiB, 0),
			-SV_EINVAL);	/* wraps */
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, 4 * KiB, PTE_U), -SV_EINVAL);
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 1ull << PA_BITS, 4 * KiB, 0),
			-SV_EINVAL);	/* beyond MAXPHYADDR */
	SV_CHECK_EQ_I64(pt_unmap(&pt, 0, 6 * KiB, &fl), -SV_EINVAL);
	SV_CHECK_EQ_U64(pt.table_pages, 1);
	/* The very last page of the address space is a valid range. */
	SV_CHECK_EQ_I64(pt_map(&pt, 0xfffffffffffff000ull, 0, 4 * KiB, 0), 0);
	expect_map(&pt, 0xffffffffffffffffull, 0xfff, PT_SIZE_4K);
	teardown(&pt);
	SV_CHECK_EQ_I64(pt_init(&pt, true, true, 20), -SV_EINVAL);
}

static void test_out_of_memory(void)
{
	struct pagetable pt;
	struct pt_flush fl = { 0 };

	/* The second directory of a 2-directory range cannot be had. */
	setup(&pt, false, true);
	allocs_left = 2;	/* PDPT and the first directory */
	SV_CHECK_EQ_I64(pt_map(&pt, 0, 0, 2 * GiB, PTE_W), -SV_ENOMEM);
	SV_CHECK(!pt_any_mapped(&pt, 0, 2 * GiB));
	allocs_left = -1;
	teardown(&pt);

	/* A split that cannot get its table leaves the page mapped. */
	setup(&pt, true, true);
	SV_CHECK_EQ_I64(pt_map(&pt, GiB, 0, GiB, PTE_W), 0);
	allocs_left = 0;
	SV_CHECK_EQ_I64(pt_unmap(&pt, GiB + 4 * KiB, 4 * KiB, &fl), -SV_ENOMEM);
	expect_map(&pt, GiB + 4 * KiB, 4 * KiB, PT_SIZE_1G);
	allocs_left = -1;
	teardown(&pt);
}

CU_TestInfo sv_tests_pagetable[] = {
	{ "page size for a piece", test_page_size_choice },
	{ "1 GiB pages", test_map_1g },
	{ "2 MiB pages without 1 GiB support", test_map_without_1g },
	{ "mixed page sizes at unaligned ends", test_map_mixed_sizes },
	{ "attributes and NX", test_flags },
	{ "4 KiB hole splits a 1 GiB page", test_split_1g },
	{ "2 MiB hole in a 1 GiB page", test_split_2m_piece },
	{ "unmap across holes frees empty tables", test_unmap_with_holes },
	{ "TLB flush list", test_flush_list },
	{ "overlapping map refused unchanged", test_overlap_refused },
	{ "bad arguments", test_bad_arguments },
	{ "out of memory", test_out_of_memory },
	CU_TEST_INFO_NULL,
};
