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
 *    zero-extends).
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
	       a->imm == b->imm;
}

static void check_decoded(const struct sv_insn *in, enum sv_insn_mode mode,
			  size_t avail)
{
	CHECK(in->len >= 1 && in->len <= SV_INSN_MAX_LEN && in->len <= avail);
	CHECK(in->kind == SV_INSN_STORE || in->kind == SV_INSN_LOAD ||
	      in->kind == SV_INSN_LOAD_ZX);
	CHECK(width_ok(in->size) && width_ok(in->reg_size));
	CHECK(in->reg < 16);
	if (mode != SV_INSN_MODE_64) {
		CHECK(in->size <= 4 && in->reg_size <= 4);
		CHECK(in->reg < 8);	/* no REX to reach R8-R15 */
	}
	if (in->kind == SV_INSN_LOAD_ZX)
		CHECK(in->size <= 2 && in->reg_size >= 2 &&
		      in->reg_size >= in->size);
	else
		CHECK(in->reg_size == in->size);
	if (in->high_byte)
		CHECK(in->size == 1 && in->reg < 4 && !in->has_imm &&
		      in->kind != SV_INSN_LOAD_ZX);
	if (in->has_imm)
		CHECK(in->kind == SV_INSN_STORE &&
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

/* The register file helpers on a decoded instruction. */
static void check_registers(const struct sv_insn *in, const uint8_t *data,
			    size_t size)
{
	struct sv_regs before, after;
	uint64_t value = 0x8877665544332211ull, old, want, mask;
	unsigned width = in->reg_size;

	/* every register distinct, every byte of each distinct */
	for (unsigned i = 0; i < 16; i++)
		*gpr(&before, i) = 0x0101010101010101ull * (0x10 + i) ^
				   0x0706050403020100ull;
	before.rip = 0x1234567890abcdefull;
	before.rflags = 0x2;
	for (size_t i = 0; i < size && i < 8; i++)	/* what memory gave */
		value ^= (uint64_t)data[size - 1 - i] << (8 * i);

	after = before;
	old = *gpr(&before, in->reg);
	if (in->kind == SV_INSN_STORE) {
		want = in->has_imm ? in->imm :
		       (in->high_byte ? old >> 8 : old) & mask_of(in->size);
		CHECK(emulate_store_value(in, &after) == want);
		CHECK(memcmp(&before, &after, sizeof(before)) == 0);
		return;
	}

	emulate_load_apply(in, &after, value);
	value &= mask_of(in->size);	/* a load reads size bytes */
	mask = mask_of(width);
	if (in->high_byte)
		want = (old & ~0xff00ull) | (value << 8);
	else if (width == 4 || width == 8)
		want = value & mask;	/* 32-bit writes zero-extend */
	else
		want = (old & ~mask) | (value & mask);
	CHECK(*gpr(&after, in->reg) == want);
	*gpr(&after, in->reg) = old;	/* and nothing else changed */
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
