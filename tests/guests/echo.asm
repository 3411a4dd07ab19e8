; echo: a line-by-line echo over COM1, fed by the receiver's interrupts.
;
; Prints the prompt "echo> " and reads a line typed on COM1: each byte
; arrives by the received-data interrupt (IER bit 0, MCR.OUT2, IRQ 4), whose
; handler empties the receiver FIFO into a ring while LSR.DR says a byte is
; there (the same handler serves the data-available and the character-
; timeout indications). The main loop HLTs while the ring is empty, shows
; what is typed (printable ASCII; backspace or DEL rubs out), and takes CR,
; LF or CR LF as the end of the line (a terminal sends CR; the LF after it
; is skipped). Then it prints
;   ECHO: TEXT
; the line in capitals, and the prompt again. The line "quit" ends it:
;   echo: PASS
; and EXIT_PASS. An interrupt from a UART source other than received data
; or the timeout ends with "echo: FAIL: ..." and EXIT_FAIL.
;
; No timer runs: between lines the guest sleeps until a byte comes. On the
; bare-metal kernel the input comes from `vm console echo`; `smartvm run`
; has no input for it, so there the VM stops with "HLT ... would never
; wake" (it is not in tests/integration/guests.txt).

%include "common32.inc"

%define IRQ4_VECTOR	(IRQ_BASE_MASTER + 4)
%define IER_ERBFI	0x01		; received data available (+ timeout)
%define LSR_DR		0x01		; data ready
%define IIR_ID_RDI	0x04		; received data available
%define IIR_ID_CTI	0x0c		; character timeout
%define RX_RING		256		; a power of two
%define LINE_MAX	120
%define KEY_BACKSPACE	0x08
%define KEY_LF		0x0a
%define KEY_CR		0x0d
%define KEY_DEL		0x7f

section .text
main:
	mov ecx, IRQ4_VECTOR
	mov eax, uart_isr
	call set_gate
	mov bl, 0xef			; master: IRQ 4 only
	mov bh, 0xff
	call pic_init
	mov dx, COM1 + UART_MCR
	mov al, MCR_DTR | MCR_RTS | MCR_OUT2
	out dx, al
	mov dx, COM1 + UART_IER
	mov al, IER_ERBFI
	out dx, al
	sti

.prompt:
	mov esi, msg_prompt
	call puts
	xor ebx, ebx			; bytes in the line
.key:
	call getc
	cmp byte [other_irqs], 0
	jne .other
	cmp al, KEY_LF
	jne .not_lf
	cmp byte [last_cr], 0
	mov byte [last_cr], 0
	jne .key			; the LF of a CR LF
	jmp .enter
.not_lf:
	mov byte [last_cr], 0
	cmp al, KEY_CR
	jne .not_cr
	mov byte [last_cr], 1
	jmp .enter
.not_cr:
	cmp al, KEY_BACKSPACE
	je .rub_out
	cmp al, KEY_DEL
	je .rub_out
	cmp al, ' '
	jb .key				; other controls: ignored
	cmp al, '~'
	ja .key				; and bytes above ASCII
	cmp ebx, LINE_MAX
	jae .key			; the line is full
	mov [line + ebx], al
	inc ebx
	call putc			; show it, as a terminal's echo
	jmp .key
.rub_out:
	test ebx, ebx
	jz .key
	dec ebx
	mov esi, msg_rub_out
	call puts
	jmp .key

.enter:
	mov al, KEY_LF
	call putc
	mov byte [line + ebx], 0
	mov esi, line
	mov edi, word_quit
	call streq
	je .quit
	mov esi, msg_echo
	call puts
	xor ecx, ecx
.upper:
	cmp ecx, ebx
	jae .upper_done
	mov al, [line + ecx]
	cmp al, 'a'
	jb .put
	cmp al, 'z'
	ja .put
	sub al, 'a' - 'A'
.put:
	call putc
	inc ecx
	jmp .upper
.upper_done:
	mov al, KEY_LF
	call putc
	jmp .prompt

.quit:
	cli
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret
.other:
	mov esi, msg_other
	call puts
	mov al, EXIT_FAIL
	ret

; getc: the next received byte in AL, sleeping (HLT) until one comes or
; the handler saw a source it did not ask for.
getc:
	push ecx
.wait:
	cli
	mov ecx, [rx_tail]
	cmp ecx, [rx_head]
	jne .take
	cmp byte [other_irqs], 0
	jne .none
	sti
	hlt				; STI's shadow covers the HLT
	jmp .wait
.take:
	and ecx, RX_RING - 1
	mov al, [rx_ring + ecx]
	inc dword [rx_tail]
	sti
	pop ecx
	ret
.none:
	sti
	xor al, al
	pop ecx
	ret

; streq: ZF set when the NUL-terminated strings at ESI and EDI are equal.
streq:
	push eax
	push esi
	push edi
.next:
	mov al, [esi]
	cmp al, [edi]
	jne .done			; ZF clear
	test al, al
	jz .done			; ZF set: both ended
	inc esi
	inc edi
	jmp .next
.done:
	pop edi
	pop esi
	pop eax
	ret

; The UART's interrupt: empty the receiver FIFO into the ring for each
; data-available or timeout indication, until IIR shows nothing pending.
; A full ring drops the byte (a person types slower than this drains).
uart_isr:
	push eax
	push ecx
	push edx
.next:
	mov dx, COM1 + UART_IIR
	in al, dx
	test al, IIR_NO_INT
	jnz .eoi
	and al, IIR_ID_MASK
	cmp al, IIR_ID_RDI
	je .drain
	cmp al, IIR_ID_CTI
	je .drain
	; not asked for: switch every source off and clear it (LSR, MSR
	; and RBR reads clear the other three); main reports it
	mov byte [other_irqs], 1
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LSR
	in al, dx
	mov dx, COM1 + UART_MSR
	in al, dx
	mov dx, COM1 + UART_RBR
	in al, dx
	jmp .next
.drain:
	mov dx, COM1 + UART_LSR
	in al, dx
	test al, LSR_DR
	jz .next
	mov dx, COM1 + UART_RBR
	in al, dx
	mov ecx, [rx_head]
	sub ecx, [rx_tail]
	cmp ecx, RX_RING
	jae .drain			; full: dropped
	mov ecx, [rx_head]
	and ecx, RX_RING - 1
	mov [rx_ring + ecx], al
	inc dword [rx_head]
	jmp .drain
.eoi:
	mov al, OCW2_EOI
	out PIC1_CMD, al
	pop edx
	pop ecx
	pop eax
	INTR_RETURN

section .rodata
msg_prompt:	db "echo> ", 0
msg_echo:	db "ECHO: ", 0
msg_rub_out:	db KEY_BACKSPACE, " ", KEY_BACKSPACE, 0
msg_pass:	db "echo: PASS", 10, 0
msg_other:	db "echo: FAIL: an interrupt from a source other than received data", 10, 0
word_quit:	db "quit", 0

section .bss
rx_head:	resd 1			; bytes the handler put in
rx_tail:	resd 1			; bytes main took out
other_irqs:	resb 1
last_cr:	resb 1
rx_ring:	resb RX_RING
line:		resb LINE_MAX + 1
