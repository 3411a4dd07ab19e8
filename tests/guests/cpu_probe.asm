; cpu_probe: the instructions that exit only under VT-x: CPUID, RDMSR and
; WRMSR, MOV to and from CR0, CR3 and CR4, and the #GP a monitor must inject
; for what the CPU refuses. Under KVM the kernel answers them itself; on
; Smart-VM's VMX backend the vmm handlers do (DESIGN.md section 6).
;
; One line per check, "cpu_probe: WHAT: ok" or "cpu_probe: WHAT: FAIL
; (expected ...)"; every check runs whatever the earlier ones gave:
;   cpuid 0        the highest leaf is at least 1; prints the vendor
;   cpuid 1        ECX bit 5 (VMX) clear, bit 31 (hypervisor) set
;   sysenter_cs    WRMSR 0x174 then RDMSR gives the value back
;   apic_base      RDMSR 0x1b has bit 11 (xAPIC global enable) set
;   rdmsr absent   RDMSR of 0x12345678, an MSR no CPU has, raises #GP(0)
;   cr0            at entry PE set, PG clear; MP toggled and back reads
;                  back exactly what was written
;   cr4 pse        CR4.PSE set reads back
;   paging         a page directory of 4 MiB pages (the first 16 MiB
;                  identity-mapped, the top 4 MiB an alias of the first)
;                  loaded in CR3 and read back; CR0.PG set; a word read
;                  and written through the alias; CR0.PG cleared; CR0, CR3
;                  and CR4 read back as written and the word written
;                  through the alias is there at its own address
;                  (only with the word "paging" on the Multiboot command
;                  line, which the bare-metal configuration gives: the
;                  software-nested KVM of some machines here refuses
;                  CR0.PG without PAE with #GP; without the word the line
;                  says "paging: skipped")
;   cr4 vmxe       MOV to CR4 with VMXE (bit 13) raises #GP and leaves CR4
; then "cpu_probe: PASS" and EXIT_PASS, or "cpu_probe: FAIL: N of M checks
; failed" and EXIT_FAIL. Any other exception ends the run as in every
; guest ("FAIL: exception 0xNN").
;
; The #GP handler resumes at an address the check arms beforehand (the
; faulting instructions are 2 or 3 bytes long); it returns with
; INTR_RETURN like every handler here (common32.inc says why not IRETD).

%include "common32.inc"

%define CPUID_1_ECX_VMX		(1 << 5)
%define CPUID_1_ECX_HYPERVISOR	(1 << 31)
%define MSR_IA32_APIC_BASE	0x0000001b
%define APIC_BASE_ENABLE	(1 << 11)	; xAPIC global enable
%define MSR_IA32_SYSENTER_CS	0x00000174
%define SYSENTER_CS_VALUE	CODE_SEL
%define MSR_ABSENT		0x12345678	; no CPU has it; KVM refuses it
%define CR0_PE			(1 << 0)
%define CR0_MP			(1 << 1)
%define CR0_PG			(1 << 31)
%define CR4_PSE			(1 << 4)
%define CR4_VMXE		(1 << 13)
%define PDE_P			(1 << 0)
%define PDE_RW			(1 << 1)
%define PDE_PS			(1 << 7)	; a 4 MiB page (CR4.PSE)
%define PDE_4M			(PDE_P | PDE_RW | PDE_PS)
%define PAGE_4M_SHIFT		22
%define IDENTITY_PDES		4		; 16 MiB, the guest's RAM
%define ALIAS_PDE		1023		; 0xffc00000-0xffffffff
%define ALIAS_BASE		(ALIAS_PDE << PAGE_4M_SHIFT)
%define PROBE_BEFORE		0x5a17c0de
%define PROBE_AFTER		0x600dcafe
%define GP_VECTOR		13

; EXPECT_GP label: the next instruction should raise #GP; the handler
; resumes at label (which must follow it, for when nothing is raised).
%macro EXPECT_GP 1
	mov dword [gp_count], 0
	mov dword [gp_error], 0xffffffff
	mov dword [gp_resume], %1
%endmacro

; SAY 'text': print a string given in place.
%macro SAY 1
[section .rodata]
%%s:	db %1, 0
__?SECT?__
	mov esi, %%s
	call puts
%endmacro

; VERDICT cc, 'expectation': ok if condition code cc holds (of the flags
; as they are), else FAIL naming the expectation.
%macro VERDICT 2
[section .rodata]
%%e:	db %2, 0
__?SECT?__
	mov esi, %%e
	j%-1 %%bad
	xor esi, esi
%%bad:
	call verdict
%endmacro

section .text
main:
	mov ecx, GP_VECTOR
	mov eax, gp_handler
	call set_gate
	call check_cpuid0
	call check_cpuid1
	call check_sysenter_cs
	call check_apic_base
	call check_absent_msr
	call check_cr0
	call check_cr4_pse
	mov esi, word_paging
	call cmdline_has
	jc .no_paging
	call check_paging
	jmp .paging_done
.no_paging:
	SAY `cpu_probe: paging: skipped (no "paging" on the command line)\n`
.paging_done:
	call check_cr4_vmxe

	cmp dword [failures], 0
	jne .failed
	SAY `cpu_probe: PASS\n`
	mov al, EXIT_PASS
	ret
.failed:
	SAY 'cpu_probe: FAIL: '
	mov eax, [failures]
	call put_dec
	SAY ' of '
	mov eax, [checks]
	call put_dec
	SAY ` checks failed\n`
	mov al, EXIT_FAIL
	ret

; verdict: end a check's line: ": ok", or with ESI = the expectation
; ": FAIL (expected ESI)" and one more failure.
verdict:
	push esi
	inc dword [checks]
	test esi, esi
	jnz .fail
	mov esi, msg_ok
	call puts
	pop esi
	ret
.fail:
	inc dword [failures]
	push esi
	mov esi, msg_fail
	call puts
	pop esi
	call puts
	mov esi, msg_close
	call puts
	pop esi
	ret

; put_hex8: EAX as 0x and 8 hex digits.
put_hex8:
	push ecx
	push esi
	mov esi, msg_0x
	call puts
	mov ecx, 8
	call put_hex
	pop esi
	pop ecx
	ret

; gp_handler: #GP (vector 13, with an error code). Armed by EXPECT_GP:
; count it, keep the error code and resume at the armed address. Not
; armed: the run ends with a report naming the faulting instruction.
gp_handler:
	cmp dword [gp_resume], 0
	je .unexpected
	push eax
	mov eax, [esp + 4]		; error code
	mov [gp_error], eax
	inc dword [gp_count]
	mov eax, [gp_resume]
	mov [esp + 8], eax		; the saved EIP
	mov dword [gp_resume], 0
	pop eax
	add esp, 4			; drop the error code: EIP, CS, EFLAGS
	INTR_RETURN
.unexpected:
	SAY 'cpu_probe: FAIL: unexpected #GP('
	mov eax, [esp]
	call put_dec
	SAY ') at eip '
	mov eax, [esp + 4]
	call put_hex8
	mov al, 10
	call putc
	mov al, EXIT_FAIL
	jmp exit

; gp_seen: ZF set when exactly one #GP with error code 0 came since
; EXPECT_GP (and disarm it). Prints what came.
gp_seen:
	mov dword [gp_resume], 0
	cmp dword [gp_count], 0
	je .none
	SAY '#GP('
	mov eax, [gp_error]
	call put_dec
	SAY ')'
	cmp dword [gp_count], 1
	jne .out
	cmp dword [gp_error], 0
.out:
	ret
.none:
	SAY 'no #GP'
	cmp esp, 0			; ZF clear (ESP is never 0)
	ret

; ---- CPUID ----------------------------------------------------------------

check_cpuid0:
	xor eax, eax
	xor ecx, ecx
	cpuid
	mov [vendor], ebx
	mov [vendor + 4], edx
	mov [vendor + 8], ecx
	mov [max_leaf], eax
	SAY 'cpu_probe: cpuid 0: max leaf '
	call put_hex8
	SAY ', vendor "'
	mov esi, vendor
	call puts
	SAY '"'
	cmp dword [max_leaf], 1
	VERDICT ae, 'max leaf 1 or more'
	ret

check_cpuid1:
	mov eax, 1
	xor ecx, ecx
	cpuid
	mov ebx, ecx
	SAY 'cpu_probe: cpuid 1: ecx '
	mov eax, ebx
	call put_hex8
	SAY ', vmx '
	mov eax, ebx
	shr eax, 5
	and eax, 1
	call put_dec
	SAY ', hypervisor '
	mov eax, ebx
	shr eax, 31
	call put_dec
	and ebx, CPUID_1_ECX_VMX | CPUID_1_ECX_HYPERVISOR
	cmp ebx, CPUID_1_ECX_HYPERVISOR
	VERDICT e, 'vmx 0, hypervisor 1'
	ret

; ---- MSRs -----------------------------------------------------------------

check_sysenter_cs:
	mov ecx, MSR_IA32_SYSENTER_CS
	mov eax, SYSENTER_CS_VALUE
	xor edx, edx
	wrmsr
	xor eax, eax
	mov edx, 0xdeadbeef
	rdmsr
	mov ebx, eax
	mov edi, edx
	SAY 'cpu_probe: msr 0x174 IA32_SYSENTER_CS: wrote '
	mov eax, SYSENTER_CS_VALUE
	call put_hex8
	SAY ', read '
	mov eax, edi
	call put_hex8
	mov eax, ebx
	mov ecx, 8
	call put_hex
	xor eax, SYSENTER_CS_VALUE
	or eax, edi
	VERDICT z, 'the value written'
	ret

check_apic_base:
	mov ecx, MSR_IA32_APIC_BASE
	rdmsr
	mov ebx, eax
	mov edi, edx
	SAY 'cpu_probe: msr 0x1b IA32_APIC_BASE: '
	mov eax, edi
	call put_hex8
	mov eax, ebx
	mov ecx, 8
	call put_hex
	SAY ', enable bit 11 '
	mov eax, ebx
	shr eax, 11
	and eax, 1
	call put_dec
	test ebx, APIC_BASE_ENABLE
	VERDICT nz, 'enable bit 11 set'
	ret

check_absent_msr:
	EXPECT_GP .resume
	mov ecx, MSR_ABSENT
	xor eax, eax
	xor edx, edx
	rdmsr				; 2 bytes: #GP(0)
.resume:
	SAY 'cpu_probe: rdmsr 0x12345678 (no such MSR): '
	call gp_seen
	VERDICT e, '#GP(0)'
	ret

; ---- control registers ----------------------------------------------------

check_cr0:
	mov eax, cr0
	mov [cr0_entry], eax
	SAY 'cpu_probe: cr0 '
	call put_hex8
	SAY ' at entry; MP toggled reads '
	mov eax, [cr0_entry]
	xor eax, CR0_MP
	mov cr0, eax
	mov ebx, cr0
	mov eax, ebx
	call put_hex8
	mov eax, [cr0_entry]
	mov cr0, eax
	mov edx, cr0
	SAY ', back reads '
	mov eax, edx
	call put_hex8
	; ok when PE set, PG clear, and both reads gave what was written
	mov eax, [cr0_entry]
	and eax, CR0_PE | CR0_PG
	cmp eax, CR0_PE
	jne .verdict
	mov eax, [cr0_entry]
	xor eax, CR0_MP
	cmp ebx, eax
	jne .verdict
	cmp edx, [cr0_entry]
.verdict:
	VERDICT e, 'PE set, PG clear, each write read back'
	ret

check_cr4_pse:
	mov eax, cr4
	mov [cr4_entry], eax
	SAY 'cpu_probe: cr4 '
	call put_hex8
	SAY ' at entry; with PSE reads '
	mov eax, [cr4_entry]
	or eax, CR4_PSE
	mov cr4, eax
	mov ebx, cr4
	mov eax, ebx
	call put_hex8
	mov eax, [cr4_entry]
	or eax, CR4_PSE
	cmp ebx, eax
	VERDICT e, 'the value written'
	ret

; Needs CR4.PSE (check_cr4_pse sets it).
check_paging:
	mov edi, page_dir		; the directory, in .bss: zero
	xor ecx, ecx
.identity:
	mov eax, ecx
	shl eax, PAGE_4M_SHIFT
	or eax, PDE_4M
	mov [edi + ecx * 4], eax
	inc ecx
	cmp ecx, IDENTITY_PDES
	jb .identity
	mov dword [edi + ALIAS_PDE * 4], 0 | PDE_4M
	mov dword [probe_word], PROBE_BEFORE

	mov cr3, edi
	mov ebx, cr3
	mov eax, cr4
	or eax, CR4_PSE
	mov cr4, eax			; as check_cr4_pse left it, but sure
	mov [cr4_paging], eax
	mov eax, cr0
	mov [cr0_paging], eax
	or eax, CR0_PG
	mov cr0, eax			; identity-mapped: execution goes on
	mov edx, cr0
	mov eax, [probe_word + ALIAS_BASE]
	mov [probe_read], eax
	mov dword [probe_word + ALIAS_BASE], PROBE_AFTER
	mov eax, [cr0_paging]
	mov cr0, eax			; paging off again
	mov [cr0_with_pg], edx
	mov [cr3_read], ebx

	SAY 'cpu_probe: paging: cr3 '
	mov eax, page_dir
	call put_hex8
	SAY ' reads '
	mov eax, [cr3_read]
	call put_hex8
	SAY ', cr0 with PG '
	mov eax, [cr0_with_pg]
	call put_hex8
	SAY ', '
	mov eax, probe_word + ALIAS_BASE
	call put_hex8
	SAY ' reads '
	mov eax, [probe_read]
	call put_hex8
	mov eax, [cr3_read]
	cmp eax, page_dir
	jne .verdict1
	mov eax, [cr0_paging]
	or eax, CR0_PG
	cmp [cr0_with_pg], eax
	jne .verdict1
	cmp dword [probe_read], PROBE_BEFORE
.verdict1:
	VERDICT e, 'cr3 and cr0 as written, the word through the alias'

	; after paging: everything as written, the alias wrote RAM
	mov ebx, cr0
	mov ecx, cr3
	mov edx, cr4
	SAY 'cpu_probe: paging off: cr0 '
	mov eax, ebx
	call put_hex8
	SAY ', cr3 '
	mov eax, ecx
	call put_hex8
	SAY ', cr4 '
	mov eax, edx
	call put_hex8
	SAY ', the word written through the alias reads '
	mov eax, [probe_word]
	call put_hex8
	cmp ebx, [cr0_paging]
	jne .verdict2
	cmp ecx, page_dir
	jne .verdict2
	cmp edx, [cr4_paging]
	jne .verdict2
	cmp dword [probe_word], PROBE_AFTER
.verdict2:
	VERDICT e, 'cr0, cr3 and cr4 as written, the word 0x600dcafe'
	ret

check_cr4_vmxe:
	mov ebx, cr4
	EXPECT_GP .resume
	mov eax, ebx
	or eax, CR4_VMXE
	mov cr4, eax			; 3 bytes: #GP(0), CR4 unchanged
.resume:
	mov edx, cr4
	mov cr4, ebx			; in case it was taken
	SAY 'cpu_probe: mov to cr4 with VMXE: '
	call gp_seen
	pushfd
	SAY ', cr4 reads '
	mov eax, edx
	call put_hex8
	popfd
	jne .verdict
	cmp edx, ebx
.verdict:
	VERDICT e, '#GP(0), cr4 unchanged'
	ret

section .rodata
msg_ok:		db ": ok", 10, 0
msg_fail:	db ": FAIL (expected ", 0
msg_close:	db ")", 10, 0
msg_0x:		db "0x", 0
word_paging:	db "paging", 0

section .data
align 4
probe_word:	dd 0

section .bss
alignb 4096
page_dir:	resd 1024
vendor:		resb 13
alignb 4
max_leaf:	resd 1
checks:		resd 1
failures:	resd 1
gp_resume:	resd 1
gp_count:	resd 1
gp_error:	resd 1
cr0_entry:	resd 1
cr4_entry:	resd 1
cr0_paging:	resd 1
cr4_paging:	resd 1
cr0_with_pg:	resd 1
cr3_read:	resd 1
probe_read:	resd 1
