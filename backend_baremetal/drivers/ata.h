/*
 * ATA disks on a legacy (compatibility-mode) IDE channel, driven by PIO
 * with status polling, as block devices ("hda" for the primary master,
 * "hdb" for its slave).
 *
 * IDENTIFY DEVICE gives the model, serial number, capacity and whether the
 * 48-bit address feature set is there. Transfers use READ/WRITE SECTORS
 * (LBA28) while the request fits 28 bits, and the EXT commands (LBA48)
 * beyond; up to 256 sectors per command. Every wait has a timeout; a
 * failed command is logged with its status and error bits decoded.
 * Interrupts stay off (nIEN): the driver polls, so it works before the
 * IRQ framework and from any context that may spin. One command at a time
 * per channel and no lock yet: callers serialize (a block layer or a
 * disk task, once tasks do I/O concurrently).
 */
#ifndef SV_BM_DRV_ATA_H
#define SV_BM_DRV_ATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/driver.h"

/* The primary channel's compatibility-mode ports. */
#define ATA_PRIMARY_IO		0x1f0
#define ATA_PRIMARY_CTRL	0x3f6
#define ATA_SECTOR_SIZE		512

#define ATA_LBA28_LIMIT		(1ull << 28)	/* sectors addressable */
#define ATA_MAX_TRANSFER	256		/* sectors per command */

enum ata_drive { ATA_MASTER = 0, ATA_SLAVE = 1 };

/* Which command set a transfer uses. */
enum ata_addressing {
	ATA_ADDR_AUTO,		/* LBA28 when it fits, else LBA48 */
	ATA_ADDR_LBA28,
	ATA_ADDR_LBA48,
};

enum ata_kind {
	ATA_KIND_NONE,		/* nothing answers */
	ATA_KIND_ATA,		/* a disk this driver runs */
	ATA_KIND_ATAPI,		/* a packet device (CD-ROM): not driven */
	ATA_KIND_OTHER,		/* a SATA signature or a refused IDENTIFY */
};

struct ata_disk {
	struct sv_blockdev bdev;
	uint16_t io, ctrl;		/* command and control block ports */
	enum ata_drive drive;
	enum ata_kind kind;
	bool lba48;			/* 48-bit address feature set enabled */
	char model[41], serial[21], firmware[9];	/* IDENTIFY strings */
	/* the last failed command, for messages and tests */
	uint8_t last_status, last_error;
	bool quiet;			/* do not log failures (provoked ones) */
};

/*
 * Soft-reset the channel at io/ctrl and identify both drives into
 * disks[ATA_MASTER] and disks[ATA_SLAVE], named names[0] and names[1].
 * Returns how many ATA disks were found (kind ATA_KIND_ATA, ready to
 * register), or SV_ENODEV when no channel answers at those ports.
 */
SV_MUST_CHECK int ata_probe_channel(struct ata_disk disks[2],
				    const char *const names[2], uint16_t io,
				    uint16_t ctrl);

/*
 * Transfer count sectors (1..ATA_MAX_TRANSFER) at lba with the given
 * command set, without the framework's checks: the self-test uses it to
 * exercise both command sets on the same sectors and to provoke a device
 * error. 0, SV_EIO (device error; last_status/last_error say which),
 * SV_ETIMEDOUT, SV_ERANGE (lba not addressable in that set) or SV_ENOTSUP
 * (LBA48 asked of a disk without it).
 */
SV_MUST_CHECK int ata_transfer(struct ata_disk *d, uint64_t lba,
			       uint32_t count, void *buf, bool write,
			       enum ata_addressing mode);

/* FLUSH CACHE (EXT): make written sectors durable. */
SV_MUST_CHECK int ata_flush(struct ata_disk *d);

/* "DRDY ERR" / "ABRT IDNF": the set bits of a status or error register. */
void ata_status_string(uint8_t status, char *buf, size_t size);
void ata_error_string(uint8_t error, char *buf, size_t size);

#endif /* SV_BM_DRV_ATA_H */
