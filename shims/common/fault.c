/* SPDX-License-Identifier: Apache-2.0 */
/* The fault engine: rules added from specs, per-request decisions drawn from a counter-based
 * generator keyed by (seed, rule, shim, operation, k), down windows, counters and the JSON
 * listing. Pure: the clock is a parameter, so tests drive it by hand.
 *
 * DESIGN: a draw is splitmix64(seed ^ hash(rule id, "shim:op") ^ k * golden), k being how many
 * requests of that shim and operation the rule has seen. Nothing is shared between streams, so
 * replaying a seed replays each operation's sequence of outcomes whatever else the clients
 * did meanwhile. Counts (count=N) are per rule, across everything the rule matches. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/common/fault.h"
#include "shims/common/fault_int.h"


static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

struct shim_faults *shim_faults_new(uint64_t seed, const struct shim_fault_service *services,
                                    size_t n)
{
    struct shim_faults *f = emu_calloc(1, sizeof(*f));
    if (f) {
        f->seed = seed;
        f->services = services;
        f->n_services = n;
        f->next_id = 1;
    }
    return f;
}

struct shim_faults *shim_faults_free(struct shim_faults *f)
{
    if (f) {
        shim_faults_clear(f);
        emu_free(f);
    }
    return NULL;
}

uint64_t shim_faults_seed(const struct shim_faults *f)
{
    return f->seed;
}

int shim_faults_add(struct shim_faults *f, const char *spec, int64_t now_ms, char *err,
                    size_t err_size)
{
    if (f->n >= SHIM_FAULT_MAX_RULES) {
        if (err && err_size) {
            (void)snprintf(err, err_size, "at most %d fault rules at a time",
                           SHIM_FAULT_MAX_RULES);
        }
        return EMU_E2BIG;
    }
    struct shim_fault_rule *r = emu_malloc(sizeof(*r));
    if (!r) {
        return EMU_ENOMEM;
    }
    int rc = shim_fault_parse(spec, f->services, f->n_services, r, err, err_size);
    if (rc < 0) {
        emu_free(r);
        return rc;
    }
    r->id = f->next_id++;
    r->added_ms = now_ms;
    f->rules[f->n++] = r;
    f->generation++;
    return (int)r->id;
}

int shim_faults_remove(struct shim_faults *f, unsigned id)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->rules[i]->id == id) {
            f->injected_removed += f->rules[i]->injected;
            emu_free(f->rules[i]);
            memmove(&f->rules[i], &f->rules[i + 1], (f->n - i - 1) * sizeof(f->rules[0]));
            f->n--;
            f->generation++;
            return 0;
        }
    }
    return EMU_ENOENT;
}

void shim_faults_clear(struct shim_faults *f)
{
    for (size_t i = 0; i < f->n; i++) {
        f->injected_removed += f->rules[i]->injected;
        emu_free(f->rules[i]);
    }
    f->n = 0;
    f->generation++;
}

size_t shim_faults_count(const struct shim_faults *f)
{
    return f->n;
}

uint64_t shim_faults_generation(const struct shim_faults *f)
{
    return f->generation;
}

static bool matches(const struct shim_fault_rule *r, const char *service, const char *op)
{
    return (strcmp(r->service, "*") == 0 || strcmp(r->service, service) == 0) &&
           (strcmp(r->op, "*") == 0 || strcmp(r->op, op) == 0);
}

/* The next draw of the rule's (service, op) stream, uniform in [0, 1). */
static double draw(const struct shim_faults *f, struct shim_fault_rule *r, const char *service,
                   const char *op)
{
    char key[sizeof(r->streams[0].key)];
    (void)snprintf(key, sizeof(key), "%s:%s", service, op);
    uint64_t *k = NULL;
    for (size_t i = 0; i < r->n_streams && !k; i++) {
        if (strcmp(r->streams[i].key, key) == 0) {
            k = &r->streams[i].n;
        }
    }
    if (!k && r->n_streams < SHIM_FAULT_MAX_STREAMS) {
        struct shim_fault_stream *s = &r->streams[r->n_streams++];
        memcpy(s->key, key, sizeof(key));
        s->n = 0;
        k = &s->n;
    }
    if (!k) {
        k = &r->overflow_n;
    }
    uint64_t h = fnv1a(key, 0xcbf29ce484222325ULL ^ ((uint64_t)r->id * 0x9e3779b97f4a7c15ULL));
    uint64_t x = splitmix64(f->seed ^ h ^ splitmix64(*k));
    (*k)++;
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

static bool active(const struct shim_fault_rule *r, int64_t now_ms)
{
    return now_ms >= r->added_ms + r->after_ms;
}

void shim_faults_decide(struct shim_faults *f, const char *service, const char *op,
                        int64_t now_ms, struct shim_fault_decision *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (size_t i = 0; i < f->n; i++) {
        struct shim_fault_rule *r = f->rules[i];
        if (r->action == SHIM_FAULT_DOWN || !matches(r, service, op) || !active(r, now_ms)) {
            continue;
        }
        r->matched++;
        double u = draw(f, r, service, op); /* always drawn: keeps the stream position */
        if (r->count == 0 || u >= r->rate) {
            continue;
        }
        bool acts = r->action == SHIM_FAULT_ERROR || r->action == SHIM_FAULT_RESET;
        if (acts && ret->action != SHIM_FAULT_NONE) {
            continue; /* an earlier rule already chose; this one's count is not spent */
        }
        ret->latency_ms += r->latency_ms;
        if (ret->latency_ms > SHIM_FAULT_MAX_MS) {
            ret->latency_ms = SHIM_FAULT_MAX_MS;
        }
        r->injected++;
        if (r->count > 0) {
            r->count--;
        }
        if (!acts) {
            continue;
        }
        ret->action = r->action;
        ret->rule_id = r->id;
        if (r->action == SHIM_FAULT_ERROR) {
            const char *msg = "Fault injected by fargate-emu.";
            if (!shim_fault_error_for(service, r->code, r->status, &ret->status, ret->code,
                                      &msg)) {
                ret->status = r->status ? r->status : 503;
                (void)snprintf(ret->code, sizeof(ret->code), "%s",
                               r->code[0] ? r->code : "ServiceUnavailable");
            }
            (void)snprintf(ret->message, sizeof(ret->message), "%s",
                           r->message[0] ? r->message : msg);
        }
    }
}

/* The window of a down rule: [start, end). */
static void window(const struct shim_fault_rule *r, int64_t *start, int64_t *end)
{
    *start = r->added_ms + r->after_ms;
    *end = *start + r->down_ms;
}

bool shim_faults_down(const struct shim_faults *f, const char *service, int64_t now_ms,
                      int64_t *ret_next_ms)
{
    bool down = false;
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < f->n; i++) {
        const struct shim_fault_rule *r = f->rules[i];
        if (r->action != SHIM_FAULT_DOWN || !matches(r, service, "*")) {
            continue;
        }
        int64_t start, end;
        window(r, &start, &end);
        if (now_ms < start) {
            next = start < next ? start : next;
        }
        else if (now_ms < end) {
            down = true;
            next = end < next ? end : next;
        }
    }
    if (ret_next_ms) {
        *ret_next_ms = next;
    }
    return down;
}

void shim_faults_note_down(struct shim_faults *f, const char *service, int64_t now_ms)
{
    for (size_t i = 0; i < f->n; i++) {
        struct shim_fault_rule *r = f->rules[i];
        int64_t start, end;
        window(r, &start, &end);
        if (r->action == SHIM_FAULT_DOWN && matches(r, service, "*") && now_ms >= start &&
            now_ms < end) {
            r->matched++;
            r->injected++;
            return;
        }
    }
}

static const char *state_of(const struct shim_fault_rule *r, int64_t now_ms)
{
    if (r->action == SHIM_FAULT_DOWN) {
        int64_t start, end;
        window(r, &start, &end);
        return now_ms < start ? "pending" : now_ms < end ? "down" : "over";
    }
    if (!active(r, now_ms)) {
        return "pending";
    }
    return r->count == 0 ? "spent" : "active";
}

static const char *action_name(enum shim_fault_action a)
{
    static const char *const names[] = {"latency", "error", "reset", "down"};
    return names[a];
}

static int rule_json(const struct shim_fault_rule *r, int64_t now_ms, struct emu_buf *out)
{
    int rc = emu_buf_printf(out, "{\"id\":%u,\"spec\":", r->id);
    rc = rc ? rc : emu_json_write_string(r->spec, out);
    rc = rc ? rc : emu_buf_puts(out, ",\"shim\":");
    rc = rc ? rc : emu_json_write_string(r->service, out);
    rc = rc ? rc : emu_buf_puts(out, ",\"operation\":");
    rc = rc ? rc : emu_json_write_string(r->op, out);
    rc = rc ? rc : emu_buf_printf(out, ",\"action\":\"%s\",\"state\":\"%s\",\"rate\":%.6g",
                                  action_name(r->action), state_of(r, now_ms), r->rate);
    if (r->count >= 0) {
        rc = rc ? rc : emu_buf_printf(out, ",\"remaining\":%lld", (long long)r->count);
    }
    if (r->status) {
        rc = rc ? rc : emu_buf_printf(out, ",\"status\":%u", r->status);
    }
    if (r->code[0]) {
        rc = rc ? rc : emu_buf_puts(out, ",\"code\":");
        rc = rc ? rc : emu_json_write_string(r->code, out);
    }
    rc = rc ? rc : emu_buf_printf(out, ",\"latency_ms\":%lld,\"after_ms\":%lld",
                                  (long long)r->latency_ms, (long long)r->after_ms);
    if (r->action == SHIM_FAULT_DOWN) {
        rc = rc ? rc : emu_buf_printf(out, ",\"down_ms\":%lld", (long long)r->down_ms);
    }
    return rc ? rc : emu_buf_printf(out, ",\"matched\":%llu,\"injected\":%llu}",
                                    (unsigned long long)r->matched,
                                    (unsigned long long)r->injected);
}

int shim_faults_list_json(const struct shim_faults *f, int64_t now_ms, struct emu_buf *out)
{
    uint64_t total = f->injected_removed;
    for (size_t i = 0; i < f->n; i++) {
        total += f->rules[i]->injected;
    }
    int rc = emu_buf_printf(out, "\"seed\":%llu,\"injected\":%llu,\"rules\":[",
                            (unsigned long long)f->seed, (unsigned long long)total);
    for (size_t i = 0; rc == 0 && i < f->n; i++) {
        rc = i ? emu_buf_putc(out, ',') : 0;
        rc = rc ? rc : rule_json(f->rules[i], now_ms, out);
    }
    return rc ? rc : emu_buf_putc(out, ']');
}
