/* Helpers shared by the smartvm subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *cli_read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "smartvm: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "smartvm: %s: not a regular file\n", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		fprintf(stderr, "smartvm: %s: %lld bytes, more than the %zu "
			"allowed\n", path, (long long)st.st_size, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fprintf(stderr, "smartvm: %s: out of memory\n", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			fprintf(stderr, "smartvm: %s: short read\n", path);
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

void cli_serial_to_file(void *ctx, uint8_t byte)
{
	FILE *f = ctx;

	putc(byte, f);
	if (byte == '\n')
		fflush(f);
}

void cli_serial_discard(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
}

void cli_sink_stderr(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stderr);
}
