/*
 * The interactive console on bare metal (console/ over the kernel's file
 * tree): what kmain runs after boot when the command line has the word
 * `console`. Input comes from COM1 (ttyS0, buffered by the UART's
 * interrupt) and the PS/2 keyboard (kbd0); output goes to COM1, with "\n"
 * sent as "\r\n" for a terminal, and is mirrored on the VGA text screen.
 * halt and reboot commit and unmount the disk (kfs_shutdown) first.
 */
#ifndef SV_BM_KCONSOLE_H
#define SV_BM_KCONSOLE_H

#include "sv/compiler.h"

/* Print the prompt and serve the console until halt or reboot. */
SV_NORETURN void kconsole_run(void);

#endif
