/* Linux-host details shared by host_posix.c and the KVM backend. */
#ifndef SV_HOST_POSIX_H
#define SV_HOST_POSIX_H

#include <signal.h>

/* Sent by host_timer_arm's timer to make KVM_RUN return (-EINTR). */
#define SV_KICK_SIGNAL SIGUSR1

#endif
