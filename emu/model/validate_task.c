/* SPDX-License-Identifier: Apache-2.0 */
/* Task-level rules of spec 5.2: family, network mode, the Fargate cpu/memory table, EC2 ranges,
 * pid/ipc modes, volumes, the essential-container rule and the cpu/memory sums over containers.
 * ECS's own ClientException texts are used where a public report quotes them (cited inline). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emu/model/validate_internal.h"

/* Container definitions allowed in one task definition (ECS service quota). */
#define EMU_ECS_MAX_CONTAINERS 10

/* One Fargate cpu size and the memory sizes (MiB) it accepts: min..max in steps. */
struct fargate_size {
    int64_t cpu;
    int64_t mem_min;
    int64_t mem_max;
    int64_t step;
};

/* Spec 5.2 (task-cpu-memory-error.html). 256 CPU is not a range: 512, 1024, 2048 only. */
static const struct fargate_size fargate_sizes[] = {
    {256, 512, 2048, 0},          {512, 1024, 4096, 1024},     {1024, 2048, 8192, 1024},
    {2048, 4096, 16384, 1024},    {4096, 8192, 30720, 1024},   {8192, 16384, 61440, 4096},
    {16384, 32768, 122880, 8192},
};

static const struct fargate_size *fargate_cpu(int64_t cpu)
{
    for (size_t i = 0; i < sizeof(fargate_sizes) / sizeof(fargate_sizes[0]); i++) {
        if (fargate_sizes[i].cpu == cpu) {
            return &fargate_sizes[i];
        }
    }
    return NULL;
}

static bool fargate_memory_ok(const struct fargate_size *s, int64_t mem)
{
    if (s->step == 0) {
        return mem == 512 || mem == 1024 || mem == 2048;
    }
    return mem >= s->mem_min && mem <= s->mem_max && (mem - s->mem_min) % s->step == 0;
}

static void check_family(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    if (!td->family) {
        return; /* a missing family is the parser's (required-parameter) report */
    }
    if (strlen(td->family) > 255) {
        emu__verr(v, emu__vtwhere(v, w, sizeof(w), "family"),
                  "Family is longer than 255 characters.");
    } else if (!emu__vname_ok(td->family)) {
        /* ClientException text quoted in aws/amazon-ecs-cli#37 and #542. */
        emu__verr(v, emu__vtwhere(v, w, sizeof(w), "family"),
                  "Family contains invalid characters.");
    }
}

static void check_network_mode(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    emu__vtwhere(v, w, sizeof(w), "networkMode");
    if (td->network_mode == _EMU_NETWORK_INVALID) {
        return; /* the parser reports values outside the API enum */
    }
    if (v->fargate && td->network_mode != EMU_NETWORK_AWSVPC) {
        /* Quoted in aws/amazon-ecs-cli#1145 (with ECS's typographic quotes). */
        emu__verr(v, w, "Fargate only supports network mode \u2018awsvpc\u2019.");
    }
}

static void check_cpu_memory(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char wc[EMU_VWHERE_MAX], wm[EMU_VWHERE_MAX];
    emu__vtwhere(v, wc, sizeof(wc), "cpu");
    emu__vtwhere(v, wm, sizeof(wm), "memory");
    bool cpu_bad = td->cpu_raw && !td->cpu.has;
    bool mem_bad = td->memory_raw && !td->memory.has;

    if (!v->fargate) {
        /* EC2: both optional; cpu 128..10240 units when given (spec 5.2). */
        if (cpu_bad || (td->cpu.has && (td->cpu.v < 128 || td->cpu.v > 10240))) {
            /* Text quoted in oranmoshai/ecsServiceRestart#2. */
            emu__verr(v, wc, "Invalid 'cpu' setting for task.");
        }
        if (mem_bad || (td->memory.has && td->memory.v <= 0)) {
            emu__verr(v, wm, "Invalid 'memory' setting for task.");
        }
        return;
    }
    /* Fargate: both required, and the pair must be a row of the table. */
    const struct fargate_size *size = NULL;
    if (!td->cpu.has && !cpu_bad) {
        /* Quoted in hackoregon/civic-devops#256 and klothoplatform/klotho#892. */
        emu__verr(v, wc, "Fargate requires that 'cpu' be defined at the task level.");
    } else if (cpu_bad || !(size = fargate_cpu(td->cpu.v))) {
        emu__verr(v, wc, "Invalid 'cpu' setting for task.");
    }
    if (!td->memory.has && !mem_bad) {
        /* Quoted in aws/amazon-ecs-cli#982. */
        emu__verr(v, wm, "Fargate requires that 'memory' be defined at the task level.");
    } else if (mem_bad) {
        emu__verr(v, wm, "Invalid 'memory' setting for task.");
    } else if (size && !fargate_memory_ok(size, td->memory.v)) {
        /* Quoted in aws-games/cloud-game-development-toolkit#737 and
         * towardsthecloud/aws-cdk-examples#1. */
        emu__verr(v, wm,
                  "No Fargate configuration exists for given values: %" PRId64 " CPU, %" PRId64
                  " memory. See the Amazon ECS documentation for the valid values.",
                  td->cpu.v, td->memory.v);
    }
}

static void check_pid_ipc(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    if (td->pid_mode) {
        emu__vtwhere(v, w, sizeof(w), "pidMode");
        if (strcmp(td->pid_mode, "host") != 0 && strcmp(td->pid_mode, "task") != 0) {
            emu__verr(v, w, "Invalid pidMode '%s'. Valid values: host, task.", td->pid_mode);
        } else if (v->fargate && strcmp(td->pid_mode, "task") != 0) {
            /* Quoted in aws/aws-cdk#29619. */
            emu__verr(v, w,
                      "Tasks using the Fargate launch type do not support pidMode '%s'. The "
                      "supported value for pidMode is 'task'.",
                      td->pid_mode);
        }
    }
    if (td->ipc_mode) {
        emu__vtwhere(v, w, sizeof(w), "ipcMode");
        if (v->fargate) {
            /* Quoted in cn-terraform/terraform-aws-ecs-fargate#2. */
            emu__verr(v, w, "Tasks using the Fargate launch type do not support ipcMode.");
        } else if (strcmp(td->ipc_mode, "host") != 0 && strcmp(td->ipc_mode, "task") != 0 &&
                   strcmp(td->ipc_mode, "none") != 0) {
            emu__verr(v, w, "Invalid ipcMode '%s'. Valid values: host, task, none.",
                      td->ipc_mode);
        }
    }
}

static void check_volumes(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    for (size_t i = 0; td->volumes && i < td->n_volumes; i++) {
        const struct emu_volume *vol = &td->volumes[i];
        char key[64];
        if (emu__vblank(vol->name)) {
            (void)snprintf(key, sizeof(key), "volumes[%zu].name", i);
            emu__verr(v, emu__vtwhere(v, w, sizeof(w), key),
                      "Volume name should not be null or empty.");
        } else {
            for (size_t j = 0; j < i; j++) {
                if (td->volumes[j].name && strcmp(td->volumes[j].name, vol->name) == 0) {
                    (void)snprintf(key, sizeof(key), "volumes[%zu].name", i);
                    emu__verr(v, emu__vtwhere(v, w, sizeof(w), key),
                              "Volume name '%s' is used by more than one volume; volume names "
                              "must be unique within a task definition.",
                              vol->name);
                    break;
                }
            }
        }
        if (v->fargate && vol->host_source_path) {
            /* Quoted in cloudposse/terraform-aws-ecs-alb-service-task#174. */
            (void)snprintf(key, sizeof(key), "volumes[%zu].host.sourcePath", i);
            emu__verr(v, emu__vtwhere(v, w, sizeof(w), key),
                      "Fargate compatible task definitions do not support sourcePath");
        }
    }
}

void emu__validate_task(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    if (!td->containers || td->n_containers == 0) {
        /* Quoted in awsdocs/aws-cloudformation-user-guide#454. */
        emu__verr(v, v->cpath, "Container list cannot be empty.");
    }
    else if (td->n_containers > EMU_ECS_MAX_CONTAINERS) {
        /* ECS's quota of 10 container definitions per task definition (not adjustable); the
         * text is quoted in aws/amazon-ecs-cli#184 and #951. */
        emu__verr(v, v->cpath, "Too many containers.");
    }
    check_family(v);
    check_network_mode(v);
    check_cpu_memory(v);
    check_pid_ipc(v);
    check_volumes(v);
}

/* Cross-container rules that need every container: names unique, one essential container,
 * memory and cpu sums against the task values. */
void emu__validate_task_sums(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    if (!td->containers || td->n_containers == 0) {
        return;
    }
    bool any_essential = false;
    int64_t mem_sum = 0, cpu_sum = 0;
    for (size_t i = 0; i < td->n_containers; i++) {
        const struct emu_container_def *c = &td->containers[i];
        any_essential |= emu_container_is_essential(c);
        if (c->name && emu_taskdef_first_named(td, c->name) < i) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "name"),
                      "Container name '%s' is used by more than one container; container "
                      "names must be unique within a task definition.",
                      c->name);
        }
        /* What a container takes from the task: its reservation, else its hard limit. */
        int64_t m = c->memory_reservation.has ? c->memory_reservation.v
                                              : (c->memory.has ? c->memory.v : 0);
        if (m > 0 && mem_sum <= INT64_MAX - m) {
            mem_sum += m;
        }
        if (c->cpu.has && c->cpu.v > 0 && cpu_sum <= INT64_MAX - c->cpu.v) {
            cpu_sum += c->cpu.v;
        }
        if (td->memory.has && c->memory.has && c->memory.v > td->memory.v) {
            /* Quoted in pulumi/pulumi-awsx#188 and #1220. */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "memory"),
                      "The 'memory' setting for container '%s' is greater than for the task.",
                      emu__vname(c));
        }
        if (!v->fargate && !td->memory.has && !c->memory.has && !c->memory_reservation.has) {
            /* Quoted in cuttlesoft/ecs-deploy.py#17 and sil-org/ecs-deploy#59. */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, NULL),
                      "Invalid setting for container '%s'. At least one of 'memory' or "
                      "'memoryReservation' must be specified.",
                      emu__vname(c));
        }
    }
    if (!any_essential) {
        /* Quoted in eagletmt/hako#68. */
        emu__verr(v, v->cpath, "Task definition doesn't have any essential container.");
    }
    if (td->memory.has && mem_sum > td->memory.v) {
        emu__verr(v, emu__vtwhere(v, w, sizeof(w), "memory"),
                  "The sum of all container memory reservations (%" PRId64
                  " MiB) cannot be greater than the value of the task 'memory' (%" PRId64
                  " MiB).",
                  mem_sum, td->memory.v);
    }
    if (td->cpu.has && cpu_sum > td->cpu.v) {
        /* Quoted in klothoplatform/klotho#892. */
        emu__verr(v, emu__vtwhere(v, w, sizeof(w), "cpu"),
                  "The sum of all container 'cpu' values cannot be greater than the value of "
                  "the task 'cpu'.");
    }
}
