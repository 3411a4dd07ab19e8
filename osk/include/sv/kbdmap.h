/*
 * PC keyboard scancode set 1 to characters (US layout), the decoding half
 * of the PS/2 keyboard driver. Pure code over a small state, so the unit
 * tests feed it byte sequences on Linux; the bare-metal driver feeds it the
 * bytes the i8042 controller delivers (with translation on, the controller
 * turns the keyboard's set 2 into set 1).
 *
 * State kept: both shift, ctrl and alt keys, caps lock and num lock (each
 * toggled once per press, not per typematic repeat), and the 0xE0/0xE1
 * prefixes. Output is ASCII: ctrl with a letter or one of @[\]^_ gives the
 * control character, alt prefixes ESC (as xterm's meta does), and cursor
 * and editing keys give the VT100/xterm sequences (ESC [ A for up, ESC [ 3 ~
 * for delete, ...). Function keys, print screen and pause give nothing.
 */
#ifndef SV_KBDMAP_H
#define SV_KBDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most characters one scancode byte can produce (ESC [ 3 ~). */
#define SV_KBDMAP_MAX_OUT 4

struct sv_kbdmap {
	bool lshift, rshift, lctrl, rctrl, lalt, ralt;
	bool caps_lock, num_lock;
	bool caps_down, num_down;	/* lock keys held: ignore repeats */
	bool extended;			/* 0xE0 prefix seen */
	uint8_t skip;			/* bytes left of a pause sequence */
};

void kbdmap_init(struct sv_kbdmap *k);

/*
 * Feed one scancode byte. The characters it produces (0 to
 * SV_KBDMAP_MAX_OUT) go to out; returns how many.
 */
size_t kbdmap_feed(struct sv_kbdmap *k, uint8_t code,
		   char out[SV_KBDMAP_MAX_OUT]);

#endif /* SV_KBDMAP_H */
