/* SPDX-License-Identifier: Apache-2.0 */
/* The router's metrics as audit evidence: reads <id>.out/.router.metrics.json (the last good
 * reading of Fluent Bit's /api/v1/metrics the supervisor kept, or why there is none) with a
 * size ceiling and a ceiling on the instances kept, ignoring what is not a counter. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emu/audit/audit.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

static void copy_str(char *dst, size_t n, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        (void)snprintf(dst, n, "%s", v->valuestring);
    }
}

/* A counter: a finite number in [0, 2^63). */
static bool counter(const cJSON *o, const char *k, uint64_t *ret)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v) {
        return true; /* absent: 0 (older Fluent Bit has no dropped_records) */
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble >= 9.2e18) {
        return false;
    }
    *ret = (uint64_t)v->valuedouble;
    return true;
}

static uint64_t u64_or0(const cJSON *o, const char *k)
{
    uint64_t v = 0;
    return counter(o, k, &v) ? v : 0;
}

static void take_kind(struct emu_audit_metrics *m, const cJSON *kind, bool output)
{
    const cJSON *inst;
    if (!cJSON_IsObject(kind)) {
        return; /* absent, or not Fluent Bit's shape */
    }
    cJSON_ArrayForEach(inst, kind)
    {
        size_t *n = output ? &m->n_outputs : &m->n_inputs;
        struct emu_audit_minst *arr = output ? m->outputs : m->inputs;
        if (!cJSON_IsObject(inst) || !inst->string || *n == EMU_AUDIT_METRICS_INST ||
            strlen(inst->string) >= sizeof(arr[0].name)) {
            m->skipped++;
            continue;
        }
        struct emu_audit_minst x = {0};
        (void)snprintf(x.name, sizeof(x.name), "%s", inst->string);
        bool ok = output ? counter(inst, "proc_records", &x.proc_records) &&
                               counter(inst, "proc_bytes", &x.proc_bytes) &&
                               counter(inst, "errors", &x.errors) &&
                               counter(inst, "retries", &x.retries) &&
                               counter(inst, "retries_failed", &x.retries_failed) &&
                               counter(inst, "dropped_records", &x.dropped_records) &&
                               counter(inst, "retried_records", &x.retried_records)
                         : counter(inst, "records", &x.records) &&
                               counter(inst, "bytes", &x.bytes);
        if (!ok) {
            m->skipped++;
            continue;
        }
        arr[(*n)++] = x;
    }
}

int emu_audit_metrics_parse(const char *text, size_t len, struct emu_audit_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->file = true;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    if (len > EMU_AUDIT_METRICS_MAX || emu_json_parse(text, len, &root, &jerr) < 0 ||
        !cJSON_IsObject(root)) {
        (void)snprintf(m->error, sizeof(m->error), "%s", len > EMU_AUDIT_METRICS_MAX
                       ? "the metrics file is over its ceiling" : root ? "not a JSON object"
                       : jerr.message);
        cJSON_Delete(root);
        return -EBADMSG;
    }
    copy_str(m->url, sizeof(m->url), cJSON_GetObjectItemCaseSensitive(root, "url"));
    copy_str(m->time, sizeof(m->time), cJSON_GetObjectItemCaseSensitive(root, "time"));
    copy_str(m->error, sizeof(m->error), cJSON_GetObjectItemCaseSensitive(root, "lastError"));
    m->time_ms = (int64_t)u64_or0(root, "timeMs");
    m->readings = u64_or0(root, "readings");
    m->failures = u64_or0(root, "failures");
    m->final = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "final"));
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (cJSON_IsObject(doc)) {
        m->present = true;
        take_kind(m, cJSON_GetObjectItemCaseSensitive(doc, "input"), false);
        take_kind(m, cJSON_GetObjectItemCaseSensitive(doc, "output"), true);
    }
    cJSON_Delete(root);
    return 0;
}

int emu_audit_metrics_load(const char *out_dir, struct emu_audit_metrics *m)
{
    memset(m, 0, sizeof(*m));
    char path[4200];
    (void)snprintf(path, sizeof(path), "%s/%s", out_dir, EMU_OUTPUT_ROUTER_METRICS);
    char *text = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_AUDIT_METRICS_MAX, &text, &len);
    if (r < 0) {
        if (r != -ENOENT) {
            m->file = true;
            (void)snprintf(m->error, sizeof(m->error), "%s unreadable", EMU_OUTPUT_ROUTER_METRICS);
        }
        return r == -ENOENT ? -ENOENT : -EBADMSG;
    }
    r = emu_audit_metrics_parse(text, len, m);
    emu_free(text);
    return r;
}

const struct emu_audit_minst *emu_audit_metrics_find(const struct emu_audit_metrics *m,
                                                     bool output, const char *name)
{
    const struct emu_audit_minst *arr = output ? m->outputs : m->inputs;
    size_t n = output ? m->n_outputs : m->n_inputs;
    for (size_t i = 0; name && i < n; i++) {
        if (strcmp(arr[i].name, name) == 0) {
            return &arr[i];
        }
    }
    return NULL;
}
