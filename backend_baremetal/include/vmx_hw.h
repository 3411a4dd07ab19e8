/*
 * The VMX instructions (Intel SDM vol. 3, "VMX instruction reference") as
 * inline functions that say how each ended. Every one reports through
 * RFLAGS: CF=1 is VMfailInvalid (no current VMCS to hold an error), ZF=1
 * is VMfailValid (the reason is in the VM-instruction error field), both
 * clear is success.
 *
 * VMCS fields are reached only through the width-checked macros at the
 * bottom (sv/vmx.h), never by a raw encoding.
 */
#ifndef SV_BM_VMX_HW_H
#define SV_BM_VMX_HW_H

#include <stdint.h>

#include "sv/compiler.h"
#include "sv/vmx.h"

enum vmx_status {
	VMX_OK = 0,
	VMX_FAIL_INVALID = 1,	/* CF: no current VMCS */
	VMX_FAIL_VALID = 2,	/* ZF: see VM_INSTRUCTION_ERROR */
};

/* setbe-style decoding of CF and ZF after a VMX instruction. */
#define VMX_STATUS_ASM(insn) \
	insn "\n\t" \
	"jc 1f\n\t" \
	"jz 2f\n\t" \
	"xorl %k[st], %k[st]\n\t" \
	"jmp 3f\n" \
	"1: movl $1, %k[st]\n\t" \
	"jmp 3f\n" \
	"2: movl $2, %k[st]\n" \
	"3:"

static inline enum vmx_status vmx_on(uint64_t pa)
{
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("vmxon %[pa]")
			 : [st] "=r"(st) : [pa] "m"(pa) : "cc", "memory");
	return (enum vmx_status)st;
}

static inline enum vmx_status vmx_off(void)
{
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("vmxoff")
			 : [st] "=r"(st) : : "cc", "memory");
	return (enum vmx_status)st;
}

static inline enum vmx_status vmx_clear(uint64_t pa)
{
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("vmclear %[pa]")
			 : [st] "=r"(st) : [pa] "m"(pa) : "cc", "memory");
	return (enum vmx_status)st;
}

static inline enum vmx_status vmx_ptrld(uint64_t pa)
{
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("vmptrld %[pa]")
			 : [st] "=r"(st) : [pa] "m"(pa) : "cc", "memory");
	return (enum vmx_status)st;
}

static inline enum vmx_status vmx_write(unsigned long field, uint64_t value)
{
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("vmwrite %[v], %[f]")
			 : [st] "=r"(st) : [v] "rm"(value), [f] "r"(field)
			 : "cc", "memory");
	return (enum vmx_status)st;
}

/* Reads of a field the current VMCS has cannot fail; 0 if one does. */
static inline uint64_t vmx_read(unsigned long field)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %[f], %[v]"
			 : [v] "+r"(v) : [f] "r"(field) : "cc", "memory");
	return v;
}

/* INVEPT / INVVPID descriptors and types. */
enum vmx_inv_type {
	VMX_INV_ADDRESS = 0,		/* INVVPID only */
	VMX_INV_SINGLE_CONTEXT = 1,
	VMX_INV_ALL_CONTEXTS = 2,
};

static inline enum vmx_status vmx_invept(enum vmx_inv_type type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("invept %[d], %[t]")
			 : [st] "=r"(st)
			 : [d] "m"(desc), [t] "r"((uint64_t)type)
			 : "cc", "memory");
	return (enum vmx_status)st;
}

static inline enum vmx_status vmx_invvpid(enum vmx_inv_type type,
					  uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };
	unsigned st;

	__asm__ volatile(VMX_STATUS_ASM("invvpid %[d], %[t]")
			 : [st] "=r"(st)
			 : [d] "m"(desc), [t] "r"((uint64_t)type)
			 : "cc", "memory");
	return (enum vmx_status)st;
}

/* Width-checked VMCS accessors on the current VMCS (sv/vmx.h). */
#define vmcs_read16(f)		SV_VMCS_READ16(vmx_read, SV_VMCS_##f)
#define vmcs_read32(f)		SV_VMCS_READ32(vmx_read, SV_VMCS_##f)
#define vmcs_read64(f)		SV_VMCS_READ64(vmx_read, SV_VMCS_##f)
#define vmcs_readnat(f)		SV_VMCS_READNAT(vmx_read, SV_VMCS_##f)
#define vmcs_write16(f, v)	SV_VMCS_WRITE16(vmcs_put, SV_VMCS_##f, v)
#define vmcs_write32(f, v)	SV_VMCS_WRITE32(vmcs_put, SV_VMCS_##f, v)
#define vmcs_write64(f, v)	SV_VMCS_WRITE64(vmcs_put, SV_VMCS_##f, v)
#define vmcs_writenat(f, v)	SV_VMCS_WRITENAT(vmcs_put, SV_VMCS_##f, v)

/*
 * VMWRITE that cannot fail on a field the processor has: a failure is a
 * monitor bug (wrong field, no current VMCS), so it panics with the field's
 * name and the VM-instruction error (vmx.c).
 */
void vmcs_put(unsigned long field, uint64_t value);

/*
 * The guest-entry stub (vmx_entry.S): load the guest's general-purpose
 * registers from gprs, VMLAUNCH (launched == 0) or VMRESUME, and on the
 * VM exit store them back. Returns VMX_OK after a VM exit (including a
 * VM-entry failure, which is an exit), or the enum vmx_status of a
 * VMLAUNCH/VMRESUME that failed as an instruction. Call with interrupts
 * disabled and this vCPU's VMCS current.
 */
struct vmx_gprs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};

enum vmx_status vmx_enter(struct vmx_gprs *gprs, int launched);

#endif /* SV_BM_VMX_HW_H */
