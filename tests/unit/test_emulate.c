/*
 * The MMIO instruction emulator (vmm/emulate.c): the decoder over a table
 * of byte sequences (every form, 16/32/64-bit operand and address sizes,
 * ModRM with SIB and displacements, high byte registers, refusals and
 * their lengths), the partial-register rules of loads and stores, then
 * EPT-violation exits without an access size driven through the fake
 * backend against a small MMIO device: what the device saw, the guest's
 * registers and RIP afterwards, and every way the VM is refused. With
 * guest paging on (32-bit and PAE tables in the rig's RAM): the fetch
 * through the tables, split over two pages that are not contiguous, a
 * 2 MiB page, the accessed bits, and the #PF a faulting fetch gives the
 * guest (error code, CR2, RIP kept, no device access). Last, a
 * property run: random bytes never crash the decoder or read past the
 * bytes given, and decode to 1-15 bytes or are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/vmm_internal.h"
#include "fake_backend.h"
#include "sv/cpu.h"
#include "sv/emulate.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv/vmx.h"
#include "sv/walk.h"
#include "sv_test.h"

/* ---- the decoder, table-driven -------------------------------------------- */

enum { M16 = SV_INSN_MODE_16, M32 = SV_INSN_MODE_32, M64 = SV_INSN_MODE_64 };
enum { ST = SV_INSN_STORE, LD = SV_INSN_LOAD, ZX = SV_INSN_LOAD_ZX,
       SX = SV_INSN_LOAD_SX, RMW = SV_INSN_RMW, AL = SV_INSN_ALU_LOAD,
       CMPM = SV_INSN_COMPARE, CMPR = SV_INSN_COMPARE_REG,
       XCHG = SV_INSN_XCHG };
enum { NONE = SV_ALU_NONE, ADD = SV_ALU_ADD, OR = SV_ALU_OR, AND = SV_ALU_AND,
       SUB = SV_ALU_SUB, XOR = SV_ALU_XOR, NOT = SV_ALU_NOT, NEG = SV_ALU_NEG };
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12 };

struct dcase {
	const char *what;
	int mode;
	unsigned n;		/* bytes given; 0: strlen-like, all of b */
	uint8_t b[16];
	int err;
	/* expected on success (len also on failure) */
	unsigned len;
	int kind;
	unsigned size, reg_size, reg;
	bool high, has_imm;
	uint64_t imm;
	int alu;		/* enum sv_alu_op; 0 (none) for the moves */
};

#define B(...) { __VA_ARGS__ }
#define OK(w, m, bytes, l, k, sz, rsz, r, hi) \
	{ w, m, 0, bytes, 0, l, k, sz, rsz, r, hi, false, 0, 0 }
#define IMM(w, m, bytes, l, sz, v) \
	{ w, m, 0, bytes, 0, l, ST, sz, sz, 0, false, true, v, 0 }
#define BAD(w, m, bytes, e, l) \
	{ w, m, 0, bytes, e, l, 0, 0, 0, 0, false, false, 0, 0 }
#define BADN(w, m, cnt, bytes, e, l) \
	{ w, m, cnt, bytes, e, l, 0, 0, 0, 0, false, false, 0, 0 }
/* an operation with a register operand, or with an immediate */
#define OP(w, m, bytes, l, k, sz, r, hi, op) \
	{ w, m, 0, bytes, 0, l, k, sz, sz, r, hi, false, 0, op }
#define OPI(w, m, bytes, l, k, sz, v, op) \
	{ w, m, 0, bytes, 0, l, k, sz, sz, 0, false, true, v, op }

static const struct dcase dcases[] = {
	/* 88/89/8A/8B, operand sizes */
	OK("mov [bx],al",        M16, B(0x88, 0x07), 2, ST, 1, 1, RAX, false),
	OK("mov [bx],ah",        M16, B(0x88, 0x27), 2, ST, 1, 1, RAX, true),
	OK("mov [bx],bh",        M16, B(0x88, 0x3f), 2, ST, 1, 1, RBX, true),
	OK("mov [bx],dl",        M16, B(0x88, 0x17), 2, ST, 1, 1, RDX, false),
	OK("mov [bx],ax",        M16, B(0x89, 0x07), 2, ST, 2, 2, RAX, false),
	OK("o32 mov [bx],eax",   M16, B(0x66, 0x89, 0x07), 3, ST, 4, 4, RAX, false),
	OK("mov [edi],eax",      M32, B(0x89, 0x07), 2, ST, 4, 4, RAX, false),
	OK("o16 mov [edi],ax",   M32, B(0x66, 0x89, 0x07), 3, ST, 2, 2, RAX, false),
	OK("mov [edi],esp: reg 4 is ESP", M32, B(0x89, 0x27), 2, ST, 4, 4, RSP, false),
	OK("mov cl,[1234]",      M16, B(0x8a, 0x0e, 0x34, 0x12), 4, LD, 1, 1, RCX, false),
	OK("mov ch,[1234]",      M16, B(0x8a, 0x2e, 0x34, 0x12), 4, LD, 1, 1, RCX, true),
	OK("mov eax,[disp32]",   M32, B(0x8b, 0x05, 0, 0, 0xf0, 0xfe), 6, LD, 4, 4, RAX, false),
	OK("mov esi,[edi]",      M32, B(0x8b, 0x37), 2, LD, 4, 4, RSI, false),
	/* 32-bit addressing forms */
	OK("[esp+8]: SIB disp8", M32, B(0x8b, 0x44, 0x24, 0x08), 4, LD, 4, 4, RAX, false),
	OK("[esp+256]: SIB disp32", M32, B(0x8b, 0x84, 0x24, 0, 1, 0, 0), 7, LD, 4, 4, RAX, false),
	OK("[disp32]: SIB no base", M32, B(0x8b, 0x04, 0x25, 0, 0, 0xf0, 0xfe), 7, LD, 4, 4, RAX, false),
	OK("[ecx*4+disp32]",     M32, B(0x8b, 0x0c, 0x8d, 0, 0, 0xf0, 0xfe), 7, LD, 4, 4, RCX, false),
	OK("[eax+ecx]: SIB, no disp", M32, B(0x8b, 0x14, 0x08), 3, LD, 4, 4, RDX, false),
	OK("[ebp+ecx] mod 1: SIB base 5 disp8", M32, B(0x8b, 0x54, 0x0d, 0x10), 4, LD, 4, 4, RDX, false),
	OK("[eax+4]: disp8",     M32, B(0x8b, 0x40, 0x04), 3, LD, 4, 4, RAX, false),
	OK("[eax+4096]: disp32", M32, B(0x8b, 0x80, 0, 0x10, 0, 0), 6, LD, 4, 4, RAX, false),
	OK("[ebp]: mod 1 rm 5",  M32, B(0x8b, 0x45, 0x00), 3, LD, 4, 4, RAX, false),
	/* 16-bit addressing forms */
	OK("[bp-4]: disp8",      M16, B(0x8b, 0x46, 0xfc), 3, LD, 2, 2, RAX, false),
	OK("[bp+1000h]: disp16", M16, B(0x8b, 0x86, 0, 0x10), 4, LD, 2, 2, RAX, false),
	OK("[1000h]: rm 6 disp16", M16, B(0x8b, 0x06, 0, 0x10), 4, LD, 2, 2, RAX, false),
	OK("[bx+si]",            M16, B(0x8b, 0x00), 2, LD, 2, 2, RAX, false),
	OK("[si]: rm 4 is no SIB", M16, B(0x8b, 0x04), 2, LD, 2, 2, RAX, false),
	OK("[di]: rm 5 no disp",  M16, B(0x8b, 0x05), 2, LD, 2, 2, RAX, false),
	OK("a32 in 16-bit: SIB", M16, B(0x67, 0x8b, 0x04, 0x24), 4, LD, 2, 2, RAX, false),
	OK("a16 in 32-bit: disp16", M32, B(0x67, 0x8b, 0x06, 0, 0x10), 5, LD, 4, 4, RAX, false),
	OK("a16 in 32-bit: rm 5 no disp", M32, B(0x67, 0x8b, 0x05, 0x90), 3, LD, 4, 4, RAX, false),
	/* prefixes that do not change the access */
	OK("cs: override",       M32, B(0x2e, 0x8b, 0x07), 3, LD, 4, 4, RAX, false),
	OK("fs o16 a16",         M32, B(0x64, 0x66, 0x67, 0x8b, 0x07), 5, LD, 2, 2, RAX, false),
	OK("66 on a byte move",  M32, B(0x66, 0x88, 0x07), 3, ST, 1, 1, RAX, false),
	/* C6/C7 /0 */
	IMM("mov byte [disp32],5a", M32, B(0xc6, 0x05, 0, 0, 0xf0, 0xfe, 0x5a), 7, 1, 0x5a),
	IMM("mov dword [disp32],imm32", M32,
	    B(0xc7, 0x05, 0, 0, 0xf0, 0xfe, 0x78, 0x56, 0x34, 0x12), 10, 4, 0x12345678),
	IMM("mov word [disp32],imm16", M32,
	    B(0x66, 0xc7, 0x05, 0, 0, 0xf0, 0xfe, 0x34, 0x12), 9, 2, 0x1234),
	IMM("mov word [bx],imm16", M16, B(0xc7, 0x07, 0x34, 0x12), 4, 2, 0x1234),
	IMM("mov word [bx+2],ffff", M16, B(0xc7, 0x47, 0x02, 0xff, 0xff), 5, 2, 0xffff),
	IMM("mov dword [esp+ecx*2+8],-1", M32,
	    B(0xc7, 0x44, 0x4c, 0x08, 0xff, 0xff, 0xff, 0xff), 8, 4, 0xffffffff),
	/* MOVZX */
	OK("movzx eax,byte [edi]", M32, B(0x0f, 0xb6, 0x07), 3, ZX, 1, 4, RAX, false),
	OK("movzx eax,word [edi]", M32, B(0x0f, 0xb7, 0x07), 3, ZX, 2, 4, RAX, false),
	OK("movzx ax,byte [edi]",  M32, B(0x66, 0x0f, 0xb6, 0x07), 4, ZX, 1, 2, RAX, false),
	OK("movzx edi,byte: reg 7 is EDI, not BH", M32, B(0x0f, 0xb6, 0x3f), 3, ZX, 1, 4, RDI, false),
	OK("movzx ax,byte [bx] 16-bit", M16, B(0x0f, 0xb6, 0x07), 3, ZX, 1, 2, RAX, false),
	OK("movzx esp,[disp32]", M32, B(0x0f, 0xb7, 0x25, 0, 0, 0xf0, 0xfe), 7, ZX, 2, 4, RSP, false),
	/* moffs */
	OK("mov al,[moffs16]",   M16, B(0xa0, 0x00, 0x10), 3, LD, 1, 1, RAX, false),
	OK("mov eax,[moffs32]",  M32, B(0xa1, 0, 0, 0xf0, 0xfe), 5, LD, 4, 4, RAX, false),
	OK("mov [moffs32],al",   M32, B(0xa2, 0, 0, 0xf0, 0xfe), 5, ST, 1, 1, RAX, false),
	OK("mov [moffs32],ax",   M32, B(0x66, 0xa3, 0, 0, 0xf0, 0xfe), 6, ST, 2, 2, RAX, false),
	OK("a16 mov eax,[moffs16]", M32, B(0x67, 0xa1, 0x00, 0x10), 4, LD, 4, 4, RAX, false),
	OK("a32 mov ax,[moffs32]", M16, B(0x67, 0xa1, 0, 0, 0xf0, 0xfe), 6, LD, 2, 2, RAX, false),
	/* 64-bit mode: REX */
	OK("mov [rdi],rax",      M64, B(0x48, 0x89, 0x07), 3, ST, 8, 8, RAX, false),
	OK("mov [rdi],r12b",     M64, B(0x44, 0x88, 0x27), 3, ST, 1, 1, R12, false),
	OK("mov [rdi],spl: REX, no AH", M64, B(0x40, 0x88, 0x27), 3, ST, 1, 1, RSP, false),
	OK("mov r8,[rdi]",       M64, B(0x4c, 0x8b, 0x07), 3, LD, 8, 8, R8, false),
	OK("mov eax,[rip+d32]",  M64, B(0x8b, 0x05, 0, 0, 0, 0), 6, LD, 4, 4, RAX, false),
	OK("mov rax,[moffs64]",  M64, B(0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 10, LD, 8, 8, RAX, false),
	OK("movzx r9,word",      M64, B(0x4c, 0x0f, 0xb7, 0x0f), 4, ZX, 2, 8, R9, false),
	IMM("mov qword [rdi],-1", M64, B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), 7, 8, ~0ull),
	IMM("mov qword [rdi],7fffffff", M64, B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), 7, 8, 0x7fffffff),
	/* MOVSX */
	OK("movsx eax,byte [edi]", M32, B(0x0f, 0xbe, 0x07), 3, SX, 1, 4, RAX, false),
	OK("movsx eax,word [edi]", M32, B(0x0f, 0xbf, 0x07), 3, SX, 2, 4, RAX, false),
	OK("movsx ax,byte [edi]",  M32, B(0x66, 0x0f, 0xbe, 0x07), 4, SX, 1, 2, RAX, false),
	OK("movsx di,byte [bx] 16-bit", M16, B(0x0f, 0xbe, 0x3f), 3, SX, 1, 2, RDI, false),
	OK("movsx rax,word [rdi]", M64, B(0x48, 0x0f, 0xbf, 0x07), 4, SX, 2, 8, RAX, false),
	/* ALU r/m,r and r,r/m: bits 5:3 the operation, bit 1 the direction */
	OP("add [edi],eax",      M32, B(0x01, 0x07), 2, RMW, 4, RAX, false, ADD),
	OP("add [edi],ah",       M32, B(0x00, 0x27), 2, RMW, 1, RAX, true, ADD),
	OP("o16 or [edi],cx",    M32, B(0x66, 0x09, 0x0f), 3, RMW, 2, RCX, false, OR),
	OP("or [bx],ax 16-bit",  M16, B(0x09, 0x07), 2, RMW, 2, RAX, false, OR),
	OP("and [edi+8],edx",    M32, B(0x21, 0x57, 0x08), 3, RMW, 4, RDX, false, AND),
	OP("sub [disp32],ebx",   M32, B(0x29, 0x1d, 0, 0, 0xf0, 0xfe), 6, RMW, 4, RBX, false, SUB),
	OP("xor [edi],bl",       M32, B(0x30, 0x1f), 2, RMW, 1, RBX, false, XOR),
	OP("cmp [edi],eax",      M32, B(0x39, 0x07), 2, CMPM, 4, RAX, false, SUB),
	OP("cmp [edi],bh",       M32, B(0x38, 0x3f), 2, CMPM, 1, RBX, true, SUB),
	OP("add eax,[edi]",      M32, B(0x03, 0x07), 2, AL, 4, RAX, false, ADD),
	OP("or cl,[edi]",        M32, B(0x0a, 0x0f), 2, AL, 1, RCX, false, OR),
	OP("and dh,[edi]",       M32, B(0x22, 0x37), 2, AL, 1, RDX, true, AND),
	OP("sub esi,[edi]",      M32, B(0x2b, 0x37), 2, AL, 4, RSI, false, SUB),
	OP("xor ax,[bx+si]",     M16, B(0x33, 0x00), 2, AL, 2, RAX, false, XOR),
	OP("cmp eax,[edi]",      M32, B(0x3b, 0x07), 2, CMPR, 4, RAX, false, SUB),
	OP("cmp r9,[rdi]",       M64, B(0x4c, 0x3b, 0x0f), 3, CMPR, 8, R9, false, SUB),
	OP("add [rdi],sil: REX", M64, B(0x40, 0x00, 0x37), 3, RMW, 1, RSI, false, ADD),
	/* 80/81/83 */
	OPI("or byte [edi],1",   M32, B(0x80, 0x0f, 0x01), 3, RMW, 1, 0x01, OR),
	OPI("or dword [edi],80000000", M32, B(0x81, 0x0f, 0, 0, 0, 0x80), 6, RMW, 4,
	    0x80000000, OR),
	OPI("and dword [edi],-5 (83)", M32, B(0x83, 0x27, 0xfb), 3, RMW, 4, 0xfffffffb, AND),
	OPI("o16 and word [edi],-2 (83)", M32, B(0x66, 0x83, 0x27, 0xfe), 4, RMW, 2, 0xfffe, AND),
	OPI("add word [bx],1234 (81) 16-bit", M16, B(0x81, 0x07, 0x34, 0x12), 4, RMW, 2,
	    0x1234, ADD),
	OPI("sub dword [edi+4],100", M32, B(0x81, 0x6f, 0x04, 0, 1, 0, 0), 7, RMW, 4,
	    0x100, SUB),
	OPI("xor byte [esp+ecx],80", M32, B(0x80, 0x34, 0x0c, 0x80), 4, RMW, 1, 0x80, XOR),
	OPI("cmp dword [edi],0 (83 /7)", M32, B(0x83, 0x3f, 0x00), 3, CMPM, 4, 0, SUB),
	OPI("cmp byte [disp32],ff", M32, B(0x80, 0x3d, 0, 0, 0xf0, 0xfe, 0xff), 7, CMPM, 1,
	    0xff, SUB),
	OPI("add qword [rdi],-1: imm32 sign-extended", M64,
	    B(0x48, 0x81, 0x07, 0xff, 0xff, 0xff, 0xff), 7, RMW, 8, ~0ull, ADD),
	OPI("or qword [rdi],-128 (83)", M64, B(0x48, 0x83, 0x0f, 0x80), 4, RMW, 8,
	    0xffffffffffffff80ull, OR),
	/* TEST, NOT, NEG, XCHG */
	OP("test [edi],eax",     M32, B(0x85, 0x07), 2, CMPM, 4, RAX, false, AND),
	OP("test [edi],ah",      M32, B(0x84, 0x27), 2, CMPM, 1, RAX, true, AND),
	OPI("test dword [edi],01000000", M32, B(0xf7, 0x07, 0, 0, 0, 0x01), 6, CMPM, 4,
	    0x01000000, AND),
	OPI("test byte [edi+4],80", M32, B(0xf6, 0x47, 0x04, 0x80), 4, CMPM, 1, 0x80, AND),
	OPI("test word [bx],8000 16-bit", M16, B(0xf7, 0x07, 0x00, 0x80), 4, CMPM, 2,
	    0x8000, AND),
	OP("not dword [edi]",    M32, B(0xf7, 0x17), 2, RMW, 4, RAX, false, NOT),
	OP("neg byte [edi]",     M32, B(0xf6, 0x1f), 2, RMW, 1, RAX, false, NEG),
	OP("o16 neg word [edi+1]", M32, B(0x66, 0xf7, 0x5f, 0x01), 4, RMW, 2, RAX, false, NEG),
	OP("xchg [edi],eax",     M32, B(0x87, 0x07), 2, XCHG, 4, RAX, false, NONE),
	OP("xchg [edi],bh",      M32, B(0x86, 0x3f), 2, XCHG, 1, RBX, true, NONE),
	OP("xchg [rdi],r8",      M64, B(0x4c, 0x87, 0x07), 3, XCHG, 8, R8, false, NONE),
	/* refusals, with how far the decoder got */
	BAD("rep mov",           M32, B(0xf3, 0x89, 0x07), -SV_ENOSYS, 1),
	BAD("repne",             M32, B(0xf2, 0x89, 0x07), -SV_ENOSYS, 1),
	BAD("lock mov",          M32, B(0xf0, 0x89, 0x07), -SV_ENOSYS, 1),
	BAD("cs rep",            M32, B(0x2e, 0xf3, 0xa5), -SV_ENOSYS, 2),
	BAD("mov cr0,eax",       M32, B(0x0f, 0x22, 0xc0), -SV_ENOSYS, 2),
	BAD("nop",               M32, B(0x90), -SV_ENOSYS, 1),
	BAD("movsd",             M32, B(0xa5), -SV_ENOSYS, 1),
	BAD("adc [edi],eax",     M32, B(0x11, 0x07), -SV_ENOSYS, 1),
	BAD("sbb eax,[edi]",     M32, B(0x1b, 0x07), -SV_ENOSYS, 1),
	BAD("adc dword [edi],1 (83 /2)", M32, B(0x83, 0x17, 0x01), -SV_ENOSYS, 2),
	BAD("sbb dword [edi],imm32 (81 /3)", M32, B(0x81, 0x1f, 1, 0, 0, 0), -SV_ENOSYS, 2),
	BAD("lock or [edi],eax", M32, B(0xf0, 0x09, 0x07), -SV_ENOSYS, 1),
	BAD("lock xchg: explicit LOCK refused too", M32, B(0xf0, 0x87, 0x07), -SV_ENOSYS, 1),
	BAD("add eax,imm32: no memory form", M32, B(0x05, 1, 0, 0, 0), -SV_ENOSYS, 1),
	BAD("daa (27): not an ALU form", M32, B(0x27), -SV_ENOSYS, 1),
	BAD("82 /0: the 80 alias", M32, B(0x82, 0x07, 0x01), -SV_ENOSYS, 1),
	BAD("mul dword [edi] (f7 /4)", M32, B(0xf7, 0x27), -SV_ENOSYS, 2),
	BAD("idiv byte [edi] (f6 /7)", M32, B(0xf6, 0x3f), -SV_ENOSYS, 2),
	BAD("f7 /1: undocumented test", M32, B(0xf7, 0x0f, 1, 0, 0, 0), -SV_ENOSYS, 2),
	BAD("0f af imul: unknown", M32, B(0x0f, 0xaf, 0x07), -SV_ENOSYS, 2),
	BAD("add eax,ecx: no memory", M32, B(0x01, 0xc8), -SV_EINVAL, 2),
	BAD("add eax,1: no memory", M32, B(0x83, 0xc0, 0x01), -SV_EINVAL, 2),
	BAD("not eax: no memory", M32, B(0xf7, 0xd0), -SV_EINVAL, 2),
	BAD("xchg eax,ecx (87 c8): no memory", M32, B(0x87, 0xc8), -SV_EINVAL, 2),
	BAD("movsx eax,cl: no memory", M32, B(0x0f, 0xbe, 0xc1), -SV_EINVAL, 3),
	BADN("truncated imm32 of 81", M32, 4, B(0x81, 0x07, 1, 2), -SV_EFAULT, 4),
	BADN("truncated imm8 of 83 after disp32", M32, 6,
	     B(0x83, 0x05, 0, 0, 0xf0, 0xfe), -SV_EFAULT, 6),
	BADN("truncated imm of f7 /0", M16, 3, B(0xf7, 0x07, 0x01), -SV_EFAULT, 3),
	BAD("c6 /1 is not mov",  M32, B(0xc6, 0x4f, 0x00, 0x00), -SV_ENOSYS, 2),
	BAD("c7 /7 is not mov",  M32, B(0xc7, 0xf8, 0, 0, 0, 0), -SV_ENOSYS, 2),
	BAD("inc eax in 32-bit: 40 is no REX", M32, B(0x40, 0x89, 0x07), -SV_ENOSYS, 1),
	BAD("legacy prefix after REX", M64, B(0x48, 0x66, 0x89, 0x07), -SV_ENOSYS, 2),
	BAD("mov eax,ecx: no memory", M32, B(0x89, 0xc8), -SV_EINVAL, 2),
	BAD("movzx eax,cl: no memory", M32, B(0x0f, 0xb6, 0xc1), -SV_EINVAL, 3),
	BADN("truncated disp32", M32, 3, B(0x8b, 0x05, 0x00), -SV_EFAULT, 3),
	BADN("truncated imm",    M32, 8, B(0xc7, 0x05, 0, 0, 0, 0, 1, 2), -SV_EFAULT, 8),
	BADN("truncated SIB",    M32, 2, B(0x8b, 0x04), -SV_EFAULT, 2),
	BADN("only prefixes",    M32, 2, B(0x66, 0x67), -SV_EFAULT, 2),
	BADN("nothing",          M32, 0, B(0), -SV_EFAULT, 0),
	BADN("15 prefixes",      M32, 15, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x66), -SV_E2BIG, 15),
	BADN("16 bytes long",    M32, 16, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					      0x89, 0x07), -SV_E2BIG, 15),
	{ "15 bytes exactly", M32, 15, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89,
					  0x07), 0, 15, ST, 2, 2, RAX, false, false, 0, 0 },
};

/* How many of b's bytes a case gives: n, or up to the last non-zero one. */
static unsigned case_len(const struct dcase *c)
{
	unsigned n = sizeof(c->b);

	if (c->n || c->err == -SV_EFAULT)
		return c->n;
	while (n > 0 && c->b[n - 1] == 0)
		n--;
	/* trailing zero bytes that belong to the instruction */
	return n > c->len ? n : c->len;
}

static void test_decode_table(void)
{
	for (size_t i = 0; i < SV_ARRAY_SIZE(dcases); i++) {
		const struct dcase *c = &dcases[i];
		unsigned n = case_len(c);
		/* exactly n bytes on the heap: a read past them is ASan's */
		uint8_t *buf = malloc(n ? n : 1);
		struct sv_insn in;
		int err;

		memcpy(buf, c->b, n);
		err = emulate_decode(buf, n, (enum sv_insn_mode)c->mode, &in);
		free(buf);
		if (err != c->err || in.len != c->len ||
		    (!err && (in.kind != (enum sv_insn_kind)c->kind ||
			      in.size != c->size || in.reg_size != c->reg_size ||
			      in.has_imm != c->has_imm ||
			      in.alu != (uint8_t)c->alu ||
			      (c->has_imm ? in.imm != c->imm :
			       (in.reg != c->reg || in.high_byte != c->high))))) {
			SV_TEST_FAIL_(__FILE__, __LINE__, "%s: err %d len %u kind %d "
				      "size %u reg_size %u reg %u high %d imm %d "
				      "0x%llx alu %u; expected err %d len %u kind %d "
				      "size %u reg_size %u reg %u high %d imm %d "
				      "0x%llx alu %d",
				      c->what, err, in.len, in.kind, in.size,
				      in.reg_size, in.reg, in.high_byte,
				      in.has_imm, (unsigned long long)in.imm,
				      in.alu, c->err, c->len, c->kind, c->size,
				      c->reg_size, c->reg, c->high, c->has_imm,
				      (unsigned long long)c->imm, c->alu);
		} else {
			CU_PASS(c->what);
		}
	}
}

/* ---- register semantics --------------------------------------------------- */

#define RAX0 0x1122334455667788ull

static uint64_t load(int kind, unsigned size, unsigned reg_size, bool high,
		     uint64_t value)
{
	struct sv_insn in = { .kind = (enum sv_insn_kind)kind, .size = (uint8_t)size,
			      .reg_size = (uint8_t)reg_size, .reg = RAX,
			      .high_byte = high };
	struct sv_regs r = { .rax = RAX0, .rcx = 1 };

	emulate_load_apply(&in, &r, value);
	SV_CHECK_EQ_U64(r.rcx, 1);	/* nothing else touched */
	return r.rax;
}

static void test_load_semantics(void)
{
	/* 8 and 16 bits keep the rest; 32 zero-extends; 64 replaces */
	SV_CHECK_EQ_U64(load(LD, 1, 1, false, 0xaa), 0x11223344556677aaull);
	SV_CHECK_EQ_U64(load(LD, 1, 1, true, 0xaa), 0x112233445566aa88ull);
	SV_CHECK_EQ_U64(load(LD, 2, 2, false, 0xaaaa), 0x112233445566aaaaull);
	SV_CHECK_EQ_U64(load(LD, 4, 4, false, 0xaaaaaaaa), 0xaaaaaaaaull);
	SV_CHECK_EQ_U64(load(LD, 8, 8, false, 0xa0b0c0d0e0f01020ull),
			0xa0b0c0d0e0f01020ull);
	/* a device answering wider than asked: only size bytes land */
	SV_CHECK_EQ_U64(load(LD, 1, 1, false, 0xffffff42), 0x1122334455667742ull);
	SV_CHECK_EQ_U64(load(LD, 1, 1, true, 0xffffff42), 0x1122334455664288ull);
	SV_CHECK_EQ_U64(load(LD, 2, 2, false, 0xffff1234), 0x1122334455661234ull);
	/* MOVZX: zero- (not sign-) extended to the destination */
	SV_CHECK_EQ_U64(load(ZX, 1, 4, false, 0xff), 0xffull);
	SV_CHECK_EQ_U64(load(ZX, 1, 4, false, 0xffffff80), 0x80ull);
	SV_CHECK_EQ_U64(load(ZX, 2, 4, false, 0x8001), 0x8001ull);
	SV_CHECK_EQ_U64(load(ZX, 1, 2, false, 0xff), 0x11223344556600ffull);
	SV_CHECK_EQ_U64(load(ZX, 2, 8, false, 0xffffffff), 0xffffull);
}

static void test_store_values(void)
{
	struct sv_regs r = { .rax = RAX0, .rbx = 0xfedcba9876543210ull,
			     .r12 = 0x0123456789abcdefull };
	struct sv_insn in = { .kind = SV_INSN_STORE, .size = 1, .reg = RAX };

	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x88);
	in.high_byte = true;
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x77);
	in.reg = RBX;
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x32);
	in.high_byte = false;
	in.size = 2;
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x3210);
	in.size = 4;
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x76543210);
	in.size = 8;
	in.reg = R12;
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0x0123456789abcdefull);
	in = (struct sv_insn){ .kind = SV_INSN_STORE, .size = 2, .has_imm = true,
			       .imm = 0xbeef };
	SV_CHECK_EQ_U64(emulate_store_value(&in, &r), 0xbeef);
}

/* ---- through the VM --------------------------------------------------------- */

#define RAM_SIZE	0x20000u
#define DEV_BASE	0xfef00000u
#define DEV_LEN		0x1000u

/* One access as the device saw it. */
struct access {
	bool write;
	unsigned size;
	uint64_t offset, data;
};

#define PROBE_LOG	4

/*
 * An MMIO device: records each access (the last in offset/size/write/
 * data, the first PROBE_LOG in order in log), answers reads with reply.
 */
struct probe {
	struct sv_io_device io;
	unsigned calls;
	uint64_t offset, data, reply;
	unsigned size;
	bool write;
	struct access log[PROBE_LOG];
	struct sv_vm *vm;
	bool stop_on_read;	/* the device ends the VM on a read */
};

static int probe_handler(struct sv_io_device *dev, uint64_t offset,
			 unsigned size, bool write, uint64_t *data)
{
	struct probe *p = sv_container_of(dev, struct probe, io);

	p->offset = offset;
	p->size = size;
	p->write = write;
	if (write)
		p->data = *data;
	else
		*data = p->reply;
	if (p->calls < PROBE_LOG)
		p->log[p->calls] = (struct access){ write, size, offset,
						    *data };
	p->calls++;
	if (!write && p->stop_on_read)
		vm_stop(p->vm, 0, "the device stopped the VM");
	return 0;
}

struct rig {
	struct sv_vm vm;
	struct sv_vcpu *vcpu;
	struct sv_bvcpu *f;
	struct probe dev;
	uint8_t *ram;
};

#define AR_CODE32 (SV_AR_P | SV_AR_S | SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE | \
		   SV_AR_DB)
#define AR_CODE16 (SV_AR_P | SV_AR_S | SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE)

/* A VM with 128 KiB of RAM at 0, the probe at DEV_BASE, and CPU mode: */
enum { REAL, PROT32, PROT16 };

static void rig_init(struct rig *r, int mode)
{
	memset(r, 0, sizeof(*r));
	r->ram = calloc(1, RAM_SIZE);
	SV_CHECK_EQ_I64(vm_init(&r->vm, "mmio", &fake_backend_ops, NULL), 0);
	SV_CHECK_EQ_I64(vm_add_vcpu(&r->vm, &r->vcpu), 0);
	SV_CHECK_EQ_I64(vm_map_ram(&r->vm, gpa(0), r->ram, RAM_SIZE), 0);
	r->f = r->vcpu->b;
	r->vm.state = SV_VM_RUNNING;	/* as inside vm_run */
	r->dev.io = (struct sv_io_device){ "probe", probe_handler };
	r->dev.vm = &r->vm;
	SV_CHECK_EQ_I64(iobus_register(&r->vm.bus, SV_IO_MMIO, DEV_BASE, DEV_LEN,
				       &r->dev.io), 0);
	switch (mode) {
	case REAL:
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x100, 0xffff, 0x1000,
							     AR_CODE16 };
		break;
	case PROT16:
		r->f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_ET;
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x8, 0xffff, 0,
							     AR_CODE16 };
		break;
	default:
		r->f->cr[SV_CR0] = SV_CR0_PE | SV_CR0_ET;
		r->f->segs[SV_SEG_CS] = (struct sv_segment){ 0x8, 0xffffffff, 0,
							     AR_CODE32 };
		break;
	}
}

static void rig_destroy(struct rig *r)
{
	vm_destroy(&r->vm);
	free(r->ram);
}

/*
 * Put the instruction at linear cs.base+rip and take an EPT violation for
 * it at gpa, as VT-x reports one: no instruction length, no access size.
 */
static void mmio_exit(struct rig *r, uint64_t rip, const uint8_t *code,
		      size_t n, uint64_t gpa_v, uint64_t qual)
{
	uint64_t at = r->f->segs[SV_SEG_CS].base + rip;
	struct sv_exit e = { .reason = SV_EXIT_EPT_VIOLATION,
			     .qualification = qual, .rip = rip,
			     .guest_physical = gpa(gpa_v) };

	if (at < RAM_SIZE)
		memcpy(r->ram + at, code, n < RAM_SIZE - at ? n : RAM_SIZE - at);
	SV_CHECK_EQ_I64(fake_queue_exit(r->f, &e), 0);
	SV_CHECK_EQ_I64(r->vm.ops->run(r->f, &r->vcpu->exit), 0);
	vmm_dispatch(r->vcpu, &r->vcpu->exit);
}

#define RD (SV_EPT_QUAL_READ)
#define WR (SV_EPT_QUAL_WRITE)
#define MMIO(r, rip, q, ...) \
	do { \
		static const uint8_t code_[] = { __VA_ARGS__ }; \
		mmio_exit(r, rip, code_, sizeof(code_), DEV_BASE + 0x10, q); \
	} while (0)

static void check_running(struct rig *r, unsigned line)
{
	if (r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "VM not running: %s",
			      r->vm.stop_reason);
	else
		CU_PASS("running");
	/* RIP moved with set_regs, never by the exit's (absent) length */
	SV_CHECK_EQ_U64(r->vm.b->calls[FAKE_OP_complete_exit], 0);
}

static void check_failed(struct rig *r, const char *want, unsigned line)
{
	if (r->vm.state != SV_VM_FAILED || !strstr(r->vm.stop_reason, want))
		SV_TEST_FAIL_(__FILE__, line, "state %d, reason '%s' lacks '%s'",
			      r->vm.state, r->vm.stop_reason, want);
	else
		CU_PASS("failed");
	SV_CHECK_EQ_U64(r->dev.calls, 0);	/* refused before acting */
}

#define CHECK_RUNNING(r) check_running(r, __LINE__)
#define CHECK_FAILED(r, want) check_failed(r, want, __LINE__)

static void test_vm_real_mode(void)
{
	struct rig r;

	/* mov [bx],ax at 0100:0200 (cs.base 0x1000): a 16-bit write */
	rig_init(&r, REAL);
	r.f->regs.rax = 0xffffffffffff1234ull;
	MMIO(&r, 0x200, WR, 0x89, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK(r.dev.write);
	SV_CHECK_EQ_U64(r.dev.offset, 0x10);
	SV_CHECK_EQ_U64(r.dev.size, 2);
	SV_CHECK_EQ_U64(r.dev.data, 0x1234);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x202);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffffffffffff1234ull);

	/* mov ch,[bx]: the high byte of CX, the rest kept */
	r.f->regs.rcx = 0xaaaaaaaaaaaaaaaaull;
	r.dev.reply = 0xffffff5a;
	MMIO(&r, 0x300, RD, 0x8a, 0x2f);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 1);
	SV_CHECK(!r.dev.write);
	SV_CHECK_EQ_U64(r.f->regs.rcx, 0xaaaaaaaaaaaa5aaaull);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x302);

	/* o32 mov eax,[bx]: 32 bits in real mode, zero-extended */
	r.f->regs.rax = ~0ull;
	r.dev.reply = 0x89abcdef;
	MMIO(&r, 0x400, RD, 0x66, 0x8b, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 4);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x89abcdefull);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x403);

	/* IP wraps at 64 KiB: mov [bx],al at ffff-1 ends at IP 0 */
	MMIO(&r, 0xfffe, WR, 0x88, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 1);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0);
	SV_CHECK_EQ_U64(r.dev.calls, 4);
	rig_destroy(&r);
}

static void test_vm_protected_mode(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	/* mov eax,[fef00010] */
	r.f->regs.rax = ~0ull;
	r.dev.reply = 0xdeadbeef;
	MMIO(&r, 0x2000, RD, 0x8b, 0x05, 0x10, 0x00, 0xf0, 0xfe);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 4);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xdeadbeefull);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2006);

	/* mov dword [esp+ecx*2+8],12345678 */
	MMIO(&r, 0x2100, WR, 0xc7, 0x44, 0x4c, 0x08, 0x78, 0x56, 0x34, 0x12);
	CHECK_RUNNING(&r);
	SV_CHECK(r.dev.write);
	SV_CHECK_EQ_U64(r.dev.size, 4);
	SV_CHECK_EQ_U64(r.dev.data, 0x12345678);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2108);

	/* mov byte [edi],80 */
	MMIO(&r, 0x2200, WR, 0xc6, 0x07, 0x80);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 1);
	SV_CHECK_EQ_U64(r.dev.data, 0x80);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2203);

	/* movzx esi,byte [edi]: zero-extended, not sign-extended */
	r.f->regs.rsi = ~0ull;
	r.dev.reply = 0x80;
	MMIO(&r, 0x2300, RD, 0x0f, 0xb6, 0x37);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 1);
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x80);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2303);

	/* o16 movzx dx,byte [edi]: a 16-bit destination keeps the rest */
	r.f->regs.rdx = 0x5555555555555555ull;
	r.dev.reply = 0xfe;
	MMIO(&r, 0x2400, RD, 0x66, 0x0f, 0xb6, 0x17);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0x55555555555500feull);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2404);

	/* movzx eax,word [edi] */
	r.f->regs.rax = ~0ull;
	r.dev.reply = 0xffff8001;
	MMIO(&r, 0x2500, RD, 0x0f, 0xb7, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 2);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x8001);

	/* mov [moffs32],ax (o16 a3) */
	r.f->regs.rax = 0xcafef00d;
	MMIO(&r, 0x2600, WR, 0x66, 0xa3, 0x10, 0x00, 0xf0, 0xfe);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 2);
	SV_CHECK_EQ_U64(r.dev.data, 0xf00d);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x2606);

	/* mov [edi],bh: a high byte register stored */
	r.f->regs.rbx = 0x1234;
	MMIO(&r, 0x2700, WR, 0x88, 0x3f);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.data, 0x12);

	/* an instruction across a page boundary, and one ending at RAM's end */
	MMIO(&r, 0x2ffd, RD, 0x8b, 0x05, 0x10, 0x00, 0xf0, 0xfe);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x3003);
	MMIO(&r, RAM_SIZE - 2, WR, 0x89, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.f->regs.rip, RAM_SIZE);
	SV_CHECK_EQ_U64(r.dev.calls, 10);
	rig_destroy(&r);

	/* a 16-bit protected-mode code segment (D/B clear): 16-bit operand */
	rig_init(&r, PROT16);
	r.f->regs.rax = 0xabcdef;
	MMIO(&r, 0x100, WR, 0x89, 0x07);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.size, 2);
	SV_CHECK_EQ_U64(r.dev.data, 0xcdef);
	rig_destroy(&r);
}

static void test_vm_device_sees_offset(void)
{
	struct rig r;
	static const uint8_t code[] = { 0x8b, 0x07 };

	/* the address is the exit's, whatever the ModRM says */
	rig_init(&r, PROT32);
	mmio_exit(&r, 0x500, code, sizeof(code), DEV_BASE + 0xffc, RD);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.offset, 0xffc);
	/* outside every device: floats, and the guest reads all ones */
	r.f->regs.rax = 0;
	mmio_exit(&r, 0x500, code, sizeof(code), 0xc0000000, RD);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffffffffull);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	rig_destroy(&r);
}

static void test_vm_refusals(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0xf3, 0x89, 0x07);
	CHECK_FAILED(&r, "does not know: f3 (write at 0xfef00010, rip 0x1000)");
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);
	rig_destroy(&r);

	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, RD, 0x0f, 0x22, 0xc0);
	CHECK_FAILED(&r, "MMIO by an instruction the emulator does not know: "
		     "0f 22");
	rig_destroy(&r);

	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0x11, 0x07);	/* adc [edi],eax */
	CHECK_FAILED(&r, "does not know: 11");
	rig_destroy(&r);

	/* a store whose exit says read, a load whose exit says write */
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, RD, 0x89, 0x07);
	CHECK_FAILED(&r, "does not match the instruction at rip 0x1000, a write");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR | RD, 0x8b, 0x07);
	CHECK_FAILED(&r, "does not match");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, SV_EPT_QUAL_FETCH | RD, 0x8b, 0x07);
	CHECK_FAILED(&r, "does not match");
	rig_destroy(&r);

	/* a register-only form cannot have touched MMIO */
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0x89, 0xc8);
	CHECK_FAILED(&r, "no memory operand: 89 c8");
	rig_destroy(&r);

	/* the instruction is not RAM, or runs off its end */
	rig_init(&r, PROT32);
	MMIO(&r, RAM_SIZE, WR, 0x89, 0x07);
	CHECK_FAILED(&r, "needs instruction decoding, but its bytes at 0x20000 "
		     "are not RAM");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, RAM_SIZE - 2, RD, 0x8b, 0x05, 0x10, 0x00, 0xf0, 0xfe);
	CHECK_FAILED(&r, "runs past the end of RAM: 8b 05");
	rig_destroy(&r);

	/* a backend-decoded access of a size no bus takes */
	rig_init(&r, PROT32);
	{
		struct sv_exit e = { .reason = SV_EXIT_EPT_VIOLATION,
				     .qualification = WR, .rip = 0x1000,
				     .guest_physical = gpa(DEV_BASE),
				     .access_size = 3 };

		SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
		SV_CHECK_EQ_I64(r.vm.ops->run(r.f, &r.vcpu->exit), 0);
		vmm_dispatch(r.vcpu, &r.vcpu->exit);
	}
	CHECK_FAILED(&r, "with access size 3");
	rig_destroy(&r);
}

/* ---- read-modify-write, compare, exchange, MOVSX through the VM ------------- */

/* RFLAGS' status bits, named again here (the SDM's positions). */
#define F_CF 0x001ull
#define F_PF 0x004ull
#define F_AF 0x010ull
#define F_ZF 0x040ull
#define F_SF 0x080ull
#define F_OF 0x800ull
#define F_STATUS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
/* bits that are not status flags, which the emulator must keep: IF, DF */
#define F_KEEP (0x2ull | 0x200ull | 0x400ull)

static int64_t as_signed(uint64_t v, unsigned bits)
{
	return bits == 64 ? (int64_t)v :
	       (v & (1ull << (bits - 1))) ? (int64_t)v - (int64_t)(1ull << bits) :
					    (int64_t)v;
}

/*
 * The status flags of a op b (op '+', '-', '&', '|', '^') on bits <= 32,
 * the way the SDM defines them rather than the emulator's bit tricks: CF
 * from the unsigned result leaving [0, 2^bits), OF from the signed result
 * leaving [-2^(bits-1), 2^(bits-1)), AF from the low nibbles, PF by
 * counting the low byte's ones. Logic ops: CF = OF = 0, AF 0 (the
 * emulator's choice for an undefined flag).
 */
static uint64_t ref_flags(char op, unsigned bits, uint64_t a, uint64_t b)
{
	uint64_t mask = (1ull << bits) - 1, r, f = 0;
	int64_t sa = as_signed(a & mask, bits), sb = as_signed(b & mask, bits);
	int64_t smin = -(int64_t)(1ull << (bits - 1)), smax = -smin - 1, sr;
	unsigned ones = 0;

	a &= mask;
	b &= mask;
	switch (op) {
	case '+':
		r = a + b;
		sr = sa + sb;
		if (r > mask)
			f |= F_CF;
		if ((a & 0xf) + (b & 0xf) > 0xf)
			f |= F_AF;
		break;
	case '-':
		r = a - b;
		sr = sa - sb;
		if (a < b)
			f |= F_CF;
		if ((a & 0xf) < (b & 0xf))
			f |= F_AF;
		break;
	default:
		r = op == '&' ? a & b : op == '|' ? a | b : a ^ b;
		sr = 0;
		break;
	}
	r &= mask;
	if (sr < smin || sr > smax)
		f |= F_OF;
	if (r == 0)
		f |= F_ZF;
	if (r >> (bits - 1))
		f |= F_SF;
	for (unsigned i = 0; i < 8; i++)
		ones += (r >> i) & 1;
	if (ones % 2 == 0)
		f |= F_PF;
	return f;
}

/* The reference against hand-worked values, so it is itself checked. */
static void test_ref_flags(void)
{
	SV_CHECK_EQ_U64(ref_flags('+', 32, 0x7fffffff, 1), F_OF | F_SF | F_AF | F_PF);
	SV_CHECK_EQ_U64(ref_flags('-', 32, 0, 1), F_CF | F_SF | F_AF | F_PF);
	SV_CHECK_EQ_U64(ref_flags('+', 16, 0xffff, 1), F_CF | F_ZF | F_AF | F_PF);
	SV_CHECK_EQ_U64(ref_flags('+', 8, 0x80, 0x80), F_CF | F_OF | F_ZF | F_PF);
	SV_CHECK_EQ_U64(ref_flags('-', 32, 0x80000000, 1), F_OF | F_AF | F_PF);
	SV_CHECK_EQ_U64(ref_flags('|', 32, 0x101, 0x80000000), F_SF);
	SV_CHECK_EQ_U64(ref_flags('&', 32, 4, ~4ull), F_ZF | F_PF);
}

/* One access the probe logged. */
static void check_access(struct rig *r, unsigned i, bool write, unsigned size,
			 uint64_t data, unsigned line)
{
	const struct access *a = &r->dev.log[i];

	if (i >= r->dev.calls || a->write != write || a->size != size ||
	    a->offset != 0x10 || a->data != data)
		SV_TEST_FAIL_(__FILE__, line, "access %u of %u: %s size %u off "
			      "0x%llx data 0x%llx; expected %s size %u off 0x10 "
			      "data 0x%llx", i, r->dev.calls,
			      a->write ? "write" : "read", a->size,
			      (unsigned long long)a->offset,
			      (unsigned long long)a->data,
			      write ? "write" : "read", size,
			      (unsigned long long)data);
	else
		CU_PASS("access");
}

#define CHECK_ACCESS(r, i, w, sz, d) check_access(r, i, w, sz, d, __LINE__)

/*
 * Run one instruction at 0x1000 against the probe answering mem, with
 * RFLAGS = F_KEEP | flags0: afterwards the VM runs, RIP is past len bytes,
 * and the device saw exactly one read of size (mem) and, if the
 * instruction writes, one write of wrote after it.
 */
struct run {
	uint64_t qual, mem, flags0;
	unsigned len, size;
	bool writes;
	uint64_t wrote;
};

static void run_one(struct rig *r, const struct run *x, const uint8_t *code,
		    size_t n, unsigned line)
{
	r->dev.calls = 0;
	r->dev.reply = x->mem;
	r->f->regs.rflags = F_KEEP | x->flags0;
	mmio_exit(r, 0x1000, code, n, DEV_BASE + 0x10, x->qual);
	check_running(r, line);
	if (r->dev.calls != (x->writes ? 2u : 1u))
		SV_TEST_FAIL_(__FILE__, line, "%u accesses, expected %u",
			      r->dev.calls, x->writes ? 2u : 1u);
	check_access(r, 0, false, x->size, x->mem, line);
	if (x->writes)
		check_access(r, 1, true, x->size, x->wrote, line);
	if (r->f->regs.rip != 0x1000 + x->len)
		SV_TEST_FAIL_(__FILE__, line, "rip 0x%llx, expected 0x%llx",
			      (unsigned long long)r->f->regs.rip,
			      (unsigned long long)(0x1000 + x->len));
	if ((r->f->regs.rflags & ~F_STATUS) != F_KEEP)
		SV_TEST_FAIL_(__FILE__, line, "rflags 0x%llx lost a non-status bit",
			      (unsigned long long)r->f->regs.rflags);
}

#define RUN(r, x, ...) \
	do { \
		static const uint8_t code_[] = { __VA_ARGS__ }; \
		run_one(r, x, code_, sizeof(code_), __LINE__); \
	} while (0)
#define FLAGS(r) ((r)->f->regs.rflags & F_STATUS)

static void test_vm_rmw(void)
{
	struct rig r;
	struct run x;

	rig_init(&r, PROT32);
	/* or dword [edi],80000000: read 101, write 80000101, SF */
	x = (struct run){ WR, 0x101, F_STATUS, 6, 4, true, 0x80000101 };
	RUN(&r, &x, 0x81, 0x0f, 0x00, 0x00, 0x00, 0x80);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('|', 32, 0x101, 0x80000000));
	SV_CHECK_EQ_U64(FLAGS(&r), F_SF);
	/* the exit may say read, or read and write, for the same instruction */
	x.qual = RD;
	RUN(&r, &x, 0x81, 0x0f, 0x00, 0x00, 0x00, 0x80);
	x.qual = RD | WR;
	RUN(&r, &x, 0x81, 0x0f, 0x00, 0x00, 0x00, 0x80);

	/* and dword [edi],~4 (83 /4, imm8 fb sign-extended): clears the bit */
	x = (struct run){ WR, 0x4, F_CF | F_OF | F_AF, 3, 4, true, 0 };
	RUN(&r, &x, 0x83, 0x27, 0xfb);
	SV_CHECK_EQ_U64(FLAGS(&r), F_ZF | F_PF);	/* CF, OF, AF cleared */
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('&', 32, 4, 0xfffffffb));
	x = (struct run){ WR, 0xffff00ff, 0, 3, 4, true, 0xffff00fb };
	RUN(&r, &x, 0x83, 0x27, 0xfb);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('&', 32, 0xffff00ff, 0xfffffffb));

	/* add dword [edi],eax: 7fffffff + 1 overflows */
	r.f->regs.rax = 0xaaaaaaaa00000001ull;
	x = (struct run){ WR, 0x7fffffff, F_CF | F_ZF, 2, 4, true, 0x80000000 };
	RUN(&r, &x, 0x01, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), F_OF | F_SF | F_AF | F_PF);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('+', 32, 0x7fffffff, 1));
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xaaaaaaaa00000001ull);	/* source kept */
	/* add dword [edi],eax: ffffffff + 1 carries */
	x = (struct run){ WR, 0xffffffff, 0, 2, 4, true, 0 };
	RUN(&r, &x, 0x01, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_ZF | F_AF | F_PF);
	/* o16 add word [edi],ax: ffff + 1 */
	x = (struct run){ WR, 0xffff, 0, 3, 2, true, 0 };
	RUN(&r, &x, 0x66, 0x01, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('+', 16, 0xffff, 1));
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_ZF | F_AF | F_PF);
	/* add byte [edi],al: 80 + 80: carry and overflow */
	r.f->regs.rax = 0x80;
	x = (struct run){ WR, 0x80, 0, 2, 1, true, 0 };
	RUN(&r, &x, 0x00, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_OF | F_ZF | F_PF);

	/* sub dword [edi],1 (83 /5): 80000000 - 1 overflows, no carry */
	x = (struct run){ WR, 0x80000000, 0, 3, 4, true, 0x7fffffff };
	RUN(&r, &x, 0x83, 0x2f, 0x01);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 32, 0x80000000, 1));
	SV_CHECK_EQ_U64(FLAGS(&r), F_OF | F_AF | F_PF);
	/* sub byte [edi],1 (80 /5): 0 - 1 borrows */
	x = (struct run){ WR, 0x00, 0, 3, 1, true, 0xff };
	RUN(&r, &x, 0x80, 0x2f, 0x01);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_SF | F_AF | F_PF);

	/* xor byte [edi],bh: the high byte as the source */
	r.f->regs.rbx = 0x0f00;
	x = (struct run){ WR, 0xff, F_CF | F_OF, 2, 1, true, 0xf0 };
	RUN(&r, &x, 0x30, 0x3f);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('^', 8, 0xff, 0x0f));
	SV_CHECK_EQ_U64(FLAGS(&r), F_SF | F_PF);

	/* neg dword [edi]: 0 gives CF = 0; 80000000 overflows; 1 borrows */
	x = (struct run){ WR, 0, F_CF, 2, 4, true, 0 };
	RUN(&r, &x, 0xf7, 0x1f);
	SV_CHECK_EQ_U64(FLAGS(&r), F_ZF | F_PF);
	x = (struct run){ WR, 0x80000000, 0, 2, 4, true, 0x80000000 };
	RUN(&r, &x, 0xf7, 0x1f);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 32, 0, 0x80000000));
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_OF | F_SF | F_PF);
	x = (struct run){ WR, 1, 0, 2, 1, true, 0xff };
	RUN(&r, &x, 0xf6, 0x1f);	/* neg byte */
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_SF | F_AF | F_PF);

	/* not byte [edi]: no flag changes, whatever they were */
	x = (struct run){ WR, 0x0f, F_CF | F_ZF | F_OF, 2, 1, true, 0xf0 };
	RUN(&r, &x, 0xf6, 0x17);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_ZF | F_OF);
	x = (struct run){ WR, 0x0000ffff, 0, 2, 4, true, 0xffff0000 };
	RUN(&r, &x, 0xf7, 0x17);
	SV_CHECK_EQ_U64(FLAGS(&r), 0);
	rig_destroy(&r);

	/* 16-bit code: or word [bx],8000 (81 /1 imm16), a 16-bit access */
	rig_init(&r, PROT16);
	x = (struct run){ WR, 0x0001, 0, 4, 2, true, 0x8001 };
	RUN(&r, &x, 0x81, 0x0f, 0x00, 0x80);
	SV_CHECK_EQ_U64(FLAGS(&r), F_SF);
	/* o32 and dword [bx],7fffffff in 16-bit code */
	x = (struct run){ WR, 0xffffffff, 0, 7, 4, true, 0x7fffffff };
	RUN(&r, &x, 0x66, 0x81, 0x27, 0xff, 0xff, 0xff, 0x7f);
	SV_CHECK_EQ_U64(FLAGS(&r), F_PF);
	rig_destroy(&r);
}

static void test_vm_compare(void)
{
	struct rig r;
	struct run x;

	rig_init(&r, PROT32);
	/* test dword [edi],1 (f7 /0): one read, no write, ZF when clear */
	x = (struct run){ RD, 0xfffffffe, F_CF | F_OF | F_AF, 6, 4, false, 0 };
	RUN(&r, &x, 0xf7, 0x07, 0x01, 0x00, 0x00, 0x00);
	SV_CHECK_EQ_U64(FLAGS(&r), F_ZF | F_PF);
	x.mem = 0x1;
	RUN(&r, &x, 0xf7, 0x07, 0x01, 0x00, 0x00, 0x00);
	SV_CHECK_EQ_U64(FLAGS(&r), 0);	/* low byte 01: odd parity */
	/* test byte [edi+4],80 */
	x = (struct run){ RD, 0x80, 0, 4, 1, false, 0 };
	RUN(&r, &x, 0xf6, 0x47, 0x04, 0x80);
	SV_CHECK_EQ_U64(FLAGS(&r), F_SF);
	/* test [edi],eax (85) */
	r.f->regs.rax = 0x00ff0000;
	x = (struct run){ RD, 0x00f00000, 0, 2, 4, false, 0 };
	RUN(&r, &x, 0x85, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), F_PF);	/* nonzero, low byte 0 */

	/* cmp [edi],eax: mem - eax; 0 - 1 borrows */
	r.f->regs.rax = 1;
	x = (struct run){ RD, 0, 0, 2, 4, false, 0 };
	RUN(&r, &x, 0x39, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_SF | F_AF | F_PF);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 32, 0, 1));
	/* cmp eax,[edi]: eax - mem, the other order: 1 - 0 */
	RUN(&r, &x, 0x3b, 0x07);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 32, 1, 0));
	SV_CHECK_EQ_U64(FLAGS(&r), 0);
	SV_CHECK_EQ_U64(r.f->regs.rax, 1);	/* CMP writes no register */
	/* cmp dword [edi],7fffffff (81 /7) against 80000000: overflow */
	x = (struct run){ RD, 0x80000000, 0, 6, 4, false, 0 };
	RUN(&r, &x, 0x81, 0x3f, 0xff, 0xff, 0xff, 0x7f);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 32, 0x80000000, 0x7fffffff));
	SV_CHECK_EQ_U64(FLAGS(&r), F_OF | F_AF);
	/* cmp word [edi],-1 (o16 83 /7): equal */
	x = (struct run){ RD, 0xffff, 0, 4, 2, false, 0 };
	RUN(&r, &x, 0x66, 0x83, 0x3f, 0xff);
	SV_CHECK_EQ_U64(FLAGS(&r), F_ZF | F_PF);
	/* cmp [edi],bh */
	r.f->regs.rbx = 0x4200;
	x = (struct run){ RD, 0x41, 0, 2, 1, false, 0 };
	RUN(&r, &x, 0x38, 0x3f);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('-', 8, 0x41, 0x42));

	/* CMP and TEST never write: an exit that says write refuses them */
	r.dev.calls = 0;
	MMIO(&r, 0x1000, WR, 0x39, 0x07);
	CHECK_FAILED(&r, "does not match the instruction at rip 0x1000, a read");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, RD | WR, 0xf7, 0x07, 0x01, 0x00, 0x00, 0x00);
	CHECK_FAILED(&r, "does not match");
	rig_destroy(&r);
}

static void test_vm_alu_load(void)
{
	struct rig r;
	struct run x;

	rig_init(&r, PROT32);
	/* sub eax,[edi]: 32-bit result zero-extended, 0 - 1 */
	r.f->regs.rax = 0xffffffff00000000ull;
	x = (struct run){ RD, 1, 0, 2, 4, false, 0 };
	RUN(&r, &x, 0x2b, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffffffffull);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_SF | F_AF | F_PF);
	/* o16 add ax,[edi]: bits 63:16 kept */
	r.f->regs.rax = 0x123456789abcfffeull;
	x = (struct run){ RD, 3, 0, 3, 2, false, 0 };
	RUN(&r, &x, 0x66, 0x03, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x123456789abc0001ull);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('+', 16, 0xfffe, 3));
	/* or dh,[edi]: into bits 15:8 only */
	r.f->regs.rdx = 0x1111111111110122ull;
	x = (struct run){ RD, 0x80, 0, 2, 1, false, 0 };
	RUN(&r, &x, 0x0a, 0x37);
	SV_CHECK_EQ_U64(r.f->regs.rdx, 0x1111111111118122ull);
	SV_CHECK_EQ_U64(FLAGS(&r), ref_flags('|', 8, 0x01, 0x80));
	SV_CHECK_EQ_U64(FLAGS(&r), F_SF | F_PF);	/* 81: two ones */
	rig_destroy(&r);
}

static void test_vm_xchg_movsx(void)
{
	struct rig r;
	struct run x;

	rig_init(&r, PROT32);
	/* xchg [edi],eax: read, then write the old eax; eax zero-extended */
	r.f->regs.rax = 0xffffffff22222222ull;
	x = (struct run){ RD, 0x11, F_CF | F_ZF, 2, 4, true, 0x22222222 };
	RUN(&r, &x, 0x87, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x11);
	SV_CHECK_EQ_U64(FLAGS(&r), F_CF | F_ZF);	/* no flag changes */
	/* and the exit may say write */
	r.f->regs.rax = 0x33;
	x = (struct run){ WR, 0x44, 0, 2, 4, true, 0x33 };
	RUN(&r, &x, 0x87, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x44);
	/* xchg [edi],ah */
	r.f->regs.rax = 0x7788;
	x = (struct run){ WR, 0xffffff01, 0, 2, 1, true, 0x77 };
	RUN(&r, &x, 0x86, 0x27);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x0188);

	/* movsx: sign-extended, with the destination's width rules */
	r.f->regs.rax = ~0ull;
	x = (struct run){ RD, 0x80, 0, 3, 1, false, 0 };
	RUN(&r, &x, 0x0f, 0xbe, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffffff80ull);
	x = (struct run){ RD, 0x7f, 0, 3, 1, false, 0 };
	RUN(&r, &x, 0x0f, 0xbe, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0x7full);
	x = (struct run){ RD, 0xffff8001, 0, 3, 2, false, 0 };
	RUN(&r, &x, 0x0f, 0xbf, 0x07);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xffff8001ull);
	r.f->regs.rsi = 0x5555555555555555ull;
	x = (struct run){ RD, 0xfe, 0, 4, 1, false, 0 };
	RUN(&r, &x, 0x66, 0x0f, 0xbe, 0x37);	/* movsx si,byte */
	SV_CHECK_EQ_U64(r.f->regs.rsi, 0x555555555555fffeull);
	rig_destroy(&r);
}

/* Exactly one read and at most one write, in order, and no write once the
 * device has stopped the VM on the read. */
static void test_vm_access_order(void)
{
	struct rig r;

	rig_init(&r, PROT32);
	r.dev.stop_on_read = true;
	r.dev.reply = 1;
	MMIO(&r, 0x1000, WR, 0x83, 0x0f, 0x02);	/* or dword [edi],2 */
	SV_CHECK_EQ_U64(r.vm.state, SV_VM_STOPPED);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK(!r.dev.log[0].write);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x1000);	/* not completed */
	rig_destroy(&r);

	/* a MOV store still only writes, a MOV load only reads */
	rig_init(&r, PROT32);
	r.f->regs.rax = 5;
	MMIO(&r, 0x1000, WR, 0x89, 0x07);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK(r.dev.log[0].write);
	MMIO(&r, 0x1000, RD, 0x8b, 0x07);
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	SV_CHECK(!r.dev.log[1].write);

	/* ADC, SBB and LOCK are refused before any access */
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0x83, 0x17, 0x01);	/* adc dword [edi],1 */
	CHECK_FAILED(&r, "does not know: 83 17");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0x19, 0x07);		/* sbb [edi],eax */
	CHECK_FAILED(&r, "does not know: 19");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, WR, 0xf0, 0x09, 0x07);	/* lock or [edi],eax */
	CHECK_FAILED(&r, "does not know: f0");
	rig_destroy(&r);
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, RD, 0xf7, 0x27);		/* mul dword [edi] */
	CHECK_FAILED(&r, "does not know: f7 27");
	rig_destroy(&r);
	/* a read-modify-write from an instruction fetch's exit */
	rig_init(&r, PROT32);
	MMIO(&r, 0x1000, SV_EPT_QUAL_FETCH | RD, 0x01, 0x07);
	CHECK_FAILED(&r, "a read-modify-write");
	rig_destroy(&r);
}

/* ---- with guest paging on ---------------------------------------------------- */

/*
 * Page tables in the rig's RAM (128 KiB): tables at 0x10000 and up, code
 * pages below. put_pte writes a 4- or 8-byte entry.
 */
static void put_pte(struct rig *r, uint64_t at, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		r->ram[at + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_pte(struct rig *r, uint64_t at, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)r->ram[at + i] << (8 * i);
	return v;
}

/* The device's count before the last paged_exit. */
static unsigned dev_calls_before;

/* An MMIO exit whose code the test already put at its physical place. */
static void paged_exit(struct rig *r, uint64_t rip, uint64_t qual)
{
	dev_calls_before = r->dev.calls;
	mmio_exit(r, rip, NULL, 0, DEV_BASE + 0x10, qual);
}

/* The one event the fetch queued: #PF with error, CR2 = la. */
static void check_pf(struct rig *r, uint32_t error, uint64_t la, uint64_t rip,
		     unsigned line)
{
	if (r->vm.state != SV_VM_RUNNING)
		SV_TEST_FAIL_(__FILE__, line, "VM not running: %s",
			      r->vm.stop_reason);
	if (r->vcpu->nevents != 1 || r->vcpu->events[0].vector != SV_EXC_PF ||
	    r->vcpu->events[0].type != SV_INTR_TYPE_HW_EXCEPTION ||
	    !r->vcpu->events[0].has_error || r->vcpu->events[0].error != error)
		SV_TEST_FAIL_(__FILE__, line, "%u events, first vector %u error "
			      "0x%x, expected #PF 0x%x", r->vcpu->nevents,
			      r->vcpu->events[0].vector,
			      r->vcpu->events[0].error, error);
	else
		CU_PASS("#PF queued");
	SV_CHECK_EQ_U64(r->f->cr[SV_CR2], la);
	SV_CHECK_EQ_U64(r->f->regs.rip, rip);	/* the instruction runs again */
	SV_CHECK_EQ_U64(r->dev.calls, dev_calls_before);	/* no access */
	r->vcpu->nevents = 0;
}

#define CHECK_PF(r, err, la, rip) check_pf(r, err, la, rip, __LINE__)

#define PD32	0x10000u
#define PT32	0x11000u
#define P_	SV_PTE_P
#define RW_	SV_PTE_RW
#define US_	SV_PTE_US

/*
 * 32-bit paging: linear 0x400000 -> physical 0x5000, 0x401000 -> 0x3000
 * (not contiguous), 0x402000 not present. Supervisor code (SS.DPL 0).
 */
static void paging32_init(struct rig *r)
{
	rig_init(r, PROT32);
	r->f->cr[SV_CR0] |= SV_CR0_PG | SV_CR0_WP;
	r->f->cr[SV_CR3] = PD32;
	put_pte(r, PD32 + 1 * 4, PT32 | P_ | RW_ | US_, 4);
	put_pte(r, PT32 + 0 * 4, 0x5000 | P_ | RW_, 4);
	put_pte(r, PT32 + 1 * 4, 0x3000 | P_ | RW_, 4);
}

static void test_vm_paging32(void)
{
	static const uint8_t load[] = { 0x8b, 0x05, 0x10, 0x00, 0xf0, 0xfe };
	struct rig r;

	/* mov eax,[fef00010] at linear 0x400100, physical 0x5100 */
	paging32_init(&r);
	memcpy(r.ram + 0x5100, load, sizeof(load));
	r.dev.reply = 0xdeadbeef;
	paged_exit(&r, 0x400100, RD);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK_EQ_U64(r.f->regs.rax, 0xdeadbeef);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x400106);
	/* the walk set the accessed bits as the CPU would, no dirty bit */
	SV_CHECK_EQ_U64(get_pte(&r, PD32 + 4, 4), PT32 | P_ | RW_ | US_ | SV_PTE_A);
	SV_CHECK_EQ_U64(get_pte(&r, PT32, 4), 0x5000 | P_ | RW_ | SV_PTE_A);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);

	/* across the page boundary: 3 bytes at 0x5ffd, 3 at 0x3000 */
	memcpy(r.ram + 0x5ffd, load, 3);
	memcpy(r.ram + 0x3000, load + 3, 3);
	paged_exit(&r, 0x400ffd, RD);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 2);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x401003);
	SV_CHECK_EQ_U64(get_pte(&r, PT32 + 4, 4) & SV_PTE_A, SV_PTE_A);

	/* ending right at a missing page: no fault, the next page is unused */
	r.f->regs.rax = 0x77;
	r.ram[0x3ffe] = 0x89;
	r.ram[0x3fff] = 0x07;
	paged_exit(&r, 0x401ffe, WR);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 3);
	SV_CHECK_EQ_U64(r.dev.data, 0x77);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x402000);
	SV_CHECK_EQ_U64(r.vcpu->nevents, 0);
	rig_destroy(&r);

	/* running into the missing page: #PF at its first byte */
	paging32_init(&r);
	memcpy(r.ram + 0x3ffd, load, 3);
	paged_exit(&r, 0x401ffd, RD);
	CHECK_PF(&r, 0, 0x402000, 0x401ffd);

	/* fetching from an unmapped page */
	paged_exit(&r, 0x402010, WR);
	CHECK_PF(&r, 0, 0x402010, 0x402010);

	/* user code (SS.DPL 3) fetching from a supervisor page */
	r.f->segs[SV_SEG_SS].access = SV_AR_P | SV_AR_S | SV_AR_TYPE_WRITABLE |
				      (3u << SV_AR_DPL_SHIFT);
	paged_exit(&r, 0x400100, RD);
	CHECK_PF(&r, SV_PF_P | SV_PF_US, 0x400100, 0x400100);
	/* and from a user page: it runs */
	put_pte(&r, PT32, 0x5000 | P_ | RW_ | US_, 4);
	memcpy(r.ram + 0x5100, load, sizeof(load));
	paged_exit(&r, 0x400100, RD);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	rig_destroy(&r);
}

#define PDPT_PAE 0x10020u	/* 32-byte aligned, as CR3 allows */
#define PD_PAE	 0x11000u
#define PT_PAE	 0x12000u

/*
 * PAE with EFER.NXE: linear 0x80200000 -> 0x6000, 0x80201000 -> 0x2000,
 * 0x80202000 -> 0x7000 with XD; 0x80400000 a 2 MiB page at physical 0.
 */
static void paging_pae_init(struct rig *r)
{
	rig_init(r, PROT32);
	r->f->cr[SV_CR0] |= SV_CR0_PG;
	r->f->cr[SV_CR3] = PDPT_PAE;
	r->f->cr[SV_CR4] = SV_CR4_PAE;
	SV_CHECK_EQ_I64(r->vm.ops->set_msr(r->f, SV_MSR_IA32_EFER, SV_EFER_NXE), 0);
	put_pte(r, PDPT_PAE + 2 * 8, PD_PAE | P_, 8);
	put_pte(r, PD_PAE + 1 * 8, PT_PAE | P_ | RW_ | US_, 8);
	put_pte(r, PD_PAE + 2 * 8, 0x0 | P_ | RW_ | SV_PTE_PS, 8);
	put_pte(r, PT_PAE + 0 * 8, 0x6000 | P_ | RW_, 8);
	put_pte(r, PT_PAE + 1 * 8, 0x2000 | P_ | RW_, 8);
	put_pte(r, PT_PAE + 2 * 8, 0x7000 | P_ | RW_ | SV_PTE_XD, 8);
}

static void test_vm_paging_pae(void)
{
	static const uint8_t store[] = { 0xc7, 0x05, 0x10, 0x00, 0xf0, 0xfe,
					 0x78, 0x56, 0x34, 0x12 };
	struct rig r;

	/* mov dword [fef00010],12345678 at 0x80200ffa: 6 bytes, then 4 */
	paging_pae_init(&r);
	memcpy(r.ram + 0x6ffa, store, 6);
	memcpy(r.ram + 0x2000, store + 6, 4);
	paged_exit(&r, 0x80200ffa, WR);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.calls, 1);
	SV_CHECK_EQ_U64(r.dev.data, 0x12345678);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x80201004);
	/* no accessed bit in a PAE PDPTE */
	SV_CHECK_EQ_U64(get_pte(&r, PDPT_PAE + 16, 8), PD_PAE | P_);
	SV_CHECK_EQ_U64(get_pte(&r, PT_PAE + 8, 8), 0x2000 | P_ | RW_ | SV_PTE_A);

	/* through the 2 MiB page: linear 0x80406000 is physical 0x6000 */
	r.f->regs.rax = 0xabcd;
	r.ram[0x6000] = 0x89;
	r.ram[0x6001] = 0x07;
	paged_exit(&r, 0x80406000, WR);
	CHECK_RUNNING(&r);
	SV_CHECK_EQ_U64(r.dev.data, 0xabcd);
	SV_CHECK_EQ_U64(r.f->regs.rip, 0x80406002);
	SV_CHECK_EQ_U64(get_pte(&r, PD_PAE + 16, 8),
			P_ | RW_ | SV_PTE_PS | SV_PTE_A);

	/* an XD page: #PF with I/D (NXE is on) */
	r.ram[0x7000] = 0x89;
	r.ram[0x7001] = 0x07;
	paged_exit(&r, 0x80202000, WR);
	CHECK_PF(&r, SV_PF_P | SV_PF_ID, 0x80202000, 0x80202000);
	/* not present, with I/D */
	paged_exit(&r, 0x80203000, RD);
	CHECK_PF(&r, SV_PF_ID, 0x80203000, 0x80203000);
	/* user code on a supervisor page */
	r.f->segs[SV_SEG_SS].access = SV_AR_P | SV_AR_S | SV_AR_TYPE_WRITABLE |
				      (3u << SV_AR_DPL_SHIFT);
	paged_exit(&r, 0x80200ffa, WR);
	CHECK_PF(&r, SV_PF_P | SV_PF_US | SV_PF_ID, 0x80200ffa, 0x80200ffa);
	/* a PDPTE with a reserved bit: RSVD */
	r.f->segs[SV_SEG_SS].access = 0;
	put_pte(&r, PDPT_PAE + 2 * 8, PD_PAE | P_ | RW_, 8);
	paged_exit(&r, 0x80200ffa, WR);
	CHECK_PF(&r, SV_PF_P | SV_PF_RSVD | SV_PF_ID, 0x80200ffa, 0x80200ffa);
	rig_destroy(&r);
}

static void test_vm_paging_refusals(void)
{
	struct rig r;

	/* the page holding the code is not RAM */
	paging32_init(&r);
	put_pte(&r, PT32, 0x80000000u | P_ | RW_, 4);
	paged_exit(&r, 0x400100, RD);
	CHECK_FAILED(&r, "its bytes at linear 0x400100 (physical 0x80000100) "
		     "are not RAM");
	rig_destroy(&r);

	/* the page tables are not RAM */
	paging32_init(&r);
	r.f->cr[SV_CR3] = 0x40000000;
	paged_exit(&r, 0x400100, RD);
	CHECK_FAILED(&r, "page tables for the instruction at linear 0x400100 "
		     "(rip 0x400100) lead out of its RAM");
	rig_destroy(&r);

	/* the next page is not RAM: the instruction runs past its end */
	paging32_init(&r);
	put_pte(&r, PT32 + 4, 0x80000000u | P_ | RW_, 4);
	r.ram[0x5fff] = 0x8b;
	paged_exit(&r, 0x400fff, RD);
	CHECK_FAILED(&r, "runs past the end of RAM: 8b");
	rig_destroy(&r);
}

/* A backend that decoded the access (KVM) still completes through it. */
static void test_vm_backend_decoded(void)
{
	struct rig r;
	struct sv_exit e = { .reason = SV_EXIT_EPT_VIOLATION, .qualification = WR,
			     .rip = 0x1000, .instr_len = 2,
			     .guest_physical = gpa(DEV_BASE + 4),
			     .io_data = 0x77, .access_size = 1 };

	rig_init(&r, PROT32);
	SV_CHECK_EQ_I64(fake_queue_exit(r.f, &e), 0);
	SV_CHECK_EQ_I64(r.vm.ops->run(r.f, &r.vcpu->exit), 0);
	vmm_dispatch(r.vcpu, &r.vcpu->exit);
	SV_CHECK_EQ_U64(r.dev.data, 0x77);
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_complete_exit], 1);
	SV_CHECK_EQ_U64(r.vm.b->calls[FAKE_OP_read_gpa], 0);
	rig_destroy(&r);
}

/* ---- property: hostile bytes ------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Bytes the decoder cares about, so random runs also reach its depths. */
static const uint8_t interesting[] = {
	0x66, 0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0xf0, 0xf2, 0xf3,
	0x40, 0x44, 0x48, 0x4c, 0x4f, 0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1,
	0xa2, 0xa3, 0xc6, 0xc7, 0x0f, 0xb6, 0xb7, 0x04, 0x05, 0x06, 0x24,
	0x25, 0x44, 0x84, 0xc0, 0x00, 0xff, 0x01, 0x03, 0x09, 0x11, 0x21,
	0x2b, 0x31, 0x38, 0x3b, 0x80, 0x81, 0x83, 0x85, 0x86, 0x87, 0xf6,
	0xf7, 0xbe, 0xbf,
};

static void random_insn(uint8_t *b)
{
	for (unsigned i = 0; i < SV_INSN_MAX_LEN; i++) {
		uint64_t x = rng();

		b[i] = (x & 3) ? interesting[(x >> 8) % sizeof(interesting)] :
				 (uint8_t)(x >> 16);
	}
}

static void test_random_bytes(void)
{
	unsigned decoded = 0, bad = 0;

	for (unsigned i = 0; i < 200000; i++) {
		uint8_t b[SV_INSN_MAX_LEN];
		size_t n = i % 4 ? SV_INSN_MAX_LEN : rng() % (SV_INSN_MAX_LEN + 1);
		enum sv_insn_mode mode = (enum sv_insn_mode)(rng() % 3);
		uint8_t *heap;
		struct sv_insn in;
		int err;

		random_insn(b);
		heap = malloc(n ? n : 1);	/* exactly n: ASan sees overreads */
		memcpy(heap, b, n);
		err = emulate_decode(heap, n, mode, &in);
		free(heap);
		if (in.len > n) {
			bad++;
			continue;
		}
		if (!err) {
			decoded++;
			if (in.len < 1 || in.len > SV_INSN_MAX_LEN ||
			    (in.size != 1 && in.size != 2 && in.size != 4 &&
			     in.size != 8) ||
			    (in.reg_size != 1 && in.reg_size != 2 &&
			     in.reg_size != 4 && in.reg_size != 8) ||
			    in.reg > 15 || (in.high_byte && in.reg > 3) ||
			    (in.size == 8 && mode != SV_INSN_MODE_64))
				bad++;
		} else if (err != -SV_ENOSYS && err != -SV_EINVAL &&
			   err != -SV_EFAULT && err != -SV_E2BIG) {
			bad++;
		}
	}
	SV_CHECK_EQ_U64(bad, 0);
	/* the generator reaches the decoder's success paths, often */
	SV_CHECK(decoded > 20000);
}

/* The whole path on random code: the VM runs on with RIP moved 1-15, or
 * fails with a reason; the device is touched only in the first case. */
static void test_random_through_vm(void)
{
	unsigned ran = 0;

	for (unsigned i = 0; i < 3000; i++) {
		struct rig r;
		uint8_t code[SV_INSN_MAX_LEN];
		int mode = (int)(rng() % 3);
		uint64_t rip = 0x1000 + rng() % 0x100;

		random_insn(code);
		rig_init(&r, mode);
		mmio_exit(&r, rip, code, sizeof(code), DEV_BASE,
			  (rng() & 1) ? WR : RD);
		if (r.vm.state == SV_VM_RUNNING) {
			ran++;
			SV_CHECK(r.f->regs.rip > rip &&
				 r.f->regs.rip <= rip + SV_INSN_MAX_LEN);
			/* one access, or a read then a write */
			SV_CHECK(r.dev.calls == 1 ||
				 (r.dev.calls == 2 && !r.dev.log[0].write &&
				  r.dev.log[1].write));
		} else {
			SV_CHECK(r.vm.stop_reason[0] != '\0');
			SV_CHECK_EQ_U64(r.dev.calls, 0);
			SV_CHECK_EQ_U64(r.f->regs.rip, rip);
		}
		rig_destroy(&r);
	}
	SV_CHECK(ran > 100);
}

CU_TestInfo sv_tests_emulate[] = {
	{ "decode: every form, sizes, ModRM/SIB/disp lengths, refusals", test_decode_table },
	{ "loads: partial registers, zero extension, MOVZX", test_load_semantics },
	{ "stores: register bytes, high bytes, immediates", test_store_values },
	{ "VM: real mode, 16-bit, IP wrap", test_vm_real_mode },
	{ "VM: protected mode, every form, page and RAM edges", test_vm_protected_mode },
	{ "VM: the address is the exit's", test_vm_device_sees_offset },
	{ "VM: REP, unknown, direction, not RAM refused", test_vm_refusals },
	{ "flags: the test's reference against hand-worked values", test_ref_flags },
	{ "VM: OR/AND/ADD/SUB/XOR/NEG/NOT on memory: accesses, flags, sizes", test_vm_rmw },
	{ "VM: CMP/TEST: one read, flags, never a write", test_vm_compare },
	{ "VM: ALU r,r/m: register result, partial registers, flags", test_vm_alu_load },
	{ "VM: XCHG read-then-write, MOVSX sign extension", test_vm_xchg_movsx },
	{ "VM: access order, stop on read, ADC/SBB/LOCK/MUL refused", test_vm_access_order },
	{ "VM: 32-bit paging: fetch through the tables, page crossing, #PF", test_vm_paging32 },
	{ "VM: PAE paging: 2M page, split fetch, NX, user fetch, #PF", test_vm_paging_pae },
	{ "VM: paging: code or tables outside RAM", test_vm_paging_refusals },
	{ "VM: a backend-decoded access completes through the backend", test_vm_backend_decoded },
	{ "property: 200k random sequences decode or refuse", test_random_bytes },
	{ "property: random code through the VM", test_random_through_vm },
	CU_TEST_INFO_NULL,
};
