/*
 * The guest page-table walker (vmm/walk.c), over the fake backend's RAM.
 *
 * First a table of cases, one page-table tree each, built for the case by
 * build(): for the three formats, 4 KiB and large pages, every fault kind
 * with its exact #PF error code (not present, reserved bits of every kind,
 * U/S, R/W with and without CR0.WP, XD, SMEP, SMAP, the I/D bit's rules),
 * PSE-36, MAXPHYADDR and canonical addresses. Then the accessed and dirty
 * bits (set on success only, D only on the leaf of a write, PAE PDPTEs
 * untouched, no write when already set), the caller's errors and tables
 * outside RAM, a recursive mapping, walk_paging_load against the fake's
 * registers and CPUID, and walk_inject_pf.
 *
 * Last, a property run: thousands of random page-table trees (every entry
 * of RAM random, biased toward present entries pointing back into RAM),
 * random control registers and CPU features, random addresses and every
 * access kind, walked by vmm/walk.c and by a reference walker written here
 * independently (plain per-format code, no parameter table): the same
 * result (gpa and page size, or the same error code and address, or the
 * same refusal) and the same RAM afterwards (accessed/dirty bits).
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/vmm_internal.h"
#include "fake_backend.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv/walk.h"
#include "sv_test.h"

/* ---- a VM whose RAM holds page tables ---------------------------------------- */

struct wrig {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct sv_bvcpu *f;
	uint8_t *ram;
	size_t size;
};

static void wrig_init(struct wrig *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->ram = calloc(1, size);
	SV_CHECK_EQ_I64(vm_init(&r->vm, "walk", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&r->vm, &r->vcpu), 0);
	SV_CHECK_EQ_I64(vm_map_ram(&r->vm, gpa(0), r->ram, size), 0);
	r->f = r->vcpu->b;
}

static void wrig_destroy(struct wrig *r)
{
	vm_destroy(&r->vm);
	free(r->ram);
}

static void put(uint8_t *ram, uint64_t at, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		ram[at + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *ram, uint64_t at, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)ram[at + i] << (8 * i);
	return v;
}

static unsigned writes(struct wrig *r)
{
	return r->vm.b->calls[FAKE_OP_write_gpa];
}

/* ---- building one tree per case -------------------------------------------- */

enum { F32 = SV_PAGING_32, FPAE = SV_PAGING_PAE, F4 = SV_PAGING_4LEVEL };

/* Entry bits, written out here rather than taken from sv/walk.h. */
#define P	0x1ull
#define RW	0x2ull
#define US	0x4ull
#define A	0x20ull
#define D	0x40ull
#define PS	0x80ull
#define XD	(1ull << 63)
#define BIT(n)	(1ull << (n))

/* Access kinds */
#define R_S	0u
#define W_S	SV_WALK_WRITE
#define F_S	SV_WALK_FETCH
#define R_U	SV_WALK_USER
#define W_U	(SV_WALK_WRITE | SV_WALK_USER)
#define F_U	(SV_WALK_FETCH | SV_WALK_USER)

/* Control flags of a case */
#define C_WP	 BIT(0)
#define C_PSE	 BIT(1)
#define C_NXE	 BIT(2)
#define C_SMEP	 BIT(3)		/* CR4.SMEP and CPUID's */
#define C_SMEP4	 BIT(4)		/* CR4.SMEP, CPUID without it */
#define C_SMAP	 BIT(5)
#define C_SMAP4	 BIT(6)
#define C_AC	 BIT(7)
#define C_NO1G	 BIT(8)

/* Where build() puts the tables: the top one at TOP, one page per level. */
#define TOP	0x1000u
#define PAE_CR3	0x1fe0u		/* a PDPT at a 32-byte, not 4 KiB, boundary */
#define TREE_RAM 0x8000u

static unsigned top_level(int fmt)
{
	return fmt == F32 ? 2 : fmt == FPAE ? 3 : 4;
}

static unsigned entry_size(int fmt)
{
	return fmt == F32 ? 4 : 8;
}

static uint64_t table_of(int fmt, unsigned level)
{
	if (fmt == FPAE && level == 3)
		return PAE_CR3;
	return TOP + 0x1000u * (top_level(fmt) - level);
}

static uint64_t index_of(int fmt, uint64_t la, unsigned level)
{
	if (fmt == F32)
		return level == 2 ? (la >> 22) & 0x3ff : (la >> 12) & 0x3ff;
	if (fmt == FPAE && level == 3)
		return (la >> 30) & 3;
	return (la >> (12 + 9 * (level - 1))) & 0x1ff;
}

/*
 * A tree mapping la to frame with its leaf at level leaf (1: 4 KiB page,
 * 2: 4 MiB/2 MiB, 3: 1 GiB); each entry is P|RW|US (PAE PDPTEs: P), plus
 * set[level], minus clr[level].
 */
static void build(struct wrig *r, int fmt, uint64_t la, unsigned leaf,
		  uint64_t frame, const uint64_t set[5], const uint64_t clr[5])
{
	memset(r->ram, 0, r->size);
	for (unsigned l = top_level(fmt); l >= leaf; l--) {
		uint64_t v = (fmt == FPAE && l == 3) ? P : (P | RW | US);

		if (l > leaf)
			v |= table_of(fmt, l - 1) & ~0xfffull;
		else
			v |= frame | (leaf > 1 ? PS : 0);
		v = (v | set[l]) & ~clr[l];
		put(r->ram, table_of(fmt, l) + index_of(fmt, la, l) * entry_size(fmt),
		    v, entry_size(fmt));
	}
}

static struct sv_paging paging_of(int fmt, uint64_t ctl, unsigned maxphy)
{
	struct sv_paging pg = {
		.mode = (enum sv_paging_mode)fmt,
		.cr0 = SV_CR0_PE | SV_CR0_PG | SV_CR0_ET,
		.cr3 = fmt == FPAE ? PAE_CR3 : TOP,
		.maxphyaddr = maxphy ? maxphy : 36,
		.page1gb = !(ctl & C_NO1G),
	};

	if (ctl & C_WP)
		pg.cr0 |= SV_CR0_WP;
	if (ctl & C_PSE)
		pg.cr4 |= SV_CR4_PSE;
	if (fmt != F32)
		pg.cr4 |= SV_CR4_PAE;
	if (fmt == F4)
		pg.efer |= SV_EFER_LME | SV_EFER_LMA;
	if (ctl & C_NXE)
		pg.efer |= SV_EFER_NXE;
	if (ctl & (C_SMEP | C_SMEP4))
		pg.cr4 |= SV_CR4_SMEP;
	if (ctl & (C_SMAP | C_SMAP4))
		pg.cr4 |= SV_CR4_SMAP;
	pg.smep = (ctl & C_SMEP) != 0;
	pg.smap = (ctl & C_SMAP) != 0;
	pg.ac = (ctl & C_AC) != 0;
	return pg;
}

/* ---- the table -------------------------------------------------------------- */

struct wcase {
	const char *what;
	int fmt;
	uint64_t la;
	unsigned leaf;
	uint64_t frame;
	uint64_t set[5], clr[5];	/* by level, 1..4 */
	uint64_t ctl;
	unsigned maxphy;		/* 0: 36 */
	unsigned access;
	int err;
	uint64_t want;			/* the gpa, or the #PF error code */
};

#define S(l4, l3, l2, l1) { 0, l1, l2, l3, l4 }
#define NONE S(0, 0, 0, 0)

/* la and frames of the 32-bit and PAE cases */
#define LA32	0x00401234ull
#define FR32	0x00abc000ull
#define LAPAE	0xc0201234ull
#define FRPAE	0x876543000ull
#define LA4	0x00007f1234567abcull
#define FR4	0x0000001234567000ull

static const struct wcase wcases[] = {
	/* ---- 32-bit paging ---- */
	{ "32: 4K read", F32, LA32, 1, FR32, NONE, NONE, 0, 0, R_S, 0, 0xabc234 },
	{ "32: 4K user write", F32, LA32, 1, FR32, NONE, NONE, C_WP, 0, W_U, 0, 0xabc234 },
	{ "32: 4K user fetch (no XD in 32-bit)", F32, LA32, 1, FR32, NONE, NONE, 0, 0, F_U, 0, 0xabc234 },
	{ "32: 4M page", F32, 0x00c12345, 2, 0x01c00000, NONE, NONE, C_PSE, 0, R_S, 0, 0x01c12345 },
	{ "32: PS ignored without CR4.PSE", F32, LA32, 1, FR32, S(0, 0, PS, 0), NONE, 0, 0, R_S, 0, 0xabc234 },
	{ "32: PSE-36 bits 20:13 are physical 39:32", F32, 0x00c12345, 2, 0x01c00000,
	  S(0, 0, 0x5ull << 13, 0), NONE, C_PSE, 40, R_S, 0, 0x501c12345ull },
	{ "32: PSE-36 bit 35 under MAXPHYADDR 36", F32, 0x00c12345, 2, 0x01c00000,
	  S(0, 0, 0x8ull << 13, 0), NONE, C_PSE, 36, R_S, 0, 0x801c12345ull },
	{ "32: PSE-36 bit 36 above MAXPHYADDR 36", F32, 0x00c12345, 2, 0x01c00000,
	  S(0, 0, 0x10ull << 13, 0), NONE, C_PSE, 36, R_S, -SV_EFAULT, 0x9 },
	{ "32: 4M bit 21 reserved", F32, 0x00c12345, 2, 0x01c00000,
	  S(0, 0, BIT(21), 0), NONE, C_PSE, 40, W_U, -SV_EFAULT, 0xf },
	{ "32: PDE not present", F32, LA32, 1, FR32, NONE, S(0, 0, P, 0), 0, 0, R_S, -SV_EFAULT, 0x0 },
	{ "32: PDE not present, user write", F32, LA32, 1, FR32, NONE, S(0, 0, P, 0), 0, 0, W_U, -SV_EFAULT, 0x6 },
	{ "32: PTE not present, supervisor write", F32, LA32, 1, FR32, NONE, S(0, 0, 0, P), 0, 0, W_S, -SV_EFAULT, 0x2 },
	{ "32: user read, supervisor page", F32, LA32, 1, FR32, NONE, S(0, 0, 0, US), 0, 0, R_U, -SV_EFAULT, 0x5 },
	{ "32: user read, U/S clear in the PDE only", F32, LA32, 1, FR32, NONE, S(0, 0, US, 0), 0, 0, R_U, -SV_EFAULT, 0x5 },
	{ "32: user write, read-only PTE", F32, LA32, 1, FR32, NONE, S(0, 0, 0, RW), 0, 0, W_U, -SV_EFAULT, 0x7 },
	{ "32: user write, R/W clear in the PDE only", F32, LA32, 1, FR32, NONE, S(0, 0, RW, 0), 0, 0, W_U, -SV_EFAULT, 0x7 },
	{ "32: user read, read-only page", F32, LA32, 1, FR32, NONE, S(0, 0, RW, RW), 0, 0, R_U, 0, 0xabc234 },
	{ "32: supervisor write, read-only, WP clear", F32, LA32, 1, FR32, NONE, S(0, 0, RW, RW), 0, 0, W_S, 0, 0xabc234 },
	{ "32: supervisor write, read-only, WP set", F32, LA32, 1, FR32, NONE, S(0, 0, 0, RW), C_WP, 0, W_S, -SV_EFAULT, 0x3 },
	{ "32: supervisor write, read-only PDE, WP set", F32, LA32, 1, FR32, NONE, S(0, 0, RW, 0), C_WP, 0, W_S, -SV_EFAULT, 0x3 },
	{ "32: supervisor write, user read-only page, WP clear", F32, LA32, 1, FR32, NONE, S(0, 0, 0, RW), 0, 0, W_S, 0, 0xabc234 },
	{ "32: fetch not present, no SMEP: no I/D", F32, LA32, 1, FR32, NONE, S(0, 0, 0, P), 0, 0, F_S, -SV_EFAULT, 0x0 },
	{ "32: fetch not present, SMEP: I/D", F32, LA32, 1, FR32, NONE, S(0, 0, 0, P), C_SMEP, 0, F_S, -SV_EFAULT, 0x10 },
	{ "32: SMEP: supervisor fetch, user page", F32, LA32, 1, FR32, NONE, NONE, C_SMEP, 0, F_S, -SV_EFAULT, 0x11 },
	{ "32: SMEP: supervisor fetch, supervisor page", F32, LA32, 1, FR32, NONE, S(0, 0, 0, US), C_SMEP, 0, F_S, 0, 0xabc234 },
	{ "32: SMEP: user fetch, user page", F32, LA32, 1, FR32, NONE, NONE, C_SMEP, 0, F_U, 0, 0xabc234 },
	{ "32: CR4.SMEP without CPUID's: ignored", F32, LA32, 1, FR32, NONE, NONE, C_SMEP4, 0, F_S, 0, 0xabc234 },
	{ "32: SMAP: supervisor read, user page", F32, LA32, 1, FR32, NONE, NONE, C_SMAP, 0, R_S, -SV_EFAULT, 0x1 },
	{ "32: SMAP: supervisor write, user page", F32, LA32, 1, FR32, NONE, NONE, C_SMAP, 0, W_S, -SV_EFAULT, 0x3 },
	{ "32: SMAP with RFLAGS.AC", F32, LA32, 1, FR32, NONE, NONE, C_SMAP | C_AC, 0, W_S, 0, 0xabc234 },
	{ "32: SMAP with AC, read-only user page, WP", F32, LA32, 1, FR32, NONE, S(0, 0, 0, RW), C_SMAP | C_AC | C_WP, 0, W_S, -SV_EFAULT, 0x3 },
	{ "32: SMAP: fetches are not data", F32, LA32, 1, FR32, NONE, NONE, C_SMAP, 0, F_S, 0, 0xabc234 },
	{ "32: SMAP: user access to user page", F32, LA32, 1, FR32, NONE, NONE, C_SMAP, 0, W_U, 0, 0xabc234 },
	{ "32: CR4.SMAP without CPUID's: ignored", F32, LA32, 1, FR32, NONE, NONE, C_SMAP4, 0, R_S, 0, 0xabc234 },

	/* ---- PAE paging ---- */
	{ "PAE: 4K above 4 GiB", FPAE, LAPAE, 1, FRPAE, NONE, NONE, 0, 0, R_S, 0, 0x876543234ull },
	{ "PAE: 2M page", FPAE, 0x40312345, 2, 0x123400000ull, NONE, NONE, 0, 0, W_U, 0, 0x123512345ull },
	{ "PAE: 2M page, PAT bit 12 is not address", FPAE, 0x40312345, 2, 0x123400000ull, S(0, 0, BIT(12), 0), NONE, 0, 0, R_S, 0, 0x123512345ull },
	{ "PAE: 2M page, bit 13 reserved", FPAE, 0x40312345, 2, 0x123400000ull, S(0, 0, BIT(13), 0), NONE, 0, 0, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: 2M page, bit 20 reserved", FPAE, 0x40312345, 2, 0x123400000ull, S(0, 0, BIT(20), 0), NONE, 0, 0, W_S, -SV_EFAULT, 0xb },
	{ "PAE: PS needs no CR4.PSE", FPAE, 0x40312345, 2, 0x00400000ull, NONE, NONE, 0, 0, R_S, 0, 0x00512345ull },
	{ "PAE: PDPTE not present", FPAE, LAPAE, 1, FRPAE, NONE, S(0, P, 0, 0), 0, 0, R_S, -SV_EFAULT, 0x0 },
	{ "PAE: PDPTE not present, write", FPAE, LAPAE, 1, FRPAE, NONE, S(0, P, 0, 0), 0, 0, W_S, -SV_EFAULT, 0x2 },
	{ "PAE: PDPTE bit 1 reserved", FPAE, LAPAE, 1, FRPAE, S(0, RW, 0, 0), NONE, 0, 0, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: PDPTE bit 7 reserved", FPAE, LAPAE, 1, FRPAE, S(0, PS, 0, 0), NONE, 0, 0, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: PDPTE bit 63 reserved even with NXE", FPAE, LAPAE, 1, FRPAE, S(0, XD, 0, 0), NONE, C_NXE, 0, R_U, -SV_EFAULT, 0xd },
	{ "PAE: PDPTEs carry no U/S or R/W", FPAE, LAPAE, 1, FRPAE, NONE, NONE, C_WP, 0, W_U, 0, 0x876543234ull },
	{ "PAE: XD without NXE is reserved", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, XD), NONE, 0, 0, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: XD without NXE, fetch: no I/D", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, XD), NONE, 0, 0, F_S, -SV_EFAULT, 0x9 },
	{ "PAE: XD with NXE, read", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, XD), NONE, C_NXE, 0, R_S, 0, 0x876543234ull },
	{ "PAE: XD with NXE, fetch", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, XD), NONE, C_NXE, 0, F_S, -SV_EFAULT, 0x11 },
	{ "PAE: XD with NXE, user fetch", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, XD), NONE, C_NXE, 0, F_U, -SV_EFAULT, 0x15 },
	{ "PAE: XD in the PDE", FPAE, LAPAE, 1, FRPAE, S(0, 0, XD, 0), NONE, C_NXE, 0, F_S, -SV_EFAULT, 0x11 },
	{ "PAE: fetch not present with NXE: I/D", FPAE, LAPAE, 1, FRPAE, NONE, S(0, 0, 0, P), C_NXE, 0, F_S, -SV_EFAULT, 0x10 },
	{ "PAE: fetch not present without NXE: no I/D", FPAE, LAPAE, 1, FRPAE, NONE, S(0, 0, 0, P), 0, 0, F_U, -SV_EFAULT, 0x4 },
	{ "PAE: address bit 36, MAXPHYADDR 36", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, BIT(36)), NONE, 0, 36, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: address bit 36, MAXPHYADDR 40", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, BIT(36)), NONE, 0, 40, R_S, 0, 0x1876543234ull },
	{ "PAE: bit 52 reserved (PAE reaches 62)", FPAE, LAPAE, 1, FRPAE, S(0, 0, 0, BIT(52)), NONE, 0, 52, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: bit 62 reserved", FPAE, LAPAE, 1, FRPAE, S(0, 0, BIT(62), 0), NONE, C_NXE, 52, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: PDE pointing above MAXPHYADDR", FPAE, LAPAE, 1, FRPAE, S(0, 0, BIT(40), 0), NONE, 0, 36, W_U, -SV_EFAULT, 0xf },
	{ "PAE: PDPTE pointing above MAXPHYADDR", FPAE, LAPAE, 1, FRPAE, S(0, BIT(39), 0, 0), NONE, 0, 39, R_S, -SV_EFAULT, 0x9 },
	{ "PAE: supervisor write, read-only PDE, WP", FPAE, LAPAE, 1, FRPAE, NONE, S(0, 0, RW, 0), C_WP, 0, W_S, -SV_EFAULT, 0x3 },
	{ "PAE: SMEP with NXE: I/D once", FPAE, LAPAE, 1, FRPAE, NONE, NONE, C_SMEP | C_NXE, 0, F_S, -SV_EFAULT, 0x11 },

	/* ---- 4-level paging ---- */
	{ "4L: 4K", F4, LA4, 1, FR4, NONE, NONE, 0, 46, R_S, 0, 0x1234567abcull },
	{ "4L: 4K, higher half", F4, 0xffff800000201abcull, 1, FR4, NONE, NONE, 0, 46, W_U, 0, 0x1234567abcull },
	{ "4L: 2M", F4, LA4, 2, 0x0000001234400000ull, NONE, NONE, 0, 46, R_S, 0, 0x1234567abcull },
	{ "4L: 1G", F4, LA4, 3, 0x0000001200000000ull, NONE, NONE, 0, 46, F_U, 0, 0x1234567abcull },
	{ "4L: 1G without Page1GB: PS reserved", F4, LA4, 3, 0x0000001200000000ull, NONE, NONE, C_NO1G, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: 1G, bit 13 reserved", F4, LA4, 3, 0x0000001200000000ull, S(0, BIT(13), 0, 0), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: 1G, bit 29 reserved", F4, LA4, 3, 0x0000001200000000ull, S(0, BIT(29), 0, 0), NONE, 0, 46, R_U, -SV_EFAULT, 0xd },
	{ "4L: 2M, bit 20 reserved", F4, LA4, 2, 0x0000001234400000ull, S(0, 0, BIT(20), 0), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: PML4E PS reserved", F4, LA4, 1, FR4, S(PS, 0, 0, 0), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: non-canonical (bit 47 clear, 48 set)", F4, 0x0001000000000000ull, 1, FR4, NONE, NONE, 0, 46, R_S, -SV_ERANGE, 0 },
	{ "4L: non-canonical (bit 47 set, 63 clear)", F4, 0x0000800000000000ull, 1, FR4, NONE, NONE, 0, 46, R_S, -SV_ERANGE, 0 },
	{ "4L: non-canonical high", F4, 0xffff7fffffffffffull, 1, FR4, NONE, NONE, 0, 46, F_S, -SV_ERANGE, 0 },
	{ "4L: bits 62:52 ignored", F4, LA4, 1, FR4, S(0, 0, 0, BIT(52) | BIT(62)), NONE, 0, 46, R_S, 0, 0x1234567abcull },
	{ "4L: bit 51, MAXPHYADDR 46", F4, LA4, 1, FR4, S(0, 0, 0, BIT(51)), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: bit 45, MAXPHYADDR 46", F4, LA4, 1, FR4, S(0, 0, 0, BIT(45)), NONE, 0, 46, R_S, 0, 0x201234567abcull },
	{ "4L: PML4E above MAXPHYADDR", F4, LA4, 1, FR4, S(BIT(46), 0, 0, 0), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: XD in the PML4E, fetch", F4, LA4, 1, FR4, S(XD, 0, 0, 0), NONE, C_NXE, 46, F_S, -SV_EFAULT, 0x11 },
	{ "4L: XD in the PML4E, user fetch", F4, LA4, 1, FR4, S(XD, 0, 0, 0), NONE, C_NXE, 46, F_U, -SV_EFAULT, 0x15 },
	{ "4L: XD in the PML4E, write", F4, LA4, 1, FR4, S(XD, 0, 0, 0), NONE, C_NXE, 46, W_U, 0, 0x1234567abcull },
	{ "4L: XD without NXE in the PDPTE", F4, LA4, 1, FR4, S(0, XD, 0, 0), NONE, 0, 46, R_S, -SV_EFAULT, 0x9 },
	{ "4L: PDPTE not present, user write", F4, LA4, 1, FR4, NONE, S(0, P, 0, 0), 0, 46, W_U, -SV_EFAULT, 0x6 },
	{ "4L: U/S clear in the PML4E", F4, LA4, 1, FR4, NONE, S(US, 0, 0, 0), 0, 46, R_U, -SV_EFAULT, 0x5 },
	{ "4L: R/W clear in the PDPTE, WP", F4, LA4, 1, FR4, NONE, S(0, RW, 0, 0), C_WP, 46, W_S, -SV_EFAULT, 0x3 },
	{ "4L: SMEP and NXE, fetch of a user page", F4, LA4, 1, FR4, NONE, NONE, C_SMEP | C_NXE, 46, F_S, -SV_EFAULT, 0x11 },
	{ "4L: SMEP, U/S clear in the PDE", F4, LA4, 1, FR4, NONE, S(0, 0, US, 0), C_SMEP, 46, F_S, 0, 0x1234567abcull },
	{ "4L: MAXPHYADDR 52, bit 51", F4, LA4, 1, FR4, S(0, 0, 0, BIT(51)), NONE, 0, 52, R_S, 0, 0x8001234567abcull },
};

static void test_table(void)
{
	struct wrig r;

	wrig_init(&r, TREE_RAM);
	for (size_t i = 0; i < SV_ARRAY_SIZE(wcases); i++) {
		const struct wcase *c = &wcases[i];
		struct sv_paging pg = paging_of(c->fmt, c->ctl, c->maxphy);
		struct sv_walk w;
		unsigned before;
		int err;

		build(&r, c->fmt, c->la, c->leaf, c->frame, c->set, c->clr);
		before = writes(&r);
		err = walk_translate(&r.vm, &pg, gva(c->la), c->access, &w);
		if (err != c->err) {
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: returned %d, expected %d",
				      c->what, err, c->err);
			continue;
		}
		if (err == 0 && w.gpa.v != c->want)
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: gpa 0x%llx, expected 0x%llx",
				      c->what, (unsigned long long)w.gpa.v,
				      (unsigned long long)c->want);
		else if (err == 0 && w.page_shift != (c->leaf == 1 ? 12u :
			 c->leaf == 3 ? 30u : c->fmt == F32 ? 22u : 21u))
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: page shift %u",
				      c->what, w.page_shift);
		else if (err == -SV_EFAULT && (w.error != c->want ||
					       w.addr.v != c->la))
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: error 0x%x at 0x%llx, "
				      "expected 0x%llx at 0x%llx", c->what, w.error,
				      (unsigned long long)w.addr.v,
				      (unsigned long long)c->want,
				      (unsigned long long)c->la);
		else if (err == -SV_ERANGE && w.addr.v != c->la)
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: address 0x%llx",
				      c->what, (unsigned long long)w.addr.v);
		else if (err && writes(&r) != before)
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: a failed walk wrote "
				      "the tables", c->what);
		else
			CU_PASS(c->what);
	}
	wrig_destroy(&r);
}

/* ---- accessed and dirty bits ------------------------------------------------- */

static uint64_t entry_at(struct wrig *r, int fmt, uint64_t la, unsigned level)
{
	return get(r->ram, table_of(fmt, level) + index_of(fmt, la, level) *
		   entry_size(fmt), entry_size(fmt));
}

static void test_accessed_dirty(void)
{
	static const uint64_t none[5];
	struct wrig r;
	struct sv_paging pg;
	struct sv_walk w;
	uint64_t set[5] = { 0 };

	wrig_init(&r, TREE_RAM);

	/* 4-level read: A on all four, D nowhere; a second read writes nothing */
	pg = paging_of(F4, 0, 46);
	build(&r, F4, LA4, 1, FR4, none, none);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), R_S, &w), 0);
	for (unsigned l = 1; l <= 4; l++)
		SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, l) & (A | D), A);
	SV_CHECK_EQ_U64(writes(&r), 4);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), F_U, &w), 0);
	SV_CHECK_EQ_U64(writes(&r), 4);
	/* then a write: D on the PTE only, one write */
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), W_S, &w), 0);
	SV_CHECK_EQ_U64(writes(&r), 5);
	SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, 1) & (A | D), A | D);
	for (unsigned l = 2; l <= 4; l++)
		SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, l) & (A | D), A);
	/* the rest of the entries is untouched */
	SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, 1) & ~(A | D), FR4 | P | RW | US);

	/* 2M write: the PDE is the leaf and gets D; its table entries do not */
	build(&r, F4, LA4, 2, 0x0000001234400000ull, none, none);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), W_U, &w), 0);
	SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, 2) & (A | D), A | D);
	SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, 3) & (A | D), A);

	/* a fault found after the whole walk (U/S) writes nothing */
	set[1] = 0;
	{
		uint64_t clr[5] = { 0, US, 0, 0, 0 };
		unsigned before;

		build(&r, F4, LA4, 1, FR4, none, clr);
		before = writes(&r);
		SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), W_U, &w),
				-SV_EFAULT);
		SV_CHECK_EQ_U64(w.error, 0x7);
		SV_CHECK_EQ_U64(writes(&r), before);
		for (unsigned l = 1; l <= 4; l++)
			SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, l) & (A | D), 0);
	}

	/* PAE: the PDPTE has no accessed bit and is never written */
	pg = paging_of(FPAE, C_NXE, 36);
	build(&r, FPAE, LAPAE, 1, FRPAE, none, none);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LAPAE), W_S, &w), 0);
	SV_CHECK_EQ_U64(entry_at(&r, FPAE, LAPAE, 3), table_of(FPAE, 2) | P);
	SV_CHECK_EQ_U64(entry_at(&r, FPAE, LAPAE, 2) & (A | D), A);
	SV_CHECK_EQ_U64(entry_at(&r, FPAE, LAPAE, 1) & (A | D), A | D);

	/* 32-bit 4M write: the PDE gets A and D; A already set, one write */
	pg = paging_of(F32, C_PSE, 40);
	set[2] = A;
	build(&r, F32, 0x00c12345, 2, 0x01c00000, set, none);
	{
		unsigned before = writes(&r);

		SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(0x00c12345), W_S,
					       &w), 0);
		SV_CHECK_EQ_U64(writes(&r), before + 1);
		SV_CHECK_EQ_U64(entry_at(&r, F32, 0x00c12345, 2),
				0x01c00000 | P | RW | US | PS | A | D);
	}
	wrig_destroy(&r);
}

/* ---- refusals, tables outside RAM, a recursive map ------------------------- */

static void test_refusals(void)
{
	static const uint64_t none[5];
	struct wrig r;
	struct sv_paging pg;
	struct sv_walk w;

	wrig_init(&r, TREE_RAM);
	pg = paging_of(F32, 0, 0);
	build(&r, F32, LA32, 1, FR32, none, none);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA32),
				       SV_WALK_WRITE | SV_WALK_FETCH, &w),
			-SV_EINVAL);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA32 | BIT(32)), R_S, &w),
			-SV_EINVAL);
	pg.maxphyaddr = 53;
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA32), R_S, &w), -SV_EINVAL);
	pg.maxphyaddr = 36;
	pg.mode = (enum sv_paging_mode)7;
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA32), R_S, &w), -SV_EINVAL);

	/* CR3 outside RAM, an entry pointing outside RAM */
	pg = paging_of(F32, 0, 0);
	pg.cr3 = 0x100000;
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA32), R_S, &w), -SV_ENOENT);
	pg = paging_of(F4, 0, 46);
	build(&r, F4, LA4, 1, FR4, none, none);
	put(r.ram, table_of(F4, 3) + index_of(F4, LA4, 3) * 8, 0x200000 | P | RW, 8);
	SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(LA4), R_S, &w), -SV_ENOENT);
	SV_CHECK_EQ_U64(entry_at(&r, F4, LA4, 4) & A, 0);	/* nothing set */

	/*
	 * A recursive map, PML4[0x1ed] naming the PML4 itself: an address
	 * with every index 0x1ed reads that one entry four times and maps
	 * the PML4 as a page. The depth is the format's: no loop.
	 */
	memset(r.ram, 0, r.size);
	put(r.ram, TOP + 0x1ed * 8, TOP | P | RW, 8);
	{
		uint64_t la = 0xffff000000000000ull | (0x1edull << 39) |
			      (0x1edull << 30) | (0x1edull << 21) |
			      (0x1edull << 12) | 0x18;
		unsigned before = r.vm.b->calls[FAKE_OP_read_gpa];

		SV_CHECK_EQ_I64(walk_translate(&r.vm, &pg, gva(la), W_S, &w), 0);
		SV_CHECK_EQ_U64(w.gpa.v, TOP + 0x18);
		SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_read_gpa] - before, 4);
		SV_CHECK_EQ_U64(get(r.ram, TOP + 0x1ed * 8, 8), TOP | P | RW | A | D);
	}
	wrig_destroy(&r);
}

/* ---- walk_paging_load and walk_inject_pf ------------------------------------ */

static void test_paging_load(void)
{
	struct wrig r;
	struct sv_paging pg;

	wrig_init(&r, TREE_RAM);
	/* paging off: nothing to walk */
	r.f->cr[SV_CR0] = SV_CR0_PE;
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, 0, &pg), -SV_EINVAL);

	/* 32-bit: EFER is not read; no leaf 0x80000008: MAXPHYADDR 36 */
	r.f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_PG | SV_CR0_WP;
	r.f->cr[SV_CR3] = 0x3000;
	r.f->cr[SV_CR4] = SV_CR4_PSE;
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, BIT(18), &pg), 0);
	SV_CHECK_EQ_U64(pg.mode, SV_PAGING_32);
	SV_CHECK_EQ_U64(pg.cr0, SV_CR0_PE | SV_CR0_PG | SV_CR0_WP);
	SV_CHECK_EQ_U64(pg.cr3, 0x3000);
	SV_CHECK_EQ_U64(pg.cr4, SV_CR4_PSE);
	SV_CHECK_EQ_U64(pg.maxphyaddr, SV_WALK_DEFAULT_MAXPHYADDR);
	SV_CHECK(pg.ac);
	SV_CHECK(!pg.smep && !pg.smap);
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_get_msr], 0);

	/* PAE: EFER.NXE read; the CPU's MAXPHYADDR */
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, SV_CPUID_EXT_MAX, 0, 0x80000008u,
				       0, 0, 0), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, 0x80000008u, 0, 0x3027, 0, 0, 0), 0);
	r.vcpu->arch.cpuid_limits_known = false;
	r.f->cr[SV_CR4] = SV_CR4_PAE;
	SV_CHECK_EQ_I64(r.vm.ops->set_msr(r.f, SV_MSR_IA32_EFER, SV_EFER_NXE), 0);
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, 0, &pg), 0);
	SV_CHECK_EQ_U64(pg.mode, SV_PAGING_PAE);
	SV_CHECK_EQ_U64(pg.efer, SV_EFER_NXE);
	SV_CHECK_EQ_U64(pg.maxphyaddr, 39);
	SV_CHECK(!pg.ac);

	/* 4-level with 1 GiB pages; SMEP and SMAP from leaf 7 with CR4's */
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, SV_CPUID_EXT_FEATURES1, 0, 0, 0, 0,
				       BIT(26)), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, SV_CPUID_BASIC_MAX, 0, 7, 0, 0, 0), 0);
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, SV_CPUID_EXT_FEATURES, 0, 0,
				       SV_CPUID_7_EBX_SMEP, 0, 0), 0);
	r.vcpu->arch.cpuid_limits_known = false;
	SV_CHECK_EQ_I64(r.vm.ops->set_msr(r.f, SV_MSR_IA32_EFER, SV_EFER_LME |
					  SV_EFER_LMA), 0);
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, 0, &pg), 0);
	SV_CHECK_EQ_U64(pg.mode, SV_PAGING_4LEVEL);
	SV_CHECK(pg.page1gb);
	SV_CHECK(!pg.smep);		/* CR4.SMEP clear: leaf 7 not asked */
	r.f->cr[SV_CR4] = SV_CR4_PAE | SV_CR4_SMEP | SV_CR4_SMAP;
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, 0, &pg), 0);
	SV_CHECK(pg.smep);
	SV_CHECK(!pg.smap);		/* CR4 has it, CPUID does not */

	/* a MAXPHYADDR no CPU reports: the default */
	SV_CHECK_EQ_I64(fake_set_cpuid(r.f, 0x80000008u, 0, 0x3080, 0, 0, 0), 0);
	SV_CHECK_EQ_I64(walk_paging_load(r.vcpu, 0, &pg), 0);
	SV_CHECK_EQ_U64(pg.maxphyaddr, SV_WALK_DEFAULT_MAXPHYADDR);
	wrig_destroy(&r);
}

static void test_inject_pf(void)
{
	struct wrig r;
	struct sv_walk w = { .error = SV_PF_P | SV_PF_WR, .addr = { 0xdead1000 } };

	wrig_init(&r, TREE_RAM);
	SV_CHECK_EQ_I64(walk_inject_pf(r.vcpu, &w), 0);
	SV_CHECK_EQ_U64(r.f->cr[SV_CR2], 0xdead1000);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 1);
	SV_CHECK_EQ_U64(r.vcpu->events[0].vector, SV_EXC_PF);
	SV_CHECK_EQ_U64(r.vcpu->events[0].type, SV_INTR_TYPE_HW_EXCEPTION);
	SV_CHECK(r.vcpu->events[0].has_error);
	SV_CHECK_EQ_U64(r.vcpu->events[0].error, 0x3);
	wrig_destroy(&r);
}

/* ---- the reference walker ----------------------------------------------------- */

/*
 * Written from the SDM, one function per format, without walk.c's table:
 * reads RAM directly and sets A/D in it directly.
 */
struct ref {
	uint8_t *ram;
	size_t size;
	const struct sv_paging *pg;
	uint64_t la;
	unsigned acc;
};

struct ref_out {
	int err;
	uint64_t gpa;
	unsigned shift;
	uint32_t error;
};

static bool ref_read(const struct ref *x, uint64_t at, unsigned size,
		     uint64_t *v)
{
	if (at >= x->size || x->size - at < size)
		return false;
	*v = get(x->ram, at, size);
	return true;
}

static int ref_pf(const struct ref *x, bool ptf, bool rsvd, bool id_ok,
		  struct ref_out *o)
{
	uint32_t e = 0;

	if (ptf || rsvd)
		e |= 1;
	if (x->acc & SV_WALK_WRITE)
		e |= 2;
	if (x->acc & SV_WALK_USER)
		e |= 4;
	if (rsvd)
		e |= 8;
	if ((x->acc & SV_WALK_FETCH) &&
	    ((x->pg->smep && (x->pg->cr4 & SV_CR4_SMEP)) || id_ok))
		e |= 16;
	o->error = e;
	return o->err = -SV_EFAULT;
}

/* SDM 4.6, supervisor and user accesses spelt out. */
static bool ref_allowed(const struct ref *x, bool rw, bool us, bool nx)
{
	const struct sv_paging *pg = x->pg;
	bool smep = pg->smep && (pg->cr4 & SV_CR4_SMEP);
	bool smap = pg->smap && (pg->cr4 & SV_CR4_SMAP);
	bool wp = (pg->cr0 & SV_CR0_WP) != 0;

	if (x->acc & SV_WALK_USER) {
		if (!us)
			return false;
		if (x->acc & SV_WALK_FETCH)
			return !nx;
		if (x->acc & SV_WALK_WRITE)
			return rw;
		return true;
	}
	if (x->acc & SV_WALK_FETCH) {
		if (us && smep)
			return false;
		return !nx;
	}
	if (us && smap && !pg->ac)
		return false;
	if (x->acc & SV_WALK_WRITE)
		return wp ? rw : true;
	return true;
}

static void ref_set(const struct ref *x, uint64_t at, unsigned size,
		    uint64_t bits)
{
	put(x->ram, at, get(x->ram, at, size) | bits, size);
}

static int ref_32(const struct ref *x, struct ref_out *o)
{
	const struct sv_paging *pg = x->pg;
	bool w = x->acc & SV_WALK_WRITE;
	uint64_t pde_at, pte_at, pde, pte;
	unsigned m = pg->maxphyaddr < 40 ? pg->maxphyaddr : 40;

	if (x->la >> 32)
		return o->err = -SV_EINVAL;
	pde_at = (pg->cr3 & 0xfffff000u) + ((x->la >> 22) & 0x3ff) * 4;
	if (!ref_read(x, pde_at, 4, &pde))
		return o->err = -SV_ENOENT;
	if (!(pde & 1))
		return ref_pf(x, false, false, false, o);
	if ((pg->cr4 & SV_CR4_PSE) && (pde & 0x80)) {
		uint64_t hi = (pde >> 13) & 0xff;

		if ((pde & (1u << 21)) || (hi >> (m - 32)))
			return ref_pf(x, false, true, false, o);
		if (!ref_allowed(x, pde & 2, pde & 4, false))
			return ref_pf(x, true, false, false, o);
		ref_set(x, pde_at, 4, 0x20 | (w ? 0x40 : 0));
		o->gpa = (pde & 0xffc00000u) | (hi << 32) | (x->la & 0x3fffff);
		o->shift = 22;
		return o->err = 0;
	}
	pte_at = (pde & 0xfffff000u) + ((x->la >> 12) & 0x3ff) * 4;
	if (!ref_read(x, pte_at, 4, &pte))
		return o->err = -SV_ENOENT;
	if (!(pte & 1))
		return ref_pf(x, false, false, false, o);
	if (!ref_allowed(x, pde & pte & 2, pde & pte & 4, false))
		return ref_pf(x, true, false, false, o);
	ref_set(x, pde_at, 4, 0x20);
	ref_set(x, pte_at, 4, 0x20 | (w ? 0x40 : 0));
	o->gpa = (pte & 0xfffff000u) | (x->la & 0xfff);
	o->shift = 12;
	return o->err = 0;
}

static int ref_pae(const struct ref *x, struct ref_out *o)
{
	const struct sv_paging *pg = x->pg;
	bool w = x->acc & SV_WALK_WRITE, nxe = pg->efer & SV_EFER_NXE;
	/* bits 62:M of every entry, and 63 where it is not XD */
	uint64_t hi = (~0ull << pg->maxphyaddr) & ~(1ull << 63);
	uint64_t xdr = nxe ? 0 : 1ull << 63;
	uint64_t pdpte_at, pde_at, pte_at, pdpte, pde, pte;
	bool rw, us, nx;

	if (x->la >> 32)
		return o->err = -SV_EINVAL;
	pdpte_at = (pg->cr3 & 0xffffffe0u) + ((x->la >> 30) & 3) * 8;
	if (!ref_read(x, pdpte_at, 8, &pdpte))
		return o->err = -SV_ENOENT;
	if (!(pdpte & 1))
		return ref_pf(x, false, false, nxe, o);
	if (pdpte & (hi | 0x1e6 | (1ull << 63)))
		return ref_pf(x, false, true, nxe, o);

	pde_at = (pdpte & 0x000ffffffffff000ull & ~hi) +
		 ((x->la >> 21) & 0x1ff) * 8;
	if (!ref_read(x, pde_at, 8, &pde))
		return o->err = -SV_ENOENT;
	if (!(pde & 1))
		return ref_pf(x, false, false, nxe, o);
	if (pde & 0x80) {
		if (pde & (hi | xdr | 0x1fe000))
			return ref_pf(x, false, true, nxe, o);
		if (!ref_allowed(x, pde & 2, pde & 4, nxe && (pde >> 63)))
			return ref_pf(x, true, false, nxe, o);
		ref_set(x, pde_at, 8, 0x20 | (w ? 0x40 : 0));
		o->gpa = (pde & 0x7fffffffffe00000ull) | (x->la & 0x1fffff);
		o->shift = 21;
		return o->err = 0;
	}
	if (pde & (hi | xdr))
		return ref_pf(x, false, true, nxe, o);

	pte_at = (pde & 0x7ffffffffffff000ull) + ((x->la >> 12) & 0x1ff) * 8;
	if (!ref_read(x, pte_at, 8, &pte))
		return o->err = -SV_ENOENT;
	if (!(pte & 1))
		return ref_pf(x, false, false, nxe, o);
	if (pte & (hi | xdr))
		return ref_pf(x, false, true, nxe, o);
	rw = pde & pte & 2;
	us = pde & pte & 4;
	nx = nxe && ((pde | pte) >> 63);
	if (!ref_allowed(x, rw, us, nx))
		return ref_pf(x, true, false, nxe, o);
	ref_set(x, pde_at, 8, 0x20);
	ref_set(x, pte_at, 8, 0x20 | (w ? 0x40 : 0));
	o->gpa = (pte & 0x7ffffffffffff000ull) | (x->la & 0xfff);
	o->shift = 12;
	return o->err = 0;
}

/* 4-level: a loop is fine here, the per-level rules are spelt out inline. */
static int ref_4(const struct ref *x, struct ref_out *o)
{
	const struct sv_paging *pg = x->pg;
	bool w = x->acc & SV_WALK_WRITE, nxe = pg->efer & SV_EFER_NXE;
	uint64_t hi = (~0ull << pg->maxphyaddr) & 0x000fffffffffffffull;
	uint64_t xdr = nxe ? 0 : 1ull << 63;
	uint64_t at[4], e[4], table;
	bool rw = true, us = true, nx = false;
	int n, leaf = -1;

	if ((uint64_t)((int64_t)(x->la << 16) >> 16) != x->la)
		return o->err = -SV_ERANGE;
	table = pg->cr3 & 0x000ffffffffff000ull;
	for (n = 0; n < 4; n++) {
		unsigned shift = 39 - 9 * n;

		at[n] = table + ((x->la >> shift) & 0x1ff) * 8;
		if (!ref_read(x, at[n], 8, &e[n]))
			return o->err = -SV_ENOENT;
		if (!(e[n] & 1))
			return ref_pf(x, false, false, nxe, o);
		if (e[n] & (hi | xdr))
			return ref_pf(x, false, true, nxe, o);
		if (n == 0 && (e[n] & 0x80))		/* PML4E */
			return ref_pf(x, false, true, nxe, o);
		if (n == 1 && (e[n] & 0x80) &&		/* 1 GiB */
		    (!pg->page1gb || (e[n] & 0x3fffe000)))
			return ref_pf(x, false, true, nxe, o);
		if (n == 2 && (e[n] & 0x80) && (e[n] & 0x1fe000))	/* 2 MiB */
			return ref_pf(x, false, true, nxe, o);
		rw = rw && (e[n] & 2);
		us = us && (e[n] & 4);
		nx = nx || (nxe && (e[n] >> 63));
		if (n == 3 || (n > 0 && (e[n] & 0x80))) {
			leaf = n;
			break;
		}
		table = e[n] & 0x000ffffffffff000ull;
	}
	if (!ref_allowed(x, rw, us, nx))
		return ref_pf(x, true, false, nxe, o);
	for (n = 0; n <= leaf; n++)
		ref_set(x, at[n], 8, 0x20 | (w && n == leaf ? 0x40 : 0));
	o->shift = 39 - 9 * leaf;
	o->gpa = (e[leaf] & 0x000ffffffffff000ull & ~((1ull << o->shift) - 1)) |
		 (x->la & ((1ull << o->shift) - 1));
	return o->err = 0;
}

static int ref_walk(const struct ref *x, struct ref_out *o)
{
	*o = (struct ref_out){ 0, 0, 0, 0 };
	switch (x->pg->mode) {
	case SV_PAGING_32:
		return ref_32(x, o);
	case SV_PAGING_PAE:
		return ref_pae(x, o);
	default:
		return ref_4(x, o);
	}
}

/* ---- property: random trees ----------------------------------------------------- */

#define PROP_RAM	0x8000u		/* 8 pages, every byte a random entry */
#define PROP_TREES	4000
#define PROP_ADDRS	3

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static bool chance(unsigned percent)
{
	return rng() % 100 < percent;
}

/* An entry mostly present and pointing back into RAM, with noise. */
static uint64_t random_entry(unsigned size)
{
	uint64_t v = rng() & 0xfff & ~(uint64_t)(P | PS);
	unsigned k;

	if (chance(88))
		v |= P;
	if (chance(30))
		v |= PS;
	k = (unsigned)(rng() % 100);
	if (k < 75)
		v |= (rng() % (PROP_RAM / 0x1000)) << 12;	/* a RAM page */
	else if (k < 85)
		v |= (rng() & 0xff) << 12;			/* past RAM */
	else
		v |= rng() & 0xfffffffffffff000ull;		/* anything */
	if (size == 8) {
		if (chance(30))
			v |= XD;
		if (chance(8))
			v |= 1ull << (52 + rng() % 11);		/* 62:52 */
	}
	if (chance(6))				/* a large-page alignment bit */
		v |= 1ull << (13 + rng() % 17);
	if (chance(6))
		v |= 1ull << (32 + rng() % 20);			/* high address */
	return size == 4 ? (v & 0xffffffffu) : v;
}

static void random_paging(struct sv_paging *pg)
{
	static const unsigned maxphys[] = { 32, 36, 39, 40, 46, 48, 52 };
	int fmt = (int)(rng() % 3);

	*pg = paging_of(fmt, rng() & 0x1ff, maxphys[rng() % 7]);
	if (fmt == F32)
		pg->efer = 0;
	pg->cr4 |= (rng() & 1) ? SV_CR4_PSE : 0;
	pg->page1gb = rng() & 1;
	if (chance(95))
		pg->cr3 = (rng() % PROP_RAM) & ~0x1full;
	else
		pg->cr3 = rng() & 0xffffffffull;
}

static uint64_t random_la(const struct sv_paging *pg)
{
	uint64_t la = rng();

	if (pg->mode != SV_PAGING_4LEVEL)
		return la & 0xffffffffull;
	if (chance(90))
		la = (uint64_t)((int64_t)(la << 16) >> 16);	/* canonical */
	return la;
}

static void test_property(void)
{
	static const unsigned accesses[] = { R_S, W_S, F_S, R_U, W_U, F_U };
	unsigned ok = 0, notp = 0, rsvd = 0, prot = 0, enoent = 0, erange = 0,
		 id = 0, large = 0, mismatches = 0;
	uint8_t *ref_ram = malloc(PROP_RAM);
	struct wrig r;

	wrig_init(&r, PROP_RAM);
	for (unsigned t = 0; t < PROP_TREES && mismatches < 10; t++) {
		struct sv_paging pg;
		unsigned size;

		random_paging(&pg);
		size = pg.mode == SV_PAGING_32 ? 4 : 8;
		for (uint64_t at = 0; at < PROP_RAM; at += size)
			put(r.ram, at, random_entry(size), size);
		memcpy(ref_ram, r.ram, PROP_RAM);
		for (unsigned a = 0; a < PROP_ADDRS; a++) {
			uint64_t la = random_la(&pg);

			for (unsigned k = 0; k < SV_ARRAY_SIZE(accesses); k++) {
				struct ref x = { ref_ram, PROP_RAM, &pg, la,
						 accesses[k] };
				struct ref_out o;
				struct sv_walk w;
				int err = walk_translate(&r.vm, &pg, gva(la),
							 accesses[k], &w);
				bool same;

				ref_walk(&x, &o);
				same = err == o.err &&
				       (err != 0 || (w.gpa.v == o.gpa &&
						     w.page_shift == o.shift)) &&
				       (err != -SV_EFAULT || (w.error == o.error &&
							      w.addr.v == la)) &&
				       memcmp(r.ram, ref_ram, PROP_RAM) == 0;
				if (!same) {
					SV_TEST_FAIL_(__FILE__, __LINE__,
						"tree %u mode %d cr3 0x%llx cr4 0x%llx "
						"efer 0x%llx M %u la 0x%llx access %u: "
						"walker %d gpa 0x%llx error 0x%x, "
						"reference %d gpa 0x%llx error 0x%x%s",
						t, pg.mode, (unsigned long long)pg.cr3,
						(unsigned long long)pg.cr4,
						(unsigned long long)pg.efer,
						pg.maxphyaddr, (unsigned long long)la,
						accesses[k], err,
						(unsigned long long)w.gpa.v, w.error,
						o.err, (unsigned long long)o.gpa,
						o.error,
						memcmp(r.ram, ref_ram, PROP_RAM) ?
						", RAM differs" : "");
					mismatches++;
					memcpy(ref_ram, r.ram, PROP_RAM);
					continue;
				}
				if (err == 0) {
					ok++;
					large += w.page_shift > 12;
				} else if (err == -SV_EFAULT) {
					if (w.error & SV_PF_RSVD)
						rsvd++;
					else if (w.error & SV_PF_P)
						prot++;
					else
						notp++;
					id += (w.error & SV_PF_ID) != 0;
				} else if (err == -SV_ENOENT) {
					enoent++;
				} else if (err == -SV_ERANGE) {
					erange++;
				}
			}
		}
	}
	SV_CHECK_EQ_U64(mismatches, 0);
	/* the generator reaches every outcome, often */
	SV_CHECK(ok > 4000);
	SV_CHECK(large > 1000);
	SV_CHECK(notp > 5000);
	SV_CHECK(rsvd > 10000);
	SV_CHECK(prot > 3000);
	SV_CHECK(enoent > 5000);
	SV_CHECK(erange > 1000);
	SV_CHECK(id > 5000);
	wrig_destroy(&r);
	free(ref_ram);
}

CU_TestInfo sv_tests_walk[] = {
	{ "table: 32-bit, PAE, 4-level; every fault and its error code", test_table },
	{ "accessed/dirty bits: on success only, D on the leaf of a write", test_accessed_dirty },
	{ "refusals, tables outside RAM, a recursive map ends", test_refusals },
	{ "walk_paging_load: mode, EFER, MAXPHYADDR, 1G, SMEP/SMAP from CPUID", test_paging_load },
	{ "walk_inject_pf: CR2 and #PF with its error code", test_inject_pf },
	{ "property: random trees against a reference walker", test_property },
	CU_TEST_INFO_NULL,
};
