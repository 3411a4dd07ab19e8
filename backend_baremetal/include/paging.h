/*
 * The kernel's address space: one set of 4-level page tables, built at boot
 * by paging_init() in place of boot.S's tables and changed afterwards only
 * through paging_map()/paging_unmap().
 *
 * Layout (one PML4 slot, 512 GiB, per area):
 *
 *   0 .. identity end       physical memory at its own address (the direct
 *                           map): RAM, MMIO holes and firmware areas up to
 *                           max(4 GiB, top of RAM), 1 GiB pages where the
 *                           CPU has them, else 2 MiB; never executable.
 *                           Page 0 is left unmapped so NULL faults. The
 *                           holes' memory type comes from the firmware's
 *                           MTRRs (uncached on a PC); device registers are
 *                           still mapped with paging_map_mmio().
 *   PAGING_TEST_AREA        scratch window of the paging self-test
 *   PAGING_MMIO_AREA        device registers, uncached (paging_map_mmio)
 *   KSTACK_AREA             kernel stacks with guard pages (kstack.h)
 *   KERNEL_VMA + physical   the kernel image, 4 KiB pages: text read-only
 *                           and executable, rodata read-only, data and bss
 *                           writable, neither executable; the page under
 *                           the boot stack is a guard page
 *
 * Page-table pages come from host_pages_alloc() (pt_page_alloc in
 * paging.c is the one place that says so). One processor: a change is
 * made with interrupts off and the TLB is flushed before paging_unmap()
 * returns, so no shoot-down is needed.
 */
#ifndef SV_BM_PAGING_H
#define SV_BM_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm.h"
#include "pagetable.h"
#include "sv/compiler.h"

#define PAGING_TEST_AREA 0xfffffe0000000000ull	/* PML4 slot 508 */
#define PAGING_MMIO_AREA 0xfffffe8000000000ull	/* PML4 slot 509 */
#define PAGING_AREA_SIZE (512ull << 30)	/* one PML4 slot */
#define PAGING_IDENTITY_MIN (4ull << 30)	/* MMIO holes live below 4 GiB */

/* Usual attribute sets for paging_map(). */
#define PAGING_DATA (PTE_W | PTE_NX)			/* kernel data */
#define PAGING_MMIO (PTE_W | PTE_PCD | PTE_PWT | PTE_NX)	/* uncached (UC) */

/*
 * Build the kernel's tables (layout above) and switch to them; turn on
 * IA32_EFER.NXE where the CPU has NX. ram_end is the end of the highest
 * usable RAM in the memory map. Needs the page allocator
 * (kmem_kernel_init).
 * Panics when memory is short: there is no kernel without it.
 */
void paging_init(uint64_t ram_end);

/*
 * Map [va, va + size) to physical [pa, pa + size) with PT_MAP_FLAGS bits
 * (PAGING_DATA, PAGING_MMIO...), choosing 1 GiB, 2 MiB or 4 KiB pages by
 * alignment. The range must be unmapped (-SV_EEXIST); -SV_EINVAL for a bad
 * range, -SV_ENOMEM when a table page cannot be had (nothing mapped then).
 */
SV_MUST_CHECK int paging_map(uint64_t va, uint64_t pa, uint64_t size,
			     uint64_t flags);

/*
 * Unmap [va, va + size), splitting large pages that straddle its ends, and
 * flush the TLB: when this returns, any access to the range faults.
 * -SV_EINVAL for a bad range; -SV_ENOMEM when a split cannot get a table
 * page (the range is then unmapped only below the page that needed it).
 */
SV_MUST_CHECK int paging_unmap(uint64_t va, uint64_t size);

/* The translation of va in the kernel's tables; false when unmapped. */
bool paging_lookup(uint64_t va, struct pt_mapping *m);

/*
 * Map the device registers at physical [pa, pa + size) uncached into the
 * MMIO area and return their address, or NULL when the area or memory is
 * exhausted. For the life of the kernel (there is no unmap).
 */
volatile void *paging_map_mmio(uint64_t pa, uint64_t size);

/* The direct map: where physical memory below paging_identity_end() is. */
static inline void *paging_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* Physical address of a kernel-image object (code, data, bss). */
static inline uint64_t paging_kernel_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA;
}

uint64_t paging_identity_end(void);
bool paging_has_1g_pages(void);
bool paging_has_nx(void);
/* Page-table pages in use (the self-test checks that unmap frees them). */
size_t paging_table_pages(void);

#endif /* SV_BM_PAGING_H */
