/*
 * PCI enumeration through configuration mechanism #1 (pci.h). The
 * address written to 0xcf8 is enable bit, bus, device, function and the
 * dword-aligned register; 0xcfc then reads or writes that dword (PCI Local
 * Bus Specification 3.0, 3.2.2.3.2). A function that is not there reads
 * as all ones, so a vendor ID of 0xffff means "none".
 *
 * The scan follows the bus topology rather than probing all 256 buses:
 * from the host bridge(s) down through each PCI-to-PCI bridge's secondary
 * bus number (PCI-to-PCI Bridge Architecture Specification 1.2, 3.2), as
 * the firmware numbered them.
 */
#include "pci.h"

#include "portio.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "x86.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_ADDR_ENABLE		0x80000000u
#define PCI_ADDR_BUS_SHIFT	16
#define PCI_ADDR_DEV_SHIFT	11
#define PCI_ADDR_FN_SHIFT	8
#define PCI_ADDR_REG_MASK	0xfc

#define PCI_BUSES		256
#define PCI_DEVICES_PER_BUS	32
#define PCI_FUNCTIONS		8

/* configuration header registers (all header types) */
enum pci_reg {
	PCI_VENDOR_ID = 0x00,
	PCI_DEVICE_ID = 0x02,
	PCI_REVISION_ID = 0x08,
	PCI_PROG_IF = 0x09,
	PCI_SUBCLASS = 0x0a,
	PCI_CLASS_CODE = 0x0b,
	PCI_HEADER_TYPE = 0x0e,
	/* type 1 (PCI-to-PCI bridge) header */
	PCI_SECONDARY_BUS = 0x19,
};
#define PCI_VENDOR_NONE		0xffff
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_HEADER_TYPE_MASK	0x7f
#define PCI_HEADER_BRIDGE	0x01

static struct pci_device pci_table[PCI_MAX_DEVICES];
static unsigned pci_found;		/* may exceed PCI_MAX_DEVICES */
static uint8_t pci_bus_seen[PCI_BUSES / 8];	/* buses already scanned */
static unsigned pci_buses_with_devices;

static uint32_t config_address(uint8_t bus, uint8_t dev, uint8_t fn,
			       uint8_t off)
{
	return PCI_ADDR_ENABLE | (uint32_t)bus << PCI_ADDR_BUS_SHIFT |
	       (uint32_t)(dev & (PCI_DEVICES_PER_BUS - 1)) << PCI_ADDR_DEV_SHIFT |
	       (uint32_t)(fn & (PCI_FUNCTIONS - 1)) << PCI_ADDR_FN_SHIFT |
	       (off & PCI_ADDR_REG_MASK);
}

/*
 * The address/data pair is one shared resource: the two port accesses
 * must not be split by an interrupt handler using it too.
 */
uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	unsigned long flags = read_rflags();
	uint32_t v;

	cli();
	pio_outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	v = pio_inl(PCI_CONFIG_DATA);
	if (flags & RFLAGS_IF)
		sti();
	return v;
}

void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
			uint32_t v)
{
	unsigned long flags = read_rflags();

	cli();
	pio_outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	pio_outl(PCI_CONFIG_DATA, v);
	if (flags & RFLAGS_IF)
		sti();
}

uint16_t pci_config_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return (uint16_t)(pci_config_read32(bus, dev, fn, off) >>
			  ((off & 2) * 8));
}

uint8_t pci_config_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return (uint8_t)(pci_config_read32(bus, dev, fn, off) >>
			 ((off & 3) * 8));
}

/*
 * Mechanism #1 is there when the address port holds what is written to it
 * (the test Linux's pci_check_type1 makes); the old value is put back.
 */
bool pci_present(void)
{
	unsigned long flags = read_rflags();
	uint32_t saved, v;

	cli();
	saved = pio_inl(PCI_CONFIG_ADDRESS);
	pio_outl(PCI_CONFIG_ADDRESS, PCI_ADDR_ENABLE);
	v = pio_inl(PCI_CONFIG_ADDRESS);
	pio_outl(PCI_CONFIG_ADDRESS, saved);
	if (flags & RFLAGS_IF)
		sti();
	return v == PCI_ADDR_ENABLE;
}

static void scan_bus(uint8_t bus);

static void scan_function(uint8_t bus, uint8_t dev, uint8_t fn,
			  bool multifunction)
{
	uint32_t class_reg = pci_config_read32(bus, dev, fn, PCI_REVISION_ID);
	uint8_t header = pci_config_read8(bus, dev, fn, PCI_HEADER_TYPE);
	struct pci_device *p;

	if (pci_found < PCI_MAX_DEVICES) {
		p = &pci_table[pci_found];
		p->bus = bus;
		p->dev = dev;
		p->fn = fn;
		p->vendor = pci_config_read16(bus, dev, fn, PCI_VENDOR_ID);
		p->device = pci_config_read16(bus, dev, fn, PCI_DEVICE_ID);
		p->revision = (uint8_t)class_reg;
		p->prog_if = (uint8_t)(class_reg >> 8);
		p->subclass = (uint8_t)(class_reg >> 16);
		p->class_code = (uint8_t)(class_reg >> 24);
		p->header_type = header & PCI_HEADER_TYPE_MASK;
		p->multifunction = multifunction;
	}
	pci_found++;
	if ((header & PCI_HEADER_TYPE_MASK) == PCI_HEADER_BRIDGE &&
	    (uint8_t)(class_reg >> 24) == PCI_CLASS_BRIDGE &&
	    (uint8_t)(class_reg >> 16) == PCI_SUBCLASS_PCI_BRIDGE)
		scan_bus(pci_config_read8(bus, dev, fn, PCI_SECONDARY_BUS));
}

static void scan_device(uint8_t bus, uint8_t dev)
{
	bool multi;

	if (pci_config_read16(bus, dev, 0, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
		return;
	multi = pci_config_read8(bus, dev, 0, PCI_HEADER_TYPE) &
		PCI_HEADER_MULTIFUNCTION;
	scan_function(bus, dev, 0, multi);
	for (uint8_t fn = 1; multi && fn < PCI_FUNCTIONS; fn++)
		if (pci_config_read16(bus, dev, fn, PCI_VENDOR_ID) !=
		    PCI_VENDOR_NONE)
			scan_function(bus, dev, fn, multi);
}

/* Each bus once, whatever loops a misconfigured bridge set up (the
 * recursion is then at most PCI_BUSES deep). */
static void scan_bus(uint8_t bus)
{
	unsigned before = pci_found;

	if (pci_bus_seen[bus / 8] & (1u << (bus % 8)))
		return;
	pci_bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (uint8_t dev = 0; dev < PCI_DEVICES_PER_BUS; dev++)
		scan_device(bus, dev);
	if (pci_found != before)
		pci_buses_with_devices++;
}

int pci_scan(void)
{
	pci_found = 0;
	pci_buses_with_devices = 0;
	for (unsigned i = 0; i < sizeof(pci_bus_seen); i++)
		pci_bus_seen[i] = 0;
	if (!pci_present())
		return -SV_ENODEV;
	/* A multi-function host bridge: function f is the bridge to bus f. */
	if (pci_config_read8(0, 0, 0, PCI_HEADER_TYPE) &
	    PCI_HEADER_MULTIFUNCTION) {
		for (uint8_t fn = 0; fn < PCI_FUNCTIONS; fn++)
			if (pci_config_read16(0, 0, fn, PCI_VENDOR_ID) !=
			    PCI_VENDOR_NONE)
				scan_bus(fn);
	} else {
		scan_bus(0);
	}
	return (int)pci_found;
}

unsigned pci_count(void)
{
	return pci_found < PCI_MAX_DEVICES ? pci_found : PCI_MAX_DEVICES;
}

const struct pci_device *pci_at(unsigned index)
{
	return index < pci_count() ? &pci_table[index] : NULL;
}

unsigned pci_bus_count(void)
{
	return pci_buses_with_devices;
}

const struct pci_device *pci_find_class(uint8_t class_code, uint8_t subclass,
					unsigned start, unsigned *index)
{
	for (unsigned i = start; i < pci_count(); i++) {
		if (pci_table[i].class_code == class_code &&
		    pci_table[i].subclass == subclass) {
			if (index)
				*index = i;
			return &pci_table[i];
		}
	}
	return NULL;
}

/* PCI Code and ID Assignment Specification 1.9, appendix D (excerpt). */
const char *pci_class_name(uint8_t class_code, uint8_t subclass)
{
	static const struct {
		uint8_t class_code, subclass;
		const char *name;
	} names[] = {
		{ 0x01, 0x00, "SCSI controller" },
		{ 0x01, 0x01, "IDE controller" },
		{ 0x01, 0x05, "ATA controller" },
		{ 0x01, 0x06, "SATA controller" },
		{ 0x01, 0x08, "NVMe controller" },
		{ 0x02, 0x00, "Ethernet controller" },
		{ 0x03, 0x00, "VGA controller" },
		{ 0x04, 0x01, "audio device" },
		{ 0x04, 0x03, "HD audio controller" },
		{ 0x05, 0x00, "RAM controller" },
		{ 0x06, 0x00, "host bridge" },
		{ 0x06, 0x01, "ISA bridge" },
		{ 0x06, 0x04, "PCI bridge" },
		{ 0x06, 0x80, "bridge" },
		{ 0x07, 0x00, "serial controller" },
		{ 0x08, 0x80, "system peripheral" },
		{ 0x0c, 0x03, "USB controller" },
		{ 0x0c, 0x05, "SMBus controller" },
	};
	static const char *const classes[] = {
		"unclassified device", "mass storage controller",
		"network controller", "display controller",
		"multimedia controller", "memory controller", "bridge",
		"communication controller", "system peripheral",
		"input device", "docking station", "processor",
		"serial bus controller", "wireless controller",
	};

	for (unsigned i = 0; i < SV_ARRAY_SIZE(names); i++)
		if (names[i].class_code == class_code &&
		    names[i].subclass == subclass)
			return names[i].name;
	return class_code < SV_ARRAY_SIZE(classes) ? classes[class_code] :
						     "device";
}

void pci_print(void)
{
	for (unsigned i = 0; i < pci_count(); i++) {
		const struct pci_device *p = &pci_table[i];

		sv_printf("pci: %02x:%02x.%x %04x:%04x %s (class %02x.%02x.%02x"
			  "%s)\n", p->bus, p->dev, p->fn, p->vendor, p->device,
			  pci_class_name(p->class_code, p->subclass),
			  p->class_code, p->subclass, p->prog_if,
			  p->multifunction ? ", multi-function" : "");
	}
	if (pci_found > PCI_MAX_DEVICES)
		sv_printf("pci: %u more functions not kept\n",
			  pci_found - PCI_MAX_DEVICES);
}
