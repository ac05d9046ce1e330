/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container rules of spec 5.2: name and image, memory, port mappings per network mode,
 * Fargate restrictions, timeouts, health check ranges, log drivers, mount points, volumesFrom
 * and dependsOn entries. ECS's ClientException texts are used where a public report quotes
 * them (cited inline); the other sentences are ours. */
#include <inttypes.h>
#include <string.h>

#include "emu/model/validate_internal.h"

#define MIN_CONTAINER_MEMORY_MIB 6 /* Docker >= 20.10 refuses less (awsdocs PR #185) */

static bool str_in(const char *s, const char *const *set)
{
    for (; *set; set++) {
        if (strcmp(s, *set) == 0) {
            return true;
        }
    }
    return false;
}

static void check_identity(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    if (emu__vblank(c->name)) {
        /* Quoted in hashicorp/terraform#2888 and awsdocs/aws-cloudformation-user-guide#612. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "name"),
                  "Container.name should not be null or empty.");
    } else if (!emu__vname_ok(c->name)) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "name"),
                  "Invalid container name '%s'. Up to 255 letters (uppercase and lowercase), "
                  "numbers, hyphens, and underscores are allowed.",
                  c->name);
    }
    if (emu__vblank(c->image)) {
        /* Same ECS wording as for the name; quoted in prefect-archive/prefect-aws#159. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "image"),
                  "Container.image should not be null or empty.");
    }
}

static void check_resources(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *name = emu__vname(c);
    if (c->cpu.has && c->cpu.v < 0) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "cpu"),
                  "Invalid 'cpu' setting for container '%s'.", name);
    }
    if (c->memory.has && c->memory.v < MIN_CONTAINER_MEMORY_MIB) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "memory"),
                  "Invalid setting for container '%s'. 'memory' is %" PRId64
                  " MiB; Docker needs at least %d MiB.",
                  name, c->memory.v, MIN_CONTAINER_MEMORY_MIB);
    }
    if (c->memory_reservation.has && c->memory_reservation.v < MIN_CONTAINER_MEMORY_MIB) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "memoryReservation"),
                  "Invalid setting for container '%s'. 'memoryReservation' is %" PRId64
                  " MiB; Docker needs at least %d MiB.",
                  name, c->memory_reservation.v, MIN_CONTAINER_MEMORY_MIB);
    }
    /* Equal values are accepted (awsdocs/amazon-ecs-developer-guide#242; Docker only refuses a
     * limit below the reservation). */
    if (c->memory.has && c->memory_reservation.has && c->memory.v < c->memory_reservation.v) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "memoryReservation"),
                  "Invalid setting for container '%s'. 'memory' (%" PRId64
                  " MiB) must be greater than or equal to 'memoryReservation' (%" PRId64
                  " MiB).",
                  name, c->memory.v, c->memory_reservation.v);
    }
}

static void check_ports(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *name = emu__vname(c);
    if (!c->port_mappings || c->n_port_mappings == 0) {
        return;
    }
    if (v->net == EMU_NETWORK_NONE) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings"),
                  "Port mappings are not supported when networkMode=none.");
        return;
    }
    bool same_port_mode = v->net == EMU_NETWORK_AWSVPC || v->net == EMU_NETWORK_HOST;
    for (size_t j = 0; j < c->n_port_mappings; j++) {
        const struct emu_port_mapping *p = &c->port_mappings[j];
        if (p->container_port.has ? (p->container_port.v < 1 || p->container_port.v > 65535)
                                  : !p->container_port_range) {
            /* Quoted in aws/aws-cli#7288 and aws/aws-cdk#8762. */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings[%zu].containerPort", j),
                      "Invalid 'containerPort' setting for container '%s'.", name);
        }
        if (p->host_port.has && (p->host_port.v < 0 || p->host_port.v > 65535)) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings[%zu].hostPort", j),
                      "Invalid 'hostPort' setting for container '%s'.", name);
        } else if (same_port_mode && p->host_port.has && p->host_port.v != 0 &&
                   p->container_port.has && p->host_port.v != p->container_port.v) {
            /* awsvpc text quoted in pulumi/pulumi-awsx#935 and aws/amazon-ecs-cli#1014; the
             * host-mode rule is the same (aws/amazon-ecs-agent#185). */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings[%zu].hostPort", j),
                      "When networkMode=%s, the host ports and container ports in port "
                      "mappings must match.",
                      emu_network_mode_to_string(v->net));
        }
        if (p->protocol && strcmp(p->protocol, "tcp") != 0 && strcmp(p->protocol, "udp") != 0) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings[%zu].protocol", j),
                      "Invalid 'protocol' setting for container '%s'. Valid values: tcp, udp.",
                      name);
            continue;
        }
        const char *proto = p->protocol ? p->protocol : "tcp";
        for (size_t k = 0; p->container_port.has && k < j; k++) {
            const struct emu_port_mapping *q = &c->port_mappings[k];
            const char *qproto = q->protocol ? q->protocol : "tcp";
            if (q->container_port.has && q->container_port.v == p->container_port.v &&
                strcmp(proto, qproto) != 0 &&
                (strcmp(qproto, "tcp") == 0 || strcmp(qproto, "udp") == 0)) {
                emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "portMappings[%zu].protocol", j),
                          "Container port %" PRId64 " of container '%s' is mapped for both %s "
                          "and %s; a container port can be exposed for one protocol only.",
                          p->container_port.v, name, qproto, proto);
                break;
            }
        }
    }
}

static void check_fargate_limits(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *name = emu__vname(c);
    if (c->links.n > 0 && v->net != EMU_NETWORK_BRIDGE && v->net > EMU_NETWORK_UNSET) {
        /* awsvpc text quoted in aws-observability/aws-otel-collector#1359; links are a
         * bridge-only Docker feature, so host and none get the same sentence. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "links"),
                  "Links are not supported when networkMode=%s.",
                  emu_network_mode_to_string(v->net));
    }
    if (v->fargate && c->privileged.has && c->privileged.v) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "privileged"),
                  "Invalid 'privileged' setting for container '%s'. Tasks using the Fargate "
                  "launch type do not support privileged containers.",
                  name);
    }
    const struct {
        const char *key;
        const struct emu_opt_int *val;
    } timeouts[] = {
        {"startTimeout", &c->start_timeout},
        {"stopTimeout", &c->stop_timeout},
    };
    for (size_t t = 0; t < 2; t++) {
        const struct emu_opt_int *o = timeouts[t].val;
        if (!o->has) {
            continue;
        }
        if (v->fargate && (o->v < 2 || o->v > 120)) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "%s", timeouts[t].key),
                      "Invalid '%s' setting for container '%s': %" PRId64
                      " seconds. On Fargate the value must be between 2 and 120 seconds.",
                      timeouts[t].key, name, o->v);
        } else if (!v->fargate && o->v < 0) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "%s", timeouts[t].key),
                      "Invalid '%s' setting for container '%s': %" PRId64
                      " seconds. The value must not be negative.",
                      timeouts[t].key, name, o->v);
        }
    }
}

static void check_health(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const struct emu_health_check *h = &c->health_check;
    const char *name = emu__vname(c);
    if (!h->present) {
        return;
    }
    if (!h->command.items || h->command.n == 0) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "healthCheck.command"),
                  "Invalid 'healthCheck' setting for container '%s'. The command must not be "
                  "empty; it starts with CMD or CMD-SHELL.",
                  name);
    } else if (!h->command.items[0] || (strcmp(h->command.items[0], "CMD") != 0 &&
                                        strcmp(h->command.items[0], "CMD-SHELL") != 0)) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "healthCheck.command[0]"),
                  "Invalid 'healthCheck' setting for container '%s'. The command must start "
                  "with CMD or CMD-SHELL, not '%s'.",
                  name, h->command.items[0] ? h->command.items[0] : "");
    }
    /* Ranges and defaults from spec 5.2 (ECS HealthCheck API shape). */
    const struct {
        const char *key;
        const struct emu_opt_int *val;
        int64_t min, max;
        const char *unit;
    } ranges[] = {
        {"interval", &h->interval, 5, 300, " seconds"},
        {"timeout", &h->timeout, 2, 60, " seconds"},
        {"retries", &h->retries, 1, 10, ""},
        {"startPeriod", &h->start_period, 0, 300, " seconds"},
    };
    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
        if (ranges[r].val->has &&
            (ranges[r].val->v < ranges[r].min || ranges[r].val->v > ranges[r].max)) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "healthCheck.%s", ranges[r].key),
                      "Invalid 'healthCheck.%s' setting for container '%s': %" PRId64
                      ". Valid values are %" PRId64 " to %" PRId64 "%s.",
                      ranges[r].key, name, ranges[r].val->v, ranges[r].min, ranges[r].max,
                      ranges[r].unit);
        }
    }
}

/* restartPolicy: the ContainerRestartPolicy API reference's ranges (restartAttemptPeriod 60 to
 * 1800 seconds, at most 50 ignoredExitCodes); worded like the other range checks. */
static void check_restart_policy(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const struct emu_restart_policy *p = &c->restart_policy;
    const char *name = emu__vname(c);
    if (!p->present) {
        return;
    }
    if (p->restart_attempt_period.has &&
        (p->restart_attempt_period.v < 60 || p->restart_attempt_period.v > 1800)) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "restartPolicy.restartAttemptPeriod"),
                  "Invalid 'restartPolicy.restartAttemptPeriod' setting for container '%s': "
                  "%" PRId64 ". Valid values are 60 to 1800 seconds.",
                  name, p->restart_attempt_period.v);
    }
    if (p->n_ignored_exit_codes > 50) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "restartPolicy.ignoredExitCodes"),
                  "Invalid 'restartPolicy.ignoredExitCodes' setting for container '%s': %zu "
                  "exit codes. You can specify a maximum of 50 container exit codes.",
                  name, p->n_ignored_exit_codes);
    }
}

static const char *const fargate_log_drivers[] = {"awslogs", "splunk", "awsfirelens", NULL};
static const char *const ec2_log_drivers[] = {"awslogs",  "splunk",    "awsfirelens", "fluentd",
                                              "gelf",     "json-file", "journald",    "syslog",
                                              "logentries", NULL};

static bool earlier_awslogs(const struct emu_taskdef *td, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        const struct emu_log_config *l = &td->containers[j].log_configuration;
        if (l->present && l->log_driver && strcmp(l->log_driver, "awslogs") == 0) {
            return true;
        }
    }
    return false;
}

static void check_log_driver(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const struct emu_log_config *l = &c->log_configuration;
    if (!l->present) {
        return;
    }
    emu__vcwhere(v, w, sizeof(w), i, "logConfiguration.logDriver");
    if (emu__vblank(l->log_driver)) {
        emu__verr(v, w, "logConfiguration.logDriver should not be null or empty.");
        return;
    }
    if (v->fargate && !str_in(l->log_driver, fargate_log_drivers)) {
        emu__verr(v, w,
                  "Log driver %s is not supported by the Fargate launch type. Supported log "
                  "drivers: awslogs, splunk, awsfirelens.",
                  l->log_driver);
        return;
    }
    if (!v->fargate && !str_in(l->log_driver, ec2_log_drivers)) {
        emu__verr(v, w,
                  "Log driver %s is not supported. Supported log drivers: awslogs, splunk, "
                  "awsfirelens, fluentd, gelf, json-file, journald, syslog, logentries.",
                  l->log_driver);
        return;
    }
    if (strcmp(l->log_driver, "awslogs") != 0) {
        return;
    }
    /* Quoted (both missing) in klothoplatform/klotho#892. */
    bool no_region = emu__vblank(emu__vkv(&l->options, "awslogs-region"));
    bool no_group = emu__vblank(emu__vkv(&l->options, "awslogs-group"));
    if (no_region || no_group) {
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "logConfiguration.options"),
                  "Log driver awslogs requires options: %s%s%s",
                  no_region ? "awslogs-region" : "", no_region && no_group ? ", " : "",
                  no_group ? "awslogs-group" : "");
    }
    if (v->fargate && emu__vblank(v->td->execution_role_arn) && !earlier_awslogs(v->td, i)) {
        /* Quoted in virtual-kubelet/virtual-kubelet#193 and aws/aws-cdk#1279. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "logConfiguration.logDriver"),
                  "Fargate requires task definition to have execution role ARN to support log "
                  "driver awslogs.");
    }
}

static bool has_volume(const struct emu_taskdef *td, const char *name)
{
    for (size_t k = 0; name && td->volumes && k < td->n_volumes; k++) {
        if (td->volumes[k].name && strcmp(td->volumes[k].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void check_mounts(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *name = emu__vname(c);
    for (size_t j = 0; c->mount_points && j < c->n_mount_points; j++) {
        const struct emu_mount_point *m = &c->mount_points[j];
        if (!has_volume(v->td, m->source_volume)) {
            /* Quoted in ansible/ansible#35751; "null" for a missing name as in
             * blinkist/terraform-aws-airship-ecs-service#46. */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "mountPoints[%zu].sourceVolume", j),
                      "Unknown volume '%s'.", m->source_volume ? m->source_volume : "null");
        }
        if (emu__vblank(m->container_path)) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "mountPoints[%zu].containerPath", j),
                      "Invalid 'mountPoints' setting for container '%s'. containerPath should "
                      "not be null or empty.",
                      name);
        }
    }
    for (size_t j = 0; c->volumes_from && j < c->n_volumes_from; j++) {
        const char *src = c->volumes_from[j].source_container;
        emu__vcwhere(v, w, sizeof(w), i, "volumesFrom[%zu].sourceContainer", j);
        if (emu__vblank(src)) {
            emu__verr(v, w, "Invalid 'volumesFrom' setting for container '%s'. sourceContainer "
                            "should not be null or empty.",
                      name);
        } else if (c->name && strcmp(src, c->name) == 0) {
            emu__verr(v, w, "Container '%s' cannot mount volumes from itself.", name);
        } else if (!emu__vfind(v->td, src)) {
            emu__verr(v, w, "Container '%s' mounts volumes from container '%s', which does not "
                            "exist in this task definition.",
                      name, src);
        }
    }
}

static void check_depends_on(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *name = emu__vname(c);
    for (size_t j = 0; c->depends_on && j < c->n_depends_on; j++) {
        const struct emu_dependency *d = &c->depends_on[j];
        if (d->implicit) {
            continue;
        }
        const struct emu_container_def *target = emu__vfind(v->td, d->container_name);
        if (!target) {
            /* ECS's text, stray "+ " included: quoted in eagletmt/hako#99 and
             * dagster-io/dagster#6926. */
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "dependsOn[%zu].containerName", j),
                      "Cannot depend on container + '%s' because it does not exist",
                      d->container_name ? d->container_name : "null");
        }
        emu__vcwhere(v, w, sizeof(w), i, "dependsOn[%zu].condition", j);
        if (d->condition < EMU_DEP_START || d->condition >= EMU_DEP_CREATE) {
            continue; /* the parser reports values outside the API enum */
        }
        if (!target || target == c) {
            continue; /* a self-dependency is reported as a cycle */
        }
        if ((d->condition == EMU_DEP_COMPLETE || d->condition == EMU_DEP_SUCCESS) &&
            emu_container_is_essential(target)) {
            /* Quoted in boto/boto3#2436 and klothoplatform/klotho#892. */
            emu__verr(v, w, "A dependency container with SUCCESS or COMPLETE condition cannot "
                            "be an essential container");
        }
        if (d->condition == EMU_DEP_HEALTHY && !target->health_check.present) {
            emu__verr(v, w,
                      "Container '%s' depends on container '%s' with condition HEALTHY, but "
                      "'%s' has no healthCheck.",
                      name, emu__vname(target), emu__vname(target));
        }
    }
}

void emu__validate_container(struct emu_vctx *v, size_t i)
{
    const struct emu_container_def *c = &v->td->containers[i];
    check_identity(v, i, c);
    check_resources(v, i, c);
    check_ports(v, i, c);
    check_fargate_limits(v, i, c);
    check_health(v, i, c);
    check_restart_policy(v, i, c);
    check_log_driver(v, i, c);
    check_mounts(v, i, c);
    check_depends_on(v, i, c);
}
