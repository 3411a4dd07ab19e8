; pit_irq: timer interrupts through the 8259A pair from the 8254 PIT.
;
; Programs the PICs (ICW1-4: vectors 0x20/0x28, cascade on IRQ 2, only IRQ 0
; unmasked), PIT channel 0 in mode 2 (rate generator) with count 1193, i.e.
; about 1000 Hz, enables interrupts and HLTs until 50 timer interrupts have
; come, each acknowledged with a non-specific EOI. It prints
;   pit_irq: 50 timer interrupts in N HLTs
;   pit_irq: PASS
; and exits with EXIT_PASS. If 50 interrupts have not come within MAX_HLTS
; wake-ups from HLT it prints "pit_irq: FAIL: ..." and exits with
; EXIT_FAIL. (If no interrupt ever comes the first HLT never ends: the test
; that runs this guest needs a time limit.)

%include "common32.inc"

%define PIT_CH0		0x40
%define PIT_CMD		0x43
%define PIT_SEL_CH0	0x00		; control word: counter 0,
%define PIT_RW_LOHI	0x30		; LSB then MSB,
%define PIT_MODE2	0x04		; mode 2 (rate generator),
%define PIT_BINARY	0x00		; binary count
%define PIT_COUNT	1193		; 1193182 Hz / 1193 = 1000.15 Hz
%define IRQ0_VECTOR	IRQ_BASE_MASTER
%define WANT_TICKS	50
%define MAX_HLTS	(WANT_TICKS * 4)

section .text
main:
	mov esi, msg_start
	call puts
	mov ecx, IRQ0_VECTOR
	mov eax, timer_isr
	call set_gate
	mov bl, 0xfe			; master: IRQ 0 only
	mov bh, 0xff			; slave: all masked
	call pic_init

	mov al, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE2 | PIT_BINARY
	out PIT_CMD, al
	mov al, PIT_COUNT & 0xff
	out PIT_CH0, al
	mov al, PIT_COUNT >> 8
	out PIT_CH0, al

.wait:
	cli				; test and sleep without a window in
	cmp dword [ticks], WANT_TICKS	; which the last interrupt is lost
	jae .done
	cmp dword [hlts], MAX_HLTS
	jae .too_slow
	sti
	hlt				; STI's shadow covers the HLT
	inc dword [hlts]
	jmp .wait

.done:
	mov al, 0xff			; mask everything again
	out PIC1_DATA, al
	mov esi, msg_count
	call puts
	mov eax, [ticks]
	call put_dec
	mov esi, msg_in
	call puts
	mov eax, [hlts]
	call put_dec
	mov esi, msg_hlts
	call puts
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret

.too_slow:
	mov esi, msg_too_slow
	call puts
	mov eax, [ticks]
	call put_dec
	mov esi, msg_in
	call puts
	mov eax, [hlts]
	call put_dec
	mov esi, msg_hlts
	call puts
	mov al, EXIT_FAIL
	ret

timer_isr:
	push eax
	inc dword [ticks]
	mov al, OCW2_EOI
	out PIC1_CMD, al
	pop eax
	INTR_RETURN

section .rodata
msg_start:	db "pit_irq: counting 50 timer interrupts at 1000 Hz", 10, 0
msg_count:	db "pit_irq: ", 0
msg_in:		db " timer interrupts in ", 0
msg_hlts:	db " HLTs", 10, 0
msg_pass:	db "pit_irq: PASS", 10, 0
msg_too_slow:	db "pit_irq: FAIL: only ", 0

section .bss
ticks:		resd 1
hlts:		resd 1
