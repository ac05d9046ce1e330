/* SPDX-License-Identifier: Apache-2.0 */
/* The audit of one task: for every awsfirelens container and every output its FireLens tag
 * matches, two streaming passes over its output copy (hashes into the matcher, then the first
 * lost lines) around one pass over the destination, the router's log as evidence, the task's
 * facts (.task.json) for the driver options, then the attribution. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/audit/audit.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

#define FACTS_MAX (1024u * 1024u)

static const cJSON *facts_of(const cJSON *facts, const char *name)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(facts, "containers");
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool fbool(const cJSON *c, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, k));
}

static int fint(const cJSON *c, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, k);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *fopt(const cJSON *c, const char *k)
{
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(c, "logOptions");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(lo, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- one container against one destination --------------------------------------------- */

struct pass {
    const struct emu_audit_result *res;
    struct emu_audit_ctr *ac;
    struct emu_audit_match *m;
    int64_t last_ts_ms;
};

static void on_record(const char *text, size_t len, void *ud)
{
    struct pass *p = ud;
    emu_audit_match_arrived(p->m, emu_audit_hash(text, len));
}

static int written_pass(struct pass *p, const char *path)
{
    struct emu_audit_reader rd;
    int r = emu_audit_reader_open(&rd, path);
    const char *line;
    size_t len;
    struct emu_audit_out_line ol = {0};
    bool any = false;
    while (r == 0 && (r = emu_audit_reader_next(&rd, &line, &len)) == 1) {
        r = 0;
        if (emu_audit_out_parse(line, len, &ol) < 0) {
            continue; /* not a line of the format: not counted */
        }
        any = true;
        bool filtered = emu_audit_conf_excluded(&p->res->conf, p->ac->tag, ol.text, ol.len);
        r = emu_audit_match_written_on(p->m, emu_audit_hash(ol.text, ol.len), filtered,
                                       ol.stream);
    }
    if (any) {
        p->last_ts_ms = emu_audit_ts_ms(ol.ts, ol.ts_len);
    }
    if (rd.f) {
        emu_audit_reader_close(&rd);
    }
    return r;
}

static void lost_pass(struct pass *p, const char *path)
{
    struct emu_audit_reader rd;
    if (emu_audit_reader_open(&rd, path) < 0) {
        return;
    }
    const char *line;
    size_t len;
    uint64_t pos = 0;
    struct emu_audit_out_line ol;
    while (p->ac->n_first_lost < EMU_AUDIT_FIRST_LOST &&
           emu_audit_reader_next(&rd, &line, &len) == 1) {
        if (emu_audit_out_parse(line, len, &ol) < 0) {
            continue;
        }
        if (emu_audit_match_lost(p->m, pos++)) {
            struct emu_audit_lost_line *l = &p->ac->first_lost[p->ac->n_first_lost++];
            (void)snprintf(l->ts, sizeof(l->ts), "%.*s", (int)ol.ts_len, ol.ts);
            (void)snprintf(l->stream, sizeof(l->stream), "%s", ol.stream == 2 ? "stderr"
                                                                               : "stdout");
            size_t n = ol.len < sizeof(l->text) - 1 ? ol.len : sizeof(l->text) - 1;
            memcpy(l->text, ol.text, n);
            l->text[n] = '\0';
        }
    }
    emu_audit_reader_close(&rd);
}

static void describe_dest(const struct emu_audit_output *o, char *out, size_t n)
{
    if (strcmp(o->plugin, "s3") == 0) {
        (void)snprintf(out, n, "s3://%s (output s3, line %u)", o->bucket ? o->bucket : "?",
                       o->line);
    }
    else {
        (void)snprintf(out, n, "cloudwatch://%s (output %s, line %u)", o->group ? o->group : "?",
                       o->plugin, o->line);
    }
}

static int audit_one(const char *data_dir, struct emu_audit_result *res, struct emu_audit_ctr *ac,
                     const struct emu_ctr_state *cs, const char *log_path,
                     const struct emu_audit_output *o, int64_t stop_requested_ms)
{
    struct pass p = {res, ac, NULL, -1};
    int r = emu_audit_match_new(&p.m);
    r = r ? r : written_pass(&p, log_path);
    if (r == 0 && o) {
        describe_dest(o, ac->destination, sizeof(ac->destination));
        r = emu_audit_dest_read(data_dir, o, cs->docker_name, ac->tag, on_record, &p, &ac->dest);
        if (r == -ENOTSUP) {
            (void)snprintf(ac->note, sizeof(ac->note), "output %s (line %u) is not a local "
                           "store the audit can read; nothing compared", o->plugin, o->line);
            r = 0;
        }
    }
    if (r < 0) {
        emu_audit_match_free(p.m);
        return r;
    }
    emu_audit_match_counts(p.m, &ac->counts);
    ac->exited_itself = cs->stopped_ms > 0 && (stop_requested_ms == 0 ||
                                                cs->stopped_ms <= stop_requested_ms);
    ac->exited = cs->stopped_ms > 0;
    ac->exit_gap_ms = p.last_ts_ms >= 0 && cs->stopped_ms > 0 ? cs->stopped_ms - p.last_ts_ms
                                                               : -1;
    ac->router = res->router_log;
    lost_pass(&p, log_path);
    emu_audit_match_free(p.m);
    return 0;
}

/* ---- the task --------------------------------------------------------------------------- */

static void scan_router_log(const char *path, const char *tag, struct emu_audit_router_log *ev)
{
    memset(ev, 0, sizeof(*ev));
    struct emu_audit_reader rd;
    if (emu_audit_reader_open(&rd, path) < 0) {
        return;
    }
    ev->present = true;
    const char *line;
    size_t len;
    struct emu_audit_out_line ol;
    while (emu_audit_reader_next(&rd, &line, &len) == 1) {
        if (emu_audit_out_parse(line, len, &ol) == 0) {
            emu_audit_router_line(ev, tag, ol.text, ol.len);
        }
    }
    emu_audit_reader_close(&rd);
}

/* What the metrics say for each container: the forward inputs' records (all containers
 * together), its output's counters, and whether other containers share them. */
static void metrics_evidence(struct emu_audit_result *res)
{
    res->written_all = 0;
    res->n_feeding = 0;
    for (size_t i = 0; i < res->n_ctrs; i++) {
        bool first = true;
        for (size_t k = 0; k < i; k++) {
            first = first && strcmp(res->ctrs[k].name, res->ctrs[i].name) != 0;
        }
        res->written_all += first ? res->ctrs[i].counts.written : 0;
        res->n_feeding += first && res->ctrs[i].recorded;
    }
    res->m_in_records = 0;
    res->m_in_found = 0;
    for (size_t f = 0; f < res->conf.n_forward; f++) {
        const struct emu_audit_minst *x = emu_audit_metrics_find(&res->metrics, false,
                                                                 res->conf.forward[f]);
        res->m_in_records += x ? x->records : 0;
        res->m_in_found += x != NULL;
    }
    for (size_t i = 0; i < res->n_ctrs; i++) {
        struct emu_audit_ctr *ac = &res->ctrs[i];
        ac->m_out = -1;
        const struct emu_audit_output *o = ac->out_index >= 0 && ac->destination[0]
                                               ? &res->conf.outputs[ac->out_index] : NULL;
        const struct emu_audit_minst *x = o ? emu_audit_metrics_find(&res->metrics, true,
                                                                     o->instance) : NULL;
        ac->m_out = x ? (int)(x - res->metrics.outputs) : -1;
        for (size_t k = 0; o && k < res->n_ctrs; k++) {
            ac->m_out_shared = ac->m_out_shared || (strcmp(res->ctrs[k].name, ac->name) != 0 &&
                                                    emu_audit_tag_match(o->match,
                                                                        res->ctrs[k].tag));
        }
    }
}

static int add_ctr(struct emu_audit_result *res, struct emu_audit_ctr **ret)
{
    struct emu_audit_ctr *v = emu_realloc(res->ctrs, (res->n_ctrs + 1) * sizeof(*v));
    if (!v) {
        return -ENOMEM;
    }
    res->ctrs = v;
    *ret = &v[res->n_ctrs++];
    memset(*ret, 0, sizeof(**ret));
    return 0;
}

int emu_audit_task(const char *data_dir, const struct emu_task_state *st,
                   struct emu_audit_result *res)
{
    memset(res, 0, sizeof(*res));
    (void)snprintf(res->task_id, sizeof(res->task_id), "%s", st->id);
    struct emu_buf out_dir;
    int r = emu_output_dir(data_dir, st->id, &out_dir);
    if (r < 0) {
        return r;
    }
    char path[8192];
    char *facts_text = NULL;
    size_t facts_len = 0;
    cJSON *facts = NULL;
    struct emu_json_error jerr;
    (void)snprintf(path, sizeof(path), "%s/%s", out_dir.data, EMU_OUTPUT_TASK_FILE);
    r = emu_file_read(path, FACTS_MAX, &facts_text, &facts_len);
    if (r == 0) {
        r = emu_json_parse(facts_text, facts_len, &facts, &jerr);
    }
    if (r < 0) {
        (void)snprintf(res->error, sizeof(res->error), "task %s has no output recorded (%.300s: %s); "
                       "it ran before fargate-emu kept copies, or the copy was removed",
                       st->id, path, emu_strerror(r));
        emu_free(facts_text);
        emu_buf_done(&out_dir);
        return r == -ENOENT ? -ENOENT : r;
    }
    (void)emu_audit_conf_load(out_dir.data, &res->conf);
    (void)emu_audit_metrics_load(out_dir.data, &res->metrics);
    for (size_t i = 0; i < st->n_containers; i++) {
        const cJSON *f = facts_of(facts, st->containers[i].name);
        if (f && fbool(f, "router")) {
            (void)snprintf(res->router, sizeof(res->router), "%s", st->containers[i].name);
            res->router_is_emu = strstr(st->containers[i].image, "emu-router") != NULL;
            int mem = fint(f, "memoryReservation");
            res->router_memory_mib = mem > 0 ? mem : fint(f, "memory") > 0 ? fint(f, "memory") : 0;
        }
    }
    for (size_t i = 0; r >= 0 && i < st->n_containers; i++) {
        const struct emu_ctr_state *cs = &st->containers[i];
        const cJSON *f = facts_of(facts, cs->name);
        if (!f || !fbool(f, "firelens")) {
            continue;
        }
        char tag[EMU_CTR_NAME_MAX + 64], log_path[8192], trunc[8192];
        (void)snprintf(tag, sizeof(tag), "%s-firelens-%s", cs->name, st->id);
        (void)snprintf(log_path, sizeof(log_path), "%s/%s.log", out_dir.data, cs->name);
        (void)snprintf(trunc, sizeof(trunc), "%s/%s.truncated", out_dir.data, cs->name);
        (void)snprintf(path, sizeof(path), "%s/%s.log", out_dir.data, res->router);
        scan_router_log(path, tag, &res->router_log);
        size_t n_out = 0;
        for (size_t k = 0; k <= res->conf.n_outputs && r >= 0; k++) {
            const struct emu_audit_output *o = k < res->conf.n_outputs ? &res->conf.outputs[k]
                                                                       : NULL;
            if (o && (!o->match || !emu_audit_tag_match(o->match, tag))) {
                continue;
            }
            if (!o && n_out > 0) {
                break;
            }
            n_out++;
            struct emu_audit_ctr *ac;
            r = add_ctr(res, &ac);
            if (r < 0) {
                break;
            }
            (void)snprintf(ac->name, sizeof(ac->name), "%s", cs->name);
            ac->out_index = o ? (int)k : -1;
            (void)snprintf(ac->tag, sizeof(ac->tag), "%s", tag);
            struct stat sb;
            ac->recorded = stat(log_path, &sb) == 0;
            ac->truncated = stat(trunc, &sb) == 0;
            ac->stop_timeout_s = fint(f, "stopTimeout");
            const char *bl = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                f, "logDriverBufferLimit"));
            (void)snprintf(ac->buffer_limit, sizeof(ac->buffer_limit), "%s", bl ? bl : "");
            const char *async = fopt(f, "fluentd-async");
            const char *async_c = fopt(f, "fluentd-async-connect");
            ac->async = (async && strcmp(async, "true") == 0) ||
                        (async_c && strcmp(async_c, "true") == 0);
            if (!ac->recorded) {
                (void)snprintf(ac->note, sizeof(ac->note), "no copy of its output was recorded");
                continue;
            }
            if (!o) {
                (void)snprintf(ac->note, sizeof(ac->note), "no [OUTPUT] of the router's config "
                               "matches its tag %.200s%s%.200s", tag, res->conf.loaded ? "" : " (config: ",
                               res->conf.loaded ? "" : res->conf.error);
            }
            r = audit_one(data_dir, res, ac, cs, log_path, o, st->stopping_ms);
            res->written += ac->counts.written;
            res->expected += o ? ac->counts.expected : 0;
            res->lost += o ? ac->counts.lost : 0;
        }
    }
    /* Attribution once every container's written lines are known. */
    metrics_evidence(res);
    for (size_t i = 0; r >= 0 && i < res->n_ctrs; i++) {
        struct emu_audit_ctr *ac = &res->ctrs[i];
        const struct emu_audit_metrics *m = &res->metrics;
        struct emu_audit_attr_in in = {
            .lost = ac->counts.lost, .tail_lost = ac->counts.tail_lost, .router = ac->router,
            .exited = ac->exited, .exit_gap_ms = ac->exit_gap_ms, .async = ac->async,
            .written_all = res->written_all, .m_present = m->present && res->m_in_found > 0,
            .m_final = m->final, .m_time = m->time, .m_in_records = res->m_in_records,
            .m_in_shared = res->n_feeding > 1,
            .m_out = ac->m_out >= 0 ? &m->outputs[ac->m_out] : NULL,
            .m_out_shared = ac->m_out_shared,
            .m_out_s3 = ac->out_index >= 0 &&
                        strcmp(res->conf.outputs[ac->out_index].plugin, "s3") == 0};
        ac->n_stages = ac->destination[0] ? emu_audit_attribute(&in, ac->stages) : 0;
    }
    if (r >= 0) {
        r = emu__audit_recommend(res);
    }
    cJSON_Delete(facts);
    emu_free(facts_text);
    emu_buf_done(&out_dir);
    return r < 0 ? r : 0;
}

void emu_audit_result_done(struct emu_audit_result *res)
{
    emu_audit_conf_done(&res->conf);
    emu_free(res->ctrs);
    res->ctrs = NULL;
    res->n_ctrs = 0;
}

double emu_audit_loss_pct(const struct emu_audit_result *res)
{
    return res->expected ? 100.0 * (double)res->lost / (double)res->expected : 0.0;
}
