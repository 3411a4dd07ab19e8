/*
 * Tests for sv/vmx.h and common/vmx_names.c: the exit-reason, VMCS-field and
 * VM-instruction-error lists against the SDM, the consistency of every VMCS
 * encoding with its declared width, and the decoders of the bit layouts on
 * hand-built values (the hex constants below are worked out from the SDM
 * tables, not from the header's macros).
 */
#include "sv/errno.h"
#include "sv/vmx.h"
#include "sv/vmx_ctl.h"
#include "sv_test.h"

/* ---- exit reasons ---- */

static const struct {
	const char *name;
	unsigned value;
} exits[] = {
#define EXIT_ROW(name, value) { #name, (value) },
	SV_EXIT_REASONS(EXIT_ROW)
#undef EXIT_ROW
};

static const char *listed_exit(unsigned value)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(exits); i++)
		if (exits[i].value == value)
			return exits[i].name;
	return NULL;
}

static void test_exit_reason_values(void)
{
	SV_CHECK_EQ_U64(SV_EXIT_EXCEPTION_NMI, 0);
	SV_CHECK_EQ_U64(SV_EXIT_EXTERNAL_INTERRUPT, 1);
	SV_CHECK_EQ_U64(SV_EXIT_TRIPLE_FAULT, 2);
	SV_CHECK_EQ_U64(SV_EXIT_INTERRUPT_WINDOW, 7);
	SV_CHECK_EQ_U64(SV_EXIT_CPUID, 10);
	SV_CHECK_EQ_U64(SV_EXIT_HLT, 12);
	SV_CHECK_EQ_U64(SV_EXIT_CR_ACCESS, 28);
	SV_CHECK_EQ_U64(SV_EXIT_IO_INSTRUCTION, 30);
	SV_CHECK_EQ_U64(SV_EXIT_MSR_READ, 31);
	SV_CHECK_EQ_U64(SV_EXIT_ENTRY_FAIL_GUEST_STATE, 33);
	SV_CHECK_EQ_U64(SV_EXIT_MONITOR_TRAP_FLAG, 37);
	SV_CHECK_EQ_U64(SV_EXIT_EPT_VIOLATION, 48);
	SV_CHECK_EQ_U64(SV_EXIT_EPT_MISCONFIG, 49);
	SV_CHECK_EQ_U64(SV_EXIT_PREEMPTION_TIMER, 52);
	SV_CHECK_EQ_U64(SV_EXIT_XSETBV, 55);
	SV_CHECK_EQ_U64(SV_EXIT_BUS_LOCK, 74);
	SV_CHECK_EQ_U64(SV_EXIT_NOTIFY, 75);
}

static void test_exit_reason_names(void)
{
	static const unsigned gaps[] = { 35, 38, 42, 71, 82, 83 };
	unsigned largest = 0;

	/* Every value below MAX is either listed, with its own name, or a gap
	 * the SDM leaves undefined. */
	for (unsigned v = 0; v < SV_EXIT_REASON_MAX; v++) {
		const char *name = listed_exit(v);

		SV_CHECK_STR_EQ(sv_exit_reason_name(v), name ? name : "UNKNOWN");
	}
	for (size_t i = 0; i < SV_ARRAY_SIZE(gaps); i++) {
		SV_CHECK(listed_exit(gaps[i]) == NULL);
		SV_CHECK_STR_EQ(sv_exit_reason_name(gaps[i]), "UNKNOWN");
	}
	SV_CHECK_EQ_U64(SV_ARRAY_SIZE(exits),
			SV_EXIT_REASON_MAX - SV_ARRAY_SIZE(gaps));
	for (size_t i = 0; i < SV_ARRAY_SIZE(exits); i++)
		if (exits[i].value > largest)
			largest = exits[i].value;
	SV_CHECK_EQ_U64(largest + 1, SV_EXIT_REASON_MAX);

	SV_CHECK_STR_EQ(sv_exit_reason_name(SV_EXIT_IO_INSTRUCTION),
			"IO_INSTRUCTION");
	SV_CHECK_STR_EQ(sv_exit_reason_name(0), "EXCEPTION_NMI");
	SV_CHECK_STR_EQ(sv_exit_reason_name(48), "EPT_VIOLATION");
	SV_CHECK_STR_EQ(sv_exit_reason_name(SV_EXIT_REASON_MAX), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_exit_reason_name(0xffff), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_exit_reason_name(~0u), "UNKNOWN");
}

/* ---- VMCS fields ---- */

struct field {
	const char *name;
	unsigned enc;
	unsigned width;
	unsigned type;
	int high;
};

static const struct field fields[] = {
#define FIELD_ROW(fname, fenc, w, t, fhigh) \
	{ #fname, (fenc), SV_VMCS_##w, SV_VMCS_TYPE_##t, (fhigh) },
	SV_VMCS_ALL_FIELDS(FIELD_ROW)
#undef FIELD_ROW
};

static const struct field *find_field(unsigned enc)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(fields); i++)
		if (fields[i].enc == enc)
			return &fields[i];
	return NULL;
}

static bool ends_with_high(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, "_HIGH") == 0;
}

static void test_vmcs_field_widths(void)
{
	size_t highs = 0, fulls64 = 0;

	SV_CHECK_EQ_U64(SV_ARRAY_SIZE(fields), SV_VMCS_FIELD_COUNT);
	for (size_t i = 0; i < SV_ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];

		SV_CHECK_EQ_U64(SV_VMCS_FIELD_WIDTH(f->enc), f->width);
		SV_CHECK_EQ_U64(SV_VMCS_FIELD_TYPE(f->enc), f->type);
		SV_CHECK_EQ_U64(f->enc & SV_VMCS_FIELD_RESERVED, 0);
		SV_CHECK_EQ_U64(SV_VMCS_FIELD_IS_HIGH(f->enc), f->high);
		SV_CHECK_EQ_U64(ends_with_high(f->name), f->high);
		if (f->width == SV_VMCS_W64 && !f->high)
			fulls64++;
		if (!f->high)
			continue;

		/* A _HIGH half: 64-bit class, odd, and the twin of a full field
		 * of the same type whose name it extends. */
		const struct field *full = find_field(f->enc - 1);

		highs++;
		SV_CHECK_EQ_U64(f->width, SV_VMCS_W64);
		SV_CHECK_EQ_U64(f->enc & 1, 1);
		SV_CHECK(full != NULL);
		if (!full)
			continue;
		SV_CHECK_EQ_U64(full->width, SV_VMCS_W64);
		SV_CHECK_EQ_U64(full->type, f->type);
		SV_CHECK_EQ_U64(full->high, 0);
		SV_CHECK(strlen(full->name) + 5 == strlen(f->name) &&
			 strncmp(full->name, f->name, strlen(full->name)) == 0);
	}
	/* Every 64-bit field has exactly one _HIGH twin. */
	SV_CHECK_EQ_U64(highs, fulls64);
}

static void test_vmcs_field_encodings(void)
{
	/* SDM appendix B */
	SV_CHECK_EQ_U64(SV_VMCS_VIRTUAL_PROCESSOR_ID, 0x0000);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_ES_SELECTOR, 0x0800);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_TR_SELECTOR, 0x080e);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_TR_SELECTOR, 0x0c0c);
	SV_CHECK_EQ_U64(SV_VMCS_IO_BITMAP_A, 0x2000);
	SV_CHECK_EQ_U64(SV_VMCS_IO_BITMAP_A_HIGH, 0x2001);
	SV_CHECK_EQ_U64(SV_VMCS_MSR_BITMAP, 0x2004);
	SV_CHECK_EQ_U64(SV_VMCS_EPT_POINTER, 0x201a);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x2400);
	SV_CHECK_EQ_U64(SV_VMCS_VMCS_LINK_POINTER, 0x2800);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_IA32_EFER, 0x2806);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_PDPTE3_HIGH, 0x2811);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_IA32_EFER, 0x2c02);
	SV_CHECK_EQ_U64(SV_VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x4000);
	SV_CHECK_EQ_U64(SV_VMCS_CPU_BASED_VM_EXEC_CONTROL, 0x4002);
	SV_CHECK_EQ_U64(SV_VMCS_EXCEPTION_BITMAP, 0x4004);
	SV_CHECK_EQ_U64(SV_VMCS_VM_ENTRY_INTR_INFO, 0x4016);
	SV_CHECK_EQ_U64(SV_VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e);
	SV_CHECK_EQ_U64(SV_VMCS_VM_INSTRUCTION_ERROR, 0x4400);
	SV_CHECK_EQ_U64(SV_VMCS_VM_EXIT_REASON, 0x4402);
	SV_CHECK_EQ_U64(SV_VMCS_VM_EXIT_INSTRUCTION_LEN, 0x440c);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_ES_AR, 0x4814);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x4824);
	SV_CHECK_EQ_U64(SV_VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_IA32_SYSENTER_CS, 0x4c00);
	SV_CHECK_EQ_U64(SV_VMCS_CR0_GUEST_HOST_MASK, 0x6000);
	SV_CHECK_EQ_U64(SV_VMCS_EXIT_QUALIFICATION, 0x6400);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_LINEAR_ADDRESS, 0x640a);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_CR0, 0x6800);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_RSP, 0x681c);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_RIP, 0x681e);
	SV_CHECK_EQ_U64(SV_VMCS_GUEST_RFLAGS, 0x6820);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_CR3, 0x6c02);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_RSP, 0x6c14);
	SV_CHECK_EQ_U64(SV_VMCS_HOST_RIP, 0x6c16);

	/* The encoding macros on a field built from its parts (index 13 of
	 * the 64-bit controls is the EPT pointer). */
	SV_CHECK_EQ_U64(SV_VMCS_ENCODE(SV_VMCS_W64, SV_VMCS_TYPE_CTRL, 13, 0),
			SV_VMCS_EPT_POINTER);
	SV_CHECK_EQ_U64(SV_VMCS_FIELD_INDEX(SV_VMCS_EPT_POINTER), 13);
	SV_CHECK_EQ_U64(SV_VMCS_FIELD_WIDTH(SV_VMCS_HOST_RIP), SV_VMCS_WNAT);
	SV_CHECK_EQ_U64(SV_VMCS_FIELD_TYPE(SV_VMCS_HOST_RIP), SV_VMCS_TYPE_HOST);
	SV_CHECK_EQ_U64(SV_VMCS_FIELD_TYPE(SV_VMCS_VM_EXIT_REASON),
			SV_VMCS_TYPE_RO);
}

static void test_vmcs_field_unique(void)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(fields); i++)
		for (size_t j = i + 1; j < SV_ARRAY_SIZE(fields); j++) {
			if (fields[i].enc == fields[j].enc)
				SV_TEST_FAIL_(__FILE__, __LINE__,
					"%s and %s share encoding 0x%04x",
					fields[i].name, fields[j].name,
					fields[i].enc);
			if (strcmp(fields[i].name, fields[j].name) == 0)
				SV_TEST_FAIL_(__FILE__, __LINE__,
					"name %s appears twice", fields[i].name);
		}
	CU_PASS("encodings and names unique");
}

static void test_vmcs_field_names(void)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(fields); i++)
		SV_CHECK_STR_EQ(sv_vmcs_field_name(fields[i].enc),
				fields[i].name);
	SV_CHECK_STR_EQ(sv_vmcs_field_name(SV_VMCS_GUEST_RIP), "GUEST_RIP");
	SV_CHECK_STR_EQ(sv_vmcs_field_name(0x2001), "IO_BITMAP_A_HIGH");
	SV_CHECK_STR_EQ(sv_vmcs_field_name(0x4402), "VM_EXIT_REASON");
	SV_CHECK(sv_vmcs_field_name(0x6c1e) == NULL);	/* past HOST_ */
	SV_CHECK(sv_vmcs_field_name(0x4401) == NULL);	/* 32-bit, odd */
	SV_CHECK(sv_vmcs_field_name(0xffffffffu) == NULL);
}

/* ---- VM-instruction errors ---- */

static void test_vm_insn_errors(void)
{
	SV_CHECK_EQ_U64(SV_VMERR_VMCALL_IN_ROOT, 1);
	SV_CHECK_EQ_U64(SV_VMERR_ENTRY_INVALID_CTRL, 7);
	SV_CHECK_EQ_U64(SV_VMERR_ENTRY_INVALID_HOST, 8);
	SV_CHECK_EQ_U64(SV_VMERR_VMPTRLD_BAD_REVISION, 11);
	SV_CHECK_EQ_U64(SV_VMERR_UNSUPPORTED_FIELD, 12);
	SV_CHECK_EQ_U64(SV_VMERR_VMXON_IN_ROOT, 15);
	SV_CHECK_EQ_U64(SV_VMERR_ENTRY_MOV_SS_BLOCKING, 26);
	SV_CHECK_EQ_U64(SV_VMERR_INVALID_INVEPT_INVVPID, 28);

	SV_CHECK_STR_EQ(sv_vm_insn_error_name(7),
			"VM entry with invalid control field(s)");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(8),
			"VM entry with invalid host-state field(s)");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(4),
			"VMLAUNCH with non-clear VMCS");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(12),
			"VMREAD/VMWRITE from/to unsupported VMCS component");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(28),
			"Invalid operand to INVEPT/INVVPID");
	/* 0 is no error number; 14, 21 and 27 are unused. */
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(0), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(14), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(21), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(27), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(SV_VMERR_MAX), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_vm_insn_error_name(~0u), "UNKNOWN");

	/* Every listed number has its own description. */
#define ERR_ROW(name, num, desc) SV_CHECK_STR_EQ(sv_vm_insn_error_name(num), desc);
	SV_VM_INSN_ERRORS(ERR_ROW)
#undef ERR_ROW
}

/* ---- interruption information ---- */

static void test_intr_info(void)
{
	struct sv_intr_info i;

	/* External interrupt 0x20 (timer through the PIC). */
	i = sv_intr_info_decode(0x80000020u);
	SV_CHECK_EQ_U64(i.vector, 0x20);
	SV_CHECK_EQ_U64(i.type, SV_INTR_TYPE_EXT_INTR);
	SV_CHECK(!i.has_error && !i.nmi_unblock && i.valid);

	/* #PF: hardware exception 14 with an error code, after an IRET that
	 * unblocked NMIs. */
	i = sv_intr_info_decode(0x80001b0eu);
	SV_CHECK_EQ_U64(i.vector, 14);
	SV_CHECK_EQ_U64(i.type, SV_INTR_TYPE_HW_EXCEPTION);
	SV_CHECK(i.has_error && i.nmi_unblock && i.valid);

	/* An invalid field decodes as such. */
	i = sv_intr_info_decode(0x00000202u);
	SV_CHECK_EQ_U64(i.type, SV_INTR_TYPE_NMI);
	SV_CHECK(!i.valid);

	SV_CHECK_EQ_U64(sv_intr_info_make(2, SV_INTR_TYPE_NMI, false),
			0x80000202u);
	SV_CHECK_EQ_U64(sv_intr_info_make(13, SV_INTR_TYPE_HW_EXCEPTION, true),
			0x80000b0du);
	SV_CHECK_EQ_U64(sv_intr_info_make(0x80, SV_INTR_TYPE_SW_INTR, false),
			0x80000480u);
	SV_CHECK_EQ_U64(sv_intr_info_make(3, SV_INTR_TYPE_SW_EXCEPTION, false),
			0x80000603u);
	SV_CHECK_EQ_U64(sv_intr_info_make(1, SV_INTR_TYPE_PRIV_SW_EXCEPTION,
					  false), 0x80000501u);

	SV_CHECK_STR_EQ(sv_intr_type_name(SV_INTR_TYPE_EXT_INTR), "EXT_INTR");
	SV_CHECK_STR_EQ(sv_intr_type_name(2), "NMI");
	SV_CHECK_STR_EQ(sv_intr_type_name(3), "HW_EXCEPTION");
	SV_CHECK_STR_EQ(sv_intr_type_name(4), "SW_INTR");
	SV_CHECK_STR_EQ(sv_intr_type_name(5), "PRIV_SW_EXCEPTION");
	SV_CHECK_STR_EQ(sv_intr_type_name(6), "SW_EXCEPTION");
	SV_CHECK_STR_EQ(sv_intr_type_name(7), "OTHER");
	SV_CHECK_STR_EQ(sv_intr_type_name(1), "UNKNOWN");
	SV_CHECK_STR_EQ(sv_intr_type_name(8), "UNKNOWN");
}

/* ---- exit qualifications ---- */

static void test_io_qual(void)
{
	struct sv_io_qual io;

	/* in al, dx with DX = 0x3f8: 1 byte, IN, port in DX. */
	io = sv_io_qual_decode(0x03f80008);
	SV_CHECK_EQ_U64(io.port, 0x3f8);
	SV_CHECK_EQ_U64(io.size, 1);
	SV_CHECK(io.in && !io.string && !io.rep && !io.imm);
	SV_CHECK(sv_io_qual_valid(0x03f80008));

	/* rep outsw with DX = 0x1f0 (string I/O always takes its port from
	 * DX): 2 bytes, OUT, string, REP. */
	io = sv_io_qual_decode(0x01f00031);
	SV_CHECK_EQ_U64(io.port, 0x1f0);
	SV_CHECK_EQ_U64(io.size, 2);
	SV_CHECK(!io.in && io.string && io.rep && !io.imm);

	/* out 0x80, al: port from an immediate. */
	io = sv_io_qual_decode(0x00800040);
	SV_CHECK_EQ_U64(io.port, 0x80);
	SV_CHECK_EQ_U64(io.size, 1);
	SV_CHECK(!io.in && !io.string && !io.rep && io.imm);

	/* in eax, 0x71: 4 bytes, immediate port. */
	io = sv_io_qual_decode(0x0071004b);
	SV_CHECK_EQ_U64(io.port, 0x71);
	SV_CHECK_EQ_U64(io.size, 4);
	SV_CHECK(io.in && io.imm);

	/* The encoder produces what hardware would. */
	SV_CHECK_EQ_U64(sv_io_qual_make(0x3f8, 1, true, false, false, false),
			0x03f80008);
	SV_CHECK_EQ_U64(sv_io_qual_make(0x1f0, 2, false, true, true, false),
			0x01f00031);
	SV_CHECK_EQ_U64(sv_io_qual_make(0xcfc, 4, true, false, false, false),
			0x0cfc000b);
	SV_CHECK_EQ_U64(sv_io_qual_make(0xffff, 1, false, false, false, true),
			0xffff0040);

	/* Size 3 bytes (field 2) and reserved bits are not hardware's. */
	SV_CHECK(!sv_io_qual_valid(0x03f8000a));
	SV_CHECK(!sv_io_qual_valid(0x03f80088));
	SV_CHECK(!sv_io_qual_valid(0x1000003f80008ull));
	SV_CHECK(sv_io_qual_valid(0xffff000b));	/* in eax, dx */
}

static void test_cr_qual(void)
{
	struct sv_cr_qual cr;

	/* mov cr3, rax */
	cr = sv_cr_qual_decode(0x3);
	SV_CHECK_EQ_U64(cr.cr, 3);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_MOV_TO_CR);
	SV_CHECK_EQ_U64(cr.gpr, SV_VMX_GPR_RAX);

	/* mov cr0, r12 */
	cr = sv_cr_qual_decode(0xc00);
	SV_CHECK_EQ_U64(cr.cr, 0);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_MOV_TO_CR);
	SV_CHECK_EQ_U64(cr.gpr, SV_VMX_GPR_R12);

	/* mov rdx, cr8 */
	cr = sv_cr_qual_decode(0x218);
	SV_CHECK_EQ_U64(cr.cr, 8);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_MOV_FROM_CR);
	SV_CHECK_EQ_U64(cr.gpr, SV_VMX_GPR_RDX);

	/* clts */
	cr = sv_cr_qual_decode(0x20);
	SV_CHECK_EQ_U64(cr.cr, 0);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_CLTS);

	/* lmsw ax with AX = 0x0001 */
	cr = sv_cr_qual_decode(0x00010030);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_LMSW);
	SV_CHECK(!cr.lmsw_mem);
	SV_CHECK_EQ_U64(cr.lmsw_data, 0x0001);

	/* lmsw [mem] with source 0x000f */
	cr = sv_cr_qual_decode(0x000f0070);
	SV_CHECK_EQ_U64(cr.access, SV_CR_ACCESS_LMSW);
	SV_CHECK(cr.lmsw_mem);
	SV_CHECK_EQ_U64(cr.lmsw_data, 0x000f);
}

static void test_dr_qual(void)
{
	struct sv_dr_qual dr;

	/* mov rax, dr7 */
	dr = sv_dr_qual_decode(0x17);
	SV_CHECK_EQ_U64(dr.dr, 7);
	SV_CHECK(dr.from_dr);
	SV_CHECK_EQ_U64(dr.gpr, SV_VMX_GPR_RAX);

	/* mov dr0, r9 */
	dr = sv_dr_qual_decode(0x900);
	SV_CHECK_EQ_U64(dr.dr, 0);
	SV_CHECK(!dr.from_dr);
	SV_CHECK_EQ_U64(dr.gpr, SV_VMX_GPR_R9);
}

static void test_ept_qual(void)
{
	struct sv_ept_qual e;

	/* A write to a page the EPT maps read-only, at the final translation
	 * of a valid guest-linear address. */
	e = sv_ept_qual_decode(0x18a);
	SV_CHECK_EQ_U64(e.access, SV_EPT_PERM_W);
	SV_CHECK_EQ_U64(e.perm, SV_EPT_PERM_R);
	SV_CHECK(e.gla_valid && e.gla_translated && !e.nmi_unblock);

	/* An instruction fetch through a not-present EPT entry during the
	 * guest's own page walk (a paging-structure access). */
	e = sv_ept_qual_decode(0x84);
	SV_CHECK_EQ_U64(e.access, SV_EPT_PERM_X);
	SV_CHECK_EQ_U64(e.perm, 0);
	SV_CHECK(e.gla_valid && !e.gla_translated);

	/* A read of an execute-only page (user-executable too, with MBEC)
	 * while IRET unblocked NMIs; no linear address (PDPTE load). */
	e = sv_ept_qual_decode(0x1061);
	SV_CHECK_EQ_U64(e.access, SV_EPT_PERM_R);
	SV_CHECK_EQ_U64(e.perm, SV_EPT_PERM_X | SV_EPT_PERM_XU);
	SV_CHECK(!e.gla_valid && e.nmi_unblock);

	SV_CHECK_EQ_U64(SV_EPT_QUAL_GLA_VALID, 0x80);
	SV_CHECK_EQ_U64(SV_EPT_QUAL_GLA_TRANSLATED, 0x100);
	SV_CHECK_EQ_U64(SV_EPT_QUAL_NMI_UNBLOCK, 0x1000);
}

/* ---- access rights, controls, MSRs ---- */

static void test_access_rights(void)
{
	/* 64-bit ring-0 code: type 0xb (execute/read, accessed), S, P, L, G. */
	SV_CHECK_EQ_U64(SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE |
			SV_AR_TYPE_ACCESSED | SV_AR_S | SV_AR_P | SV_AR_L |
			SV_AR_G, 0xa09b);
	/* Flat 32-bit ring-3 data: type 3, S, DPL 3, P, D/B, G. */
	SV_CHECK_EQ_U64(SV_AR_TYPE_WRITABLE | SV_AR_TYPE_ACCESSED | SV_AR_S |
			(3u << SV_AR_DPL_SHIFT) | SV_AR_P | SV_AR_DB | SV_AR_G,
			0xc0f3);
	SV_CHECK_EQ_U64(SV_AR_DPL(0xc0f3), 3);
	SV_CHECK_EQ_U64(SV_AR_DPL(0xa09b), 0);
	SV_CHECK_EQ_U64(SV_AR_UNUSABLE, 0x10000);
	SV_CHECK_EQ_U64(SV_AR_AVL, 0x1000);
	/* Busy 64-bit TSS as VM entry wants TR. */
	SV_CHECK_EQ_U64(SV_AR_TYPE_TSS_BUSY | SV_AR_P, 0x8b);
}

static void test_controls_and_msrs(void)
{
	SV_CHECK_EQ_U64(SV_MSR_IA32_FEATURE_CONTROL, 0x3a);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_BASIC, 0x480);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_PROCBASED_CTLS2, 0x48b);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_EPT_VPID_CAP, 0x48c);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x48d);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x490);
	SV_CHECK_EQ_U64(SV_MSR_IA32_VMX_VMFUNC, 0x491);
	SV_CHECK_EQ_U64(SV_FEATURE_CONTROL_LOCKED |
			SV_FEATURE_CONTROL_VMX_OUTSIDE_SMX, 0x5);

	SV_CHECK_EQ_U64(SV_PIN_BASED_EXT_INTR_EXITING, 0x1);
	SV_CHECK_EQ_U64(SV_PIN_BASED_NMI_EXITING, 0x8);
	SV_CHECK_EQ_U64(SV_PIN_BASED_VIRTUAL_NMIS, 0x20);
	SV_CHECK_EQ_U64(SV_PIN_BASED_PREEMPTION_TIMER, 0x40);
	SV_CHECK_EQ_U64(SV_CPU_BASED_INTR_WINDOW_EXITING, 0x4);
	SV_CHECK_EQ_U64(SV_CPU_BASED_HLT_EXITING, 0x80);
	SV_CHECK_EQ_U64(SV_CPU_BASED_NMI_WINDOW_EXITING, 0x400000);
	SV_CHECK_EQ_U64(SV_CPU_BASED_UNCOND_IO_EXITING, 0x1000000);
	SV_CHECK_EQ_U64(SV_CPU_BASED_USE_IO_BITMAPS, 0x2000000);
	SV_CHECK_EQ_U64(SV_CPU_BASED_MONITOR_TRAP_FLAG, 0x8000000);
	SV_CHECK_EQ_U64(SV_CPU_BASED_USE_MSR_BITMAPS, 0x10000000);
	SV_CHECK_EQ_U64(SV_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0x80000000);
	SV_CHECK_EQ_U64(SV_SECONDARY_ENABLE_EPT, 0x2);
	SV_CHECK_EQ_U64(SV_SECONDARY_ENABLE_VPID, 0x20);
	SV_CHECK_EQ_U64(SV_SECONDARY_UNRESTRICTED_GUEST, 0x80);
	SV_CHECK_EQ_U64(SV_VM_EXIT_HOST_ADDR_SPACE_SIZE, 0x200);
	SV_CHECK_EQ_U64(SV_VM_EXIT_ACK_INTR_ON_EXIT, 0x8000);
	SV_CHECK_EQ_U64(SV_VM_EXIT_SAVE_IA32_EFER | SV_VM_EXIT_LOAD_IA32_EFER,
			0x300000);
	SV_CHECK_EQ_U64(SV_VM_ENTRY_IA32E_MODE_GUEST, 0x200);
	SV_CHECK_EQ_U64(SV_VM_ENTRY_LOAD_IA32_EFER, 0x8000);

	/* IA32_VMX_BASIC as a Core i7 reports it: revision 4, 1 KiB regions,
	 * write-back, dual-monitor, INS/OUTS info, true controls. */
	uint64_t basic = 0x00da040000000004ull;

	SV_CHECK_EQ_U64(sv_vmx_basic_revision(basic), 4);
	SV_CHECK_EQ_U64(sv_vmx_basic_size(basic), 0x400);
	SV_CHECK_EQ_U64(sv_vmx_basic_memtype(basic), SV_VMX_MEMTYPE_WB);
	SV_CHECK((basic & SV_VMX_BASIC_INOUT) != 0);
	SV_CHECK((basic & SV_VMX_BASIC_TRUE_CTLS) != 0);
	SV_CHECK((basic & SV_VMX_BASIC_DUAL_MONITOR) != 0);
	SV_CHECK((basic & SV_VMX_BASIC_PHYS32) == 0);
}

/* INS/OUTS instruction information: address size 9:7, segment 17:15. */
static void test_io_info(void)
{
	/* 32-bit addresses (1 << 7), FS (4 << 15) */
	struct sv_io_info i = sv_io_info_decode(0x00020080u);

	SV_CHECK_EQ_U64(i.addr_bytes, 4);
	SV_CHECK_EQ_U64(i.seg, SV_VMX_SEG_FS);
	i = sv_io_info_decode(0x00018000u);	/* 16-bit, DS (3 << 15) */
	SV_CHECK_EQ_U64(i.addr_bytes, 2);
	SV_CHECK_EQ_U64(i.seg, SV_VMX_SEG_DS);
	i = sv_io_info_decode(0x00000180u);	/* address size 3: undefined */
	SV_CHECK_EQ_U64(i.addr_bytes, 0);
	SV_CHECK_EQ_U64(sv_io_info_make(8, SV_VMX_SEG_GS), 0x00028100u);
}

/* ---- control adjustment (common/vmx_ctl.c) ---- */

/*
 * A pin-based capability as a Nehalem reports it without true controls:
 * bits 1, 2, 4 must be 1 (0x16), bits 0-6 may be 1 (0x7f); 7 may not.
 */
#define PIN_CAP 0x0000007f00000016ull

static void test_ctl_adjust(void)
{
	uint32_t out, missing;

	/* wanted bits plus the must-be-1 ones */
	SV_CHECK_EQ_I64(sv_vmx_ctl_adjust(PIN_CAP, 0x09, 0, &out, &missing), 0);
	SV_CHECK_EQ_U64(out, 0x1f);
	SV_CHECK_EQ_U64(missing, 0);
	/* an optional bit the CPU lacks is left out, without an error */
	SV_CHECK_EQ_I64(sv_vmx_ctl_adjust(PIN_CAP, 0x01, 0x80, &out, &missing), 0);
	SV_CHECK_EQ_U64(out, 0x17);
	/* an optional bit the CPU has is taken */
	SV_CHECK_EQ_I64(sv_vmx_ctl_adjust(PIN_CAP, 0, 0x40, &out, &missing), 0);
	SV_CHECK_EQ_U64(out, 0x56);
	/* a required bit it lacks refuses, naming the bit; out stays legal */
	SV_CHECK_EQ_I64(sv_vmx_ctl_adjust(PIN_CAP, 0x81, 0, &out, &missing),
			-SV_ENOTSUP);
	SV_CHECK_EQ_U64(missing, 0x80);
	SV_CHECK_EQ_U64(out & ~0x7fu, 0);
	/* a broken MSR that demands a bit it does not allow: never set */
	SV_CHECK_EQ_I64(sv_vmx_ctl_adjust(0x0000000100000003ull, 0, 0, &out,
					  &missing), 0);
	SV_CHECK_EQ_U64(out, 0x1);
}

static void test_cr_fixed(void)
{
	/* CR0 FIXED0 0x80000021 (PG, NE, PE), FIXED1 all ones */
	SV_CHECK_EQ_U64(sv_vmx_cr_fixed(0x11, 0x80000021ull, 0xffffffffull),
			0x80000031ull);
	/* CR4 FIXED0 VMXE, FIXED1 without bit 22 */
	SV_CHECK_EQ_U64(sv_vmx_cr_fixed(0x400020, 0x2000, 0x3fffff),
			0x2020);
}

CU_TestInfo sv_tests_vmx[] = {
	{ "exit_reason_values", test_exit_reason_values },
	{ "exit_reason_names", test_exit_reason_names },
	{ "vmcs_field_widths", test_vmcs_field_widths },
	{ "vmcs_field_encodings", test_vmcs_field_encodings },
	{ "vmcs_field_unique", test_vmcs_field_unique },
	{ "vmcs_field_names", test_vmcs_field_names },
	{ "vm_insn_errors", test_vm_insn_errors },
	{ "intr_info", test_intr_info },
	{ "io_qual", test_io_qual },
	{ "cr_qual", test_cr_qual },
	{ "dr_qual", test_dr_qual },
	{ "ept_qual", test_ept_qual },
	{ "access_rights", test_access_rights },
	{ "controls_and_msrs", test_controls_and_msrs },
	{ "io_info", test_io_info },
	{ "ctl_adjust", test_ctl_adjust },
	{ "cr_fixed", test_cr_fixed },
	CU_TEST_INFO_NULL,
};
