/* SPDX-License-Identifier: Apache-2.0 */
/* The aws-chunked body codec of STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads: an incremental
 * decoder that checks every chunk signature (chained from the seed signature) with fixed
 * memory, and the matching encoder for clients and tests. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

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
    memset(c, 0, sizeof(*c));
    c->chain = *chain;
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
    if (i == 0 || len - i != plen + 64 || memcmp(l + i, SIG_PREFIX, plen) != 0 ||
        !emu__sigv4_is_hex64(l + i + plen, 64)) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_EBADMSG);
    }
    if (c->max_decoded && size > c->max_decoded - c->decoded) {
        return fail(c, EMU_SIGV4_MALFORMED_HEADER, EMU_E2BIG);
    }
    if (c->expect >= 0 && size > (uint64_t)c->expect - c->decoded) {
        return fail(c, EMU_SIGV4_INCOMPLETE_BODY, EMU_EBADMSG);
    }
    memcpy(c->chunk_sig, l + i + plen, 64);
    c->chunk_sig[64] = '\0';
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
    c->state = ST_END_CR;
    return check_chunk(c);
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
