/*
 * Fitting VMX controls and control registers to what a processor allows
 * (Intel SDM vol. 3, appendix A.3-A.8). Pure functions over capability MSR
 * values, so the bare-metal backend uses them and the unit tests check
 * them against hand-built MSR values.
 *
 * A control capability MSR reports allowed-0 settings in bits 31:0 (a 1
 * there means the control must be 1) and allowed-1 settings in bits 63:32
 * (a 0 there means the control must be 0).
 */
#ifndef SV_VMX_CTL_H
#define SV_VMX_CTL_H

#include <stdint.h>

#include "sv/compiler.h"

/* Bits 31:0 of cap that must be 1, and bits that may be 1. */
static inline uint32_t sv_vmx_ctl_must1(uint64_t cap)
{
	return (uint32_t)cap;
}

static inline uint32_t sv_vmx_ctl_may1(uint64_t cap)
{
	return (uint32_t)(cap >> 32);
}

/*
 * The control value for a capability: every bit of required, the bits of
 * optional the processor allows, and the bits it insists on. Returns 0, or
 * -SV_ENOTSUP when a required bit is not allowed (those bits in *missing,
 * which is 0 on success). *out is always the closest value the processor
 * accepts.
 */
SV_MUST_CHECK int sv_vmx_ctl_adjust(uint64_t cap, uint32_t required,
				    uint32_t optional, uint32_t *out,
				    uint32_t *missing);

/*
 * A control register value the processor accepts in VMX operation: bits
 * set in fixed0 forced to 1, bits clear in fixed1 forced to 0
 * (IA32_VMX_CR0_FIXED0/1, IA32_VMX_CR4_FIXED0/1).
 */
static inline uint64_t sv_vmx_cr_fixed(uint64_t value, uint64_t fixed0,
				       uint64_t fixed1)
{
	return (value | fixed0) & fixed1;
}

#endif /* SV_VMX_CTL_H */
