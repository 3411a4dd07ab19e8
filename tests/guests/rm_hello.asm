; rm_hello: the real-mode hello guest.
;
; A flat image for `format = flat`, loaded at 0000:7c00 (the default `load`
; address, where a PC BIOS puts a boot sector; it also boots as one, hence
; the 0xaa55 signature). It sets up its own segments and stack, prints
; "Hello from real mode" on COM1 (polled) and ends the VM through the
; debug-exit port with EXIT_PASS (status 33). Nothing here needs a BIOS.

bits 16
org 0x7c00

%define DEBUG_EXIT_PORT	0xf4
%define EXIT_PASS	0x10
%define COM1		0x3f8
%define UART_THR	0
%define UART_DLL	0
%define UART_IER	1
%define UART_DLM	1
%define UART_FCR	2
%define UART_LCR	3
%define UART_MCR	4
%define UART_LSR	5
%define LCR_8N1		0x03
%define LCR_DLAB	0x80
%define FCR_ENABLE_CLEAR 0x07
%define MCR_DTR_RTS	0x03
%define LSR_THRE	0x20

start:
	cli
	jmp 0x0000:.cs_zero		; CS = 0 whichever segment we came in by
.cs_zero:
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00			; the stack grows down below the image
	cld

	; COM1: 115200 8N1, FIFOs on, no interrupts
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LCR
	mov al, LCR_DLAB
	out dx, al
	mov dx, COM1 + UART_DLL
	mov al, 1
	out dx, al
	mov dx, COM1 + UART_DLM
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LCR
	mov al, LCR_8N1
	out dx, al
	mov dx, COM1 + UART_FCR
	mov al, FCR_ENABLE_CLEAR
	out dx, al
	mov dx, COM1 + UART_MCR
	mov al, MCR_DTR_RTS
	out dx, al

	mov si, hello
.next:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, COM1 + UART_LSR
.wait:
	in al, dx
	test al, LSR_THRE
	jz .wait
	mov al, ah
	mov dx, COM1 + UART_THR
	out dx, al
	jmp .next
.done:
	mov al, EXIT_PASS
	out DEBUG_EXIT_PORT, al
.hang:
	cli
	hlt
	jmp .hang

hello:	db "Hello from real mode", 10, 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
