/* SPDX-License-Identifier: Apache-2.0 */
/* The aws-chunked body codec of STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads and of the trailer
 * variants (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER): an
 * incremental decoder that checks every chunk signature (chained from the seed signature) and
 * the trailer signature with fixed memory, and the matching encoder for clients and tests. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/aws/aws_sigv4_int.h"
#include "emu/base/err.h"

#define SIG_PREFIX ";chunk-signature="
#define MAX_SIZE_DIGITS 16

enum {
    ST_LINE = 0, /* reading "<hex>;chunk-signature=<sig>\r\n" */
    ST_DATA,     /* chunk_left data bytes to go */
    ST_DATA_CR,  /* "\r\n" after the data */
    ST_DATA_LF,
    ST_END_CR, /* "\r\n" after the final chunk's line */
    ST_END_LF,
    ST_TRAILER, /* trailing header lines, up to an empty one */
    ST_DONE,
    ST_ERROR,
};

/* HMAC over the chunk string to sign; writes the hex signature. */
static int chunk_signature(const struct emu_sigv4_chain *chain, const char *data_hash,
                           char out[65])
{
    char sts[512];
    int n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s",
                     chain->amz_date, chain->scope, chain->prev_signature, EMU_SIGV4_EMPTY_SHA256,
                     data_hash);
    if (n < 0 || (size_t)n >= sizeof(sts)) {
        return EMU_E2BIG;
    }
    unsigned char mac[32];
    int r = emu__sigv4_hmac(chain->signing_key, 32, sts, (size_t)n, mac);
    if (r == 0) {
        emu__sigv4_hex(mac, 32, out);
    }
    return r;
}

int emu_aws_chunked_init(struct emu_aws_chunked *c, const struct emu_sigv4_chain *chain,
                         long long expect, uint64_t max_decoded)
{
    return emu_aws_chunked_init_flags(c, chain, expect, max_decoded, 0);
}

int emu_aws_chunked_init_flags(struct emu_aws_chunked *c, const struct emu_sigv4_chain *chain,
                               long long expect, uint64_t max_decoded, unsigned flags)
{
    memset(c, 0, sizeof(*c));
    if (chain) {
        c->chain = *chain;
    }
    c->flags = flags;
    c->expect = expect;
    c->max_decoded = max_decoded;
    c->state = ST_LINE;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md) {
        return EMU_ENOMEM;
    }
    c->sha = md;
    return 0;
}

void emu_aws_chunked_done(struct emu_aws_chunked *c)
{
    EVP_MD_CTX_free(c->sha);
    c->sha = NULL;
    OPENSSL_cleanse(&c->chain, sizeof(c->chain));
}

static ssize_t fail(struct emu_aws_chunked *c, enum emu_sigv4_status status, int code)
{
    c->state = ST_ERROR;
    c->status = status;
    return code;
}

static int hexdigit(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Parses the completed header line (without "\r\n"). */
static ssize_t parse_line(struct emu_aws_chunked *c)
{
    const char *l = c->line;
    size_t len = c->line_len, i = 0;
    uint64_t size = 0;
    while (i < len && hexdigit(l[i]) >= 0) {
        if (i == MAX_SIZE_DIGITS) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
        }
        size = size * 16 + (uint64_t)hexdigit(l[i]);
        i++;
    }
    size_t plen = strlen(SIG_PREFIX);
    if (c->flags & EMU_AWS_CHUNKED_UNSIGNED) {
        if (i == 0 || i != len) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
        }
    }
    else if (i == 0 || len - i != plen + 64 || memcmp(l + i, SIG_PREFIX, plen) != 0 ||
             !emu__sigv4_is_hex64(l + i + plen, 64)) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
    }
    if (c->max_decoded && size > c->max_decoded - c->decoded) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_E2BIG);
    }
    if (c->expect >= 0 && size > (uint64_t)c->expect - c->decoded) {
        return fail(c, EMU_SIGV4_INCOMPLETE_BODY, EMU_EBADMSG);
    }
    if (!(c->flags & EMU_AWS_CHUNKED_UNSIGNED)) {
        memcpy(c->chunk_sig, l + i + plen, 64);
        c->chunk_sig[64] = '\0';
    }
    c->chunk_size = size;
    c->chunk_left = size;
    if (EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1) {
        return fail(c, EMU_SIGV4_OK, EMU_ENOMEM);
    }
    return 0;
}

/* Checks the signature of the chunk whose data has all been hashed. */
static ssize_t check_chunk(struct emu_aws_chunked *c)
{
    if (c->flags & EMU_AWS_CHUNKED_UNSIGNED) {
        return 0;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(c->sha, md, &mdlen) != 1 || mdlen != 32) {
        return fail(c, EMU_SIGV4_OK, EMU_ENOMEM);
    }
    char hash[65], expected[65];
    emu__sigv4_hex(md, 32, hash);
    int r = chunk_signature(&c->chain, hash, expected);
    if (r < 0) {
        return fail(c, EMU_SIGV4_OK, r);
    }
    if (CRYPTO_memcmp(expected, c->chunk_sig, 64) != 0) {
        return fail(c, EMU_SIGV4_SIGNATURE_MISMATCH, EMU_EBADMSG);
    }
    memcpy(c->chain.prev_signature, c->chunk_sig, 65);
    return 0;
}

/* One byte of the header line; may complete it. */
static ssize_t line_byte(struct emu_aws_chunked *c, char ch)
{
    if (ch != '\n') {
        if (c->line_len == sizeof(c->line)) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_E2BIG);
        }
        c->line[c->line_len++] = ch;
        return 0;
    }
    if (c->line_len == 0 || c->line[c->line_len - 1] != '\r') {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
    }
    c->line_len--;
    ssize_t r = parse_line(c);
    c->line_len = 0;
    if (r < 0) {
        return r;
    }
    if (c->chunk_size > 0) {
        c->state = ST_DATA;
        return 0;
    }
    c->state = c->flags & EMU_AWS_CHUNKED_TRAILER ? ST_TRAILER : ST_END_CR;
    r = check_chunk(c); /* the chain now ends with the final chunk's signature */
    c->chunk_sig[0] = '\0';    /* from here: the trailer signature, once seen */
    return r;
}

/* HMAC of the trailer string to sign over the kept trailing headers. */
static int trailer_signature(const struct emu_aws_chunked *c, const struct emu_sigv4_chain *ch,
                             char out[65])
{
    char hash[65], sts[512];
    emu_sigv4_sha256_hex(c->trailers, c->trailers_len, hash);
    int n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s", ch->amz_date,
                     ch->scope, ch->prev_signature, hash);
    if (n < 0 || (size_t)n >= sizeof(sts)) {
        return EMU_E2BIG;
    }
    unsigned char mac[32];
    int r = emu__sigv4_hmac(ch->signing_key, 32, sts, (size_t)n, mac);
    if (r == 0) {
        emu__sigv4_hex(mac, 32, out);
    }
    return r;
}

/* One completed trailer line (without "\r\n"); the empty one ends the body. */
static ssize_t trailer_line(struct emu_aws_chunked *c)
{
    const char *l = c->line;
    size_t len = c->line_len;
    bool is_signed = !(c->flags & EMU_AWS_CHUNKED_UNSIGNED);
    if (len == 0) {
        if (is_signed && !c->chunk_sig[0]) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG); /* no trailer signature */
        }
        if (c->expect >= 0 && c->decoded != (uint64_t)c->expect) {
            return fail(c, EMU_SIGV4_INCOMPLETE_BODY, EMU_EBADMSG);
        }
        c->state = ST_DONE;
        return 1;
    }
    const char *colon = memchr(l, ':', len);
    if (!colon || colon == l || c->chunk_sig[0]) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG); /* nothing after the signature */
    }
    size_t nlen = (size_t)(colon - l);
    const char *v = colon + 1;
    size_t vlen = len - nlen - 1;
    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
        vlen--;
    }
    static const char sig_name[] = "x-amz-trailer-signature";
    if (is_signed && nlen == sizeof(sig_name) - 1 && strncasecmp(l, sig_name, nlen) == 0) {
        char want[65];
        if (vlen != 64 || !emu__sigv4_is_hex64(v, 64)) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
        }
        int r = trailer_signature(c, &c->chain, want);
        if (r < 0) {
            return fail(c, EMU_SIGV4_OK, r);
        }
        if (CRYPTO_memcmp(want, v, 64) != 0) {
            return fail(c, EMU_SIGV4_SIGNATURE_MISMATCH, EMU_EBADMSG);
        }
        memcpy(c->chunk_sig, v, 64); /* marks the signature as seen */
        c->chunk_sig[64] = '\0';
        return 0;
    }
    if (c->trailers_len + nlen + vlen + 2 > sizeof(c->trailers)) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_E2BIG);
    }
    for (size_t k = 0; k < nlen; k++) { /* canonical: lowercase name */
        char ch = l[k];
        c->trailers[c->trailers_len++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    c->trailers[c->trailers_len++] = ':';
    memcpy(c->trailers + c->trailers_len, v, vlen);
    c->trailers_len += vlen;
    c->trailers[c->trailers_len++] = '\n';
    return 0;
}

/* One byte of a trailer line; may complete it (1 = the body ended). */
static ssize_t trailer_byte(struct emu_aws_chunked *c, char ch)
{
    if (ch != '\n') {
        if (c->line_len == sizeof(c->line)) {
            return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_E2BIG);
        }
        c->line[c->line_len++] = ch;
        return 0;
    }
    if (c->line_len == 0 || c->line[c->line_len - 1] != '\r') {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
    }
    c->line_len--;
    ssize_t r = trailer_line(c);
    c->line_len = 0;
    return r;
}

static ssize_t expect_byte(struct emu_aws_chunked *c, char ch, char want, int next)
{
    if (ch != want) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
    }
    c->state = next;
    return 0;
}

ssize_t emu_aws_chunked_feed(struct emu_aws_chunked *c, const void *data, size_t len,
                             emu_aws_chunked_data_fn cb, void *userdata)
{
    if (c->state == ST_DONE || c->state == ST_ERROR || !c->sha || (!data && len)) {
        return EMU_EINVAL;
    }
    const char *p = data;
    size_t i = 0;
    while (i < len) {
        ssize_t r = 0;
        switch (c->state) {
        case ST_LINE:
            r = line_byte(c, p[i++]);
            break;
        case ST_DATA: {
            size_t n = len - i;
            if (n > c->chunk_left) {
                n = (size_t)c->chunk_left;
            }
            if (EVP_DigestUpdate(c->sha, p + i, n) != 1) {
                return fail(c, EMU_SIGV4_OK, EMU_ENOMEM);
            }
            if (cb) {
                int cr = cb(userdata, p + i, n);
                if (cr < 0) {
                    return fail(c, EMU_SIGV4_OK, cr);
                }
            }
            i += n;
            c->chunk_left -= n;
            c->decoded += n;
            if (c->chunk_left == 0) {
                c->state = ST_DATA_CR;
                r = check_chunk(c);
            }
            break;
        }
        case ST_DATA_CR:
            r = expect_byte(c, p[i++], '\r', ST_DATA_LF);
            break;
        case ST_DATA_LF:
            r = expect_byte(c, p[i++], '\n', ST_LINE);
            break;
        case ST_END_CR:
            r = expect_byte(c, p[i++], '\r', ST_END_LF);
            break;
        case ST_TRAILER:
            r = trailer_byte(c, p[i++]);
            if (r == 1) {
                return (ssize_t)i;
            }
            break;
        default: /* ST_END_LF */
            r = expect_byte(c, p[i++], '\n', ST_DONE);
            if (r == 0 && c->expect >= 0 && c->decoded != (uint64_t)c->expect) {
                return fail(c, EMU_SIGV4_INCOMPLETE_BODY, EMU_EBADMSG);
            }
            if (r == 0) {
                return (ssize_t)i;
            }
            break;
        }
        if (r < 0) {
            return r;
        }
    }
    return EMU_EAGAIN;
}

int emu_aws_chunked_encode(struct emu_sigv4_chain *chain, const void *data, size_t len,
                           struct emu_buf *out)
{
    char hash[65], sig[65];
    emu_sigv4_sha256_hex(data, len, hash);
    int r = chunk_signature(chain, hash, sig);
    if (r == 0) {
        r = emu_buf_printf(out, "%zx%s%s\r\n", len, SIG_PREFIX, sig);
    }
    if (r == 0 && len > 0) {
        r = emu_buf_append(out, data, len);
    }
    if (r == 0) {
        r = emu_buf_append(out, "\r\n", 2);
    }
    if (r == 0) {
        memcpy(chain->prev_signature, sig, 65);
    }
    return r;
}

static uint64_t hex_digits(uint64_t n)
{
    uint64_t d = 1;
    while (n >= 16) {
        n /= 16;
        d++;
    }
    return d;
}

uint64_t emu_aws_chunked_encoded_length(uint64_t decoded_len, uint64_t chunk_size)
{
    const uint64_t overhead = 17 + 64 + 2 + 2; /* prefix, signature, two CRLFs */
    uint64_t total = 1 + overhead;             /* the final 0-size chunk */
    if (chunk_size == 0) {
        chunk_size = decoded_len ? decoded_len : 1;
    }
    uint64_t full = decoded_len / chunk_size, rest = decoded_len % chunk_size;
    total += full * (hex_digits(chunk_size) + overhead + chunk_size);
    if (rest) {
        total += hex_digits(rest) + overhead + rest;
    }
    return total;
}

int emu_aws_chunked_trailer(const struct emu_aws_chunked *c, const char *name, char *out,
                            size_t out_size)
{
    size_t nlen = strlen(name);
    const char *p = c->trailers, *end = c->trailers + c->trailers_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *colon = memchr(p, ':', (size_t)(nl - p));
        if ((size_t)(colon - p) == nlen && strncasecmp(p, name, nlen) == 0) {
            size_t vlen = (size_t)(nl - colon - 1);
            if (vlen >= out_size) {
                return EMU_E2BIG;
            }
            memcpy(out, colon + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = nl + 1;
    }
    return EMU_ENOENT;
}

int emu_aws_chunked_encode_trailer(struct emu_sigv4_chain *chain, const char *const *lines,
                                   size_t n, struct emu_buf *out)
{
    struct emu_aws_chunked tmp;
    memset(&tmp, 0, sizeof(tmp));
    int r = 0;
    if (chain) { /* the final 0-size chunk, signed, without the CRLF of a data chunk */
        char hash[65], sig[65];
        emu_sigv4_sha256_hex("", 0, hash);
        r = chunk_signature(chain, hash, sig);
        r = r ? r : emu_buf_printf(out, "0%s%s\r\n", SIG_PREFIX, sig);
        if (r == 0) {
            memcpy(chain->prev_signature, sig, 65);
        }
    }
    else {
        r = emu_buf_puts(out, "0\r\n");
    }
    for (size_t i = 0; r == 0 && i < n; i++) {
        size_t len = strlen(lines[i]);
        if (tmp.trailers_len + len + 1 > sizeof(tmp.trailers)) {
            return EMU_E2BIG;
        }
        memcpy(tmp.trailers + tmp.trailers_len, lines[i], len);
        tmp.trailers_len += len;
        tmp.trailers[tmp.trailers_len++] = '\n';
        r = emu_buf_printf(out, "%s\r\n", lines[i]);
    }
    if (r == 0 && chain) {
        char sig[65];
        r = trailer_signature(&tmp, chain, sig);
        r = r ? r : emu_buf_printf(out, "x-amz-trailer-signature:%s\r\n", sig);
    }
    return r ? r : emu_buf_append(out, "\r\n", 2);
}
