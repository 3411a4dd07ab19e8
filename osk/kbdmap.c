/*
 * Scancode set 1 decoding (sv/kbdmap.h). A set-1 byte is a make code
 * (key pressed, 0x01-0x58) or the same code with bit 7 set (released).
 * Keys added after the XT arrive behind a 0xE0 prefix (right ctrl and alt,
 * the separate cursor block); pause sends E1 1D 45 E1 9D C5 and no break.
 * Sources: the IBM PC AT and PS/2 keyboard technical references, and the
 * scancode tables of "Keyboard scancodes" by Andries Brouwer.
 */
#include "sv/kbdmap.h"

#include "sv/compiler.h"
#include "sv/string.h"

#define SC_BREAK        0x80	/* bit 7: key released */
#define SC_PREFIX_E0    0xe0	/* extended key follows */
#define SC_PREFIX_E1    0xe1	/* pause: 5 more bytes follow */
#define SC_PAUSE_TAIL   5

/* Make codes with a meaning beyond a character. */
enum sc1_key {
	SC1_LCTRL = 0x1d,	/* right ctrl with E0 */
	SC1_LSHIFT = 0x2a,	/* with E0: a fake shift (print screen) */
	SC1_RSHIFT = 0x36,
	SC1_LALT = 0x38,	/* right alt (AltGr) with E0 */
	SC1_CAPS_LOCK = 0x3a,
	SC1_NUM_LOCK = 0x45,
	/* the keypad; with E0 the separate cursor block */
	SC1_KP_7 = 0x47,	/* home */
	SC1_KP_8 = 0x48,	/* up */
	SC1_KP_9 = 0x49,	/* page up */
	SC1_KP_4 = 0x4b,	/* left */
	SC1_KP_6 = 0x4d,	/* right */
	SC1_KP_1 = 0x4f,	/* end */
	SC1_KP_2 = 0x50,	/* down */
	SC1_KP_3 = 0x51,	/* page down */
	SC1_KP_0 = 0x52,	/* insert */
	SC1_KP_DOT = 0x53,	/* delete */
	SC1_KP_ENTER = 0x1c,	/* with E0; plain: the main enter key */
	SC1_KP_SLASH = 0x35,	/* with E0; plain: the '/' key */
	SC1_MAX = 0x59,		/* past F12 (0x58) */
};

#define ASCII_ESC '\x1b'
#define ASCII_CTRL_MASK 0x1f	/* ctrl clears bits 5 and 6 */

/*
 * US layout, by make code: the unshifted and shifted character of each
 * key, 0 for keys without one. Keypad keys are here with their num-lock
 * meaning; the cursor meaning is the sequence table below.
 */
static const char keymap_plain[SC1_MAX] = {
	0, ASCII_ESC, '1', '2', '3', '4', '5', '6',		/* 0x00 */
	'7', '8', '9', '0', '-', '=', '\b', '\t',		/* 0x08 */
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i',			/* 0x10 */
	'o', 'p', '[', ']', '\n', 0, 'a', 's',			/* 0x18 */
	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';',			/* 0x20 */
	'\'', '`', 0, '\\', 'z', 'x', 'c', 'v',			/* 0x28 */
	'b', 'n', 'm', ',', '.', '/', 0, '*',			/* 0x30 */
	0, ' ', 0, 0, 0, 0, 0, 0,				/* 0x38 */
	0, 0, 0, 0, 0, 0, 0, '7',				/* 0x40 */
	'8', '9', '-', '4', '5', '6', '+', '1',			/* 0x48 */
	'2', '3', '0', '.', 0, 0, 0, 0,				/* 0x50 */
	0,							/* 0x58 */
};

static const char keymap_shift[SC1_MAX] = {
	0, ASCII_ESC, '!', '@', '#', '$', '%', '^',		/* 0x00 */
	'&', '*', '(', ')', '_', '+', '\b', '\t',		/* 0x08 */
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I',			/* 0x10 */
	'O', 'P', '{', '}', '\n', 0, 'A', 'S',			/* 0x18 */
	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':',			/* 0x20 */
	'"', '~', 0, '|', 'Z', 'X', 'C', 'V',			/* 0x28 */
	'B', 'N', 'M', '<', '>', '?', 0, '*',			/* 0x30 */
	0, ' ', 0, 0, 0, 0, 0, 0,				/* 0x38 */
	0, 0, 0, 0, 0, 0, 0, '7',				/* 0x40 */
	'8', '9', '-', '4', '5', '6', '+', '1',			/* 0x48 */
	'2', '3', '0', '.', 0, 0, 0, 0,				/* 0x50 */
	0,							/* 0x58 */
};

/* Cursor and editing keys: the terminal sequence each one sends. */
static const char *cursor_sequence(uint8_t make)
{
	switch (make) {
	case SC1_KP_8: return "\x1b[A";
	case SC1_KP_2: return "\x1b[B";
	case SC1_KP_6: return "\x1b[C";
	case SC1_KP_4: return "\x1b[D";
	case SC1_KP_7: return "\x1b[H";
	case SC1_KP_1: return "\x1b[F";
	case SC1_KP_0: return "\x1b[2~";
	case SC1_KP_DOT: return "\x1b[3~";
	case SC1_KP_9: return "\x1b[5~";
	case SC1_KP_3: return "\x1b[6~";
	default: return NULL;
	}
}

void kbdmap_init(struct sv_kbdmap *k)
{
	sv_memset(k, 0, sizeof(*k));
}

static bool is_keypad(uint8_t make)
{
	return make >= SC1_KP_7 && make <= SC1_KP_DOT;
}

/* Track a modifier or lock key; true if make was one. */
static bool track_modifier(struct sv_kbdmap *k, uint8_t make, bool ext,
			   bool down)
{
	switch (make) {
	case SC1_LCTRL:
		*(ext ? &k->rctrl : &k->lctrl) = down;
		return true;
	case SC1_LALT:
		*(ext ? &k->ralt : &k->lalt) = down;
		return true;
	case SC1_LSHIFT:
		if (!ext)	/* E0 2A is a fake shift around print screen */
			k->lshift = down;
		return true;
	case SC1_RSHIFT:
		if (!ext)
			k->rshift = down;
		return true;
	case SC1_CAPS_LOCK:
		if (down && !k->caps_down)
			k->caps_lock = !k->caps_lock;
		k->caps_down = down;
		return true;
	case SC1_NUM_LOCK:
		if (down && !k->num_down)
			k->num_lock = !k->num_lock;
		k->num_down = down;
		return true;
	default:
		return false;
	}
}

/* The character of a pressed key with shift, caps lock and ctrl applied. */
static char key_char(const struct sv_kbdmap *k, uint8_t make)
{
	bool shift = k->lshift || k->rshift;
	char c = shift ? keymap_shift[make] : keymap_plain[make];

	if (k->caps_lock && c >= 'a' && c <= 'z')
		c = keymap_shift[make];
	else if (k->caps_lock && c >= 'A' && c <= 'Z')
		c = keymap_plain[make];
	if ((k->lctrl || k->rctrl) && c) {
		if (c >= 'a' && c <= 'z')
			c = (char)(c & ASCII_CTRL_MASK);
		else if (c >= '@' && c <= '_')
			c = (char)(c & ASCII_CTRL_MASK);
		else if (c == ' ')
			c = 0;	/* ctrl-space is NUL; not delivered */
	}
	return c;
}

static size_t put_seq(char out[SV_KBDMAP_MAX_OUT], const char *seq)
{
	size_t n = sv_strlen(seq);

	sv_memcpy(out, seq, n);
	return n;
}

size_t kbdmap_feed(struct sv_kbdmap *k, uint8_t code,
		   char out[SV_KBDMAP_MAX_OUT])
{
	uint8_t make = code & (uint8_t)~SC_BREAK;
	bool down = !(code & SC_BREAK);
	bool ext = k->extended;
	size_t n = 0;
	char c;

	if (k->skip) {
		k->skip--;
		return 0;
	}
	if (code == SC_PREFIX_E0) {
		k->extended = true;
		return 0;
	}
	if (code == SC_PREFIX_E1) {
		k->skip = SC_PAUSE_TAIL;
		return 0;
	}
	k->extended = false;
	if (track_modifier(k, make, ext, down) || !down || make >= SC1_MAX)
		return 0;

	if (ext) {
		if (make == SC1_KP_ENTER)
			out[n++] = '\n';
		else if (make == SC1_KP_SLASH)
			out[n++] = '/';
		else if (cursor_sequence(make))
			n = put_seq(out, cursor_sequence(make));
		return n;
	}
	if (is_keypad(make) && !k->num_lock && cursor_sequence(make))
		return put_seq(out, cursor_sequence(make));
	c = key_char(k, make);
	if (!c)
		return 0;
	if (k->lalt || k->ralt)
		out[n++] = ASCII_ESC;
	out[n++] = c;
	return n;
}
