/* SPDX-License-Identifier: Apache-2.0 */
/* Bucket operations: ListBuckets, CreateBucket (with or without a LocationConstraint),
 * HeadBucket, DeleteBucket, GetBucketLocation, and ListObjects / ListObjectsV2. */
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

static void respond_xml(struct s3_call *c, struct emu_buf *b, int r)
{
    if (r < 0) {
        emu_buf_done(b);
        s3_error(c->req, r == EMU_ENOMEM ? S3E_SLOW_DOWN : S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(c->req, 200, "application/xml", b);
}

static int owner_xml(struct emu_buf *b, const char *tag)
{
    return emu_buf_printf(b, "<%s><ID>%s</ID><DisplayName>%s</DisplayName></%s>", tag,
                          S3_OWNER_ID, S3_OWNER_NAME, tag);
}

void s3_op_list_buckets(struct s3_call *c)
{
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024 * 1024);
    int r = s3_xml_start(&b, "ListAllMyBucketsResult");
    r = r ? r : owner_xml(&b, "Owner");
    r = r ? r : emu_buf_puts(&b, "<Buckets>");
    for (size_t i = 0; r == 0 && i < s3_store_bucket_count(c->s3->store); i++) {
        const struct s3_bucket *bk = s3_store_bucket_at(c->s3->store, i);
        char date[40];
        shim_iso8601(bk->created_ms, date);
        r = emu_buf_printf(&b, "<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>",
                           bk->name, date);
    }
    r = r ? r : emu_buf_puts(&b, "</Buckets></ListAllMyBucketsResult>");
    respond_xml(c, &b, r);
}

static void create_bucket_done(struct shim_request *req)
{
    struct s3_call *c = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    if (shim_request_body_error(req) < 0) {
        s3_error(req, S3E_MALFORMED_XML, NULL, NULL, NULL);
        return;
    }
    char location[64];
    if (s3_xml_parse_location(body->data, body->len, location, sizeof(location)) < 0) {
        s3_error(req, S3E_MALFORMED_XML, NULL, NULL, NULL);
        return;
    }
    const char *region = location[0] ? location : c->s3->region;
    if (strcmp(region, "EU") == 0) {
        region = "eu-west-1";
    }
    int r = s3_store_bucket_create(c->s3->store, c->bucket, region);
    if (r == EMU_EEXIST) {
        struct s3_bucket *b = NULL;
        (void)s3_store_bucket_get(c->s3->store, c->bucket, &b);
        /* us-east-1 answers 200 to a repeated CreateBucket by the owner; other regions 409. */
        if (b && strcmp(b->region, "us-east-1") == 0 && strcmp(region, "us-east-1") == 0) {
            r = 0;
        }
        else {
            s3_error(req, S3E_BUCKET_ALREADY_OWNED, c->bucket, NULL, NULL);
            return;
        }
    }
    if (r < 0) {
        emu_log_error("s3: CreateBucket %s: %s", c->bucket, emu_strerror(r));
        s3_error(req, s3_err_from_errno(r, false), c->bucket, NULL, NULL);
        return;
    }
    char loc[80];
    snprintf(loc, sizeof(loc), "/%s", c->bucket);
    (void)shim_response_header(req, "Location", loc);
    shim_respond_empty(req, 200);
}

void s3_op_create_bucket(struct s3_call *c)
{
    if (!s3_bucket_name_valid(c->bucket)) {
        s3_error(c->req, S3E_INVALID_BUCKET_NAME, c->bucket, NULL, NULL);
        return;
    }
    shim_request_buffer_body(c->req, 64 * 1024, create_bucket_done);
}

void s3_op_head_bucket(struct s3_call *c)
{
    (void)shim_response_header(c->req, "x-amz-bucket-region", c->b->region);
    shim_respond_empty(c->req, 200);
}

void s3_op_delete_bucket(struct s3_call *c)
{
    int r = s3_store_bucket_delete(c->s3->store, c->bucket);
    if (r < 0) {
        if (r != -ENOTEMPTY) {
            emu_log_error("s3: DeleteBucket %s: %s", c->bucket, emu_strerror(r));
        }
        s3_error(c->req, s3_err_from_errno(r, false), c->bucket, NULL, NULL);
        return;
    }
    shim_respond_empty(c->req, 204);
}

void s3_op_get_bucket_location(struct s3_call *c)
{
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    const char *region = strcmp(c->b->region, "us-east-1") == 0 ? "" : c->b->region;
    int r = emu_buf_printf(&b,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
                           "xmlns=\"%s\">%s</LocationConstraint>",
                           S3_XMLNS, region);
    respond_xml(c, &b, r);
}

/* Parses max-keys (default 1000, capped at 1000 as S3 does); false when not a number. */
static bool max_keys(const char *s, size_t *ret)
{
    *ret = 1000;
    if (!s) {
        return true;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0) {
        return false;
    }
    *ret = v > 1000 ? 1000 : (size_t)v;
    return true;
}

static int list_items_xml(struct emu_buf *b, const struct s3_list_result *res, bool url,
                          bool v1)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < res->n_items; i++) {
        const struct s3_list_item *it = &res->items[i];
        if (!it->entry) {
            continue;
        }
        char date[40];
        shim_iso8601(it->entry->mtime_ms, date);
        r = emu_buf_puts(b, "<Contents>");
        r = r ? r : s3_xml_elem(b, "Key", it->entry->key, url);
        r = r ? r : emu_buf_printf(b, "<LastModified>%s</LastModified>", date);
        r = r ? r : emu_buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", it->entry->etag);
        r = r ? r : s3_xml_elem_u64(b, "Size", it->entry->size);
        r = r ? r : (v1 ? owner_xml(b, "Owner") : 0);
        r = r ? r : emu_buf_puts(b, "<StorageClass>STANDARD</StorageClass></Contents>");
    }
    for (size_t i = 0; r == 0 && i < res->n_items; i++) {
        const struct s3_list_item *it = &res->items[i];
        if (it->entry) {
            continue;
        }
        char *p = emu_strndup(it->prefix, it->prefix_len);
        r = p ? emu_buf_puts(b, "<CommonPrefixes>") : EMU_ENOMEM;
        r = r ? r : s3_xml_elem(b, "Prefix", p, url);
        r = r ? r : emu_buf_puts(b, "</CommonPrefixes>");
        emu_free(p);
    }
    return r;
}

/* The key or prefix of the last item, as a new string (NULL when empty or OOM). */
static char *last_item(const struct s3_list_result *res)
{
    if (res->n_items == 0) {
        return NULL;
    }
    const struct s3_list_item *it = &res->items[res->n_items - 1];
    return it->entry ? emu_strdup(it->entry->key) : emu_strndup(it->prefix, it->prefix_len);
}

void s3_op_list_objects(struct s3_call *c)
{
    struct shim_request *req = c->req;
    bool v2 = c->op == S3_OP_LIST_OBJECTS_V2;
    const char *enc = shim_request_query(req, "encoding-type");
    bool url = enc && strcmp(enc, "url") == 0;
    if ((enc && !url) || (v2 && strcmp(shim_request_query(req, "list-type"), "2") != 0)) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL,
                 enc && !url ? "Invalid Encoding Method specified in Request"
                             : "Invalid list type");
        return;
    }
    struct s3_list_params p = {
        .prefix = shim_request_query(req, "prefix"),
        .delimiter = shim_request_query(req, "delimiter"),
    };
    if (!max_keys(shim_request_query(req, "max-keys"), &p.max_keys)) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL,
                 "Provided max-keys not an integer or within integer range");
        return;
    }
    const char *token = v2 ? shim_request_query(req, "continuation-token") : NULL;
    const char *start_after = v2 ? shim_request_query(req, "start-after") : NULL;
    const char *marker = v2 ? NULL : shim_request_query(req, "marker");
    unsigned char decoded[S3_MAX_KEY + 4];
    char after[S3_MAX_KEY + 1];
    p.after = v2 ? start_after : marker;
    if (token) {
        int n = shim_base64_decode(token, strlen(token), decoded, sizeof(decoded));
        if (n <= 0 || n > S3_MAX_KEY || memchr(decoded, '\0', (size_t)n)) {
            s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL,
                     "The continuation token provided is incorrect");
            return;
        }
        memcpy(after, decoded, (size_t)n);
        after[n] = '\0';
        p.after = after;
    }
    int r = s3_bucket_catch_up(c->b);
    struct s3_list_result res = {0};
    r = r ? r : s3_list_run(c->b->ents, c->b->n_ents, &p, &res);
    struct emu_buf b;
    emu_buf_init(&b, 256u * 1024 * 1024);
    r = r ? r : s3_xml_start(&b, "ListBucketResult");
    r = r ? r : s3_xml_elem(&b, "Name", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "Prefix", p.prefix ? p.prefix : "", url);
    if (v2) {
        r = r ? r : s3_xml_elem_u64(&b, "KeyCount", res.n_items);
        if (token) {
            r = r ? r : s3_xml_elem(&b, "ContinuationToken", token, false);
        }
        if (start_after) {
            r = r ? r : s3_xml_elem(&b, "StartAfter", start_after, url);
        }
    }
    else {
        r = r ? r : s3_xml_elem(&b, "Marker", marker ? marker : "", url);
    }
    r = r ? r : s3_xml_elem_u64(&b, "MaxKeys", p.max_keys);
    if (p.delimiter) {
        r = r ? r : s3_xml_elem(&b, "Delimiter", p.delimiter, url);
    }
    if (url) {
        r = r ? r : emu_buf_puts(&b, "<EncodingType>url</EncodingType>");
    }
    r = r ? r : emu_buf_printf(&b, "<IsTruncated>%s</IsTruncated>",
                               res.truncated ? "true" : "false");
    char *last = res.truncated ? last_item(&res) : NULL;
    if (last && v2) {
        char tok[2 * S3_MAX_KEY];
        (void)shim_base64_encode((const unsigned char *)last, strlen(last), tok, sizeof(tok));
        r = r ? r : s3_xml_elem(&b, "NextContinuationToken", tok, false);
    }
    else if (last && p.delimiter) {
        r = r ? r : s3_xml_elem(&b, "NextMarker", last, url);
    }
    emu_free(last);
    r = r ? r : list_items_xml(&b, &res, url, !v2);
    r = r ? r : emu_buf_puts(&b, "</ListBucketResult>");
    emu_free(res.items);
    respond_xml(c, &b, r);
}
