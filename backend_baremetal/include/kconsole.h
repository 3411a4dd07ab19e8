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

#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"
#include "sv/console.h"

/* What the kernel's run time adds to the console (kvmm.c). */
struct kconsole_hooks {
	const struct console_vm_ops *vm;	/* the `vm` commands */
	void (*idle)(void);		/* nothing came in: poll, then nap */
	void (*before_halt)(void);	/* stop the VMs before `halt` */
	/* `ps`: the scheduler's tasks (console_host.ps); NULL: none */
	int (*ps)(struct console_task_info *out, size_t max, size_t *count);
};

/* Find the console's devices; false (with a message) without ttyS0. */
bool kconsole_init(void);

/* The console's output: COM1 with CR LF line ends, and the VGA screen. */
void kconsole_sink(void *ctx, const char *buf, size_t len);
/* The same for output no command asked for (console_async_write). */
void kconsole_async_sink(void *ctx, const char *buf, size_t len);

/*
 * Print the prompt and serve the console until halt or reboot, as a task
 * (hooks->idle sleeps) or on the boot context (hooks NULL: hlt when idle).
 */
SV_NORETURN void kconsole_run(const struct kconsole_hooks *hooks);

#endif
