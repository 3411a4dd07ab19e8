/*
 * VGA text console (vga.h). Register names follow IBM's VGA technical
 * reference: the Miscellaneous Output register picks the colour (0x3Dx) or
 * monochrome (0x3Bx) I/O map, and the CRTC's Cursor Location High/Low
 * registers (0x0E/0x0F) place the cursor, Cursor Start (0x0A) shows it.
 */
#include "vga.h"

#include "paging.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "x86.h"

#define VGA_MISC_OUTPUT_READ	0x3cc
#define MISC_IOAS		0x01	/* I/O address select: colour map */
#define VGA_CRTC_INDEX_COLOR	0x3d4
#define VGA_CRTC_INDEX_MONO	0x3b4
#define VGA_CRTC_DATA_OFFSET	1

#define VGA_TEXT_COLOR_PHYS	0xb8000
#define VGA_TEXT_MONO_PHYS	0xb0000

enum crtc_reg {
	CRTC_CURSOR_START = 0x0a,
	CRTC_CURSOR_END = 0x0b,
	CRTC_START_ADDR_HIGH = 0x0c,
	CRTC_START_ADDR_LOW = 0x0d,
	CRTC_CURSOR_LOC_HIGH = 0x0e,
	CRTC_CURSOR_LOC_LOW = 0x0f,
};

#define CURSOR_START_DISABLE	0x20
#define CURSOR_SCANLINE_MASK	0x1f
#define CURSOR_FIRST_LINE	14	/* an underline cursor in a 16-line cell */
#define CURSOR_LAST_LINE	15

/* attribute byte: background in bits 4-6, foreground in bits 0-3 */
#define ATTR_LIGHT_GREY_ON_BLACK 0x07
#define CELL(attr, ch) ((uint16_t)((uint16_t)(attr) << 8 | (uint8_t)(ch)))
#define CELL_CHAR(cell) ((char)((cell) & 0xff))
#define CELL_ATTR(cell) ((uint8_t)((cell) >> 8))

#define TAB_WIDTH 8
#define PROBE_CURSOR_POS 0x0123	/* any position on the screen */
#define PROBE_CELL CELL(0x1e, 'V')

/*
 * The text buffer through the direct map of physical memory (paging.h),
 * which covers the legacy VGA window from boot on. Its caching comes from
 * the firmware's fixed-range MTRRs, which make 0xa0000-0xbffff uncached.
 */
static volatile uint16_t *text_buffer(uint64_t phys)
{
	return (volatile uint16_t *)paging_phys_to_virt(phys);
}

static uint8_t crtc_read(const struct vga_console *v, enum crtc_reg reg)
{
	outb(v->crtc_index, reg);
	return inb((uint16_t)(v->crtc_index + VGA_CRTC_DATA_OFFSET));
}

static void crtc_write(const struct vga_console *v, enum crtc_reg reg,
		       uint8_t val)
{
	outb(v->crtc_index, reg);
	outb((uint16_t)(v->crtc_index + VGA_CRTC_DATA_OFFSET), val);
}

static void cursor_set(const struct vga_console *v, unsigned pos)
{
	crtc_write(v, CRTC_CURSOR_LOC_HIGH, (uint8_t)(pos >> 8));
	crtc_write(v, CRTC_CURSOR_LOC_LOW, (uint8_t)pos);
}

static unsigned cursor_get(const struct vga_console *v)
{
	return (unsigned)crtc_read(v, CRTC_CURSOR_LOC_HIGH) << 8 |
	       crtc_read(v, CRTC_CURSOR_LOC_LOW);
}

static void clear_row(struct vga_console *v, unsigned row)
{
	for (unsigned c = 0; c < VGA_COLS; c++)
		v->cells[row * VGA_COLS + c] = CELL(v->attr, ' ');
}

static void scroll_up(struct vga_console *v)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		v->cells[i] = v->cells[i + VGA_COLS];
	clear_row(v, VGA_ROWS - 1);
}

static void newline(struct vga_console *v)
{
	v->col = 0;
	if (++v->row == VGA_ROWS) {
		scroll_up(v);
		v->row = VGA_ROWS - 1;
	}
}

static void put_char(struct vga_console *v, char ch)
{
	switch (ch) {
	case '\n':
		newline(v);
		return;
	case '\r':
		v->col = 0;
		return;
	case '\b':
		if (v->col)
			v->col--;
		return;
	case '\t':
		do
			put_char(v, ' ');
		while (v->col % TAB_WIDTH);
		return;
	default:
		break;
	}
	if (ch < ' ' || ch > '~')
		return;		/* other control bytes show nothing */
	if (v->col == VGA_COLS)
		newline(v);	/* wrap before, so a full line leaves no gap */
	v->cells[v->row * VGA_COLS + v->col++] = CELL(v->attr, ch);
}

/* Where the cursor shows: after a full line it waits at the next one. */
static void cursor_update(struct vga_console *v)
{
	unsigned col = v->col == VGA_COLS ? VGA_COLS - 1 : v->col;

	cursor_set(v, v->row * VGA_COLS + col);
}

static int vga_write(struct sv_chardev *dev, const void *buf, size_t len)
{
	struct vga_console *v = sv_container_of(dev, struct vga_console, cdev);
	const char *p = buf;

	for (size_t i = 0; i < len; i++)
		put_char(v, p[i]);
	cursor_update(v);
	return (int)len;
}

static const struct sv_chardev_ops vga_ops = {
	.write = vga_write,
};

void vga_clear(struct vga_console *v)
{
	for (unsigned r = 0; r < VGA_ROWS; r++)
		clear_row(v, r);
	v->row = v->col = 0;
	cursor_update(v);
}

int vga_init(struct vga_console *v, const char *name)
{
	uint16_t saved;

	v->cdev.name = name;
	v->cdev.ops = &vga_ops;
	v->mono = !(inb(VGA_MISC_OUTPUT_READ) & MISC_IOAS);
	v->crtc_index = v->mono ? VGA_CRTC_INDEX_MONO : VGA_CRTC_INDEX_COLOR;
	v->cells = text_buffer(v->mono ? VGA_TEXT_MONO_PHYS :
					 VGA_TEXT_COLOR_PHYS);
	v->attr = ATTR_LIGHT_GREY_ON_BLACK;

	/* The cursor location is a read/write register: a way to know a
	 * CRTC is there. Then one cell of text memory. */
	cursor_set(v, PROBE_CURSOR_POS);
	if (cursor_get(v) != PROBE_CURSOR_POS)
		return -SV_ENODEV;
	saved = v->cells[0];
	v->cells[0] = PROBE_CELL;
	if (v->cells[0] != PROBE_CELL)
		return -SV_ENODEV;
	v->cells[0] = saved;

	/* show from the start of text memory, with an underline cursor */
	crtc_write(v, CRTC_START_ADDR_HIGH, 0);
	crtc_write(v, CRTC_START_ADDR_LOW, 0);
	crtc_write(v, CRTC_CURSOR_START,
		   (uint8_t)((crtc_read(v, CRTC_CURSOR_START) &
			      ~(CURSOR_START_DISABLE | CURSOR_SCANLINE_MASK)) |
			     CURSOR_FIRST_LINE));
	crtc_write(v, CRTC_CURSOR_END,
		   (uint8_t)((crtc_read(v, CRTC_CURSOR_END) &
			      ~CURSOR_SCANLINE_MASK) | CURSOR_LAST_LINE));
	vga_clear(v);
	return 0;
}

/* Does row hold text (then blanks) in the console's colours? */
static bool row_is(const struct vga_console *v, unsigned row, const char *text)
{
	size_t len = sv_strlen(text);

	for (unsigned c = 0; c < VGA_COLS; c++) {
		uint16_t cell = v->cells[row * VGA_COLS + c];
		char want = c < len ? text[c] : ' ';

		if (CELL_CHAR(cell) != want || CELL_ATTR(cell) != v->attr)
			return false;
	}
	return true;
}

#define SELFTEST_LINES (VGA_ROWS + 5)

int vga_selftest(struct vga_console *v, const char **why)
{
	char line[16];
	unsigned first;
	int err = 0;

	vga_clear(v);
	for (unsigned i = 0; i < SELFTEST_LINES && !err; i++) {
		int n = sv_snprintf(line, sizeof(line), "line %02u\n", i);

		if (chardev_write(&v->cdev, line, (size_t)n) != n) {
			*why = "short write";
			err = -SV_EIO;
		}
	}
	/* the last line ended in "\n": the bottom row is blank and the
	 * rows above hold the last VGA_ROWS - 1 lines */
	first = SELFTEST_LINES - (VGA_ROWS - 1);
	for (unsigned r = 0; r < VGA_ROWS - 1 && !err; r++) {
		sv_snprintf(line, sizeof(line), "line %02u", first + r);
		if (!row_is(v, r, line)) {
			*why = "text memory does not hold the scrolled lines";
			err = -SV_EIO;
		}
	}
	if (!err && !row_is(v, VGA_ROWS - 1, "")) {
		*why = "bottom row not blank after scrolling";
		err = -SV_EIO;
	}
	if (!err && cursor_get(v) != (VGA_ROWS - 1) * VGA_COLS) {
		*why = "CRTC cursor not at the start of the bottom row";
		err = -SV_EIO;
	}
	if (!err && (chardev_write(&v->cdev, "\tx", 2) != 2 ||
		     cursor_get(v) != (VGA_ROWS - 1) * VGA_COLS + TAB_WIDTH + 1)) {
		*why = "CRTC cursor did not follow a tab";
		err = -SV_EIO;
	}
	vga_clear(v);
	return err;
}
