/*
 * The kernel's run time once it has booted (kvmm.c): the fair scheduler
 * with the VM manager (osk/vmmgr.c) on the VMX backend, and one manager
 * task, either the console (`console` on the command line) or a plain
 * loop that starts the VMs named by `start=` and ends the run when the
 * last one has ended.
 *
 * Command-line words:
 *   start=A,B,...   start VMs A, B, ... (/etc/vm/A.cfg, ...) at boot
 *   trace=NAME      stream VM NAME's record/replay trace over COM2
 *   vmxstats        print each VM's monitor cost per exit reason as it ends
 *   badstate=NAME   (tests) corrupt VM NAME's guest state before its first
 *                   entry, so the VM-entry failure path is exercised
 */
#ifndef SV_BM_KVMM_H
#define SV_BM_KVMM_H

#include <stdbool.h>

#include "sv/compiler.h"

/* Run the VMs and the console the command line asks for; never returns. */
SV_NORETURN void kvmm_main(const char *cmdline, bool console);

#endif /* SV_BM_KVMM_H */
