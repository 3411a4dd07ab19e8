/*
 * Tests for the kernel's physical memory (osk/buddy.c, osk/buddy_map.c,
 * osk/slab.c, osk/kmalloc.c): the buddy page allocator and the
 * small-block allocator behind kmem_alloc/kmem_free.
 *
 * The zones are made-up physical ranges (hpa well away from anything real)
 * backed by an mmap'd arena at virtual address arena + (pa - base), the
 * linear mapping kmem expects. The big-block tests reserve 1 GiB with
 * MAP_NORESERVE and touch only a few pages of it: the buddy allocator
 * never touches the memory it manages, only its frame table.
 *
 * Random sequences (fixed seeds, tens of thousands of operations) run
 * against a model: a shadow owner map catches any two live blocks that
 * overlap at the moment the second is handed out, every byte of a live
 * block carries its block's pattern until it is freed, and the statistics
 * are compared with the model's sums as they go. Refused frees are checked
 * to change nothing: the frame table, the allocator structs and the slab
 * concerned are compared byte for byte before and after.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/buddy.h"
#include "sv/errno.h"
#include "sv/kmem.h"
#include "sv_test.h"

#define PAGE SV_PAGE_SIZE
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- Helpers ------------------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

static uint64_t rng(void)	/* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

#define SV_CHECK_OK(expr) SV_CHECK_EQ_I64((expr), 0)

/* A zone of len bytes at physical base, backed by an arena. */
struct zone {
	uint8_t *mem;		/* the arena; NULL for a table-only zone */
	size_t len;
	uint64_t base;
	struct sv_buddy b;
	struct buddy_frame *meta;
	struct sv_kmem km;
};

static bool zone_open(struct zone *z, uint64_t base, uint64_t len,
		      bool backed)
{
	uint64_t n = len / PAGE;

	memset(z, 0, sizeof(*z));
	z->base = base;
	z->len = len;
	if (backed) {
		z->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
		if (z->mem == MAP_FAILED) {
			z->mem = NULL;
			SV_TEST_FAIL_(__FILE__, __LINE__, "mmap of %llu bytes",
				      (unsigned long long)len);
			return false;
		}
	}
	z->meta = malloc(buddy_meta_size(n));
	if (!z->meta)
		return false;
	if (buddy_init(&z->b, hpa(base), n, z->meta, buddy_meta_size(n)) ||
	    buddy_add_range(&z->b, hpa(base), len))
		return false;
	if (backed && kmem_init(&z->km, &z->b,
				(uintptr_t)z->mem - (uintptr_t)base))
		return false;
	return true;
}

static void zone_close(struct zone *z)
{
	if (z->mem)
		munmap(z->mem, z->len);
	free(z->meta);
	z->mem = NULL;
	z->meta = NULL;
}

static uint8_t *va_of(struct zone *z, hpa_t pa)
{
	return z->mem + (pa.v - z->base);
}

static void check_buddy_ok(const struct sv_buddy *b, int line)
{
	char why[160] = "";

	if (buddy_check(b, why, sizeof(why)))
		SV_TEST_FAIL_(__FILE__, line, "buddy_check: %s", why);
	else
		CU_PASS("buddy_check");
}

static void check_kmem_ok(const struct sv_kmem *km, int line)
{
	char why[160] = "";

	if (kmem_check(km, why, sizeof(why)))
		SV_TEST_FAIL_(__FILE__, line, "kmem_check: %s", why);
	else
		CU_PASS("kmem_check");
}

#define CHECK_BUDDY(b) check_buddy_ok((b), __LINE__)
#define CHECK_KMEM(km) check_kmem_ok((km), __LINE__)

/* Free-block counts per order, the shape of the free memory. */
static bool same_free_shape(const struct sv_buddy *x, const uint64_t *blocks)
{
	return !memcmp(x->free_blocks, blocks, sizeof(x->free_blocks));
}

static uint64_t largest_free(const struct sv_buddy *b)
{
	struct buddy_stats st;

	buddy_stats(b, &st);
	return st.largest_free_pages;
}

/* ---- Buddy: basics ------------------------------------------------------- */

static void test_buddy_split_merge(void)
{
	struct zone z;
	hpa_t a, c, d;
	struct buddy_stats st;

	/* 1024 pages at an aligned base: a single order-10 block. */
	if (!zone_open(&z, 0x100000000ull, 1024 * PAGE, false))
		goto out;
	CHECK_BUDDY(&z.b);
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.managed_pages, 1024);
	SV_CHECK_EQ_U64(st.free_pages, 1024);
	SV_CHECK_EQ_U64(st.largest_free_pages, 1024);
	SV_CHECK_EQ_U64(st.free_blocks[10], 1);

	/* One page splits the block down: one free block of each order 0-9. */
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &a));
	SV_CHECK_EQ_U64(a.v, 0x100000000ull);
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.free_pages, 1023);
	SV_CHECK_EQ_U64(st.used_pages, 1);
	SV_CHECK_EQ_U64(st.largest_free_pages, 512);
	for (unsigned k = 0; k < 10; k++)
		SV_CHECK_EQ_U64(st.free_blocks[k], 1);
	SV_CHECK_EQ_U64(st.free_blocks[10], 0);

	/* The smallest fitting block is used: order 0 is the buddy of a. */
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &c));
	SV_CHECK_EQ_U64(c.v, a.v + PAGE);
	SV_CHECK_OK(buddy_alloc(&z.b, 3, &d));
	SV_CHECK_EQ_U64(d.v % (8 * PAGE), 0);
	CHECK_BUDDY(&z.b);

	/* Freeing the two pages merges them with their free buddies of
	 * orders 1 and 2, up to d, the allocated buddy of order 3. */
	SV_CHECK_OK(buddy_free(&z.b, c, 0));
	SV_CHECK_OK(buddy_free(&z.b, a, 0));
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.free_blocks[0], 0);
	SV_CHECK_EQ_U64(st.free_blocks[1], 0);
	SV_CHECK_EQ_U64(st.free_blocks[2], 0);
	SV_CHECK_EQ_U64(st.free_blocks[3], 1);
	SV_CHECK_OK(buddy_free(&z.b, d, 3));
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.free_blocks[10], 1);
	SV_CHECK_EQ_U64(st.largest_free_pages, 1024);
	SV_CHECK_EQ_U64(st.allocs, 3);
	SV_CHECK_EQ_U64(st.frees, 3);
	SV_CHECK_EQ_U64(st.bad_frees, 0);
	SV_CHECK_STR_EQ(st.last_error_msg, "");
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
}

/* Blocks are aligned on physical addresses even when the zone is not. */
static void test_buddy_alignment(void)
{
	const uint64_t base = 0x1235000, len = 1000 * PAGE;
	const uint64_t blk = 8 * PAGE;
	uint64_t expect, n = 0;
	struct zone z;
	hpa_t pa;

	if (!zone_open(&z, base, len, false))
		goto out;
	CHECK_BUDDY(&z.b);
	expect = (SV_ALIGN_DOWN(base + len, blk) - SV_ALIGN_UP(base, blk)) / blk;
	while (buddy_alloc(&z.b, 3, &pa) == 0) {
		SV_CHECK_EQ_U64(pa.v % blk, 0);
		SV_CHECK(pa.v >= base && pa.v + blk <= base + len);
		n++;
	}
	SV_CHECK_EQ_U64(n, expect);
	SV_CHECK_EQ_U64(z.b.failed_allocs, 1);
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
}

/* Runs of n pages: exact size, tail given back, aligned to the power of 2. */
static void test_buddy_exact_runs(void)
{
	struct zone z;
	struct buddy_stats st;
	uint64_t shape[BUDDY_NR_ORDERS];
	hpa_t r5, r3, r1000;

	if (!zone_open(&z, 0x40000000, 2048 * PAGE, false))
		goto out;
	memcpy(shape, z.b.free_blocks, sizeof(shape));
	SV_CHECK_OK(buddy_alloc_pages(&z.b, 5, &r5));
	SV_CHECK_EQ_U64(r5.v % (8 * PAGE), 0);
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.used_pages, 5);
	SV_CHECK_OK(buddy_alloc_pages(&z.b, 3, &r3));
	SV_CHECK_EQ_U64(r3.v % (4 * PAGE), 0);
	SV_CHECK_OK(buddy_alloc_pages(&z.b, 1000, &r1000));
	SV_CHECK_EQ_U64(r1000.v % (1024 * PAGE), 0);
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.used_pages, 1008);
	SV_CHECK_EQ_U64(st.free_pages, 2048 - 1008);
	CHECK_BUDDY(&z.b);

	/* The allocator knows each run's length. */
	{
		uint64_t n;
		unsigned owner;
		hpa_t head;

		SV_CHECK_OK(buddy_find(&z.b, hpa(r1000.v + 999 * PAGE + 5),
				       &head, &n, &owner));
		SV_CHECK_EQ_U64(head.v, r1000.v);
		SV_CHECK_EQ_U64(n, 1000);
		SV_CHECK_EQ_U64(owner, BUDDY_OWNER_NONE);
		SV_CHECK_EQ_I64(buddy_find(&z.b, hpa(r1000.v + 1000 * PAGE),
					   NULL, NULL, NULL), -SV_ENOENT);
	}
	SV_CHECK_OK(buddy_free_pages(&z.b, r3, 3));
	SV_CHECK_OK(buddy_free_pages(&z.b, r1000, 1000));
	SV_CHECK_OK(buddy_free_pages(&z.b, r5, 5));
	SV_CHECK(same_free_shape(&z.b, shape));
	CHECK_BUDDY(&z.b);

	/* Limits. */
	SV_CHECK_EQ_I64(buddy_alloc_pages(&z.b, 0, &r5), -SV_EINVAL);
	SV_CHECK_EQ_I64(buddy_alloc_pages(&z.b, BUDDY_MAX_PAGES + 1, &r5),
			-SV_ERANGE);
	SV_CHECK_EQ_I64(buddy_alloc(&z.b, BUDDY_MAX_ORDER + 1, &r5), -SV_ERANGE);
	SV_CHECK_EQ_I64(buddy_alloc_pages(&z.b, 2049, &r5), -SV_ENOMEM);
	SV_CHECK_EQ_U64(z.b.failed_allocs, 1);
out:
	zone_close(&z);
}

/* ---- Buddy: random sequences against a model ---------------------------- */

struct live_block {
	hpa_t pa;
	uint64_t npages;
	int order;		/* >= 0: from buddy_alloc(order); -1: pages */
	uint8_t pat;
};

static void fill(uint8_t *p, uint64_t len, uint8_t pat)
{
	memset(p, pat, len);
}

static bool holds(const uint8_t *p, uint64_t len, uint8_t pat)
{
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != pat)
			return false;
	return true;
}

static void buddy_random_run(uint64_t seed, uint64_t base, uint64_t npages,
			     unsigned ops)
{
	struct live_block *live = calloc(npages, sizeof(*live));
	uint8_t *owned = calloc(npages, 1);	/* model: page is live */
	uint64_t shape[BUDDY_NR_ORDERS], used = 0, fails = 0;
	size_t nlive = 0;
	struct zone z;
	bool ok = true;

	if (!live || !owned || !zone_open(&z, base, npages * PAGE, true))
		goto out;
	memcpy(shape, z.b.free_blocks, sizeof(shape));
	rng_seed(seed);
	for (unsigned op = 0; op < ops && ok; op++) {
		bool want_alloc = nlive == 0 ||
			rng_below(100) < (used * 10 < npages * 6 ? 55 : 35);

		if (want_alloc) {
			struct live_block l = { .order = -1 };
			uint64_t r = rng_below(100), first;
			int err;

			if (r < 60) {
				l.order = (int)rng_below(6);	/* 1-32 pages */
				l.npages = 1ull << l.order;
				err = buddy_alloc(&z.b, (unsigned)l.order, &l.pa);
			} else {
				l.npages = 1 + rng_below(r < 95 ? 40 : 300);
				err = buddy_alloc_pages(&z.b, l.npages, &l.pa);
			}
			if (err) {
				/* only when no free block is big enough */
				uint64_t need = 1;

				while (need < l.npages)
					need <<= 1;
				SV_CHECK_EQ_I64(err, -SV_ENOMEM);
				SV_CHECK(largest_free(&z.b) < need);
				fails++;
				continue;
			}
			first = (l.pa.v - base) / PAGE;
			if (l.pa.v % PAGE || l.pa.v < base ||
			    first + l.npages > npages) {
				SV_TEST_FAIL_(__FILE__, __LINE__, "op %u: block "
					      "%#llx outside the zone", op,
					      (unsigned long long)l.pa.v);
				ok = false;
				break;
			}
			for (uint64_t i = first; i < first + l.npages; i++)
				if (owned[i]) {
					SV_TEST_FAIL_(__FILE__, __LINE__, "op %u: "
						      "page %llu handed out twice",
						      op, (unsigned long long)i);
					ok = false;
				}
			memset(owned + first, 1, l.npages);
			l.pat = (uint8_t)(rng() | 1);
			fill(va_of(&z, l.pa), l.npages * PAGE, l.pat);
			live[nlive++] = l;
			used += l.npages;
		} else {
			size_t i = rng_below(nlive);
			struct live_block l = live[i];
			uint64_t first = (l.pa.v - base) / PAGE;
			int err;

			if (!holds(va_of(&z, l.pa), l.npages * PAGE, l.pat)) {
				SV_TEST_FAIL_(__FILE__, __LINE__, "op %u: block "
					      "%#llx lost its pattern", op,
					      (unsigned long long)l.pa.v);
				ok = false;
			}
			err = l.order >= 0
				? buddy_free(&z.b, l.pa, (unsigned)l.order)
				: buddy_free_pages(&z.b, l.pa, l.npages);
			SV_CHECK_OK(err);
			memset(owned + first, 0, l.npages);
			live[i] = live[--nlive];
			used -= l.npages;
		}
		if (op % 1000 == 999) {
			struct buddy_stats st;

			buddy_stats(&z.b, &st);
			SV_CHECK_EQ_U64(st.used_pages, used);
			SV_CHECK_EQ_U64(st.free_pages, npages - used);
			CHECK_BUDDY(&z.b);
		}
	}
	/* Memory got tight at times, and freeing everything restores it. */
	SV_CHECK(fails > 0);
	while (nlive > 0) {
		struct live_block l = live[--nlive];

		SV_CHECK(holds(va_of(&z, l.pa), l.npages * PAGE, l.pat));
		SV_CHECK_OK(l.order >= 0 ? buddy_free(&z.b, l.pa, (unsigned)l.order)
					 : buddy_free_pages(&z.b, l.pa, l.npages));
	}
	SV_CHECK_EQ_U64(z.b.free_pages, npages);
	SV_CHECK(same_free_shape(&z.b, shape));
	SV_CHECK_EQ_U64(z.b.bad_frees, 0);
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
	free(live);
	free(owned);
}

static void test_buddy_random(void)
{
	/* aligned base, then a base whose blocks cannot all merge */
	buddy_random_run(1, 0x40000000, 4096, 30000);
	buddy_random_run(2, 0x7fff3000, 3000, 30000);
}

/* ---- Buddy: coalescing and exhaustion ----------------------------------- */

static void test_buddy_exhaust_and_coalesce(void)
{
	const uint64_t n = 1536;	/* order-10 + order-9 blocks */
	uint64_t shape[BUDDY_NR_ORDERS], count = 0;
	hpa_t *pages = calloc(n + 1, sizeof(*pages));
	uint8_t *seen = calloc(n, 1);
	struct zone z;
	hpa_t pa;

	if (!pages || !seen || !zone_open(&z, 0x200000000ull, n * PAGE, false))
		goto out;
	memcpy(shape, z.b.free_blocks, sizeof(shape));
	SV_CHECK_EQ_U64(largest_free(&z.b), 1024);

	/* Every page once, then failure, with nothing broken. */
	while (count <= n && buddy_alloc(&z.b, 0, &pa) == 0) {
		uint64_t i = (pa.v - z.base) / PAGE;

		SV_CHECK(i < n && !seen[i]);
		if (i < n)
			seen[i] = 1;
		pages[count++] = pa;
	}
	SV_CHECK_EQ_U64(count, n);
	SV_CHECK_EQ_U64(z.b.free_pages, 0);
	SV_CHECK_EQ_U64(largest_free(&z.b), 0);
	SV_CHECK_EQ_I64(buddy_alloc(&z.b, 0, &pa), -SV_ENOMEM);
	SV_CHECK_EQ_I64(buddy_alloc_pages(&z.b, 3, &pa), -SV_ENOMEM);
	SV_CHECK_EQ_U64(z.b.failed_allocs, 3);
	CHECK_BUDDY(&z.b);

	/* Free in random order: everything merges back to the first shape. */
	rng_seed(7);
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng_below(i);
		hpa_t t = pages[i - 1];

		pages[i - 1] = pages[j];
		pages[j] = t;
	}
	for (uint64_t i = 0; i < n; i++) {
		SV_CHECK_OK(buddy_free(&z.b, pages[i], 0));
		if (i == n / 2)
			CHECK_BUDDY(&z.b);
	}
	SV_CHECK(same_free_shape(&z.b, shape));
	SV_CHECK_EQ_U64(largest_free(&z.b), 1024);
	SV_CHECK_EQ_U64(z.b.free_blocks[9], 1);
	CHECK_BUDDY(&z.b);

	/* Exhaust with order-4 blocks, free by address: same result. */
	count = 0;
	while (count <= n && buddy_alloc(&z.b, 4, &pa) == 0)
		pages[count++] = pa;
	SV_CHECK_EQ_U64(count, n / 16);
	for (uint64_t i = 0; i < count; i++)
		SV_CHECK_OK(buddy_free(&z.b, pages[i], 4));
	SV_CHECK(same_free_shape(&z.b, shape));
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
	free(pages);
	free(seen);
}

/* ---- Buddy: refused frees ----------------------------------------------- */

struct buddy_snapshot {
	struct sv_buddy b;
	struct buddy_frame *frames;
};

static void snap_take(struct buddy_snapshot *s, const struct sv_buddy *b)
{
	s->b = *b;
	s->frames = malloc(buddy_meta_size(b->nframes));
	if (s->frames)
		memcpy(s->frames, b->frames, buddy_meta_size(b->nframes));
}

/* Same state: table and struct, error counters and message aside. */
static bool snap_same(struct buddy_snapshot *s, const struct sv_buddy *b)
{
	struct sv_buddy now = *b;
	bool same;

	now.bad_frees = s->b.bad_frees;
	now.last_error = s->b.last_error;
	memcpy(now.last_error_msg, s->b.last_error_msg,
	       sizeof(now.last_error_msg));
	same = s->frames && !memcmp(&now, &s->b, sizeof(now)) &&
	       !memcmp(s->frames, b->frames, buddy_meta_size(b->nframes));
	free(s->frames);
	s->frames = NULL;
	return same;
}

/* Call must fail with err, count one bad free, name it, change nothing. */
#define CHECK_REFUSED(bp, call, err, words) \
	do { \
		struct buddy_snapshot snap_; \
		uint64_t bad_ = (bp)->bad_frees; \
		snap_take(&snap_, (bp)); \
		SV_CHECK_EQ_I64((call), (err)); \
		SV_CHECK_EQ_U64((bp)->bad_frees, bad_ + 1); \
		SV_CHECK_EQ_I64((bp)->last_error, (err)); \
		SV_CHECK(strstr((bp)->last_error_msg, (words)) != NULL); \
		SV_CHECK(snap_same(&snap_, (bp))); \
	} while (0)

static void test_buddy_invalid_free(void)
{
	struct zone z;
	hpa_t a, x, y, run3, c, slab, rsv;
	struct buddy_stats st;
	uint64_t base = 0x300000000ull;

	if (!zone_open(&z, base, 1024 * PAGE, false))
		goto out;
	/* x: 4 pages; y: the page right after it, a separate allocation */
	SV_CHECK_OK(buddy_alloc(&z.b, 2, &x));
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &y));
	SV_CHECK_EQ_U64(y.v, x.v + 4 * PAGE);
	SV_CHECK_OK(buddy_alloc(&z.b, 3, &a));
	SV_CHECK_OK(buddy_alloc_pages(&z.b, 3, &run3));
	SV_CHECK_OK(buddy_alloc_owned(&z.b, 1, BUDDY_OWNER_SLAB, &slab));
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &rsv));
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &c));
	SV_CHECK_OK(buddy_free(&z.b, rsv, 0));
	SV_CHECK_OK(buddy_reserve_range(&z.b, rsv, PAGE));
	SV_CHECK_OK(buddy_free(&z.b, c, 0));

	/* double free, and never-allocated pages, free heads and inside */
	CHECK_REFUSED(&z.b, buddy_free(&z.b, c, 0), -SV_ENOENT, "not allocated");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(base + 1000 * PAGE), 0),
		      -SV_ENOENT, "free");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(base + 513 * PAGE), 0),
		      -SV_ENOENT, "inside a free block");
	/* interior pointers: inside a block, inside a run's later block */
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(a.v + PAGE), 0), -SV_EINVAL,
		      "inside the allocation");
	CHECK_REFUSED(&z.b, buddy_free_pages(&z.b, hpa(run3.v + 2 * PAGE), 1),
		      -SV_EINVAL, "inside the allocation");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(a.v + 100), 0), -SV_EINVAL,
		      "not page-aligned");
	/* wrong sizes, including two neighbours freed as one run */
	CHECK_REFUSED(&z.b, buddy_free(&z.b, a, 2), -SV_ERANGE, "allocated as 8");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, a, 4), -SV_ERANGE, "freed as 16");
	CHECK_REFUSED(&z.b, buddy_free_pages(&z.b, run3, 4), -SV_ERANGE,
		      "allocated as 3");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, run3, 1), -SV_ERANGE,
		      "allocated as 3");
	CHECK_REFUSED(&z.b, buddy_free_pages(&z.b, x, 5), -SV_ERANGE,
		      "allocated as 4");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, a, BUDDY_MAX_ORDER + 1), -SV_ERANGE,
		      "too big");
	/* outside the zone, and a reserved frame inside it */
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(base - PAGE), 0), -SV_EFAULT,
		      "outside the zone");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, hpa(base + 1024 * PAGE), 0),
		      -SV_EFAULT, "outside the zone");
	CHECK_REFUSED(&z.b, buddy_free(&z.b, rsv, 0), -SV_EFAULT,
		      "not memory the allocator manages");
	/* another owner's block */
	CHECK_REFUSED(&z.b, buddy_free(&z.b, slab, 0), -SV_EPERM, "owned by 1");
	CHECK_REFUSED(&z.b, buddy_free_owned(&z.b, x, 4, BUDDY_OWNER_PAGES),
		      -SV_EPERM, "owned by 0");

	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.bad_frees, 17);
	SV_CHECK_EQ_I64(st.last_error, -SV_EPERM);
	CHECK_BUDDY(&z.b);

	/* The real frees still work, and the zone is whole again. */
	SV_CHECK_OK(buddy_free(&z.b, a, 3));
	SV_CHECK_OK(buddy_free_pages(&z.b, run3, 3));
	SV_CHECK_OK(buddy_free(&z.b, y, 0));
	SV_CHECK_OK(buddy_free(&z.b, x, 2));
	SV_CHECK_OK(buddy_free_owned(&z.b, slab, 1, BUDDY_OWNER_SLAB));
	SV_CHECK_OK(buddy_add_range(&z.b, rsv, PAGE));
	buddy_stats(&z.b, &st);
	SV_CHECK_EQ_U64(st.free_pages, 1024);
	SV_CHECK_EQ_U64(st.free_blocks[10], 1);
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
}

/* ---- Buddy: adding and reserving ranges --------------------------------- */

static void test_buddy_reserve(void)
{
	const uint64_t base = 0x10000000;
	struct buddy_snapshot snap;
	uint64_t count = 0;
	struct zone z;
	hpa_t pa;

	if (!zone_open(&z, base, 1024 * PAGE, false))
		goto out;
	/* [5 pages + 100, 9 pages) grows outward to pages 5-8 */
	SV_CHECK_OK(buddy_reserve_range(&z.b, hpa(base + 5 * PAGE + 100),
					4 * PAGE - 100));
	SV_CHECK_EQ_U64(z.b.managed_pages, 1020);
	SV_CHECK_EQ_U64(z.b.free_pages, 1020);
	CHECK_BUDDY(&z.b);
	/* again, overlapping, and partly outside the zone: no change */
	SV_CHECK_OK(buddy_reserve_range(&z.b, hpa(base + 6 * PAGE), PAGE));
	SV_CHECK_OK(buddy_reserve_range(&z.b, hpa(base - 8 * PAGE), 8 * PAGE));
	SV_CHECK_EQ_U64(z.b.managed_pages, 1020);

	while (buddy_alloc(&z.b, 0, &pa) == 0) {
		uint64_t i = (pa.v - base) / PAGE;

		SV_CHECK(i < 5 || i > 8);
		count++;
	}
	SV_CHECK_EQ_U64(count, 1020);

	/* An allocated page cannot be reserved, nor a present one added. */
	snap_take(&snap, &z.b);
	SV_CHECK_EQ_I64(buddy_reserve_range(&z.b, hpa(base + 90 * PAGE),
					    20 * PAGE), -SV_EBUSY);
	SV_CHECK(snap_same(&snap, &z.b));
	snap_take(&snap, &z.b);
	SV_CHECK_EQ_I64(buddy_add_range(&z.b, hpa(base + 4 * PAGE), 2 * PAGE),
			-SV_EEXIST);
	SV_CHECK_EQ_I64(buddy_add_range(&z.b, hpa(base + 1020 * PAGE),
					8 * PAGE), -SV_ERANGE);
	SV_CHECK(snap_same(&snap, &z.b));

	/* Free everything, then reserve a big range out of the merged zone. */
	for (uint64_t i = 0; i < 1024; i++)
		if (i < 5 || i > 8)
			SV_CHECK_OK(buddy_free(&z.b, hpa(base + i * PAGE), 0));
	CHECK_BUDDY(&z.b);
	SV_CHECK_OK(buddy_reserve_range(&z.b, hpa(base + 300 * PAGE),
					400 * PAGE));
	SV_CHECK_EQ_U64(z.b.managed_pages, 620);
	SV_CHECK_EQ_U64(z.b.free_pages, 620);
	CHECK_BUDDY(&z.b);
	/* Adding all the reserved pages back gives one block again. */
	SV_CHECK_OK(buddy_add_range(&z.b, hpa(base + 300 * PAGE), 400 * PAGE));
	SV_CHECK_OK(buddy_add_range(&z.b, hpa(base + 5 * PAGE), 4 * PAGE));
	SV_CHECK_EQ_U64(z.b.free_blocks[10], 1);
	SV_CHECK_EQ_U64(z.b.managed_pages, 1024);
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
}

/* ---- Buddy: big blocks and big zones ------------------------------------ */

static void test_buddy_big_zone(void)
{
	/* 8 GiB of frames, table only: two 4 GiB blocks, the largest order. */
	const uint64_t n = 2 * BUDDY_MAX_PAGES;
	struct zone z;
	hpa_t a, b, c;

	if (!zone_open(&z, 0x1000000000ull, n * PAGE, false))
		goto out;
	SV_CHECK_EQ_U64(z.b.free_blocks[BUDDY_MAX_ORDER], 2);
	SV_CHECK_EQ_U64(largest_free(&z.b), BUDDY_MAX_PAGES);
	SV_CHECK_OK(buddy_alloc(&z.b, BUDDY_MAX_ORDER, &a));
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &c));
	SV_CHECK_EQ_I64(buddy_alloc(&z.b, BUDDY_MAX_ORDER, &b), -SV_ENOMEM);
	SV_CHECK_OK(buddy_alloc(&z.b, BUDDY_MAX_ORDER - 1, &b));
	SV_CHECK_EQ_U64(b.v % (2 * GiB), 0);
	SV_CHECK_OK(buddy_free(&z.b, c, 0));
	SV_CHECK_OK(buddy_free(&z.b, b, BUDDY_MAX_ORDER - 1));
	SV_CHECK_OK(buddy_free(&z.b, a, BUDDY_MAX_ORDER));
	SV_CHECK_EQ_U64(z.b.free_blocks[BUDDY_MAX_ORDER], 2);
	CHECK_BUDDY(&z.b);
out:
	zone_close(&z);
}

/* 64 MiB and 512 MiB through kmem, in 1 GiB of reserved address space. */
static void test_kmem_big_blocks(void)
{
	struct kmem_stats st;
	struct zone z;
	uint8_t *b64, *b512, *b100;
	hpa_t p64, p512, p100;

	if (!zone_open(&z, 0x4000000000ull, GiB, true))
		goto out;
	SV_CHECK_EQ_U64(z.b.free_blocks[18], 1);	/* 1 GiB block */
	b64 = kmem_alloc_pages(&z.km, 64 * MiB / PAGE, &p64);
	b512 = kmem_alloc_pages(&z.km, 512 * MiB / PAGE, &p512);
	SV_CHECK(b64 && b512);
	if (!b64 || !b512)
		goto out;
	SV_CHECK_EQ_U64(p64.v % (64 * MiB), 0);
	SV_CHECK_EQ_U64(p512.v % (512 * MiB), 0);
	SV_CHECK(p64.v + 64 * MiB <= p512.v || p512.v + 512 * MiB <= p64.v);
	SV_CHECK(b512 == kmem_phys_to_virt(&z.km, p512));
	SV_CHECK_EQ_U64(kmem_virt_to_phys(&z.km, b64).v, p64.v);
	/* the ends of the blocks are memory (a few pages touched) */
	b64[0] = 1;
	b64[64 * MiB - 1] = 2;
	b512[0] = 3;
	b512[512 * MiB - 1] = 4;
	SV_CHECK(b64[0] == 1 && b64[64 * MiB - 1] == 2);
	SV_CHECK(b512[0] == 3 && b512[512 * MiB - 1] == 4);

	/* 448 MiB left: another 512 MiB fails, 256 MiB is the largest */
	SV_CHECK(kmem_alloc_pages(&z.km, 512 * MiB / PAGE, NULL) == NULL);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.pages.free_pages, 448 * MiB / PAGE);
	SV_CHECK_EQ_U64(st.pages.largest_free_pages, 256 * MiB / PAGE);
	SV_CHECK_EQ_U64(st.page_runs, 2);
	SV_CHECK_EQ_U64(st.page_pages, 576 * MiB / PAGE);
	SV_CHECK_EQ_U64(st.failed_allocs, 1);

	/* 100 MiB exactly: the trimmed tail stays free */
	b100 = kmem_alloc_pages(&z.km, 100 * MiB / PAGE, &p100);
	SV_CHECK(b100 != NULL);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.pages.free_pages, 348 * MiB / PAGE);
	SV_CHECK_OK(kmem_free_pages(&z.km, b100, 100 * MiB / PAGE));
	SV_CHECK_OK(kmem_free_pages(&z.km, b512, 512 * MiB / PAGE));
	SV_CHECK_OK(kmem_free_pages(&z.km, b64, 64 * MiB / PAGE));
	SV_CHECK_EQ_U64(z.b.free_blocks[18], 1);
	SV_CHECK_EQ_U64(largest_free(&z.b), GiB / PAGE);
	CHECK_KMEM(&z.km);
out:
	zone_close(&z);
}

/* ---- The memory map helper ---------------------------------------------- */

/* What sv/buddy.h promises, page by page, written out plainly. */
static bool page_allowed(uint64_t p, const struct buddy_region *map, size_t n,
			 const struct buddy_range *rsv, size_t nr,
			 const struct buddy_layout *l)
{
	bool in_usable = false;

	if (p == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = map[i].base.v, e = s + map[i].len;

		if (map[i].usable && s <= p && p + PAGE <= e)
			in_usable = true;
		if (!map[i].usable && s < p + PAGE && p < e)
			return false;
	}
	for (size_t i = 0; i < nr; i++)
		if (rsv[i].base.v < p + PAGE && p < rsv[i].base.v + rsv[i].len)
			return false;
	if (l->meta.v < p + PAGE && p < l->meta.v + l->meta_len)
		return false;
	return in_usable;
}

static void test_memory_map(void)
{
	/* A PC: low memory, the BIOS hole, RAM to 127 MiB, ACPI tables, the
	 * PCI hole, 128 MiB above 4 GiB with a bad spot, and an entry the
	 * firmware listed twice. */
	const struct buddy_region map[] = {
		{ { 0x0 }, 0x9fc00, true },
		{ { 0x9fc00 }, 0x400, false },
		{ { 0xf0000 }, 0x10000, false },
		{ { 0x100000 }, 0x7ee0000, true },
		{ { 0x7fe0000 }, 0x20000, false },
		{ { 0xfffc0000 }, 0x40000, false },
		{ { 0x100000000 }, 0x8000000, true },
		{ { 0x104000000 }, 0x800, false },
		{ { 0x100000000 }, 0x1000000, true },
	};
	/* kernel image, boot information, a module, early page tables */
	const struct buddy_range rsv[] = {
		{ { 0x100000 }, 0x2345a0 },
		{ { 0x10000 }, 0x8c0 },
		{ { 0x400800 }, 0x3000 },
		{ { 0x70000 }, 0x6000 },
	};
	const size_t nmap = SV_ARRAY_SIZE(map), nrsv = SV_ARRAY_SIZE(rsv);
	const uint64_t arena_len = 128 * MiB;	/* covers the table */
	uint64_t expect = 0, got = 0, bad = 0, span;
	struct buddy_layout plan, l;
	struct sv_buddy b;
	uint8_t *arena;
	hpa_t pa;

	arena = mmap(NULL, arena_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	SV_CHECK(arena != MAP_FAILED);
	if (arena == MAP_FAILED)
		return;
	SV_CHECK_OK(buddy_plan(map, nmap, rsv, nrsv, &plan));
	SV_CHECK_EQ_U64(plan.zone_base.v, 0x1000);	/* page 0 is never used */
	span = 0x108000000ull - 0x1000;
	SV_CHECK_EQ_U64(plan.nframes, span / PAGE);
	SV_CHECK_EQ_U64(plan.meta_len,
			SV_ALIGN_UP(buddy_meta_size(span / PAGE), PAGE));
	/* lowest room for 12 MiB: after the module, which ends at 0x403800 */
	SV_CHECK_EQ_U64(plan.meta.v, 0x404000);

	if (buddy_init_from_map(&b, map, nmap, rsv, nrsv, (uintptr_t)arena, &l))
		goto fail;
	SV_CHECK(!memcmp(&l, &plan, sizeof(l)));
	SV_CHECK(b.frames == (void *)(arena + plan.meta.v));
	CHECK_BUDDY(&b);
	for (uint64_t p = 0; p < 0x108000000ull; p += PAGE)
		expect += page_allowed(p, map, nmap, rsv, nrsv, &l);
	SV_CHECK_EQ_U64(l.usable_pages, expect);
	SV_CHECK_EQ_U64(b.managed_pages, expect);

	while (buddy_alloc(&b, 0, &pa) == 0) {
		got++;
		if (!page_allowed(pa.v, map, nmap, rsv, nrsv, &l) && bad++ == 0)
			SV_TEST_FAIL_(__FILE__, __LINE__, "page %#llx handed "
				      "out", (unsigned long long)pa.v);
	}
	SV_CHECK_EQ_U64(got, expect);
	SV_CHECK_EQ_U64(bad, 0);
	CHECK_BUDDY(&b);
	/* Adding the map a second time finds its pages present. */
	SV_CHECK_EQ_I64(buddy_add_map(&b, map, nmap, rsv, nrsv), -SV_EEXIST);

	/* Nothing usable, or no room for the table. */
	{
		const struct buddy_region none[] = { { { 0 }, 0x800, true },
						     { { 0x2000 }, 0x1000, false } };
		const struct buddy_region tiny[] = { { { 0x1000 }, 0x1000, true },
						     { { 0x40000000 }, 0x1000,
						       true } };

		SV_CHECK_EQ_I64(buddy_plan(none, 2, NULL, 0, &l), -SV_ENOMEM);
		SV_CHECK_EQ_I64(buddy_plan(tiny, 2, NULL, 0, &l), -SV_ENOMEM);
	}
	goto out;
fail:
	SV_TEST_FAIL_(__FILE__, __LINE__, "buddy_init_from_map failed");
out:
	munmap(arena, arena_len);
}

/* ---- kmem: size classes -------------------------------------------------- */

static void test_kmem_classes(void)
{
	static const uint32_t per_slab[KMEM_NR_CLASSES] = {
		500, 250, 125, 62, 31, 15, 7, 7, 7 };
	static const size_t sizes[] = { 1, 8, 9, 16, 17, 33, 64, 100, 128,
					255, 256, 257, 511, 513, 1024, 1025,
					2047, 2048 };
	void *p[SV_ARRAY_SIZE(sizes)], *l1, *l2, *z0;
	struct kmem_stats st;
	struct zone z;

	if (!zone_open(&z, 0x50000000, 256 * PAGE, true))
		goto out;
	kmem_stats(&z.km, &st);
	for (unsigned i = 0; i < KMEM_NR_CLASSES; i++) {
		SV_CHECK_EQ_U64(st.cls[i].size, 8u << i);
		SV_CHECK_EQ_U64(st.cls[i].per_slab, per_slab[i]);
	}
	for (size_t i = 0; i < SV_ARRAY_SIZE(sizes); i++) {
		size_t cls = 8;

		while (cls < sizes[i])
			cls <<= 1;
		p[i] = kmem_alloc(&z.km, sizes[i]);
		SV_CHECK(p[i] != NULL);
		/* aligned to its class */
		SV_CHECK_EQ_U64((uintptr_t)p[i] % cls, 0);
		memset(p[i], 0xa5, sizes[i]);
	}
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.cls[0].objects, 2);		/* 1, 8 */
	SV_CHECK_EQ_U64(st.cls[1].objects, 2);		/* 9, 16 */
	SV_CHECK_EQ_U64(st.cls[8].objects, 3);		/* 1025, 2047, 2048 */
	SV_CHECK_EQ_U64(st.cls[8].slabs, 1);
	SV_CHECK_EQ_U64(st.cls[8].slab_pages, 4);
	SV_CHECK_EQ_U64(st.large_blocks, 0);

	/* Above 2048 bytes: whole pages, exact count. */
	l1 = kmem_alloc(&z.km, 2049);
	l2 = kmem_alloc(&z.km, 3 * PAGE + 1);
	SV_CHECK(l1 && l2);
	SV_CHECK_EQ_U64((uintptr_t)l1 % PAGE, 0);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.large_blocks, 2);
	SV_CHECK_EQ_U64(st.large_pages, 5);
	SV_CHECK(kmem_alloc(&z.km, 0) == NULL);
	z0 = kmem_zalloc(&z.km, 40);
	SV_CHECK(z0 != NULL && holds(z0, 40, 0));
	CHECK_KMEM(&z.km);

	for (size_t i = 0; i < SV_ARRAY_SIZE(sizes); i++)
		SV_CHECK_OK(kmem_free(&z.km, p[i]));
	SV_CHECK_OK(kmem_free(&z.km, l1));
	SV_CHECK_OK(kmem_free(&z.km, l2));
	SV_CHECK_OK(kmem_free(&z.km, z0));
	SV_CHECK_OK(kmem_free(&z.km, NULL));
	/* each class keeps its empty slab until shrunk */
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.small_bytes, 0);
	SV_CHECK(st.slab_bytes > 0);
	kmem_shrink(&z.km);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.slab_bytes, 0);
	SV_CHECK_EQ_U64(st.pages.free_pages, 256);
	SV_CHECK_EQ_U64(st.pages.free_blocks[8], 1);
	SV_CHECK_EQ_U64(st.bad_frees, 0);
	CHECK_KMEM(&z.km);
out:
	zone_close(&z);
}

/* A tight alloc/free pair stays inside one slab, never reaching the buddy. */
static void test_kmem_slab_cache(void)
{
	struct kmem_stats st;
	struct zone z;
	void *objs[200];
	uint64_t allocs;

	if (!zone_open(&z, 0x50000000, 64 * PAGE, true))
		goto out;
	kmem_free(&z.km, kmem_alloc(&z.km, 32));
	allocs = z.b.allocs;
	for (int i = 0; i < 1000; i++) {
		void *p = kmem_alloc(&z.km, 32);

		SV_CHECK_OK(kmem_free(&z.km, p));
	}
	SV_CHECK_EQ_U64(z.b.allocs, allocs);

	/* Fill three 64-byte slabs (62 each) and empty them: one is kept. */
	for (int i = 0; i < 186; i++)
		objs[i] = kmem_alloc(&z.km, 64);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.cls[3].slabs, 3);
	SV_CHECK_EQ_U64(st.cls[3].objects, 186);
	CHECK_KMEM(&z.km);
	for (int i = 0; i < 186; i++)
		SV_CHECK_OK(kmem_free(&z.km, objs[i]));
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.cls[3].slabs, 1);
	SV_CHECK_EQ_U64(st.cls[3].objects, 0);
	CHECK_KMEM(&z.km);
	kmem_shrink(&z.km);
	SV_CHECK_EQ_U64(z.b.free_pages, 64);
out:
	zone_close(&z);
}

/* ---- kmem: random sequences against a model ----------------------------- */

enum obj_kind { OBJ_SMALL, OBJ_LARGE, OBJ_PAGES };

struct live_obj {
	uint8_t *p;
	size_t size;		/* requested bytes, or pages for OBJ_PAGES */
	size_t extent;		/* bytes the allocator set aside */
	enum obj_kind kind;
	uint32_t id;
};

/* Shadow owner per 8-byte granule: 0 free, else the live object's id. */
static bool shadow_claim(uint32_t *shadow, struct zone *z,
			 const struct live_obj *o, uint32_t want, uint32_t set)
{
	size_t g0 = (size_t)(o->p - z->mem) / 8, n = o->extent / 8;

	for (size_t g = g0; g < g0 + n; g++)
		if (shadow[g] != want)
			return false;
	for (size_t g = g0; g < g0 + n; g++)
		shadow[g] = set;
	return true;
}

static size_t extent_of(size_t size)
{
	size_t e = 8;

	if (size > KMEM_MAX_SMALL)
		return SV_ALIGN_UP(size, PAGE);
	while (e < size)
		e <<= 1;
	return e;
}

static void kmem_random_run(uint64_t seed, unsigned ops)
{
	const uint64_t npages = 8192;	/* 32 MiB */
	const size_t max_live = 6000;
	struct live_obj *live = calloc(max_live, sizeof(*live));
	uint32_t *shadow = calloc(npages * PAGE / 8, sizeof(*shadow));
	uint64_t cls_objs[KMEM_NR_CLASSES] = { 0 }, shape[BUDDY_NR_ORDERS];
	uint64_t large_blocks = 0, large_pages = 0, runs = 0, run_pages = 0;
	uint64_t fails = 0;
	size_t nlive = 0;
	uint32_t next_id = 1;
	struct kmem_stats st;
	struct zone z;

	if (!live || !shadow || !zone_open(&z, 0x80000000ull, npages * PAGE,
					   true))
		goto out;
	memcpy(shape, z.b.free_blocks, sizeof(shape));
	rng_seed(seed);
	for (unsigned op = 0; op < ops; op++) {
		bool want_alloc = nlive == 0 || (nlive < max_live &&
			rng_below(100) < (nlive < 2500 ? 60 : 45));

		if (want_alloc) {
			struct live_obj o = { .id = next_id++ };
			uint64_t r = rng_below(1000);

			if (r < 980) {
				o.size = r < 700 ? 1 + rng_below(256)
				       : r < 900 ? 257 + rng_below(1792)
				       : 2049 + rng_below(4 * PAGE);
				o.kind = o.size > KMEM_MAX_SMALL ? OBJ_LARGE
								 : OBJ_SMALL;
				o.extent = extent_of(o.size);
				o.p = kmem_alloc(&z.km, o.size);
			} else {
				o.size = 1 + rng_below(64);
				o.kind = OBJ_PAGES;
				o.extent = o.size * PAGE;
				o.p = kmem_alloc_pages(&z.km, o.size, NULL);
			}
			if (!o.p) {
				fails++;
				continue;
			}
			if (o.p < z.mem || o.p + o.extent > z.mem + z.len ||
			    !shadow_claim(shadow, &z, &o, 0, o.id)) {
				SV_TEST_FAIL_(__FILE__, __LINE__, "op %u: %zu "
					      "bytes at %p overlap a live "
					      "block or leave the zone", op,
					      o.size, (void *)o.p);
				break;
			}
			fill(o.p, o.kind == OBJ_PAGES ? o.extent : o.size,
			     (uint8_t)(o.id * 37 + 11));
			if (o.kind == OBJ_SMALL) {
				cls_objs[__builtin_ctzll(o.extent) - 3]++;
			} else if (o.kind == OBJ_LARGE) {
				large_blocks++;
				large_pages += o.extent / PAGE;
			} else {
				runs++;
				run_pages += o.size;
			}
			live[nlive++] = o;
		} else {
			size_t i = rng_below(nlive);
			struct live_obj o = live[i];

			if (!holds(o.p, o.kind == OBJ_PAGES ? o.extent : o.size,
				   (uint8_t)(o.id * 37 + 11)) ||
			    !shadow_claim(shadow, &z, &o, o.id, 0)) {
				SV_TEST_FAIL_(__FILE__, __LINE__, "op %u: object "
					      "%u at %p corrupted", op, o.id,
					      (void *)o.p);
				break;
			}
			if (o.kind == OBJ_PAGES) {
				SV_CHECK_OK(kmem_free_pages(&z.km, o.p, o.size));
				runs--;
				run_pages -= o.size;
			} else if (o.kind == OBJ_LARGE) {
				SV_CHECK_OK(kmem_free(&z.km, o.p));
				large_blocks--;
				large_pages -= o.extent / PAGE;
			} else {
				SV_CHECK_OK(kmem_free(&z.km, o.p));
				cls_objs[__builtin_ctzll(o.extent) - 3]--;
			}
			live[i] = live[--nlive];
		}
		if (op % 1000 == 999) {
			uint64_t slab_pages = 0;

			kmem_stats(&z.km, &st);
			for (unsigned c = 0; c < KMEM_NR_CLASSES; c++) {
				SV_CHECK_EQ_U64(st.cls[c].objects, cls_objs[c]);
				slab_pages += st.cls[c].slabs *
					      st.cls[c].slab_pages;
			}
			SV_CHECK_EQ_U64(st.large_blocks, large_blocks);
			SV_CHECK_EQ_U64(st.large_pages, large_pages);
			SV_CHECK_EQ_U64(st.page_runs, runs);
			SV_CHECK_EQ_U64(st.page_pages, run_pages);
			SV_CHECK_EQ_U64(st.pages.used_pages,
					slab_pages + large_pages + run_pages);
			SV_CHECK_EQ_U64(st.failed_allocs, fails);
			CHECK_KMEM(&z.km);
		}
	}
	while (nlive > 0) {
		struct live_obj o = live[--nlive];

		SV_CHECK(holds(o.p, o.kind == OBJ_PAGES ? o.extent : o.size,
			       (uint8_t)(o.id * 37 + 11)));
		SV_CHECK_OK(o.kind == OBJ_PAGES
				? kmem_free_pages(&z.km, o.p, o.size)
				: kmem_free(&z.km, o.p));
	}
	kmem_shrink(&z.km);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.pages.free_pages, npages);
	SV_CHECK(same_free_shape(&z.b, shape));
	SV_CHECK_EQ_U64(st.slab_bytes, 0);
	SV_CHECK_EQ_U64(st.bad_frees, 0);
	CHECK_KMEM(&z.km);
out:
	zone_close(&z);
	free(live);
	free(shadow);
}

static void test_kmem_random(void)
{
	kmem_random_run(11, 40000);
	kmem_random_run(12, 40000);
}

/* ---- kmem: exhaustion ---------------------------------------------------- */

static void test_kmem_exhaustion(void)
{
	const uint64_t npages = 64;
	void **objs = calloc(npages * 62 + 1, sizeof(*objs));
	uint64_t n = 0;
	struct kmem_stats st;
	struct zone z;
	void *run;

	if (!objs || !zone_open(&z, 0x60000000, npages * PAGE, true))
		goto out;
	while (n <= npages * 62 && (objs[n] = kmem_alloc(&z.km, 64)) != NULL)
		memset(objs[n++], 0x3c, 64);
	SV_CHECK_EQ_U64(n, npages * 62);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.failed_allocs, 1);
	SV_CHECK_EQ_U64(st.pages.free_pages, 0);
	SV_CHECK(kmem_alloc(&z.km, 5000) == NULL);
	SV_CHECK(kmem_alloc(&z.km, 8) == NULL);
	SV_CHECK(kmem_alloc_pages(&z.km, 1, NULL) == NULL);
	CHECK_KMEM(&z.km);

	for (uint64_t i = 0; i < n; i++) {
		SV_CHECK(holds(objs[i], 64, 0x3c));
		SV_CHECK_OK(kmem_free(&z.km, objs[i]));
	}
	/* One empty slab is kept ... */
	SV_CHECK_EQ_U64(z.b.free_pages, npages - 1);
	/* ... and given back when the buddy allocator needs it. */
	run = kmem_alloc_pages(&z.km, npages, NULL);
	SV_CHECK(run != NULL);
	kmem_stats(&z.km, &st);
	SV_CHECK_EQ_U64(st.slab_bytes, 0);
	SV_CHECK_EQ_U64(st.pages.free_pages, 0);
	SV_CHECK_OK(kmem_free_pages(&z.km, run, npages));
	SV_CHECK_EQ_U64(z.b.free_blocks[6], 1);
	CHECK_KMEM(&z.km);
out:
	zone_close(&z);
	free(objs);
}

/* ---- kmem: refused frees ------------------------------------------------- */

struct kmem_snapshot {
	struct sv_kmem km;
	struct buddy_snapshot bs;
	uint8_t slab[4 * PAGE];
	const uint8_t *slab_at;
};

static void ksnap_take(struct kmem_snapshot *s, const struct sv_kmem *km,
		       const void *slab)
{
	s->km = *km;
	snap_take(&s->bs, km->pages);
	s->slab_at = slab;
	memcpy(s->slab, slab, sizeof(s->slab));
}

static bool ksnap_same(struct kmem_snapshot *s, const struct sv_kmem *km)
{
	struct sv_kmem now = *km;

	now.bad_frees = s->km.bad_frees;
	now.last_error = s->km.last_error;
	memcpy(now.last_error_msg, s->km.last_error_msg,
	       sizeof(now.last_error_msg));
	return snap_same(&s->bs, km->pages) &&
	       !memcmp(&now, &s->km, sizeof(now)) &&
	       !memcmp(s->slab, s->slab_at, sizeof(s->slab));
}

#define CHECK_KREFUSED(kmp, slab, call, err, words) \
	do { \
		struct kmem_snapshot *ks_ = malloc(sizeof(*ks_)); \
		uint64_t bad_ = (kmp)->bad_frees; \
		if (!ks_) \
			break; \
		ksnap_take(ks_, (kmp), (slab)); \
		SV_CHECK_EQ_I64((call), (err)); \
		SV_CHECK_EQ_U64((kmp)->bad_frees, bad_ + 1); \
		SV_CHECK_EQ_I64((kmp)->last_error, (err)); \
		SV_CHECK(strstr((kmp)->last_error_msg, (words)) != NULL); \
		SV_CHECK(ksnap_same(ks_, (kmp))); \
		free(ks_); \
	} while (0)

static void test_kmem_invalid_free(void)
{
	uint8_t *o1, *o2, *o3, *big, *run, *slab, *freed;
	struct zone z;
	int local = 0;
	void *heap = malloc(16);
	hpa_t raw;

	if (!heap || !zone_open(&z, 0x70000000, 256 * PAGE, true))
		goto out;
	o1 = kmem_alloc(&z.km, 64);
	o2 = kmem_alloc(&z.km, 64);
	o3 = kmem_alloc(&z.km, 64);
	big = kmem_alloc(&z.km, 3 * PAGE);
	run = kmem_alloc_pages(&z.km, 5, NULL);
	SV_CHECK(o1 && o2 && o3 && big && run);
	if (!o1 || !o2 || !o3 || !big || !run)
		goto out;
	slab = (uint8_t *)((uintptr_t)o1 & ~(uintptr_t)(PAGE - 1));
	SV_CHECK(o2 == o1 + 64 && o3 == o2 + 64);
	SV_CHECK_OK(kmem_free(&z.km, o2));
	SV_CHECK_OK(buddy_alloc(&z.b, 0, &raw));
	freed = kmem_alloc(&z.km, 3 * PAGE);
	SV_CHECK_OK(kmem_free(&z.km, freed));

	/* slab objects: double free, free slot, interior, header */
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, o2), -SV_ENOENT,
		       "not allocated");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, o3 + 64), -SV_ENOENT,
		       "not allocated");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, o1 + 1), -SV_EINVAL,
		       "not the start of an object");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, o1 + 32), -SV_EINVAL,
		       "not the start of an object");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, slab), -SV_EINVAL,
		       "not the start of an object");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, slab + 8), -SV_EINVAL,
		       "not the start of an object");
	/* large objects: interior; freed ones; never allocated pages */
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, big + PAGE), -SV_EINVAL,
		       "inside the object");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, big + 16), -SV_EINVAL,
		       "inside the object");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, freed), -SV_ENOENT,
		       "free page");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, z.mem + z.len - 64),
		       -SV_ENOENT, "free page");
	/* not this allocator's memory at all */
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, &local), -SV_EFAULT,
		       "not memory of this allocator");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, heap), -SV_EFAULT,
		       "not memory of this allocator");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, z.mem + z.len), -SV_EFAULT,
		       "not memory of this allocator");
	/* the wrong free function, or the wrong size */
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, run), -SV_EPERM,
		       "kmem_alloc_pages");
	CHECK_KREFUSED(&z.km, slab, kmem_free(&z.km, va_of(&z, raw)), -SV_EPERM,
		       "owner 0");
	CHECK_KREFUSED(&z.km, slab, kmem_free_pages(&z.km, big, 3), -SV_EPERM,
		       "not a page run");
	CHECK_KREFUSED(&z.km, slab, kmem_free_pages(&z.km, o1, 1), -SV_EPERM,
		       "a slab");
	CHECK_KREFUSED(&z.km, slab, kmem_free_pages(&z.km, run, 4), -SV_ERANGE,
		       "5 pages allocated, 4 freed");
	CHECK_KREFUSED(&z.km, slab, kmem_free_pages(&z.km, run, 8), -SV_ERANGE,
		       "5 pages allocated");
	CHECK_KREFUSED(&z.km, slab, kmem_free_pages(&z.km, run + PAGE, 4),
		       -SV_EINVAL, "inside the run");
	SV_CHECK_EQ_U64(z.km.bad_frees, 20);
	SV_CHECK_EQ_U64(z.b.bad_frees, 0);
	CHECK_KMEM(&z.km);

	/* the good frees still work */
	SV_CHECK_OK(kmem_free(&z.km, o1));
	SV_CHECK_OK(kmem_free(&z.km, o3));
	SV_CHECK_OK(kmem_free(&z.km, big));
	SV_CHECK_OK(kmem_free_pages(&z.km, run, 5));
	SV_CHECK_OK(buddy_free(&z.b, raw, 0));
	kmem_shrink(&z.km);
	SV_CHECK_EQ_U64(z.b.free_pages, 256);
	CHECK_KMEM(&z.km);
out:
	zone_close(&z);
	free(heap);
}

/* kmem refuses a mapping that would put a frame at NULL. */
static void test_kmem_init_checks(void)
{
	struct sv_buddy b;
	struct sv_kmem km;
	uint64_t meta[256];
	size_t len = buddy_meta_size(16);

	SV_CHECK(len <= sizeof(meta));
	SV_CHECK_OK(buddy_init(&b, hpa(0), 16, meta, len));
	SV_CHECK_OK(buddy_add_range(&b, hpa(0), 16 * PAGE));
	SV_CHECK_EQ_I64(kmem_init(&km, &b, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(kmem_init(&km, &b, 0x1234), -SV_EINVAL);
	SV_CHECK_OK(buddy_reserve_range(&b, hpa(0), 1));
	SV_CHECK_OK(kmem_init(&km, &b, 0));
	SV_CHECK_EQ_I64(buddy_init(&b, hpa(0x1001), 16, meta, len), -SV_EINVAL);
	SV_CHECK_EQ_I64(buddy_init(&b, hpa(0), 17, meta, len), -SV_EINVAL);
	SV_CHECK_EQ_I64(buddy_init(&b, hpa(0), 16, (char *)meta + 4, len),
			-SV_EINVAL);
}

CU_TestInfo sv_tests_mm[] = {
	{ "buddy: split and merge", test_buddy_split_merge },
	{ "buddy: blocks aligned in an unaligned zone", test_buddy_alignment },
	{ "buddy: exact runs of n pages", test_buddy_exact_runs },
	{ "buddy: random sequences against a model", test_buddy_random },
	{ "buddy: exhaustion, then coalescing", test_buddy_exhaust_and_coalesce },
	{ "buddy: invalid frees refused", test_buddy_invalid_free },
	{ "buddy: reserve and add ranges", test_buddy_reserve },
	{ "buddy: 8 GiB zone, 4 GiB blocks", test_buddy_big_zone },
	{ "buddy: zone from a memory map", test_memory_map },
	{ "kmem: 64 and 512 MiB blocks", test_kmem_big_blocks },
	{ "kmem: size classes", test_kmem_classes },
	{ "kmem: empty slab cache", test_kmem_slab_cache },
	{ "kmem: random sequences against a model", test_kmem_random },
	{ "kmem: exhaustion", test_kmem_exhaustion },
	{ "kmem: invalid frees refused", test_kmem_invalid_free },
	{ "kmem: init checks", test_kmem_init_checks },
	CU_TEST_INFO_NULL,
};
