/* SPDX-License-Identifier: Apache-2.0 */
/* Multipart upload operations: CreateMultipartUpload, UploadPart, CompleteMultipartUpload (the
 * "<md5 of part md5s>-N" ETag, EntityTooSmall, InvalidPart, InvalidPartOrder),
 * AbortMultipartUpload, ListParts and ListMultipartUploads. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
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

static void respond_xml(struct s3_call *c, struct emu_buf *b, int r)
{
    if (r < 0) {
        emu_buf_done(b);
        s3_error(c->req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(c->req, 200, "application/xml", b);
}

/* Opens the upload named by ?uploadId= for this key into c->meta; answers on failure. */
static bool open_upload(struct s3_call *c)
{
    const char *id = shim_request_query(c->req, "uploadId");
    int r = s3_upload_open(c->b, id, c->key, &c->meta);
    if (r < 0) {
        s3_error(c->req, r == EMU_ENOENT ? S3E_NO_SUCH_UPLOAD : S3E_INTERNAL, NULL, NULL, NULL);
        return false;
    }
    memcpy(c->upload_id, id, 33);
    return true;
}

void s3_op_create_upload(struct s3_call *c)
{
    if (s3_key_check(c->key, strlen(c->key)) < 0) {
        s3_error(c->req, S3E_KEY_TOO_LONG, NULL, NULL, NULL);
        return;
    }
    int r = s3_meta_from_request(&c->meta, c->req);
    if (r < 0) {
        s3_error(c->req, S3E_METADATA_TOO_LARGE, NULL, NULL, NULL);
        return;
    }
    c->meta.key = emu_strdup(c->key);
    c->meta.mtime_ms = now_ms();
    char id[33];
    r = c->meta.key ? s3_upload_create(c->b, &c->meta, id) : EMU_ENOMEM;
    if (r < 0) {
        emu_log_error("s3: CreateMultipartUpload %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(c->req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    r = s3_xml_start(&b, "InitiateMultipartUploadResult");
    r = r ? r : s3_xml_elem(&b, "Bucket", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "Key", c->key, false);
    r = r ? r : s3_xml_elem(&b, "UploadId", id, false);
    r = r ? r : emu_buf_puts(&b, "</InitiateMultipartUploadResult>");
    respond_xml(c, &b, r);
}

static void part_committed(struct s3_call *c, int r)
{
    if (r < 0) {
        emu_log_error("s3: UploadPart %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(c->req, r == EMU_ENOENT ? S3E_NO_SUCH_UPLOAD : S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    char etag[56];
    snprintf(etag, sizeof(etag), "\"%s\"", c->meta.etag);
    (void)shim_response_header(c->req, "ETag", etag);
    s3_cksum_respond_header(c);
    shim_respond_empty(c->req, 200);
}

/* Turns c->meta (the upload's init) into a part's trailer: key, size, time and ETag only. */
int s3__part_meta(struct s3_call *c, uint64_t size, const char etag[48])
{
    char *key = emu_strdup(c->key);
    if (!key) {
        return EMU_ENOMEM;
    }
    s3_meta_done(&c->meta);
    memset(&c->meta, 0, sizeof(c->meta));
    c->meta.key = key;
    c->meta.size = size;
    c->meta.mtime_ms = now_ms();
    memcpy(c->meta.etag, etag, 48);
    return 0;
}

static void upload_part_done(struct s3_call *c)
{
    unsigned char md5[16];
    s3_writer_md5(c->w, md5);
    if (s3__body_failed(c, md5)) {
        return;
    }
    char etag[48] = {0};
    shim_hex_encode(md5, 16, etag);
    if (s3__part_meta(c, s3_writer_size(c->w), etag) < 0) {
        s3_error(c->req, S3E_SLOW_DOWN, NULL, NULL, NULL);
        return;
    }
    char rel[64];
    s3_upload_part_path(c->upload_id, c->part_number, rel);
    s3__commit_async(c, NULL, rel, part_committed);
}

void s3_op_upload_part(struct s3_call *c)
{
    const char *pn = shim_request_query(c->req, "partNumber");
    char *end = NULL;
    long n = pn ? strtol(pn, &end, 10) : 0;
    if (!pn || !*pn || *end || n < 1 || n > S3_MAX_PARTS) {
        s3_error(c->req, S3E_INVALID_ARGUMENT, NULL, NULL,
                 "Part number must be an integer between 1 and 10000, inclusive");
        return;
    }
    if (!open_upload(c)) {
        return;
    }
    c->part_number = (unsigned)n;
    s3__receive_body(c, upload_part_done);
}

static int find_part(const struct s3_part_info *parts, size_t n, unsigned number)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (parts[mid].number == number) {
            return (int)mid;
        }
        if (parts[mid].number < number) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return -1;
}

/* Checks the requested list against the stored parts; fills *ret_etag. Returns -1 when fine,
 * else the error. */
static int check_parts(const struct s3_complete_part *req, size_t n,
                       const struct s3_part_info *parts, size_t np, uint64_t *ret_size,
                       char etag[48])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return S3E_INTERNAL;
    }
    int err = -1;
    uint64_t total = 0;
    for (size_t i = 1; i < n && err < 0; i++) {
        if (req[i].number <= req[i - 1].number) {
            err = S3E_INVALID_PART_ORDER;
        }
    }
    for (size_t i = 0; i < n && err < 0; i++) {
        int k = find_part(parts, np, req[i].number);
        unsigned char bin[16];
        if (k < 0 || strcmp(parts[k].etag, req[i].etag) != 0 ||
            shim_hex_decode(parts[k].etag, 16, bin) < 0) {
            err = S3E_INVALID_PART;
            break;
        }
        if (i + 1 < n && parts[k].size < S3_MIN_PART_SIZE) {
            err = S3E_ENTITY_TOO_SMALL;
            break;
        }
        total += parts[k].size;
        (void)EVP_DigestUpdate(md, bin, 16);
    }
    unsigned char out[16];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(md, out, &len) != 1 && err < 0) {
        err = S3E_INTERNAL;
    }
    EVP_MD_CTX_free(md);
    if (err < 0) {
        shim_hex_encode(out, 16, etag);
        snprintf(etag + 32, 16, "-%zu", n);
        *ret_size = total;
    }
    return err;
}

/* Pool thread: concatenates the parts into c->w (opened on the loop). */
static int assemble(struct s3_call *c)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < c->n_parts; i++) {
        char rel[64];
        s3_upload_part_path(c->upload_id, c->parts[i].number, rel);
        int fd = openat(c->b->fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct s3_meta pm = {0};
        r = fd < 0 ? EMU_ENOENT : s3_meta_read_fd(fd, &pm);
        r = r ? r : s3_writer_copy(c->w, fd, 0, pm.size, false);
        s3_meta_done(&pm);
        if (fd >= 0) {
            close(fd);
        }
    }
    return r;
}

static void complete_committed(struct s3_call *c, int r)
{
    struct shim_request *req = c->req;
    if (r < 0) {
        emu_log_error("s3: CompleteMultipartUpload %s/%s: %s", c->bucket, c->key,
                      emu_strerror(r));
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    (void)s3_upload_abort(c->b, c->upload_id);
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    const char *host = shim_request_header(req, "Host");
    r = s3_xml_start(&b, "CompleteMultipartUploadResult");
    r = r ? r : emu_buf_printf(&b, "<Location>http://%s/", host ? host : "localhost");
    r = r ? r : shim_xml_escape(c->bucket, strlen(c->bucket), &b);
    r = r ? r : emu_buf_puts(&b, "/");
    r = r ? r : shim_xml_escape(c->key, strlen(c->key), &b);
    r = r ? r : emu_buf_puts(&b, "</Location>");
    r = r ? r : s3_xml_elem(&b, "Bucket", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "Key", c->key, false);
    r = r ? r : emu_buf_printf(&b, "<ETag>&quot;%s&quot;</ETag>", c->meta.etag);
    r = r ? r : emu_buf_puts(&b, "</CompleteMultipartUploadResult>");
    respond_xml(c, &b, r);
}

static void complete_done(struct shim_request *req)
{
    struct s3_call *c = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    struct s3_complete_part *want = emu_calloc(S3_MAX_PARTS, sizeof(*want));
    struct s3_part_info *parts = NULL;
    size_t np = 0;
    if (!want) {
        s3_error(req, S3E_SLOW_DOWN, NULL, NULL, NULL);
        return;
    }
    int n = shim_request_body_error(req) < 0
                ? EMU_E2BIG
                : s3_xml_parse_complete(body->data, body->len, want, S3_MAX_PARTS);
    if (n < 0) {
        s3_error(req, S3E_MALFORMED_XML, NULL, NULL, NULL);
        goto out;
    }
    int r = s3_upload_parts(c->b, c->upload_id, &parts, &np);
    if (r < 0) {
        s3_error(req, S3E_NO_SUCH_UPLOAD, NULL, NULL, NULL);
        goto out;
    }
    uint64_t total = 0;
    int err = check_parts(want, (size_t)n, parts, np, &total, c->meta.etag);
    if (err >= 0) {
        s3_error(req, (enum s3_err)err, NULL, NULL, NULL);
        goto out;
    }
    c->meta.size = total;
    c->meta.mtime_ms = now_ms();
    c->meta.parts = (unsigned)n;
    r = s3_writer_open(c->b, total, &c->w);
    if (r < 0) {
        emu_log_error("s3: CompleteMultipartUpload %s/%s: %s", c->bucket, c->key,
                      emu_strerror(r));
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        goto out;
    }
    c->parts = want; /* the call frees it */
    c->n_parts = (size_t)n;
    want = NULL;
    s3__commit_async(c, assemble, NULL, complete_committed);
out:
    emu_free(parts);
    emu_free(want);
}

void s3_op_complete_upload(struct s3_call *c)
{
    if (!open_upload(c)) {
        return;
    }
    shim_request_buffer_body(c->req, S3_MAX_XML_BODY, complete_done);
}

void s3_op_abort_upload(struct s3_call *c)
{
    const char *id = shim_request_query(c->req, "uploadId");
    struct s3_meta m = {0};
    int r = s3_upload_open(c->b, id, c->key, &m);
    s3_meta_done(&m);
    r = r ? r : s3_upload_abort(c->b, id);
    if (r < 0) {
        s3_error(c->req, r == EMU_ENOENT ? S3E_NO_SUCH_UPLOAD : S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_empty(c->req, 204);
}
