/*
 * Guest entry and VM exit (vmx_hw.h: vmx_enter).
 *
 * enum vmx_status vmx_enter(struct vmx_gprs *gprs, int launched)
 *
 * The host's callee-saved registers and the gprs pointer go on this task's
 * stack; HOST_RSP is pointed at that frame right before entry (each vCPU
 * is a task with its own stack), HOST_RIP is vmx_exit_stub (set once in
 * the VMCS). A VM exit arrives at vmx_exit_stub with RSP = HOST_RSP and
 * everything else but RSP/RIP/RFLAGS still the guest's: it stores the
 * guest's registers into *gprs and returns 0 from vmx_enter. A
 * VMLAUNCH/VMRESUME that fails as an instruction falls through instead
 * and returns 1 (VMfailInvalid, CF) or 2 (VMfailValid, ZF).
 *
 * The offsets below follow struct vmx_gprs: change both together.
 */
#define G_RAX	0
#define G_RCX	8
#define G_RDX	16
#define G_RBX	24
#define G_RBP	32
#define G_RSI	40
#define G_RDI	48
#define G_R8	56
#define G_R9	64
#define G_R10	72
#define G_R11	80
#define G_R12	88
#define G_R13	96
#define G_R14	104
#define G_R15	112
#define G_CR2	120

#define VMCS_HOST_RSP	0x6c14		/* SV_VMCS_HOST_RSP (sv/vmx.h) */

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* gprs: 0(%rsp) at the exit */

	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail

	/* the guest's CR2 (a guest #PF sets it; the host never faults here) */
	movq G_CR2(%rdi), %rax
	movq %rax, %cr2

	cmpl $0, %esi			/* flags survive the movs below */
	movq G_RAX(%rdi), %rax
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RBX(%rdi), %rbx
	movq G_RBP(%rdi), %rbp
	movq G_RSI(%rdi), %rsi
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi
	jne 1f
	vmlaunch
	jmp .Lfail
1:	vmresume
.Lfail:
	/* CF: VMfailInvalid (1), else ZF: VMfailValid (2) */
	movl $2, %eax
	movl $1, %ecx
	cmovcl %ecx, %eax
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size vmx_enter, . - vmx_enter

	.globl vmx_exit_stub
	.type vmx_exit_stub, @function
vmx_exit_stub:
	pushq %rdi			/* the guest's RDI */
	movq 8(%rsp), %rdi		/* gprs */
	movq %rax, G_RAX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rbx, G_RBX(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	popq G_RDI(%rdi)
	movq %cr2, %rax
	movq %rax, G_CR2(%rdi)
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret
	.size vmx_exit_stub, . - vmx_exit_stub
