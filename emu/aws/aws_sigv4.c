/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 canonical request, string to sign, signing key and signature, and the signer that
 * produces an Authorization header or a presigned query string.
 *
 * DESIGN: every function here is pure (no clock, no I/O); the canonical request is built into
 * a ceiling-bounded emu_buf. Path rules differ by service: S3 decodes the raw path once and
 * encodes it once, leaving "//" and dot segments alone; other services remove dot segments,
 * merge slashes and encode the raw path again (the "double encoding" of the SigV4 docs). Query
 * parameters are decoded, re-encoded and sorted by name then value; header values are trimmed,
 * runs of whitespace collapsed to one space, and repeated headers joined with ','. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/aws/aws_sigv4_int.h"
#include "emu/aws/aws_time.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

#define MAX_SECRET 512

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void emu__sigv4_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int emu__sigv4_is_hex64(const char *s, size_t len)
{
    if (len != 64) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

void emu_sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data ? data : (const void *)"", len, md);
    emu__sigv4_hex(md, sizeof(md), out);
}

int emu__sigv4_hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[32])
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg ? msg : (const void *)"", msg_len, out, &n) ||
        n != 32) {
        return EMU_ENOMEM;
    }
    return 0;
}

int emu__sigv4_signing_key(const char *secret, const char *date8, size_t date8_len,
                           const char *region, size_t region_len, const char *service,
                           size_t service_len, unsigned char out[32])
{
    char k0[4 + MAX_SECRET];
    size_t slen = strlen(secret);
    if (slen > MAX_SECRET) {
        return EMU_E2BIG;
    }
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, slen);
    unsigned char k1[32], k2[32], k3[32];
    int r = emu__sigv4_hmac(k0, 4 + slen, date8, date8_len, k1);
    if (r == 0) {
        r = emu__sigv4_hmac(k1, 32, region, region_len, k2);
    }
    if (r == 0) {
        r = emu__sigv4_hmac(k2, 32, service, service_len, k3);
    }
    if (r == 0) {
        r = emu__sigv4_hmac(k3, 32, "aws4_request", 12, out);
    }
    OPENSSL_cleanse(k0, sizeof(k0));
    return r;
}

int emu__sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq,
                              size_t creq_len, struct emu_buf *out)
{
    char hash[65];
    emu_sigv4_sha256_hex(creq, creq_len, hash);
    return emu_buf_printf(out, "%s\n%s\n%s\n%s", EMU__SIGV4_ALGORITHM, amz_date, scope, hash);
}

/* URI encoding and decoding. */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

int emu_sigv4_uri_encode(const char *s, size_t len, int keep_slash, struct emu_buf *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int r;
        if (unreserved(c) || (keep_slash && c == '/')) {
            r = emu_buf_putc(out, (char)c);
        }
        else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            r = emu_buf_append(out, esc, 3);
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int emu__sigv4_uri_decode(const char *s, size_t len, struct emu_buf *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        int r = emu_buf_putc(out, c);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* Canonical URI. */

static void buf_truncate(struct emu_buf *b, size_t len)
{
    if (b->data) {
        b->len = len;
        b->data[len] = '\0';
    }
}

/* RFC 3986 dot-segment removal plus merging of empty segments, on the raw path. */
static int normalize_path(const char *p, size_t len, struct emu_buf *out)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && p[i] == '/') {
            i++;
        }
        size_t start = i;
        while (i < len && p[i] != '/') {
            i++;
        }
        size_t seg = i - start;
        if (seg == 0 || (seg == 1 && p[start] == '.')) {
            continue;
        }
        if (seg == 2 && p[start] == '.' && p[start + 1] == '.') {
            size_t cut = out->len;
            while (cut > 0 && out->data[cut - 1] != '/') {
                cut--;
            }
            buf_truncate(out, cut > 0 ? cut - 1 : 0);
            continue;
        }
        int r = emu_buf_putc(out, '/');
        if (r == 0) {
            r = emu_buf_append(out, p + start, seg);
        }
        if (r < 0) {
            return r;
        }
    }
    if (out->len == 0) {
        return emu_buf_putc(out, '/');
    }
    if (len > 0 && p[len - 1] == '/') {
        return emu_buf_putc(out, '/');
    }
    return 0;
}

static int canonical_uri(const struct emu_sigv4_request *req, unsigned flags, struct emu_buf *out)
{
    if (req->path_len == 0) {
        return emu_buf_putc(out, '/');
    }
    struct emu_buf tmp;
    emu_buf_init(&tmp, EMU_SIGV4_MAX_CANONICAL);
    int r;
    if (flags & EMU_SIGV4_S3) {
        r = emu__sigv4_uri_decode(req->path, req->path_len, &tmp);
    }
    else {
        r = normalize_path(req->path, req->path_len, &tmp);
    }
    if (r == 0) {
        r = emu_sigv4_uri_encode(tmp.data ? tmp.data : "", tmp.len, 1, out);
    }
    emu_buf_done(&tmp);
    return r;
}

/* Canonical query string. */

struct qparam {
    size_t name_off, name_len, value_off, value_len; /* in the encoded scratch buffer */
};

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static void sort_params(struct qparam *p, size_t n, const char *base)
{
    /* Insertion sort: n is bounded by EMU_SIGV4_MAX_QUERY_PARAMS, and it is stable. */
    for (size_t i = 1; i < n; i++) {
        struct qparam key = p[i];
        size_t j = i;
        while (j > 0) {
            const struct qparam *q = &p[j - 1];
            int c = cmp_bytes(base + q->name_off, q->name_len, base + key.name_off,
                              key.name_len);
            if (c == 0) {
                c = cmp_bytes(base + q->value_off, q->value_len, base + key.value_off,
                              key.value_len);
            }
            if (c <= 0) {
                break;
            }
            p[j] = p[j - 1];
            j--;
        }
        p[j] = key;
    }
}

/* Decodes then re-encodes s into enc. */
static int reencode(const char *s, size_t len, struct emu_buf *scratch, struct emu_buf *enc)
{
    buf_truncate(scratch, 0);
    int r = emu__sigv4_uri_decode(s, len, scratch);
    if (r == 0) {
        r = emu_sigv4_uri_encode(scratch->data ? scratch->data : "", scratch->len, 0, enc);
    }
    return r;
}

static int canonical_query(const struct emu_sigv4_request *req, const char *exclude,
                           struct emu_buf *out)
{
    if (!req->query || req->query_len == 0) {
        return 0;
    }
    struct qparam *params = emu_calloc(EMU_SIGV4_MAX_QUERY_PARAMS, sizeof(*params));
    if (!params) {
        return EMU_ENOMEM;
    }
    struct emu_buf enc, scratch;
    emu_buf_init(&enc, EMU_SIGV4_MAX_CANONICAL);
    emu_buf_init(&scratch, EMU_SIGV4_MAX_CANONICAL);
    size_t n = 0;
    int r = 0;
    const char *q = req->query, *end = req->query + req->query_len;
    while (q < end && r == 0) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *nend = eq ? eq : stop;
        const char *vstart = eq ? eq + 1 : stop;
        if (stop > q) {
            if (exclude) {
                buf_truncate(&scratch, 0);
                r = emu__sigv4_uri_decode(q, (size_t)(nend - q), &scratch);
                if (r == 0 && scratch.len == strlen(exclude) &&
                    memcmp(scratch.data, exclude, scratch.len) == 0) {
                    q = amp ? amp + 1 : end;
                    continue;
                }
            }
            if (r == 0 && n == EMU_SIGV4_MAX_QUERY_PARAMS) {
                r = EMU_E2BIG;
            }
            if (r == 0) {
                params[n].name_off = enc.len;
                r = reencode(q, (size_t)(nend - q), &scratch, &enc);
                params[n].name_len = enc.len - params[n].name_off;
            }
            if (r == 0) {
                params[n].value_off = enc.len;
                r = reencode(vstart, (size_t)(stop - vstart), &scratch, &enc);
                params[n].value_len = enc.len - params[n].value_off;
                n++;
            }
        }
        q = amp ? amp + 1 : end;
    }
    const char *base = enc.data ? enc.data : "";
    if (r == 0 && n > 0) {
        sort_params(params, n, base);
        for (size_t i = 0; i < n && r == 0; i++) {
            if (i > 0) {
                r = emu_buf_putc(out, '&');
            }
            if (r == 0) {
                r = emu_buf_append(out, base + params[i].name_off, params[i].name_len);
            }
            if (r == 0) {
                r = emu_buf_putc(out, '=');
            }
            if (r == 0) {
                r = emu_buf_append(out, base + params[i].value_off, params[i].value_len);
            }
        }
    }
    emu_buf_done(&enc);
    emu_buf_done(&scratch);
    emu_free(params);
    return r;
}

/* Headers. */

static int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) {
        return 0;
    }
    for (size_t i = 0; i < alen; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        int c = lower((unsigned char)a[i]) - lower((unsigned char)b[i]);
        if (c != 0) {
            return c;
        }
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int emu__sigv4_names_add(struct emu__sigv4_names *n, const char *name, size_t len)
{
    size_t i = 0;
    while (i < n->n) {
        int c = name_cmp(n->name[i], n->len[i], name, len);
        if (c == 0) {
            return 0;
        }
        if (c > 0) {
            break;
        }
        i++;
    }
    if (n->n == EMU_SIGV4_MAX_HEADERS) {
        return EMU_E2BIG;
    }
    memmove(&n->name[i + 1], &n->name[i], (n->n - i) * sizeof(n->name[0]));
    memmove(&n->len[i + 1], &n->len[i], (n->n - i) * sizeof(n->len[0]));
    n->name[i] = name;
    n->len[i] = len;
    n->n++;
    return 0;
}

int emu__sigv4_names_join(const struct emu__sigv4_names *names, struct emu_buf *out)
{
    for (size_t i = 0; i < names->n; i++) {
        int r = i > 0 ? emu_buf_putc(out, ';') : 0;
        for (size_t j = 0; j < names->len[i] && r == 0; j++) {
            r = emu_buf_putc(out, (char)lower((unsigned char)names->name[i][j]));
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

const struct emu_sigv4_header *emu__sigv4_header(const struct emu_sigv4_request *req,
                                                 const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct emu_sigv4_header *h = &req->headers[i];
        if (name_eq(h->name, h->name_len, name, len)) {
            return h;
        }
    }
    return NULL;
}

size_t emu__sigv4_header_count(const struct emu_sigv4_request *req, const char *name)
{
    size_t len = strlen(name), n = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        n += (size_t)name_eq(req->headers[i].name, req->headers[i].name_len, name, len);
    }
    return n;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends a value trimmed, with every run of whitespace collapsed to one space. */
static int append_trimmed(const char *v, size_t len, struct emu_buf *out)
{
    int pending = 0, any = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_ws(v[i])) {
            pending = any;
            continue;
        }
        int r = pending ? emu_buf_putc(out, ' ') : 0;
        if (r == 0) {
            r = emu_buf_putc(out, v[i]);
        }
        if (r < 0) {
            return r;
        }
        pending = 0;
        any = 1;
    }
    return 0;
}

static int canonical_headers(const struct emu_sigv4_request *req,
                             const struct emu__sigv4_names *names, struct emu_buf *out)
{
    for (size_t i = 0; i < names->n; i++) {
        int r = 0;
        for (size_t j = 0; j < names->len[i] && r == 0; j++) {
            r = emu_buf_putc(out, (char)lower((unsigned char)names->name[i][j]));
        }
        if (r == 0) {
            r = emu_buf_putc(out, ':');
        }
        int first = 1;
        for (size_t k = 0; k < req->n_headers && r == 0; k++) {
            const struct emu_sigv4_header *h = &req->headers[k];
            if (!name_eq(h->name, h->name_len, names->name[i], names->len[i])) {
                continue;
            }
            if (!first) {
                r = emu_buf_putc(out, ',');
            }
            if (r == 0) {
                r = append_trimmed(h->value, h->value_len, out);
            }
            first = 0;
        }
        if (r == 0) {
            r = emu_buf_putc(out, '\n');
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int emu__sigv4_canonical(const struct emu_sigv4_request *req, unsigned flags,
                         const struct emu__sigv4_names *names, const char *exclude_query,
                         const char *payload_hash, struct emu_buf *out)
{
    if (!req->method || !payload_hash) {
        return EMU_EINVAL;
    }
    int r = emu_buf_puts(out, req->method);
    if (r == 0) {
        r = emu_buf_putc(out, '\n');
    }
    if (r == 0) {
        r = canonical_uri(req, flags, out);
    }
    if (r == 0) {
        r = emu_buf_putc(out, '\n');
    }
    if (r == 0) {
        r = canonical_query(req, exclude_query, out);
    }
    if (r == 0) {
        r = emu_buf_putc(out, '\n');
    }
    if (r == 0) {
        r = canonical_headers(req, names, out);
    }
    if (r == 0) {
        r = emu_buf_putc(out, '\n');
    }
    if (r == 0) {
        r = emu__sigv4_names_join(names, out);
    }
    if (r == 0) {
        r = emu_buf_putc(out, '\n');
    }
    if (r == 0) {
        r = emu_buf_puts(out, payload_hash);
    }
    return r;
}

int emu__sigv4_query_get(const struct emu_sigv4_request *req, const char *name,
                         struct emu_buf *out)
{
    if (!req->query) {
        return 0;
    }
    struct emu_buf dec;
    emu_buf_init(&dec, EMU_SIGV4_MAX_CANONICAL);
    const char *q = req->query, *end = req->query + req->query_len;
    int r = 0;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *nend = eq ? eq : stop;
        buf_truncate(&dec, 0);
        r = emu__sigv4_uri_decode(q, (size_t)(nend - q), &dec);
        if (r < 0) {
            break;
        }
        if (dec.len == strlen(name) && dec.len > 0 && memcmp(dec.data, name, dec.len) == 0) {
            r = eq ? emu__sigv4_uri_decode(eq + 1, (size_t)(stop - eq - 1), out) : 0;
            r = r < 0 ? r : 1;
            break;
        }
        q = amp ? amp + 1 : end;
    }
    emu_buf_done(&dec);
    return r;
}

static int names_from_params(const struct emu_sigv4_request *req, const char *const *list,
                             size_t n, struct emu__sigv4_names *names)
{
    names->n = 0;
    int r = 0;
    if (list) {
        for (size_t i = 0; i < n && r == 0; i++) {
            r = emu__sigv4_names_add(names, list[i], strlen(list[i]));
        }
        return r;
    }
    for (size_t i = 0; i < req->n_headers && r == 0; i++) {
        r = emu__sigv4_names_add(names, req->headers[i].name, req->headers[i].name_len);
    }
    return r;
}

/* The payload hash a signer puts in the canonical request. */
static const char *sign_payload_hash(const struct emu_sigv4_request *req, unsigned flags,
                                     char scratch[65])
{
    if (req->payload_hash) {
        return req->payload_hash;
    }
    const struct emu_sigv4_header *h = emu__sigv4_header(req, "x-amz-content-sha256");
    if (h && h->value_len < 65) {
        memcpy(scratch, h->value, h->value_len);
        scratch[h->value_len] = '\0';
        return scratch;
    }
    if ((flags & EMU_SIGV4_PRESIGN) && (flags & EMU_SIGV4_S3)) {
        return EMU_SIGV4_UNSIGNED_PAYLOAD;
    }
    emu_sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, scratch);
    return scratch;
}

int emu_sigv4_canonical_request(const struct emu_sigv4_request *req, unsigned flags,
                                const char *const *signed_headers, size_t n_signed_headers,
                                const char *payload_hash, struct emu_buf *out)
{
    struct emu__sigv4_names *names = emu_calloc(1, sizeof(*names));
    if (!names) {
        return EMU_ENOMEM;
    }
    char scratch[65];
    int r = names_from_params(req, signed_headers, n_signed_headers, names);
    if (r == 0) {
        r = emu__sigv4_canonical(req, flags, names, NULL,
                                 payload_hash ? payload_hash
                                              : sign_payload_hash(req, flags, scratch),
                                 out);
    }
    emu_free(names);
    return r;
}

/* Dates. */

int emu_sigv4_format_date(time_t t, char out[17])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        return EMU_ERANGE;
    }
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        return EMU_ERANGE;
    }
    return 0;
}

int emu_sigv4_parse_date(const char *s, size_t len, time_t *ret)
{
    unsigned y, mo, d, h, mi, se;
    if (len != 16 || s[8] != 'T' || s[15] != 'Z' || emu__aws_digits(s, 4, &y) < 0 ||
        emu__aws_digits(s + 4, 2, &mo) < 0 || emu__aws_digits(s + 6, 2, &d) < 0 || emu__aws_digits(s + 9, 2, &h) < 0 ||
        emu__aws_digits(s + 11, 2, &mi) < 0 || emu__aws_digits(s + 13, 2, &se) < 0) {
        return EMU_EINVAL;
    }
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60) {
        return EMU_EINVAL;
    }
    long long days = emu__aws_days_from_civil(y, mo, d);
    *ret = (time_t)(days * 86400 + h * 3600 + mi * 60 + se);
    return 0;
}

/* Signing. */

void emu_sigv4_signature_init(struct emu_sigv4_signature *s)
{
    memset(s, 0, sizeof(*s));
    emu_buf_init(&s->canonical_request, EMU_SIGV4_MAX_CANONICAL);
    emu_buf_init(&s->string_to_sign, EMU_SIGV4_MAX_CANONICAL);
    emu_buf_init(&s->authorization, EMU_SIGV4_MAX_CANONICAL);
    emu_buf_init(&s->presigned_query, EMU_SIGV4_MAX_CANONICAL);
}

void emu_sigv4_signature_done(struct emu_sigv4_signature *s)
{
    emu_buf_done(&s->canonical_request);
    emu_buf_done(&s->string_to_sign);
    emu_buf_done(&s->authorization);
    emu_buf_done(&s->presigned_query);
    OPENSSL_cleanse(&s->chain, sizeof(s->chain));
}

static int is_auth_param(const char *q, size_t len)
{
    static const char *const auth[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                       "X-Amz-Date",          "X-Amz-Expires",
                                       "X-Amz-SignedHeaders", "X-Amz-Signature",
                                       "X-Amz-Security-Token"};
    for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++) {
        if (len == strlen(auth[i]) && memcmp(q, auth[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Builds the presign query: the caller's parameters (minus auth ones) plus X-Amz-*. */
static int presign_query(const struct emu_sigv4_request *req, const struct emu_sigv4_sign_params *p,
                         const char *amz_date, const char *scope,
                         const struct emu__sigv4_names *names, struct emu_buf *out)
{
    int r = 0;
    const char *q = req->query, *end = req->query ? req->query + req->query_len : NULL;
    while (q && q < end && r == 0) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        if (stop > q && !is_auth_param(q, (size_t)((eq ? eq : stop) - q))) {
            r = out->len ? emu_buf_putc(out, '&') : 0;
            if (r == 0) {
                r = emu_buf_append(out, q, (size_t)(stop - q));
            }
        }
        q = amp ? amp + 1 : end;
    }
    if (r == 0) {
        r = emu_buf_printf(out, "%sX-Amz-Algorithm=%s&X-Amz-Credential=", out->len ? "&" : "",
                           EMU__SIGV4_ALGORITHM);
    }
    if (r == 0) {
        r = emu_sigv4_uri_encode(p->access_key_id, strlen(p->access_key_id), 0, out);
    }
    if (r == 0) {
        r = emu_buf_puts(out, "%2F");
    }
    if (r == 0) {
        r = emu_sigv4_uri_encode(scope, strlen(scope), 0, out);
    }
    if (r == 0) {
        r = emu_buf_printf(out, "&X-Amz-Date=%s&X-Amz-Expires=%ld", amz_date, p->expires);
    }
    if (r == 0 && p->session_token && (p->flags & EMU_SIGV4_SIGN_TOKEN)) {
        r = emu_buf_puts(out, "&X-Amz-Security-Token=");
        if (r == 0) {
            r = emu_sigv4_uri_encode(p->session_token, strlen(p->session_token), 0, out);
        }
    }
    if (r == 0) {
        r = emu_buf_puts(out, "&X-Amz-SignedHeaders=");
    }
    if (r == 0) {
        struct emu_buf joined;
        emu_buf_init(&joined, EMU_SIGV4_MAX_CANONICAL);
        r = emu__sigv4_names_join(names, &joined);
        if (r == 0) {
            r = emu_sigv4_uri_encode(joined.data ? joined.data : "", joined.len, 0, out);
        }
        emu_buf_done(&joined);
    }
    return r;
}

static int check_sign_params(const struct emu_sigv4_request *req,
                             const struct emu_sigv4_sign_params *p)
{
    if (!req || !p || !req->method || (!req->path && req->path_len) ||
        (!req->headers && req->n_headers) || !p->access_key_id || !p->secret_access_key ||
        !p->region || !p->service) {
        return EMU_EINVAL;
    }
    if ((p->flags & EMU_SIGV4_PRESIGN) &&
        (p->expires < 1 || p->expires > EMU_SIGV4_MAX_EXPIRES)) {
        return EMU_EINVAL;
    }
    if (strlen(p->region) + strlen(p->service) + 24 > EMU_SIGV4_MAX_SCOPE ||
        strlen(p->access_key_id) >= EMU_SIGV4_MAX_KEY_ID) {
        return EMU_E2BIG;
    }
    return 0;
}

int emu_sigv4_sign(const struct emu_sigv4_request *req, const struct emu_sigv4_sign_params *p,
                   struct emu_sigv4_signature *out)
{
    int r = check_sign_params(req, p);
    if (r < 0) {
        return r;
    }
    char amz_date[17], scope[EMU_SIGV4_MAX_SCOPE], scratch[65];
    r = emu_sigv4_format_date(p->time, amz_date);
    if (r < 0) {
        return r;
    }
    snprintf(scope, sizeof(scope), "%.8s/%s/%s/aws4_request", amz_date, p->region, p->service);
    struct emu__sigv4_names *names = emu_calloc(1, sizeof(*names));
    if (!names) {
        return EMU_ENOMEM;
    }
    r = names_from_params(req, p->signed_headers, p->n_signed_headers, names);
    struct emu_sigv4_request copy = *req;
    if (r == 0 && (p->flags & EMU_SIGV4_PRESIGN)) {
        r = presign_query(req, p, amz_date, scope, names, &out->presigned_query);
        copy.query = out->presigned_query.data;
        copy.query_len = out->presigned_query.len;
    }
    if (r == 0) {
        r = emu__sigv4_canonical(&copy, p->flags, names, NULL,
                                 sign_payload_hash(req, p->flags, scratch),
                                 &out->canonical_request);
    }
    if (r == 0) {
        r = emu__sigv4_string_to_sign(amz_date, scope, out->canonical_request.data,
                                      out->canonical_request.len, &out->string_to_sign);
    }
    unsigned char key[32], sig[32];
    if (r == 0) {
        r = emu__sigv4_signing_key(p->secret_access_key, amz_date, 8, p->region,
                                   strlen(p->region), p->service, strlen(p->service), key);
    }
    if (r == 0) {
        r = emu__sigv4_hmac(key, 32, out->string_to_sign.data, out->string_to_sign.len, sig);
    }
    if (r == 0) {
        emu__sigv4_hex(sig, 32, out->signature);
        memcpy(out->amz_date, amz_date, sizeof(amz_date));
        memcpy(out->chain.signing_key, key, 32);
        memcpy(out->chain.amz_date, amz_date, sizeof(amz_date));
        memcpy(out->chain.scope, scope, sizeof(scope));
        memcpy(out->chain.prev_signature, out->signature, 65);
        if (p->flags & EMU_SIGV4_PRESIGN) {
            r = emu_buf_printf(&out->presigned_query, "&X-Amz-Signature=%s", out->signature);
        }
        else {
            r = emu_buf_printf(&out->authorization, "%s Credential=%s/%s, SignedHeaders=",
                               EMU__SIGV4_ALGORITHM, p->access_key_id, scope);
            if (r == 0) {
                r = emu__sigv4_names_join(names, &out->authorization);
            }
            if (r == 0) {
                r = emu_buf_printf(&out->authorization, ", Signature=%s", out->signature);
            }
        }
    }
    OPENSSL_cleanse(key, sizeof(key));
    emu_free(names);
    return r;
}
