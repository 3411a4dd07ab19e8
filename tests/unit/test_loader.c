/*
 * Tests of the guest loaders (osk/loader.c) on images built here, not on
 * the guests of tests/guests (unit tests do not depend on that build).
 *
 * A good Multiboot kernel (two PT_LOAD segments, one with bss, and a
 * PT_GNU_STACK header to skip) is planned and applied, and every field of
 * the plan, the Multiboot information and guest RAM is checked. Then each
 * malformed variant must get its own message with nothing planned, the
 * good image truncated at every length must fail cleanly, and a fixed-seed
 * mutation fuzz must never plan a chunk outside RAM or the image. The same
 * for flat real-mode images.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"
#include "sv/loader.h"
#include "sv/vmx.h"
#include "sv_test.h"

/* sv_test.h cuts long failure messages to its buffer on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define ERRLEN 256
#define MiB (1ull << 20)

/* x86 bits the loader must set (named here as in the SDM). */
#define CR0_PE		0x1u
#define CR0_ET		0x10u
#define CR0_PG		0x80000000u
#define RFLAGS_FIXED	0x2u
#define RFLAGS_IF	0x200u
#define RFLAGS_VM	0x20000u

/* ---- building kernels -------------------------------------------------- */

/* The good kernel's layout: headers, then text at 0x100 holding the
 * Multiboot header, then 0x40 bytes of data with 0xfc0 bytes of bss. */
#define TEXT_OFF	0x100u
#define TEXT_SIZE	0x100u
#define TEXT_PADDR	0x100000u
#define DATA_OFF	0x200u
#define DATA_FILESZ	0x40u
#define DATA_MEMSZ	0x1000u
#define DATA_PADDR	0x101000u
#define GOOD_LEN	0x240u
#define ENTRY		(TEXT_PADDR + 0x10)
#define MB_FLAGS	(SV_MB_HF_PAGE_ALIGN | SV_MB_HF_MEMORY_INFO)

struct kimg {
	uint8_t b[0x4000] __attribute__((aligned(8)));
	size_t len;
};

static Elf32_Ehdr *ehdr(struct kimg *k)
{
	return (Elf32_Ehdr *)k->b;
}

static Elf32_Phdr *phdr(struct kimg *k, unsigned i)
{
	return (Elf32_Phdr *)(k->b + ehdr(k)->e_phoff) + i;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void mb_header(struct kimg *k, size_t off, uint32_t flags)
{
	put32(k->b + off, SV_MB_HEADER_MAGIC);
	put32(k->b + off + 4, flags);
	put32(k->b + off + 8, -(SV_MB_HEADER_MAGIC + flags));
}

static void set_load(Elf32_Phdr *ph, uint32_t off, uint32_t addr,
		     uint32_t filesz, uint32_t memsz)
{
	ph->p_type = PT_LOAD;
	ph->p_offset = off;
	ph->p_vaddr = addr;
	ph->p_paddr = addr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_flags = PF_R | PF_W | PF_X;
	ph->p_align = 0x1000;
}

static void good_kernel(struct kimg *k)
{
	Elf32_Ehdr *eh = ehdr(k);

	memset(k, 0, sizeof(*k));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = ENTRY;
	eh->e_phoff = sizeof(Elf32_Ehdr);
	eh->e_ehsize = sizeof(Elf32_Ehdr);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = 3;
	set_load(phdr(k, 0), TEXT_OFF, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE);
	set_load(phdr(k, 1), DATA_OFF, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ);
	phdr(k, 2)->p_type = PT_GNU_STACK;
	phdr(k, 2)->p_flags = PF_R | PF_W;

	mb_header(k, TEXT_OFF, MB_FLAGS);
	for (unsigned i = 12; i < TEXT_SIZE; i++)
		k->b[TEXT_OFF + i] = 0x90;	/* nop */
	for (unsigned i = 0; i < DATA_FILESZ; i++)
		k->b[DATA_OFF + i] = (uint8_t)(i * 7 + 1);
	k->len = GOOD_LEN;
}

static struct sv_load_plan plan;	/* 5 KiB: not on the stack */

static int load_mb(struct kimg *k, uint64_t ram, const char *cmdline,
		   char *err)
{
	err[0] = '\0';
	return loader_multiboot(k->b, k->len, ram, cmdline, &plan, err,
				ERRLEN);
}

/* The kernel must be refused with code and exactly msg, nothing planned. */
#define EXPECT_MB_ERR(k, ram, code, msg) \
	do { \
		char err_[ERRLEN]; \
		SV_CHECK_EQ_I64(load_mb(k, ram, "", err_), code); \
		SV_CHECK_STR_EQ(err_, msg); \
		SV_CHECK_EQ_U64(plan.nchunks, 0); \
	} while (0)

#define EXPECT_MB_OK(k, ram) \
	do { \
		char err_[ERRLEN]; \
		int ret_ = load_mb(k, ram, "", err_); \
		SV_CHECK_EQ_I64(ret_, 0); \
		if (ret_) \
			SV_CHECK_STR_EQ(err_, ""); \
	} while (0)

static void check_chunk(unsigned i, uint64_t gpa, const void *src,
			uint64_t len)
{
	SV_CHECK_EQ_U64(plan.chunks[i].gpa.v, gpa);
	SV_CHECK(plan.chunks[i].src == src);
	SV_CHECK_EQ_U64(plan.chunks[i].len, len);
}

static void check_seg(enum sv_seg s, uint16_t sel, uint64_t base,
		      uint32_t limit, uint32_t access)
{
	SV_CHECK_EQ_U64(plan.cpu.seg[s].selector, sel);
	SV_CHECK_EQ_U64(plan.cpu.seg[s].base, base);
	SV_CHECK_EQ_U64(plan.cpu.seg[s].limit, limit);
	SV_CHECK_EQ_U64(plan.cpu.seg[s].access, access);
}

/* ---- Multiboot: the good kernel ---------------------------------------- */

static void test_mb_plan(void)
{
	static struct kimg k;
	const uint32_t code = SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE |
			      SV_AR_TYPE_ACCESSED | SV_AR_S | SV_AR_P |
			      SV_AR_DB | SV_AR_G;
	const uint32_t data = SV_AR_TYPE_WRITABLE | SV_AR_TYPE_ACCESSED |
			      SV_AR_S | SV_AR_P | SV_AR_DB | SV_AR_G;
	const uint64_t ram = 16 * MiB;
	char err[ERRLEN];

	good_kernel(&k);
	SV_CHECK_EQ_I64(load_mb(&k, ram, "kernel console=ttyS0", err), 0);
	SV_CHECK_STR_EQ(err, "");

	/* Segments: file bytes, then bss zeros; then the info page. */
	SV_CHECK_EQ_U64(plan.nchunks, 4);
	check_chunk(0, TEXT_PADDR, k.b + TEXT_OFF, TEXT_SIZE);
	check_chunk(1, DATA_PADDR, k.b + DATA_OFF, DATA_FILESZ);
	check_chunk(2, DATA_PADDR + DATA_FILESZ, NULL, DATA_MEMSZ - DATA_FILESZ);
	check_chunk(3, SV_LOADER_MBI_ADDR, plan.scratch, SV_LOADER_MBI_SIZE);
	SV_CHECK_EQ_U64(plan.entry.v, ENTRY);

	/* The machine state of the Multiboot specification. */
	SV_CHECK_EQ_U64(plan.cpu.regs.rax, 0x2BADB002);
	SV_CHECK_EQ_U64(plan.cpu.regs.rbx, SV_LOADER_MBI_ADDR);
	SV_CHECK_EQ_U64(plan.cpu.regs.rip, ENTRY);
	SV_CHECK_EQ_U64(plan.cpu.regs.rflags, RFLAGS_FIXED);
	SV_CHECK_EQ_U64(plan.cpu.regs.rflags & (RFLAGS_IF | RFLAGS_VM), 0);
	SV_CHECK_EQ_U64(plan.cpu.cr0, CR0_PE | CR0_ET);
	SV_CHECK_EQ_U64(plan.cpu.cr0 & CR0_PG, 0);
	SV_CHECK_EQ_U64(plan.cpu.cr3, 0);
	SV_CHECK_EQ_U64(plan.cpu.cr4, 0);
	check_seg(SV_SEG_CS, 0x08, 0, 0xffffffff, code);
	check_seg(SV_SEG_DS, 0x10, 0, 0xffffffff, data);
	check_seg(SV_SEG_ES, 0x10, 0, 0xffffffff, data);
	check_seg(SV_SEG_FS, 0x10, 0, 0xffffffff, data);
	check_seg(SV_SEG_GS, 0x10, 0, 0xffffffff, data);
	check_seg(SV_SEG_SS, 0x10, 0, 0xffffffff, data);
	check_seg(SV_SEG_TR, 0, 0, 0xffff, SV_AR_TYPE_TSS_BUSY | SV_AR_P);
	check_seg(SV_SEG_LDTR, 0, 0, 0xffff, SV_AR_TYPE_LDT | SV_AR_P);
	SV_CHECK_EQ_U64(code, 0xc09b);	/* the usual descriptor bytes */
	SV_CHECK_EQ_U64(data, 0xc093);
}

static void test_mb_info(void)
{
	static struct kimg k;
	const uint8_t *info = plan.scratch + SV_LOADER_MBI_OFF_INFO;
	const uint64_t ram = 64 * MiB;
	const uint8_t *mmap, *p;
	char err[ERRLEN];

	good_kernel(&k);
	SV_CHECK_EQ_I64(load_mb(&k, ram, "k a=1 b", err), 0);

	SV_CHECK_EQ_U64(get32(info + SV_MBI_FLAGS),
			SV_MBI_MEMORY | SV_MBI_CMDLINE | SV_MBI_MEM_MAP |
			SV_MBI_LOADER_NAME);
	SV_CHECK_EQ_U64(get32(info + SV_MBI_MEM_LOWER), 640);
	SV_CHECK_EQ_U64(get32(info + SV_MBI_MEM_UPPER), (ram - MiB) / 1024);

	/* Addresses are guest-physical, inside the info page. */
	p = plan.scratch + get32(info + SV_MBI_CMDLINE_ADDR) - SV_LOADER_MBI_ADDR;
	SV_CHECK_EQ_U64(get32(info + SV_MBI_CMDLINE_ADDR),
			SV_LOADER_MBI_ADDR + SV_LOADER_MBI_OFF_CMDLINE);
	SV_CHECK_STR_EQ((const char *)p, "k a=1 b");
	p = plan.scratch + get32(info + SV_MBI_LOADER_NAME_ADDR) -
	    SV_LOADER_MBI_ADDR;
	SV_CHECK_STR_EQ((const char *)p, "Smart-VM");

	SV_CHECK_EQ_U64(get32(info + SV_MBI_MMAP_ADDR),
			SV_LOADER_MBI_ADDR + SV_LOADER_MBI_OFF_MMAP);
	SV_CHECK_EQ_U64(get32(info + SV_MBI_MMAP_LENGTH), 3 * 24);
	mmap = plan.scratch + SV_LOADER_MBI_OFF_MMAP;
	static const uint64_t want[3][3] = {
		{ 0, 0xa0000, SV_MBI_MMAP_AVAILABLE },
		{ 0xa0000, 0x60000, SV_MBI_MMAP_RESERVED },
		{ 0x100000, 63 * MiB, SV_MBI_MMAP_AVAILABLE },
	};
	for (unsigned i = 0; i < 3; i++, mmap += 24) {
		SV_CHECK_EQ_U64(get32(mmap), 20);
		SV_CHECK_EQ_U64(get64(mmap + 4), want[i][0]);
		SV_CHECK_EQ_U64(get64(mmap + 12), want[i][1]);
		SV_CHECK_EQ_U64(get32(mmap + 20), want[i][2]);
	}
	/* Nothing set that the flags do not announce. */
	SV_CHECK_EQ_U64(get32(info + SV_MBI_MODS_COUNT), 0);
	SV_CHECK_EQ_U64(get32(info + SV_MBI_BOOT_DEVICE), 0);

	/* No command line: an empty string, still announced. */
	SV_CHECK_EQ_I64(load_mb(&k, ram, NULL, err), 0);
	SV_CHECK_STR_EQ((const char *)plan.scratch + SV_LOADER_MBI_OFF_CMDLINE,
			"");
	/* The longest command line fits. */
	{
		static char cmd[SV_LOADER_CMDLINE_MAX];

		memset(cmd, 'c', sizeof(cmd) - 1);
		cmd[sizeof(cmd) - 1] = '\0';
		SV_CHECK_EQ_I64(load_mb(&k, ram, cmd, err), 0);
		SV_CHECK_STR_EQ((const char *)plan.scratch +
				SV_LOADER_MBI_OFF_CMDLINE, cmd);
	}
}

static void test_mb_apply(void)
{
	static struct kimg k;
	const uint64_t ram_size = 2 * MiB;
	uint8_t *ram = malloc(ram_size);
	char err[ERRLEN];

	good_kernel(&k);
	memset(ram, 0xaa, ram_size);
	SV_CHECK_EQ_I64(load_mb(&k, ram_size, "cmd", err), 0);
	SV_CHECK_EQ_I64(loader_apply(&plan, ram, ram_size), 0);

	SV_CHECK(memcmp(ram + TEXT_PADDR, k.b + TEXT_OFF, TEXT_SIZE) == 0);
	SV_CHECK(memcmp(ram + DATA_PADDR, k.b + DATA_OFF, DATA_FILESZ) == 0);
	for (uint32_t a = DATA_PADDR + DATA_FILESZ; a < DATA_PADDR + DATA_MEMSZ;
	     a++)
		if (ram[a] != 0) {
			SV_CHECK_EQ_U64(ram[a], 0);	/* bss zeroed */
			break;
		}
	SV_CHECK(memcmp(ram + SV_LOADER_MBI_ADDR, plan.scratch,
			SV_LOADER_MBI_SIZE) == 0);
	SV_CHECK_STR_EQ((char *)ram + get32(ram + SV_LOADER_MBI_ADDR +
					     SV_MBI_CMDLINE_ADDR), "cmd");
	/* Untouched around the chunks. */
	SV_CHECK_EQ_U64(ram[TEXT_PADDR - 1], 0xaa);
	SV_CHECK_EQ_U64(ram[TEXT_PADDR + TEXT_SIZE], 0xaa);
	SV_CHECK_EQ_U64(ram[DATA_PADDR + DATA_MEMSZ], 0xaa);
	SV_CHECK_EQ_U64(ram[SV_LOADER_MBI_ADDR - 1], 0xaa);
	SV_CHECK_EQ_U64(ram[SV_LOADER_MBI_ADDR + SV_LOADER_MBI_SIZE], 0xaa);
	SV_CHECK_EQ_U64(ram[0], 0xaa);
	free(ram);
}

static void test_apply_refuses(void)
{
	static struct kimg k;
	static struct sv_load_plan moved;
	uint8_t *ram = malloc(2 * MiB);
	char err[ERRLEN];

	good_kernel(&k);
	memset(ram, 0xaa, 2 * MiB);
	SV_CHECK_EQ_I64(load_mb(&k, 2 * MiB, "", err), 0);
	/* Smaller RAM than planned for: the data segment does not fit, and
	 * not even the text segment before it is written. */
	SV_CHECK_EQ_I64(loader_apply(&plan, ram, DATA_PADDR + 0x100),
			-SV_EFAULT);
	SV_CHECK_EQ_U64(ram[TEXT_PADDR], 0xaa);
	SV_CHECK_EQ_U64(ram[SV_LOADER_MBI_ADDR], 0xaa);
	/* A copied plan points into the old one's scratch: refused. */
	memcpy(&moved, &plan, sizeof(plan));
	SV_CHECK_EQ_I64(loader_apply(&moved, ram, 2 * MiB), -SV_EINVAL);
	SV_CHECK_EQ_U64(ram[TEXT_PADDR], 0xaa);
	free(ram);
}

static void test_mb_vaddr_entry(void)
{
	static struct kimg k;

	/* A higher-half kernel: linked at 3 GiB, loaded at 1 MiB. Entry is
	 * virtual and translated through its segment. */
	good_kernel(&k);
	phdr(&k, 0)->p_vaddr = 0xc0100000;
	phdr(&k, 1)->p_vaddr = 0xc0101000;
	ehdr(&k)->e_entry = 0xc0100020;
	EXPECT_MB_OK(&k, 16 * MiB);
	SV_CHECK_EQ_U64(plan.cpu.regs.rip, 0x100020);
	SV_CHECK_EQ_U64(plan.entry.v, 0x100020);
	SV_CHECK_EQ_U64(plan.chunks[0].gpa.v, TEXT_PADDR);
}

/* ---- Multiboot: malformed kernels -------------------------------------- */

static void test_mb_header_errors(void)
{
	static struct kimg k;

	good_kernel(&k);
	put32(k.b + TEXT_OFF, 0);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "no Multiboot header (magic 0x1badb002) in the first "
		      "8192 bytes");

	good_kernel(&k);
	put32(k.b + TEXT_OFF + 8, get32(k.b + TEXT_OFF + 8) + 1);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ECORRUPT,
		      "Multiboot header at offset 0x100 has a bad checksum "
		      "(magic + flags + checksum = 0x00000001, must be 0)");
	/* ...but a good header after a bad one is found. */
	mb_header(&k, TEXT_OFF + 0x20, MB_FLAGS);
	EXPECT_MB_OK(&k, 16 * MiB);

	good_kernel(&k);
	mb_header(&k, TEXT_OFF, MB_FLAGS | SV_MB_HF_VIDEO_MODE);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ENOTSUP,
		      "Multiboot header at offset 0x100 asks for video mode "
		      "information (flags bit 2), which this loader does not "
		      "provide");
	mb_header(&k, TEXT_OFF, MB_FLAGS | 0x20);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ENOTSUP,
		      "Multiboot header at offset 0x100 requires features this "
		      "loader does not know (flags 0x00000023)");
	mb_header(&k, TEXT_OFF, MB_FLAGS | SV_MB_HF_AOUT_KLUDGE);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ENOTSUP,
		      "Multiboot header at offset 0x100 uses the a.out kludge "
		      "(flags bit 16), which is not supported: the ELF program "
		      "headers give the load addresses");
	/* Optional bits 17-31 a loader may ignore; no flags at all is fine. */
	mb_header(&k, TEXT_OFF, MB_FLAGS | 0x00100000);
	EXPECT_MB_OK(&k, 16 * MiB);
	mb_header(&k, TEXT_OFF, 0);
	EXPECT_MB_OK(&k, 16 * MiB);

	/* The header must be 32-bit aligned ... */
	good_kernel(&k);
	memset(k.b + TEXT_OFF, 0, 12);
	mb_header(&k, TEXT_OFF + 2, MB_FLAGS);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "no Multiboot header (magic 0x1badb002) in the first "
		      "8192 bytes");
	/* ... and wholly inside the first 8192 bytes. */
	good_kernel(&k);
	memset(k.b + TEXT_OFF, 0, 12);
	k.len = 8192 + 64;
	mb_header(&k, 8192 - 12, MB_FLAGS);
	EXPECT_MB_OK(&k, 16 * MiB);
	memset(k.b + 8192 - 12, 0, 12);
	mb_header(&k, 8192 - 8, MB_FLAGS);
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "no Multiboot header (magic 0x1badb002) in the first "
		      "8192 bytes");
}

static void test_mb_elf_errors(void)
{
	static struct kimg k;

	/* A Multiboot header, then nothing: too short for ELF. */
	good_kernel(&k);
	memset(k.b, 0, sizeof(k.b));
	mb_header(&k, 0, MB_FLAGS);
	k.len = 40;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "image of 40 bytes is too short for an ELF header");

	good_kernel(&k);
	k.b[0] = 0x7e;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "not an ELF file (bad magic 7e 45 4c 46)");
	good_kernel(&k);
	k.b[EI_CLASS] = ELFCLASS64;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "not a 32-bit ELF file (EI_CLASS 2, expected ELFCLASS32)");
	good_kernel(&k);
	k.b[EI_DATA] = ELFDATA2MSB;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "not a little-endian ELF file (EI_DATA 2, expected "
		      "ELFDATA2LSB)");
	good_kernel(&k);
	k.b[EI_VERSION] = 0;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "unsupported ELF version 0/1 (expected 1)");
	good_kernel(&k);
	ehdr(&k)->e_version = 2;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "unsupported ELF version 1/2 (expected 1)");
	good_kernel(&k);
	ehdr(&k)->e_type = ET_DYN;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "not an executable ELF file (e_type 3, expected ET_EXEC)");
	good_kernel(&k);
	ehdr(&k)->e_machine = EM_X86_64;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "not an i386 ELF file (e_machine 62, expected EM_386)");
	good_kernel(&k);
	ehdr(&k)->e_phentsize = 40;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "program header size 40 is not 32");
	good_kernel(&k);
	ehdr(&k)->e_phnum = 0;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL, "no program headers");
	good_kernel(&k);
	ehdr(&k)->e_phnum = 65;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_E2BIG,
		      "too many program headers (65, at most 64)");
	good_kernel(&k);
	ehdr(&k)->e_phoff = GOOD_LEN - 0x10;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "program header table (offset 0x230, 3 entries) is "
		      "outside the file (576 bytes)");
	good_kernel(&k);
	ehdr(&k)->e_phoff = 0xffffffe0;	/* wraps in 32 bits */
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "program header table (offset 0xffffffe0, 3 entries) is "
		      "outside the file (576 bytes)");
}

static void test_mb_segment_errors(void)
{
	static struct kimg k;

	good_kernel(&k);
	EXPECT_MB_ERR(&k, DATA_PADDR + 0x800, -SV_ERANGE,
		      "segment 1: 0x101000-0x101fff is outside guest RAM "
		      "(0x101800 bytes)");
	EXPECT_MB_OK(&k, DATA_PADDR + DATA_MEMSZ);	/* exactly fits */
	EXPECT_MB_ERR(&k, MiB, -SV_ERANGE,
		      "guest RAM of 0x100000 bytes leaves no room above 1 MiB "
		      "for a Multiboot kernel");

	good_kernel(&k);
	phdr(&k, 0)->p_paddr = 0xff000;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ERANGE,
		      "segment 0: physical address 0xff000 is below 1 MiB "
		      "(0x100000)");
	phdr(&k, 0)->p_paddr = SV_LOADER_MBI_ADDR;	/* over the info page */
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ERANGE,
		      "segment 0: physical address 0x8000 is below 1 MiB "
		      "(0x100000)");

	good_kernel(&k);
	phdr(&k, 1)->p_paddr = TEXT_PADDR + 0xf0;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "segments 0 and 1 overlap (0x100000-0x1000ff and "
		      "0x1000f0-0x1010ef)");
	phdr(&k, 1)->p_paddr = TEXT_PADDR + TEXT_SIZE;	/* adjacent: fine */
	EXPECT_MB_OK(&k, 16 * MiB);
	/* Overlap through bss only, and a later segment below an earlier. */
	phdr(&k, 1)->p_paddr = TEXT_PADDR - DATA_MEMSZ + 1;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ERANGE,
		      "segment 1: physical address 0xff001 is below 1 MiB "
		      "(0x100000)");
	set_load(phdr(&k, 0), TEXT_OFF, 0x200000, TEXT_SIZE, TEXT_SIZE);
	phdr(&k, 1)->p_paddr = 0x200000 - DATA_MEMSZ + 1;
	ehdr(&k)->e_entry = 0x200010;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "segments 0 and 1 overlap (0x200000-0x2000ff and "
		      "0x1ff001-0x200000)");

	good_kernel(&k);
	phdr(&k, 1)->p_memsz = 0x20;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "segment 1: file size 0x40 is larger than its memory "
		      "size 0x20");

	good_kernel(&k);
	phdr(&k, 1)->p_offset = 0x220;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "segment 1: file bytes 0x220-0x25f are outside the file "
		      "(576 bytes)");
	phdr(&k, 1)->p_offset = 0xffffffe0;	/* wraps in 32 bits */
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "segment 1: file bytes 0xffffffe0-0x10000001f are "
		      "outside the file (576 bytes)");

	good_kernel(&k);
	phdr(&k, 1)->p_paddr = 0xfffff800;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_ERANGE,
		      "segment 1: 0xfffff800 + size 0x1000 wraps around 4 GiB");

	/* An empty PT_LOAD loads nothing and is not checked further. */
	good_kernel(&k);
	set_load(phdr(&k, 2), 0xffffff00, 0, 0, 0);
	EXPECT_MB_OK(&k, 16 * MiB);
	SV_CHECK_EQ_U64(plan.nchunks, 4);
}

static void test_mb_entry_and_count_errors(void)
{
	static struct kimg k;
	Elf32_Phdr *ph;

	good_kernel(&k);
	ehdr(&k)->e_entry = 0x200000;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "entry point 0x200000 is outside the file contents of "
		      "every loadable segment");
	ehdr(&k)->e_entry = DATA_PADDR + 0x800;	/* in bss */
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL,
		      "entry point 0x101800 is outside the file contents of "
		      "every loadable segment");
	ehdr(&k)->e_entry = TEXT_PADDR + TEXT_SIZE - 1;	/* last text byte */
	EXPECT_MB_OK(&k, 16 * MiB);

	good_kernel(&k);
	phdr(&k, 0)->p_type = PT_NULL;
	phdr(&k, 1)->p_type = PT_NOTE;
	EXPECT_MB_ERR(&k, 16 * MiB, -SV_EINVAL, "no loadable segment");

	/* Program headers moved to the end: text, data and N bss segments. */
	for (unsigned n = 8; n <= 9; n++) {
		good_kernel(&k);
		ehdr(&k)->e_phoff = GOOD_LEN;
		ehdr(&k)->e_phnum = (uint16_t)n;
		set_load(phdr(&k, 0), TEXT_OFF, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE);
		set_load(phdr(&k, 1), DATA_OFF, DATA_PADDR, DATA_FILESZ,
			 DATA_MEMSZ);
		for (unsigned i = 2; i < n; i++) {
			ph = phdr(&k, i);
			set_load(ph, 0, 0x200000 + i * 0x1000, 0, 0x10);
		}
		k.len = GOOD_LEN + n * sizeof(Elf32_Phdr);
		if (n == 8) {
			EXPECT_MB_OK(&k, 16 * MiB);
			/* 2 chunks for data, 1 for text and each bss, 1 MBI */
			SV_CHECK_EQ_U64(plan.nchunks, 2 + 1 + 6 + 1);
		} else {
			EXPECT_MB_ERR(&k, 16 * MiB, -SV_E2BIG,
				      "more than 8 loadable segments");
		}
	}
}

static void test_mb_cmdline_too_long(void)
{
	static struct kimg k;
	static char cmd[SV_LOADER_CMDLINE_MAX + 1];
	char err[ERRLEN];

	good_kernel(&k);
	memset(cmd, 'x', SV_LOADER_CMDLINE_MAX);
	SV_CHECK_EQ_I64(load_mb(&k, 16 * MiB, cmd, err), -SV_E2BIG);
	SV_CHECK_STR_EQ(err, "command line is longer than 1023 characters");
	SV_CHECK_EQ_U64(plan.nchunks, 0);
}

/* Every proper prefix of the good kernel must fail, cleanly. Each prefix
 * lives in a buffer of exactly its length, so valgrind catches any read
 * past it. */
static void test_mb_truncated(void)
{
	static struct kimg k;
	unsigned bad = 0;

	good_kernel(&k);
	for (size_t len = 0; len < k.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		char err[ERRLEN] = "";
		int ret;

		memcpy(copy, k.b, len);
		ret = loader_multiboot(copy, len, 16 * MiB, "", &plan, err,
				       sizeof(err));
		if (ret >= 0 || err[0] == '\0' || plan.nchunks != 0)
			bad++;
		free(copy);
	}
	SV_CHECK_EQ_U64(bad, 0);
	/* The whole image, in an exact buffer, loads. */
	{
		uint8_t *copy = malloc(k.len);
		char err[ERRLEN];

		memcpy(copy, k.b, k.len);
		SV_CHECK_EQ_I64(loader_multiboot(copy, k.len, 16 * MiB, "",
						 &plan, err, sizeof(err)), 0);
		free(copy);
	}
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Does [p, p+n) lie inside [base, base+len)? */
static bool inside(const void *p, uint64_t n, const void *base, size_t len)
{
	const uint8_t *b = base, *q = p;

	return q >= b && q <= b + len && n <= (uint64_t)(b + len - q);
}

/* Random byte changes, mostly in the headers: whatever is accepted must
 * plan only chunks inside RAM, from the image or the plan's scratch. */
static void test_mb_fuzz(void)
{
	enum { ROUNDS = 20000 };
	static struct kimg good, k;
	const uint64_t ram_size = 2 * MiB;
	uint8_t *ram = malloc(ram_size);
	unsigned ok = 0, bad = 0;

	rng_state = 0x10ade25eedull;
	good_kernel(&good);
	for (unsigned r = 0; r < ROUNDS; r++) {
		char err[ERRLEN] = "";
		uint8_t *copy;
		int ret;

		memcpy(&k, &good, sizeof(k));
		for (unsigned n = 1 + rng() % 4; n > 0; n--) {
			size_t at = rng() % 4 ? rng() % 0x80 :
				    TEXT_OFF + rng() % 12;
			k.b[at] = rng() % 3 ? (uint8_t)rng() : k.b[at] ^ 0x80;
		}
		if (rng() % 8 == 0)
			k.len = rng() % (GOOD_LEN + 1);
		copy = malloc(k.len ? k.len : 1);
		memcpy(copy, k.b, k.len);
		ret = loader_multiboot(copy, k.len, ram_size, "x", &plan, err,
				       sizeof(err));
		if (ret == 0) {
			unsigned bad_chunks = 0;

			ok++;
			for (unsigned i = 0; i < plan.nchunks; i++) {
				const struct sv_load_chunk *c = &plan.chunks[i];

				if (c->gpa.v + c->len > ram_size ||
				    (c->src && !inside(c->src, c->len, copy,
						       k.len) &&
				     !inside(c->src, c->len, plan.scratch,
					     sizeof(plan.scratch))))
					bad_chunks++;
			}
			bad += bad_chunks;
			if (plan.cpu.regs.rip < SV_LOADER_KERNEL_MIN ||
			    plan.cpu.regs.rip >= ram_size ||
			    (!bad_chunks &&
			     loader_apply(&plan, ram, ram_size) != 0))
				bad++;
		} else if (ret > 0 || err[0] == '\0' || plan.nchunks) {
			bad++;
		}
		free(copy);
	}
	SV_CHECK_EQ_U64(bad, 0);
	SV_CHECK(ok > ROUNDS / 100);
	SV_CHECK(ok < ROUNDS);
	free(ram);
}

/* ---- flat images ------------------------------------------------------- */

static int load_flat(const void *img, size_t len, uint16_t seg,
		     uint16_t off, uint64_t ram, char *err)
{
	err[0] = '\0';
	return loader_flat(img, len, seg, off, ram, &plan, err, ERRLEN);
}

static void test_flat_plan(void)
{
	const uint32_t code = SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE |
			      SV_AR_TYPE_ACCESSED | SV_AR_S | SV_AR_P;
	const uint32_t data = SV_AR_TYPE_WRITABLE | SV_AR_TYPE_ACCESSED |
			      SV_AR_S | SV_AR_P;
	static uint8_t img[512];
	uint8_t *ram = malloc(MiB);
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i ^ 0x5a);
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0, 0x7c00, 16 * MiB, err),
			0);
	SV_CHECK_STR_EQ(err, "");
	SV_CHECK_EQ_U64(plan.nchunks, 1);
	check_chunk(0, 0x7c00, img, sizeof(img));
	SV_CHECK_EQ_U64(plan.entry.v, 0x7c00);
	SV_CHECK_EQ_U64(plan.cpu.regs.rip, 0x7c00);
	SV_CHECK_EQ_U64(plan.cpu.regs.rsp, 0x7c00);
	SV_CHECK_EQ_U64(plan.cpu.regs.rdx, 0x80);
	SV_CHECK_EQ_U64(plan.cpu.regs.rax, 0);
	SV_CHECK_EQ_U64(plan.cpu.regs.rflags, RFLAGS_FIXED);
	SV_CHECK_EQ_U64(plan.cpu.cr0, CR0_ET);	/* real mode */
	check_seg(SV_SEG_CS, 0, 0, 0xffff, code);
	check_seg(SV_SEG_SS, 0, 0, 0xffff, data);
	check_seg(SV_SEG_DS, 0, 0, 0xffff, data);
	check_seg(SV_SEG_ES, 0, 0, 0xffff, data);
	check_seg(SV_SEG_FS, 0, 0, 0xffff, data);
	check_seg(SV_SEG_GS, 0, 0, 0xffff, data);
	check_seg(SV_SEG_TR, 0, 0, 0xffff, SV_AR_TYPE_TSS_BUSY | SV_AR_P);
	check_seg(SV_SEG_LDTR, 0, 0, 0xffff, SV_AR_TYPE_LDT | SV_AR_P);
	SV_CHECK_EQ_U64(code, 0x9b);
	SV_CHECK_EQ_U64(data, 0x93);

	memset(ram, 0xaa, MiB);
	SV_CHECK_EQ_I64(loader_apply(&plan, ram, MiB), 0);
	SV_CHECK(memcmp(ram + 0x7c00, img, sizeof(img)) == 0);
	SV_CHECK_EQ_U64(ram[0x7bff], 0xaa);
	SV_CHECK_EQ_U64(ram[0x7e00], 0xaa);

	/* Same linear address, another segment. */
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0x07c0, 0, 16 * MiB, err),
			0);
	check_seg(SV_SEG_CS, 0x07c0, 0x7c00, 0xffff, code);
	check_seg(SV_SEG_DS, 0x07c0, 0x7c00, 0xffff, data);
	check_seg(SV_SEG_SS, 0, 0, 0xffff, data);
	SV_CHECK_EQ_U64(plan.cpu.regs.rip, 0);
	SV_CHECK_EQ_U64(plan.cpu.regs.rsp, 0x7c00);
	SV_CHECK_EQ_U64(plan.entry.v, 0x7c00);

	/* Above 64 KiB: the stack segment ends at the image. */
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0x2000, 0x0100, 16 * MiB,
				  err), 0);
	check_chunk(0, 0x20100, img, sizeof(img));
	check_seg(SV_SEG_SS, 0x1010, 0x10100, 0xffff, data);
	SV_CHECK_EQ_U64(plan.cpu.regs.rsp, 0);
	SV_CHECK_EQ_U64(plan.cpu.seg[SV_SEG_SS].base + 0x10000, 0x20100);
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0x1000, 0, 16 * MiB, err),
			0);
	check_seg(SV_SEG_SS, 0, 0, 0xffff, data);
	SV_CHECK_EQ_U64(plan.cpu.regs.rsp, 0);	/* first push at 0000:fffe */

	/* The lowest address allowed, and an odd one. */
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0, 0x500, MiB, err), 0);
	SV_CHECK_EQ_I64(load_flat(img, 1, 0x0050, 0x0003, MiB, err), 0);
	check_chunk(0, 0x503, img, 1);
	SV_CHECK_EQ_U64(plan.cpu.regs.rsp, 0x500);
	free(ram);
}

static void test_flat_errors(void)
{
	static uint8_t img[512];
	uint8_t *big = calloc(1, MiB + 1);
	char err[ERRLEN];

	SV_CHECK_EQ_I64(load_flat(img, 0, 0, 0x7c00, MiB, err), -SV_EINVAL);
	SV_CHECK_STR_EQ(err, "image is empty");
	SV_CHECK_EQ_U64(plan.nchunks, 0);

	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0, 0x100, MiB, err),
			-SV_ERANGE);
	SV_CHECK_STR_EQ(err, "load address 0000:0100 (linear 0x100) is below "
			"0x500, over the interrupt vector table and BIOS data "
			"area");
	SV_CHECK_EQ_I64(load_flat(img, sizeof(img), 0x004f, 0xf, MiB, err),
			-SV_ERANGE);

	SV_CHECK_EQ_I64(load_flat(big, MiB, 0, 0x7c00, 16 * MiB, err),
			-SV_E2BIG);
	SV_CHECK_STR_EQ(err, "image of 1048576 bytes at 0000:7c00 (linear "
			"0x7c00) does not fit below 1 MiB");
	SV_CHECK_EQ_U64(plan.nchunks, 0);
	SV_CHECK_EQ_I64(load_flat(big, SIZE_MAX, 0, 0x7c00, 16 * MiB, err),
			-SV_E2BIG);
	SV_CHECK_EQ_I64(load_flat(img, 1, 0xffff, 0x0010, 16 * MiB, err),
			-SV_E2BIG);
	SV_CHECK_STR_EQ(err, "image of 1 bytes at ffff:0010 (linear 0x100000) "
			"does not fit below 1 MiB");
	/* Ends exactly at 1 MiB: fine; one byte more: refused. */
	SV_CHECK_EQ_I64(load_flat(big, 0x70000, 0x9000, 0, MiB, err), 0);
	SV_CHECK_EQ_I64(load_flat(big, 0x70001, 0x9000, 0, MiB, err),
			-SV_E2BIG);

	SV_CHECK_EQ_I64(load_flat(img, 0x500, 0, 0x7c00, 0x8000, err),
			-SV_E2BIG);
	SV_CHECK_STR_EQ(err, "image of 1280 bytes at 0000:7c00 (linear 0x7c00) "
			"does not fit in guest RAM (0x8000 bytes)");
	SV_CHECK_EQ_I64(load_flat(img, 0x400, 0, 0x7c00, 0x8000, err), 0);
	free(big);
}

CU_TestInfo sv_tests_loader[] = {
	{ "multiboot: plan and machine state", test_mb_plan },
	{ "multiboot: information structure", test_mb_info },
	{ "multiboot: apply", test_mb_apply },
	{ "apply: refuses before writing", test_apply_refuses },
	{ "multiboot: virtual entry", test_mb_vaddr_entry },
	{ "multiboot: header errors", test_mb_header_errors },
	{ "multiboot: ELF errors", test_mb_elf_errors },
	{ "multiboot: segment errors", test_mb_segment_errors },
	{ "multiboot: entry and count errors", test_mb_entry_and_count_errors },
	{ "multiboot: command line too long", test_mb_cmdline_too_long },
	{ "multiboot: every truncation", test_mb_truncated },
	{ "multiboot: fuzz", test_mb_fuzz },
	{ "flat: plan and apply", test_flat_plan },
	{ "flat: errors", test_flat_errors },
	CU_TEST_INFO_NULL,
};
