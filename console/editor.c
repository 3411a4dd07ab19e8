/*
 * The console's line editor: bytes in, one edited line out to
 * console_run (commands.c) on Enter.
 *
 * It understands printable ASCII, backspace and DEL, Ctrl-C (drop the
 * line), Ctrl-U (erase it), CR, LF or CR LF for Enter, and the arrow keys
 * up and down (ESC [ A / ESC [ B, or ESC O A / ESC O B in a terminal's
 * application mode) to walk a ring of the last CONSOLE_HISTORY lines.
 * Other escape sequences are read to their final byte and dropped, other
 * control bytes and bytes above 0x7f are ignored: the editor keeps no
 * state that input can grow, so no byte stream can overflow it.
 *
 * Redrawing uses only backspace, space and text, which every terminal
 * and the VGA text console understand.
 */
#include "sv/console.h"
#include "sv/string.h"

enum {
	KEY_CTRL_C = 0x03,
	KEY_CTRL_G = 0x07,	/* BEL */
	KEY_BACKSPACE = 0x08,
	KEY_LF = 0x0a,
	KEY_CR = 0x0d,
	KEY_CTRL_U = 0x15,
	KEY_ESC = 0x1b,
	KEY_DEL = 0x7f,
	CSI_UP = 'A',
	CSI_DOWN = 'B',
};

void console_write(struct console *con, const char *buf, size_t len)
{
	if (len)
		con->host.write(con->host.ctx, buf, len);
}

void console_async_write(struct console *con, const char *buf, size_t len)
{
	if (!con->running && !con->attached && !con->async_broke) {
		console_write(con, "\n", 1);
		con->async_broke = true;
	}
	console_write(con, buf, len);
}

void console_redraw(struct console *con)
{
	if (!con->async_broke)
		return;
	con->async_broke = false;
	console_start(con);
	console_write(con, con->line, con->len);
}

int console_printf(struct console *con, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sv_vformat(con->host.write, con->host.ctx, fmt, ap);
	va_end(ap);
	return n;
}

void console_init(struct console *con, struct sv_vfs *vfs,
		  const struct console_host *host)
{
	sv_memset(con, 0, sizeof(*con));
	con->host = *host;
	con->vfs = vfs;
	vfs_fdtable_init(&con->fds);
}

void console_fini(struct console *con)
{
	vfs_fdtable_close_all(&con->fds);
}

void console_start(struct console *con)
{
	console_printf(con, "%s", CONSOLE_PROMPT);
}

size_t console_line_len(const struct console *con)
{
	return con->len;
}

static void erase_chars(struct console *con, size_t n)
{
	while (n--)
		console_write(con, "\b \b", 3);
}

/* Show text instead of the current line. */
static void replace_line(struct console *con, const char *text)
{
	erase_chars(con, con->len);
	con->len = sv_strlcpy(con->line, text, sizeof(con->line));
	if (con->len > CONSOLE_LINE_MAX)
		con->len = CONSOLE_LINE_MAX;
	console_write(con, con->line, con->len);
}

/* The k-th latest history line, 1 <= k <= hist_count. */
static const char *hist_line(const struct console *con, size_t k)
{
	return con->hist[(con->hist_next + CONSOLE_HISTORY - k) %
			 CONSOLE_HISTORY];
}

static void hist_add(struct console *con)
{
	if (!con->len)
		return;
	if (con->hist_count && !sv_strcmp(hist_line(con, 1), con->line))
		return;		/* the same command again: keep it once */
	sv_memcpy(con->hist[con->hist_next], con->line, con->len + 1);
	con->hist_next = (con->hist_next + 1) % CONSOLE_HISTORY;
	if (con->hist_count < CONSOLE_HISTORY)
		con->hist_count++;
}

static void hist_move(struct console *con, bool older)
{
	size_t pos = con->hist_pos;

	if (older && pos < con->hist_count)
		pos++;
	else if (!older && pos > 0)
		pos--;
	else {
		console_write(con, "\a", 1);
		return;
	}
	if (con->hist_pos == 0)	/* leaving the line being typed */
		sv_memcpy(con->saved, con->line, con->len + 1);
	con->hist_pos = pos;
	replace_line(con, pos ? hist_line(con, pos) : con->saved);
}

static void new_line(struct console *con)
{
	con->len = 0;
	con->line[0] = '\0';
	con->hist_pos = 0;
}

static void enter(struct console *con)
{
	console_write(con, "\n", 1);
	con->line[con->len] = '\0';
	hist_add(con);
	sv_memcpy(con->saved, con->line, con->len + 1);
	new_line(con);
	con->running = true;
	con->last_status = console_run(con, con->saved);
	con->running = false;
	if (!con->attached)
		console_start(con);
}

/* After ESC, ESC [ or ESC O: true when the byte was part of a sequence. */
static bool escape_byte(struct console *con, uint8_t byte)
{
	switch (con->esc) {
	case CONSOLE_ESC_NONE:
		return false;
	case CONSOLE_ESC_ESC:
		con->esc = byte == '[' || byte == 'O' ? CONSOLE_ESC_CSI
						      : CONSOLE_ESC_NONE;
		return true;	/* ESC x for other x: both dropped */
	case CONSOLE_ESC_CSI:
		if (byte >= 0x20 && byte <= 0x3f)
			return true;	/* parameter/intermediate: skip */
		con->esc = CONSOLE_ESC_NONE;
		if (byte == CSI_UP)
			hist_move(con, true);
		else if (byte == CSI_DOWN)
			hist_move(con, false);
		/* a control byte cuts the sequence short and counts itself */
		return byte >= 0x40;
	}
	return false;
}

static void attached_input(struct console *con, uint8_t byte)
{
	const struct console_vm_ops *vm = con->host.vm;

	if (byte != CONSOLE_DETACH_BYTE) {
		vm->serial_in(con->host.ctx, byte);
		return;
	}
	vm->detach(con->host.ctx);
	con->attached = false;
	console_printf(con, "\n[detached]\n");
	console_start(con);
}

void console_vm_ended(struct console *con, const char *name)
{
	if (!con->attached)
		return;
	con->attached = false;
	console_printf(con, "[detached: VM %s ended]\n", name);
	console_start(con);
}

void console_input(struct console *con, uint8_t byte)
{
	bool was_cr = con->last_cr;

	if (con->attached) {
		attached_input(con, byte);
		return;
	}
	console_redraw(con);
	con->last_cr = byte == KEY_CR;
	if (escape_byte(con, byte))
		return;
	switch (byte) {
	case KEY_ESC:
		con->esc = CONSOLE_ESC_ESC;
		return;
	case KEY_CR:
		enter(con);
		return;
	case KEY_LF:
		if (!was_cr)
			enter(con);
		return;
	case KEY_BACKSPACE:
	case KEY_DEL:
		if (con->len) {
			con->len--;
			con->line[con->len] = '\0';
			erase_chars(con, 1);
		}
		return;
	case KEY_CTRL_C:
		console_write(con, "^C\n", 3);
		new_line(con);
		console_start(con);
		return;
	case KEY_CTRL_U:
		erase_chars(con, con->len);
		new_line(con);
		return;
	default:
		break;
	}
	if (byte < 0x20 || byte > 0x7e)
		return;		/* other controls, non-ASCII: ignored */
	if (con->len == CONSOLE_LINE_MAX) {
		console_write(con, "\a", 1);
		return;
	}
	con->line[con->len++] = (char)byte;
	con->line[con->len] = '\0';
	console_write(con, (const char *)&byte, 1);
}
