/* SPDX-License-Identifier: Apache-2.0 */
/* Object operations: PutObject (streamed to a temp file, Content-MD5 and payload checks, stored
 * headers), GetObject and HeadObject (Range, conditional headers, response-* overrides,
 * sendfile), DeleteObject; plus the body-receiving helper UploadPart shares. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sink_writer(void *ud, const void *data, size_t len)
{
    struct s3_call *c = ud;
    int r = s3_cksum_update(&c->ck, data, len);
    return r ? r : s3_writer_write(c->w, data, len);
}

static int on_body(struct shim_request *req, const char *data, size_t len)
{
    struct s3_call *c = shim_request_data(req);
    return shim_payload_feed(&c->payload, data, len, sink_writer, c);
}

static void on_body_done(struct shim_request *req)
{
    struct s3_call *c = shim_request_data(req);
    c->body_done(c);
}

void s3__receive_body(struct s3_call *c, void (*done)(struct s3_call *c))
{
    struct shim_request *req = c->req;
    const char *cl = shim_request_header(req, "Content-Length");
    const char *te = shim_request_header(req, "Transfer-Encoding");
    if (!cl && !te) {
        s3_error(req, S3E_MISSING_CONTENT_LENGTH, NULL, NULL, NULL);
        return;
    }
    uint64_t limit = c->s3->max_object_size;
    long long declared = c->payload.decoded_length >= 0 ? c->payload.decoded_length
                         : cl                          ? strtoll(cl, NULL, 10)
                                                       : 0;
    if (declared < 0 || (uint64_t)declared > limit) {
        s3_error(req, S3E_ENTITY_TOO_LARGE, NULL, NULL, NULL);
        return;
    }
    if (!s3_cksum_start(c)) {
        return;
    }
    const char *md5 = shim_request_header(req, "Content-MD5");
    unsigned char digest[16];
    if (md5 && shim_base64_decode(md5, strlen(md5), digest, sizeof(digest)) != 16) {
        s3_error(req, S3E_INVALID_DIGEST, NULL, NULL, NULL);
        return;
    }
    int r = s3_writer_open(c->b, limit, &c->w);
    if (r < 0) {
        emu_log_error("s3: cannot create a temp file in bucket %s: %s", c->bucket,
                      emu_strerror(r));
        s3_error(req, s3_err_from_errno(r, false), NULL, NULL, NULL);
        return;
    }
    c->body_done = done;
    shim_request_stream_body(req, on_body, on_body_done);
}

bool s3__body_failed(struct s3_call *c, const unsigned char md5[16])
{
    struct shim_request *req = c->req;
    int r = shim_request_body_error(req);
    if (r == EMU_E2BIG) {
        s3_error(req, S3E_ENTITY_TOO_LARGE, NULL, NULL, NULL);
        return true;
    }
    if (r == 0) {
        r = shim_payload_finish(&c->payload);
    }
    if (r == EMU_EBADMSG) {
        shim_payload_respond_error(req, &c->payload);
        return true;
    }
    if (r < 0) {
        emu_log_error("s3: receiving %s/%s failed: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(req, s3_err_from_errno(r, true), NULL, NULL, NULL);
        return true;
    }
    const char *h = shim_request_header(req, "Content-MD5");
    unsigned char want[16];
    if (h && (shim_base64_decode(h, strlen(h), want, sizeof(want)) != 16 ||
              memcmp(want, md5, 16) != 0)) {
        s3_error(req, S3E_BAD_DIGEST, NULL, NULL, NULL);
        return true;
    }
    return !s3_cksum_finish(c);
}

void s3__object_headers(struct shim_request *req, const struct s3_meta *m)
{
    char etag[56];
    char date[40];
    snprintf(etag, sizeof(etag), "\"%s\"", m->etag);
    shim_http_date(m->mtime_ms, date);
    (void)shim_response_header(req, "ETag", etag);
    (void)shim_response_header(req, "Last-Modified", date);
    for (size_t i = 0; i < m->n_hdrs; i++) {
        if (s3_cksum_shown(req, m->hdrs[i].name)) {
            (void)shim_response_header(req, m->hdrs[i].name, m->hdrs[i].value);
        }
    }
}

static bool key_ok(struct s3_call *c)
{
    int r = s3_key_check(c->key, strlen(c->key));
    if (r < 0) {
        s3_error(c->req, r == EMU_ENAMETOOLONG ? S3E_KEY_TOO_LONG : S3E_INVALID_URI, NULL, NULL,
                 NULL);
        return false;
    }
    return true;
}

static void put_committed(struct s3_call *c, int r)
{
    if (r < 0) {
        emu_log_error("s3: PutObject %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(c->req, r == EMU_ENOENT ? S3E_NO_SUCH_BUCKET : s3_err_from_errno(r, true),
                 c->bucket, NULL, NULL);
        return;
    }
    char etag[56];
    snprintf(etag, sizeof(etag), "\"%s\"", c->meta.etag);
    (void)shim_response_header(c->req, "ETag", etag);
    s3_cksum_respond_header(c);
    shim_respond_empty(c->req, 200);
}

static void put_done(struct s3_call *c)
{
    unsigned char md5[16];
    s3_writer_md5(c->w, md5);
    if (s3__body_failed(c, md5)) {
        return;
    }
    shim_hex_encode(md5, 16, c->meta.etag);
    c->meta.size = s3_writer_size(c->w);
    c->meta.mtime_ms = now_ms();
    c->meta.key = emu_strdup(c->key);
    if (!c->meta.key) {
        s3_error(c->req, S3E_SLOW_DOWN, NULL, NULL, NULL);
        return;
    }
    s3__commit_async(c, NULL, NULL, put_committed);
}

void s3_op_put_object(struct s3_call *c)
{
    if (!key_ok(c)) {
        return;
    }
    int r = s3_meta_from_request(&c->meta, c->req);
    if (r < 0) {
        s3_error(c->req, r == EMU_E2BIG ? S3E_METADATA_TOO_LARGE : S3E_SLOW_DOWN, NULL, NULL,
                 NULL);
        return;
    }
    s3__receive_body(c, put_done);
}

static bool etag_matches(const char *list, const char *etag)
{
    /* A comma-separated list of quoted (or bare) ETags, or "*". */
    const char *p = list;
    size_t elen = strlen(etag);
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (*p == '*') {
            return true;
        }
        if (strncmp(p, "W/", 2) == 0) {
            p += 2;
        }
        bool quoted = *p == '"';
        const char *s = quoted ? p + 1 : p;
        const char *e = quoted ? strchr(s, '"') : s + strcspn(s, ", ");
        if (!e) {
            return false;
        }
        if ((size_t)(e - s) == elen && strncmp(s, etag, elen) == 0) {
            return true;
        }
        p = quoted ? e + 1 : e;
    }
    return false;
}

/* Conditional headers, in S3's precedence. Returns the error to answer, or -1 to proceed. */
static int check_conditions(const struct shim_request *req, const struct s3_meta *m)
{
    const char *im = shim_request_header(req, "If-Match");
    const char *inm = shim_request_header(req, "If-None-Match");
    const char *ims = shim_request_header(req, "If-Modified-Since");
    const char *ius = shim_request_header(req, "If-Unmodified-Since");
    int64_t mtime = m->mtime_ms / 1000, t;
    if (im && !etag_matches(im, m->etag)) {
        return S3E_PRECONDITION_FAILED;
    }
    if (!im && ius && shim_http_date_parse(ius, &t) == 0 && mtime > t) {
        return S3E_PRECONDITION_FAILED;
    }
    if (inm && etag_matches(inm, m->etag)) {
        return S3E_NOT_MODIFIED;
    }
    if (!inm && ims && shim_http_date_parse(ims, &t) == 0 && mtime <= t) {
        return S3E_NOT_MODIFIED;
    }
    return -1;
}

static const char *const overrides[][2] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};

void s3_op_get_object(struct s3_call *c)
{
    struct shim_request *req = c->req;
    if (!key_ok(c)) {
        return;
    }
    int fd = -1;
    struct s3_meta m = {0};
    int r = s3_object_open(c->b, c->key, &fd, &m);
    if (r < 0) {
        if (r != EMU_ENOENT) {
            emu_log_error("s3: GetObject %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        }
        s3_error(req, s3_err_from_errno(r, true), NULL, c->key, NULL);
        return;
    }
    int cond = check_conditions(req, &m);
    if (cond >= 0) {
        if (cond == S3E_NOT_MODIFIED) {
            char etag[56];
            snprintf(etag, sizeof(etag), "\"%s\"", m.etag);
            (void)shim_response_header(req, "ETag", etag);
        }
        s3_error(req, (enum s3_err)cond, NULL, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
        const char *v = shim_request_query(req, overrides[i][0]);
        for (size_t k = 0; v && k < m.n_hdrs; k++) {
            if (strcasecmp(m.hdrs[k].name, overrides[i][1]) == 0) {
                m.hdrs[k].name[0] = '\0'; /* replaced below */
            }
        }
        if (v) {
            (void)shim_response_header(req, overrides[i][1], v);
        }
    }
    struct s3_meta shown = m;
    size_t n = 0;
    for (size_t k = 0; k < m.n_hdrs; k++) {
        if (m.hdrs[k].name[0]) {
            shown.hdrs[n++] = m.hdrs[k];
        }
    }
    shown.n_hdrs = n;
    s3__object_headers(req, &shown);
    (void)shim_response_header(req, "Accept-Ranges", "bytes");
    uint64_t start = 0, len = m.size;
    const char *range = shim_request_header(req, "Range");
    r = s3_range_parse(range, m.size, &start, &len);
    if (r == EMU_ERANGE) {
        char cr[64];
        snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)m.size);
        (void)shim_response_header(req, "Content-Range", cr);
        s3_error(req, S3E_INVALID_RANGE, NULL, NULL, NULL);
        goto out;
    }
    if (r == 1) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + len - 1), (unsigned long long)m.size);
        (void)shim_response_header(req, "Content-Range", cr);
    }
    shim_respond_fd(req, r == 1 ? 206 : 200, fd, m.data_off + start, len);
    fd = -1;
out:
    if (fd >= 0) {
        close(fd);
    }
    s3_meta_done(&m);
}

static void delete_work(void *ud)
{
    struct s3_call *c = ud;
    c->job_result = s3_object_delete_disk(c->b, c->key, c->pack, c->meta.ver);
}

static void delete_after(struct shim_request *req, void *ud)
{
    struct s3_call *c = ud;
    int r = c->job_result;
    if (r == 0 && !c->b->deleted) {
        s3_object_delete_apply(c->b, c->key, c->meta.ver);
    }
    if (r < 0) {
        emu_log_error("s3: DeleteObject %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(req, s3_err_from_errno(r, true), NULL, c->key, NULL);
        return;
    }
    shim_respond_empty(req, 204);
}

/* The unlink, its directory fsync and the delete record run on the thread pool. */
void s3_op_delete_object(struct s3_call *c)
{
    if (!key_ok(c)) {
        return;
    }
    int r = s3_object_delete_prepare(c->b, c->key, &c->pack, &c->meta.ver);
    r = r ? r : shim_request_offload(c->req, delete_work, delete_after, c);
    if (r < 0) {
        emu_log_error("s3: DeleteObject %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(c->req, s3_err_from_errno(r, true), NULL, c->key, NULL);
    }
}

/* Objects carry no tags here: an existing object answers an empty TagSet (the CLI asks before
 * a multipart copy); setting tags stays NotImplemented. */
void s3_op_get_object_tagging(struct s3_call *c)
{
    if (!key_ok(c)) {
        return;
    }
    int fd = -1;
    struct s3_meta m = {0};
    int r = s3_object_open(c->b, c->key, &fd, &m);
    if (r < 0) {
        s3_error(c->req, s3_err_from_errno(r, true), NULL, c->key, NULL);
        return;
    }
    close(fd);
    s3_meta_done(&m);
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    r = s3_xml_start(&b, "Tagging");
    r = r ? r : emu_buf_puts(&b, "<TagSet></TagSet></Tagging>");
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(c->req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(c->req, 200, "application/xml", &b);
}
