/*
 * QEMU's firmware configuration interface (fw_cfg), the traditional
 * port-I/O subset of docs/specs/fw_cfg.rst, so that guests and firmware
 * written for QEMU find their configuration the same way here.
 *
 * Ports: 0x510 is the selector (a 16-bit write picks an item and rewinds
 * its offset to 0), 0x511 the data register (each 8-bit read returns the
 * next byte of the item; past its end, 0). As in QEMU, an 8-bit read at
 * 0x510 reads the data register too and 8-bit writes are ignored data
 * writes. There is no DMA interface: FW_CFG_ID says "traditional interface
 * only" and the DMA address register at 0x514 is not claimed, so it reads
 * as absent (all ones). Selector bit 14 (write channel) is ignored, as
 * QEMU does since v2.4; keys with bit 15 (architecture-specific) name no
 * item here.
 *
 * Items: the signature "QEMU" (0x0000), the feature bitmap (0x0001), the
 * RAM size (0x0003, 64-bit little-endian), the CPU count (0x0005) and the
 * maximum CPU count (0x000f, both 16-bit little-endian), the file directory
 * (0x0019) and the named files from 0x0020 on. As QEMU does, the directory
 * lists the files sorted by name and each file's key is 0x20 plus its place
 * in that order, so adding a file renumbers the ones after it: add files
 * before the guest runs. Any other key is an empty item that reads 0.
 *
 * Ownership: the caller provides struct sv_fwcfg storage, which must
 * outlive the VM's I/O bus, and owns the data of each file it adds, which
 * must stay valid and unchanged as long as the device (the e820 file is
 * the exception: the device keeps its own copy). Not thread-safe.
 */
#ifndef SV_DEV_FWCFG_H
#define SV_DEV_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"

struct sv_vm;

enum {
	SV_FWCFG_PORT_SELECTOR = 0x510,
	SV_FWCFG_PORT_DATA     = 0x511,
	SV_FWCFG_PORT_DMA      = 0x514,	/* not implemented: reads as absent */
	SV_FWCFG_PORTS         = 2,	/* selector and data */
};

/* Selector keys (QEMU's names). */
enum sv_fwcfg_key {
	SV_FWCFG_SIGNATURE  = 0x0000,
	SV_FWCFG_ID         = 0x0001,
	SV_FWCFG_UUID       = 0x0002,
	SV_FWCFG_RAM_SIZE   = 0x0003,
	SV_FWCFG_NB_CPUS    = 0x0005,
	SV_FWCFG_MAX_CPUS   = 0x000f,
	SV_FWCFG_FILE_DIR   = 0x0019,
	SV_FWCFG_FILE_FIRST = 0x0020,
};

#define SV_FWCFG_WRITE_CHANNEL	0x4000	/* selector bit 14 */
#define SV_FWCFG_ARCH_LOCAL	0x8000	/* selector bit 15 */
#define SV_FWCFG_ENTRY_MASK	0x3fff

/* FW_CFG_ID feature bits */
#define SV_FWCFG_F_TRADITIONAL	0x01
#define SV_FWCFG_F_DMA		0x02

#define SV_FWCFG_SIGNATURE_STR	"QEMU"
#define SV_FWCFG_MAX_FILE_PATH	56	/* name field, NUL included */
#define SV_FWCFG_DIR_ENTRY_SIZE	64	/* size, select, reserved, name */
#define SV_FWCFG_MAX_FILES	32
#define SV_FWCFG_MAX_E820	32
#define SV_FWCFG_E820_ENTRY_SIZE 20	/* u64 address, u64 length, u32 type */
#define SV_FWCFG_E820_FILE	"etc/e820"

/* E820 address range types, as the BIOS interface defines them. */
enum sv_e820_type {
	SV_E820_RAM      = 1,
	SV_E820_RESERVED = 2,
	SV_E820_ACPI     = 3,
	SV_E820_NVS      = 4,
	SV_E820_UNUSABLE = 5,
};

struct sv_e820_entry {
	uint64_t base, length;
	uint32_t type;		/* enum sv_e820_type */
};

struct sv_fwcfg_file {
	char name[SV_FWCFG_MAX_FILE_PATH];
	const uint8_t *data;	/* the caller's, or e820 below */
	uint32_t len;
};

struct sv_fwcfg {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint16_t selector;	/* as written */
	uint32_t offset;	/* into the selected item */

	/* The fixed items, in their guest byte order. */
	uint8_t signature[4];
	uint8_t id[4];
	uint8_t ram_size[8];
	uint8_t nb_cpus[2];
	uint8_t max_cpus[2];

	/* Files sorted by name; files[i] has key SV_FWCFG_FILE_FIRST + i. */
	struct sv_fwcfg_file files[SV_FWCFG_MAX_FILES];
	unsigned nfiles;
	uint8_t dir[4 + SV_FWCFG_MAX_FILES * SV_FWCFG_DIR_ENTRY_SIZE];
	uint32_t dir_len;
	uint8_t e820[SV_FWCFG_MAX_E820 * SV_FWCFG_E820_ENTRY_SIZE];
};

/*
 * Build the fixed items for a machine with ram_bytes of RAM and ncpus CPUs
 * (1-65535), with no files yet, and register ports 0x510-0x511 on vm's I/O
 * bus. Returns 0, -SV_EINVAL, or the error of iobus_register.
 */
SV_MUST_CHECK int fwcfg_init(struct sv_fwcfg *f, struct sv_vm *vm,
			     uint64_t ram_bytes, unsigned ncpus);

/* Leave the I/O bus. */
void fwcfg_destroy(struct sv_fwcfg *f);

/*
 * Add file name (1-55 characters, NUL-terminated) with len bytes at data;
 * the pointer is kept, not the bytes. Returns 0, -SV_EINVAL (NULL name, or
 * NULL data with len > 0), -SV_ENAMETOOLONG (empty or too long a name),
 * -SV_EEXIST (a file of that name exists), -SV_ENOSPC (table full).
 */
SV_MUST_CHECK int fwcfg_add_file(struct sv_fwcfg *f, const char *name,
				 const void *data, uint32_t len);

/*
 * Add "etc/e820": the n entries of map in QEMU's layout (each a packed
 * little-endian u64 address, u64 length, u32 type), copied into the
 * device. Returns 0, -SV_EINVAL (NULL map with n > 0, a zero length, a
 * range that wraps past 2^64, or type 0), -SV_E2BIG (more than
 * SV_FWCFG_MAX_E820 entries), or fwcfg_add_file's errors (-SV_EEXIST on
 * a second call).
 */
SV_MUST_CHECK int fwcfg_add_e820(struct sv_fwcfg *f,
				 const struct sv_e820_entry *map, unsigned n);

/*
 * Feed the device's state into d (record/replay's state digest), field by
 * field with fixed widths: selector (u16), offset (u32), the fixed items'
 * bytes (signature, id, ram_size, nb_cpus, max_cpus), nfiles (u32), then
 * per file in key order its 56-byte zero-padded name, len (u32) and its len
 * bytes of contents; then dir_len (u32) and the directory's bytes, and the
 * whole e820 table (SV_FWCFG_MAX_E820 packed entries, unused ones zero).
 * Data pointers, the VM pointer and the I/O header are left out.
 */
void fwcfg_digest(const struct sv_fwcfg *f, struct sv_digest *d);

#endif /* SV_DEV_FWCFG_H */
