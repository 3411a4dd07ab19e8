/*
 * VGA text console (80x25 cells in the text buffer at 0xb8000, or 0xb0000
 * on a monochrome adapter) as a write-only character device ("vga0").
 * Handles "\n", "\r", "\b" and "\t", scrolls at the bottom, and moves the
 * hardware cursor through the CRTC after each write. No escape sequences.
 */
#ifndef SV_BM_DRV_VGA_H
#define SV_BM_DRV_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/driver.h"

#define VGA_COLS 80
#define VGA_ROWS 25

struct vga_console {
	struct sv_chardev cdev;
	volatile uint16_t *cells;	/* VGA_ROWS * VGA_COLS character cells */
	uint16_t crtc_index;		/* CRTC index port; data is +1 */
	bool mono;
	unsigned row, col;
	uint8_t attr;			/* colours of new characters */
};

/*
 * Find the adapter (colour or monochrome I/O map), check that its CRTC
 * and text memory hold what is written, clear the screen and show the
 * cursor. SV_ENODEV when no VGA answers. Does not register the device.
 */
SV_MUST_CHECK int vga_init(struct vga_console *v, const char *name);

/* Blank the screen and home the cursor. */
void vga_clear(struct vga_console *v);

/*
 * Self-check: write more lines than fit, then check the text memory
 * (scrolled contents, attributes) and the CRTC cursor position. Clears the
 * screen afterwards. 0 or SV_EIO with *why naming the check that failed.
 */
SV_MUST_CHECK int vga_selftest(struct vga_console *v, const char **why);

#endif /* SV_BM_DRV_VGA_H */
