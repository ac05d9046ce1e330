/* SPDX-License-Identifier: Apache-2.0 */
/* The fault engine's state as JSON, so a supervisor restarted by `fargate-emu resume` goes on
 * with the same seed, rules, remaining counts and draw-stream positions (same replay).
 *
 * Shape: {"seed":"N","next_id":N,"injected_removed":N,"rules":[{"id":N,"spec":"...",
 * "count":N,"matched":N,"injected":N,"age_ms":N,"overflow":N,"streams":[["s3:PutObject",N]]}]}
 * The seed is a string (a JSON number is a double: 64 bits would not survive); the counters
 * are numbers, checked to stay below 2^53. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/common/fault_int.h"

#define MAX_EXACT 9007199254740992.0 /* 2^53 */

uint64_t shim_faults_stamp(const struct shim_faults *f)
{
    uint64_t s = f->generation * 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < f->n; i++) {
        s += f->rules[i]->matched + f->rules[i]->injected;
    }
    return s;
}

static int rule_save(const struct shim_fault_rule *r, int64_t now_ms, struct emu_buf *out)
{
    int rc = emu_buf_printf(out, "{\"id\":%u,\"spec\":", r->id);
    rc = rc ? rc : emu_json_write_string(r->spec, out);
    rc = rc ? rc : emu_buf_printf(out, ",\"count\":%lld,\"matched\":%llu,\"injected\":%llu,"
                                       "\"age_ms\":%lld,\"overflow\":%llu,\"streams\":[",
                                  (long long)r->count, (unsigned long long)r->matched,
                                  (unsigned long long)r->injected,
                                  (long long)(now_ms - r->added_ms),
                                  (unsigned long long)r->overflow_n);
    for (size_t i = 0; rc == 0 && i < r->n_streams; i++) {
        rc = emu_buf_puts(out, i ? ",[" : "[");
        rc = rc ? rc : emu_json_write_string(r->streams[i].key, out);
        rc = rc ? rc : emu_buf_printf(out, ",%llu]", (unsigned long long)r->streams[i].n);
    }
    return rc ? rc : emu_buf_puts(out, "]}");
}

int shim_faults_save_json(const struct shim_faults *f, int64_t now_ms, struct emu_buf *out)
{
    int rc = emu_buf_printf(out, "{\"seed\":\"%llu\",\"next_id\":%u,\"injected_removed\":%llu,"
                                 "\"rules\":[", (unsigned long long)f->seed, f->next_id,
                            (unsigned long long)f->injected_removed);
    for (size_t i = 0; rc == 0 && i < f->n; i++) {
        rc = i ? emu_buf_putc(out, ',') : 0;
        rc = rc ? rc : rule_save(f->rules[i], now_ms, out);
    }
    return rc ? rc : emu_buf_puts(out, "]}");
}

/* A whole number member in [min, max]; absent is an error. */
static bool num(const cJSON *o, const char *name, double min, double max, double *ret)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
        v->valuedouble != (double)(long long)v->valuedouble) {
        return false;
    }
    *ret = v->valuedouble;
    return true;
}

static int bad(char *err, size_t n, const char *what, size_t rule)
{
    if (rule == (size_t)-1) {
        (void)snprintf(err, n, "fault state: %s", what);
    }
    else {
        (void)snprintf(err, n, "fault state: rules[%zu]: %s", rule, what);
    }
    return EMU_EINVAL;
}

static int restore_streams(struct shim_fault_rule *r, const cJSON *streams, char *err,
                           size_t err_size)
{
    if (!cJSON_IsArray(streams) || cJSON_GetArraySize(streams) > SHIM_FAULT_MAX_STREAMS) {
        (void)snprintf(err, err_size, "streams must be an array of at most 64 [key, n]");
        return EMU_EINVAL;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, streams)
    {
        const cJSON *key = cJSON_GetArrayItem(s, 0), *n = cJSON_GetArrayItem(s, 1);
        if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) != 2 || !cJSON_IsString(key) ||
            strlen(key->valuestring) >= sizeof(r->streams[0].key) || !cJSON_IsNumber(n) ||
            n->valuedouble < 0 || n->valuedouble >= MAX_EXACT) {
            (void)snprintf(err, err_size, "a stream is not [\"shim:operation\", draws]");
            return EMU_EINVAL;
        }
        struct shim_fault_stream *st = &r->streams[r->n_streams++];
        (void)snprintf(st->key, sizeof(st->key), "%s", key->valuestring);
        st->n = (uint64_t)n->valuedouble;
    }
    return 0;
}

static int restore_rule(struct shim_faults *f, const cJSON *o, size_t idx, int64_t now_ms,
                        char *err, size_t err_size)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
    double id, count, matched, injected, age, overflow;
    if (!cJSON_IsObject(o) || !cJSON_IsString(spec) ||
        !num(o, "id", 1, 1e9, &id) || !num(o, "count", -1, SHIM_FAULT_MAX_COUNT, &count) ||
        !num(o, "matched", 0, MAX_EXACT, &matched) ||
        !num(o, "injected", 0, MAX_EXACT, &injected) ||
        !num(o, "age_ms", 0, 100.0 * 365 * 24 * 3600 * 1000, &age) ||
        !num(o, "overflow", 0, MAX_EXACT, &overflow)) {
        return bad(err, err_size, "needs id, spec, count, matched, injected, age_ms and "
                                  "overflow in range", idx);
    }
    for (size_t i = 0; i < f->n; i++) {
        if (f->rules[i]->id == (unsigned)id) {
            return bad(err, err_size, "duplicate id", idx);
        }
    }
    if (f->n >= SHIM_FAULT_MAX_RULES) {
        return bad(err, err_size, "more than 64 rules", idx);
    }
    struct shim_fault_rule *r = emu_malloc(sizeof(*r));
    if (!r) {
        return EMU_ENOMEM;
    }
    char why[SHIM_FAULT_MAX_SPEC + 128];
    int rc = shim_fault_parse(spec->valuestring, f->services, f->n_services, r, why,
                              sizeof(why));
    if (rc == 0 && (r->count < 0) != (count < 0)) {
        rc = EMU_EINVAL;
        (void)snprintf(why, sizeof(why), "count %.0f does not fit the spec", count);
    }
    if (rc == 0 && count > (double)r->count) {
        rc = EMU_EINVAL;
        (void)snprintf(why, sizeof(why), "count %.0f above the spec's", count);
    }
    rc = rc ? rc : restore_streams(r, cJSON_GetObjectItemCaseSensitive(o, "streams"), why,
                                   sizeof(why));
    if (rc < 0) {
        emu_free(r);
        return bad(err, err_size, why, idx);
    }
    r->id = (unsigned)id;
    r->count = (int64_t)count;
    r->matched = (uint64_t)matched;
    r->injected = (uint64_t)injected;
    r->added_ms = now_ms - (int64_t)age;
    r->overflow_n = (uint64_t)overflow;
    f->rules[f->n++] = r;
    if (r->id >= f->next_id) {
        f->next_id = r->id + 1;
    }
    return 0;
}

int shim_faults_restore_json(struct shim_faults *f, const char *json, size_t len,
                             int64_t now_ms, char *err, size_t err_size)
{
    shim_faults_clear(f);
    f->injected_removed = 0;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    int rc = emu_json_parse(json, len, &root, &jerr);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc < 0) {
        (void)snprintf(err, err_size, "fault state: not JSON at %u:%u: %s", jerr.line,
                       jerr.column, jerr.message);
        return EMU_EINVAL;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    double next_id, removed;
    char *end = NULL;
    unsigned long long sv = 0;
    if (cJSON_IsString(seed) && seed->valuestring[0] >= '0' && seed->valuestring[0] <= '9') {
        errno = 0;
        sv = strtoull(seed->valuestring, &end, 10);
    }
    if (!end || *end || errno || !num(root, "next_id", 1, 1e9, &next_id) ||
        !num(root, "injected_removed", 0, MAX_EXACT, &removed) || !cJSON_IsArray(rules)) {
        cJSON_Delete(root);
        return bad(err, err_size, "needs a decimal seed string, next_id, injected_removed "
                                  "and a rules array", (size_t)-1);
    }
    f->seed = sv;
    f->next_id = (unsigned)next_id;
    f->injected_removed = (uint64_t)removed;
    size_t i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        rc = restore_rule(f, r, i++, now_ms, err, err_size);
        if (rc < 0) {
            break;
        }
    }
    cJSON_Delete(root);
    if (rc < 0) {
        shim_faults_clear(f);
    }
    f->generation++;
    return rc < 0 ? rc : 0;
}
