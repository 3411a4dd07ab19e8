/*
 * The kernel's physical memory (kmem_kernel.h): the multiboot2 memory map
 * turned into a buddy zone (osk/buddy_map.c does the planning), one
 * struct sv_kmem over it, and irq-safe wrappers for the rest of the kernel.
 *
 * Boot order: kmain() calls kmem_kernel_init() before paging_init(), so the
 * kernel's page tables, its stacks and everything after come from the
 * buddy allocator and nothing was handed out before it to keep track of.
 * Until paging_init() only boot.S's identity map of 0-4 GiB exists, so the
 * frame table must lie below 4 GiB and only memory below 4 GiB enters the
 * zone at first; the zone itself spans all of RAM, and kmem_kernel_extend()
 * adds the memory above once the kernel's direct map covers it.
 */
#include "kmem_kernel.h"

#include "sv/buddy.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "sv/string.h"

#define BOOT_IDENTITY_END (4ull << 30)	/* boot.S identity-maps 0-4 GiB */
/* Real-mode IVT, BIOS data area, EBDA, VGA memory, option ROMs, BIOS. */
#define LOW_MEMORY_END	(1ull << 20)
#define MIB_SHIFT	20
#define KIB_SHIFT	10
#define DIRECT_MAP_OFFSET 0		/* VA == PA (paging_phys_to_virt) */

enum kernel_reserved {
	RSV_LOW_MEMORY,
	RSV_KERNEL_IMAGE,
	RSV_BOOT_INFO,
	RSV_COUNT
};

/* Load addresses of the kernel image (linker.ld). */
extern char _kernel_phys_start[], _kernel_phys_end[];

static struct sv_buddy kernel_buddy;
static struct sv_kmem kernel_km;

/* The memory map and the reserved ranges, kept for kmem_kernel_extend(). */
static struct buddy_region mem_map[MB2_MAX_MMAP];
static size_t mem_map_len;
static struct buddy_range reserved[RSV_COUNT];
/* clip_usable()'s output; boot is single-threaded, extend runs once. */
static struct buddy_region clipped[MB2_MAX_MMAP];

struct sv_kmem *kernel_kmem(void)
{
	return &kernel_km;
}

static uint64_t region_end(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

/*
 * The memory map with its usable regions clipped to [lo, hi) into out[];
 * unusable regions stay whole (they only ever take pages away).
 */
static size_t clip_usable(uint64_t lo, uint64_t hi, struct buddy_region *out)
{
	size_t n = 0;

	for (size_t i = 0; i < mem_map_len; i++) {
		const struct buddy_region *r = &mem_map[i];
		uint64_t s = SV_MAX(r->base.v, lo);
		uint64_t e = SV_MIN(region_end(r->base.v, r->len), hi);

		if (!r->usable)
			out[n++] = *r;
		else if (s < e)
			out[n++] = (struct buddy_region){ hpa(s), e - s, true };
	}
	return n;
}

/* Plan the zone; the frame table must be reachable before paging_init(). */
static int plan_zone(struct buddy_layout *l)
{
	int err = buddy_plan(mem_map, mem_map_len, reserved, RSV_COUNT, l);

	if (err || l->meta.v + l->meta_len <= BOOT_IDENTITY_END)
		return err;
	/* All of RAM needs a table too big for low memory: manage less. */
	return buddy_plan(clipped, clip_usable(0, BOOT_IDENTITY_END, clipped),
			  reserved, RSV_COUNT, l);
}

int kmem_kernel_init(const struct mb2_info *mi, uint64_t info_pa,
		     uint64_t info_len)
{
	struct buddy_layout l;
	int err;

	mem_map_len = mi->mmap_count;
	for (size_t i = 0; i < mem_map_len; i++)
		mem_map[i] = (struct buddy_region){
			hpa(mi->mmap[i].base), mi->mmap[i].length,
			mi->mmap[i].type == MB2_MEM_AVAILABLE };
	reserved[RSV_LOW_MEMORY] = (struct buddy_range){ hpa(0), LOW_MEMORY_END };
	reserved[RSV_KERNEL_IMAGE] = (struct buddy_range){
		hpa((uintptr_t)_kernel_phys_start),
		(uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start };
	reserved[RSV_BOOT_INFO] = (struct buddy_range){ hpa(info_pa), info_len };

	err = plan_zone(&l);
	if (err)
		return err;
	err = buddy_init(&kernel_buddy, l.zone_base, l.nframes,
			 (void *)(uintptr_t)(l.meta.v + DIRECT_MAP_OFFSET),
			 l.meta_len);
	if (err)
		return err;
	/* Tell buddy_add_map where the table is, as buddy_init_from_map does. */
	kernel_buddy.meta_pa = l.meta;
	kernel_buddy.meta_len = l.meta_len;
	err = buddy_add_map(&kernel_buddy, clipped,
			    clip_usable(0, BOOT_IDENTITY_END, clipped),
			    reserved, RSV_COUNT);
	if (err)
		return err;
	return kmem_init(&kernel_km, &kernel_buddy, DIRECT_MAP_OFFSET);
}

int kmem_kernel_extend(uint64_t direct_map_end)
{
	unsigned long irq;
	size_t n;
	int err;

	if (direct_map_end <= BOOT_IDENTITY_END)
		return 0;
	n = clip_usable(BOOT_IDENTITY_END, direct_map_end, clipped);
	irq = host_irq_save();
	err = buddy_add_map(&kernel_buddy, clipped, n, reserved, RSV_COUNT);
	host_irq_restore(irq);
	return err;
}

void kmem_kernel_stats(struct kmem_stats *st)
{
	unsigned long irq = host_irq_save();

	kmem_stats(&kernel_km, st);
	host_irq_restore(irq);
}

void kmem_kernel_report(void)
{
	struct kmem_stats st;
	uint64_t blocks = 0;

	kmem_kernel_stats(&st);
	for (unsigned k = 0; k < BUDDY_NR_ORDERS; k++)
		blocks += st.pages.free_blocks[k];
	sv_printf("mem: buddy allocator: %lu MiB free in %lu blocks, largest "
		  "%lu MiB, frame table at 0x%lx, %lu KiB\n",
		  (unsigned long)((st.pages.free_pages << SV_PAGE_SHIFT) >> MIB_SHIFT),
		  (unsigned long)blocks,
		  (unsigned long)((st.pages.largest_free_pages << SV_PAGE_SHIFT) >>
				  MIB_SHIFT),
		  (unsigned long)kernel_buddy.meta_pa.v,
		  (unsigned long)(kernel_buddy.meta_len >> KIB_SHIFT));
}

/* Report a refused free (called with the allocator's message copied). */
static int refused(int err, const char *msg)
{
	sv_printf("kmem: %s (%s)\n", msg, sv_strerror(err));
	return err;
}

void *kmalloc(size_t size)
{
	unsigned long irq = host_irq_save();
	void *p = kmem_alloc(&kernel_km, size);

	host_irq_restore(irq);
	return p;
}

void *kzalloc(size_t size)
{
	unsigned long irq = host_irq_save();
	void *p = kmem_zalloc(&kernel_km, size);

	host_irq_restore(irq);
	return p;
}

int kfree(void *ptr)
{
	char msg[KMEM_ERRMSG_LEN];
	unsigned long irq = host_irq_save();
	int err = kmem_free(&kernel_km, ptr);

	if (err)
		sv_memcpy(msg, kernel_km.last_error_msg, sizeof(msg));
	host_irq_restore(irq);
	return err ? refused(err, msg) : 0;
}

void *kmem_kernel_alloc_pages(size_t npages, hpa_t *pa)
{
	unsigned long irq = host_irq_save();
	void *p = kmem_alloc_pages(&kernel_km, npages, pa);

	host_irq_restore(irq);
	return p;
}

int kmem_kernel_free_pages(void *va, size_t npages)
{
	char msg[KMEM_ERRMSG_LEN];
	unsigned long irq = host_irq_save();
	int err = kmem_free_pages(&kernel_km, va, npages);

	if (err)
		sv_memcpy(msg, kernel_km.last_error_msg, sizeof(msg));
	host_irq_restore(irq);
	return err ? refused(err, msg) : 0;
}

void kmem_kernel_shrink(void)
{
	unsigned long irq = host_irq_save();

	kmem_shrink(&kernel_km);
	host_irq_restore(irq);
}

int kmem_kernel_check(char *why, size_t why_len)
{
	unsigned long irq = host_irq_save();
	int err = kmem_check(&kernel_km, why, why_len);

	host_irq_restore(irq);
	return err;
}
