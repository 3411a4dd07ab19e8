; hog: a guest that never gives the processor back by itself.
;
; Prints
;   hog: spinning with interrupts off
; then disables interrupts and spins forever: no HLT, no I/O, no exit of
; its own. Only the monitor can take the processor from it: on VT-x every
; host interrupt (the kernel's tick) makes it exit, whatever the guest's
; IF says, so the other VMs still run and `vm stop hog` still ends it.
; Nothing ends it otherwise (not in tests/integration/guests.txt: under
; `smartvm run` it would run until killed).

%include "common32.inc"

section .text
main:
	mov esi, msg_spin
	call puts
	cli
.spin:
	jmp .spin

section .rodata
msg_spin:	db "hog: spinning with interrupts off", 10, 0
