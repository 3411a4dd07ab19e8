; ticker: a CPU-bound guest that reports its progress twice a second.
;
; Programs the PIT for 100 interrupts per second (IRQ 0 through the 8259A
; pair) and spins, counting loop iterations with interrupts enabled and
; never halting, so only preemption lets another VM run beside it. Every
; 50th timer interrupt it prints how many iterations it made since the
; last report:
;   ticker: 0.5 s, 1234567 loops
; and after REPORTS reports
;   ticker: PASS
; then exits with EXIT_PASS. Two tickers in two VMs on one processor each
; make about half the loops one makes alone: the demo (ci/demo.sh) and the
; scheduling tests (tests/boot/) run it so.
;
; With the word "state" on its command line (the bare-metal configuration
; has it; this machine's software-nested KVM cannot emulate MOVD) it also
; puts a value of its own (from its TSC at start) in DR0 and XMM0,
; which no exit saves and the VMCS does not switch, and checks at each
; report that they still hold it: a second ticker on the same processor
; writes its own there, so the monitor must keep the two apart
;   ticker: FAIL: DR0 or XMM0 changed under the guest
; and at the end
;   ticker: DR0 and XMM0 kept across 6 reports

%include "common32.inc"

%define PIT_CH0		0x40
%define PIT_CMD		0x43
%define PIT_CTRL	0x34		; counter 0, LSB then MSB, mode 2, binary
%define PIT_COUNT	11932		; 1193182 Hz / 11932 = 100.0 Hz
%define TICKS_PER_REPORT 50		; 0.5 s
%define REPORTS		6		; 3 s of guest time
%define CR4_OSFXSR	(1 << 9)	; SSE instructions and FXSAVE allowed

section .text
main:
	mov esi, word_state
	call cmdline_has
	jc .no_state
	mov byte [check_state], 1
	rdtsc				; this VM's own value
	or eax, 1			; never 0, the registers' reset value
	mov [sig], eax
	mov dr0, eax
	mov ecx, cr4
	or ecx, CR4_OSFXSR
	mov cr4, ecx
	movd xmm0, eax
.no_state:
	mov ecx, IRQ_BASE_MASTER
	mov eax, timer_isr
	call set_gate
	mov bl, 0xfe			; master: IRQ 0 only
	mov bh, 0xff			; slave: all masked
	call pic_init
	mov al, PIT_CTRL
	out PIT_CMD, al
	mov al, PIT_COUNT & 0xff
	out PIT_CH0, al
	mov al, PIT_COUNT >> 8
	out PIT_CH0, al
	sti

.spin:
	inc dword [loops]
	cmp dword [due], 0
	je .spin
	cli				; take the count and the flag together
	mov dword [due], 0
	mov ebx, [loops]
	mov dword [loops], 0
	sti
	cmp byte [check_state], 0
	je .report
	mov eax, dr0			; still ours?
	cmp eax, [sig]
	jne .lost
	movd eax, xmm0
	cmp eax, [sig]
	jne .lost
.report:
	inc dword [reports]
	mov esi, msg_head
	call puts
	mov eax, [reports]
	shr eax, 1			; whole seconds
	call put_dec
	mov esi, msg_half
	test dword [reports], 1
	jnz .half
	mov esi, msg_whole
.half:
	call puts
	mov eax, ebx
	call put_dec
	mov esi, msg_loops
	call puts
	cmp dword [reports], REPORTS
	jb .spin
	cli
	mov al, 0xff
	out PIC1_DATA, al
	cmp byte [check_state], 0
	je .pass
	mov esi, msg_kept
	call puts
.pass:
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret

.lost:
	cli
	mov esi, msg_lost
	call puts
	mov al, EXIT_FAIL
	ret

timer_isr:
	push eax
	inc dword [ticks]
	cmp dword [ticks], TICKS_PER_REPORT
	jb .eoi
	mov dword [ticks], 0
	mov dword [due], 1
.eoi:
	mov al, OCW2_EOI
	out PIC1_CMD, al
	pop eax
	INTR_RETURN

section .rodata
msg_head:	db "ticker: ", 0
msg_half:	db ".5 s, ", 0
msg_whole:	db ".0 s, ", 0
msg_loops:	db " loops", 10, 0
word_state:	db "state", 0
msg_kept:	db "ticker: DR0 and XMM0 kept across 6 reports", 10, 0
msg_lost:	db "ticker: FAIL: DR0 or XMM0 changed under the guest", 10, 0
msg_pass:	db "ticker: PASS", 10, 0

section .bss
ticks:		resd 1
due:		resd 1
loops:		resd 1
reports:	resd 1
sig:		resd 1
check_state:	resb 1
