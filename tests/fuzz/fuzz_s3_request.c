/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the S3 shim's request handling before any I/O: the raw target split into
 * path and query, query decoding, route matching with captures and their decoding, the
 * virtual-host bucket, key and bucket rules, Range and HTTP dates. Input: "METHOD TARGET\n"
 * then header lines "Name: value". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/common/route.h"
#include "shims/s3/s3_internal.h"

static const struct shim_route routes[] = {
    {"GET", "/", NULL, NULL, NULL, 1, "ListBuckets"},
    {"GET", "/{bucket}", "list-type", NULL, NULL, 2, "ListObjectsV2"},
    {"PUT", "/{bucket}", NULL, NULL, NULL, 3, "CreateBucket"},
    {"PUT", "/{bucket}/{key+}", "uploadId", NULL, NULL, 4, "UploadPart"},
    {"PUT", "/{bucket}/{key+}", NULL, "x-amz-copy-source", NULL, 5, "CopyObject"},
    {"GET", "/{bucket}/{key+}", NULL, NULL, NULL, 6, "GetObject"},
    {"POST", "/", NULL, NULL, "Logs_20140328.PutLogEvents", 7, "PutLogEvents"},
};

struct input {
    struct shim_kv *query;
    size_t n_query;
    char *headers;
};

static bool has_query(const void *ctx, const char *name)
{
    const struct input *in = ctx;
    for (size_t i = 0; i < in->n_query; i++) {
        if (strcmp(in->query[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_header(const void *ctx, const char *name)
{
    const struct input *in = ctx;
    return strstr(in->headers, name) != NULL;
}

static const char *header(char *headers, const char *name)
{
    char *p = strstr(headers, name);
    if (!p) {
        return NULL;
    }
    p += strlen(name);
    return *p == ':' ? p + 1 + (p[1] == ' ') : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    char *text = emu_strndup((const char *)data, size); /* stops at a NUL, like MHD */
    if (!text) {
        return 0;
    }
    char *nl = strchr(text, '\n');
    char *headers = nl ? nl + 1 : text + strlen(text);
    if (nl) {
        *nl = '\0';
    }
    char *sp = strchr(text, ' ');
    const char *method = text;
    char *target = sp ? sp + 1 : text + strlen(text);
    if (sp) {
        *sp = '\0';
    }
    char *q = strchr(target, '?');
    const char *query = q ? q + 1 : "";
    if (q) {
        *q = '\0';
    }
    size_t store_size = shim_query_store_size(query);
    char *store = emu_malloc(store_size);
    struct shim_kv kv[64];
    int n = store ? shim_query_parse(query, kv, 64, store, store_size) : -1;
    struct input in = {kv, n > 0 ? (size_t)n : 0, headers};
    struct shim_route_input ri = {method, target, has_query, has_header,
                                  header(headers, "X-Amz-Target"), &in};
    struct shim_capture caps[SHIM_ROUTE_MAX_CAPTURES];
    size_t nc = 0;
    bool pm = false;
    const struct shim_route *r =
        shim_route_match(routes, sizeof(routes) / sizeof(routes[0]), &ri, caps, &nc, &pm);
    for (size_t i = 0; r && i < nc; i++) {
        struct emu_buf b;
        emu_buf_init(&b, 64 * 1024);
        if (shim_percent_decode(caps[i].value, caps[i].value_len, false, &b) == 0) {
            (void)s3_key_check(b.data, b.len);
            (void)s3_bucket_name_valid(b.data);
            struct emu_buf e;
            emu_buf_init(&e, 256 * 1024);
            (void)shim_percent_encode(b.data, b.len, true, &e);
            (void)shim_xml_escape(b.data, b.len, &e);
            emu_buf_done(&e);
        }
        emu_buf_done(&b);
    }
    char bucket[64];
    (void)s3_host_bucket(header(headers, "Host"), "localhost", bucket, sizeof(bucket));
    uint64_t start, len;
    (void)s3_range_parse(header(headers, "Range"), 1000, &start, &len);
    const char *ims = header(headers, "If-Modified-Since");
    int64_t t;
    if (ims) {
        char line[256];
        size_t l = strcspn(ims, "\n");
        if (l < sizeof(line)) {
            memcpy(line, ims, l);
            line[l] = '\0';
            (void)shim_http_date_parse(line, &t);
        }
    }
    const char *md5 = header(headers, "Content-MD5");
    unsigned char digest[16];
    if (md5) {
        (void)shim_base64_decode(md5, strcspn(md5, "\n"), digest, sizeof(digest));
    }
    emu_free(store);
    emu_free(text);
    return 0;
}
