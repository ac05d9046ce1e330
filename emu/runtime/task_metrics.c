/* SPDX-License-Identifier: Apache-2.0 */
/* The router's metrics for the audit: when the task's router config turns Fluent Bit's
 * HTTP_Server on, polls http://<task address>:<HTTP_Port>/api/v1/metrics every second while the
 * router runs (bounded body and time, off the critical path: a failure is only noted), takes a
 * last reading after the app containers stopped and before the router is stopped, and keeps
 * the last good document with its time in <id>.out/.router.metrics.json (atomically). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/plugin.h"
#include "emu/runtime/runtime_int.h"

#define METRICS_PERIOD_MS 1000
#define METRICS_TIMEOUT_MS 900L
#define METRICS_CONNECT_MS 500L
#define METRICS_FINAL_MAX_MS 2000
#define METRICS_MAX_BODY (1024u * 1024u)

enum { M_UNDECIDED = 0, M_OFF = 1, M_ON = 2 };

/* Reads [SERVICE] HTTP_Server / HTTP_Listen / HTTP_Port from the config snapshot (every
 * SERVICE section in order, the last value winning, as the router applies them). */
static void decide(struct emu_task_runner *r)
{
    struct runner_metrics *m = &r->metrics;
    m->state = M_OFF;
    struct emu_buf out;
    if (r->opts.no_output || r->local.router == SIZE_MAX ||
        emu_output_dir(r->opts.data_dir, r->st->id, &out) < 0) {
        return;
    }
    char root[4200], main_path[4096], path[8400];
    (void)snprintf(root, sizeof(root), "%s/%s", out.data, EMU_OUTPUT_ROUTER_DIR);
    emu_output_router_main(out.data, main_path, sizeof(main_path));
    emu_buf_done(&out);
    (void)snprintf(path, sizeof(path), "%s%s", root, main_path);
    struct emu_router_config_env env = {.root = root};
    struct emu_router_config *cf = NULL;
    struct emu_diags d;
    emu_diags_init(&d);
    int on = 0;
    long port = 2020;
    const char *listen = NULL;
    if (emu_router_config_load(path, &env, &cf, &d) == 0) {
        for (size_t i = 0; i < cf->n_sections; i++) {
            const struct emu_router_section *s = &cf->sections[i];
            if (s->kind != EMU_RSEC_SERVICE) {
                continue;
            }
            const char *v = emu_router_section_get(s, "HTTP_Server");
            on = v ? emu_router_parse_bool(v) == 1 : on;
            v = emu_router_section_get(s, "HTTP_Port");
            if (v) {
                char *end = NULL;
                long p = strtol(v, &end, 10);
                port = end && *end == '\0' && p > 0 && p < 65536 ? p : -1;
            }
            v = emu_router_section_get(s, "HTTP_Listen");
            listen = v ? v : listen;
        }
    }
    if (on && port > 0) {
        m->state = M_ON;
        m->port = port;
        bool any = !listen || strcmp(listen, "0.0.0.0") == 0 || strcmp(listen, "::") == 0;
        (void)snprintf(m->listen, sizeof(m->listen), "%s", any ? "" : listen);
    }
    emu_diags_done(&d);
    emu_router_config_free(cf);
}

static void iso(int64_t ms, char out[40])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    (void)gmtime_r(&s, &tm);
    char base[24];
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(out, 40, "%s.%03dZ", base, (int)(ms % 1000));
}

/* Writes the file: the last good document (parsed), or none with the error. */
static void write_out(struct emu_task_runner *r, const cJSON *doc, int64_t at_ms, bool final)
{
    struct runner_metrics *m = &r->metrics;
    struct emu_buf p;
    if (emu_output_dir(r->opts.data_dir, r->st->id, &p) < 0) {
        return;
    }
    cJSON *o = cJSON_CreateObject();
    char t[40];
    iso(at_ms, t);
    (void)cJSON_AddStringToObject(o, "url", m->url);
    if (doc) {
        (void)cJSON_AddStringToObject(o, "time", t);
        (void)cJSON_AddNumberToObject(o, "timeMs", (double)at_ms);
        (void)cJSON_AddBoolToObject(o, "final", final);
    }
    (void)cJSON_AddNumberToObject(o, "readings", (double)m->readings);
    (void)cJSON_AddNumberToObject(o, "failures", (double)m->failures);
    (void)cJSON_AddStringToObject(o, "lastError", m->last_error);
    if (doc) {
        (void)cJSON_AddItemToObject(o, "metrics", cJSON_Duplicate(doc, 1));
    }
    char *text = emu_json_print(o, 0);
    int rv = text ? emu_buf_puts(&p, "/" EMU_OUTPUT_ROUTER_METRICS) : -ENOMEM;
    rv = rv ? rv : emu_file_write_atomic(p.data, text, strlen(text), 0644);
    if (rv < 0) {
        emu_log_debug("task %s: cannot write the router's metrics: %s", r->st->id,
                      emu_strerror(rv));
    }
    emu_free(text);
    cJSON_Delete(o);
    emu_buf_done(&p);
}

static void on_metrics(int status, const struct emu_http_response *resp, void *ud)
{
    struct emu_task_runner *r = ud;
    struct runner_metrics *m = &r->metrics;
    bool final = m->final_poll;
    m->polling = false;
    m->final_poll = false;
    r->inflight--;
    int64_t now = emu_now_ms();
    cJSON *doc = NULL;
    struct emu_json_error jerr;
    if (status == 0 && resp->status == 200 &&
        emu_json_parse(resp->body, resp->body_len, &doc, &jerr) == 0 && cJSON_IsObject(doc)) {
        m->readings++;
        bool changed = !m->body || m->body_len != resp->body_len ||
                       memcmp(m->body, resp->body, resp->body_len) != 0;
        if (changed || final) {
            char *copy = emu_malloc(resp->body_len + 1);
            if (copy) {
                memcpy(copy, resp->body, resp->body_len);
                copy[resp->body_len] = '\0';
                emu_free(m->body);
                m->body = copy;
                m->body_len = resp->body_len;
            }
            write_out(r, doc, now, final);
        }
        m->have_good = true;
    }
    else {
        m->failures++;
        if (status < 0) {
            (void)snprintf(m->last_error, sizeof(m->last_error), "GET %s: %s", m->url,
                           resp && resp->error && *resp->error ? resp->error
                                                               : emu_strerror(status));
        }
        else {
            (void)snprintf(m->last_error, sizeof(m->last_error), "GET %s: HTTP %ld%s", m->url,
                           resp->status, resp->status == 200 ? ", not a JSON object" : "");
        }
        if (!m->have_good && strcmp(m->last_error, m->written_error) != 0) {
            (void)snprintf(m->written_error, sizeof(m->written_error), "%s", m->last_error);
            write_out(r, NULL, now, false);
        }
    }
    cJSON_Delete(doc);
    if (final) {
        m->final_done = true;
    }
    emu__runner_settle(r);
}

static void poll_now(struct emu_task_runner *r, bool final)
{
    struct runner_metrics *m = &r->metrics;
    struct emu_http_request rq = {.url = m->url, .max_response = METRICS_MAX_BODY,
                                  .timeout_ms = METRICS_TIMEOUT_MS,
                                  .connect_timeout_ms = METRICS_CONNECT_MS};
    if (emu_http_request(emu_docker_http(r->docker), &rq, on_metrics, r, NULL) == 0) {
        m->polling = true;
        m->final_poll = final;
        r->inflight++;
    }
    else if (final) {
        m->final_done = true;
    }
}

static void on_address(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    struct runner_metrics *m = &r->metrics;
    m->inspecting = false;
    r->inflight--;
    const char *ip = status == 0 && rep->container ? rep->container->ip_address : NULL;
    if (ip && *ip) {
        bool v6 = strchr(ip, ':') != NULL;
        (void)snprintf(m->url, sizeof(m->url), "http://%s%s%s:%ld/api/v1/metrics",
                       v6 ? "[" : "", ip, v6 ? "]" : "", m->port);
    }
    else {
        m->failures++;
        (void)snprintf(m->last_error, sizeof(m->last_error), "the task's address is unknown "
                       "(inspecting %s: %s)", r->st->pause_name,
                       status < 0 ? emu_strerror(status) : "no IP address");
        m->next_ms = emu_now_ms() + METRICS_PERIOD_MS;
    }
    emu__runner_settle(r);
}

static bool router_running(const struct emu_task_runner *r)
{
    return r->local.router != SIZE_MAX &&
           r->st->containers[r->local.router].status == EMU_CTR_RUNNING;
}

static bool loopback(const char *a)
{
    return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
           strcasecmp(a, "localhost") == 0;
}

/* Starts what is due: the config decision, the address, a reading. */
static void step(struct emu_task_runner *r, int64_t now, bool final)
{
    struct runner_metrics *m = &r->metrics;
    if (m->state == M_UNDECIDED) {
        decide(r);
    }
    if (m->state != M_ON || m->inspecting || m->polling) {
        return;
    }
    if (loopback(m->listen)) {
        /* Only the router's own namespace reaches it (and the host's 127.0.0.1 is another
         * machine's port): said once, never polled. */
        if (!m->written_error[0]) {
            (void)snprintf(m->last_error, sizeof(m->last_error), "HTTP_Listen %s is reachable "
                           "from inside the router only", m->listen);
            (void)snprintf(m->written_error, sizeof(m->written_error), "%s", m->last_error);
            write_out(r, NULL, now, false);
        }
        return;
    }
    if (!m->url[0]) {
        if (now >= m->next_ms &&
            emu_docker_container_inspect(r->docker, r->st->pause_name, on_address, r) == 0) {
            m->inspecting = true;
            r->inflight++;
        }
        return;
    }
    if (final || now >= m->next_ms) {
        m->next_ms = now + METRICS_PERIOD_MS;
        poll_now(r, final);
    }
}

void emu__metrics_tick(struct emu_task_runner *r, int64_t now)
{
    if (r->phase != PHASE_CONTAINERS || r->metrics.final_asked || !router_running(r)) {
        return;
    }
    step(r, now, false);
}

bool emu__metrics_final(struct emu_task_runner *r, int64_t now)
{
    struct runner_metrics *m = &r->metrics;
    if (r->force || !router_running(r) || m->final_done) {
        return true;
    }
    if (!m->final_asked) {
        m->final_asked = true;
        m->final_deadline_ms = now + METRICS_FINAL_MAX_MS;
    }
    if (now >= m->final_deadline_ms) {
        return true; /* a reading still in flight ends on its own timeout */
    }
    if (m->state == M_UNDECIDED) {
        decide(r);
    }
    if (m->state != M_ON) {
        m->final_done = true;
        return true;
    }
    if (loopback(m->listen)) {
        step(r, now, false);
        m->final_done = true;
        return true;
    }
    if (!m->polling) {
        step(r, now, m->url[0] != '\0');
    }
    return m->final_done;
}

void emu__metrics_done(struct emu_task_runner *r)
{
    emu_free(r->metrics.body);
    r->metrics.body = NULL;
}
