/* SPDX-License-Identifier: Apache-2.0 */
/* String forms of the model's enumerations, as ECS spells them. */
#include <string.h>

#include "emu/model/model.h"

static const char *const network_modes[_EMU_NETWORK_MAX] = {
    [EMU_NETWORK_UNSET] = NULL,        [EMU_NETWORK_AWSVPC] = "awsvpc",
    [EMU_NETWORK_BRIDGE] = "bridge",   [EMU_NETWORK_HOST] = "host",
    [EMU_NETWORK_NONE] = "none",
};

static const char *const dep_conditions[_EMU_DEP_MAX] = {
    [EMU_DEP_START] = "START",     [EMU_DEP_COMPLETE] = "COMPLETE", [EMU_DEP_SUCCESS] = "SUCCESS",
    [EMU_DEP_HEALTHY] = "HEALTHY", [EMU_DEP_CREATE] = "CREATE",
};

static const char *const launch_types[_EMU_LAUNCH_MAX] = {
    [EMU_LAUNCH_FARGATE] = "FARGATE",
    [EMU_LAUNCH_EC2] = "EC2",
};

const char *emu_network_mode_to_string(enum emu_network_mode m)
{
    return m >= 0 && m < _EMU_NETWORK_MAX ? network_modes[m] : NULL;
}

enum emu_network_mode emu_network_mode_from_string(const char *s)
{
    for (int i = 1; i < _EMU_NETWORK_MAX; i++) {
        if (strcmp(s, network_modes[i]) == 0) {
            return (enum emu_network_mode)i;
        }
    }
    return _EMU_NETWORK_INVALID;
}

const char *emu_dep_condition_to_string(enum emu_dep_condition c)
{
    return c >= 0 && c < _EMU_DEP_MAX ? dep_conditions[c] : NULL;
}

enum emu_dep_condition emu_dep_condition_from_string(const char *s)
{
    /* CREATE is internal to the agent; users cannot write it. */
    for (int i = 0; i < EMU_DEP_CREATE; i++) {
        if (strcmp(s, dep_conditions[i]) == 0) {
            return (enum emu_dep_condition)i;
        }
    }
    return _EMU_DEP_INVALID;
}

const char *emu_launch_type_to_string(enum emu_launch_type t)
{
    return t >= 0 && t < _EMU_LAUNCH_MAX ? launch_types[t] : NULL;
}

enum emu_launch_type emu_launch_type_from_string(const char *s)
{
    for (int i = 0; i < _EMU_LAUNCH_MAX; i++) {
        if (strcmp(s, launch_types[i]) == 0) {
            return (enum emu_launch_type)i;
        }
    }
    return _EMU_LAUNCH_INVALID;
}
