/*
 * Guest loaders: turn a guest image into a load plan, then apply the plan.
 *
 * Decode, then act (STYLE.md "Errors"): loader_flat() and loader_multiboot()
 * validate the whole image without side effects and describe the result in
 * a struct sv_load_plan: which bytes go where in guest RAM and the vCPU's
 * initial state. Only loader_apply() writes guest RAM, and it cannot fail
 * half-way. The VM manager applies the CPU state through the backend ops
 * (set_regs, set_segment, set_cr). An image that fails validation gets a
 * specific message in err and no VM is started.
 *
 * The plan keeps pointers into the image (the caller keeps it alive until
 * loader_apply) and into its own scratch area (the Multiboot information),
 * so a plan must not be copied or moved between planning and applying:
 * loader_apply() refuses a plan that is not where it was built.
 */
#ifndef SV_LOADER_H
#define SV_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "sv/backend.h"
#include "sv/compiler.h"
#include "sv/types.h"

/* ---- Multiboot (version 1, specification 0.6.96) ------------------------ */

#define SV_MB_HEADER_MAGIC	0x1BADB002u	/* in the kernel image */
#define SV_MB_BOOTLOADER_MAGIC	0x2BADB002u	/* in EAX at entry */
#define SV_MB_SEARCH_LIMIT	8192u		/* header within this many bytes */
#define SV_MB_HEADER_ALIGN	4u

/* Multiboot header flags. Bits 0-15 are required: a loader that does not
 * understand a set one must refuse the kernel. */
#define SV_MB_HF_PAGE_ALIGN	SV_BIT(0)	/* modules on 4 KiB boundaries */
#define SV_MB_HF_MEMORY_INFO	SV_BIT(1)	/* mem_* fields wanted */
#define SV_MB_HF_VIDEO_MODE	SV_BIT(2)	/* video mode table wanted */
#define SV_MB_HF_REQUIRED_MASK	0x0000ffffu
#define SV_MB_HF_AOUT_KLUDGE	SV_BIT(16)	/* load addresses in header */

/* Multiboot information flags: which fields of the info structure hold. */
#define SV_MBI_MEMORY		SV_BIT(0)	/* mem_lower, mem_upper */
#define SV_MBI_BOOTDEV		SV_BIT(1)
#define SV_MBI_CMDLINE		SV_BIT(2)
#define SV_MBI_MODS		SV_BIT(3)
#define SV_MBI_MEM_MAP		SV_BIT(6)	/* mmap_length, mmap_addr */
#define SV_MBI_LOADER_NAME	SV_BIT(9)

/* Offsets of the fields of the Multiboot information structure. */
enum sv_mbi_field {
	SV_MBI_FLAGS		= 0,
	SV_MBI_MEM_LOWER	= 4,	/* KiB from 0, at most 640 */
	SV_MBI_MEM_UPPER	= 8,	/* KiB from 1 MiB to the first hole */
	SV_MBI_BOOT_DEVICE	= 12,
	SV_MBI_CMDLINE_ADDR	= 16,
	SV_MBI_MODS_COUNT	= 20,
	SV_MBI_MODS_ADDR	= 24,
	SV_MBI_MMAP_LENGTH	= 44,
	SV_MBI_MMAP_ADDR	= 48,
	SV_MBI_LOADER_NAME_ADDR	= 64,
	SV_MBI_INFO_SIZE	= 116,	/* through the framebuffer fields */
};

/* A memory-map entry: u32 size (of the rest, 20), u64 base, u64 length,
 * u32 type. */
#define SV_MBI_MMAP_ENTRY_SIZE	24u
#define SV_MBI_MMAP_AVAILABLE	1u
#define SV_MBI_MMAP_RESERVED	2u

/*
 * Where the Multiboot loader puts its information, in guest-physical
 * memory: one page below the kernel's 1 MiB floor, above the real-mode
 * interrupt vector table and BIOS data area. Inside the page:
 */
#define SV_LOADER_MBI_ADDR	0x8000u
#define SV_LOADER_MBI_SIZE	0x1000u
#define SV_LOADER_MBI_OFF_INFO	0x000u	/* the info structure */
#define SV_LOADER_MBI_OFF_MMAP	0x080u	/* the memory map (3 entries) */
#define SV_LOADER_MBI_OFF_NAME	0x0e0u	/* boot loader name, "Smart-VM" */
#define SV_LOADER_MBI_OFF_CMDLINE 0x100u /* the command line */
#define SV_LOADER_CMDLINE_MAX	1024u	/* including the NUL */

/* A Multiboot kernel's segments must lie at or above this address. */
#define SV_LOADER_KERNEL_MIN	0x100000u
/* At most this many PT_LOAD segments, among at most this many headers. */
#define SV_LOADER_MAX_SEGMENTS	8u
#define SV_LOADER_MAX_PHNUM	64u

/* ---- flat real-mode images --------------------------------------------- */

/* A flat image lies in [SV_LOADER_FLAT_MIN, 1 MiB): not over the real-mode
 * interrupt vector table and BIOS data area. */
#define SV_LOADER_FLAT_MIN	0x500u
#define SV_LOADER_REAL_LIMIT	0x100000u
#define SV_LOADER_BOOT_DRIVE	0x80u	/* DL at entry: first hard disk */

/* ---- the plan ---------------------------------------------------------- */

#define SV_LOAD_MAX_CHUNKS	(2 * SV_LOADER_MAX_SEGMENTS + 4)

/* len bytes at guest-physical gpa: a copy of src, or zeros if src is NULL. */
struct sv_load_chunk {
	gpa_t gpa;
	const void *src;
	uint64_t len;
};

/* The vCPU's state at the guest's first instruction. */
struct sv_boot_cpu {
	struct sv_regs regs;
	struct sv_segment seg[SV_SEG_COUNT];	/* indexed by enum sv_seg */
	uint64_t cr0, cr3, cr4;
};

struct sv_load_plan {
	struct sv_load_chunk chunks[SV_LOAD_MAX_CHUNKS];
	unsigned nchunks;
	struct sv_boot_cpu cpu;
	gpa_t entry;			/* the first instruction (= cpu.regs.rip
					   for Multiboot, CS.base + IP for flat) */
	const struct sv_load_plan *self;	/* where the plan was built */
	/* Built here, copied to guest memory by a chunk: the Multiboot info,
	 * its memory map, loader name and command line. */
	uint8_t scratch[SV_LOADER_MBI_SIZE] SV_ALIGNED(8);
};

/*
 * Plan a flat real-mode image of len bytes at seg:off. It must lie below
 * 1 MiB and inside guest RAM of ram_size bytes, and not below
 * SV_LOADER_FLAT_MIN. Entry state: real mode, CS = seg, IP = off, DS = ES =
 * FS = GS = seg, the stack just below the image (SS:SP addresses the
 * image's first byte rounded down to 16, so pushes go below it: 0000:7c00
 * for a boot sector at 0000:7c00), DL = SV_LOADER_BOOT_DRIVE, RFLAGS = 2,
 * other registers 0. Returns 0, or -SV_EINVAL / -SV_ERANGE with a message
 * in err ("image of ... does not fit ...").
 */
SV_MUST_CHECK int loader_flat(const void *img, size_t len, uint16_t seg,
			      uint16_t off, uint64_t ram_size,
			      struct sv_load_plan *plan, char *err,
			      size_t errlen);

/*
 * Plan a Multiboot (version 1) ELF32 kernel for guest RAM of ram_size bytes
 * (from guest-physical 0), with the command line cmdline (NULL for none).
 * Validates the Multiboot header, the ELF header, program headers and
 * segments, and the entry point (docs/vm-config.md lists each check), then
 * plans the segments (file bytes, then zeros up to memsz), the Multiboot
 * information at SV_LOADER_MBI_ADDR (memory sizes, memory map, command line,
 * loader name) and the machine state of the specification: EAX =
 * SV_MB_BOOTLOADER_MAGIC, EBX = SV_LOADER_MBI_ADDR, flat 32-bit code
 * (selector 0x08) and data (0x10) segments, CR0.PE = 1, PG = 0, RFLAGS = 2.
 * The guest must load its own GDT and IDT before it reloads a segment
 * register or enables interrupts. Returns 0, or a negative SV_E* code with
 * a message in err.
 */
SV_MUST_CHECK int loader_multiboot(const void *img, size_t len,
				   uint64_t ram_size, const char *cmdline,
				   struct sv_load_plan *plan, char *err,
				   size_t errlen);

/*
 * Write the plan's chunks into guest RAM (ram_size bytes from
 * guest-physical 0 at host address ram). Checks every chunk first and
 * writes nothing unless all fit: -SV_EFAULT if one does not, -SV_EINVAL if
 * the plan was moved since it was built. The CPU state is the caller's to
 * apply.
 */
SV_MUST_CHECK int loader_apply(const struct sv_load_plan *plan, uint8_t *ram,
			       uint64_t ram_size);

#endif /* SV_LOADER_H */
