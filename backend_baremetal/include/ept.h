/*
 * Extended page tables for one VM (Intel SDM vol. 3, section 29.3 "The
 * Extended Page Table Mechanism"): guest-physical to host-physical,
 * 4-level, write-back memory. Built when guest RAM is mapped, torn down
 * with the VM; nothing is unmapped in between, so no INVEPT is needed
 * beyond the one at VM creation.
 */
#ifndef SV_BM_EPT_H
#define SV_BM_EPT_H

#include <stdint.h>

#include "sv/compiler.h"

/* EPT paging-structure entry bits */
#define EPT_R		SV_BIT64(0)
#define EPT_W		SV_BIT64(1)
#define EPT_X		SV_BIT64(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT	3		/* 5:3 memory type, leaf entries */
#define EPT_IGNORE_PAT	SV_BIT64(6)
#define EPT_LARGE	SV_BIT64(7)	/* 2 MiB / 1 GiB leaf */
#define EPT_ADDR_MASK	0x000ffffffffff000ull

/* EPT pointer (EPT_POINTER field) */
#define EPTP_MT_WB	6ull		/* 2:0 paging-structure memory type */
#define EPTP_WALK_4	(3ull << 3)	/* 5:3 page-walk length - 1 */

struct ept {
	uint64_t *pml4;
	uint64_t pml4_pa;
	unsigned table_pages;
};

SV_MUST_CHECK int ept_init(struct ept *e);
/* Free every table page. Safe on a zeroed struct ept. */
void ept_destroy(struct ept *e);
/*
 * Map [gpa, gpa + size) to [hpa, hpa + size) with permissions perm
 * (EPT_R/W/X), write-back; everything 4 KiB-aligned. A page already
 * mapped is refused (-SV_EEXIST). On error the pages mapped so far stay
 * mapped: the caller fails the VM, whose ept_destroy frees everything.
 */
SV_MUST_CHECK int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa,
			  uint64_t size, uint64_t perm);
/* The EPT_POINTER value. */
uint64_t ept_pointer(const struct ept *e);

#endif /* SV_BM_EPT_H */
