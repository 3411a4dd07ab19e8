; triple_fault: a guest that shuts its processor down.
;
; Prints
;   triple_fault: loading an empty IDT and executing ud2
; then loads an IDT of limit 0 and executes UD2. The #UD gate (vector 6)
; lies past the limit, so the CPU raises #GP; vector 13 lies past it too,
; so #DF; and #DF past it is a triple fault: the processor shuts down. The
; VM must stop with a report and `smartvm run` exit non-zero, cleanly.
; Nothing after UD2 should run; if it does, the guest prints
;   triple_fault: FAIL: still running after ud2
; and exits with EXIT_FAIL.
;
; UD2 rather than INT3: a fault, not a software interrupt, which the
; software-nested KVM of these machines (kvm_pvm) fails to emulate with an
; empty IDT (KVM_EXIT_INTERNAL_ERROR instead of KVM_EXIT_SHUTDOWN).

%include "common32.inc"

section .text
main:
	mov esi, msg_start
	call puts
	lidt [empty_idt]
	ud2
	mov esi, msg_alive
	call puts
	mov al, EXIT_FAIL
	ret

section .rodata
empty_idt:
	dw 0				; limit 0: no gate is inside
	dd 0
msg_start:	db "triple_fault: loading an empty IDT and executing ud2", 10, 0
msg_alive:	db "triple_fault: FAIL: still running after ud2", 10, 0
