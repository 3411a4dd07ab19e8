/*
 * fsck.svfs [-n|-y] IMAGE: check an svfs image; with -y repair what can
 * be repaired (the default is -n: check only, change nothing). Exit codes
 * as e2fsck: 0 clean, 1 errors fixed, 4 errors left, 8 operational error
 * (cannot open or read the image), 16 usage.
 */
#include <stdio.h>
#include <string.h>

#include "sv/errno.h"
#include "svfs_image.h"

enum { EXIT_OPERATIONAL = 8, EXIT_USAGE = 16 };

static void print_line(void *ctx, const char *line)
{
	printf("%s: %s\n", (const char *)ctx, line);
}

int main(int argc, char **argv)
{
	struct svfs_image img;
	bool repair = false;
	const char *path = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n"))
			repair = false;
		else if (!strcmp(argv[i], "-y"))
			repair = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: fsck.svfs [-n|-y] IMAGE\n");
		return EXIT_USAGE;
	}
	if (svfs_image_open(&img, path, repair))
		return EXIT_OPERATIONAL;
	r = svfs_fsck(&img.io, &svfs_image_alloc, repair, print_line,
		      (void *)path);
	svfs_image_close(&img);
	if (r < 0) {
		fprintf(stderr, "fsck.svfs: %s: %s\n", path, sv_strerror(r));
		return EXIT_OPERATIONAL;
	}
	printf("%s: %s\n", path, r == SVFS_FSCK_CLEAN ? "clean" :
	       r == SVFS_FSCK_FIXED ? "errors fixed" : "errors left");
	return r;
}
