/* SPDX-License-Identifier: Apache-2.0 */
/* Everything decided before the first Docker call: the task state from the plan (names, ARNs,
 * essential flags, stop timeouts), the dependency graph, the task dir, and every container's
 * create description, so a missing secret or unreadable environment file fails the task with
 * nothing started. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/err.h"
#include "emu/runtime/runtime_int.h"

/* The account of an ARN (its fifth ':' field), copied into out. */
static void arn_account(const char *arn, char *out, size_t n)
{
    const char *p = arn;
    for (int field = 0; p && field < 4; field++) {
        p = strchr(p, ':');
        p = p ? p + 1 : NULL;
    }
    const char *end = p ? strchr(p, ':') : NULL;
    (void)snprintf(out, n, "%.*s", end ? (int)(end - p) : 0, end ? p : "");
}

int emu_task_state_from_plan(struct emu_task_state *st, const struct emu_taskdef *td,
                             const struct emu_task_plan *plan, const char *task_id,
                             const char *task_arn, const char *cluster, const char *region)
{
    int r = emu_task_state_init(st, plan->n_containers);
    if (r < 0) {
        return r;
    }
    char account[32];
    arn_account(task_arn, account, sizeof(account));
    (void)snprintf(st->id, sizeof(st->id), "%s", task_id);
    (void)snprintf(st->arn, sizeof(st->arn), "%s", task_arn);
    (void)snprintf(st->cluster, sizeof(st->cluster), "%s", cluster ? cluster : "default");
    (void)snprintf(st->region, sizeof(st->region), "%s", region ? region : "us-east-1");
    (void)snprintf(st->family, sizeof(st->family), "%s", td->family ? td->family : "default");
    st->revision = td->revision.has ? (long)td->revision.v : 1;
    (void)snprintf(st->taskdef_arn, sizeof(st->taskdef_arn),
                   "arn:aws:ecs:%s:%s:task-definition/%s:%ld", st->region, account, st->family,
                   st->revision);
    (void)snprintf(st->launch_type, sizeof(st->launch_type), "FARGATE");
    (void)snprintf(st->cpu, sizeof(st->cpu), "%s", td->cpu_raw ? td->cpu_raw : "");
    (void)snprintf(st->memory, sizeof(st->memory), "%s", td->memory_raw ? td->memory_raw : "");
    (void)snprintf(st->network_name, sizeof(st->network_name), "fe-%s", task_id);
    (void)snprintf(st->pause_name, sizeof(st->pause_name), "fe-%s.pause", task_id);
    for (size_t i = 0; i < plan->n_containers; i++) {
        const struct emu_container_def *c = plan->containers[i].def;
        struct emu_ctr_state *cs = &st->containers[i];
        (void)snprintf(cs->name, sizeof(cs->name), "%s", c->name ? c->name : "");
        (void)snprintf(cs->docker_name, sizeof(cs->docker_name), "fe-%s-%s", task_id, cs->name);
        (void)snprintf(cs->image, sizeof(cs->image), "%s", c->image ? c->image : "");
        cs->essential = emu_container_is_essential(c);
        cs->has_health_check = c->health_check.present && c->health_check.command.n > 0;
        int64_t t = c->stop_timeout.has ? c->stop_timeout.v : EMU_STOP_TIMEOUT_DEFAULT;
        cs->stop_timeout_s = (int)(t < 0 ? 0 : t > EMU_STOP_TIMEOUT_MAX ? EMU_STOP_TIMEOUT_MAX : t);
        cs->restart_enabled = c->restart_policy.present && c->restart_policy.enabled.has &&
                              c->restart_policy.enabled.v;
    }
    return 0;
}

/* "127.0.0.1:H->C/proto" for each of a container's port mappings. */
static void describe_ports(struct emu_task_runner *r)
{
    const struct emu_docker_create *pc = &r->pause_create;
    for (size_t i = 0; i < r->st->n_containers; i++) {
        const struct emu_container_def *c = r->plan->containers[i].def;
        char *out = r->st->containers[i].ports;
        size_t cap = sizeof(r->st->containers[i].ports), len = 0;
        out[0] = '\0';
        for (size_t k = 0; k < c->n_port_mappings; k++) {
            const struct emu_port_mapping *pm = &c->port_mappings[k];
            for (size_t p = 0; p < pc->n_ports && pm->container_port.has; p++) {
                if (pc->ports[p].container_port != pm->container_port.v) {
                    continue;
                }
                int n = snprintf(out + len, cap - len, "%s127.0.0.1:%u->%u/%s", len ? ", " : "",
                                 pc->ports[p].host_port, pc->ports[p].container_port,
                                 pc->ports[p].protocol);
                len = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
                break;
            }
        }
    }
}

int emu__runner_prepare(struct emu_task_runner *r, char *why, size_t why_len)
{
    struct emu_task_state *st = r->st;
    why[0] = '\0';
    int rv = emu_deps_build(r->plan, &r->arena, &r->graph, why, why_len);
    if (rv < 0) {
        return rv;
    }
    r->task_dir = emu_arena_printf(&r->arena, "%s/tasks/%s", r->opts.data_dir, st->id);
    if (!r->task_dir) {
        return -ENOMEM;
    }
    if (mkdir(r->task_dir, 0755) < 0 && errno != EEXIST) {
        rv = -errno;
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot create the task "
                                     "directory %s: %s", r->task_dir, strerror(-rv));
        return rv;
    }
    struct emu_task_docker_ctx ctx = {
        .td = r->td,
        .plan = r->plan,
        .st = st,
        .task_dir = r->task_dir,
        .secrets = r->opts.secrets,
        .image_map = r->opts.image_map,
    };
    for (size_t i = 0; i < st->n_containers; i++) {
        rv = emu_task_docker_container(&ctx, i, st->pause_name, &r->arena, &r->ctrs[i].create,
                                       why, why_len);
        if (rv < 0) {
            return rv;
        }
    }
    rv = emu_task_docker_pause(&ctx, r->opts.pause_image, r->opts.publish, r->opts.n_publish,
                               &r->arena, &r->pause_create, why, why_len);
    if (rv == 0) {
        describe_ports(r);
    }
    return rv;
}

void emu__runner_explain_port(struct emu_task_runner *r, char *why, size_t why_len)
{
    if (!strstr(why, "port is already allocated") && !strstr(why, "address already in use")) {
        return;
    }
    const struct emu_docker_create *pc = &r->pause_create;
    char ports[256] = "";
    size_t len = 0;
    for (size_t p = 0; p < pc->n_ports; p++) {
        int n = snprintf(ports + len, sizeof(ports) - len, "%s%u", len ? ", " : "",
                         pc->ports[p].host_port);
        len = n > 0 && (size_t)n < sizeof(ports) - len ? len + (size_t)n : len;
    }
    char copy[EMU_REASON_MAX];
    (void)snprintf(copy, sizeof(copy), "%s", why);
    (void)snprintf(why, why_len, "%s (a host port of this task is taken on 127.0.0.1: %s; "
                                 "awsvpc publishes each containerPort on the same host port, "
                                 "move one with --publish HOSTPORT:CONTAINERPORT)", copy, ports);
}
