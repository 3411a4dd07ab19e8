/*
 * Guest-time events: a device that must act at a point in time (the PIT's
 * next tick) arms a timer on its VM. The vCPU loop fires due timers before
 * each entry, and asks the host to make the guest exit at the earliest
 * deadline (host_timer_arm in sv/host.h), so a guest spinning without exits
 * still gets its timer interrupts. Times are host_time_ns() values.
 */
#ifndef SV_TIMER_H
#define SV_TIMER_H

#include <stdint.h>

#include "sv/list.h"

struct sv_timer;
typedef void (*sv_timer_fn)(struct sv_timer *t, uint64_t now);

struct sv_timer {
	struct sv_list_node node;	/* on the VM's list while armed */
	uint64_t deadline;
	sv_timer_fn fire;
};

#define SV_TIMER_NEVER UINT64_MAX

#endif /* SV_TIMER_H */
