/* SPDX-License-Identifier: Apache-2.0 */
/* The Terraform functions task templates call: jsonencode (Terraform's exact output: minified,
 * map keys sorted, <>& escaped), lower, upper, join, tostring, tonumber, tobool, replace,
 * format (%s %d %v %q %%), length, trimspace. Any other name is an "unsupported function". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/tf/tftpl_internal.h"

#define FN_MAX_OUTPUT EMU_TFTPL_MAX_OUTPUT

struct fn_call {
    struct tt_eval *ev;
    const struct tt_node *node;
    struct tt_val *args;
    size_t n;
};

struct fn_def {
    const char *name;
    size_t min_args;
    size_t max_args; /* SIZE_MAX: variadic */
    cJSON *(*impl)(struct fn_call *c);
};

static size_t arg_off(const struct fn_call *c, size_t i)
{
    return i < c->node->n ? c->node->items[i]->off : c->node->off;
}

/* A buffer append failed with r: out of memory, or over the ceiling. */
static int too_big(struct fn_call *c, int r)
{
    if (r == EMU_ENOMEM) {
        return tt_oom(c->ev, c->node->off);
    }
    return tt_fail(c->ev, c->node->off, EMU_E2BIG,
                   "the result of %s() is larger than the %u MB "
                   "limit",
                   c->node->name, FN_MAX_OUTPUT >> 20);
}

/* Argument i as a string (numbers and bools converted) in buf; returns its text or NULL. */
static const char *str_arg(struct fn_call *c, size_t i, struct emu_buf *buf)
{
    char what[64];
    snprintf(what, sizeof(what), "argument %zu of %s()", i + 1, c->node->name);
    if (tt_to_string(c->ev, arg_off(c, i), c->args[i].v, what, buf) < 0) {
        return NULL;
    }
    if (!buf->data && emu_buf_append(buf, "", 0) < 0) {
        tt_oom(c->ev, c->node->off);
        return NULL;
    }
    return buf->data;
}

static cJSON *make_string(struct fn_call *c, const char *s)
{
    cJSON *r = cJSON_CreateString(s ? s : "");
    if (!r) {
        tt_oom(c->ev, c->node->off);
    }
    return r;
}

/* ---- jsonencode ------------------------------------------------------------------------- */

static int json_string(const char *s, struct emu_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    int r = emu_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; r == 0 && *p; p++) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            r = emu_buf_append(out, e, 2);
        }
        else if (ch == '\n' || ch == '\r' || ch == '\t' || ch == '\b' || ch == '\f') {
            char e[2] = {'\\', ch == '\n'   ? 'n'
                               : ch == '\r' ? 'r'
                               : ch == '\t' ? 't'
                               : ch == '\b' ? 'b'
                                            : 'f'};
            r = emu_buf_append(out, e, 2);
        }
        else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            r = emu_buf_append(out, e, 6);
        }
        else if (ch == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            r = emu_buf_puts(out, p[2] == 0xA8 ? "\\u2028" : "\\u2029");
            p += 2;
        }
        else {
            r = emu_buf_putc(out, (char)ch);
        }
    }
    return r ? r : emu_buf_putc(out, '"');
}

static int json_value(struct tt_eval *ev, const cJSON *v, struct emu_buf *out, unsigned depth)
{
    if (depth > EMU_TFTPL_MAX_DEPTH) {
        return EMU_E2BIG;
    }
    if (!v || cJSON_IsNull(v)) {
        return emu_buf_puts(out, "null");
    }
    if (cJSON_IsBool(v)) {
        return emu_buf_puts(out, cJSON_IsTrue(v) ? "true" : "false");
    }
    if (cJSON_IsNumber(v)) {
        char num[64];
        tt_format_number(v->valuedouble, num, sizeof(num));
        return emu_buf_puts(out, num);
    }
    if (cJSON_IsString(v)) {
        return json_string(v->valuestring, out);
    }
    if (cJSON_IsArray(v)) {
        int r = emu_buf_putc(out, '[');
        for (const cJSON *c = v->child; r == 0 && c; c = c->next) {
            r = c != v->child ? emu_buf_putc(out, ',') : 0;
            r = r ? r : json_value(ev, c, out, depth + 1);
        }
        return r ? r : emu_buf_putc(out, ']');
    }
    const cJSON **members = NULL;
    size_t n = 0;
    int r = tt_sorted_members(v, &members, &n);
    r = r ? r : emu_buf_putc(out, '{');
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = i ? emu_buf_putc(out, ',') : 0;
        r = r ? r : json_string(members[i]->string, out);
        r = r ? r : emu_buf_putc(out, ':');
        r = r ? r : json_value(ev, members[i], out, depth + 1);
    }
    emu_free(members);
    return r ? r : emu_buf_putc(out, '}');
}

static cJSON *fn_jsonencode(struct fn_call *c)
{
    struct emu_buf out;
    emu_buf_init(&out, FN_MAX_OUTPUT);
    int r = json_value(c->ev, c->args[0].v, &out, 0);
    cJSON *res = NULL;
    if (r == EMU_ENOMEM) {
        tt_oom(c->ev, c->node->off);
    }
    else if (r < 0) {
        too_big(c, r);
    }
    else {
        res = make_string(c, out.data);
    }
    emu_buf_done(&out);
    return res;
}

/* ---- String functions ------------------------------------------------------------------- */

static cJSON *change_case(struct fn_call *c, bool upper)
{
    struct emu_buf buf;
    emu_buf_init(&buf, FN_MAX_OUTPUT);
    cJSON *res = NULL;
    if (str_arg(c, 0, &buf)) {
        for (size_t i = 0; i < buf.len; i++) {
            char ch = buf.data[i];
            if (upper && ch >= 'a' && ch <= 'z') {
                buf.data[i] = (char)(ch - 'a' + 'A');
            }
            else if (!upper && ch >= 'A' && ch <= 'Z') {
                buf.data[i] = (char)(ch - 'A' + 'a');
            }
        }
        res = make_string(c, buf.data);
    }
    emu_buf_done(&buf);
    return res;
}

static cJSON *fn_lower(struct fn_call *c)
{
    return change_case(c, false);
}

static cJSON *fn_upper(struct fn_call *c)
{
    return change_case(c, true);
}

static cJSON *fn_join(struct fn_call *c)
{
    struct emu_buf sep, out;
    emu_buf_init(&sep, FN_MAX_OUTPUT);
    emu_buf_init(&out, FN_MAX_OUTPUT);
    cJSON *res = NULL;
    bool ok = str_arg(c, 0, &sep) != NULL;
    bool first = true;
    for (size_t i = 1; ok && i < c->n; i++) {
        const cJSON *list = c->args[i].v;
        if (!cJSON_IsArray(list)) {
            tt_fail(c->ev, arg_off(c, i), EMU_EINVAL,
                    "argument %zu of join() must be a list, not %s %s", i + 1,
                    cJSON_IsNull(list) ? "" : "a", tt_type_name(list));
            ok = false;
            break;
        }
        for (const cJSON *e = list->child; ok && e; e = e->next) {
            int r = first ? 0 : emu_buf_append(&out, sep.data, sep.len);
            if (r < 0) {
                too_big(c, r);
                ok = false;
                break;
            }
            first = false;
            ok = tt_to_string(c->ev, arg_off(c, i), e, "an element of the joined list", &out) == 0;
        }
    }
    if (ok) {
        res = make_string(c, out.data);
    }
    emu_buf_done(&sep);
    emu_buf_done(&out);
    return res;
}

static cJSON *fn_tostring(struct fn_call *c)
{
    const cJSON *v = c->args[0].v;
    if (cJSON_IsNull(v)) {
        cJSON *r = cJSON_CreateNull();
        if (!r) {
            tt_oom(c->ev, c->node->off);
        }
        return r;
    }
    struct emu_buf buf;
    emu_buf_init(&buf, FN_MAX_OUTPUT);
    cJSON *res = str_arg(c, 0, &buf) ? make_string(c, buf.data) : NULL;
    emu_buf_done(&buf);
    return res;
}

static cJSON *fn_tonumber(struct fn_call *c)
{
    const cJSON *v = c->args[0].v;
    double d = 0;
    cJSON *r = NULL;
    if (cJSON_IsNull(v)) {
        r = cJSON_CreateNull();
    }
    else if (tt_to_number(c->ev, arg_off(c, 0), v, "the argument of tonumber()", &d) == 0) {
        r = cJSON_CreateNumber(d);
    }
    else {
        return NULL;
    }
    if (!r) {
        tt_oom(c->ev, c->node->off);
    }
    return r;
}

static cJSON *fn_tobool(struct fn_call *c)
{
    const cJSON *v = c->args[0].v;
    bool b = false;
    cJSON *r = NULL;
    if (cJSON_IsNull(v)) {
        r = cJSON_CreateNull();
    }
    else if (tt_to_bool(c->ev, arg_off(c, 0), v, "the argument of tobool()", &b) == 0) {
        r = cJSON_CreateBool(b);
    }
    else {
        return NULL;
    }
    if (!r) {
        tt_oom(c->ev, c->node->off);
    }
    return r;
}

static cJSON *fn_replace(struct fn_call *c)
{
    struct emu_buf s, from, to, out;
    emu_buf_init(&s, FN_MAX_OUTPUT);
    emu_buf_init(&from, FN_MAX_OUTPUT);
    emu_buf_init(&to, FN_MAX_OUTPUT);
    emu_buf_init(&out, FN_MAX_OUTPUT);
    cJSON *res = NULL;
    if (str_arg(c, 0, &s) && str_arg(c, 1, &from) && str_arg(c, 2, &to)) {
        if (from.len >= 2 && from.data[0] == '/' && from.data[from.len - 1] == '/') {
            tt_fail(c->ev, arg_off(c, 1), EMU_EINVAL,
                    "replace() with a regular expression (\"%.60s\") is not supported", from.data);
        }
        else {
            int r = 0;
            const char *p = s.data;
            while (r == 0 && *p) {
                const char *hit = from.len ? strstr(p, from.data) : NULL;
                if (!hit) {
                    r = emu_buf_puts(&out, p);
                    break;
                }
                r = emu_buf_append(&out, p, (size_t)(hit - p));
                r = r ? r : emu_buf_append(&out, to.data, to.len);
                p = hit + from.len;
            }
            if (r == 0 && !out.data) {
                r = emu_buf_append(&out, "", 0);
            }
            res = r == 0 ? make_string(c, out.data) : NULL;
            if (r < 0) {
                too_big(c, r);
            }
        }
    }
    emu_buf_done(&s);
    emu_buf_done(&from);
    emu_buf_done(&to);
    emu_buf_done(&out);
    return res;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static cJSON *fn_trimspace(struct fn_call *c)
{
    struct emu_buf buf;
    emu_buf_init(&buf, FN_MAX_OUTPUT);
    cJSON *res = NULL;
    if (str_arg(c, 0, &buf)) {
        size_t start = 0, end = buf.len;
        while (start < end && is_space(buf.data[start])) {
            start++;
        }
        while (end > start && is_space(buf.data[end - 1])) {
            end--;
        }
        buf.data[end] = '\0';
        res = make_string(c, buf.data + start);
    }
    emu_buf_done(&buf);
    return res;
}

static cJSON *fn_length(struct fn_call *c)
{
    const cJSON *v = c->args[0].v;
    double n = 0;
    if (cJSON_IsString(v)) {
        for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++) {
            n += (*p & 0xC0u) != 0x80u; /* characters, not bytes */
        }
    }
    else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        n = cJSON_GetArraySize(v);
    }
    else {
        tt_fail(c->ev, arg_off(c, 0), EMU_EINVAL,
                "length() needs a string, a list or a map, not %s %s", cJSON_IsNull(v) ? "" : "a",
                tt_type_name(v));
        return NULL;
    }
    cJSON *r = cJSON_CreateNumber(n);
    if (!r) {
        tt_oom(c->ev, c->node->off);
    }
    return r;
}

static int format_verb(struct fn_call *c, char verb, size_t argi, struct emu_buf *out)
{
    const cJSON *v = c->args[argi].v;
    size_t off = arg_off(c, argi);
    char what[64];
    snprintf(what, sizeof(what), "argument %zu of format()", argi + 1);
    if (verb == 'd') {
        double d = 0;
        if (tt_to_number(c->ev, off, v, what, &d) < 0) {
            return c->ev->rc;
        }
        if (d != floor(d)) {
            char num[64];
            tt_format_number(d, num, sizeof(num));
            return tt_fail(c->ev, off, EMU_EINVAL, "%%d needs an integer, not %s", num);
        }
        char num[64];
        tt_format_number(d, num, sizeof(num));
        int r = emu_buf_puts(out, num);
        return r < 0 ? too_big(c, r) : 0;
    }
    if (verb == 'q') {
        struct emu_buf tmp;
        emu_buf_init(&tmp, FN_MAX_OUTPUT);
        int r = tt_to_string(c->ev, off, v, what, &tmp);
        if (r == 0 && emu_buf_append(&tmp, "", 0) == 0) {
            r = json_string(tmp.data, out);
            r = r < 0 ? too_big(c, r) : 0;
        }
        emu_buf_done(&tmp);
        return c->ev->rc ? c->ev->rc : r;
    }
    if (verb == 'v' && (cJSON_IsArray(v) || cJSON_IsObject(v))) {
        int r = json_value(c->ev, v, out, 0);
        return r < 0 ? too_big(c, r) : 0;
    }
    return tt_to_string(c->ev, off, v, what, out);
}

static cJSON *fn_format(struct fn_call *c)
{
    struct emu_buf fmt, out;
    emu_buf_init(&fmt, FN_MAX_OUTPUT);
    emu_buf_init(&out, FN_MAX_OUTPUT);
    cJSON *res = NULL;
    size_t next = 1;
    bool ok = str_arg(c, 0, &fmt) != NULL;
    for (size_t i = 0; ok && i < fmt.len; i++) {
        char ch = fmt.data[i];
        if (ch != '%') {
            int r = emu_buf_putc(&out, ch);
            ok = r == 0 || too_big(c, r) == 0;
            continue;
        }
        char verb = i + 1 < fmt.len ? fmt.data[++i] : '\0';
        if (verb == '%') {
            int r = emu_buf_putc(&out, '%');
            ok = r == 0 || too_big(c, r) == 0;
            continue;
        }
        if (verb != 's' && verb != 'd' && verb != 'v' && verb != 'q') {
            tt_fail(c->ev, arg_off(c, 0), EMU_EINVAL,
                    "format(): unsupported verb \"%%%c\" (supported: %%s %%d %%v %%q %%%%)",
                    verb ? verb : ' ');
            ok = false;
            break;
        }
        if (next >= c->n) {
            tt_fail(c->ev, c->node->off, EMU_EINVAL,
                    "format(): not enough arguments for the format string (%zu given)", c->n - 1);
            ok = false;
            break;
        }
        ok = format_verb(c, verb, next++, &out) == 0;
    }
    if (ok && next < c->n) {
        tt_fail(c->ev, arg_off(c, next), EMU_EINVAL,
                "format(): too many arguments; the format string uses %zu", next - 1);
        ok = false;
    }
    if (ok) {
        res = make_string(c, out.data);
    }
    emu_buf_done(&fmt);
    emu_buf_done(&out);
    return res;
}

static const struct fn_def functions[] = {
    {"format", 1, SIZE_MAX, fn_format},  {"join", 2, SIZE_MAX, fn_join},
    {"jsonencode", 1, 1, fn_jsonencode}, {"length", 1, 1, fn_length},
    {"lower", 1, 1, fn_lower},           {"replace", 3, 3, fn_replace},
    {"tobool", 1, 1, fn_tobool},         {"tonumber", 1, 1, fn_tonumber},
    {"tostring", 1, 1, fn_tostring},     {"trimspace", 1, 1, fn_trimspace},
    {"upper", 1, 1, fn_upper},
};

#define MAX_ARGS 64

struct tt_val tt_call(struct tt_eval *ev, const struct tt_node *n)
{
    const struct fn_def *fn = NULL;
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        if (strcmp(functions[i].name, n->name) == 0) {
            fn = &functions[i];
        }
    }
    if (!fn) {
        tt_fail(ev, n->off, EMU_EINVAL, "unsupported function \"%s\"", n->name);
        return (struct tt_val){0};
    }
    if (n->n < fn->min_args || n->n > fn->max_args || n->n > MAX_ARGS) {
        if (fn->max_args == SIZE_MAX) {
            tt_fail(ev, n->off, EMU_EINVAL, "%s() takes at least %zu argument%s, got %zu", fn->name,
                    fn->min_args, fn->min_args == 1 ? "" : "s", n->n);
        }
        else {
            tt_fail(ev, n->off, EMU_EINVAL, "%s() takes %zu argument%s, got %zu", fn->name,
                    fn->min_args, fn->min_args == 1 ? "" : "s", n->n);
        }
        return (struct tt_val){0};
    }
    struct tt_val args[MAX_ARGS];
    size_t got = 0;
    for (; got < n->n; got++) {
        args[got] = tt_eval_expr(ev, n->items[got]);
        if (!args[got].v) {
            break;
        }
    }
    cJSON *res = NULL;
    if (got == n->n) {
        struct fn_call call = {.ev = ev, .node = n, .args = args, .n = n->n};
        res = fn->impl(&call);
    }
    for (size_t i = 0; i < got; i++) {
        tt_drop(&args[i]);
    }
    if (!res && !ev->rc) {
        tt_oom(ev, n->off);
    }
    return tt_own(res);
}
