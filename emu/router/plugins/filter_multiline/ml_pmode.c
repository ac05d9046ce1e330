/* SPDX-License-Identifier: Apache-2.0 */
/* filter_multiline in `mode parser`: every record's multiline.key_content string goes through
 * the multiline parsers of multiline.parser (tried in order) on a stream per (input, tag). A
 * message in progress keeps its first record's keys and time; it is completed in place of the
 * record that ends it (a line that does not continue it, or its last piece), or, when idle for
 * flush_ms, re-emitted through the emitter input as Fluent Bit's buffered mode does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/filter_multiline/filter_multiline.h"

#define STREAMS_MAX 4096
#define NAME_MAX_LEN 256

struct ml_stream {
    struct ml_stream *next;
    char *tag, *input;
    struct emu_router_ml_state st;
    const struct emu_router_ml_parser *p; /* of the message in progress; NULL: none */
    struct emu_buf fields; /* the first record's other key/value pairs, packed */
    struct emu_buf key;    /* the content key as packed in the first record */
    struct emu_buf content;
    uint32_t n_fields;
    int64_t sec;
    uint32_t nsec;
    int64_t lines;
    uint64_t last_write;
};

static int add_parser(struct ml_ctx *ctx, const char *name, size_t len)
{
    char buf[NAME_MAX_LEN];
    const char *fname = emu_router_filter_name(ctx->ins);
    if (len == 0) {
        return 0;
    }
    if (len >= sizeof(buf) || ctx->n_mlp >= EMU_ROUTER_STRLIST_MAX) {
        emu_plg_log(EMU_LOG_ERROR, fname, "too many or too long multiline.parser names");
        return -EINVAL;
    }
    memcpy(buf, name, len);
    buf[len] = '\0';
    const struct emu_router_ml_parser *p =
        emu_router_ml_parser_get(emu_router_filter_router(ctx->ins), buf);
    if (!p) {
        emu_plg_log(EMU_LOG_ERROR, fname, "multiline parser '%s' is not defined (not a built-in "
                                          "nor a [MULTILINE_PARSER])", buf);
        return -EINVAL;
    }
    ctx->mlp[ctx->n_mlp++] = p;
    if (p->flush_timeout_ms > 0 && (uint64_t)p->flush_timeout_ms < ctx->idle_ms) {
        ctx->idle_ms = (uint64_t)p->flush_timeout_ms;
    }
    return 0;
}

int emu_mlf_pmode_init(struct ml_ctx *ctx)
{
    const char *fname = emu_router_filter_name(ctx->ins);
    for (size_t i = 0; i < ctx->parsers.n; i++) {
        const char *s = ctx->parsers.v[i];
        while (*s) {
            s += strspn(s, " \t,");
            size_t n = strcspn(s, ",");
            size_t t = n;
            while (t > 0 && (s[t - 1] == ' ' || s[t - 1] == '\t')) {
                t--;
            }
            if (add_parser(ctx, s, t) < 0) {
                return -EINVAL;
            }
            s += n;
        }
    }
    if (ctx->n_mlp == 0) {
        emu_plg_log(EMU_LOG_ERROR, fname, "'Mode' 'parser' requires 'multiline.parser'");
        return -EINVAL;
    }
    ctx->content_key = ctx->key_content;
    for (size_t i = 0; i < ctx->n_mlp && !ctx->content_key; i++) {
        ctx->content_key = ctx->mlp[i]->key_content;
    }
    if (!ctx->content_key) {
        ctx->content_key = "log";
    }
    if (ctx->max_lines < 0) {
        emu_plg_log(EMU_LOG_ERROR, fname, "invalid multiline.max_lines");
        return -EINVAL;
    }
    return 0;
}

static void stream_reset(struct ml_stream *s)
{
    emu_buf_done(&s->fields);
    emu_buf_done(&s->key);
    emu_buf_done(&s->content);
    s->p = NULL;
    s->n_fields = 0;
    s->lines = 0;
}

static void stream_free(struct ml_stream *s)
{
    stream_reset(s);
    emu_free(s->tag);
    emu_free(s->input);
    emu_free(s);
}

static struct ml_stream *stream_get(struct ml_ctx *ctx, const char *tag, const char *input)
{
    for (struct ml_stream *s = ctx->streams; s; s = s->next) {
        if (strcmp(s->tag, tag) == 0 && strcmp(s->input, input) == 0) {
            return s;
        }
    }
    if (ctx->n_streams >= STREAMS_MAX) {
        return NULL;
    }
    struct ml_stream *s = emu_calloc(1, sizeof(*s));
    if (!s || !(s->tag = emu_strdup(tag)) || !(s->input = emu_strdup(input))) {
        if (s) {
            stream_free(s);
        }
        return NULL;
    }
    s->next = ctx->streams;
    ctx->streams = s;
    ctx->n_streams++;
    return s;
}

/* Appends the message [time, {fields..., key: content}] to out and empties the stream. */
static int complete(struct ml_stream *s, struct emu_buf *out)
{
    int r = emu_buf_putc(out, (char)0x92);
    if (r == 0) {
        r = emu_mp_put_eventtime(out, s->sec, s->nsec);
    }
    if (r == 0) {
        r = emu_mp_put_map(out, s->n_fields + 1);
    }
    if (r == 0 && s->fields.len) {
        r = emu_buf_append(out, s->fields.data, s->fields.len);
    }
    if (r == 0) {
        r = emu_buf_append(out, s->key.data, s->key.len);
    }
    if (r == 0) {
        r = emu_mp_put_str(out, s->content.data ? s->content.data : "", s->content.len);
    }
    stream_reset(s);
    return r;
}

/* The content string and the cri partial flag (_p "P") of a record. */
struct line {
    const char *text;
    uint32_t len;
    int has, partial;
};

static int inspect(const struct ml_ctx *ctx, const uint8_t *rec, size_t len, struct line *ln)
{
    struct emu_mp m = {.p = rec, .len = len};
    uint32_t n;
    size_t ckl = strlen(ctx->content_key);
    memset(ln, 0, sizeof(*ln));
    if (emu_mp_read_map(&m, &n) < 0) {
        return -EBADMSG;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k, *v;
        uint32_t kl, vl;
        if (emu_mp_read_strbin(&m, &k, &kl) < 0) {
            if (emu_mp_next(&m, NULL, NULL) < 0 || emu_mp_next(&m, NULL, NULL) < 0) {
                return -EBADMSG;
            }
            continue;
        }
        size_t save = m.off;
        if (kl == ckl && memcmp(k, ctx->content_key, kl) == 0 &&
            emu_mp_read_strbin(&m, &ln->text, &ln->len) == 0) {
            ln->has = 1;
        }
        else if (kl == 2 && memcmp(k, "_p", 2) == 0 && emu_mp_read_strbin(&m, &v, &vl) == 0) {
            ln->partial = vl == 1 && v[0] == 'P';
        }
        m.off = save;
        if (emu_mp_next(&m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
    }
    return 0;
}

/* Starts a message with this record: its keys but the content key are kept. */
static int begin(const struct ml_ctx *ctx, struct ml_stream *s,
                 const struct emu_router_ml_parser *p, int64_t sec, uint32_t nsec,
                 const uint8_t *rec, size_t len, const struct line *ln)
{
    struct emu_mp m = {.p = rec, .len = len};
    uint32_t n = 0;
    size_t ckl = strlen(ctx->content_key);
    emu_buf_init(&s->fields, len);
    emu_buf_init(&s->key, len);
    emu_buf_init(&s->content, JOINED_MAX);
    s->p = p;
    s->sec = sec;
    s->nsec = nsec;
    s->lines = 1;
    int r = emu_mp_read_map(&m, &n);
    for (uint32_t i = 0; i < n && r == 0; i++) {
        size_t start = m.off;
        const char *k;
        uint32_t kl;
        if (emu_mp_read_strbin(&m, &k, &kl) < 0 || emu_mp_next(&m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
        if (kl == ckl && memcmp(k, ctx->content_key, kl) == 0 && s->key.len == 0) {
            r = emu_mp_put_str(&s->key, k, kl);
        }
        else if (kl != ckl || memcmp(k, ctx->content_key, kl) != 0) {
            r = emu_buf_append(&s->fields, rec + start, m.off - start);
            s->n_fields++;
        }
    }
    return r == 0 ? emu_router_ml_join(p, &s->content, ln->text, ln->len) : r;
}

struct run {
    struct ml_ctx *ctx;
    struct emu_buf *out;
    size_t n;
    int failed;
};

/* Completes the message in progress, if any, into out. */
static void finish(struct run *run, struct ml_stream *s)
{
    if (s->p) {
        if (complete(s, run->out) < 0) {
            run->failed = 1;
        }
        run->n++;
    }
}

static void pass(struct run *run, const char *event, size_t event_len)
{
    if (emu_buf_append(run->out, event, event_len) < 0) {
        run->failed = 1;
    }
    run->n++;
}

/* One record with content: start, continue or end a message, or pass alone. */
static void take(struct run *run, struct ml_stream *s, int64_t sec, uint32_t nsec,
                 const uint8_t *rec, size_t rec_len, const struct line *ln,
                 const char *event, size_t event_len)
{
    struct ml_ctx *ctx = run->ctx;
    int ends = 0;
    const struct emu_router_ml_parser *p = NULL;
    enum emu_router_ml_action a = emu_router_ml_step(ctx->mlp, ctx->n_mlp, &s->st, ln->text,
                                                     ln->len, ln->partial, &p, &ends);
    if (a == EMU_ML_CONT && s->p && emu_router_ml_join(s->p, &s->content, ln->text,
                                                       ln->len) == 0) {
        s->lines++;
    }
    else if (a == EMU_ML_START || a == EMU_ML_CONT) {
        /* a new message, or a line that cannot join (ceiling): it starts over */
        finish(run, s);
        if (begin(ctx, s, p, sec, nsec, rec, rec_len, ln) < 0) {
            stream_reset(s);
            s->st.p = NULL;
            pass(run, event, event_len);
            return;
        }
    }
    else {
        finish(run, s);
        pass(run, event, event_len);
        return;
    }
    s->last_write = uv_now(emu_router_loop(emu_router_filter_router(ctx->ins)));
    if (ends || (ctx->max_lines > 0 && s->lines >= ctx->max_lines)) {
        finish(run, s);
        s->st.p = NULL;
    }
}

int emu_mlf_pmode_filter(struct ml_ctx *ctx, const char *data, size_t len, const char *tag,
                         struct emu_buf *out, size_t *ret_n)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    struct run run = {.ctx = ctx, .out = out};
    const char *input = emu_router_filter_input_name(ctx->ins);
    while (m.off < m.len) {
        size_t start = m.off;
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        struct line ln;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            break;
        }
        struct ml_stream *s = NULL;
        if (inspect(ctx, rec, rec_len, &ln) == 0 && ln.has) {
            s = stream_get(ctx, tag, input);
        }
        if (s) {
            take(&run, s, sec, nsec, rec, rec_len, &ln, data + start, m.off - start);
            continue;
        }
        /* no content: what is in progress on this stream goes first, then the record */
        for (struct ml_stream *x = ctx->streams; x; x = x->next) {
            if (strcmp(x->tag, tag) == 0 && strcmp(x->input, input) == 0) {
                finish(&run, x);
                x->st.p = NULL;
            }
        }
        pass(&run, data + start, m.off - start);
    }
    if (!ctx->buffer) {
        for (struct ml_stream *x = ctx->streams; x; x = x->next) {
            finish(&run, x);
            x->st.p = NULL;
        }
    }
    if (run.failed) {
        emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ctx->ins), "buffer full");
    }
    *ret_n = run.n;
    return EMU_FILTER_MODIFIED;
}

void emu_mlf_pmode_idle(struct ml_ctx *ctx, int all)
{
    if (!ctx->ins) {
        return;
    }
    uint64_t now = uv_now(emu_router_loop(emu_router_filter_router(ctx->ins)));
    struct emu_buf b;
    emu_buf_init(&b, JOINED_MAX + 64u * 1024u);
    for (struct ml_stream *s = ctx->streams; s; s = s->next) {
        if (!s->p || (!all && now - s->last_write < ctx->idle_ms)) {
            continue;
        }
        size_t before = s->content.len;
        s->st.p = NULL;
        if (complete(s, &b) == 0 && ctx->emitter &&
            emu_router_input_append(ctx->emitter, s->tag, strlen(s->tag), b.data, b.len, 1) ==
                0) {
            emu_router_filter_count_emitted(ctx->ins, 1);
        }
        else {
            emu_plg_log(EMU_LOG_WARN, emu_router_filter_name(ctx->ins),
                        "Couldn't send concatenated record of size %zu bytes to in_emitter %s",
                        before, ctx->emitter_buf);
        }
        b.len = 0;
    }
    emu_buf_done(&b);
}

void emu_mlf_pmode_free(struct ml_ctx *ctx)
{
    while (ctx->streams) {
        struct ml_stream *s = ctx->streams;
        ctx->streams = s->next;
        stream_free(s);
    }
    ctx->n_streams = 0;
}
