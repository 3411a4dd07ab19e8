/*
 * struct sv_exit: one VM exit as the core sees it, whatever produced it.
 *
 * The layout follows VMX: basic exit reason, exit qualification, guest
 * linear/physical address, instruction length and information, and the
 * interruption fields (Intel SDM vol. 3, "VM-Exit Information Fields").
 * The KVM backend translates its exits into this shape and the replay backend
 * reads it back from a trace, so the dispatcher cannot tell the hosts apart.
 */
#ifndef SV_EXIT_H
#define SV_EXIT_H

#include <stdint.h>

#include "sv/types.h"

struct sv_exit {
	uint16_t reason;		/* basic exit reason, enum sv_exit_reason */
	uint16_t reason_flags;		/* bits 31:16 of the full exit reason */
	uint32_t instr_len;		/* VM-exit instruction length */
	uint64_t qualification;		/* exit qualification */
	gva_t guest_linear;		/* guest-linear address */
	gpa_t guest_physical;		/* guest-physical address */
	uint32_t instr_info;		/* VM-exit instruction information */
	uint32_t intr_info;		/* VM-exit interruption information */
	uint32_t intr_error;		/* VM-exit interruption error code */
	uint32_t idt_vectoring_info;	/* IDT-vectoring information */
	uint32_t idt_vectoring_error;	/* IDT-vectoring error code */
	uint32_t reserved;
	uint64_t rip;			/* guest RIP of the exiting instruction */
	/*
	 * Decoded access of an I/O or MMIO exit, where the backend knows it
	 * without the instruction emulator: OUT or MMIO write value (from RAX
	 * on VT-x, from the run area under KVM). access_size is the MMIO
	 * access width in bytes, or 0 when the instruction still has to be
	 * decoded. String I/O (INS/OUTS, qualification bit 4): under KVM one
	 * element per exit, its value in io_data, access_size its width; on
	 * VT-x access_size is 0 and the core moves the elements itself, from
	 * guest_linear (the memory operand's linear address) and instr_info
	 * (address size, segment).
	 */
	uint64_t io_data;
	uint32_t access_size;
	uint32_t reserved2;
};

/* Bits of reason_flags (the full exit reason's bits 31:16, shifted down). */
#define SV_EXIT_FLAG_ENCLAVE	(1u << (27 - 16))
#define SV_EXIT_FLAG_PENDING_MTF (1u << (28 - 16))
#define SV_EXIT_FLAG_FROM_ROOT	(1u << (29 - 16))
#define SV_EXIT_FLAG_ENTRY_FAIL	(1u << (31 - 16))

#endif /* SV_EXIT_H */
