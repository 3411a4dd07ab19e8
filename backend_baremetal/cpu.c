/*
 * CPU identification and VMX capability discovery (Intel SDM vol. 3,
 * appendix A "VMX Capability Reporting Facility"). The allowed-1 settings of
 * a control live in the high 32 bits of its capability MSR; when
 * IA32_VMX_BASIC reports true controls, the TRUE_* MSRs are the ones that
 * tell which default-1 controls may be 0, so they are read instead.
 */
#include "cpu.h"

#include "sv/string.h"
#include "sv/vmx.h"
#include "x86.h"

#define CPUID_1_ECX_VMX (1u << 5)

static void cpu_vendor(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0, 0);

	sv_memcpy(ci->vendor + 0, &r.ebx, 4);
	sv_memcpy(ci->vendor + 4, &r.edx, 4);
	sv_memcpy(ci->vendor + 8, &r.ecx, 4);
	ci->vendor[12] = '\0';
}

static void cpu_brand(struct cpu_info *ci)
{
	const char *p;

	ci->brand[0] = '\0';
	if (cpuid(0x80000000, 0).eax < 0x80000004)
		return;
	for (uint32_t i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i, 0);

		sv_memcpy(ci->brand + 16 * i, &r, 16);
	}
	ci->brand[48] = '\0';
	for (p = ci->brand; *p == ' '; p++)
		;
	sv_memmove(ci->brand, p, sv_strlen(p) + 1);	/* drop leading blanks */
}

static void cpu_signature(struct cpu_info *ci)
{
	uint32_t eax = cpuid(1, 0).eax;
	unsigned family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;

	if (family == 0xf)
		family += (eax >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model += ((eax >> 16) & 0xf) << 4;
	ci->family = family;
	ci->model = model;
	ci->stepping = eax & 0xf;
}

static void cpu_vmx_caps(struct cpu_info *ci)
{
	uint64_t basic = rdmsr(SV_MSR_IA32_VMX_BASIC);
	uint64_t procbased;

	ci->feature_control = rdmsr(SV_MSR_IA32_FEATURE_CONTROL);
	ci->vmcs_revision = (uint32_t)(basic & SV_VMX_BASIC_REVISION_MASK);
	ci->true_controls = (basic & SV_VMX_BASIC_TRUE_CTLS) != 0;
	procbased = rdmsr(ci->true_controls ? SV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					      SV_MSR_IA32_VMX_PROCBASED_CTLS);
	ci->secondary_controls =
		((procbased >> 32) & SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) != 0;
	if (ci->secondary_controls) {
		uint64_t proc2 = rdmsr(SV_MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;

		ci->ept = (proc2 & SV_SECONDARY_ENABLE_EPT) != 0;
		ci->vpid = (proc2 & SV_SECONDARY_ENABLE_VPID) != 0;
		ci->unrestricted_guest =
			(proc2 & SV_SECONDARY_UNRESTRICTED_GUEST) != 0;
	}
}

void cpu_probe(struct cpu_info *ci)
{
	sv_memset(ci, 0, sizeof(*ci));
	cpu_vendor(ci);
	cpu_brand(ci);
	cpu_signature(ci);
	ci->vmx = (cpuid(1, 0).ecx & CPUID_1_ECX_VMX) != 0;
	if (ci->vmx)
		cpu_vmx_caps(ci);
}
