/*
 * Entry from GRUB2 (multiboot2) to 64-bit C.
 *
 * GRUB enters _start in 32-bit protected mode, paging off, with EAX holding
 * the multiboot2 magic and EBX the physical address of the boot information.
 * We build page tables that map the first 4 GiB twice with 2 MiB pages, once
 * at 0 (identity: boot information, MMIO, the switch itself) and once at
 * KERNEL_VMA (where the kernel is linked: -mcmodel=kernel), turn on PAE and
 * long mode, and jump to kmain(magic, info) on the boot stack. These tables
 * only last until paging_init() switches to the kernel's own (paging.h).
 */
#include "asm.h"

#define MB2_MAGIC         0xe85250d6
#define MB2_ARCH_I386     0
#define MB2_TAG_END       0
#define MB2_TAG_FLAGS     4	/* console flags tag, unused */

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_NW   (1 << 29)
#define CR0_CD   (1 << 30)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_P    (1 << 0)
#define PTE_W    (1 << 1)
#define PTE_PS   (1 << 7)

#define PHYS(sym) ((sym) - KERNEL_VMA)

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.balign 8
	.short MB2_TAG_END
	.short 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi			/* magic, kept for kmain */
	movl %ebx, %esi			/* boot information */
	movl $boot_stack_phys_top, %esp

	/* Firmware may leave caching disabled (Bochs sets CD and NW). */
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax
	movl %eax, %cr0

	/* Long mode needs CPUID leaf 0x80000001 with LM (EDX bit 29). */
	pushl %edi
	pushl %esi
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	popl %esi
	popl %edi

	/* Four page directories of 2 MiB pages cover 0-4 GiB. */
	movl $PHYS(boot_pd), %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $(4 * 512), %ecx
	jne 1b

	/* PDPTs: low[0..3] -> the four directories; high[510], [511] -> 0-2 GiB */
	movl $PHYS(boot_pdpt_low), %ebx
	movl $PHYS(boot_pdpt_high), %edx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	movl %eax, (%ebx, %ecx, 8)
	cmpl $2, %ecx
	jae 3f
	movl %eax, (510 * 8)(%edx, %ecx, 8)
3:	incl %ecx
	cmpl $4, %ecx
	jne 2b

	movl $PHYS(boot_pml4), %ebx
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), (%ebx)
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), (511 * 8)(%ebx)

	movl %ebx, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $long_mode_entry

no_long_mode:
	/* Say so on COM1 (already set up by the firmware, or not), then stop. */
	movl $no_lm_msg, %esi
	movw $0x3f8, %dx
4:	lodsb
	testb %al, %al
	jz 5f
	outb %al, %dx
	jmp 4b
5:	hlt
	jmp 5b

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	/* Now run at the kernel's linked address. */
	movabsq $boot_stack_top, %rsp
	movabsq $kmain, %rax
	xorl %ebp, %ebp
	/* kmain(uint32_t magic = edi, uint64_t info = rsi) */
	movl %edi, %edi
	movl %esi, %esi
	callq *%rax
6:	cli
	hlt
	jmp 6b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
no_lm_msg:
	.asciz "smartvm: this CPU has no 64-bit long mode; stopping\r\n"
	/* a small stack for the 32-bit part (the CPUID check pushes) */
	.balign 16
	.skip 256
boot_stack_phys_top:

	.section .bss
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	/* Unmapped by paging_init(): an overflow of the boot stack faults. */
	.globl boot_stack_guard
boot_stack_guard:
	.skip 4096
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
