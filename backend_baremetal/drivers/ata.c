/*
 * ATA PIO disk driver (ata.h). Registers, bits, commands and protocols
 * follow ATA/ATAPI-6 (T13/1410D): section 7 for the register block, 8 for
 * the commands (IDENTIFY DEVICE, READ/WRITE SECTORS (EXT), FLUSH CACHE
 * (EXT)), 9 for the PIO data-in/data-out protocols, and 9.2/9.12 for the
 * software reset and the signatures devices leave afterwards.
 */
#include "ata.h"

#include "deadline.h"
#include "portio.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/string.h"
#include "x86.h"

/* Command block registers, offsets from io. */
enum ata_reg {
	ATA_REG_DATA = 0,
	ATA_REG_ERROR = 1,		/* read */
	ATA_REG_FEATURES = 1,		/* write */
	ATA_REG_SECTOR_COUNT = 2,
	ATA_REG_LBA_LOW = 3,
	ATA_REG_LBA_MID = 4,
	ATA_REG_LBA_HIGH = 5,
	ATA_REG_DEVICE = 6,
	ATA_REG_STATUS = 7,		/* read: clears a pending interrupt */
	ATA_REG_COMMAND = 7,		/* write */
};
/* Control block: at ctrl (0x3f6), alternate status when read, device
 * control when written. */

#define STATUS_ERR	0x01
#define STATUS_DRQ	0x08	/* data request */
#define STATUS_DF	0x20	/* device fault */
#define STATUS_DRDY	0x40	/* device ready */
#define STATUS_BSY	0x80
#define STATUS_FLOATING	0xff	/* no device drives the bus */

#define ERROR_AMNF	0x01	/* address mark not found (obsolete) */
#define ERROR_NM	0x02	/* no media */
#define ERROR_ABRT	0x04	/* command aborted */
#define ERROR_MCR	0x08	/* media change request */
#define ERROR_IDNF	0x10	/* ID (address) not found */
#define ERROR_MC	0x20	/* media changed */
#define ERROR_UNC	0x40	/* uncorrectable data */
#define ERROR_ICRC	0x80	/* interface CRC (bad block before ATA-2) */

#define DEVICE_OBS	0xa0	/* bits 7 and 5: obsolete, set by convention */
#define DEVICE_LBA	0x40
#define DEVICE_DEV	0x10	/* the slave */
#define DEVICE_LBA28_HIGH_MASK 0x0f

#define CONTROL_NIEN	0x02	/* interrupts off */
#define CONTROL_SRST	0x04	/* software reset */
#define CONTROL_HOB	0x80	/* read the high-order byte of LBA48 regs */

enum ata_command {
	CMD_READ_SECTORS = 0x20,
	CMD_READ_SECTORS_EXT = 0x24,
	CMD_WRITE_SECTORS = 0x30,
	CMD_WRITE_SECTORS_EXT = 0x34,
	CMD_IDENTIFY_PACKET_DEVICE = 0xa1,
	CMD_FLUSH_CACHE = 0xe7,
	CMD_FLUSH_CACHE_EXT = 0xea,
	CMD_IDENTIFY_DEVICE = 0xec,
};

/* Signatures in LBA mid/high after a reset (ATA-6 9.12, SATA 1.0). */
#define SIG_ATAPI_MID	0x14
#define SIG_ATAPI_HIGH	0xeb
#define SIG_SATA_MID	0x3c
#define SIG_SATA_HIGH	0xc3

/* IDENTIFY DEVICE words (ATA-6 8.15) */
enum identify_word {
	ID_GENERAL_CONFIG = 0,		/* bit 15: not an ATA device */
	ID_SERIAL = 10,			/* ID_SERIAL_WORDS words */
	ID_FIRMWARE = 23,		/* ID_FIRMWARE_WORDS words */
	ID_MODEL = 27,			/* ID_MODEL_WORDS words */
	ID_CAPABILITIES = 49,		/* bit 9: LBA supported */
	ID_LBA28_SECTORS = 60,		/* 2 words */
	ID_COMMAND_SET_SUPPORTED_2 = 83, /* bit 10: 48-bit address */
	ID_COMMAND_SET_ENABLED_2 = 86,	/* bit 10: 48-bit address */
	ID_LBA48_SECTORS = 100,		/* 4 words, little-endian */
	ID_INTEGRITY = 255,		/* low byte 0xa5: checksum in high */
	ID_WORDS = 256,
};
#define ID_SERIAL_WORDS		10
#define ID_FIRMWARE_WORDS	4
#define ID_MODEL_WORDS		20
#define ID_LBA48_SECTOR_WORDS	4
#define ID_CONFIG_NOT_ATA	0x8000
#define ID_CAP_LBA		0x0200
#define ID_CMDSET2_LBA48	0x0400
#define ID_INTEGRITY_SIGNATURE	0xa5

#define WORDS_PER_SECTOR (ATA_SECTOR_SIZE / 2)

/* ATA-6 allows 31 s for a reset to finish; emulators take microseconds.
 * A command should see BSY drop well within a few seconds. */
#define ATA_RESET_TIMEOUT_NS	(5000 * NS_PER_MS)
#define ATA_CMD_TIMEOUT_NS	(2000 * NS_PER_MS)
#define ATA_FLUSH_TIMEOUT_NS	(10000 * NS_PER_MS)
#define ATA_SRST_ASSERT_NS	(5 * NS_PER_US)
#define ATA_SRST_SETTLE_NS	(2 * NS_PER_MS)
/* Four alternate-status reads take at least the 400 ns a device may
 * need before its status reflects a new command or drive selection. */
#define ATA_400NS_READS		4

static uint8_t reg_in(const struct ata_disk *d, enum ata_reg reg)
{
	return inb((uint16_t)(d->io + reg));
}

static void reg_out(const struct ata_disk *d, enum ata_reg reg, uint8_t v)
{
	outb((uint16_t)(d->io + reg), v);
}

static uint8_t alt_status(const struct ata_disk *d)
{
	return inb(d->ctrl);
}

static void delay_400ns(const struct ata_disk *d)
{
	for (int i = 0; i < ATA_400NS_READS; i++)
		(void)alt_status(d);
}

void ata_status_string(uint8_t status, char *buf, size_t size)
{
	static const struct { uint8_t bit; const char *name; } bits[] = {
		{ STATUS_BSY, "BSY" }, { STATUS_DRDY, "DRDY" },
		{ STATUS_DF, "DF" }, { STATUS_DRQ, "DRQ" },
		{ STATUS_ERR, "ERR" },
	};
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < SV_ARRAY_SIZE(bits); i++)
		if ((status & bits[i].bit) && len < size)
			len += (size_t)sv_snprintf(buf + len, size - len, "%s%s",
						   len ? " " : "", bits[i].name);
}

void ata_error_string(uint8_t error, char *buf, size_t size)
{
	static const struct { uint8_t bit; const char *name; } bits[] = {
		{ ERROR_ICRC, "ICRC" }, { ERROR_UNC, "UNC" },
		{ ERROR_MC, "MC" }, { ERROR_IDNF, "IDNF" },
		{ ERROR_MCR, "MCR" }, { ERROR_ABRT, "ABRT" },
		{ ERROR_NM, "NM" }, { ERROR_AMNF, "AMNF" },
	};
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < SV_ARRAY_SIZE(bits); i++)
		if ((error & bits[i].bit) && len < size)
			len += (size_t)sv_snprintf(buf + len, size - len, "%s%s",
						   len ? " " : "", bits[i].name);
}

/* Remember and report a failed command. */
static int command_failed(struct ata_disk *d, const char *what, uint64_t lba,
			  uint8_t status)
{
	char sbuf[32], ebuf[48];

	d->last_status = status;
	d->last_error = (status & STATUS_ERR) ? reg_in(d, ATA_REG_ERROR) : 0;
	if (d->quiet)
		return (status & (STATUS_ERR | STATUS_DF)) ? -SV_EIO :
							      -SV_ETIMEDOUT;
	ata_status_string(status, sbuf, sizeof(sbuf));
	ata_error_string(d->last_error, ebuf, sizeof(ebuf));
	sv_printf("ata: %s: %s at lba %lu failed: status 0x%02x (%s), "
		  "error 0x%02x (%s)\n", d->bdev.name ? d->bdev.name : "?",
		  what, lba, status, sbuf, d->last_error, ebuf);
	return (status & (STATUS_ERR | STATUS_DF)) ? -SV_EIO : -SV_ETIMEDOUT;
}

/*
 * Wait for BSY to drop; then status must show none of ERR and DF and all
 * of want. Returns the final status in *status. 0, SV_EIO or SV_ETIMEDOUT.
 */
static int wait_ready(const struct ata_disk *d, uint8_t want,
		      uint64_t timeout_ns, uint8_t *status)
{
	struct deadline dl;
	uint8_t s;

	deadline_start(&dl, timeout_ns);
	while ((s = alt_status(d)) & STATUS_BSY)
		if (deadline_passed(&dl)) {
			*status = s;
			return -SV_ETIMEDOUT;
		}
	/* the real status register, which also acknowledges the device */
	*status = s = reg_in(d, ATA_REG_STATUS);
	if (s & (STATUS_ERR | STATUS_DF))
		return -SV_EIO;
	if ((s & want) != want)
		return -SV_EIO;
	return 0;
}

static void select_drive(const struct ata_disk *d, uint8_t extra);

/* Poll the alternate status until (status & mask) == want. */
static int wait_status(const struct ata_disk *d, uint8_t mask, uint8_t want,
		       uint8_t *status)
{
	struct deadline dl;

	deadline_start(&dl, ATA_CMD_TIMEOUT_NS);
	while (((*status = alt_status(d)) & mask) != want)
		if (deadline_passed(&dl))
			return -SV_ETIMEDOUT;
	return 0;
}

/*
 * Before a command: wait for BSY to drop (the registers may not be written
 * while it is set), select the drive, and wait for it to be ready. ERR left
 * over from an earlier command is no reason to refuse a new one.
 * 0 or SV_ETIMEDOUT, the last status in *status.
 */
static int wait_idle(const struct ata_disk *d, uint8_t *status)
{
	if (wait_status(d, STATUS_BSY, 0, status))
		return -SV_ETIMEDOUT;
	select_drive(d, 0);
	return wait_status(d, STATUS_BSY | STATUS_DRDY, STATUS_DRDY, status);
}

static void select_drive(const struct ata_disk *d, uint8_t extra)
{
	reg_out(d, ATA_REG_DEVICE, (uint8_t)(DEVICE_OBS |
		(d->drive == ATA_SLAVE ? DEVICE_DEV : 0) | extra));
	delay_400ns(d);
}

/* An ATA string: big-endian bytes per word, space padded; trimmed. */
static void identify_string(const uint16_t *id, unsigned word, unsigned words,
			    char *out)
{
	unsigned len = 0;

	for (unsigned i = 0; i < words; i++) {
		out[len++] = (char)(id[word + i] >> 8);
		out[len++] = (char)(id[word + i] & 0xff);
	}
	while (len && (out[len - 1] == ' ' || out[len - 1] == 0))
		len--;
	out[len] = 0;
	for (unsigned i = 0; i < len; i++)
		if (out[i] < ' ' || out[i] > '~')
			out[i] = '?';
}

static bool identify_checksum_ok(const uint16_t *id)
{
	uint8_t sum = 0;

	if ((id[ID_INTEGRITY] & 0xff) != ID_INTEGRITY_SIGNATURE)
		return true;	/* no checksum given */
	for (unsigned i = 0; i < ID_WORDS; i++)
		sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
	return sum == 0;
}

static int ata_bd_read(struct sv_blockdev *bd, uint64_t lba, uint32_t count,
		       void *buf);
static int ata_bd_write(struct sv_blockdev *bd, uint64_t lba, uint32_t count,
			const void *buf);
static int ata_bd_flush(struct sv_blockdev *bd);

static const struct sv_blockdev_ops ata_ops = {
	.read = ata_bd_read,
	.write = ata_bd_write,
	.flush = ata_bd_flush,
};

/* Fill d from IDENTIFY DEVICE data; false if it is unusable. */
static bool parse_identify(struct ata_disk *d, const uint16_t *id)
{
	uint64_t sectors;

	if ((id[ID_GENERAL_CONFIG] & ID_CONFIG_NOT_ATA) ||
	    !(id[ID_CAPABILITIES] & ID_CAP_LBA) || !identify_checksum_ok(id))
		return false;
	identify_string(id, ID_MODEL, ID_MODEL_WORDS, d->model);
	identify_string(id, ID_SERIAL, ID_SERIAL_WORDS, d->serial);
	identify_string(id, ID_FIRMWARE, ID_FIRMWARE_WORDS, d->firmware);
	d->lba48 = (id[ID_COMMAND_SET_SUPPORTED_2] & ID_CMDSET2_LBA48) &&
		   (id[ID_COMMAND_SET_ENABLED_2] & ID_CMDSET2_LBA48);
	sectors = (uint64_t)id[ID_LBA28_SECTORS] |
		  (uint64_t)id[ID_LBA28_SECTORS + 1] << 16;
	if (d->lba48) {
		uint64_t s48 = 0;

		for (unsigned i = 0; i < ID_LBA48_SECTOR_WORDS; i++)
			s48 |= (uint64_t)id[ID_LBA48_SECTORS + i] << (16 * i);
		if (s48 > sectors)
			sectors = s48;
	}
	if (!d->lba48 && sectors > ATA_LBA28_LIMIT)
		sectors = ATA_LBA28_LIMIT;
	d->bdev.sector_count = sectors;
	return sectors != 0;
}

/* Identify one drive after the channel reset; sets d->kind. */
static void identify(struct ata_disk *d)
{
	static uint16_t id[ID_WORDS];
	uint8_t status, mid, high;
	int err;

	d->kind = ATA_KIND_NONE;
	select_drive(d, 0);
	/* the signature the reset left tells packet and SATA devices */
	mid = reg_in(d, ATA_REG_LBA_MID);
	high = reg_in(d, ATA_REG_LBA_HIGH);
	if (mid == SIG_ATAPI_MID && high == SIG_ATAPI_HIGH) {
		d->kind = ATA_KIND_ATAPI;
		return;
	}
	reg_out(d, ATA_REG_SECTOR_COUNT, 0);
	reg_out(d, ATA_REG_LBA_LOW, 0);
	reg_out(d, ATA_REG_LBA_MID, 0);
	reg_out(d, ATA_REG_LBA_HIGH, 0);
	reg_out(d, ATA_REG_COMMAND, CMD_IDENTIFY_DEVICE);
	delay_400ns(d);
	status = reg_in(d, ATA_REG_STATUS);
	if (status == 0 || status == STATUS_FLOATING)
		return;		/* no device drives its status */
	err = wait_ready(d, STATUS_DRQ, ATA_CMD_TIMEOUT_NS, &status);
	if (err) {
		/* a packet device aborts IDENTIFY DEVICE and shows its
		 * signature; anything else is not ours either */
		mid = reg_in(d, ATA_REG_LBA_MID);
		high = reg_in(d, ATA_REG_LBA_HIGH);
		d->kind = (mid == SIG_ATAPI_MID && high == SIG_ATAPI_HIGH) ?
			  ATA_KIND_ATAPI :
			  status == STATUS_FLOATING || err == -SV_ETIMEDOUT ?
			  ATA_KIND_NONE : ATA_KIND_OTHER;
		return;
	}
	pio_insw((uint16_t)(d->io + ATA_REG_DATA), id, ID_WORDS);
	d->kind = parse_identify(d, id) ? ATA_KIND_ATA : ATA_KIND_OTHER;
}

/* Software reset of both drives of the channel (ATA-6 9.2). */
static int channel_reset(const struct ata_disk *d)
{
	struct deadline dl;

	outb(d->ctrl, CONTROL_NIEN | CONTROL_SRST);
	delay_ns(ATA_SRST_ASSERT_NS);
	outb(d->ctrl, CONTROL_NIEN);
	delay_ns(ATA_SRST_SETTLE_NS);
	deadline_start(&dl, ATA_RESET_TIMEOUT_NS);
	while (alt_status(d) & STATUS_BSY)
		if (deadline_passed(&dl))
			return -SV_ETIMEDOUT;
	return 0;
}

int ata_probe_channel(struct ata_disk disks[2], const char *const names[2],
		      uint16_t io, uint16_t ctrl)
{
	int found = 0;

	for (int i = 0; i < 2; i++) {
		struct ata_disk *d = &disks[i];

		sv_memset(d, 0, sizeof(*d));
		d->io = io;
		d->ctrl = ctrl;
		d->drive = i ? ATA_SLAVE : ATA_MASTER;
		d->bdev.name = names[i];
		d->bdev.sector_size = ATA_SECTOR_SIZE;
		d->bdev.max_transfer = ATA_MAX_TRANSFER;
		d->bdev.ops = &ata_ops;
	}
	/* No controller: the bus floats high. */
	if (alt_status(&disks[0]) == STATUS_FLOATING &&
	    reg_in(&disks[0], ATA_REG_STATUS) == STATUS_FLOATING)
		return -SV_ENODEV;
	if (channel_reset(&disks[0]))
		return -SV_ENODEV;
	for (int i = 0; i < 2; i++) {
		identify(&disks[i]);
		if (disks[i].kind == ATA_KIND_ATA)
			found++;
	}
	return found;
}

static const char *command_name(uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_SECTORS: return "READ SECTORS";
	case CMD_READ_SECTORS_EXT: return "READ SECTORS EXT";
	case CMD_WRITE_SECTORS: return "WRITE SECTORS";
	case CMD_WRITE_SECTORS_EXT: return "WRITE SECTORS EXT";
	case CMD_FLUSH_CACHE: return "FLUSH CACHE";
	case CMD_FLUSH_CACHE_EXT: return "FLUSH CACHE EXT";
	default: return "command";
	}
}

/* Load the taskfile for a transfer and issue the command. */
static void issue_rw(struct ata_disk *d, uint64_t lba, uint32_t count,
		     bool lba48, uint8_t cmd)
{
	/* a count of 0 in the register means 256 (LBA28) or 65536 */
	uint16_t n = (uint16_t)(count == ATA_MAX_TRANSFER && !lba48 ? 0 : count);

	if (lba48) {
		select_drive(d, DEVICE_LBA);
		/* each register is a two-deep FIFO: high-order bytes first */
		reg_out(d, ATA_REG_SECTOR_COUNT, (uint8_t)(n >> 8));
		reg_out(d, ATA_REG_LBA_LOW, (uint8_t)(lba >> 24));
		reg_out(d, ATA_REG_LBA_MID, (uint8_t)(lba >> 32));
		reg_out(d, ATA_REG_LBA_HIGH, (uint8_t)(lba >> 40));
	} else {
		select_drive(d, (uint8_t)(DEVICE_LBA |
			     ((lba >> 24) & DEVICE_LBA28_HIGH_MASK)));
	}
	reg_out(d, ATA_REG_SECTOR_COUNT, (uint8_t)n);
	reg_out(d, ATA_REG_LBA_LOW, (uint8_t)lba);
	reg_out(d, ATA_REG_LBA_MID, (uint8_t)(lba >> 8));
	reg_out(d, ATA_REG_LBA_HIGH, (uint8_t)(lba >> 16));
	reg_out(d, ATA_REG_COMMAND, cmd);
	delay_400ns(d);
}

int ata_transfer(struct ata_disk *d, uint64_t lba, uint32_t count, void *buf,
		 bool write, enum ata_addressing mode)
{
	uint16_t data = (uint16_t)(d->io + ATA_REG_DATA);
	uint8_t *p = buf;
	uint8_t status, cmd;
	bool lba48;
	int err;

	if (count == 0 || count > ATA_MAX_TRANSFER)
		return -SV_EINVAL;
	if (mode == ATA_ADDR_AUTO)
		mode = lba + count <= ATA_LBA28_LIMIT ? ATA_ADDR_LBA28 :
						       ATA_ADDR_LBA48;
	lba48 = mode == ATA_ADDR_LBA48;
	if (lba48 && !d->lba48)
		return -SV_ENOTSUP;
	if (lba + count > (lba48 ? 1ull << 48 : ATA_LBA28_LIMIT))
		return -SV_ERANGE;
	cmd = write ? (lba48 ? CMD_WRITE_SECTORS_EXT : CMD_WRITE_SECTORS) :
		      (lba48 ? CMD_READ_SECTORS_EXT : CMD_READ_SECTORS);

	if (wait_idle(d, &status))
		return command_failed(d, "wait before command", lba, status);
	issue_rw(d, lba, count, lba48, cmd);
	/* PIO data-in/out: one DRQ block per sector */
	for (uint32_t i = 0; i < count; i++, p += ATA_SECTOR_SIZE) {
		err = wait_ready(d, STATUS_DRQ, ATA_CMD_TIMEOUT_NS, &status);
		if (err)
			return command_failed(d, command_name(cmd), lba + i,
					      status);
		if (write)
			pio_outsw(data, p, WORDS_PER_SECTOR);
		else
			pio_insw(data, p, WORDS_PER_SECTOR);
		delay_400ns(d);
	}
	/* after the last block the device may still report an error */
	err = wait_ready(d, 0, ATA_CMD_TIMEOUT_NS, &status);
	if (!err && (status & STATUS_DRQ))
		err = -SV_EIO;	/* it wants more data than we have */
	return err ? command_failed(d, command_name(cmd), lba, status) : 0;
}

int ata_flush(struct ata_disk *d)
{
	uint8_t status, cmd = d->lba48 ? CMD_FLUSH_CACHE_EXT : CMD_FLUSH_CACHE;
	int err = wait_idle(d, &status);

	if (!err) {
		reg_out(d, ATA_REG_COMMAND, cmd);
		delay_400ns(d);
		err = wait_ready(d, 0, ATA_FLUSH_TIMEOUT_NS, &status);
	}
	return err ? command_failed(d, command_name(cmd), 0, status) : 0;
}

static int ata_bd_read(struct sv_blockdev *bd, uint64_t lba, uint32_t count,
		       void *buf)
{
	struct ata_disk *d = sv_container_of(bd, struct ata_disk, bdev);

	return ata_transfer(d, lba, count, buf, false, ATA_ADDR_AUTO);
}

static int ata_bd_write(struct sv_blockdev *bd, uint64_t lba, uint32_t count,
			const void *buf)
{
	struct ata_disk *d = sv_container_of(bd, struct ata_disk, bdev);

	/* the transfer only reads buf when writing */
	return ata_transfer(d, lba, count, (void *)(uintptr_t)buf, true,
			    ATA_ADDR_AUTO);
}

static int ata_bd_flush(struct sv_blockdev *bd)
{
	return ata_flush(sv_container_of(bd, struct ata_disk, bdev));
}
