; str_io: string port I/O, INS and OUTS, with and without REP.
;
; Under VT-x the monitor moves the elements of these instructions itself
; (vmm/strio.c: the address size and segment from the exit's instruction
; information, DF, RCX, RSI/RDI, at most 1024 elements per exit); under KVM
; the kernel hands Smart-VM one element at a time. The output must be the
; same. The checks, each printing a line ending ": ok" or a FAIL:
;   - a line sent to COM1 with one REP OUTSB (the virtual 16550's THR is
;     always ready, so nothing needs to wait for LSR.THRE), then ECX and
;     ESI as REP leaves them;
;   - fw_cfg's signature item (selector 0x510, a 16-bit OUT; data 0x511)
;     read with one REP INSB, then again with four INSB: "QEMU";
;   - with DF=1: a REP OUTSW of two selectors, which leaves the signature
;     selected only if the words went out from the higher one down, then a
;     REP INSB that stores the signature backwards ("UMEQ");
;   - with DF=1: a REP INSW of 3 words from an unassigned port (all ones)
;     between two guard words, which must stay;
;   - a REP INSB of 3000 bytes from that port: more than one exit's worth
;     on VT-x, so the guest executes the instruction again where the
;     monitor stopped it, as after an interrupt; every byte all ones.
; Then "str_io: PASS" (EXIT_PASS), or "str_io: FAIL: N checks failed".

%include "common32.inc"

%define FW_CFG_SELECTOR		0x510
%define FW_CFG_DATA		0x511
%define FW_CFG_SIGNATURE	0x0000	; item keys
%define FW_CFG_ID		0x0001
%define SIGNATURE		0x554d4551	; "QEMU" as a little-endian dword
%define SIGNATURE_BACKWARDS	0x51454d55	; "UMEQ"
; A port no device claims (outside every window port_hammer.asm skips):
; reads all ones.
%define UNASSIGNED_PORT		0x0600
%define GUARD			0x6a5d
%define BIG_COUNT		3000

section .text

; fail_check: print "str_io: FAIL: " and the string at ESI, count it.
fail_check:
	push esi
	mov esi, msg_fail
	call puts
	pop esi
	call puts
	inc dword [failed]
	ret

; ok_check: print the line at ESI followed by ": ok".
ok_check:
	call puts
	push esi
	mov esi, msg_ok
	call puts
	pop esi
	ret

; select: fw_cfg item AX, by a 16-bit OUT to the selector.
select:
	push edx
	mov dx, FW_CFG_SELECTOR
	out dx, ax
	pop edx
	ret

main:
	cld
	; ---- REP OUTSB to COM1 ----
	mov esi, line
	mov ecx, line_len
	mov dx, COM1 + UART_THR
	rep outsb
	test ecx, ecx
	jnz .outsb_bad
	cmp esi, line + line_len
	jne .outsb_bad
	mov esi, msg_outsb
	call ok_check
	jmp .rep_insb
.outsb_bad:
	mov esi, msg_outsb_bad
	call fail_check

	; ---- REP INSB: the fw_cfg signature ----
.rep_insb:
	mov ax, FW_CFG_SIGNATURE
	call select
	mov dword [buf], 0
	mov edi, buf
	mov ecx, 4
	mov dx, FW_CFG_DATA
	rep insb
	cmp dword [buf], SIGNATURE
	jne .rep_insb_bad
	test ecx, ecx
	jnz .rep_insb_bad
	cmp edi, buf + 4
	jne .rep_insb_bad
	mov esi, msg_rep_insb
	call ok_check
	jmp .insb
.rep_insb_bad:
	mov esi, msg_rep_insb_bad
	call fail_check

	; ---- four INSB ----
.insb:
	mov ax, FW_CFG_SIGNATURE
	call select
	mov dword [buf], 0
	mov edi, buf
	mov dx, FW_CFG_DATA
	mov ecx, 0x5a5a5a5a		; no REP: ECX is not the count
	insb
	insb
	insb
	insb
	cmp dword [buf], SIGNATURE
	jne .insb_bad
	cmp ecx, 0x5a5a5a5a
	jne .insb_bad
	cmp edi, buf + 4
	jne .insb_bad
	mov esi, msg_insb
	call ok_check
	jmp .outsw_down
.insb_bad:
	mov esi, msg_insb_bad
	call fail_check

	; ---- DF=1: REP OUTSW of selectors, then REP INSB backwards ----
	; selectors[1] (ID) goes out first, then selectors[0] (signature):
	; going up instead would send selectors[2] (ID) last.
.outsw_down:
	mov dword [buf], 0
	std
	mov esi, selectors + 2
	mov ecx, 2
	mov dx, FW_CFG_SELECTOR
	rep outsw
	mov edx, esi			; kept for the check
	mov edi, buf + 3
	mov ecx, 4
	push edx
	mov dx, FW_CFG_DATA
	rep insb
	pop edx
	cld
	cmp dword [buf], SIGNATURE_BACKWARDS
	jne .down_bad
	cmp edx, selectors - 2
	jne .down_bad
	cmp edi, buf - 1
	jne .down_bad
	mov esi, msg_down
	call ok_check
	jmp .insw_down
.down_bad:
	mov esi, msg_down_bad
	call fail_check

	; ---- DF=1: REP INSW between guard words ----
.insw_down:
	mov word [words], GUARD
	mov dword [words + 2], 0
	mov word [words + 6], 0
	mov word [words + 8], GUARD
	std
	mov edi, words + 6
	mov ecx, 3
	mov dx, UNASSIGNED_PORT
	rep insw
	cld
	cmp word [words], GUARD
	jne .insw_bad
	cmp word [words + 8], GUARD
	jne .insw_bad
	cmp dword [words + 2], 0xffffffff
	jne .insw_bad
	cmp word [words + 6], 0xffff
	jne .insw_bad
	cmp edi, words
	jne .insw_bad
	mov esi, msg_insw
	call ok_check
	jmp .big
.insw_bad:
	mov esi, msg_insw_bad
	call fail_check

	; ---- a REP INSB longer than one exit's worth ----
.big:
	mov edi, big
	mov ecx, BIG_COUNT + 1
	xor al, al
	rep stosb			; the buffer and the guard byte after it
	mov edi, big
	mov ecx, BIG_COUNT
	mov dx, UNASSIGNED_PORT
	rep insb
	test ecx, ecx
	jnz .big_bad
	cmp edi, big + BIG_COUNT
	jne .big_bad
	cmp byte [big + BIG_COUNT], 0
	jne .big_bad
	mov edi, big
	mov ecx, BIG_COUNT
	mov al, 0xff
	repe scasb
	jne .big_bad
	mov esi, msg_big
	call ok_check
	jmp .done
.big_bad:
	mov esi, msg_big_bad
	call fail_check

.done:
	mov eax, [failed]
	test eax, eax
	jnz .fail
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret
.fail:
	mov esi, msg_fail_count
	call puts
	call put_dec
	mov esi, msg_fail_tail
	call puts
	mov al, EXIT_FAIL
	ret

section .rodata
line:		db "str_io: this line was sent with one rep outsb", 10
line_len	equ $ - line
selectors:	dw FW_CFG_SIGNATURE, FW_CFG_ID, FW_CFG_ID
msg_ok:		db ": ok", 10, 0
msg_fail:	db "str_io: FAIL: ", 0
msg_outsb:	db "str_io: rep outsb to COM1: ecx 0, esi past the line", 0
msg_outsb_bad:	db "rep outsb left ecx or esi wrong", 10, 0
msg_rep_insb:	db 'str_io: rep insb from fw_cfg: "QEMU"', 0
msg_rep_insb_bad: db 'rep insb from fw_cfg: not "QEMU", or ecx/edi wrong', 10, 0
msg_insb:	db 'str_io: 4 insb from fw_cfg: "QEMU"', 0
msg_insb_bad:	db 'insb from fw_cfg: not "QEMU", or ecx/edi wrong', 10, 0
msg_down:	db 'str_io: std, rep outsw of 2 selectors, rep insb: "UMEQ"', 0
msg_down_bad:	db 'std, rep outsw/insb: not "UMEQ", or esi/edi wrong', 10, 0
msg_insw:	db "str_io: std, rep insw of 3 words from an unassigned port: all ones, guards kept", 0
msg_insw_bad:	db "std, rep insw: wrong words, a guard overwritten, or edi wrong", 10, 0
msg_big:	db "str_io: rep insb of 3000 bytes from an unassigned port: all ones", 0
msg_big_bad:	db "rep insb of 3000 bytes: a byte not all ones, the guard overwritten, or ecx/edi wrong", 10, 0
msg_pass:	db "str_io: PASS", 10, 0
msg_fail_count:	db "str_io: FAIL: ", 0
msg_fail_tail:	db " checks failed", 10, 0

section .bss
failed:		resd 1
alignb 4
		resb 4			; room below buf for the DF=1 checks
buf:		resb 8
alignb 4
words:		resw 5			; guard, 3 words, guard
big:		resb BIG_COUNT + 1
