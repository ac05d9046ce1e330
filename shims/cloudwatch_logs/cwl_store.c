/* SPDX-License-Identifier: Apache-2.0 */
/* The CloudWatch Logs store: groups and streams in sorted arrays, one directory per group
 * (group.json) and one append-only JSON-lines file per stream, with an in-memory index of
 * (timestamp, ingestion time, offset) so messages stay on disk until a read needs them.
 *
 * DESIGN: a stream file is a header line {"logStreamName","creationTime","id"} followed by one
 * line per event {"timestamp","ingestionTime","message"} in ingest order; a PutLogEvents batch
 * is one write(2). The index is kept sorted by (timestamp, ingest sequence), as GetLogEvents
 * returns events. Everything runs on the loop thread. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/aws/sigv4.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

#define MAX_LITERAL (8u * 1024u * 1024u)

int cwl__store_encode_name(const char *name, struct emu_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = out->len;
    int r = 0;
    for (size_t i = 0; name[i] && r == 0; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || (ch == '.' && i > 0);
        if (keep) {
            r = emu_buf_putc(out, (char)ch);
        }
        else {
            char esc[4] = {'%', hex[ch >> 4], hex[ch & 15], '\0'};
            r = emu_buf_puts(out, esc);
        }
    }
    if (r == 0 && out->len - start > 200) {
        char sha[65];
        emu_sigv4_sha256_hex(name, strlen(name), sha);
        out->len = start;
        out->data[start] = '\0';
        r = emu_buf_printf(out, "~%s", sha);
    }
    return r;
}

size_t cwl_store_group_lower(const struct cwl_store *s, const char *name)
{
    size_t lo = 0, hi = s->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->groups[mid]->name, name) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

size_t cwl_group_stream_lower(const struct cwl_group *g, const char *name)
{
    size_t lo = 0, hi = g->n_streams;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(g->streams[mid]->name, name) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

struct cwl_group *cwl_store_group(const struct cwl_store *s, const char *name)
{
    size_t i = cwl_store_group_lower(s, name);
    return i < s->n_groups && strcmp(s->groups[i]->name, name) == 0 ? s->groups[i] : NULL;
}

struct cwl_stream *cwl_group_stream(const struct cwl_group *g, const char *name)
{
    size_t i = cwl_group_stream_lower(g, name);
    return i < g->n_streams && strcmp(g->streams[i]->name, name) == 0 ? g->streams[i] : NULL;
}

/* Inserts p at index i of a pointer array with a ceiling. */
int cwl__array_insert(void ***arr, size_t *n, size_t *cap, size_t i, void *p, size_t max)
{
    if (*n >= max) {
        return EMU_E2BIG;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void **na = emu_realloc(*arr, nc * sizeof(void *));
        if (!na) {
            return EMU_ENOMEM;
        }
        *arr = na;
        *cap = nc;
    }
    memmove(*arr + i + 1, *arr + i, (*n - i) * sizeof(void *));
    (*arr)[i] = p;
    (*n)++;
    return 0;
}

int cwl_store_group_save(const struct cwl_group *g)
{
    struct emu_buf b, path;
    emu_buf_init(&b, 256 * 1024);
    emu_buf_init(&path, 8192);
    int r = emu_buf_puts(&b, "{\"logGroupName\":");
    r = r ? r : emu_json_write_string(g->name, &b);
    r = r ? r : emu_buf_printf(&b, ",\"creationTime\":%" PRId64 ",\"retentionInDays\":%ld,"
                                   "\"tags\":{",
                               g->created, g->retention);
    for (size_t i = 0; r == 0 && i < g->n_tags; i++) {
        r = emu_buf_puts(&b, i ? "," : "");
        r = r ? r : emu_json_write_string(g->tags[i].key, &b);
        r = r ? r : emu_buf_putc(&b, ':');
        r = r ? r : emu_json_write_string(g->tags[i].value, &b);
    }
    r = r ? r : emu_buf_puts(&b, "}}\n");
    r = r ? r : emu_buf_printf(&path, "%s/group.json", g->dir);
    r = r ? r : emu_file_write_atomic(path.data, b.data, b.len, 0644);
    emu_buf_done(&b);
    emu_buf_done(&path);
    return r;
}

int cwl_group_tag_set(struct cwl_group *g, const char *key, const char *value)
{
    for (size_t i = 0; i < g->n_tags; i++) {
        if (strcmp(g->tags[i].key, key) != 0) {
            continue;
        }
        emu_free((void *)(uintptr_t)g->tags[i].value);
        if (!value) {
            emu_free((void *)(uintptr_t)g->tags[i].key);
            g->tags[i] = g->tags[--g->n_tags];
            return 0;
        }
        g->tags[i].value = emu_strdup(value);
        return g->tags[i].value ? 0 : EMU_ENOMEM;
    }
    if (!value) {
        return 0;
    }
    if (g->n_tags == CWL_MAX_TAGS) {
        return EMU_E2BIG;
    }
    char *k = emu_strdup(key), *v = emu_strdup(value);
    if (!k || !v) {
        emu_free(k);
        emu_free(v);
        return EMU_ENOMEM;
    }
    g->tags[g->n_tags++] = (struct cwl_tag){k, v};
    return 0;
}

void cwl__stream_free(struct cwl_stream *st)
{
    if (st) {
        emu_free(st->name);
        emu_free(st->file);
        emu_free(st->ev);
        emu_free(st);
    }
}

void cwl__group_free(struct cwl_group *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->n_streams; i++) {
        cwl__stream_free(g->streams[i]);
    }
    for (size_t i = 0; i < g->n_tags; i++) {
        emu_free((void *)(uintptr_t)g->tags[i].key);
        emu_free((void *)(uintptr_t)g->tags[i].value);
    }
    emu_free(g->streams);
    emu_free(g->name);
    emu_free(g->dir);
    emu_free(g);
}

int cwl_store_group_create(struct cwl_store *s, const char *name, int64_t now_ms,
                           const struct cwl_tag *tags, size_t n_tags, struct cwl_group **ret)
{
    size_t i = cwl_store_group_lower(s, name);
    if (i < s->n_groups && strcmp(s->groups[i]->name, name) == 0) {
        return EMU_EEXIST;
    }
    struct cwl_group *g = emu_calloc(1, sizeof(*g));
    struct emu_buf dir;
    emu_buf_init(&dir, 8192);
    int r = g ? 0 : EMU_ENOMEM;
    r = r ? r : emu_buf_printf(&dir, "%s/", s->root);
    r = r ? r : cwl__store_encode_name(name, &dir);
    if (r == 0) {
        g->created = now_ms;
        g->name = emu_strdup(name);
        g->dir = emu_buf_steal(&dir);
        r = g->name && g->dir ? 0 : EMU_ENOMEM;
    }
    for (size_t t = 0; r == 0 && t < n_tags; t++) {
        r = cwl_group_tag_set(g, tags[t].key, tags[t].value);
    }
    if (r == 0 && mkdir(g->dir, 0755) < 0 && errno != EEXIST) {
        r = -errno;
    }
    r = r ? r : cwl_store_group_save(g);
    r = r ? r
          : cwl__array_insert((void ***)&s->groups, &s->n_groups, &s->cap_groups, i, g,
                         CWL_MAX_GROUPS);
    emu_buf_done(&dir);
    if (r < 0) {
        cwl__group_free(g);
        return r;
    }
    *ret = g;
    return 0;
}

/* Removes every file in dir, then dir. */
static int remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return errno == ENOENT ? 0 : -errno;
    }
    struct dirent *de;
    struct emu_buf p;
    emu_buf_init(&p, 8192);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        p.len = 0;
        if (emu_buf_printf(&p, "%s/%s", dir, de->d_name) == 0) {
            (void)unlink(p.data);
        }
    }
    closedir(d);
    emu_buf_done(&p);
    return rmdir(dir) < 0 ? -errno : 0;
}

int cwl_store_group_delete(struct cwl_store *s, const char *name)
{
    size_t i = cwl_store_group_lower(s, name);
    if (i >= s->n_groups || strcmp(s->groups[i]->name, name) != 0) {
        return EMU_ENOENT;
    }
    struct cwl_group *g = s->groups[i];
    int r = remove_dir(g->dir);
    memmove(s->groups + i, s->groups + i + 1, (s->n_groups - i - 1) * sizeof(*s->groups));
    s->n_groups--;
    cwl__group_free(g);
    return r;
}

int cwl_store_stream_create(struct cwl_store *s, struct cwl_group *g, const char *name,
                            int64_t now_ms, struct cwl_stream **ret)
{
    size_t i = cwl_group_stream_lower(g, name);
    if (i < g->n_streams && strcmp(g->streams[i]->name, name) == 0) {
        return EMU_EEXIST;
    }
    struct cwl_stream *st = emu_calloc(1, sizeof(*st));
    struct emu_buf path, head;
    emu_buf_init(&path, 8192);
    emu_buf_init(&head, 4096);
    int r = st ? 0 : EMU_ENOMEM;
    r = r ? r : emu_buf_printf(&path, "%s/", g->dir);
    r = r ? r : cwl__store_encode_name(name, &path);
    r = r ? r : emu_buf_puts(&path, ".stream.jsonl");
    r = r ? r : emu_buf_puts(&head, "{\"logStreamName\":");
    r = r ? r : emu_json_write_string(name, &head);
    r = r ? r : emu_buf_printf(&head, ",\"creationTime\":%" PRId64 ",\"id\":%" PRIu32 "}\n",
                               now_ms, s->next_stream_id);
    r = r ? r : emu_file_write_atomic(path.data, head.data, head.len, 0644);
    if (r == 0) {
        st->name = emu_strdup(name);
        st->file = emu_buf_steal(&path);
        st->created = now_ms;
        st->id = s->next_stream_id++;
        st->size = head.len;
        r = st->name && st->file ? 0 : EMU_ENOMEM;
    }
    r = r ? r
          : cwl__array_insert((void ***)&g->streams, &g->n_streams, &g->cap_streams, i, st,
                         CWL_MAX_STREAMS);
    emu_buf_done(&path);
    emu_buf_done(&head);
    if (r < 0) {
        cwl__stream_free(st);
        return r;
    }
    *ret = st;
    return 0;
}

int cwl_store_stream_delete(struct cwl_group *g, const char *name)
{
    size_t i = cwl_group_stream_lower(g, name);
    if (i >= g->n_streams || strcmp(g->streams[i]->name, name) != 0) {
        return EMU_ENOENT;
    }
    struct cwl_stream *st = g->streams[i];
    int r = unlink(st->file) < 0 && errno != ENOENT ? -errno : 0;
    memmove(g->streams + i, g->streams + i + 1, (g->n_streams - i - 1) * sizeof(*g->streams));
    g->n_streams--;
    cwl__stream_free(st);
    return r;
}

int cwl__stream_index_add(struct cwl_stream *st, const struct cwl_ev *add, size_t n)
{
    if (st->n + n > CWL_MAX_STREAM_EVENTS) {
        return EMU_E2BIG;
    }
    if (st->n + n > st->cap) {
        size_t nc = st->cap ? st->cap : 1024;
        while (nc < st->n + n) {
            nc *= 2;
        }
        struct cwl_ev *ne = emu_realloc(st->ev, nc * sizeof(*ne));
        if (!ne) {
            return EMU_ENOMEM;
        }
        st->ev = ne;
        st->cap = nc;
    }
    /* Merge from the back: the batch is sorted, and usually lands after everything. */
    size_t i = st->n, j = n, k = st->n + n;
    while (j > 0) {
        if (i > 0 && st->ev[i - 1].timestamp > add[j - 1].timestamp) {
            st->ev[--k] = st->ev[--i];
        }
        else {
            st->ev[--k] = add[--j];
        }
    }
    st->n += n;
    return 0;
}

/* Appends s as a JSON string literal, copying runs of plain bytes at once. */
static int write_literal(const char *s, size_t len, struct emu_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    int r = emu_buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; r == 0 && i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            continue;
        }
        r = emu_buf_append(out, s + run, i - run);
        char esc[7] = {'\\', (char)ch, 0, 0, 0, 0, 0};
        if (ch == '\n' || ch == '\r' || ch == '\t') {
            esc[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
        }
        else if (ch < 0x20) {
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
        }
        r = r ? r : emu_buf_puts(out, esc);
        run = i + 1;
    }
    r = r ? r : emu_buf_append(out, s + run, len - run);
    return r ? r : emu_buf_putc(out, '"');
}

int cwl_store_append(struct cwl_stream *st, const struct cwl_event_in *ev, size_t first,
                     size_t end, int64_t now_ms)
{
    if (first >= end) {
        return 0;
    }
    size_t n = end - first;
    struct cwl_ev *ix = emu_malloc(n * sizeof(*ix));
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024u * 1024u);
    int r = ix ? 0 : EMU_ENOMEM;
    uint64_t stored = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        const struct cwl_event_in *e = &ev[first + i];
        r = emu_buf_printf(&b, "{\"timestamp\":%" PRId64 ",\"ingestionTime\":%" PRId64
                               ",\"message\":",
                           e->timestamp, now_ms);
        size_t at = b.len;
        r = r ? r : write_literal(e->message, e->len, &b);
        r = r ? r : emu_buf_puts(&b, "}\n");
        if (r == 0) {
            ix[i] = (struct cwl_ev){e->timestamp, now_ms, st->size + at,
                                    (uint32_t)(b.len - 2 - at), st->next_seq + (uint32_t)i};
            stored += e->len;
        }
    }
    int fd = r == 0 ? open(st->file, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    if (r == 0 && fd < 0) {
        r = -errno;
    }
    for (size_t off = 0; r == 0 && off < b.len;) {
        ssize_t w = write(fd, b.data + off, b.len - off);
        if (w < 0 && errno != EINTR) {
            r = -errno;
        }
        off += w > 0 ? (size_t)w : 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    r = r ? r : cwl__stream_index_add(st, ix, n);
    if (r == 0) {
        st->size += b.len;
        st->stored += stored;
        st->next_seq += (uint32_t)n;
        st->last_ingestion = now_ms;
    }
    emu_free(ix);
    emu_buf_done(&b);
    return r;
}

int cwl_store_read(const struct cwl_stream *st, const struct cwl_ev *const *evs, size_t n,
                   cwl_literal_fn fn, void *ud)
{
    if (n == 0) {
        return 0;
    }
    int fd = open(st->file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    char *scratch = NULL;
    size_t cap = 0;
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        size_t len = evs[i]->len;
        if (len > MAX_LITERAL) {
            r = EMU_E2BIG;
            break;
        }
        if (len + 1 > cap) {
            char *ns = emu_realloc(scratch, len + 1);
            if (!ns) {
                r = EMU_ENOMEM;
                break;
            }
            scratch = ns;
            cap = len + 1;
        }
        ssize_t got = pread(fd, scratch, len, (off_t)evs[i]->offset);
        if (got != (ssize_t)len) {
            r = got < 0 ? -errno : EMU_EIO;
            break;
        }
        scratch[len] = '\0';
        r = fn(ud, evs[i], scratch, len);
    }
    close(fd);
    emu_free(scratch);
    return r;
}

int cwl_store_open(const char *root, struct cwl_store **ret)
{
    struct cwl_store *s = emu_calloc(1, sizeof(*s));
    if (!s) {
        return EMU_ENOMEM;
    }
    s->root = emu_strdup(root);
    int r = s->root ? 0 : EMU_ENOMEM;
    if (r == 0 && mkdir(root, 0755) < 0 && errno != EEXIST) {
        r = -errno;
    }
    r = r ? r : cwl__store_load(s);
    if (r < 0) {
        cwl_store_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

void cwl_store_free(struct cwl_store *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_groups; i++) {
        cwl__group_free(s->groups[i]);
    }
    emu_free(s->groups);
    emu_free(s->root);
    emu_free(s);
}
