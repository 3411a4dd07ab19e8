# vmx: sources of smartvm.elf owned by the VMX backend (target_sources):
# VT-x operation, the VMCS, the guest entry stub and EPT.
target_sources(smartvm.elf PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/vmx.c		# the backend ops on VT-x
	${CMAKE_CURRENT_LIST_DIR}/vmx_entry.S	# VM entry, VM exit stub
	${CMAKE_CURRENT_LIST_DIR}/ept.c		# guest-physical memory
	${CMAKE_CURRENT_LIST_DIR}/physmap.c	# the same without EPT, for guests that do not page
	${CMAKE_CURRENT_LIST_DIR}/kvmm.c)	# run time: scheduler, VM manager, console task
