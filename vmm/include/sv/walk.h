/*
 * The guest page-table walker: a guest-linear address to guest-physical,
 * for one access, the way the guest's processor would translate it.
 *
 * One walker (vmm/walk.c) serves the three paging formats a 32- or 64-bit
 * guest can use (Intel SDM vol. 3 chapter 4): 32-bit paging (4 KiB pages,
 * 4 MiB ones with CR4.PSE and PSE-36), PAE paging (PDPTEs at CR3, 2 MiB
 * pages, XD with EFER.NXE) and 4-level paging (canonical addresses, 2 MiB
 * and 1 GiB pages). A small table of per-format parameters drives it, as
 * Linux's paging_tmpl.h is one template over PTE formats; every way a walk
 * can fail goes through one error path that builds the #PF error code.
 *
 * The paging structures are the guest's and are never trusted: each entry
 * is read with the backend's read_gpa and validated (present, reserved
 * bits, physical address within MAXPHYADDR) before it is followed, and the
 * depth is the format's, so a walk ends after at most four reads whatever
 * the tables say (an entry pointing back at its own table is just read
 * again one level down).
 *
 * Users: the MMIO emulator (vmm/emulate.c) translates its instruction
 * fetch with it when guest paging is on. A shadow MMU would be the next.
 */
#ifndef SV_WALK_H
#define SV_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/types.h"
#include "sv/vm.h"

/* Paging-structure entry bits, the same in every format (SDM 4.3-4.5). */
#define SV_PTE_P	SV_BIT64(0)	/* present */
#define SV_PTE_RW	SV_BIT64(1)	/* writable */
#define SV_PTE_US	SV_BIT64(2)	/* user-mode accessible */
#define SV_PTE_PWT	SV_BIT64(3)
#define SV_PTE_PCD	SV_BIT64(4)
#define SV_PTE_A	SV_BIT64(5)	/* accessed */
#define SV_PTE_D	SV_BIT64(6)	/* dirty (entries that map a page) */
#define SV_PTE_PS	SV_BIT64(7)	/* page size: this entry maps a page */
#define SV_PTE_XD	SV_BIT64(63)	/* execute-disable (8-byte entries) */

/* The #PF error code (SDM 4.7). */
#define SV_PF_P		SV_BIT(0)	/* 0: not present; 1: protection or
					   reserved bit */
#define SV_PF_WR	SV_BIT(1)	/* the access was a write */
#define SV_PF_US	SV_BIT(2)	/* the access was in user mode */
#define SV_PF_RSVD	SV_BIT(3)	/* a reserved bit was set */
#define SV_PF_ID	SV_BIT(4)	/* an instruction fetch, reported only
					   with SMEP, or with PAE/4-level paging
					   and EFER.NXE */

/* The format CR0.PG, CR4.PAE and EFER.LMA select. */
enum sv_paging_mode {
	SV_PAGING_32,		/* CR4.PAE clear */
	SV_PAGING_PAE,		/* CR4.PAE set, EFER.LMA clear */
	SV_PAGING_4LEVEL,	/* EFER.LMA set */
};

/*
 * What a walk depends on: the guest's control registers and the CPU
 * features its CPUID shows. walk_paging_load fills it from a vCPU; tests
 * fill it by hand.
 */
struct sv_paging {
	enum sv_paging_mode mode;
	uint64_t cr0;		/* WP */
	uint64_t cr3;		/* the top table */
	uint64_t cr4;		/* PSE, SMEP, SMAP */
	uint64_t efer;		/* NXE */
	/* CPUID.80000008:EAX[7:0]; physical-address bits at or above it are
	 * reserved in entries. 32..52. */
	unsigned maxphyaddr;
	bool page1gb;		/* CPUID.80000001:EDX.Page1GB: 1 GiB pages */
	bool smep, smap;	/* CPUID.(7,0):EBX shows them: CR4.SMEP and
				   CR4.SMAP count only if set */
	bool ac;		/* RFLAGS.AC: SMAP allows supervisor data
				   accesses to user pages */
};

/* When CPUID has no leaf 0x80000008: the SDM's value for a CPU with PAE. */
#define SV_WALK_DEFAULT_MAXPHYADDR 36

/* The access a walk is for: OR these; a read when neither WRITE nor FETCH. */
#define SV_WALK_WRITE	SV_BIT(0)	/* a data write */
#define SV_WALK_FETCH	SV_BIT(1)	/* an instruction fetch; not with WRITE */
#define SV_WALK_USER	SV_BIT(2)	/* at CPL 3; else supervisor (CPL 0-2) */

/* The outcome of a walk. */
struct sv_walk {
	gpa_t gpa;		/* translated: the guest-physical address */
	unsigned page_shift;	/* translated: 12, 21, 22 or 30, the size of
				   the page that mapped it */
	uint32_t error;		/* -SV_EFAULT: the #PF error code */
	gva_t addr;		/* -SV_EFAULT, -SV_ERANGE: the linear address
				   at fault (what CR2 gets for a #PF) */
};

/*
 * Fill *pg from vcpu for a translation in the current mode: CR0, CR3, CR4,
 * EFER (read only when CR4.PAE is set: 32-bit paging has no use for it),
 * the CPUID leaves the guest sees (vmm/cpuid.c: 0x80000008 for
 * MAXPHYADDR, else SV_WALK_DEFAULT_MAXPHYADDR; 0x80000001 for 1 GiB pages
 * with 4-level paging; leaf 7 for SMEP and SMAP, asked only when CR4 has
 * one of them), and AC from rflags. Every value comes through the backend,
 * so it is recorded and replayed. -SV_EINVAL if guest paging is off.
 */
SV_MUST_CHECK int walk_paging_load(struct sv_vcpu *vcpu, uint64_t rflags,
				   struct sv_paging *pg);

/*
 * Translate linear address la for access (SV_WALK_*) under pg, reading the
 * paging structures from vm's guest-physical memory. Returns:
 *   0           *out->gpa and page_shift filled;
 *   -SV_EFAULT  the access would raise #PF: out->error (SV_PF_*) and
 *               out->addr (la);
 *   -SV_ERANGE  la is not canonical (4-level paging): hardware raises #GP
 *               (or #SS for a stack access), no #PF;
 *   -SV_ENOENT  the guest's tables lead out of its RAM (CR3 or an entry
 *               names an address read_gpa cannot read, or write_gpa cannot
 *               update);
 *   -SV_EINVAL  a caller's mistake: WRITE with FETCH, an unknown mode, or
 *               la above 32 bits in a 32-bit format;
 *   another negative SV_E*: the backend failed.
 * Checks, top level first, stopping at the first failure: present, then
 * reserved bits (fixed ones, the large-page alignment bits, XD without
 * EFER.NXE, physical address bits at or above MAXPHYADDR); after the last
 * level, the rights accumulated over every level: U/S for user accesses,
 * R/W for user writes and for supervisor writes with CR0.WP, XD for
 * fetches, SMEP and SMAP (when both CR4 and pg's CPUID flags show them).
 *
 * Guest-visible effect: once the whole walk has succeeded, and only then,
 * the accessed bit of every entry used is set and, for a write, the dirty
 * bit of the entry that maps the page, with write_gpa, as the processor
 * does (an entry already holding them is not written). These writes are
 * effects the recorder logs, so they are part of traces and of the state
 * digest. They are not locked operations: the guest's vCPU is stopped and
 * a VM has one vCPU. A failed walk writes nothing.
 *
 * Not modelled: the TLB and paging-structure caches (the walk reads memory
 * as it is now), PAE PDPTE registers (PDPTEs are read from memory at CR3,
 * and a reserved bit in one is a RSVD #PF, where hardware would have
 * refused the CR3 load with #GP), protection keys, 5-level paging, PCID,
 * implicit supervisor accesses (SMAP's AC exception always applies when
 * pg->ac is set), shadow stacks, and PAT/memory types.
 */
SV_MUST_CHECK int walk_translate(struct sv_vm *vm, const struct sv_paging *pg,
				 gva_t la, unsigned access, struct sv_walk *out);

/*
 * Deliver a walk's #PF to the guest as the processor would: CR2 = w->addr
 * (set_cr), then #PF with w->error queued for the next entry. RIP is not
 * touched: the faulting instruction runs again after the guest's handler.
 */
SV_MUST_CHECK int walk_inject_pf(struct sv_vcpu *vcpu, const struct sv_walk *w);

#endif /* SV_WALK_H */
