/*
 * What the bare-metal host services (host_baremetal.c, sv/host.h) need
 * from the boot code.
 */
#ifndef SV_BM_HOST_BAREMETAL_H
#define SV_BM_HOST_BAREMETAL_H

#include <stdint.h>

/* The wall clock now (ns since 1970, UTC); the TSC carries it on. */
void host_set_realtime(uint64_t now_ns);

#endif /* SV_BM_HOST_BAREMETAL_H */
