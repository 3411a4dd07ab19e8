/*
 * Control adjustment against the VMX capability MSRs (sv/vmx_ctl.h).
 */
#include "sv/vmx_ctl.h"

#include "sv/errno.h"

int sv_vmx_ctl_adjust(uint64_t cap, uint32_t required, uint32_t optional,
		      uint32_t *out, uint32_t *missing)
{
	uint32_t may1 = sv_vmx_ctl_may1(cap);
	uint32_t must1 = sv_vmx_ctl_must1(cap);

	*missing = required & ~may1;
	/* A must-be-1 bit the processor does not allow as 1 would be a
	 * broken MSR; keeping & may1 last makes *out acceptable anyway. */
	*out = ((required | optional) & may1) | (must1 & may1);
	return *missing ? -SV_ENOTSUP : 0;
}
