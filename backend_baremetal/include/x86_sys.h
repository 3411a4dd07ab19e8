/*
 * System-level x86 pieces the kernel's address space, interrupt controllers
 * and timers use (x86.h has the everyday instructions): CR3 and INVLPG,
 * the MSRs and CPUID bits they depend on, and width-checked MMIO accessors
 * for device registers (the local and I/O APICs).
 */
#ifndef SV_BM_X86_SYS_H
#define SV_BM_X86_SYS_H

#include <stdint.h>

#include "sv/compiler.h"

/* MSRs (Intel SDM vol. 4) */
#define MSR_IA32_APIC_BASE	0x0000001bu
#define MSR_IA32_EFER		0xc0000080u

/* IA32_APIC_BASE */
#define APIC_BASE_BSP		SV_BIT64(8)	/* this is the bootstrap processor */
#define APIC_BASE_X2APIC	SV_BIT64(10)	/* x2APIC mode enabled */
#define APIC_BASE_ENABLE	SV_BIT64(11)	/* xAPIC global enable */
#define APIC_BASE_ADDR_MASK	0x000ffffffffff000ull

/* IA32_EFER */
#define EFER_NXE		SV_BIT64(11)	/* execute-disable bit usable */

/* CPUID leaves and feature bits */
#define CPUID_LEAF_FEATURES	0x00000001u
#define CPUID_1_EDX_APIC	SV_BIT(9)	/* on-chip local APIC */
#define CPUID_1_ECX_TSC_DEADLINE SV_BIT(24)
#define CPUID_LEAF_EXT_MAX	0x80000000u
#define CPUID_LEAF_EXT_FEATURES	0x80000001u
#define CPUID_EXT_EDX_NX	SV_BIT(20)	/* execute disable */
#define CPUID_EXT_EDX_PAGE1GB	SV_BIT(26)	/* 1 GiB pages */
#define CPUID_LEAF_ADDR_SIZES	0x80000008u
#define CPUID_ADDR_PA_BITS_MASK	0xffu		/* EAX[7:0]: MAXPHYADDR */
#define CPUID_PA_BITS_DEFAULT	36		/* when leaf 0x80000008 is absent */

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Load CR3: switches tables and flushes every non-global TLB entry. */
static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* Drop the TLB entries for the page of va and all paging-structure caches. */
static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * MMIO: 32-bit accesses only (the APIC registers are 32-bit and must not
 * be touched with other widths); volatile so none is merged or dropped.
 */
static inline uint32_t mmio_read32(const volatile void *addr)
{
	return *(const volatile uint32_t *)addr;
}

static inline void mmio_write32(volatile void *addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#endif /* SV_BM_X86_SYS_H */
