/* SPDX-License-Identifier: Apache-2.0 */
/* A task state in the shape of an ECS DescribeTasks `tasks[]` entry, with timestamps as the
 * AWS CLI v2 prints them ("2024-05-01T10:00:00.123000+00:00"). Pure. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/runtime/runtime.h"

static void iso(int64_t ms, char out[40])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    (void)gmtime_r(&s, &tm);
    char base[24];
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(out, 40, "%s.%03d000+00:00", base, (int)(ms % 1000));
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
    if (ms > 0) {
        char t[40];
        iso(ms, t);
        (void)cJSON_AddStringToObject(o, key, t);
    }
}

static cJSON *container_json(const struct emu_task_state *st, const struct emu_ctr_state *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return NULL;
    }
    char arn[1200];
    /* ECS container ARNs end in a UUID; the emulator's end in the task ID and the name. */
    const char *task = strstr(st->arn, ":task/");
    (void)snprintf(arn, sizeof(arn), "%.*s:container/%s/%s/%s", task ? (int)(task - st->arn) : 0,
                   st->arn, st->cluster, st->id, c->name);
    (void)cJSON_AddStringToObject(o, "containerArn", arn);
    (void)cJSON_AddStringToObject(o, "taskArn", st->arn);
    (void)cJSON_AddStringToObject(o, "name", c->name);
    (void)cJSON_AddStringToObject(o, "image", c->image);
    if (c->docker_id[0]) {
        (void)cJSON_AddStringToObject(o, "runtimeId", c->docker_id);
    }
    (void)cJSON_AddStringToObject(o, "lastStatus", emu_ctr_status_to_string(c->status));
    if (c->has_exit_code) {
        (void)cJSON_AddNumberToObject(o, "exitCode", c->exit_code);
    }
    if (c->reason[0]) {
        (void)cJSON_AddStringToObject(o, "reason", c->reason);
    }
    (void)cJSON_AddArrayToObject(o, "networkBindings");
    cJSON *nis = cJSON_AddArrayToObject(o, "networkInterfaces");
    cJSON *ni = nis ? cJSON_CreateObject() : NULL;
    if (ni && cJSON_AddItemToArray(nis, ni)) {
        (void)cJSON_AddStringToObject(ni, "attachmentId", st->network_name);
        (void)cJSON_AddStringToObject(ni, "privateIpv4Address", "127.0.0.1");
    }
    if (c->has_health_check) {
        (void)cJSON_AddStringToObject(o, "healthStatus", emu_health_to_string(c->health));
    }
    (void)cJSON_AddBoolToObject(o, "essential", c->essential);
    if (c->restart_enabled) { /* as the task metadata's RestartCount: only with a policy */
        (void)cJSON_AddNumberToObject(o, "restartCount", c->restart_count);
    }
    return o;
}

void emu_task_availability_zone(const struct emu_task_state *st, char out[72])
{
    (void)snprintf(out, 72, "%sa", st->region[0] ? st->region : "us-east-1");
}

cJSON *emu_store_describe_json(const struct emu_task_state *st)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return NULL;
    }
    cJSON *atts = cJSON_AddArrayToObject(o, "attachments");
    cJSON *eni = atts ? cJSON_CreateObject() : NULL;
    if (eni && cJSON_AddItemToArray(atts, eni)) {
        (void)cJSON_AddStringToObject(eni, "id", st->network_name);
        (void)cJSON_AddStringToObject(eni, "type", "ElasticNetworkInterface");
        (void)cJSON_AddStringToObject(eni, "status",
                                      st->status == EMU_TASK_STOPPED ? "DELETED" : "ATTACHED");
    }
    char az[72];
    emu_task_availability_zone(st, az);
    (void)cJSON_AddStringToObject(o, "availabilityZone", az);
    char cluster_arn[600];
    const char *task = strstr(st->arn, ":task/");
    (void)snprintf(cluster_arn, sizeof(cluster_arn), "%.*s:cluster/%s",
                   task ? (int)(task - st->arn) : 0, st->arn, st->cluster);
    (void)cJSON_AddStringToObject(o, "clusterArn", cluster_arn);
    (void)cJSON_AddStringToObject(o, "connectivity", "CONNECTED");
    cJSON *list = cJSON_AddArrayToObject(o, "containers");
    for (size_t i = 0; list && i < st->n_containers; i++) {
        cJSON *c = container_json(st, &st->containers[i]);
        if (c) {
            (void)cJSON_AddItemToArray(list, c);
        }
    }
    if (st->cpu[0]) {
        (void)cJSON_AddStringToObject(o, "cpu", st->cpu);
    }
    add_time(o, "createdAt", st->created_ms);
    (void)cJSON_AddStringToObject(o, "desiredStatus", emu_task_status_to_string(st->desired));
    (void)cJSON_AddStringToObject(o, "group", "family:");
    cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "group");
    if (g) {
        char group[300];
        (void)snprintf(group, sizeof(group), "family:%s", st->family);
        (void)cJSON_SetValuestring(g, group);
    }
    (void)cJSON_AddStringToObject(o, "lastStatus", emu_task_status_to_string(st->status));
    (void)cJSON_AddStringToObject(o, "launchType", st->launch_type);
    if (st->memory[0]) {
        (void)cJSON_AddStringToObject(o, "memory", st->memory);
    }
    (void)cJSON_AddStringToObject(o, "platformVersion", "1.4.0");
    (void)cJSON_AddStringToObject(o, "platformFamily", "Linux");
    add_time(o, "pullStartedAt", st->pull_started_ms);
    add_time(o, "pullStoppedAt", st->pull_stopped_ms);
    add_time(o, "startedAt", st->started_ms);
    if (st->stop_code) {
        (void)cJSON_AddStringToObject(o, "stopCode", emu_stop_code_to_string(st->stop_code));
    }
    add_time(o, "stoppedAt", st->stopped_ms);
    if (st->stopped_reason[0]) {
        (void)cJSON_AddStringToObject(o, "stoppedReason", st->stopped_reason);
    }
    add_time(o, "stoppingAt", st->stopping_ms);
    (void)cJSON_AddStringToObject(o, "taskArn", st->arn);
    (void)cJSON_AddStringToObject(o, "taskDefinitionArn", st->taskdef_arn);
    (void)cJSON_AddNumberToObject(o, "version", 1);
    return o;
}
