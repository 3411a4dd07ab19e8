/*
 * Seeds for fuzz_emulate and fuzz_walk, one file each in the directory
 * given.
 *
 *   gen_vmm_corpus emulate DIR
 *   gen_vmm_corpus walk DIR
 *
 * emulate: a mode byte, then one instruction of every form the decoder
 * knows (sv/emulate.h: moves, MOVSX, the ALU group, TEST, NOT/NEG, XCHG)
 * in the modes where it means something, with prefixes, SIB bytes and
 * displacements, and a few it refuses (ADC/SBB, LOCK, MUL).
 * walk: fuzz_walk's header and a RAM image holding one page-table tree
 * that translates the header's address, for each format and page size,
 * as read, write and user fetch. The tables sit in the first pages so
 * the files stay small (fuzz_walk zero-pads the rest of RAM).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void save(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- instructions ------------------------------------------------------------ */

struct insn_seed {
	const char *name;
	uint8_t mode;		/* 0 16-bit, 1 32-bit, 2 64-bit */
	uint8_t n;
	uint8_t b[15];
};

#define I(name, mode, ...) { name, mode, \
	sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const struct insn_seed insns[] = {
	I("mov16_store_bx_al", 0, 0x88, 0x07),
	I("mov16_store_ah", 0, 0x88, 0x27),
	I("mov16_o32_store", 0, 0x66, 0x89, 0x07),
	I("mov16_load_disp16", 0, 0x8a, 0x0e, 0x34, 0x12),
	I("mov16_bp_disp8", 0, 0x8b, 0x46, 0x10),
	I("mov16_imm16", 0, 0xc7, 0x06, 0x00, 0x10, 0x34, 0x12),
	I("mov16_moffs", 0, 0xa1, 0x00, 0x10),
	I("mov16_a32", 0, 0x67, 0x8b, 0x05, 0, 0, 0xf0, 0xfe),
	I("mov32_load", 1, 0x8b, 0x37),
	I("mov32_disp32", 1, 0x8b, 0x05, 0, 0, 0xf0, 0xfe),
	I("mov32_sib_disp8", 1, 0x8b, 0x44, 0x24, 0x08),
	I("mov32_sib_nobase", 1, 0x8b, 0x04, 0x25, 0, 0, 0xf0, 0xfe),
	I("mov32_imm32_disp32", 1, 0xc7, 0x80, 0, 1, 0, 0, 0x78, 0x56, 0x34, 0x12),
	I("mov32_o16_imm", 1, 0x66, 0xc7, 0x00, 0x34, 0x12),
	I("mov32_imm8", 1, 0xc6, 0x00, 0x5a),
	I("mov32_moffs_store", 1, 0xa3, 0, 0, 0xf0, 0xfe),
	I("movzx32_byte", 1, 0x0f, 0xb6, 0x07),
	I("movzx32_word_seg", 1, 0x64, 0x0f, 0xb7, 0x47, 0x04),
	I("mov64_rex_w", 2, 0x48, 0x89, 0x07),
	I("mov64_rex_r", 2, 0x4c, 0x8b, 0x07),
	I("mov64_rip_rel", 2, 0x8b, 0x05, 0x10, 0, 0, 0),
	I("mov64_spl", 2, 0x40, 0x88, 0x27),
	I("mov64_imm_sext", 2, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	I("mov64_moffs64", 2, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	I("movzx64", 2, 0x48, 0x0f, 0xb7, 0x0f),
	I("mov64_a32_sib", 2, 0x67, 0x8b, 0x44, 0x8d, 0x7f),
	I("movsx32_byte", 1, 0x0f, 0xbe, 0x07),
	I("movsx16_word", 0, 0x0f, 0xbf, 0x07),
	I("movsx64_word", 2, 0x48, 0x0f, 0xbf, 0x07),
	I("add32_rm_r", 1, 0x01, 0x07),
	I("add8_rm_ah", 1, 0x00, 0x27),
	I("or16_r_rm", 0, 0x0b, 0x46, 0x04),
	I("and32_r8_rm", 1, 0x22, 0x37),
	I("sub32_sib", 1, 0x29, 0x44, 0x24, 0x08),
	I("xor64_rex", 2, 0x4c, 0x31, 0x07),
	I("cmp32_rm_r", 1, 0x39, 0x07),
	I("cmp32_r_rm", 1, 0x3b, 0x05, 0, 0, 0xf0, 0xfe),
	I("grp1_or8_imm8", 1, 0x80, 0x0f, 0x01),
	I("grp1_or32_imm32", 1, 0x81, 0x0f, 0, 0, 0, 0x80),
	I("grp1_and32_imm8s", 1, 0x83, 0x27, 0xfb),
	I("grp1_add16_imm16", 0, 0x81, 0x07, 0x34, 0x12),
	I("grp1_cmp64_imm32", 2, 0x48, 0x81, 0x3f, 0xff, 0xff, 0xff, 0x7f),
	I("grp1_sub64_imm8", 2, 0x48, 0x83, 0x2f, 0x80),
	I("test32_rm_r", 1, 0x85, 0x07),
	I("test8_imm", 1, 0xf6, 0x47, 0x04, 0x80),
	I("test32_imm", 1, 0xf7, 0x07, 0, 0, 0, 1),
	I("test16_imm", 0, 0xf7, 0x07, 0x00, 0x80),
	I("not32", 1, 0xf7, 0x17),
	I("neg8", 1, 0xf6, 0x1f),
	I("neg64", 2, 0x48, 0xf7, 0x1f),
	I("xchg32", 1, 0x87, 0x07),
	I("xchg8_bh", 1, 0x86, 0x3f),
	I("xchg64_r8", 2, 0x4c, 0x87, 0x07),
	I("refused_adc", 1, 0x11, 0x07),
	I("refused_sbb_imm", 1, 0x83, 0x1f, 0x01),
	I("refused_lock_or", 1, 0xf0, 0x09, 0x07),
	I("refused_mul", 1, 0xf7, 0x27),
	I("refused_rep", 1, 0xf3, 0xa5),
	I("refused_register", 1, 0x89, 0xc0),
	I("refused_c7_1", 1, 0xc7, 0x08, 0, 0, 0, 0),
	I("long_prefixes", 1, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	  0x26, 0x26, 0x26, 0x66, 0x8b, 0x05, 0),
};

static void gen_emulate(const char *dir)
{
	for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		uint8_t b[16];

		b[0] = insns[i].mode;
		memcpy(b + 1, insns[i].b, insns[i].n);
		save(dir, insns[i].name, b, 1u + insns[i].n);
	}
}

/* ---- page-table trees (fuzz_walk.c's input layout) --------------------------- */

#define HDR_SIZE	15
#define PAGE		0x1000u
#define IMAGE		(6 * PAGE)	/* tables in pages 1-4, data in 5 */

/* fuzz_walk's header bits */
enum { M32 = 0, MPAE = 1, M4 = 2 };
#define H0_WP		0x04u
#define H0_PSE		0x08u
#define H0_NXE		0x10u
#define H1_WRITE	0x01u
#define H1_FETCH	0x02u
#define H1_USER		0x04u
#define H1_PAGE1GB	0x40u
#define MAXPHY_36	(36 - 30)

#define P	0x1ull
#define RW	0x2ull
#define US	0x4ull
#define PS	0x80ull
#define T	(P | RW | US)	/* a table entry allowing everything */

struct walk_seed {
	uint8_t b[HDR_SIZE + IMAGE];
};

static void put(struct walk_seed *s, uint64_t at, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		s->b[HDR_SIZE + at + i] = (uint8_t)(v >> (8 * i));
}

static void header(struct walk_seed *s, uint8_t h0, uint8_t h1, uint64_t la,
		   uint32_t cr3)
{
	memset(s, 0, sizeof(*s));
	s->b[0] = h0;
	s->b[1] = h1;
	s->b[2] = MAXPHY_36;
	for (unsigned i = 0; i < 8; i++)
		s->b[3 + i] = (uint8_t)(la >> (8 * i));
	for (unsigned i = 0; i < 4; i++)
		s->b[11 + i] = (uint8_t)(cr3 >> (8 * i));
}

/* Indexes 1, 2, 3, 4 at the 4-level shifts, and an offset. */
#define LA4	((1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12) | 0x123)
/* PDPT 2, PD 3, PT 4 for PAE; PD 0x43, PT 4 for 32-bit */
#define LAPAE	((2ull << 30) | (3ull << 21) | (4ull << 12) | 0x456)
#define LA32	((0x43ull << 22) | (4ull << 12) | 0x789)

static void gen_tree(const char *dir, const char *name, int fmt, bool large,
		     uint8_t h1)
{
	struct walk_seed s;
	uint64_t data = 5 * PAGE;

	switch (fmt) {
	case M32:
		header(&s, M32 | H0_WP | (large ? H0_PSE : 0), h1, LA32,
		       1 * PAGE);
		if (large) {		/* a 4 MiB page at 4 MiB * 5 */
			put(&s, 1 * PAGE + 0x43 * 4, (5ull << 22) | T | PS, 4);
			break;
		}
		put(&s, 1 * PAGE + 0x43 * 4, 2 * PAGE | T, 4);
		put(&s, 2 * PAGE + 4 * 4, data | T, 4);
		break;
	case MPAE:	/* the PDPT at a 32-byte boundary, not a page */
		header(&s, MPAE | H0_WP | H0_NXE, h1, LAPAE, 1 * PAGE + 0xfe0);
		put(&s, 1 * PAGE + 0xfe0 + 2 * 8, 2 * PAGE | P, 8);
		if (large) {
			put(&s, 2 * PAGE + 3 * 8, (7ull << 21) | T | PS, 8);
			break;
		}
		put(&s, 2 * PAGE + 3 * 8, 3 * PAGE | T, 8);
		put(&s, 3 * PAGE + 4 * 8, data | T, 8);
		break;
	default:
		header(&s, M4 | H0_WP | H0_NXE, h1 | H1_PAGE1GB, LA4, 1 * PAGE);
		put(&s, 1 * PAGE + 1 * 8, 2 * PAGE | T, 8);
		if (large) {		/* a 1 GiB page, and a 2 MiB one */
			put(&s, 2 * PAGE + 2 * 8, (3ull << 30) | T | PS, 8);
			put(&s, 2 * PAGE + 0 * 8, 3 * PAGE | T, 8);
			put(&s, 3 * PAGE + 3 * 8, (9ull << 21) | T | PS, 8);
			break;
		}
		put(&s, 2 * PAGE + 2 * 8, 3 * PAGE | T, 8);
		put(&s, 3 * PAGE + 3 * 8, 4 * PAGE | T, 8);
		put(&s, 4 * PAGE + 4 * 8, data | T, 8);
		break;
	}
	save(dir, name, s.b, sizeof(s.b));
}

static void gen_walk(const char *dir)
{
	static const struct {
		const char *name;
		int fmt;
		bool large;
	} trees[] = {
		{ "32_4k", M32, false }, { "32_4m", M32, true },
		{ "pae_4k", MPAE, false }, { "pae_2m", MPAE, true },
		{ "4l_4k", M4, false }, { "4l_1g", M4, true },
	};
	static const struct {
		const char *name;
		uint8_t h1;
	} kinds[] = {
		{ "read", 0 }, { "write", H1_WRITE },
		{ "user_fetch", H1_FETCH | H1_USER },
	};
	char name[64];

	for (size_t t = 0; t < sizeof(trees) / sizeof(trees[0]); t++)
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			snprintf(name, sizeof(name), "%s_%s", trees[t].name,
				 kinds[k].name);
			gen_tree(dir, name, trees[t].fmt, trees[t].large,
				 kinds[k].h1);
		}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "emulate"))
		gen_emulate(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "walk"))
		gen_walk(argv[2]);
	else {
		fprintf(stderr, "usage: gen_vmm_corpus emulate|walk DIR\n");
		return 2;
	}
	return 0;
}
