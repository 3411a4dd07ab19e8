/*
 * The VM configuration parser (sv/vmconfig.h, docs/vm-config.md).
 *
 * A configuration file is outside input: the parser reads it byte by byte
 * within the length it was given, never past it, and never trusts it to be
 * NUL-terminated. Each line is checked (length, NUL and control bytes), split
 * into key and value, and the value handed to the key's own parser from the
 * table below. Checks that involve several keys (required keys, keys that
 * belong to one image format) run once the whole file has been read, so
 * keys may come in any order. The first error ends the parse.
 */
#include "sv/vmconfig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"

/* A value is shown in messages up to this many characters, then "...". */
#define SHOW_MAX 48

/* Linear addresses a flat image may start at: real mode reaches 1 MiB. */
#define REAL_MODE_LIMIT (1u << 20)

enum key {
	KEY_NAME, KEY_MEMORY, KEY_VCPUS, KEY_IMAGE, KEY_FORMAT, KEY_LOAD,
	KEY_CMDLINE, KEY_SERIAL, KEY_COUNT
};

struct parser {
	const char *file;
	unsigned line;			/* 1-based; 0 for the file as a whole */
	char *err;
	size_t errlen;
	struct sv_vmconfig *cfg;
	unsigned seen[KEY_COUNT];	/* line of each key; 0 when absent */
};

/* A value: a slice of the input, not NUL-terminated. */
struct slice {
	const char *p;
	size_t n;
};

typedef int (*value_parser)(struct parser *ps, struct slice v);

struct key_info {
	const char *name;
	value_parser parse;
	bool required;
	bool may_be_empty;
	bool rest_of_line;	/* '#' is part of the value, not a comment */
};

static int parse_name(struct parser *ps, struct slice v);
static int parse_memory(struct parser *ps, struct slice v);
static int parse_vcpus(struct parser *ps, struct slice v);
static int parse_image(struct parser *ps, struct slice v);
static int parse_format(struct parser *ps, struct slice v);
static int parse_load(struct parser *ps, struct slice v);
static int parse_cmdline(struct parser *ps, struct slice v);
static int parse_serial(struct parser *ps, struct slice v);

static const struct key_info keys[KEY_COUNT] = {
	[KEY_NAME]    = { "name",    parse_name,    true,  false, false },
	[KEY_MEMORY]  = { "memory",  parse_memory,  false, false, false },
	[KEY_VCPUS]   = { "vcpus",   parse_vcpus,   false, false, false },
	[KEY_IMAGE]   = { "image",   parse_image,   true,  false, false },
	[KEY_FORMAT]  = { "format",  parse_format,  true,  false, false },
	[KEY_LOAD]    = { "load",    parse_load,    false, false, false },
	[KEY_CMDLINE] = { "cmdline", parse_cmdline, false, true,  true  },
	[KEY_SERIAL]  = { "serial",  parse_serial,  false, false, false },
};

/* ---- messages ---------------------------------------------------------- */

static int fail(struct parser *ps, int code, const char *fmt, ...)
	SV_PRINTF(3, 4);

/* Write "FILE:LINE: message" to the caller's buffer; returns code. */
static int fail(struct parser *ps, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->errlen == 0)
		return code;
	n = sv_snprintf(ps->err, ps->errlen, "%s:%u: ", ps->file, ps->line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		sv_vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The value as a message shows it: cut at SHOW_MAX characters. */
struct shown {
	char s[SHOW_MAX + 4];
};

static struct shown show(struct slice v)
{
	struct shown out;
	size_t n = SV_MIN(v.n, (size_t)SHOW_MAX);

	sv_memcpy(out.s, v.p, n);
	if (n < v.n) {
		sv_memcpy(out.s + n, "...", 3);
		n += 3;
	}
	out.s[n] = '\0';
	return out;
}

/* ---- small helpers ----------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool slice_is(struct slice v, const char *word)
{
	size_t n = sv_strlen(word);

	return v.n == n && sv_memcmp(v.p, word, n) == 0;
}

static struct slice trim(struct slice v)
{
	while (v.n > 0 && is_blank(v.p[0])) {
		v.p++;
		v.n--;
	}
	while (v.n > 0 && is_blank(v.p[v.n - 1]))
		v.n--;
	return v;
}

/* Copy a value into a fixed field of size bytes; false if it does not fit. */
static bool copy_field(char *dst, size_t size, struct slice v)
{
	if (v.n >= size)
		return false;
	sv_memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	return true;
}

/*
 * A decimal number of at least one digit, the whole slice. *overflow is
 * set, and *val saturates, when it does not fit 64 bits.
 */
static bool parse_decimal(struct slice v, uint64_t *val, bool *overflow)
{
	uint64_t x = 0;

	*overflow = false;
	if (v.n == 0)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		unsigned d;

		if (!is_digit(v.p[i]))
			return false;
		d = (unsigned)(v.p[i] - '0');
		if (x > (UINT64_MAX - d) / 10) {
			*overflow = true;
			x = UINT64_MAX;
		} else if (!*overflow) {
			x = x * 10 + d;
		}
	}
	*val = x;
	return true;
}

/* 1 to 4 hex digits, the whole slice. */
static bool parse_hex16(struct slice v, uint16_t *val)
{
	unsigned x = 0;

	if (v.n == 0 || v.n > 4)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		int d = hex_value(v.p[i]);

		if (d < 0)
			return false;
		x = x * 16 + (unsigned)d;
	}
	*val = (uint16_t)x;
	return true;
}

/* ---- the keys ---------------------------------------------------------- */

static int parse_name(struct parser *ps, struct slice v)
{
	if (v.n >= SV_VMCONFIG_NAME_MAX)
		return fail(ps, -SV_ENAMETOOLONG,
			    "name '%s' is longer than %d characters",
			    show(v).s, SV_VMCONFIG_NAME_MAX - 1);
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];

		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
		    !is_digit(c) && c != '_' && c != '-')
			return fail(ps, -SV_EINVAL,
				    "name '%s' may contain only A-Z, a-z, 0-9, "
				    "'_' and '-'", show(v).s);
	}
	copy_field(ps->cfg->name, sizeof(ps->cfg->name), v);
	return 0;
}

/* A size: decimal bytes, or a count of K, M or G (powers of 1024). */
static int parse_memory(struct parser *ps, struct slice v)
{
	struct slice digits = v;
	unsigned shift = 0;
	bool overflow;
	uint64_t x;

	if (v.n > 0) {
		switch (v.p[v.n - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: break;
		}
		if (shift)
			digits.n--;
	}
	if (!parse_decimal(digits, &x, &overflow))
		return fail(ps, -SV_EINVAL,
			    "memory size '%s' is not a number with an optional "
			    "K, M or G suffix", show(v).s);
	if (overflow || x > (UINT64_MAX >> shift) ||
	    (x << shift) > SV_VMCONFIG_MEMORY_MAX)
		return fail(ps, -SV_ERANGE,
			    "memory size '%s' is too large (maximum %lluG)",
			    show(v).s, SV_VMCONFIG_MEMORY_MAX >> 30);
	x <<= shift;
	if (x < SV_VMCONFIG_MEMORY_MIN)
		return fail(ps, -SV_ERANGE,
			    "memory size '%s' is too small (minimum %lluM)",
			    show(v).s, SV_VMCONFIG_MEMORY_MIN >> 20);
	if (x % SV_VMCONFIG_MEMORY_ALIGN)
		return fail(ps, -SV_EINVAL,
			    "memory size '%s' is not a multiple of %lluK",
			    show(v).s, SV_VMCONFIG_MEMORY_ALIGN >> 10);
	ps->cfg->memory = x;
	return 0;
}

static int parse_vcpus(struct parser *ps, struct slice v)
{
	bool overflow;
	uint64_t x;

	if (!parse_decimal(v, &x, &overflow))
		return fail(ps, -SV_EINVAL, "vcpus '%s' is not a number",
			    show(v).s);
	if (overflow || x != 1)
		return fail(ps, -SV_ENOTSUP,
			    "vcpus = %s: only 1 vCPU is supported", show(v).s);
	ps->cfg->vcpus = 1;
	return 0;
}

static int parse_image(struct parser *ps, struct slice v)
{
	if (!copy_field(ps->cfg->image, sizeof(ps->cfg->image), v))
		return fail(ps, -SV_ENAMETOOLONG,
			    "image path is longer than %d characters",
			    SV_VMCONFIG_PATH_MAX - 1);
	return 0;
}

static int parse_format(struct parser *ps, struct slice v)
{
	if (slice_is(v, "flat"))
		ps->cfg->format = SV_IMAGE_FLAT;
	else if (slice_is(v, "multiboot"))
		ps->cfg->format = SV_IMAGE_MULTIBOOT;
	else
		return fail(ps, -SV_EINVAL,
			    "unknown format '%s' (expected 'flat' or "
			    "'multiboot')", show(v).s);
	return 0;
}

/* SEGMENT:OFFSET, each 1-4 hex digits, starting below 1 MiB. */
static int parse_load(struct parser *ps, struct slice v)
{
	const char *colon = NULL;
	uint16_t seg, off;

	for (size_t i = 0; i < v.n && !colon; i++)
		if (v.p[i] == ':')
			colon = v.p + i;
	if (!colon ||
	    !parse_hex16((struct slice){ v.p, (size_t)(colon - v.p) }, &seg) ||
	    !parse_hex16((struct slice){ colon + 1,
					 v.n - (size_t)(colon + 1 - v.p) },
			 &off))
		return fail(ps, -SV_EINVAL,
			    "load address '%s' is not SEGMENT:OFFSET in hex "
			    "(e.g. 0000:7c00)", show(v).s);
	if ((uint32_t)seg * 16 + off >= REAL_MODE_LIMIT)
		return fail(ps, -SV_ERANGE,
			    "load address '%s' (linear 0x%x) is not below 1 MiB",
			    show(v).s, (unsigned)seg * 16 + off);
	ps->cfg->load_seg = seg;
	ps->cfg->load_off = off;
	return 0;
}

static int parse_cmdline(struct parser *ps, struct slice v)
{
	if (!copy_field(ps->cfg->cmdline, sizeof(ps->cfg->cmdline), v))
		return fail(ps, -SV_ENAMETOOLONG,
			    "cmdline is longer than %d characters",
			    SV_VMCONFIG_CMDLINE_MAX - 1);
	return 0;
}

static int parse_serial(struct parser *ps, struct slice v)
{
	static const char file_prefix[] = "file:";
	const size_t plen = sizeof(file_prefix) - 1;
	struct slice path;

	if (slice_is(v, "stdio")) {
		ps->cfg->serial = SV_SERIAL_STDIO;
		return 0;
	}
	if (slice_is(v, "none")) {
		ps->cfg->serial = SV_SERIAL_NONE;
		return 0;
	}
	if (v.n < plen || sv_memcmp(v.p, file_prefix, plen) != 0)
		return fail(ps, -SV_EINVAL,
			    "serial '%s' is not 'stdio', 'none' or 'file:PATH'",
			    show(v).s);
	path = trim((struct slice){ v.p + plen, v.n - plen });
	if (path.n == 0)
		return fail(ps, -SV_EINVAL, "serial file path is empty");
	if (!copy_field(ps->cfg->serial_path, sizeof(ps->cfg->serial_path),
			path))
		return fail(ps, -SV_ENAMETOOLONG,
			    "serial file path is longer than %d characters",
			    SV_VMCONFIG_PATH_MAX - 1);
	ps->cfg->serial = SV_SERIAL_FILE;
	return 0;
}

/* ---- lines ------------------------------------------------------------- */

/*
 * Cut a trailing comment: a '#' at the start of the value or after a blank.
 * A '#' inside a word ("a#b") stays, so paths may contain one.
 */
static struct slice cut_comment(struct slice v)
{
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] == '#' && (i == 0 || is_blank(v.p[i - 1]))) {
			v.n = i;
			break;
		}
	return v;
}

static int find_key(struct slice k)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (slice_is(k, keys[i].name))
			return i;
	return -1;
}

/* Refuse bytes no text line holds: NUL and other control characters. */
static int check_bytes(struct parser *ps, struct slice line)
{
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if (c == '\0')
			return fail(ps, -SV_EINVAL,
				    "line contains a NUL byte (column %zu)",
				    i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, -SV_EINVAL,
				    "line contains control character 0x%02x "
				    "(column %zu)", c, i + 1);
	}
	return 0;
}

static int parse_line(struct parser *ps, struct slice line)
{
	const char *eq = NULL;
	struct slice k, v;
	int ret, key;

	if (line.n > SV_VMCONFIG_LINE_MAX)
		return fail(ps, -SV_ENAMETOOLONG,
			    "line is longer than %d characters",
			    SV_VMCONFIG_LINE_MAX);
	ret = check_bytes(ps, line);
	if (ret)
		return ret;
	line = trim(line);
	if (line.n == 0 || line.p[0] == '#')
		return 0;

	for (size_t i = 0; i < line.n && !eq; i++)
		if (line.p[i] == '=')
			eq = line.p + i;
	if (!eq)
		return fail(ps, -SV_EINVAL, "expected 'key = value', got '%s'",
			    show(line).s);
	k = trim((struct slice){ line.p, (size_t)(eq - line.p) });
	v = (struct slice){ eq + 1, line.n - (size_t)(eq + 1 - line.p) };
	if (k.n == 0)
		return fail(ps, -SV_EINVAL, "missing key before '='");

	key = find_key(k);
	if (key < 0)
		return fail(ps, -SV_EINVAL, "unknown key '%s'", show(k).s);
	if (ps->seen[key])
		return fail(ps, -SV_EINVAL,
			    "duplicate key '%s' (first set on line %u)",
			    keys[key].name, ps->seen[key]);
	ps->seen[key] = ps->line;

	if (!keys[key].rest_of_line)
		v = cut_comment(v);
	v = trim(v);
	if (v.n == 0 && !keys[key].may_be_empty)
		return fail(ps, -SV_EINVAL, "missing value for '%s'",
			    keys[key].name);
	return keys[key].parse(ps, v);
}

/* Checks on the file as a whole, once every line is in. */
static int check_complete(struct parser *ps)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (keys[i].required && !ps->seen[i]) {
			ps->line = 0;
			return fail(ps, -SV_EINVAL,
				    "missing required key '%s'", keys[i].name);
		}
	if (ps->cfg->format != SV_IMAGE_FLAT && ps->seen[KEY_LOAD]) {
		ps->line = ps->seen[KEY_LOAD];
		return fail(ps, -SV_EINVAL,
			    "'load' applies only to format = flat");
	}
	if (ps->cfg->format != SV_IMAGE_MULTIBOOT && ps->seen[KEY_CMDLINE]) {
		ps->line = ps->seen[KEY_CMDLINE];
		return fail(ps, -SV_EINVAL,
			    "'cmdline' applies only to format = multiboot");
	}
	return 0;
}

static void set_defaults(struct sv_vmconfig *cfg)
{
	sv_memset(cfg, 0, sizeof(*cfg));
	cfg->memory = SV_VMCONFIG_MEMORY_DEFAULT;
	cfg->vcpus = 1;
	cfg->load_seg = SV_VMCONFIG_LOAD_SEG_DEFAULT;
	cfg->load_off = SV_VMCONFIG_LOAD_OFF_DEFAULT;
	cfg->serial = SV_SERIAL_STDIO;
}

int vmconfig_parse(const char *text, size_t len, const char *filename,
		   struct sv_vmconfig *out, char *err, size_t errlen)
{
	struct parser ps = {
		.file = filename ? filename : "<config>",
		.err = err,
		.errlen = err ? errlen : 0,
		.cfg = out,
	};
	size_t pos = 0;
	int ret = 0;

	if (ps.errlen)
		err[0] = '\0';
	set_defaults(out);
	if (!text && len)
		return fail(&ps, -SV_EINVAL, "no text");

	while (pos < len && ret == 0) {
		struct slice line = { text + pos, 0 };

		while (pos + line.n < len && text[pos + line.n] != '\n')
			line.n++;
		pos += line.n + 1;	/* past the '\n', or past the end */
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;	/* CRLF line endings */
		ps.line++;
		ret = parse_line(&ps, line);
	}
	if (ret == 0)
		ret = check_complete(&ps);
	if (ret)
		sv_memset(out, 0, sizeof(*out));
	return ret;
}

const char *vmconfig_format_name(enum sv_image_format f)
{
	switch (f) {
	case SV_IMAGE_FLAT: return "flat";
	case SV_IMAGE_MULTIBOOT: return "multiboot";
	}
	return "?";
}

const char *vmconfig_serial_name(enum sv_serial_kind s)
{
	switch (s) {
	case SV_SERIAL_STDIO: return "stdio";
	case SV_SERIAL_FILE: return "file";
	case SV_SERIAL_NONE: return "none";
	}
	return "?";
}
