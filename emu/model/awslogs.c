/* SPDX-License-Identifier: Apache-2.0 */
/* awslogs.h: option parsing with Docker's checks, ECS's stream name, the strftime-to-regex
 * table of Docker's awslogs driver, and the line joiner (the regex engine is the caller's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/model/awslogs.h"

static const char *opt(const struct emu_kv_list *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            return l->items[i].value;
        }
    }
    return NULL;
}

/* Docker's units.RAMInBytes for the usual forms: "1m", "512k", "4MB", "1048576". */
static int parse_size(const char *s, size_t *ret)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || v < 0) {
        return -EINVAL;
    }
    double mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024.0; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024.0 * 1024.0; end++; break;
    default: break;
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end || v * mul > 1e12) {
        return -EINVAL;
    }
    *ret = (size_t)(v * mul);
    return 0;
}

int emu_awslogs_parse(const struct emu_kv_list *options, struct emu_awslogs_opts *ret,
                      char *why, size_t why_len)
{
    *ret = (struct emu_awslogs_opts){
        .group = opt(options, "awslogs-group"),
        .region = opt(options, "awslogs-region"),
        .stream_prefix = opt(options, "awslogs-stream-prefix"),
        .datetime_format = opt(options, "awslogs-datetime-format"),
        .multiline_pattern = opt(options, "awslogs-multiline-pattern"),
        .max_buffer = EMU_AWSLOGS_DEFAULT_BUFFER,
    };
    const char *cg = opt(options, "awslogs-create-group");
    const char *mode = opt(options, "mode");
    const char *mbs = opt(options, "max-buffer-size");
    if (cg && strcmp(cg, "true") != 0 && strcmp(cg, "false") != 0) {
        (void)snprintf(why, why_len, "strconv.ParseBool: parsing \"%s\": invalid syntax", cg);
        return -EINVAL;
    }
    ret->create_group = cg && strcmp(cg, "true") == 0;
    if (mode && strcmp(mode, "blocking") != 0 && strcmp(mode, "non-blocking") != 0) {
        (void)snprintf(why, why_len, "logger: logger mode not supported: %s", mode);
        return -EINVAL;
    }
    ret->non_blocking = mode && strcmp(mode, "non-blocking") == 0;
    if (mbs && (!ret->non_blocking || parse_size(mbs, &ret->max_buffer) < 0)) {
        (void)snprintf(why, why_len, ret->non_blocking ? "logger: invalid max buffer size: %s"
                                                       : "logger: option max-buffer-size is "
                                                         "only valid with mode non-blocking%s",
                       ret->non_blocking ? mbs : "");
        return -EINVAL;
    }
    if (ret->datetime_format && ret->multiline_pattern) {
        (void)snprintf(why, why_len, "you cannot configure log opt 'awslogs-datetime-format' "
                                     "and 'awslogs-multiline-pattern' at the same time");
        return -EINVAL;
    }
    if (!ret->group) {
        (void)snprintf(why, why_len, "must specify a value for log opt 'awslogs-group'");
        return -EINVAL;
    }
    return 0;
}

int emu_awslogs_stream(const struct emu_awslogs_opts *o, const char *container,
                       const char *task_id, const char *docker_id, char *out, size_t n)
{
    int w = o->stream_prefix && o->stream_prefix[0]
                ? snprintf(out, n, "%s/%s/%s", o->stream_prefix, container, task_id)
                : snprintf(out, n, "%s", docker_id);
    return w > 0 && (size_t)w < n ? 0 : -E2BIG;
}

/* Docker's strftimeToRegex table. */
static const struct {
    char spec;
    const char *re;
} DATETIME[] = {
    {'a', "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"},
    {'A', "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"},
    {'b', "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"},
    {'B', "(?:January|February|March|April|May|June|July|August|September|October|November|"
          "December)"},
    {'d', "(?:0[1-9]|[1,2][0-9]|3[0,1])"},
    {'H', "(?:[0,1][0-9]|2[0-3])"},
    {'I', "(?:0[0-9]|1[0-2])"},
    {'j', "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])"},
    {'L', "\\.\\d{3}"},
    {'m', "(?:0[1-9]|1[0-2])"},
    {'M', "[0-5][0-9]"},
    {'p', "[A,P]M"},
    {'S', "[0-5][0-9]"},
    {'U', "(?:0[0-9]|[1-4][0-9]|5[0-3])"},
    {'w', "[0-6]"},
    {'W', "(?:0[0-9]|[1-4][0-9]|5[0-3])"},
    {'y', "\\d{2}"},
    {'Y', "\\d{4}"},
    {'z', "[+-]\\d{4}"},
    {'Z', "[A-Z]{1,4}T"},
};

int emu_awslogs_start_regex(const struct emu_awslogs_opts *o, struct emu_buf *out)
{
    if (!o->datetime_format) {
        return o->multiline_pattern ? emu_buf_puts(out, o->multiline_pattern) : 0;
    }
    int r = 0;
    for (const char *p = o->datetime_format; r == 0 && *p; p++) {
        if (*p == '%' && p[1]) {
            for (size_t i = 0; i < sizeof(DATETIME) / sizeof(DATETIME[0]); i++) {
                r = DATETIME[i].spec == p[1] ? emu_buf_puts(out, DATETIME[i].re) : r;
            }
            p++;
            continue;
        }
        r = emu_buf_putc(out, *p);
    }
    return r;
}

void emu_awslogs_joiner_init(struct emu_awslogs_joiner *j, emu_awslogs_match_fn match,
                             void *match_ud, emu_awslogs_emit_fn emit, void *ud)
{
    memset(j, 0, sizeof(*j));
    j->match = match;
    j->match_ud = match_ud;
    j->emit = emit;
    j->ud = ud;
    emu_buf_init(&j->cur, EMU_AWSLOGS_MAX_EVENT + 2);
}

void emu_awslogs_joiner_flush(struct emu_awslogs_joiner *j)
{
    if (j->has_cur) {
        j->emit(j->ud, j->cur_ts, j->cur.data ? j->cur.data : "", j->cur.len);
        j->cur.len = 0;
        j->has_cur = false;
    }
}

int emu_awslogs_joiner_feed(struct emu_awslogs_joiner *j, int64_t ts_ms, const char *line,
                            size_t len)
{
    if (!j->match) {
        for (size_t off = 0; off < len || off == 0; off += EMU_AWSLOGS_MAX_EVENT) {
            size_t n = len - off < EMU_AWSLOGS_MAX_EVENT ? len - off : EMU_AWSLOGS_MAX_EVENT;
            j->emit(j->ud, ts_ms, line + off, n);
            if (len == 0) {
                break;
            }
        }
        return 0;
    }
    bool starts = j->match(j->match_ud, line, len);
    if (starts || (j->has_cur && j->cur.len + len + 1 > EMU_AWSLOGS_MAX_EVENT)) {
        emu_awslogs_joiner_flush(j);
    }
    if (!j->has_cur) {
        j->cur_ts = ts_ms;
        j->has_cur = true;
    }
    size_t keep = len < EMU_AWSLOGS_MAX_EVENT ? len : EMU_AWSLOGS_MAX_EVENT;
    int r = emu_buf_append(&j->cur, line, keep);
    return r ? r : emu_buf_putc(&j->cur, '\n');
}

void emu_awslogs_joiner_done(struct emu_awslogs_joiner *j)
{
    emu_buf_done(&j->cur);
}
