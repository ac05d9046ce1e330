/* SPDX-License-Identifier: Apache-2.0 */
/* MessagePack to JSON text, the way Fluent Bit prints records (escaped control characters,
 * UTF-8 passed through, doubles with %.16g), with a nesting limit. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/base/buf.h"
#include "emu/router/mp.h"

#define JSON_MAX_DEPTH 64
/* A non-string map key is formatted, then quoted as a string (as Fluent Bit does); keys inside
 * such a key are quoted again at each level, so the escaping could grow the text about twice
 * per level up to the output's ceiling (a 1 KiB forward message took 2.4 s under ASan in the
 * fuzz target). A key is at most this long: past it the record fails to format. */
#define JSON_KEY_MAX (64u * 1024u)

int emu_mp_json_string(struct emu_buf *out, const char *s, size_t len)
{
    int r = emu_buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len && r == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(tmp, sizeof(tmp), "\\u%04x", c);
                esc = tmp;
            }
            break;
        }
        if (!esc) {
            run++;
            continue;
        }
        r = emu_buf_append(out, s + i - run, run);
        run = 0;
        if (r == 0) {
            r = emu_buf_puts(out, esc);
        }
    }
    if (r == 0) {
        r = emu_buf_append(out, s + len - run, run);
    }
    return r < 0 ? r : emu_buf_putc(out, '"');
}

static int number(struct emu_mp *m, struct emu_buf *out)
{
    const uint8_t *p = m->p + m->off;
    const uint8_t *obj;
    size_t n;
    if (emu_mp_next(m, &obj, &n) < 0) {
        return -EBADMSG;
    }
    uint64_t u = 0;
    for (size_t i = 1; i < n; i++) {
        u = (u << 8) | obj[i];
    }
    if (p[0] <= 0x7f) {
        return emu_buf_printf(out, "%u", p[0]);
    }
    if (p[0] >= 0xe0) {
        return emu_buf_printf(out, "%d", (int)(int8_t)p[0]);
    }
    if (p[0] >= 0xcc && p[0] <= 0xcf) {
        return emu_buf_printf(out, "%" PRIu64, u);
    }
    int64_t v;
    switch (p[0]) {
    case 0xd0: v = (int8_t)u; break;
    case 0xd1: v = (int16_t)u; break;
    case 0xd2: v = (int32_t)u; break;
    default: v = (int64_t)u; break;
    }
    return emu_buf_printf(out, "%" PRId64, v);
}

static int floating(struct emu_mp *m, struct emu_buf *out)
{
    const uint8_t *obj;
    size_t n;
    double d;
    if (emu_mp_next(m, &obj, &n) < 0) {
        return -EBADMSG;
    }
    uint64_t u = 0;
    for (size_t i = 1; i < n; i++) {
        u = (u << 8) | obj[i];
    }
    if (obj[0] == 0xca) {
        float f;
        uint32_t u32 = (uint32_t)u;
        memcpy(&f, &u32, sizeof(f));
        d = f;
    }
    else {
        memcpy(&d, &u, sizeof(d));
    }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.16g", d);
    if (!strpbrk(tmp, ".eEin")) {
        return emu_buf_printf(out, "%s.0", tmp);
    }
    return emu_buf_puts(out, tmp);
}

static int value(struct emu_mp *m, struct emu_buf *out, int depth, int ruby);

static int container(struct emu_mp *m, struct emu_buf *out, int depth, int is_map, int ruby)
{
    uint32_t n;
    int r = is_map ? emu_mp_read_map(m, &n) : emu_mp_read_array(m, &n);
    if (r < 0) {
        return r;
    }
    r = emu_buf_putc(out, is_map ? '{' : '[');
    for (uint32_t i = 0; i < n && r == 0; i++) {
        if (i > 0) {
            r = ruby ? emu_buf_puts(out, ", ") : emu_buf_putc(out, ',');
        }
        if (r == 0 && is_map) {
            enum emu_mp_kind k = emu_mp_peek(m);
            if (k == EMU_MP_STR || k == EMU_MP_BIN) {
                r = value(m, out, depth + 1, ruby);
            }
            else {
                /* Non-string keys are quoted, as Fluent Bit does. */
                struct emu_buf tmp;
                emu_buf_init(&tmp, out->max < JSON_KEY_MAX ? out->max : JSON_KEY_MAX);
                r = value(m, &tmp, depth + 1, ruby);
                if (r == 0) {
                    r = emu_mp_json_string(out, tmp.data ? tmp.data : "", tmp.len);
                }
                emu_buf_done(&tmp);
            }
            if (r == 0) {
                r = ruby ? emu_buf_puts(out, "=>") : emu_buf_putc(out, ':');
            }
        }
        if (r == 0) {
            r = value(m, out, depth + 1, ruby);
        }
    }
    return r < 0 ? r : emu_buf_putc(out, is_map ? '}' : ']');
}

static int value(struct emu_mp *m, struct emu_buf *out, int depth, int ruby)
{
    const char *s;
    uint32_t len;
    if (depth > JSON_MAX_DEPTH) {
        return -EBADMSG;
    }
    switch (emu_mp_peek(m)) {
    case EMU_MP_NIL:
        m->off++;
        return emu_buf_puts(out, "null");
    case EMU_MP_BOOL:
        return emu_buf_puts(out, m->p[m->off++] == 0xc3 ? "true" : "false");
    case EMU_MP_INT:
        return number(m, out);
    case EMU_MP_FLOAT:
        return floating(m, out);
    case EMU_MP_STR:
    case EMU_MP_BIN:
        if (emu_mp_read_strbin(m, &s, &len) < 0) {
            return -EBADMSG;
        }
        return emu_mp_json_string(out, s, len);
    case EMU_MP_ARRAY:
        return container(m, out, depth, 0, ruby);
    case EMU_MP_MAP:
        return container(m, out, depth, 1, ruby);
    case EMU_MP_EXT:
        if (emu_mp_next(m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
        return emu_buf_puts(out, "null");
    default:
        return -EBADMSG;
    }
}

static int convert(const void *p, size_t len, struct emu_buf *out, int ruby)
{
    struct emu_mp m = {.p = p, .len = len};
    ssize_t n = emu_mp_skip(p, len);
    if (n < 0) {
        return -EBADMSG;
    }
    m.len = (size_t)n;
    return value(&m, out, 0, ruby);
}

int emu_mp_to_json(const void *p, size_t len, struct emu_buf *out)
{
    return convert(p, len, out, 0);
}

int emu_mp_to_text(const void *p, size_t len, struct emu_buf *out)
{
    return convert(p, len, out, 1);
}

static int from_cjson(const cJSON *j, struct emu_buf *out, int depth)
{
    int r = 0, n = 0;
    if (depth > JSON_MAX_DEPTH) {
        return -EBADMSG;
    }
    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        for (const cJSON *c = j->child; c; c = c->next) {
            n++;
        }
        r = cJSON_IsObject(j) ? emu_mp_put_map(out, (uint32_t)n)
                              : emu_mp_put_array(out, (uint32_t)n);
        for (const cJSON *c = j->child; c && r == 0; c = c->next) {
            if (cJSON_IsObject(j)) {
                r = emu_mp_put_str(out, c->string, strlen(c->string));
            }
            if (r == 0) {
                r = from_cjson(c, out, depth + 1);
            }
        }
        return r;
    }
    if (cJSON_IsString(j)) {
        return emu_mp_put_str(out, j->valuestring, strlen(j->valuestring));
    }
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        /* Range first: casting an out-of-range double to int64_t is undefined. */
        if (d > -9.2e18 && d < 9.2e18 && d == (double)(int64_t)d) {
            return emu_mp_put_int(out, (int64_t)d);
        }
        return emu_mp_put_double(out, d);
    }
    if (cJSON_IsBool(j)) {
        return emu_mp_put_bool(out, cJSON_IsTrue(j));
    }
    return emu_mp_put_nil(out);
}

int emu_mp_from_cjson(const struct cJSON *j, struct emu_buf *out)
{
    return from_cjson(j, out, 0);
}
