/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the runtime's output copies: the "<timestamp> <stdout|stderr> <text>" line parser,
 * RFC 3339 timestamps to Unix ms, a bounded line reader and the content hash. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "emu/audit/audit.h"
#include "emu/base/mem.h"

#define READ_CHUNK (1024u * 1024u)

int emu_audit_out_parse(const char *line, size_t len, struct emu_audit_out_line *ret)
{
    size_t ts_len;
    if (!emu_output_is_timestamp(line, len, &ts_len)) {
        return -EBADMSG;
    }
    const char *p = line + ts_len + 1;
    size_t rest = len - ts_len - 1;
    int stream;
    if (rest >= 6 && memcmp(p, "stdout", 6) == 0) {
        stream = 1;
    }
    else if (rest >= 6 && memcmp(p, "stderr", 6) == 0) {
        stream = 2;
    }
    else {
        return -EBADMSG;
    }
    if (rest > 6 && p[6] != ' ') {
        return -EBADMSG;
    }
    *ret = (struct emu_audit_out_line){.ts = line, .ts_len = ts_len, .stream = stream,
                                       .text = rest > 6 ? p + 7 : p + 6,
                                       .len = rest > 6 ? rest - 7 : 0};
    return 0;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int64_t emu_audit_ts_ms(const char *ts, size_t len)
{
    char tmp[64];
    size_t tl;
    if (len + 1 >= sizeof(tmp)) {
        return -1;
    }
    memcpy(tmp, ts, len);
    tmp[len] = ' ';
    if (!emu_output_is_timestamp(tmp, len + 1, &tl) || tl != len) {
        return -1;
    }
    struct tm tm = {0};
    tm.tm_year = num(ts, 4) - 1900;
    tm.tm_mon = num(ts + 5, 2) - 1;
    tm.tm_mday = num(ts + 8, 2);
    tm.tm_hour = num(ts + 11, 2);
    tm.tm_min = num(ts + 14, 2);
    tm.tm_sec = num(ts + 17, 2);
    int64_t ms = (int64_t)timegm(&tm) * 1000;
    size_t i = 19;
    if (ts[i] == '.') {
        int scale = 100;
        for (i++; i < len && ts[i] >= '0' && ts[i] <= '9'; i++) {
            ms += (ts[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (ts[i] == '+' || ts[i] == '-') {
        int64_t off = ((int64_t)num(ts + i + 1, 2) * 60 + num(ts + i + 4, 2)) * 60000;
        ms += ts[i] == '+' ? -off : off;
    }
    return ms;
}

uint64_t emu_audit_hash(const char *s, size_t n)
{
    /* FNV-1a over 8-byte words, then a final avalanche (splitmix64's). */
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

int emu_audit_reader_open(struct emu_audit_reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->f = fopen(path, "r");
    if (!r->f) {
        return -errno;
    }
    r->cap = EMU_AUDIT_LINE_MAX + READ_CHUNK;
    r->buf = emu_malloc(r->cap);
    if (!r->buf) {
        fclose(r->f);
        r->f = NULL;
        return -ENOMEM;
    }
    return 0;
}

int emu_audit_reader_next(struct emu_audit_reader *r, const char **ret, size_t *ret_len)
{
    for (;;) {
        char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
        if (nl || (r->eof && r->end > r->start) || r->end - r->start >= EMU_AUDIT_LINE_MAX) {
            size_t n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
            if (!nl && !r->eof) {
                n = EMU_AUDIT_LINE_MAX; /* cut: the rest of the line comes as the next one */
                r->too_long++;
            }
            *ret = r->buf + r->start;
            *ret_len = n;
            r->start += n + (nl ? 1 : 0);
            return 1;
        }
        if (r->eof) {
            return 0;
        }
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
        r->end += got;
        if (got == 0) {
            if (ferror(r->f)) {
                return -EIO;
            }
            r->eof = true;
        }
    }
}

void emu_audit_reader_close(struct emu_audit_reader *r)
{
    if (r->f) {
        fclose(r->f);
    }
    emu_free(r->buf);
    memset(r, 0, sizeof(*r));
}
