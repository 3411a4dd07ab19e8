/*
 * Private to the kernel memory allocator: what kmalloc.c (the front end)
 * and slab.c (the size classes) call of each other. See sv/kmem.h.
 */
#ifndef SV_KMEM_INTERNAL_H
#define SV_KMEM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/kmem.h"

/* slab.c */
void slab_init_classes(struct sv_kmem *km);
/* Class index for 1 <= size <= KMEM_MAX_SMALL. */
unsigned slab_class_of(size_t size);
void *slab_alloc(struct sv_kmem *km, unsigned cls);
/* Free ptr, which the buddy allocator says lies in the slab at slab_pa. */
int slab_free(struct sv_kmem *km, hpa_t slab_pa, uint64_t npages, void *ptr);
/* Give the cached empty slabs back; whether there was any. */
bool slab_shrink(struct sv_kmem *km);
int slab_check(const struct sv_kmem *km, char *why, size_t len);

/* kmalloc.c */
/* buddy_alloc_owned, retried once after slab_shrink when memory is short. */
int kmem_get_pages(struct sv_kmem *km, uint64_t npages, unsigned owner,
		   hpa_t *pa) SV_MUST_CHECK;
/* Record a refused free (counter, message) and return err. */
int kmem_refuse(struct sv_kmem *km, int err, const char *fmt, ...)
	SV_PRINTF(3, 4);

/* Put the message in why (may be NULL) and return -SV_ECORRUPT. */
int kmem_check_fail(char *why, size_t len, const char *fmt, ...)
	SV_PRINTF(3, 4);

static inline void *kmem_va(const struct sv_kmem *km, hpa_t pa)
{
	return (void *)(uintptr_t)(pa.v + km->virt_offset);
}

static inline hpa_t kmem_pa(const struct sv_kmem *km, const void *va)
{
	return hpa((uint64_t)((uintptr_t)va - km->virt_offset));
}

#endif /* SV_KMEM_INTERNAL_H */
