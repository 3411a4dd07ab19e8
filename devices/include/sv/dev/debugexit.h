/*
 * Two ports a guest uses to talk to whoever runs it.
 *
 * Debug exit (QEMU's isa-debug-exit): a write of value v ends the VM with
 * status (v << 1) | 1, so a guest can never end with status 0, which test
 * runners take as "it did not get there". Our project runs QEMU with
 * iobase=0xf4,iosize=4, and this device claims the same four ports: in
 * QEMU the access is clipped to the region, so an outb, outw or outl at the
 * base all exit with the whole value written, and so do they here (an
 * access at base+1..3 exits too; one that crosses the end of the range is
 * dropped by our bus, where QEMU would pass on the part inside it). The
 * status is the int QEMU passes to exit(): (int)(uint32_t)((v << 1) | 1);
 * a host process reports its low 8 bits. Reads return 0, as in QEMU.
 *
 * POST port (0x80): the BIOS power-on self-test code register of the PC.
 * Each byte written is kept as the last POST code and counted; reads
 * return the last value written (as on boards whose POST latch reads back;
 * 0 before the first write). Linux also writes it as an I/O delay.
 *
 * Ownership: the caller provides the structs, which must outlive the VM's
 * I/O bus. Not thread-safe.
 */
#ifndef SV_DEV_DEBUGEXIT_H
#define SV_DEV_DEBUGEXIT_H

#include <stdint.h>

#include "sv/compiler.h"
#include "sv/digest.h"
#include "sv/iobus.h"

struct sv_vm;

enum {
	SV_DEBUGEXIT_PORT   = 0xf4,	/* the iobase the project uses */
	SV_DEBUGEXIT_IOSIZE = 4,	/* as QEMU's iosize=0x04 */
	SV_POSTPORT_PORT    = 0x80,
};

struct sv_debugexit {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint16_t port;
};

struct sv_postport {
	struct sv_io_device io;
	struct sv_vm *vm;
	uint8_t last;		/* last POST code written */
	uint64_t writes;	/* how many were written */
};

/*
 * Claim ports port..port+3 on vm's I/O bus. Returns 0, -SV_EINVAL, or the
 * error of iobus_register.
 */
SV_MUST_CHECK int debugexit_init(struct sv_debugexit *d, struct sv_vm *vm,
				 uint16_t port);
void debugexit_destroy(struct sv_debugexit *d);

/* Claim port 0x80. Returns 0, -SV_EINVAL, or the error of iobus_register. */
SV_MUST_CHECK int postport_init(struct sv_postport *p, struct sv_vm *vm);
void postport_destroy(struct sv_postport *p);

/* The last POST code written (0 before any), and how many were written. */
uint8_t postport_last(const struct sv_postport *p);
uint64_t postport_writes(const struct sv_postport *p);

/*
 * Feed each device's state into d (record/replay's state digest), with
 * fixed widths: debug exit, its port (u16; the exit itself is the VM's
 * stop status, not device state); POST port, the last code (u8) and the
 * write count (u64). VM pointers and I/O headers are left out.
 */
void debugexit_digest(const struct sv_debugexit *dx, struct sv_digest *d);
void postport_digest(const struct sv_postport *p, struct sv_digest *d);

#endif /* SV_DEV_DEBUGEXIT_H */
