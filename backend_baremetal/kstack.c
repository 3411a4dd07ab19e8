/*
 * Kernel stacks with guard pages (kstack.h): a bitmap of slots in the
 * KSTACK_AREA, physical pages from host_pages_alloc(), mapped with
 * paging_map(). The boot stack (boot.S) has a guard page too, which
 * paging_init() leaves unmapped; kstack_guard_hit() knows it as well.
 */
#include "kstack.h"

#include "paging.h"
#include "sv/bitmap.h"
#include "sv/errno.h"
#include "sv/host.h"
#include "sv/panic.h"

extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

#define BITS_PER_LONG (8 * sizeof(unsigned long))

static unsigned long slot_used[KSTACK_SLOTS / BITS_PER_LONG];
static uint16_t slot_pages[KSTACK_SLOTS];	/* stack size of each slot */
static unsigned live;

static uint64_t slot_top(unsigned slot)
{
	return KSTACK_AREA + (uint64_t)(slot + 1) * KSTACK_SLOT_SIZE;
}

int kstack_alloc(size_t size, struct kstack *ks)
{
	size_t npages = size / SV_PAGE_SIZE;
	unsigned long irq;
	size_t slot;
	hpa_t pa;
	int err;

	if (!size || size % SV_PAGE_SIZE || size > KSTACK_MAX_SIZE)
		return -SV_EINVAL;
	irq = host_irq_save();
	slot = sv_bitmap_find_next_clear(slot_used, KSTACK_SLOTS, 0);
	if (slot < KSTACK_SLOTS)
		sv_bitmap_set(slot_used, slot);
	host_irq_restore(irq);
	if (slot >= KSTACK_SLOTS)
		return -SV_ENOSPC;

	if (!host_pages_alloc(npages, &pa)) {
		err = -SV_ENOMEM;
		goto fail;
	}
	ks->slot = (unsigned)slot;
	ks->top = slot_top(ks->slot);
	ks->bottom = ks->top - size;
	ks->pa = pa.v;
	err = paging_map(ks->bottom, ks->pa, size, PAGING_DATA);
	if (err) {
		host_pages_free(paging_phys_to_virt(pa.v), npages);
		goto fail;
	}
	slot_pages[slot] = (uint16_t)npages;
	irq = host_irq_save();
	live++;
	host_irq_restore(irq);
	return 0;
fail:
	irq = host_irq_save();
	sv_bitmap_clear(slot_used, slot);
	host_irq_restore(irq);
	return err;
}

void kstack_free(struct kstack *ks)
{
	uint64_t size = ks->top - ks->bottom;
	unsigned long irq;

	/* Whole 4 KiB pages inside the range: no split, so no failure. */
	if (paging_unmap(ks->bottom, size))
		sv_panic("kstack_free: stack at 0x%lx not unmapped", ks->bottom);
	host_pages_free(paging_phys_to_virt(ks->pa), size / SV_PAGE_SIZE);
	irq = host_irq_save();
	slot_pages[ks->slot] = 0;
	sv_bitmap_clear(slot_used, ks->slot);
	live--;
	host_irq_restore(irq);
}

bool kstack_guard_hit(uint64_t va, struct kstack *ks)
{
	uint64_t guard = (uint64_t)(uintptr_t)boot_stack_guard;
	unsigned slot;

	if (va >= guard && va - guard < SV_PAGE_SIZE) {
		ks->slot = KSTACK_SLOT_BOOT;
		ks->bottom = (uint64_t)(uintptr_t)boot_stack_bottom;
		ks->top = (uint64_t)(uintptr_t)boot_stack_top;
		ks->pa = paging_kernel_pa(boot_stack_bottom);
		return true;
	}
	if (va < KSTACK_AREA ||
	    va - KSTACK_AREA >= (uint64_t)KSTACK_SLOTS * KSTACK_SLOT_SIZE)
		return false;
	slot = (unsigned)((va - KSTACK_AREA) / KSTACK_SLOT_SIZE);
	if (!sv_bitmap_test(slot_used, slot) || !slot_pages[slot])
		return false;
	ks->slot = slot;
	ks->top = slot_top(slot);
	ks->bottom = ks->top - (uint64_t)slot_pages[slot] * SV_PAGE_SIZE;
	ks->pa = 0;	/* not needed by the fault report */
	return va < ks->bottom;
}

unsigned kstack_count(void)
{
	return live;
}
