/* SPDX-License-Identifier: Apache-2.0 */
/* Fluent Bit's JSON record shapes: the date key first, then the record's own keys, e.g.
 * {"date":1700000000.123456,"log":"hello"} for json_lines with the default date format. */
#include "emu/router/format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/base/buf.h"
#include "emu/router/mp.h"

int emu_router_json_fmt_parse(const char *s)
{
    static const char *const names[] = {"json", "json_lines", "json_stream"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -EINVAL;
}

int emu_router_date_fmt_parse(const char *s)
{
    static const char *const names[] = {"double", "epoch", "epoch_ms", "iso8601",
                                        "java_sql_timestamp"};
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -EINVAL;
}

int emu_router_format_date(int64_t sec, uint32_t nsec, int date_fmt, struct emu_buf *out)
{
    char tmp[64], when[48];
    struct tm tm;
    time_t t = (time_t)sec;
    switch (date_fmt) {
    case EMU_DATE_EPOCH:
        return emu_buf_printf(out, "%" PRId64, sec);
    case EMU_DATE_EPOCH_MS:
        return emu_buf_printf(out, "%" PRId64, emu_mp_time_ms(sec, nsec));
    case EMU_DATE_ISO8601:
    case EMU_DATE_JAVA_SQL:
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when),
                 date_fmt == EMU_DATE_ISO8601 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
        return emu_buf_printf(out, "\"%s.%06u%s\"", when, nsec / 1000u,
                              date_fmt == EMU_DATE_ISO8601 ? "Z" : "");
    default:
        snprintf(tmp, sizeof(tmp), "%.16g", (double)sec + (double)nsec / 1e9);
        if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
            return emu_buf_printf(out, "%s.0", tmp);
        }
        return emu_buf_puts(out, tmp);
    }
}

static int one(int64_t sec, uint32_t nsec, const uint8_t *rec, size_t rec_len,
               const char *date_key, int date_fmt, struct emu_buf *out)
{
    struct emu_mp m = {.p = rec, .len = rec_len};
    uint32_t n;
    if (emu_mp_read_map(&m, &n) < 0) {
        return -EBADMSG;
    }
    int r = emu_buf_putc(out, '{');
    if (r == 0 && date_key) {
        r = emu_mp_json_string(out, date_key, strlen(date_key));
        if (r == 0) {
            r = emu_buf_putc(out, ':');
        }
        if (r == 0) {
            r = emu_router_format_date(sec, nsec, date_fmt, out);
        }
        if (r == 0 && n > 0) {
            r = emu_buf_putc(out, ',');
        }
    }
    if (r == 0 && n > 0) {
        /* The record's body without its braces. */
        size_t before = out->len;
        r = emu_mp_to_json(rec, rec_len, out);
        if (r == 0) {
            memmove(out->data + before, out->data + before + 1, out->len - before - 2);
            out->len -= 2;
            out->data[out->len] = '\0';
        }
    }
    return r < 0 ? r : emu_buf_putc(out, '}');
}

int emu_router_format_json(const char *data, size_t len, int fmt, const char *date_key,
                           int date_fmt, struct emu_buf *out)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    int r = 0, first = 1;
    if (date_key && strcasecmp(date_key, "false") == 0) {
        date_key = NULL;
    }
    if (fmt == EMU_JSON_FMT_JSON) {
        r = emu_buf_putc(out, '[');
    }
    while (r == 0 && m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            return -EBADMSG;
        }
        if (fmt == EMU_JSON_FMT_JSON && !first) {
            r = emu_buf_putc(out, ',');
        }
        first = 0;
        if (r == 0) {
            r = one(sec, nsec, rec, rec_len, date_key, date_fmt, out);
        }
        if (r == 0 && fmt == EMU_JSON_FMT_LINES) {
            r = emu_buf_putc(out, '\n');
        }
    }
    if (r == 0 && fmt == EMU_JSON_FMT_JSON) {
        r = emu_buf_putc(out, ']');
    }
    return r;
}
