/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.h: task metadata v4 and credentials documents written field by field in the order
 * of the agent's Go structs (v2.TaskResponse embedded first, then the v4 fields), omitempty
 * honoured, maps sorted by key, strings escaped as encoding/json escapes them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/model/metadata.h"

/* A JSON string as Go writes it: <, >, & and U+2028/9 as \u escapes, control bytes too. */
static int str(struct emu_buf *b, const char *s)
{
    int r = emu_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); r == 0 && *p; p++) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            r = emu_buf_putc(b, '\\');
            r = r ? r : emu_buf_putc(b, (char)ch);
        }
        else if (ch == '\n') {
            r = emu_buf_puts(b, "\\n");
        }
        else if (ch == '\r') {
            r = emu_buf_puts(b, "\\r");
        }
        else if (ch == '\t') {
            r = emu_buf_puts(b, "\\t");
        }
        else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
            r = emu_buf_printf(b, "\\u%04x", ch);
        }
        else if (ch == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            r = emu_buf_printf(b, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
            p += 2;
        }
        else {
            r = emu_buf_putc(b, (char)ch);
        }
    }
    return r ? r : emu_buf_putc(b, '"');
}

/* ,"key":"value" (first: no comma). */
static int kv(struct emu_buf *b, bool *first, const char *key, const char *value)
{
    int r = *first ? 0 : emu_buf_putc(b, ',');
    *first = false;
    r = r ? r : str(b, key);
    r = r ? r : emu_buf_putc(b, ':');
    return r ? r : str(b, value);
}

static int key(struct emu_buf *b, bool *first, const char *k)
{
    int r = *first ? 0 : emu_buf_putc(b, ',');
    *first = false;
    r = r ? r : str(b, k);
    return r ? r : emu_buf_putc(b, ':');
}

static int opt_kv(struct emu_buf *b, bool *first, const char *k, const char *v)
{
    return v && v[0] ? kv(b, first, k, v) : 0;
}

int emu_md_endpoint_id(const char *task_id, const char *container, char out[80])
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)container; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    int n = snprintf(out, 80, "%s-%010u", task_id, (unsigned)h);
    return n > 0 && n < 80 ? 0 : -E2BIG;
}

int emu_md_time(int64_t ms, char out[40])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&s, &tm)) {
        return -EINVAL;
    }
    char base[24]; /* YYYY-MM-DDTHH:MM:SS */
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    int frac = (int)(ms % 1000);
    if (frac == 0) {
        (void)snprintf(out, 40, "%sZ", base);
        return 0;
    }
    char f[12];
    (void)snprintf(f, sizeof(f), "%03d", frac);
    for (size_t n = strlen(f); n > 0 && f[n - 1] == '0'; n--) {
        f[n - 1] = '\0';
    }
    (void)snprintf(out, 40, "%s.%sZ", base, f);
    return 0;
}

static int opt_time(struct emu_buf *b, bool *first, const char *k, int64_t ms)
{
    char t[40];
    if (ms <= 0 || emu_md_time(ms, t) < 0) {
        return 0;
    }
    return kv(b, first, k, t);
}

static int cmp_pair(const void *a, const void *b)
{
    const struct emu_md_pair *x = *(const struct emu_md_pair *const *)a;
    const struct emu_md_pair *y = *(const struct emu_md_pair *const *)b;
    return strcmp(x->key, y->key);
}

/* A map[string]string: keys sorted, omitted when empty. */
static int map(struct emu_buf *b, bool *first, const char *k, const struct emu_md_pair *p,
               size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (n > EMU_MD_MAX_MAP) {
        return -E2BIG;
    }
    const struct emu_md_pair *sorted[EMU_MD_MAX_MAP];
    for (size_t i = 0; i < n; i++) {
        sorted[i] = &p[i];
    }
    qsort(sorted, n, sizeof(sorted[0]), cmp_pair);
    int r = key(b, first, k);
    r = r ? r : emu_buf_putc(b, '{');
    bool f = true;
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = kv(b, &f, sorted[i]->key, sorted[i]->value);
    }
    return r ? r : emu_buf_putc(b, '}');
}

static int ports(struct emu_buf *b, bool *first, const struct emu_md_container *c)
{
    if (c->n_ports == 0) {
        return 0;
    }
    int r = key(b, first, "Ports");
    r = r ? r : emu_buf_putc(b, '[');
    for (size_t i = 0; r == 0 && i < c->n_ports; i++) {
        const struct emu_md_port *p = &c->ports[i];
        bool f = true;
        r = emu_buf_puts(b, i ? ",{" : "{");
        if (r == 0 && p->container_port) {
            r = key(b, &f, "ContainerPort");
            r = r ? r : emu_buf_printf(b, "%d", p->container_port);
        }
        r = r ? r : opt_kv(b, &f, "Protocol", p->protocol);
        if (r == 0 && p->host_port) {
            r = key(b, &f, "HostPort");
            r = r ? r : emu_buf_printf(b, "%d", p->host_port);
        }
        r = r ? r : opt_kv(b, &f, "HostIp", p->host_ip);
        r = r ? r : emu_buf_putc(b, '}');
    }
    return r ? r : emu_buf_putc(b, ']');
}

static int network(struct emu_buf *b, bool *first, const struct emu_md_network *n)
{
    if (!n) {
        return 0;
    }
    bool f = true;
    int r = key(b, first, "Networks");
    r = r ? r : emu_buf_puts(b, "[{");
    r = r ? r : kv(b, &f, "NetworkMode", "awsvpc");
    r = r ? r : key(b, &f, "IPv4Addresses");
    r = r ? r : emu_buf_putc(b, '[');
    r = r ? r : str(b, n->ipv4);
    r = r ? r : emu_buf_puts(b, "],\"AttachmentIndex\":0");
    r = r ? r : opt_kv(b, &f, "MACAddress", n->mac);
    r = r ? r : opt_kv(b, &f, "IPv4SubnetCIDRBlock", n->subnet_cidr);
    r = r ? r : opt_kv(b, &f, "PrivateDNSName", n->private_dns);
    r = r ? r : opt_kv(b, &f, "SubnetGatewayIpv4Address", n->gateway);
    return r ? r : emu_buf_puts(b, "}]");
}

static int health(struct emu_buf *b, bool *first, const struct emu_md_container *c)
{
    if (!c->health_status) {
        return 0;
    }
    bool f = true;
    int r = key(b, first, "Health");
    r = r ? r : emu_buf_putc(b, '{');
    r = r ? r : opt_kv(b, &f, "status", c->health_status);
    r = r ? r : opt_time(b, &f, "statusSince", c->health_since_ms);
    if (r == 0 && c->has_health_exit_code && c->health_exit_code != 0) {
        r = key(b, &f, "exitCode");
        r = r ? r : emu_buf_printf(b, "%d", c->health_exit_code);
    }
    r = r ? r : opt_kv(b, &f, "output", c->health_output);
    return r ? r : emu_buf_putc(b, '}');
}

int emu_md_container_json(const struct emu_md_container *c, struct emu_buf *out)
{
    bool f = true;
    int r = emu_buf_putc(out, '{');
    r = r ? r : kv(out, &f, "DockerId", c->docker_id);
    r = r ? r : kv(out, &f, "Name", c->name);
    r = r ? r : kv(out, &f, "DockerName", c->docker_name);
    r = r ? r : kv(out, &f, "Image", c->image);
    r = r ? r : kv(out, &f, "ImageID", c->image_id);
    r = r ? r : ports(out, &f, c);
    r = r ? r : map(out, &f, "Labels", c->labels, c->n_labels);
    r = r ? r : kv(out, &f, "DesiredStatus", c->desired_status);
    r = r ? r : kv(out, &f, "KnownStatus", c->known_status);
    if (r == 0 && c->has_exit_code) {
        r = emu_buf_printf(out, ",\"ExitCode\":%d", c->exit_code);
    }
    r = r ? r : emu_buf_printf(out, ",\"Limits\":{\"CPU\":%ld", c->cpu < 2 ? 2 : c->cpu);
    if (r == 0 && c->memory > 0) {
        r = emu_buf_printf(out, ",\"Memory\":%ld", c->memory);
    }
    r = r ? r : emu_buf_putc(out, '}');
    r = r ? r : opt_time(out, &f, "CreatedAt", c->created_ms);
    r = r ? r : opt_time(out, &f, "StartedAt", c->started_ms);
    r = r ? r : opt_time(out, &f, "FinishedAt", c->finished_ms);
    r = r ? r : kv(out, &f, "Type", "NORMAL");
    r = r ? r : network(out, &f, c->network);
    r = r ? r : health(out, &f, c);
    r = r ? r : opt_kv(out, &f, "LogDriver", c->log_driver);
    r = r ? r : map(out, &f, "LogOptions", c->log_options, c->n_log_options);
    r = r ? r : opt_kv(out, &f, "ContainerARN", c->container_arn);
    if (r == 0 && c->has_restart_count) {
        r = emu_buf_printf(out, ",\"RestartCount\":%d", c->restart_count);
    }
    return r ? r : emu_buf_putc(out, '}');
}

int emu_md_task_json(const struct emu_md_task *t, bool with_tags, struct emu_buf *out)
{
    if (t->n_containers > EMU_MD_MAX_CONTAINERS) {
        return -E2BIG;
    }
    bool f = true;
    int r = emu_buf_putc(out, '{');
    r = r ? r : kv(out, &f, "Cluster", t->cluster);
    r = r ? r : kv(out, &f, "TaskARN", t->task_arn);
    r = r ? r : kv(out, &f, "Family", t->family);
    r = r ? r : kv(out, &f, "Revision", t->revision);
    r = r ? r : opt_kv(out, &f, "DesiredStatus", t->desired_status);
    r = r ? r : kv(out, &f, "KnownStatus", t->known_status);
    if (r == 0 && (t->cpu || t->memory > 0)) {
        bool lf = true;
        r = key(out, &f, "Limits");
        r = r ? r : emu_buf_putc(out, '{');
        if (r == 0 && t->cpu) {
            r = key(out, &lf, "CPU");
            r = r ? r : emu_buf_puts(out, t->cpu);
        }
        if (r == 0 && t->memory > 0) {
            r = key(out, &lf, "Memory");
            r = r ? r : emu_buf_printf(out, "%ld", t->memory);
        }
        r = r ? r : emu_buf_putc(out, '}');
    }
    r = r ? r : opt_time(out, &f, "PullStartedAt", t->pull_started_ms);
    r = r ? r : opt_time(out, &f, "PullStoppedAt", t->pull_stopped_ms);
    r = r ? r : opt_time(out, &f, "ExecutionStoppedAt", t->execution_stopped_ms);
    r = r ? r : opt_kv(out, &f, "AvailabilityZone", t->availability_zone);
    if (r == 0 && with_tags) {
        r = map(out, &f, "TaskTags", t->tags, t->n_tags);
    }
    r = r ? r : opt_kv(out, &f, "LaunchType", t->launch_type);
    if (r == 0 && t->n_containers > 0) {
        r = key(out, &f, "Containers");
        r = r ? r : emu_buf_putc(out, '[');
        for (size_t i = 0; r == 0 && i < t->n_containers; i++) {
            r = i ? emu_buf_putc(out, ',') : 0;
            r = r ? r : emu_md_container_json(&t->containers[i], out);
        }
        r = r ? r : emu_buf_putc(out, ']');
    }
    if (r == 0 && t->clock_reference_ms > 0) {
        char ref[40];
        r = emu_md_time(t->clock_reference_ms / 1000 * 1000, ref);
        r = r ? r : key(out, &f, "ClockDrift");
        r = r ? r : emu_buf_printf(out, "{\"ClockErrorBound\":%.17g,\"ReferenceTimestamp\":\"%s\","
                                        "\"ClockSynchronizationStatus\":\"%s\"}",
                                   t->clock_error_bound_ms, ref,
                                   t->clock_synchronized ? "SYNCHRONIZED" : "NOT_SYNCHRONIZED");
    }
    r = r ? r : emu_buf_puts(out, ",\"FaultInjectionEnabled\":false}");
    return r;
}

int emu_md_credentials_json(const struct emu_md_credentials *c, struct emu_buf *out)
{
    bool f = true;
    int r = emu_buf_putc(out, '{');
    r = r ? r : kv(out, &f, "RoleArn", c->role_arn);
    r = r ? r : kv(out, &f, "AccessKeyId", c->access_key_id);
    r = r ? r : kv(out, &f, "SecretAccessKey", c->secret_access_key);
    r = r ? r : kv(out, &f, "Token", c->token);
    r = r ? r : kv(out, &f, "Expiration", c->expiration);
    return r ? r : emu_buf_putc(out, '}');
}

int emu_md_error_json(const char *code, const char *message, unsigned http_code,
                      struct emu_buf *out)
{
    bool f = true;
    int r = emu_buf_putc(out, '{');
    r = r ? r : kv(out, &f, "code", code);
    r = r ? r : kv(out, &f, "message", message);
    r = r ? r : emu_buf_printf(out, ",\"HTTPErrorCode\":%u}", http_code);
    return r;
}
