; mb_hello: the Multiboot protected-mode hello guest.
;
; Checks that it was entered as the Multiboot specification says (EAX =
; 0x2BADB002) and reads the information structure at EBX: it prints
;   Hello from protected mode
;   mem_lower: N KiB
;   mem_upper: N KiB
;   cmdline: TEXT
;   mb_hello: PASS
; and exits with EXIT_PASS. A wrong magic, missing memory information or a
; lower-memory size outside 1-640 KiB ends with "mb_hello: FAIL: ..." and
; EXIT_FAIL. Without a command line (flag bit 2 clear) it prints
; "cmdline: (none)".

%include "common32.inc"

section .text
main:
	cmp dword [mb_magic], MB_BOOTLOADER_MAGIC
	jne .bad_magic
	mov esi, msg_hello
	call puts

	mov ebx, [mb_info]
	mov edi, [ebx + MBI_FLAGS]
	test edi, MBI_F_MEMORY
	jz .no_memory
	mov esi, msg_lower
	call puts
	mov eax, [ebx + MBI_MEM_LOWER]
	call put_dec
	mov esi, msg_kib
	call puts
	mov esi, msg_upper
	call puts
	mov eax, [ebx + MBI_MEM_UPPER]
	call put_dec
	mov esi, msg_kib
	call puts
	mov eax, [ebx + MBI_MEM_LOWER]
	test eax, eax
	jz .bad_lower
	cmp eax, 640
	ja .bad_lower

	mov esi, msg_cmdline
	call puts
	mov esi, msg_none
	test edi, MBI_F_CMDLINE
	jz .print_cmdline
	mov esi, [ebx + MBI_CMDLINE]
.print_cmdline:
	call puts
	mov al, 10
	call putc

	mov esi, msg_pass
	call puts
	mov al, EXIT_PASS
	ret

.bad_magic:
	mov esi, msg_bad_magic
	call puts
	mov eax, [mb_magic]
	mov ecx, 8
	call put_hex
	mov al, 10
	call putc
	mov al, EXIT_FAIL
	ret
.no_memory:
	mov esi, msg_no_memory
	call puts
	mov al, EXIT_FAIL
	ret
.bad_lower:
	mov esi, msg_bad_lower
	call puts
	mov al, EXIT_FAIL
	ret

section .rodata
msg_hello:	db "Hello from protected mode", 10, 0
msg_lower:	db "mem_lower: ", 0
msg_upper:	db "mem_upper: ", 0
msg_kib:	db " KiB", 10, 0
msg_cmdline:	db "cmdline: ", 0
msg_none:	db "(none)", 0
msg_pass:	db "mb_hello: PASS", 10, 0
msg_bad_magic:	db "mb_hello: FAIL: bad magic in EAX: 0x", 0
msg_no_memory:	db "mb_hello: FAIL: no memory information (flags bit 0)", 10, 0
msg_bad_lower:	db "mb_hello: FAIL: mem_lower is not 1-640 KiB", 10, 0
