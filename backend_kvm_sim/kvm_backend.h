/* The KVM vCPU backend of the Linux host (kvm.c). */
#ifndef SV_KVM_BACKEND_H
#define SV_KVM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "sv/backend.h"

extern const struct sv_backend_ops kvm_backend_ops;

/* Whether /dev/kvm can be used; if not, why, in why. */
bool kvm_available(char *why, size_t len);

#endif
