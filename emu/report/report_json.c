/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu report --json`: the task, per-container output, per-destination deliveries and
 * latency percentiles, and the cost projection with every price's source and date. What was
 * not recorded is null with a note, never 0. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/report/report_int.h"

/* A number with at most `decimals` decimals, trailing zeros dropped: stable across libc and
 * cJSON versions (cJSON would print 17 significant digits for some doubles). */
static void add_num(cJSON *o, const char *key, double x, int decimals)
{
    char s[64];
    int n = snprintf(s, sizeof(s), "%.*f", decimals, x);
    if (n <= 0 || (size_t)n >= sizeof(s) || x != x) {
        (void)cJSON_AddNullToObject(o, key);
        return;
    }
    if (strchr(s, '.')) {
        while (n > 0 && s[n - 1] == '0') {
            s[--n] = '\0';
        }
        if (n > 0 && s[n - 1] == '.') {
            s[--n] = '\0';
        }
    }
    if (strcmp(s, "-0") == 0) {
        memcpy(s, "0", 2);
    }
    (void)cJSON_AddRawToObject(o, key, s);
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
    char t[64];
    emu__report_iso(ms, t);
    if (t[0]) {
        (void)cJSON_AddStringToObject(o, key, t);
    }
    else {
        (void)cJSON_AddNullToObject(o, key);
    }
}

static const char *source_name(enum emu_report_source s)
{
    return s == EMU_REPORT_SRC_OUTPUT_FILE ? "output-file"
           : s == EMU_REPORT_SRC_DOCKER_LOGS ? "docker-logs"
                                             : NULL;
}

static cJSON *container_json(const struct emu_report_container *c)
{
    cJSON *o = cJSON_CreateObject();
    (void)cJSON_AddStringToObject(o, "name", c->name);
    const char *src = source_name(c->source);
    if (!src) {
        (void)cJSON_AddNullToObject(o, "recordedFrom");
        (void)cJSON_AddStringToObject(o, "note", "not recorded: no output file and the "
                                                 "container is gone");
        return o;
    }
    (void)cJSON_AddStringToObject(o, "recordedFrom", src);
    (void)cJSON_AddNumberToObject(o, "lines", (double)c->lines);
    (void)cJSON_AddNumberToObject(o, "bytes", (double)c->bytes);
    (void)cJSON_AddNumberToObject(o, "stdoutLines", (double)c->stdout_lines);
    (void)cJSON_AddNumberToObject(o, "stderrLines", (double)c->stderr_lines);
    (void)cJSON_AddBoolToObject(o, "truncated", c->truncated);
    add_time(o, "firstLineAt", c->first_ms);
    add_time(o, "lastLineAt", c->last_ms);
    return o;
}

static cJSON *latency_json(const struct emu_report_pcts *p)
{
    if (p->n == 0) {
        return cJSON_CreateNull();
    }
    cJSON *o = cJSON_CreateObject();
    (void)cJSON_AddNumberToObject(o, "samples", (double)p->n);
    (void)cJSON_AddNumberToObject(o, "min", (double)p->min);
    (void)cJSON_AddNumberToObject(o, "p50", (double)p->p50);
    (void)cJSON_AddNumberToObject(o, "p90", (double)p->p90);
    (void)cJSON_AddNumberToObject(o, "p99", (double)p->p99);
    (void)cJSON_AddNumberToObject(o, "max", (double)p->max);
    add_num(o, "mean", p->mean, 3);
    return o;
}

static cJSON *dest_json(const struct emu_report_view *v, const struct emu_report_dest *d)
{
    cJSON *o = cJSON_CreateObject();
    bool s3 = d->kind == EMU_REPORT_S3;
    (void)cJSON_AddStringToObject(o, "type", s3 ? "s3" : "cloudwatch_logs");
    (void)cJSON_AddStringToObject(o, "name", d->name);
    (void)cJSON_AddStringToObject(o, "plugin", d->plugin);
    (void)cJSON_AddStringToObject(o, "config", emu__report_rel(v, d->where));
    if (!s3) {
        (void)cJSON_AddStringToObject(o, "logStreamName", d->stream);
        (void)cJSON_AddStringToObject(o, "logStreamPrefix", d->prefix);
    }
    (void)cJSON_AddBoolToObject(o, "found", d->found);
    (void)cJSON_AddNumberToObject(o, "records", (double)d->records);
    (void)cJSON_AddNumberToObject(o, "rawBytes", (double)d->raw_bytes);
    (void)cJSON_AddNumberToObject(o, "storedBytes", (double)d->stored_bytes);
    (void)cJSON_AddNumberToObject(o, "gzipBytes", (double)d->gzip_bytes);
    (void)cJSON_AddBoolToObject(o, "compressed", d->compressed);
    (void)cJSON_AddNumberToObject(o, s3 ? "objects" : "batches", (double)d->units);
    add_time(o, "firstArrivalAt", d->first_ms);
    add_time(o, "lastArrivalAt", d->last_ms);
    (void)cJSON_AddItemToObject(o, "latencyMs", latency_json(&d->pcts));
    (void)cJSON_AddStringToObject(o, "latencyFrom",
                                  s3 ? "record json_date_key time to object LastModified"
                                     : "event timestamp to ingestionTime");
    (void)cJSON_AddNumberToObject(o, "recordsWithoutTime", (double)d->unparsed);
    if (d->failed_requests >= 0) {
        (void)cJSON_AddNumberToObject(o, "retries", (double)d->failed_requests);
    }
    else {
        (void)cJSON_AddNullToObject(o, "retries");
    }
    if (d->rejected >= 0) {
        (void)cJSON_AddNumberToObject(o, "rejectedRecords", (double)d->rejected);
    }
    else {
        (void)cJSON_AddNullToObject(o, "rejectedRecords");
    }
    (void)cJSON_AddStringToObject(
        o, "retriesNote",
        d->failed_requests < 0 ? "not recorded: the store has no failed-requests.jsonl (written "
                                 "by the shims since this version)"
        : s3 ? "failed uploads to the bucket naming the task or in its window, each retried by "
               "the router; S3 refuses whole objects, never single records"
             : "failed PutLogEvents calls in the task's window (any group), each retried by the "
               "router; rejected: events PutLogEvents refused (too old, too new, expired)");
    return o;
}

static cJSON *price_json(const struct emu_report_price *p)
{
    cJSON *o = cJSON_CreateObject();
    add_num(o, "usd", p->usd, 6);
    (void)cJSON_AddStringToObject(o, "source", p->source);
    (void)cJSON_AddStringToObject(o, "date", p->date);
    return o;
}

static cJSON *cost_json(const struct emu_report_view *v)
{
    cJSON *o = cJSON_CreateObject();
    const struct emu_report_cost_in *in = &v->cost_in;
    const struct emu_report_cost *c = &v->cost;
    (void)cJSON_AddStringToObject(o, "region", v->region);
    (void)cJSON_AddNumberToObject(o, "tasks", (double)v->tasks);
    (void)cJSON_AddStringToObject(o, "pricesFile", v->prices_file);
    (void)cJSON_AddNumberToObject(o, "monthHours", 730);
    add_num(o, "durationSeconds", v->duration_s, 6);
    cJSON *rate = cJSON_AddObjectToObject(o, "measured");
    add_num(rate, "bytesPerSecond", in->bytes_per_s, 6);
    (void)cJSON_AddStringToObject(rate, "bytesBasis", v->rate_basis);
    add_num(rate, "putsPerSecond", in->objects_per_s, 6);
    (void)cJSON_AddStringToObject(rate, "putsBasis", v->puts_basis);
    add_num(rate, "s3StoredRatio", in->compressed_ratio, 6);
    add_num(rate, "cloudwatchStoredRatio", in->cwl_stored_ratio, 6);
    (void)cJSON_AddStringToObject(rate, "ratioBasis", v->ratio_basis);
    cJSON *m = cJSON_AddObjectToObject(o, "monthly");
    add_num(m, "gbIngested", c->gb_month, 6);
    add_num(m, "putRequests", c->puts_month, 6);
    if (!v->prices) {
        (void)cJSON_AddNullToObject(o, "usd");
        char note[256];
        (void)snprintf(note, sizeof(note), "no prices for region %s in %s", v->region,
                       v->prices_file);
        (void)cJSON_AddStringToObject(o, "note", note);
        return o;
    }
    cJSON *usd = cJSON_AddObjectToObject(o, "usd");
    cJSON *cw = cJSON_AddObjectToObject(usd, "cloudwatchLogs");
    add_num(cw, "ingestion", c->cwl_ingest, 6);
    add_num(cw, "storage", c->cwl_storage, 6);
    add_num(cw, "total", c->cwl_total, 6);
    cJSON *s3 = cJSON_AddObjectToObject(usd, "s3");
    add_num(s3, "put", c->s3_put, 6);
    add_num(s3, "storage", c->s3_storage, 6);
    add_num(s3, "total", c->s3_total, 6);
    cJSON *p = cJSON_AddObjectToObject(o, "prices");
    (void)cJSON_AddItemToObject(p, "cloudwatch_logs_ingestion_per_gb",
                                price_json(&v->prices->cwl_ingest_gb));
    (void)cJSON_AddItemToObject(p, "cloudwatch_logs_storage_per_gb_month",
                                price_json(&v->prices->cwl_storage_gb_month));
    (void)cJSON_AddItemToObject(p, "s3_put_per_1000_requests",
                                price_json(&v->prices->s3_put_1000));
    (void)cJSON_AddItemToObject(p, "s3_standard_storage_per_gb_month",
                                price_json(&v->prices->s3_storage_gb_month));
    return o;
}

int emu_report_write_json(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report *r = v->r;
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        return EMU_ENOMEM;
    }
    cJSON *t = cJSON_AddObjectToObject(root, "task");
    (void)cJSON_AddStringToObject(t, "taskId", r->task_id);
    (void)cJSON_AddStringToObject(t, "taskArn", r->task_arn);
    (void)cJSON_AddStringToObject(t, "family", r->family);
    (void)cJSON_AddNumberToObject(t, "revision", (double)r->revision);
    (void)cJSON_AddStringToObject(t, "lastStatus", r->status);
    add_time(t, "createdAt", r->created_ms);
    add_time(t, "startedAt", r->started_ms);
    add_time(t, "stoppedAt", r->stopped_ms);
    cJSON *cs = cJSON_AddArrayToObject(root, "containers");
    for (size_t i = 0; i < r->n_containers; i++) {
        (void)cJSON_AddItemToArray(cs, container_json(&r->containers[i]));
    }
    if (r->config_dir[0]) {
        (void)cJSON_AddStringToObject(root, "routerConfig", emu__report_rel(v, r->config_dir));
    }
    else {
        (void)cJSON_AddNullToObject(root, "routerConfig");
    }
    cJSON *ds = cJSON_AddArrayToObject(root, "destinations");
    for (size_t i = 0; i < r->n_dests; i++) {
        (void)cJSON_AddItemToArray(ds, dest_json(v, &r->dests[i]));
    }
    (void)cJSON_AddItemToObject(root, "cost", cost_json(v));
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (size_t i = 0; i < r->n_notes; i++) {
        (void)cJSON_AddItemToArray(notes, cJSON_CreateString(emu__report_rel(v, r->notes[i])));
    }
    int rv = emu_json_write_pretty(root, out);
    cJSON_Delete(root);
    return rv;
}
