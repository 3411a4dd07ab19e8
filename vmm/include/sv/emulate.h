/*
 * The instruction decoder behind MMIO exits that arrive undecoded.
 *
 * Under KVM the backend reports an MMIO access's width and value; a VT-x
 * EPT violation gives only the guest-physical address and whether it was
 * a read or a write, so the monitor reads the instruction at CS:RIP
 * (through the guest's page tables when paging is on, sv/walk.h) and
 * decodes it here (vmm/emulate.c). Known are the instructions device
 * drivers use on registers:
 *  - moves: MOV r/m,r and r,r/m (88-8B), MOV r/m,imm (C6 /0, C7 /0),
 *    MOV with a direct offset (A0-A3), MOVZX (0F B6/B7), MOVSX (0F BE/BF);
 *  - arithmetic and logic with a memory operand: ADD, OR, AND, SUB, XOR,
 *    CMP as r/m,r and r,r/m (00-03, 08-0B, 20-23, 28-2B, 30-33, 38-3B)
 *    and with an immediate (80, 81, 83 /0 /1 /4 /5 /6 /7); TEST (84, 85,
 *    F6/F7 /0); NOT and NEG (F6/F7 /2 /3); XCHG r/m,r (86, 87).
 * ADC and SBB (which take CF in), the other F6/F7 forms (MUL, DIV...),
 * the 82 alias and every LOCK-, REP- or REPNE-prefixed instruction are
 * refused. The address always comes from the exit, so the ModRM and SIB
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

/*
 * What the instruction does with the memory operand (M) and its other
 * operand (S: the register, or imm when has_imm). Every kind but STORE
 * reads M once; STORE, RMW and XCHG write M once, after the read.
 */
enum sv_insn_kind {
	SV_INSN_STORE,		/* M = S (MOV): write only */
	SV_INSN_LOAD,		/* reg = M, same width (MOV) */
	SV_INSN_LOAD_ZX,	/* MOVZX: M zero-extended into reg */
	SV_INSN_LOAD_SX,	/* MOVSX: M sign-extended into reg */
	SV_INSN_RMW,		/* M = M alu S (or NOT/NEG M), RFLAGS */
	SV_INSN_ALU_LOAD,	/* reg = reg alu M, RFLAGS */
	SV_INSN_COMPARE,	/* RFLAGS of M alu S, nothing written (CMP
				   r/m,r and r/m,imm; TEST) */
	SV_INSN_COMPARE_REG,	/* RFLAGS of reg alu M (CMP r,r/m) */
	SV_INSN_XCHG,		/* reg = M, M = old reg: read, then write */
};

/* The operation of the RMW, ALU_LOAD and COMPARE kinds. */
enum sv_alu_op {
	SV_ALU_NONE,		/* the moves and XCHG */
	SV_ALU_ADD,
	SV_ALU_OR,
	SV_ALU_AND,		/* TEST too */
	SV_ALU_SUB,		/* CMP too */
	SV_ALU_XOR,
	SV_ALU_NOT,		/* no other operand, no flags */
	SV_ALU_NEG,		/* no other operand */
};

struct sv_insn {
	enum sv_insn_kind kind;
	uint8_t len;		/* bytes, prefixes included; 1..15 */
	uint8_t size;		/* the memory access: 1, 2, 4 or 8 bytes */
	uint8_t reg_size;	/* register operand width: size, or MOVZX's
				   and MOVSX's destination (2, 4 or 8) */
	uint8_t reg;		/* enum sv_vmx_gpr of the register operand
				   (0 and unused for NOT, NEG and imm forms) */
	bool high_byte;		/* reg's bits 15:8 (AH, CH, DH, BH) */
	bool has_imm;		/* the other operand is imm, not reg */
	uint8_t alu;		/* enum sv_alu_op */
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
 * first, MOVSX sign-extends.
 */
void emulate_load_apply(const struct sv_insn *insn, struct sv_regs *regs,
			uint64_t value);

/* Whether the instruction writes its memory operand (STORE, RMW, XCHG). */
bool emulate_writes_memory(const struct sv_insn *insn);

/*
 * Carry out every kind but STORE given mem, the value its one read of the
 * memory operand returned: the register (partial-register rules as for
 * loads) and RFLAGS as the SDM defines them for the operation (ADD, SUB,
 * CMP, NEG: CF OF SF ZF AF PF; AND, OR, XOR, TEST: CF = OF = 0, SF ZF PF
 * from the result, and AF, which the SDM leaves undefined, cleared; NOT,
 * XCHG and the moves: no flag). Returns whether memory is then written,
 * with *store the value to write (size bytes).
 */
bool emulate_execute(const struct sv_insn *insn, struct sv_regs *regs,
		     uint64_t mem, uint64_t *store);

#endif /* SV_EMULATE_H */
