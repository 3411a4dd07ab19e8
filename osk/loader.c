/*
 * Guest loaders (sv/loader.h): flat real-mode images and Multiboot v1 ELF32
 * kernels.
 *
 * An image is outside input. Each loader first decodes and checks all of
 * it, reading fields byte by byte in little-endian order and only after
 * checking they lie inside the image; every sum of two 32-bit fields is
 * done in 64 bits so nothing wraps. Only then does it fill the plan, in
 * steps that cannot fail. loader_apply() is the one function that writes
 * guest RAM.
 *
 * Messages name what is wrong and where (header offsets, segment indexes,
 * addresses); the caller prefixes the image's path.
 */
#include "sv/loader.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/panic.h"
#include "sv/string.h"
#include "sv/vmx.h"

/* ---- x86 architecture bits this file sets ------------------------------ */

#define CR0_PE		SV_BIT(0)	/* protection enable */
#define CR0_ET		SV_BIT(4)	/* extension type: fixed 1 since i486 */
#define RFLAGS_FIXED	SV_BIT(1)	/* reserved, always 1 */

/* Real mode: 64 KiB segments at selector * 16. */
#define REAL_SEG_LIMIT	0xffffu
#define REAL_CODE_AR	(SV_AR_TYPE_CODE | SV_AR_TYPE_WRITABLE | \
			 SV_AR_TYPE_ACCESSED | SV_AR_S | SV_AR_P)
#define REAL_DATA_AR	(SV_AR_TYPE_WRITABLE | SV_AR_TYPE_ACCESSED | \
			 SV_AR_S | SV_AR_P)

/* Protected mode: flat 4 GiB segments, as the Multiboot spec requires. */
#define FLAT_LIMIT	0xffffffffu
#define FLAT_CODE_SEL	0x08u
#define FLAT_DATA_SEL	0x10u
#define FLAT_CODE_AR	(REAL_CODE_AR | SV_AR_DB | SV_AR_G)
#define FLAT_DATA_AR	(REAL_DATA_AR | SV_AR_DB | SV_AR_G)

/* TR and LDTR as the processor leaves them at reset; VM entry wants a
 * usable busy TSS in TR whatever the mode. */
#define SYS_LIMIT	0xffffu
#define TR_AR		(SV_AR_TYPE_TSS_BUSY | SV_AR_P)
#define LDTR_AR		(SV_AR_TYPE_LDT | SV_AR_P)

/* ---- ELF32 (System V ABI, i386 supplement) ------------------------------ */

enum elf_ident {
	EI_MAG0 = 0, EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16
};
#define ELFCLASS32	1u
#define ELFDATA2LSB	1u
#define EV_CURRENT	1u
#define ET_EXEC		2u
#define EM_386		3u
#define PT_LOAD		1u

/* Offsets of the fields of Elf32_Ehdr and Elf32_Phdr. */
enum elf32_ehdr {
	E_TYPE = 16, E_MACHINE = 18, E_VERSION = 20, E_ENTRY = 24,
	E_PHOFF = 28, E_PHENTSIZE = 42, E_PHNUM = 44, EHDR_SIZE = 52
};
enum elf32_phdr {
	P_TYPE = 0, P_OFFSET = 4, P_VADDR = 8, P_PADDR = 12, P_FILESZ = 16,
	P_MEMSZ = 20, PHDR_SIZE = 32
};

/* Multiboot header: magic, flags, checksum (the a.out fields follow only
 * with SV_MB_HF_AOUT_KLUDGE, which is refused). */
enum mb_header { MBH_MAGIC = 0, MBH_FLAGS = 4, MBH_CHECKSUM = 8, MBH_SIZE = 12 };

/* The legacy PC area between lower and upper memory: VGA, option ROMs,
 * BIOS. The memory map reports it reserved, as a PC's firmware does. */
#define LOWER_MEM_END	0xa0000u
#define UPPER_MEM_START	0x100000u
#define FOUR_GIB	(1ull << 32)

SV_STATIC_ASSERT(SV_LOADER_MBI_ADDR >= SV_LOADER_FLAT_MIN &&
		 SV_LOADER_MBI_ADDR + SV_LOADER_MBI_SIZE <= LOWER_MEM_END,
		 "the Multiboot info must lie in lower memory");
SV_STATIC_ASSERT(SV_LOADER_MBI_ADDR + SV_LOADER_MBI_SIZE <=
		 SV_LOADER_KERNEL_MIN,
		 "kernel segments must not reach the Multiboot info");
SV_STATIC_ASSERT(SV_LOADER_MBI_OFF_INFO + SV_MBI_INFO_SIZE <=
		 SV_LOADER_MBI_OFF_MMAP &&
		 SV_LOADER_MBI_OFF_MMAP + 3 * SV_MBI_MMAP_ENTRY_SIZE <=
		 SV_LOADER_MBI_OFF_NAME &&
		 SV_LOADER_MBI_OFF_NAME + 16 <= SV_LOADER_MBI_OFF_CMDLINE &&
		 SV_LOADER_MBI_OFF_CMDLINE + SV_LOADER_CMDLINE_MAX <=
		 SV_LOADER_MBI_SIZE,
		 "Multiboot info layout must fit its page");

static const char loader_name[] = "Smart-VM";

/* ---- helpers ----------------------------------------------------------- */

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	SV_PRINTF(4, 5);

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		sv_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static void plan_reset(struct sv_load_plan *plan)
{
	sv_memset(plan, 0, sizeof(*plan));
	plan->self = plan;
}

/* Append a chunk; the planners size SV_LOAD_MAX_CHUNKS for their worst
 * case, so running out is a bug here, not in the image. */
static void plan_chunk(struct sv_load_plan *plan, uint64_t gpa_v,
		       const void *src, uint64_t len)
{
	struct sv_load_chunk *c;

	if (len == 0)
		return;
	SV_ASSERT(plan->nchunks < SV_LOAD_MAX_CHUNKS);
	c = &plan->chunks[plan->nchunks++];
	c->gpa = gpa(gpa_v);
	c->src = src;
	c->len = len;
}

static void set_seg(struct sv_boot_cpu *cpu, enum sv_seg s, uint16_t sel,
		    uint64_t base, uint32_t limit, uint32_t access)
{
	cpu->seg[s] = (struct sv_segment){
		.selector = sel, .base = base, .limit = limit, .access = access,
	};
}

static void set_system_segs(struct sv_boot_cpu *cpu)
{
	set_seg(cpu, SV_SEG_TR, 0, 0, SYS_LIMIT, TR_AR);
	set_seg(cpu, SV_SEG_LDTR, 0, 0, SYS_LIMIT, LDTR_AR);
}

/* ---- flat real-mode images --------------------------------------------- */

int loader_flat(const void *img, size_t len, uint16_t seg, uint16_t off,
		uint64_t ram_size, struct sv_load_plan *plan, char *err,
		size_t errlen)
{
	uint64_t start = (uint64_t)seg * 16 + off;
	uint64_t limit = SV_MIN(ram_size, (uint64_t)SV_LOADER_REAL_LIMIT);
	struct sv_boot_cpu *cpu = &plan->cpu;
	uint16_t ss, sp;

	plan_reset(plan);
	if (len == 0 || !img)
		return fail(err, errlen, -SV_EINVAL, "image is empty");
	if (start < SV_LOADER_FLAT_MIN)
		return fail(err, errlen, -SV_ERANGE,
			    "load address %04x:%04x (linear 0x%llx) is below "
			    "0x%x, over the interrupt vector table and BIOS "
			    "data area", seg, off, (unsigned long long)start,
			    SV_LOADER_FLAT_MIN);
	if (start >= SV_LOADER_REAL_LIMIT || len > SV_LOADER_REAL_LIMIT - start)
		return fail(err, errlen, -SV_E2BIG,
			    "image of %zu bytes at %04x:%04x (linear 0x%llx) "
			    "does not fit below 1 MiB", len, seg, off,
			    (unsigned long long)start);
	if (start + len > limit)
		return fail(err, errlen, -SV_E2BIG,
			    "image of %zu bytes at %04x:%04x (linear 0x%llx) "
			    "does not fit in guest RAM (0x%llx bytes)", len,
			    seg, off, (unsigned long long)start,
			    (unsigned long long)ram_size);

	/*
	 * The stack grows down from the image's first byte (as a boot
	 * sector's does from 0000:7c00). With a segment of 64 KiB that ends
	 * there: SS:0000 is then the top, the first push wrapping to FFFE.
	 */
	start &= ~(uint64_t)0xf;
	if (start >= 0x10000) {
		ss = (uint16_t)((start - 0x10000) >> 4);
		sp = 0;
	} else {
		ss = 0;
		sp = (uint16_t)start;
	}

	plan_chunk(plan, (uint64_t)seg * 16 + off, img, len);
	plan->entry = gpa((uint64_t)seg * 16 + off);
	cpu->regs.rip = off;
	cpu->regs.rsp = sp;
	cpu->regs.rdx = SV_LOADER_BOOT_DRIVE;
	cpu->regs.rflags = RFLAGS_FIXED;
	set_seg(cpu, SV_SEG_CS, seg, (uint64_t)seg * 16, REAL_SEG_LIMIT,
		REAL_CODE_AR);
	set_seg(cpu, SV_SEG_SS, ss, (uint64_t)ss * 16, REAL_SEG_LIMIT,
		REAL_DATA_AR);
	set_seg(cpu, SV_SEG_DS, seg, (uint64_t)seg * 16, REAL_SEG_LIMIT,
		REAL_DATA_AR);
	set_seg(cpu, SV_SEG_ES, seg, (uint64_t)seg * 16, REAL_SEG_LIMIT,
		REAL_DATA_AR);
	set_seg(cpu, SV_SEG_FS, seg, (uint64_t)seg * 16, REAL_SEG_LIMIT,
		REAL_DATA_AR);
	set_seg(cpu, SV_SEG_GS, seg, (uint64_t)seg * 16, REAL_SEG_LIMIT,
		REAL_DATA_AR);
	set_system_segs(cpu);
	cpu->cr0 = CR0_ET;
	return 0;
}

/* ---- Multiboot: decoding ----------------------------------------------- */

/* A PT_LOAD segment, decoded. */
struct segment {
	unsigned index;		/* in the program header table */
	uint32_t offset, vaddr, paddr, filesz, memsz;
};

struct mb_image {
	const uint8_t *data;
	size_t len;
	uint32_t entry;			/* physical */
	struct segment segs[SV_LOADER_MAX_SEGMENTS];
	unsigned nsegs;
};

/*
 * Find the Multiboot header: 32-bit aligned, wholly inside the first
 * SV_MB_SEARCH_LIMIT bytes, with a valid checksum (a magic number with a
 * bad checksum is skipped, like GRUB does, but reported if nothing better
 * turns up). Then check its flags.
 */
static int find_mb_header(const uint8_t *d, size_t len, char *err,
			  size_t errlen)
{
	size_t end = SV_MIN(len, (size_t)SV_MB_SEARCH_LIMIT);
	size_t bad_at = SIZE_MAX;
	uint32_t bad_sum = 0, flags;
	size_t at = SIZE_MAX;

	for (size_t off = 0; off + MBH_SIZE <= end; off += SV_MB_HEADER_ALIGN) {
		uint32_t sum;

		if (rd32(d + off + MBH_MAGIC) != SV_MB_HEADER_MAGIC)
			continue;
		sum = SV_MB_HEADER_MAGIC + rd32(d + off + MBH_FLAGS) +
		      rd32(d + off + MBH_CHECKSUM);
		if (sum == 0) {
			at = off;
			break;
		}
		if (bad_at == SIZE_MAX) {
			bad_at = off;
			bad_sum = sum;
		}
	}
	if (at == SIZE_MAX && bad_at != SIZE_MAX)
		return fail(err, errlen, -SV_ECORRUPT,
			    "Multiboot header at offset 0x%zx has a bad checksum "
			    "(magic + flags + checksum = 0x%08x, must be 0)",
			    bad_at, bad_sum);
	if (at == SIZE_MAX)
		return fail(err, errlen, -SV_EINVAL,
			    "no Multiboot header (magic 0x%08x) in the first %u "
			    "bytes", SV_MB_HEADER_MAGIC, SV_MB_SEARCH_LIMIT);

	flags = rd32(d + at + MBH_FLAGS);
	if (flags & SV_MB_HF_VIDEO_MODE)
		return fail(err, errlen, -SV_ENOTSUP,
			    "Multiboot header at offset 0x%zx asks for video "
			    "mode information (flags bit 2), which this loader "
			    "does not provide", at);
	if (flags & SV_MB_HF_REQUIRED_MASK &
	    ~(SV_MB_HF_PAGE_ALIGN | SV_MB_HF_MEMORY_INFO))
		return fail(err, errlen, -SV_ENOTSUP,
			    "Multiboot header at offset 0x%zx requires features "
			    "this loader does not know (flags 0x%08x)", at,
			    flags);
	if (flags & SV_MB_HF_AOUT_KLUDGE)
		return fail(err, errlen, -SV_ENOTSUP,
			    "Multiboot header at offset 0x%zx uses the a.out "
			    "kludge (flags bit 16), which is not supported: "
			    "the ELF program headers give the load addresses",
			    at);
	return 0;
}

static int check_elf_header(const uint8_t *d, size_t len, char *err,
			    size_t errlen)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	uint32_t phoff;
	unsigned phnum, phentsize;

	if (len < EHDR_SIZE)
		return fail(err, errlen, -SV_EINVAL,
			    "image of %zu bytes is too short for an ELF header",
			    len);
	if (sv_memcmp(d + EI_MAG0, magic, sizeof(magic)) != 0)
		return fail(err, errlen, -SV_EINVAL,
			    "not an ELF file (bad magic %02x %02x %02x %02x)",
			    d[0], d[1], d[2], d[3]);
	if (d[EI_CLASS] != ELFCLASS32)
		return fail(err, errlen, -SV_EINVAL,
			    "not a 32-bit ELF file (EI_CLASS %u, expected "
			    "ELFCLASS32)", d[EI_CLASS]);
	if (d[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -SV_EINVAL,
			    "not a little-endian ELF file (EI_DATA %u, expected "
			    "ELFDATA2LSB)", d[EI_DATA]);
	if (d[EI_VERSION] != EV_CURRENT || rd32(d + E_VERSION) != EV_CURRENT)
		return fail(err, errlen, -SV_EINVAL,
			    "unsupported ELF version %u/%u (expected 1)",
			    d[EI_VERSION], rd32(d + E_VERSION));
	if (rd16(d + E_TYPE) != ET_EXEC)
		return fail(err, errlen, -SV_EINVAL,
			    "not an executable ELF file (e_type %u, expected "
			    "ET_EXEC)", rd16(d + E_TYPE));
	if (rd16(d + E_MACHINE) != EM_386)
		return fail(err, errlen, -SV_EINVAL,
			    "not an i386 ELF file (e_machine %u, expected "
			    "EM_386)", rd16(d + E_MACHINE));

	phoff = rd32(d + E_PHOFF);
	phentsize = rd16(d + E_PHENTSIZE);
	phnum = rd16(d + E_PHNUM);
	if (phentsize != PHDR_SIZE)
		return fail(err, errlen, -SV_EINVAL,
			    "program header size %u is not %u", phentsize,
			    PHDR_SIZE);
	if (phnum == 0)
		return fail(err, errlen, -SV_EINVAL, "no program headers");
	if (phnum > SV_LOADER_MAX_PHNUM)
		return fail(err, errlen, -SV_E2BIG,
			    "too many program headers (%u, at most %u)", phnum,
			    SV_LOADER_MAX_PHNUM);
	if ((uint64_t)phoff + (uint64_t)phnum * PHDR_SIZE > len)
		return fail(err, errlen, -SV_EINVAL,
			    "program header table (offset 0x%x, %u entries) is "
			    "outside the file (%zu bytes)", phoff, phnum, len);
	return 0;
}

/* Check one PT_LOAD segment on its own. */
static int check_segment(const struct segment *s, size_t len,
			 uint64_t ram_size, char *err, size_t errlen)
{
	uint64_t pend = (uint64_t)s->paddr + s->memsz;

	if (s->filesz > s->memsz)
		return fail(err, errlen, -SV_EINVAL,
			    "segment %u: file size 0x%x is larger than its "
			    "memory size 0x%x", s->index, s->filesz, s->memsz);
	if (s->memsz == 0)
		return 0;	/* loads nothing: nothing to check */
	if (s->filesz > 0 && (uint64_t)s->offset + s->filesz > len)
		return fail(err, errlen, -SV_EINVAL,
			    "segment %u: file bytes 0x%x-0x%llx are outside the "
			    "file (%zu bytes)", s->index, s->offset,
			    (unsigned long long)s->offset + s->filesz - 1, len);
	if (pend > FOUR_GIB)
		return fail(err, errlen, -SV_ERANGE,
			    "segment %u: 0x%x + size 0x%x wraps around 4 GiB",
			    s->index, s->paddr, s->memsz);
	if (s->paddr < SV_LOADER_KERNEL_MIN)
		return fail(err, errlen, -SV_ERANGE,
			    "segment %u: physical address 0x%x is below 1 MiB "
			    "(0x%x)", s->index, s->paddr, SV_LOADER_KERNEL_MIN);
	if (pend > ram_size)
		return fail(err, errlen, -SV_ERANGE,
			    "segment %u: 0x%x-0x%llx is outside guest RAM "
			    "(0x%llx bytes)", s->index, s->paddr,
			    (unsigned long long)pend - 1,
			    (unsigned long long)ram_size);
	return 0;
}

static bool overlap(const struct segment *a, const struct segment *b)
{
	return (uint64_t)a->paddr < (uint64_t)b->paddr + b->memsz &&
	       (uint64_t)b->paddr < (uint64_t)a->paddr + a->memsz;
}

/* Decode and check the PT_LOAD segments into im->segs. */
static int decode_segments(struct mb_image *im, uint64_t ram_size, char *err,
			   size_t errlen)
{
	const uint8_t *d = im->data;
	uint32_t phoff = rd32(d + E_PHOFF);
	unsigned phnum = rd16(d + E_PHNUM);
	int ret;

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (size_t)i * PHDR_SIZE;
		struct segment s = {
			.index = i,
			.offset = rd32(ph + P_OFFSET),
			.vaddr = rd32(ph + P_VADDR),
			.paddr = rd32(ph + P_PADDR),
			.filesz = rd32(ph + P_FILESZ),
			.memsz = rd32(ph + P_MEMSZ),
		};

		if (rd32(ph + P_TYPE) != PT_LOAD)
			continue;
		ret = check_segment(&s, im->len, ram_size, err, errlen);
		if (ret)
			return ret;
		if (s.memsz == 0)
			continue;
		if (im->nsegs == SV_LOADER_MAX_SEGMENTS)
			return fail(err, errlen, -SV_E2BIG,
				    "more than %u loadable segments",
				    SV_LOADER_MAX_SEGMENTS);
		for (unsigned j = 0; j < im->nsegs; j++) {
			const struct segment *o = &im->segs[j];

			if (overlap(o, &s))
				return fail(err, errlen, -SV_EINVAL,
					    "segments %u and %u overlap "
					    "(0x%x-0x%llx and 0x%x-0x%llx)",
					    o->index, s.index, o->paddr,
					    (unsigned long long)o->paddr +
					    o->memsz - 1, s.paddr,
					    (unsigned long long)s.paddr +
					    s.memsz - 1);
		}
		im->segs[im->nsegs++] = s;
	}
	if (im->nsegs == 0)
		return fail(err, errlen, -SV_EINVAL, "no loadable segment");
	return 0;
}

/*
 * e_entry is a virtual address; like GRUB, translate it through the
 * segment whose file-backed bytes contain it (code never starts in bss).
 */
static int find_entry(struct mb_image *im, char *err, size_t errlen)
{
	uint32_t e = rd32(im->data + E_ENTRY);

	for (unsigned i = 0; i < im->nsegs; i++) {
		const struct segment *s = &im->segs[i];

		if (e >= s->vaddr && (uint64_t)e < (uint64_t)s->vaddr + s->filesz) {
			im->entry = e - s->vaddr + s->paddr;
			return 0;
		}
	}
	return fail(err, errlen, -SV_EINVAL,
		    "entry point 0x%x is outside the file contents of every "
		    "loadable segment", e);
}

/* ---- Multiboot: planning (cannot fail) ---------------------------------- */

static void mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	wr32(p, SV_MBI_MMAP_ENTRY_SIZE - 4);	/* size excludes itself */
	wr64(p + 4, base);
	wr64(p + 12, len);
	wr32(p + 20, type);
}

/* Build the Multiboot information in the plan's scratch page. */
static void build_mbi(struct sv_load_plan *plan, uint64_t ram_size,
		      const char *cmdline, size_t cmdlen)
{
	uint8_t *info = plan->scratch + SV_LOADER_MBI_OFF_INFO;
	uint8_t *mmap = plan->scratch + SV_LOADER_MBI_OFF_MMAP;
	uint64_t ram = SV_MIN(ram_size, FOUR_GIB);
	uint64_t lower = SV_MIN(ram, (uint64_t)LOWER_MEM_END);
	unsigned nmap = 0;

	mmap_entry(mmap + nmap++ * SV_MBI_MMAP_ENTRY_SIZE, 0, lower,
		   SV_MBI_MMAP_AVAILABLE);
	mmap_entry(mmap + nmap++ * SV_MBI_MMAP_ENTRY_SIZE, LOWER_MEM_END,
		   UPPER_MEM_START - LOWER_MEM_END, SV_MBI_MMAP_RESERVED);
	if (ram > UPPER_MEM_START)
		mmap_entry(mmap + nmap++ * SV_MBI_MMAP_ENTRY_SIZE,
			   UPPER_MEM_START, ram - UPPER_MEM_START,
			   SV_MBI_MMAP_AVAILABLE);

	sv_memcpy(plan->scratch + SV_LOADER_MBI_OFF_NAME, loader_name,
		  sizeof(loader_name));
	sv_memcpy(plan->scratch + SV_LOADER_MBI_OFF_CMDLINE, cmdline, cmdlen);
	plan->scratch[SV_LOADER_MBI_OFF_CMDLINE + cmdlen] = '\0';

	wr32(info + SV_MBI_FLAGS, SV_MBI_MEMORY | SV_MBI_CMDLINE |
	     SV_MBI_MEM_MAP | SV_MBI_LOADER_NAME);
	wr32(info + SV_MBI_MEM_LOWER, (uint32_t)(lower >> 10));
	wr32(info + SV_MBI_MEM_UPPER, ram > UPPER_MEM_START ?
	     (uint32_t)((ram - UPPER_MEM_START) >> 10) : 0);
	wr32(info + SV_MBI_CMDLINE_ADDR,
	     SV_LOADER_MBI_ADDR + SV_LOADER_MBI_OFF_CMDLINE);
	wr32(info + SV_MBI_MMAP_LENGTH, nmap * SV_MBI_MMAP_ENTRY_SIZE);
	wr32(info + SV_MBI_MMAP_ADDR,
	     SV_LOADER_MBI_ADDR + SV_LOADER_MBI_OFF_MMAP);
	wr32(info + SV_MBI_LOADER_NAME_ADDR,
	     SV_LOADER_MBI_ADDR + SV_LOADER_MBI_OFF_NAME);
}

/* The machine state of the Multiboot specification, section 3.2. */
static void set_mb_cpu(struct sv_boot_cpu *cpu, uint32_t entry)
{
	static const enum sv_seg data_segs[] = {
		SV_SEG_DS, SV_SEG_ES, SV_SEG_FS, SV_SEG_GS, SV_SEG_SS
	};

	cpu->regs.rax = SV_MB_BOOTLOADER_MAGIC;
	cpu->regs.rbx = SV_LOADER_MBI_ADDR;
	cpu->regs.rip = entry;
	cpu->regs.rflags = RFLAGS_FIXED;	/* IF = 0, VM = 0 */
	set_seg(cpu, SV_SEG_CS, FLAT_CODE_SEL, 0, FLAT_LIMIT, FLAT_CODE_AR);
	for (size_t i = 0; i < SV_ARRAY_SIZE(data_segs); i++)
		set_seg(cpu, data_segs[i], FLAT_DATA_SEL, 0, FLAT_LIMIT,
			FLAT_DATA_AR);
	set_system_segs(cpu);
	cpu->cr0 = CR0_PE | CR0_ET;		/* PG = 0 */
}

int loader_multiboot(const void *img, size_t len, uint64_t ram_size,
		     const char *cmdline, struct sv_load_plan *plan, char *err,
		     size_t errlen)
{
	struct mb_image im = { .data = img, .len = len };
	size_t cmdlen;
	int ret;

	plan_reset(plan);
	if (!cmdline)
		cmdline = "";
	cmdlen = sv_strnlen(cmdline, SV_LOADER_CMDLINE_MAX);
	if (cmdlen >= SV_LOADER_CMDLINE_MAX)
		return fail(err, errlen, -SV_E2BIG,
			    "command line is longer than %u characters",
			    SV_LOADER_CMDLINE_MAX - 1);
	if (ram_size <= SV_LOADER_KERNEL_MIN)
		return fail(err, errlen, -SV_ERANGE,
			    "guest RAM of 0x%llx bytes leaves no room above "
			    "1 MiB for a Multiboot kernel",
			    (unsigned long long)ram_size);
	if (!img)
		len = 0;

	ret = find_mb_header(im.data, len, err, errlen);
	if (!ret)
		ret = check_elf_header(im.data, len, err, errlen);
	if (!ret)
		ret = decode_segments(&im, ram_size, err, errlen);
	if (!ret)
		ret = find_entry(&im, err, errlen);
	if (ret)
		return ret;

	/* Everything checked: plan. */
	for (unsigned i = 0; i < im.nsegs; i++) {
		const struct segment *s = &im.segs[i];

		plan_chunk(plan, s->paddr, im.data + s->offset, s->filesz);
		plan_chunk(plan, (uint64_t)s->paddr + s->filesz, NULL,
			   s->memsz - s->filesz);
	}
	build_mbi(plan, ram_size, cmdline, cmdlen);
	plan_chunk(plan, SV_LOADER_MBI_ADDR, plan->scratch, SV_LOADER_MBI_SIZE);
	set_mb_cpu(&plan->cpu, im.entry);
	plan->entry = gpa(im.entry);
	return 0;
}

/* ---- applying ---------------------------------------------------------- */

int loader_apply(const struct sv_load_plan *plan, uint8_t *ram,
		 uint64_t ram_size)
{
	if (plan->self != plan || plan->nchunks > SV_LOAD_MAX_CHUNKS)
		return -SV_EINVAL;
	for (unsigned i = 0; i < plan->nchunks; i++) {
		const struct sv_load_chunk *c = &plan->chunks[i];

		if (c->gpa.v > ram_size || c->len > ram_size - c->gpa.v)
			return -SV_EFAULT;
	}
	for (unsigned i = 0; i < plan->nchunks; i++) {
		const struct sv_load_chunk *c = &plan->chunks[i];

		if (c->src)
			sv_memcpy(ram + c->gpa.v, c->src, (size_t)c->len);
		else
			sv_memset(ram + c->gpa.v, 0, (size_t)c->len);
	}
	return 0;
}
