/* SPDX-License-Identifier: Apache-2.0 */
/* The little XML S3 needs: a bounded parser for request bodies (CompleteMultipartUpload,
 * DeleteObjects, CreateBucketConfiguration) into arena nodes, and writer helpers for the
 * responses. No DTDs, no external entities: only the five predefined ones and &#...;. */
#include <string.h>

#include "emu/base/err.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

#define XML_MAX_DEPTH 16
#define XML_MAX_NODES 200000

struct xml_parser {
    const char *p;
    const char *end;
    struct emu_arena *a;
    size_t nodes;
};

static bool starts(const struct xml_parser *x, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

/* Skips past the terminator; false when it is missing. */
static bool skip_past(struct xml_parser *x, const char *term)
{
    size_t n = strlen(term);
    while ((size_t)(x->end - x->p) >= n) {
        if (memcmp(x->p, term, n) == 0) {
            x->p += n;
            return true;
        }
        x->p++;
    }
    return false;
}

static void skip_space(struct xml_parser *x)
{
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n')) {
        x->p++;
    }
}

/* Skips prolog items: <?...?>, comments, whitespace. */
static int skip_misc(struct xml_parser *x)
{
    for (;;) {
        skip_space(x);
        if (starts(x, "<?")) {
            if (!skip_past(x, "?>")) {
                return EMU_EBADMSG;
            }
        }
        else if (starts(x, "<!--")) {
            if (!skip_past(x, "-->")) {
                return EMU_EBADMSG;
            }
        }
        else if (starts(x, "<!")) {
            return EMU_EBADMSG; /* DOCTYPE and friends are refused */
        }
        else {
            return 0;
        }
    }
}

/* Appends the decoding of one entity at x->p (just after '&'). */
static int decode_entity(struct xml_parser *x, struct emu_buf *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (starts(x, named[i].name)) {
            x->p += strlen(named[i].name);
            return emu_buf_putc(out, named[i].c);
        }
    }
    if (!starts(x, "#")) {
        return EMU_EBADMSG;
    }
    x->p++;
    unsigned base = 10;
    if (x->p < x->end && (*x->p == 'x' || *x->p == 'X')) {
        base = 16;
        x->p++;
    }
    unsigned long cp = 0;
    size_t digits = 0;
    while (x->p < x->end && *x->p != ';') {
        char c = *x->p;
        int v = (c >= '0' && c <= '9')                ? c - '0'
                : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (base == 16 && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                       : -1;
        if (v < 0 || ++digits > 8) {
            return EMU_EBADMSG;
        }
        cp = cp * base + (unsigned long)v;
        x->p++;
    }
    if (x->p >= x->end || digits == 0 || cp == 0 || cp > 0x10FFFF) {
        return EMU_EBADMSG;
    }
    x->p++;
    return emu_buf_put_utf8(out, cp);
}

static bool name_char(char c)
{
    return c && !strchr(" \t\r\n/>=<\"'&", c);
}

static int parse_element(struct xml_parser *x, int depth, struct s3_xml_node **ret);

/* Parses content up to the matching end tag into node (text and children). */
static int parse_content(struct xml_parser *x, int depth, struct s3_xml_node *node,
                         const char *qname, size_t qlen)
{
    struct emu_buf text;
    emu_buf_init(&text, (size_t)(x->end - x->p) + 1);
    struct s3_xml_node **tail = &node->child;
    int r = 0;
    while (r == 0) {
        if (x->p >= x->end) {
            r = EMU_EBADMSG;
        }
        else if (starts(x, "</")) {
            x->p += 2;
            if ((size_t)(x->end - x->p) < qlen || memcmp(x->p, qname, qlen) != 0) {
                r = EMU_EBADMSG;
                break;
            }
            x->p += qlen;
            skip_space(x);
            if (x->p >= x->end || *x->p != '>') {
                r = EMU_EBADMSG;
                break;
            }
            x->p++;
            break;
        }
        else if (starts(x, "<!--")) {
            r = skip_past(x, "-->") ? 0 : EMU_EBADMSG;
        }
        else if (starts(x, "<![CDATA[")) {
            x->p += 9;
            const char *start = x->p;
            r = skip_past(x, "]]>") ? emu_buf_append(&text, start, (size_t)(x->p - 3 - start))
                                    : EMU_EBADMSG;
        }
        else if (*x->p == '<') {
            struct s3_xml_node *child = NULL;
            r = parse_element(x, depth + 1, &child);
            if (r == 0) {
                *tail = child;
                tail = &child->next;
            }
        }
        else if (*x->p == '&') {
            x->p++;
            r = decode_entity(x, &text);
        }
        else {
            r = emu_buf_putc(&text, *x->p++);
        }
    }
    if (r == 0) {
        node->text_len = text.len;
        node->text = emu_arena_strndup(x->a, text.data ? text.data : "", text.len);
        r = node->text ? 0 : EMU_E2BIG;
    }
    emu_buf_done(&text);
    return r;
}

static int parse_element(struct xml_parser *x, int depth, struct s3_xml_node **ret)
{
    if (depth > XML_MAX_DEPTH || ++x->nodes > XML_MAX_NODES) {
        return EMU_E2BIG;
    }
    if (x->p >= x->end || *x->p != '<') {
        return EMU_EBADMSG;
    }
    x->p++;
    const char *qname = x->p;
    while (x->p < x->end && name_char(*x->p)) {
        x->p++;
    }
    size_t qlen = (size_t)(x->p - qname);
    if (qlen == 0) {
        return EMU_EBADMSG;
    }
    const char *colon = memchr(qname, ':', qlen);
    const char *local = colon ? colon + 1 : qname;
    struct s3_xml_node *node = emu_arena_alloc(x->a, sizeof(*node));
    char *name = node ? emu_arena_strndup(x->a, local, qlen - (size_t)(local - qname)) : NULL;
    if (!name) {
        return EMU_E2BIG;
    }
    node->name = name;
    /* Attributes (xmlns and the like) are skipped, quotes respected. */
    while (x->p < x->end && *x->p != '>' && !starts(x, "/>")) {
        char q = *x->p;
        if (q == '"' || q == '\'') {
            const char *close = memchr(x->p + 1, q, (size_t)(x->end - x->p - 1));
            if (!close) {
                return EMU_EBADMSG;
            }
            x->p = close;
        }
        else if (q == '<') {
            return EMU_EBADMSG;
        }
        x->p++;
    }
    if (x->p >= x->end) {
        return EMU_EBADMSG;
    }
    *ret = node;
    if (starts(x, "/>")) {
        x->p += 2;
        node->text = emu_arena_strdup(x->a, "");
        return node->text ? 0 : EMU_E2BIG;
    }
    x->p++;
    return parse_content(x, depth, node, qname, qlen);
}

int s3_xml_parse(const char *data, size_t len, struct emu_arena *a, struct s3_xml_node **ret)
{
    struct xml_parser x = {data, data + len, a, 0};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        x.p += 3; /* byte-order mark */
    }
    int r = skip_misc(&x);
    r = r ? r : parse_element(&x, 0, ret);
    r = r ? r : skip_misc(&x);
    if (r == 0 && x.p != x.end) {
        r = EMU_EBADMSG;
    }
    return r;
}

const struct s3_xml_node *s3_xml_child(const struct s3_xml_node *n, const char *name)
{
    for (const struct s3_xml_node *c = n ? n->child : NULL; c; c = c->next) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

int s3_xml_start(struct emu_buf *b, const char *root)
{
    return emu_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">", root,
                          S3_XMLNS);
}

int s3_xml_elem(struct emu_buf *b, const char *name, const char *value, bool url)
{
    int r = emu_buf_printf(b, "<%s>", name);
    if (r == 0 && url) {
        struct emu_buf enc;
        emu_buf_init(&enc, 16 * 1024);
        r = shim_percent_encode(value, strlen(value), true, &enc);
        r = r ? r : emu_buf_append(b, enc.data, enc.len);
        emu_buf_done(&enc);
    }
    else if (r == 0) {
        r = shim_xml_escape(value, strlen(value), b);
    }
    return r ? r : emu_buf_printf(b, "</%s>", name);
}

int s3_xml_elem_u64(struct emu_buf *b, const char *name, uint64_t v)
{
    return emu_buf_printf(b, "<%s>%llu</%s>", name, (unsigned long long)v, name);
}
