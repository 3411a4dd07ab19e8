/* Linux-host details shared by host_posix.c and the KVM backend. */
#ifndef SV_HOST_POSIX_H
#define SV_HOST_POSIX_H

#include <signal.h>

/* Sent by host_timer_arm's timer to make KVM_RUN return (-EINTR). */
#define SV_KICK_SIGNAL SIGUSR1

/*
 * KVM_RUN came back with EINTR: consume the pending kick (it stays blocked
 * outside KVM_RUN, so it would otherwise cut every later run short) and
 * forget the armed deadline.
 */
void host_timer_kicked(void);

#endif
