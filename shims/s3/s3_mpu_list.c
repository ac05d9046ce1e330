/* SPDX-License-Identifier: Apache-2.0 */
/* Listing multipart state: ListParts (part-number-marker, max-parts) and ListMultipartUploads
 * (prefix, delimiter, key-marker, upload-id-marker, max-uploads). */
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

/* Index of the first upload to consider after the markers. */
static size_t upload_start(const struct s3_upload_info *ups, size_t n, const char *key_marker,
                           const char *id_marker)
{
    size_t i = 0;
    if (!key_marker || !*key_marker) {
        return 0;
    }
    while (i < n && strcmp(ups[i].init.key, key_marker) < 0) {
        i++;
    }
    if (!id_marker || !*id_marker) {
        while (i < n && strcmp(ups[i].init.key, key_marker) == 0) {
            i++;
        }
        return i;
    }
    /* After the marker upload in list order; an unknown id: the ids greater than it. */
    for (size_t k = i; k < n && strcmp(ups[k].init.key, key_marker) == 0; k++) {
        if (strcmp(ups[k].id, id_marker) == 0) {
            return k + 1;
        }
    }
    while (i < n && strcmp(ups[i].init.key, key_marker) == 0 &&
           strcmp(ups[i].id, id_marker) <= 0) {
        i++;
    }
    return i;
}

int s3_upload_select(const struct s3_upload_info *ups, size_t n, const char *prefix,
                     const char *delimiter, const char *key_marker, const char *id_marker,
                     size_t max, long *items, size_t *prefix_lens, bool *ret_truncated)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t dlen = delimiter ? strlen(delimiter) : 0;
    size_t count = 0;
    const char *last_cp = NULL;
    size_t last_cp_len = 0;
    *ret_truncated = false;
    for (size_t i = upload_start(ups, n, key_marker, id_marker); i < n; i++) {
        const char *key = ups[i].init.key;
        if (plen && strncmp(key, prefix, plen) != 0) {
            continue;
        }
        long item = (long)i;
        size_t cp_len = 0;
        const char *d = dlen ? strstr(key + plen, delimiter) : NULL;
        if (d) {
            cp_len = (size_t)(d - key) + dlen;
            if (last_cp && cp_len == last_cp_len && memcmp(key, last_cp, cp_len) == 0) {
                continue;
            }
            last_cp = key;
            last_cp_len = cp_len;
            /* A key-marker inside this group: the group was returned on an earlier page. */
            if (key_marker && strncmp(key_marker, key, cp_len) == 0 &&
                strlen(key_marker) >= cp_len) {
                continue;
            }
            item = -1 - (long)i;
        }
        if (count == max) {
            *ret_truncated = true;
            break;
        }
        prefix_lens[count] = cp_len;
        items[count++] = item;
    }
    return (int)count;
}

static int upload_xml(struct emu_buf *b, const struct s3_upload_info *u, bool url)
{
    char date[40];
    shim_iso8601(u->init.mtime_ms, date);
    int r = emu_buf_puts(b, "<Upload>");
    r = r ? r : s3_xml_elem(b, "Key", u->init.key, url);
    r = r ? r : s3_xml_elem(b, "UploadId", u->id, false);
    r = r ? r : people_xml(b);
    return r ? r : emu_buf_printf(b, "<StorageClass>STANDARD</StorageClass>"
                                     "<Initiated>%s</Initiated></Upload>",
                                  date);
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
    const char *delim = shim_request_query(req, "delimiter");
    const char *key_marker = shim_request_query(req, "key-marker");
    const char *id_marker = shim_request_query(req, "upload-id-marker");
    const char *enc = shim_request_query(req, "encoding-type");
    bool url = enc && strcmp(enc, "url") == 0;
    if (delim && !*delim) {
        delim = NULL;
    }
    struct s3_upload_info *ups = NULL;
    size_t n = 0;
    int r = s3_upload_list(c->b, &ups, &n);
    long *items = emu_calloc((size_t)max + 1, sizeof(*items));
    size_t *lens = emu_calloc((size_t)max + 1, sizeof(*lens));
    r = r ? r : items && lens ? 0 : EMU_ENOMEM;
    bool truncated = false;
    int count = r ? 0
                  : s3_upload_select(ups, n, prefix, delim, key_marker, id_marker, (size_t)max,
                                     items, lens, &truncated);
    struct emu_buf b;
    emu_buf_init(&b, 64u * 1024 * 1024);
    r = r ? r : s3_xml_start(&b, "ListMultipartUploadsResult");
    r = r ? r : s3_xml_elem(&b, "Bucket", c->bucket, false);
    r = r ? r : s3_xml_elem(&b, "KeyMarker", key_marker ? key_marker : "", url);
    r = r ? r : s3_xml_elem(&b, "UploadIdMarker", id_marker ? id_marker : "", false);
    if (prefix) {
        r = r ? r : s3_xml_elem(&b, "Prefix", prefix, url);
    }
    if (delim) {
        r = r ? r : s3_xml_elem(&b, "Delimiter", delim, url);
    }
    if (truncated && count > 0) {
        long last = items[count - 1];
        const struct s3_upload_info *u = &ups[last < 0 ? -1 - last : last];
        struct emu_buf k;
        emu_buf_init(&k, S3_MAX_KEY + 1);
        r = r ? r : emu_buf_append(&k, u->init.key,
                                   last < 0 ? lens[count - 1] : strlen(u->init.key));
        r = r ? r : s3_xml_elem(&b, "NextKeyMarker", k.data, url);
        r = r ? r : s3_xml_elem(&b, "NextUploadIdMarker", last < 0 ? "" : u->id, false);
        emu_buf_done(&k);
    }
    r = r ? r : emu_buf_printf(&b, "<MaxUploads>%ld</MaxUploads><IsTruncated>%s</IsTruncated>",
                               max, truncated ? "true" : "false");
    for (int i = 0; r == 0 && i < count; i++) {
        if (items[i] >= 0) {
            r = upload_xml(&b, &ups[items[i]], url);
        }
    }
    for (int i = 0; r == 0 && i < count; i++) { /* as S3: the uploads, then the prefixes */
        if (items[i] >= 0) {
            continue;
        }
        struct emu_buf k;
        emu_buf_init(&k, S3_MAX_KEY + 1);
        r = emu_buf_append(&k, ups[-1 - items[i]].init.key, lens[i]);
        r = r ? r : emu_buf_puts(&b, "<CommonPrefixes>");
        r = r ? r : s3_xml_elem(&b, "Prefix", k.data, url);
        r = r ? r : emu_buf_puts(&b, "</CommonPrefixes>");
        emu_buf_done(&k);
    }
    r = r ? r : emu_buf_puts(&b, "</ListMultipartUploadsResult>");
    emu_free(items);
    emu_free(lens);
    s3_upload_list_free(ups, n);
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(req, 200, "application/xml", &b);
}
