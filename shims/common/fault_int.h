/* SPDX-License-Identifier: Apache-2.0 */
/* The fault engine's insides, shared by fault.c (decisions) and fault_state.c (save/restore). */
#ifndef SHIMS_COMMON_FAULT_INT_H
#define SHIMS_COMMON_FAULT_INT_H

#include "shims/common/fault.h"

struct shim_faults {
    uint64_t seed;
    const struct shim_fault_service *services;
    size_t n_services;
    struct shim_fault_rule *rules[SHIM_FAULT_MAX_RULES];
    size_t n;
    unsigned next_id;
    uint64_t generation;
    uint64_t injected_removed; /* faults injected by rules since removed */
};

#endif
