/* SPDX-License-Identifier: Apache-2.0 */
/* The S3 service: start and stop, path-style and virtual-hosted addressing, the route table
 * (method, path pattern, sub-resource), authentication, and dispatch to the operations.
 *
 * DESIGN: every request goes through the same steps at headers time, cheapest first: parse
 * the target (InvalidURI), verify SigV4 or anonymous access, refuse sub-resources we do not
 * implement (NotImplemented, never a wrong success), match the route, decode and check the
 * bucket and key, look the bucket up, then hand over to the operation, which answers or
 * streams the body. */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/common/route.h"
#include "shims/s3/s3_internal.h"

static const struct shim_route s3_routes[] = {
    {"GET", "/", NULL, NULL, NULL, S3_OP_LIST_BUCKETS, "ListBuckets"},
    {"GET", "/{bucket}", "tagging", NULL, NULL, S3_OP_NOT_IMPLEMENTED, "GetBucketTagging"},
    {"PUT", "/{bucket}", "tagging", NULL, NULL, S3_OP_NOT_IMPLEMENTED, "PutBucketTagging"},
    {"DELETE", "/{bucket}", "tagging", NULL, NULL, S3_OP_NOT_IMPLEMENTED, "DeleteBucketTagging"},
    {"GET", "/{bucket}", "location", NULL, NULL, S3_OP_GET_BUCKET_LOCATION, "GetBucketLocation"},
    {"GET", "/{bucket}", "uploads", NULL, NULL, S3_OP_LIST_UPLOADS, "ListMultipartUploads"},
    {"GET", "/{bucket}", "list-type", NULL, NULL, S3_OP_LIST_OBJECTS_V2, "ListObjectsV2"},
    {"GET", "/{bucket}", NULL, NULL, NULL, S3_OP_LIST_OBJECTS, "ListObjects"},
    {"PUT", "/{bucket}", NULL, NULL, NULL, S3_OP_CREATE_BUCKET, "CreateBucket"},
    {"HEAD", "/{bucket}", NULL, NULL, NULL, S3_OP_HEAD_BUCKET, "HeadBucket"},
    {"DELETE", "/{bucket}", NULL, NULL, NULL, S3_OP_DELETE_BUCKET, "DeleteBucket"},
    {"POST", "/{bucket}", "delete", NULL, NULL, S3_OP_DELETE_OBJECTS, "DeleteObjects"},
    {"POST", "/{bucket}/{key+}", "uploads", NULL, NULL,
     S3_OP_CREATE_UPLOAD, "CreateMultipartUpload"},
    {"POST", "/{bucket}/{key+}", "uploadId", NULL, NULL,
     S3_OP_COMPLETE_UPLOAD, "CompleteMultipartUpload"},
    {"PUT", "/{bucket}/{key+}", "uploadId", "x-amz-copy-source", NULL,
     S3_OP_UPLOAD_PART_COPY, "UploadPartCopy"},
    {"PUT", "/{bucket}/{key+}", "uploadId", NULL, NULL, S3_OP_UPLOAD_PART, "UploadPart"},
    {"GET", "/{bucket}/{key+}", "uploadId", NULL, NULL, S3_OP_LIST_PARTS, "ListParts"},
    {"GET", "/{bucket}/{key+}", "tagging", NULL, NULL,
     S3_OP_GET_OBJECT_TAGGING, "GetObjectTagging"},
    {"PUT", "/{bucket}/{key+}", "tagging", NULL, NULL, S3_OP_NOT_IMPLEMENTED, "PutObjectTagging"},
    {"DELETE", "/{bucket}/{key+}", "tagging", NULL, NULL,
     S3_OP_NOT_IMPLEMENTED, "DeleteObjectTagging"},
    {"DELETE", "/{bucket}/{key+}", "uploadId", NULL, NULL,
     S3_OP_ABORT_UPLOAD, "AbortMultipartUpload"},
    {"PUT", "/{bucket}/{key+}", NULL, "x-amz-copy-source", NULL, S3_OP_COPY_OBJECT, "CopyObject"},
    {"PUT", "/{bucket}/{key+}", NULL, NULL, NULL, S3_OP_PUT_OBJECT, "PutObject"},
    {"GET", "/{bucket}/{key+}", NULL, NULL, NULL, S3_OP_GET_OBJECT, "GetObject"},
    {"HEAD", "/{bucket}/{key+}", NULL, NULL, NULL, S3_OP_HEAD_OBJECT, "HeadObject"},
    {"DELETE", "/{bucket}/{key+}", NULL, NULL, NULL, S3_OP_DELETE_OBJECT, "DeleteObject"},
};

static void (*const s3_handlers[_S3_OP_MAX])(struct s3_call *c) = {
    [S3_OP_LIST_BUCKETS] = s3_op_list_buckets,
    [S3_OP_CREATE_BUCKET] = s3_op_create_bucket,
    [S3_OP_HEAD_BUCKET] = s3_op_head_bucket,
    [S3_OP_DELETE_BUCKET] = s3_op_delete_bucket,
    [S3_OP_GET_BUCKET_LOCATION] = s3_op_get_bucket_location,
    [S3_OP_LIST_OBJECTS] = s3_op_list_objects,
    [S3_OP_LIST_OBJECTS_V2] = s3_op_list_objects,
    [S3_OP_LIST_UPLOADS] = s3_op_list_uploads,
    [S3_OP_DELETE_OBJECTS] = s3_op_delete_objects,
    [S3_OP_PUT_OBJECT] = s3_op_put_object,
    [S3_OP_COPY_OBJECT] = s3_op_copy_object,
    [S3_OP_GET_OBJECT] = s3_op_get_object,
    [S3_OP_HEAD_OBJECT] = s3_op_get_object,
    [S3_OP_DELETE_OBJECT] = s3_op_delete_object,
    [S3_OP_CREATE_UPLOAD] = s3_op_create_upload,
    [S3_OP_UPLOAD_PART] = s3_op_upload_part,
    [S3_OP_UPLOAD_PART_COPY] = s3_op_upload_part_copy,
    [S3_OP_COMPLETE_UPLOAD] = s3_op_complete_upload,
    [S3_OP_ABORT_UPLOAD] = s3_op_abort_upload,
    [S3_OP_LIST_PARTS] = s3_op_list_parts,
    [S3_OP_GET_OBJECT_TAGGING] = s3_op_get_object_tagging,
    [S3_OP_NOT_IMPLEMENTED] = NULL,
};

/* Sub-resources S3 has and this endpoint does not implement: refused with NotImplemented. */
static const char *const unsupported_subresources[] = {
    "accelerate", "acl",          "analytics",  "attributes",        "cors",
    "encryption", "intelligent-tiering",        "inventory",         "legal-hold",
    "lifecycle",  "logging",      "metrics",    "notification",      "object-lock",
    "ownershipControls",          "policy",     "policyStatus",      "publicAccessBlock",
    "replication", "requestPayment",            "restore",           "retention",
    "select",     "torrent",    "versioning",        "versions",
    "website",    "renameObject", "session",
};

bool shim_s3_has_operation(const char *op)
{
    for (size_t i = 0; i < sizeof(s3_routes) / sizeof(s3_routes[0]); i++) {
        if (strcmp(s3_routes[i].name, op) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_query(const void *ctx, const char *name)
{
    return shim_request_query(ctx, name) != NULL;
}

static bool has_header(const void *ctx, const char *name)
{
    return shim_request_header(ctx, name) != NULL;
}

static void service_free(struct shim_s3 *s3)
{
    s3_store_free(s3->store);
    emu_free((void *)(uintptr_t)s3->auth.access_key);
    emu_free((void *)(uintptr_t)s3->auth.secret_key);
    emu_free(s3->region);
    emu_free(s3->base_domain);
    emu_free(s3);
}

static void compaction_done(void *ud)
{
    struct shim_s3 *s3 = ud;
    if (--s3->calls == 0 && s3->stopped) {
        service_free(s3);
    }
}

static void call_free(void *p)
{
    struct s3_call *c = p;
    if (!c) {
        return;
    }
    struct shim_s3 *s3 = c->s3;
    if (c->src_fd >= 0) {
        close(c->src_fd);
    }
    emu_free(c->parts);
    s3_writer_free(c->w);
    s3_pack_release(c->pack);
    /* Overwrites and deletes leave dead records in the packs: rewrite one past the threshold. */
    if (c->b && c->b->compact_due && !s3->stopped &&
        s3_compact_start(s3->loop, c->b, compaction_done, s3) == 0) {
        s3->calls++;
    }
    s3_bucket_unref(c->b);
    shim_payload_done(&c->payload);
    s3_cksum_done(&c->ck);
    s3_meta_done(&c->meta);
    emu_free(c->bucket);
    emu_free(c->key);
    emu_free(c);
    if (--s3->calls == 0 && s3->stopped) {
        service_free(s3);
    }
}

/* Decodes a captured path slice; NULL on a bad escape (*ret_err set) or OOM. */
static char *decode_capture(const struct shim_capture *cap, int *ret_err)
{
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = shim_percent_decode(cap->value, cap->value_len, false, &b);
    if (r < 0) {
        emu_buf_done(&b);
        *ret_err = r;
        return NULL;
    }
    if (strlen(b.data) != b.len) {
        emu_buf_done(&b);
        *ret_err = EMU_EINVAL; /* NUL inside */
        return NULL;
    }
    return emu_buf_steal(&b);
}

/* Route, decode names, find the bucket; answers and returns false on any refusal. */
static bool resolve(struct s3_call *c, const char *path)
{
    struct shim_request *req = c->req;
    for (size_t i = 0; i < sizeof(unsupported_subresources) / sizeof(char *); i++) {
        if (shim_request_query(req, unsupported_subresources[i])) {
            s3_error(req, S3E_NOT_IMPLEMENTED, NULL, NULL, NULL);
            return false;
        }
    }
    if (shim_request_query(req, "partNumber") && !shim_request_query(req, "uploadId")) {
        s3_error(req, S3E_NOT_IMPLEMENTED, NULL, NULL, "GetObject by part is not implemented.");
        return false;
    }
    const char *version = shim_request_query(req, "versionId");
    if (version && strcmp(version, "null") != 0) {
        s3_error(req, S3E_NOT_IMPLEMENTED, NULL, NULL, "Versioning is not implemented.");
        return false;
    }
    struct shim_route_input in = {shim_request_method(req), path, has_query, has_header, NULL,
                                  req};
    struct shim_capture caps[SHIM_ROUTE_MAX_CAPTURES];
    size_t n = 0;
    bool path_matched = false;
    const struct shim_route *route = shim_route_match(
        s3_routes, sizeof(s3_routes) / sizeof(s3_routes[0]), &in, caps, &n, &path_matched);
    if (!route || !s3_handlers[route->op]) {
        s3_error(req, path_matched && route == NULL ? S3E_METHOD_NOT_ALLOWED : S3E_NOT_IMPLEMENTED,
                 NULL, NULL, NULL);
        return false;
    }
    c->op = (enum s3_op)route->op;
    c->op_name = route->name;
    int err = 0;
    for (size_t i = 0; i < n; i++) {
        char **dst = caps[i].name[0] == 'b' ? &c->bucket : &c->key;
        *dst = decode_capture(&caps[i], &err);
        if (!*dst) {
            s3_error(req, err == EMU_ENOMEM ? S3E_SLOW_DOWN : S3E_INVALID_URI, NULL, NULL, NULL);
            return false;
        }
    }
    if (c->key && strlen(c->key) > S3_MAX_KEY) {
        s3_error(req, S3E_KEY_TOO_LONG, NULL, NULL, NULL);
        return false;
    }
    if (c->bucket && c->op != S3_OP_CREATE_BUCKET) {
        if (s3_store_bucket_get(c->s3->store, c->bucket, &c->b) < 0) {
            s3_error(req, S3E_NO_SUCH_BUCKET, c->bucket, NULL, NULL);
            return false;
        }
        s3_bucket_ref(c->b);
    }
    return true;
}

/* Runs the operation once injected latency is over. */
static void dispatch(struct shim_request *req)
{
    struct s3_call *c = shim_request_data(req);
    s3_handlers[c->op](c);
}

static void on_request(struct shim_request *req, void *ctx)
{
    struct shim_s3 *s3 = ctx;
    struct s3_call *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        s3_error(req, S3E_SLOW_DOWN, NULL, NULL, NULL);
        return;
    }
    c->s3 = s3;
    c->req = req;
    c->src_fd = -1;
    s3->calls++;
    shim_request_set_data(req, c, call_free);
    if (shim_auth_verify(req, &s3->auth, &c->payload) < 0) {
        return;
    }
    /* Virtual-hosted style: the bucket comes from the Host header. */
    const char *raw = shim_request_raw_path(req);
    char host_bucket[64];
    struct emu_buf path;
    emu_buf_init(&path, SHIM_HTTP_MAX_URI + 128);
    int r = 0;
    if (s3_host_bucket(shim_request_header(req, "Host"), s3->base_domain, host_bucket,
                       sizeof(host_bucket))) {
        if (!s3_bucket_name_valid(host_bucket)) {
            emu_buf_done(&path);
            s3_error(req, S3E_INVALID_BUCKET_NAME, host_bucket, NULL, NULL);
            return;
        }
        r = emu_buf_printf(&path, "/%s%s", host_bucket, raw);
    }
    else {
        r = emu_buf_puts(&path, raw);
    }
    if (r < 0) {
        emu_buf_done(&path);
        s3_error(req, S3E_INVALID_URI, NULL, NULL, NULL);
        return;
    }
    bool ok = resolve(c, path.data);
    emu_buf_done(&path);
    if (ok && !s3__iam_allowed(c, c->payload.key_id)) {
        return;
    }
    if (ok && !shim_request_fault(req, c->op_name, dispatch)) {
        s3_handlers[c->op](c);
    }
}

int shim_s3_start(uv_loop_t *loop, const struct shim_s3_config *cfg, struct shim_s3 **ret)
{
    struct shim_s3 *s3 = emu_calloc(1, sizeof(*s3));
    if (!s3) {
        return EMU_ENOMEM;
    }
    s3->region = emu_strdup(cfg->region ? cfg->region : SHIM_S3_DEFAULT_REGION);
    s3->base_domain =
        emu_strdup(cfg->base_domain ? cfg->base_domain : SHIM_S3_DEFAULT_BASE_DOMAIN);
    char *ak = cfg->access_key ? emu_strdup(cfg->access_key) : NULL;
    char *sk = cfg->secret_key ? emu_strdup(cfg->secret_key) : NULL;
    s3->auth = (struct shim_auth){ak, sk, NULL, "s3", true, cfg->allow_anonymous};
    s3->max_object_size = cfg->max_object_size ? cfg->max_object_size : SHIM_S3_MAX_OBJECT_SIZE;
    s3->loop = loop;
    int r = (!s3->region || !s3->base_domain || (cfg->access_key && !ak) ||
             (cfg->secret_key && !sk))
                ? EMU_ENOMEM
                : 0;
    r = r ? r : s3_store_open(cfg->root, &s3->store);
    r = r ? r : s3_store_set_max_bytes(s3->store, cfg->max_store_bytes);
    if (r == 0) {
        s3_store_set_compact_min(s3->store, cfg->compact_min_dead);
    }
    char journal[4200];
    int jn = snprintf(journal, sizeof(journal), "%s/failed-requests.jsonl", cfg->root);
    if (r == 0) {
        struct shim_http_config hc = {
            .journal = jn > 0 && (size_t)jn < sizeof(journal) ? journal : NULL,
            .name = "s3",
            .max_header_bytes = SHIM_S3_MAX_HEADER_BYTES,
            .address = cfg->address,
            .port = cfg->port,
            .on_request = on_request,
            .ctx = s3,
            .faults = cfg->faults,
            .error_shape = SHIM_ERRORS_XML,
        };
        r = shim_http_start(loop, &hc, &s3->http);
    }
    if (r < 0) {
        shim_s3_stop(s3);
        return r;
    }
    *ret = s3;
    return 0;
}

uint16_t shim_s3_port(const struct shim_s3 *s3)
{
    return shim_http_port(s3->http);
}

void shim_s3_stop(struct shim_s3 *s3)
{
    if (!s3) {
        return;
    }
    shim_http_stop(s3->http); /* frees live requests before the store goes */
    s3->http = NULL;
    s3->stopped = true;
    if (s3->calls == 0) {
        service_free(s3);
    }
    /* else calls whose jobs still run on the thread pool free the service with the last one */
}
