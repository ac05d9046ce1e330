/* SPDX-License-Identifier: Apache-2.0 */
/* The monitoring API in Fluent Bit's v1 shapes: "/" (build info), /api/v1/uptime,
 * /api/v1/metrics ({"input":{..},"filter":{..},"output":{..}} per instance name, counters in
 * Fluent Bit's order), /api/v1/metrics/prometheus (sorted "fluentbit_<kind>_<metric>_total"
 * lines with HELP/TYPE) and /api/v1/health (Health_Check: "ok" 200 / "error" 500 over the
 * current HC_Period window). Values are live, not sampled every second as Fluent Bit does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/router_internal.h"

#define CT_JSON "application/json"
#define CT_TEXT "text/plain"
#define CT_PROM "text/plain; version=0.0.4"

/* One counter of one instance: kind ("input"), instance name, metric name, value. */
struct metric {
    const char *kind, *name, *metric;
    uint64_t value;
};

typedef int (*metric_fn)(const struct metric *m, void *arg);

static int each_metric(const struct emu_router *r, metric_fn fn, void *arg)
{
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs && rc == 0; i++) {
        const struct emu_router_input *in = r->inputs[i];
        const struct metric ms[] = {{"input", in->name, "records", in->m.records},
                                    {"input", in->name, "bytes", in->m.bytes}};
        for (size_t j = 0; j < 2 && rc == 0; j++) {
            rc = fn(&ms[j], arg);
        }
    }
    for (size_t i = 0; i < r->n_filters && rc == 0; i++) {
        const struct emu_router_filter *f = r->filters[i];
        const struct metric ms[] = {{"filter", f->name, "drop_records", f->m.drop_records},
                                    {"filter", f->name, "add_records", f->m.add_records},
                                    {"filter", f->name, "records", f->m.records},
                                    {"filter", f->name, "bytes", f->m.bytes},
                                    {"filter", f->name, "drop_bytes", f->m.drop_bytes},
                                    {"filter", f->name, "emit_records", f->m.emit_records}};
        size_t n = f->emitter ? 6 : 5;
        for (size_t j = 0; j < n && rc == 0; j++) {
            rc = fn(&ms[j], arg);
        }
    }
    for (size_t i = 0; i < r->n_outputs && rc == 0; i++) {
        const struct emu_router_output *o = r->outputs[i];
        const struct emu_router_out_metrics *m = &o->m;
        const struct metric ms[] = {{"output", o->name, "proc_records", m->proc_records},
                                    {"output", o->name, "proc_bytes", m->proc_bytes},
                                    {"output", o->name, "errors", m->errors},
                                    {"output", o->name, "retries", m->retries},
                                    {"output", o->name, "retries_failed", m->retries_failed},
                                    {"output", o->name, "dropped_records", m->dropped_records},
                                    {"output", o->name, "retried_records", m->retried_records}};
        for (size_t j = 0; j < 7 && rc == 0; j++) {
            rc = fn(&ms[j], arg);
        }
    }
    return rc;
}

struct json_state {
    struct emu_buf *b;
    const char *kind, *name;
};

/* Writes {"input":{"forward.0":{"records":N,...},...},"filter":{...},"output":{...}}. */
static int json_metric(const struct metric *m, void *arg)
{
    struct json_state *st = arg;
    int r = 0;
    if (!st->kind || strcmp(st->kind, m->kind) != 0) {
        r = emu_buf_puts(st->b, st->kind ? "}}," : "{");
        if (r == 0) {
            r = emu_buf_printf(st->b, "\"%s\":{", m->kind);
        }
        st->kind = m->kind;
        st->name = NULL;
    }
    if (r == 0 && (!st->name || strcmp(st->name, m->name) != 0)) {
        r = emu_buf_puts(st->b, st->name ? "}," : "");
        if (r == 0) {
            r = emu_mp_json_string(st->b, m->name, strlen(m->name));
        }
        if (r == 0) {
            r = emu_buf_puts(st->b, ":{");
        }
        st->name = m->name;
    }
    else if (r == 0) {
        r = emu_buf_putc(st->b, ',');
    }
    return r == 0 ? emu_buf_printf(st->b, "\"%s\":%" PRIu64, m->metric, m->value) : r;
}

static int metrics_json(const struct emu_router *r, struct emu_buf *b)
{
    struct json_state st = {.b = b};
    int rc = each_metric(r, json_metric, &st);
    if (rc == 0) {
        rc = emu_buf_puts(b, st.kind ? "}}}" : "{}");
    }
    return rc;
}

struct prom_state {
    char **lines;
    size_t n, cap;
    uint64_t now_ms;
};

static int prom_metric(const struct metric *m, void *arg)
{
    struct prom_state *st = arg;
    struct emu_buf b;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        char **a = emu_realloc(st->lines, cap * sizeof(*a));
        if (!a) {
            return -ENOMEM;
        }
        st->lines = a;
        st->cap = cap;
    }
    emu_buf_init(&b, 4096);
    int r = emu_buf_printf(&b, "fluentbit_%s_%s_total{name=\"%s\"} %" PRIu64 " %" PRIu64 "\n",
                           m->kind, m->metric, m->name, m->value, st->now_ms);
    if (r < 0) {
        emu_buf_done(&b);
        return r;
    }
    st->lines[st->n++] = emu_buf_steal(&b);
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *prom_help(const char *name, size_t len)
{
    static const struct {
        const char *metric, *help;
    } helps[] = {
        {"fluentbit_input_bytes_total", "Number of input bytes."},
        {"fluentbit_input_records_total", "Number of input records."},
        {"fluentbit_output_proc_bytes_total", "Number of processed output bytes."},
        {"fluentbit_output_proc_records_total", "Number of processed output records."},
        {"fluentbit_output_errors_total", "Number of output errors."},
        {"fluentbit_output_retries_total", "Number of output retries."},
        {"fluentbit_output_retries_failed_total",
         "Number of abandoned batches because the maximum number of re-tries was reached."},
        {"fluentbit_output_dropped_records_total", "Number of dropped records."},
        {"fluentbit_output_retried_records_total", "Number of retried records."},
        {"fluentbit_filter_drop_records_total", "Number of dropped records."},
        {"fluentbit_filter_add_records_total", "Number of added records."},
    };
    for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
        if (strlen(helps[i].metric) == len && memcmp(helps[i].metric, name, len) == 0) {
            return helps[i].help;
        }
    }
    return "Fluentbit metrics.";
}

static int metrics_prometheus(const struct emu_router *r, struct emu_buf *b)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct prom_state st = {.now_ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u};
    int rc = each_metric(r, prom_metric, &st);
    if (rc == 0 && st.n > 0) {
        qsort(st.lines, st.n, sizeof(*st.lines), cmp_lines);
    }
    size_t prev_len = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < st.n && rc == 0; i++) {
        size_t len = strcspn(st.lines[i], "{");
        if (!prev || prev_len != len || memcmp(prev, st.lines[i], len) != 0) {
            rc = emu_buf_printf(b, "# HELP %.*s %s\n# TYPE %.*s counter\n", (int)len,
                                st.lines[i], prom_help(st.lines[i], len), (int)len,
                                st.lines[i]);
        }
        if (rc == 0) {
            rc = emu_buf_puts(b, st.lines[i]);
        }
        prev = st.lines[i];
        prev_len = len;
    }
    if (rc == 0) {
        rc = emu_buf_printf(b,
                            "# HELP process_start_time_seconds Start time of the process since "
                            "unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
                            "process_start_time_seconds %lld\n",
                            (long long)r->start_time);
    }
    for (size_t i = 0; i < st.n; i++) {
        emu_free(st.lines[i]);
    }
    emu_free(st.lines);
    return rc;
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static int uptime(const struct emu_router *r, struct emu_buf *b)
{
    uint64_t up = (uv_now(r->loop) - r->start_ms) / 1000u;
    uint64_t d = up / 86400u, h = up % 86400u / 3600u, m = up % 3600u / 60u, s = up % 60u;
    return emu_buf_printf(b,
                          "{\"uptime_sec\":%" PRIu64 ",\"uptime_hr\":\"Fluent Bit has been "
                          "running:  %" PRIu64 " day%s, %" PRIu64 " hour%s, %" PRIu64
                          " minute%s and %" PRIu64 " second%s\"}",
                          up, d, plural(d), h, plural(h), m, plural(m), s, plural(s));
}

static void health_totals(const struct emu_router *r, uint64_t *errors, uint64_t *failed)
{
    *errors = *failed = 0;
    for (size_t i = 0; i < r->n_outputs; i++) {
        *errors += r->outputs[i]->m.errors;
        *failed += r->outputs[i]->m.retries_failed;
    }
}

static void hc_cb(uv_timer_t *t)
{
    struct emu_router *r = t->data;
    health_totals(r, &r->hc_errors_base, &r->hc_retry_failed_base);
}

int emu__router_health_start(struct emu_router *r)
{
    if (!r->svc.health_check) {
        return 0;
    }
    uint64_t ms = (uint64_t)(r->svc.hc_period > 0 ? r->svc.hc_period : 1) * 1000u;
    uv_timer_init(r->loop, &r->hc_timer);
    r->hc_timer.data = r;
    r->hc_timer_inited = 1;
    hc_cb(&r->hc_timer);
    uv_timer_start(&r->hc_timer, hc_cb, ms, ms);
    return 0;
}

static void hc_closed(uv_handle_t *h)
{
    emu_router_release(h->data);
}

void emu__router_health_stop(struct emu_router *r)
{
    if (r->hc_timer_inited) {
        r->hc_timer_inited = 0;
        emu_router_hold(r);
        uv_close((uv_handle_t *)&r->hc_timer, hc_closed);
    }
}

static int path_is(const char *path, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(path, want, len) == 0;
}

int emu__router_http_handle(struct emu_router *r, const char *path, size_t path_len,
                            struct emu_buf *body, const char **ret_ctype)
{
    int rc;
    *ret_ctype = CT_JSON;
    if (path_is(path, path_len, "/")) {
        rc = emu_buf_puts(body, "{\"fluent-bit\":{\"version\":\"" EMU_VERSION "\","
                                "\"edition\":\"emu-router\",\"flags\":[\"FLB_HAVE_METRICS\","
                                "\"FLB_HAVE_HTTP_SERVER\",\"FLB_HAVE_REGEX\","
                                "\"FLB_HAVE_PARSER\"]}}");
    }
    else if (path_is(path, path_len, "/api/v1/uptime")) {
        rc = uptime(r, body);
    }
    else if (path_is(path, path_len, "/api/v1/metrics")) {
        rc = metrics_json(r, body);
    }
    else if (path_is(path, path_len, "/api/v1/metrics/prometheus")) {
        *ret_ctype = CT_PROM;
        rc = metrics_prometheus(r, body);
    }
    else if (path_is(path, path_len, "/api/v1/health") && r->svc.health_check) {
        uint64_t errors, failed;
        health_totals(r, &errors, &failed);
        int bad = errors - r->hc_errors_base > (uint64_t)r->svc.hc_errors_count ||
                  failed - r->hc_retry_failed_base > (uint64_t)r->svc.hc_retry_failure_count;
        *ret_ctype = CT_TEXT;
        rc = emu_buf_puts(body, bad ? "error\n" : "ok\n");
        return rc < 0 ? 500 : bad ? 500 : 200;
    }
    else {
        *ret_ctype = NULL;
        return 404;
    }
    return rc < 0 ? 500 : 200;
}
