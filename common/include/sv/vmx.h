/*
 * VMX architecture definitions: basic exit reasons, VMCS field encodings,
 * VM-instruction error numbers, the bit layouts of exit qualifications,
 * interruption information and segment access rights, and the VMX
 * capability MSRs and control bits.
 *
 * Source of truth is the Intel SDM volume 3 (appendix A "VMX capability
 * reporting facility", appendix B "Field encoding in VMCS", appendix C "VMX
 * basic exit reasons", "VM-instruction error numbers" in the VMX instruction
 * reference, and the exit-qualification tables in "VM exits"). Every value
 * appears once, as a name; code elsewhere never writes a VMX number.
 *
 * The lists (exit reasons, VMCS fields, VM-instruction errors, interruption
 * types) are X-macros: the enums here and the name tables in vmx_names.c are
 * both expanded from them, so a name cannot drift from its value.
 *
 * VMCS accessors are width-checked at compile time: SV_VMCS_READ32(fn, f)
 * refuses to build unless f is a 32-bit field (the width class sits in bits
 * 14:13 of every encoding). A backend wraps its VMREAD/VMWRITE with them,
 * e.g. #define vmcs_read32(f) SV_VMCS_READ32(vmx_vmread, f).
 *
 * Freestanding: usable by the core, both backends and the unit tests.
 */
#ifndef SV_VMX_H
#define SV_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

/* ------------------------------------------------------------------------
 * Basic exit reasons (SDM appendix C, table C-1)
 *
 * X(name, value), ascending. Values the SDM leaves out (35, 38, 42, 71, 82,
 * 83) are gaps, named "UNKNOWN" by sv_exit_reason_name(). 72-81 follow the
 * newer SDM/ISE revisions (as implemented by Bochs), 84-85 the RDMSR and
 * WRMSRNS immediate forms (as Linux names them).
 * ------------------------------------------------------------------------ */
#define SV_EXIT_REASONS(X) \
	X(EXCEPTION_NMI,             0) \
	X(EXTERNAL_INTERRUPT,        1) \
	X(TRIPLE_FAULT,              2) \
	X(INIT_SIGNAL,               3) \
	X(SIPI_SIGNAL,               4) \
	X(IO_SMI,                    5) \
	X(OTHER_SMI,                 6) \
	X(INTERRUPT_WINDOW,          7) \
	X(NMI_WINDOW,                8) \
	X(TASK_SWITCH,               9) \
	X(CPUID,                    10) \
	X(GETSEC,                   11) \
	X(HLT,                      12) \
	X(INVD,                     13) \
	X(INVLPG,                   14) \
	X(RDPMC,                    15) \
	X(RDTSC,                    16) \
	X(RSM,                      17) \
	X(VMCALL,                   18) \
	X(VMCLEAR,                  19) \
	X(VMLAUNCH,                 20) \
	X(VMPTRLD,                  21) \
	X(VMPTRST,                  22) \
	X(VMREAD,                   23) \
	X(VMRESUME,                 24) \
	X(VMWRITE,                  25) \
	X(VMXOFF,                   26) \
	X(VMXON,                    27) \
	X(CR_ACCESS,                28) \
	X(DR_ACCESS,                29) \
	X(IO_INSTRUCTION,           30) \
	X(MSR_READ,                 31) \
	X(MSR_WRITE,                32) \
	X(ENTRY_FAIL_GUEST_STATE,   33) \
	X(ENTRY_FAIL_MSR_LOAD,      34) \
	X(MWAIT,                    36) \
	X(MONITOR_TRAP_FLAG,        37) \
	X(MONITOR,                  39) \
	X(PAUSE,                    40) \
	X(ENTRY_FAIL_MACHINE_CHECK, 41) \
	X(TPR_BELOW_THRESHOLD,      43) \
	X(APIC_ACCESS,              44) \
	X(VIRTUALIZED_EOI,          45) \
	X(GDTR_IDTR_ACCESS,         46) \
	X(LDTR_TR_ACCESS,           47) \
	X(EPT_VIOLATION,            48) \
	X(EPT_MISCONFIG,            49) \
	X(INVEPT,                   50) \
	X(RDTSCP,                   51) \
	X(PREEMPTION_TIMER,         52) \
	X(INVVPID,                  53) \
	X(WBINVD,                   54) \
	X(XSETBV,                   55) \
	X(APIC_WRITE,               56) \
	X(RDRAND,                   57) \
	X(INVPCID,                  58) \
	X(VMFUNC,                   59) \
	X(ENCLS,                    60) \
	X(RDSEED,                   61) \
	X(PML_FULL,                 62) \
	X(XSAVES,                   63) \
	X(XRSTORS,                  64) \
	X(PCONFIG,                  65) \
	X(SPP_EVENT,                66) \
	X(UMWAIT,                   67) \
	X(TPAUSE,                   68) \
	X(LOADIWKEY,                69) \
	X(ENCLV,                    70) \
	X(ENQCMD_PASID_FAIL,        72) \
	X(ENQCMDS_PASID_FAIL,       73) \
	X(BUS_LOCK,                 74) \
	X(NOTIFY,                   75) \
	X(SEAMCALL,                 76) \
	X(TDCALL,                   77) \
	X(RDMSRLIST,                78) \
	X(WRMSRLIST,                79) \
	X(URDMSR,                   80) \
	X(UWRMSR,                   81) \
	X(MSR_READ_IMM,             84) \
	X(MSR_WRITE_IMM,            85)

enum sv_exit_reason {
#define SV_EXIT_ENUM_(name, value) SV_EXIT_##name = (value),
	SV_EXIT_REASONS(SV_EXIT_ENUM_)
#undef SV_EXIT_ENUM_
	SV_EXIT_REASON_MAX = 86		/* one past the largest; checked in vmx_names.c */
};

/* The basic exit reason is bits 15:0 of the VMCS exit-reason field. */
#define SV_EXIT_REASON_BASIC_MASK	0xffffu

/* ------------------------------------------------------------------------
 * VMCS field encodings (SDM appendix B)
 *
 * Encoding bits: 0 access type (0 full, 1 high half of a 64-bit field),
 * 9:1 index, 11:10 type, 12 reserved (0), 14:13 width, 31:15 reserved (0).
 * ------------------------------------------------------------------------ */
enum sv_vmcs_width { SV_VMCS_W16, SV_VMCS_W64, SV_VMCS_W32, SV_VMCS_WNAT };

enum sv_vmcs_type {
	SV_VMCS_TYPE_CTRL,	/* control */
	SV_VMCS_TYPE_RO,	/* VM-exit information (read-only data) */
	SV_VMCS_TYPE_GUEST,	/* guest state */
	SV_VMCS_TYPE_HOST	/* host state */
};

#define SV_VMCS_FIELD_WIDTH(f)	  (((unsigned)(f) >> 13) & 3u)
#define SV_VMCS_FIELD_TYPE(f)	  (((unsigned)(f) >> 10) & 3u)
#define SV_VMCS_FIELD_INDEX(f)	  (((unsigned)(f) >> 1) & 0x1ffu)
#define SV_VMCS_FIELD_IS_HIGH(f)  (((unsigned)(f) & 1u) != 0)
/* Bits that are 0 in every encoding (bit 12 and bits 31:15). */
#define SV_VMCS_FIELD_RESERVED	  0xffff9000u
/* The encoding of a field from its parts. */
#define SV_VMCS_ENCODE(width, type, index, high) \
	(((unsigned)(width) << 13) | ((unsigned)(type) << 10) | \
	 ((unsigned)(index) << 1) | ((high) ? 1u : 0u))

/*
 * X(ctx, name, encoding, width, type) for every field; width is W16, W64,
 * W32 or WNAT and type CTRL, RO, GUEST or HOST (pasted onto SV_VMCS_ and
 * SV_VMCS_TYPE_). A W64 entry is the full-access encoding; its _HIGH twin
 * (encoding + 1) is generated, see SV_VMCS_ALL_FIELDS. Grouped as the SDM's
 * tables B-1 to B-15.
 */
#define SV_VMCS_FIELDS(X, ctx) \
	/* 16-bit control fields */ \
	X(ctx, VIRTUAL_PROCESSOR_ID,          0x0000, W16, CTRL) \
	X(ctx, POSTED_INTR_NV,                0x0002, W16, CTRL) \
	X(ctx, EPTP_INDEX,                    0x0004, W16, CTRL) \
	X(ctx, HLAT_PREFIX_SIZE,              0x0006, W16, CTRL) \
	X(ctx, LAST_PID_POINTER_INDEX,        0x0008, W16, CTRL) \
	/* 16-bit guest-state fields */ \
	X(ctx, GUEST_ES_SELECTOR,             0x0800, W16, GUEST) \
	X(ctx, GUEST_CS_SELECTOR,             0x0802, W16, GUEST) \
	X(ctx, GUEST_SS_SELECTOR,             0x0804, W16, GUEST) \
	X(ctx, GUEST_DS_SELECTOR,             0x0806, W16, GUEST) \
	X(ctx, GUEST_FS_SELECTOR,             0x0808, W16, GUEST) \
	X(ctx, GUEST_GS_SELECTOR,             0x080a, W16, GUEST) \
	X(ctx, GUEST_LDTR_SELECTOR,           0x080c, W16, GUEST) \
	X(ctx, GUEST_TR_SELECTOR,             0x080e, W16, GUEST) \
	X(ctx, GUEST_INTR_STATUS,             0x0810, W16, GUEST) \
	X(ctx, GUEST_PML_INDEX,               0x0812, W16, GUEST) \
	X(ctx, GUEST_UINV,                    0x0814, W16, GUEST) \
	/* 16-bit host-state fields */ \
	X(ctx, HOST_ES_SELECTOR,              0x0c00, W16, HOST) \
	X(ctx, HOST_CS_SELECTOR,              0x0c02, W16, HOST) \
	X(ctx, HOST_SS_SELECTOR,              0x0c04, W16, HOST) \
	X(ctx, HOST_DS_SELECTOR,              0x0c06, W16, HOST) \
	X(ctx, HOST_FS_SELECTOR,              0x0c08, W16, HOST) \
	X(ctx, HOST_GS_SELECTOR,              0x0c0a, W16, HOST) \
	X(ctx, HOST_TR_SELECTOR,              0x0c0c, W16, HOST) \
	/* 64-bit control fields */ \
	X(ctx, IO_BITMAP_A,                   0x2000, W64, CTRL) \
	X(ctx, IO_BITMAP_B,                   0x2002, W64, CTRL) \
	X(ctx, MSR_BITMAP,                    0x2004, W64, CTRL) \
	X(ctx, VM_EXIT_MSR_STORE_ADDR,        0x2006, W64, CTRL) \
	X(ctx, VM_EXIT_MSR_LOAD_ADDR,         0x2008, W64, CTRL) \
	X(ctx, VM_ENTRY_MSR_LOAD_ADDR,        0x200a, W64, CTRL) \
	X(ctx, EXECUTIVE_VMCS_POINTER,        0x200c, W64, CTRL) \
	X(ctx, PML_ADDRESS,                   0x200e, W64, CTRL) \
	X(ctx, TSC_OFFSET,                    0x2010, W64, CTRL) \
	X(ctx, VIRTUAL_APIC_PAGE_ADDR,        0x2012, W64, CTRL) \
	X(ctx, APIC_ACCESS_ADDR,              0x2014, W64, CTRL) \
	X(ctx, POSTED_INTR_DESC_ADDR,         0x2016, W64, CTRL) \
	X(ctx, VM_FUNCTION_CONTROL,           0x2018, W64, CTRL) \
	X(ctx, EPT_POINTER,                   0x201a, W64, CTRL) \
	X(ctx, EOI_EXIT_BITMAP0,              0x201c, W64, CTRL) \
	X(ctx, EOI_EXIT_BITMAP1,              0x201e, W64, CTRL) \
	X(ctx, EOI_EXIT_BITMAP2,              0x2020, W64, CTRL) \
	X(ctx, EOI_EXIT_BITMAP3,              0x2022, W64, CTRL) \
	X(ctx, EPTP_LIST_ADDRESS,             0x2024, W64, CTRL) \
	X(ctx, VMREAD_BITMAP,                 0x2026, W64, CTRL) \
	X(ctx, VMWRITE_BITMAP,                0x2028, W64, CTRL) \
	X(ctx, VE_INFORMATION_ADDRESS,        0x202a, W64, CTRL) \
	X(ctx, XSS_EXIT_BITMAP,               0x202c, W64, CTRL) \
	X(ctx, ENCLS_EXITING_BITMAP,          0x202e, W64, CTRL) \
	X(ctx, SPP_TABLE_POINTER,             0x2030, W64, CTRL) \
	X(ctx, TSC_MULTIPLIER,                0x2032, W64, CTRL) \
	X(ctx, TERTIARY_VM_EXEC_CONTROL,      0x2034, W64, CTRL) \
	X(ctx, ENCLV_EXITING_BITMAP,          0x2036, W64, CTRL) \
	X(ctx, LOW_PASID_DIR_ADDR,            0x2038, W64, CTRL) \
	X(ctx, HIGH_PASID_DIR_ADDR,           0x203a, W64, CTRL) \
	X(ctx, SHARED_EPT_POINTER,            0x203c, W64, CTRL) \
	X(ctx, PCONFIG_EXITING_BITMAP,        0x203e, W64, CTRL) \
	X(ctx, HLAT_POINTER,                  0x2040, W64, CTRL) \
	X(ctx, PID_POINTER_TABLE,             0x2042, W64, CTRL) \
	X(ctx, SECONDARY_VM_EXIT_CONTROLS,    0x2044, W64, CTRL) \
	X(ctx, SPEC_CTRL_MASK,                0x204a, W64, CTRL) \
	X(ctx, SPEC_CTRL_SHADOW,              0x204c, W64, CTRL) \
	X(ctx, INJECTED_EVENT_DATA,           0x2052, W64, CTRL) \
	/* 64-bit read-only data fields */ \
	X(ctx, GUEST_PHYSICAL_ADDRESS,        0x2400, W64, RO) \
	X(ctx, ORIGINAL_EVENT_DATA,           0x2404, W64, RO) \
	/* 64-bit guest-state fields */ \
	X(ctx, VMCS_LINK_POINTER,             0x2800, W64, GUEST) \
	X(ctx, GUEST_IA32_DEBUGCTL,           0x2802, W64, GUEST) \
	X(ctx, GUEST_IA32_PAT,                0x2804, W64, GUEST) \
	X(ctx, GUEST_IA32_EFER,               0x2806, W64, GUEST) \
	X(ctx, GUEST_IA32_PERF_GLOBAL_CTRL,   0x2808, W64, GUEST) \
	X(ctx, GUEST_PDPTE0,                  0x280a, W64, GUEST) \
	X(ctx, GUEST_PDPTE1,                  0x280c, W64, GUEST) \
	X(ctx, GUEST_PDPTE2,                  0x280e, W64, GUEST) \
	X(ctx, GUEST_PDPTE3,                  0x2810, W64, GUEST) \
	X(ctx, GUEST_IA32_BNDCFGS,            0x2812, W64, GUEST) \
	X(ctx, GUEST_IA32_RTIT_CTL,           0x2814, W64, GUEST) \
	X(ctx, GUEST_IA32_LBR_CTL,            0x2816, W64, GUEST) \
	X(ctx, GUEST_IA32_PKRS,               0x2818, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_CONFIG,        0x281a, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_RSP1,          0x281c, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_RSP2,          0x281e, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_RSP3,          0x2820, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_STKLVLS,       0x2822, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_SSP1,          0x2824, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_SSP2,          0x2826, W64, GUEST) \
	X(ctx, GUEST_IA32_FRED_SSP3,          0x2828, W64, GUEST) \
	/* 64-bit host-state fields */ \
	X(ctx, HOST_IA32_PAT,                 0x2c00, W64, HOST) \
	X(ctx, HOST_IA32_EFER,                0x2c02, W64, HOST) \
	X(ctx, HOST_IA32_PERF_GLOBAL_CTRL,    0x2c04, W64, HOST) \
	X(ctx, HOST_IA32_PKRS,                0x2c06, W64, HOST) \
	X(ctx, HOST_IA32_FRED_CONFIG,         0x2c08, W64, HOST) \
	X(ctx, HOST_IA32_FRED_RSP1,           0x2c0a, W64, HOST) \
	X(ctx, HOST_IA32_FRED_RSP2,           0x2c0c, W64, HOST) \
	X(ctx, HOST_IA32_FRED_RSP3,           0x2c0e, W64, HOST) \
	X(ctx, HOST_IA32_FRED_STKLVLS,        0x2c10, W64, HOST) \
	X(ctx, HOST_IA32_FRED_SSP1,           0x2c12, W64, HOST) \
	X(ctx, HOST_IA32_FRED_SSP2,           0x2c14, W64, HOST) \
	X(ctx, HOST_IA32_FRED_SSP3,           0x2c16, W64, HOST) \
	/* 32-bit control fields */ \
	X(ctx, PIN_BASED_VM_EXEC_CONTROL,     0x4000, W32, CTRL) \
	X(ctx, CPU_BASED_VM_EXEC_CONTROL,     0x4002, W32, CTRL) \
	X(ctx, EXCEPTION_BITMAP,              0x4004, W32, CTRL) \
	X(ctx, PAGE_FAULT_ERROR_CODE_MASK,    0x4006, W32, CTRL) \
	X(ctx, PAGE_FAULT_ERROR_CODE_MATCH,   0x4008, W32, CTRL) \
	X(ctx, CR3_TARGET_COUNT,              0x400a, W32, CTRL) \
	X(ctx, VM_EXIT_CONTROLS,              0x400c, W32, CTRL) \
	X(ctx, VM_EXIT_MSR_STORE_COUNT,       0x400e, W32, CTRL) \
	X(ctx, VM_EXIT_MSR_LOAD_COUNT,        0x4010, W32, CTRL) \
	X(ctx, VM_ENTRY_CONTROLS,             0x4012, W32, CTRL) \
	X(ctx, VM_ENTRY_MSR_LOAD_COUNT,       0x4014, W32, CTRL) \
	X(ctx, VM_ENTRY_INTR_INFO,            0x4016, W32, CTRL) \
	X(ctx, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x4018, W32, CTRL) \
	X(ctx, VM_ENTRY_INSTRUCTION_LEN,      0x401a, W32, CTRL) \
	X(ctx, TPR_THRESHOLD,                 0x401c, W32, CTRL) \
	X(ctx, SECONDARY_VM_EXEC_CONTROL,     0x401e, W32, CTRL) \
	X(ctx, PLE_GAP,                       0x4020, W32, CTRL) \
	X(ctx, PLE_WINDOW,                    0x4022, W32, CTRL) \
	X(ctx, NOTIFY_WINDOW,                 0x4024, W32, CTRL) \
	/* 32-bit read-only data fields */ \
	X(ctx, VM_INSTRUCTION_ERROR,          0x4400, W32, RO) \
	X(ctx, VM_EXIT_REASON,                0x4402, W32, RO) \
	X(ctx, VM_EXIT_INTR_INFO,             0x4404, W32, RO) \
	X(ctx, VM_EXIT_INTR_ERROR_CODE,       0x4406, W32, RO) \
	X(ctx, IDT_VECTORING_INFO,            0x4408, W32, RO) \
	X(ctx, IDT_VECTORING_ERROR_CODE,      0x440a, W32, RO) \
	X(ctx, VM_EXIT_INSTRUCTION_LEN,       0x440c, W32, RO) \
	X(ctx, VM_EXIT_INSTRUCTION_INFO,      0x440e, W32, RO) \
	/* 32-bit guest-state fields */ \
	X(ctx, GUEST_ES_LIMIT,                0x4800, W32, GUEST) \
	X(ctx, GUEST_CS_LIMIT,                0x4802, W32, GUEST) \
	X(ctx, GUEST_SS_LIMIT,                0x4804, W32, GUEST) \
	X(ctx, GUEST_DS_LIMIT,                0x4806, W32, GUEST) \
	X(ctx, GUEST_FS_LIMIT,                0x4808, W32, GUEST) \
	X(ctx, GUEST_GS_LIMIT,                0x480a, W32, GUEST) \
	X(ctx, GUEST_LDTR_LIMIT,              0x480c, W32, GUEST) \
	X(ctx, GUEST_TR_LIMIT,                0x480e, W32, GUEST) \
	X(ctx, GUEST_GDTR_LIMIT,              0x4810, W32, GUEST) \
	X(ctx, GUEST_IDTR_LIMIT,              0x4812, W32, GUEST) \
	X(ctx, GUEST_ES_AR,                   0x4814, W32, GUEST) \
	X(ctx, GUEST_CS_AR,                   0x4816, W32, GUEST) \
	X(ctx, GUEST_SS_AR,                   0x4818, W32, GUEST) \
	X(ctx, GUEST_DS_AR,                   0x481a, W32, GUEST) \
	X(ctx, GUEST_FS_AR,                   0x481c, W32, GUEST) \
	X(ctx, GUEST_GS_AR,                   0x481e, W32, GUEST) \
	X(ctx, GUEST_LDTR_AR,                 0x4820, W32, GUEST) \
	X(ctx, GUEST_TR_AR,                   0x4822, W32, GUEST) \
	X(ctx, GUEST_INTERRUPTIBILITY_INFO,   0x4824, W32, GUEST) \
	X(ctx, GUEST_ACTIVITY_STATE,          0x4826, W32, GUEST) \
	X(ctx, GUEST_SMBASE,                  0x4828, W32, GUEST) \
	X(ctx, GUEST_IA32_SYSENTER_CS,        0x482a, W32, GUEST) \
	X(ctx, VMX_PREEMPTION_TIMER_VALUE,    0x482e, W32, GUEST) \
	/* 32-bit host-state field */ \
	X(ctx, HOST_IA32_SYSENTER_CS,         0x4c00, W32, HOST) \
	/* natural-width control fields */ \
	X(ctx, CR0_GUEST_HOST_MASK,           0x6000, WNAT, CTRL) \
	X(ctx, CR4_GUEST_HOST_MASK,           0x6002, WNAT, CTRL) \
	X(ctx, CR0_READ_SHADOW,               0x6004, WNAT, CTRL) \
	X(ctx, CR4_READ_SHADOW,               0x6006, WNAT, CTRL) \
	X(ctx, CR3_TARGET_VALUE0,             0x6008, WNAT, CTRL) \
	X(ctx, CR3_TARGET_VALUE1,             0x600a, WNAT, CTRL) \
	X(ctx, CR3_TARGET_VALUE2,             0x600c, WNAT, CTRL) \
	X(ctx, CR3_TARGET_VALUE3,             0x600e, WNAT, CTRL) \
	/* natural-width read-only data fields */ \
	X(ctx, EXIT_QUALIFICATION,            0x6400, WNAT, RO) \
	X(ctx, IO_RCX,                        0x6402, WNAT, RO) \
	X(ctx, IO_RSI,                        0x6404, WNAT, RO) \
	X(ctx, IO_RDI,                        0x6406, WNAT, RO) \
	X(ctx, IO_RIP,                        0x6408, WNAT, RO) \
	X(ctx, GUEST_LINEAR_ADDRESS,          0x640a, WNAT, RO) \
	/* natural-width guest-state fields */ \
	X(ctx, GUEST_CR0,                     0x6800, WNAT, GUEST) \
	X(ctx, GUEST_CR3,                     0x6802, WNAT, GUEST) \
	X(ctx, GUEST_CR4,                     0x6804, WNAT, GUEST) \
	X(ctx, GUEST_ES_BASE,                 0x6806, WNAT, GUEST) \
	X(ctx, GUEST_CS_BASE,                 0x6808, WNAT, GUEST) \
	X(ctx, GUEST_SS_BASE,                 0x680a, WNAT, GUEST) \
	X(ctx, GUEST_DS_BASE,                 0x680c, WNAT, GUEST) \
	X(ctx, GUEST_FS_BASE,                 0x680e, WNAT, GUEST) \
	X(ctx, GUEST_GS_BASE,                 0x6810, WNAT, GUEST) \
	X(ctx, GUEST_LDTR_BASE,               0x6812, WNAT, GUEST) \
	X(ctx, GUEST_TR_BASE,                 0x6814, WNAT, GUEST) \
	X(ctx, GUEST_GDTR_BASE,               0x6816, WNAT, GUEST) \
	X(ctx, GUEST_IDTR_BASE,               0x6818, WNAT, GUEST) \
	X(ctx, GUEST_DR7,                     0x681a, WNAT, GUEST) \
	X(ctx, GUEST_RSP,                     0x681c, WNAT, GUEST) \
	X(ctx, GUEST_RIP,                     0x681e, WNAT, GUEST) \
	X(ctx, GUEST_RFLAGS,                  0x6820, WNAT, GUEST) \
	X(ctx, GUEST_PENDING_DBG_EXCEPTIONS,  0x6822, WNAT, GUEST) \
	X(ctx, GUEST_IA32_SYSENTER_ESP,       0x6824, WNAT, GUEST) \
	X(ctx, GUEST_IA32_SYSENTER_EIP,       0x6826, WNAT, GUEST) \
	X(ctx, GUEST_S_CET,                   0x6828, WNAT, GUEST) \
	X(ctx, GUEST_SSP,                     0x682a, WNAT, GUEST) \
	X(ctx, GUEST_INTR_SSP_TABLE_ADDR,     0x682c, WNAT, GUEST) \
	/* natural-width host-state fields */ \
	X(ctx, HOST_CR0,                      0x6c00, WNAT, HOST) \
	X(ctx, HOST_CR3,                      0x6c02, WNAT, HOST) \
	X(ctx, HOST_CR4,                      0x6c04, WNAT, HOST) \
	X(ctx, HOST_FS_BASE,                  0x6c06, WNAT, HOST) \
	X(ctx, HOST_GS_BASE,                  0x6c08, WNAT, HOST) \
	X(ctx, HOST_TR_BASE,                  0x6c0a, WNAT, HOST) \
	X(ctx, HOST_GDTR_BASE,                0x6c0c, WNAT, HOST) \
	X(ctx, HOST_IDTR_BASE,                0x6c0e, WNAT, HOST) \
	X(ctx, HOST_IA32_SYSENTER_ESP,        0x6c10, WNAT, HOST) \
	X(ctx, HOST_IA32_SYSENTER_EIP,        0x6c12, WNAT, HOST) \
	X(ctx, HOST_RSP,                      0x6c14, WNAT, HOST) \
	X(ctx, HOST_RIP,                      0x6c16, WNAT, HOST) \
	X(ctx, HOST_S_CET,                    0x6c18, WNAT, HOST) \
	X(ctx, HOST_SSP,                      0x6c1a, WNAT, HOST) \
	X(ctx, HOST_INTR_SSP_TABLE_ADDR,      0x6c1c, WNAT, HOST)

/*
 * Every encoding, _HIGH halves included: X(name, encoding, width, type,
 * high). A _HIGH entry has width W64 (its class in bits 14:13) and high 1.
 */
#define SV_VMCS_ALL_FIELDS(X) SV_VMCS_FIELDS(SV_VMCS_EACH_, X)
#define SV_VMCS_EACH_(X, name, enc, w, t) SV_VMCS_EACH_##w(X, name, enc, t)
#define SV_VMCS_EACH_W16(X, name, enc, t)  X(name, enc, W16, t, 0)
#define SV_VMCS_EACH_W32(X, name, enc, t)  X(name, enc, W32, t, 0)
#define SV_VMCS_EACH_WNAT(X, name, enc, t) X(name, enc, WNAT, t, 0)
#define SV_VMCS_EACH_W64(X, name, enc, t) \
	X(name, enc, W64, t, 0) X(name##_HIGH, (enc) + 1, W64, t, 1)

enum sv_vmcs_field {
#define SV_VMCS_ENUM_(name, enc, w, t, high) SV_VMCS_##name = (enc),
	SV_VMCS_ALL_FIELDS(SV_VMCS_ENUM_)
#undef SV_VMCS_ENUM_
};

/* Number of encodings in SV_VMCS_ALL_FIELDS (fulls and _HIGH halves). */
#define SV_VMCS_COUNT_(name, enc, w, t, high) + 1
#define SV_VMCS_FIELD_COUNT (0 SV_VMCS_ALL_FIELDS(SV_VMCS_COUNT_))

/*
 * Compile-time width check: field must be a constant expression.
 */
#define SV_VMCS_ASSERT_WIDTH(field, width) \
	_Static_assert(SV_VMCS_FIELD_WIDTH(field) == (unsigned)(width), \
		       "VMCS field width does not match the accessor")
/* On x86-64 a 64-bit field is read whole; its _HIGH encoding is for
 * 32-bit hosts and for naming only, so no accessor takes it. */
#define SV_VMCS_ASSERT_FULL(field) \
	_Static_assert(!SV_VMCS_FIELD_IS_HIGH(field), \
		       "VMCS _HIGH encodings have no accessor on x86-64")

/*
 * Width-checked accessors over a backend's VMREAD/VMWRITE. readfn(field)
 * returns the raw value; writefn(field, value) may return a status, which
 * the macro passes on. Each evaluates to the value read (or to what
 * writefn returns).
 */
#define SV_VMCS_READ16(readfn, f) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W16); (uint16_t)readfn(f); })
#define SV_VMCS_READ32(readfn, f) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W32); (uint32_t)readfn(f); })
#define SV_VMCS_READ64(readfn, f) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W64); SV_VMCS_ASSERT_FULL(f); \
	(uint64_t)readfn(f); })
#define SV_VMCS_READNAT(readfn, f) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_WNAT); (uint64_t)readfn(f); })

#define SV_VMCS_WRITE16(writefn, f, v) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W16); writefn((f), (uint16_t)(v)); })
#define SV_VMCS_WRITE32(writefn, f, v) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W32); writefn((f), (uint32_t)(v)); })
#define SV_VMCS_WRITE64(writefn, f, v) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_W64); SV_VMCS_ASSERT_FULL(f); \
	writefn((f), (uint64_t)(v)); })
#define SV_VMCS_WRITENAT(writefn, f, v) ({ \
	SV_VMCS_ASSERT_WIDTH(f, SV_VMCS_WNAT); writefn((f), (uint64_t)(v)); })

/* Spot checks of the list against the SDM's own encodings. */
SV_STATIC_ASSERT(SV_VMCS_GUEST_RIP ==
		 SV_VMCS_ENCODE(SV_VMCS_WNAT, SV_VMCS_TYPE_GUEST, 15, 0),
		 "GUEST_RIP encoding");
SV_STATIC_ASSERT(SV_VMCS_IO_BITMAP_A_HIGH ==
		 SV_VMCS_ENCODE(SV_VMCS_W64, SV_VMCS_TYPE_CTRL, 0, 1),
		 "IO_BITMAP_A_HIGH encoding");
SV_STATIC_ASSERT(SV_VMCS_VM_EXIT_REASON ==
		 SV_VMCS_ENCODE(SV_VMCS_W32, SV_VMCS_TYPE_RO, 1, 0),
		 "VM_EXIT_REASON encoding");

/* ------------------------------------------------------------------------
 * VM-instruction error numbers (SDM "VM-instruction error numbers")
 *
 * X(name, number, description); 14, 21 and 27 are not used.
 * ------------------------------------------------------------------------ */
#define SV_VM_INSN_ERRORS(X) \
	X(VMCALL_IN_ROOT,            1, "VMCALL executed in VMX root operation") \
	X(VMCLEAR_INVALID_ADDR,      2, "VMCLEAR with invalid physical address") \
	X(VMCLEAR_VMXON_PTR,         3, "VMCLEAR with VMXON pointer") \
	X(VMLAUNCH_NONCLEAR,         4, "VMLAUNCH with non-clear VMCS") \
	X(VMRESUME_NONLAUNCHED,      5, "VMRESUME with non-launched VMCS") \
	X(VMRESUME_AFTER_VMXOFF,     6, "VMRESUME after VMXOFF") \
	X(ENTRY_INVALID_CTRL,        7, "VM entry with invalid control field(s)") \
	X(ENTRY_INVALID_HOST,        8, "VM entry with invalid host-state field(s)") \
	X(VMPTRLD_INVALID_ADDR,      9, "VMPTRLD with invalid physical address") \
	X(VMPTRLD_VMXON_PTR,        10, "VMPTRLD with VMXON pointer") \
	X(VMPTRLD_BAD_REVISION,     11, "VMPTRLD with incorrect VMCS revision identifier") \
	X(UNSUPPORTED_FIELD,        12, "VMREAD/VMWRITE from/to unsupported VMCS component") \
	X(VMWRITE_READ_ONLY,        13, "VMWRITE to read-only VMCS component") \
	X(VMXON_IN_ROOT,            15, "VMXON executed in VMX root operation") \
	X(ENTRY_INVALID_EXEC_PTR,   16, "VM entry with invalid executive-VMCS pointer") \
	X(ENTRY_NONLAUNCHED_EXEC,   17, "VM entry with non-launched executive VMCS") \
	X(ENTRY_EXEC_NOT_VMXON,     18, "VM entry with executive-VMCS pointer not VMXON pointer") \
	X(VMCALL_NONCLEAR,          19, "VMCALL with non-clear VMCS") \
	X(VMCALL_INVALID_EXIT_CTRL, 20, "VMCALL with invalid VM-exit control fields") \
	X(VMCALL_BAD_MSEG_REVISION, 22, "VMCALL with incorrect MSEG revision identifier") \
	X(VMXOFF_DUAL_MONITOR,      23, "VMXOFF under dual-monitor treatment of SMIs and SMM") \
	X(VMCALL_INVALID_SMM_MON,   24, "VMCALL with invalid SMM-monitor features") \
	X(ENTRY_INVALID_EXEC_CTRL,  25, "VM entry with invalid VM-execution control fields in executive VMCS") \
	X(ENTRY_MOV_SS_BLOCKING,    26, "VM entry with events blocked by MOV SS") \
	X(INVALID_INVEPT_INVVPID,   28, "Invalid operand to INVEPT/INVVPID")

enum sv_vm_insn_error {
#define SV_VMERR_ENUM_(name, num, desc) SV_VMERR_##name = (num),
	SV_VM_INSN_ERRORS(SV_VMERR_ENUM_)
#undef SV_VMERR_ENUM_
	SV_VMERR_MAX = 29		/* one past the largest */
};

/* ------------------------------------------------------------------------
 * Interruption information: VM-entry and VM-exit interruption information
 * and IDT-vectoring information share this layout (in IDT-vectoring
 * information bit 12 is undefined).
 * ------------------------------------------------------------------------ */
#define SV_INTR_TYPES(X) \
	X(EXT_INTR,          0) \
	X(NMI,               2) \
	X(HW_EXCEPTION,      3) \
	X(SW_INTR,           4) \
	X(PRIV_SW_EXCEPTION, 5) \
	X(SW_EXCEPTION,      6) \
	X(OTHER,             7)

enum sv_intr_type {
#define SV_INTR_TYPE_ENUM_(name, value) SV_INTR_TYPE_##name = (value),
	SV_INTR_TYPES(SV_INTR_TYPE_ENUM_)
#undef SV_INTR_TYPE_ENUM_
};

#define SV_INTR_INFO_VECTOR_MASK	0xffu		/* 7:0 */
#define SV_INTR_INFO_TYPE_SHIFT		8		/* 10:8, enum sv_intr_type */
#define SV_INTR_INFO_TYPE_MASK		(7u << SV_INTR_INFO_TYPE_SHIFT)
#define SV_INTR_INFO_ERROR_VALID	SV_BIT(11)	/* error code valid/deliver */
#define SV_INTR_INFO_NMI_UNBLOCK	SV_BIT(12)	/* NMI unblocking due to IRET */
#define SV_INTR_INFO_VALID		SV_BIT(31)
#define SV_INTR_INFO_RESERVED		0x7fffe000u	/* 30:13 */

SV_STATIC_ASSERT(SV_INTR_INFO_VECTOR_MASK + SV_INTR_INFO_TYPE_MASK +
		 SV_INTR_INFO_ERROR_VALID + SV_INTR_INFO_NMI_UNBLOCK +
		 SV_INTR_INFO_RESERVED + SV_INTR_INFO_VALID == 0xffffffffu,
		 "interruption-information fields must tile 32 bits");

struct sv_intr_info {
	uint8_t vector;
	uint8_t type;		/* enum sv_intr_type */
	bool has_error;
	bool nmi_unblock;
	bool valid;
};

static inline struct sv_intr_info sv_intr_info_decode(uint32_t v)
{
	struct sv_intr_info i = {
		.vector = (uint8_t)(v & SV_INTR_INFO_VECTOR_MASK),
		.type = (uint8_t)((v & SV_INTR_INFO_TYPE_MASK) >>
				  SV_INTR_INFO_TYPE_SHIFT),
		.has_error = (v & SV_INTR_INFO_ERROR_VALID) != 0,
		.nmi_unblock = (v & SV_INTR_INFO_NMI_UNBLOCK) != 0,
		.valid = (v & SV_INTR_INFO_VALID) != 0,
	};
	return i;
}

/* A valid VM-entry interruption-information value. */
static inline uint32_t sv_intr_info_make(uint8_t vector, unsigned type,
					 bool has_error)
{
	return SV_INTR_INFO_VALID | vector |
	       ((type << SV_INTR_INFO_TYPE_SHIFT) & SV_INTR_INFO_TYPE_MASK) |
	       (has_error ? SV_INTR_INFO_ERROR_VALID : 0);
}

/* Guest interruptibility state (GUEST_INTERRUPTIBILITY_INFO). */
#define SV_INTERRUPTIBILITY_STI		SV_BIT(0)
#define SV_INTERRUPTIBILITY_MOV_SS	SV_BIT(1)
#define SV_INTERRUPTIBILITY_SMI		SV_BIT(2)
#define SV_INTERRUPTIBILITY_NMI		SV_BIT(3)
#define SV_INTERRUPTIBILITY_ENCLAVE	SV_BIT(4)

/* Guest activity state (GUEST_ACTIVITY_STATE). */
enum sv_activity_state {
	SV_ACTIVITY_ACTIVE = 0,
	SV_ACTIVITY_HLT = 1,
	SV_ACTIVITY_SHUTDOWN = 2,
	SV_ACTIVITY_WAIT_SIPI = 3
};

/* ------------------------------------------------------------------------
 * Segment access rights as the VMCS holds them (GUEST_xS_AR): the
 * descriptor's bits 15:8 and 23:20 of its second dword, shifted down, plus
 * an "unusable" bit.
 * ------------------------------------------------------------------------ */
#define SV_AR_TYPE_MASK		0xfu		/* 3:0 segment type */
#define SV_AR_TYPE_ACCESSED	SV_BIT(0)
#define SV_AR_TYPE_WRITABLE	SV_BIT(1)	/* data: writable; code: readable */
#define SV_AR_TYPE_CODE		SV_BIT(3)
#define SV_AR_TYPE_LDT		2u		/* system segment types */
#define SV_AR_TYPE_TSS16_BUSY	3u
#define SV_AR_TYPE_TSS_BUSY	11u		/* 32-bit, or 64-bit in IA-32e */
#define SV_AR_S			SV_BIT(4)	/* code/data (not system) */
#define SV_AR_DPL_SHIFT		5
#define SV_AR_DPL_MASK		(3u << SV_AR_DPL_SHIFT)
#define SV_AR_P			SV_BIT(7)
#define SV_AR_AVL		SV_BIT(12)
#define SV_AR_L			SV_BIT(13)	/* 64-bit code segment */
#define SV_AR_DB		SV_BIT(14)
#define SV_AR_G			SV_BIT(15)
#define SV_AR_UNUSABLE		SV_BIT(16)
#define SV_AR_RESERVED		0xfffe0f00u	/* 11:8, 31:17 */

SV_STATIC_ASSERT(SV_AR_TYPE_MASK + SV_AR_S + SV_AR_DPL_MASK + SV_AR_P +
		 SV_AR_AVL + SV_AR_L + SV_AR_DB + SV_AR_G + SV_AR_UNUSABLE +
		 SV_AR_RESERVED == 0xffffffffu,
		 "access-rights fields must tile 32 bits");
#define SV_AR_DPL(ar)		(((ar) & SV_AR_DPL_MASK) >> SV_AR_DPL_SHIFT)

/* ------------------------------------------------------------------------
 * Exit qualification for I/O instructions (basic exit reason 30)
 * ------------------------------------------------------------------------ */
#define SV_IO_QUAL_SIZE_MASK	0x7ull		/* 2:0 size - 1 (0, 1 or 3) */
#define SV_IO_QUAL_IN		SV_BIT64(3)	/* 1 = IN, 0 = OUT */
#define SV_IO_QUAL_STRING	SV_BIT64(4)
#define SV_IO_QUAL_REP		SV_BIT64(5)
#define SV_IO_QUAL_IMM		SV_BIT64(6)	/* port from an immediate, not DX */
#define SV_IO_QUAL_PORT_SHIFT	16		/* 31:16 */
#define SV_IO_QUAL_PORT_MASK	(0xffffull << SV_IO_QUAL_PORT_SHIFT)
#define SV_IO_QUAL_RESERVED	0xffffffff0000ff80ull	/* 15:7, 63:32 */

SV_STATIC_ASSERT(SV_IO_QUAL_SIZE_MASK + SV_IO_QUAL_IN + SV_IO_QUAL_STRING +
		 SV_IO_QUAL_REP + SV_IO_QUAL_IMM + SV_IO_QUAL_PORT_MASK +
		 SV_IO_QUAL_RESERVED == ~0ull,
		 "I/O qualification fields must tile 64 bits");

struct sv_io_qual {
	uint16_t port;
	uint8_t size;		/* bytes: 1, 2 or 4 (see sv_io_qual_valid) */
	bool in;
	bool string;
	bool rep;
	bool imm;
};

static inline struct sv_io_qual sv_io_qual_decode(uint64_t q)
{
	struct sv_io_qual io = {
		.port = (uint16_t)((q & SV_IO_QUAL_PORT_MASK) >>
				   SV_IO_QUAL_PORT_SHIFT),
		.size = (uint8_t)((q & SV_IO_QUAL_SIZE_MASK) + 1),
		.in = (q & SV_IO_QUAL_IN) != 0,
		.string = (q & SV_IO_QUAL_STRING) != 0,
		.rep = (q & SV_IO_QUAL_REP) != 0,
		.imm = (q & SV_IO_QUAL_IMM) != 0,
	};
	return io;
}

/* True if q could come from hardware: a size of 1, 2 or 4 and no
 * reserved bit set. Check this before trusting a recorded qualification. */
static inline bool sv_io_qual_valid(uint64_t q)
{
	uint64_t size = q & SV_IO_QUAL_SIZE_MASK;

	return (q & SV_IO_QUAL_RESERVED) == 0 &&
	       (size == 0 || size == 1 || size == 3);
}

/* The qualification hardware would write (the KVM backend builds its
 * IO_INSTRUCTION exits with this). size is in bytes: 1, 2 or 4. */
static inline uint64_t sv_io_qual_make(uint16_t port, unsigned size, bool in,
				       bool string, bool rep, bool imm)
{
	return ((uint64_t)port << SV_IO_QUAL_PORT_SHIFT) |
	       ((uint64_t)(size - 1) & SV_IO_QUAL_SIZE_MASK) |
	       (in ? SV_IO_QUAL_IN : 0) | (string ? SV_IO_QUAL_STRING : 0) |
	       (rep ? SV_IO_QUAL_REP : 0) | (imm ? SV_IO_QUAL_IMM : 0);
}

/* ------------------------------------------------------------------------
 * VM-exit instruction information for INS and OUTS (an I/O exit with the
 * string bit; SDM vol. 3, "VM-Exit Instruction-Information Field", the
 * table for INS and OUTS). Reported only by processors that set
 * IA32_VMX_BASIC bit 54 (SV_VMX_BASIC_INOUT); every bit not named here is
 * undefined. The segment is that of the source operand of OUTS (DS or an
 * override); for INS it is undefined, the destination being ES always.
 * ------------------------------------------------------------------------ */
enum sv_vmx_addr_size {
	SV_VMX_ADDR16 = 0,
	SV_VMX_ADDR32 = 1,
	SV_VMX_ADDR64 = 2		/* 3-7 are not used */
};

/* Segment registers as instruction-information fields number them. */
enum sv_vmx_seg {
	SV_VMX_SEG_ES, SV_VMX_SEG_CS, SV_VMX_SEG_SS, SV_VMX_SEG_DS,
	SV_VMX_SEG_FS, SV_VMX_SEG_GS	/* 6 and 7 are not used */
};

#define SV_IO_INFO_ADDR_SIZE_SHIFT	7		/* 9:7 enum sv_vmx_addr_size */
#define SV_IO_INFO_ADDR_SIZE_MASK	(7u << SV_IO_INFO_ADDR_SIZE_SHIFT)
#define SV_IO_INFO_SEG_SHIFT		15		/* 17:15 enum sv_vmx_seg */
#define SV_IO_INFO_SEG_MASK		(7u << SV_IO_INFO_SEG_SHIFT)
#define SV_IO_INFO_UNDEFINED		0xfffc7c7fu	/* 6:0, 14:10, 31:18 */

SV_STATIC_ASSERT(SV_IO_INFO_ADDR_SIZE_MASK + SV_IO_INFO_SEG_MASK +
		 SV_IO_INFO_UNDEFINED == 0xffffffffu,
		 "INS/OUTS instruction-information fields must tile 32 bits");

struct sv_io_info {
	uint8_t addr_bytes;	/* 2, 4 or 8; 0 for an unused encoding */
	uint8_t seg;		/* enum sv_vmx_seg; > SV_VMX_SEG_GS is unused */
};

static inline struct sv_io_info sv_io_info_decode(uint32_t v)
{
	unsigned as = (v & SV_IO_INFO_ADDR_SIZE_MASK) >>
		      SV_IO_INFO_ADDR_SIZE_SHIFT;
	struct sv_io_info i = {
		.addr_bytes = (uint8_t)(as == SV_VMX_ADDR16 ? 2 :
					as == SV_VMX_ADDR32 ? 4 :
					as == SV_VMX_ADDR64 ? 8 : 0),
		.seg = (uint8_t)((v & SV_IO_INFO_SEG_MASK) >>
				 SV_IO_INFO_SEG_SHIFT),
	};
	return i;
}

/* The information hardware would write for an address size of addr_bytes
 * (2, 4 or 8) and segment seg (enum sv_vmx_seg). */
static inline uint32_t sv_io_info_make(unsigned addr_bytes, unsigned seg)
{
	unsigned as = addr_bytes == 8 ? SV_VMX_ADDR64 :
		      addr_bytes == 4 ? SV_VMX_ADDR32 : SV_VMX_ADDR16;

	return ((as << SV_IO_INFO_ADDR_SIZE_SHIFT) & SV_IO_INFO_ADDR_SIZE_MASK) |
	       ((seg << SV_IO_INFO_SEG_SHIFT) & SV_IO_INFO_SEG_MASK);
}

/* ------------------------------------------------------------------------
 * General-purpose register numbers as exit qualifications and VM-exit
 * instruction information encode them.
 * ------------------------------------------------------------------------ */
enum sv_vmx_gpr {
	SV_VMX_GPR_RAX, SV_VMX_GPR_RCX, SV_VMX_GPR_RDX, SV_VMX_GPR_RBX,
	SV_VMX_GPR_RSP, SV_VMX_GPR_RBP, SV_VMX_GPR_RSI, SV_VMX_GPR_RDI,
	SV_VMX_GPR_R8, SV_VMX_GPR_R9, SV_VMX_GPR_R10, SV_VMX_GPR_R11,
	SV_VMX_GPR_R12, SV_VMX_GPR_R13, SV_VMX_GPR_R14, SV_VMX_GPR_R15
};

/* ------------------------------------------------------------------------
 * Exit qualification for control-register accesses (basic exit reason 28)
 * ------------------------------------------------------------------------ */
enum sv_cr_access {
	SV_CR_ACCESS_MOV_TO_CR = 0,
	SV_CR_ACCESS_MOV_FROM_CR = 1,
	SV_CR_ACCESS_CLTS = 2,
	SV_CR_ACCESS_LMSW = 3
};

#define SV_CR_QUAL_CR_MASK		0xfull		/* 3:0 CR number */
#define SV_CR_QUAL_ACCESS_SHIFT		4		/* 5:4 enum sv_cr_access */
#define SV_CR_QUAL_ACCESS_MASK		(3ull << SV_CR_QUAL_ACCESS_SHIFT)
#define SV_CR_QUAL_LMSW_MEM		SV_BIT64(6)	/* LMSW operand in memory */
#define SV_CR_QUAL_GPR_SHIFT		8		/* 11:8 enum sv_vmx_gpr */
#define SV_CR_QUAL_GPR_MASK		(0xfull << SV_CR_QUAL_GPR_SHIFT)
#define SV_CR_QUAL_LMSW_DATA_SHIFT	16		/* 31:16 LMSW source */
#define SV_CR_QUAL_LMSW_DATA_MASK	(0xffffull << SV_CR_QUAL_LMSW_DATA_SHIFT)
#define SV_CR_QUAL_RESERVED		0xffffffff0000f080ull	/* 7, 15:12, 63:32 */

SV_STATIC_ASSERT(SV_CR_QUAL_CR_MASK + SV_CR_QUAL_ACCESS_MASK +
		 SV_CR_QUAL_LMSW_MEM + SV_CR_QUAL_GPR_MASK +
		 SV_CR_QUAL_LMSW_DATA_MASK + SV_CR_QUAL_RESERVED == ~0ull,
		 "CR-access qualification fields must tile 64 bits");

struct sv_cr_qual {
	uint8_t cr;		/* 0, 3, 4 or 8 (0 for CLTS and LMSW) */
	uint8_t access;		/* enum sv_cr_access */
	uint8_t gpr;		/* MOV CR: enum sv_vmx_gpr */
	bool lmsw_mem;		/* LMSW: source operand in memory */
	uint16_t lmsw_data;	/* LMSW: source data */
};

static inline struct sv_cr_qual sv_cr_qual_decode(uint64_t q)
{
	struct sv_cr_qual cr = {
		.cr = (uint8_t)(q & SV_CR_QUAL_CR_MASK),
		.access = (uint8_t)((q & SV_CR_QUAL_ACCESS_MASK) >>
				    SV_CR_QUAL_ACCESS_SHIFT),
		.gpr = (uint8_t)((q & SV_CR_QUAL_GPR_MASK) >>
				 SV_CR_QUAL_GPR_SHIFT),
		.lmsw_mem = (q & SV_CR_QUAL_LMSW_MEM) != 0,
		.lmsw_data = (uint16_t)((q & SV_CR_QUAL_LMSW_DATA_MASK) >>
					SV_CR_QUAL_LMSW_DATA_SHIFT),
	};
	return cr;
}

/* ------------------------------------------------------------------------
 * Exit qualification for MOV DR (basic exit reason 29)
 * ------------------------------------------------------------------------ */
#define SV_DR_QUAL_DR_MASK	0x7ull		/* 2:0 debug register */
#define SV_DR_QUAL_FROM_DR	SV_BIT64(4)	/* 1 = MOV from DR */
#define SV_DR_QUAL_GPR_SHIFT	8		/* 11:8 enum sv_vmx_gpr */
#define SV_DR_QUAL_GPR_MASK	(0xfull << SV_DR_QUAL_GPR_SHIFT)
#define SV_DR_QUAL_RESERVED	0xfffffffffffff0e8ull	/* 3, 7:5, 63:12 */

SV_STATIC_ASSERT(SV_DR_QUAL_DR_MASK + SV_DR_QUAL_FROM_DR +
		 SV_DR_QUAL_GPR_MASK + SV_DR_QUAL_RESERVED == ~0ull,
		 "MOV-DR qualification fields must tile 64 bits");

struct sv_dr_qual {
	uint8_t dr;
	bool from_dr;
	uint8_t gpr;		/* enum sv_vmx_gpr */
};

static inline struct sv_dr_qual sv_dr_qual_decode(uint64_t q)
{
	struct sv_dr_qual dr = {
		.dr = (uint8_t)(q & SV_DR_QUAL_DR_MASK),
		.from_dr = (q & SV_DR_QUAL_FROM_DR) != 0,
		.gpr = (uint8_t)((q & SV_DR_QUAL_GPR_MASK) >>
				 SV_DR_QUAL_GPR_SHIFT),
	};
	return dr;
}

/* ------------------------------------------------------------------------
 * Exit qualification for EPT violations (basic exit reason 48)
 *
 * Bits 2:0 say which access faulted; bits 6:3 what the EPT entries allowed,
 * in the same R/W/X order (bit 6, execute for user-mode linear addresses,
 * only with mode-based execute control). Bits 11:9 are the guest paging
 * attributes of the linear address when the CPU reports them.
 * ------------------------------------------------------------------------ */
#define SV_EPT_QUAL_READ		SV_BIT64(0)
#define SV_EPT_QUAL_WRITE		SV_BIT64(1)
#define SV_EPT_QUAL_FETCH		SV_BIT64(2)
#define SV_EPT_QUAL_ACCESS_MASK		0x7ull
#define SV_EPT_QUAL_PERM_SHIFT		3
#define SV_EPT_QUAL_READABLE		SV_BIT64(3)
#define SV_EPT_QUAL_WRITABLE		SV_BIT64(4)
#define SV_EPT_QUAL_EXECUTABLE		SV_BIT64(5)	/* supervisor-mode with MBEC */
#define SV_EPT_QUAL_USER_EXECUTABLE	SV_BIT64(6)
#define SV_EPT_QUAL_PERM_MASK		(0xfull << SV_EPT_QUAL_PERM_SHIFT)
#define SV_EPT_QUAL_GLA_VALID		SV_BIT64(7)	/* guest-linear address valid */
#define SV_EPT_QUAL_GLA_TRANSLATED	SV_BIT64(8)	/* the final translation,
							   not a paging-structure
							   access (if bit 7) */
#define SV_EPT_QUAL_GLA_USER		SV_BIT64(9)
#define SV_EPT_QUAL_GLA_WRITABLE	SV_BIT64(10)
#define SV_EPT_QUAL_GLA_NX		SV_BIT64(11)
#define SV_EPT_QUAL_NMI_UNBLOCK		SV_BIT64(12)	/* NMI unblocking due to IRET */
#define SV_EPT_QUAL_SHADOW_STACK	SV_BIT64(13)
#define SV_EPT_QUAL_SUPERVISOR_SS	SV_BIT64(14)
#define SV_EPT_QUAL_PAGING_VERIFY	SV_BIT64(15)	/* guest-paging verification */
#define SV_EPT_QUAL_ASYNC		SV_BIT64(16)	/* asynchronous to the
							   instruction */

/* Permission bits as the decoder reports them: an EPT entry's R, W, X. */
#define SV_EPT_PERM_R		SV_BIT(0)
#define SV_EPT_PERM_W		SV_BIT(1)
#define SV_EPT_PERM_X		SV_BIT(2)
#define SV_EPT_PERM_XU		SV_BIT(3)	/* user-mode execute (MBEC) */

SV_STATIC_ASSERT(SV_EPT_QUAL_READ == SV_EPT_PERM_R &&
		 SV_EPT_QUAL_WRITE == SV_EPT_PERM_W &&
		 SV_EPT_QUAL_FETCH == SV_EPT_PERM_X,
		 "EPT access bits must line up with the permission bits");
SV_STATIC_ASSERT((SV_EPT_QUAL_READABLE >> SV_EPT_QUAL_PERM_SHIFT) ==
		 SV_EPT_PERM_R &&
		 (SV_EPT_QUAL_WRITABLE >> SV_EPT_QUAL_PERM_SHIFT) ==
		 SV_EPT_PERM_W &&
		 (SV_EPT_QUAL_EXECUTABLE >> SV_EPT_QUAL_PERM_SHIFT) ==
		 SV_EPT_PERM_X &&
		 (SV_EPT_QUAL_USER_EXECUTABLE >> SV_EPT_QUAL_PERM_SHIFT) ==
		 SV_EPT_PERM_XU,
		 "EPT permission bits must follow the access bits");
SV_STATIC_ASSERT(SV_EPT_QUAL_ACCESS_MASK + SV_EPT_QUAL_PERM_MASK +
		 SV_EPT_QUAL_GLA_VALID + SV_EPT_QUAL_GLA_TRANSLATED +
		 SV_EPT_QUAL_GLA_USER + SV_EPT_QUAL_GLA_WRITABLE +
		 SV_EPT_QUAL_GLA_NX + SV_EPT_QUAL_NMI_UNBLOCK +
		 SV_EPT_QUAL_SHADOW_STACK + SV_EPT_QUAL_SUPERVISOR_SS +
		 SV_EPT_QUAL_PAGING_VERIFY + SV_EPT_QUAL_ASYNC == 0x1ffffull,
		 "EPT-violation qualification fields must tile bits 16:0");

struct sv_ept_qual {
	uint8_t access;		/* SV_EPT_PERM_R/W/X: the access that faulted */
	uint8_t perm;		/* SV_EPT_PERM_*: what the EPT allowed */
	bool gla_valid;
	bool gla_translated;	/* meaningful only if gla_valid */
	bool nmi_unblock;
};

static inline struct sv_ept_qual sv_ept_qual_decode(uint64_t q)
{
	struct sv_ept_qual e = {
		.access = (uint8_t)(q & SV_EPT_QUAL_ACCESS_MASK),
		.perm = (uint8_t)((q & SV_EPT_QUAL_PERM_MASK) >>
				  SV_EPT_QUAL_PERM_SHIFT),
		.gla_valid = (q & SV_EPT_QUAL_GLA_VALID) != 0,
		.gla_translated = (q & SV_EPT_QUAL_GLA_TRANSLATED) != 0,
		.nmi_unblock = (q & SV_EPT_QUAL_NMI_UNBLOCK) != 0,
	};
	return e;
}

/* ------------------------------------------------------------------------
 * VMX MSRs (SDM appendix A) and IA32_FEATURE_CONTROL
 * ------------------------------------------------------------------------ */
enum sv_vmx_msr {
	SV_MSR_IA32_FEATURE_CONTROL		= 0x03a,
	SV_MSR_IA32_VMX_BASIC			= 0x480,
	SV_MSR_IA32_VMX_PINBASED_CTLS		= 0x481,
	SV_MSR_IA32_VMX_PROCBASED_CTLS		= 0x482,
	SV_MSR_IA32_VMX_EXIT_CTLS		= 0x483,
	SV_MSR_IA32_VMX_ENTRY_CTLS		= 0x484,
	SV_MSR_IA32_VMX_MISC			= 0x485,
	SV_MSR_IA32_VMX_CR0_FIXED0		= 0x486,
	SV_MSR_IA32_VMX_CR0_FIXED1		= 0x487,
	SV_MSR_IA32_VMX_CR4_FIXED0		= 0x488,
	SV_MSR_IA32_VMX_CR4_FIXED1		= 0x489,
	SV_MSR_IA32_VMX_VMCS_ENUM		= 0x48a,
	SV_MSR_IA32_VMX_PROCBASED_CTLS2		= 0x48b,
	SV_MSR_IA32_VMX_EPT_VPID_CAP		= 0x48c,
	SV_MSR_IA32_VMX_TRUE_PINBASED_CTLS	= 0x48d,
	SV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS	= 0x48e,
	SV_MSR_IA32_VMX_TRUE_EXIT_CTLS		= 0x48f,
	SV_MSR_IA32_VMX_TRUE_ENTRY_CTLS		= 0x490,
	SV_MSR_IA32_VMX_VMFUNC			= 0x491,
	SV_MSR_IA32_VMX_PROCBASED_CTLS3		= 0x492,
	SV_MSR_IA32_VMX_EXIT_CTLS2		= 0x493
};

/* IA32_FEATURE_CONTROL. VMXON faults unless it is locked with the
 * enable bit for the mode we are in (outside SMX, for Smart-VM). */
#define SV_FEATURE_CONTROL_LOCKED		SV_BIT64(0)
#define SV_FEATURE_CONTROL_VMX_IN_SMX		SV_BIT64(1)
#define SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX	SV_BIT64(2)

/* IA32_VMX_BASIC */
#define SV_VMX_BASIC_REVISION_MASK	0x7fffffffull	/* 30:0 */
#define SV_VMX_BASIC_SIZE_SHIFT		32		/* 44:32 VMXON/VMCS bytes */
#define SV_VMX_BASIC_SIZE_MASK		(0x1fffull << SV_VMX_BASIC_SIZE_SHIFT)
#define SV_VMX_BASIC_PHYS32		SV_BIT64(48)	/* addresses limited to 32 bits */
#define SV_VMX_BASIC_DUAL_MONITOR	SV_BIT64(49)
#define SV_VMX_BASIC_MEMTYPE_SHIFT	50		/* 53:50 */
#define SV_VMX_BASIC_MEMTYPE_MASK	(0xfull << SV_VMX_BASIC_MEMTYPE_SHIFT)
#define SV_VMX_BASIC_INOUT		SV_BIT64(54)	/* INS/OUTS instruction info */
#define SV_VMX_BASIC_TRUE_CTLS		SV_BIT64(55)	/* IA32_VMX_TRUE_* exist */
#define SV_VMX_BASIC_NO_HW_ERRCODE_CHECK SV_BIT64(56)
#define SV_VMX_MEMTYPE_UC		0u
#define SV_VMX_MEMTYPE_WB		6u

static inline uint32_t sv_vmx_basic_revision(uint64_t basic)
{
	return (uint32_t)(basic & SV_VMX_BASIC_REVISION_MASK);
}

static inline uint32_t sv_vmx_basic_size(uint64_t basic)
{
	return (uint32_t)((basic & SV_VMX_BASIC_SIZE_MASK) >>
			  SV_VMX_BASIC_SIZE_SHIFT);
}

static inline uint32_t sv_vmx_basic_memtype(uint64_t basic)
{
	return (uint32_t)((basic & SV_VMX_BASIC_MEMTYPE_MASK) >>
			  SV_VMX_BASIC_MEMTYPE_SHIFT);
}

/* IA32_VMX_MISC */
#define SV_VMX_MISC_TIMER_RATE_MASK	0x1full		/* 4:0 TSC shift */
#define SV_VMX_MISC_STORE_LMA		SV_BIT64(5)
#define SV_VMX_MISC_ACTIVITY_HLT	SV_BIT64(6)
#define SV_VMX_MISC_ACTIVITY_SHUTDOWN	SV_BIT64(7)
#define SV_VMX_MISC_ACTIVITY_WAIT_SIPI	SV_BIT64(8)
#define SV_VMX_MISC_CR3_TARGETS_SHIFT	16		/* 24:16 */
#define SV_VMX_MISC_CR3_TARGETS_MASK	(0x1ffull << SV_VMX_MISC_CR3_TARGETS_SHIFT)
#define SV_VMX_MISC_MAX_MSRS_SHIFT	25		/* 27:25: 512 * (N + 1) */
#define SV_VMX_MISC_MAX_MSRS_MASK	(7ull << SV_VMX_MISC_MAX_MSRS_SHIFT)
#define SV_VMX_MISC_VMWRITE_ANY		SV_BIT64(29)	/* incl. exit-info fields */
#define SV_VMX_MISC_ZERO_LEN_INJECT	SV_BIT64(30)

/* IA32_VMX_EPT_VPID_CAP */
#define SV_EPT_CAP_EXEC_ONLY		SV_BIT64(0)
#define SV_EPT_CAP_WALK_4		SV_BIT64(6)
#define SV_EPT_CAP_WALK_5		SV_BIT64(7)
#define SV_EPT_CAP_UC			SV_BIT64(8)
#define SV_EPT_CAP_WB			SV_BIT64(14)
#define SV_EPT_CAP_2MB			SV_BIT64(16)
#define SV_EPT_CAP_1GB			SV_BIT64(17)
#define SV_EPT_CAP_INVEPT		SV_BIT64(20)
#define SV_EPT_CAP_AD			SV_BIT64(21)
#define SV_EPT_CAP_ADV_EXIT_INFO	SV_BIT64(22)
#define SV_EPT_CAP_INVEPT_SINGLE	SV_BIT64(25)
#define SV_EPT_CAP_INVEPT_ALL		SV_BIT64(26)
#define SV_VPID_CAP_INVVPID		SV_BIT64(32)
#define SV_VPID_CAP_INVVPID_ADDR	SV_BIT64(40)
#define SV_VPID_CAP_INVVPID_SINGLE	SV_BIT64(41)
#define SV_VPID_CAP_INVVPID_ALL		SV_BIT64(42)
#define SV_VPID_CAP_INVVPID_SINGLE_NG	SV_BIT64(43)

/*
 * VMX controls. The capability MSRs report allowed-0 settings in bits 31:0
 * and allowed-1 settings in bits 63:32 (the tertiary and secondary-exit MSRs
 * report allowed-1 settings only, as one 64-bit mask). The DEFAULT1 masks
 * are the bits that must be 1 when IA32_VMX_BASIC lacks TRUE_CTLS.
 */

/* Pin-based VM-execution controls (PIN_BASED_VM_EXEC_CONTROL) */
#define SV_PIN_BASED_EXT_INTR_EXITING		SV_BIT(0)
#define SV_PIN_BASED_NMI_EXITING		SV_BIT(3)
#define SV_PIN_BASED_VIRTUAL_NMIS		SV_BIT(5)
#define SV_PIN_BASED_PREEMPTION_TIMER		SV_BIT(6)
#define SV_PIN_BASED_POSTED_INTR		SV_BIT(7)
#define SV_PIN_BASED_DEFAULT1			0x00000016u

/* Primary processor-based VM-execution controls (CPU_BASED_VM_EXEC_CONTROL) */
#define SV_CPU_BASED_INTR_WINDOW_EXITING	SV_BIT(2)
#define SV_CPU_BASED_USE_TSC_OFFSETTING		SV_BIT(3)
#define SV_CPU_BASED_HLT_EXITING		SV_BIT(7)
#define SV_CPU_BASED_INVLPG_EXITING		SV_BIT(9)
#define SV_CPU_BASED_MWAIT_EXITING		SV_BIT(10)
#define SV_CPU_BASED_RDPMC_EXITING		SV_BIT(11)
#define SV_CPU_BASED_RDTSC_EXITING		SV_BIT(12)
#define SV_CPU_BASED_CR3_LOAD_EXITING		SV_BIT(15)
#define SV_CPU_BASED_CR3_STORE_EXITING		SV_BIT(16)
#define SV_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS	SV_BIT(17)
#define SV_CPU_BASED_CR8_LOAD_EXITING		SV_BIT(19)
#define SV_CPU_BASED_CR8_STORE_EXITING		SV_BIT(20)
#define SV_CPU_BASED_USE_TPR_SHADOW		SV_BIT(21)
#define SV_CPU_BASED_NMI_WINDOW_EXITING		SV_BIT(22)
#define SV_CPU_BASED_MOV_DR_EXITING		SV_BIT(23)
#define SV_CPU_BASED_UNCOND_IO_EXITING		SV_BIT(24)
#define SV_CPU_BASED_USE_IO_BITMAPS		SV_BIT(25)
#define SV_CPU_BASED_MONITOR_TRAP_FLAG		SV_BIT(27)
#define SV_CPU_BASED_USE_MSR_BITMAPS		SV_BIT(28)
#define SV_CPU_BASED_MONITOR_EXITING		SV_BIT(29)
#define SV_CPU_BASED_PAUSE_EXITING		SV_BIT(30)
#define SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS SV_BIT(31)
#define SV_CPU_BASED_DEFAULT1			0x0401e172u

/* Secondary processor-based VM-execution controls (SECONDARY_VM_EXEC_CONTROL) */
#define SV_SECONDARY_VIRTUALIZE_APIC_ACCESSES	SV_BIT(0)
#define SV_SECONDARY_ENABLE_EPT			SV_BIT(1)
#define SV_SECONDARY_DESC_TABLE_EXITING		SV_BIT(2)
#define SV_SECONDARY_ENABLE_RDTSCP		SV_BIT(3)
#define SV_SECONDARY_VIRTUALIZE_X2APIC		SV_BIT(4)
#define SV_SECONDARY_ENABLE_VPID		SV_BIT(5)
#define SV_SECONDARY_WBINVD_EXITING		SV_BIT(6)
#define SV_SECONDARY_UNRESTRICTED_GUEST		SV_BIT(7)
#define SV_SECONDARY_APIC_REGISTER_VIRT		SV_BIT(8)
#define SV_SECONDARY_VIRTUAL_INTR_DELIVERY	SV_BIT(9)
#define SV_SECONDARY_PAUSE_LOOP_EXITING		SV_BIT(10)
#define SV_SECONDARY_RDRAND_EXITING		SV_BIT(11)
#define SV_SECONDARY_ENABLE_INVPCID		SV_BIT(12)
#define SV_SECONDARY_ENABLE_VMFUNC		SV_BIT(13)
#define SV_SECONDARY_VMCS_SHADOWING		SV_BIT(14)
#define SV_SECONDARY_ENCLS_EXITING		SV_BIT(15)
#define SV_SECONDARY_RDSEED_EXITING		SV_BIT(16)
#define SV_SECONDARY_ENABLE_PML			SV_BIT(17)
#define SV_SECONDARY_EPT_VIOLATION_VE		SV_BIT(18)
#define SV_SECONDARY_CONCEAL_VMX_FROM_PT	SV_BIT(19)
#define SV_SECONDARY_ENABLE_XSAVES		SV_BIT(20)
#define SV_SECONDARY_PASID_TRANSLATION		SV_BIT(21)
#define SV_SECONDARY_MODE_BASED_EPT_EXEC	SV_BIT(22)
#define SV_SECONDARY_EPT_SUBPAGE_WRITE		SV_BIT(23)
#define SV_SECONDARY_PT_USE_GPA			SV_BIT(24)
#define SV_SECONDARY_TSC_SCALING		SV_BIT(25)
#define SV_SECONDARY_USER_WAIT_PAUSE		SV_BIT(26)
#define SV_SECONDARY_ENABLE_PCONFIG		SV_BIT(27)
#define SV_SECONDARY_ENCLV_EXITING		SV_BIT(28)
#define SV_SECONDARY_BUS_LOCK_DETECTION		SV_BIT(30)
#define SV_SECONDARY_NOTIFY_EXITING		SV_BIT(31)

/* Tertiary processor-based VM-execution controls (TERTIARY_VM_EXEC_CONTROL) */
#define SV_TERTIARY_LOADIWKEY_EXITING		SV_BIT64(0)
#define SV_TERTIARY_ENABLE_HLAT			SV_BIT64(1)
#define SV_TERTIARY_EPT_PAGING_WRITE		SV_BIT64(2)
#define SV_TERTIARY_GUEST_PAGING_VERIFY		SV_BIT64(3)
#define SV_TERTIARY_IPI_VIRT			SV_BIT64(4)
#define SV_TERTIARY_VIRTUALIZE_SPEC_CTRL	SV_BIT64(7)

/* Primary VM-exit controls (VM_EXIT_CONTROLS) */
#define SV_VM_EXIT_SAVE_DEBUG_CONTROLS		SV_BIT(2)
#define SV_VM_EXIT_HOST_ADDR_SPACE_SIZE		SV_BIT(9)	/* host is 64-bit */
#define SV_VM_EXIT_LOAD_PERF_GLOBAL_CTRL	SV_BIT(12)
#define SV_VM_EXIT_ACK_INTR_ON_EXIT		SV_BIT(15)
#define SV_VM_EXIT_SAVE_IA32_PAT		SV_BIT(18)
#define SV_VM_EXIT_LOAD_IA32_PAT		SV_BIT(19)
#define SV_VM_EXIT_SAVE_IA32_EFER		SV_BIT(20)
#define SV_VM_EXIT_LOAD_IA32_EFER		SV_BIT(21)
#define SV_VM_EXIT_SAVE_PREEMPTION_TIMER	SV_BIT(22)
#define SV_VM_EXIT_CLEAR_BNDCFGS		SV_BIT(23)
#define SV_VM_EXIT_CONCEAL_VMX_FROM_PT		SV_BIT(24)
#define SV_VM_EXIT_CLEAR_RTIT_CTL		SV_BIT(25)
#define SV_VM_EXIT_CLEAR_LBR_CTL		SV_BIT(26)
#define SV_VM_EXIT_CLEAR_UINV			SV_BIT(27)
#define SV_VM_EXIT_LOAD_CET_STATE		SV_BIT(28)
#define SV_VM_EXIT_LOAD_PKRS			SV_BIT(29)
#define SV_VM_EXIT_SAVE_PERF_GLOBAL_CTRL	SV_BIT(30)
#define SV_VM_EXIT_ACTIVATE_SECONDARY_CONTROLS	SV_BIT(31)
#define SV_VM_EXIT_DEFAULT1			0x00036dffu

/* VM-entry controls (VM_ENTRY_CONTROLS) */
#define SV_VM_ENTRY_LOAD_DEBUG_CONTROLS		SV_BIT(2)
#define SV_VM_ENTRY_IA32E_MODE_GUEST		SV_BIT(9)
#define SV_VM_ENTRY_ENTRY_TO_SMM		SV_BIT(10)
#define SV_VM_ENTRY_DEACT_DUAL_MONITOR		SV_BIT(11)
#define SV_VM_ENTRY_LOAD_PERF_GLOBAL_CTRL	SV_BIT(13)
#define SV_VM_ENTRY_LOAD_IA32_PAT		SV_BIT(14)
#define SV_VM_ENTRY_LOAD_IA32_EFER		SV_BIT(15)
#define SV_VM_ENTRY_LOAD_BNDCFGS		SV_BIT(16)
#define SV_VM_ENTRY_CONCEAL_VMX_FROM_PT		SV_BIT(17)
#define SV_VM_ENTRY_LOAD_RTIT_CTL		SV_BIT(18)
#define SV_VM_ENTRY_LOAD_UINV			SV_BIT(19)
#define SV_VM_ENTRY_LOAD_CET_STATE		SV_BIT(20)
#define SV_VM_ENTRY_LOAD_LBR_CTL		SV_BIT(21)
#define SV_VM_ENTRY_LOAD_PKRS			SV_BIT(22)
#define SV_VM_ENTRY_LOAD_FRED			SV_BIT(23)
#define SV_VM_ENTRY_DEFAULT1			0x000011ffu

/* ------------------------------------------------------------------------
 * Names, for logs, traces and the unexpected-exit dump (vmx_names.c).
 * Each returns a static string and never NULL, except
 * sv_vmcs_field_name(), which returns NULL for an unknown encoding.
 * ------------------------------------------------------------------------ */

/* "IO_INSTRUCTION"; "UNKNOWN" for values the SDM does not define. */
const char *sv_exit_reason_name(unsigned reason);
/* The SDM's description, e.g. "VM entry with invalid control field(s)";
 * "UNKNOWN" for numbers it does not define. */
const char *sv_vm_insn_error_name(unsigned err);
/* "GUEST_RIP", "IO_BITMAP_A_HIGH"; NULL if enc is no known field. */
const char *sv_vmcs_field_name(unsigned enc);
/* "HW_EXCEPTION"; "UNKNOWN" for type 1 and values above 7. */
const char *sv_intr_type_name(unsigned type);

#endif /* SV_VMX_H */
