/*
 * VM configuration files (docs/vm-config.md): the VM manager's description
 * of one VM, parsed from text.
 *
 * The parser takes the whole file as a buffer (the caller reads it, from the
 * Smart-VM file system or a host path) and fills a struct sv_vmconfig of
 * fixed-size fields: no allocation, no I/O, nothing kept from the buffer.
 * Relative paths (image, serial file) are stored as written; the caller
 * resolves them against the directory of the configuration file.
 */
#ifndef SV_VMCONFIG_H
#define SV_VMCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

/* Field sizes, each including the terminating NUL. */
#define SV_VMCONFIG_NAME_MAX	32	/* name: 1-31 of [A-Za-z0-9_-] */
#define SV_VMCONFIG_PATH_MAX	256	/* image and serial file paths */
#define SV_VMCONFIG_CMDLINE_MAX	512	/* multiboot command line */
/* Longest line accepted, without its line ending. */
#define SV_VMCONFIG_LINE_MAX	1024

/*
 * Guest RAM limits. RAM is one range from guest-physical 0; the top GiB of
 * the 32-bit space stays free for device MMIO (LAPIC, IOAPIC, firmware
 * ROM), as on a PC, so 3 GiB is the most a guest gets.
 */
#define SV_VMCONFIG_MEMORY_MIN		(1ull << 20)
#define SV_VMCONFIG_MEMORY_MAX		(3ull << 30)
#define SV_VMCONFIG_MEMORY_ALIGN	(4ull << 10)
#define SV_VMCONFIG_MEMORY_DEFAULT	(16ull << 20)

/* Default load address of a flat image: the PC boot-sector address. */
#define SV_VMCONFIG_LOAD_SEG_DEFAULT	0x0000u
#define SV_VMCONFIG_LOAD_OFF_DEFAULT	0x7c00u

enum sv_image_format {
	SV_IMAGE_FLAT,		/* raw real-mode code at segment:offset */
	SV_IMAGE_MULTIBOOT,	/* Multiboot v1 ELF32 kernel */
};

enum sv_serial_kind {
	SV_SERIAL_STDIO,	/* the terminal (the host console on bare metal) */
	SV_SERIAL_FILE,		/* serial_path */
	SV_SERIAL_NONE,		/* output dropped */
};

struct sv_vmconfig {
	char name[SV_VMCONFIG_NAME_MAX];
	uint64_t memory;		/* bytes, a multiple of 4 KiB */
	uint32_t vcpus;			/* always 1 for now */
	char image[SV_VMCONFIG_PATH_MAX];
	enum sv_image_format format;
	uint16_t load_seg, load_off;	/* flat images only */
	char cmdline[SV_VMCONFIG_CMDLINE_MAX];	/* multiboot only; may be "" */
	enum sv_serial_kind serial;
	char serial_path[SV_VMCONFIG_PATH_MAX];	/* SV_SERIAL_FILE only */
};

/*
 * Parse len bytes of configuration text; filename is used only in messages
 * (NULL reads as "<config>"). On success *out holds the configuration, with
 * defaults for the optional keys, and 0 is returned. On error *out is zeroed,
 * err (when errlen > 0) receives "FILE:LINE: message" (line 0 for a problem
 * with the file as a whole, such as a missing key) and a negative SV_E* code
 * is returned: -SV_EINVAL for syntax and bad values, -SV_ERANGE for sizes
 * out of range, -SV_ENAMETOOLONG for values or lines too long, -SV_ENOTSUP
 * for a vCPU count other than 1. Stops at the first error.
 */
SV_MUST_CHECK int vmconfig_parse(const char *text, size_t len,
				 const char *filename, struct sv_vmconfig *out,
				 char *err, size_t errlen);

/* "flat", "multiboot"; "?" for other values. */
const char *vmconfig_format_name(enum sv_image_format f);
/* "stdio", "file", "none"; "?" for other values. */
const char *vmconfig_serial_name(enum sv_serial_kind s);

#endif /* SV_VMCONFIG_H */
