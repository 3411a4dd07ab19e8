/*
 * Compile-time checks of the width-checked VMCS accessors in sv/vmx.h, run
 * by CTest with gcc -fsyntax-only (tests/unit/CMakeLists.txt):
 *
 *   -DVMCS_WIDTH_good  each accessor on a field of its own width: must build
 *   -DVMCS_WIDTH_bad   a 32-bit read of a 64-bit field: must fail with
 *                      "VMCS field width does not match the accessor"
 */
#include "sv/vmx.h"

/* Stand-ins for a backend's VMREAD and VMWRITE. */
static uint64_t fake_vmread(uint32_t field)
{
	return field;
}

static int fake_vmwrite(uint32_t field, uint64_t value)
{
	return (int)(field ^ value);
}

#define vmcs_read16(f)		SV_VMCS_READ16(fake_vmread, f)
#define vmcs_read32(f)		SV_VMCS_READ32(fake_vmread, f)
#define vmcs_read64(f)		SV_VMCS_READ64(fake_vmread, f)
#define vmcs_readnat(f)		SV_VMCS_READNAT(fake_vmread, f)
#define vmcs_write16(f, v)	SV_VMCS_WRITE16(fake_vmwrite, f, v)
#define vmcs_write32(f, v)	SV_VMCS_WRITE32(fake_vmwrite, f, v)
#define vmcs_write64(f, v)	SV_VMCS_WRITE64(fake_vmwrite, f, v)
#define vmcs_writenat(f, v)	SV_VMCS_WRITENAT(fake_vmwrite, f, v)

#if defined(VMCS_WIDTH_good)

uint64_t vmcs_width_good(void);

uint64_t vmcs_width_good(void)
{
	uint16_t sel = vmcs_read16(SV_VMCS_GUEST_CS_SELECTOR);
	uint32_t reason = vmcs_read32(SV_VMCS_VM_EXIT_REASON);
	uint64_t efer = vmcs_read64(SV_VMCS_GUEST_IA32_EFER);
	uint64_t rip = vmcs_readnat(SV_VMCS_GUEST_RIP);
	int err = 0;

	err |= vmcs_write16(SV_VMCS_HOST_CS_SELECTOR, sel);
	err |= vmcs_write32(SV_VMCS_PIN_BASED_VM_EXEC_CONTROL,
			    SV_PIN_BASED_EXT_INTR_EXITING);
	err |= vmcs_write64(SV_VMCS_IO_BITMAP_A, efer);
	err |= vmcs_writenat(SV_VMCS_HOST_RIP, rip);
	return sel + reason + efer + rip + (uint64_t)err;
}

#elif defined(VMCS_WIDTH_bad)

uint32_t vmcs_width_bad(void);

uint32_t vmcs_width_bad(void)
{
	return vmcs_read32(SV_VMCS_GUEST_IA32_EFER);	/* 64-bit field */
}

#else
#error "define VMCS_WIDTH_good or VMCS_WIDTH_bad"
#endif
