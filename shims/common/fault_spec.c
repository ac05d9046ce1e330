/* SPDX-License-Identifier: Apache-2.0 */
/* The --fault spec parser (grammar in docs/faults.md) and the table of AWS errors a fault may
 * answer with, in each service's own words. Pure: every error names the spec and a position. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "shims/common/fault.h"

/* What each service answers, first row per service being its default fault. Messages are the
 * ones AWS sends for these codes. */
struct known_error {
    const char *service;
    const char *code;
    unsigned status;
    const char *message;
};

#define MSG_INTERNAL_FAILURE                                                                  \
    "The request processing has failed because of an unknown error, exception or failure."
#define MSG_TEMPORARY "The request has failed due to a temporary failure of the server."

static const struct known_error known_errors[] = {
    {"s3", "SlowDown", 503, "Please reduce your request rate."},
    {"s3", "ServiceUnavailable", 503, "Service is unable to handle request."},
    {"s3", "InternalError", 500, "We encountered an internal error. Please try again."},
    {"s3", "RequestTimeout", 400,
     "Your socket connection to the server was not read from or written to within the "
     "timeout period. Idle connections will be closed."},
    {"logs", "ThrottlingException", 400, "Rate exceeded"},
    {"logs", "ServiceUnavailableException", 500, "The service cannot complete the request."},
    {"logs", "LimitExceededException", 400, "Resource limit exceeded."},
    {"logs", "InternalFailure", 500, MSG_INTERNAL_FAILURE},
    {"logs", "ServiceUnavailable", 503, MSG_TEMPORARY},
    {"sts", "Throttling", 400, "Rate exceeded"},
    {"sts", "InternalFailure", 500, MSG_INTERNAL_FAILURE},
    {"sts", "ServiceUnavailable", 503, MSG_TEMPORARY},
};
#define N_KNOWN (sizeof(known_errors) / sizeof(known_errors[0]))

static const struct shim_fault_service builtin_services[] = {
    {"s3", NULL}, {"logs", NULL}, {"sts", NULL}};

static void copy(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size) {
        len = size - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

bool shim_fault_error_for(const char *service, const char *code, unsigned status,
                          unsigned *ret_status, char ret_code[SHIM_FAULT_MAX_CODE],
                          const char **ret_message)
{
    const struct known_error *hit = NULL;
    for (size_t pass = 0; pass < 2 && !hit; pass++) {
        for (size_t i = 0; i < N_KNOWN && !hit; i++) {
            const struct known_error *k = &known_errors[i];
            bool same_service = strcmp(k->service, service) == 0;
            if (pass == 0 && !same_service) {
                continue; /* the shim's own rows first, then any row with that code */
            }
            if (code && *code) {
                hit = strcmp(k->code, code) == 0 ? k : NULL;
            }
            else if (pass == 0) {
                hit = (status == 0 || k->status == status) ? k : NULL;
            }
        }
    }
    if (!hit) {
        if (!code || !*code || status == 0) {
            return false;
        }
        *ret_status = status;
        copy(ret_code, SHIM_FAULT_MAX_CODE, code, strlen(code));
        *ret_message = "Fault injected by fargate-emu.";
        return true;
    }
    *ret_status = status ? status : hit->status;
    copy(ret_code, SHIM_FAULT_MAX_CODE, hit->code, strlen(hit->code));
    *ret_message = hit->message;
    return true;
}

int shim_fault_parse_duration(const char *s, size_t len, int64_t *ret_ms)
{
    size_t i = 0;
    int64_t v = 0;
    while (i < len && isdigit((unsigned char)s[i])) {
        v = v * 10 + (s[i] - '0');
        if (v > SHIM_FAULT_MAX_MS) {
            return EMU_EINVAL;
        }
        i++;
    }
    if (i == 0) {
        return EMU_EINVAL;
    }
    const char *unit = s + i;
    size_t ulen = len - i;
    int64_t mul;
    if (ulen == 2 && memcmp(unit, "ms", 2) == 0) {
        mul = 1;
    }
    else if (ulen == 1 && unit[0] == 's') {
        mul = 1000;
    }
    else if (ulen == 1 && unit[0] == 'm') {
        mul = 60000;
    }
    else {
        return EMU_EINVAL;
    }
    if (v > SHIM_FAULT_MAX_MS / mul) {
        return EMU_EINVAL;
    }
    *ret_ms = v * mul;
    return 0;
}

/* Parsing state: the spec and where errors go. */
struct parse {
    const char *spec;
    const struct shim_fault_service *services;
    size_t n_services;
    char *err;
    size_t err_size;
};

static int fail(struct parse *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, size_t pos, const char *fmt, ...)
{
    if (p->err && p->err_size > 0) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        (void)snprintf(p->err, p->err_size, "invalid fault spec '%.*s' at position %zu: %s",
                       SHIM_FAULT_MAX_SPEC, p->spec, pos + 1, what);
    }
    return EMU_EINVAL;
}

static const struct shim_fault_service *find_service(struct parse *p, const char *name,
                                                     size_t len)
{
    for (size_t i = 0; i < p->n_services; i++) {
        if (strlen(p->services[i].name) == len && memcmp(p->services[i].name, name, len) == 0) {
            return &p->services[i];
        }
    }
    return NULL;
}

static bool op_known(struct parse *p, const char *service, const char *op)
{
    for (size_t i = 0; i < p->n_services; i++) {
        const struct shim_fault_service *s = &p->services[i];
        bool svc_ok = strcmp(service, "*") == 0 || strcmp(service, s->name) == 0;
        if (svc_ok && (!s->has_op || s->has_op(op))) {
            return true;
        }
    }
    return false;
}

static bool name_ok(const char *s, size_t len, bool allow_star)
{
    if (len == 1 && s[0] == '*') {
        return allow_star;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-') {
            return false;
        }
    }
    return len > 0;
}

/* One "key=value" (or "reset") parameter at spec offset pos. */
static int parse_param(struct parse *p, struct shim_fault_rule *r, const char *s, size_t len,
                       size_t pos, unsigned *seen)
{
    static const char *const keys[] = {"rate",    "count", "status", "code", "message",
                                       "latency", "reset", "down",   "after"};
    const char *eq = memchr(s, '=', len);
    size_t klen = eq ? (size_t)(eq - s) : len;
    size_t k = 0;
    while (k < sizeof(keys) / sizeof(keys[0]) &&
           !(strlen(keys[k]) == klen && memcmp(keys[k], s, klen) == 0)) {
        k++;
    }
    if (k == sizeof(keys) / sizeof(keys[0])) {
        return fail(p, pos, "unknown parameter '%.*s' (one of rate, count, status, code, "
                            "message, latency, reset, down, after)", (int)klen, s);
    }
    if (*seen & (1u << k)) {
        return fail(p, pos, "'%s' given twice", keys[k]);
    }
    *seen |= 1u << k;
    if ((k == 6) != !eq) {
        return fail(p, pos, k == 6 ? "'reset' takes no value" : "'%s' needs a value (%s=...)",
                    keys[k], keys[k]);
    }
    const char *v = eq ? eq + 1 : "";
    size_t vlen = eq ? len - klen - 1 : 0;
    size_t vpos = pos + klen + 1;
    char tmp[64];
    copy(tmp, sizeof(tmp), v, vlen);
    char *end = NULL;
    switch (k) {
    case 0: { /* rate=0.3 or rate=30% */
        bool pct = vlen > 0 && v[vlen - 1] == '%';
        if (pct) {
            tmp[vlen - 1 < sizeof(tmp) ? vlen - 1 : sizeof(tmp) - 1] = '\0';
        }
        double d = vlen > 0 && vlen < sizeof(tmp) && isdigit((unsigned char)tmp[0])
                       ? strtod(tmp, &end)
                       : NAN;
        if (pct) {
            d /= 100.0;
        }
        if (!end || *end || !isfinite(d) || d < 0.0 || d > 1.0) {
            return fail(p, vpos, "rate must be a number from 0 to 1 or a percentage, got '%.*s'",
                        (int)vlen, v);
        }
        r->rate = d;
        return 0;
    }
    case 1:
    case 2: {
        long long n = vlen > 0 && vlen < 12 && isdigit((unsigned char)tmp[0])
                          ? strtoll(tmp, &end, 10)
                          : -1;
        if (k == 1 && (!end || *end || n < 1 || n > SHIM_FAULT_MAX_COUNT)) {
            return fail(p, vpos, "count must be a whole number from 1, got '%.*s'", (int)vlen, v);
        }
        if (k == 2 && (!end || *end || n < 400 || n > 599)) {
            return fail(p, vpos, "status must be an HTTP error status from 400 to 599, got "
                                 "'%.*s'", (int)vlen, v);
        }
        if (k == 1) {
            r->count = n;
        }
        else {
            r->status = (unsigned)n;
        }
        return 0;
    }
    case 3:
        if (vlen >= SHIM_FAULT_MAX_CODE || !name_ok(v, vlen, false)) {
            return fail(p, vpos, "code must be an AWS error code such as SlowDown, got '%.*s'",
                        (int)vlen, v);
        }
        copy(r->code, sizeof(r->code), v, vlen);
        return 0;
    case 4:
        for (size_t i = 0; i < vlen; i++) {
            if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f) {
                return fail(p, vpos + i, "message holds a control character");
            }
        }
        if (vlen == 0 || vlen >= SHIM_FAULT_MAX_MESSAGE) {
            return fail(p, vpos, "message must be 1 to %d bytes", SHIM_FAULT_MAX_MESSAGE - 1);
        }
        copy(r->message, sizeof(r->message), v, vlen);
        return 0;
    case 6:
        return 0;
    default: { /* latency, down, after */
        int64_t ms = 0;
        if (shim_fault_parse_duration(v, vlen, &ms) < 0 || (k != 8 && ms == 0)) {
            return fail(p, vpos, "%s must be a duration such as 200ms, 20s or 2m (at most 24h%s), "
                                 "got '%.*s'", keys[k], k != 8 ? ", above 0" : "", (int)vlen, v);
        }
        *(k == 5 ? &r->latency_ms : k == 7 ? &r->down_ms : &r->after_ms) = ms;
        return 0;
    }
    }
}

/* Checks the combination of parameters and settles the action. */
static int settle(struct parse *p, struct shim_fault_rule *r, unsigned seen, size_t ops_pos)
{
    enum { RATE = 1, COUNT = 2, STATUS = 4, CODE = 8, MESSAGE = 16, LATENCY = 32, RESET = 64,
           DOWN = 128 };
    size_t end = strlen(p->spec);
    if (seen & DOWN) {
        if (strcmp(r->op, "*") != 0) {
            return fail(p, ops_pos, "down takes a whole shim down: write '%s:down=...' without "
                                    "an operation", r->service);
        }
        if (seen & ~(unsigned)(DOWN | 256u)) {
            return fail(p, ops_pos, "down only combines with after=");
        }
        r->action = SHIM_FAULT_DOWN;
        return 0;
    }
    if ((seen & RESET) && (seen & (STATUS | CODE | MESSAGE))) {
        return fail(p, ops_pos, "reset closes the connection without a response: status, code "
                                "and message do not apply");
    }
    if (seen & RESET) {
        r->action = SHIM_FAULT_RESET;
        return 0;
    }
    if ((seen & LATENCY) && !(seen & (STATUS | CODE | MESSAGE))) {
        r->action = SHIM_FAULT_NONE;
        return 0;
    }
    r->action = SHIM_FAULT_ERROR;
    const struct shim_fault_service *svcs = p->n_services ? p->services : builtin_services;
    size_t n = p->n_services ? p->n_services : 3;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r->service, "*") != 0 && strcmp(r->service, svcs[i].name) != 0) {
            continue;
        }
        unsigned st;
        char code[SHIM_FAULT_MAX_CODE];
        const char *msg;
        if (!shim_fault_error_for(svcs[i].name, r->code, r->status, &st, code, &msg)) {
            if (r->code[0]) {
                return fail(p, end, "code '%s' is not one fargate-emu knows for %s: add "
                                    "status=", r->code, svcs[i].name);
            }
            return fail(p, end, "no %s error has status %u: add code=", svcs[i].name, r->status);
        }
    }
    return 0;
}

int shim_fault_parse(const char *spec, const struct shim_fault_service *services, size_t n,
                     struct shim_fault_rule *r, char *err, size_t err_size)
{
    struct parse p = {spec ? spec : "", services, n, err, err_size};
    memset(r, 0, sizeof(*r));
    r->rate = 1.0;
    r->count = -1;
    size_t len = strlen(p.spec);
    if (len == 0) {
        return fail(&p, 0, "empty spec (expected SHIM:OPERATION:PARAM...)");
    }
    if (len >= SHIM_FAULT_MAX_SPEC) {
        return fail(&p, SHIM_FAULT_MAX_SPEC - 1, "longer than %d bytes", SHIM_FAULT_MAX_SPEC - 1);
    }
    copy(r->spec, sizeof(r->spec), spec, len);
    const char *s = p.spec;
    const char *colon = strchr(s, ':');
    size_t slen = colon ? (size_t)(colon - s) : len;
    if (!name_ok(s, slen, true) || slen >= SHIM_FAULT_MAX_SERVICE ||
        (n && !(slen == 1 && s[0] == '*') && !find_service(&p, s, slen))) {
        return fail(&p, 0, "unknown shim '%.*s' (one of s3, logs, sts or *)", (int)slen, s);
    }
    copy(r->service, sizeof(r->service), s, slen);
    if (!colon) {
        return fail(&p, len, "expected ':' and an operation or a parameter after the shim");
    }
    size_t pos = slen + 1;
    size_t ops_pos = pos;
    /* The operation field is optional: a field with '=' or "reset" is already a parameter. */
    size_t flen = strcspn(s + pos, ":");
    bool is_param = memchr(s + pos, '=', flen) || (flen == 5 && memcmp(s + pos, "reset", 5) == 0);
    if (!is_param) {
        if (!name_ok(s + pos, flen, true) || flen >= SHIM_FAULT_MAX_OP) {
            return fail(&p, pos, "invalid operation name '%.*s'", (int)flen, s + pos);
        }
        copy(r->op, sizeof(r->op), s + pos, flen);
        if (n && strcmp(r->op, "*") != 0 && !op_known(&p, r->service, r->op)) {
            return fail(&p, pos, "%s has no operation '%s' (use the AWS API name, e.g. "
                                 "PutObject, PutLogEvents, AssumeRole)",
                        strcmp(r->service, "*") == 0 ? "no shim" : r->service, r->op);
        }
        pos += flen + (s[pos + flen] == ':' ? 1 : 0);
        if (s[pos - 1] == ':' && s[pos] == '\0') {
            return fail(&p, pos, "empty parameter after ':'");
        }
    }
    else {
        copy(r->op, sizeof(r->op), "*", 1);
    }
    unsigned seen = 0;
    while (pos < len) {
        size_t plen = strcspn(s + pos, ":");
        if (strncmp(s + pos, "message=", 8) == 0) {
            plen = len - pos; /* the message runs to the end and may hold ':' */
        }
        if (plen == 0) {
            return fail(&p, pos, "empty parameter");
        }
        int rc = parse_param(&p, r, s + pos, plen, pos, &seen);
        if (rc < 0) {
            return rc;
        }
        pos += plen;
        if (s[pos] == ':') {
            pos++;
            if (s[pos] == '\0') {
                return fail(&p, pos, "empty parameter after ':'");
            }
        }
    }
    return settle(&p, r, seen, ops_pos);
}
