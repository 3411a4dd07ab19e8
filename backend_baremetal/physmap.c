/*
 * The monitor's page table for guests without paging on CPUs without EPT
 * (physmap.h). Table pages come from the host page allocator, VA == PA.
 */
#include "physmap.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/walk.h"

#define PTE_ENTRIES	1024
#define PDE_SHIFT	22
#define PTE_SHIFT	12
/* 32-bit entries: the low bits as sv/walk.h names them */
#define PTE_P		((uint32_t)SV_PTE_P)
#define PTE_RW		((uint32_t)SV_PTE_RW)
#define PTE_US		((uint32_t)SV_PTE_US)	/* the guest may run at CPL 3 */
#define PTE_ADDR	0xfffff000u		/* bits 31:12 */

int physmap_init(struct physmap *m)
{
	m->pd = host_pages_alloc(1, &m->pd_pa);
	if (!m->pd)
		return -SV_ENOMEM;
	if (m->pd_pa.v >= PHYSMAP_LIMIT) {	/* CR3 is 32 bits here */
		host_pages_free(m->pd, 1);
		m->pd = NULL;
		return -SV_ERANGE;
	}
	return 0;
}

void physmap_destroy(struct physmap *m)
{
	if (!m->pd)
		return;
	for (unsigned i = 0; i < PTE_ENTRIES; i++)
		if (m->pd[i] & PTE_P)
			host_pages_free((void *)(uintptr_t)(m->pd[i] & PTE_ADDR),
					1);
	host_pages_free(m->pd, 1);
	m->pd = NULL;
}

/* The page table for gpa, made on first use. */
static uint32_t *table_for(struct physmap *m, uint64_t gpa)
{
	uint32_t *pde = &m->pd[gpa >> PDE_SHIFT];
	uint32_t *pt;
	hpa_t pa;

	if (*pde & PTE_P)
		return (uint32_t *)(uintptr_t)(*pde & PTE_ADDR);
	pt = host_pages_alloc(1, &pa);
	if (!pt)
		return NULL;
	if (pa.v >= PHYSMAP_LIMIT) {
		host_pages_free(pt, 1);
		return NULL;
	}
	/* rights are decided in the table entries */
	*pde = (uint32_t)pa.v | PTE_P | PTE_RW | PTE_US;
	return pt;
}

int physmap_map(struct physmap *m, uint64_t gpa, uint64_t hpa, uint64_t size,
		bool writable)
{
	if ((gpa | hpa | size) & (SV_PAGE_SIZE - 1) || size == 0 ||
	    gpa + size > PHYSMAP_LIMIT || hpa + size > PHYSMAP_LIMIT ||
	    gpa + size < gpa)
		return -SV_ERANGE;
	for (uint64_t off = 0; off < size; off += SV_PAGE_SIZE) {
		uint32_t *pt = table_for(m, gpa + off);
		uint32_t *pte;

		if (!pt)
			return -SV_ENOMEM;
		pte = &pt[((gpa + off) >> PTE_SHIFT) & (PTE_ENTRIES - 1)];
		if (*pte & PTE_P)
			return -SV_EEXIST;
		*pte = (uint32_t)(hpa + off) | PTE_P | PTE_US |
		       (writable ? PTE_RW : 0);
	}
	return 0;
}
