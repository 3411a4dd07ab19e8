/*
 * Tests for common/format.c, mostly by comparison with glibc: format strings
 * are generated at run time (every conversion with combinations of flags,
 * widths, precisions and length modifiers, over edge values), and
 * sv_vsnprintf and glibc's vsnprintf get the same arguments. Each call is
 * checked for the return value, the bytes written with their NUL, and the
 * canary bytes past the buffer's end. sv_vformat is checked through a sink
 * that collects the chunks, and sv_printf through a pipe on stdout.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "sv/compiler.h"
#include "sv/format.h"
#include "sv_test.h"

#define OUT_MAX     160		/* largest buffer compare() hands out */
#define GUARD_BYTES 16		/* canary bytes checked past the buffer */
#define CANARY      0x5a
#define MAX_REPORTS 20		/* mismatches reported in full per test */

static unsigned long cases, mismatches;

static void reset_counts(void)
{
	cases = 0;
	mismatches = 0;
}

/* s[0..n) with non-printable bytes as \xNN, for failure messages. */
static const char *escape(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/* Bytes the call should have written: the output that fits, and the NUL. */
static size_t written_len(int ret, size_t size)
{
	if (size == 0)
		return 0;
	if (ret < 0)
		return 1;
	return ((size_t)ret < size - 1 ? (size_t)ret : size - 1) + 1;
}

static void report(int line, const char *fmt, size_t size, const char *ours,
		   int r_ours, const char *theirs, int r_theirs, const char *what)
{
	size_t shown_ours = written_len(r_ours, size);
	size_t shown_theirs = written_len(r_theirs, size);
	char f[96], a[160], b[160];

	if (++mismatches > MAX_REPORTS)
		return;
	/* Show the text without its NUL. */
	shown_ours -= shown_ours > 0;
	shown_theirs -= shown_theirs > 0;
	SV_TEST_FAIL_(__FILE__, line,
		"format \"%s\" size %zu: %s: sv \"%s\" (%d), glibc \"%s\" (%d)",
		escape(fmt, strlen(fmt), f, sizeof(f)), size, what,
		escape(ours, shown_ours, a, sizeof(a)), r_ours,
		escape(theirs, shown_theirs, b, sizeof(b)), r_theirs);
}

/*
 * Format with both into buffers of size bytes (size <= OUT_MAX), followed by
 * canaries; compare return values and written bytes, and check that ours
 * wrote nothing past size. With size 0 ours still gets a real buffer, so a
 * stray write would show.
 */
static int compare_v(int line, size_t size, const char *fmt, va_list ap)
{
	char ours[OUT_MAX + GUARD_BYTES], theirs[OUT_MAX + GUARD_BYTES];
	int r_ours, r_theirs;
	va_list ap2;

	memset(ours, CANARY, size + GUARD_BYTES);
	memset(theirs, CANARY, size + GUARD_BYTES);
	va_copy(ap2, ap);
	r_ours = sv_vsnprintf(ours, size, fmt, ap);
	r_theirs = vsnprintf(size ? theirs : NULL, size, fmt, ap2);
	va_end(ap2);
	cases++;

	if (r_ours != r_theirs)
		report(line, fmt, size, ours, r_ours, theirs, r_theirs,
		       "return values differ");
	else if (memcmp(ours, theirs, written_len(r_theirs, size)) != 0)
		report(line, fmt, size, ours, r_ours, theirs, r_theirs,
		       "output differs");
	else
		for (size_t i = size; i < size + GUARD_BYTES; i++)
			if ((unsigned char)ours[i] != CANARY) {
				report(line, fmt, size, ours, r_ours, theirs,
				       r_theirs, "wrote past the buffer");
				break;
			}
	return r_theirs;
}

/* compare_v with arguments; returns glibc's length. */
static int compare_at(int line, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = compare_v(line, size, fmt, ap);
	va_end(ap);
	return n;
}

#define COMPARE(...) compare_at(__LINE__, OUT_MAX, __VA_ARGS__)

/* Close a test: no mismatch, and the table really ran at least min cases. */
static void check_counts(unsigned long min)
{
	SV_CHECK_EQ_U64(mismatches, 0);
	if (cases < min)
		SV_TEST_FAIL_(__FILE__, __LINE__, "only %lu cases ran, expected %lu",
			      cases, min);
}

/* The generated table. */

static const char *const int_flags[] = {
	"", "-", "0", "+", " ", "#", "-0", "+ ", "0+", "0 ", "#0", "-#",
	"- +", "#0 ", "-+ #0",
};
static const int widths[] = { -1, 1, 2, 5, 12, 25 };	/* -1: none */
static const int precs[] = { -1, 0, 1, 5, 20 };	/* -1: none */

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T, L_COUNT };
static const char *const length_text[L_COUNT] = {
	[L_NONE] = "", [L_HH] = "hh", [L_H] = "h", [L_L] = "l",
	[L_LL] = "ll", [L_Z] = "z", [L_J] = "j", [L_T] = "t",
};

static const unsigned long long int_values[] = {
	0, 1, (unsigned long long)-1, (unsigned long long)INT_MIN, INT_MAX,
	UINT_MAX, (unsigned long long)LLONG_MIN, LLONG_MAX, ULLONG_MAX, 0x80,
	255, 65536,
};

/* "%" flags [width] [.prec] length conv, into out. */
static void build_spec(char *out, size_t size, const char *flags, int width,
		       int prec, const char *length, char conv)
{
	char w[16] = "", p[16] = "";

	if (width >= 0)
		snprintf(w, sizeof(w), "%d", width);
	if (prec >= 0)
		snprintf(p, sizeof(p), ".%d", prec);
	snprintf(out, size, "%%%s%s%s%s%c", flags, w, p, length, conv);
}

/*
 * Pass v as the argument type that the length modifier names, signed or
 * unsigned to suit the conversion, to both formatters.
 */
static void compare_int(int line, size_t size, const char *fmt,
			enum length len, bool is_signed, unsigned long long v)
{
	switch (len) {
	case L_NONE:
	case L_HH:
	case L_H:	/* hh and h arguments arrive promoted to int */
		if (is_signed)
			compare_at(line, size, fmt, (int)v);
		else
			compare_at(line, size, fmt, (unsigned int)v);
		break;
	case L_L:
		if (is_signed)
			compare_at(line, size, fmt, (long)v);
		else
			compare_at(line, size, fmt, (unsigned long)v);
		break;
	case L_LL:
		if (is_signed)
			compare_at(line, size, fmt, (long long)v);
		else
			compare_at(line, size, fmt, v);
		break;
	case L_Z:
		if (is_signed)
			compare_at(line, size, fmt, (ssize_t)v);
		else
			compare_at(line, size, fmt, (size_t)v);
		break;
	case L_J:
		if (is_signed)
			compare_at(line, size, fmt, (intmax_t)v);
		else
			compare_at(line, size, fmt, (uintmax_t)v);
		break;
	case L_T:
		if (is_signed)
			compare_at(line, size, fmt, (ptrdiff_t)v);
		else
			compare_at(line, size, fmt, (size_t)v);
		break;
	case L_COUNT:
		break;
	}
}

static void test_integers(void)
{
	static const char convs[] = "diuxXo";
	char fmt[48];

	reset_counts();
	for (const char *c = convs; *c; c++)
		for (size_t f = 0; f < SV_ARRAY_SIZE(int_flags); f++)
			for (size_t w = 0; w < SV_ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < SV_ARRAY_SIZE(precs); p++)
					for (int len = 0; len < L_COUNT; len++) {
						build_spec(fmt, sizeof(fmt),
							   int_flags[f], widths[w],
							   precs[p], length_text[len],
							   *c);
						for (size_t v = 0; v < SV_ARRAY_SIZE(int_values); v++)
							compare_int(__LINE__, OUT_MAX, fmt,
								    (enum length)len,
								    *c == 'd' || *c == 'i',
								    int_values[v]);
					}
	check_counts(6 * SV_ARRAY_SIZE(int_flags) * SV_ARRAY_SIZE(widths) *
		     SV_ARRAY_SIZE(precs) * L_COUNT * SV_ARRAY_SIZE(int_values));
}

/* Flags for %s %c %p: glibc ignores '0' for the first two, see format.c. */
static const char *const other_flags[] = {
	"", "-", "0", "+", " ", "#", "-0", "+ ", "#0", "-+ #0",
};

static void test_strings_and_chars(void)
{
	static const char *const strings[] = {
		"", "a", "hello", "a rather longer string, thirty-nine chars",
		NULL,
	};
	static const int chars[] = { 'a', ' ', '%', 0, 0xe9, 'Z' + 256 };
	char fmt[48];

	reset_counts();
	for (size_t f = 0; f < SV_ARRAY_SIZE(other_flags); f++)
		for (size_t w = 0; w < SV_ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < SV_ARRAY_SIZE(precs); p++) {
				build_spec(fmt, sizeof(fmt), other_flags[f],
					   widths[w], precs[p], "", 's');
				for (size_t i = 0; i < SV_ARRAY_SIZE(strings); i++)
					COMPARE(fmt, strings[i]);
				/* A precision on %c is ignored by glibc too. */
				build_spec(fmt, sizeof(fmt), other_flags[f],
					   widths[w], precs[p], "", 'c');
				for (size_t i = 0; i < SV_ARRAY_SIZE(chars); i++)
					COMPARE(fmt, chars[i]);
			}
	/* NULL prints "(null)" only when the precision leaves room for it. */
	for (int p = 0; p <= 8; p++) {
		build_spec(fmt, sizeof(fmt), "", 8, p, "", 's');
		COMPARE(fmt, (const char *)NULL);
	}
	/* A precision stops %s before a missing NUL. */
	{
		const char unterminated[3] = { 'a', 'b', 'c' };

		COMPARE("[%.3s]", unterminated);
		COMPARE("[%.2s]", unterminated);
	}
	check_counts(SV_ARRAY_SIZE(other_flags) * SV_ARRAY_SIZE(widths) *
		     SV_ARRAY_SIZE(precs) *
		     (SV_ARRAY_SIZE(strings) + SV_ARRAY_SIZE(chars)));
}

static void test_pointers_and_percent(void)
{
	static const uintptr_t ptrs[] = {
		0, 1, 0x1234, 0xdeadbeef, 0x7fffffffffffull,
		0xffffffff80000000ull, UINTPTR_MAX,
	};
	char fmt[48];

	reset_counts();
	for (size_t f = 0; f < SV_ARRAY_SIZE(other_flags); f++)
		for (size_t w = 0; w < SV_ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < SV_ARRAY_SIZE(precs); p++) {
				build_spec(fmt, sizeof(fmt), other_flags[f],
					   widths[w], precs[p], "", 'p');
				for (size_t i = 0; i < SV_ARRAY_SIZE(ptrs); i++)
					COMPARE(fmt, (void *)ptrs[i]);
				/* Flags, width and precision do nothing to %%. */
				build_spec(fmt, sizeof(fmt), other_flags[f],
					   widths[w], precs[p], "", '%');
				COMPARE(fmt);
			}
	COMPARE("%%");
	COMPARE("100%% sure, %d%%", 5);
	COMPARE("%%%%%%");
	check_counts(SV_ARRAY_SIZE(other_flags) * SV_ARRAY_SIZE(widths) *
		     SV_ARRAY_SIZE(precs) * (SV_ARRAY_SIZE(ptrs) + 1));
}

/* '*' takes width and precision from the arguments, negative ones too. */
static void test_star(void)
{
	static const char *const fmts[] = {
		"%*d", "%-*d", "%0*d", "%*.*d", "%-*.*d", "%0*.*d", "%+*.*d",
		"%*x", "%#0*x", "%#*.*o", "%*.*u", "%*.*lld", "%*.*hhx",
	};
	static const int star_widths[] = { -25, -5, -1, 0, 1, 5, 25 };
	static const int star_precs[] = { -5, -1, 0, 1, 5, 20 };
	static const long long values[] = { 0, 7, -7, 1234567, INT_MIN };

	reset_counts();
	for (size_t f = 0; f < SV_ARRAY_SIZE(fmts); f++) {
		bool has_prec = strstr(fmts[f], ".*") != NULL;
		bool is_ll = strstr(fmts[f], "ll") != NULL;

		for (size_t w = 0; w < SV_ARRAY_SIZE(star_widths); w++)
			for (size_t p = 0; p < SV_ARRAY_SIZE(star_precs); p++)
				for (size_t v = 0; v < SV_ARRAY_SIZE(values); v++) {
					int wd = star_widths[w], pr = star_precs[p];

					if (has_prec && is_ll)
						COMPARE(fmts[f], wd, pr, values[v]);
					else if (has_prec)
						COMPARE(fmts[f], wd, pr, (int)values[v]);
					else if (p == 0)	/* no precision to vary */
						COMPARE(fmts[f], wd, (int)values[v]);
				}
	}
	for (size_t w = 0; w < SV_ARRAY_SIZE(star_widths); w++)
		for (size_t p = 0; p < SV_ARRAY_SIZE(star_precs); p++) {
			int wd = star_widths[w], pr = star_precs[p];

			COMPARE("[%*.*s]", wd, pr, "hello");
			COMPARE("[%*.*s]", wd, pr, (const char *)NULL);
			COMPARE("[%.*s]", pr, "hello");
			COMPARE("[%*c]", wd, 'q');
			COMPARE("[%*.*p]", wd, pr, (void *)0xbeef);
			COMPARE("[%*p]", wd, (void *)NULL);
		}
	check_counts(1000);
}

/* Several conversions and literal text in one format. */
static void test_mixed(void)
{
	reset_counts();
	COMPARE("");
	COMPARE("plain text, no conversions");
	COMPARE("x=%d, y=%5s, z=%#08x!", -42, "ab", 0xbeefu);
	COMPARE("%s%s%s", "a", "", "c");
	COMPARE("[%c%c%c]", 'a', 'b', 'c');
	COMPARE("%d %i %u %x %X %o %c %s %p %%", -1, 2, 3u, 0xabu, 0xabu, 8u,
		'z', "str", (void *)0x10);
	COMPARE("%hhd|%hd|%ld|%lld|%zd|%jd|%td", 200, 40000, -5L, -6LL,
		(ssize_t)-7, (intmax_t)-8, (ptrdiff_t)-9);
	COMPARE("%hhu|%hu|%lu|%llu|%zu|%ju|%tu", 200u, 40000u, 5UL, 6ULL,
		(size_t)7, (uintmax_t)8, (size_t)9);
	COMPARE("%-10s|%10s|", "left", "right");
	COMPARE("vcpu%d: exit %s at %#018llx", 3, "EPT_VIOLATION",
		0xffffffff81000000ull);
	check_counts(10);
}

/* One truncation case: the argument that fmt's conversion wants. */
static int compare_trunc(size_t size, const char *fmt, long long v,
			 const char *s)
{
	char conv = fmt[strlen(fmt) - 1];

	if (conv == 's')
		return compare_at(__LINE__, size, fmt, s);
	if (conv == 'c')
		return compare_at(__LINE__, size, fmt, (int)(v & 0x7f));
	if (conv == 'p')
		return compare_at(__LINE__, size, fmt, (void *)(intptr_t)v);
	if (strstr(fmt, "ll"))
		return compare_at(__LINE__, size, fmt, v);
	if (strstr(fmt, "%s"))
		return compare_at(__LINE__, size, fmt, (int)v, s);
	return compare_at(__LINE__, size, fmt, (int)v);
}

/* Formats that gcc must not check: odd on purpose, or empty. */
static int unchecked_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Output cut short: buffers of 0, 1, 2 and 7 bytes, and of the length, one
 * more and two more; compare_v checks the NUL and the canaries.
 */
static void test_truncation(void)
{
	static const char *const fmts[] = {
		"%d", "%5d", "%-12x", "%#o", "%+.5lld", "%s", "%10s", "%-10s",
		"%.3s", "%c", "%p", "%%", "ab%dcd%sef",
	};
	static const size_t sizes[] = { 0, 1, 2, 7 };
	static const long long values[] = { 0, -1, 123456789, LLONG_MIN };
	static const char *const strings[] = {
		"", "x", "truncate me please", "0123456",
	};
	char out[4];
	int n;

	reset_counts();
	for (size_t f = 0; f < SV_ARRAY_SIZE(fmts); f++)
		for (size_t v = 0; v < SV_ARRAY_SIZE(values); v++) {
			const char *s = strings[v];
			size_t len = (size_t)compare_trunc(OUT_MAX, fmts[f],
							   values[v], s);

			for (size_t i = 0; i < SV_ARRAY_SIZE(sizes); i++)
				compare_trunc(sizes[i], fmts[f], values[v], s);
			for (size_t size = len; size <= len + 2; size++)
				compare_trunc(size, fmts[f], values[v], s);
		}
	check_counts(SV_ARRAY_SIZE(fmts) * SV_ARRAY_SIZE(values) *
		     (1 + SV_ARRAY_SIZE(sizes) + 3));

	/* Size 0 with no buffer at all: only the length comes back. */
	SV_CHECK_EQ_I64(sv_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	SV_CHECK_EQ_I64(unchecked_snprintf(NULL, 0, ""), 0);
	/* The first size-1 bytes, then the NUL. */
	memset(out, CANARY, sizeof(out));
	n = sv_snprintf(out, 3, "%s", "hello");
	SV_CHECK_EQ_I64(n, 5);
	SV_CHECK_STR_EQ(out, "he");
	SV_CHECK_EQ_U64((unsigned char)out[3], CANARY);
}

/* Literal copies where glibc has no behaviour to compare with. */
static void test_unknown_conversions(void)
{
	char out[64];
	int n;

	n = unchecked_snprintf(out, sizeof(out), "a%yb");
	SV_CHECK_EQ_I64(n, 4);
	SV_CHECK_STR_EQ(out, "a%yb");
	n = unchecked_snprintf(out, sizeof(out), "[%-08.3lly]");
	SV_CHECK_STR_EQ(out, "[%-08.3lly]");
	SV_CHECK_EQ_I64(n, 11);
	/* %n writes nothing anywhere: it is not supported. */
	n = unchecked_snprintf(out, sizeof(out), "x%ny");
	SV_CHECK_STR_EQ(out, "x%ny");
	/* A '%' that ends the format comes out as it is. */
	n = unchecked_snprintf(out, sizeof(out), "100%");
	SV_CHECK_STR_EQ(out, "100%");
	SV_CHECK_EQ_I64(n, 4);
	n = unchecked_snprintf(out, sizeof(out), "%-5");
	SV_CHECK_STR_EQ(out, "%-5");
	/* A width that does not fit an int is refused, as glibc does. */
	n = unchecked_snprintf(out, sizeof(out), "a%99999999999db", 1);
	SV_CHECK_EQ_I64(n, -1);
	SV_CHECK_STR_EQ(out, "a");
	n = unchecked_snprintf(out, sizeof(out), "%*d", INT_MIN, 1);
	SV_CHECK_EQ_I64(n, -1);
}

/* sv_vformat into a sink that keeps every chunk. */
struct collector {
	char buf[8192];
	size_t len;
	unsigned chunks;
	unsigned empty_chunks;
	bool overflow;
};

static void collect(void *ctx, const char *s, size_t n)
{
	struct collector *c = ctx;

	c->chunks++;
	if (n == 0)
		c->empty_chunks++;
	if (n > sizeof(c->buf) - c->len) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

static int format_to(struct collector *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	n = sv_vformat(collect, c, fmt, ap);
	va_end(ap);
	return n;
}

static void check_sink(int line, struct collector *c, int ret,
		       const char *expected)
{
	size_t len = strlen(expected);

	if (ret < 0 || (size_t)ret != len || c->len != len || c->overflow ||
	    memcmp(c->buf, expected, len) != 0 || c->empty_chunks) {
		char a[160], b[160];

		SV_TEST_FAIL_(__FILE__, line,
			"sink got \"%s\" (%zu bytes, return %d, %u empty chunks), "
			"expected \"%s\" (%zu)",
			escape(c->buf, c->len < 60 ? c->len : 60, a, sizeof(a)),
			c->len, ret, c->empty_chunks,
			escape(expected, len < 60 ? len : 60, b, sizeof(b)), len);
	} else {
		CU_PASS("sink output");
	}
}

static void test_vformat_sink(void)
{
	static struct collector c;
	char expected[8192], big[3000];
	int n;

	n = format_to(&c, "");
	check_sink(__LINE__, &c, n, "");
	SV_CHECK_EQ_U64(c.chunks, 0);

	n = format_to(&c, "id=%d name=%-8s|%#x", 7, "vm0", 255u);
	snprintf(expected, sizeof(expected), "id=%d name=%-8s|%#x", 7, "vm0",
		 255u);
	check_sink(__LINE__, &c, n, expected);

	/* No length limit: output far longer than any internal buffer. */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = format_to(&c, "<%1000d|%-700s|%s|%.1500d>", -3, "pad", big, 9);
	snprintf(expected, sizeof(expected), "<%1000d|%-700s|%s|%.1500d>", -3,
		 "pad", big, 9);
	check_sink(__LINE__, &c, n, expected);
	SV_CHECK(c.chunks > 1);

	/* sv_vsnprintf agrees on the same long output, cut to its buffer. */
	{
		char small[100];

		n = sv_snprintf(small, sizeof(small), "<%1000d|%-700s|%s|%.1500d>",
				-3, "pad", big, 9);
		SV_CHECK_EQ_I64(n, (int)strlen(expected));
		SV_CHECK(memcmp(small, expected, sizeof(small) - 1) == 0);
		SV_CHECK_EQ_U64(small[sizeof(small) - 1], 0);
	}
}

/* sv_printf goes to host_console_write, which on Linux writes to stdout. */
static void test_printf(void)
{
	char got[1024], expected[1024];
	int fds[2], saved, n;
	ssize_t r;

	if (pipe(fds) != 0) {
		SV_TEST_FAIL_(__FILE__, __LINE__, "pipe failed");
		return;
	}
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fds[1], STDOUT_FILENO);
	/* Longer than sv_printf's buffer, so it flushes on the way. */
	n = sv_printf("panic-free %s %d %300s|\n", "output", 42, "padded");
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fds[1]);
	r = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	got[r > 0 ? r : 0] = '\0';

	snprintf(expected, sizeof(expected), "panic-free %s %d %300s|\n",
		 "output", 42, "padded");
	SV_CHECK_EQ_I64(n, (int)strlen(expected));
	/* Too long for SV_CHECK_STR_EQ's message: compare, then show a diff. */
	SV_CHECK_EQ_U64(strlen(got), strlen(expected));
	SV_CHECK(strcmp(got, expected) == 0);
}

CU_TestInfo sv_tests_format[] = {
	{ "integers_vs_glibc", test_integers },
	{ "strings_chars_vs_glibc", test_strings_and_chars },
	{ "pointers_percent_vs_glibc", test_pointers_and_percent },
	{ "star_vs_glibc", test_star },
	{ "mixed_vs_glibc", test_mixed },
	{ "truncation_vs_glibc", test_truncation },
	{ "unknown_conversions", test_unknown_conversions },
	{ "vformat_sink", test_vformat_sink },
	{ "printf", test_printf },
	CU_TEST_INFO_NULL,
};
