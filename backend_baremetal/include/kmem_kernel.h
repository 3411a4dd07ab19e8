/*
 * The kernel's physical memory: one buddy zone built from the multiboot2
 * memory map at boot and one struct sv_kmem over it (osk/, sv/buddy.h and
 * sv/kmem.h), reached through the direct map (VA == PA, paging.h).
 *
 * Everything here is irq-safe: each call runs with interrupts off
 * (host_irq_save), which is the serialization the portable allocators ask
 * for on this one-processor kernel. host_pages_alloc()/host_pages_free()
 * (host_baremetal.c) are built on kmem_kernel_alloc_pages() and
 * kmem_kernel_free_pages().
 *
 * A refused free (double free, interior pointer, wrong size, not kernel
 * memory) changes nothing, is counted in the allocator's bad_frees and is
 * reported on the console with the allocator's reason.
 */
#ifndef SV_BM_KMEM_KERNEL_H
#define SV_BM_KMEM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "multiboot2.h"
#include "sv/compiler.h"
#include "sv/kmem.h"
#include "sv/types.h"

/*
 * Build the zone from the memory map, before paging_init(): the boot page
 * tables identity-map 0-4 GiB, so the zone gets the usable memory below
 * 4 GiB now (the frame table included) and the rest from
 * kmem_kernel_extend() once the kernel's direct map reaches it. Reserved:
 * everything below 1 MiB, the kernel image, and the boot information block
 * at info_pa (info_len bytes), whose strings the kernel keeps using.
 * 0 or negative SV_E*; without memory there is no kernel, so the caller
 * stops.
 */
int kmem_kernel_init(const struct mb2_info *mi, uint64_t info_pa,
		     uint64_t info_len) SV_MUST_CHECK;

/*
 * After paging_init(): hand the zone the usable memory between 4 GiB and
 * direct_map_end (paging_identity_end()), if the machine has any.
 */
int kmem_kernel_extend(uint64_t direct_map_end) SV_MUST_CHECK;

/* One boot line: free memory, free blocks, largest block, frame table. */
void kmem_kernel_report(void);

/*
 * size bytes (any size; classes up to KMEM_MAX_SMALL, page runs above),
 * aligned to the size's class, contents undefined; NULL when memory is
 * short or size is 0. kzalloc() zeroes them.
 */
void *kmalloc(size_t size);
void *kzalloc(size_t size);

/*
 * Free an object from kmalloc()/kzalloc(); NULL does nothing. 0, or the
 * allocator's refusal (negative SV_E*, reported and counted; nothing
 * changes).
 */
int kfree(void *ptr);

/*
 * npages physically contiguous pages at VA == PA, not zeroed; *pa (may be
 * NULL) gets their address. Freed whole with kmem_kernel_free_pages(va,
 * npages), the same npages; a refused free is reported like kfree's.
 */
void *kmem_kernel_alloc_pages(size_t npages, hpa_t *pa);
int kmem_kernel_free_pages(void *va, size_t npages);

/* Statistics under the lock; and the same for kmem_shrink, kmem_check. */
void kmem_kernel_stats(struct kmem_stats *st);
void kmem_kernel_shrink(void);
int kmem_kernel_check(char *why, size_t why_len) SV_MUST_CHECK;

/*
 * The kernel's allocator itself, for what the wrappers do not cover. The
 * caller serializes (host_irq_save) around every use.
 */
struct sv_kmem *kernel_kmem(void);

#endif
