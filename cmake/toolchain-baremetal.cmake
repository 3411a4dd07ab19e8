# Freestanding toolchain for the bare-metal kernel: the system gcc with no
# host library, no red zone (interrupts push onto the stack below RSP), the
# kernel code model (linked in the top 2 GiB) and no SSE/x87 (the kernel
# never saves guest FPU state by accident).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(SV_BAREMETAL ON CACHE BOOL "building the bare-metal kernel" FORCE)

set(CMAKE_C_FLAGS_INIT "-ffreestanding -fno-builtin -fno-stack-protector \
-fno-pic -fno-pie -mno-red-zone -mcmodel=kernel -mgeneral-regs-only \
-mno-mmx -mno-sse -mno-sse2 -mno-80387 -fno-asynchronous-unwind-tables \
-fno-omit-frame-pointer")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic -fno-pie")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie \
-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments")
