/* SPDX-License-Identifier: Apache-2.0 */
/* Pure CloudWatch Logs rules: name syntax, retention values, the PutLogEvents batch limits and
 * rejectedLogEventsInfo, term filter patterns and GetLogEvents tokens. No I/O. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

int cwl_err_set(struct cwl_err *e, const char *code, const char *fmt, ...)
{
    e->code = code;
    e->status = 400;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return EMU_EAWS;
}

bool cwl_group_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CWL_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || strchr("._-/#", ch);
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool cwl_stream_name_valid(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= CWL_MAX_NAME && !strpbrk(name, ":*");
}

static const long retention_values[] = {1,   3,    5,    7,    14,   30,   60,   90,
                                        120, 150,  180,  365,  400,  545,  731,  1096,
                                        1827, 2192, 2557, 2922, 3288, 3653};

bool cwl_retention_valid(long days)
{
    for (size_t i = 0; i < sizeof(retention_values) / sizeof(retention_values[0]); i++) {
        if (retention_values[i] == days) {
            return true;
        }
    }
    return false;
}

const char *cwl_retention_list(void)
{
    return "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
           "2557, 2922, 3288, 3653]";
}

/* Count, sizes and order first: any of them fails the whole call. */
static int check_shape(const struct cwl_event_in *ev, size_t n, struct cwl_err *e)
{
    if (n == 0) {
        return cwl_err_set(e, "InvalidParameterException",
                           "1 validation error detected: Value '[]' at 'logEvents' failed to "
                           "satisfy constraint: Member must have length greater than or equal "
                           "to 1");
    }
    if (n > CWL_MAX_BATCH_EVENTS) {
        return cwl_err_set(e, "InvalidParameterException",
                           "1 validation error detected: Value at 'logEvents' failed to satisfy "
                           "constraint: Member must have length less than or equal to %d",
                           CWL_MAX_BATCH_EVENTS);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].len == 0) {
            return cwl_err_set(e, "InvalidParameterException",
                               "1 validation error detected: Value '' at "
                               "'logEvents.%zu.member.message' failed to satisfy constraint: "
                               "Member must have length greater than or equal to 1",
                               i + 1);
        }
        uint64_t size = (uint64_t)ev[i].len + CWL_EVENT_OVERHEAD;
        if (size > CWL_MAX_EVENT_BYTES) {
            return cwl_err_set(e, "InvalidParameterException",
                               "Log event too large: %" PRIu64 " bytes exceeds limit of %d", size,
                               CWL_MAX_EVENT_BYTES);
        }
        total += size;
    }
    if (total > CWL_MAX_BATCH_BYTES) {
        return cwl_err_set(e, "InvalidParameterException",
                           "Upload too large: %" PRIu64 " bytes exceeds limit of %d", total,
                           CWL_MAX_BATCH_BYTES);
    }
    for (size_t i = 1; i < n; i++) {
        if (ev[i].timestamp < ev[i - 1].timestamp) {
            return cwl_err_set(e, "InvalidParameterException",
                               "Log events in a single PutLogEvents request must be in "
                               "chronological order.");
        }
    }
    return 0;
}

int cwl_batch_check(const struct cwl_event_in *ev, size_t n, int64_t now_ms, long retention_days,
                    struct cwl_batch_verdict *v, struct cwl_err *e)
{
    int r = check_shape(ev, n, e);
    if (r < 0) {
        return r;
    }
    /* The batch is sorted, so the old events are a prefix and the new ones a suffix. */
    int64_t old_limit = now_ms - CWL_MAX_AGE_MS;
    int64_t new_limit = now_ms + CWL_MAX_AHEAD_MS;
    int64_t expire_limit = retention_days > 0 ? now_ms - retention_days * 86400000LL : INT64_MIN;
    size_t too_old = 0, expired = 0, too_new = n;
    while (too_old < n && ev[too_old].timestamp < old_limit) {
        too_old++;
    }
    while (expired < n && ev[expired].timestamp < expire_limit) {
        expired++;
    }
    while (too_new > 0 && ev[too_new - 1].timestamp > new_limit) {
        too_new--;
    }
    size_t first = too_old > expired ? too_old : expired;
    if (first > too_new) {
        first = too_new;
    }
    /* The 24-hour rule applies to the events that would be stored. */
    if (first < too_new && ev[too_new - 1].timestamp - ev[first].timestamp > CWL_MAX_SPAN_MS) {
        return cwl_err_set(e, "InvalidParameterException",
                           "The batch of log events in a single PutLogEvents request cannot span "
                           "more than 24 hours.");
    }
    v->first = first;
    v->end = too_new;
    v->too_old_end = too_old > 0 ? (long)too_old : -1;
    v->expired_end = expired > 0 ? (long)expired : -1;
    v->too_new_start = too_new < n ? (long)too_new : -1;
    return 0;
}

void cwl_pattern_done(struct cwl_pattern *p)
{
    for (size_t i = 0; i < p->n; i++) {
        emu_free(p->terms[i].text);
    }
    p->n = 0;
}

/* Adds one term; text is len bytes. */
static int add_term(struct cwl_pattern *p, char kind, const char *text, size_t len,
                    struct cwl_err *e)
{
    if (len == 0) {
        return 0;
    }
    if (p->n == CWL_MAX_PATTERN_TERMS) {
        return cwl_err_set(e, "InvalidParameterException",
                           "Invalid filter pattern: more than %d terms.", CWL_MAX_PATTERN_TERMS);
    }
    char *t = emu_strndup(text, len);
    if (!t) {
        return EMU_ENOMEM;
    }
    p->terms[p->n].text = t;
    p->terms[p->n].len = len;
    p->terms[p->n].kind = kind;
    p->n++;
    if (kind == '?') {
        p->has_optional = true;
    }
    return 0;
}

int cwl_pattern_parse(const char *pattern, struct cwl_pattern *p, struct cwl_err *e)
{
    memset(p, 0, sizeof(*p));
    const char *s = pattern ? pattern : "";
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (*s == '{' || *s == '[' || *s == '%') {
        return cwl_err_set(e, "InvalidParameterException",
                           "fargate-emu supports term filter patterns only (JSON, space-delimited "
                           "and regular-expression patterns are not implemented).");
    }
    while (*s) {
        if (*s == ' ' || *s == '\t') {
            s++;
            continue;
        }
        char kind = '+';
        if (*s == '?' || *s == '-') {
            kind = *s++;
        }
        int r;
        if (*s == '"') {
            const char *end = strchr(s + 1, '"');
            if (!end) {
                cwl_pattern_done(p);
                return cwl_err_set(e, "InvalidParameterException",
                                   "Invalid filter pattern: unterminated quoted term.");
            }
            r = add_term(p, kind, s + 1, (size_t)(end - s - 1), e);
            s = end + 1;
        }
        else {
            size_t len = strcspn(s, " \t");
            r = add_term(p, kind, s, len, e);
            s += len;
        }
        if (r < 0) {
            cwl_pattern_done(p);
            return r;
        }
    }
    return 0;
}

static bool contains(const char *msg, size_t len, const char *t, size_t tlen)
{
    if (tlen > len) {
        return false;
    }
    for (size_t i = 0; i + tlen <= len; i++) {
        if (msg[i] == t[0] && memcmp(msg + i, t, tlen) == 0) {
            return true;
        }
    }
    return false;
}

bool cwl_pattern_match(const struct cwl_pattern *p, const char *msg, size_t len)
{
    bool any_optional = false;
    for (size_t i = 0; i < p->n; i++) {
        bool hit = contains(msg, len, p->terms[i].text, p->terms[i].len);
        switch (p->terms[i].kind) {
        case '+':
            if (!hit) {
                return false;
            }
            break;
        case '-':
            if (hit) {
                return false;
            }
            break;
        default:
            any_optional = any_optional || hit;
            break;
        }
    }
    return !p->has_optional || any_optional;
}

void cwl_token_format(char dir, uint64_t pos, char out[40])
{
    (void)snprintf(out, 40, "%c/%020" PRIu64 "/s", dir, pos);
}

int cwl_token_parse(const char *token, char *ret_dir, uint64_t *ret_pos)
{
    if (!token || (token[0] != 'f' && token[0] != 'b') || token[1] != '/') {
        return EMU_EINVAL;
    }
    uint64_t pos = 0;
    const char *s = token + 2;
    size_t digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (digits++ >= 20 || pos > (UINT64_MAX - 9) / 10) {
            return EMU_EINVAL;
        }
        pos = pos * 10 + (uint64_t)(*s++ - '0');
    }
    if (digits == 0 || strcmp(s, "/s") != 0) {
        return EMU_EINVAL;
    }
    *ret_dir = token[0];
    *ret_pos = pos;
    return 0;
}
