/* SPDX-License-Identifier: Apache-2.0 */
/* Operations that act on other objects than the request's own body: CopyObject (metadata
 * directive COPY or REPLACE, copy-source conditions) and DeleteObjects (XML batch, quiet
 * mode, Content-MD5). */
#include <openssl/evp.h>
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

/* Splits a decoded x-amz-copy-source ("/bucket/key" or "bucket/key", "?versionId=" dropped)
 * into bucket and key (pointers into s). */
static bool split_source(char *s, char **ret_bucket, char **ret_key)
{
    if (*s == '/') {
        s++;
    }
    char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1]) {
        return false;
    }
    *slash = '\0';
    *ret_bucket = s;
    *ret_key = slash + 1;
    return true;
}

static bool copy_conditions_hold(const struct shim_request *req, const struct s3_meta *m)
{
    const char *im = shim_request_header(req, "x-amz-copy-source-if-match");
    const char *inm = shim_request_header(req, "x-amz-copy-source-if-none-match");
    char quoted[56];
    snprintf(quoted, sizeof(quoted), "\"%s\"", m->etag);
    if (im && strcmp(im, quoted) != 0 && strcmp(im, m->etag) != 0 && strcmp(im, "*") != 0) {
        return false;
    }
    if (inm && (strcmp(inm, quoted) == 0 || strcmp(inm, m->etag) == 0 || strcmp(inm, "*") == 0)) {
        return false;
    }
    return true;
}

static void copy_committed(struct s3_call *c, int r)
{
    struct shim_request *req = c->req;
    if (r < 0) {
        emu_log_error("s3: CopyObject to %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(req, s3_err_from_errno(r, true), NULL, NULL, NULL);
        return;
    }
    char date[40];
    shim_iso8601(c->meta.mtime_ms, date);
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    r = s3_xml_start(&b, "CopyObjectResult");
    r = r ? r : emu_buf_printf(&b, "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
                                   "</CopyObjectResult>",
                               date, c->meta.etag);
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(req, 200, "application/xml", &b);
}

/* Prepares the copy of the open source (the call takes fd) into a new object c->key with
 * metadata from src or the request; the copy and commit run on the thread pool. */
static int copy_into(struct s3_call *c, int fd, const struct s3_meta *src, bool replace)
{
    int r = replace ? s3_meta_from_request(&c->meta, c->req) : 0;
    for (size_t i = 0; r == 0 && !replace && i < src->n_hdrs; i++) {
        r = s3_meta_add(&c->meta, src->hdrs[i].name, src->hdrs[i].value);
    }
    r = r ? r : s3_writer_open(c->b, c->s3->max_object_size, &c->w);
    c->meta.key = r ? NULL : emu_strdup(c->key);
    r = r ? r : c->meta.key ? 0 : EMU_ENOMEM;
    if (r < 0) {
        return r;
    }
    c->meta.mtime_ms = now_ms();
    c->src_fd = fd;
    c->src_off = src->data_off;
    c->src_len = src->size;
    c->src_hash = true;
    s3__commit_async(c, s3__fill_copy, NULL, copy_committed);
    return 0;
}

bool s3__copy_source_open(struct s3_call *c, int *ret_fd, struct s3_meta *ret_src,
                          bool *ret_same)
{
    struct shim_request *req = c->req;
    const char *h = shim_request_header(req, "x-amz-copy-source");
    struct emu_buf dec;
    emu_buf_init(&dec, 4096);
    size_t hlen = strcspn(h, "?");
    const char *q = h + hlen;
    char *sb = NULL, *sk = NULL;
    if ((*q && strcmp(q, "?versionId=null") != 0) ||
        shim_percent_decode(h, hlen, false, &dec) < 0 || strlen(dec.data) != dec.len ||
        !split_source(dec.data, &sb, &sk)) {
        emu_buf_done(&dec);
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL, "Invalid copy source.");
        return false;
    }
    struct s3_bucket *src_b = NULL;
    int fd = -1;
    struct s3_meta src = {0};
    bool ok = false;
    int r = s3_store_bucket_get(c->s3->store, sb, &src_b);
    if (r < 0) {
        s3_error(req, S3E_NO_SUCH_BUCKET, sb, NULL, NULL);
        goto out;
    }
    r = s3_object_open(src_b, sk, &fd, &src);
    if (r < 0) {
        s3_error(req, s3_err_from_errno(r, true), NULL, sk, NULL);
        goto out;
    }
    if (!copy_conditions_hold(req, &src)) {
        s3_error(req, S3E_PRECONDITION_FAILED, NULL, NULL, NULL);
        goto out;
    }
    *ret_same = src_b == c->b && strcmp(sk, c->key) == 0;
    *ret_fd = fd;
    *ret_src = src;
    fd = -1;
    src = (struct s3_meta){0};
    ok = true;
out:
    if (fd >= 0) {
        close(fd);
    }
    s3_meta_done(&src);
    emu_buf_done(&dec);
    return ok;
}

void s3_op_copy_object(struct s3_call *c)
{
    struct shim_request *req = c->req;
    const char *directive = shim_request_header(req, "x-amz-metadata-directive");
    bool replace = directive && strcasecmp(directive, "REPLACE") == 0;
    if (directive && !replace && strcasecmp(directive, "COPY") != 0) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL, "Unknown metadata directive.");
        return;
    }
    if (s3_key_check(c->key, strlen(c->key)) < 0) {
        s3_error(req, S3E_KEY_TOO_LONG, NULL, NULL, NULL);
        return;
    }
    int fd = -1;
    struct s3_meta src = {0};
    bool same = false;
    if (!s3__copy_source_open(c, &fd, &src, &same)) {
        return;
    }
    if (!replace && same) {
        s3_error(req, S3E_INVALID_REQUEST, NULL, NULL,
                 "This copy request is illegal because it is trying to copy an object to "
                 "itself without changing the object's metadata, storage class, website "
                 "redirect location or encryption attributes.");
        goto out;
    }
    int r = copy_into(c, fd, &src, replace);
    if (r < 0) {
        if (r != EMU_E2BIG) {
            emu_log_error("s3: CopyObject to %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        }
        s3_error(req, r == EMU_E2BIG ? S3E_METADATA_TOO_LARGE : s3_err_from_errno(r, true),
                 NULL, NULL, NULL);
        goto out;
    }
    fd = -1; /* the call owns it now */
out:
    if (fd >= 0) {
        close(fd);
    }
    s3_meta_done(&src);
}

/* Deletes one key of a batch and appends its <Deleted> or <Error> element. */
static int delete_one(struct s3_call *c, const char *key, bool quiet, struct emu_buf *b)
{
    int r = s3_key_check(key, strlen(key));
    const char *code = r == EMU_ENAMETOOLONG ? "KeyTooLongError" : "InvalidArgument";
    if (r == 0) {
        r = s3_object_delete(c->b, key);
        code = "InternalError";
    }
    if (r == 0) {
        if (quiet) {
            return 0;
        }
        int w = emu_buf_puts(b, "<Deleted>");
        w = w ? w : s3_xml_elem(b, "Key", key, false);
        return w ? w : emu_buf_puts(b, "</Deleted>");
    }
    int w = emu_buf_puts(b, "<Error>");
    w = w ? w : s3_xml_elem(b, "Key", key, false);
    w = w ? w : emu_buf_printf(b, "<Code>%s</Code><Message>%s</Message></Error>", code,
                               emu_strerror(r));
    return w;
}

static void delete_objects_done(struct shim_request *req)
{
    struct s3_call *c = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    if (shim_request_body_error(req) < 0) {
        s3_error(req, S3E_MALFORMED_XML, NULL, NULL, NULL);
        return;
    }
    const char *md5h = shim_request_header(req, "Content-MD5");
    if (md5h) {
        unsigned char want[16], got[16];
        unsigned int len = 0;
        if (shim_base64_decode(md5h, strlen(md5h), want, sizeof(want)) != 16) {
            s3_error(req, S3E_INVALID_DIGEST, NULL, NULL, NULL);
            return;
        }
        (void)EVP_Digest(body->data, body->len, got, &len, EVP_md5(), NULL);
        if (memcmp(want, got, 16) != 0) {
            s3_error(req, S3E_BAD_DIGEST, NULL, NULL, NULL);
            return;
        }
    }
    struct emu_arena a;
    emu_arena_init(&a, body->len * 4 + 64 * 1024);
    const char **keys = emu_calloc(S3_MAX_DELETE_KEYS, sizeof(*keys));
    bool quiet = false;
    int n = keys ? s3_xml_parse_delete(body->data, body->len, &a, keys, S3_MAX_DELETE_KEYS,
                                       &quiet)
                 : EMU_ENOMEM;
    if (n < 0) {
        s3_error(req, n == EMU_ENOMEM ? S3E_SLOW_DOWN : S3E_MALFORMED_XML, NULL, NULL, NULL);
        goto out;
    }
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024 * 1024);
    int r = s3_xml_start(&b, "DeleteResult");
    for (int i = 0; r == 0 && i < n; i++) {
        r = delete_one(c, keys[i], quiet, &b);
    }
    r = r ? r : emu_buf_puts(&b, "</DeleteResult>");
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        goto out;
    }
    shim_respond_buf(req, 200, "application/xml", &b);
out:
    emu_free(keys);
    emu_arena_done(&a);
}

void s3_op_delete_objects(struct s3_call *c)
{
    shim_request_buffer_body(c->req, S3_MAX_XML_BODY, delete_objects_done);
}
