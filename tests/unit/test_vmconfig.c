/*
 * Tests of the VM configuration parser (osk/vmconfig.c): every key with its
 * accepted forms and defaults, every error with its exact "FILE:LINE:
 * message", the file-level checks, and a fixed-seed mutation fuzz that
 * feeds thousands of broken variants of a good file (each in a buffer of
 * exactly its length, so valgrind sees any read past the end).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/errno.h"
#include "sv/vmconfig.h"
#include "sv_test.h"

/* sv_test.h cuts long failure messages to its buffer on purpose; gcc
 * would warn about that for every string field compared here. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define ERRLEN 256

/* A file with only the required keys. */
#define MIN_FLAT "name = t\nimage = a.bin\nformat = flat\n"
#define MIN_MB   "name = t\nimage = k.elf\nformat = multiboot\n"

static int parse_text(const char *text, struct sv_vmconfig *cfg, char *err)
{
	return vmconfig_parse(text, strlen(text), "guest.cfg", cfg, err,
			      ERRLEN);
}

/* Parse text; it must fail with code and exactly msg. */
#define EXPECT_ERR(text, code, msg) \
	do { \
		struct sv_vmconfig cfg_; \
		char cfgerr_[ERRLEN]; \
		SV_CHECK_EQ_I64(parse_text(text, &cfg_, cfgerr_), code); \
		SV_CHECK_STR_EQ(cfgerr_, msg); \
		SV_CHECK_EQ_U64(cfg_.memory, 0);	/* zeroed on error */ \
	} while (0)

/* Parse text; it must succeed (the error, if any, is shown). */
#define EXPECT_OK(text, cfg) \
	do { \
		char cfgerr_[ERRLEN] = ""; \
		int ret_ = parse_text(text, cfg, cfgerr_); \
		SV_CHECK_EQ_I64(ret_, 0); \
		if (ret_) \
			SV_CHECK_STR_EQ(cfgerr_, ""); \
	} while (0)

static void test_all_keys(void)
{
	static const char text[] =
		"# a Multiboot guest\n"
		"name = mb_hello-2\n"
		"memory = 64M\n"
		"vcpus = 1\n"
		"image = build/mb hello.elf\n"
		"format = multiboot\n"
		"cmdline = mb_hello console=ttyS0 # not a comment\n"
		"serial = file:out/com1.txt\n";
	struct sv_vmconfig cfg;

	EXPECT_OK(text, &cfg);
	SV_CHECK_STR_EQ(cfg.name, "mb_hello-2");
	SV_CHECK_EQ_U64(cfg.memory, 64ull << 20);
	SV_CHECK_EQ_U64(cfg.vcpus, 1);
	SV_CHECK_STR_EQ(cfg.image, "build/mb hello.elf");
	SV_CHECK_EQ_U64(cfg.format, SV_IMAGE_MULTIBOOT);
	SV_CHECK_STR_EQ(cfg.cmdline, "mb_hello console=ttyS0 # not a comment");
	SV_CHECK_EQ_U64(cfg.serial, SV_SERIAL_FILE);
	SV_CHECK_STR_EQ(cfg.serial_path, "out/com1.txt");
	SV_CHECK_STR_EQ(vmconfig_format_name(cfg.format), "multiboot");
	SV_CHECK_STR_EQ(vmconfig_serial_name(cfg.serial), "file");
}

static void test_flat_and_defaults(void)
{
	struct sv_vmconfig cfg;

	EXPECT_OK(MIN_FLAT, &cfg);
	SV_CHECK_STR_EQ(cfg.name, "t");
	SV_CHECK_STR_EQ(cfg.image, "a.bin");
	SV_CHECK_EQ_U64(cfg.format, SV_IMAGE_FLAT);
	SV_CHECK_EQ_U64(cfg.memory, SV_VMCONFIG_MEMORY_DEFAULT);
	SV_CHECK_EQ_U64(cfg.vcpus, 1);
	SV_CHECK_EQ_U64(cfg.load_seg, 0x0000);
	SV_CHECK_EQ_U64(cfg.load_off, 0x7c00);
	SV_CHECK_STR_EQ(cfg.cmdline, "");
	SV_CHECK_EQ_U64(cfg.serial, SV_SERIAL_STDIO);
	SV_CHECK_STR_EQ(cfg.serial_path, "");
	SV_CHECK_STR_EQ(vmconfig_format_name(cfg.format), "flat");

	EXPECT_OK(MIN_FLAT "load = 07c0:0000\nserial = none\n", &cfg);
	SV_CHECK_EQ_U64(cfg.load_seg, 0x07c0);
	SV_CHECK_EQ_U64(cfg.load_off, 0x0000);
	SV_CHECK_EQ_U64(cfg.serial, SV_SERIAL_NONE);
	SV_CHECK_STR_EQ(vmconfig_serial_name(cfg.serial), "none");
}

static void test_syntax(void)
{
	struct sv_vmconfig cfg;

	/* Comments, blanks, tabs, CRLF, no final newline, any key order. */
	EXPECT_OK("\r\n  # comment\r\n\t\r\nformat\t=\tflat   \r\n"
		  "image=a#b.bin # trailing comment\r\n"
		  "memory = 2M\t# two\r\n"
		  "  name  =  x  ", &cfg);
	SV_CHECK_STR_EQ(cfg.name, "x");
	SV_CHECK_STR_EQ(cfg.image, "a#b.bin");
	SV_CHECK_EQ_U64(cfg.memory, 2ull << 20);

	/* The value may contain '='; the key ends at the first one. */
	EXPECT_OK(MIN_MB "cmdline = a=b c==d\n", &cfg);
	SV_CHECK_STR_EQ(cfg.cmdline, "a=b c==d");
	/* An empty command line is a value. */
	EXPECT_OK(MIN_MB "cmdline =\n", &cfg);
	SV_CHECK_STR_EQ(cfg.cmdline, "");

	/* A value that is only a comment is missing. */
	EXPECT_ERR("name = # none\n", -SV_EINVAL,
		   "guest.cfg:1: missing value for 'name'");
	EXPECT_ERR("\n\nname\n", -SV_EINVAL,
		   "guest.cfg:3: expected 'key = value', got 'name'");
	EXPECT_ERR("# c\n = 5\n", -SV_EINVAL,
		   "guest.cfg:2: missing key before '='");
	EXPECT_ERR("name = a\nmemroy = 64M\n", -SV_EINVAL,
		   "guest.cfg:2: unknown key 'memroy'");
	EXPECT_ERR("Name = a\n", -SV_EINVAL,
		   "guest.cfg:1: unknown key 'Name'");
	EXPECT_ERR("name = a\nimage = b\n# x\nname = c\n", -SV_EINVAL,
		   "guest.cfg:4: duplicate key 'name' (first set on line 1)");
	EXPECT_ERR("memory =\n", -SV_EINVAL,
		   "guest.cfg:1: missing value for 'memory'");
	/* Long keys and values are cut in messages. */
	EXPECT_ERR("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n",
		   -SV_EINVAL, "guest.cfg:1: unknown key "
		   "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

static void test_bad_bytes_and_long_lines(void)
{
	static const char nul[] = "name = t\nimage = a\0b\n";
	struct sv_vmconfig cfg;
	char err[ERRLEN];
	char line[SV_VMCONFIG_LINE_MAX + 64];
	size_t n;

	SV_CHECK_EQ_I64(vmconfig_parse(nul, sizeof(nul) - 1, "guest.cfg",
				       &cfg, err, sizeof(err)), -SV_EINVAL);
	SV_CHECK_STR_EQ(err, "guest.cfg:2: line contains a NUL byte (column 10)");

	EXPECT_ERR("name = t\x01\n", -SV_EINVAL,
		   "guest.cfg:1: line contains control character 0x01 "
		   "(column 9)");
	EXPECT_ERR("\nname = t\rx\n", -SV_EINVAL,
		   "guest.cfg:2: line contains control character 0x0d "
		   "(column 9)");
	EXPECT_ERR("name = \x7f\n", -SV_EINVAL,
		   "guest.cfg:1: line contains control character 0x7f "
		   "(column 8)");

	/* A line of exactly the limit is fine (a comment here), one more is
	 * refused, whatever the line ending. */
	memset(line, '#', SV_VMCONFIG_LINE_MAX);
	strcpy(line + SV_VMCONFIG_LINE_MAX, "\r\n" MIN_FLAT);
	EXPECT_OK(line, &cfg);
	n = (size_t)snprintf(line, sizeof(line), MIN_FLAT "#");
	memset(line + n, 'x', SV_VMCONFIG_LINE_MAX);
	line[n + SV_VMCONFIG_LINE_MAX] = '\0';
	EXPECT_ERR(line, -SV_ENAMETOOLONG,
		   "guest.cfg:4: line is longer than 1024 characters");
}

static void test_required_and_format_keys(void)
{
	EXPECT_ERR("", -SV_EINVAL, "guest.cfg:0: missing required key 'name'");
	EXPECT_ERR("name = a\nformat = flat\n", -SV_EINVAL,
		   "guest.cfg:0: missing required key 'image'");
	EXPECT_ERR("name = a\nimage = b\n", -SV_EINVAL,
		   "guest.cfg:0: missing required key 'format'");
	EXPECT_ERR(MIN_MB "\nload = 0000:7c00\n", -SV_EINVAL,
		   "guest.cfg:5: 'load' applies only to format = flat");
	EXPECT_ERR("cmdline = x\n" MIN_FLAT, -SV_EINVAL,
		   "guest.cfg:1: 'cmdline' applies only to format = multiboot");
}

static void test_name_rules(void)
{
	struct sv_vmconfig cfg;

	/* 31 characters: the most. */
	EXPECT_OK("name = abcdefghijklmnopqrstuvwxyz-_A09\n"
		  "image = a\nformat = flat\n", &cfg);
	SV_CHECK_STR_EQ(cfg.name, "abcdefghijklmnopqrstuvwxyz-_A09");
	EXPECT_ERR("name = abcdefghijklmnopqrstuvwxyz-_A09x\n", -SV_ENAMETOOLONG,
		   "guest.cfg:1: name 'abcdefghijklmnopqrstuvwxyz-_A09x' is "
		   "longer than 31 characters");
	EXPECT_ERR("name = my vm\n", -SV_EINVAL,
		   "guest.cfg:1: name 'my vm' may contain only A-Z, a-z, 0-9, "
		   "'_' and '-'");
	EXPECT_ERR("name = a/b\n", -SV_EINVAL,
		   "guest.cfg:1: name 'a/b' may contain only A-Z, a-z, 0-9, "
		   "'_' and '-'");
	EXPECT_ERR("name = caf\xc3\xa9\n", -SV_EINVAL,
		   "guest.cfg:1: name 'caf\xc3\xa9' may contain only A-Z, "
		   "a-z, 0-9, '_' and '-'");
}

static void test_memory(void)
{
	static const struct { const char *v; uint64_t bytes; } good[] = {
		{ "1M", 1ull << 20 }, { "1024K", 1ull << 20 },
		{ "1048576", 1ull << 20 }, { "64M", 64ull << 20 },
		{ "64m", 64ull << 20 }, { "3G", 3ull << 30 },
		{ "1g", 1ull << 30 }, { "3072M", 3ull << 30 },
		{ "1028k", 1028ull << 10 }, { "0064M", 64ull << 20 },
	};
	struct sv_vmconfig cfg;
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), MIN_FLAT "memory = %s\n", good[i].v);
		EXPECT_OK(text, &cfg);
		SV_CHECK_EQ_U64(cfg.memory, good[i].bytes);
	}

	EXPECT_ERR(MIN_FLAT "memory = 0\n", -SV_ERANGE,
		   "guest.cfg:4: memory size '0' is too small (minimum 1M)");
	EXPECT_ERR("memory = 1020K\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '1020K' is too small (minimum 1M)");
	EXPECT_ERR("memory = 0G\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '0G' is too small (minimum 1M)");
	EXPECT_ERR("memory = 4G\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '4G' is too large (maximum 3G)");
	EXPECT_ERR("memory = 3073M\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '3073M' is too large (maximum 3G)");
	EXPECT_ERR("memory = 99999999999G\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '99999999999G' is too large "
		   "(maximum 3G)");
	/* 2^64 overflows the digits themselves; 2^54 K overflows the shift. */
	EXPECT_ERR("memory = 18446744073709551616\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '18446744073709551616' is too "
		   "large (maximum 3G)");
	EXPECT_ERR("memory = 18014398509481984K\n", -SV_ERANGE,
		   "guest.cfg:1: memory size '18014398509481984K' is too large "
		   "(maximum 3G)");
	EXPECT_ERR("memory = 1025K\n", -SV_EINVAL,
		   "guest.cfg:1: memory size '1025K' is not a multiple of 4K");
	EXPECT_ERR("memory = 1048577\n", -SV_EINVAL,
		   "guest.cfg:1: memory size '1048577' is not a multiple of 4K");
	static const char *bad[] = {
		"64X", "M", "-1M", "64 M", "6.4M", "64MB", "0x100000", "+64M",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];

		snprintf(text, sizeof(text), "memory = %s\n", bad[i]);
		snprintf(want, sizeof(want), "guest.cfg:1: memory size '%s' is "
			 "not a number with an optional K, M or G suffix",
			 bad[i]);
		EXPECT_ERR(text, -SV_EINVAL, want);
	}
}

static void test_vcpus(void)
{
	struct sv_vmconfig cfg;

	EXPECT_OK(MIN_FLAT "vcpus = 1\n", &cfg);
	SV_CHECK_EQ_U64(cfg.vcpus, 1);
	EXPECT_OK(MIN_FLAT "vcpus = 01\n", &cfg);
	EXPECT_ERR("vcpus = 2\n", -SV_ENOTSUP,
		   "guest.cfg:1: vcpus = 2: only 1 vCPU is supported");
	EXPECT_ERR("vcpus = 0\n", -SV_ENOTSUP,
		   "guest.cfg:1: vcpus = 0: only 1 vCPU is supported");
	EXPECT_ERR("vcpus = 99999999999999999999999\n", -SV_ENOTSUP,
		   "guest.cfg:1: vcpus = 99999999999999999999999: only 1 vCPU "
		   "is supported");
	EXPECT_ERR("vcpus = one\n", -SV_EINVAL,
		   "guest.cfg:1: vcpus 'one' is not a number");
	EXPECT_ERR("vcpus = -1\n", -SV_EINVAL,
		   "guest.cfg:1: vcpus '-1' is not a number");
}

static void test_image_and_format(void)
{
	char text[2 * SV_VMCONFIG_PATH_MAX];
	struct sv_vmconfig cfg;
	char path[SV_VMCONFIG_PATH_MAX + 1];

	memset(path, 'p', SV_VMCONFIG_PATH_MAX - 1);
	path[SV_VMCONFIG_PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "name = t\nformat = flat\nimage = %s\n",
		 path);
	EXPECT_OK(text, &cfg);
	SV_CHECK_EQ_U64(strlen(cfg.image), SV_VMCONFIG_PATH_MAX - 1);
	strcat(path, "p");
	snprintf(text, sizeof(text), "name = t\nformat = flat\nimage = %s\n",
		 path);
	EXPECT_ERR(text, -SV_ENAMETOOLONG,
		   "guest.cfg:3: image path is longer than 255 characters");

	EXPECT_OK("name = t\nimage = /abs/k.elf\nformat = multiboot\n", &cfg);
	SV_CHECK_STR_EQ(cfg.image, "/abs/k.elf");
	EXPECT_ERR("format = elf\n", -SV_EINVAL,
		   "guest.cfg:1: unknown format 'elf' (expected 'flat' or "
		   "'multiboot')");
	EXPECT_ERR("format = Flat\n", -SV_EINVAL,
		   "guest.cfg:1: unknown format 'Flat' (expected 'flat' or "
		   "'multiboot')");
}

static void test_load(void)
{
	static const struct { const char *v; uint16_t seg, off; } good[] = {
		{ "0000:7c00", 0x0000, 0x7c00 }, { "07c0:0000", 0x07c0, 0 },
		{ "0:7C00", 0, 0x7c00 }, { "1000:0", 0x1000, 0 },
		{ "ffff:000f", 0xffff, 0x000f }, { "9000:FFFF", 0x9000, 0xffff },
	};
	static const char *syntax[] = {
		"7c00", "0000:7c00:1", "g:0", "00000:0", "0000:", ":7c00",
		"0x0:0x7c00", "0000 :7c00", "0000:7c0g",
	};
	struct sv_vmconfig cfg;
	char text[256], want[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), MIN_FLAT "load = %s\n", good[i].v);
		EXPECT_OK(text, &cfg);
		SV_CHECK_EQ_U64(cfg.load_seg, good[i].seg);
		SV_CHECK_EQ_U64(cfg.load_off, good[i].off);
	}
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		snprintf(text, sizeof(text), "load = %s\n", syntax[i]);
		snprintf(want, sizeof(want), "guest.cfg:1: load address '%s' is "
			 "not SEGMENT:OFFSET in hex (e.g. 0000:7c00)",
			 syntax[i]);
		EXPECT_ERR(text, -SV_EINVAL, want);
	}
	EXPECT_ERR("load = ffff:0010\n", -SV_ERANGE,
		   "guest.cfg:1: load address 'ffff:0010' (linear 0x100000) is "
		   "not below 1 MiB");
	EXPECT_ERR("load = ffff:ffff\n", -SV_ERANGE,
		   "guest.cfg:1: load address 'ffff:ffff' (linear 0x10ffef) is "
		   "not below 1 MiB");
}

static void test_cmdline(void)
{
	char text[2 * SV_VMCONFIG_CMDLINE_MAX];
	struct sv_vmconfig cfg;
	size_t n;

	EXPECT_OK(MIN_MB "cmdline =   root=/dev/sda  # quiet \t\n", &cfg);
	SV_CHECK_STR_EQ(cfg.cmdline, "root=/dev/sda  # quiet");

	n = (size_t)snprintf(text, sizeof(text), MIN_MB "cmdline = ");
	memset(text + n, 'c', SV_VMCONFIG_CMDLINE_MAX - 1);
	text[n + SV_VMCONFIG_CMDLINE_MAX - 1] = '\0';
	EXPECT_OK(text, &cfg);
	SV_CHECK_EQ_U64(strlen(cfg.cmdline), SV_VMCONFIG_CMDLINE_MAX - 1);
	strcat(text, "c\n");
	EXPECT_ERR(text, -SV_ENAMETOOLONG,
		   "guest.cfg:4: cmdline is longer than 511 characters");
}

static void test_serial(void)
{
	char text[2 * SV_VMCONFIG_PATH_MAX];
	struct sv_vmconfig cfg;
	char path[SV_VMCONFIG_PATH_MAX + 1];

	EXPECT_OK(MIN_FLAT "serial = stdio\n", &cfg);
	SV_CHECK_EQ_U64(cfg.serial, SV_SERIAL_STDIO);
	SV_CHECK_STR_EQ(vmconfig_serial_name(cfg.serial), "stdio");
	EXPECT_OK(MIN_FLAT "serial = file: logs/x y.txt  # where\n", &cfg);
	SV_CHECK_EQ_U64(cfg.serial, SV_SERIAL_FILE);
	SV_CHECK_STR_EQ(cfg.serial_path, "logs/x y.txt");

	EXPECT_ERR("serial = file:\n", -SV_EINVAL,
		   "guest.cfg:1: serial file path is empty");
	EXPECT_ERR("serial = file:  \n", -SV_EINVAL,
		   "guest.cfg:1: serial file path is empty");
	EXPECT_ERR("serial = tty\n", -SV_EINVAL,
		   "guest.cfg:1: serial 'tty' is not 'stdio', 'none' or "
		   "'file:PATH'");
	EXPECT_ERR("serial = File:x\n", -SV_EINVAL,
		   "guest.cfg:1: serial 'File:x' is not 'stdio', 'none' or "
		   "'file:PATH'");

	memset(path, 'q', SV_VMCONFIG_PATH_MAX);
	path[SV_VMCONFIG_PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "serial = file:%s\n", path);
	EXPECT_ERR(text, -SV_ENAMETOOLONG,
		   "guest.cfg:1: serial file path is longer than 255 "
		   "characters");
}

static void test_error_buffer(void)
{
	struct sv_vmconfig cfg;
	char err[16];

	/* No file name, a short buffer, no buffer at all. */
	SV_CHECK_EQ_I64(vmconfig_parse("x\n", 2, NULL, &cfg, err, sizeof(err)),
			-SV_EINVAL);
	SV_CHECK_STR_EQ(err, "<config>:1: exp");
	SV_CHECK_EQ_I64(vmconfig_parse("x\n", 2, "f", &cfg, NULL, 0),
			-SV_EINVAL);
	/* The length is honoured: the text past it is never read. */
	SV_CHECK_EQ_I64(vmconfig_parse(MIN_FLAT "vcpus = 2\n",
				       strlen(MIN_FLAT), "f", &cfg, err,
				       sizeof(err)), 0);
	SV_CHECK_STR_EQ(err, "");
	SV_CHECK_EQ_U64(cfg.vcpus, 1);
}

/* ---- fuzz -------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across runs and hosts */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static const char fuzz_seed_text[] =
	"# fuzz seed\n"
	"name = fuzz-vm_1\n"
	"memory = 64M\n"
	"vcpus = 1\n"
	"image = guests/k.elf\n"
	"format = multiboot\n"
	"cmdline = k console=ttyS0 # x\n"
	"serial = file:out.txt\n";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char interesting[] = "=#:\n\r\t \0KMG019fx-_";
	unsigned n = 1 + rng() % 4;

	for (unsigned k = 0; k < n; k++) {
		size_t at = len ? rng() % len : 0;
		char c = rng() % 2 ? (char)(rng() & 0xff) :
			 interesting[rng() % (sizeof(interesting) - 1)];

		switch (rng() % 6) {
		case 0:	/* overwrite a byte */
			if (len)
				buf[at] = c;
			break;
		case 1:	/* insert a byte */
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		case 2:	/* delete a byte */
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3:	/* truncate */
			len = at;
			break;
		case 4: { /* duplicate a run (long lines, repeated keys) */
			size_t run = SV_MIN(len - at, (size_t)(rng() % 64));
			size_t times = 1 + rng() % 40;

			for (size_t t = 0; t < times && len + run <= cap; t++) {
				memmove(buf + at + run, buf + at, len - at);
				len += run;
			}
			break;
		}
		default: /* a long run of one digit: number overflows */
			for (size_t t = rng() % 40; t > 0 && len < cap; t--) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = '9';
				len++;
			}
			break;
		}
	}
	return len;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SV_VMCONFIG_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-") == n;
}

static void test_fuzz(void)
{
	enum { ROUNDS = 20000, CAP = 8192 };
	static char work[CAP];
	unsigned ok = 0, failed = 0, bad = 0;

	rng_state = 0x5eed5eed12345678ull;
	for (unsigned r = 0; r < ROUNDS; r++) {
		struct sv_vmconfig cfg;
		char err[ERRLEN];
		size_t len = sizeof(fuzz_seed_text) - 1;
		char *exact;
		int ret;

		memcpy(work, fuzz_seed_text, len);
		len = mutate(work, len, CAP);
		exact = malloc(len ? len : 1);	/* reads past it are caught */
		memcpy(exact, work, len);
		memset(err, 'Z', sizeof(err));
		ret = vmconfig_parse(exact, len, "fuzz.cfg", &cfg, err,
				     sizeof(err));
		free(exact);
		if (ret == 0) {
			ok++;
			if (!name_ok(cfg.name) || cfg.vcpus != 1 ||
			    cfg.memory < SV_VMCONFIG_MEMORY_MIN ||
			    cfg.memory > SV_VMCONFIG_MEMORY_MAX ||
			    cfg.memory % SV_VMCONFIG_MEMORY_ALIGN ||
			    !memchr(cfg.image, 0, sizeof(cfg.image)) ||
			    cfg.image[0] == '\0' ||
			    !memchr(cfg.cmdline, 0, sizeof(cfg.cmdline)) ||
			    (cfg.serial == SV_SERIAL_FILE &&
			     cfg.serial_path[0] == '\0'))
				bad++;
		} else {
			failed++;
			if (ret >= 0 || !memchr(err, 0, sizeof(err)) ||
			    strncmp(err, "fuzz.cfg:", 9) != 0)
				bad++;
		}
	}
	SV_CHECK_EQ_U64(bad, 0);
	/* The mutations must exercise both outcomes. */
	SV_CHECK(ok > ROUNDS / 50);
	SV_CHECK(failed > ROUNDS / 2);
}

CU_TestInfo sv_tests_vmconfig[] = {
	{ "all keys", test_all_keys },
	{ "flat image and defaults", test_flat_and_defaults },
	{ "syntax", test_syntax },
	{ "NUL, control bytes, long lines", test_bad_bytes_and_long_lines },
	{ "required and per-format keys", test_required_and_format_keys },
	{ "name", test_name_rules },
	{ "memory", test_memory },
	{ "vcpus", test_vcpus },
	{ "image and format", test_image_and_format },
	{ "load", test_load },
	{ "cmdline", test_cmdline },
	{ "serial", test_serial },
	{ "error buffer", test_error_buffer },
	{ "fuzz", test_fuzz },
	CU_TEST_INFO_NULL,
};
