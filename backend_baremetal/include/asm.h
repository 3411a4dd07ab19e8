/*
 * Constants shared by the kernel's assembly and C. linker.ld repeats
 * KERNEL_VMA (the linker does not read C headers): change both together.
 */
#ifndef SV_BM_ASM_H
#define SV_BM_ASM_H

#ifdef __ASSEMBLER__
#define KERNEL_VMA 0xFFFFFFFF80000000
#else
#define KERNEL_VMA 0xFFFFFFFF80000000ull	/* where the kernel is linked */
#endif

#endif
