/*
 * libFuzzer target for the MMIO instruction decoder (vmm/emulate.c:
 * emulate_decode and the register file helpers). Run by
 * `fuzz_vmm.sh emulate`, which seeds it with gen_vmm_corpus's
 * instructions.
 *
 * Input: byte 0 picks the mode (its value mod 3: 16-, 32- or 64-bit), the
 * rest are the guest's instruction bytes, given to the decoder in a heap
 * buffer of exactly their size so that ASan sees any read past avail.
 * Besides the sanitizers, these oracles turn silent misbehaviour into
 * crashes:
 *  - the result is 0 or one of the errors sv/emulate.h documents, and
 *    out->len is what it says: on success 1..15 and at most the bytes
 *    given; on failure the bytes examined, all of them for -SV_EFAULT,
 *    15 for -SV_E2BIG;
 *  - a decoded instruction is well formed: a known kind, an access of 1,
 *    2, 4 or 8 bytes (8 only in 64-bit mode), a register below 16 (below
 *    8 without REX), a register width that fits the kind, the high-byte
 *    and immediate forms only where they exist, an immediate that fits;
 *  - the decoder depends on the bytes it examined and nothing else, which
 *    is what emulate.c's fetch relies on when it decodes the first page's
 *    bytes and again with the next page's: given only the first k bytes,
 *    it runs out (-SV_EFAULT, len k) for k below the full result's len,
 *    and gives the full result, field for field, from len on;
 *  - emulate_store_value reads the named register (or the immediate) and
 *    changes nothing; emulate_load_apply writes the named register, and
 *    only it, with the partial-register rules of the SDM (8- and 16-bit
 *    writes keep the other bits, 32-bit writes clear bits 63:32, MOVZX
 *    zero-extends, MOVSX sign-extends);
 *  - emulate_execute, for every kind that reads, changes only the named
 *    register (ALU r,r/m, XCHG and the loads) and RFLAGS' status flags
 *    (not for the moves, XCHG or NOT), to the values a reference model
 *    here computes with 128-bit arithmetic (CF and OF from the true
 *    unsigned and signed results leaving the operand's range); it reports
 *    a write, with a value that fits the access, for the writing kinds
 *    (RMW, XCHG) and only for them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/emulate.h"
#include "sv/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "oracle failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

/*
 * struct sv_regs' field for each enum sv_vmx_gpr (the ModRM order), written
 * out here rather than taken from vcpu_gpr.
 */
static const size_t gpr_offset[16] = {
	offsetof(struct sv_regs, rax), offsetof(struct sv_regs, rcx),
	offsetof(struct sv_regs, rdx), offsetof(struct sv_regs, rbx),
	offsetof(struct sv_regs, rsp), offsetof(struct sv_regs, rbp),
	offsetof(struct sv_regs, rsi), offsetof(struct sv_regs, rdi),
	offsetof(struct sv_regs, r8), offsetof(struct sv_regs, r9),
	offsetof(struct sv_regs, r10), offsetof(struct sv_regs, r11),
	offsetof(struct sv_regs, r12), offsetof(struct sv_regs, r13),
	offsetof(struct sv_regs, r14), offsetof(struct sv_regs, r15),
};

static uint64_t *gpr(struct sv_regs *r, unsigned n)
{
	return (uint64_t *)(void *)((char *)r + gpr_offset[n]);
}

static uint64_t mask_of(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static bool width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/* Decode the first n bytes, copied to a heap buffer of exactly n bytes. */
static int decode_copy(const uint8_t *bytes, size_t n, enum sv_insn_mode mode,
		       struct sv_insn *out)
{
	uint8_t *b = malloc(n ? n : 1);
	int err;

	CHECK(b != NULL);
	memcpy(b, bytes, n);
	/* n == 0: the decoder gets a pointer to nothing it may read */
	err = emulate_decode(n ? b : b + 1, n, mode, out);
	free(b);
	return err;
}

static bool same_insn(const struct sv_insn *a, const struct sv_insn *b)
{
	return a->kind == b->kind && a->len == b->len && a->size == b->size &&
	       a->reg_size == b->reg_size && a->reg == b->reg &&
	       a->high_byte == b->high_byte && a->has_imm == b->has_imm &&
	       a->alu == b->alu && a->imm == b->imm;
}

static bool is_load(enum sv_insn_kind k)
{
	return k == SV_INSN_LOAD || k == SV_INSN_LOAD_ZX ||
	       k == SV_INSN_LOAD_SX;
}

static bool is_extend(enum sv_insn_kind k)
{
	return k == SV_INSN_LOAD_ZX || k == SV_INSN_LOAD_SX;
}

/* The operations each kind may carry. */
static bool alu_fits(const struct sv_insn *in)
{
	switch (in->kind) {
	case SV_INSN_STORE:
	case SV_INSN_LOAD:
	case SV_INSN_LOAD_ZX:
	case SV_INSN_LOAD_SX:
	case SV_INSN_XCHG:
		return in->alu == SV_ALU_NONE;
	case SV_INSN_RMW:
		return in->alu >= SV_ALU_ADD && in->alu <= SV_ALU_NEG;
	case SV_INSN_ALU_LOAD:
		return in->alu >= SV_ALU_ADD && in->alu <= SV_ALU_XOR;
	case SV_INSN_COMPARE:
		return in->alu == SV_ALU_SUB || in->alu == SV_ALU_AND;
	case SV_INSN_COMPARE_REG:
		return in->alu == SV_ALU_SUB;
	}
	return false;
}

static void check_decoded(const struct sv_insn *in, enum sv_insn_mode mode,
			  size_t avail)
{
	bool unary = in->alu == SV_ALU_NOT || in->alu == SV_ALU_NEG;

	CHECK(in->len >= 1 && in->len <= SV_INSN_MAX_LEN && in->len <= avail);
	CHECK(in->kind >= SV_INSN_STORE && in->kind <= SV_INSN_XCHG);
	CHECK(alu_fits(in));
	CHECK(width_ok(in->size) && width_ok(in->reg_size));
	CHECK(in->reg < 16);
	if (mode != SV_INSN_MODE_64) {
		CHECK(in->size <= 4 && in->reg_size <= 4);
		CHECK(in->reg < 8);	/* no REX to reach R8-R15 */
	}
	if (is_extend(in->kind))
		CHECK(in->size <= 2 && in->reg_size >= 2 &&
		      in->reg_size >= in->size);
	else
		CHECK(in->reg_size == in->size);
	if (in->high_byte)
		CHECK(in->size == 1 && in->reg < 4 && !in->has_imm &&
		      !is_extend(in->kind) && !unary);
	if (unary)	/* NOT and NEG name no register and no immediate */
		CHECK(!in->has_imm && in->reg == 0);
	if (in->has_imm)
		CHECK((in->kind == SV_INSN_STORE || in->kind == SV_INSN_RMW ||
		       in->kind == SV_INSN_COMPARE) &&
		      (in->imm & ~mask_of(in->size)) == 0);
}

/* The outcome and its len, for any input: the contract of sv/emulate.h. */
static void check_result(int err, const struct sv_insn *in,
			 enum sv_insn_mode mode, size_t avail)
{
	size_t looked = avail < SV_INSN_MAX_LEN ? avail : SV_INSN_MAX_LEN;

	switch (err) {
	case 0:
		check_decoded(in, mode, avail);
		break;
	case -SV_ENOSYS:
	case -SV_EINVAL:
		CHECK(in->len >= 1 && in->len <= looked);
		break;
	case -SV_EFAULT:	/* ran out of the bytes given */
		CHECK(avail < SV_INSN_MAX_LEN && in->len == avail);
		break;
	case -SV_E2BIG:		/* ran out of the 15 an instruction may have */
		CHECK(avail >= SV_INSN_MAX_LEN &&
		      in->len == SV_INSN_MAX_LEN);
		break;
	default:
		CHECK(!"emulate_decode returned an undocumented code");
	}
}

/* The decoder sees only the bytes it examined (see the header). */
static void check_prefixes(const uint8_t *bytes, size_t avail,
			   enum sv_insn_mode mode, int full_err,
			   const struct sv_insn *full)
{
	size_t top = avail < SV_INSN_MAX_LEN ? avail : SV_INSN_MAX_LEN;

	for (size_t k = 0; k <= top; k++) {
		struct sv_insn in;
		int err;

		if (k == avail)
			continue;	/* the full decode */
		err = decode_copy(bytes, k, mode, &in);
		check_result(err, &in, mode, k);
		if (k < full->len) {
			CHECK(err == -SV_EFAULT && in.len == k);
		} else {
			CHECK(err == full_err);
			CHECK(err ? in.len == full->len : same_insn(&in, full));
		}
	}
}

/* RFLAGS' status flags, the SDM's bit numbers */
#define F_CF 0x001ull
#define F_PF 0x004ull
#define F_AF 0x010ull
#define F_ZF 0x040ull
#define F_SF 0x080ull
#define F_OF 0x800ull
#define F_STATUS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

static __int128 signed_of(uint64_t v, unsigned bytes)
{
	unsigned bits = 8 * bytes;

	v &= mask_of(bytes);
	if (v >> (bits - 1))
		return (__int128)v - ((__int128)1 << bits);
	return (__int128)v;
}

/*
 * The reference: a op b on bytes, *flags the status flags (SDM vol. 2,
 * each instruction's "Flags Affected"; AF undefined for the logic ops,
 * where the emulator clears it). *flags_set is false for NOT.
 */
static uint64_t ref_alu(enum sv_alu_op op, unsigned bytes, uint64_t a,
			uint64_t b, uint64_t *flags, bool *flags_set)
{
	uint64_t m = mask_of(bytes), r, f = 0;
	unsigned __int128 ur = 0;
	__int128 sr = 0, smax = ((__int128)1 << (8 * bytes - 1)) - 1;
	bool arith = true;
	unsigned ones = 0;

	a &= m;
	b &= m;
	*flags_set = true;
	switch (op) {
	case SV_ALU_ADD:
		ur = (unsigned __int128)a + b;
		sr = signed_of(a, bytes) + signed_of(b, bytes);
		if ((a & 0xf) + (b & 0xf) > 0xf)
			f |= F_AF;
		break;
	case SV_ALU_NEG:
		b = a;
		a = 0;
		/* fall through */
	case SV_ALU_SUB:
		ur = (unsigned __int128)a - b;	/* wraps above m if a < b */
		sr = signed_of(a, bytes) - signed_of(b, bytes);
		if ((a & 0xf) < (b & 0xf))
			f |= F_AF;
		break;
	case SV_ALU_OR:
		ur = a | b;
		arith = false;
		break;
	case SV_ALU_AND:
		ur = a & b;
		arith = false;
		break;
	case SV_ALU_XOR:
		ur = a ^ b;
		arith = false;
		break;
	case SV_ALU_NOT:
		*flags_set = false;
		*flags = 0;
		return ~a & m;
	default:
		CHECK(!"no operation");
	}
	r = (uint64_t)ur & m;
	if (arith) {
		if (ur > m)
			f |= F_CF;
		if (sr > smax || sr < -smax - 1)
			f |= F_OF;
	}
	if (!r)
		f |= F_ZF;
	if (r >> (8 * bytes - 1))
		f |= F_SF;
	for (unsigned i = 0; i < 8; i++)
		ones += (r >> i) & 1;
	if (!(ones & 1))
		f |= F_PF;
	*flags = f;
	return r;
}

/* A register written as a load of value would be. */
static uint64_t as_load(const struct sv_insn *in, uint64_t old, uint64_t value)
{
	uint64_t mask = mask_of(in->reg_size);

	value &= mask_of(in->size);
	if (in->kind == SV_INSN_LOAD_SX)
		value = (uint64_t)(int64_t)signed_of(value, in->size);
	if (in->high_byte)
		return (old & ~0xff00ull) | (value << 8);
	if (in->reg_size >= 4)
		return value & mask;	/* 32-bit writes zero-extend */
	return (old & ~mask) | (value & mask);
}

/* The register file helpers on a decoded instruction. */
static void check_registers(const struct sv_insn *in, const uint8_t *data,
			    size_t size)
{
	struct sv_regs before, after, again;
	uint64_t value = 0x8877665544332211ull, old, want, store, wflags = 0;
	uint64_t rv, src, sz_mask = mask_of(in->size);
	bool writes, fset = false;

	/* every register distinct, every byte of each distinct */
	for (unsigned i = 0; i < 16; i++)
		*gpr(&before, i) = 0x0101010101010101ull * (0x10 + i) ^
				   0x0706050403020100ull;
	before.rip = 0x1234567890abcdefull;
	/* status flags from the input too, so "unchanged" means something */
	before.rflags = 0x202 | ((data[0] * 0x1111ull) & F_STATUS);
	for (size_t i = 0; i < size && i < 8; i++)	/* what memory gave */
		value ^= (uint64_t)data[size - 1 - i] << (8 * i);

	after = before;
	old = *gpr(&before, in->reg);
	rv = (in->high_byte ? old >> 8 : old) & sz_mask;
	if (in->kind == SV_INSN_STORE) {
		want = in->has_imm ? in->imm : rv;
		CHECK(emulate_store_value(in, &after) == want);
		CHECK(memcmp(&before, &after, sizeof(before)) == 0);
		CHECK(emulate_writes_memory(in));
		return;
	}

	if (is_load(in->kind)) {	/* emulate_load_apply alone, too */
		again = before;
		emulate_load_apply(in, &again, value);
		CHECK(*gpr(&again, in->reg) == as_load(in, old, value));
		*gpr(&again, in->reg) = old;
		CHECK(memcmp(&before, &again, sizeof(before)) == 0);
	}

	store = 0xdead;
	writes = emulate_execute(in, &after, value, &store);
	CHECK(writes == emulate_writes_memory(in));
	CHECK(writes == (in->kind == SV_INSN_RMW || in->kind == SV_INSN_XCHG));
	src = in->has_imm ? in->imm : rv;
	want = old;
	switch (in->kind) {
	case SV_INSN_RMW:
		CHECK(store == ref_alu((enum sv_alu_op)in->alu, in->size,
				       value, src, &wflags, &fset));
		break;
	case SV_INSN_COMPARE:
		(void)ref_alu((enum sv_alu_op)in->alu, in->size, value, src,
			      &wflags, &fset);
		break;
	case SV_INSN_COMPARE_REG:
		(void)ref_alu((enum sv_alu_op)in->alu, in->size, rv, value,
			      &wflags, &fset);
		break;
	case SV_INSN_ALU_LOAD:
		want = as_load(in, old,
			       ref_alu((enum sv_alu_op)in->alu, in->size, rv,
				       value, &wflags, &fset));
		break;
	case SV_INSN_XCHG:
		CHECK(store == rv);
		want = as_load(in, old, value);
		break;
	default:	/* the loads */
		want = as_load(in, old, value);
		break;
	}
	if (writes)
		CHECK((store & ~sz_mask) == 0);
	CHECK(*gpr(&after, in->reg) == want);
	if (fset)
		CHECK(after.rflags == ((before.rflags & ~F_STATUS) | wflags));
	else
		CHECK(after.rflags == before.rflags);
	/* and nothing else changed */
	*gpr(&after, in->reg) = old;
	after.rflags = before.rflags;
	CHECK(memcmp(&before, &after, sizeof(before)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sv_insn_mode mode;
	struct sv_insn in, again;
	const uint8_t *bytes;
	size_t avail;
	int err;

	if (size == 0)
		return 0;
	mode = (enum sv_insn_mode)(data[0] % 3);
	bytes = data + 1;
	avail = size - 1;

	err = decode_copy(bytes, avail, mode, &in);
	check_result(err, &in, mode, avail);
	CHECK(decode_copy(bytes, avail, mode, &again) == err);
	CHECK(err ? again.len == in.len : same_insn(&again, &in));
	check_prefixes(bytes, avail, mode, err, &in);
	if (err == 0)
		check_registers(&in, data, size);
	return 0;
}
