/*
 * Kernel memory's front end (sv/kmem.h): picks the size class or the
 * buddy allocator for an allocation, and for a free asks the buddy
 * allocator which allocation holds the pointer and who owns it, so a
 * pointer that is not the start of a live allocation of the right kind is
 * refused without being dereferenced. Slabs are in slab.c.
 */
#include "sv/kmem.h"

#include <stdarg.h>

#include "kmem_internal.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"

int kmem_refuse(struct sv_kmem *km, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vsnprintf(km->last_error_msg, sizeof(km->last_error_msg), fmt, ap);
	va_end(ap);
	km->last_error = err;
	km->bad_frees++;
	return err;
}

int kmem_check_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		sv_vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -SV_ECORRUPT;
}

int kmem_init(struct sv_kmem *km, struct sv_buddy *pages, uintptr_t virt_offset)
{
	/* The frame that would map to NULL must not be handed out. */
	hpa_t null_pa = hpa((uint64_t)(0 - virt_offset));

	if (virt_offset & (SV_PAGE_SIZE - 1) ||
	    buddy_find(pages, null_pa, NULL, NULL, NULL) != -SV_EFAULT)
		return -SV_EINVAL;
	sv_memset(km, 0, sizeof(*km));
	km->pages = pages;
	km->virt_offset = virt_offset;
	slab_init_classes(km);
	return 0;
}

int kmem_get_pages(struct sv_kmem *km, uint64_t npages, unsigned owner,
		   hpa_t *pa)
{
	int err = buddy_alloc_owned(km->pages, npages, owner, pa);

	if (err == -SV_ENOMEM && slab_shrink(km))
		err = buddy_alloc_owned(km->pages, npages, owner, pa);
	return err;
}

void *kmem_alloc(struct sv_kmem *km, size_t size)
{
	uint64_t npages;
	void *p;
	hpa_t pa;

	if (size == 0)
		return NULL;
	if (size <= KMEM_MAX_SMALL) {
		p = slab_alloc(km, slab_class_of(size));
		if (!p)
			km->failed_allocs++;
		return p;
	}
	npages = ((uint64_t)size >> SV_PAGE_SHIFT) +
		 ((size & (SV_PAGE_SIZE - 1)) != 0);
	if (npages > BUDDY_MAX_PAGES ||
	    kmem_get_pages(km, npages, BUDDY_OWNER_LARGE, &pa)) {
		km->failed_allocs++;
		return NULL;
	}
	km->large_blocks++;
	km->large_pages += npages;
	return kmem_va(km, pa);
}

void *kmem_zalloc(struct sv_kmem *km, size_t size)
{
	void *p = kmem_alloc(km, size);

	if (p)
		sv_memset(p, 0, size);
	return p;
}

/* Where ptr lies, or a refusal naming why it is no allocation at all. */
static int locate(struct sv_kmem *km, const void *ptr, hpa_t *head,
		  uint64_t *npages, unsigned *owner)
{
	int err = buddy_find(km->pages, kmem_pa(km, ptr), head, npages, owner);

	switch (err) {
	case 0:
		return 0;
	case -SV_EFAULT:
		return kmem_refuse(km, err, "free of %p: not memory of this "
				   "allocator", ptr);
	case -SV_ENOENT:
		return kmem_refuse(km, err, "free of %p: on a free page (double "
				   "free?)", ptr);
	default:
		return kmem_refuse(km, err, "free of %p: page table of the "
				   "buddy allocator corrupt", ptr);
	}
}

int kmem_free(struct sv_kmem *km, void *ptr)
{
	const struct buddy_frame *f;
	uint64_t npages;
	unsigned owner;
	hpa_t head;
	int err;

	if (!ptr)
		return 0;
	/* Fast path: ptr is on the first page of a slab (all of a one-page
	 * slab). slab_free checks the rest. */
	f = buddy_frame_at(km->pages, kmem_pa(km, ptr));
	if (f && f->state == BUDDY_FRAME_ALLOC && f->owner == BUDDY_OWNER_SLAB)
		return slab_free(km, hpa(kmem_pa(km, ptr).v & ~(SV_PAGE_SIZE - 1)),
				 f->next, ptr);
	err = locate(km, ptr, &head, &npages, &owner);
	if (err)
		return err;
	switch (owner) {
	case BUDDY_OWNER_SLAB:
		return slab_free(km, head, npages, ptr);
	case BUDDY_OWNER_LARGE:
		if (head.v != kmem_pa(km, ptr).v)
			return kmem_refuse(km, -SV_EINVAL, "free of %p: inside "
					   "the object at %p", ptr,
					   kmem_va(km, head));
		err = buddy_free_owned(km->pages, head, npages,
				       BUDDY_OWNER_LARGE);
		if (err)
			return kmem_refuse(km, err, "free of %p: %s", ptr,
					   km->pages->last_error_msg);
		km->large_blocks--;
		km->large_pages -= npages;
		return 0;
	case BUDDY_OWNER_PAGES:
		return kmem_refuse(km, -SV_EPERM, "free of %p: pages from "
				   "kmem_alloc_pages, not an object", ptr);
	default:
		return kmem_refuse(km, -SV_EPERM, "free of %p: pages of owner "
				   "%u, not of kmem", ptr, owner);
	}
}

void *kmem_alloc_pages(struct sv_kmem *km, size_t npages, hpa_t *pa)
{
	hpa_t at;

	if (npages == 0 || npages > BUDDY_MAX_PAGES ||
	    kmem_get_pages(km, npages, BUDDY_OWNER_PAGES, &at)) {
		km->failed_allocs++;
		return NULL;
	}
	km->page_runs++;
	km->page_pages += npages;
	if (pa)
		*pa = at;
	return kmem_va(km, at);
}

int kmem_free_pages(struct sv_kmem *km, void *va, size_t npages)
{
	uint64_t n;
	unsigned owner;
	hpa_t head;
	int err;

	err = locate(km, va, &head, &n, &owner);
	if (err)
		return err;
	if (owner != BUDDY_OWNER_PAGES)
		return kmem_refuse(km, -SV_EPERM, "free of pages %p: %s, not a "
				   "page run", va, owner == BUDDY_OWNER_SLAB ?
				   "a slab" : "a kmem_alloc object");
	if (head.v != kmem_pa(km, va).v)
		return kmem_refuse(km, -SV_EINVAL, "free of pages %p: inside the "
				   "run at %p", va, kmem_va(km, head));
	if (n != npages)
		return kmem_refuse(km, -SV_ERANGE, "free of pages %p: %llu pages "
				   "allocated, %zu freed", va,
				   (unsigned long long)n, npages);
	err = buddy_free_owned(km->pages, head, n, BUDDY_OWNER_PAGES);
	if (err)
		return kmem_refuse(km, err, "free of pages %p: %s", va,
				   km->pages->last_error_msg);
	km->page_runs--;
	km->page_pages -= n;
	return 0;
}

void kmem_shrink(struct sv_kmem *km)
{
	slab_shrink(km);
}

hpa_t kmem_virt_to_phys(const struct sv_kmem *km, const void *va)
{
	return kmem_pa(km, va);
}

void *kmem_phys_to_virt(const struct sv_kmem *km, hpa_t pa)
{
	return kmem_va(km, pa);
}

void kmem_stats(const struct sv_kmem *km, struct kmem_stats *st)
{
	sv_memset(st, 0, sizeof(*st));
	buddy_stats(km->pages, &st->pages);
	for (unsigned i = 0; i < KMEM_NR_CLASSES; i++) {
		const struct kmem_class *c = &km->cls[i];
		struct kmem_class_stats *cs = &st->cls[i];

		cs->size = c->size;
		cs->slab_pages = 1u << c->order;
		cs->per_slab = c->nobj;
		cs->objects = c->objects;
		cs->slabs = c->slabs;
		cs->allocs = c->allocs;
		cs->frees = c->frees;
		st->small_bytes += c->objects * c->size;
		st->slab_bytes += c->slabs * (SV_PAGE_SIZE << c->order);
	}
	st->large_blocks = km->large_blocks;
	st->large_pages = km->large_pages;
	st->page_runs = km->page_runs;
	st->page_pages = km->page_pages;
	st->failed_allocs = km->failed_allocs;
	st->bad_frees = km->bad_frees;
	st->last_error = km->last_error;
	st->last_error_msg = km->last_error_msg;
}

int kmem_check(const struct sv_kmem *km, char *why, size_t why_len)
{
	int err = slab_check(km, why, why_len);

	return err ? err : buddy_check(km->pages, why, why_len);
}
