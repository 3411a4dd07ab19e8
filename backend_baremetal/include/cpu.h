/*
 * What the processor offers: vendor, model, and the VMX capabilities read
 * from CPUID and the IA32_VMX_* MSRs (true-control variants where the CPU
 * has them).
 */
#ifndef SV_BM_CPU_H
#define SV_BM_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_info {
	char vendor[13];
	char brand[49];
	unsigned family, model, stepping;
	bool vmx;			/* CPUID.1:ECX.VMX */
	/* valid when vmx: */
	uint64_t feature_control;	/* IA32_FEATURE_CONTROL */
	uint32_t vmcs_revision;
	bool true_controls;		/* IA32_VMX_BASIC bit 55 */
	bool secondary_controls;	/* procbased bit 31 may be 1 */
	bool ept, unrestricted_guest, vpid;
};

void cpu_probe(struct cpu_info *ci);

#endif
