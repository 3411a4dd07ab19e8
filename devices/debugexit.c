/*
 * The debug-exit port and the POST port (see sv/dev/debugexit.h): the two
 * ways a guest reports progress and its end without any other device.
 */
#include "sv/dev/debugexit.h"

#include "sv/digest.h"
#include "sv/errno.h"
#include "sv/vm.h"

#define PORT_SPACE_END 0x10000u

static int debugexit_io(struct sv_io_device *dev, uint64_t offset,
			unsigned size, bool write, uint64_t *data)
{
	struct sv_debugexit *d = sv_container_of(dev, struct sv_debugexit, io);
	uint32_t v;

	if (!write) {
		*data = 0;
		return 0;
	}
	/* the bus zero-extends the written value to 64 bits */
	v = (uint32_t)*data;
	vm_stop(d->vm, (int)((v << 1) | 1),
		"guest wrote 0x%x (size %u) to debug-exit port 0x%x",
		(unsigned)v, size, (unsigned)(d->port + offset));
	return 0;
}

int debugexit_init(struct sv_debugexit *d, struct sv_vm *vm, uint16_t port)
{
	if (!d || !vm || port > PORT_SPACE_END - SV_DEBUGEXIT_IOSIZE)
		return -SV_EINVAL;
	d->io.name = "isa-debug-exit";
	d->io.handler = debugexit_io;
	d->vm = vm;
	d->port = port;
	return iobus_register(&vm->bus, SV_IO_PORT, port, SV_DEBUGEXIT_IOSIZE,
			      &d->io);
}

void debugexit_destroy(struct sv_debugexit *d)
{
	iobus_unregister(&d->vm->bus, &d->io);
}

void debugexit_digest(const struct sv_debugexit *dx, struct sv_digest *d)
{
	sv_digest_u16(d, dx->port);
}

static int postport_io(struct sv_io_device *dev, uint64_t offset,
		       unsigned size, bool write, uint64_t *data)
{
	struct sv_postport *p = sv_container_of(dev, struct sv_postport, io);

	if (write) {
		p->last = (uint8_t)*data;
		p->writes++;
	} else {
		*data = p->last;
	}
	return 0;
}

int postport_init(struct sv_postport *p, struct sv_vm *vm)
{
	if (!p || !vm)
		return -SV_EINVAL;
	p->io.name = "post";
	p->io.handler = postport_io;
	p->vm = vm;
	p->last = 0;
	p->writes = 0;
	return iobus_register(&vm->bus, SV_IO_PORT, SV_POSTPORT_PORT, 1, &p->io);
}

void postport_destroy(struct sv_postport *p)
{
	iobus_unregister(&p->vm->bus, &p->io);
}

uint8_t postport_last(const struct sv_postport *p)
{
	return p->last;
}

uint64_t postport_writes(const struct sv_postport *p)
{
	return p->writes;
}

void postport_digest(const struct sv_postport *p, struct sv_digest *d)
{
	sv_digest_u8(d, p->last);
	sv_digest_u64(d, p->writes);
}
