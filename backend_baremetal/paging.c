/*
 * The kernel's address space (layout in paging.h): builds the kernel's own
 * 4-level tables at boot with pagetable.c and switches CR3 to them, then
 * serves paging_map()/paging_unmap() and the uncached MMIO window. Also the
 * link-time glue pagetable.c asks for: its table pages come from
 * host_pages_alloc(), the one allocator dependency of the address space,
 * and are reached through the direct map.
 */
#include "paging.h"

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "x86.h"
#include "x86_sys.h"

/* Bounds of the kernel image's parts (linker.ld) and the boot stack guard. */
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _kernel_end[];
extern char boot_stack_guard[];

static struct pagetable kernel_pt;
static uint64_t identity_end;
static uint64_t mmio_next = PAGING_MMIO_AREA;

void *pt_page_alloc(uint64_t *pa)
{
	hpa_t h;
	void *va = host_pages_alloc(1, &h);

	if (va)
		*pa = h.v;
	return va;
}

void pt_page_free(void *va, uint64_t pa)
{
	(void)pa;
	host_pages_free(va, 1);
}

void *pt_page_virt(uint64_t pa)
{
	return paging_phys_to_virt(pa);
}

static void tlb_flush(const struct pt_flush *fl)
{
	if (fl->all) {
		write_cr3(read_cr3());	/* no global pages are ever made */
		return;
	}
	for (unsigned i = 0; i < fl->count; i++)
		invlpg(fl->va[i]);
}

int paging_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	unsigned long irq = host_irq_save();
	int err = pt_map(&kernel_pt, va, pa, size, flags);

	/* The CPU may have cached parts of a mapping undone after ENOMEM. */
	if (err == -SV_ENOMEM)
		write_cr3(read_cr3());
	host_irq_restore(irq);
	return err;
}

int paging_unmap(uint64_t va, uint64_t size)
{
	struct pt_flush fl = { 0 };
	unsigned long irq = host_irq_save();
	int err = pt_unmap(&kernel_pt, va, size, &fl);

	/* Flush before anything can reuse a freed table page. */
	tlb_flush(&fl);
	host_irq_restore(irq);
	return err;
}

bool paging_lookup(uint64_t va, struct pt_mapping *m)
{
	return pt_lookup(&kernel_pt, va, m);
}

volatile void *paging_map_mmio(uint64_t pa, uint64_t size)
{
	uint64_t off = pa & (PT_SIZE_4K - 1);
	uint64_t len = SV_ALIGN_UP(size + off, PT_SIZE_4K);
	unsigned long irq = host_irq_save();
	uint64_t va = mmio_next;
	volatile void *p = NULL;

	if (size && len >= size &&
	    len < PAGING_MMIO_AREA + PAGING_AREA_SIZE - va &&
	    paging_map(va, pa - off, len, PAGING_MMIO) == 0) {
		/* an unmapped page between windows catches overruns */
		mmio_next += len + PT_SIZE_4K;
		p = (volatile void *)(uintptr_t)(va + off);
	}
	host_irq_restore(irq);
	return p;
}

uint64_t paging_identity_end(void)
{
	return identity_end;
}

bool paging_has_1g_pages(void)
{
	return kernel_pt.huge_1g;
}

bool paging_has_nx(void)
{
	return kernel_pt.nx != 0;
}

size_t paging_table_pages(void)
{
	return kernel_pt.table_pages;
}

static void must(int err, const char *what)
{
	if (err)
		sv_panic("%s: %s", what, sv_strerror(err));
}

/* Map the image part [start, end) at its linked address. */
static void map_image(const char *start, const char *end, uint64_t flags,
		      const char *what)
{
	uint64_t va = SV_ALIGN_DOWN((uint64_t)(uintptr_t)start, PT_SIZE_4K);
	uint64_t va_end = SV_ALIGN_UP((uint64_t)(uintptr_t)end, PT_SIZE_4K);

	if (va_end > va)
		must(paging_map(va, va - KERNEL_VMA, va_end - va, flags), what);
}

void paging_init(uint64_t ram_end)
{
	struct cpuid_regs ext = { 0 };
	uint32_t ext_max = cpuid(CPUID_LEAF_EXT_MAX, 0).eax;
	unsigned pa_bits = CPUID_PA_BITS_DEFAULT;
	bool nx;

	if (ext_max >= CPUID_LEAF_EXT_FEATURES)
		ext = cpuid(CPUID_LEAF_EXT_FEATURES, 0);
	if (ext_max >= CPUID_LEAF_ADDR_SIZES)
		pa_bits = cpuid(CPUID_LEAF_ADDR_SIZES, 0).eax &
			  CPUID_ADDR_PA_BITS_MASK;
	nx = (ext.edx & CPUID_EXT_EDX_NX) != 0;
	if (nx)
		wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	must(pt_init(&kernel_pt, (ext.edx & CPUID_EXT_EDX_PAGE1GB) != 0, nx,
		     pa_bits), "paging_init: root table");

	identity_end = SV_MAX(PAGING_IDENTITY_MIN,
			      SV_ALIGN_UP(ram_end, PT_SIZE_1G));
	if (identity_end > kernel_pt.pa_limit)
		identity_end = kernel_pt.pa_limit;
	must(paging_map(0, 0, identity_end, PAGING_DATA),
	     "paging_init: direct map");
	must(paging_unmap(0, PT_SIZE_4K), "paging_init: NULL page");

	map_image(_text_start, _text_end, 0, "paging_init: text");
	map_image(_rodata_start, _rodata_end, PTE_NX, "paging_init: rodata");
	map_image(_data_start, _kernel_end, PTE_W | PTE_NX,
		  "paging_init: data");
	must(paging_unmap((uint64_t)(uintptr_t)boot_stack_guard, PT_SIZE_4K),
	     "paging_init: boot stack guard");

	write_cr3(kernel_pt.root_pa);
}
