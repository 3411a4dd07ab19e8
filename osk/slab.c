/*
 * The small-block allocator: size classes of 8 to 2048 bytes over slabs
 * (sv/kmem.h). kmalloc.c routes small sizes here and hands back frees of
 * pointers the buddy allocator says lie in a slab.
 *
 * A slab is one block from the buddy allocator, tagged BUDDY_OWNER_SLAB:
 * one page for classes up to 512 bytes, two for 1024, four for 2048, so
 * every class wastes at most an eighth of its slab. It opens with a struct
 * slab header; object i lives at first + i * size, first being the header
 * rounded up to the object size, so objects are aligned to their size. The
 * free objects form a list through their first two bytes (the offset of
 * the next free object, 0 at the end: offset 0 is the header). The bitmap
 * in the header says which objects are allocated: it is what catches a
 * double free, and what the free list is checked against at each pop, so a
 * free list overwritten by a use after free panics at once instead of
 * handing out the same memory twice.
 */
#include <stdbool.h>

#include "kmem_internal.h"
#include "sv/bitmap.h"
#include "sv/errno.h"
#include "sv/panic.h"

#define SLAB_MAGIC	0x534c4142u	/* "SLAB" */
#define SLAB_MAX_OBJS	512		/* bits in the header's bitmap */
#define SLAB_MAX_ORDER	2

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t inuse;			/* objects allocated */
	uint16_t free;			/* offset of the first free object */
	uint16_t spare[3];
	struct sv_list_node link;	/* on the partial list; self when full */
	unsigned long used[SV_BITMAP_WORDS(SLAB_MAX_OBJS)];
};

/* The 8-byte class must fit the bitmap; offsets must fit a u16. */
SV_STATIC_ASSERT((SV_PAGE_SIZE - sizeof(struct slab)) / KMEM_MIN_SMALL <=
		 SLAB_MAX_OBJS, "slab bitmap too small for the 8-byte class");
SV_STATIC_ASSERT((SV_PAGE_SIZE << SLAB_MAX_ORDER) <= 0x10000,
		 "slab offsets are u16");
SV_STATIC_ASSERT(KMEM_MIN_SMALL == 8 &&
		 KMEM_MIN_SMALL << (KMEM_NR_CLASSES - 1) == KMEM_MAX_SMALL,
		 "classes are the powers of two from min to max");

static inline uint64_t slab_bytes(const struct kmem_class *c)
{
	return SV_PAGE_SIZE << c->order;
}

static inline uint16_t *link_of(struct slab *s, unsigned off)
{
	return (uint16_t *)(void *)((char *)s + off);
}

void slab_init_classes(struct sv_kmem *km)
{
	for (unsigned i = 0; i < KMEM_NR_CLASSES; i++) {
		struct kmem_class *c = &km->cls[i];

		c->size = KMEM_MIN_SMALL << i;
		c->shift = (uint8_t)(3 + i);
		/* a slab of at least 8 objects' room: waste under 1/8 */
		c->order = c->size <= 512 ? 0 : c->size == 1024 ? 1 : 2;
		c->first = (uint16_t)SV_ALIGN_UP(sizeof(struct slab), c->size);
		c->nobj = (uint16_t)((slab_bytes(c) - c->first) / c->size);
		SV_ASSERT(c->nobj <= SLAB_MAX_OBJS && c->order <= SLAB_MAX_ORDER);
		sv_list_init(&c->partial);
	}
}

unsigned slab_class_of(size_t size)
{
	unsigned log = size <= KMEM_MIN_SMALL ? 3
		: 64 - (unsigned)__builtin_clzll((unsigned long long)size - 1);

	return log - 3;
}

static struct slab *slab_new(struct sv_kmem *km, unsigned ci)
{
	struct kmem_class *c = &km->cls[ci];
	struct slab *s;
	unsigned next = 0;
	hpa_t pa;

	if (kmem_get_pages(km, 1u << c->order, BUDDY_OWNER_SLAB, &pa))
		return NULL;
	s = kmem_va(km, pa);
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)ci;
	s->inuse = 0;
	for (unsigned w = 0; w < SV_ARRAY_SIZE(s->used); w++)
		s->used[w] = 0;
	for (unsigned i = c->nobj; i-- > 0;) {	/* free list in address order */
		unsigned off = c->first + i * c->size;

		*link_of(s, off) = (uint16_t)next;
		next = off;
	}
	s->free = (uint16_t)next;
	c->slabs++;
	return s;
}

/* Give an empty slab (off its lists) back to the buddy allocator. */
static void slab_release(struct sv_kmem *km, struct slab *s)
{
	struct kmem_class *c = &km->cls[s->cls];

	s->magic = 0;
	if (buddy_free_owned(km->pages, kmem_pa(km, s), 1u << c->order,
			     BUDDY_OWNER_SLAB))
		sv_panic("slab at %p: the buddy allocator refused it back: %s",
			 (void *)s, km->pages->last_error_msg);
	c->slabs--;
}

/* Index of the object at offset off, or -1 if off starts no object. */
static int object_index(const struct kmem_class *c, uintptr_t off)
{
	uintptr_t i;

	if (off < c->first || ((off - c->first) & (c->size - 1)))
		return -1;
	i = (off - c->first) >> c->shift;	/* no division: hot path */
	return i < c->nobj ? (int)i : -1;
}

void *slab_alloc(struct sv_kmem *km, unsigned ci)
{
	struct kmem_class *c = &km->cls[ci];
	struct slab *s;
	unsigned off;
	int i;

	if (!sv_list_empty(&c->partial)) {
		s = sv_list_entry(c->partial.next, struct slab, link);
		if (s == c->empty)
			c->empty = NULL;
	} else {
		s = slab_new(km, ci);
		if (!s)
			return NULL;
		sv_list_add(&c->partial, &s->link);
	}
	off = s->free;
	i = object_index(c, off);
	if (i < 0 || sv_bitmap_test(s->used, (size_t)i))
		sv_panic("%u-byte slab at %p: free list corrupt at offset %u "
			 "(written after free?)", c->size, (void *)s, off);
	s->free = *link_of(s, off);
	sv_bitmap_set(s->used, (size_t)i);
	s->inuse++;
	if (!s->free)	/* full: off the partial list */
		sv_list_remove(&s->link);
	c->objects++;
	c->allocs++;
	return (char *)s + off;
}

int slab_free(struct sv_kmem *km, hpa_t slab_pa, uint64_t npages, void *ptr)
{
	struct slab *s = kmem_va(km, slab_pa);
	struct kmem_class *c;
	uintptr_t off = (uintptr_t)ptr - (uintptr_t)s;
	int i;

	if (s->magic != SLAB_MAGIC || s->cls >= KMEM_NR_CLASSES ||
	    npages != 1u << km->cls[s->cls].order)
		sv_panic("slab at %p: header corrupt", (void *)s);
	c = &km->cls[s->cls];
	i = object_index(c, off);
	if (i < 0)
		return kmem_refuse(km, -SV_EINVAL, "free of %p: not the start of "
				   "an object in the %u-byte slab at %p",
				   ptr, c->size, (void *)s);
	if (!sv_bitmap_test(s->used, (size_t)i))
		return kmem_refuse(km, -SV_ENOENT, "free of %p: %u-byte object "
				   "not allocated (double free?)", ptr, c->size);

	sv_bitmap_clear(s->used, (size_t)i);
	if (!s->free)			/* was full: partial again */
		sv_list_add(&c->partial, &s->link);
	*link_of(s, (unsigned)off) = s->free;
	s->free = (uint16_t)off;
	s->inuse--;
	c->objects--;
	c->frees++;
	if (s->inuse == 0) {
		if (!c->empty) {
			/* keep it, last in line, for the next allocation */
			c->empty = s;
			if (c->partial.prev != &s->link) {
				sv_list_remove(&s->link);
				sv_list_add_tail(&c->partial, &s->link);
			}
		} else {
			sv_list_remove(&s->link);
			slab_release(km, s);
		}
	}
	return 0;
}

bool slab_shrink(struct sv_kmem *km)
{
	bool any = false;

	for (unsigned i = 0; i < KMEM_NR_CLASSES; i++) {
		struct slab *s = km->cls[i].empty;

		if (!s)
			continue;
		km->cls[i].empty = NULL;
		sv_list_remove(&s->link);
		slab_release(km, s);
		any = true;
	}
	return any;
}

/* ---- Consistency check ---------------------------------------------------- */

static int check_slab(const struct sv_kmem *km, struct slab *s,
		      uint64_t npages, char *why, size_t len)
{
	const struct kmem_class *c;
	bool listed = s->link.next != &s->link;
	unsigned count = 0, off;

	if (s->magic != SLAB_MAGIC || s->cls >= KMEM_NR_CLASSES ||
	    npages != 1u << km->cls[s->cls].order)
		return kmem_check_fail(why, len, "slab %p: bad header", (void *)s);
	c = &km->cls[s->cls];
	if (sv_bitmap_weight(s->used, c->nobj) != s->inuse ||
	    sv_bitmap_weight(s->used, SLAB_MAX_OBJS) != s->inuse)
		return kmem_check_fail(why, len, "slab %p: bitmap says %zu in "
				       "use, header %u", (void *)s,
				       sv_bitmap_weight(s->used, SLAB_MAX_OBJS),
				       s->inuse);
	for (off = s->free; off; off = *link_of(s, off)) {
		int i = object_index(c, off);

		if (i < 0 || sv_bitmap_test(s->used, (size_t)i) ||
		    ++count > c->nobj)
			return kmem_check_fail(why, len, "slab %p: free list "
					       "bad at offset %u", (void *)s, off);
	}
	if (count + s->inuse != c->nobj || listed != (count != 0) ||
	    (s->inuse == 0) != (s == c->empty))
		return kmem_check_fail(why, len, "slab %p: %u free + %u in use "
				       "of %u, %s the partial list", (void *)s,
				       count, s->inuse, c->nobj,
				       listed ? "on" : "off");
	return 0;
}

/*
 * The slabs are the buddy allocator's runs tagged BUDDY_OWNER_SLAB: check
 * each of them, then that the counters and the partial lists agree with
 * what was found (a slab lost from its list shows up here).
 */
int slab_check(const struct sv_kmem *km, char *why, size_t len)
{
	const struct sv_buddy *b = km->pages;
	uint64_t slabs[KMEM_NR_CLASSES] = { 0 }, objects[KMEM_NR_CLASSES] = { 0 };
	uint64_t partial[KMEM_NR_CLASSES] = { 0 };

	for (uint64_t i = 0; i < b->nframes; i++) {
		const struct buddy_frame *f = &b->frames[i];
		struct slab *s;
		int err;

		if (f->state != BUDDY_FRAME_ALLOC || f->owner != BUDDY_OWNER_SLAB)
			continue;
		s = kmem_va(km, hpa((b->base_pfn + i) << SV_PAGE_SHIFT));
		err = check_slab(km, s, f->next, why, len);
		if (err)
			return err;
		slabs[s->cls]++;
		objects[s->cls] += s->inuse;
		partial[s->cls] += s->free != 0;
	}
	for (unsigned ci = 0; ci < KMEM_NR_CLASSES; ci++) {
		const struct kmem_class *c = &km->cls[ci];
		const struct sv_list_node *n;
		uint64_t listed = 0;
		bool empty_seen = false;

		sv_list_for_each(n, &c->partial) {
			const struct slab *s = sv_list_entry(n, struct slab, link);

			if (s->magic != SLAB_MAGIC || s->cls != ci ||
			    ++listed > partial[ci])
				return kmem_check_fail(why, len, "class %u: "
						       "partial list holds %p",
						       c->size, (const void *)s);
			empty_seen |= s == c->empty;
		}
		if (slabs[ci] != c->slabs || objects[ci] != c->objects ||
		    listed != partial[ci] || (c->empty && !empty_seen))
			return kmem_check_fail(why, len, "class %u: %llu slabs, "
					       "%llu objects, %llu partial found; "
					       "%llu, %llu, %llu listed or counted",
					       c->size,
					       (unsigned long long)slabs[ci],
					       (unsigned long long)objects[ci],
					       (unsigned long long)partial[ci],
					       (unsigned long long)c->slabs,
					       (unsigned long long)c->objects,
					       (unsigned long long)listed);
	}
	return 0;
}
