; port_hammer: ports no device claims read all ones and ignore writes.
;
; Walks the whole port space 0x0000-0xfffc in steps of PORT_STEP (a prime,
; so both even and odd ports are hit), skipping the windows of `excluded`
; below: every legacy PC device window that Smart-VM models or may model
; (its devices, and the standard ones a later device could claim). At each
; remaining port it reads a byte, a word and a dword, which must be 0xff,
; 0xffff and 0xffffffff; writes a byte, a word and a dword; and reads the
; byte again, which must still be 0xff. Up to MAX_REPORTS bad reads are
; printed as
;   port_hammer: in 0xPPPP (size S) = 0xVVVVVVVV, expected all ones
; then the summary
;   port_hammer: P ports, R reads, W writes, B bad reads
; and "port_hammer: PASS" with EXIT_PASS if B is 0, else
; "port_hammer: FAIL" with EXIT_FAIL.
;
; A device added to Smart-VM outside these windows must be added to the
; table, or this guest (rightly) reports it.

%include "common32.inc"

%define PORT_STEP	37
%define LAST_PORT	0xfffc		; a dword read must not pass 0xffff
%define MAX_REPORTS	8

section .text
; excluded_port: ZF clear if [EBX, EBX+4) meets an excluded window.
excluded_port:
	push eax
	push ecx
	push esi
	lea ecx, [ebx + 4]
	mov esi, excluded
.next:
	mov eax, [esi + 4]		; end (exclusive); 0 ends the table
	test eax, eax
	jz .free
	cmp ebx, eax
	jae .skip
	cmp [esi], ecx			; start < EBX + 4 ?
	jb .hit
.skip:
	add esi, 8
	jmp .next
.hit:
	or eax, 1			; ZF = 0
	jmp .out
.free:
	xor eax, eax			; ZF = 1
.out:
	pop esi
	pop ecx
	pop eax
	ret

; check: EAX = value read at port EBX with size ECX, EDX = expected.
check:
	inc dword [reads]
	cmp eax, edx
	je .ok
	inc dword [bad]
	cmp dword [bad], MAX_REPORTS
	ja .ok
	push esi
	push ecx
	mov esi, msg_in
	call puts
	push eax
	mov eax, ebx
	mov ecx, 4
	call put_hex
	pop eax
	mov esi, msg_size
	call puts
	pop ecx
	push eax
	mov eax, ecx
	call put_dec
	pop eax
	mov esi, msg_equals
	call puts
	push ecx
	mov ecx, 8
	call put_hex
	pop ecx
	mov esi, msg_expected
	call puts
	pop esi
.ok:
	ret

main:
	mov esi, msg_start
	call puts
	xor ebx, ebx
.port:
	call excluded_port
	jnz .next
	inc dword [ports]
	mov edx, ebx			; DX: the port for IN/OUT

	xor eax, eax
	in al, dx
	push edx
	mov ecx, 1
	mov edx, 0xff
	call check
	pop edx

	xor eax, eax
	in ax, dx
	push edx
	mov ecx, 2
	mov edx, 0xffff
	call check
	pop edx

	in eax, dx
	push edx
	mov ecx, 4
	mov edx, 0xffffffff
	call check
	pop edx

	xor eax, eax
	out dx, al
	mov ax, 0x1234
	out dx, ax
	mov eax, 0x5a5a0000
	out dx, eax
	add dword [writes], 3

	xor eax, eax
	in al, dx			; the writes changed nothing
	push edx
	mov ecx, 1
	mov edx, 0xff
	call check
	pop edx
.next:
	add ebx, PORT_STEP
	cmp ebx, LAST_PORT
	jbe .port

	mov esi, msg_summary
	call puts
	mov eax, [ports]
	call put_dec
	mov esi, msg_ports
	call puts
	mov eax, [reads]
	call put_dec
	mov esi, msg_reads
	call puts
	mov eax, [writes]
	call put_dec
	mov esi, msg_writes
	call puts
	mov eax, [bad]
	call put_dec
	mov esi, msg_bad
	call puts
	cmp dword [bad], 0
	jne .fail
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret
.fail:
	mov esi, msg_fail
	call puts
	mov al, EXIT_FAIL
	ret

section .rodata
; [start, end) windows left alone
excluded:
	dd 0x0000, 0x0100	; system board: DMA, PIC, PIT, i8042, port B,
				; CMOS/RTC, POST, A20, FPU, debug exit
	dd 0x0170, 0x0178	; secondary ATA
	dd 0x01f0, 0x01f8	; primary ATA
	dd 0x0278, 0x0280	; LPT2
	dd 0x02e8, 0x02f0	; COM4
	dd 0x02f8, 0x0300	; COM2
	dd 0x0370, 0x0380	; secondary ATA control, LPT1
	dd 0x03b0, 0x03e0	; MDA, VGA
	dd 0x03e8, 0x03f0	; COM3
	dd 0x03f0, 0x0410	; floppy, primary ATA control, COM1, debug console
	dd 0x04d0, 0x04d2	; PIC edge/level control (ELCR)
	dd 0x0510, 0x051c	; fw_cfg (selector, data, DMA)
	dd 0x0cf8, 0x0d00	; PCI configuration, reset control
	dd 0x8900, 0x8901	; Bochs shutdown
	dd 0, 0

msg_start:	db "port_hammer: reading unassigned ports across 0x0000-0xffff", 10, 0
msg_in:		db "port_hammer: in 0x", 0
msg_size:	db " (size ", 0
msg_equals:	db ") = 0x", 0
msg_expected:	db ", expected all ones", 10, 0
msg_summary:	db "port_hammer: ", 0
msg_ports:	db " ports, ", 0
msg_reads:	db " reads, ", 0
msg_writes:	db " writes, ", 0
msg_bad:	db " bad reads", 10, 0
msg_pass:	db "port_hammer: PASS", 10, 0
msg_fail:	db "port_hammer: FAIL", 10, 0

section .bss
ports:		resd 1
reads:		resd 1
writes:		resd 1
bad:		resd 1
