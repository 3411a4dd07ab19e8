/*
 * The formatter behind sv_snprintf, sv_printf and the log printers
 * (contract in sv/format.h).
 *
 * One engine, sv_vformat, parses the format and hands its output to a sink
 * in chunks: literal runs straight from the format string, padding from a
 * constant row of spaces or zeros, converted numbers from a small buffer on
 * the stack. sv_vsnprintf is that engine with a sink that fills a bounded
 * buffer, and sv_printf the engine with a sink that batches writes to the
 * host console, so all of them format alike.
 *
 * Where C99 leaves a case open, the output follows glibc, since the unit
 * tests compare against it: "(null)" for a NULL %s (only when the precision
 * allows all six characters, else nothing), "(nil)" for a NULL %p, %p as
 * %#lx that also honours '+' and ' ', and '0' ignored by %c, %s and %%.
 */
#include "sv/format.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/host.h"
#include "sv/string.h"

/* %zd and %tu read the type of the other signedness at the same width. */
SV_STATIC_ASSERT(sizeof(size_t) == sizeof(ptrdiff_t),
		 "size_t and ptrdiff_t differ in width");

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

#define FL_LEFT  SV_BIT(0)	/* '-' */
#define FL_ZERO  SV_BIT(1)	/* '0' */
#define FL_PLUS  SV_BIT(2)	/* '+' */
#define FL_SPACE SV_BIT(3)	/* ' ' */
#define FL_ALT   SV_BIT(4)	/* '#' */

/* One parsed conversion specification. */
struct spec {
	unsigned flags;
	size_t width;		/* 0 when none */
	int prec;		/* -1 when none */
	enum fmt_length length;
	char conv;		/* the conversion character, '\0' at the end */
};

/* The engine's output side: a sink and the running count. */
struct out {
	sv_sink_fn sink;
	void *ctx;
	size_t count;
	bool failed;		/* the count would pass INT_MAX */
};

/* Reserve n more bytes of output; false (and failed) past INT_MAX. */
static bool out_reserve(struct out *o, size_t n)
{
	if (o->failed || n > (size_t)INT_MAX - o->count) {
		o->failed = true;
		return false;
	}
	o->count += n;
	return true;
}

static void out_put(struct out *o, const char *s, size_t n)
{
	if (n > 0 && out_reserve(o, n))
		o->sink(o->ctx, s, n);
}

static void out_pad(struct out *o, char c, size_t n)
{
	static const char spaces[] = "                                ";
	static const char zeros[] = "00000000000000000000000000000000";
	const char *row = c == '0' ? zeros : spaces;

	SV_STATIC_ASSERT(sizeof(spaces) == sizeof(zeros), "pad rows differ");
	if (n == 0 || !out_reserve(o, n))
		return;
	while (n > 0) {
		size_t k = SV_MIN(n, sizeof(spaces) - 1);

		o->sink(o->ctx, row, k);
		n -= k;
	}
}

/* s[0..len) in a field of sp->width, spaces on the left or ('-') right. */
static void emit_padded(struct out *o, const struct spec *sp, const char *s,
			size_t len)
{
	size_t pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & FL_LEFT))
		out_pad(o, ' ', pad);
	out_put(o, s, len);
	if (sp->flags & FL_LEFT)
		out_pad(o, ' ', pad);
}

/*
 * An integer conversion of magnitude mag: [spaces][sign][0x][zeros]digits
 * [spaces]. Zeros come from the precision, or from the width under '0' when
 * there is no precision and no '-'.
 */
static void emit_number(struct out *o, const struct spec *sp, uintmax_t mag,
			bool negative)
{
	const char *digit_set = sp->conv == 'X' ? "0123456789ABCDEF"
						: "0123456789abcdef";
	bool decimal = sp->conv == 'd' || sp->conv == 'i' || sp->conv == 'u';
	unsigned base = sp->conv == 'o' ? 8 : (decimal ? 10 : 16);
	/* '+' and ' ' apply to signed conversions, and (glibc) to %p. */
	bool is_signed = sp->conv == 'd' || sp->conv == 'i' || sp->conv == 'p';
	bool nonzero = mag != 0;
	char digits[24];	/* 64 bits in octal take 22 */
	char *end = digits + sizeof(digits), *p = end;
	char prefix[3];
	size_t nprefix = 0, ndigits, nzeros = 0, total;

	/* Precision 0 prints no digits for 0 (C99 7.19.6.1). */
	if (nonzero || sp->prec != 0) {
		do {
			*--p = digit_set[mag % base];
			mag /= base;
		} while (mag != 0);
	}
	ndigits = (size_t)(end - p);

	if (negative)
		prefix[nprefix++] = '-';
	else if (is_signed && (sp->flags & FL_PLUS))
		prefix[nprefix++] = '+';
	else if (is_signed && (sp->flags & FL_SPACE))
		prefix[nprefix++] = ' ';
	/* "0x" only for a non-zero value; %p never gets here with NULL. */
	if (sp->conv == 'p' || ((sp->flags & FL_ALT) && base == 16 && nonzero)) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->conv == 'X' ? 'X' : 'x';
	}

	if (sp->prec > 0 && (size_t)sp->prec > ndigits)
		nzeros = (size_t)sp->prec - ndigits;
	/* %#o: the first digit printed must be a 0. */
	if ((sp->flags & FL_ALT) && base == 8 && nzeros == 0 &&
	    (ndigits == 0 || *p != '0'))
		nzeros = 1;
	total = nprefix + nzeros + ndigits;
	if ((sp->flags & (FL_ZERO | FL_LEFT)) == FL_ZERO && sp->prec < 0 &&
	    sp->width > total) {
		nzeros += sp->width - total;
		total = sp->width;
	}

	if (!(sp->flags & FL_LEFT) && sp->width > total)
		out_pad(o, ' ', sp->width - total);
	out_put(o, prefix, nprefix);
	out_pad(o, '0', nzeros);
	out_put(o, p, ndigits);
	if ((sp->flags & FL_LEFT) && sp->width > total)
		out_pad(o, ' ', sp->width - total);
}

static uintmax_t fetch_unsigned(va_list *ap, enum fmt_length length)
{
	switch (length) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_T:  return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	case LEN_NONE: break;
	}
	return va_arg(*ap, unsigned int);
}

static intmax_t fetch_signed(va_list *ap, enum fmt_length length)
{
	switch (length) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return (ptrdiff_t)va_arg(*ap, size_t);
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	case LEN_NONE: break;
	}
	return va_arg(*ap, int);
}

/* Decimal digits at *f as an int; false when the value passes INT_MAX. */
static bool parse_int(const char **f, int *value)
{
	int v = 0;

	for (; **f >= '0' && **f <= '9'; (*f)++) {
		int d = **f - '0';

		if (v > (INT_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*value = v;
	return true;
}

/*
 * Parse the specification after a '%' (f points past it), taking '*'
 * arguments from ap. Returns the position after the conversion character
 * (or at the terminating NUL), or NULL when a width or precision does not
 * fit an int, which glibc also refuses.
 */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	int n;

	sp->flags = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= FL_LEFT;
		else if (*f == '0')
			sp->flags |= FL_ZERO;
		else if (*f == '+')
			sp->flags |= FL_PLUS;
		else if (*f == ' ')
			sp->flags |= FL_SPACE;
		else if (*f == '#')
			sp->flags |= FL_ALT;
		else
			break;
	}

	if (*f == '*') {
		f++;
		n = va_arg(*ap, int);
		if (n < 0) {
			/* A negative '*' width is a '-' flag and a width. */
			if (n == INT_MIN)
				return NULL;
			sp->flags |= FL_LEFT;
			n = -n;
		}
	} else if (!parse_int(&f, &n)) {
		return NULL;
	}
	sp->width = (size_t)n;

	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			f++;
			n = va_arg(*ap, int);
			sp->prec = n < 0 ? -1 : n;	/* negative: as if none */
		} else if (parse_int(&f, &n)) {
			sp->prec = n;
		} else {
			return NULL;
		}
	}

	sp->length = LEN_NONE;
	switch (*f) {
	case 'h':
		f++;
		sp->length = LEN_H;
		if (*f == 'h') {
			f++;
			sp->length = LEN_HH;
		}
		break;
	case 'l':
		f++;
		sp->length = LEN_L;
		if (*f == 'l') {
			f++;
			sp->length = LEN_LL;
		}
		break;
	case 'z': f++; sp->length = LEN_Z; break;
	case 't': f++; sp->length = LEN_T; break;
	case 'j': f++; sp->length = LEN_J; break;
	default: break;
	}

	sp->conv = *f;
	return *f ? f + 1 : f;
}

/* Emit one conversion; false for a character this formatter does not know. */
static bool emit_conversion(struct out *o, const struct spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(ap, sp->length);

		/* Negate as unsigned: -INTMAX_MIN does not exist. */
		emit_number(o, sp, v < 0 ? -(uintmax_t)v : (uintmax_t)v, v < 0);
		return true;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		emit_number(o, sp, fetch_unsigned(ap, sp->length), false);
		return true;
	case 'p': {
		const void *ptr = va_arg(*ap, const void *);

		if (ptr)
			emit_number(o, sp, (uintptr_t)ptr, false);
		else
			emit_padded(o, sp, "(nil)", 5);
		return true;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		emit_padded(o, sp, &c, 1);
		return true;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = sp->prec < 0 || sp->prec >= 6 ? "(null)" : "";
		emit_padded(o, sp, s, sp->prec < 0 ? sv_strlen(s) :
				      sv_strnlen(s, (size_t)sp->prec));
		return true;
	}
	case '%':
		out_put(o, "%", 1);
		return true;
	default:
		return false;
	}
}

int sv_vformat(sv_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { .sink = sink, .ctx = ctx, .count = 0, .failed = false };
	const char *f = fmt;
	va_list args;

	/* A copy, so that its address can be handed down (va_list may be an array). */
	va_copy(args, ap);
	while (*f && !o.failed) {
		const char *start = f;
		struct spec sp;

		if (*f != '%') {
			while (*f && *f != '%')
				f++;
			out_put(&o, start, (size_t)(f - start));
			continue;
		}
		f = parse_spec(f + 1, &sp, &args);
		if (!f) {
			o.failed = true;
			break;
		}
		/* Unknown, or a '%' that ends the format: copy it through. */
		if (!emit_conversion(&o, &sp, &args))
			out_put(&o, start, (size_t)(f - start));
	}
	va_end(args);
	return o.failed ? -1 : (int)o.count;
}

/* sv_vsnprintf's sink: keep what fits in size-1 bytes, drop the rest. */
struct buf_sink {
	char *buf;
	size_t size;
	size_t len;
};

static void buf_sink_write(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	size_t room = b->size > 0 ? b->size - 1 - b->len : 0;

	n = SV_MIN(n, room);
	if (n > 0) {	/* buf may be NULL when size is 0 */
		sv_memcpy(b->buf + b->len, s, n);
		b->len += n;
	}
}

int sv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { .buf = buf, .size = size, .len = 0 };
	int ret = sv_vformat(buf_sink_write, &b, fmt, ap);

	if (size > 0)
		buf[b.len] = '\0';
	return ret;
}

int sv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * sv_printf's sink: gathers chunks in a small buffer so the host sees a few
 * writes per call (one write(2) each on Linux) rather than one per field.
 */
struct console_sink {
	size_t len;
	char buf[128];
};

static void console_flush(struct console_sink *c)
{
	if (c->len > 0)
		host_console_write(c->buf, c->len);
	c->len = 0;
}

static void console_sink_write(void *ctx, const char *s, size_t n)
{
	struct console_sink *c = ctx;

	while (n > 0) {
		size_t k = SV_MIN(n, sizeof(c->buf) - c->len);

		sv_memcpy(c->buf + c->len, s, k);
		c->len += k;
		s += k;
		n -= k;
		if (c->len == sizeof(c->buf))
			console_flush(c);
	}
}

int sv_format(sv_sink_fn sink, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sv_vformat(sink, ctx, fmt, ap);
	va_end(ap);
	return ret;
}

int sv_printf(const char *fmt, ...)
{
	struct console_sink c;
	va_list ap;
	int ret;

	c.len = 0;	/* the buffer itself needs no clearing */
	va_start(ap, fmt);
	ret = sv_vformat(console_sink_write, &c, fmt, ap);
	va_end(ap);
	console_flush(&c);
	return ret;
}
