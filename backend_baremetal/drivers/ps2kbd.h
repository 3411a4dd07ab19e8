/*
 * PS/2 keyboard behind the i8042 controller, as a character device
 * ("kbd0") that delivers typed characters (sv/kbdmap.h: US layout, shift,
 * ctrl, alt, caps and num lock, cursor keys as terminal sequences).
 *
 * The controller runs with translation on, so the keyboard's scancode set
 * 2 reaches the driver as set 1. Bytes from the second (mouse) port are
 * dropped. Input is decoded into a byte ring, by ps2kbd_interrupt() once
 * the IRQ framework routes IRQ 1 and ps2kbd_set_irq() turned the
 * controller's interrupt on, or by reads themselves while polled (or
 * while interrupts are disabled: one processor, so the handler cannot run).
 */
#ifndef SV_BM_DRV_PS2KBD_H
#define SV_BM_DRV_PS2KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/driver.h"
#include "sv/kbdmap.h"

#define PS2KBD_IRQ 1
#define I8042_SELF_TEST_OK 0x55	/* the controller's self-test passed */

struct ps2kbd {
	struct sv_chardev cdev;
	struct sv_kbdmap map;
	struct sv_byte_ring rx;		/* decoded characters */
	bool irq_mode;
	uint8_t config;			/* controller configuration byte */
	/* what initialisation found */
	uint8_t self_test;		/* controller self-test reply */
	bool port_ok;			/* first port interface test passed */
	bool keyboard;			/* a keyboard acknowledged its reset */
	uint8_t bat;			/* its basic assurance test reply */
	unsigned aux_bytes;		/* dropped bytes from the mouse port */
};

/*
 * Initialise the controller (ports disabled and flushed, self-test,
 * interface test, translation on, interrupts off) and reset the keyboard.
 * SV_ENODEV when no controller answers, SV_EIO when its self-test fails;
 * a missing keyboard is not an error (k->keyboard says). Does not register
 * the device.
 */
SV_MUST_CHECK int ps2kbd_init(struct ps2kbd *k, const char *name);

/* Turn the controller's keyboard interrupt (IRQ 1) on or off. */
void ps2kbd_set_irq(struct ps2kbd *k, bool on);

/* The interrupt handler: decodes every byte the controller holds. */
void ps2kbd_interrupt(struct ps2kbd *k);

/*
 * Self-check of the input path: scancodes for shift+h, i, shift+1 put into
 * the controller's output buffer as if typed (controller command 0xD2),
 * then read back through the character device into out (NUL-terminated,
 * at most size - 1 characters). 0 when "Hi!" came back, SV_EIO when
 * something else did, SV_ETIMEDOUT when nothing did.
 */
SV_MUST_CHECK int ps2kbd_inject_test(struct ps2kbd *k, char *out,
				     size_t size);

#endif /* SV_BM_DRV_PS2KBD_H */
