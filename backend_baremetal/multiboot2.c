/*
 * Multiboot2 boot-information parser and kernel command-line helpers.
 *
 * The block comes from the boot loader, so it is checked like any outside
 * input before anything is taken from it: every tag must lie inside the
 * block, sizes must be sane, strings must be terminated inside their tag,
 * and the end tag must be there.
 */
#include "multiboot2.h"

#include "sv/errno.h"
#include "sv/string.h"

#define MB2_HEADER_SIZE 8
#define MB2_TAG_HEADER_SIZE 8
#define MB2_MMAP_HEADER_SIZE 16		/* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24		/* base, length, type, reserved */
#define MB2_MEMINFO_SIZE 16

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The string in a tag's payload, or NULL when it is not terminated there. */
static const char *tag_string(const uint8_t *tag, uint32_t size)
{
	const char *s = (const char *)tag + MB2_TAG_HEADER_SIZE;
	size_t room = size - MB2_TAG_HEADER_SIZE;

	return sv_strnlen(s, room) < room ? s : NULL;
}

static int parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	uint32_t entry_size;

	if (size < MB2_MMAP_HEADER_SIZE)
		return -SV_ECORRUPT;
	entry_size = rd32(tag + 8);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0)
		return -SV_ECORRUPT;
	for (uint32_t off = MB2_MMAP_HEADER_SIZE; off + entry_size <= size;
	     off += entry_size) {
		const uint8_t *e = tag + off;

		if (out->mmap_count == MB2_MAX_MMAP) {
			out->mmap_dropped++;
			continue;
		}
		out->mmap[out->mmap_count++] = (struct mb2_mmap_entry){
			.base = rd64(e),
			.length = rd64(e + 8),
			.type = rd32(e + 16),
		};
	}
	return 0;
}

int mb2_parse(const void *info, size_t max, struct mb2_info *out,
	      size_t *err_offset)
{
	const uint8_t *p = info;
	uint32_t total;
	size_t off = MB2_HEADER_SIZE;

	sv_memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->bootloader = "";
	*err_offset = 0;
	if (max < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
		return -SV_ECORRUPT;
	total = rd32(p);
	if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE || total > max)
		return -SV_ECORRUPT;

	while (off + MB2_TAG_HEADER_SIZE <= total) {
		const uint8_t *tag = p + off;
		uint32_t type = rd32(tag), size = rd32(tag + 4);
		int err = 0;

		*err_offset = off;
		if (size < MB2_TAG_HEADER_SIZE || size > total - off)
			return -SV_ECORRUPT;
		switch (type) {
		case MB2_TAG_END:
			return size == MB2_TAG_HEADER_SIZE ? 0 : -SV_ECORRUPT;
		case MB2_TAG_CMDLINE:
			out->cmdline = tag_string(tag, size);
			err = out->cmdline ? 0 : -SV_ECORRUPT;
			break;
		case MB2_TAG_BOOTLOADER:
			out->bootloader = tag_string(tag, size);
			err = out->bootloader ? 0 : -SV_ECORRUPT;
			break;
		case MB2_TAG_BASIC_MEMINFO:
			if (size < MB2_MEMINFO_SIZE)
				return -SV_ECORRUPT;
			out->mem_lower_kb = rd32(tag + 8);
			out->mem_upper_kb = rd32(tag + 12);
			break;
		case MB2_TAG_MMAP:
			err = parse_mmap(tag, size, out);
			break;
		default:
			break;
		}
		if (err)
			return err;
		off += (size + 7) & ~7u;
	}
	*err_offset = off;
	return -SV_ECORRUPT;	/* ran off the end without an end tag */
}

uint64_t mb2_usable_bytes(const struct mb2_info *mi)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < mi->mmap_count; i++)
		if (mi->mmap[i].type == MB2_MEM_AVAILABLE)
			sum += mi->mmap[i].length;
	return sum;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find the word for key: returns a pointer just past "key" in a word that is
 * exactly key or starts with "key=", or NULL.
 */
static const char *cmdline_find(const char *cmdline, const char *key)
{
	size_t klen = sv_strlen(key);
	const char *p = cmdline;

	if (klen == 0)
		return NULL;
	while (*p) {
		const char *word;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if ((size_t)(p - word) >= klen && !sv_memcmp(word, key, klen) &&
		    (word + klen == p || word[klen] == '='))
			return word + klen;
	}
	return NULL;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	return cmdline_find(cmdline, key) != NULL;
}

int cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *v = cmdline_find(cmdline, key);
	size_t len = 0;

	if (!v || *v != '=')
		return -1;
	v++;
	while (v[len] && !is_space(v[len]))
		len++;
	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		sv_memcpy(buf, v, n);
		buf[n] = '\0';
	}
	return (int)len;
}
