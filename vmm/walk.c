/*
 * The guest page-table walker (sv/walk.h): one walk, driven by a table of
 * per-format parameters, over the guest's own paging structures.
 *
 * A walk reads one entry per level, top first, from the table the level
 * above (or CR3) names, and stops at the first entry that is not present
 * or has a reserved bit set, or at the one that maps a page. The rights of
 * every entry used are accumulated (R/W and U/S ANDed, XD ORed) and
 * checked against the access only once the page is known, as the SDM
 * (vol. 3, 4.6) defines them on the effective rights. Every failure, from
 * any level, goes through walk_fault(), which builds the #PF error code.
 * Accessed and dirty bits are written last, after the walk succeeded.
 *
 * What varies between 32-bit, PAE and 4-level paging is data, not code:
 * entry size, the levels' index bits, which levels may map a page, the
 * reserved bits, the address masks (struct walk_format). The few true
 * particularities are named flags: PSE-36's high address bits in a 4 MiB
 * entry, and PAE's PDPTEs, which carry no rights and no accessed bit.
 */
#include "sv/walk.h"

#include <stddef.h>

#include "sv/cpu.h"
#include "sv/errno.h"
#include "vmm_internal.h"

#define WALK_MAX_LEVELS	4
#define RFLAGS_AC	SV_BIT64(18)	/* alignment check / SMAP override */

/* The physical-address widths CPUID may report (SDM: 32 to 52 bits). */
#define MAXPHYADDR_MIN		32
#define MAXPHYADDR_MAX		52

/* Bits m..n of a 64-bit value (m >= n). */
#define BITS(m, n)	((~0ull >> (63 - (m))) & ~((1ull << (n)) - 1))

/* What the PS bit means at a level. */
enum walk_ps {
	PS_NONE,	/* the entry always names a table (bit 7, if meaningful,
			   is in the level's reserved mask) */
	PS_LARGE,	/* PS set: the entry maps a page */
	PS_LARGE_IF_PSE,/* as PS_LARGE with CR4.PSE; ignored without */
	PS_LARGE_IF_1G,	/* as PS_LARGE if 1 GiB pages exist; reserved if not */
	PS_LEAF,	/* the last level: the entry always maps a page (bit 7
			   is PAT) */
};

struct walk_level {
	uint8_t shift;		/* the lowest linear-address bit it indexes */
	uint8_t index_bits;
	uint8_t ps;		/* enum walk_ps */
	bool rights;		/* has R/W, U/S, A (all but PAE's PDPTEs) */
	bool pse36;		/* mapping a page, its bits 20:13 are
				   physical bits 39:32 (32-bit paging's PDE) */
	uint64_t reserved;	/* always reserved in a present entry */
	uint64_t large_reserved;/* also reserved when it maps a page */
};

struct walk_format {
	const char *name;
	uint8_t entry_size;	/* bytes */
	uint8_t levels;
	uint8_t la_bits;	/* 32, or 48 with the canonical check */
	bool has_xd;		/* bit 63 is XD with EFER.NXE, else reserved */
	uint64_t root_mask;	/* the CR3 bits that address the top table */
	/* an entry's address bits: those at or above MAXPHYADDR are
	 * reserved (PAE's reach to bit 62, 4-level's stop at 51: its bits
	 * 62:52 are ignored) */
	uint64_t addr_mask;
	struct walk_level level[WALK_MAX_LEVELS];	/* top first */
};

static const struct walk_format formats[] = {
	[SV_PAGING_32] = {
		.name = "32-bit", .entry_size = 4, .levels = 2, .la_bits = 32,
		.has_xd = false,
		.root_mask = BITS(31, 12), .addr_mask = BITS(31, 12),
		.level = {
			{ 22, 10, PS_LARGE_IF_PSE, true, true, 0, SV_BIT64(21) },
			{ 12, 10, PS_LEAF, true, false, 0, 0 },
		},
	},
	[SV_PAGING_PAE] = {
		.name = "PAE", .entry_size = 8, .levels = 3, .la_bits = 32,
		.has_xd = true,
		.root_mask = BITS(31, 5), .addr_mask = BITS(62, 12),
		.level = {
			/* PDPTE: bits 2:1, 8:5 and 63 reserved (SDM table 4-8) */
			{ 30, 2, PS_NONE, false, false,
			  BITS(2, 1) | BITS(8, 5) | SV_BIT64(63), 0 },
			{ 21, 9, PS_LARGE, true, false, 0, BITS(20, 13) },
			{ 12, 9, PS_LEAF, true, false, 0, 0 },
		},
	},
	[SV_PAGING_4LEVEL] = {
		.name = "4-level", .entry_size = 8, .levels = 4, .la_bits = 48,
		.has_xd = true,
		.root_mask = BITS(51, 12), .addr_mask = BITS(51, 12),
		.level = {
			{ 39, 9, PS_NONE, true, false, SV_PTE_PS, 0 }, /* PML4E */
			{ 30, 9, PS_LARGE_IF_1G, true, false, 0, BITS(29, 13) },
			{ 21, 9, PS_LARGE, true, false, 0, BITS(20, 13) },
			{ 12, 9, PS_LEAF, true, false, 0, 0 },
		},
	},
};

SV_STATIC_ASSERT(SV_ARRAY_SIZE(formats) == SV_PAGING_4LEVEL + 1,
		 "a format for every paging mode");

/* The entries a walk used, for the accessed and dirty bits. */
struct walk_path {
	gpa_t at[WALK_MAX_LEVELS];
	uint64_t entry[WALK_MAX_LEVELS];
	unsigned n;
};

/* A table the guest named that is not its RAM is the guest's doing. */
static int memory_error(int err)
{
	return err == -SV_EFAULT ? -SV_ENOENT : err;
}

static int read_entry(struct sv_vm *vm, const struct walk_format *f,
		      gpa_t at, uint64_t *entry)
{
	uint8_t b[8];
	uint64_t v = 0;
	int err = vm->ops->read_gpa(vm->b, at, b, f->entry_size);

	if (err)
		return memory_error(err);
	for (unsigned i = 0; i < f->entry_size; i++)	/* little-endian */
		v |= (uint64_t)b[i] << (8 * i);
	*entry = v;
	return 0;
}

static int write_entry(struct sv_vm *vm, const struct walk_format *f,
		       gpa_t at, uint64_t entry)
{
	uint8_t b[8];

	for (unsigned i = 0; i < f->entry_size; i++)
		b[i] = (uint8_t)(entry >> (8 * i));
	return memory_error(vm->ops->write_gpa(vm->b, at, b, f->entry_size));
}

static bool smep_on(const struct sv_paging *pg)
{
	return pg->smep && (pg->cr4 & SV_CR4_SMEP);
}

static bool smap_on(const struct sv_paging *pg)
{
	return pg->smap && (pg->cr4 & SV_CR4_SMAP);
}

static bool nx_on(const struct sv_paging *pg, const struct walk_format *f)
{
	return f->has_xd && (pg->efer & SV_EFER_NXE);
}

/*
 * The single error path: a #PF for la. bits is SV_PF_P for a protection
 * fault, SV_PF_P | SV_PF_RSVD for a reserved bit, 0 for not present; the
 * access adds W/R, U/S and, where the SDM reports it, I/D.
 */
static int walk_fault(const struct sv_paging *pg, const struct walk_format *f,
		      uint64_t la, unsigned access, uint32_t bits,
		      struct sv_walk *out)
{
	uint32_t error = bits;

	if (access & SV_WALK_WRITE)
		error |= SV_PF_WR;
	if (access & SV_WALK_USER)
		error |= SV_PF_US;
	if ((access & SV_WALK_FETCH) && (smep_on(pg) || nx_on(pg, f)))
		error |= SV_PF_ID;
	out->error = error;
	out->addr = gva(la);
	return -SV_EFAULT;
}

/* Whether entry e at level l maps a page; *rsvd if its PS bit may not be set. */
static bool maps_page(const struct walk_level *l, const struct sv_paging *pg,
		      uint64_t e, bool *rsvd)
{
	switch (l->ps) {
	case PS_LEAF:
		return true;
	case PS_LARGE:
		return (e & SV_PTE_PS) != 0;
	case PS_LARGE_IF_PSE:
		return (e & SV_PTE_PS) && (pg->cr4 & SV_CR4_PSE);
	case PS_LARGE_IF_1G:
		if ((e & SV_PTE_PS) && !pg->page1gb)
			*rsvd = true;
		return (e & SV_PTE_PS) != 0;
	default:
		return false;
	}
}

/*
 * The physical address an entry names: a table, or the page it maps
 * (PSE-36 adds physical bits 39:32 from a large entry's bits 20:13).
 */
static uint64_t entry_address(const struct walk_format *f,
			      const struct walk_level *l, uint64_t e, bool page)
{
	uint64_t pa = e & f->addr_mask;

	if (page) {
		pa &= ~((1ull << l->shift) - 1);
		if (l->pse36)
			pa |= ((e >> 13) & 0xffull) << 32;
	}
	return pa;
}

static bool reserved_bits_set(const struct walk_format *f,
			      const struct walk_level *l,
			      const struct sv_paging *pg, uint64_t e, bool page)
{
	uint64_t rsvd = l->reserved | (page ? l->large_reserved : 0);

	if (f->has_xd && !(pg->efer & SV_EFER_NXE))
		rsvd |= SV_PTE_XD;
	if (e & rsvd)
		return true;
	return (entry_address(f, l, e, page) >> pg->maxphyaddr) != 0;
}

/* The effective rights against the access (SDM 4.6); true if allowed. */
static bool access_allowed(const struct sv_paging *pg, unsigned access,
			   bool writable, bool user_page, bool xd)
{
	bool write = access & SV_WALK_WRITE, fetch = access & SV_WALK_FETCH;

	if (fetch && xd)
		return false;
	if (access & SV_WALK_USER)
		return user_page && (!write || writable);
	if (user_page && fetch && smep_on(pg))
		return false;
	if (user_page && !fetch && smap_on(pg) && !pg->ac)
		return false;
	return !write || writable || !(pg->cr0 & SV_CR0_WP);
}

/* After a successful walk: A on every entry used, D on the page's for a write. */
static int set_accessed_dirty(struct sv_vm *vm, const struct walk_format *f,
			      const struct walk_path *p, bool write)
{
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t e = p->entry[i];
		int err;

		if (!f->level[i].rights)
			continue;	/* PAE PDPTEs have no accessed bit */
		e |= SV_PTE_A;
		if (write && i == p->n - 1)
			e |= SV_PTE_D;
		if (e == p->entry[i])
			continue;
		err = write_entry(vm, f, p->at[i], e);
		if (err)
			return err;
	}
	return 0;
}

static bool canonical(uint64_t la, unsigned bits)
{
	unsigned shift = 64 - bits;

	return (uint64_t)((int64_t)(la << shift) >> shift) == la;
}

int walk_translate(struct sv_vm *vm, const struct sv_paging *pg, gva_t la,
		   unsigned access, struct sv_walk *out)
{
	const struct walk_format *f;
	struct walk_path path = { .n = 0 };
	bool writable = true, user_page = true, xd = false;
	uint64_t table, e = 0;
	unsigned i;
	int err;

	*out = (struct sv_walk){ .gpa = gpa(0) };
	if ((unsigned)pg->mode >= SV_ARRAY_SIZE(formats) ||
	    ((access & SV_WALK_WRITE) && (access & SV_WALK_FETCH)) ||
	    pg->maxphyaddr < MAXPHYADDR_MIN || pg->maxphyaddr > MAXPHYADDR_MAX)
		return -SV_EINVAL;
	f = &formats[pg->mode];
	if (f->la_bits == 32 && (la.v >> 32))
		return -SV_EINVAL;
	if (f->la_bits > 32 && !canonical(la.v, f->la_bits)) {
		out->addr = la;
		return -SV_ERANGE;
	}

	table = pg->cr3 & f->root_mask;
	for (i = 0; i < f->levels; i++) {
		const struct walk_level *l = &f->level[i];
		uint64_t index = (la.v >> l->shift) & ((1ull << l->index_bits) - 1);
		gpa_t at = gpa(table + index * f->entry_size);
		bool rsvd = false, page;

		err = read_entry(vm, f, at, &e);
		if (err)
			return err;
		path.at[i] = at;
		path.entry[i] = e;
		path.n = i + 1;
		if (!(e & SV_PTE_P))
			return walk_fault(pg, f, la.v, access, 0, out);
		page = maps_page(l, pg, e, &rsvd);
		if (rsvd || reserved_bits_set(f, l, pg, e, page))
			return walk_fault(pg, f, la.v, access,
					  SV_PF_P | SV_PF_RSVD, out);
		if (l->rights) {
			writable = writable && (e & SV_PTE_RW);
			user_page = user_page && (e & SV_PTE_US);
		}
		if (nx_on(pg, f) && (e & SV_PTE_XD))
			xd = true;
		if (page)
			break;
		table = entry_address(f, l, e, false);
	}
	/* the last level is PS_LEAF in every format: the loop ended with
	 * break, i is the level that maps the page */

	if (!access_allowed(pg, access, writable, user_page, xd))
		return walk_fault(pg, f, la.v, access, SV_PF_P, out);
	err = set_accessed_dirty(vm, f, &path, access & SV_WALK_WRITE);
	if (err)
		return err;
	out->page_shift = f->level[i].shift;
	out->gpa = gpa(entry_address(f, &f->level[i], e, true) |
		       (la.v & ((1ull << f->level[i].shift) - 1)));
	return 0;
}

/* ---- the vCPU's paging state ---------------------------------------------- */

/* A leaf as the guest's CPUID shows it, or zeros if its CPU lacks it. */
static int guest_ext_leaf(struct sv_vcpu *vcpu, uint32_t leaf,
			  struct sv_cpuid *out)
{
	int err = cpuid_guest(vcpu, SV_CPUID_EXT_MAX, 0, out);

	/* cpuid_guest learnt the CPU's limits: a missing extended leaf
	 * would answer with the highest basic leaf's data */
	if (err || vcpu->arch.cpuid_max_ext < leaf ||
	    vcpu->arch.cpuid_max_ext > SV_CPUID_EXT_MAX + 0xffu) {
		*out = (struct sv_cpuid){ 0, 0, 0, 0 };
		return err;
	}
	return cpuid_guest(vcpu, leaf, 0, out);
}

static int load_features(struct sv_vcpu *vcpu, struct sv_paging *pg)
{
	struct sv_cpuid r;
	unsigned m;
	int err = guest_ext_leaf(vcpu, SV_CPUID_ADDR_SIZES, &r);

	if (err)
		return err;
	/* a value no CPU reports would make the reserved-bit checks
	 * nonsense: take the SDM's default instead */
	m = r.eax & SV_CPUID_ADDR_SIZES_PHYS_MASK;
	pg->maxphyaddr = m >= MAXPHYADDR_MIN && m <= MAXPHYADDR_MAX ?
			 m : SV_WALK_DEFAULT_MAXPHYADDR;
	if (pg->mode == SV_PAGING_4LEVEL) {
		err = guest_ext_leaf(vcpu, SV_CPUID_EXT_FEATURES1, &r);
		if (err)
			return err;
		pg->page1gb = (r.edx & SV_CPUID_X1_EDX_PAGE1GB) != 0;
	}
	/* cr.c refuses CR4.SMEP/SMAP unless CPUID shows them; asking only
	 * when one is set keeps traces of guests without them shorter */
	if (pg->cr4 & (SV_CR4_SMEP | SV_CR4_SMAP)) {
		err = cpuid_guest(vcpu, SV_CPUID_EXT_FEATURES, 0, &r);
		if (err)
			return err;
		pg->smep = (r.ebx & SV_CPUID_7_EBX_SMEP) != 0;
		pg->smap = (r.ebx & SV_CPUID_7_EBX_SMAP) != 0;
	}
	return 0;
}

int walk_paging_load(struct sv_vcpu *vcpu, uint64_t rflags,
		     struct sv_paging *pg)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	int err;

	*pg = (struct sv_paging){ .mode = SV_PAGING_32,
				  .maxphyaddr = SV_WALK_DEFAULT_MAXPHYADDR };
	err = ops->get_cr(vcpu->b, SV_CR0, &pg->cr0);
	if (err)
		return err;
	if (!(pg->cr0 & SV_CR0_PG))
		return -SV_EINVAL;
	err = ops->get_cr(vcpu->b, SV_CR3, &pg->cr3);
	if (!err)
		err = ops->get_cr(vcpu->b, SV_CR4, &pg->cr4);
	if (!err && (pg->cr4 & SV_CR4_PAE))
		err = ops->get_msr(vcpu->b, SV_MSR_IA32_EFER, &pg->efer);
	if (err)
		return err;
	if (pg->efer & SV_EFER_LMA)
		pg->mode = SV_PAGING_4LEVEL;
	else if (pg->cr4 & SV_CR4_PAE)
		pg->mode = SV_PAGING_PAE;
	pg->ac = (rflags & RFLAGS_AC) != 0;
	return load_features(vcpu, pg);
}

int walk_inject_pf(struct sv_vcpu *vcpu, const struct sv_walk *w)
{
	struct sv_event ev = {
		.vector = SV_EXC_PF, .type = SV_INTR_TYPE_HW_EXCEPTION,
		.has_error = true, .error = w->error,
	};
	int err = vcpu->vm->ops->set_cr(vcpu->b, SV_CR2, w->addr.v);

	if (err)
		return err;
	return vcpu_queue_event(vcpu, &ev);
}
