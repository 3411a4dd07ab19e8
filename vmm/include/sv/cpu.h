/*
 * The virtual x86 CPU a VM shows its guest.
 *
 * Three parts: the architectural names the CPUID, CR, MSR and exception
 * handlers work with (CR0/CR4/EFER bits, CPUID leaves and feature bits, MSR
 * indexes, exception vectors; Intel SDM vol. 2 "CPUID", vol. 3 chapter 2
 * and vol. 4); the per-VM CPU policy, which decides what CPUID reveals; and
 * the per-vCPU state the monitor keeps because no backend register holds
 * it (the TPR, MSRs kept in the model, the CPU's CPUID limits).
 *
 * What the hardware holds for the guest (control registers, the MSRs the
 * VMCS has) stays in the backend and is reached through its get/set ops;
 * the handlers (vmm/cpuid.c, cr.c, msr.c, exception.c) validate first and
 * only then write, and inject #GP(0) where real hardware would.
 */
#ifndef SV_CPU_H
#define SV_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/vmx.h"

/* ---- control registers --------------------------------------------------- */

#define SV_CR0_PE	SV_BIT64(0)	/* protection enable */
#define SV_CR0_MP	SV_BIT64(1)	/* monitor coprocessor */
#define SV_CR0_EM	SV_BIT64(2)	/* x87 emulation */
#define SV_CR0_TS	SV_BIT64(3)	/* task switched */
#define SV_CR0_ET	SV_BIT64(4)	/* extension type, hardwired to 1 */
#define SV_CR0_NE	SV_BIT64(5)	/* numeric error */
#define SV_CR0_WP	SV_BIT64(16)	/* write protect */
#define SV_CR0_AM	SV_BIT64(18)	/* alignment mask */
#define SV_CR0_NW	SV_BIT64(29)	/* not write-through */
#define SV_CR0_CD	SV_BIT64(30)	/* cache disable */
#define SV_CR0_PG	SV_BIT64(31)	/* paging */
/* The bits CR0 has; writes of other bits in 31:0 are ignored, 63:32 #GP. */
#define SV_CR0_DEFINED	(SV_CR0_PE | SV_CR0_MP | SV_CR0_EM | SV_CR0_TS | \
			 SV_CR0_ET | SV_CR0_NE | SV_CR0_WP | SV_CR0_AM | \
			 SV_CR0_NW | SV_CR0_CD | SV_CR0_PG)
/* What LMSW loads: the low four bits of its operand. */
#define SV_CR0_LMSW_BITS (SV_CR0_PE | SV_CR0_MP | SV_CR0_EM | SV_CR0_TS)

#define SV_CR4_VME		SV_BIT64(0)
#define SV_CR4_PVI		SV_BIT64(1)
#define SV_CR4_TSD		SV_BIT64(2)
#define SV_CR4_DE		SV_BIT64(3)
#define SV_CR4_PSE		SV_BIT64(4)
#define SV_CR4_PAE		SV_BIT64(5)
#define SV_CR4_MCE		SV_BIT64(6)
#define SV_CR4_PGE		SV_BIT64(7)
#define SV_CR4_PCE		SV_BIT64(8)
#define SV_CR4_OSFXSR		SV_BIT64(9)
#define SV_CR4_OSXMMEXCPT	SV_BIT64(10)
#define SV_CR4_UMIP		SV_BIT64(11)
#define SV_CR4_LA57		SV_BIT64(12)
#define SV_CR4_VMXE		SV_BIT64(13)
#define SV_CR4_SMXE		SV_BIT64(14)
#define SV_CR4_FSGSBASE		SV_BIT64(16)
#define SV_CR4_PCIDE		SV_BIT64(17)
#define SV_CR4_OSXSAVE		SV_BIT64(18)
#define SV_CR4_SMEP		SV_BIT64(20)
#define SV_CR4_SMAP		SV_BIT64(21)
#define SV_CR4_PKE		SV_BIT64(22)

/* CR8: the task-priority register, bits 3:0; the rest is reserved. */
#define SV_CR8_TPR_MASK		0xfull

/* IA32_EFER */
#define SV_EFER_SCE		SV_BIT64(0)	/* SYSCALL enable */
#define SV_EFER_LME		SV_BIT64(8)	/* long mode enable */
#define SV_EFER_LMA		SV_BIT64(10)	/* long mode active */
#define SV_EFER_NXE		SV_BIT64(11)	/* execute-disable enable */

/* ---- CPUID ----------------------------------------------------------------- */

enum sv_cpuid_leaf {
	SV_CPUID_BASIC_MAX	= 0x00000000u,	/* EAX: highest basic leaf */
	SV_CPUID_FEATURES	= 0x00000001u,
	SV_CPUID_EXT_FEATURES	= 0x00000007u,	/* subleaf 0 */
	SV_CPUID_HV_FIRST	= 0x40000000u,	/* the monitor's own leaves */
	SV_CPUID_HV_LAST	= 0x400000ffu,
	SV_CPUID_EXT_MAX	= 0x80000000u,	/* EAX: highest extended leaf */
	SV_CPUID_EXT_FEATURES1	= 0x80000001u,
	SV_CPUID_ADDR_SIZES	= 0x80000008u,	/* EAX[7:0]: MAXPHYADDR */
};

/* CPUID.80000008H:EAX bits 7:0, physical-address width */
#define SV_CPUID_ADDR_SIZES_PHYS_MASK 0xffu

/* CPUID.1:ECX */
#define SV_CPUID_1_ECX_MONITOR	SV_BIT(3)
#define SV_CPUID_1_ECX_VMX	SV_BIT(5)
#define SV_CPUID_1_ECX_SMX	SV_BIT(6)
#define SV_CPUID_1_ECX_PCID	SV_BIT(17)
#define SV_CPUID_1_ECX_X2APIC	SV_BIT(21)
#define SV_CPUID_1_ECX_XSAVE	SV_BIT(26)
#define SV_CPUID_1_ECX_OSXSAVE	SV_BIT(27)
#define SV_CPUID_1_ECX_AVX	SV_BIT(28)
#define SV_CPUID_1_ECX_HYPERVISOR SV_BIT(31)
/* CPUID.1:EDX */
#define SV_CPUID_1_EDX_VME	SV_BIT(1)
#define SV_CPUID_1_EDX_DE	SV_BIT(2)
#define SV_CPUID_1_EDX_PSE	SV_BIT(3)
#define SV_CPUID_1_EDX_PAE	SV_BIT(6)
#define SV_CPUID_1_EDX_MCE	SV_BIT(7)
#define SV_CPUID_1_EDX_PGE	SV_BIT(13)
#define SV_CPUID_1_EDX_FXSR	SV_BIT(24)
#define SV_CPUID_1_EDX_SSE	SV_BIT(25)
/* CPUID.1:EBX bits 31:24, the initial APIC ID */
#define SV_CPUID_1_EBX_APIC_ID_SHIFT 24
#define SV_CPUID_1_EBX_APIC_ID_MASK (0xffu << SV_CPUID_1_EBX_APIC_ID_SHIFT)
/* CPUID.(7,0):EBX and ECX */
#define SV_CPUID_7_EBX_FSGSBASE	SV_BIT(0)
#define SV_CPUID_7_EBX_SMEP	SV_BIT(7)
#define SV_CPUID_7_EBX_SMAP	SV_BIT(20)
#define SV_CPUID_7_ECX_UMIP	SV_BIT(2)
#define SV_CPUID_7_ECX_PKU	SV_BIT(3)
#define SV_CPUID_7_ECX_OSPKE	SV_BIT(4)
#define SV_CPUID_7_ECX_LA57	SV_BIT(16)
/* CPUID.80000001:EDX */
#define SV_CPUID_X1_EDX_SYSCALL	SV_BIT(11)
#define SV_CPUID_X1_EDX_NX	SV_BIT(20)
#define SV_CPUID_X1_EDX_PAGE1GB	SV_BIT(26)
#define SV_CPUID_X1_EDX_LM	SV_BIT(29)

/* Leaf 0x40000000 when the policy shows it: "Smart-VM" in EBX, ECX, EDX. */
#define SV_CPUID_HV_SIGNATURE	"Smart-VM\0\0\0"	/* 12 bytes with its NUL */

/*
 * What CPUID reveals to a VM's guest; the rest of the host CPU's answer
 * passes through (vmm/cpuid.c says what is always filtered). vm_init sets
 * cpu_policy_default(); there is no configuration key yet.
 */
struct sv_cpu_policy {
	/* CPUID.1:ECX.VMX. There is no nested VMX: a guest that used it
	 * would fail its VM at the first VMX instruction. */
	bool vmx;
	/* Leaves 0x40000000-0x400000ff answer with Smart-VM's signature;
	 * otherwise they read as leaves past the highest, as on bare metal. */
	bool hv_leaves;
	/* CPUID.80000001:EDX.LM, EFER.LME and the FS/GS base MSRs. Guests
	 * are 32-bit: the handlers do not model IA-32e mode switches yet. */
	bool long_mode;
};

void cpu_policy_default(struct sv_cpu_policy *p);

/* ---- MSRs ------------------------------------------------------------------ */

/*
 * Architectural MSR indexes the virtual CPU uses (SDM vol. 4).
 * IA32_FEATURE_CONTROL and the VMX capability MSRs are in sv/vmx.h.
 */
enum sv_msr {
	SV_MSR_IA32_TSC			= 0x00000010,
	SV_MSR_IA32_APIC_BASE		= 0x0000001b,
	SV_MSR_IA32_BIOS_SIGN_ID	= 0x0000008b,	/* microcode revision */
	SV_MSR_IA32_MTRRCAP		= 0x000000fe,
	SV_MSR_IA32_SYSENTER_CS		= 0x00000174,
	SV_MSR_IA32_SYSENTER_ESP	= 0x00000175,
	SV_MSR_IA32_SYSENTER_EIP	= 0x00000176,
	SV_MSR_IA32_MCG_CAP		= 0x00000179,
	SV_MSR_IA32_MCG_STATUS		= 0x0000017a,
	SV_MSR_IA32_MISC_ENABLE		= 0x000001a0,
	SV_MSR_IA32_PAT			= 0x00000277,
	SV_MSR_IA32_MTRR_DEF_TYPE	= 0x000002ff,
	SV_MSR_IA32_EFER		= 0xc0000080,
	SV_MSR_IA32_FS_BASE		= 0xc0000100,
	SV_MSR_IA32_GS_BASE		= 0xc0000101,
	SV_MSR_IA32_KERNEL_GS_BASE	= 0xc0000102,
};

/* IA32_APIC_BASE: the bootstrap processor, xAPIC enabled, at 0xfee00000. */
#define SV_APIC_BASE_BSP	SV_BIT64(8)
#define SV_APIC_BASE_ENABLE	SV_BIT64(11)
#define SV_APIC_BASE_ADDR	0xfee00000ull
#define SV_APIC_BASE_DEFAULT	(SV_APIC_BASE_ADDR | SV_APIC_BASE_ENABLE | \
				 SV_APIC_BASE_BSP)
/* IA32_MISC_ENABLE: fast strings on; no BTS, no PEBS (as KVM reports). */
#define SV_MISC_ENABLE_FAST_STRING	SV_BIT64(0)
#define SV_MISC_ENABLE_BTS_UNAVAIL	SV_BIT64(11)
#define SV_MISC_ENABLE_PEBS_UNAVAIL	SV_BIT64(12)
#define SV_MISC_ENABLE_DEFAULT	(SV_MISC_ENABLE_FAST_STRING | \
				 SV_MISC_ENABLE_BTS_UNAVAIL | \
				 SV_MISC_ENABLE_PEBS_UNAVAIL)
/* IA32_MTRR_DEF_TYPE */
#define SV_MTRR_DEF_TYPE_MASK	0xffull		/* 7:0 memory type */
#define SV_MTRR_DEF_FE		SV_BIT64(10)	/* fixed-range MTRRs enable */
#define SV_MTRR_DEF_E		SV_BIT64(11)	/* MTRRs enable */
/* Memory types (PAT entries and MTRRs) */
enum sv_mem_type {
	SV_MEMTYPE_UC = 0, SV_MEMTYPE_WC = 1, SV_MEMTYPE_WT = 4,
	SV_MEMTYPE_WP = 5, SV_MEMTYPE_WB = 6, SV_MEMTYPE_UC_MINUS = 7,
};
/* IA32_PAT after reset: WB, WT, UC-, UC, repeated. */
#define SV_PAT_DEFAULT		0x0007040600070406ull

/*
 * The MSRs the virtual CPU has, listed once: X(name, access, value, check).
 * name pastes onto SV_MSR_ for its index. access is
 *   CONST       read-only, reads give value; a write of that same value
 *               (firmware writing back what it read) is accepted, any
 *               other value gets #GP
 *   STORED      kept in the vCPU's model (struct sv_vcpu_arch), reset to
 *               value
 *   BACKEND     held by the hardware for the guest (the VMCS or the TSC):
 *               get_msr/set_msr of the backend; value is unused
 *   BACKEND_LM  BACKEND, but only a CPU with long mode has it (policy)
 * check says what a write must satisfy, else #GP: ANY, CANONICAL (an
 * address), PAT (eight valid memory types), MTRR_DEF_TYPE, EFER (only bits
 * the CPUID shown allows).
 */
#define SV_GUEST_MSRS(X) \
	X(IA32_TSC,             BACKEND,    0,                          ANY) \
	X(IA32_APIC_BASE,       CONST,      SV_APIC_BASE_DEFAULT,       ANY) \
	X(IA32_FEATURE_CONTROL, CONST,      SV_FEATURE_CONTROL_LOCKED,  ANY) \
	X(IA32_BIOS_SIGN_ID,    CONST,      0,                          ANY) \
	X(IA32_MTRRCAP,         CONST,      0,                          ANY) \
	X(IA32_SYSENTER_CS,     BACKEND,    0,                          ANY) \
	X(IA32_SYSENTER_ESP,    BACKEND,    0,                          CANONICAL) \
	X(IA32_SYSENTER_EIP,    BACKEND,    0,                          CANONICAL) \
	X(IA32_MCG_CAP,         CONST,      0,                          ANY) \
	X(IA32_MCG_STATUS,      CONST,      0,                          ANY) \
	X(IA32_MISC_ENABLE,     CONST,      SV_MISC_ENABLE_DEFAULT,     ANY) \
	X(IA32_PAT,             BACKEND,    0,                          PAT) \
	X(IA32_MTRR_DEF_TYPE,   STORED,     0,                          MTRR_DEF_TYPE) \
	X(IA32_EFER,            BACKEND,    0,                          EFER) \
	X(IA32_FS_BASE,         BACKEND_LM, 0,                          CANONICAL) \
	X(IA32_GS_BASE,         BACKEND_LM, 0,                          CANONICAL) \
	X(IA32_KERNEL_GS_BASE,  BACKEND_LM, 0,                          CANONICAL)

/* A position in SV_GUEST_MSRS, for the per-vCPU store. */
enum sv_guest_msr_slot {
#define SV_GUEST_MSR_SLOT_(name, access, value, check) SV_GUEST_MSR_##name,
	SV_GUEST_MSRS(SV_GUEST_MSR_SLOT_)
#undef SV_GUEST_MSR_SLOT_
	SV_GUEST_MSR_COUNT
};

/* ---- exceptions ------------------------------------------------------------ */

enum sv_exception {
	SV_EXC_DE = 0, SV_EXC_DB = 1, SV_EXC_NMI = 2, SV_EXC_BP = 3,
	SV_EXC_OF = 4, SV_EXC_BR = 5, SV_EXC_UD = 6, SV_EXC_NM = 7,
	SV_EXC_DF = 8, SV_EXC_TS = 10, SV_EXC_NP = 11, SV_EXC_SS = 12,
	SV_EXC_GP = 13, SV_EXC_PF = 14, SV_EXC_MF = 16, SV_EXC_AC = 17,
	SV_EXC_MC = 18, SV_EXC_XM = 19, SV_EXC_VE = 20, SV_EXC_CP = 21,
	SV_EXC_COUNT = 32	/* vectors 0-31 are the architecture's */
};

/* ---- per-vCPU state -------------------------------------------------------- */

struct sv_vcpu_arch {
	uint64_t msr[SV_GUEST_MSR_COUNT];	/* STORED MSRs, by slot */
	uint8_t tpr;				/* CR8 */
	/* the CPU's highest basic and extended CPUID leaves, asked of the
	 * backend at the first CPUID exit (asking at creation would add
	 * records to every trace, CPUID or not) */
	bool cpuid_limits_known;
	uint32_t cpuid_max_basic, cpuid_max_ext;
};

/* The state after RESET: STORED MSRs at their reset values, TPR 0. */
void vcpu_arch_reset(struct sv_vcpu_arch *a);

#endif /* SV_CPU_H */
