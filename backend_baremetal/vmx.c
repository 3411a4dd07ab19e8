/*
 * The VMX backend (vmx.h): Intel VT-x under the bare-metal kernel.
 *
 * Layout of this file, in the order a VM lives:
 *   capabilities   the VMX MSRs, read once (appendix A of the SDM vol. 3)
 *   VMX operation  IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, VMXON/VMXOFF
 *   VMCS set-up    controls, host state, guest state, by area
 *   the ops        create/map/run/registers/events, through the
 *                  width-checked accessors of vmx_hw.h
 *
 * Every VMX instruction's failure is checked; VMfailValid is reported with
 * the VM-instruction error by name (sv_vm_insn_error_name).
 */
#include "vmx.h"

#include <stddef.h>

#include "ept.h"
#include "physmap.h"
#include "kernel.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "sv/string.h"
#include "sv/trace.h"
#include "sv/vmx.h"
#include "sv/vmx_ctl.h"
#include "sv/walk.h"
#include "tsc.h"
#include "vmx_hw.h"
#include "x86.h"
#include "x86_sys.h"

#define RFLAGS_FIXED1	SV_BIT64(1)
#define DR6_FIXED1	0xffff0ff0ull	/* DR6 at power-on */
#define DR7_FIXED1	0x400ull

#define PAT_POWER_ON		0x0007040600070406ull

/*
 * Where the identity page directory of a guest without paging lives in
 * guest-physical space when the CPU lacks unrestricted guest (as KVM's
 * default identity-map address: just under the BIOS, above any RAM a
 * small guest has).
 */
#define IDENTITY_MAP_GPA	0xfeffc000ull
#define PDE_4M_IDENTITY		(uint32_t)(SV_PTE_P | SV_PTE_RW | SV_PTE_US | \
					   SV_PTE_A | SV_PTE_D | SV_PTE_PS)
#define PDE_4M_SHIFT		22	/* a 4 MiB page per directory entry */
#define PD_ENTRIES		1024

#define VMX_MAX_REGIONS		8
#define VMX_SLICE_NS		2000000ull	/* guest run between timer exits */
#define FXSAVE_SIZE		512
#define FCW_DEFAULT		0x037f	/* x87 control word after FNINIT */
#define MXCSR_DEFAULT		0x1f80	/* all SSE exceptions masked */
#define VMX_IO_BITMAP_PAGES	2	/* A: ports 0-0x7fff, B: the rest */

SV_STATIC_ASSERT(SV_VMCS_HOST_RSP == 0x6c14, "vmx_entry.S names HOST_RSP");
SV_STATIC_ASSERT(offsetof(struct vmx_gprs, rdi) == 48 &&
		 offsetof(struct vmx_gprs, r15) == 112 &&
		 offsetof(struct vmx_gprs, cr2) == 120,
		 "vmx_entry.S follows struct vmx_gprs");

extern char vmx_exit_stub[];

/* ------------------------------------------------------------------------
 * Capabilities
 * ------------------------------------------------------------------------ */

struct vmx_caps {
	uint64_t basic, misc, ept_vpid;
	uint64_t pin, proc, proc2, exit, entry;	/* (TRUE_)*_CTLS */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool ept, vpid, unrestricted;
};

static struct vmx_caps caps;

static void caps_read(struct vmx_caps *c)
{
	bool true_ctls;

	sv_memset(c, 0, sizeof(*c));
	c->basic = rdmsr(SV_MSR_IA32_VMX_BASIC);
	true_ctls = (c->basic & SV_VMX_BASIC_TRUE_CTLS) != 0;
	c->misc = rdmsr(SV_MSR_IA32_VMX_MISC);
	c->pin = rdmsr(true_ctls ? SV_MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				   SV_MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(true_ctls ? SV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				    SV_MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(true_ctls ? SV_MSR_IA32_VMX_TRUE_EXIT_CTLS :
				    SV_MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(true_ctls ? SV_MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				     SV_MSR_IA32_VMX_ENTRY_CTLS);
	c->cr0_fixed0 = rdmsr(SV_MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(SV_MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(SV_MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(SV_MSR_IA32_VMX_CR4_FIXED1);
	if (sv_vmx_ctl_may1(c->proc) & SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) {
		uint32_t may1;

		c->proc2 = rdmsr(SV_MSR_IA32_VMX_PROCBASED_CTLS2);
		may1 = sv_vmx_ctl_may1(c->proc2);
		c->ept = (may1 & SV_SECONDARY_ENABLE_EPT) != 0;
		c->vpid = (may1 & SV_SECONDARY_ENABLE_VPID) != 0;
		c->unrestricted = (may1 & SV_SECONDARY_UNRESTRICTED_GUEST) != 0;
		if (c->ept || c->vpid)
			c->ept_vpid = rdmsr(SV_MSR_IA32_VMX_EPT_VPID_CAP);
	}
	/* the EPT we build: 4-level walk, write-back tables */
	if (!(c->ept_vpid & SV_EPT_CAP_WALK_4) || !(c->ept_vpid & SV_EPT_CAP_WB))
		c->ept = false;
	if (!(c->ept_vpid & SV_VPID_CAP_INVVPID))
		c->vpid = false;
}

bool vmx_usable(char *why, size_t len)
{
	if (!(cpuid(SV_CPUID_FEATURES, 0).ecx & SV_CPUID_1_ECX_VMX)) {
		sv_snprintf(why, len, "this CPU has no VMX");
		return false;
	}
	caps_read(&caps);
	if (!caps.ept) {
		sv_snprintf(why, len, "VMX without EPT%s: protected-mode "
			    "guests that do not page (guest paging needs "
			    "shadow page tables, not written yet)",
			    caps.vpid ? ", VPID" : "");
		return true;
	}
	sv_snprintf(why, len, "VMX with EPT%s%s", caps.vpid ? ", VPID" : "",
		    caps.unrestricted ? ", unrestricted guest" :
		    " (no unrestricted guest: protected-mode guests only)");
	return true;
}

/* ------------------------------------------------------------------------
 * VMX operation: entered with the first VM, left with the last.
 * ------------------------------------------------------------------------ */

static struct {
	unsigned vms;			/* VMs alive */
	void *vmxon_region;
	hpa_t vmxon_pa;
	uint64_t saved_cr0, saved_cr4;
	struct sv_bvcpu *current;	/* whose VMCS is current */
	bool measure;			/* vmx_measure_exits: cost counters on */
	struct sv_bvcpu *fpu_owner;	/* whose x87/SSE and DR0-3/6 are loaded */
	uint16_t next_vpid;
} vmx;

static const char *status_name(enum vmx_status st)
{
	if (st == VMX_FAIL_INVALID)
		return "VMfailInvalid (no current VMCS)";
	return sv_vm_insn_error_name(vmcs_read32(VM_INSTRUCTION_ERROR));
}

/* Report a failed VMX instruction by name; returns -SV_EHW. */
static int vmx_failed(const char *insn, enum vmx_status st)
{
	unsigned err = st == VMX_FAIL_VALID ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;

	sv_printf("vmx: %s failed: %s", insn, status_name(st));
	if (st == VMX_FAIL_VALID)
		sv_printf(" (VM-instruction error %u)", err);
	sv_printf("\n");
	return -SV_EHW;
}

void vmcs_put(unsigned long field, uint64_t value)
{
	enum vmx_status st = vmx_write(field, value);

	if (st != VMX_OK) {
		const char *name = sv_vmcs_field_name((unsigned)field);

		sv_panic("VMWRITE %s (0x%lx) = 0x%lx: %s", name ? name : "?",
			 field, (unsigned long)value, status_name(st));
	}
}

static void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* IA32_FEATURE_CONTROL must be locked with VMX outside SMX enabled. */
static int feature_control_check(void)
{
	uint64_t fc = rdmsr(SV_MSR_IA32_FEATURE_CONTROL);

	if (fc & SV_FEATURE_CONTROL_LOCKED) {
		if (fc & SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX)
			return 0;
		sv_printf("vmx: disabled by the firmware (IA32_FEATURE_CONTROL "
			  "locked without VMX); enable VT-x in its setup\n");
		return -SV_ENOTSUP;
	}
	/* unlocked (most real firmware locks it, Bochs's does): lock it */
	wrmsr(SV_MSR_IA32_FEATURE_CONTROL, fc | SV_FEATURE_CONTROL_LOCKED |
	      SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	return 0;
}

static int vmx_operation_enter(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	enum vmx_status st;
	int err;

	if ((err = feature_control_check()))
		return err;
	vmx.vmxon_region = host_pages_alloc(1, &vmx.vmxon_pa);
	if (!vmx.vmxon_region)
		return -SV_ENOMEM;
	*(uint32_t *)vmx.vmxon_region = sv_vmx_basic_revision(caps.basic);
	vmx.saved_cr0 = cr0;
	vmx.saved_cr4 = cr4;
	/* Firmware may leave caching off (CR0.CD/NW, as Bochs's does); the
	 * fixed bits decide what VMX operation accepts. */
	write_cr0(sv_vmx_cr_fixed(cr0 & ~(SV_CR0_CD | SV_CR0_NW), caps.cr0_fixed0,
				  caps.cr0_fixed1));
	/* OSFXSR: FXSAVE/FXRSTOR move the guests' SSE state too */
	write_cr4(sv_vmx_cr_fixed(cr4 | SV_CR4_VMXE | SV_CR4_OSFXSR, caps.cr4_fixed0,
				  caps.cr4_fixed1));
	st = vmx_on(vmx.vmxon_pa.v);
	if (st != VMX_OK) {
		write_cr4(cr4);
		write_cr0(cr0);
		host_pages_free(vmx.vmxon_region, 1);
		vmx.vmxon_region = NULL;
		sv_printf("vmx: VMXON failed (%s)\n", st == VMX_FAIL_INVALID ?
			  "VMfailInvalid: bad VMXON region or CPU state" :
			  "VMfailValid: already in VMX operation");
		return -SV_EHW;
	}
	sv_printf("vmx: VMX operation entered (VMCS revision 0x%x)\n",
		  sv_vmx_basic_revision(caps.basic));
	return 0;
}

static void vmx_operation_leave(void)
{
	enum vmx_status st = vmx_off();

	if (st != VMX_OK)
		(void)vmx_failed("VMXOFF", st);
	write_cr4(vmx.saved_cr4);
	write_cr0(vmx.saved_cr0);
	host_pages_free(vmx.vmxon_region, 1);
	vmx.vmxon_region = NULL;
	vmx.current = NULL;
	vmx.fpu_owner = NULL;
	sv_printf("vmx: VMX operation left (VMXOFF, CR4.VMXE clear)\n");
}

/*
 * Forget the processor's cached translations of an EPT tree (its pages go
 * back to the allocator and may become another VM's tree, with the same
 * EPTP) and of a VPID (another vCPU may get it). The narrowest flush the
 * processor offers; none is needed where it has no INVEPT/INVVPID (no EPT
 * or VPID is used then either).
 */
static void flush_ept(uint64_t eptp)
{
	enum vmx_status st = VMX_OK;

	if (caps.ept_vpid & SV_EPT_CAP_INVEPT_SINGLE)
		st = vmx_invept(VMX_INV_SINGLE_CONTEXT, eptp);
	else if (caps.ept_vpid & SV_EPT_CAP_INVEPT_ALL)
		st = vmx_invept(VMX_INV_ALL_CONTEXTS, 0);
	if (st != VMX_OK)
		(void)vmx_failed("INVEPT", st);
}

static void flush_vpid(uint16_t vpid)
{
	enum vmx_status st = VMX_OK;

	if (!vpid)
		return;
	if (caps.ept_vpid & SV_VPID_CAP_INVVPID_SINGLE)
		st = vmx_invvpid(VMX_INV_SINGLE_CONTEXT, vpid);
	else if (caps.ept_vpid & SV_VPID_CAP_INVVPID_ALL)
		st = vmx_invvpid(VMX_INV_ALL_CONTEXTS, 0);
	if (st != VMX_OK)
		(void)vmx_failed("INVVPID", st);
}

/* ------------------------------------------------------------------------
 * Backend objects
 * ------------------------------------------------------------------------ */

struct vmx_region {
	uint64_t gpa, size;
	uint8_t *hva;
};

struct sv_bvm {
	struct ept ept;
	uint64_t eptp;
	struct vmx_region regions[VMX_MAX_REGIONS];
	unsigned nregions;
	uint32_t *identity_pd;		/* no unrestricted guest: see above */
	struct physmap physmap;		/* no EPT at all: physmap.h */
	struct sv_bvcpu *vcpu;		/* one per VM */
};

struct sv_bvcpu {
	/* the guest's x87/SSE state while another vCPU has the FPU */
	uint8_t fpu[FXSAVE_SIZE] __attribute__((aligned(16)));
	uint64_t dr[4], dr6;		/* the same for debug registers */
	struct sv_bvm *vm;
	uint32_t id;
	uint16_t vpid;
	void *vmcs;
	hpa_t vmcs_pa;
	bool launched;
	struct vmx_gprs g;
	void *io_bitmap;		/* VMX_IO_BITMAP_PAGES pages */
	hpa_t io_bitmap_pa;
	void *msr_bitmap;
	hpa_t msr_bitmap_pa;
	uint32_t proc_ctls;		/* CPU_BASED_VM_EXEC_CONTROL as written */
	uint32_t preempt_value;		/* VMX-preemption timer per slice, or 0 */
	bool preempt_saved;		/* the CPU saves what is left at exits */
	bool cr3_exiting_optional;	/* the CPU lets us clear CR3 exiting */
	/* the guest's architectural CR0/CR3/CR4 (the read shadows) */
	uint64_t cr0, cr3, cr4;
	uint64_t kernel_gs_base, pat;
	bool efer_in_vmcs;		/* the VMCS switches IA32_EFER */
	uint64_t efer;			/* the guest's, when it does not */
	struct sv_exit last;		/* the exit being handled */
	uint64_t exit_tsc;		/* when it happened */
	struct vmx_exit_cost cost[SV_EXIT_REASON_MAX];
};

/* Make v's VMCS current. Interrupts must be off (see vmx.h). */
static void vmcs_load(struct sv_bvcpu *v)
{
	enum vmx_status st;

	if (vmx.current == v)
		return;
	st = vmx_ptrld(v->vmcs_pa.v);
	if (st != VMX_OK)
		sv_panic("VMPTRLD of vCPU %u: %s", v->id, status_name(st));
	vmx.current = v;
}

/* ------------------------------------------------------------------------
 * VMCS set-up, by area
 * ------------------------------------------------------------------------ */

/*
 * The VMX-preemption timer makes the guest exit after every VMX_SLICE_NS
 * it runs (reloaded at each entry, or only once it ran out where the CPU
 * saves the count left at exits). The kernel's tick makes it exit
 * sooner (an external-interrupt exit); the timer is the backstop that
 * holds whatever the interrupt controller does: Bochs 2.7, for one, lets
 * no host interrupt make a guest exit when guest and host both entered
 * with RFLAGS.IF clear (tests/guests/hog.asm spins so). It counts the TSC
 * divided by 2^(IA32_VMX_MISC bits 4:0).
 */
static uint32_t preemption_timer_value(void)
{
	uint64_t ticks = tsc_khz_get() * (VMX_SLICE_NS / 1000000);

	ticks >>= caps.misc & SV_VMX_MISC_TIMER_RATE_MASK;
	return (uint32_t)SV_MIN(SV_MAX(ticks, 1), UINT32_MAX);
}

/* Fit a control to the CPU; a required bit it lacks refuses the VM. */
static int ctl(const char *what, uint64_t cap, uint32_t required,
	       uint32_t optional, uint32_t *out)
{
	uint32_t missing;
	int err = sv_vmx_ctl_adjust(cap, required, optional, out, &missing);

	if (err)
		sv_printf("vmx: %s controls: the CPU lacks 0x%x\n", what,
			  missing);
	return err;
}

static int setup_controls(struct sv_bvcpu *v)
{
	uint32_t pin, proc, proc2 = 0, exit, entry;
	uint32_t proc2_want = caps.ept ? SV_SECONDARY_ENABLE_EPT : 0;
	/* WBINVD would flush the whole machine's caches for one guest */
	uint32_t proc2_optional = SV_SECONDARY_WBINVD_EXITING;
	int err;

	if (caps.vpid)
		proc2_want |= SV_SECONDARY_ENABLE_VPID;
	if (caps.unrestricted)
		proc2_want |= SV_SECONDARY_UNRESTRICTED_GUEST;
	/* Interrupts of the host stop the guest; they stay pending in the
	 * interrupt controller until the host re-enables interrupts. The
	 * preemption timer bounds a guest's run whatever else happens. */
	if ((err = ctl("pin-based", caps.pin, SV_PIN_BASED_EXT_INTR_EXITING |
		       SV_PIN_BASED_NMI_EXITING, SV_PIN_BASED_VIRTUAL_NMIS |
		       SV_PIN_BASED_PREEMPTION_TIMER, &pin)) ||
	    (err = ctl("processor-based", caps.proc,
		       SV_CPU_BASED_HLT_EXITING | SV_CPU_BASED_USE_IO_BITMAPS |
		       SV_CPU_BASED_USE_MSR_BITMAPS |
		       SV_CPU_BASED_MWAIT_EXITING |
		       SV_CPU_BASED_MONITOR_EXITING |
		       (proc2_want ? SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS : 0),
		       caps.proc2 ? SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS : 0,
		       &proc)) ||
	    (err = ctl("secondary", caps.proc2, proc2_want, proc2_optional,
		       &proc2)) ||
	    (err = ctl("VM-exit", caps.exit, SV_VM_EXIT_HOST_ADDR_SPACE_SIZE,
		       SV_VM_EXIT_SAVE_IA32_EFER | SV_VM_EXIT_LOAD_IA32_EFER |
		       SV_VM_EXIT_SAVE_PREEMPTION_TIMER, &exit)) ||
	    (err = ctl("VM-entry", caps.entry, 0, SV_VM_ENTRY_LOAD_IA32_EFER,
		       &entry)))
		return err;
	/*
	 * Switching IA32_EFER needs all three controls (Penryn has none):
	 * without them the VMCS has no EFER fields, the guest runs with the
	 * host's NXE/SCE (harmless to a 32-bit guest that does not page,
	 * the only kind such a CPU runs) and its EFER is kept here.
	 */
	v->efer_in_vmcs = (exit & SV_VM_EXIT_SAVE_IA32_EFER) &&
			  (exit & SV_VM_EXIT_LOAD_IA32_EFER) &&
			  (entry & SV_VM_ENTRY_LOAD_IA32_EFER);
	if (!v->efer_in_vmcs) {
		exit &= ~(SV_VM_EXIT_SAVE_IA32_EFER | SV_VM_EXIT_LOAD_IA32_EFER);
		entry &= ~SV_VM_ENTRY_LOAD_IA32_EFER;
	}
	/* CR3 exits only while a guest without paging runs on the identity
	 * map (set_cr); the CPU may insist on them regardless. */
	proc |= SV_CPU_BASED_CR3_LOAD_EXITING | SV_CPU_BASED_CR3_STORE_EXITING;
	v->cr3_exiting_optional =
		!(sv_vmx_ctl_must1(caps.proc) & (SV_CPU_BASED_CR3_LOAD_EXITING |
						 SV_CPU_BASED_CR3_STORE_EXITING));
	v->proc_ctls = proc;
	if (pin & SV_PIN_BASED_PREEMPTION_TIMER) {
		v->preempt_value = preemption_timer_value();
		/* the count left is saved at each exit: reloaded only once it
		 * ran out, so most entries need no VMWRITE for it */
		v->preempt_saved = (exit & SV_VM_EXIT_SAVE_PREEMPTION_TIMER) != 0;
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, v->preempt_value);
	} else {
		exit &= ~SV_VM_EXIT_SAVE_PREEMPTION_TIMER;
	}
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	if (proc & SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	else
		proc2 = 0;
	vmcs_write32(VM_EXIT_CONTROLS, exit);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	/* #MC is the machine's; no guest exception is intercepted, but for
	 * #PF without EPT: the physmap's holes are the guest's MMIO (run) */
	vmcs_write32(EXCEPTION_BITMAP, caps.ept ? 0 : SV_BIT(SV_EXC_PF));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write64(IO_BITMAP_A, v->io_bitmap_pa.v);
	vmcs_write64(IO_BITMAP_B, v->io_bitmap_pa.v + SV_PAGE_SIZE);
	vmcs_write64(MSR_BITMAP, v->msr_bitmap_pa.v);
	if (caps.ept)
		vmcs_write64(EPT_POINTER, v->vm->eptp);
	if (proc2 & SV_SECONDARY_ENABLE_VPID)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, v->vpid);
	vmcs_write64(TSC_OFFSET, 0);
	/* the guest owns no CR0/CR4 bit: every write it makes that differs
	 * from its shadow exits, and the monitor keeps its view (set_cr) */
	vmcs_writenat(CR0_GUEST_HOST_MASK, ~0ull);
	vmcs_writenat(CR4_GUEST_HOST_MASK, ~0ull);
	return 0;
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} SV_PACKED;

static uint64_t tr_base(const struct desc_ptr *gdt, uint16_t tr)
{
	const uint64_t *d = (const uint64_t *)(uintptr_t)(gdt->base + (tr & ~7u));
	uint64_t lo = d[0], hi = d[1];

	return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) |
	       (hi << 32);
}

/* The state a VM exit loads: this kernel as it runs now. */
static void setup_host_state(const struct sv_bvcpu *v)
{
	struct desc_ptr gdt, idt;
	uint16_t cs, ss, ds, es, fs, gs, tr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; "
			 "mov %%es, %3; mov %%fs, %4; mov %%gs, %5; str %6"
			 : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(es), "=r"(fs),
			   "=r"(gs), "=r"(tr));
	vmcs_writenat(HOST_CR0, read_cr0());
	vmcs_writenat(HOST_CR3, read_cr3());
	vmcs_writenat(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, cs);
	vmcs_write16(HOST_SS_SELECTOR, ss);
	vmcs_write16(HOST_DS_SELECTOR, ds);
	vmcs_write16(HOST_ES_SELECTOR, es);
	vmcs_write16(HOST_FS_SELECTOR, fs);
	vmcs_write16(HOST_GS_SELECTOR, gs);
	vmcs_write16(HOST_TR_SELECTOR, tr);
	vmcs_writenat(HOST_FS_BASE, rdmsr(SV_MSR_IA32_FS_BASE));
	vmcs_writenat(HOST_GS_BASE, rdmsr(SV_MSR_IA32_GS_BASE));
	vmcs_writenat(HOST_TR_BASE, tr_base(&gdt, tr));
	vmcs_writenat(HOST_GDTR_BASE, gdt.base);
	vmcs_writenat(HOST_IDTR_BASE, idt.base);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_EIP, 0);
	if (v->efer_in_vmcs)
		vmcs_write64(HOST_IA32_EFER, rdmsr(SV_MSR_IA32_EFER));
	vmcs_writenat(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
	/* HOST_RSP: written by vmx_enter on every entry */
}

/*
 * What the guest holds before the loader sets its boot CPU: the fields
 * no op of the backend seam writes (GDTR/IDTR, debug state, activity).
 */
static void setup_guest_state(struct sv_bvcpu *v)
{
	vmcs_write64(VMCS_LINK_POINTER, ~0ull);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	if (v->efer_in_vmcs)
		vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_writenat(GUEST_DR7, DR7_FIXED1);
	vmcs_writenat(GUEST_RFLAGS, RFLAGS_FIXED1);
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, SV_ACTIVITY_ACTIVE);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(GUEST_IA32_SYSENTER_CS, 0);
	vmcs_writenat(GUEST_IA32_SYSENTER_ESP, 0);
	vmcs_writenat(GUEST_IA32_SYSENTER_EIP, 0);
	v->pat = PAT_POWER_ON;
}

/*
 * Every port exits (the guest's devices are all emulated; no port of the
 * real machine is the guest's). MSRs exit except those the VMCS switches
 * itself, whose guest values live in guest-state fields: those the guest
 * reads and writes at full speed.
 */
#define MSR_BITMAP_READ_LOW	0
#define MSR_BITMAP_READ_HIGH	1024
#define MSR_BITMAP_WRITE_LOW	2048
#define MSR_BITMAP_WRITE_HIGH	3072
#define MSR_HIGH_BASE		0xc0000000u

static void msr_passthrough(uint8_t *bitmap, uint32_t msr, bool write)
{
	unsigned base = msr >= MSR_HIGH_BASE ?
		(write ? MSR_BITMAP_WRITE_HIGH : MSR_BITMAP_READ_HIGH) :
		(write ? MSR_BITMAP_WRITE_LOW : MSR_BITMAP_READ_LOW);
	uint32_t bit = msr & 0x1fff;

	bitmap[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void setup_bitmaps(struct sv_bvcpu *v)
{
	static const uint32_t passthrough[] = {
		SV_MSR_IA32_SYSENTER_CS, SV_MSR_IA32_SYSENTER_ESP,
		SV_MSR_IA32_SYSENTER_EIP, SV_MSR_IA32_FS_BASE, SV_MSR_IA32_GS_BASE,
	};

	sv_memset(v->io_bitmap, 0xff, VMX_IO_BITMAP_PAGES * SV_PAGE_SIZE);
	sv_memset(v->msr_bitmap, 0xff, SV_PAGE_SIZE);
	for (size_t i = 0; i < SV_ARRAY_SIZE(passthrough); i++) {
		msr_passthrough(v->msr_bitmap, passthrough[i], false);
		msr_passthrough(v->msr_bitmap, passthrough[i], true);
	}
	msr_passthrough(v->msr_bitmap, SV_MSR_IA32_TSC, false);	/* = RDTSC */
}

/* ------------------------------------------------------------------------
 * The ops: VM and memory
 * ------------------------------------------------------------------------ */

SV_BACKEND_DECLARE(vmx)

static int vmx_vm_create(void *inst, struct sv_bvm **out)
{
	struct sv_bvm *vm;
	hpa_t pa;
	char why[160];
	int err;

	(void)inst;
	if (!vmx_usable(why, sizeof(why))) {
		sv_printf("vmx: VM refused: %s\n", why);
		return -SV_ENOTSUP;
	}
	vm = host_pages_alloc(1, &pa);	/* zeroed; small enough */
	SV_STATIC_ASSERT(sizeof(struct sv_bvm) <= SV_PAGE_SIZE,
			 "struct sv_bvm fits a page");
	if (!vm)
		return -SV_ENOMEM;
	if (!caps.ept) {	/* guest-physical memory by the physmap */
		if ((err = physmap_init(&vm->physmap)))
			goto fail;
	} else if ((err = ept_init(&vm->ept))) {
		goto fail;
	} else {
		vm->eptp = ept_pointer(&vm->ept);
	}
	if (caps.ept && !caps.unrestricted) {
		vm->identity_pd = host_pages_alloc(1, &pa);
		if (!vm->identity_pd) {
			err = -SV_ENOMEM;
			goto fail;
		}
		for (uint32_t i = 0; i < PD_ENTRIES; i++)
			vm->identity_pd[i] = (i << PDE_4M_SHIFT) |
					     PDE_4M_IDENTITY;
		if ((err = ept_map(&vm->ept, IDENTITY_MAP_GPA, pa.v,
				   SV_PAGE_SIZE, EPT_R | EPT_W)))
			goto fail;
	}
	if (vmx.vms == 0 && (err = vmx_operation_enter()))
		goto fail;
	vmx.vms++;
	if (caps.ept)
		flush_ept(vm->eptp);	/* nothing cached from a tree here before */
	*out = vm;
	return 0;
fail:
	if (vm->identity_pd)
		host_pages_free(vm->identity_pd, 1);
	ept_destroy(&vm->ept);
	physmap_destroy(&vm->physmap);
	host_pages_free(vm, 1);
	return err;
}

static void vmx_vm_destroy(struct sv_bvm *vm)
{
	if (!vm)
		return;
	if (caps.ept)
		flush_ept(vm->eptp);
	if (vm->identity_pd)
		host_pages_free(vm->identity_pd, 1);
	ept_destroy(&vm->ept);
	physmap_destroy(&vm->physmap);
	host_pages_free(vm, 1);
	if (--vmx.vms == 0)
		vmx_operation_leave();
}

/* Guest RAM comes from host_pages_alloc: VA == PA (host_baremetal.c). */
static int vmx_map_memory(struct sv_bvm *vm, gpa_t gpa, void *hva,
			  uint64_t size, uint32_t flags)
{
	uint64_t perm = EPT_R | EPT_X | (flags & SV_MEM_READONLY ? 0 : EPT_W);
	int err;

	if (vm->nregions == VMX_MAX_REGIONS)
		return -SV_ENOSPC;
	if (gpa.v + size > IDENTITY_MAP_GPA || gpa.v + size < gpa.v)
		return -SV_ERANGE;
	if (!caps.ept)
		err = physmap_map(&vm->physmap, gpa.v, (uint64_t)(uintptr_t)hva,
				  size, !(flags & SV_MEM_READONLY));
	else
		err = ept_map(&vm->ept, gpa.v, (uint64_t)(uintptr_t)hva, size,
			      perm);
	if (err)
		return err;
	vm->regions[vm->nregions++] = (struct vmx_region){ gpa.v, size, hva };
	return 0;
}

static uint8_t *gpa_to_hva(struct sv_bvm *vm, uint64_t gpa, size_t len)
{
	for (unsigned i = 0; i < vm->nregions; i++) {
		const struct vmx_region *r = &vm->regions[i];

		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

static int vmx_read_gpa(struct sv_bvm *vm, gpa_t gpa, void *buf, size_t len)
{
	const uint8_t *p = gpa_to_hva(vm, gpa.v, len);

	if (!p)
		return -SV_EFAULT;
	sv_memcpy(buf, p, len);
	return 0;
}

static int vmx_write_gpa(struct sv_bvm *vm, gpa_t gpa, const void *buf,
			 size_t len)
{
	uint8_t *p = gpa_to_hva(vm, gpa.v, len);

	if (!p)
		return -SV_EFAULT;
	sv_memcpy(p, buf, len);
	return 0;
}

/* ------------------------------------------------------------------------
 * The ops: vCPU life
 * ------------------------------------------------------------------------ */

static void vcpu_free(struct sv_bvcpu *v)
{
	if (v->vmcs)
		host_pages_free(v->vmcs, 1);
	if (v->io_bitmap)
		host_pages_free(v->io_bitmap, VMX_IO_BITMAP_PAGES);
	if (v->msr_bitmap)
		host_pages_free(v->msr_bitmap, 1);
	host_pages_free(v, (sizeof(*v) + SV_PAGE_SIZE - 1) / SV_PAGE_SIZE);
}

static int vmx_vcpu_create(struct sv_bvm *vm, uint32_t id,
			   struct sv_bvcpu **out)
{
	size_t pages = (sizeof(struct sv_bvcpu) + SV_PAGE_SIZE - 1) / SV_PAGE_SIZE;
	struct sv_bvcpu *v;
	unsigned long flags;
	enum vmx_status st;
	hpa_t pa;
	int err;

	if (vm->vcpu)
		return -SV_EBUSY;	/* one vCPU per VM */
	v = host_pages_alloc(pages, &pa);
	if (!v)
		return -SV_ENOMEM;
	v->vm = vm;
	v->id = id;
	v->vmcs = host_pages_alloc(1, &v->vmcs_pa);
	v->io_bitmap = host_pages_alloc(VMX_IO_BITMAP_PAGES, &v->io_bitmap_pa);
	v->msr_bitmap = host_pages_alloc(1, &v->msr_bitmap_pa);
	if (!v->vmcs || !v->io_bitmap || !v->msr_bitmap) {
		vcpu_free(v);
		return -SV_ENOMEM;
	}
	*(uint32_t *)v->vmcs = sv_vmx_basic_revision(caps.basic);
	/* FXSAVE layout: FCW at byte 0, MXCSR at byte 24 (the rest zero) */
	*(uint16_t *)&v->fpu[0] = FCW_DEFAULT;
	*(uint32_t *)&v->fpu[24] = MXCSR_DEFAULT;
	v->dr6 = DR6_FIXED1;
	if (caps.vpid)
		v->vpid = ++vmx.next_vpid ? vmx.next_vpid : ++vmx.next_vpid;
	setup_bitmaps(v);

	flags = host_irq_save();
	st = vmx_clear(v->vmcs_pa.v);
	if (st != VMX_OK) {
		err = vmx_failed("VMCLEAR", st);
		goto fail;
	}
	vmcs_load(v);
	err = setup_controls(v);
	if (!err) {
		setup_host_state(v);
		setup_guest_state(v);
	}
	flush_vpid(v->vpid);	/* a VPID used before starts clean */
fail:
	host_irq_restore(flags);
	if (err) {
		vmx_vcpu_destroy(v);
		return err;
	}
	vm->vcpu = v;
	*out = v;
	return 0;
}

static void vmx_vcpu_destroy(struct sv_bvcpu *v)
{
	unsigned long flags;

	if (!v)
		return;
	flags = host_irq_save();
	if (vmx.current == v)
		vmx.current = NULL;
	if (vmx.fpu_owner == v)
		vmx.fpu_owner = NULL;
	(void)vmx_clear(v->vmcs_pa.v);	/* the CPU writes back its copy */
	flush_vpid(v->vpid);
	host_irq_restore(flags);
	if (v->vm->vcpu == v)
		v->vm->vcpu = NULL;
	vcpu_free(v);
}

/* ------------------------------------------------------------------------
 * The ops: running
 * ------------------------------------------------------------------------ */

static void read_exit(struct sv_bvcpu *v, struct sv_exit *x)
{
	uint32_t reason = vmcs_read32(VM_EXIT_REASON);

	sv_memset(x, 0, sizeof(*x));
	x->reason = (uint16_t)(reason & SV_EXIT_REASON_BASIC_MASK);
	x->reason_flags = (uint16_t)(reason >> 16);
	x->qualification = vmcs_readnat(EXIT_QUALIFICATION);
	x->instr_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	x->instr_info = vmcs_read32(VM_EXIT_INSTRUCTION_INFO);
	x->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	x->intr_error = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	x->idt_vectoring_info = vmcs_read32(IDT_VECTORING_INFO);
	x->idt_vectoring_error = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	x->rip = vmcs_readnat(GUEST_RIP);
	if (x->reason == SV_EXIT_EPT_VIOLATION ||
	    x->reason == SV_EXIT_EPT_MISCONFIG) {
		x->guest_physical.v = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
		x->guest_linear.v = vmcs_readnat(GUEST_LINEAR_ADDRESS);
	}
	if (x->reason == SV_EXIT_IO_INSTRUCTION) {
		struct sv_io_qual q = sv_io_qual_decode(x->qualification);

		if (q.string)	/* INS/OUTS: the core moves the elements */
			x->guest_linear.v = vmcs_readnat(GUEST_LINEAR_ADDRESS);
		else if (!q.in)
			x->io_data = v->g.rax & (q.size == 4 ? 0xffffffffull :
						 (1ull << (8 * q.size)) - 1);
	}
}

/*
 * An event the exit interrupted (IDT-vectoring information) is delivered
 * again at the next entry, as the processor would have (SDM vol. 3,
 * "Information for VM Exits During Event Delivery").
 */
static void requeue_vectoring(const struct sv_exit *x)
{
	uint32_t info = x->idt_vectoring_info;
	unsigned type;

	if (!(info & SV_INTR_INFO_VALID))
		return;
	type = (info & SV_INTR_INFO_TYPE_MASK) >> SV_INTR_INFO_TYPE_SHIFT;
	vmcs_write32(VM_ENTRY_INTR_INFO, info & ~SV_INTR_INFO_NMI_UNBLOCK);
	if (info & SV_INTR_INFO_ERROR_VALID)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     x->idt_vectoring_error);
	if (type == SV_INTR_TYPE_SW_INTR || type == SV_INTR_TYPE_SW_EXCEPTION ||
	    type == SV_INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, x->instr_len);
}

/*
 * Without EPT, a guest access to guest-physical memory no RAM backs is a
 * #PF on the physmap (such a guest does not page, so the faulting linear
 * address, the exit qualification, is the physical one). The core sees
 * the EPT violation it would have been with EPT and emulates the MMIO.
 * A #PF on RAM would be the monitor's mistake: -SV_EFAULT.
 */
static int physmap_fault(struct sv_bvcpu *v, struct sv_exit *x)
{
	struct sv_intr_info i = sv_intr_info_decode(x->intr_info);
	uint64_t gpa = x->qualification;

	if (caps.ept || x->reason != SV_EXIT_EXCEPTION_NMI || !i.valid ||
	    i.type != SV_INTR_TYPE_HW_EXCEPTION || i.vector != SV_EXC_PF)
		return 0;
	if (gpa_to_hva(v->vm, gpa, 1)) {
		sv_printf("vmx: #PF on guest RAM at 0x%lx (rip 0x%lx): the "
			  "physmap is wrong\n", (unsigned long)gpa,
			  (unsigned long)x->rip);
		return -SV_EFAULT;
	}
	x->reason = SV_EXIT_EPT_VIOLATION;
	x->guest_physical.v = gpa;
	x->guest_linear.v = gpa;
	x->qualification = SV_EPT_QUAL_GLA_VALID | SV_EPT_QUAL_GLA_TRANSLATED |
		(x->intr_error & SV_PF_ID ? SV_EPT_QUAL_FETCH :
		 x->intr_error & SV_PF_WR ? SV_EPT_QUAL_WRITE :
						SV_EPT_QUAL_READ);
	x->intr_info = 0;
	x->intr_error = 0;
	return 0;
}

static void account_monitor(struct sv_bvcpu *v)
{
	struct vmx_exit_cost *c;
	uint64_t spent;

	if (!vmx.measure || !v->exit_tsc || v->last.reason >= SV_EXIT_REASON_MAX)
		return;
	c = &v->cost[v->last.reason];
	spent = rdtsc() - v->exit_tsc;
	if (!c->count || spent < c->min)
		c->min = spent;
	c->count++;
	c->total += spent;
}

static void save_drs(struct sv_bvcpu *x)
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(x->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(x->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(x->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(x->dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(x->dr6));
}

static void load_drs(const struct sv_bvcpu *x)
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(x->dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(x->dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(x->dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(x->dr[3]));
	__asm__ volatile("mov %0, %%dr6" : : "r"(x->dr6));
}

/*
 * Guest state the VMCS does not switch and the kernel never uses: the
 * x87/SSE registers (the kernel is built without SSE) and DR0-DR3/DR6
 * (guests write them without exits; DR7 is in the VMCS). It stays in the
 * processor while its vCPU is off it, and moves to memory only when
 * another vCPU is about to enter, so guests never see each other's.
 */
static void guest_state_switch_to(struct sv_bvcpu *v)
{
	struct sv_bvcpu *old = vmx.fpu_owner;

	if (old == v)
		return;
	if (old) {
		__asm__ volatile("fxsave64 %0" : "=m"(old->fpu));
		save_drs(old);
	}
	__asm__ volatile("fxrstor64 %0" : : "m"(v->fpu));
	load_drs(v);
	vmx.fpu_owner = v;
}

static int vmx_run(struct sv_bvcpu *v, struct sv_exit *exit)
{
	unsigned long flags = host_irq_save();
	enum vmx_status st;

	vmcs_load(v);
	guest_state_switch_to(v);
	if (v->preempt_value && (!v->preempt_saved ||
				 v->last.reason == SV_EXIT_PREEMPTION_TIMER))
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, v->preempt_value);
	account_monitor(v);
	st = vmx_enter(&v->g, v->launched);
	if (vmx.measure)
		v->exit_tsc = rdtsc();
	if (st != VMX_OK) {
		int err = vmx_failed(v->launched ? "VMRESUME" : "VMLAUNCH", st);

		host_irq_restore(flags);
		return err;
	}
	read_exit(v, exit);
	if (!(exit->reason_flags & SV_EXIT_FLAG_ENTRY_FAIL))
		v->launched = true;
	if (physmap_fault(v, exit)) {
		host_irq_restore(flags);
		return -SV_EFAULT;
	}
	requeue_vectoring(exit);
	v->last = *exit;
	host_irq_restore(flags);	/* a host interrupt that made the exit runs now */
	if (exit->reason == SV_EXIT_IO_INSTRUCTION &&
	    sv_io_qual_decode(exit->qualification).string &&
	    !(caps.basic & SV_VMX_BASIC_INOUT)) {
		/* the core needs the address size and segment from it */
		sv_printf("vmx: INS/OUTS at rip 0x%lx: this CPU reports no "
			  "instruction information for them (IA32_VMX_BASIC "
			  "bit 54), so they cannot be emulated\n",
			  (unsigned long)exit->rip);
		return -SV_ENOSYS;
	}
	return 0;
}

/*
 * Move past the exiting instruction; an IN's value goes to RAX first. (A
 * string instruction's elements were moved by the core, which calls this
 * once the last one is done.)
 */
static int vmx_complete_exit(struct sv_bvcpu *v, uint64_t value)
{
	unsigned long flags = host_irq_save();
	const struct sv_exit *x = &v->last;
	uint32_t intr;

	vmcs_load(v);
	if (x->reason == SV_EXIT_IO_INSTRUCTION) {
		struct sv_io_qual q = sv_io_qual_decode(x->qualification);

		if (q.in && !q.string) {	/* INS wrote memory, not RAX */
			if (q.size == 4)	/* a 32-bit write zero-extends */
				v->g.rax = (uint32_t)value;
			else {
				uint64_t mask = (1ull << (8 * q.size)) - 1;

				v->g.rax = (v->g.rax & ~mask) | (value & mask);
			}
		}
	}
	vmcs_writenat(GUEST_RIP, vmcs_readnat(GUEST_RIP) + x->instr_len);
	/* the instruction ran: STI / MOV SS blocking ends with it */
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (SV_INTERRUPTIBILITY_STI | SV_INTERRUPTIBILITY_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(SV_INTERRUPTIBILITY_STI |
				      SV_INTERRUPTIBILITY_MOV_SS));
	host_irq_restore(flags);
	return 0;
}

/* ------------------------------------------------------------------------
 * The ops: registers and segments
 * ------------------------------------------------------------------------ */

static int vmx_get_regs(struct sv_bvcpu *v, struct sv_regs *r)
{
	unsigned long flags = host_irq_save();

	vmcs_load(v);
	*r = (struct sv_regs){
		.rax = v->g.rax, .rbx = v->g.rbx, .rcx = v->g.rcx,
		.rdx = v->g.rdx, .rsi = v->g.rsi, .rdi = v->g.rdi,
		.rbp = v->g.rbp, .r8 = v->g.r8, .r9 = v->g.r9,
		.r10 = v->g.r10, .r11 = v->g.r11, .r12 = v->g.r12,
		.r13 = v->g.r13, .r14 = v->g.r14, .r15 = v->g.r15,
		.rsp = vmcs_readnat(GUEST_RSP),
		.rip = vmcs_readnat(GUEST_RIP),
		.rflags = vmcs_readnat(GUEST_RFLAGS),
	};
	host_irq_restore(flags);
	return 0;
}

static int vmx_set_regs(struct sv_bvcpu *v, const struct sv_regs *r)
{
	unsigned long flags = host_irq_save();

	vmcs_load(v);
	v->g.rax = r->rax; v->g.rbx = r->rbx; v->g.rcx = r->rcx;
	v->g.rdx = r->rdx; v->g.rsi = r->rsi; v->g.rdi = r->rdi;
	v->g.rbp = r->rbp; v->g.r8 = r->r8; v->g.r9 = r->r9;
	v->g.r10 = r->r10; v->g.r11 = r->r11; v->g.r12 = r->r12;
	v->g.r13 = r->r13; v->g.r14 = r->r14; v->g.r15 = r->r15;
	vmcs_writenat(GUEST_RSP, r->rsp);
	vmcs_writenat(GUEST_RIP, r->rip);
	vmcs_writenat(GUEST_RFLAGS, r->rflags | RFLAGS_FIXED1);
	host_irq_restore(flags);
	return 0;
}

/* Each segment register's four fields, widths checked below. */
static const struct seg_fields {
	uint16_t selector, limit, access, base;
} seg_fields[SV_SEG_COUNT] = {
#define SEG_ROW(idx, name) \
	[SV_SEG_##idx] = { SV_VMCS_GUEST_##name##_SELECTOR, \
			   SV_VMCS_GUEST_##name##_LIMIT, \
			   SV_VMCS_GUEST_##name##_AR, SV_VMCS_GUEST_##name##_BASE }
	SEG_ROW(ES, ES), SEG_ROW(CS, CS), SEG_ROW(SS, SS), SEG_ROW(DS, DS),
	SEG_ROW(FS, FS), SEG_ROW(GS, GS), SEG_ROW(LDTR, LDTR), SEG_ROW(TR, TR),
#undef SEG_ROW
};

#define SEG_WIDTHS(name) \
	SV_VMCS_ASSERT_WIDTH(SV_VMCS_GUEST_##name##_SELECTOR, SV_VMCS_W16); \
	SV_VMCS_ASSERT_WIDTH(SV_VMCS_GUEST_##name##_LIMIT, SV_VMCS_W32); \
	SV_VMCS_ASSERT_WIDTH(SV_VMCS_GUEST_##name##_AR, SV_VMCS_W32); \
	SV_VMCS_ASSERT_WIDTH(SV_VMCS_GUEST_##name##_BASE, SV_VMCS_WNAT)
SEG_WIDTHS(ES); SEG_WIDTHS(CS); SEG_WIDTHS(SS); SEG_WIDTHS(DS);
SEG_WIDTHS(FS); SEG_WIDTHS(GS); SEG_WIDTHS(LDTR); SEG_WIDTHS(TR);

static int vmx_get_segment(struct sv_bvcpu *v, enum sv_seg seg,
			   struct sv_segment *out)
{
	const struct seg_fields *f;
	unsigned long flags;

	if ((unsigned)seg >= SV_SEG_COUNT)
		return -SV_EINVAL;
	f = &seg_fields[seg];
	flags = host_irq_save();
	vmcs_load(v);
	out->selector = (uint16_t)vmx_read(f->selector);
	out->limit = (uint32_t)vmx_read(f->limit);
	out->access = (uint32_t)vmx_read(f->access);
	out->base = vmx_read(f->base);
	host_irq_restore(flags);
	return 0;
}

static int vmx_set_segment(struct sv_bvcpu *v, enum sv_seg seg,
			   const struct sv_segment *in)
{
	const struct seg_fields *f;
	unsigned long flags;

	if ((unsigned)seg >= SV_SEG_COUNT || (in->access & SV_AR_RESERVED))
		return -SV_EINVAL;
	f = &seg_fields[seg];
	flags = host_irq_save();
	vmcs_load(v);
	vmcs_put(f->selector, in->selector);
	vmcs_put(f->limit, in->limit);
	vmcs_put(f->access, in->access);
	vmcs_put(f->base, in->base);
	host_irq_restore(flags);
	return 0;
}

/* ------------------------------------------------------------------------
 * The ops: control registers
 *
 * set_cr/get_cr take the guest's architectural values (sv/backend.h); the
 * guest reads them from the read shadows. What the processor runs with
 * adds the bits VMX operation fixes, and, for a protected-mode guest
 * without paging on a CPU without unrestricted guest, paging on a table
 * the guest cannot see (CR0.PG and CR4.PSE set, CR3 accesses exiting so
 * the guest's own CR3 is kept): with EPT an identity map at the
 * guest-physical IDENTITY_MAP_GPA, without EPT the physmap, whose
 * host-physical CR3 maps guest RAM itself (physmap.h).
 * ------------------------------------------------------------------------ */

static bool on_identity_map(const struct sv_bvcpu *v)
{
	return !caps.unrestricted && !(v->cr0 & SV_CR0_PG);
}

static void set_cr3_exiting(struct sv_bvcpu *v, bool on)
{
	uint32_t bits = SV_CPU_BASED_CR3_LOAD_EXITING |
			SV_CPU_BASED_CR3_STORE_EXITING;
	uint32_t proc = on || !v->cr3_exiting_optional ? v->proc_ctls | bits :
							 v->proc_ctls & ~bits;

	if (proc != v->proc_ctls) {
		v->proc_ctls = proc;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	}
}

/* PAE paging without long mode reads its PDPTEs from the VMCS. */
static int load_pdptes(struct sv_bvcpu *v)
{
	uint64_t pdpte[4];

	if (vmx_read_gpa(v->vm, (gpa_t){ v->cr3 & ~0x1full }, pdpte,
			 sizeof(pdpte)))
		return -SV_EFAULT;
	vmcs_write64(GUEST_PDPTE0, pdpte[0]);
	vmcs_write64(GUEST_PDPTE1, pdpte[1]);
	vmcs_write64(GUEST_PDPTE2, pdpte[2]);
	vmcs_write64(GUEST_PDPTE3, pdpte[3]);
	return 0;
}

/* Write the processor's CR0/CR3/CR4 from the guest's view. */
static int realize_paging(struct sv_bvcpu *v)
{
	uint64_t cr0_fixed0 = caps.cr0_fixed0, cr0, cr4;

	if (!caps.ept && (v->cr0 & SV_CR0_PG))
		return -SV_ENOTSUP;	/* no shadow MMU yet: the core says so */
	if (caps.unrestricted)
		cr0_fixed0 &= ~(SV_CR0_PE | SV_CR0_PG);
	else if (!(v->cr0 & SV_CR0_PE)) {
		sv_printf("vmx: a real-mode guest needs unrestricted guest, "
			  "which this CPU lacks (the vm86 monitor is not "
			  "written yet)\n");
		return -SV_ENOTSUP;
	}
	cr0 = sv_vmx_cr_fixed(v->cr0, cr0_fixed0, caps.cr0_fixed1);
	cr4 = v->cr4;
	if (on_identity_map(v)) {
		cr0 |= SV_CR0_PG;
		cr4 = (cr4 | SV_CR4_PSE) & ~SV_CR4_PAE;
	}
	cr4 = sv_vmx_cr_fixed(cr4, caps.cr4_fixed0, caps.cr4_fixed1);
	vmcs_writenat(GUEST_CR0, cr0);
	vmcs_writenat(GUEST_CR4, cr4);
	vmcs_writenat(CR0_READ_SHADOW, v->cr0);
	vmcs_writenat(CR4_READ_SHADOW, v->cr4);
	set_cr3_exiting(v, on_identity_map(v));
	if (on_identity_map(v)) {
		vmcs_writenat(GUEST_CR3, caps.ept ? IDENTITY_MAP_GPA :
						   v->vm->physmap.pd_pa.v);
		return 0;
	}
	vmcs_writenat(GUEST_CR3, v->cr3);
	if ((v->cr0 & SV_CR0_PG) && (v->cr4 & SV_CR4_PAE))
		return load_pdptes(v);
	return 0;
}

static int vmx_get_cr(struct sv_bvcpu *v, enum sv_cr cr, uint64_t *val)
{
	unsigned long flags = host_irq_save();
	int err = 0;

	vmcs_load(v);
	switch (cr) {
	case SV_CR0: *val = v->cr0; break;
	case SV_CR2: *val = v->g.cr2; break;
	case SV_CR3:	/* the guest loads CR3 itself unless CR3 exits */
		*val = on_identity_map(v) ? v->cr3 : vmcs_readnat(GUEST_CR3);
		break;
	case SV_CR4: *val = v->cr4; break;
	default: err = -SV_EINVAL; break;
	}
	host_irq_restore(flags);
	return err;
}

static int vmx_set_cr(struct sv_bvcpu *v, enum sv_cr cr, uint64_t val)
{
	unsigned long flags = host_irq_save();
	uint64_t old0 = v->cr0, old3 = v->cr3, old4 = v->cr4;
	int err;

	vmcs_load(v);
	if (!on_identity_map(v))	/* catch up with the guest's own loads */
		v->cr3 = vmcs_readnat(GUEST_CR3);
	switch (cr) {
	case SV_CR0: v->cr0 = val; break;
	case SV_CR2: v->g.cr2 = val; break;
	case SV_CR3: v->cr3 = val; break;
	case SV_CR4:
		if (val & SV_CR4_VMXE) {	/* no nested VMX */
			host_irq_restore(flags);
			return -SV_EINVAL;
		}
		v->cr4 = val;
		break;
	default:
		host_irq_restore(flags);
		return -SV_EINVAL;
	}
	err = cr == SV_CR2 ? 0 : realize_paging(v);
	if (err) {
		v->cr0 = old0;
		v->cr3 = old3;
		v->cr4 = old4;
	}
	host_irq_restore(flags);
	return err;
}

/* ------------------------------------------------------------------------
 * The ops: MSRs and CPUID
 * ------------------------------------------------------------------------ */

static int vmx_get_msr(struct sv_bvcpu *v, uint32_t msr, uint64_t *val)
{
	unsigned long flags = host_irq_save();
	int err = 0;

	vmcs_load(v);
	switch (msr) {
	case SV_MSR_IA32_SYSENTER_CS: *val = vmcs_read32(GUEST_IA32_SYSENTER_CS); break;
	case SV_MSR_IA32_SYSENTER_ESP: *val = vmcs_readnat(GUEST_IA32_SYSENTER_ESP); break;
	case SV_MSR_IA32_SYSENTER_EIP: *val = vmcs_readnat(GUEST_IA32_SYSENTER_EIP); break;
	case SV_MSR_IA32_EFER:
		*val = v->efer_in_vmcs ? vmcs_read64(GUEST_IA32_EFER) : v->efer;
		break;
	case SV_MSR_IA32_FS_BASE: *val = vmcs_readnat(GUEST_FS_BASE); break;
	case SV_MSR_IA32_GS_BASE: *val = vmcs_readnat(GUEST_GS_BASE); break;
	case SV_MSR_IA32_KERNEL_GS_BASE: *val = v->kernel_gs_base; break;
	case SV_MSR_IA32_PAT: *val = v->pat; break;
	case SV_MSR_IA32_TSC: *val = rdtsc() + vmcs_read64(TSC_OFFSET); break;
	default: err = -SV_ENOENT; break;
	}
	host_irq_restore(flags);
	return err;
}

static int vmx_set_msr(struct sv_bvcpu *v, uint32_t msr, uint64_t val)
{
	unsigned long flags = host_irq_save();
	int err = 0;

	vmcs_load(v);
	switch (msr) {
	case SV_MSR_IA32_SYSENTER_CS: vmcs_write32(GUEST_IA32_SYSENTER_CS, val); break;
	case SV_MSR_IA32_SYSENTER_ESP: vmcs_writenat(GUEST_IA32_SYSENTER_ESP, val); break;
	case SV_MSR_IA32_SYSENTER_EIP: vmcs_writenat(GUEST_IA32_SYSENTER_EIP, val); break;
	case SV_MSR_IA32_EFER:
		if (v->efer_in_vmcs)
			vmcs_write64(GUEST_IA32_EFER, val);
		else
			v->efer = val;
		break;
	case SV_MSR_IA32_FS_BASE: vmcs_writenat(GUEST_FS_BASE, val); break;
	case SV_MSR_IA32_GS_BASE: vmcs_writenat(GUEST_GS_BASE, val); break;
	/* held, not loaded: a 32-bit guest has no SWAPGS, and the
	 * processor's PAT stays the host's (guest RAM is write-back) */
	case SV_MSR_IA32_KERNEL_GS_BASE: v->kernel_gs_base = val; break;
	case SV_MSR_IA32_PAT: v->pat = val; break;
	case SV_MSR_IA32_TSC:
		vmcs_write64(TSC_OFFSET, val - rdtsc());
		v->proc_ctls |= SV_CPU_BASED_USE_TSC_OFFSETTING;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, v->proc_ctls);
		break;
	default: err = -SV_ENOENT; break;
	}
	host_irq_restore(flags);
	return err;
}

static int vmx_cpuid(struct sv_bvcpu *v, uint32_t leaf, uint32_t subleaf,
		     struct sv_cpuid *out)
{
	struct cpuid_regs r = cpuid(leaf, subleaf);

	(void)v;
	*out = (struct sv_cpuid){ r.eax, r.ebx, r.ecx, r.edx };
	return 0;
}

/* ------------------------------------------------------------------------
 * The ops: events
 * ------------------------------------------------------------------------ */

static int vmx_inject_event(struct sv_bvcpu *v, const struct sv_event *ev)
{
	unsigned long flags;
	int err = 0;

	if (ev->type > SV_INTR_TYPE_OTHER || ev->type == 1)
		return -SV_EINVAL;
	flags = host_irq_save();
	vmcs_load(v);
	if (vmcs_read32(VM_ENTRY_INTR_INFO) & SV_INTR_INFO_VALID) {
		err = -SV_EBUSY;	/* an interrupted delivery goes first */
	} else {
		vmcs_write32(VM_ENTRY_INTR_INFO,
			     sv_intr_info_make(ev->vector, ev->type,
					       ev->has_error));
		if (ev->has_error)
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error);
		if (ev->type == SV_INTR_TYPE_SW_INTR ||
		    ev->type == SV_INTR_TYPE_SW_EXCEPTION ||
		    ev->type == SV_INTR_TYPE_PRIV_SW_EXCEPTION)
			vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, v->last.instr_len);
		/* delivery wakes a halted processor */
		vmcs_write32(GUEST_ACTIVITY_STATE, SV_ACTIVITY_ACTIVE);
	}
	host_irq_restore(flags);
	return err;
}

static int vmx_interrupt_ready(struct sv_bvcpu *v, bool *ready)
{
	unsigned long flags = host_irq_save();

	vmcs_load(v);
	*ready = (vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF) &&
		 !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		   (SV_INTERRUPTIBILITY_STI | SV_INTERRUPTIBILITY_MOV_SS)) &&
		 !(vmcs_read32(VM_ENTRY_INTR_INFO) & SV_INTR_INFO_VALID);
	host_irq_restore(flags);
	return 0;
}

static int vmx_set_window(struct sv_bvcpu *v, enum sv_window w, bool on)
{
	uint32_t bit = w == SV_WINDOW_INTERRUPT ? SV_CPU_BASED_INTR_WINDOW_EXITING :
						  SV_CPU_BASED_NMI_WINDOW_EXITING;
	unsigned long flags;

	if (!(sv_vmx_ctl_may1(caps.proc) & bit))
		return -SV_ENOTSUP;
	flags = host_irq_save();
	vmcs_load(v);
	v->proc_ctls = on ? v->proc_ctls | bit : v->proc_ctls & ~bit;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, v->proc_ctls);
	host_irq_restore(flags);
	return 0;
}

const struct sv_backend_ops vmx_backend_ops = SV_BACKEND_TABLE(vmx, "vmx");

/* ------------------------------------------------------------------------
 * Measurements
 * ------------------------------------------------------------------------ */

void vmx_measure_exits(bool on)
{
	vmx.measure = on;
}

void vmx_print_exit_costs(const struct sv_bvm *vm, sv_sink_fn sink, void *ctx)
{
	const struct sv_bvcpu *v = vm ? vm->vcpu : NULL;

	if (!v)
		return;
	for (unsigned r = 0; r < SV_EXIT_REASON_MAX; r++) {
		const struct vmx_exit_cost *c = &v->cost[r];

		if (c->count)
			sv_format(sink, ctx, "vmx: exit %s: %lu exits, monitor "
				  "%lu min / %lu mean TSC ticks exit to entry\n",
				  sv_exit_reason_name(r), (unsigned long)c->count,
				  (unsigned long)c->min,
				  (unsigned long)(c->total / c->count));
	}
}

uint64_t vmx_trace_features(void)
{
	char why[160];
	uint64_t f = 0;

	if (!vmx_usable(why, sizeof(why)) && !caps.basic)
		return 0;
	f |= SV_TRACE_CPU_VMX;
	f |= caps.ept ? SV_TRACE_CPU_EPT : 0;
	f |= caps.unrestricted ? SV_TRACE_CPU_UNRESTRICTED : 0;
	f |= caps.vpid ? SV_TRACE_CPU_VPID : 0;
	return f;
}
