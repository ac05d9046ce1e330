/* SPDX-License-Identifier: Apache-2.0 */
/* Reading what reached a destination, in arrival order and one object or stream file at a
 * time: S3 objects of the output's bucket under its key prefix (sorted by commit time, gunzipped
 * on the fly), and CloudWatch Logs events of its group (<data-dir>/logs/<group>/<stream>.stream
 * .jsonl). Each record of the container (container_name) hands its log to the callback. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "emu/audit/audit.h"
#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/s3/s3.h"

#define OBJECT_MAX (512u * 1024u * 1024u)
#define MAX_KEYS 1000000u

bool emu_audit_record_log(const char *json, size_t len, const char *docker_name,
                          const char **ret, size_t *ret_len, char **ret_owned)
{
    *ret_owned = NULL;
    size_t dl = strlen(docker_name);
    if (dl == 0 || len < dl || !memmem(json, len, docker_name, dl)) {
        return false; /* cheap test before parsing */
    }
    cJSON *root = NULL;
    struct emu_json_error err;
    if (emu_json_parse(json, len, &root, &err) < 0) {
        return false;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "container_name");
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(root, "log");
    bool ok = cJSON_IsString(n) && cJSON_IsString(log) &&
              strcmp(n->valuestring + (n->valuestring[0] == '/'), docker_name) == 0;
    if (ok) {
        *ret_owned = emu_strdup(log->valuestring);
        ok = *ret_owned != NULL;
        *ret = *ret_owned;
        *ret_len = ok ? strlen(*ret_owned) : 0;
    }
    cJSON_Delete(root);
    return ok;
}

struct sink {
    const char *docker_name;
    emu_audit_record_cb cb;
    void *ud;
    struct emu_audit_dest_stats *st;
};

static void record(struct sink *s, const char *line, size_t len)
{
    const char *log;
    size_t ll;
    char *owned;
    if (len > 0 && emu_audit_record_log(line, len, s->docker_name, &log, &ll, &owned)) {
        s->st->records++;
        s->cb(log, ll, s->ud);
        emu_free(owned);
    }
}

/* Splits bytes into lines across calls (partial line kept in carry). */
static void feed_lines(struct sink *s, struct emu_buf *carry, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (carry->len > 0 || !nl) {
            if (emu_buf_append(carry, p, take) < 0) {
                s->st->unreadable++;
                carry->len = 0;
            }
            if (nl) {
                record(s, carry->data, carry->len);
                carry->len = 0;
            }
        }
        else {
            record(s, p, take);
        }
        p += take + (nl ? 1 : 0);
        n -= take + (nl ? 1 : 0);
    }
}

static int object_lines(struct sink *s, const char *data, size_t len)
{
    struct emu_buf carry;
    emu_buf_init(&carry, EMU_AUDIT_LINE_MAX);
    int r = 0;
    if (len < 2 || (unsigned char)data[0] != 0x1f || (unsigned char)data[1] != 0x8b) {
        feed_lines(s, &carry, data, len);
    }
    else {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
            emu_buf_done(&carry);
            return -ENOMEM;
        }
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        char buf[65536];
        for (;;) {
            z.next_out = (Bytef *)buf;
            z.avail_out = sizeof(buf);
            int zr = inflate(&z, Z_NO_FLUSH);
            feed_lines(s, &carry, buf, sizeof(buf) - z.avail_out);
            if (zr == Z_STREAM_END) {
                if (z.avail_in == 0) {
                    break;
                }
                (void)inflateReset(&z);
            }
            else if (zr != Z_OK) {
                r = -EBADMSG;
                break;
            }
        }
        inflateEnd(&z);
    }
    if (carry.len > 0) {
        record(s, carry.data, carry.len);
    }
    emu_buf_done(&carry);
    return r;
}

struct key_ent {
    char *key;
    int64_t mtime_ms;
};

struct key_list {
    struct key_ent *v;
    size_t n, cap;
};

static int on_key(const char *key, uint64_t size, int64_t mtime_ms, void *ud)
{
    struct key_list *l = ud;
    (void)size;
    if (l->n == MAX_KEYS) {
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct key_ent *v = emu_realloc(l->v, cap * sizeof(*v));
        if (!v) {
            return -ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].key = emu_strdup(key);
    l->v[l->n].mtime_ms = mtime_ms;
    l->n += l->v[l->n].key != NULL;
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct key_ent *x = a, *y = b;
    if (x->mtime_ms != y->mtime_ms) {
        return x->mtime_ms < y->mtime_ms ? -1 : 1;
    }
    return strcmp(x->key, y->key);
}

static int read_s3(const char *data_dir, const struct emu_audit_output *o, struct sink *s)
{
    char root[4096], prefix[1024] = "";
    (void)snprintf(root, sizeof(root), "%s/s3", data_dir);
    if (o->key_format) {
        const char *k = o->key_format + (o->key_format[0] == '/');
        size_t n = strcspn(k, "$%");
        (void)snprintf(prefix, sizeof(prefix), "%.*s", (int)n, k);
    }
    struct shim_s3_view *v = NULL;
    int r = shim_s3_view_open(root, &v);
    struct key_list keys = {0};
    r = r ? r : shim_s3_view_list(v, o->bucket, prefix, on_key, &keys);
    if (r == 0 && keys.n > 1) { /* keys.v is NULL while the bucket holds nothing yet */
        qsort(keys.v, keys.n, sizeof(*keys.v), by_time);
    }
    for (size_t i = 0; r == 0 && i < keys.n; i++) {
        struct emu_buf raw;
        emu_buf_init(&raw, OBJECT_MAX);
        s->st->objects++;
        if (shim_s3_view_read(v, o->bucket, keys.v[i].key, &raw) < 0 ||
            object_lines(s, raw.data ? raw.data : "", raw.len) < 0) {
            s->st->unreadable++;
        }
        emu_buf_done(&raw);
    }
    for (size_t i = 0; i < keys.n; i++) {
        emu_free(keys.v[i].key);
    }
    emu_free(keys.v);
    if (v) {
        shim_s3_view_free(v);
    }
    return r == -ENOENT ? 0 : r; /* no bucket: nothing arrived */
}

/* The CloudWatch store's file-name encoding: bytes other than A-Za-z0-9._- become %XX. */
static void encode_name(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (; *in && o + 4 < n; in++) {
        unsigned char c = (unsigned char)*in;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (plain) {
            out[o++] = (char)c;
        }
        else {
            (void)snprintf(out + o, n - o, "%%%02X", c);
            o += 3;
        }
    }
    out[o] = '\0';
}

static void read_stream_file(const char *path, struct sink *s)
{
    struct emu_audit_reader rd;
    if (emu_audit_reader_open(&rd, path) < 0) {
        s->st->unreadable++;
        return;
    }
    s->st->objects++;
    const char *line;
    size_t len;
    bool header = true;
    while (emu_audit_reader_next(&rd, &line, &len) == 1) {
        if (header) {
            header = false;
            continue;
        }
        cJSON *ev = NULL;
        struct emu_json_error err;
        if (emu_json_parse(line, len, &ev, &err) < 0) {
            s->st->unreadable++;
            continue;
        }
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "message");
        if (cJSON_IsString(m)) {
            record(s, m->valuestring, strlen(m->valuestring));
        }
        cJSON_Delete(ev);
    }
    emu_audit_reader_close(&rd);
}

static int read_cwl(const char *data_dir, const struct emu_audit_output *o, const char *tag,
                    struct sink *s)
{
    char dir[4096], enc[1024], want[1400] = "";
    encode_name(o->group, enc, sizeof(enc));
    (void)snprintf(dir, sizeof(dir), "%s/logs/%s", data_dir, enc);
    if (o->stream_name && !strchr(o->stream_name, '$')) {
        encode_name(o->stream_name, enc, sizeof(enc));
        (void)snprintf(want, sizeof(want), "%s.stream.jsonl", enc);
    }
    else if (o->stream_prefix) {
        char full[1024];
        (void)snprintf(full, sizeof(full), "%s%s", o->stream_prefix, tag);
        encode_name(full, enc, sizeof(enc));
        (void)snprintf(want, sizeof(want), "%s.stream.jsonl", enc);
    }
    DIR *d = opendir(dir);
    if (!d) {
        return errno == ENOENT ? 0 : -errno;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 13 || strcmp(e->d_name + nl - 13, ".stream.jsonl") != 0 ||
            (want[0] && strcmp(e->d_name, want) != 0)) {
            continue;
        }
        char path[8192];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        read_stream_file(path, s);
    }
    closedir(d);
    return 0;
}

int emu_audit_dest_read(const char *data_dir, const struct emu_audit_output *o,
                        const char *docker_name, const char *tag, emu_audit_record_cb cb,
                        void *ud, struct emu_audit_dest_stats *st)
{
    struct sink s = {docker_name, cb, ud, st};
    if (strcmp(o->plugin, "s3") == 0 && o->bucket) {
        return read_s3(data_dir, o, &s);
    }
    if ((strcmp(o->plugin, "cloudwatch_logs") == 0 || strcmp(o->plugin, "cloudwatch") == 0) &&
        o->group && !strchr(o->group, '$')) {
        return read_cwl(data_dir, o, tag, &s);
    }
    return -ENOTSUP;
}
