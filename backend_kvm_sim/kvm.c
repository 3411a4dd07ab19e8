/*
 * The KVM backend: the vCPU backend ops (sv/backend.h) over /dev/kvm.
 *
 * No in-kernel irqchip or PIT is created: Smart-VM's own devices serve the
 * guest, and interrupts go in with KVM_INTERRUPT after an interrupt-window
 * exit (request_interrupt_window), so interrupt virtualization runs through
 * the portable core on Linux as it does on VT-x. Every KVM exit is
 * translated into the VMX shape of struct sv_exit: KVM_EXIT_IO becomes
 * IO_INSTRUCTION with the VMX qualification layout (string I/O one element
 * per exit), KVM_EXIT_MMIO an EPT_VIOLATION with the access decoded,
 * KVM_EXIT_HLT HLT, KVM_EXIT_SHUTDOWN TRIPLE_FAULT, KVM_EXIT_IRQ_WINDOW_OPEN
 * INTERRUPT_WINDOW, and a KVM_RUN cut short by the host's kick signal
 * EXTERNAL_INTERRUPT, as a host timer interrupt would be on VT-x.
 *
 * KVM moves RIP past an instruction itself, so complete_exit only stores
 * the value an IN or MMIO read returns in the run area.
 */
#include "kvm_backend.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_posix.h"
#include "sv/cpu.h"
#include "sv/errno.h"
#include "sv/vmx.h"

#define KVM_MAX_SLOTS 8
/* Real mode on VMX without unrestricted guest needs these three pages. */
#define KVM_TSS_ADDR          0xfffbd000u
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000u

struct kvm_slot {
	uint64_t gpa, size;
	uint8_t *hva;
	bool readonly;
};

struct sv_bvm {
	int kvm_fd, vm_fd;
	int run_size;
	bool sync_regs;
	struct kvm_slot slots[KVM_MAX_SLOTS];
	unsigned nslots;
};

struct sv_bvcpu {
	struct sv_bvm *vm;
	int fd;
	struct kvm_run *run;
	/* the KVM exit being handed out one element at a time */
	uint32_t kvm_reason;
	uint32_t io_index;
	/* an external interrupt to inject at the next KVM_RUN */
	bool irq_pending;
	uint8_t irq_vector;
};

SV_BACKEND_DECLARE(kvm)

const struct sv_backend_ops kvm_backend_ops = SV_BACKEND_TABLE(kvm, "kvm");

static const char kvm_dev[] = "/dev/kvm";

static int errno_to_sv(int e)
{
	switch (e) {
	case ENOMEM: return -SV_ENOMEM;
	case EFAULT: return -SV_EFAULT;
	case EINVAL: return -SV_EINVAL;
	case EEXIST: return -SV_EEXIST;
	case ENOENT: return -SV_ENOENT;
	case EBUSY: return -SV_EBUSY;
	case EACCES: case EPERM: return -SV_EPERM;
	case ENXIO: case ENODEV: return -SV_ENODEV;
	default: return -SV_EIO;
	}
}

bool kvm_available(char *why, size_t len)
{
	int fd = open(kvm_dev, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		snprintf(why, len, "%s: %s", kvm_dev, strerror(errno));
		return false;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (version != KVM_API_VERSION) {
		snprintf(why, len, "%s: API version %d, need %d", kvm_dev,
			 version, KVM_API_VERSION);
		return false;
	}
	return true;
}

static int kvm_vm_create(void *inst, struct sv_bvm **out)
{
	struct sv_bvm *vm = calloc(1, sizeof(*vm));
	int err = -SV_ENODEV;

	(void)inst;
	if (!vm)
		return -SV_ENOMEM;
	vm->vm_fd = -1;
	vm->kvm_fd = open(kvm_dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		goto fail;
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		goto fail;
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->run_size <= 0 || vm->vm_fd < 0) {
		err = errno_to_sv(errno);
		goto fail;
	}
	vm->sync_regs = (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			       KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) != 0;
	/* needed by VMX hosts for real mode; harmless elsewhere */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
		err = errno_to_sv(errno);
		goto fail;
	}
	{
		uint64_t ident = KVM_IDENTITY_MAP_ADDR;

		ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	*out = vm;
	return 0;
fail:
	kvm_vm_destroy(vm);
	return err;
}

static void kvm_vm_destroy(struct sv_bvm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
}

static int kvm_map_memory(struct sv_bvm *vm, gpa_t gpa, void *hva,
			  uint64_t size, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = vm->nslots,
		.flags = (flags & SV_MEM_READONLY) ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa.v,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (size == 0 || gpa.v + size < gpa.v || (gpa.v | size) % SV_PAGE_SIZE)
		return -SV_EINVAL;
	for (unsigned i = 0; i < vm->nslots; i++)
		if (gpa.v < vm->slots[i].gpa + vm->slots[i].size &&
		    vm->slots[i].gpa < gpa.v + size)
			return -SV_EEXIST;
	if (vm->nslots == KVM_MAX_SLOTS)
		return -SV_ENOSPC;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return errno_to_sv(errno);
	vm->slots[vm->nslots++] = (struct kvm_slot){
		gpa.v, size, hva, (flags & SV_MEM_READONLY) != 0 };
	return 0;
}

/*
 * Give the guest the CPUID KVM supports (a fresh vCPU has none at all),
 * with leaf 1 as the VT-x backend's CPUID handler shows it (vmm/cpuid.c):
 * a hypervisor is present, VMX is not. KVM reports VMX where it nests, and
 * leaves the hypervisor bit to its user.
 */
static int kvm_set_cpuid(struct sv_bvcpu *vcpu)
{
	const unsigned max = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));
	int err = 0;

	if (!c)
		return -SV_ENOMEM;
	c->nent = max;
	if (ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		err = errno_to_sv(errno);
		goto out;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == SV_CPUID_FEATURES)
			e->ecx = (e->ecx | SV_CPUID_1_ECX_HYPERVISOR) &
				 ~SV_CPUID_1_ECX_VMX;
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		err = errno_to_sv(errno);
out:
	free(c);
	return err;
}

/*
 * The kick signal stays blocked in this thread except inside KVM_RUN, so a
 * timer that fires while the monitor works is not lost: it is pending, and
 * the next KVM_RUN returns at once with EINTR.
 */
static int kvm_setup_signals(struct sv_bvcpu *vcpu)
{
	struct { struct kvm_signal_mask m; uint8_t set[8]; } km;
	sigset_t block, during_run;

	sigemptyset(&block);
	sigaddset(&block, SV_KICK_SIGNAL);
	if (pthread_sigmask(SIG_BLOCK, &block, &during_run) != 0)
		return -SV_EIO;
	sigdelset(&during_run, SV_KICK_SIGNAL);
	km.m.len = 8;	/* the kernel's sigset size on x86-64 */
	memcpy(km.set, &during_run, 8);
	if (ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &km.m) < 0)
		return errno_to_sv(errno);
	return 0;
}

static int kvm_vcpu_create(struct sv_bvm *vm, uint32_t id, struct sv_bvcpu **out)
{
	struct sv_bvcpu *vcpu = calloc(1, sizeof(*vcpu));
	int err;

	if (!vcpu)
		return -SV_ENOMEM;
	vcpu->vm = vm;
	vcpu->run = MAP_FAILED;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		err = errno_to_sv(errno);
		goto fail;
	}
	vcpu->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		err = errno_to_sv(errno);
		goto fail;
	}
	err = kvm_set_cpuid(vcpu);
	if (!err)
		err = kvm_setup_signals(vcpu);
	if (err)
		goto fail;
	if (vm->sync_regs)
		vcpu->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	*out = vcpu;
	return 0;
fail:
	kvm_vcpu_destroy(vcpu);
	return err;
}

static void kvm_vcpu_destroy(struct sv_bvcpu *vcpu)
{
	if (vcpu->run != MAP_FAILED)
		munmap(vcpu->run, (size_t)vcpu->vm->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

static uint64_t io_element(const struct sv_bvcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	const uint8_t *p = (const uint8_t *)run + run->io.data_offset +
			   (size_t)vcpu->io_index * run->io.size;
	uint64_t v = 0;

	memcpy(&v, p, run->io.size);
	return v;
}

/* The VMX-shaped record of the current KVM exit (and I/O element). */
static int kvm_translate(struct sv_bvcpu *vcpu, struct sv_exit *exit)
{
	struct kvm_run *run = vcpu->run;

	memset(exit, 0, sizeof(*exit));
	if (vcpu->vm->sync_regs)
		exit->rip = run->s.regs.regs.rip;
	switch (vcpu->kvm_reason) {
	case KVM_EXIT_IO: {
		bool in = run->io.direction == KVM_EXIT_IO_IN;
		bool multi = run->io.count > 1;

		if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
			return -SV_EIO;
		exit->reason = SV_EXIT_IO_INSTRUCTION;
		exit->qualification = sv_io_qual_make(run->io.port, run->io.size,
						      in, multi, multi, false);
		if (!in)
			exit->io_data = io_element(vcpu);
		if (multi)	/* this element moved by KVM (sv/exit.h) */
			exit->access_size = run->io.size;
		return 0;
	}
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > 8)
			return -SV_EIO;
		exit->reason = SV_EXIT_EPT_VIOLATION;
		exit->guest_physical = gpa(run->mmio.phys_addr);
		exit->qualification = run->mmio.is_write ? SV_EPT_QUAL_WRITE :
							   SV_EPT_QUAL_READ;
		exit->access_size = run->mmio.len;
		if (run->mmio.is_write)
			memcpy(&exit->io_data, run->mmio.data, run->mmio.len);
		return 0;
	case KVM_EXIT_HLT:
		exit->reason = SV_EXIT_HLT;
		return 0;
	case KVM_EXIT_SHUTDOWN:
		exit->reason = SV_EXIT_TRIPLE_FAULT;
		return 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		exit->reason = SV_EXIT_INTERRUPT_WINDOW;
		return 0;
	case KVM_EXIT_INTR:
		exit->reason = SV_EXIT_EXTERNAL_INTERRUPT;
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		exit->reason = SV_EXIT_ENTRY_FAIL_GUEST_STATE;
		exit->reason_flags = SV_EXIT_FLAG_ENTRY_FAIL;
		exit->qualification =
			run->fail_entry.hardware_entry_failure_reason;
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "kvm: internal error, suberror %u\n",
			run->internal.suberror);
		return -SV_EHW;
	default:
		fprintf(stderr, "kvm: exit reason %u has no VMX equivalent\n",
			vcpu->kvm_reason);
		return -SV_ENOTSUP;
	}
}

static int kvm_run(struct sv_bvcpu *vcpu, struct sv_exit *exit)
{
	struct kvm_run *run = vcpu->run;

	/* more elements of a string I/O instruction to hand out */
	if (vcpu->kvm_reason == KVM_EXIT_IO && vcpu->io_index < run->io.count)
		return kvm_translate(vcpu, exit);

	if (vcpu->irq_pending) {
		struct kvm_interrupt irq = { .irq = vcpu->irq_vector };

		if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) < 0)
			return errno_to_sv(errno);
		vcpu->irq_pending = false;
	}
	if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return errno_to_sv(errno);
		vcpu->kvm_reason = KVM_EXIT_INTR;	/* kicked by a host timer */
		host_timer_kicked();
	} else {
		vcpu->kvm_reason = run->exit_reason;
	}
	vcpu->io_index = 0;
	return kvm_translate(vcpu, exit);
}

static int kvm_complete_exit(struct sv_bvcpu *vcpu, uint64_t value)
{
	struct kvm_run *run = vcpu->run;

	if (vcpu->kvm_reason == KVM_EXIT_IO) {
		if (vcpu->io_index >= run->io.count)
			return -SV_EINVAL;
		if (run->io.direction == KVM_EXIT_IO_IN)
			memcpy((uint8_t *)run + run->io.data_offset +
			       (size_t)vcpu->io_index * run->io.size,
			       &value, run->io.size);
		vcpu->io_index++;
	} else if (vcpu->kvm_reason == KVM_EXIT_MMIO && !run->mmio.is_write) {
		memcpy(run->mmio.data, &value, run->mmio.len);
	}
	return 0;
}

static void regs_from_kvm(struct sv_regs *r, const struct kvm_regs *k)
{
	*r = (struct sv_regs){
		k->rax, k->rbx, k->rcx, k->rdx, k->rsi, k->rdi, k->rbp, k->rsp,
		k->r8, k->r9, k->r10, k->r11, k->r12, k->r13, k->r14, k->r15,
		k->rip, k->rflags,
	};
}

static int kvm_get_regs(struct sv_bvcpu *vcpu, struct sv_regs *regs)
{
	struct kvm_regs k;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &k) < 0)
		return errno_to_sv(errno);
	regs_from_kvm(regs, &k);
	return 0;
}

static int kvm_set_regs(struct sv_bvcpu *vcpu, const struct sv_regs *r)
{
	struct kvm_regs k = {
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
		.rsi = r->rsi, .rdi = r->rdi, .rbp = r->rbp, .rsp = r->rsp,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = r->rflags,
	};

	if (ioctl(vcpu->fd, KVM_SET_REGS, &k) < 0)
		return errno_to_sv(errno);
	return 0;
}

static struct kvm_segment *sreg_seg(struct kvm_sregs *s, enum sv_seg seg)
{
	switch (seg) {
	case SV_SEG_ES: return &s->es;
	case SV_SEG_CS: return &s->cs;
	case SV_SEG_SS: return &s->ss;
	case SV_SEG_DS: return &s->ds;
	case SV_SEG_FS: return &s->fs;
	case SV_SEG_GS: return &s->gs;
	case SV_SEG_LDTR: return &s->ldt;
	case SV_SEG_TR: return &s->tr;
	default: return NULL;
	}
}

static int kvm_get_segment(struct sv_bvcpu *vcpu, enum sv_seg seg,
			   struct sv_segment *out)
{
	struct kvm_sregs s;
	struct kvm_segment *k;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	k = sreg_seg(&s, seg);
	if (!k)
		return -SV_EINVAL;
	out->selector = k->selector;
	out->base = k->base;
	out->limit = k->limit;
	out->access = (k->type & SV_AR_TYPE_MASK) | (k->s ? SV_AR_S : 0) |
		      ((uint32_t)k->dpl << SV_AR_DPL_SHIFT) |
		      (k->present ? SV_AR_P : 0) | (k->avl ? SV_AR_AVL : 0) |
		      (k->l ? SV_AR_L : 0) | (k->db ? SV_AR_DB : 0) |
		      (k->g ? SV_AR_G : 0) | (k->unusable ? SV_AR_UNUSABLE : 0);
	return 0;
}

static int kvm_set_segment(struct sv_bvcpu *vcpu, enum sv_seg seg,
			   const struct sv_segment *in)
{
	struct kvm_sregs s;
	struct kvm_segment *k;
	uint32_t ar = in->access;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	k = sreg_seg(&s, seg);
	if (!k)
		return -SV_EINVAL;
	*k = (struct kvm_segment){
		.base = in->base, .limit = in->limit, .selector = in->selector,
		.type = ar & SV_AR_TYPE_MASK,
		.s = !!(ar & SV_AR_S),
		.dpl = (ar >> SV_AR_DPL_SHIFT) & 3,
		.present = !!(ar & SV_AR_P),
		.avl = !!(ar & SV_AR_AVL),
		.l = !!(ar & SV_AR_L),
		.db = !!(ar & SV_AR_DB),
		.g = !!(ar & SV_AR_G),
		.unusable = !!(ar & SV_AR_UNUSABLE),
	};
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	return 0;
}

static __u64 *sreg_cr(struct kvm_sregs *s, enum sv_cr cr)
{
	switch (cr) {
	case SV_CR0: return &s->cr0;
	case SV_CR2: return &s->cr2;
	case SV_CR3: return &s->cr3;
	case SV_CR4: return &s->cr4;
	case SV_CR8: return &s->cr8;
	default: return NULL;
	}
}

static int kvm_get_cr(struct sv_bvcpu *vcpu, enum sv_cr cr, uint64_t *val)
{
	struct kvm_sregs s;
	__u64 *p;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	p = sreg_cr(&s, cr);
	if (!p)
		return -SV_EINVAL;
	*val = *p;
	return 0;
}

static int kvm_set_cr(struct sv_bvcpu *vcpu, enum sv_cr cr, uint64_t val)
{
	struct kvm_sregs s;
	__u64 *p;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	p = sreg_cr(&s, cr);
	if (!p)
		return -SV_EINVAL;
	*p = val;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0)
		return errno_to_sv(errno);
	return 0;
}

struct one_msr {
	struct kvm_msrs h;
	struct kvm_msr_entry e;
};

static int kvm_get_msr(struct sv_bvcpu *vcpu, uint32_t msr, uint64_t *val)
{
	struct one_msr m = { .h.nmsrs = 1, .e.index = msr };

	if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1)
		return -SV_ENOENT;
	*val = m.e.data;
	return 0;
}

static int kvm_set_msr(struct sv_bvcpu *vcpu, uint32_t msr, uint64_t val)
{
	struct one_msr m = { .h.nmsrs = 1, .e.index = msr, .e.data = val };

	if (ioctl(vcpu->fd, KVM_SET_MSRS, &m) != 1)
		return -SV_EINVAL;
	return 0;
}

/*
 * The host CPU's own answer. KVM never exits for CPUID (it answers from
 * the table kvm_set_cpuid gave it), so only a core that asks, such as a
 * test or a future use, reaches here; the op exists so every backend has it.
 */
static int kvm_cpuid(struct sv_bvcpu *vcpu, uint32_t leaf, uint32_t subleaf,
		     struct sv_cpuid *out)
{
	unsigned a, b, c, d;

	(void)vcpu;
	__cpuid_count(leaf, subleaf, a, b, c, d);
	*out = (struct sv_cpuid){ a, b, c, d };
	return 0;
}

static int kvm_inject_event(struct sv_bvcpu *vcpu, const struct sv_event *ev)
{
	struct kvm_vcpu_events e;

	switch (ev->type) {
	case SV_INTR_TYPE_EXT_INTR:
		if (vcpu->irq_pending)
			return -SV_EBUSY;
		vcpu->irq_pending = true;	/* KVM_INTERRUPT before KVM_RUN */
		vcpu->irq_vector = ev->vector;
		return 0;
	case SV_INTR_TYPE_NMI:
		return ioctl(vcpu->fd, KVM_NMI, 0) < 0 ? errno_to_sv(errno) : 0;
	case SV_INTR_TYPE_HW_EXCEPTION:
		if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &e) < 0)
			return errno_to_sv(errno);
		e.exception.injected = 1;
		e.exception.nr = ev->vector;
		e.exception.has_error_code = ev->has_error;
		e.exception.error_code = ev->error;
		e.flags = 0;
		if (ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &e) < 0)
			return errno_to_sv(errno);
		return 0;
	default:
		return -SV_ENOTSUP;
	}
}

/* KVM reports after every KVM_RUN whether KVM_INTERRUPT would be taken. */
static int kvm_interrupt_ready(struct sv_bvcpu *vcpu, bool *ready)
{
	*ready = vcpu->run->ready_for_interrupt_injection && vcpu->run->if_flag &&
		 !vcpu->irq_pending;
	return 0;
}

static int kvm_set_window(struct sv_bvcpu *vcpu, enum sv_window w, bool on)
{
	if (w != SV_WINDOW_INTERRUPT)
		return on ? -SV_ENOTSUP : 0;	/* KVM has no NMI-window exit */
	vcpu->run->request_interrupt_window = on;
	return 0;
}

static uint8_t *kvm_translate_gpa(struct sv_bvm *vm, gpa_t gpa, size_t len,
				  bool write)
{
	for (unsigned i = 0; i < vm->nslots; i++) {
		const struct kvm_slot *s = &vm->slots[i];

		if (gpa.v >= s->gpa && len <= s->size &&
		    gpa.v - s->gpa <= s->size - len)
			return (write && s->readonly) ? NULL :
			       s->hva + (gpa.v - s->gpa);
	}
	return NULL;
}

static int kvm_read_gpa(struct sv_bvm *vm, gpa_t gpa, void *buf, size_t len)
{
	uint8_t *p = kvm_translate_gpa(vm, gpa, len, false);

	if (!p)
		return -SV_EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int kvm_write_gpa(struct sv_bvm *vm, gpa_t gpa, const void *buf,
			 size_t len)
{
	uint8_t *p = kvm_translate_gpa(vm, gpa, len, true);

	if (!p)
		return -SV_EFAULT;
	memcpy(p, buf, len);
	return 0;
}
