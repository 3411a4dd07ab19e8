/*
 * rawkvm: the floor of the benchmark (bench/README.md). The least a
 * user-space VMM can do to run the benchmark guest through /dev/kvm: one VM,
 * one memory slot, one vCPU, and a KVM_RUN loop that ignores OUT to the
 * loop port and stops at the debug-exit port. `smartvm run` and QEMU are
 * measured against it on the same guest image.
 *
 *   rawkvm [-m MIB] [-p PORT] [-s] [-k] [-v] IMAGE.elf
 *
 * IMAGE is a Multiboot (version 1) ELF32 kernel such as bench/guest.asm
 * builds. It is loaded and entered as Smart-VM's Multiboot loader does
 * (docs/vm-config.md): PT_LOAD segments at their physical addresses, flat
 * 32-bit code and data segments (selectors 0x08 and 0x10), CR0 = PE|ET,
 * paging and interrupts off, EAX = 0x2BADB002, EBX = 0x8000 (a Multiboot
 * information structure with the memory sizes), the vCPU given the CPUID
 * that KVM supports. So the guest starts from the same state under both.
 *
 * Two options turn on what smartvm's KVM backend asks of KVM, so that the
 * benchmark can tell the cost of those settings from the cost of smartvm's
 * own code: -s KVM_SYNC_X86_REGS (KVM copies the registers into the run
 * area after every exit; smartvm reads RIP there), -k a signal mask for
 * KVM_RUN (KVM_SET_SIGNAL_MASK: the kick signal of smartvm's host timer is
 * blocked except inside KVM_RUN, so KVM switches masks at every entry and
 * exit).
 *
 * Exit status: a write of v to port 0xf4 ends the run with (v << 1) | 1, as
 * QEMU's isa-debug-exit and smartvm do; 2 bad arguments or image; 4 an exit
 * other than OUT to the loop port or to 0xf4; 6 /dev/kvm unusable. With -v
 * it prints the number of exits on stderr, which the script checks.
 *
 * Host code, outside the core: plain libc and <linux/kvm.h>.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	STATUS_USAGE = 2,
	STATUS_VM_FAILED = 4,
	STATUS_NO_KVM = 6,
};

#define DEBUG_EXIT_PORT		0xf4
#define DEFAULT_LOOP_PORT	0x2000
#define DEFAULT_RAM_MIB		32

/* Multiboot version 1: header, hand-over state, information structure */
#define MB_HEADER_MAGIC		0x1badb002u
#define MB_HEADER_SEARCH	8192
#define MB_BOOT_MAGIC		0x2badb002u
#define MB_INFO_ADDR		0x8000u
#define MB_INFO_MEMORY		(1u << 0)	/* mem_lower, mem_upper valid */
#define HIGH_MEM_START		0x100000ull
#define LOW_MEM_KIB		640u

/* The flat segments the Multiboot specification's machine state implies. */
#define SEL_CODE		0x08
#define SEL_DATA		0x10
#define SEG_TYPE_CODE_RX	0xb	/* execute/read, accessed */
#define SEG_TYPE_DATA_RW	0x3	/* read/write, accessed */
#define SEG_TYPE_TSS_BUSY	0xb
#define SEG_TYPE_LDT		0x2
#define CR0_PE			(1u << 0)
#define CR0_ET			(1u << 4)
#define RFLAGS_FIXED		(1u << 1)

/* Real mode on VMX without unrestricted guest needs these (as smartvm). */
#define KVM_TSS_ADDR		0xfffbd000u
/* -k: the signal smartvm's host timer kicks KVM_RUN with (host_posix.h) */
#define KICK_SIGNAL		SIGUSR1

static const char usage[] =
	"usage: rawkvm [-m MIB] [-p PORT] [-s] [-k] [-v] IMAGE.elf\n"
	"Runs a Multiboot ELF32 guest in a minimal KVM loop: OUT to PORT\n"
	"(default 0x2000) is ignored, OUT of v to 0xf4 ends the run with status\n"
	"(v << 1) | 1. -m: guest RAM in MiB (default 32). -s: ask for\n"
	"KVM_SYNC_X86_REGS, -k: set a KVM_RUN signal mask, as smartvm does.\n"
	"-v: print the exit count on stderr.\n";

static int die(int status, const char *what)
{
	fprintf(stderr, "rawkvm: %s: %s\n", what, strerror(errno));
	return status;
}

static int bad_image(const char *path, const char *why)
{
	fprintf(stderr, "rawkvm: %s: %s\n", path, why);
	return STATUS_USAGE;
}

static int read_image(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return die(STATUS_USAGE, path);
	if (st.st_size <= 0 || st.st_size > (64 << 20)) {
		close(fd);
		return bad_image(path, "empty or larger than 64 MiB");
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len);
	if (!*buf || read(fd, *buf, *len) != (ssize_t)*len) {
		close(fd);
		return die(STATUS_USAGE, path);
	}
	close(fd);
	return 0;
}

static bool has_multiboot_header(const uint8_t *img, size_t len)
{
	for (size_t off = 0; off + 12 <= len && off + 12 <= MB_HEADER_SEARCH;
	     off += 4) {
		uint32_t h[3];

		memcpy(h, img + off, sizeof(h));
		if (h[0] == MB_HEADER_MAGIC && h[0] + h[1] + h[2] == 0)
			return true;
	}
	return false;
}

/* Copy the PT_LOAD segments into guest RAM; the entry point in *entry. */
static int load_elf(const char *path, const uint8_t *img, size_t len,
		    uint8_t *ram, uint64_t ram_size, uint32_t *entry)
{
	Elf32_Ehdr eh;
	unsigned loaded = 0;

	if (!has_multiboot_header(img, len))
		return bad_image(path, "no Multiboot header");
	if (len < sizeof(eh))
		return bad_image(path, "too short for an ELF header");
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386 ||
	    eh.e_type != ET_EXEC || eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff)
		return bad_image(path, "not an i386 ELF32 executable");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset ||
		    ph.p_paddr < HIGH_MEM_START ||
		    (uint64_t)ph.p_paddr + ph.p_memsz > ram_size)
			return bad_image(path, "segment outside the file or "
					 "outside guest RAM above 1 MiB");
		memcpy(ram + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
		memset(ram + ph.p_paddr + ph.p_filesz, 0,
		       ph.p_memsz - ph.p_filesz);
		if (eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_filesz)
			*entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
		loaded++;
	}
	if (!loaded || !*entry)
		return bad_image(path, "no loadable segment holds the entry");
	return 0;
}

static struct kvm_segment flat_segment(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

/* The Multiboot machine state (as smartvm's loader sets it). */
static int set_boot_state(int vcpu, uint32_t entry)
{
	struct kvm_sregs s;
	struct kvm_regs r = {
		.rax = MB_BOOT_MAGIC, .rbx = MB_INFO_ADDR, .rip = entry,
		.rflags = RFLAGS_FIXED,
	};

	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return -1;
	s.cs = flat_segment(SEL_CODE, SEG_TYPE_CODE_RX);
	s.ds = s.es = s.fs = s.gs = s.ss =
		flat_segment(SEL_DATA, SEG_TYPE_DATA_RW);
	s.tr = (struct kvm_segment){ .limit = 0xffff,
		.type = SEG_TYPE_TSS_BUSY, .present = 1 };
	s.ldt = (struct kvm_segment){ .limit = 0xffff,
		.type = SEG_TYPE_LDT, .present = 1 };
	s.cr0 = CR0_PE | CR0_ET;
	s.cr3 = 0;
	s.cr4 = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &r) < 0)
		return -1;
	return 0;
}

/*
 * -k: block the kick signal in this thread and let KVM unblock it only
 * inside KVM_RUN, as smartvm's backend does (kvm_setup_signals).
 */
static int set_signal_mask(int vcpu)
{
	struct { struct kvm_signal_mask m; uint8_t set[8]; } km;
	sigset_t block, during_run;

	sigemptyset(&block);
	sigaddset(&block, KICK_SIGNAL);
	if (sigprocmask(SIG_BLOCK, &block, &during_run) < 0)
		return -1;
	sigdelset(&during_run, KICK_SIGNAL);
	km.m.len = 8;	/* the kernel's sigset size on x86-64 */
	memcpy(km.set, &during_run, 8);
	return ioctl(vcpu, KVM_SET_SIGNAL_MASK, &km.m);
}

/* A fresh vCPU has no CPUID at all; give it what KVM supports (as smartvm). */
static int set_cpuid(int kvm, int vcpu)
{
	const unsigned max = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));
	int ret = -1;

	if (!c)
		return -1;
	c->nent = max;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0 &&
	    ioctl(vcpu, KVM_SET_CPUID2, c) == 0)
		ret = 0;
	free(c);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long ram_mib = DEFAULT_RAM_MIB, loop_port = DEFAULT_LOOP_PORT;
	bool verbose = false, sync_regs = false, sigmask = false;
	uint64_t ram_size, exits = 0, loop_outs = 0;
	uint8_t *img = NULL, *ram;
	size_t img_len = 0;
	uint32_t entry = 0, info[3];
	int opt, kvm, vm, vcpu, run_size, status = -1;
	struct kvm_run *run;

	while ((opt = getopt(argc, argv, "m:p:skvh")) != -1) {
		char *end;

		switch (opt) {
		case 'm':
			ram_mib = strtoul(optarg, &end, 0);
			if (*end || ram_mib < 2 || ram_mib > 3072)
				goto usage;
			break;
		case 'p':
			loop_port = strtoul(optarg, &end, 0);
			if (*end || loop_port > 0xffff ||
			    loop_port == DEBUG_EXIT_PORT)
				goto usage;
			break;
		case 's':
			sync_regs = true;
			break;
		case 'k':
			sigmask = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	ram_size = (uint64_t)ram_mib << 20;
	if (read_image(argv[optind], &img, &img_len))
		return STATUS_USAGE;
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		return die(STATUS_USAGE, "guest RAM");
	if (load_elf(argv[optind], img, img_len, ram, ram_size, &entry))
		return STATUS_USAGE;
	info[0] = MB_INFO_MEMORY;
	info[1] = LOW_MEM_KIB;
	info[2] = (uint32_t)((ram_size - HIGH_MEM_START) >> 10);
	memcpy(ram + MB_INFO_ADDR, info, sizeof(info));

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return die(STATUS_NO_KVM, "/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "rawkvm: /dev/kvm: not KVM API version %d\n",
			KVM_API_VERSION);
		return STATUS_NO_KVM;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return die(STATUS_NO_KVM, "KVM_CREATE_VM");
	{
		struct kvm_userspace_memory_region slot = {
			.slot = 0, .guest_phys_addr = 0, .memory_size = ram_size,
			.userspace_addr = (uint64_t)(uintptr_t)ram,
		};

		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return die(STATUS_VM_FAILED, "KVM_SET_USER_MEMORY_REGION");
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || run_size <= 0)
		return die(STATUS_VM_FAILED, "KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return die(STATUS_VM_FAILED, "mmap of the vCPU run area");
	if (set_cpuid(kvm, vcpu) < 0 || set_boot_state(vcpu, entry) < 0)
		return die(STATUS_VM_FAILED, "vCPU set-up");
	if (sync_regs) {
		if (!(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
		      KVM_SYNC_X86_REGS)) {
			fprintf(stderr, "rawkvm: -s: KVM has no KVM_SYNC_X86_REGS\n");
			return STATUS_NO_KVM;
		}
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	}
	if (sigmask && set_signal_mask(vcpu) < 0)
		return die(STATUS_VM_FAILED, "KVM_SET_SIGNAL_MASK");

	while (status < 0) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return die(STATUS_VM_FAILED, "KVM_RUN");
		}
		exits++;
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			const uint8_t *data = (const uint8_t *)run +
					      run->io.data_offset;

			if (run->io.port == loop_port) {
				loop_outs += run->io.count;
				continue;
			}
			if (run->io.port == DEBUG_EXIT_PORT) {
				uint32_t v = 0;

				memcpy(&v, data, run->io.size <= 4 ?
				       run->io.size : 4);
				status = (int)(((v << 1) | 1) & 0xff);
				continue;
			}
		}
		fprintf(stderr, "rawkvm: unexpected exit %u (I/O port 0x%x) "
			"after %llu exits\n", run->exit_reason,
			run->exit_reason == KVM_EXIT_IO ? run->io.port : 0,
			(unsigned long long)exits);
		return STATUS_VM_FAILED;
	}
	if (verbose)
		fprintf(stderr, "rawkvm: %llu exits, %llu OUTs to port 0x%lx\n",
			(unsigned long long)exits,
			(unsigned long long)loop_outs, loop_port);
	return status;
usage:
	fputs(usage, stderr);
	return STATUS_USAGE;
}
