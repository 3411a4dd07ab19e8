; uart_irq: the 16550A UART driven by interrupts.
;
; Enables the THR-empty interrupt (IER bit 1) with MCR.OUT2 set (which gates
; the UART's INTR to the PIC on a PC) and IRQ 4 unmasked, and sends
;   uart_irq: this line was sent by the THRE interrupt handler
; from the interrupt handler, one byte per THRE interrupt identified in
; IIR. The handler loops on IIR until no interrupt is pending, as the
; datasheet says a driver must, and acknowledges the PIC after. Once the
; message is out it disables the interrupt and main prints (polled)
;   uart_irq: N bytes in N+1 THRE interrupts
;   uart_irq: PASS
; and exits with EXIT_PASS. The THRE interrupt count must be exactly one
; more than the byte count (the last one finds nothing left to send); a
; different count, an interrupt from another UART source, or no progress
; within MAX_HLTS wake-ups ends with "uart_irq: FAIL: ..." and EXIT_FAIL.

%include "common32.inc"

%define IRQ4_VECTOR	(IRQ_BASE_MASTER + 4)
%define MAX_HLTS	1000

section .text
main:
	mov esi, msg_start
	call puts
	mov dword [tx_pos], message
	mov ecx, IRQ4_VECTOR
	mov eax, uart_isr
	call set_gate
	mov bl, 0xef			; master: IRQ 4 only
	mov bh, 0xff
	call pic_init

	mov dx, COM1 + UART_MCR
	mov al, MCR_DTR | MCR_RTS | MCR_OUT2
	out dx, al
	; THR is empty, so enabling the interrupt raises it at once.
	mov dx, COM1 + UART_IER
	mov al, IER_ETBEI
	out dx, al

.wait:
	cli
	cmp byte [tx_done], 0
	jne .done
	cmp dword [hlts], MAX_HLTS
	jae .stuck
	sti
	hlt				; STI's shadow covers the HLT
	inc dword [hlts]
	jmp .wait

.done:
	mov al, 0xff
	out PIC1_DATA, al
	mov dx, COM1 + UART_MCR
	mov al, MCR_DTR | MCR_RTS
	out dx, al
	cmp dword [other_irqs], 0
	jne .other
	mov esi, msg_count
	call puts
	mov eax, [tx_pos]
	sub eax, message
	mov ebx, eax			; bytes sent
	call put_dec
	mov esi, msg_bytes_in
	call puts
	mov eax, [thre_irqs]
	call put_dec
	mov esi, msg_thre
	call puts
	inc ebx
	cmp ebx, [thre_irqs]
	jne .bad_count
	cmp dword [tx_pos], message_end
	jne .bad_count
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret

.stuck:
	mov esi, msg_stuck
	call puts
	mov al, EXIT_FAIL
	ret
.other:
	mov esi, msg_other
	call puts
	mov al, EXIT_FAIL
	ret
.bad_count:
	mov esi, msg_bad_count
	call puts
	mov al, EXIT_FAIL
	ret

uart_isr:
	push eax
	push edx
	push esi
.next:
	mov dx, COM1 + UART_IIR
	in al, dx
	test al, IIR_NO_INT
	jnz .eoi
	and al, IIR_ID_MASK
	cmp al, IIR_ID_THRE
	jne .other_source
	inc dword [thre_irqs]
	mov esi, [tx_pos]
	mov al, [esi]
	test al, al
	jz .finished
	mov dx, COM1 + UART_THR		; writing THR clears the interrupt
	out dx, al
	inc dword [tx_pos]
	jmp .next
.finished:
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov byte [tx_done], 1
	jmp .next
.other_source:
	; Not asked for: count it, switch every source off and clear it
	; (LSR, MSR and RBR reads clear the other three).
	inc dword [other_irqs]
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LSR
	in al, dx
	mov dx, COM1 + UART_MSR
	in al, dx
	mov dx, COM1 + UART_RBR
	in al, dx
	mov byte [tx_done], 1
	jmp .next
.eoi:
	mov al, OCW2_EOI
	out PIC1_CMD, al
	pop esi
	pop edx
	pop eax
	INTR_RETURN

section .rodata
message:	db "uart_irq: this line was sent by the THRE interrupt handler", 10
message_end:	db 0
msg_start:	db "uart_irq: sending a line by THRE interrupts", 10, 0
msg_count:	db "uart_irq: ", 0
msg_bytes_in:	db " bytes in ", 0
msg_thre:	db " THRE interrupts", 10, 0
msg_pass:	db "uart_irq: PASS", 10, 0
msg_stuck:	db "uart_irq: FAIL: the line was not sent within 1000 HLTs", 10, 0
msg_other:	db "uart_irq: FAIL: an interrupt from a source other than THRE", 10, 0
msg_bad_count:	db "uart_irq: FAIL: expected one THRE interrupt per byte and one more", 10, 0

section .bss
tx_pos:		resd 1
thre_irqs:	resd 1
other_irqs:	resd 1
hlts:		resd 1
tx_done:	resb 1
