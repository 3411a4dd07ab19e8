/*
 * Port-I/O and MMIO exits: decode the access, pass it to the I/O bus, and
 * complete the instruction with the value read. No device logic here.
 * String I/O comes here as one element per exit when the backend moved
 * the data (KVM: access_size set, the element in io_data); when it did not
 * (VT-x), strio.c moves the elements.
 */
#include "sv/errno.h"
#include "sv/iobus.h"
#include "sv/vmx.h"
#include "vmm_internal.h"

int handle_io(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_vm *vm = vcpu->vm;
	struct sv_io_qual q;
	uint64_t data;
	int err;

	if (!sv_io_qual_valid(exit->qualification)) {
		vm_fail(vm, "I/O exit with malformed qualification 0x%lx",
			(unsigned long)exit->qualification);
		return -SV_EINVAL;
	}
	q = sv_io_qual_decode(exit->qualification);
	if (q.string && exit->access_size == 0)
		return handle_string_io(vcpu, exit);	/* VT-x: strio.c */
	data = q.in ? 0 : exit->io_data;
	err = iobus_access(&vm->bus, SV_IO_PORT, q.port, q.size, !q.in, &data);
	if (err)
		return err;
	if (vm->state != SV_VM_RUNNING)
		return SV_HANDLED_STOP;	/* a device ended the VM (debug exit) */
	return vm->ops->complete_exit(vcpu->b, data);
}

/*
 * An access to guest-physical memory that no RAM backs. The backend decoded
 * it (access_size, under KVM), or it did not (a VT-x EPT violation gives
 * only the address and the direction) and the instruction emulator decodes
 * the instruction (emulate.c).
 */
int handle_mmio(struct sv_vcpu *vcpu, const struct sv_exit *exit)
{
	struct sv_vm *vm = vcpu->vm;
	bool write = (exit->qualification & SV_EPT_QUAL_WRITE) != 0;
	uint64_t data = write ? exit->io_data : 0;
	unsigned size = exit->access_size;
	int err;

	if (size == 0)
		return emulate_mmio(vcpu, exit);
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		vm_fail(vm, "MMIO %s at 0x%lx (rip 0x%lx) with access size %u",
			write ? "write" : "read",
			(unsigned long)exit->guest_physical.v,
			(unsigned long)exit->rip, size);
		return -SV_EINVAL;
	}
	err = iobus_access(&vm->bus, SV_IO_MMIO, exit->guest_physical.v, size,
			   write, &data);
	if (err)
		return err;
	if (vm->state != SV_VM_RUNNING)
		return SV_HANDLED_STOP;
	return vm->ops->complete_exit(vcpu->b, data);
}
