/*
 * libFuzzer target for the guest page-table walker (vmm/walk.c:
 * walk_translate). Run by `fuzz_vmm.sh walk`, which seeds it with
 * gen_vmm_corpus's page-table trees.
 *
 * Input: a header of HDR_SIZE bytes, then the guest's RAM (RAM_SIZE bytes
 * at guest-physical 0, cut or zero-padded): its page tables are whatever
 * the bytes say.
 *   byte 0     bits 1:0 the format (enum sv_paging_mode; 3 is none, which
 *              the walker must refuse), 2 CR0.WP, 3 CR4.PSE, 4 EFER.NXE,
 *              5 CR4.SMEP, 6 CR4.SMAP, 7 the linear address as it is
 *              (else made valid for the format: cut to 32 bits, or
 *              sign-extended from bit 47)
 *   byte 1     bits 2:0 the access (SV_WALK_*, WRITE with FETCH included),
 *              3 CPUID's SMEP, 4 CPUID's SMAP, 5 RFLAGS.AC, 6 1 GiB pages;
 *              7 ignored
 *   byte 2     MAXPHYADDR, 30 + the byte mod 25 (30..54: the walker must
 *              refuse what is outside 32..52)
 *   bytes 3-10 the linear address, little-endian
 *   bytes 11-14 CR3
 * The RAM is backed by the fake backend of the unit tests
 * (tests/unit/fake_backend.c, over a VM from vm_init), whose read_gpa and
 * write_gpa the target wraps to log every access the walker makes.
 *
 * Besides the sanitizers, these oracles turn silent misbehaviour into
 * crashes:
 *  - the result is one of the codes sv/walk.h documents, -SV_EINVAL and
 *    -SV_ERANGE exactly when the inputs say so (and before any read);
 *  - every read is one entry, aligned, at most one per level of the
 *    format, the first at CR3's table, each next one in the table the
 *    entry before names at the address's index for that level: the walk
 *    follows the tables and nothing else;
 *  - on success: every entry used is present; the page size is one the
 *    format has at the level where the walk stopped (4 KiB, 2 or 4 MiB
 *    with CR4.PSE, 1 GiB with Page1GB), the entry there maps a page and
 *    those above do not; the address is inside that page (the page's base
 *    from the last entry, computed here independently, or the address's
 *    low bits); the effective rights allow the access (U/S, R/W with
 *    CR0.WP, XD, SMEP, SMAP);
 *  - on #PF: the error code has only the defined bits, W/R, U/S as the
 *    access, I/D only for fetches with SMEP or NX on, RSVD only with P,
 *    and P exactly when the entry the walk stopped at is present (a
 *    present entry refused the access); CR2's value is the address;
 *  - -SV_ENOENT exactly when the last read left RAM;
 *  - RAM changes only on success, and then only by the accessed bit of
 *    the entries used (not PAE's PDPTEs) and, for a write, the dirty bit
 *    of the last one, each written only at an entry the walk read;
 *  - a successful walk done again gives the same result and writes
 *    nothing (except in PAE when a bit set in a PDE or PTE landed in the
 *    PDPTE read, where it is a reserved bit: the walker reads PDPTEs from
 *    memory, sv/walk.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv/walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "oracle failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

#define HDR_SIZE	15
#define RAM_SIZE	(64u * 1024)
#define MAX_LOG		16	/* a walk does at most 4 reads, 4 writes */

/* Header bits (see above) */
#define H0_MODE_MASK	0x3u
#define H0_WP		0x04u
#define H0_PSE		0x08u
#define H0_NXE		0x10u
#define H0_SMEP		0x20u
#define H0_SMAP		0x40u
#define H0_RAW_LA	0x80u
#define H1_ACCESS_MASK	0x7u
#define H1_CPU_SMEP	0x08u
#define H1_CPU_SMAP	0x10u
#define H1_AC		0x20u
#define H1_PAGE1GB	0x40u

/* Entry bits, written out here rather than taken from sv/walk.h. */
#define E_P	0x1ull
#define E_RW	0x2ull
#define E_US	0x4ull
#define E_A	0x20ull
#define E_D	0x40ull
#define E_PS	0x80ull
#define E_XD	(1ull << 63)
#define PF_DEFINED	0x1fu	/* P, W/R, U/S, RSVD, I/D */

/* Bits m..n of a 64-bit value (m >= n). */
#define BITS(m, n)	((~0ull >> (63 - (m))) & ~((1ull << (n)) - 1))

/* ---- the formats, as the SDM lays them out (vol. 3, 4.3-4.5) ------------- */

struct fmt {
	unsigned esize, levels;
	unsigned shift[4], index_bits[4];
	uint64_t root_mask;
};

static const struct fmt fmts[3] = {
	[SV_PAGING_32] = { 4, 2, { 22, 12 }, { 10, 10 }, BITS(31, 12) },
	[SV_PAGING_PAE] = { 8, 3, { 30, 21, 12 }, { 2, 9, 9 }, BITS(31, 5) },
	[SV_PAGING_4LEVEL] = { 8, 4, { 39, 30, 21, 12 }, { 9, 9, 9, 9 },
			       BITS(51, 12) },
};

/* Whether the entry at level i (top 0) maps a page, by its format. */
static bool maps_page(const struct sv_paging *pg, unsigned i, uint64_t e)
{
	const struct fmt *f = &fmts[pg->mode];

	if (i == f->levels - 1)
		return true;
	switch (pg->mode) {
	case SV_PAGING_32:
		return (e & E_PS) && (pg->cr4 & SV_CR4_PSE);
	case SV_PAGING_PAE:
		return i == 1 && (e & E_PS);
	default:
		return (i == 1 && (e & E_PS) && pg->page1gb) ||
		       (i == 2 && (e & E_PS));
	}
}

/* The table a non-leaf entry names, the page a leaf maps. */
static uint64_t table_of(const struct sv_paging *pg, uint64_t e)
{
	return e & (pg->mode == SV_PAGING_32 ? BITS(31, 12) : BITS(51, 12));
}

static uint64_t page_of(const struct sv_paging *pg, unsigned shift, uint64_t e)
{
	if (pg->mode == SV_PAGING_32 && shift == 22)	/* PSE-36 */
		return (e & BITS(31, 22)) | ((e >> 13) & 0xffull) << 32;
	if (pg->mode == SV_PAGING_32)
		return e & BITS(31, 12);
	return e & BITS(51, shift);
}

/* ---- the VM and its logged memory accesses ------------------------------ */

struct access {
	uint64_t gpa;
	size_t len;
	int ret;
	uint64_t value;		/* the entry read or written (len <= 8) */
};

static struct {
	struct sv_vm vm;
	struct sv_backend_ops ops;
	uint8_t *ram, *before;
	struct access reads[MAX_LOG], writes[MAX_LOG];
	unsigned nreads, nwrites;
} fx;

static uint64_t le(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int log_read(struct sv_bvm *b, gpa_t at, void *buf, size_t len)
{
	int ret = fake_backend_ops.read_gpa(b, at, buf, len);

	CHECK(fx.nreads < MAX_LOG);
	fx.reads[fx.nreads++] = (struct access){ at.v, len, ret,
						 ret ? 0 : le(buf, len) };
	return ret;
}

static int log_write(struct sv_bvm *b, gpa_t at, const void *buf, size_t len)
{
	int ret = fake_backend_ops.write_gpa(b, at, buf, len);

	CHECK(fx.nwrites < MAX_LOG);
	fx.writes[fx.nwrites++] = (struct access){ at.v, len, ret,
						   le(buf, len) };
	return ret;
}

static void setup(void)
{
	fx.ops = fake_backend_ops;
	fx.ops.read_gpa = log_read;
	fx.ops.write_gpa = log_write;
	/* exactly RAM_SIZE each, so ASan sees any access past them */
	fx.ram = malloc(RAM_SIZE);
	fx.before = malloc(RAM_SIZE);
	CHECK(fx.ram && fx.before);
	CHECK(vm_init(&fx.vm, "fuzz", &fx.ops, NULL) == 0);
	CHECK(vm_map_ram(&fx.vm, gpa(0), fx.ram, RAM_SIZE) == 0);
}

static int walk(const struct sv_paging *pg, uint64_t la, unsigned access,
		struct sv_walk *w)
{
	fx.nreads = fx.nwrites = 0;
	return walk_translate(&fx.vm, pg, gva(la), access, w);
}

/* ---- the oracles ------------------------------------------------------------ */

/* The reads follow the tables: CR3's, then each entry's (see the header). */
static void check_path(const struct sv_paging *pg, uint64_t la)
{
	const struct fmt *f = &fmts[pg->mode];
	uint64_t table = pg->cr3 & f->root_mask;

	CHECK(fx.nreads >= 1 && fx.nreads <= f->levels);
	for (unsigned i = 0; i < fx.nreads; i++) {
		const struct access *r = &fx.reads[i];
		uint64_t index = (la >> f->shift[i]) &
				 ((1ull << f->index_bits[i]) - 1);

		CHECK(r->len == f->esize);
		CHECK(r->gpa == table + index * f->esize);
		/* only the last read may fail, end at a non-present entry,
		 * or map a page */
		if (i + 1 < fx.nreads) {
			CHECK(r->ret == 0 && (r->value & E_P));
			CHECK(!maps_page(pg, i, r->value));
		}
		if (r->ret == 0)
			CHECK(r->gpa + f->esize <= RAM_SIZE);
		table = table_of(pg, r->value);
	}
}

static void check_success(const struct sv_paging *pg, uint64_t la,
			  unsigned access, const struct sv_walk *w)
{
	const struct fmt *f = &fmts[pg->mode];
	unsigned leaf = fx.nreads - 1;
	uint64_t e = fx.reads[leaf].value, size = 1ull << w->page_shift;
	bool writable = true, user = true, xd = false;

	CHECK(fx.reads[leaf].ret == 0 && (e & E_P));
	CHECK(w->page_shift == f->shift[leaf]);
	CHECK(maps_page(pg, leaf, e));
	switch (w->page_shift) {
	case 12:
		break;
	case 21:
		CHECK(pg->mode != SV_PAGING_32);
		break;
	case 22:
		CHECK(pg->mode == SV_PAGING_32 && (pg->cr4 & SV_CR4_PSE));
		break;
	case 30:
		CHECK(pg->mode == SV_PAGING_4LEVEL && pg->page1gb);
		break;
	default:
		CHECK(!"a page size no format has");
	}
	CHECK(w->gpa.v == (page_of(pg, w->page_shift, e) | (la & (size - 1))));
	CHECK((w->gpa.v >> pg->maxphyaddr) == 0);

	/* the effective rights (SDM 4.6), as far as they are simple */
	for (unsigned i = 0; i <= leaf; i++) {
		uint64_t v = fx.reads[i].value;

		if (pg->mode == SV_PAGING_PAE && i == 0)
			continue;	/* PDPTEs carry no rights */
		writable = writable && (v & E_RW);
		user = user && (v & E_US);
		xd = xd || ((v & E_XD) && pg->mode != SV_PAGING_32);
	}
	if (access & SV_WALK_USER)
		CHECK(user && (!(access & SV_WALK_WRITE) || writable));
	else if ((access & SV_WALK_WRITE) && (pg->cr0 & SV_CR0_WP))
		CHECK(writable);
	if (access & SV_WALK_FETCH)
		CHECK(!xd || !(pg->efer & SV_EFER_NXE));
	if (!(access & SV_WALK_USER) && user) {
		bool smep = pg->smep && (pg->cr4 & SV_CR4_SMEP);
		bool smap = pg->smap && (pg->cr4 & SV_CR4_SMAP);

		CHECK(!(access & SV_WALK_FETCH) || !smep);
		CHECK((access & SV_WALK_FETCH) || !smap || pg->ac);
	}
}

/*
 * RAM after a successful walk: the entries read, with A (and D on the
 * last for a write) ORed in, everything else as it was.
 */
static void check_accessed_dirty(const struct sv_paging *pg, unsigned access)
{
	const struct fmt *f = &fmts[pg->mode];
	static uint8_t want[RAM_SIZE];

	memcpy(want, fx.before, RAM_SIZE);
	for (unsigned i = 0; i < fx.nreads; i++) {
		const struct access *r = &fx.reads[i];

		if (pg->mode == SV_PAGING_PAE && i == 0)
			continue;	/* PDPTEs have no accessed bit */
		want[r->gpa] |= (uint8_t)E_A;
		if ((access & SV_WALK_WRITE) && i == fx.nreads - 1)
			want[r->gpa] |= (uint8_t)E_D;
	}
	CHECK(memcmp(want, fx.ram, RAM_SIZE) == 0);
	for (unsigned i = 0; i < fx.nwrites; i++) {
		bool read = false;

		CHECK(fx.writes[i].ret == 0 && fx.writes[i].len == f->esize);
		for (unsigned j = 0; j < fx.nreads; j++)
			read = read || fx.writes[i].gpa == fx.reads[j].gpa;
		CHECK(read);
	}
}

/* A second walk over the tables the first one marked. */
static void check_again(const struct sv_paging *pg, uint64_t la,
			unsigned access, const struct sv_walk *first)
{
	uint64_t pdpte = fx.reads[0].gpa;
	struct sv_walk w;

	if (pg->mode == SV_PAGING_PAE)
		for (unsigned i = 0; i < fx.nwrites; i++)
			if (fx.writes[i].gpa == pdpte)
				return;	/* a reserved bit now (see the header) */
	memcpy(fx.before, fx.ram, RAM_SIZE);
	CHECK(walk(pg, la, access, &w) == 0);
	CHECK(w.gpa.v == first->gpa.v && w.page_shift == first->page_shift);
	CHECK(fx.nwrites == 0 && memcmp(fx.before, fx.ram, RAM_SIZE) == 0);
}

static void check_fault(const struct sv_paging *pg, uint64_t la,
			unsigned access, const struct sv_walk *w)
{
	const struct access *last = &fx.reads[fx.nreads - 1];
	bool fetch = access & SV_WALK_FETCH;
	bool id = fetch && ((pg->smep && (pg->cr4 & SV_CR4_SMEP)) ||
			    (pg->mode != SV_PAGING_32 &&
			     (pg->efer & SV_EFER_NXE)));

	CHECK(w->addr.v == la);
	CHECK((w->error & ~PF_DEFINED) == 0);
	CHECK(!(w->error & SV_PF_WR) == !(access & SV_WALK_WRITE));
	CHECK(!(w->error & SV_PF_US) == !(access & SV_WALK_USER));
	CHECK(!(w->error & SV_PF_ID) == !id);
	CHECK(!(w->error & SV_PF_RSVD) || (w->error & SV_PF_P));
	CHECK(last->ret == 0);
	CHECK(!(w->error & SV_PF_P) == !(last->value & E_P));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sv_paging pg = { .mode = SV_PAGING_32 };
	struct sv_walk w;
	uint8_t h[HDR_SIZE] = { 0 };
	unsigned mode, access;
	uint64_t la;
	bool bad_args;
	int err;

	if (!ready) {
		setup();
		ready = true;
	}
	memcpy(h, data, size < HDR_SIZE ? size : HDR_SIZE);
	memset(fx.ram, 0, RAM_SIZE);
	if (size > HDR_SIZE)
		memcpy(fx.ram, data + HDR_SIZE,
		       size - HDR_SIZE < RAM_SIZE ? size - HDR_SIZE : RAM_SIZE);
	memcpy(fx.before, fx.ram, RAM_SIZE);

	mode = h[0] & H0_MODE_MASK;
	pg.mode = (enum sv_paging_mode)mode;
	pg.cr0 = SV_CR0_PE | SV_CR0_PG | ((h[0] & H0_WP) ? SV_CR0_WP : 0);
	pg.cr3 = le(h + 11, 4);
	pg.cr4 = ((h[0] & H0_PSE) ? SV_CR4_PSE : 0) |
		 ((h[0] & H0_SMEP) ? SV_CR4_SMEP : 0) |
		 ((h[0] & H0_SMAP) ? SV_CR4_SMAP : 0) |
		 (mode != SV_PAGING_32 ? SV_CR4_PAE : 0);
	pg.efer = ((h[0] & H0_NXE) ? SV_EFER_NXE : 0) |
		  (mode == SV_PAGING_4LEVEL ? SV_EFER_LME | SV_EFER_LMA : 0);
	pg.maxphyaddr = 30 + h[2] % 25;
	pg.smep = h[1] & H1_CPU_SMEP;
	pg.smap = h[1] & H1_CPU_SMAP;
	pg.ac = h[1] & H1_AC;
	pg.page1gb = h[1] & H1_PAGE1GB;
	access = h[1] & H1_ACCESS_MASK;
	la = le(h + 3, 8);
	if (!(h[0] & H0_RAW_LA))
		la = mode == SV_PAGING_4LEVEL ?
		     (uint64_t)((int64_t)(la << 16) >> 16) : la & 0xffffffffull;

	err = walk(&pg, la, access, &w);
	bad_args = mode > SV_PAGING_4LEVEL ||
		   ((access & SV_WALK_WRITE) && (access & SV_WALK_FETCH)) ||
		   pg.maxphyaddr < 32 || pg.maxphyaddr > 52;
	if (bad_args || (mode != SV_PAGING_4LEVEL && (la >> 32))) {
		CHECK(err == -SV_EINVAL);
	} else if (mode == SV_PAGING_4LEVEL &&
		   (uint64_t)((int64_t)(la << 16) >> 16) != la) {
		CHECK(err == -SV_ERANGE && w.addr.v == la);
	} else {
		CHECK(err == 0 || err == -SV_EFAULT || err == -SV_ENOENT);
		check_path(&pg, la);
	}
	if (err != 0) {
		/* nothing written, nothing changed */
		CHECK(fx.nwrites == 0);
		CHECK(memcmp(fx.before, fx.ram, RAM_SIZE) == 0);
	}
	switch (err) {
	case 0:
		check_success(&pg, la, access, &w);
		check_accessed_dirty(&pg, access);
		check_again(&pg, la, access, &w);
		break;
	case -SV_EFAULT:
		check_fault(&pg, la, access, &w);
		break;
	case -SV_ENOENT:	/* the last read, and only it, left RAM */
		CHECK(fx.reads[fx.nreads - 1].ret != 0);
		break;
	default:		/* refused before reading anything */
		CHECK(fx.nreads == 0);
		break;
	}
	return 0;
}
