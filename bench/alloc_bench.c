/*
 * The allocator benchmark (docs/benchmarks.md, section "alloc"): the
 * kernel's kmem allocator (osk/, the same code as on bare metal) against
 * glibc malloc on Linux, in one run, printing Markdown.
 *
 *   small objects  alloc/free pairs per second for 16-256 byte objects:
 *                  a tight pair loop, and a pattern with many live objects
 *   large blocks   time to allocate and free 64 MiB and 512 MiB:
 *                  kmem_alloc_pages against mmap/munmap and malloc/free
 *   fragmentation  largest free block after a mixed workload, in % of the
 *                  free memory
 *
 * kmem runs over a zone of made-up physical addresses backed by an
 * MAP_NORESERVE arena, as in the unit tests; its large blocks are never
 * touched, so they cost what they cost on bare metal, where the memory
 * exists already. mmap'd memory on Linux does not exist until touched: the
 * MAP_POPULATE column shows what getting the memory itself costs there.
 *
 * Each measurement is repeated (--reps) with kmem and glibc alternating,
 * and the median reported with the range. Both allocators are called
 * through the same noinline function pointers, so the compiler can neither
 * inline kmem nor pair glibc's malloc with its free and drop both.
 *
 *   alloc_bench [--reps N] [--pairs N] [--smoke]
 */
#define _GNU_SOURCE
#include <gnu/libc-version.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "sv/buddy.h"
#include "sv/kmem.h"

#define PAGE SV_PAGE_SIZE
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAX_REPS 64
#define NOINLINE __attribute__((noinline, noclone))

struct opts {
	unsigned reps;
	uint64_t pairs;		/* per small-object measurement */
	unsigned frag_ops;
	size_t live;		/* objects live in the many-live pattern */
	bool smoke;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "alloc_bench: %s\n", what);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct sample {
	double v[MAX_REPS];
	unsigned n;
};

static double median(struct sample *s)
{
	double t[MAX_REPS];

	memcpy(t, s->v, s->n * sizeof(double));
	qsort(t, s->n, sizeof(double), cmp_double);
	return s->n % 2 ? t[s->n / 2] : (t[s->n / 2 - 1] + t[s->n / 2]) / 2;
}

static double smin(const struct sample *s)
{
	double m = s->v[0];

	for (unsigned i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

static double smax(const struct sample *s)
{
	double m = s->v[0];

	for (unsigned i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}

static uint64_t rng_state;

static uint64_t rng(void)	/* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- A kmem zone over an arena ------------------------------------------ */

struct kzone {
	uint8_t *mem;
	size_t len;
	struct sv_buddy b;
	void *meta;
	struct sv_kmem km;
};

static void kzone_open(struct kzone *z, uint64_t base, size_t len)
{
	uint64_t n = len / PAGE;

	z->len = len;
	z->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	z->meta = malloc(buddy_meta_size(n));
	if (z->mem == MAP_FAILED || !z->meta ||
	    buddy_init(&z->b, hpa(base), n, z->meta, buddy_meta_size(n)) ||
	    buddy_add_range(&z->b, hpa(base), len) ||
	    kmem_init(&z->km, &z->b, (uintptr_t)z->mem - (uintptr_t)base))
		die("cannot set up a kmem zone");
}

static void kzone_close(struct kzone *z)
{
	munmap(z->mem, z->len);
	free(z->meta);
}

/* ---- Small objects -------------------------------------------------------- */

struct alloc_ops {
	const char *name;
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
	void *ctx;
};

static NOINLINE void *kmem_op_alloc(void *ctx, size_t size)
{
	return kmem_alloc(ctx, size);
}

static NOINLINE void kmem_op_free(void *ctx, void *p)
{
	if (kmem_free(ctx, p))
		die("kmem_free refused a pointer");
}

static NOINLINE void *glibc_op_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static NOINLINE void glibc_op_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

/* Pairs per second: allocate, write, free, n times. */
static NOINLINE double run_tight(const struct alloc_ops *a, size_t size,
				 uint64_t n)
{
	double t0 = now_s();

	for (uint64_t i = 0; i < n; i++) {
		char *p = a->alloc(a->ctx, size);

		if (!p)
			die("allocation failed");
		*(volatile char *)p = (char)i;
		a->free(a->ctx, p);
	}
	return n / (now_s() - t0);
}

/*
 * Pairs per second with `live` objects live: each step frees a random one
 * and allocates its replacement (size 0: random sizes of 16-256 bytes).
 */
static NOINLINE double run_live(const struct alloc_ops *a, size_t size,
				uint64_t n, void **slots, size_t live)
{
	double t0, t;

	rng_state = 0x12345;
	for (size_t i = 0; i < live; i++) {
		slots[i] = a->alloc(a->ctx, size ? size : 16 + rng() % 241);
		if (!slots[i])
			die("allocation failed");
	}
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rng();
		size_t j = (size_t)(r % live);
		char *p;

		a->free(a->ctx, slots[j]);
		p = a->alloc(a->ctx, size ? size : 16 + (r >> 40) % 241);
		if (!p)
			die("allocation failed");
		*(volatile char *)p = (char)i;
		slots[j] = p;
	}
	t = now_s() - t0;
	for (size_t i = 0; i < live; i++)
		a->free(a->ctx, slots[i]);
	return n / t;
}

static void print_rate(const char *label, struct sample *k, struct sample *g)
{
	printf("| %s | **%.1f** (%.1f - %.1f) | %.1f (%.1f - %.1f) | %.2f |\n",
	       label, median(k) / 1e6, smin(k) / 1e6, smax(k) / 1e6,
	       median(g) / 1e6, smin(g) / 1e6, smax(g) / 1e6,
	       median(k) / median(g));
}

static void bench_small(const struct opts *o)
{
	static const size_t sizes[] = { 16, 32, 64, 128, 256, 0 };
	enum { NSIZES = sizeof(sizes) / sizeof(sizes[0]) };
	struct sample tk[NSIZES] = { 0 }, tg[NSIZES] = { 0 };
	struct sample lk[NSIZES] = { 0 }, lg[NSIZES] = { 0 };
	void **slots = calloc(o->live, sizeof(*slots));
	struct kzone z;
	struct alloc_ops kops = { "kmem", kmem_op_alloc, kmem_op_free, NULL };
	struct alloc_ops gops = { "glibc", glibc_op_alloc, glibc_op_free, NULL };
	char label[32];

	if (!slots)
		die("out of memory");
	kzone_open(&z, 0x40000000, 256 * MiB);
	kops.ctx = &z.km;
	for (unsigned r = 0; r < o->reps; r++) {
		/* alternate which allocator goes first */
		const struct alloc_ops *first = r % 2 ? &gops : &kops;
		const struct alloc_ops *second = r % 2 ? &kops : &gops;

		for (unsigned s = 0; s < NSIZES; s++) {
			struct sample *t1 = first == &kops ? &tk[s] : &tg[s];
			struct sample *t2 = first == &kops ? &tg[s] : &tk[s];
			struct sample *l1 = first == &kops ? &lk[s] : &lg[s];
			struct sample *l2 = first == &kops ? &lg[s] : &lk[s];

			if (sizes[s]) {
				t1->v[t1->n++] = run_tight(first, sizes[s], o->pairs);
				t2->v[t2->n++] = run_tight(second, sizes[s], o->pairs);
			}
			l1->v[l1->n++] = run_live(first, sizes[s], o->pairs,
						  slots, o->live);
			l2->v[l2->n++] = run_live(second, sizes[s], o->pairs,
						  slots, o->live);
		}
	}
	printf("### Small objects: alloc/free pairs per second\n\n");
	printf("Millions of pairs per second, median of %u rounds (min - max); "
	       "the last column is kmem's median over glibc's.\n\n", o->reps);
	printf("*Tight loop*: allocate one object, write a byte, free it, "
	       "%llu times.\n\n", (unsigned long long)o->pairs);
	printf("| size | kmem | glibc malloc | kmem / glibc |\n|---|---|---|---|\n");
	for (unsigned s = 0; s + 1 < NSIZES; s++) {
		snprintf(label, sizeof(label), "%zu B", sizes[s]);
		print_rate(label, &tk[s], &tg[s]);
	}
	printf("\n*Many live*: %zu objects live; each step frees a random one "
	       "and allocates its replacement, %llu steps (the last row: "
	       "random sizes of 16-256 bytes).\n\n", o->live,
	       (unsigned long long)o->pairs);
	printf("| size | kmem | glibc malloc | kmem / glibc |\n|---|---|---|---|\n");
	for (unsigned s = 0; s < NSIZES; s++) {
		if (sizes[s])
			snprintf(label, sizeof(label), "%zu B", sizes[s]);
		else
			snprintf(label, sizeof(label), "16-256 B mixed");
		print_rate(label, &lk[s], &lg[s]);
	}
	{
		struct sample rt = { .n = 0 }, rl = { .n = 0 };

		for (unsigned s = 0; s + 1 < NSIZES; s++) {
			rt.v[rt.n++] = median(&tk[s]) / median(&tg[s]);
			rl.v[rl.n++] = median(&lk[s]) / median(&lg[s]);
		}
		printf("\n**kmem runs at %.2f of glibc malloc's rate in the "
		       "tight loop and %.2f with many objects live** (medians "
		       "over the sizes 16-256 B of the ratios above).\n",
		       median(&rt), median(&rl));
	}
	{
		struct kmem_stats st;
		char why[160];

		kmem_shrink(&z.km);
		kmem_stats(&z.km, &st);
		if (kmem_check(&z.km, why, sizeof(why)) ||
		    st.pages.used_pages != 0 || st.bad_frees != 0)
			die("kmem inconsistent after the small-object runs");
	}
	kzone_close(&z);
	free(slots);
	printf("\n");
}

/* ---- Large blocks --------------------------------------------------------- */

enum large_method {
	LARGE_KMEM, LARGE_MMAP, LARGE_MALLOC, LARGE_POPULATE, LARGE_METHODS
};

static const char *const large_names[LARGE_METHODS] = {
	"kmem_alloc_pages / kmem_free_pages",
	"mmap / munmap (untouched)",
	"malloc / free (untouched)",
	"mmap MAP_POPULATE / munmap",
};

#define LARGE_BATCH 128

static void *large_alloc(enum large_method m, struct sv_kmem *km, size_t len)
{
	void *p;

	switch (m) {
	case LARGE_KMEM:
		p = kmem_alloc_pages(km, len / PAGE, NULL);
		break;
	case LARGE_MMAP:
	case LARGE_POPULATE:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS |
			 (m == LARGE_POPULATE ? MAP_POPULATE : 0), -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		break;
	default:
		p = malloc(len);
		break;
	}
	if (!p)
		die("large allocation failed");
	return p;
}

static void large_free(enum large_method m, struct sv_kmem *km, void *p,
		       size_t len)
{
	switch (m) {
	case LARGE_KMEM:
		if (kmem_free_pages(km, p, len / PAGE))
			die("kmem_free_pages refused");
		break;
	case LARGE_MMAP:
	case LARGE_POPULATE:
		munmap(p, len);
		break;
	default:
		free(p);
		break;
	}
}

static void *volatile large_sink;

/*
 * n allocations of len bytes in a row, then n frees, untouched; the mean
 * time of one of each in *ta, *tf.
 */
static void large_batch(enum large_method m, struct sv_kmem *km, size_t len,
			unsigned n, double *ta, double *tf)
{
	void *p[LARGE_BATCH];
	double t0, t1, t2;

	t0 = now_s();
	for (unsigned i = 0; i < n; i++)
		p[i] = large_alloc(m, km, len);
	t1 = now_s();
	large_sink = p[n - 1];	/* so malloc/free cannot be paired away */
	for (unsigned i = 0; i < n; i++)
		large_free(m, km, p[i], len);
	t2 = now_s();
	*ta = (t1 - t0) / n;
	*tf = (t2 - t1) / n;
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 1e-6)
		snprintf(buf, n, "%.0f ns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, n, "%.1f µs", s * 1e6);
	else
		snprintf(buf, n, "%.1f ms", s * 1e3);
}

static void bench_large(const struct opts *o)
{
	static const size_t lens[] = { 64 * MiB, 512 * MiB };
	static struct sample a[2][LARGE_METHODS], f[2][LARGE_METHODS];
	unsigned batch[2];
	struct kzone z;

	/* 16 GiB of address space (smoke: 2 GiB, for hosts that refuse
	 * to overcommit); 2000 small objects and 64 page runs live */
	kzone_open(&z, 0x1000000000ull, o->smoke ? 2 * GiB : 16 * GiB);
	rng_state = 99;
	for (unsigned i = 0; i < 2000; i++)
		if (!kmem_alloc(&z.km, 16 + rng() % 2000))
			die("kmem_alloc");
	for (unsigned i = 0; i < 64; i++)
		if (!kmem_alloc_pages(&z.km, 1 + rng() % 64, NULL))
			die("kmem_alloc_pages");
	batch[0] = o->smoke ? 2 : LARGE_BATCH;		/* 8 GiB */
	batch[1] = o->smoke ? 2 : LARGE_BATCH / 8;	/* 8 GiB */
	for (unsigned r = 0; r < o->reps; r++) {
		for (unsigned l = 0; l < 2; l++) {
			for (unsigned m = 0; m < LARGE_METHODS; m++) {
				/* populated memory is real: one block at a time */
				unsigned n = m == LARGE_POPULATE ? 1 : batch[l];
				double ta, tf;

				if (m == LARGE_POPULATE && o->smoke)
					continue;
				large_batch(m, &z.km, lens[l], n, &ta, &tf);
				a[l][m].v[a[l][m].n++] = ta;
				f[l][m].v[f[l][m].n++] = tf;
			}
		}
	}
	printf("### Large blocks: allocation and free time\n\n");
	printf("Each round allocates %u blocks of 64 MiB (%u of 512 MiB) in "
	       "a row, then frees them, per method, and takes the mean time "
	       "of one allocation and one free; median of %u rounds (min - "
	       "max). kmem's zone is %s GiB with 2000 small objects and 64 "
	       "page runs live. *Untouched*: Linux hands out address space, "
	       "and memory only when each page is first touched (a page fault "
	       "apiece), so mmap and malloc are fast here and pay later; "
	       "MAP_POPULATE (one block at a time) gets the memory itself, "
	       "zeroed. kmem's blocks are memory already, not zeroed: on bare "
	       "metal they are ready to use as they are.\n\n",
	       batch[0], batch[1], o->reps, o->smoke ? "2" : "16");
	printf("| method | 64 MiB alloc | 64 MiB free | 512 MiB alloc | "
	       "512 MiB free |\n|---|---|---|---|---|\n");
	for (unsigned m = 0; m < LARGE_METHODS; m++) {
		if (a[0][m].n == 0)
			continue;
		printf("| %s", large_names[m]);
		for (unsigned l = 0; l < 2; l++) {
			const char *em = m == LARGE_KMEM ? "**" : "";
			char t[4][32];

			fmt_time(t[0], sizeof(t[0]), median(&a[l][m]));
			fmt_time(t[1], sizeof(t[1]), smin(&a[l][m]));
			fmt_time(t[2], sizeof(t[2]), smax(&a[l][m]));
			fmt_time(t[3], sizeof(t[3]), median(&f[l][m]));
			printf(" | %s%s%s (%s - %s) | %s", em, t[0], em, t[1],
			       t[2], t[3]);
		}
		printf(" |\n");
	}
	if (a[1][LARGE_POPULATE].n) {
		char t[3][32];

		fmt_time(t[0], sizeof(t[0]), median(&a[1][LARGE_KMEM]));
		fmt_time(t[1], sizeof(t[1]), median(&a[1][LARGE_POPULATE]));
		fmt_time(t[2], sizeof(t[2]), median(&a[1][LARGE_MMAP]));
		printf("\n**A 512 MiB block: %s from kmem; %s for Linux to "
		       "provide that memory** (%s for the address space "
		       "alone).\n", t[0], t[1], t[2]);
	}
	kzone_close(&z);	/* the live objects go with the zone */
	printf("\n");
}

/* ---- Fragmentation --------------------------------------------------------- */

struct frag_obj {
	void *p;
	size_t npages;		/* 0: a kmem_alloc object */
	size_t bytes;
};

struct frag_result {
	double ratio;		/* largest free block / free memory */
	double free_mib, largest_mib, used_pct, live_pct;
	uint64_t failed;
};

#define FRAG_ZONE (64 * MiB)

/*
 * A mixed workload on a 64 MiB zone: small objects (mostly 16-256 bytes),
 * large objects (2-32 KiB) and page runs (1-256 pages) freed at random,
 * allocating more often while the live data (bytes asked for) is under
 * target_pct of the zone and freeing more often above it. The figure is
 * taken at the end, in that steady state. The workload depends on the
 * allocator only through its failures, which are counted.
 */
static void frag_run(uint64_t seed, unsigned ops, unsigned target_pct,
		     struct frag_result *res)
{
	const size_t max_live = 400000;
	struct frag_obj *live = calloc(max_live, sizeof(*live));
	uint64_t live_bytes = 0;
	size_t nlive = 0;
	struct kmem_stats st;
	struct kzone z;
	char why[160];

	if (!live)
		die("out of memory");
	kzone_open(&z, 0x200000000ull, FRAG_ZONE);
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned op = 0; op < ops; op++) {
		bool under = live_bytes * 100 < FRAG_ZONE * target_pct;
		bool alloc = nlive == 0 || (nlive < max_live &&
			rng() % 100 < (under ? 60 : 40));

		if (alloc) {
			uint64_t r = rng() % 1000;
			struct frag_obj o = { NULL, 0, 0 };

			if (r < 850) {
				o.bytes = r < 700 ? 16 + rng() % 241
						  : 257 + rng() % 1792;
			} else if (r < 970) {
				o.bytes = 2049 + rng() % (30 * 1024);
			} else {
				o.npages = 1 + rng() % 256;
				o.bytes = o.npages * PAGE;
			}
			o.p = o.npages ? kmem_alloc_pages(&z.km, o.npages, NULL)
				       : kmem_alloc(&z.km, o.bytes);
			if (o.p) {
				live[nlive++] = o;
				live_bytes += o.bytes;
			}
		} else {
			size_t i = rng() % nlive;
			int err = live[i].npages
				? kmem_free_pages(&z.km, live[i].p, live[i].npages)
				: kmem_free(&z.km, live[i].p);

			if (err)
				die("free refused in the fragmentation run");
			live_bytes -= live[i].bytes;
			live[i] = live[--nlive];
		}
	}
	if (kmem_check(&z.km, why, sizeof(why)))
		die(why);
	kmem_stats(&z.km, &st);
	res->free_mib = st.pages.free_pages * (double)PAGE / MiB;
	res->largest_mib = st.pages.largest_free_pages * (double)PAGE / MiB;
	res->ratio = st.pages.free_pages
		? (double)st.pages.largest_free_pages / st.pages.free_pages : 0;
	res->used_pct = 100.0 * st.pages.used_pages / st.pages.managed_pages;
	res->live_pct = 100.0 * live_bytes / FRAG_ZONE;
	res->failed = st.failed_allocs;
	kzone_close(&z);
	free(live);
}

static void bench_frag(const struct opts *o)
{
	static const unsigned targets[] = { 30, 45, 60 };

	printf("### Fragmentation\n\n");
	printf("A mixed workload on a 64 MiB kmem zone, %u operations: 85 %% "
	       "small objects (16-2048 bytes, mostly 16-256), 12 %% large "
	       "objects (2-32 KiB), 3 %% page runs (1-256 pages), freed at "
	       "random; it allocates more often while the live data is under "
	       "the target and frees more often above it. Measured at the "
	       "end; median of %u seeds (min - max). *Memory used*: pages the "
	       "allocator holds (slabs, their slack and empty slots included) "
	       "in %% of the zone. glibc has no counterpart figure (it does "
	       "not report its largest free chunk), so these are kmem's "
	       "alone. The buddy allocator takes the lowest-addressed free "
	       "block of the smallest order that fits; a first version with "
	       "LIFO free lists instead left about 0.5 %% at the 45 %% target, "
	       "with some 2400 failed allocations (measured once during "
	       "development, not by this program). Past some 55 %% of live "
	       "data the mixed workload defeats either: small objects end up "
	       "in every large block.\n\n", o->frag_ops, o->reps);
	printf("| live data | memory used | free | largest free block | "
	       "**largest free block / free memory** | failed allocations "
	       "|\n|---|---|---|---|---|---|\n");
	for (unsigned t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		struct sample ratio = { .n = 0 }, largest = { .n = 0 };
		struct sample freem = { .n = 0 }, used = { .n = 0 };
		struct sample livep = { .n = 0 }, failed = { .n = 0 };

		for (unsigned r = 0; r < o->reps; r++) {
			struct frag_result res;

			frag_run(r + 1, o->frag_ops, targets[t], &res);
			ratio.v[ratio.n++] = 100 * res.ratio;
			largest.v[largest.n++] = res.largest_mib;
			freem.v[freem.n++] = res.free_mib;
			used.v[used.n++] = res.used_pct;
			livep.v[livep.n++] = res.live_pct;
			failed.v[failed.n++] = (double)res.failed;
		}
		printf("| %.0f %% (target %u %%) | %.0f %% | %.1f MiB | %.2f MiB "
		       "(%.2f - %.2f) | **%.1f %%** (%.1f - %.1f) | %.0f (%.0f "
		       "- %.0f) |\n", median(&livep), targets[t], median(&used),
		       median(&freem), median(&largest), smin(&largest),
		       smax(&largest), median(&ratio), smin(&ratio),
		       smax(&ratio), median(&failed), smin(&failed),
		       smax(&failed));
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct opts o = { 7, 2000000, 200000, 10000, false };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			o = (struct opts){ 1, 2000, 5000, 500, true };
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o.reps = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--pairs") && i + 1 < argc) {
			o.pairs = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--reps N] [--pairs N] "
				"[--smoke]\n", argv[0]);
			return 2;
		}
	}
	if (o.reps == 0 || o.reps > MAX_REPS || o.pairs == 0)
		die("--reps must be 1-64 and --pairs positive");
	printf("kmem: osk/ (buddy + slabs), built %s; glibc %s malloc; "
	       "gcc %s.\n\n",
#ifdef __OPTIMIZE__
	       "optimized",
#else
	       "WITHOUT optimization",
#endif
	       gnu_get_libc_version(), __VERSION__);
	bench_small(&o);
	bench_large(&o);
	bench_frag(&o);
	return 0;
}
