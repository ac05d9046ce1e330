/* SPDX-License-Identifier: Apache-2.0 */
/* Template evaluator: walks the tree from tftpl_parse.c against the variables, with Terraform's
 * conversions (numbers and bools into strings, "true"/"false" into conditions), map keys in
 * byte order, and the step, depth and output ceilings. Also the variable-loading helpers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/tf/tftpl_internal.h"

void tt_format_number(double v, char *buf, size_t cap)
{
    if (v == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e18) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    /* Shortest digits that read back as v, then written without an exponent ('f', -1). */
    char sci[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(sci, sizeof(sci), "%.*e", prec, v);
        if (strtod(sci, NULL) == v) {
            break;
        }
    }
    char digits[32];
    size_t nd = 0;
    const char *s = sci;
    bool neg = *s == '-';
    if (neg) {
        s++;
    }
    for (; *s && *s != 'e'; s++) {
        if (*s != '.' && nd < sizeof(digits) - 1) {
            digits[nd++] = *s;
        }
    }
    int exp10 = *s == 'e' ? (int)strtol(s + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
    }
    size_t o = 0;
    if (neg && o + 1 < cap) {
        buf[o++] = '-';
    }
    int point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        /* "0." then -point zeros then the digits */
        for (int i = 0; i < 2 - point && o + 1 < cap; i++) {
            buf[o++] = i == 1 ? '.' : '0';
        }
        for (size_t i = 0; i < nd && o + 1 < cap; i++) {
            buf[o++] = digits[i];
        }
    }
    else {
        for (int i = 0; i < point && o + 1 < cap; i++) {
            buf[o++] = (size_t)i < nd ? digits[i] : '0';
        }
        if ((size_t)point < nd && o + 1 < cap) {
            buf[o++] = '.';
            for (size_t i = (size_t)point; i < nd && o + 1 < cap; i++) {
                buf[o++] = digits[i];
            }
        }
    }
    buf[o] = '\0';
}

/* ---- Values ------------------------------------------------------------------------------ */

void tt_drop(struct tt_val *v)
{
    cJSON_Delete(v->owned);
    v->v = NULL;
    v->owned = NULL;
}

struct tt_val tt_own(cJSON *v)
{
    return (struct tt_val){.v = v, .owned = v};
}

int tt_fail(struct tt_eval *ev, size_t off, int rc, const char *fmt, ...)
{
    if (ev->rc) {
        return ev->rc;
    }
    char msg[sizeof(ev->err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tt_error_at(ev->err, ev->src, ev->len, off, "%s", msg);
    ev->rc = rc;
    return rc;
}

int tt_oom(struct tt_eval *ev, size_t off)
{
    return tt_fail(ev, off, EMU_ENOMEM, "out of memory");
}

const char *tt_type_name(const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        return "null";
    }
    if (cJSON_IsString(v)) {
        return "string";
    }
    if (cJSON_IsNumber(v)) {
        return "number";
    }
    if (cJSON_IsBool(v)) {
        return "bool";
    }
    if (cJSON_IsArray(v)) {
        return "list";
    }
    return "map";
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a;
    const cJSON *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

int tt_sorted_members(const cJSON *obj, const cJSON ***ret, size_t *ret_n)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next) {
        n++;
    }
    *ret = NULL;
    *ret_n = n;
    if (!n) {
        return 0;
    }
    const cJSON **v = emu_calloc(n, sizeof(*v));
    if (!v) {
        return EMU_ENOMEM;
    }
    size_t i = 0;
    for (const cJSON *c = obj->child; c; c = c->next) {
        v[i++] = c;
    }
    qsort(v, n, sizeof(*v), cmp_keys);
    *ret = v;
    return 0;
}

/* The last member named key (a later --var replaces an earlier one the same way). */
static const cJSON *get_member(const cJSON *obj, const char *key)
{
    const cJSON *found = NULL;
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (c->string && strcmp(c->string, key) == 0) {
            found = c;
        }
    }
    return found;
}

int tt_buf_fail(struct tt_eval *ev, size_t off, int r)
{
    if (r == EMU_ENOMEM) {
        return tt_oom(ev, off);
    }
    return tt_fail(ev, off, EMU_E2BIG, "the rendered text is larger than the %u MB limit",
                   EMU_TFTPL_MAX_OUTPUT >> 20);
}

int tt_to_string(struct tt_eval *ev, size_t off, const cJSON *v, const char *what,
                 struct emu_buf *out)
{
    if (cJSON_IsString(v)) {
        int r = emu_buf_puts(out, v->valuestring);
        return r < 0 ? tt_buf_fail(ev, off, r) : 0;
    }
    char num[64];
    const char *s = NULL;
    if (cJSON_IsNumber(v)) {
        tt_format_number(v->valuedouble, num, sizeof(num));
        s = num;
    }
    else if (cJSON_IsBool(v)) {
        s = cJSON_IsTrue(v) ? "true" : "false";
    }
    else if (!v || cJSON_IsNull(v)) {
        return tt_fail(ev, off, EMU_EINVAL,
                       "%s is null; a null value cannot be included in a "
                       "string",
                       what);
    }
    else {
        return tt_fail(ev, off, EMU_EINVAL,
                       "%s is a %s; a string is required (use jsonencode() or join())", what,
                       tt_type_name(v));
    }
    int r = emu_buf_puts(out, s);
    return r < 0 ? tt_buf_fail(ev, off, r) : 0;
}

int tt_to_bool(struct tt_eval *ev, size_t off, const cJSON *v, const char *what, bool *ret)
{
    if (cJSON_IsBool(v)) {
        *ret = cJSON_IsTrue(v);
        return 0;
    }
    if (cJSON_IsString(v) &&
        (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0)) {
        *ret = v->valuestring[0] == 't';
        return 0;
    }
    if (cJSON_IsString(v)) {
        return tt_fail(ev, off, EMU_EINVAL, "%s must be a bool, not the string \"%.60s\"", what,
                       v->valuestring);
    }
    return tt_fail(ev, off, EMU_EINVAL, "%s must be a bool, not %s %s", what,
                   v && cJSON_IsNull(v) ? "" : "a", tt_type_name(v));
}

int tt_to_number(struct tt_eval *ev, size_t off, const cJSON *v, const char *what, double *ret)
{
    if (cJSON_IsNumber(v)) {
        *ret = v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end = NULL;
        const char *s = v->valuestring;
        bool ok = (s[0] >= '0' && s[0] <= '9') ||
                  ((s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9');
        double d = ok ? strtod(s, &end) : 0;
        if (ok && end && *end == '\0' && isfinite(d)) {
            *ret = d;
            return 0;
        }
        return tt_fail(ev, off, EMU_EINVAL, "%s: cannot convert \"%.60s\" to a number", what, s);
    }
    return tt_fail(ev, off, EMU_EINVAL, "%s must be a number, not %s %s", what,
                   v && cJSON_IsNull(v) ? "" : "a", tt_type_name(v));
}

/* ---- Expressions ------------------------------------------------------------------------- */

static const char *const namespaces[] = {"var",       "local", "module", "data", "path",
                                         "terraform", "each",  "count",  "self"};

static struct tt_val eval_var(struct tt_eval *ev, const struct tt_node *n)
{
    for (size_t i = ev->n_scope; i-- > 0;) {
        if (strcmp(ev->scope[i].name, n->name) == 0) {
            return (struct tt_val){.v = ev->scope[i].value};
        }
    }
    const cJSON *v = get_member(ev->vars, n->name);
    if (v) {
        return (struct tt_val){.v = v};
    }
    for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
        if (strcmp(n->name, namespaces[i]) == 0) {
            tt_fail(ev, n->off, EMU_EINVAL,
                    "variable \"%s\" is not defined: a template sees only the variables passed "
                    "to templatefile(), not %s.* (pass the value as a template variable)",
                    n->name, n->name);
            return (struct tt_val){0};
        }
    }
    tt_fail(ev, n->off, EMU_EINVAL, "variable \"%s\" is not defined", n->name);
    return (struct tt_val){0};
}

/* Takes child out of an owned or borrowed container value. */
static struct tt_val take_child(struct tt_val *parent, const cJSON *child)
{
    if (!parent->owned) {
        return (struct tt_val){.v = child};
    }
    cJSON *c = parent->owned->child;
    while (c && c != child) {
        c = c->next;
    }
    c = cJSON_DetachItemViaPointer(parent->owned, c);
    tt_drop(parent);
    return tt_own(c);
}

static struct tt_val eval_index(struct tt_eval *ev, const struct tt_node *n)
{
    struct tt_val obj = tt_eval_expr(ev, n->a);
    if (!obj.v) {
        return obj;
    }
    const char *attr = n->kind == TT_ATTR ? n->name : NULL;
    struct tt_val key = {0};
    char numbuf[64];
    if (!attr) {
        key = tt_eval_expr(ev, n->bn);
        if (!key.v) {
            tt_drop(&obj);
            return key;
        }
    }
    struct tt_val res = {0};
    if (cJSON_IsArray(obj.v)) {
        double d = 0;
        if (attr) {
            tt_fail(ev, n->off, EMU_EINVAL, "a list has no attribute \"%s\" (use [index])", attr);
        }
        else if (tt_to_number(ev, n->bn->off, key.v, "the list index", &d) == 0) {
            int size = cJSON_GetArraySize(obj.v);
            if (d != floor(d) || d < 0 || d >= size) {
                tt_format_number(d, numbuf, sizeof(numbuf));
                tt_fail(ev, n->bn->off, EMU_EINVAL,
                        "index %s is out of range for a list of %d element%s", numbuf, size,
                        size == 1 ? "" : "s");
            }
            else {
                res = take_child(&obj, cJSON_GetArrayItem(obj.v, (int)d));
            }
        }
    }
    else if (cJSON_IsObject(obj.v)) {
        struct emu_buf kb;
        emu_buf_init(&kb, 4096);
        if (attr || tt_to_string(ev, n->bn->off, key.v, "the map key", &kb) == 0) {
            const char *k = attr ? attr : kb.data ? kb.data : "";
            const cJSON *child = get_member(obj.v, k);
            if (!child) {
                tt_fail(ev, attr ? n->off : n->bn->off, EMU_EINVAL,
                        "the map has no element \"%.80s\"", k);
            }
            else {
                res = take_child(&obj, child);
            }
        }
        emu_buf_done(&kb);
    }
    else {
        tt_fail(ev, n->off, EMU_EINVAL, "cannot %s a %s value",
                attr ? "read an attribute of" : "index", tt_type_name(obj.v));
    }
    tt_drop(&key);
    if (!res.v) {
        tt_drop(&obj);
    }
    return res;
}

static bool values_equal(const cJSON *a, const cJSON *b)
{
    bool an = !a || cJSON_IsNull(a), bnull = !b || cJSON_IsNull(b);
    if (an || bnull) {
        return an && bnull;
    }
    if (strcmp(tt_type_name(a), tt_type_name(b)) != 0) {
        return false;
    }
    if (cJSON_IsString(a)) {
        return strcmp(a->valuestring, b->valuestring) == 0;
    }
    if (cJSON_IsNumber(a)) {
        return a->valuedouble == b->valuedouble;
    }
    if (cJSON_IsBool(a)) {
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    }
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next) {
            if (!values_equal(x, y)) {
                return false;
            }
        }
        return !x && !y;
    }
    size_t na = 0, nb = 0;
    for (const cJSON *x = a->child; x; x = x->next) {
        na++;
        const cJSON *y = get_member(b, x->string);
        if (!y || !values_equal(x, y)) {
            return false;
        }
    }
    for (const cJSON *y = b->child; y; y = y->next) {
        nb++;
    }
    return na == nb;
}

static struct tt_val eval_binop(struct tt_eval *ev, const struct tt_node *n)
{
    struct tt_val a = tt_eval_expr(ev, n->a);
    if (!a.v) {
        return a;
    }
    if (n->op == TT_OP_OR || n->op == TT_OP_AND) {
        bool x = false, y = false;
        const char *what = n->op == TT_OP_OR ? "an operand of ||" : "an operand of &&";
        if (tt_to_bool(ev, n->a->off, a.v, what, &x) < 0) {
            tt_drop(&a);
            return (struct tt_val){0};
        }
        tt_drop(&a);
        struct tt_val b = tt_eval_expr(ev, n->bn);
        if (!b.v || tt_to_bool(ev, n->bn->off, b.v, what, &y) < 0) {
            tt_drop(&b);
            return (struct tt_val){0};
        }
        tt_drop(&b);
        cJSON *r = cJSON_CreateBool(n->op == TT_OP_OR ? (x || y) : (x && y));
        if (!r) {
            tt_oom(ev, n->off);
        }
        return tt_own(r);
    }
    struct tt_val b = tt_eval_expr(ev, n->bn);
    if (!b.v) {
        tt_drop(&a);
        return b;
    }
    cJSON *r = NULL;
    if (n->op == TT_OP_EQ || n->op == TT_OP_NE) {
        bool eq = values_equal(a.v, b.v);
        r = cJSON_CreateBool(n->op == TT_OP_EQ ? eq : !eq);
    }
    else {
        double x = 0, y = 0;
        if (tt_to_number(ev, n->a->off, a.v, "an arithmetic operand", &x) == 0 &&
            tt_to_number(ev, n->bn->off, b.v, "an arithmetic operand", &y) == 0) {
            switch (n->op) {
            case TT_OP_LT:
                r = cJSON_CreateBool(x < y);
                break;
            case TT_OP_LE:
                r = cJSON_CreateBool(x <= y);
                break;
            case TT_OP_GT:
                r = cJSON_CreateBool(x > y);
                break;
            case TT_OP_GE:
                r = cJSON_CreateBool(x >= y);
                break;
            case TT_OP_ADD:
                r = cJSON_CreateNumber(x + y);
                break;
            case TT_OP_SUB:
                r = cJSON_CreateNumber(x - y);
                break;
            case TT_OP_MUL:
                r = cJSON_CreateNumber(x * y);
                break;
            default:
                if (y == 0) {
                    tt_fail(ev, n->off, EMU_EINVAL, "division by zero");
                    break;
                }
                r = cJSON_CreateNumber(n->op == TT_OP_DIV ? x / y : fmod(x, y));
                break;
            }
            if (r && cJSON_IsNumber(r) && !isfinite(r->valuedouble)) {
                cJSON_Delete(r);
                r = NULL;
                tt_fail(ev, n->off, EMU_EINVAL, "the result of the arithmetic is out of range");
            }
            else if (!r) {
                tt_oom(ev, n->off);
            }
        }
    }
    tt_drop(&a);
    tt_drop(&b);
    if (!r && !ev->rc) {
        tt_oom(ev, n->off);
    }
    return tt_own(r);
}

static struct tt_val eval_collection(struct tt_eval *ev, const struct tt_node *n)
{
    bool object = n->kind == TT_OBJECT;
    cJSON *res = object ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!res) {
        tt_oom(ev, n->off);
        return (struct tt_val){0};
    }
    for (size_t i = 0; i < n->n; i++) {
        struct emu_buf kb;
        emu_buf_init(&kb, 64u * 1024u);
        if (object) {
            struct tt_val k = tt_eval_expr(ev, n->keys[i]);
            int r = k.v ? tt_to_string(ev, n->keys[i]->off, k.v, "an object key", &kb) : -1;
            tt_drop(&k);
            if (r < 0 || (!kb.data && emu_buf_append(&kb, "", 0) < 0)) {
                emu_buf_done(&kb);
                cJSON_Delete(res);
                if (!ev->rc) {
                    tt_oom(ev, n->off);
                }
                return (struct tt_val){0};
            }
        }
        struct tt_val v = tt_eval_expr(ev, n->items[i]);
        cJSON *item = !v.v ? NULL : v.owned ? v.owned : cJSON_Duplicate(v.v, 1);
        if (!item) {
            emu_buf_done(&kb);
            cJSON_Delete(res);
            if (!ev->rc) {
                tt_oom(ev, n->off);
            }
            return (struct tt_val){0};
        }
        bool added;
        if (object) {
            cJSON_DeleteItemFromObjectCaseSensitive(res, kb.data); /* a later key wins */
            added = cJSON_AddItemToObject(res, kb.data, item);
        }
        else {
            added = cJSON_AddItemToArray(res, item);
        }
        emu_buf_done(&kb);
        if (!added) {
            cJSON_Delete(item);
            cJSON_Delete(res);
            tt_oom(ev, n->off);
            return (struct tt_val){0};
        }
    }
    return tt_own(res);
}

struct tt_val tt_eval_expr(struct tt_eval *ev, const struct tt_node *n)
{
    if (ev->rc) {
        return (struct tt_val){0};
    }
    if (++ev->steps > EMU_TFTPL_MAX_STEPS) {
        tt_fail(ev, n->off, EMU_E2BIG, "the template takes more than %lu evaluation steps",
                EMU_TFTPL_MAX_STEPS);
        return (struct tt_val){0};
    }
    cJSON *r = NULL;
    switch (n->kind) {
    case TT_NUM:
        r = cJSON_CreateNumber(n->num);
        break;
    case TT_BOOL:
        r = cJSON_CreateBool(n->b);
        break;
    case TT_NULL:
        r = cJSON_CreateNull();
        break;
    case TT_STR: {
        struct emu_buf out;
        emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
        if (tt_render_seq(ev, n->a, &out) == 0) {
            r = cJSON_CreateString(out.data ? out.data : "");
        }
        emu_buf_done(&out);
        if (ev->rc) {
            return (struct tt_val){0};
        }
        break;
    }
    case TT_VAR:
        return eval_var(ev, n);
    case TT_ATTR:
    case TT_INDEX:
        return eval_index(ev, n);
    case TT_CALL:
        return tt_call(ev, n);
    case TT_COND: {
        struct tt_val c = tt_eval_expr(ev, n->a);
        bool b = false;
        if (!c.v || tt_to_bool(ev, n->a->off, c.v, "the condition", &b) < 0) {
            tt_drop(&c);
            return (struct tt_val){0};
        }
        tt_drop(&c);
        return tt_eval_expr(ev, b ? n->bn : n->c);
    }
    case TT_BINOP:
        return eval_binop(ev, n);
    case TT_UNARY: {
        struct tt_val a = tt_eval_expr(ev, n->a);
        if (!a.v) {
            return a;
        }
        if (n->op == TT_OP_NOT) {
            bool b = false;
            if (tt_to_bool(ev, n->a->off, a.v, "the operand of !", &b) == 0) {
                r = cJSON_CreateBool(!b);
            }
        }
        else {
            double d = 0;
            if (tt_to_number(ev, n->a->off, a.v, "the operand of -", &d) == 0) {
                r = cJSON_CreateNumber(-d);
            }
        }
        tt_drop(&a);
        if (ev->rc) {
            return (struct tt_val){0};
        }
        break;
    }
    case TT_TUPLE:
    case TT_OBJECT:
        return eval_collection(ev, n);
    default:
        tt_fail(ev, n->off, EMU_EINVAL, "not an expression");
        return (struct tt_val){0};
    }
    if (!r) {
        tt_oom(ev, n->off);
    }
    return tt_own(r);
}

/* ---- Template sequences ------------------------------------------------------------------ */

static int push_scope(struct tt_eval *ev, const char *name, const cJSON *value)
{
    if (ev->n_scope >= sizeof(ev->scope) / sizeof(ev->scope[0])) {
        return EMU_E2BIG;
    }
    ev->scope[ev->n_scope].name = name;
    ev->scope[ev->n_scope].value = value;
    ev->n_scope++;
    return 0;
}

static int render_for(struct tt_eval *ev, const struct tt_node *n, struct emu_buf *out)
{
    struct tt_val coll = tt_eval_expr(ev, n->a);
    if (!coll.v) {
        return ev->rc;
    }
    if (!cJSON_IsArray(coll.v) && !cJSON_IsObject(coll.v)) {
        tt_fail(ev, n->a->off, EMU_EINVAL, "a for directive needs a list or a map, not %s %s",
                cJSON_IsNull(coll.v) ? "" : "a", tt_type_name(coll.v));
        tt_drop(&coll);
        return ev->rc;
    }
    size_t base = ev->n_scope;
    if (cJSON_IsArray(coll.v)) {
        size_t i = 0;
        for (const cJSON *c = coll.v->child; c && !ev->rc; c = c->next, i++) {
            cJSON *idx = n->name ? cJSON_CreateNumber((double)i) : NULL;
            if (n->name && !idx) {
                tt_oom(ev, n->off);
                break;
            }
            if ((n->name && push_scope(ev, n->name, idx) < 0) || push_scope(ev, n->name2, c) < 0) {
                tt_fail(ev, n->off, EMU_E2BIG, "for directives are nested too deeply");
            }
            else {
                (void)tt_render_seq(ev, n->bn, out);
            }
            ev->n_scope = base;
            cJSON_Delete(idx);
        }
    }
    else {
        const cJSON **members = NULL;
        size_t nm = 0;
        if (tt_sorted_members(coll.v, &members, &nm) < 0) {
            tt_oom(ev, n->off);
        }
        for (size_t i = 0; i < nm && !ev->rc; i++) {
            cJSON *key = n->name ? cJSON_CreateString(members[i]->string) : NULL;
            if (n->name && !key) {
                tt_oom(ev, n->off);
                break;
            }
            if ((n->name && push_scope(ev, n->name, key) < 0) ||
                push_scope(ev, n->name2, members[i]) < 0) {
                tt_fail(ev, n->off, EMU_E2BIG, "for directives are nested too deeply");
            }
            else {
                (void)tt_render_seq(ev, n->bn, out);
            }
            ev->n_scope = base;
            cJSON_Delete(key);
        }
        emu_free(members);
    }
    tt_drop(&coll);
    return ev->rc;
}

int tt_render_seq(struct tt_eval *ev, const struct tt_node *seq, struct emu_buf *out)
{
    if (ev->depth >= EMU_TFTPL_MAX_DEPTH * 2) {
        return tt_fail(ev, seq->off, EMU_E2BIG, "the template is nested too deeply");
    }
    ev->depth++;
    for (size_t i = 0; i < seq->n && !ev->rc; i++) {
        const struct tt_node *n = seq->items[i];
        if (++ev->steps > EMU_TFTPL_MAX_STEPS) {
            tt_fail(ev, n->off, EMU_E2BIG, "the template takes more than %lu evaluation steps",
                    EMU_TFTPL_MAX_STEPS);
            break;
        }
        switch (n->kind) {
        case TT_LIT: {
            int r = emu_buf_append(out, n->text, n->len);
            if (r < 0) {
                tt_buf_fail(ev, n->off, r);
            }
            break;
        }
        case TT_INTERP: {
            struct tt_val v = tt_eval_expr(ev, n->a);
            if (v.v) {
                (void)tt_to_string(ev, n->a->off, v.v, "the interpolated value", out);
            }
            tt_drop(&v);
            break;
        }
        case TT_IF: {
            struct tt_val c = tt_eval_expr(ev, n->a);
            bool b = false;
            if (c.v && tt_to_bool(ev, n->a->off, c.v, "the if condition", &b) == 0) {
                const struct tt_node *branch = b ? n->bn : n->c;
                if (branch) {
                    (void)tt_render_seq(ev, branch, out);
                }
            }
            tt_drop(&c);
            break;
        }
        case TT_FOR:
            (void)render_for(ev, n, out);
            break;
        default:
            tt_fail(ev, n->off, EMU_EINVAL, "not a template part");
            break;
        }
    }
    ev->depth--;
    return ev->rc;
}

int emu_tftpl_render(const char *tpl, size_t len, const cJSON *vars, struct emu_buf *out,
                     struct emu_tftpl_error *err)
{
    memset(err, 0, sizeof(*err));
    emu_json_init();
    if (len > EMU_TFTPL_MAX_OUTPUT) {
        snprintf(err->message, sizeof(err->message), "the template is larger than the %u MB limit",
                 EMU_TFTPL_MAX_OUTPUT >> 20);
        err->line = 1;
        err->column = 1;
        return EMU_E2BIG;
    }
    struct emu_arena arena;
    emu_arena_init(&arena, 64u * len + 1024u * 1024u); /* tree nodes: bounded by the input */
    struct tt_node *root = NULL;
    int r = tt_parse(tpl, len, &arena, &root, err);
    if (r == 0) {
        struct tt_eval *ev = emu_calloc(1, sizeof(*ev));
        if (!ev) {
            r = EMU_ENOMEM;
        }
        else {
            *ev = (struct tt_eval){.src = tpl, .len = len, .vars = vars, .err = err};
            size_t before = out->len;
            r = tt_render_seq(ev, root, out);
            if (r < 0 && out->data) {
                out->len = before;
                out->data[before] = '\0';
            }
            emu_free(ev);
        }
    }
    if (r == EMU_ENOMEM && !err->message[0]) {
        snprintf(err->message, sizeof(err->message), "out of memory");
    }
    emu_arena_done(&arena);
    return r;
}

/* ---- Variables --------------------------------------------------------------------------- */

int emu_tftpl_valid_name(const char *name)
{
    if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                   name[0] == '_')) {
        return 0;
    }
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static int set_var(cJSON *vars, const char *name, cJSON *v)
{
    if (!v) {
        return EMU_ENOMEM;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(vars, name);
    if (!cJSON_AddItemToObject(vars, name, v)) {
        cJSON_Delete(v);
        return EMU_ENOMEM;
    }
    return 0;
}

int emu_tftpl_var_string(cJSON *vars, const char *name, const char *value)
{
    emu_json_init();
    return set_var(vars, name, cJSON_CreateString(value));
}

int emu_tftpl_var_json(cJSON *vars, const char *name, const char *json)
{
    cJSON *v = NULL;
    struct emu_json_error jerr;
    int r = emu_json_parse(json, strlen(json), &v, &jerr);
    if (r < 0) {
        return r;
    }
    return set_var(vars, name, v);
}

int emu_tftpl_var_file(cJSON *vars, const char *json, size_t len)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    int r = emu_json_parse(json, len, &root, &jerr);
    if (r < 0) {
        return r;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return EMU_EJSON;
    }
    while (root->child) {
        cJSON *c = cJSON_DetachItemViaPointer(root, root->child);
        cJSON_DeleteItemFromObjectCaseSensitive(vars, c->string);
        /* cJSON copies the key before it frees the item's own, so c->string may be passed. */
        if (!cJSON_AddItemToObject(vars, c->string, c)) {
            cJSON_Delete(c);
            cJSON_Delete(root);
            return EMU_ENOMEM;
        }
    }
    cJSON_Delete(root);
    return 0;
}
