/*
 * The monitor's own page table for a guest without paging on a CPU
 * without EPT: 32-bit two-level paging (4 KiB pages) mapping the guest's
 * physical addresses, as its linear ones, to host-physical memory. The
 * processor runs the guest with CR0.PG set and CR3 at this directory
 * (the guest sees its own CR0/CR3 through the read shadows and CR3
 * exits); guest-physical addresses no RAM backs are not present, so an
 * access there is a #PF the VMX backend turns into an MMIO exit.
 *
 * What the EPT does on newer CPUs, for the guests that do not page; guest
 * paging there needs shadow page tables (the next step).
 */
#ifndef SV_BM_PHYSMAP_H
#define SV_BM_PHYSMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/types.h"

#define PHYSMAP_LIMIT	(1ull << 32)	/* 32-bit entries: below 4 GiB */

struct physmap {
	uint32_t *pd;		/* the page directory (VA == PA) */
	hpa_t pd_pa;		/* what the guest's hardware CR3 holds */
};

SV_MUST_CHECK int physmap_init(struct physmap *m);
/* Free the directory and every table. Safe on a zeroed struct physmap. */
void physmap_destroy(struct physmap *m);
/*
 * Map guest-physical [gpa, gpa + size) to host-physical [hpa, hpa + size),
 * read-only unless writable; everything 4 KiB-aligned, all below 4 GiB
 * (-SV_ERANGE otherwise). A page mapped twice is refused (-SV_EEXIST).
 */
SV_MUST_CHECK int physmap_map(struct physmap *m, uint64_t gpa, uint64_t hpa,
			      uint64_t size, bool writable);

#endif /* SV_BM_PHYSMAP_H */
