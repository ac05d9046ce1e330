/* SPDX-License-Identifier: Apache-2.0 */
/* Object metadata: the headers S3 stores with an object, gathered from a PUT, and their on-disk
 * form, a JSON trailer after the object's bytes followed by a 16-byte footer. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

#define S3_MAX_TRAILER (256u * 1024u)

/* Headers S3 stores and returns as they were given. */
static const char *const stored_headers[] = {
    "Content-Type",  "Content-Encoding", "Cache-Control",
    "Content-Disposition", "Content-Language", "Expires",
    "x-amz-website-redirect-location",
};

void s3_meta_done(struct s3_meta *m)
{
    emu_free(m->key);
    for (size_t i = 0; i < m->n_hdrs; i++) {
        emu_free(m->hdrs[i].name);
        emu_free(m->hdrs[i].value);
    }
    memset(m, 0, sizeof(*m));
}

int s3_meta_add(struct s3_meta *m, const char *name, const char *value)
{
    if (m->n_hdrs >= S3_MAX_HEADERS) {
        return EMU_E2BIG;
    }
    char *n = emu_strdup(name);
    char *v = emu_strdup(value);
    if (!n || !v) {
        emu_free(n);
        emu_free(v);
        return EMU_ENOMEM;
    }
    m->hdrs[m->n_hdrs].name = n;
    m->hdrs[m->n_hdrs].value = v;
    m->n_hdrs++;
    return 0;
}

const char *s3_meta_get(const struct s3_meta *m, const char *name)
{
    for (size_t i = 0; i < m->n_hdrs; i++) {
        if (strcasecmp(m->hdrs[i].name, name) == 0) {
            return m->hdrs[i].value;
        }
    }
    return NULL;
}

/* Content-Encoding without the "aws-chunked" of the transfer (S3 does not store it). */
static int add_encoding(struct s3_meta *m, const char *v)
{
    char out[512];
    size_t n = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        size_t len = strcspn(p, ",");
        size_t tl = len;
        while (tl && p[tl - 1] == ' ') {
            tl--;
        }
        if (tl && !(tl == 11 && strncasecmp(p, "aws-chunked", 11) == 0)) {
            if (n + tl + 2 >= sizeof(out)) {
                return s3_meta_add(m, "Content-Encoding", v); /* too long to edit: as given */
            }
            if (n) {
                out[n++] = ',';
            }
            memcpy(out + n, p, tl);
            n += tl;
        }
        p += len;
    }
    out[n] = '\0';
    return n ? s3_meta_add(m, "Content-Encoding", out) : 0;
}

int s3_meta_from_request(struct s3_meta *m, const struct shim_request *req)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof(stored_headers) / sizeof(stored_headers[0]); i++) {
        const char *v = shim_request_header(req, stored_headers[i]);
        if (v && strcasecmp(stored_headers[i], "Content-Encoding") == 0) {
            r = add_encoding(m, v);
        }
        else if (v) {
            r = s3_meta_add(m, stored_headers[i], v);
        }
    }
    if (r == 0 && !s3_meta_get(m, "Content-Type")) {
        r = s3_meta_add(m, "Content-Type", "binary/octet-stream");
    }
    size_t user = 0;
    const char *name, *value;
    for (size_t i = 0; r == 0 && shim_request_header_at(req, i, &name, &value); i++) {
        if (strncasecmp(name, "x-amz-meta-", 11) != 0) {
            continue;
        }
        user += strlen(name) - 11 + strlen(value);
        if (user > S3_MAX_USER_META) {
            return EMU_E2BIG;
        }
        /* S3 returns user metadata names in lowercase. */
        char lower[256];
        size_t n = strlen(name);
        if (n >= sizeof(lower)) {
            return EMU_E2BIG;
        }
        for (size_t k = 0; k <= n; k++) {
            char c = name[k];
            lower[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        r = s3_meta_add(m, lower, value);
    }
    return r == EMU_E2BIG ? EMU_E2BIG : r;
}

int s3_meta_encode(const struct s3_meta *m, struct emu_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *hdrs = root ? cJSON_AddArrayToObject(root, "headers") : NULL;
    int r = hdrs ? 0 : EMU_ENOMEM;
    if (r == 0 && (!cJSON_AddStringToObject(root, "key", m->key) ||
                   !cJSON_AddNumberToObject(root, "size", (double)m->size) ||
                   !cJSON_AddNumberToObject(root, "mtime", (double)m->mtime_ms) ||
                   !cJSON_AddStringToObject(root, "etag", m->etag) ||
                   !cJSON_AddNumberToObject(root, "parts", m->parts))) {
        r = EMU_ENOMEM;
    }
    char ver[24];
    snprintf(ver, sizeof(ver), "%llu", (unsigned long long)m->ver);
    if (r == 0 && m->ver && !cJSON_AddStringToObject(root, "ver", ver)) {
        r = EMU_ENOMEM; /* a string: a double would round nanoseconds */
    }
    for (size_t i = 0; r == 0 && i < m->n_hdrs; i++) {
        cJSON *pair = cJSON_CreateArray();
        if (!pair || !cJSON_AddItemToArray(hdrs, pair) ||
            !cJSON_AddItemToArray(pair, cJSON_CreateString(m->hdrs[i].name)) ||
            !cJSON_AddItemToArray(pair, cJSON_CreateString(m->hdrs[i].value))) {
            r = EMU_ENOMEM;
        }
    }
    char *text = r == 0 ? emu_json_print(root, 0) : NULL;
    cJSON_Delete(root);
    if (r == 0 && !text) {
        r = EMU_ENOMEM;
    }
    if (r == 0) {
        size_t len = strlen(text);
        unsigned char footer[S3_FOOTER_SIZE];
        memcpy(footer, S3_FOOTER_MAGIC, 8);
        for (int i = 0; i < 8; i++) {
            footer[8 + i] = (unsigned char)((uint64_t)len >> (8 * i));
        }
        r = emu_buf_append(out, text, len);
        r = r ? r : emu_buf_append(out, footer, sizeof(footer));
    }
    emu_free(text);
    return r;
}

int s3_meta_decode(const char *json, size_t len, struct s3_meta *m)
{
    cJSON *root = NULL;
    struct emu_json_error err;
    int r = emu_json_parse(json, len, &root, &err);
    if (r < 0) {
        return EMU_EBADMSG;
    }
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(root, "key");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(root, "size");
    const cJSON *mtime = cJSON_GetObjectItemCaseSensitive(root, "mtime");
    const cJSON *etag = cJSON_GetObjectItemCaseSensitive(root, "etag");
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(root, "parts");
    const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(root, "headers");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "ver");
    r = EMU_EBADMSG;
    if (!cJSON_IsString(key) || !cJSON_IsNumber(size) || !cJSON_IsNumber(mtime) ||
        !cJSON_IsString(etag) || strlen(etag->valuestring) >= sizeof(m->etag) ||
        !cJSON_IsArray(hdrs) || size->valuedouble < 0) {
        goto out;
    }
    m->key = emu_strdup(key->valuestring);
    if (!m->key) {
        r = EMU_ENOMEM;
        goto out;
    }
    m->size = (uint64_t)size->valuedouble;
    m->mtime_ms = (int64_t)mtime->valuedouble;
    m->parts = cJSON_IsNumber(parts) ? (unsigned)parts->valuedouble : 0;
    /* Objects stored before versions existed order by their mtime. */
    m->ver = cJSON_IsString(ver) ? strtoull(ver->valuestring, NULL, 10)
             : m->mtime_ms > 0  ? (uint64_t)m->mtime_ms * 1000000u
                                : 0;
    memcpy(m->etag, etag->valuestring, strlen(etag->valuestring) + 1);
    const cJSON *pair;
    r = 0;
    cJSON_ArrayForEach(pair, hdrs)
    {
        const cJSON *n = cJSON_GetArrayItem(pair, 0);
        const cJSON *v = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsString(n) || !cJSON_IsString(v)) {
            r = EMU_EBADMSG;
            break;
        }
        if ((r = s3_meta_add(m, n->valuestring, v->valuestring)) < 0) {
            break;
        }
    }
out:
    cJSON_Delete(root);
    if (r < 0) {
        s3_meta_done(m);
    }
    return r;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return EMU_EBADMSG;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

int s3_meta_read_fd(int fd, struct s3_meta *m)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        return -errno;
    }
    if (end < S3_FOOTER_SIZE) {
        return EMU_EBADMSG;
    }
    unsigned char footer[S3_FOOTER_SIZE];
    int r = pread_all(fd, footer, sizeof(footer), end - S3_FOOTER_SIZE);
    if (r < 0) {
        return r;
    }
    if (memcmp(footer, S3_FOOTER_MAGIC, 8) != 0) {
        return EMU_EBADMSG;
    }
    uint64_t len = 0;
    for (int i = 0; i < 8; i++) {
        len |= (uint64_t)footer[8 + i] << (8 * i);
    }
    if (len == 0 || len > S3_MAX_TRAILER || len > (uint64_t)end - S3_FOOTER_SIZE) {
        return EMU_EBADMSG;
    }
    char *json = emu_malloc((size_t)len);
    if (!json) {
        return EMU_ENOMEM;
    }
    off_t json_off = end - S3_FOOTER_SIZE - (off_t)len;
    r = pread_all(fd, json, (size_t)len, json_off);
    if (r == 0) {
        r = s3_meta_decode(json, (size_t)len, m);
    }
    emu_free(json);
    if (r == 0 && m->size != (uint64_t)json_off) {
        s3_meta_done(m);
        r = EMU_EBADMSG; /* the trailer does not describe this file */
    }
    return r;
}
