/*
 * The instruction emulator for MMIO exits that come undecoded (VT-x EPT
 * violations; see sv/emulate.h for what it knows).
 *
 * emulate_mmio() is handle_mmio's path when the exit has no access size:
 * fetch the instruction at CS.base + RIP through the backend's read_gpa,
 * decode it, check it against the exit, and only then act: one read of
 * the register on the I/O bus (none for a MOV store), the operation
 * (emulate_execute: the register and RFLAGS), one write where the
 * instruction writes memory, and RIP moved past the instruction with
 * set_regs. complete_exit is not used: on VT-x it moves
 * RIP by the exit's instruction length, which EPT violations do not
 * report.
 *
 * With guest paging off the fetch reads guest-physical memory as linear
 * memory. With it on, each page the instruction touches is translated by
 * the page-table walker (sv/walk.h) as a fetch at the guest's CPL, the
 * second page only if the decoder needs bytes from it, as the processor
 * fetches; the walk sets the accessed bits it would. A fetch that faults
 * gets the guest the #PF hardware would have raised (CR2, error code, RIP
 * left on the instruction) instead of failing the VM. It can happen: the
 * processor fetched through a TLB entry the guest's tables no longer back.
 */
#include "sv/emulate.h"

#include <stddef.h>

#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/iobus.h"
#include "sv/vmx.h"
#include "sv/walk.h"
#include "vmm_internal.h"

/* ---- decoding ------------------------------------------------------------ */

/* Opcodes (SDM vol. 2, appendix A) and prefixes */
enum {
	OP_MOV_RM8_R8 = 0x88,
	OP_MOV_RM_R = 0x89,
	OP_MOV_R8_RM8 = 0x8a,
	OP_MOV_R_RM = 0x8b,
	OP_MOV_AL_MOFFS = 0xa0,
	OP_MOV_AX_MOFFS = 0xa1,
	OP_MOV_MOFFS_AL = 0xa2,
	OP_MOV_MOFFS_AX = 0xa3,
	OP_MOV_RM8_IMM8 = 0xc6,
	OP_MOV_RM_IMM = 0xc7,
	OP_TWO_BYTE = 0x0f,
	OP2_MOVZX_R_RM8 = 0xb6,
	OP2_MOVZX_R_RM16 = 0xb7,
	OP2_MOVSX_R_RM8 = 0xbe,
	OP2_MOVSX_R_RM16 = 0xbf,
	/* 00-3F: bits 5:3 the operation, 2:0 the form (below) */
	OP_ALU_LAST = 0x3f,
	OP_GRP1_RM8_IMM8 = 0x80,
	OP_GRP1_RM_IMM = 0x81,
	OP_GRP1_RM_IMM8 = 0x83,	/* imm8 sign-extended */
	OP_TEST_RM8_R8 = 0x84,
	OP_TEST_RM_R = 0x85,
	OP_XCHG_RM8_R8 = 0x86,
	OP_XCHG_RM_R = 0x87,
	OP_GRP3_RM8 = 0xf6,
	OP_GRP3_RM = 0xf7,
};

/* The operation in bits 5:3 of 00-3F and in ModRM.reg of 80/81/83. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
#define ALU_OPERATION(op)	(((unsigned)(op) >> 3) & 7u)
#define ALU_FORM(op)		((unsigned)(op) & 7u)
/* The forms of 00-3F; 4 and 5 (AL/eAX,imm) have no memory operand. */
enum { FORM_RM8_R8, FORM_RM_R, FORM_R8_RM8, FORM_R_RM };

/* ModRM.reg of F6/F7 (group 3); /1 is an undocumented TEST, refused. */
enum { GRP3_TEST = 0, GRP3_NOT = 2, GRP3_NEG = 3 };

enum {
	PREFIX_OPSIZE = 0x66,
	PREFIX_ADSIZE = 0x67,
	PREFIX_ES = 0x26, PREFIX_CS = 0x2e, PREFIX_SS = 0x36,
	PREFIX_DS = 0x3e, PREFIX_FS = 0x64, PREFIX_GS = 0x65,
	PREFIX_LOCK = 0xf0,
	PREFIX_REPNE = 0xf2,
	PREFIX_REP = 0xf3,
};

/* REX (64-bit mode only): 0100WRXB */
#define REX_MASK	0xf0u
#define REX_BASE	0x40u
#define REX_W		SV_BIT(3)	/* 64-bit operand */
#define REX_R		SV_BIT(2)	/* ModRM.reg's fourth bit */

/* ModRM: mod 7:6, reg 5:3, rm 2:0; SIB: scale 7:6, index 5:3, base 2:0 */
#define MODRM_MOD(b)	((unsigned)(b) >> 6)
#define MODRM_REG(b)	(((unsigned)(b) >> 3) & 7u)
#define MODRM_RM(b)	((unsigned)(b) & 7u)
#define SIB_BASE(b)	((unsigned)(b) & 7u)
enum {
	MOD_NO_DISP = 0, MOD_DISP8 = 1, MOD_DISP_FULL = 2, MOD_REGISTER = 3,
	RM_SIB = 4,		/* 32/64-bit addressing: a SIB byte follows */
	RM_DISP32 = 5,		/* with mod 0: disp32 (RIP-relative in 64-bit) */
	RM16_DISP16 = 6,	/* 16-bit addressing, mod 0: disp16 alone */
	SIB_BASE_NONE = 5,	/* with mod 0: no base, disp32 */
};

/* The bytes being decoded; every read goes through cur_take. */
struct cursor {
	const uint8_t *bytes;
	size_t avail;		/* at most SV_INSN_MAX_LEN */
	size_t pos;
};

/*
 * The next n (1..8) bytes, little-endian. Running out of the 15 bytes an
 * instruction may have is -SV_E2BIG; out of the fetched ones, -SV_EFAULT.
 */
static int cur_take(struct cursor *c, unsigned n, uint64_t *val)
{
	uint64_t v = 0;

	if (c->avail - c->pos < n) {
		c->pos = c->avail;
		return c->avail == SV_INSN_MAX_LEN ? -SV_E2BIG : -SV_EFAULT;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	*val = v;
	return 0;
}

static int cur_byte(struct cursor *c, uint8_t *b)
{
	uint64_t v = 0;
	int err = cur_take(c, 1, &v);

	*b = (uint8_t)v;
	return err;
}

/* Skip a ModRM memory operand (ModRM already read) for its length. */
static int skip_modrm_memory(struct cursor *c, uint8_t modrm, unsigned adsize)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	unsigned disp = 0;
	uint64_t ignored;
	uint8_t sib;
	int err;

	if (mod == MOD_REGISTER)
		return -SV_EINVAL;
	if (adsize == 2) {
		if (mod == MOD_DISP8)
			disp = 1;
		else if (mod == MOD_DISP_FULL ||
			 (mod == MOD_NO_DISP && rm == RM16_DISP16))
			disp = 2;
	} else {
		if (rm == RM_SIB) {
			err = cur_byte(c, &sib);
			if (err)
				return err;
			if (mod == MOD_NO_DISP && SIB_BASE(sib) == SIB_BASE_NONE)
				disp = 4;
		}
		if (mod == MOD_DISP8)
			disp = 1;
		else if (mod == MOD_DISP_FULL ||
			 (mod == MOD_NO_DISP && rm == RM_DISP32))
			disp = 4;
	}
	return disp ? cur_take(c, disp, &ignored) : 0;
}

/* Sign-extend the low bytes of v to 64 bits. */
static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

static uint64_t low_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/*
 * The register ModRM.reg names for an operand of size bytes: without REX,
 * byte registers 4-7 are AH, CH, DH, BH (bits 15:8 of registers 0-3); with
 * any REX they are SPL, BPL, SIL, DIL, and REX.R reaches R8-R15.
 */
static void set_reg_operand(struct sv_insn *in, unsigned reg, uint8_t rex)
{
	if (in->reg_size == 1 && !rex && reg >= 4) {
		in->reg = (uint8_t)(reg - 4);
		in->high_byte = true;
		return;
	}
	in->reg = (uint8_t)(reg | ((rex & REX_R) ? 8u : 0u));
}

struct prefixes {
	bool opsize, adsize;
	uint8_t rex;
};

/* Legacy prefixes, then REX in 64-bit mode; leaves *op the opcode byte. */
static int read_prefixes(struct cursor *c, enum sv_insn_mode mode,
			 struct prefixes *p, uint8_t *op)
{
	int err;

	for (;;) {
		err = cur_byte(c, op);
		if (err)
			return err;
		switch (*op) {
		case PREFIX_OPSIZE:
			p->opsize = true;
			continue;
		case PREFIX_ADSIZE:
			p->adsize = true;
			continue;
		case PREFIX_ES: case PREFIX_CS: case PREFIX_SS:
		case PREFIX_DS: case PREFIX_FS: case PREFIX_GS:
			continue;	/* the address comes from the exit */
		case PREFIX_LOCK: case PREFIX_REPNE: case PREFIX_REP:
			return -SV_ENOSYS;
		default:
			break;
		}
		break;
	}
	/* REX counts only right before the opcode; an earlier one is ignored */
	while (mode == SV_INSN_MODE_64 && (*op & REX_MASK) == REX_BASE) {
		p->rex = *op;
		err = cur_byte(c, op);
		if (err)
			return err;
		if (*op == PREFIX_OPSIZE || *op == PREFIX_ADSIZE ||
		    *op == PREFIX_LOCK || *op == PREFIX_REP ||
		    *op == PREFIX_REPNE)
			return -SV_ENOSYS;	/* legacy after REX: be strict */
	}
	return 0;
}

static unsigned operand_size(enum sv_insn_mode mode, const struct prefixes *p)
{
	if (mode == SV_INSN_MODE_64 && (p->rex & REX_W))
		return 8;
	if (mode == SV_INSN_MODE_16)
		return p->opsize ? 4 : 2;
	return p->opsize ? 2 : 4;
}

static unsigned address_size(enum sv_insn_mode mode, const struct prefixes *p)
{
	switch (mode) {
	case SV_INSN_MODE_16:
		return p->adsize ? 4 : 2;
	case SV_INSN_MODE_32:
		return p->adsize ? 2 : 4;
	default:
		return p->adsize ? 4 : 8;
	}
}

/* The enum sv_alu_op of each operation number; ADC and SBB: none. */
static const uint8_t alu_of[8] = {
	[ALU_ADD] = SV_ALU_ADD, [ALU_OR] = SV_ALU_OR,
	[ALU_ADC] = SV_ALU_NONE, [ALU_SBB] = SV_ALU_NONE,
	[ALU_AND] = SV_ALU_AND, [ALU_SUB] = SV_ALU_SUB,
	[ALU_XOR] = SV_ALU_XOR, [ALU_CMP] = SV_ALU_SUB,	/* CMP subtracts */
};

/*
 * An immediate of n bytes (1, 2 or 4), sign-extended to the operand's size:
 * 83's imm8 and REX.W's imm32 are, the others are already that size.
 */
static int take_imm(struct cursor *c, struct sv_insn *in, unsigned n)
{
	int err = cur_take(c, n, &in->imm);

	if (err)
		return err;
	in->imm = sign_extend(in->imm, n) & low_mask(in->size);
	in->has_imm = true;
	return 0;
}

static unsigned imm_size(unsigned size)
{
	return size > 4 ? 4 : size;	/* imm is at most 32 bits */
}

/* ModRM with a register operand in ModRM.reg: MOV, ALU, TEST, XCHG... */
static int decode_modrm_reg(struct cursor *c, struct sv_insn *in,
			    unsigned adsize, uint8_t rex)
{
	uint8_t modrm;
	int err = cur_byte(c, &modrm);

	if (err)
		return err;
	err = skip_modrm_memory(c, modrm, adsize);
	if (err)
		return err;
	set_reg_operand(in, MODRM_REG(modrm), rex);
	return 0;
}

/* C6/C7 /0: MOV r/m,imm. */
static int decode_mov_imm(struct cursor *c, struct sv_insn *in,
			  unsigned adsize)
{
	uint8_t modrm;
	int err = cur_byte(c, &modrm);

	if (err)
		return err;
	if (MODRM_REG(modrm) != 0)
		return -SV_ENOSYS;	/* C6/C7 /1-/7: not MOV */
	err = skip_modrm_memory(c, modrm, adsize);
	return err ? err : take_imm(c, in, imm_size(in->size));
}

/* 00-3F: ADD/OR/AND/SUB/XOR/CMP between memory and a register. */
static int decode_alu_rm(struct cursor *c, struct sv_insn *in, uint8_t op,
			 unsigned opsize, unsigned adsize, uint8_t rex)
{
	unsigned operation = ALU_OPERATION(op), form = ALU_FORM(op);
	bool to_memory = form == FORM_RM8_R8 || form == FORM_RM_R;

	/* ADC and SBB need CF in: refused, as are the AL/eAX,imm forms */
	if (form > FORM_R_RM || alu_of[operation] == SV_ALU_NONE)
		return -SV_ENOSYS;
	in->alu = alu_of[operation];
	if (operation == ALU_CMP)
		in->kind = to_memory ? SV_INSN_COMPARE : SV_INSN_COMPARE_REG;
	else
		in->kind = to_memory ? SV_INSN_RMW : SV_INSN_ALU_LOAD;
	in->size = (op & 1) ? (uint8_t)opsize : 1;	/* bit 0: w */
	in->reg_size = in->size;
	return decode_modrm_reg(c, in, adsize, rex);
}

/* 80, 81, 83: the operation in ModRM.reg, memory and an immediate. */
static int decode_group1(struct cursor *c, struct sv_insn *in, uint8_t op,
			 unsigned opsize, unsigned adsize)
{
	uint8_t modrm;
	unsigned n;
	int err = cur_byte(c, &modrm);

	if (err)
		return err;
	if (alu_of[MODRM_REG(modrm)] == SV_ALU_NONE)
		return -SV_ENOSYS;	/* /2 ADC, /3 SBB */
	in->alu = alu_of[MODRM_REG(modrm)];
	in->kind = MODRM_REG(modrm) == ALU_CMP ? SV_INSN_COMPARE : SV_INSN_RMW;
	in->size = op == OP_GRP1_RM8_IMM8 ? 1 : (uint8_t)opsize;
	in->reg_size = in->size;
	err = skip_modrm_memory(c, modrm, adsize);
	if (err)
		return err;
	n = op == OP_GRP1_RM_IMM ? imm_size(in->size) : 1;
	return take_imm(c, in, n);
}

/* F6, F7: TEST r/m,imm, NOT, NEG; MUL, IMUL, DIV, IDIV are refused. */
static int decode_group3(struct cursor *c, struct sv_insn *in, uint8_t op,
			 unsigned opsize, unsigned adsize)
{
	uint8_t modrm;
	int err = cur_byte(c, &modrm);

	if (err)
		return err;
	in->size = op == OP_GRP3_RM8 ? 1 : (uint8_t)opsize;
	in->reg_size = in->size;
	switch (MODRM_REG(modrm)) {
	case GRP3_TEST:
		in->kind = SV_INSN_COMPARE;
		in->alu = SV_ALU_AND;
		break;
	case GRP3_NOT:
	case GRP3_NEG:
		in->kind = SV_INSN_RMW;
		in->alu = MODRM_REG(modrm) == GRP3_NOT ? SV_ALU_NOT :
							  SV_ALU_NEG;
		break;
	default:
		return -SV_ENOSYS;
	}
	err = skip_modrm_memory(c, modrm, adsize);
	if (err || in->alu != SV_ALU_AND)
		return err;
	return take_imm(c, in, imm_size(in->size));
}

/* 0F xx: MOVZX and MOVSX. */
static int decode_two_byte(struct cursor *c, struct sv_insn *in,
			   unsigned opsize, unsigned adsize, uint8_t rex)
{
	uint8_t op2;
	int err = cur_byte(c, &op2);

	if (err)
		return err;
	switch (op2) {
	case OP2_MOVZX_R_RM8:
	case OP2_MOVZX_R_RM16:
		in->kind = SV_INSN_LOAD_ZX;
		break;
	case OP2_MOVSX_R_RM8:
	case OP2_MOVSX_R_RM16:
		in->kind = SV_INSN_LOAD_SX;
		break;
	default:
		return -SV_ENOSYS;
	}
	in->size = (op2 & 1) ? 2 : 1;	/* B6/BE byte, B7/BF word */
	in->reg_size = (uint8_t)opsize;
	return decode_modrm_reg(c, in, adsize, rex);
}

int emulate_decode(const uint8_t *bytes, size_t avail, enum sv_insn_mode mode,
		   struct sv_insn *out)
{
	struct cursor c = { bytes, avail < SV_INSN_MAX_LEN ? avail :
				   SV_INSN_MAX_LEN, 0 };
	struct prefixes p = { false, false, 0 };
	struct sv_insn in = { .kind = SV_INSN_STORE, .alu = SV_ALU_NONE };
	unsigned opsize, adsize;
	uint64_t ignored;
	uint8_t op;
	int err;

	err = read_prefixes(&c, mode, &p, &op);
	if (err)
		goto out;
	opsize = operand_size(mode, &p);
	adsize = address_size(mode, &p);
	switch (op) {
	case OP_MOV_RM8_R8:
	case OP_MOV_RM_R:
	case OP_MOV_R8_RM8:
	case OP_MOV_R_RM:
		in.kind = op >= OP_MOV_R8_RM8 ? SV_INSN_LOAD : SV_INSN_STORE;
		in.size = (op & 1) ? (uint8_t)opsize : 1;	/* bit 0: w */
		in.reg_size = in.size;
		err = decode_modrm_reg(&c, &in, adsize, p.rex);
		break;
	case OP_MOV_RM8_IMM8:
	case OP_MOV_RM_IMM:
		in.size = (op & 1) ? (uint8_t)opsize : 1;
		in.reg_size = in.size;
		err = decode_mov_imm(&c, &in, adsize);
		break;
	case OP_MOV_AL_MOFFS:
	case OP_MOV_AX_MOFFS:
	case OP_MOV_MOFFS_AL:
	case OP_MOV_MOFFS_AX:
		in.kind = op <= OP_MOV_AX_MOFFS ? SV_INSN_LOAD : SV_INSN_STORE;
		in.size = (op & 1) ? (uint8_t)opsize : 1;
		in.reg_size = in.size;
		in.reg = SV_VMX_GPR_RAX;
		err = cur_take(&c, adsize, &ignored);	/* the offset */
		break;
	case OP_TWO_BYTE:
		err = decode_two_byte(&c, &in, opsize, adsize, p.rex);
		break;
	case OP_GRP1_RM8_IMM8:
	case OP_GRP1_RM_IMM:
	case OP_GRP1_RM_IMM8:
		err = decode_group1(&c, &in, op, opsize, adsize);
		break;
	case OP_TEST_RM8_R8:
	case OP_TEST_RM_R:
	case OP_XCHG_RM8_R8:
	case OP_XCHG_RM_R:
		in.kind = op >= OP_XCHG_RM8_R8 ? SV_INSN_XCHG : SV_INSN_COMPARE;
		in.alu = op >= OP_XCHG_RM8_R8 ? SV_ALU_NONE : SV_ALU_AND;
		in.size = (op & 1) ? (uint8_t)opsize : 1;
		in.reg_size = in.size;
		err = decode_modrm_reg(&c, &in, adsize, p.rex);
		break;
	case OP_GRP3_RM8:
	case OP_GRP3_RM:
		err = decode_group3(&c, &in, op, opsize, adsize);
		break;
	default:
		if (op <= OP_ALU_LAST)
			err = decode_alu_rm(&c, &in, op, opsize, adsize, p.rex);
		else
			err = -SV_ENOSYS;
		break;
	}
out:
	in.len = (uint8_t)c.pos;
	*out = in;
	return err;
}

/* ---- the register file ---------------------------------------------------- */

/* RFLAGS' status flags (SDM vol. 1, 3.4.3.1) */
#define RFLAGS_CF	SV_BIT64(0)
#define RFLAGS_PF	SV_BIT64(2)
#define RFLAGS_AF	SV_BIT64(4)
#define RFLAGS_ZF	SV_BIT64(6)
#define RFLAGS_SF	SV_BIT64(7)
#define RFLAGS_OF	SV_BIT64(11)
#define RFLAGS_STATUS	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
			 RFLAGS_SF | RFLAGS_OF)
#define NIBBLE_CARRY	0x10u	/* AF: the carry or borrow out of bit 3 */

/* The register operand's value: its low size bytes, or bits 15:8. */
static uint64_t reg_value(const struct sv_insn *insn,
			  const struct sv_regs *regs)
{
	uint64_t v = *vcpu_gpr((struct sv_regs *)regs, insn->reg);

	if (insn->high_byte)
		v >>= 8;
	return v & low_mask(insn->size);
}

uint64_t emulate_store_value(const struct sv_insn *insn,
			     const struct sv_regs *regs)
{
	if (insn->has_imm)
		return insn->imm & low_mask(insn->size);
	return reg_value(insn, regs);
}

void emulate_load_apply(const struct sv_insn *insn, struct sv_regs *regs,
			uint64_t value)
{
	uint64_t *r = vcpu_gpr(regs, insn->reg);
	unsigned width = insn->reg_size;
	uint64_t mask;

	value &= low_mask(insn->size);	/* MOVZX: zero-extended to width */
	if (insn->kind == SV_INSN_LOAD_SX)
		value = sign_extend(value, insn->size);
	if (insn->high_byte) {
		*r = (*r & ~0xff00ull) | (value << 8);
		return;
	}
	if (width >= 4) {		/* 32-bit writes zero-extend to 64 */
		*r = value & low_mask(width);
		return;
	}
	mask = low_mask(width);
	*r = (*r & ~mask) | (value & mask);
}

bool emulate_writes_memory(const struct sv_insn *insn)
{
	return insn->kind == SV_INSN_STORE || insn->kind == SV_INSN_RMW ||
	       insn->kind == SV_INSN_XCHG;
}

/* PF: set when the result's low byte has an even number of ones. */
static bool even_parity(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

/*
 * a op b on size bytes; *flags gets the status flags the SDM gives the
 * operation (the caller keeps the other bits of RFLAGS). The carry and
 * overflow come from the operands' and result's top bits, so one formula
 * serves every width.
 */
static uint64_t alu(enum sv_alu_op op, unsigned size, uint64_t a, uint64_t b,
		    uint64_t *flags)
{
	uint64_t mask = low_mask(size), sign = 1ull << (8 * size - 1);
	uint64_t r, f = 0;

	a &= mask;
	b &= mask;
	switch (op) {
	case SV_ALU_ADD:
		r = (a + b) & mask;
		if (r < a)
			f |= RFLAGS_CF;
		if ((a ^ r) & (b ^ r) & sign)	/* like signs, unlike sum */
			f |= RFLAGS_OF;
		if ((a ^ b ^ r) & NIBBLE_CARRY)
			f |= RFLAGS_AF;
		break;
	case SV_ALU_NEG:			/* 0 - a, CF = (a != 0) */
		b = a;
		a = 0;
		/* fall through */
	case SV_ALU_SUB:
		r = (a - b) & mask;
		if (a < b)
			f |= RFLAGS_CF;
		if ((a ^ b) & (a ^ r) & sign)	/* unlike signs, sign lost */
			f |= RFLAGS_OF;
		if ((a ^ b ^ r) & NIBBLE_CARRY)
			f |= RFLAGS_AF;
		break;
	case SV_ALU_OR:
		r = a | b;
		break;
	case SV_ALU_AND:
		r = a & b;
		break;
	case SV_ALU_XOR:
		r = a ^ b;
		break;
	case SV_ALU_NOT:
		*flags = 0;			/* NOT changes no flag */
		return ~a & mask;
	default:
		*flags = 0;
		return a;
	}
	/* the logic ops: CF = OF = 0, AF undefined by the SDM, kept 0 */
	if (r & sign)
		f |= RFLAGS_SF;
	if (!r)
		f |= RFLAGS_ZF;
	if (even_parity(r))
		f |= RFLAGS_PF;
	*flags = f;
	return r;
}

/* RFLAGS with the status flags replaced (NOT: left alone). */
static void set_status(struct sv_regs *regs, const struct sv_insn *insn,
		       uint64_t flags)
{
	if (insn->alu != SV_ALU_NOT)
		regs->rflags = (regs->rflags & ~RFLAGS_STATUS) | flags;
}

bool emulate_execute(const struct sv_insn *insn, struct sv_regs *regs,
		     uint64_t mem, uint64_t *store)
{
	enum sv_alu_op op = (enum sv_alu_op)insn->alu;
	uint64_t flags, r, other;

	mem &= low_mask(insn->size);
	*store = 0;
	switch (insn->kind) {
	case SV_INSN_RMW:
		*store = alu(op, insn->size, mem,
			     emulate_store_value(insn, regs), &flags);
		set_status(regs, insn, flags);
		return true;
	case SV_INSN_COMPARE:
		(void)alu(op, insn->size, mem, emulate_store_value(insn, regs),
			  &flags);
		set_status(regs, insn, flags);
		return false;
	case SV_INSN_COMPARE_REG:
		(void)alu(op, insn->size, reg_value(insn, regs), mem, &flags);
		set_status(regs, insn, flags);
		return false;
	case SV_INSN_ALU_LOAD:
		r = alu(op, insn->size, reg_value(insn, regs), mem, &flags);
		emulate_load_apply(insn, regs, r);
		set_status(regs, insn, flags);
		return false;
	case SV_INSN_XCHG:
		other = reg_value(insn, regs);
		emulate_load_apply(insn, regs, mem);
		*store = other;
		return true;
	case SV_INSN_STORE:
		*store = emulate_store_value(insn, regs);
		return true;
	default:				/* the loads */
		emulate_load_apply(insn, regs, mem);
		return false;
	}
}

/* ---- emulating an MMIO exit ----------------------------------------------- */

#define RFLAGS_VM	SV_BIT64(17)	/* virtual-8086 mode */
#define PAGE_SIZE_4K	4096u

/* Operand and address size defaults: real mode and vm86 are 16-bit. */
static enum sv_insn_mode guest_mode(uint64_t cr0, uint64_t rflags,
				    const struct sv_segment *cs)
{
	if (!(cr0 & SV_CR0_PE) || (rflags & RFLAGS_VM))
		return SV_INSN_MODE_16;
	if (cs->access & SV_AR_L)
		return SV_INSN_MODE_64;
	return (cs->access & SV_AR_DB) ? SV_INSN_MODE_32 : SV_INSN_MODE_16;
}

/* How far RIP reaches in a mode: IP, EIP or RIP. */
static uint64_t ip_mask(enum sv_insn_mode mode)
{
	return mode == SV_INSN_MODE_16 ? 0xffffull :
	       mode == SV_INSN_MODE_32 ? 0xffffffffull : ~0ull;
}

/*
 * Read up to 15 bytes at guest-physical addr, a page at a time, so an
 * instruction that ends just before the end of RAM still decodes: *got is
 * what could be read (0 when the first byte is not RAM).
 */
static void fetch(struct sv_vm *vm, uint64_t addr, uint8_t *buf, size_t *got)
{
	size_t first = PAGE_SIZE_4K - (addr & (PAGE_SIZE_4K - 1));

	*got = 0;
	if (first > SV_INSN_MAX_LEN)
		first = SV_INSN_MAX_LEN;
	if (vm->ops->read_gpa(vm->b, gpa(addr), buf, first))
		return;
	*got = first;
	if (first < SV_INSN_MAX_LEN &&
	    !vm->ops->read_gpa(vm->b, gpa(addr + first), buf + first,
			       SV_INSN_MAX_LEN - first))
		*got = SV_INSN_MAX_LEN;
}

/* "8b 07 ..." for messages: at most n bytes of buf. */
static void hex_bytes(char *out, size_t size, const uint8_t *buf, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++) {
		int w = sv_snprintf(out + at, size - at, i ? " %02x" : "%02x",
				    buf[i]);

		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* The VM fails with why the instruction at rip could not be emulated. */
static int decode_failed(struct sv_vm *vm, const struct sv_exit *exit,
			 int err, const uint8_t *buf, const struct sv_insn *in)
{
	const char *dir = (exit->qualification & SV_EPT_QUAL_WRITE) ?
			  "write" : "read";
	char hex[3 * SV_INSN_MAX_LEN + 1];

	hex_bytes(hex, sizeof(hex), buf, in->len);
	switch (err) {
	case -SV_EINVAL:
		vm_fail(vm, "MMIO %s at 0x%lx by an instruction with no memory "
			"operand: %s (rip 0x%lx)", dir,
			(unsigned long)exit->guest_physical.v, hex,
			(unsigned long)exit->rip);
		break;
	case -SV_EFAULT:
		vm_fail(vm, "MMIO %s at 0x%lx: the instruction at rip 0x%lx "
			"runs past the end of RAM: %s", dir,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)exit->rip, hex);
		break;
	case -SV_E2BIG:
		vm_fail(vm, "MMIO %s at 0x%lx: the instruction at rip 0x%lx is "
			"longer than 15 bytes: %s", dir,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)exit->rip, hex);
		break;
	default:
		vm_fail(vm, "MMIO by an instruction the emulator does not know: "
			"%s (%s at 0x%lx, rip 0x%lx)", hex, dir,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)exit->rip);
		break;
	}
	return -SV_EGUEST;
}

/*
 * The exit and the instruction must agree, and an instruction fetch from
 * MMIO is not something to emulate. A MOV store is a write; the loads,
 * CMP, TEST and ALU r,r/m are reads and only reads. A read-modify-write
 * (ALU r/m,src, NOT, NEG, XCHG) reads then writes the same address, and
 * under EPT an MMIO page allows neither, so the exit is for the access
 * the processor attempted. The SDM (vol. 3C, "Exit Qualification for EPT
 * Violations") says such an instruction's violation sets bit 1 (data
 * write) and that whether it also sets bit 0 (data read) is
 * implementation-specific and may differ between read-modify-write
 * instructions: accept write, read and both.
 */
static bool direction_matches(const struct sv_insn *in, uint64_t qual)
{
	bool qwrite = (qual & SV_EPT_QUAL_WRITE) != 0;
	bool qread = (qual & SV_EPT_QUAL_READ) != 0;

	if (qual & SV_EPT_QUAL_FETCH)
		return false;
	if (in->kind == SV_INSN_STORE)
		return qwrite;
	if (emulate_writes_memory(in))
		return qread || qwrite;
	return qread && !qwrite;
}

/* What the instruction does to memory, for messages. */
static const char *access_name(const struct sv_insn *in)
{
	if (in->kind == SV_INSN_STORE)
		return "write";
	return emulate_writes_memory(in) ? "read-modify-write" : "read";
}

/* The VM fails: the instruction's first byte is not in RAM. */
static int not_ram(struct sv_vm *vm, const struct sv_exit *exit, uint64_t rip,
		   uint64_t la, const gpa_t *pa)
{
	const char *dir = (exit->qualification & SV_EPT_QUAL_WRITE) ?
			  "write" : "read";

	if (pa)
		vm_fail(vm, "MMIO %s at 0x%lx (rip 0x%lx) needs instruction "
			"decoding, but its bytes at linear 0x%lx (physical "
			"0x%lx) are not RAM", dir,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)rip, (unsigned long)la,
			(unsigned long)pa->v);
	else
		vm_fail(vm, "MMIO %s at 0x%lx (rip 0x%lx) needs instruction "
			"decoding, but its bytes at 0x%lx are not RAM", dir,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)rip, (unsigned long)la);
	return -SV_EGUEST;
}

/* Guest paging off: linear is physical. */
static int decode_unpaged(struct sv_vcpu *vcpu, const struct sv_exit *exit,
			  uint64_t rip, enum sv_insn_mode mode, uint64_t la,
			  uint8_t *buf, struct sv_insn *in)
{
	size_t got;
	int err;

	fetch(vcpu->vm, la, buf, &got);
	if (!got)
		return not_ram(vcpu->vm, exit, rip, la, NULL);
	err = emulate_decode(buf, got, mode, in);
	return err ? decode_failed(vcpu->vm, exit, err, buf, in) : 0;
}

/* decode_at_rip's outcome besides 0 and failure: an exception was queued. */
enum { FETCH_FAULTED = 1 };

/*
 * The fetch's privilege: user at CPL 3. The VMCS holds no CPL; SS.DPL is
 * it (VT-x keeps them equal, and KVM's vmx_get_cpl reads SS.DPL too).
 * CS.RPL would mostly agree, but not in virtual-8086 mode, where the
 * selector is a paragraph number whatever its low bits: vm86 code runs at
 * CPL 3, which RFLAGS.VM says.
 */
static int fetch_access(struct sv_vcpu *vcpu, uint64_t rflags,
			unsigned *access)
{
	struct sv_segment ss;
	int err;

	*access = SV_WALK_FETCH;
	if (rflags & RFLAGS_VM) {
		*access |= SV_WALK_USER;
		return 0;
	}
	err = vcpu->vm->ops->get_segment(vcpu->b, SV_SEG_SS, &ss);
	if (err)
		return err;
	if (((ss.access & SV_AR_DPL_MASK) >> SV_AR_DPL_SHIFT) == 3)
		*access |= SV_WALK_USER;
	return 0;
}

/*
 * Translate the fetch of the byte at linear la. If the processor would
 * fault, the guest gets that fault (#PF with CR2, or #GP(0) for a
 * non-canonical address) and FETCH_FAULTED is returned; tables outside
 * RAM fail the VM.
 */
static int translate_fetch(struct sv_vcpu *vcpu, const struct sv_paging *pg,
			   unsigned access, uint64_t la, uint64_t rip,
			   gpa_t *out)
{
	struct sv_walk w;
	int err = walk_translate(vcpu->vm, pg, gva(la), access, &w);

	switch (err) {
	case 0:
		*out = w.gpa;
		return 0;
	case -SV_EFAULT:
		err = walk_inject_pf(vcpu, &w);
		break;
	case -SV_ERANGE:
		err = vcpu_inject_gp(vcpu);
		break;
	case -SV_ENOENT:
		vm_fail(vcpu->vm, "MMIO: the guest's page tables for the "
			"instruction at linear 0x%lx (rip 0x%lx) lead out of "
			"its RAM", (unsigned long)la, (unsigned long)rip);
		return -SV_EGUEST;
	default:
		return err;
	}
	return err ? err : FETCH_FAULTED;
}

/*
 * Guest paging on: the first page through the walker, and the next one
 * only if the instruction runs into it, as the processor fetches (so a
 * missing next page faults only for an instruction that needs it, with
 * CR2 its first byte).
 */
static int decode_paged(struct sv_vcpu *vcpu, const struct sv_exit *exit,
			const struct sv_regs *regs, enum sv_insn_mode mode,
			uint64_t la, uint8_t *buf, struct sv_insn *in)
{
	const struct sv_backend_ops *ops = vcpu->vm->ops;
	size_t first = PAGE_SIZE_4K - (la & (PAGE_SIZE_4K - 1)), got;
	struct sv_paging pg;
	unsigned access;
	uint64_t next;
	gpa_t pa;
	int err;

	err = fetch_access(vcpu, regs->rflags, &access);
	if (!err)
		err = walk_paging_load(vcpu, regs->rflags, &pg);
	if (!err)
		err = translate_fetch(vcpu, &pg, access, la, regs->rip, &pa);
	if (err)
		return err;
	if (first > SV_INSN_MAX_LEN)
		first = SV_INSN_MAX_LEN;
	if (ops->read_gpa(vcpu->vm->b, pa, buf, first))
		return not_ram(vcpu->vm, exit, regs->rip, la, &pa);
	err = emulate_decode(buf, first, mode, in);
	if (err == -SV_EFAULT && first < SV_INSN_MAX_LEN) {
		next = la + first;
		if (mode != SV_INSN_MODE_64)
			next &= 0xffffffffull;
		err = translate_fetch(vcpu, &pg, access, next, regs->rip, &pa);
		if (err)
			return err;
		got = first;
		if (!ops->read_gpa(vcpu->vm->b, pa, buf + first,
				   SV_INSN_MAX_LEN - first))
			got = SV_INSN_MAX_LEN;
		err = emulate_decode(buf, got, mode, in);
	}
	return err ? decode_failed(vcpu->vm, exit, err, buf, in) : 0;
}

/*
 * Fetch and decode the instruction at CS:RIP. Returns 0, FETCH_FAULTED
 * (the guest has an exception to take instead), or a failure of the VM.
 */
static int decode_at_rip(struct sv_vcpu *vcpu, const struct sv_exit *exit,
			 const struct sv_regs *regs, uint64_t cr0,
			 enum sv_insn_mode mode, uint64_t cs_base,
			 struct sv_insn *in)
{
	struct sv_vm *vm = vcpu->vm;
	uint8_t buf[SV_INSN_MAX_LEN];
	uint64_t la;
	int err;

	/* linear addresses are 32 bits wide outside 64-bit mode */
	la = cs_base + (regs->rip & ip_mask(mode));
	if (mode != SV_INSN_MODE_64)
		la &= 0xffffffffull;
	if (cr0 & SV_CR0_PG)
		err = decode_paged(vcpu, exit, regs, mode, la, buf, in);
	else
		err = decode_unpaged(vcpu, exit, regs->rip, mode, la, buf, in);
	if (err)
		return err;
	if (!direction_matches(in, exit->qualification)) {
		char hex[3 * SV_INSN_MAX_LEN + 1];

		hex_bytes(hex, sizeof(hex), buf, in->len);
		vm_fail(vm, "MMIO exit (qualification 0x%lx at 0x%lx) does not "
			"match the instruction at rip 0x%lx, a %s: %s",
			(unsigned long)exit->qualification,
			(unsigned long)exit->guest_physical.v,
			(unsigned long)regs->rip,
			access_name(in), hex);
		return -SV_EGUEST;
	}
	return 0;
}

int emulate_mmio(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_vm *vm = vcpu->vm;
	const struct sv_backend_ops *ops = vm->ops;
	struct sv_segment cs;
	struct sv_regs regs;
	enum sv_insn_mode mode;
	struct sv_insn in;
	uint64_t cr0, data, store;
	int err;

	err = ops->get_cr(vcpu->b, SV_CR0, &cr0);
	if (!err)
		err = ops->get_regs(vcpu->b, &regs);
	if (!err)
		err = ops->get_segment(vcpu->b, SV_SEG_CS, &cs);
	if (err)
		return err;
	mode = guest_mode(cr0, regs.rflags, &cs);
	err = decode_at_rip(vcpu, exit, &regs, cr0, mode, cs.base, &in);
	if (err == FETCH_FAULTED)
		return SV_HANDLED_RESUME;	/* the guest takes the fault */
	if (err)
		return err;

	/*
	 * Decoded and checked: act. One read of the register unless the
	 * instruction only stores, then at most one write, in that order and
	 * never more: a device may act on a read (clear on read, a FIFO).
	 */
	data = 0;
	if (in.kind != SV_INSN_STORE) {
		err = iobus_access(&vm->bus, SV_IO_MMIO, exit->guest_physical.v,
				   in.size, false, &data);
		if (err)
			return err;
		if (vm->state != SV_VM_RUNNING)
			return SV_HANDLED_STOP;	/* a device ended the VM */
	}
	if (emulate_execute(&in, &regs, data, &store)) {
		err = iobus_access(&vm->bus, SV_IO_MMIO, exit->guest_physical.v,
				   in.size, true, &store);
		if (err)
			return err;
		if (vm->state != SV_VM_RUNNING)
			return SV_HANDLED_STOP;
	}
	regs.rip = (regs.rip + in.len) & ip_mask(mode);
	return ops->set_regs(vcpu->b, &regs);
}
