/*
 * PS/2 keyboard driver (ps2kbd.h). Controller commands and status bits are
 * those of the IBM PC AT keyboard controller (Intel 8042) as documented in
 * the IBM PS/2 Hardware Interface Technical Reference; keyboard commands
 * are the PS/2 keyboard's.
 */
#include "ps2kbd.h"

#include "deadline.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "x86.h"

#define I8042_DATA	0x60	/* read: output buffer; write: input buffer */
#define I8042_STATUS	0x64	/* read */
#define I8042_COMMAND	0x64	/* write */

/* status register */
#define STATUS_OBF	0x01	/* output buffer full: a byte for us */
#define STATUS_IBF	0x02	/* input buffer full: wait before writing */
#define STATUS_AUX_OBF	0x20	/* the byte came from the mouse port */
#define STATUS_TIMEOUT	0x40
#define STATUS_PARITY	0x80

/* controller commands */
#define CMD_READ_CONFIG		0x20
#define CMD_WRITE_CONFIG	0x60
#define CMD_DISABLE_AUX		0xa7
#define CMD_SELF_TEST		0xaa
#define CMD_TEST_KBD_PORT	0xab
#define CMD_DISABLE_KBD		0xad
#define CMD_ENABLE_KBD		0xae
#define CMD_WRITE_KBD_OUTBUF	0xd2	/* next data byte: as if from the kbd */

#define PORT_TEST_OK		0x00

/* configuration byte */
#define CONFIG_KBD_INT		0x01	/* IRQ 1 on keyboard data */
#define CONFIG_AUX_INT		0x02	/* IRQ 12 on mouse data */
#define CONFIG_SYS		0x04	/* POST passed; keep as found */
#define CONFIG_KBD_DISABLE	0x10	/* keyboard clock off */
#define CONFIG_AUX_DISABLE	0x20	/* mouse clock off */
#define CONFIG_XLATE		0x40	/* translate set 2 to set 1 */

/* keyboard commands and replies */
#define KBD_CMD_ENABLE_SCAN	0xf4
#define KBD_CMD_RESET		0xff
#define KBD_REPLY_BAT_OK	0xaa
#define KBD_REPLY_ACK		0xfa
#define KBD_REPLY_RESEND	0xfe
#define KBD_SEND_TRIES		3

/* set-1 make codes the self-check types */
#define SC1_1		0x02
#define SC1_I		0x17
#define SC1_H		0x23
#define SC1_LSHIFT	0x2a
#define SC1_BREAK	0x80

#define I8042_TIMEOUT_NS	(100 * NS_PER_MS)
#define KBD_RESET_TIMEOUT_NS	(1000 * NS_PER_MS)	/* BAT takes ~500 ms */
#define I8042_FLUSH_MAX		32	/* the buffer holds 16 at most */
#define KBD_SERVICE_BUDGET	64

static bool wait_status(uint8_t mask, uint8_t want, uint64_t timeout_ns)
{
	struct deadline d;

	deadline_start(&d, timeout_ns);
	while ((inb(I8042_STATUS) & mask) != want)
		if (deadline_passed(&d))
			return false;
	return true;
}

static int ctrl_write(uint16_t port, uint8_t v)
{
	if (!wait_status(STATUS_IBF, 0, I8042_TIMEOUT_NS))
		return -SV_ETIMEDOUT;
	outb(port, v);
	return 0;
}

static int ctrl_read(uint8_t *v, uint64_t timeout_ns)
{
	if (!wait_status(STATUS_OBF, STATUS_OBF, timeout_ns))
		return -SV_ETIMEDOUT;
	*v = inb(I8042_DATA);
	return 0;
}

/* A controller command, with a reply when reply is not NULL. */
static int ctrl_command(uint8_t cmd, uint8_t *reply)
{
	int err = ctrl_write(I8042_COMMAND, cmd);

	if (!err && reply)
		err = ctrl_read(reply, I8042_TIMEOUT_NS);
	return err;
}

static int ctrl_write_config(uint8_t config)
{
	int err = ctrl_command(CMD_WRITE_CONFIG, NULL);

	return err ? err : ctrl_write(I8042_DATA, config);
}

static void ctrl_flush(void)
{
	for (int i = 0; i < I8042_FLUSH_MAX && (inb(I8042_STATUS) & STATUS_OBF);
	     i++)
		(void)inb(I8042_DATA);
}

/* Send a byte to the keyboard and wait for its ACK (resending on request). */
static int kbd_send(uint8_t v)
{
	uint8_t reply;
	int err;

	for (int i = 0; i < KBD_SEND_TRIES; i++) {
		err = ctrl_write(I8042_DATA, v);
		if (!err)
			err = ctrl_read(&reply, I8042_TIMEOUT_NS);
		if (err)
			return err;
		if (reply == KBD_REPLY_ACK)
			return 0;
		if (reply != KBD_REPLY_RESEND)
			return -SV_EIO;
	}
	return -SV_EIO;
}

/* Decode every byte waiting in the controller into the ring. */
static void kbd_service(struct ps2kbd *k)
{
	char out[SV_KBDMAP_MAX_OUT];
	uint8_t status, code;
	size_t n;

	for (int i = 0; i < KBD_SERVICE_BUDGET; i++) {
		status = inb(I8042_STATUS);
		if (!(status & STATUS_OBF))
			return;
		code = inb(I8042_DATA);
		if (status & STATUS_AUX_OBF) {
			k->aux_bytes++;
			continue;
		}
		if (status & (STATUS_TIMEOUT | STATUS_PARITY))
			continue;	/* a garbled byte */
		n = kbdmap_feed(&k->map, code, out);
		for (size_t j = 0; j < n; j++)
			byte_ring_put(&k->rx, (uint8_t)out[j]);
	}
}

/*
 * The interrupt handler feeds the ring while it can run; otherwise (polled,
 * or IF clear on this, the only, processor) the reader does, so the ring
 * has one producer at a time.
 */
static bool handler_feeds(const struct ps2kbd *k)
{
	return k->irq_mode && (read_rflags() & RFLAGS_IF);
}

static int kbd_read(struct sv_chardev *dev, void *buf, size_t len)
{
	struct ps2kbd *k = sv_container_of(dev, struct ps2kbd, cdev);

	if (!handler_feeds(k))
		kbd_service(k);
	return (int)byte_ring_get(&k->rx, buf, len);
}

static const struct sv_chardev_ops kbd_ops = {
	.read = kbd_read,
};

/* Reset the keyboard: ACK, then the result of its self-test (BAT). */
static void kbd_reset(struct ps2kbd *k)
{
	k->keyboard = false;
	if (kbd_send(KBD_CMD_RESET))
		return;
	if (ctrl_read(&k->bat, KBD_RESET_TIMEOUT_NS))
		return;
	k->keyboard = true;
	/* scanning is on after a reset; say so anyway, for odd keyboards */
	(void)kbd_send(KBD_CMD_ENABLE_SCAN);
}

int ps2kbd_init(struct ps2kbd *k, const char *name)
{
	uint8_t config, reply;
	int err;

	sv_memset(k, 0, sizeof(*k));
	k->cdev.name = name;
	k->cdev.ops = &kbd_ops;
	kbdmap_init(&k->map);
	byte_ring_init(&k->rx);

	/* Nothing at 0x64 reads as 0xff, which never clears IBF. */
	if (ctrl_command(CMD_DISABLE_KBD, NULL) ||
	    ctrl_command(CMD_DISABLE_AUX, NULL))
		return -SV_ENODEV;
	ctrl_flush();
	err = ctrl_command(CMD_READ_CONFIG, &config);
	if (err)
		return err;
	/* no interrupts while the controller is tested */
	config &= (uint8_t)~(CONFIG_KBD_INT | CONFIG_AUX_INT);
	err = ctrl_write_config(config);
	if (err)
		return err;

	err = ctrl_command(CMD_SELF_TEST, &k->self_test);
	if (err)
		return err;
	if (k->self_test != I8042_SELF_TEST_OK)
		return -SV_EIO;
	/* some controllers reset themselves in the self-test: set it again */
	k->config = (uint8_t)((config | CONFIG_XLATE | CONFIG_AUX_DISABLE) &
			      ~(CONFIG_KBD_DISABLE | CONFIG_KBD_INT |
				CONFIG_AUX_INT));
	err = ctrl_write_config(k->config);
	if (err)
		return err;
	k->port_ok = !ctrl_command(CMD_TEST_KBD_PORT, &reply) &&
		     reply == PORT_TEST_OK;

	err = ctrl_command(CMD_ENABLE_KBD, NULL);
	if (err)
		return err;
	if (k->port_ok)
		kbd_reset(k);
	ctrl_flush();
	return 0;
}

void ps2kbd_set_irq(struct ps2kbd *k, bool on)
{
	unsigned long flags = read_rflags();

	cli();
	k->irq_mode = on;
	if (on)
		k->config |= CONFIG_KBD_INT;
	else
		k->config &= (uint8_t)~CONFIG_KBD_INT;
	(void)ctrl_write_config(k->config);
	if (flags & RFLAGS_IF)
		sti();
}

void ps2kbd_interrupt(struct ps2kbd *k)
{
	kbd_service(k);
}

/* Put one byte in the output buffer as if the keyboard sent it, and let
 * the driver take it before the next (the 8042 buffer holds one byte). */
static int inject(struct ps2kbd *k, uint8_t code)
{
	int err = ctrl_command(CMD_WRITE_KBD_OUTBUF, NULL);

	if (!err)
		err = ctrl_write(I8042_DATA, code);
	if (!err && !wait_status(STATUS_IBF, 0, I8042_TIMEOUT_NS))
		err = -SV_ETIMEDOUT;
	if (err)
		return err;
	if (handler_feeds(k))	/* the handler empties the buffer */
		return wait_status(STATUS_OBF, 0, I8042_TIMEOUT_NS) ?
			0 : -SV_ETIMEDOUT;
	if (!wait_status(STATUS_OBF, STATUS_OBF, I8042_TIMEOUT_NS))
		return -SV_ETIMEDOUT;
	kbd_service(k);
	return 0;
}

int ps2kbd_inject_test(struct ps2kbd *k, char *out, size_t size)
{
	static const uint8_t typed[] = {
		SC1_LSHIFT, SC1_H, SC1_H | SC1_BREAK, SC1_LSHIFT | SC1_BREAK,
		SC1_I, SC1_I | SC1_BREAK,
		SC1_LSHIFT, SC1_1, SC1_1 | SC1_BREAK, SC1_LSHIFT | SC1_BREAK,
	};
	static const char expect[] = "Hi!";
	char junk[16];
	size_t n = 0;
	int err = 0, r;

	if (!size)
		return -SV_EINVAL;
	while (chardev_read(&k->cdev, junk, sizeof(junk)) > 0)
		;	/* earlier typing is not part of the test */
	for (size_t i = 0; i < sizeof(typed) && !err; i++)
		err = inject(k, typed[i]);
	while (!err && n + 1 < size) {
		r = chardev_read(&k->cdev, out + n, size - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = 0;
	if (err)
		return err;
	if (n == 0)
		return -SV_ETIMEDOUT;
	return sv_strcmp(out, expect) ? -SV_EIO : 0;
}
