/* SPDX-License-Identifier: Apache-2.0 */
/* The request bodies S3 clients send as XML, checked against what S3 accepts:
 * CompleteMultipartUpload part lists, DeleteObjects key lists, CreateBucketConfiguration. */
#include <string.h>

#include "emu/base/err.h"
#include "shims/s3/s3_internal.h"

/* Arena ceiling for one parse: the text copies and nodes of a body of len bytes. */
static size_t arena_limit(size_t len)
{
    return len * 4 + 64 * 1024;
}

/* Strips the quotes clients put around ETags ("\"abc\"" and &quot;abc&quot; alike). */
static int copy_etag(const char *s, char *out, size_t out_size)
{
    size_t len = strlen(s);
    while (len > 0 && (*s == '"' || *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == '"' || s[len - 1] == ' ' || s[len - 1] == '\n' ||
                       s[len - 1] == '\t' || s[len - 1] == '\r')) {
        len--;
    }
    if (len >= out_size) {
        return EMU_EBADMSG;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static bool parse_uint(const char *s, unsigned *ret)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
        s++;
    }
    unsigned v = 0;
    size_t digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 6) {
            return false;
        }
        v = v * 10 + (unsigned)(*s - '0');
    }
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
        s++;
    }
    *ret = v;
    return digits > 0 && *s == '\0';
}

int s3_xml_parse_complete(const char *data, size_t len, struct s3_complete_part *parts,
                          size_t max)
{
    struct emu_arena a;
    emu_arena_init(&a, arena_limit(len));
    struct s3_xml_node *root = NULL;
    int r = s3_xml_parse(data, len, &a, &root);
    if (r == 0 && strcmp(root->name, "CompleteMultipartUpload") != 0) {
        r = EMU_EBADMSG;
    }
    size_t n = 0;
    for (const struct s3_xml_node *c = r == 0 ? root->child : NULL; c && r == 0; c = c->next) {
        if (strcmp(c->name, "Part") != 0) {
            continue;
        }
        const struct s3_xml_node *num = s3_xml_child(c, "PartNumber");
        const struct s3_xml_node *etag = s3_xml_child(c, "ETag");
        if (!num || !etag || n >= max) {
            r = n >= max ? EMU_E2BIG : EMU_EBADMSG;
            break;
        }
        if (!parse_uint(num->text, &parts[n].number)) {
            r = EMU_EBADMSG;
            break;
        }
        r = copy_etag(etag->text, parts[n].etag, sizeof(parts[n].etag));
        n++;
    }
    if (r == 0 && n == 0) {
        r = EMU_EBADMSG;
    }
    emu_arena_done(&a);
    return r < 0 ? r : (int)n;
}

int s3_xml_parse_delete(const char *data, size_t len, struct emu_arena *a, const char **keys,
                        size_t max, bool *ret_quiet)
{
    struct s3_xml_node *root = NULL;
    int r = s3_xml_parse(data, len, a, &root);
    if (r == 0 && strcmp(root->name, "Delete") != 0) {
        r = EMU_EBADMSG;
    }
    *ret_quiet = false;
    size_t n = 0;
    for (const struct s3_xml_node *c = r == 0 ? root->child : NULL; c && r == 0; c = c->next) {
        if (strcmp(c->name, "Quiet") == 0) {
            *ret_quiet = strcmp(c->text, "true") == 0;
            continue;
        }
        if (strcmp(c->name, "Object") != 0) {
            continue;
        }
        const struct s3_xml_node *key = s3_xml_child(c, "Key");
        if (!key) {
            r = EMU_EBADMSG;
            break;
        }
        if (n >= max) {
            r = EMU_E2BIG;
            break;
        }
        /* A key with a NUL cannot be stored; keep it as given so the result can name it. */
        keys[n++] = key->text;
    }
    if (r == 0 && n == 0) {
        r = EMU_EBADMSG;
    }
    return r < 0 ? r : (int)n;
}

int s3_xml_parse_location(const char *data, size_t len, char *out, size_t out_size)
{
    out[0] = '\0';
    if (len == 0) {
        return 0;
    }
    struct emu_arena a;
    emu_arena_init(&a, arena_limit(len));
    struct s3_xml_node *root = NULL;
    int r = s3_xml_parse(data, len, &a, &root);
    if (r == 0 && strcmp(root->name, "CreateBucketConfiguration") != 0) {
        r = EMU_EBADMSG;
    }
    const struct s3_xml_node *loc = r == 0 ? s3_xml_child(root, "LocationConstraint") : NULL;
    if (loc) {
        if (loc->text_len >= out_size) {
            r = EMU_EBADMSG;
        }
        else {
            memcpy(out, loc->text, loc->text_len + 1);
        }
    }
    emu_arena_done(&a);
    return r;
}
