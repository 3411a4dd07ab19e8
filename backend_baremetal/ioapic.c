/*
 * The I/O APIC: an index register (IOREGSEL) and a data window (IOWIN)
 * reach its ID, version and the 64-bit redirection table entries, each
 * written as two 32-bit halves (82093AA datasheet, section 3).
 */
#include "ioapic.h"

#include "paging.h"
#include "sv/errno.h"
#include "x86_sys.h"

enum ioapic_mmio {
	IOAPIC_IOREGSEL = 0x00,
	IOAPIC_IOWIN    = 0x10,
	IOAPIC_MMIO_SIZE = 0x20,
};

enum ioapic_reg {
	IOAPIC_REG_ID      = 0x00,
	IOAPIC_REG_VER     = 0x01,
	IOAPIC_REG_REDTBL  = 0x10,	/* + 2 * pin: low half, + 1: high half */
};

#define IOAPIC_REGS_PER_RTE 2		/* a 64-bit entry in two registers */

#define IOAPIC_VER_VERSION(v)   ((v) & 0xffu)
#define IOAPIC_VER_MAX_REDIR(v) (((v) >> 16) & 0xffu)	/* pins - 1 */
#define IOAPIC_VER_NONE         0xffffffffu	/* nothing decodes the address */
#define IOAPIC_MAX_PINS         240

/* Redirection entry, low half */
#define IOAPIC_RTE_VECTOR_MASK  0xffu
#define IOAPIC_RTE_DM_FIXED     (0u << 8)
#define IOAPIC_RTE_DEST_PHYS    (0u << 11)
#define IOAPIC_RTE_ACTIVE_LOW   SV_BIT(13)
#define IOAPIC_RTE_LEVEL        SV_BIT(15)
#define IOAPIC_RTE_MASKED       SV_BIT(16)
/* high half */
#define IOAPIC_RTE_DEST_SHIFT   24

static volatile uint8_t *regs;
static uint64_t base_pa;
static unsigned pins;
static uint32_t version;

static uint32_t rd(uint32_t reg)
{
	mmio_write32(regs + IOAPIC_IOREGSEL, reg);
	return mmio_read32(regs + IOAPIC_IOWIN);
}

static void wr(uint32_t reg, uint32_t v)
{
	mmio_write32(regs + IOAPIC_IOREGSEL, reg);
	mmio_write32(regs + IOAPIC_IOWIN, v);
}

static uint32_t redtbl_low(unsigned pin)
{
	return IOAPIC_REG_REDTBL + IOAPIC_REGS_PER_RTE * pin;
}

int ioapic_init(uint64_t pa)
{
	regs = paging_map_mmio(pa, IOAPIC_MMIO_SIZE);
	if (!regs)
		return -SV_ENOMEM;
	version = rd(IOAPIC_REG_VER);
	if (version == IOAPIC_VER_NONE || version == 0)
		return -SV_ENODEV;
	base_pa = pa;
	pins = IOAPIC_VER_MAX_REDIR(version) + 1;
	if (pins > IOAPIC_MAX_PINS)
		pins = IOAPIC_MAX_PINS;
	for (unsigned p = 0; p < pins; p++) {
		wr(redtbl_low(p), IOAPIC_RTE_MASKED);
		wr(redtbl_low(p) + 1, 0);
	}
	return 0;
}

unsigned ioapic_pins(void)
{
	return pins;
}

uint32_t ioapic_version(void)
{
	return IOAPIC_VER_VERSION(version);
}

uint64_t ioapic_base_pa(void)
{
	return base_pa;
}

void ioapic_route(unsigned pin, unsigned vector, unsigned dest_apic_id,
		  bool level, bool active_low, bool masked)
{
	uint32_t low = (vector & IOAPIC_RTE_VECTOR_MASK) | IOAPIC_RTE_DM_FIXED |
		       IOAPIC_RTE_DEST_PHYS | IOAPIC_RTE_MASKED |
		       (level ? IOAPIC_RTE_LEVEL : 0) |
		       (active_low ? IOAPIC_RTE_ACTIVE_LOW : 0);

	if (pin >= pins)
		return;
	/* Masked while the halves disagree; unmasked last. */
	wr(redtbl_low(pin), low);
	wr(redtbl_low(pin) + 1, dest_apic_id << IOAPIC_RTE_DEST_SHIFT);
	if (!masked)
		wr(redtbl_low(pin), low & ~IOAPIC_RTE_MASKED);
}

void ioapic_set_masked(unsigned pin, bool masked)
{
	uint32_t low;

	if (pin >= pins)
		return;
	low = rd(redtbl_low(pin));
	wr(redtbl_low(pin), masked ? low | IOAPIC_RTE_MASKED :
				     low & ~IOAPIC_RTE_MASKED);
}
