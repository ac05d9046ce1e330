/* SPDX-License-Identifier: Apache-2.0 */
/* CloudWatch Logs event operations: PutLogEvents (the batch rules of cwl_rules.c, then one
 * append), GetLogEvents (time range, startFromHead, forward and backward tokens) and
 * FilterLogEvents (streams by name or prefix, time range, term patterns, interleaved by time
 * across streams, resumable tokens and stable event ids for `aws logs tail`). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

#define FD_CACHE_STREAMS 256

static void fail_store(struct cwl_call *c, int r)
{
    emu_log_errno(r, "cloudwatch-logs: %s failed", cwl_op_name(c->op));
    cwl_fail_code(c, "ServiceUnavailableException", "The service cannot complete the request.");
}

static struct cwl_stream *need_stream(struct cwl_call *c, struct cwl_group **ret_g)
{
    struct cwl_group *g = cwl_need_group(c);
    struct cwl_stream *st = g ? cwl_group_stream(g, c->in.stream) : NULL;
    if (g && !st) {
        cwl_fail_code(c, "ResourceNotFoundException", "The specified log stream does not exist.");
    }
    *ret_g = g;
    return st;
}

void cwl_op_put_log_events(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, c->in.stream)) {
        return;
    }
    struct cwl_group *g;
    struct cwl_stream *st = need_stream(c, &g);
    if (!st) {
        return;
    }
    struct cwl_batch_verdict v;
    struct cwl_err e = {0};
    if (cwl_batch_check(c->in.events, c->in.n_events, c->now_ms, g->retention, &v, &e) < 0) {
        cwl_fail(c, &e);
        return;
    }
    int r = cwl_store_append(st, c->in.events, v.first, v.end, c->now_ms);
    if (r < 0) {
        fail_store(c, r);
        return;
    }
    if (v.end - v.first < c->in.n_events) {
        cwl_journal_rejected(c->cwl->store, c->in.group, c->in.stream,
                             c->in.n_events - (v.end - v.first), c->now_ms);
    }
    r = emu_buf_printf(&c->out, "{\"nextSequenceToken\":\"%020" PRIu32 "%020" PRIu32 "\"",
                       st->id, st->next_seq);
    if (r == 0 && (v.too_new_start >= 0 || v.too_old_end >= 0 || v.expired_end >= 0)) {
        const char *sep = "";
        r = emu_buf_puts(&c->out, ",\"rejectedLogEventsInfo\":{");
        if (r == 0 && v.too_new_start >= 0) {
            r = emu_buf_printf(&c->out, "\"tooNewLogEventStartIndex\":%ld", v.too_new_start);
            sep = ",";
        }
        if (r == 0 && v.too_old_end >= 0) {
            r = emu_buf_printf(&c->out, "%s\"tooOldLogEventEndIndex\":%ld", sep, v.too_old_end);
            sep = ",";
        }
        if (r == 0 && v.expired_end >= 0) {
            r = emu_buf_printf(&c->out, "%s\"expiredLogEventEndIndex\":%ld", sep, v.expired_end);
        }
        r = r ? r : emu_buf_putc(&c->out, '}');
    }
    r = r ? r : emu_buf_putc(&c->out, '}');
    if (r < 0) {
        fail_store(c, r);
        return;
    }
    cwl_reply(c);
}

/* First index whose timestamp is >= t. */
static size_t lower_ts(const struct cwl_stream *st, int64_t t)
{
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->ev[mid].timestamp < t) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

static int write_get_event(void *ud, const struct cwl_ev *ev, const char *lit, size_t len)
{
    struct cwl_call *c = ud;
    bool first = c->out.len > 0 && c->out.data[c->out.len - 1] == '[';
    int r = emu_buf_printf(&c->out, "%s{\"timestamp\":%" PRId64 ",\"message\":", first ? "" : ",",
                           ev->timestamp);
    r = r ? r : emu_buf_append(&c->out, lit, len);
    return r ? r : emu_buf_printf(&c->out, ",\"ingestionTime\":%" PRId64 "}", ev->ingestion);
}

void cwl_op_get_log_events(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, c->in.stream)) {
        return;
    }
    struct cwl_group *g;
    const struct cwl_stream *st = need_stream(c, &g);
    if (!st) {
        return;
    }
    size_t lo = c->in.has_start ? lower_ts(st, c->in.start_time) : 0;
    size_t hi = c->in.has_end ? lower_ts(st, c->in.end_time) : st->n;
    hi = hi < lo ? lo : hi;
    size_t limit = c->in.has_limit ? (size_t)c->in.limit : CWL_MAX_GET_EVENTS;
    char dir = c->in.start_from_head ? 'f' : 'b';
    uint64_t pos = c->in.start_from_head ? lo : hi;
    if (c->in.next_token && cwl_token_parse(c->in.next_token, &dir, &pos) < 0) {
        cwl_fail_code(c, "InvalidParameterException", "The specified nextToken is invalid.");
        return;
    }
    size_t begin, end;
    if (dir == 'f') {
        begin = pos < lo ? lo : pos > hi ? hi : (size_t)pos;
        end = begin;
        for (size_t bytes = 0; end < hi && end - begin < limit; end++) {
            if ((bytes += st->ev[end].len + CWL_EVENT_OVERHEAD) > CWL_MAX_RESPONSE_BYTES) {
                break;
            }
        }
    }
    else {
        end = pos > hi ? hi : pos < lo ? lo : (size_t)pos;
        begin = end;
        for (size_t bytes = 0; begin > lo && end - begin < limit; begin--) {
            if ((bytes += st->ev[begin - 1].len + CWL_EVENT_OVERHEAD) > CWL_MAX_RESPONSE_BYTES) {
                break;
            }
        }
    }
    const struct cwl_ev **list = emu_malloc((end - begin + 1) * sizeof(*list));
    int r = list ? emu_buf_puts(&c->out, "{\"events\":[") : EMU_ENOMEM;
    for (size_t i = begin; r == 0 && i < end; i++) {
        list[i - begin] = &st->ev[i];
    }
    r = r ? r : cwl_store_read(st, list, end - begin, write_get_event, c);
    emu_free(list);
    char ft[40], bt[40];
    cwl_token_format('f', end, ft);
    cwl_token_format('b', begin, bt);
    r = r ? r : emu_buf_printf(&c->out, "],\"nextForwardToken\":\"%s\",\"nextBackwardToken\":"
                                        "\"%s\"}",
                               ft, bt);
    if (r < 0) {
        fail_store(c, r);
        return;
    }
    cwl_reply(c);
}

/* FilterLogEvents: one cursor per selected stream, merged by (timestamp, stream id, index). */
struct cursor {
    const struct cwl_stream *st;
    size_t pos, hi;
    int fd;
};

struct filter {
    struct cwl_call *c;
    struct cursor *cur;
    size_t n;
    struct cwl_pattern pat;
    char *scratch;
    size_t scratch_cap;
};

static int parse_filter_token(const char *t, int64_t *ts, uint32_t *id, uint64_t *pos)
{
    long long a;
    unsigned long b;
    unsigned long long p;
    char tail;
    if (sscanf(t, "%lld:%lu:%llu%c", &a, &b, &p, &tail) != 3 || b > UINT32_MAX) {
        return EMU_EINVAL;
    }
    *ts = a;
    *id = (uint32_t)b;
    *pos = p;
    return 0;
}

static bool stream_selected(const struct cwl_req *q, const char *name)
{
    if (q->prefix) {
        return strncmp(name, q->prefix, strlen(q->prefix)) == 0;
    }
    if (!q->n_stream_names) {
        return true;
    }
    for (size_t i = 0; i < q->n_stream_names; i++) {
        if (strcmp(q->stream_names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

/* Positions every cursor at the time range start, or just after the token's event. */
static int setup_cursors(struct filter *f, const struct cwl_group *g)
{
    const struct cwl_req *q = &f->c->in;
    int64_t t_ts = 0;
    uint32_t t_id = 0;
    uint64_t t_pos = 0;
    if (q->next_token && parse_filter_token(q->next_token, &t_ts, &t_id, &t_pos) < 0) {
        return EMU_EINVAL;
    }
    f->cur = emu_calloc(g->n_streams + 1, sizeof(*f->cur));
    if (!f->cur) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < g->n_streams; i++) {
        const struct cwl_stream *st = g->streams[i];
        if (!stream_selected(q, st->name)) {
            continue;
        }
        struct cursor *k = &f->cur[f->n++];
        k->st = st;
        k->fd = -1;
        k->pos = q->has_start ? lower_ts(st, q->start_time) : 0;
        k->hi = q->has_end ? lower_ts(st, q->end_time) : st->n;
        if (q->next_token) {
            size_t p = st->id < t_id ? lower_ts(st, t_ts + 1)
                       : st->id == t_id ? (size_t)(t_pos < st->n ? t_pos : st->n)
                                        : lower_ts(st, t_ts);
            k->pos = p > k->pos ? p : k->pos;
        }
    }
    return 0;
}

/* The cursor holding the next event in (timestamp, stream id) order, or NULL. */
static struct cursor *next_cursor(struct filter *f)
{
    struct cursor *best = NULL;
    for (size_t i = 0; i < f->n; i++) {
        struct cursor *k = &f->cur[i];
        if (k->pos >= k->hi) {
            continue;
        }
        if (!best || k->st->ev[k->pos].timestamp < best->st->ev[best->pos].timestamp ||
            (k->st->ev[k->pos].timestamp == best->st->ev[best->pos].timestamp &&
             k->st->id < best->st->id)) {
            best = k;
        }
    }
    return best;
}

/* Reads the literal of the cursor's event into f->scratch. */
static int read_literal(struct filter *f, struct cursor *k, const struct cwl_ev *ev)
{
    if (ev->len + 1 > f->scratch_cap) {
        char *ns = emu_realloc(f->scratch, ev->len + 1);
        if (!ns) {
            return EMU_ENOMEM;
        }
        f->scratch = ns;
        f->scratch_cap = ev->len + 1;
    }
    if (k->fd < 0 && (k->fd = open(k->st->file, O_RDONLY | O_CLOEXEC)) < 0) {
        return -errno;
    }
    ssize_t got = pread(k->fd, f->scratch, ev->len, (off_t)ev->offset);
    if (f->n > FD_CACHE_STREAMS) {
        close(k->fd);
        k->fd = -1;
    }
    if (got != (ssize_t)ev->len) {
        return got < 0 ? -errno : EMU_EIO;
    }
    f->scratch[ev->len] = '\0';
    return 0;
}

static bool literal_matches(const struct filter *f, const char *lit, size_t len)
{
    if (f->pat.n == 0) {
        return true;
    }
    cJSON *s = cJSON_ParseWithLength(lit, len);
    bool ok = cJSON_IsString(s) &&
              cwl_pattern_match(&f->pat, s->valuestring, strlen(s->valuestring));
    cJSON_Delete(s);
    return ok;
}

static int write_filter_event(struct filter *f, const struct cursor *k, const struct cwl_ev *ev)
{
    struct emu_buf *o = &f->c->out;
    int r = emu_buf_puts(o, o->data[o->len - 1] == '[' ? "{\"logStreamName\":"
                                                       : ",{\"logStreamName\":");
    r = r ? r : emu_json_write_string(k->st->name, o);
    r = r ? r : emu_buf_printf(o, ",\"timestamp\":%" PRId64 ",\"message\":", ev->timestamp);
    r = r ? r : emu_buf_append(o, f->scratch, ev->len);
    return r ? r : emu_buf_printf(o, ",\"ingestionTime\":%" PRId64 ",\"eventId\":\"%020" PRId64
                                     "%010" PRIu32 "%010" PRIu32 "\"}",
                                  ev->ingestion, ev->timestamp, k->st->id, ev->seq);
}

static int run_filter(struct filter *f)
{
    struct cwl_call *c = f->c;
    size_t limit = c->in.has_limit ? (size_t)c->in.limit : CWL_MAX_GET_EVENTS, n = 0, bytes = 0;
    int r = emu_buf_puts(&c->out, "{\"events\":[");
    struct cursor *k;
    while (r == 0 && n < limit && bytes < CWL_MAX_RESPONSE_BYTES && (k = next_cursor(f))) {
        const struct cwl_ev *ev = &k->st->ev[k->pos++];
        r = read_literal(f, k, ev);
        if (r == 0 && literal_matches(f, f->scratch, ev->len)) {
            r = write_filter_event(f, k, ev);
            n++;
            bytes += ev->len + CWL_EVENT_OVERHEAD;
        }
    }
    r = r ? r : emu_buf_puts(&c->out, "],\"searchedLogStreams\":[");
    for (size_t i = 0; r == 0 && i < f->n; i++) {
        r = emu_buf_puts(&c->out, i ? ",{\"logStreamName\":" : "{\"logStreamName\":");
        r = r ? r : emu_json_write_string(f->cur[i].st->name, &c->out);
        r = r ? r : emu_buf_puts(&c->out, ",\"searchedCompletely\":true}");
    }
    r = r ? r : emu_buf_putc(&c->out, ']');
    if (r == 0 && (k = next_cursor(f)) != NULL) {
        r = emu_buf_printf(&c->out, ",\"nextToken\":\"%" PRId64 ":%" PRIu32 ":%zu\"",
                           k->st->ev[k->pos].timestamp, k->st->id, k->pos);
    }
    return r ? r : emu_buf_putc(&c->out, '}');
}

void cwl_op_filter_log_events(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, NULL)) {
        return;
    }
    const struct cwl_group *g = cwl_need_group(c);
    if (!g) {
        return;
    }
    struct filter f = {.c = c};
    struct cwl_err e = {0};
    int r = cwl_pattern_parse(c->in.pattern, &f.pat, &e);
    if (r == EMU_EAWS) {
        cwl_fail(c, &e);
        return;
    }
    r = r ? r : setup_cursors(&f, g);
    if (r == EMU_EINVAL) {
        cwl_fail_code(c, "InvalidParameterException", "The specified nextToken is invalid.");
    }
    else {
        r = r ? r : run_filter(&f);
        if (r < 0) {
            fail_store(c, r);
        }
        else {
            cwl_reply(c);
        }
    }
    for (size_t i = 0; i < f.n; i++) {
        if (f.cur[i].fd >= 0) {
            close(f.cur[i].fd);
        }
    }
    emu_free(f.cur);
    emu_free(f.scratch);
    cwl_pattern_done(&f.pat);
}
