/* SPDX-License-Identifier: Apache-2.0 */
/* Pure incremental decoders of Docker's streamed bodies: newline-delimited lines (events, pull
 * progress), the 8-byte-header multiplexed log stream, and pull progress aggregation and
 * rendering (a one-line bar on a TTY, plain status lines otherwise). No I/O. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/docker/docker.h"

int emu__docker_lines_feed(struct emu_buf *line, const char *data, size_t len,
                           int (*fn)(const char *line, size_t len, void *ud), void *ud)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        int r = emu_buf_append(line, data, take);
        if (r < 0) {
            emu_buf_done(line);
            return r;
        }
        if (!nl) {
            return 0;
        }
        data += take + 1;
        len -= take + 1;
        size_t n = line->len;
        if (n > 0 && line->data[n - 1] == '\r') {
            n--;
        }
        r = n > 0 ? fn(line->data, n, ud) : 0;
        line->len = 0;
        if (line->data) {
            line->data[0] = '\0';
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* ---- multiplexed logs ------------------------------------------------------------------- */

void emu_docker_logs_decoder_init(struct emu_docker_logs_decoder *dec, bool timestamps,
                                  emu_docker_log_line_cb cb, void *ud)
{
    memset(dec, 0, sizeof(*dec));
    for (int i = 0; i < 3; i++) {
        emu_buf_init(&dec->line[i], EMU_DOCKER_MAX_LINE);
    }
    dec->timestamps = timestamps;
    dec->cb = cb;
    dec->ud = ud;
}

/* Hands one complete line of a stream to the callback, splitting off the timestamp. */
static void emit_line(struct emu_docker_logs_decoder *dec, int stream, const char *s, size_t n)
{
    const char *ts = "";
    char tsbuf[64];
    if (dec->timestamps) {
        const char *sp = memchr(s, ' ', n);
        size_t tlen = sp ? (size_t)(sp - s) : n;
        if (tlen < sizeof(tsbuf)) {
            memcpy(tsbuf, s, tlen);
            tsbuf[tlen] = '\0';
            ts = tsbuf;
            s += sp ? tlen + 1 : tlen;
            n -= sp ? tlen + 1 : tlen;
        }
    }
    /* A NUL-terminated copy is not needed: callers get (line, len). */
    dec->cb(stream, ts, s, n, dec->ud);
}

struct line_ctx {
    struct emu_docker_logs_decoder *dec;
    int stream;
};

static int on_log_line(const char *line, size_t len, void *ud)
{
    struct line_ctx *lc = ud;
    emit_line(lc->dec, lc->stream, line, len);
    return 0;
}

static int feed_payload(struct emu_docker_logs_decoder *dec, const char *data, size_t len)
{
    struct line_ctx lc = {dec, dec->stream};
    return emu__docker_lines_feed(&dec->line[dec->stream], data, len, on_log_line, &lc);
}

int emu_docker_logs_feed(struct emu_docker_logs_decoder *dec, const char *data, size_t len)
{
    while (len > 0) {
        if (dec->remaining == 0) {
            size_t take = sizeof(dec->hdr) - dec->hdr_len;
            take = take < len ? take : len;
            memcpy(dec->hdr + dec->hdr_len, data, take);
            dec->hdr_len += take;
            data += take;
            len -= take;
            if (dec->hdr_len < sizeof(dec->hdr)) {
                return 0;
            }
            dec->hdr_len = 0;
            /* stdin (0) never appears in logs; 1 stdout, 2 stderr. */
            if (dec->hdr[0] != 1 && dec->hdr[0] != 2) {
                return EMU_EBADMSG;
            }
            dec->stream = dec->hdr[0];
            dec->remaining = (uint32_t)dec->hdr[4] << 24 | (uint32_t)dec->hdr[5] << 16 |
                             (uint32_t)dec->hdr[6] << 8 | (uint32_t)dec->hdr[7];
            continue;
        }
        size_t take = dec->remaining < len ? dec->remaining : len;
        int r = feed_payload(dec, data, take);
        if (r < 0) {
            return r;
        }
        dec->remaining -= (uint32_t)take;
        data += take;
        len -= take;
    }
    return 0;
}

void emu_docker_logs_decoder_done(struct emu_docker_logs_decoder *dec)
{
    for (int i = 1; i < 3; i++) {
        if (dec->line[i].len > 0) {
            emit_line(dec, i, dec->line[i].data, dec->line[i].len);
        }
    }
    for (int i = 0; i < 3; i++) {
        emu_buf_done(&dec->line[i]);
    }
}

/* ---- pull progress ---------------------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9.0e15) {
        return 0;
    }
    return (long long)v->valuedouble;
}

int emu_docker_pull_line_parse(const cJSON *root, struct emu_docker_pull_line *ret)
{
    if (!cJSON_IsObject(root)) {
        return EMU_EBADMSG;
    }
    struct emu_docker_pull_line l = {.status = jstr(root, "status"), .id = jstr(root, "id")};
    l.error = jstr(root, "error");
    const cJSON *ed = cJSON_GetObjectItemCaseSensitive(root, "errorDetail");
    if (!l.error && cJSON_IsObject(ed)) {
        l.error = jstr(ed, "message");
    }
    const cJSON *pd = cJSON_GetObjectItemCaseSensitive(root, "progressDetail");
    if (cJSON_IsObject(pd)) {
        l.current = jnum(pd, "current");
        l.total = jnum(pd, "total");
    }
    if (!l.status && !l.error) {
        return EMU_EBADMSG;
    }
    *ret = l;
    return 0;
}

static struct emu_docker_pull_layer *find_layer(struct emu_docker_pull_state *st, const char *id)
{
    for (size_t i = 0; i < st->n_layers; i++) {
        if (strcmp(st->layers[i].id, id) == 0) {
            return &st->layers[i];
        }
    }
    if (st->n_layers == EMU_DOCKER_PULL_MAX_LAYERS) {
        return NULL;
    }
    struct emu_docker_pull_layer *l = &st->layers[st->n_layers++];
    memset(l, 0, sizeof(*l));
    (void)snprintf(l->id, sizeof(l->id), "%s", id);
    return l;
}

static void fmt_mb(char *buf, size_t size, long long bytes)
{
    (void)snprintf(buf, size, "%lld.%lldMB", bytes / 1000000, (bytes / 100000) % 10);
}

static int render_bar(const struct emu_docker_pull_state *st, struct emu_buf *out)
{
    long long cur = 0, total = 0;
    size_t done = 0;
    for (size_t i = 0; i < st->n_layers; i++) {
        cur += st->layers[i].done ? st->layers[i].total : st->layers[i].current;
        total += st->layers[i].total;
        done += st->layers[i].done;
    }
    int pct = total > 0 ? (int)(cur * 100 / total) : 0;
    pct = pct > 100 ? 100 : pct;
    char bar[21];
    for (int i = 0; i < 20; i++) {
        bar[i] = i < pct / 5 ? '#' : '-';
    }
    bar[20] = '\0';
    char a[32], b[32];
    fmt_mb(a, sizeof(a), cur);
    fmt_mb(b, sizeof(b), total);
    return emu_buf_printf(out, "\rPulling %s [%s] %3d%% %zu/%zu layers %s/%s\033[K", st->image,
                          bar, pct, done, st->n_layers, a, b);
}

static bool is_progress_update(const struct emu_docker_pull_line *l)
{
    return l->total > 0 || strcmp(l->status, "Waiting") == 0;
}

int emu_docker_pull_progress(struct emu_docker_pull_state *st, const struct emu_docker_pull_line *l,
                             bool tty, struct emu_buf *out)
{
    if (l->error) {
        (void)snprintf(st->error, sizeof(st->error), "%s", l->error);
        return tty ? emu_buf_puts(out, "\n") : 0;
    }
    if (!l->status) {
        return 0;
    }
    struct emu_docker_pull_layer *layer = NULL;
    bool layer_line = l->id && strncmp(l->status, "Pulling from", 12) != 0;
    if (layer_line) {
        layer = find_layer(st, l->id);
    }
    if (layer && strcmp(l->status, "Downloading") == 0) {
        layer->current = l->current;
        layer->total = l->total > layer->total ? l->total : layer->total;
    }
    else if (layer && (strcmp(l->status, "Download complete") == 0 ||
                       strcmp(l->status, "Pull complete") == 0 ||
                       strcmp(l->status, "Already exists") == 0)) {
        layer->done = true;
        layer->current = layer->total;
    }
    if (!layer_line) {
        (void)snprintf(st->status, sizeof(st->status), "%s", l->status);
    }
    if (tty) {
        if (!layer_line && strncmp(l->status, "Status:", 7) == 0) {
            int r = render_bar(st, out);
            return r ? r : emu_buf_printf(out, "\n%s\n", l->status);
        }
        return render_bar(st, out);
    }
    if (is_progress_update(l)) {
        return 0;
    }
    if (layer_line) {
        return emu_buf_printf(out, "%s: %s: %s\n", st->image, l->id, l->status);
    }
    return emu_buf_printf(out, "%s: %s\n", st->image, l->status);
}
