/* Set-up of the bare-metal host services that needs boot information. */
#ifndef SV_BM_HOST_BAREMETAL_H
#define SV_BM_HOST_BAREMETAL_H

#include <stdint.h>

#include "multiboot2.h"

/* Give the page pool the largest usable region above reserved_end. */
void host_memory_init(const struct mb2_info *mi, uint64_t reserved_end);
uint64_t host_memory_free_bytes(void);

#endif
