/* SPDX-License-Identifier: Apache-2.0 */
/* The task metadata and credentials endpoint a supervisor serves to its task: 169.254.170.2:80
 * added to the task network's bridge for the task's life (the host side; the containers reach
 * it through their default route), the ecs_metadata shim bound there to that bridge alone, the
 * task role's credentials minted through the STS shim, and the documents built from the live
 * task state (emu/model/metadata.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/netif.h"
#include "emu/base/random.h"
#include "emu/cli/cli_run.h"
#include "emu/model/metadata.h"
#include "shims/ecs_metadata/md.h"
#include "shims/sts/sts.h"

#define ECS_ENDPOINT_IP "169.254.170.2"
#define CREDS_DURATION_S (6L * 3600L)

static const struct emu_container_def *def_of(const struct run_job *job, const char *name)
{
    for (size_t i = 0; i < job->td->n_containers; i++) {
        if (strcmp(job->td->containers[i].name, name) == 0) {
            return &job->td->containers[i];
        }
    }
    return NULL;
}

/* Strings of one container document, kept together so the builder can borrow them. */
struct ctr_doc {
    struct emu_md_container c;
    struct emu_md_pair labels[EMU_MD_MAX_MAP];
    struct emu_md_pair opts[EMU_MD_MAX_MAP];
    char arn[1200];
    char version[32];
};

static void fill_container(const struct emu_cli_endpoints *e, const struct emu_ctr_state *s,
                           struct ctr_doc *d)
{
    const struct run_job *job = e->job;
    const struct emu_task_state *st = &job->st;
    const struct emu_container_def *def = def_of(job, s->name);
    const char *task = strstr(st->arn, ":task/");
    (void)snprintf(d->arn, sizeof(d->arn), "%.*s:container/%s/%s/%s",
                   task ? (int)(task - st->arn) : 0, st->arn, st->cluster, st->id, s->name);
    (void)snprintf(d->version, sizeof(d->version), "%ld", st->revision);
    size_t n = 0;
    d->labels[n++] = (struct emu_md_pair){"com.amazonaws.ecs.cluster", st->cluster};
    d->labels[n++] = (struct emu_md_pair){"com.amazonaws.ecs.container-name", s->name};
    d->labels[n++] = (struct emu_md_pair){"com.amazonaws.ecs.task-arn", st->arn};
    d->labels[n++] = (struct emu_md_pair){"com.amazonaws.ecs.task-definition-family",
                                          st->family};
    d->labels[n++] = (struct emu_md_pair){"com.amazonaws.ecs.task-definition-version",
                                          d->version};
    for (size_t i = 0; def && i < def->docker_labels.n && n < EMU_MD_MAX_MAP; i++) {
        const struct emu_kv *kv = &def->docker_labels.items[i];
        if (strncmp(kv->key, "com.amazonaws.ecs.", 18) != 0) {
            d->labels[n++] = (struct emu_md_pair){kv->key, kv->value};
        }
    }
    size_t no = 0;
    const struct emu_log_config *lc = def ? &def->log_configuration : NULL;
    for (size_t i = 0; lc && i < lc->options.n && no < EMU_MD_MAX_MAP; i++) {
        d->opts[no++] = (struct emu_md_pair){lc->options.items[i].key,
                                             lc->options.items[i].value};
    }
    d->c = (struct emu_md_container){
        .docker_id = s->docker_id,
        .name = s->name,
        .docker_name = s->docker_name,
        .image = def ? def->image : s->image,
        .image_id = e->image_ids[s - st->containers],
        .labels = d->labels,
        .n_labels = n,
        .desired_status = emu_ctr_status_to_string(s->desired),
        .known_status = emu_ctr_status_to_string(s->status),
        .has_exit_code = s->has_exit_code,
        .exit_code = s->exit_code,
        .cpu = def && def->cpu.has ? (long)def->cpu.v : 0,
        .memory = def && def->memory.has ? (long)def->memory.v : 0,
        .created_ms = s->created_ms,
        .started_ms = s->started_ms,
        .finished_ms = s->stopped_ms,
        .network = e->net.ipv4[0] ? &e->md_net : NULL,
        .health_status = s->has_health_check ? emu_health_to_string(s->health) : NULL,
        .log_driver = lc && lc->present ? lc->log_driver : NULL,
        .log_options = d->opts,
        .n_log_options = no,
        .container_arn = d->arn,
        .has_restart_count = s->restart_enabled,
        .restart_count = s->restart_count,
    };
}

/* ClockDrift as Fargate reports it, from the host clock's NTP discipline (adjtimex(2), read
 * only): the maximum error as the bound, unsynchronised when the kernel says so. */
static void clock_drift(struct emu_md_task *t)
{
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    if (state < 0) {
        return;
    }
    t->clock_error_bound_ms = (double)tx.maxerror / 1000.0;
    t->clock_reference_ms = (int64_t)time(NULL) * 1000;
    t->clock_synchronized = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static int task_doc(struct emu_cli_endpoints *e, bool tags, struct emu_buf *out)
{
    const struct emu_task_state *st = &e->job->st;
    struct ctr_doc *docs = emu_calloc(st->n_containers ? st->n_containers : 1, sizeof(*docs));
    struct emu_md_container *cs = emu_calloc(st->n_containers ? st->n_containers : 1,
                                             sizeof(*cs));
    int r = docs && cs ? 0 : -ENOMEM;
    for (size_t i = 0; r == 0 && i < st->n_containers; i++) {
        fill_container(e, &st->containers[i], &docs[i]);
        cs[i] = docs[i].c;
    }
    char cluster_arn[600], revision[32], cpu[32] = "";
    const char *task = strstr(st->arn, ":task/");
    (void)snprintf(cluster_arn, sizeof(cluster_arn), "%.*s:cluster/%s",
                   task ? (int)(task - st->arn) : 0, st->arn, st->cluster);
    (void)snprintf(revision, sizeof(revision), "%ld", st->revision);
    char *end = NULL;
    double units = strtod(st->cpu, &end);
    if (end != st->cpu && units > 0) {
        (void)snprintf(cpu, sizeof(cpu), "%g", units / 1024.0);
    }
    char az[72];
    emu_task_availability_zone(st, az);
    struct emu_md_task t = {
        .cluster = cluster_arn,
        .task_arn = st->arn,
        .family = st->family,
        .revision = revision,
        .desired_status = emu_task_status_to_string(st->desired),
        .known_status = emu_task_status_to_string(st->status),
        .cpu = cpu[0] ? cpu : NULL,
        .memory = strtol(st->memory, NULL, 10),
        .pull_started_ms = st->pull_started_ms,
        .pull_stopped_ms = st->pull_stopped_ms,
        .execution_stopped_ms = st->stopped_ms,
        .availability_zone = az,
        .launch_type = st->launch_type,
        .containers = cs,
        .n_containers = st->n_containers,
    };
    clock_drift(&t);
    r = r ? r : emu_md_task_json(&t, tags, out);
    emu_free(docs);
    emu_free(cs);
    return r;
}

struct stats_ask {
    struct emu_cli_endpoints *e;
    size_t i;
};

static void on_stats(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct stats_ask *a = ud;
    a->e->stats_inflight[a->i] = false;
    char *json = status == 0 && rep->json && a->e->md ? emu_json_print(rep->json, 0) : NULL;
    if (json) {
        emu_free(a->e->stats[a->i]);
        a->e->stats[a->i] = json;
    }
    emu_free(a);
}

/* Docker stats are read in the background: a request answers the last reading (as the
 * agent's stats engine does) and asks for a fresh one. */
static void refresh_stats(struct emu_cli_endpoints *e)
{
    const struct emu_task_state *st = &e->job->st;
    for (size_t i = 0; e->docker && i < st->n_containers && i < EMU_TASK_MAX_CONTAINERS; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        if (e->stats_inflight[i] || !c->docker_id[0] || c->status != EMU_CTR_RUNNING) {
            continue;
        }
        struct stats_ask *a = emu_calloc(1, sizeof(*a));
        if (a) {
            *a = (struct stats_ask){e, i};
            e->stats_inflight[i] = emu_docker_container_stats(e->docker, c->docker_id, on_stats,
                                                              a) == 0;
            if (!e->stats_inflight[i]) {
                emu_free(a);
            }
        }
    }
}

static int task_stats(struct emu_cli_endpoints *e, struct emu_buf *out)
{
    const struct emu_task_state *st = &e->job->st;
    int r = emu_buf_putc(out, '{');
    for (size_t i = 0; r == 0 && i < st->n_containers && i < EMU_TASK_MAX_CONTAINERS; i++) {
        r = emu_buf_printf(out, "%s\"%s\":%s", i ? "," : "", st->containers[i].docker_id,
                           e->stats[i] ? e->stats[i] : "null");
    }
    return r ? r : emu_buf_putc(out, '}');
}

static int on_doc(void *ud, const char *id, int version, enum shim_md_doc kind,
                  struct emu_buf *out)
{
    struct emu_cli_endpoints *e = ud;
    const struct emu_task_state *st = &e->job->st;
    (void)version;
    for (size_t i = 0; i < st->n_containers; i++) {
        char mid[80];
        if (emu_md_endpoint_id(st->id, st->containers[i].name, mid) < 0 || strcmp(mid, id)) {
            continue;
        }
        switch (kind) {
        case SHIM_MD_CONTAINER: {
            struct ctr_doc *d = emu_calloc(1, sizeof(*d));
            if (!d) {
                return -ENOMEM;
            }
            fill_container(e, &st->containers[i], d);
            int r = emu_md_container_json(&d->c, out);
            emu_free(d);
            return r;
        }
        case SHIM_MD_TASK:
        case SHIM_MD_TASK_WITH_TAGS:
            return task_doc(e, kind == SHIM_MD_TASK_WITH_TAGS, out);
        case SHIM_MD_STATS:
            refresh_stats(e);
            return emu_buf_puts(out, e->stats[i] ? e->stats[i] : "{}");
        case SHIM_MD_TASK_STATS:
        default:
            refresh_stats(e);
            return task_stats(e, out);
        }
    }
    return -ENOENT;
}

/* A random version-4 UUID, as the agent's credentials IDs are. */
static void uuid4(char out[40])
{
    unsigned char b[16] = {0};
    (void)emu_random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    (void)snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                   b[12], b[13], b[14], b[15]);
}

static int mint(struct emu_cli_endpoints *e, const char *role)
{
    char key[32], secret[64], token[1024], expiration[32];
    int r = shim_sts_mint(role, e->job->st.id, (int64_t)time(NULL), e->creds_duration_s, key,
                          secret, token, expiration);
    r = r ? r : shim_md_set_credentials(e->md, e->cred_id, role, key, secret, token,
                                        expiration);
    return r;
}

/* The task role's credentials are replaced at half their lifetime, as the agent refreshes
 * them before they expire: an SDK refreshing in its last 15 minutes gets new ones. */
static void on_creds_timer(uv_timer_t *t)
{
    struct emu_cli_endpoints *e = t->data;
    int r = mint(e, e->job->td->task_role_arn);
    if (r < 0) {
        emu_log_warn("cannot refresh the task role's credentials: %s; the current ones stay "
                     "until they expire", emu_strerror(r));
    }
}

static void start_creds_timer(struct emu_cli_endpoints *e, uv_loop_t *loop)
{
    uint64_t half_ms = (uint64_t)e->creds_duration_s * 1000u / 2u;
    if (uv_timer_init(loop, &e->creds_timer) == 0) {
        e->creds_timer.data = e;
        e->creds_timer_on = true;
        (void)uv_timer_start(&e->creds_timer, on_creds_timer, half_ms, half_ms);
    }
}

/* Without CAP_NET_ADMIN or port 80 (a rootless run): the endpoint on the gateway address,
 * reachable through the full ECS_CONTAINER_METADATA_URI(_V4); no task-role credentials (SDKs
 * accept AWS_CONTAINER_CREDENTIALS_FULL_URI only for loopback and 169.254.170.2/.23), so the
 * containers keep the static keys. */
static int fallback(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *gateway,
                    struct emu_local_endpoints *ep, int cause, char *why, size_t why_len)
{
    if (e->addr_added) {
        (void)emu_netif_addr(e->device, ECS_ENDPOINT_IP, 32, false);
        e->addr_added = false;
    }
    struct shim_md_config cfg = {.address = gateway, .doc = on_doc, .ud = e};
    cfg.port = e->reuse ? e->reuse->metadata_port : 0;
    int r = shim_md_start(loop, &cfg, &e->md);
    if (r < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot serve the task "
                                     "metadata endpoint on %s: %s", gateway, emu_strerror(r));
        return r;
    }
    (void)snprintf(e->md_url, sizeof(e->md_url), "http://%s:%u", gateway, shim_md_port(e->md));
    ep->metadata = e->md_url;
    bool role = e->job->td->task_role_arn && e->job->td->task_role_arn[0];
    fprintf(stderr, "fargate-emu: cannot serve %s inside the task (%s: needs root); task "
                    "metadata at %s instead%s\n", ECS_ENDPOINT_IP, emu_strerror(cause),
            e->md_url, role ? ", and no task-role credentials (static keys instead)" : "");
    return 0;
}

int emu_cli_metadata_start(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *gateway,
                           struct emu_local_endpoints *ep, char *why, size_t why_len)
{
    int r = emu_netif_find_ipv4(gateway, e->device);
    r = r ? r : emu_netif_addr(e->device, ECS_ENDPOINT_IP, 32, true);
    e->addr_added = r == 0;
    struct shim_md_config cfg = {
        .address = ECS_ENDPOINT_IP, .port = 80, .device = e->device, .doc = on_doc, .ud = e};
    r = r ? r : shim_md_start(loop, &cfg, &e->md);
    if (r < 0) {
        return fallback(e, loop, gateway, ep, r, why, why_len);
    }
    (void)snprintf(e->md_url, sizeof(e->md_url), "http://%s", ECS_ENDPOINT_IP);
    ep->metadata = e->md_url;
    const char *role = e->job->td->task_role_arn;
    if (role && role[0]) {
        if (e->reuse && e->reuse->credentials_id[0]) {
            (void)snprintf(e->cred_id, sizeof(e->cred_id), "%s", e->reuse->credentials_id);
        }
        else {
            uuid4(e->cred_id);
        }
        (void)snprintf(e->cred_uri, sizeof(e->cred_uri), "/v2/credentials/%s", e->cred_id);
        if (e->creds_duration_s <= 0) {
            e->creds_duration_s = CREDS_DURATION_S;
        }
        r = mint(e, role);
        if (r < 0) {
            (void)snprintf(why, why_len, "ResourceInitializationError: cannot mint credentials "
                                         "for the task role %s: %s", role, emu_strerror(r));
            return r;
        }
        ep->credentials_uri = e->cred_uri;
        start_creds_timer(e, loop);
    }
    return 0;
}

/* The task's awsvpc interface (the pause container's endpoint on the task network). */
static void on_net(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_cli_endpoints *e = ud;
    const cJSON *ctrs = status == 0 ? cJSON_GetObjectItemCaseSensitive(rep->json, "Containers")
                                    : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, ctrs)
    {
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(it, "IPv4Address");
        const cJSON *mac = cJSON_GetObjectItemCaseSensitive(it, "MacAddress");
        if (!it->string || strcmp(it->string, e->job->st.pause_id) != 0 || !cJSON_IsString(ip)) {
            continue;
        }
        const char *slash = strchr(ip->valuestring, '/');
        (void)snprintf(e->net.ipv4, sizeof(e->net.ipv4), "%.*s",
                       (int)(slash ? (size_t)(slash - ip->valuestring) : strlen(ip->valuestring)),
                       ip->valuestring);
        (void)snprintf(e->net.mac, sizeof(e->net.mac), "%s",
                       cJSON_IsString(mac) ? mac->valuestring : "");
        (void)snprintf(e->net.gateway, sizeof(e->net.gateway), "%s%s", e->gateway,
                       slash ? slash : "");
        char dns[64];
        (void)snprintf(dns, sizeof(dns), "%s", e->net.ipv4);
        for (char *p = dns; *p; p++) {
            *p = *p == '.' ? '-' : *p;
        }
        (void)snprintf(e->net.dns, sizeof(e->net.dns), "ip-%s.ec2.internal", dns);
    }
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rep ? rep->json : NULL, "IPAM"), "Config");
    cJSON_ArrayForEach(it, cfg)
    {
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(it, "Subnet");
        if (cJSON_IsString(sub) && !strchr(sub->valuestring, ':')) {
            (void)snprintf(e->net.subnet, sizeof(e->net.subnet), "%s", sub->valuestring);
        }
    }
    e->md_net = (struct emu_md_network){.ipv4 = e->net.ipv4, .mac = e->net.mac,
                                        .subnet_cidr = e->net.subnet, .gateway = e->net.gateway,
                                        .private_dns = e->net.dns};
}

struct image_ask {
    struct emu_cli_endpoints *e;
    size_t i;
};

static void on_inspect(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct image_ask *a = ud;
    if (status == 0 && rep->container && rep->container->image) {
        (void)snprintf(a->e->image_ids[a->i], sizeof(a->e->image_ids[0]), "%s",
                       rep->container->image);
    }
    emu_free(a);
}

void emu_cli_metadata_task_changed(struct emu_cli_endpoints *e, struct emu_docker *d)
{
    const struct emu_task_state *st = &e->job->st;
    e->docker = d;
    for (size_t i = 0; e->md && i < st->n_containers && i < EMU_TASK_MAX_CONTAINERS; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        if (c->status == EMU_CTR_RUNNING && !e->stats[i]) {
            refresh_stats(e);
        }
        if (e->image_asked[i] || !c->docker_id[0] || c->status < EMU_CTR_CREATED) {
            continue;
        }
        struct image_ask *a = emu_calloc(1, sizeof(*a));
        if (a) {
            *a = (struct image_ask){e, i};
            e->image_asked[i] = emu_docker_container_inspect(d, c->docker_id, on_inspect, a) == 0;
            if (!e->image_asked[i]) {
                emu_free(a);
            }
        }
    }
    if (!e->md || e->net_asked || !st->pause_id[0] || st->status < EMU_TASK_RUNNING) {
        return;
    }
    e->net_asked = emu_docker_network_inspect(d, st->network_name, on_net, e) == 0;
}

void emu_cli_metadata_stop(struct emu_cli_endpoints *e)
{
    if (e->creds_timer_on) {
        uv_close((uv_handle_t *)&e->creds_timer, NULL);
        e->creds_timer_on = false;
    }
    shim_md_stop(e->md);
    e->md = NULL;
    for (size_t i = 0; i < EMU_TASK_MAX_CONTAINERS; i++) {
        emu_free(e->stats[i]);
        e->stats[i] = NULL;
    }
    if (e->addr_added) {
        int r = emu_netif_addr(e->device, ECS_ENDPOINT_IP, 32, false);
        if (r < 0 && r != -ENODEV) {
            emu_log_warn("cannot remove %s from %s: %s", ECS_ENDPOINT_IP, e->device,
                         emu_strerror(r));
        }
        e->addr_added = false;
    }
}
