/* SPDX-License-Identifier: Apache-2.0 */
/* The botocore-worded schema check of the task-definition parser, and the Python-style value
 * printing its messages need. Templates copy botocore's ParamValidator word for word. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/model/parse_util.h"

/* ---- Python-style printing ---------------------------------------------------------------- */

struct pyout {
    char *p;
    size_t len;
    size_t cap; /* usable bytes, excluding room for "...\0" */
    bool cut;
};

static void py_put(struct pyout *o, const char *s, size_t n)
{
    if (o->cut) {
        return;
    }
    if (n > o->cap - o->len) {
        n = o->cap - o->len;
        o->cut = true;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void py_puts(struct pyout *o, const char *s)
{
    py_put(o, s, strlen(s));
}

static void py_float(struct pyout *o, double v)
{
    char buf[64];
    if (isnan(v)) {
        py_puts(o, "nan");
        return;
    }
    if (isinf(v)) {
        py_puts(o, v < 0 ? "-inf" : "inf");
        return;
    }
    /* Shortest round-tripping digits, then Python's layout: fixed for 1e-4 <= |v| < 1e16. */
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
    char *e = strchr(buf, 'e');
    if (!e) {
        py_puts(o, buf);
        return;
    }
    int exp = (int)strtol(e + 1, NULL, 10);
    *e = '\0';
    char digits[40];
    size_t nd = 0;
    bool neg = buf[0] == '-';
    for (const char *s = buf; *s && nd < sizeof(digits) - 1; s++) {
        if (*s >= '0' && *s <= '9') {
            digits[nd++] = *s;
        }
    }
    digits[nd] = '\0';
    char out[96];
    size_t n = 0;
    if (neg) {
        out[n++] = '-';
    }
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = -1; i > exp; i--) {
                out[n++] = '0';
            }
            for (size_t i = 0; i < nd; i++) {
                out[n++] = digits[i];
            }
        }
        else {
            for (int i = 0; i <= exp; i++) {
                out[n++] = (size_t)i < nd ? digits[i] : '0';
            }
            out[n++] = '.';
            if ((size_t)exp + 1 < nd) {
                for (size_t i = (size_t)exp + 1; i < nd; i++) {
                    out[n++] = digits[i];
                }
            }
            else {
                out[n++] = '0';
            }
        }
        out[n] = '\0';
    }
    else {
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            for (size_t i = 1; i < nd; i++) {
                out[n++] = digits[i];
            }
        }
        out[n] = '\0';
        char ex[16];
        snprintf(ex, sizeof(ex), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        size_t el = strlen(ex);
        memcpy(out + n, ex, el + 1);
    }
    py_puts(o, out);
}

static void py_repr_str(struct pyout *o, const char *s)
{
    bool has_sq = strchr(s, '\'') != NULL;
    bool has_dq = strchr(s, '"') != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    py_put(o, &q, 1);
    for (const unsigned char *p = (const unsigned char *)s; *p && !o->cut; p++) {
        char esc[8];
        if (*p == '\\') {
            py_puts(o, "\\\\");
        }
        else if (*p == (unsigned char)q) {
            esc[0] = '\\';
            esc[1] = (char)q;
            py_put(o, esc, 2);
        }
        else if (*p == '\n') {
            py_puts(o, "\\n");
        }
        else if (*p == '\r') {
            py_puts(o, "\\r");
        }
        else if (*p == '\t') {
            py_puts(o, "\\t");
        }
        else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
            py_puts(o, esc);
        }
        else {
            py_put(o, (const char *)p, 1);
        }
    }
    py_put(o, &q, 1);
}

bool pu_number_is_int(const cJSON *item)
{
    if (!cJSON_IsNumber(item)) {
        return false;
    }
    double v = item->valuedouble;
    return isfinite(v) && fabs(v) < 1e16 && floor(v) == v;
}

static void py_value(struct pyout *o, const cJSON *item, bool top, unsigned depth)
{
    char buf[48];
    if (depth > 64) {
        py_puts(o, "...");
        o->cut = true;
        return;
    }
    switch (item->type & 0xff) {
    case cJSON_NULL:
        py_puts(o, "None");
        break;
    case cJSON_True:
        py_puts(o, "True");
        break;
    case cJSON_False:
        py_puts(o, "False");
        break;
    case cJSON_Number:
        if (pu_number_is_int(item)) {
            snprintf(buf, sizeof(buf), "%lld", (long long)item->valuedouble);
            py_puts(o, buf);
        }
        else {
            py_float(o, item->valuedouble);
        }
        break;
    case cJSON_String:
        if (top) {
            py_puts(o, item->valuestring ? item->valuestring : "");
        }
        else {
            py_repr_str(o, item->valuestring ? item->valuestring : "");
        }
        break;
    case cJSON_Array: {
        py_puts(o, "[");
        for (const cJSON *c = item->child; c && !o->cut; c = c->next) {
            py_value(o, c, false, depth + 1);
            if (c->next) {
                py_puts(o, ", ");
            }
        }
        py_puts(o, "]");
        break;
    }
    case cJSON_Object: {
        py_puts(o, "{");
        for (const cJSON *c = item->child; c && !o->cut; c = c->next) {
            py_repr_str(o, c->string ? c->string : "");
            py_puts(o, ": ");
            py_value(o, c, false, depth + 1);
            if (c->next) {
                py_puts(o, ", ");
            }
        }
        py_puts(o, "}");
        break;
    }
    default:
        py_puts(o, "?");
        break;
    }
}

void pu_py_str(const cJSON *item, char *out, size_t cap)
{
    if (cap < 8) {
        if (cap) {
            out[0] = '\0';
        }
        return;
    }
    struct pyout o = {.p = out, .cap = cap - 4};
    py_value(&o, item, true, 0);
    if (o.cut) {
        memcpy(out + o.len, "...", 3);
        o.len += 3;
    }
    out[o.len] = '\0';
}

const char *pu_py_type(const cJSON *item)
{
    switch (item->type & 0xff) {
    case cJSON_NULL:
        return "<class 'NoneType'>";
    case cJSON_True:
    case cJSON_False:
        return "<class 'bool'>";
    case cJSON_Number:
        return pu_number_is_int(item) ? "<class 'int'>" : "<class 'float'>";
    case cJSON_String:
        return "<class 'str'>";
    case cJSON_Array:
        return "<class 'list'>";
    case cJSON_Object:
        return "<class 'dict'>";
    default:
        return "<class 'object'>";
    }
}

/* ---- Schema check ---------------------------------------------------------------------------- */

static void invalid_type(struct pu_ctx *ctx, const cJSON *item, const char *valid)
{
    char val[512];
    pu_py_str(item, val, sizeof(val));
    pu_diag(ctx, EMU_DIAG_ERROR,
            "Invalid type for parameter %s, value: %s, type: %s, valid types: %s",
            pu_path_name(ctx), val, pu_py_type(item), valid);
}

bool pu_is_int_text(const char *s)
{
    if (*s == '-') {
        s++;
    }
    size_t n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        n++;
    }
    return *s == '\0' && n > 0 && n <= 15;
}

/* The Terraform AWS provider decodes container_definitions with Go's encoding/json, which
 * refuses a quoted number or boolean ("json: cannot unmarshal string into Go struct field ...";
 * terraform-provider-aws issues #35956, #38620), so `terraform apply` would fail: an error
 * here too, though the value is still read so the rest of the definition gets validated. */
static void lenient_note(struct pu_ctx *ctx, const cJSON *item, const char *what)
{
    pu_diag(ctx, EMU_DIAG_ERROR,
            "Invalid type for parameter %s, value: \"%.64s\" is a string, not %s: the Terraform "
            "AWS provider refuses it (json: cannot unmarshal string); write it without quotes",
            pu_path_name(ctx), item->valuestring, what);
}

static void check_struct(struct pu_ctx *ctx, const cJSON *item, const struct pu_shape *shape);

void pu_check(struct pu_ctx *ctx, const cJSON *item, const struct pu_shape *shape)
{
    if (cJSON_IsNull(item) && ctx->lenient) {
        return; /* Go's encoding/json reads null as absent */
    }
    switch (shape->kind) {
    case PU_STRING:
        if (!cJSON_IsString(item)) {
            invalid_type(ctx, item, "<class 'str'>");
        }
        else if (shape->min_len && strlen(item->valuestring) < shape->min_len) {
            pu_diag(ctx, EMU_DIAG_ERROR,
                    "Invalid length for parameter %s, value: %zu, valid min length: %zu",
                    pu_path_name(ctx), strlen(item->valuestring), shape->min_len);
        }
        break;
    case PU_STRING_OR_NUMBER:
        if (!cJSON_IsString(item) && !cJSON_IsNumber(item)) {
            invalid_type(ctx, item, "<class 'str'>");
        }
        break;
    case PU_INT:
        if (pu_number_is_int(item)) {
            break;
        }
        if (ctx->lenient && cJSON_IsString(item) && pu_is_int_text(item->valuestring)) {
            lenient_note(ctx, item, "a number");
            break;
        }
        invalid_type(ctx, item, "<class 'int'>");
        break;
    case PU_BOOL:
        if (cJSON_IsBool(item)) {
            break;
        }
        if (ctx->lenient && cJSON_IsString(item) &&
            (strcmp(item->valuestring, "true") == 0 || strcmp(item->valuestring, "false") == 0)) {
            lenient_note(ctx, item, "a boolean");
            break;
        }
        invalid_type(ctx, item, "<class 'bool'>");
        break;
    case PU_TIMESTAMP:
        if (!cJSON_IsString(item) && !cJSON_IsNumber(item)) {
            invalid_type(ctx, item, "<class 'datetime.datetime'>, timestamp-string");
        }
        break;
    case PU_LIST:
        if (!cJSON_IsArray(item)) {
            invalid_type(ctx, item, "<class 'list'>, <class 'tuple'>");
            break;
        }
        {
            size_t i = 0;
            for (const cJSON *c = item->child; c; c = c->next, i++) {
                size_t old = pu_path_index(ctx, i);
                pu_check(ctx, c, shape->elem);
                pu_path_pop(ctx, old);
            }
        }
        break;
    case PU_MAP:
        if (!cJSON_IsObject(item)) {
            invalid_type(ctx, item, "<class 'dict'>");
            break;
        }
        for (const cJSON *c = item->child; c; c = c->next) {
            size_t old = pu_path_key(ctx, c->string ? c->string : "");
            pu_check(ctx, c, shape->elem);
            pu_path_pop(ctx, old);
        }
        break;
    case PU_STRUCT:
        check_struct(ctx, item, shape);
        break;
    }
}

static const struct pu_member *find_member(const struct pu_shape *shape, const char *name)
{
    for (size_t i = 0; i < shape->n_members; i++) {
        if (strcmp(shape->members[i].name, name) == 0) {
            return &shape->members[i];
        }
    }
    return NULL;
}

/* "a, b, c": the members in model order, as botocore lists them. */
static void member_names(const struct pu_shape *shape, char *names, size_t cap)
{
    size_t nl = 0;
    names[0] = '\0';
    for (size_t i = 0; i < shape->n_members; i++) {
        int n = snprintf(names + nl, cap - nl, "%s%s", i ? ", " : "", shape->members[i].name);
        if (n < 0 || (size_t)n >= cap - nl) {
            break;
        }
        nl += (size_t)n;
    }
}

static void check_struct(struct pu_ctx *ctx, const cJSON *item, const struct pu_shape *shape)
{
    if (!cJSON_IsObject(item)) {
        invalid_type(ctx, item, "<class 'dict'>");
        return;
    }
    for (size_t i = 0; i < shape->n_required; i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, shape->required[i]);
        if (!m) {
            char where[PU_PATH_MAX];
            snprintf(where, sizeof(where), "%s", ctx->path);
            size_t old = pu_path_key(ctx, shape->required[i]);
            pu_diag(ctx, EMU_DIAG_ERROR, "Missing required parameter in %s: \"%s\"",
                    where[0] ? where : "input", shape->required[i]);
            pu_path_pop(ctx, old);
        }
    }
    char names[1024];
    names[0] = '\0';
    for (const cJSON *c = item->child; c; c = c->next) {
        const char *key = c->string ? c->string : "";
        if (find_member(shape, key)) {
            continue;
        }
        if (!names[0]) {
            member_names(shape, names, sizeof(names));
        }
        char parent[PU_PATH_MAX];
        snprintf(parent, sizeof(parent), "%s", pu_path_name(ctx));
        size_t old = pu_path_key(ctx, key);
        if (ctx->lenient) {
            if (strcmp(key, "networkMode") == 0) {
                pu_diag(ctx, EMU_DIAG_WARNING,
                        "Unknown parameter in %s: \"%.200s\" (networkMode is a task-level "
                        "setting, not a container one), ignoring",
                        parent, key);
            }
            else {
                pu_diag(ctx, EMU_DIAG_WARNING,
                        "Unknown parameter in %s: \"%.200s\", must be one of: %s, ignoring", parent,
                        key, names);
            }
        }
        else {
            pu_diag(ctx, EMU_DIAG_ERROR, "Unknown parameter in %s: \"%.200s\", must be one of: %s",
                    parent, key, names);
        }
        pu_path_pop(ctx, old);
    }
    for (const cJSON *c = item->child; c; c = c->next) {
        const struct pu_member *m = find_member(shape, c->string ? c->string : "");
        if (!m) {
            continue;
        }
        size_t old = pu_path_key(ctx, m->name);
        pu_check(ctx, c, m->shape);
        pu_path_pop(ctx, old);
    }
}
