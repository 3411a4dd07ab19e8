/*
 * The instruction decoder behind MMIO exits that arrive undecoded.
 *
 * Under KVM the backend reports an MMIO access's width and value; a VT-x
 * EPT violation gives only the guest-physical address and whether it was
 * a read or a write, so the monitor reads the instruction at CS:RIP
 * (through the guest's page tables when paging is on, sv/walk.h) and
 * decodes it here (vmm/emulate.c). Only the moves a guest uses on device
 * registers are known: MOV r/m,r and r,r/m (88, 89, 8A, 8B), MOV r/m,imm
 * (C6 /0, C7 /0), MOVZX (0F B6, 0F B7) and MOV with a direct offset
 * (A0-A3). The address always comes from the exit, so the ModRM and SIB
 * bytes and the displacement are parsed only for the instruction's length.
 *
 * The bytes are the guest's: decoding never reads past the count given and
 * refuses, rather than guesses, anything it does not know.
 */
#ifndef SV_EMULATE_H
#define SV_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"

/* The architectural limit: a longer instruction raises #GP. */
#define SV_INSN_MAX_LEN 15

/* Default operand and address size, from the code segment and CR0/RFLAGS. */
enum sv_insn_mode {
	SV_INSN_MODE_16,	/* real mode, vm86, or CS.D/B clear */
	SV_INSN_MODE_32,	/* protected mode with CS.D/B set */
	SV_INSN_MODE_64,	/* 64-bit code segment (CS.L): REX prefixes */
};

enum sv_insn_kind {
	SV_INSN_STORE,		/* register or immediate to memory */
	SV_INSN_LOAD,		/* memory to a register of the same width */
	SV_INSN_LOAD_ZX,	/* MOVZX: memory zero-extended into a register */
};

struct sv_insn {
	enum sv_insn_kind kind;
	uint8_t len;		/* bytes, prefixes included; 1..15 */
	uint8_t size;		/* the memory access: 1, 2, 4 or 8 bytes */
	uint8_t reg_size;	/* register operand width: size, or MOVZX's
				   destination (2, 4 or 8) */
	uint8_t reg;		/* enum sv_vmx_gpr of the register operand */
	bool high_byte;		/* reg's bits 15:8 (AH, CH, DH, BH) */
	bool has_imm;		/* a store of imm instead of reg */
	uint64_t imm;		/* already sign-extended to size bytes */
};

/*
 * Decode the instruction in bytes[0, avail) (avail may exceed 15; only 15
 * are looked at) for mode. Returns 0 with *out filled, or:
 *   -SV_ENOSYS  an instruction or prefix the emulator does not handle (REP
 *               and LOCK included);
 *   -SV_EINVAL  a known opcode whose operand is a register, not memory: it
 *               cannot have caused an MMIO exit;
 *   -SV_EFAULT  the instruction runs past avail (the fetch stopped short);
 *   -SV_E2BIG   the instruction would be longer than 15 bytes.
 * On failure out->len is how many bytes were examined, the byte that was
 * refused included, for the error message.
 */
SV_MUST_CHECK int emulate_decode(const uint8_t *bytes, size_t avail,
				 enum sv_insn_mode mode, struct sv_insn *out);

/* The value a store writes (imm, or the register's low size bytes). */
uint64_t emulate_store_value(const struct sv_insn *insn,
			     const struct sv_regs *regs);

/*
 * Put value, read from memory, into a load's register as the CPU does: an
 * 8- or 16-bit write keeps the register's other bits, a 32-bit write
 * zero-extends to 64, MOVZX zero-extends value from size to reg_size
 * first.
 */
void emulate_load_apply(const struct sv_insn *insn, struct sv_regs *regs,
			uint64_t value);

#endif /* SV_EMULATE_H */
