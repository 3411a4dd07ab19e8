/*
 * The console's command-line parser: one line into words, the way a small
 * shell splits them. Blanks separate words; "..." keeps blanks in a word;
 * a backslash takes the next byte literally (\n and \t name a new line and
 * a tab). The result never outgrows the input, so a buffer one byte longer
 * than the line always suffices; the size is checked all the same.
 */
#include "sv/console.h"
#include "sv/errno.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	default:
		return c;
	}
}

static int parse_fail(const char **err, const char *why, int code)
{
	if (err)
		*err = why;
	return code;
}

int console_parse(const char *line, char *buf, size_t size, char **argv,
		  int max, const char **err)
{
	const char *p = line;
	size_t out = 0;
	int argc = 0;

	if (err)
		*err = NULL;
	for (;;) {
		bool quoted = false;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		if (argc == max)
			return parse_fail(err, "too many words", -SV_E2BIG);
		argv[argc++] = buf + out;
		while (*p && (quoted || !is_blank(*p))) {
			char c = *p++;

			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (c == '\\') {
				if (!*p)
					return parse_fail(err, "backslash at end of line",
							  -SV_EINVAL);
				c = unescape(*p++);
			}
			if (out + 1 >= size)
				return parse_fail(err, "line too long",
						  -SV_ENAMETOOLONG);
			buf[out++] = c;
		}
		if (quoted)
			return parse_fail(err, "unterminated quote", -SV_EINVAL);
		if (out + 1 > size)
			return parse_fail(err, "line too long", -SV_ENAMETOOLONG);
		buf[out++] = '\0';
	}
	return argc;
}
