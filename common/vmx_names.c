/*
 * Names of the VMX numbers in sv/vmx.h, for logs, traces and the
 * unexpected-exit dump. Every table is expanded from the same X-macro list
 * as its enum, so a name is written once, next to its value.
 *
 * The static assertions below check the lists themselves at build time:
 * every VMCS entry's declared width and type must match its encoding, and
 * the enums' MAX values must lie past every listed value.
 */
#include "sv/vmx.h"

#include <stddef.h>

/* ---- exit reasons ---- */

#define EXIT_CHECK(name, value) \
	SV_STATIC_ASSERT((value) < SV_EXIT_REASON_MAX, \
			 "SV_EXIT_REASON_MAX must exceed SV_EXIT_" #name);
SV_EXIT_REASONS(EXIT_CHECK)
#undef EXIT_CHECK

static const char *const exit_reason_names[SV_EXIT_REASON_MAX] = {
#define EXIT_NAME(name, value) [SV_EXIT_##name] = #name,
	SV_EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
};

const char *sv_exit_reason_name(unsigned reason)
{
	if (reason < SV_EXIT_REASON_MAX && exit_reason_names[reason])
		return exit_reason_names[reason];
	return "UNKNOWN";
}

/* ---- VM-instruction errors ---- */

#define VMERR_CHECK(name, num, desc) \
	SV_STATIC_ASSERT((num) < SV_VMERR_MAX, \
			 "SV_VMERR_MAX must exceed SV_VMERR_" #name);
SV_VM_INSN_ERRORS(VMERR_CHECK)
#undef VMERR_CHECK

static const char *const vm_insn_error_names[SV_VMERR_MAX] = {
#define VMERR_NAME(name, num, desc) [SV_VMERR_##name] = desc,
	SV_VM_INSN_ERRORS(VMERR_NAME)
#undef VMERR_NAME
};

const char *sv_vm_insn_error_name(unsigned err)
{
	if (err < SV_VMERR_MAX && vm_insn_error_names[err])
		return vm_insn_error_names[err];
	return "UNKNOWN";
}

/* ---- interruption types ---- */

static const char *const intr_type_names[8] = {
#define INTR_TYPE_NAME(name, value) [SV_INTR_TYPE_##name] = #name,
	SV_INTR_TYPES(INTR_TYPE_NAME)
#undef INTR_TYPE_NAME
};

const char *sv_intr_type_name(unsigned type)
{
	if (type < SV_ARRAY_SIZE(intr_type_names) && intr_type_names[type])
		return intr_type_names[type];
	return "UNKNOWN";
}

/* ---- VMCS fields ---- */

#define FIELD_CHECK(name, enc, w, t, high) \
	SV_STATIC_ASSERT(SV_VMCS_FIELD_WIDTH(enc) == SV_VMCS_##w && \
			 SV_VMCS_FIELD_TYPE(enc) == SV_VMCS_TYPE_##t && \
			 SV_VMCS_FIELD_IS_HIGH(enc) == (high) && \
			 ((enc) & SV_VMCS_FIELD_RESERVED) == 0, \
			 "encoding of SV_VMCS_" #name \
			 " disagrees with its declared width or type");
SV_VMCS_ALL_FIELDS(FIELD_CHECK)
#undef FIELD_CHECK

/*
 * Encodings are sparse (up to 0x6c1c), so the table is a list searched
 * linearly; naming a field is for diagnostics, never on the exit path.
 */
struct vmcs_field_name {
	uint16_t enc;
	const char *name;
};

static const struct vmcs_field_name vmcs_field_names[] = {
#define FIELD_NAME(fname, fenc, w, t, high) { .enc = (fenc), .name = #fname },
	SV_VMCS_ALL_FIELDS(FIELD_NAME)
#undef FIELD_NAME
};

SV_STATIC_ASSERT(SV_ARRAY_SIZE(vmcs_field_names) == SV_VMCS_FIELD_COUNT,
		 "one name per VMCS encoding");

const char *sv_vmcs_field_name(unsigned enc)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(vmcs_field_names); i++)
		if (vmcs_field_names[i].enc == enc)
			return vmcs_field_names[i].name;
	return NULL;
}
