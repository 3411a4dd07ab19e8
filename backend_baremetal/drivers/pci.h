/*
 * PCI configuration space through configuration mechanism #1 (the address
 * port 0xcf8 and the data port 0xcfc), and an enumeration of every
 * function reachable from the host bridge: bus 0 (or one bus per function
 * of a multi-function host bridge) and, recursively, the buses behind
 * PCI-to-PCI bridges. The results are kept in a fixed table.
 *
 * Offsets are those of the PCI Local Bus Specification 3.0, section 6.1
 * (the configuration header common to all header types).
 */
#ifndef SV_BM_DRV_PCI_H
#define SV_BM_DRV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

#define PCI_MAX_DEVICES 64	/* functions kept; more are counted, not kept */

/* Class codes the drivers look for (PCI Code and ID Assignment spec). */
#define PCI_CLASS_STORAGE		0x01
#define PCI_SUBCLASS_IDE		0x01
#define PCI_SUBCLASS_SATA		0x06
#define PCI_CLASS_BRIDGE		0x06
#define PCI_SUBCLASS_HOST_BRIDGE	0x00
#define PCI_SUBCLASS_PCI_BRIDGE		0x04
/* IDE programming interface: the primary channel runs in native-PCI mode
 * (its ports are in BARs 0/1, not at 0x1f0/0x3f6) */
#define PCI_IDE_PRIMARY_NATIVE		0x01

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;		/* without the multi-function bit */
	bool multifunction;		/* function 0's header says so */
};

/* Configuration mechanism #1 answers (checked by pci_scan). */
bool pci_present(void);

/* Configuration reads and writes; off is masked to the access size. */
uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint16_t pci_config_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint8_t pci_config_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
			uint32_t v);

/*
 * Enumerate (again) into the table. Returns the number of functions found
 * (which may exceed PCI_MAX_DEVICES), or SV_ENODEV without mechanism #1.
 */
SV_MUST_CHECK int pci_scan(void);

/* The table of the last scan: pci_count() entries (at most the maximum). */
unsigned pci_count(void);
const struct pci_device *pci_at(unsigned index);
/* Number of distinct buses the last scan found functions on. */
unsigned pci_bus_count(void);

/* The first function at or after index start with that class and
 * subclass, or NULL; *index (if not NULL) receives its position. */
const struct pci_device *pci_find_class(uint8_t class_code, uint8_t subclass,
					unsigned start, unsigned *index);

/* "IDE controller", "VGA controller", ... by class and subclass. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);

/* Print the table on the console, one "pci: bb:dd.f ..." line each. */
void pci_print(void);

#endif /* SV_BM_DRV_PCI_H */
