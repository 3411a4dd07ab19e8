# arch: sources of smartvm.elf owned by that area (target_sources):
# the kernel's address space, interrupt controllers, the tick, the context
# switch and their on-machine checks.
target_sources(smartvm.elf PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/pagetable.c	# 4-level tables (also unit-tested on Linux)
	${CMAKE_CURRENT_LIST_DIR}/paging.c	# the kernel's address space, MMIO window
	${CMAKE_CURRENT_LIST_DIR}/kstack.c	# kernel stacks with guard pages
	${CMAKE_CURRENT_LIST_DIR}/i8259.c	# legacy PIC pair
	${CMAKE_CURRENT_LIST_DIR}/i8254.c	# PIT: calibration, fallback tick
	${CMAKE_CURRENT_LIST_DIR}/acpi.c	# MADT: I/O APICs, ISA overrides (unit-tested on Linux)
	${CMAKE_CURRENT_LIST_DIR}/apic.c	# local APIC and its timer
	${CMAKE_CURRENT_LIST_DIR}/ioapic.c	# I/O APIC
	${CMAKE_CURRENT_LIST_DIR}/irq.c		# IRQ framework, vectors 32-255
	${CMAKE_CURRENT_LIST_DIR}/timer.c	# periodic tick, monotonic clock
	${CMAKE_CURRENT_LIST_DIR}/switch.S	# context switch, thread start
	${CMAKE_CURRENT_LIST_DIR}/context.c	# first frame of a new thread
	${CMAKE_CURRENT_LIST_DIR}/task_arch.c	# the scheduler's seam (sv/task_arch.h)
	${CMAKE_CURRENT_LIST_DIR}/arch_sched.c	# the scheduler's clock, idle, preemption
	${CMAKE_CURRENT_LIST_DIR}/arch_selftest.c)	# checks of all the above
