/*
 * Multiboot2 boot information: a validating parser and kernel command-line
 * helpers. Pure code over a byte buffer, so the unit tests run it on Linux
 * against well-formed and malformed information blocks.
 *
 * Layout (Multiboot2 specification, "Boot information format"): a u32 total
 * size and a reserved u32, then tags of { u32 type, u32 size, payload },
 * each starting 8-byte aligned, ending with a tag of type 0 and size 8.
 */
#ifndef SV_BM_MULTIBOOT2_H
#define SV_BM_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_BOOTLOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
};

enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BADRAM = 5,
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

#define MB2_MAX_MMAP 64

struct mb2_info {
	const char *cmdline;		/* "" when absent */
	const char *bootloader;		/* "" when absent */
	uint32_t mem_lower_kb, mem_upper_kb;	/* basic meminfo, 0 when absent */
	unsigned mmap_count;		/* entries kept in mmap[] */
	unsigned mmap_dropped;		/* entries past MB2_MAX_MMAP */
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
};

/*
 * Parse the information block at info, of at most max bytes (the caller's
 * bound; the block's own total size must fit in it). Fills *out, with string
 * pointers into the block. Returns 0, or -SV_ECORRUPT with *err_offset set
 * to the byte offset of the first inconsistency. Unknown tags are skipped.
 */
int mb2_parse(const void *info, size_t max, struct mb2_info *out,
	      size_t *err_offset);

/* Total bytes of type MB2_MEM_AVAILABLE in the map. */
uint64_t mb2_usable_bytes(const struct mb2_info *mi);

/*
 * Kernel command line: whitespace-separated words, each `key` or
 * `key=value`. cmdline_has() is true when a word is exactly key or starts
 * with "key="; cmdline_value() copies the value of key=value into buf
 * (NUL-terminated, truncated to size) and returns its length, or -1 when
 * key has no value on the line.
 */
bool cmdline_has(const char *cmdline, const char *key);
int cmdline_value(const char *cmdline, const char *key, char *buf, size_t size);

#endif
