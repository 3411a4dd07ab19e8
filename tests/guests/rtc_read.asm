; rtc_read: read the date and time from the MC146818 CMOS/RTC.
;
; Selects registers through port 0x70 with the NMI-disable bit set, reads
; register B for the data mode (BCD or binary, 12- or 24-hour), waits for
; the update-in-progress flag (register A bit 7) to clear and reads
; seconds, minutes, hours, day, month, year and century (register 0x32),
; twice, until two reads agree. It prints
;   rtc_read: register B 0xNN (BCD|binary, 24-hour|12-hour)
;   RTC: YYYY-MM-DD HH:MM:SS
;   rtc_read: PASS
; and exits with EXIT_PASS once every value is in range (BCD digits valid,
; seconds and minutes 0-59, hours 0-23, day 1-31, month 1-12, year 0-99,
; century 19-21); otherwise "rtc_read: FAIL: ..." and EXIT_FAIL.

%include "common32.inc"

%define CMOS_INDEX	0x70
%define CMOS_DATA	0x71
%define CMOS_NMI_DISABLE 0x80
%define RTC_SECONDS	0x00
%define RTC_MINUTES	0x02
%define RTC_HOURS	0x04
%define RTC_DAY		0x07
%define RTC_MONTH	0x08
%define RTC_YEAR	0x09
%define RTC_REG_A	0x0a
%define RTC_REG_B	0x0b
%define RTC_CENTURY	0x32
%define REGA_UIP	0x80
%define REGB_24H	0x02
%define REGB_BINARY	0x04		; DM: 1 binary, 0 BCD
%define HOURS_PM	0x80		; in 12-hour mode
%define MAX_UIP_POLLS	100000
%define MAX_TRIES	5
%define NFIELDS		7		; order of `fields` below

section .text
; cmos_read: AL = register index -> AL = its value
cmos_read:
	or al, CMOS_NMI_DISABLE
	out CMOS_INDEX, al
	in al, CMOS_DATA
	ret

; wait_uip: return with CF clear once UIP is 0, CF set if it never is.
wait_uip:
	push eax
	push ecx
	mov ecx, MAX_UIP_POLLS
.poll:
	mov al, RTC_REG_A
	call cmos_read
	test al, REGA_UIP
	jz .clear
	loop .poll
	stc
	jmp .out
.clear:
	clc
.out:
	pop ecx
	pop eax
	ret

; read_fields: the NFIELDS registers of `fields` into [EDI].
read_fields:
	push eax
	push ecx
	push esi
	mov esi, fields
	mov ecx, NFIELDS
.next:
	lodsb
	call cmos_read
	stosb
	loop .next
	pop esi
	pop ecx
	pop eax
	ret

; to_binary: AL from the register's mode to binary; CF set on a bad BCD digit.
to_binary:
	test byte [reg_b], REGB_BINARY
	jnz .ok
	push ebx
	mov bl, al
	and bl, 0x0f
	cmp bl, 9
	ja .bad
	shr al, 4
	cmp al, 9
	ja .bad
	mov bh, 10
	mul bh				; AX = tens * 10
	add al, bl
	pop ebx
.ok:
	clc
	ret
.bad:
	pop ebx
	stc
	ret

main:
	mov al, RTC_REG_B
	call cmos_read
	mov [reg_b], al
	mov esi, msg_reg_b
	call puts
	movzx eax, al
	mov ecx, 2
	call put_hex
	mov esi, msg_bcd
	test byte [reg_b], REGB_BINARY
	jz .mode
	mov esi, msg_binary
.mode:
	call puts
	mov esi, msg_24h
	test byte [reg_b], REGB_24H
	jnz .hours
	mov esi, msg_12h
.hours:
	call puts

	mov ebx, MAX_TRIES
.try:
	call wait_uip
	jc .uip_stuck
	mov edi, first
	call read_fields
	call wait_uip
	jc .uip_stuck
	mov edi, second
	call read_fields
	mov esi, first
	mov edi, second
	mov ecx, NFIELDS
	repe cmpsb
	je .stable
	dec ebx
	jnz .try
	mov esi, msg_unstable
	jmp fail

.stable:
	; Hours first: in 12-hour mode bit 7 is PM and 12 means 0.
	mov al, [first + 2]
	mov ah, al
	and al, ~HOURS_PM
	test byte [reg_b], REGB_24H
	jnz .hours_24
	call to_binary
	jc .bad_bcd
	cmp al, 12
	jne .am_pm
	xor al, al
.am_pm:
	test byte [first + 2], HOURS_PM	; (to_binary clobbered AH)
	jz .hours_done
	add al, 12
	jmp .hours_done
.hours_24:
	mov al, ah
	call to_binary
	jc .bad_bcd
.hours_done:
	mov [first + 2], al

	; The others, and every range.
	xor ebx, ebx
.convert:
	cmp ebx, 2
	je .range
	mov al, [first + ebx]
	call to_binary
	jc .bad_bcd
	mov [first + ebx], al
.range:
	mov al, [first + ebx]
	cmp al, [field_min + ebx]
	jb .out_of_range
	cmp al, [field_max + ebx]
	ja .out_of_range
	inc ebx
	cmp ebx, NFIELDS
	jb .convert

	; RTC: YYYY-MM-DD HH:MM:SS
	mov esi, msg_rtc
	call puts
	movzx eax, byte [first + 6]	; century
	imul eax, 100
	movzx ecx, byte [first + 5]	; year
	add eax, ecx
	mov ecx, 4
	call put_dec_width
	mov ecx, 2
	mov al, '-'
	call putc
	movzx eax, byte [first + 4]	; month
	call put_dec_width
	mov al, '-'
	call putc
	movzx eax, byte [first + 3]	; day
	call put_dec_width
	mov al, ' '
	call putc
	movzx eax, byte [first + 2]	; hours
	call put_dec_width
	mov al, ':'
	call putc
	movzx eax, byte [first + 1]	; minutes
	call put_dec_width
	mov al, ':'
	call putc
	movzx eax, byte [first + 0]	; seconds
	call put_dec_width
	mov al, 10
	call putc
	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret

.uip_stuck:
	mov esi, msg_uip
	jmp fail
.bad_bcd:
	mov esi, msg_bad_bcd
	jmp fail
.out_of_range:
	mov esi, msg_range
	call puts
	mov esi, [field_names + 4 * ebx]
	jmp fail

fail:
	call puts
	mov al, EXIT_FAIL
	ret

section .rodata
; registers in the order read: seconds, minutes, hours, day, month, year,
; century; with each value's range once in binary
fields:		db RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY, RTC_MONTH
		db RTC_YEAR, RTC_CENTURY
field_min:	db 0, 0, 0, 1, 1, 0, 19
field_max:	db 59, 59, 23, 31, 12, 99, 21
field_names:	dd name_sec, name_min, name_hour, name_day, name_month
		dd name_year, name_century
name_sec:	db "seconds", 10, 0
name_min:	db "minutes", 10, 0
name_hour:	db "hours", 10, 0
name_day:	db "day", 10, 0
name_month:	db "month", 10, 0
name_year:	db "year", 10, 0
name_century:	db "century", 10, 0
msg_reg_b:	db "rtc_read: register B 0x", 0
msg_bcd:	db " (BCD, ", 0
msg_binary:	db " (binary, ", 0
msg_24h:	db "24-hour)", 10, 0
msg_12h:	db "12-hour)", 10, 0
msg_rtc:	db "RTC: ", 0
msg_pass:	db "rtc_read: PASS", 10, 0
msg_uip:	db "rtc_read: FAIL: update in progress never cleared", 10, 0
msg_unstable:	db "rtc_read: FAIL: two reads never agreed", 10, 0
msg_bad_bcd:	db "rtc_read: FAIL: a register is not valid BCD", 10, 0
msg_range:	db "rtc_read: FAIL: out of range: ", 0

section .bss
reg_b:		resb 1
first:		resb NFIELDS
second:		resb NFIELDS
