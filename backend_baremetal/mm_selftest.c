/*
 * Kernel self-test of the memory allocators on the machine's own memory
 * (the `selftest` command line; kselftest.h). The portable allocators are
 * unit-tested on Linux (tests/unit); this checks the kernel's instance of
 * them (kmem_kernel.h): the zone the memory map gave, the direct map that
 * reaches it, and the irq-safe wrappers the rest of the kernel uses.
 *
 *  - objects of every size class allocated, filled, checked for overlap
 *    and alignment, and freed;
 *  - a large physically contiguous block from host_pages_alloc() (64 MiB,
 *    or the largest free block on a smaller machine), zeroed, written at
 *    both ends through the direct map, and freed;
 *  - a double free, interior pointers and a free through the wrong call
 *    refused without harm, and counted;
 *  - free memory back where it started, and the allocator's invariants
 *    (kmem_check) holding.
 */
#include "kselftest.h"

#include "kmem_kernel.h"
#include "paging.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"

#define MM_OBJECTS		2048
#define MM_BIG_MAX		(64ull << 20)	/* 64 MiB when memory allows */
#define MM_BIG_MIN		(1ull << 20)	/* else the largest free block */
#define MM_BAD_OBJECT_SIZE	64
#define MM_BAD_RUN_PAGES	4
#define MM_BAD_FREES		4	/* refusals bad_frees() provokes */
#define MM_WHY_LEN		128
#define MIB_SHIFT		20
#define BIG_END_MARK		0x5a5aa5a5c3c33c3cull

static void *objects[MM_OBJECTS];

static int failed(const char *why)
{
	sv_printf("mm: FAILED (%s)\n", why);
	return -1;
}

static uint64_t free_pages(void)
{
	struct kmem_stats st;

	kmem_kernel_stats(&st);
	return st.pages.free_pages;
}

static uint64_t largest_free_bytes(void)
{
	struct kmem_stats st;

	kmem_kernel_stats(&st);
	return st.pages.largest_free_pages << SV_PAGE_SHIFT;
}

static size_t class_size(unsigned cls)
{
	return (size_t)KMEM_MIN_SMALL << cls;
}

/* Object i: class i % KMEM_NR_CLASSES, a size in the upper half of it. */
static size_t object_size(unsigned i)
{
	size_t cs = class_size(i % KMEM_NR_CLASSES);

	return cs - (i / KMEM_NR_CLASSES) % (cs / 2);
}

static uint8_t pattern(unsigned i, size_t j)
{
	return (uint8_t)(i * 31 + j * 7 + 1);
}

static const char *small_objects(void)
{
	struct kmem_stats before, after;
	const char *why = NULL;
	unsigned n;

	kmem_kernel_stats(&before);
	for (n = 0; n < MM_OBJECTS; n++) {
		uint8_t *p = kmalloc(object_size(n));

		if (!p) {
			why = "an object could not be allocated";
			break;
		}
		if ((uintptr_t)p % class_size(n % KMEM_NR_CLASSES)) {
			why = "an object is not aligned to its class";
			kfree(p);
			break;
		}
		for (size_t j = 0; j < object_size(n); j++)
			p[j] = pattern(n, j);
		objects[n] = p;
	}
	/* All live at once: a later object overlapping an earlier one shows. */
	for (unsigned i = 0; i < n && !why; i++)
		for (size_t j = 0; j < object_size(i); j++)
			if (((const uint8_t *)objects[i])[j] != pattern(i, j)) {
				why = "an object's contents changed";
				break;
			}
	kmem_kernel_stats(&after);
	for (unsigned c = 0; c < KMEM_NR_CLASSES && !why; c++)
		if (after.cls[c].allocs == before.cls[c].allocs)
			why = "a size class was not used";
	/* Free in another order than allocated: even ones, then odd ones. */
	for (unsigned start = 0; start < 2; start++)
		for (unsigned i = start; i < n; i += 2)
			if (kfree(objects[i]) && !why)
				why = "a live object's free was refused";
	return why;
}

static const char *big_block(uint64_t *size, uint64_t *where)
{
	/* A quarter of the QEMU tests' 256 MiB, the largest block of Bochs'. */
	uint64_t bytes = SV_MIN(MM_BIG_MAX, largest_free_bytes());
	size_t npages = bytes >> SV_PAGE_SHIFT;
	volatile uint64_t *first, *last;
	uint64_t run_pages = 0;
	hpa_t pa, head = { 0 };
	const char *why = NULL;
	unsigned long irq;
	void *va;

	*size = bytes;
	if (bytes < MM_BIG_MIN)
		return "no free block of 1 MiB";
	va = host_pages_alloc(npages, &pa);
	if (!va)
		return "no contiguous block of that size";
	*where = pa.v;
	first = va;
	last = (volatile uint64_t *)((uint8_t *)va + bytes) - 1;
	irq = host_irq_save();
	if (buddy_find(kernel_kmem()->pages, hpa(pa.v + bytes - 1), &head,
		       &run_pages, NULL))
		run_pages = 0;
	host_irq_restore(irq);
	if ((uintptr_t)va != pa.v || pa.v + bytes > paging_identity_end())
		why = "the block is not in the direct map at VA == PA";
	else if (head.v != pa.v || run_pages != npages)
		why = "the block is not one allocation";
	else if (*first || *last)
		why = "the block was not zeroed";
	if (!why) {
		*first = pa.v;
		*last = BIG_END_MARK;
		if (*first != pa.v || *last != BIG_END_MARK)
			why = "the block's ends do not keep what was written";
	}
	host_pages_free(va, npages);
	return why;
}

/*
 * Four bad frees, each of which must be refused and counted: a double
 * free, a pointer into an object, a pointer into a page run, and a page
 * run given to kfree().
 */
static const char *bad_frees(void)
{
	struct kmem_stats before, after;
	uint8_t *obj = kmalloc(MM_BAD_OBJECT_SIZE);
	uint8_t *gone = kmalloc(MM_BAD_OBJECT_SIZE);
	uint8_t *run = kmem_kernel_alloc_pages(MM_BAD_RUN_PAGES, NULL);
	const char *why = NULL;

	if (!obj || !gone || !run) {
		why = "cannot allocate what to free";
		goto out;
	}
	if (kfree(gone)) {
		why = "a live object's free was refused";
		gone = NULL;
		goto out;
	}
	kmem_kernel_stats(&before);
	if (kfree(gone) != -SV_ENOENT)
		why = "a double free was not refused as such";
	else if (kfree(obj + KMEM_MIN_SMALL) != -SV_EINVAL)
		why = "a pointer into an object was not refused";
	else if (kmem_kernel_free_pages(run + SV_PAGE_SIZE,
					MM_BAD_RUN_PAGES - 1) != -SV_EINVAL)
		why = "a pointer into a page run was not refused";
	else if (kfree(run) != -SV_EPERM)
		why = "a page run given to kfree was not refused";
	kmem_kernel_stats(&after);
	if (!why && after.bad_frees - before.bad_frees != MM_BAD_FREES)
		why = "the refused frees were not all counted";
	gone = NULL;
out:
	if (kfree(obj) && !why)
		why = "an object was lost after the refused frees";
	if (kfree(gone) && !why)
		why = "an object was lost after the refused frees";
	if (run && kmem_kernel_free_pages(run, MM_BAD_RUN_PAGES) && !why)
		why = "a page run was lost after the refused frees";
	return why;
}

int mm_selftest(void)
{
	char why_buf[MM_WHY_LEN];
	uint64_t start, size = 0, where = 0;
	const char *why;

	/* Cached empty slabs would make free memory a moving target. */
	kmem_kernel_shrink();
	start = free_pages();

	why = small_objects();
	if (why)
		return failed(why);
	sv_printf("mm: %u objects of %zu-%u bytes in %u size classes "
		  "allocated, checked and freed: ok\n", MM_OBJECTS,
		  class_size(0) / 2 + 1, KMEM_MAX_SMALL, KMEM_NR_CLASSES);

	why = big_block(&size, &where);
	if (why)
		return failed(why);
	sv_printf("mm: %lu MiB contiguous block at 0x%lx, zeroed, written at "
		  "both ends and freed: ok\n", (unsigned long)(size >> MIB_SHIFT),
		  (unsigned long)where);

	why = bad_frees();
	if (why)
		return failed(why);
	sv_printf("mm: double free, interior frees and a mismatched free "
		  "refused, %u counted: ok\n", MM_BAD_FREES);

	kmem_kernel_shrink();
	if (free_pages() != start)
		return failed("free memory did not come back");
	if (kmem_kernel_check(why_buf, sizeof(why_buf)))
		return failed(why_buf);
	sv_printf("mm: free memory back to %lu MiB, allocator consistent: ok\n",
		  (unsigned long)((start << SV_PAGE_SHIFT) >> MIB_SHIFT));
	return 0;
}
