; bench/guest.asm: the benchmark guests (bench/README.md). One source,
; three builds, chosen with nasm -D:
;
;   bench_loop.elf   LOOP_N=N: N `out` instructions to LOOP_PORT, a port
;                    no device claims in Smart-VM or QEMU's microvm, so each
;                    is one port-I/O exit that the VMM ignores; then exit.
;   bench_null.elf   LOOP_N=0: exits at once (start-up time, memory).
;   bench_spin.elf   LOOP_N=0 and SPIN: spins forever instead of exiting,
;                    so the script can read the VMM's memory map while the
;                    guest runs (then it kills the VMM).
;
; and two more for the VT-x benchmark (bench/vmx_bench.py), each LOOP_N
; exits of one kind instead of port I/O:
;
;   EXIT_CPUID       `cpuid` (leaf 0): a CPUID exit each
;   EXIT_MMIO        a 32-bit store to MMIO_ADDR, guest-physical memory no
;                    RAM backs: an EPT violation each, emulated as MMIO
;
; A Multiboot (version 1) ELF32 kernel at 1 MiB: `smartvm run` loads it
; with format = multiboot, QEMU with -kernel (microvm included), and
; bench/rawkvm.c with its own ELF loader, so all three run the same bytes
; from the same 32-bit protected-mode state. It touches no memory but its
; own code page, and relies on nothing the specification leaves undefined:
; no stack, no GDT or IDT, no segment reload, interrupts stay off.
;
; The guest ends by writing 0x10 to the debug-exit port 0xf4, which every
; VMM here turns into exit status (0x10 << 1) | 1 = 33.

bits 32

%ifndef LOOP_N
%define LOOP_N		1000
%endif
%ifndef LOOP_PORT
%define LOOP_PORT	0x2000		; unclaimed in Smart-VM and microvm
%endif
%ifndef MMIO_ADDR
%define MMIO_ADDR	0xd0000000	; above any RAM, no device claims it
%endif
%define DEBUG_EXIT_PORT	0xf4
%define EXIT_PASS	0x10

%define MB_MAGIC	0x1badb002
%define MB_FLAGS	0		; no modules, no memory map needed

section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

section .text
global _start
_start:
%ifdef EXIT_CPUID
	mov esi, LOOP_N
	test esi, esi
	jz .done
.loop:					; cpuid writes ECX: count in ESI
	xor eax, eax
	cpuid
	dec esi
	jnz .loop
%elifdef EXIT_MMIO
	mov ecx, LOOP_N
	xor eax, eax
	jecxz .done
.loop:
	mov [MMIO_ADDR], eax
	loop .loop
%else
	mov ecx, LOOP_N
	mov dx, LOOP_PORT
	xor eax, eax
	jecxz .done
.loop:					; two instructions per exit
	out dx, al
	loop .loop
%endif
.done:
%ifdef SPIN
.spin:
	jmp .spin
%else
	mov al, EXIT_PASS
	out DEBUG_EXIT_PORT, al
.halt:					; not reached: the VMM has stopped
	cli
	hlt
	jmp .halt
%endif
