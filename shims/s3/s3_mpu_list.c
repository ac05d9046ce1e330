/* SPDX-License-Identifier: Apache-2.0 */
/* Listing multipart state: ListParts (part-number-marker, max-parts) and ListMultipartUploads
 * (prefix, key-marker, max-uploads). */
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

static long query_long(const struct shim_request *req, const char *name, long def, long max)
{
    const char *s = shim_request_query(req, name);
    if (!s) {
        return def;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0) {
        return -1;
    }
    return v > max ? max : v;
}

static int people_xml(struct emu_buf *b)
{
    return emu_buf_printf(b,
                          "<Initiator><ID>%s</ID><DisplayName>%s</DisplayName></Initiator>"
                          "<Owner><ID>%s</ID><DisplayName>%s</DisplayName></Owner>",
                          S3_OWNER_ID, S3_OWNER_NAME, S3_OWNER_ID, S3_OWNER_NAME);
}

void s3_op_list_parts(struct s3_call *c)
{
    struct shim_request *req = c->req;
    const char *id = shim_request_query(req, "uploadId");
    struct s3_meta m = {0};
    int r = s3_upload_open(c->b, id, c->key, &m);
    s3_meta_done(&m);
    if (r < 0) {
        s3_error(req, S3E_NO_SUCH_UPLOAD, NULL, NULL, NULL);
        return;
    }
    long max = query_long(req, "max-parts", 1000, 1000);
    long marker = query_long(req, "part-number-marker", 0, S3_MAX_PARTS);
    if (max < 0 || marker < 0) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL, NULL);
        return;
    }
    struct s3_part_info *parts = NULL;
    size_t n = 0;
    r = s3_upload_parts(c->b, id, &parts, &n);
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024 * 1024);
    r = r ? r : s3_xml_start(&b, "ListPartsResult");
    r = r ? r : s3_xml_elem(&b, "Bucket", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "Key", c->key, false);
    r = r ? r : s3_xml_elem(&b, "UploadId", id, false);
    r = r ? r : people_xml(&b);
    r = r ? r : emu_buf_printf(&b, "<StorageClass>STANDARD</StorageClass>"
                                   "<PartNumberMarker>%ld</PartNumberMarker>",
                               marker);
    size_t shown = 0, i = 0;
    unsigned last = 0;
    struct emu_buf items;
    emu_buf_init(&items, 64u * 1024 * 1024);
    for (; r == 0 && i < n; i++) {
        if (parts[i].number <= (unsigned)marker) {
            continue;
        }
        if (shown == (size_t)max) {
            break;
        }
        char date[40];
        shim_iso8601(parts[i].mtime_ms, date);
        r = emu_buf_printf(&items,
                           "<Part><PartNumber>%u</PartNumber><LastModified>%s</LastModified>"
                           "<ETag>&quot;%s&quot;</ETag><Size>%llu</Size></Part>",
                           parts[i].number, date, parts[i].etag,
                           (unsigned long long)parts[i].size);
        last = parts[i].number;
        shown++;
    }
    bool truncated = i < n;
    r = r ? r : emu_buf_printf(&b,
                               "<NextPartNumberMarker>%u</NextPartNumberMarker>"
                               "<MaxParts>%ld</MaxParts><IsTruncated>%s</IsTruncated>",
                               last, max, truncated ? "true" : "false");
    r = r ? r : emu_buf_append(&b, items.data ? items.data : "", items.len);
    r = r ? r : emu_buf_puts(&b, "</ListPartsResult>");
    emu_buf_done(&items);
    emu_free(parts);
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(req, 200, "application/xml", &b);
}

void s3_op_list_uploads(struct s3_call *c)
{
    struct shim_request *req = c->req;
    long max = query_long(req, "max-uploads", 1000, 1000);
    if (max < 0) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL, NULL);
        return;
    }
    const char *prefix = shim_request_query(req, "prefix");
    const char *key_marker = shim_request_query(req, "key-marker");
    const char *enc = shim_request_query(req, "encoding-type");
    bool url = enc && strcmp(enc, "url") == 0;
    struct s3_upload_info *ups = NULL;
    size_t n = 0;
    int r = s3_upload_list(c->b, &ups, &n);
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024 * 1024);
    r = r ? r : s3_xml_start(&b, "ListMultipartUploadsResult");
    r = r ? r : s3_xml_elem(&b, "Bucket", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "KeyMarker", key_marker ? key_marker : "", url);
    r = r ? r : emu_buf_puts(&b, "<UploadIdMarker></UploadIdMarker>");
    if (prefix) {
        r = r ? r : s3_xml_elem(&b, "Prefix", prefix, url);
    }
    struct emu_buf items;
    emu_buf_init(&items, 64u * 1024 * 1024);
    size_t shown = 0, i = 0;
    const struct s3_upload_info *last = NULL;
    for (; r == 0 && i < n; i++) {
        const struct s3_upload_info *u = &ups[i];
        if ((prefix && strncmp(u->init.key, prefix, strlen(prefix)) != 0) ||
            (key_marker && strcmp(u->init.key, key_marker) <= 0)) {
            continue;
        }
        if (shown == (size_t)max) {
            break;
        }
        char date[40];
        shim_iso8601(u->init.mtime_ms, date);
        r = emu_buf_puts(&items, "<Upload>");
        r = r ? r : s3_xml_elem(&items, "Key", u->init.key, url);
        r = r ? r : s3_xml_elem(&items, "UploadId", u->id, false);
        r = r ? r : people_xml(&items);
        r = r ? r : emu_buf_printf(&items,
                                   "<StorageClass>STANDARD</StorageClass>"
                                   "<Initiated>%s</Initiated></Upload>",
                                   date);
        last = u;
        shown++;
    }
    bool truncated = i < n;
    if (truncated && last) {
        r = r ? r : s3_xml_elem(&b, "NextKeyMarker", last->init.key, url);
        r = r ? r : s3_xml_elem(&b, "NextUploadIdMarker", last->id, false);
    }
    r = r ? r : emu_buf_printf(&b, "<MaxUploads>%ld</MaxUploads><IsTruncated>%s</IsTruncated>",
                               max, truncated ? "true" : "false");
    r = r ? r : emu_buf_append(&b, items.data ? items.data : "", items.len);
    r = r ? r : emu_buf_puts(&b, "</ListMultipartUploadsResult>");
    emu_buf_done(&items);
    s3_upload_list_free(ups, n);
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(req, 200, "application/xml", &b);
}
