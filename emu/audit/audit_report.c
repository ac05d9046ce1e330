/* SPDX-License-Identifier: Apache-2.0 */
/* What the audit says: recommendations tied to the stages found (each naming the task-definition
 * or router-config setting to change and the AWS or Fluent Bit page it follows), the text
 * report and its JSON form. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emu/audit/audit.h"

/* Said when records arrived that match no line of the output copy. */
#define EMU_AUDIT_CACHE_NOTE                                                                    \
    "records arrived that are not in Docker's dual-logging copy, so the copy lacks lines the "  \
    "container wrote: Docker caches output through a non-blocking ring buffer that drops "     \
    "lines under a burst (moby daemon/logger/loggerutils/cache/local_cache.go, NewRingLogger); " \
    "written and lost are lower bounds"

#define DOC_STOP "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html"
#define DOC_THROUGHPUT \
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-docker-buffer-limit.html"
#define DOC_BACKPRESSURE "https://docs.fluentbit.io/manual/administration/backpressure"
#define DOC_BUFFERING "https://docs.fluentbit.io/manual/administration/buffering-and-storage"
#define DOC_RETRIES "https://docs.fluentbit.io/manual/administration/scheduling-and-retries"

static bool has_stage(const struct emu_audit_result *res, enum emu_audit_stage_kind k,
                      const struct emu_audit_ctr **who)
{
    for (size_t i = 0; i < res->n_ctrs; i++) {
        for (size_t s = 0; s < res->ctrs[i].n_stages; s++) {
            if (res->ctrs[i].stages[s].kind == k && res->ctrs[i].stages[s].lines > 0) {
                *who = &res->ctrs[i];
                return true;
            }
        }
    }
    return false;
}

static struct emu_audit_rec *rec(struct emu_audit_result *res, const char *doc)
{
    if (res->n_recs == sizeof(res->recs) / sizeof(res->recs[0])) {
        return NULL;
    }
    struct emu_audit_rec *r = &res->recs[res->n_recs++];
    memset(r, 0, sizeof(*r));
    r->doc = doc;
    return r;
}

int emu__audit_recommend(struct emu_audit_result *res)
{
    const struct emu_audit_ctr *c = NULL;
    struct emu_audit_rec *r;
    const char *router = res->router[0] ? res->router : "the log router";
    if (has_stage(res, EMU_AUDIT_STAGE_DRIVER_EXIT, &c) && (r = rec(res, DOC_STOP))) {
        (void)snprintf(r->setting, sizeof(r->setting), "stopTimeout of %.120s, and let it drain "
                       "before it exits", c->name);
        (void)snprintf(r->where, sizeof(r->where), "task definition: containerDefinitions[%.120s]"
                       ".stopTimeout (now %s%d s; Fargate: default 30, at most 120)", c->name,
                       c->stop_timeout_s < 0 ? "unset = " : "",
                       c->stop_timeout_s < 0 ? 30 : c->stop_timeout_s);
        (void)snprintf(r->why, sizeof(r->why), "with fluentd-async=true (ECS's default) Docker "
                       "discards the driver's queue when the container exits: keep the process "
                       "alive after its last line (on SIGTERM, flush and wait) for up to "
                       "stopTimeout seconds");
    }
    bool never = has_stage(res, EMU_AUDIT_STAGE_UNKNOWN, &c) ||
                 has_stage(res, EMU_AUDIT_STAGE_INPUT, &c);
    if (never && (r = rec(res, DOC_BACKPRESSURE))) {
        int mem = res->router_memory_mib;
        (void)snprintf(r->setting, sizeof(r->setting), "memoryReservation of %.120s", router);
        (void)snprintf(r->where, sizeof(r->where), "task definition: containerDefinitions[%.120s]"
                       ".memoryReservation (now %d MiB, so ECS generates Mem_Buf_Limit %s; "
                       "try %d)", router, mem, res->conf.mem_buf_limit[0] ?
                       res->conf.mem_buf_limit : "25MB", mem > 0 ? mem * 2 : 100);
        (void)snprintf(r->why, sizeof(r->why), "ECS sets the forward input's Mem_Buf_Limit to "
                       "half the router's memory; Fluent Bit pauses the input at that limit and "
                       "its forward input drops the connections of the log drivers");
    }
    if (never && (r = rec(res, DOC_THROUGHPUT))) {
        (void)snprintf(r->setting, sizeof(r->setting), "log-driver-buffer-limit of %.120s", c->name);
        (void)snprintf(r->where, sizeof(r->where), "task definition: containerDefinitions[%.120s]"
                       ".logConfiguration.options.log-driver-buffer-limit (now %s)", c->name,
                       c->buffer_limit[0] ? c->buffer_limit : "unset: 1048576 lines");
        (void)snprintf(r->why, sizeof(r->why), "Docker's fluentd driver discards buffered "
                       "lines past this limit when the router is slower than the app");
    }
    bool out = has_stage(res, EMU_AUDIT_STAGE_OUTPUT, &c) ||
               has_stage(res, EMU_AUDIT_STAGE_ROUTER, &c);
    if ((never || out) && (r = rec(res, DOC_BUFFERING))) {
        (void)snprintf(r->setting, sizeof(r->setting), "storage.type filesystem");
        (void)snprintf(r->where, sizeof(r->where), "router config (firelensConfiguration.options "
                       "config-file-type/config-file-value): [SERVICE] storage.path and "
                       "[INPUT] storage.type filesystem (now %s)",
                       res->conf.storage_type[0] ? res->conf.storage_type : "memory");
        (void)snprintf(r->why, sizeof(r->why), "chunks kept on disk survive output failures and "
                       "a full memory buffer instead of being dropped");
    }
    if (out && (r = rec(res, DOC_RETRIES))) {
        (void)snprintf(r->setting, sizeof(r->setting), "Retry_Limit of the output");
        (void)snprintf(r->where, sizeof(r->where), "task definition: containerDefinitions[%.120s]"
                       ".logConfiguration.options.retry_limit (Fluent Bit's default is 1; "
                       "no_limits retries until the router stops)", c->name);
        (void)snprintf(r->why, sizeof(r->why), "the output gave records up after its last "
                       "retry");
    }
    if (has_stage(res, EMU_AUDIT_STAGE_BUFFERED, &c) && (r = rec(res, DOC_THROUGHPUT))) {
        (void)snprintf(r->setting, sizeof(r->setting), "Grace of the router, and its "
                       "stopTimeout");
        (void)snprintf(r->where, sizeof(r->where), "router config [SERVICE] Grace (now %s) and "
                       "containerDefinitions[%.120s].stopTimeout above it", res->conf.grace[0] ?
                       res->conf.grace : "5", router);
        (void)snprintf(r->why, sizeof(r->why), "the router stopped with records still buffered "
                       "when Grace expired");
    }
    return 0;
}

static void print_ctr(const struct emu_audit_ctr *c, FILE *f)
{
    fprintf(f, "  %s -> %s\n", c->name, c->destination[0] ? c->destination : "(no destination)");
    if (c->note[0]) {
        fprintf(f, "    note: %s\n", c->note);
    }
    if (!c->destination[0]) {
        return;
    }
    const struct emu_audit_counts *k = &c->counts;
    double pct = k->expected ? 100.0 * (double)k->lost / (double)k->expected : 0.0;
    fprintf(f, "    written %" PRIu64 "  filtered %" PRIu64 "  delivered %" PRIu64 "  lost %"
            PRIu64 " (%.2f %%)  duplicated %" PRIu64 "  reordered %" PRIu64 "\n", k->written,
            k->filtered, k->delivered, k->lost, pct, k->duplicated, k->reordered);
    if (k->unexpected || k->filtered_delivered) {
        fprintf(f, "    %" PRIu64 " records matched no written line; %" PRIu64 " lines the grep "
                "rules exclude arrived anyway\n", k->unexpected, k->filtered_delivered);
    }
    if (k->unexpected) {
        fprintf(f, "    note: %s\n", EMU_AUDIT_CACHE_NOTE);
    }
    if (c->truncated) {
        fprintf(f, "    the copy of its output hit its size ceiling: later lines are not "
                "audited\n");
    }
    for (size_t s = 0; s < c->n_stages; s++) {
        fprintf(f, "    lost at %s: %" PRIu64 "\n      evidence: %s\n",
                emu_audit_stage_name(c->stages[s].kind), c->stages[s].lines,
                c->stages[s].evidence);
    }
    if (c->n_first_lost) {
        fprintf(f, "    first lost lines:\n");
    }
    for (size_t i = 0; i < c->n_first_lost; i++) {
        fprintf(f, "      %s %s %s\n", c->first_lost[i].ts, c->first_lost[i].stream,
                c->first_lost[i].text);
    }
}

/* What the report says about the router's metrics: used (when, what), or why not. */
static void metrics_status(const struct emu_audit_result *res, char *out, size_t n)
{
    const struct emu_audit_metrics *m = &res->metrics;
    if (m->present) {
        (void)snprintf(out, n, "read %s at %s (%s; %" PRIu64 " readings, %" PRIu64 " failed)",
                       m->url, m->time, m->final ? "after the app containers stopped, before "
                       "the router was stopped" : "while the task ran: not the final counts",
                       m->readings, m->failures);
    }
    else if (!res->conf.http_server && !m->file) {
        (void)snprintf(out, n, "not available: the router's config does not turn HTTP_Server "
                       "on ([SERVICE] HTTP_Server On serves /api/v1/metrics)");
    }
    else if (!m->file) {
        (void)snprintf(out, n, "not available: HTTP_Server is on but no reading was kept (the "
                       "task ran before fargate-emu read metrics, or the router never ran)");
    }
    else {
        (void)snprintf(out, n, "not available: HTTP_Server is on but the router could not be "
                       "read (%s)", m->error[0] ? m->error : "no reading");
    }
}

static void print_metrics(const struct emu_audit_result *res, FILE *f)
{
    char st[600];
    metrics_status(res, st, sizeof(st));
    fprintf(f, "  router metrics: %s\n", st);
    if (!res->metrics.present) {
        return;
    }
    if (res->m_in_found == 0) {
        fprintf(f, "    none of the config's %zu forward input(s) is in the metrics (instance "
                "names differ): the inputs' records are not used\n", res->conf.n_forward);
    }
    else {
        fprintf(f, "    inputs (%zu forward) received %" PRIu64 " records; %zu container(s) "
                "feeding the router wrote %" PRIu64 " lines%s\n", res->m_in_found,
                res->m_in_records, res->n_feeding, res->written_all, res->n_feeding > 1
                ? " (the counters are per input, not per container: compared for all of them "
                  "together)" : "");
    }
    for (size_t i = 0; i < res->metrics.n_outputs; i++) {
        const struct emu_audit_minst *o = &res->metrics.outputs[i];
        fprintf(f, "    output %s: proc_records %" PRIu64 ", dropped_records %" PRIu64
                ", retries %" PRIu64 ", retries_failed %" PRIu64 ", errors %" PRIu64 "\n",
                o->name, o->proc_records, o->dropped_records, o->retries, o->retries_failed,
                o->errors);
    }
}

void emu_audit_print(const struct emu_audit_result *res, FILE *f)
{
    fprintf(f, "Delivery audit of task %s (router %s%s; Mem_Buf_Limit %s, storage %s)\n",
            res->task_id, res->router[0] ? res->router : "?",
            res->router_is_emu ? ", emu-router" : "",
            res->conf.mem_buf_limit[0] ? res->conf.mem_buf_limit : "unset",
            res->conf.storage_type[0] ? res->conf.storage_type : "memory");
    for (size_t i = 0; i < res->n_ctrs; i++) {
        print_ctr(&res->ctrs[i], f);
    }
    fprintf(f, "  total: %" PRIu64 " lines expected, %" PRIu64 " lost (%.2f %%)\n", res->expected,
            res->lost, emu_audit_loss_pct(res));
    if (res->conf.n_unevaluated) {
        fprintf(f, "  %zu grep rule(s) on other keys or with logical_op were not evaluated: "
                "lines they exclude count as lost\n", res->conf.n_unevaluated);
    }
    if (!res->conf.loaded) {
        fprintf(f, "  the router config could not be read (%s)\n", res->conf.error);
    }
    fprintf(f, "  evidence: the containers' output copies (Docker's dual-logging copy), the "
            "router config the task ran with, %s, and the destinations' local stores\n",
            res->router_log.present ? "the router's own log" : "no router log (not recorded)");
    print_metrics(res, f);
    if (res->router_is_emu) {
        fprintf(f, "  caveat: emu-router pauses its input at Mem_Buf_Limit and loses nothing "
                "there; Fluent Bit resets the connections and loses lines, so AWS may lose "
                "more than this run shows\n");
    }
    for (size_t i = 0; i < res->n_recs; i++) {
        const struct emu_audit_rec *r = &res->recs[i];
        if (i == 0) {
            fprintf(f, "Recommendations:\n");
        }
        fprintf(f, "  %zu. %s\n     %s\n     why: %s\n     see %s\n", i + 1, r->setting, r->where,
                r->why, r->doc);
    }
}

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    (void)cJSON_AddNumberToObject(o, k, (double)v);
}

/* "routerMetrics": {used, status, url, time, final, inputRecords, written, containers,
 * outputs: [{name, procRecords, droppedRecords, retries, retriesFailed, errors}]}. */
static void metrics_json(const struct emu_audit_result *res, cJSON *root)
{
    const struct emu_audit_metrics *m = &res->metrics;
    cJSON *o = cJSON_AddObjectToObject(root, "routerMetrics");
    if (!o) {
        return;
    }
    char st[600];
    metrics_status(res, st, sizeof(st));
    (void)cJSON_AddBoolToObject(o, "used", m->present);
    (void)cJSON_AddStringToObject(o, "status", st);
    (void)cJSON_AddBoolToObject(o, "httpServer", res->conf.http_server);
    if (!m->present) {
        return;
    }
    (void)cJSON_AddStringToObject(o, "url", m->url);
    (void)cJSON_AddStringToObject(o, "time", m->time);
    (void)cJSON_AddBoolToObject(o, "final", m->final);
    add_u64(o, "inputRecords", res->m_in_records);
    add_u64(o, "forwardInputs", res->m_in_found);
    add_u64(o, "written", res->written_all);
    add_u64(o, "containers", res->n_feeding);
    cJSON *arr = cJSON_AddArrayToObject(o, "outputs");
    for (size_t i = 0; arr && i < m->n_outputs; i++) {
        cJSON *x = cJSON_CreateObject();
        if (x) {
            cJSON_AddItemToArray(arr, x);
            (void)cJSON_AddStringToObject(x, "name", m->outputs[i].name);
            add_u64(x, "procRecords", m->outputs[i].proc_records);
            add_u64(x, "droppedRecords", m->outputs[i].dropped_records);
            add_u64(x, "retries", m->outputs[i].retries);
            add_u64(x, "retriesFailed", m->outputs[i].retries_failed);
            add_u64(x, "errors", m->outputs[i].errors);
        }
    }
}

cJSON *emu_audit_json(const struct emu_audit_result *res)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        return NULL;
    }
    (void)cJSON_AddStringToObject(root, "taskId", res->task_id);
    (void)cJSON_AddStringToObject(root, "router", res->router);
    (void)cJSON_AddBoolToObject(root, "routerIsEmuRouter", res->router_is_emu);
    (void)cJSON_AddStringToObject(root, "memBufLimit", res->conf.mem_buf_limit);
    add_u64(root, "expected", res->expected);
    add_u64(root, "lost", res->lost);
    (void)cJSON_AddNumberToObject(root, "lossPercent", emu_audit_loss_pct(res));
    cJSON *arr = cJSON_AddArrayToObject(root, "containers");
    for (size_t i = 0; arr && i < res->n_ctrs; i++) {
        const struct emu_audit_ctr *c = &res->ctrs[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            break;
        }
        cJSON_AddItemToArray(arr, o);
        (void)cJSON_AddStringToObject(o, "name", c->name);
        (void)cJSON_AddStringToObject(o, "destination", c->destination);
        (void)cJSON_AddStringToObject(o, "note", c->note);
        (void)cJSON_AddBoolToObject(o, "truncated", c->truncated);
        add_u64(o, "written", c->counts.written);
        add_u64(o, "filtered", c->counts.filtered);
        add_u64(o, "delivered", c->counts.delivered);
        add_u64(o, "lost", c->counts.lost);
        add_u64(o, "duplicated", c->counts.duplicated);
        add_u64(o, "reordered", c->counts.reordered);
        add_u64(o, "unexpected", c->counts.unexpected);
        (void)cJSON_AddStringToObject(o, "metricsOutput", c->m_out >= 0 ?
                                      res->metrics.outputs[c->m_out].name : "");
        if (c->counts.unexpected) {
            cJSON_AddStringToObject(o, "writtenNote", EMU_AUDIT_CACHE_NOTE);
        }
        cJSON *st = cJSON_AddArrayToObject(o, "stages");
        for (size_t s = 0; st && s < c->n_stages; s++) {
            cJSON *x = cJSON_CreateObject();
            if (x) {
                cJSON_AddItemToArray(st, x);
                (void)cJSON_AddStringToObject(x, "stage", emu_audit_stage_name(c->stages[s].kind));
                add_u64(x, "lines", c->stages[s].lines);
                (void)cJSON_AddStringToObject(x, "evidence", c->stages[s].evidence);
            }
        }
        cJSON *fl = cJSON_AddArrayToObject(o, "firstLost");
        for (size_t s = 0; fl && s < c->n_first_lost; s++) {
            cJSON *x = cJSON_CreateObject();
            if (x) {
                cJSON_AddItemToArray(fl, x);
                (void)cJSON_AddStringToObject(x, "timestamp", c->first_lost[s].ts);
                (void)cJSON_AddStringToObject(x, "stream", c->first_lost[s].stream);
                (void)cJSON_AddStringToObject(x, "line", c->first_lost[s].text);
            }
        }
    }
    metrics_json(res, root);
    cJSON *recs = cJSON_AddArrayToObject(root, "recommendations");
    for (size_t i = 0; recs && i < res->n_recs; i++) {
        cJSON *x = cJSON_CreateObject();
        if (x) {
            cJSON_AddItemToArray(recs, x);
            (void)cJSON_AddStringToObject(x, "setting", res->recs[i].setting);
            (void)cJSON_AddStringToObject(x, "where", res->recs[i].where);
            (void)cJSON_AddStringToObject(x, "why", res->recs[i].why);
            (void)cJSON_AddStringToObject(x, "doc", res->recs[i].doc);
        }
    }
    return root;
}
