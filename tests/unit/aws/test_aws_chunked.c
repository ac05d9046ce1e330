/* SPDX-License-Identifier: Apache-2.0 */
/* aws-chunked decoder and encoder against the S3 documentation's chunked PUT example: all at
 * once, byte by byte from the end of a guard page, at every split point of a small body, and
 * every way a body can be wrong (signature, framing, lengths, ceilings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/aws/sigv4.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "tests/support/test_support.h"

#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DOC_TIME ((time_t)1369353600)
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1 "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2 "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3 "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
#define DECODED_LEN 66560

/* The seed chain of the documentation's chunked PUT, from our signer. */
static void doc_chain(struct emu_sigv4_chain *chain)
{
#define H(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}
    struct emu_sigv4_header h[] = {
        H("Host", "s3.amazonaws.com"),
        H("x-amz-date", "20130524T000000Z"),
        H("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        H("x-amz-content-sha256", EMU_SIGV4_STREAMING_PAYLOAD),
        H("Content-Encoding", "aws-chunked"),
        H("x-amz-decoded-content-length", "66560"),
        H("Content-Length", "66824"),
    };
#undef H
    struct emu_sigv4_request req = {
        .method = "PUT",
        .path = "/examplebucket/chunkObject.txt",
        .path_len = 30,
        .headers = h,
        .n_headers = sizeof(h) / sizeof(h[0]),
    };
    struct emu_sigv4_sign_params sp = {
        .access_key_id = "AKIAIOSFODNN7EXAMPLE",
        .secret_access_key = DOC_SECRET,
        .region = "us-east-1",
        .service = "s3",
        .time = DOC_TIME,
        .flags = EMU_SIGV4_S3,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    assert_int_equal(emu_sigv4_sign(&req, &sp, &sig), 0);
    assert_string_equal(sig.signature, SEED);
    *chain = sig.chain;
    emu_sigv4_signature_done(&sig);
}

/* The documented body, written out literally from the published signatures. */
static char *doc_body(size_t *len)
{
    struct emu_buf b;
    emu_buf_init(&b, 1u << 20);
    static char a[65536];
    memset(a, 'a', sizeof(a));
    assert_int_equal(emu_buf_puts(&b, "10000;chunk-signature=" SIG1 "\r\n"), 0);
    assert_int_equal(emu_buf_append(&b, a, 65536), 0);
    assert_int_equal(emu_buf_puts(&b, "\r\n400;chunk-signature=" SIG2 "\r\n"), 0);
    assert_int_equal(emu_buf_append(&b, a, 1024), 0);
    assert_int_equal(emu_buf_puts(&b, "\r\n0;chunk-signature=" SIG3 "\r\n\r\n"), 0);
    *len = b.len;
    return emu_buf_steal(&b);
}

struct sink {
    uint64_t bytes;
    int all_a;
    int fail_at; /* return an error once bytes reach this (0 = never) */
};

static int sink_cb(void *userdata, const void *data, size_t len)
{
    struct sink *s = userdata;
    const char *p = data;
    assert_true(len > 0);
    for (size_t i = 0; i < len; i++) {
        s->all_a &= p[i] == 'a';
    }
    s->bytes += len;
    if (s->fail_at && s->bytes >= (uint64_t)s->fail_at) {
        return EMU_EIO;
    }
    return 0;
}

static void test_encoder_matches_doc(void **state)
{
    (void)state;
    struct emu_sigv4_chain chain;
    doc_chain(&chain);
    static char a[65536];
    memset(a, 'a', sizeof(a));
    struct emu_buf out;
    emu_buf_init(&out, 1u << 20);
    assert_int_equal(emu_aws_chunked_encode(&chain, a, 65536, &out), 0);
    assert_string_equal(chain.prev_signature, SIG1);
    assert_int_equal(emu_aws_chunked_encode(&chain, a, 1024, &out), 0);
    assert_string_equal(chain.prev_signature, SIG2);
    assert_int_equal(emu_aws_chunked_encode(&chain, NULL, 0, &out), 0);
    assert_string_equal(chain.prev_signature, SIG3);
    size_t len;
    char *doc = doc_body(&len);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, doc, len);
    assert_int_equal(emu_aws_chunked_encoded_length(DECODED_LEN, 65536), 66824);
    assert_int_equal(len, 66824);
    emu_free(doc);
    emu_buf_done(&out);
}

static void test_decode_all_at_once(void **state)
{
    (void)state;
    struct emu_sigv4_chain chain;
    doc_chain(&chain);
    size_t len;
    char *body = doc_body(&len);
    struct emu_aws_chunked c;
    assert_int_equal(emu_aws_chunked_init(&c, &chain, DECODED_LEN, 0), 0);
    struct sink s = {.all_a = 1};
    assert_int_equal(emu_aws_chunked_feed(&c, body, len, sink_cb, &s), (ssize_t)len);
    assert_int_equal(s.bytes, DECODED_LEN);
    assert_true(s.all_a);
    assert_int_equal(c.status, EMU_SIGV4_OK);
    /* Finished: more input is refused. */
    assert_int_equal(emu_aws_chunked_feed(&c, "x", 1, sink_cb, &s), EMU_EINVAL);
    emu_aws_chunked_done(&c);

    /* Bytes after the final chunk are not consumed. */
    char *more = emu_malloc(len + 3);
    memcpy(more, body, len);
    memcpy(more + len, "XYZ", 3);
    assert_int_equal(emu_aws_chunked_init(&c, &chain, -1, 0), 0);
    s = (struct sink){.all_a = 1};
    assert_int_equal(emu_aws_chunked_feed(&c, more, len + 3, sink_cb, &s), (ssize_t)len);
    emu_aws_chunked_done(&c);
    emu_free(more);
    emu_free(body);
}

static void test_decode_byte_by_byte_guard_page(void **state)
{
    (void)state;
    struct emu_sigv4_chain chain;
    doc_chain(&chain);
    size_t len;
    char *body = doc_body(&len);
    char *g = emu_test_guard_copy(body, len);
    struct emu_aws_chunked c;
    assert_int_equal(emu_aws_chunked_init(&c, &chain, DECODED_LEN, 0), 0);
    struct sink s = {.all_a = 1};
    for (size_t i = 0; i + 1 < len; i++) {
        assert_int_equal(emu_aws_chunked_feed(&c, g + i, 1, sink_cb, &s), EMU_EAGAIN);
    }
    assert_int_equal(emu_aws_chunked_feed(&c, g + len - 1, 1, sink_cb, &s), 1);
    assert_int_equal(s.bytes, DECODED_LEN);
    assert_true(s.all_a);
    emu_aws_chunked_done(&c);
    emu_test_guard_free(g, len);
    emu_free(body);
}

/* A small body cut at every split point into two feeds, each from a guard page. */
static void test_decode_every_split(void **state)
{
    (void)state;
    struct emu_sigv4_chain seed, chain;
    doc_chain(&seed);
    chain = seed;
    struct emu_buf body;
    emu_buf_init(&body, 4096);
    assert_int_equal(emu_aws_chunked_encode(&chain, "aaaaaaa", 7, &body), 0);
    assert_int_equal(emu_aws_chunked_encode(&chain, "a", 1, &body), 0);
    assert_int_equal(emu_aws_chunked_encode(&chain, "aaa", 3, &body), 0);
    assert_int_equal(emu_aws_chunked_encode(&chain, NULL, 0, &body), 0);
    assert_int_equal(body.len, emu_aws_chunked_encoded_length(11, 0) + 2 * (1 + 17 + 64 + 4));
    for (size_t cut = 0; cut <= body.len; cut++) {
        struct emu_aws_chunked c;
        assert_int_equal(emu_aws_chunked_init(&c, &seed, 11, 0), 0);
        struct sink s = {.all_a = 1};
        char *g1 = emu_test_guard_copy(body.data, cut);
        char *g2 = emu_test_guard_copy(body.data + cut, body.len - cut);
        ssize_t r = cut ? emu_aws_chunked_feed(&c, g1, cut, sink_cb, &s) : EMU_EAGAIN;
        if (cut < body.len) {
            assert_int_equal(r, EMU_EAGAIN);
            r = emu_aws_chunked_feed(&c, g2, body.len - cut, sink_cb, &s);
            assert_int_equal(r, (ssize_t)(body.len - cut));
        }
        else {
            assert_int_equal(r, (ssize_t)cut);
        }
        assert_int_equal(s.bytes, 11);
        assert_true(s.all_a);
        emu_aws_chunked_done(&c);
        emu_test_guard_free(g1, cut);
        emu_test_guard_free(g2, body.len - cut);
    }
    emu_buf_done(&body);
}

/* Feeds text to a fresh decoder seeded with the doc chain; returns the result. */
static ssize_t feed_doc(const char *text, size_t len, long long expect, uint64_t max,
                        enum emu_sigv4_status *status)
{
    struct emu_sigv4_chain chain;
    doc_chain(&chain);
    struct emu_aws_chunked c;
    assert_int_equal(emu_aws_chunked_init(&c, &chain, expect, max), 0);
    struct sink s = {.all_a = 1};
    ssize_t r = emu_aws_chunked_feed(&c, text, len, sink_cb, &s);
    *status = c.status;
    if (r < 0 && r != EMU_EAGAIN) {
        assert_int_equal(emu_aws_chunked_feed(&c, "0", 1, sink_cb, &s), EMU_EINVAL);
    }
    emu_aws_chunked_done(&c);
    return r;
}

static void test_decode_errors(void **state)
{
    (void)state;
    size_t len;
    char *body = doc_body(&len);
    enum emu_sigv4_status st;

    /* One data byte changed: the first chunk's signature fails. */
    body[100] = 'b';
    assert_int_equal(feed_doc(body, len, -1, 0, &st), EMU_EBADMSG);
    assert_int_equal(st, EMU_SIGV4_SIGNATURE_MISMATCH);
    body[100] = 'a';
    /* The final chunk's signature changed. */
    body[len - 5] ^= 1;
    assert_int_equal(feed_doc(body, len, -1, 0, &st), EMU_EBADMSG);
    assert_int_equal(st, EMU_SIGV4_SIGNATURE_MISMATCH);
    body[len - 5] ^= 1;
    /* Declared decoded length too small, too large. */
    assert_int_equal(feed_doc(body, len, DECODED_LEN - 1, 0, &st), EMU_EBADMSG);
    assert_int_equal(st, EMU_SIGV4_INCOMPLETE_BODY);
    assert_int_equal(feed_doc(body, len, DECODED_LEN + 1, 0, &st), EMU_EBADMSG);
    assert_int_equal(st, EMU_SIGV4_INCOMPLETE_BODY);
    assert_string_equal(emu_sigv4_status_code(st), "IncompleteBody");
    /* Over the decoder's ceiling. */
    assert_int_equal(feed_doc(body, len, -1, 1000, &st), EMU_E2BIG);
    /* Truncated: incomplete, not an error. */
    assert_int_equal(feed_doc(body, len - 2, -1, 0, &st), EMU_EAGAIN);
    /* Framing. */
    static const char *bad[] = {
        "10000;chunk-signature=" SIG1 "\n",       /* LF without CR */
        "zz;chunk-signature=" SIG1 "\r\n",         /* not hex */
        "10000;chunk-signaturx=" SIG1 "\r\n",      /* wrong extension */
        "10000;chunk-signature=" SIG1 "0\r\n",     /* signature too long */
        "10000;chunk-signature=ABC\r\n",           /* signature too short */
        "11111111111111111;chunk-signature=0\r\n", /* size overflow */
        "0;chunk-signature=" SIG3 "\r\nX",         /* no CRLF after the final chunk */
        "\r\n",                                    /* empty line */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(feed_doc(bad[i], strlen(bad[i]), -1, 0, &st), EMU_EBADMSG);
    }
    /* A chunk not followed by CRLF. */
    char *nocrlf = emu_malloc(len);
    memcpy(nocrlf, body, len);
    nocrlf[strlen("10000;chunk-signature=" SIG1 "\r\n") + 65536] = 'x';
    assert_int_equal(feed_doc(nocrlf, len, -1, 0, &st), EMU_EBADMSG);
    emu_free(nocrlf);
    /* A header line over the ceiling. */
    char longline[EMU_AWS_CHUNKED_LINE_MAX + 10];
    memset(longline, '0', sizeof(longline));
    assert_int_equal(feed_doc(longline, sizeof(longline), -1, 0, &st), EMU_E2BIG);
    /* The callback's error stops the decoder. */
    struct emu_sigv4_chain chain;
    doc_chain(&chain);
    struct emu_aws_chunked c;
    assert_int_equal(emu_aws_chunked_init(&c, &chain, -1, 0), 0);
    struct sink s = {.all_a = 1, .fail_at = 10};
    assert_int_equal(emu_aws_chunked_feed(&c, body, len, sink_cb, &s), EMU_EIO);
    emu_aws_chunked_done(&c);
    emu_free(body);
}

static int buf_sink(void *userdata, const void *data, size_t len)
{
    return emu_buf_append(userdata, data, len);
}

/* Decodes text (whole, then byte by byte) with flags; the last result and the trailer value. */
static ssize_t decode_flags(const struct emu_sigv4_chain *chain, const char *text, size_t len,
                            long long expect, unsigned flags, char crc[32], struct emu_buf *out)
{
    ssize_t last = 0;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct emu_aws_chunked c;
        assert_int_equal(emu_aws_chunked_init_flags(&c, chain, expect, 0, flags), 0);
        emu_buf_done(out);
        emu_buf_init(out, 1 << 20);
        ssize_t r = EMU_EAGAIN;
        size_t step = bytewise ? 1 : len;
        for (size_t i = 0; i < len && r == EMU_EAGAIN; i += step) {
            r = emu_aws_chunked_feed(&c, text + i, step, buf_sink, out);
        }
        crc[0] = '\0';
        if (r >= 0) {
            (void)emu_aws_chunked_trailer(&c, "x-amz-checksum-crc32", crc, 32);
        }
        emu_aws_chunked_done(&c);
        last = r < 0 ? r : 0;
    }
    return last;
}

static void test_trailers(void **state)
{
    (void)state;
    struct emu_sigv4_chain seed;
    doc_chain(&seed);
    struct emu_buf out;
    emu_buf_init(&out, 1 << 20);
    char crc[32];
    /* Unsigned (as botocore's AwsChunkedWrapper writes it). */
    static const char unsigned_body[] = "5\r\nhello\r\n6\r\n world\r\n0\r\n"
                                        "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    unsigned fl = EMU_AWS_CHUNKED_TRAILER | EMU_AWS_CHUNKED_UNSIGNED;
    assert_int_equal(decode_flags(NULL, unsigned_body, sizeof(unsigned_body) - 1, 11, fl, crc,
                                  &out), 0);
    assert_int_equal(out.len, 11);
    assert_memory_equal(out.data, "hello world", 11);
    assert_string_equal(crc, "DUoRhQ==");
    /* A declared length that does not match, a chunk line with a signature, no end line. */
    assert_int_equal(decode_flags(NULL, unsigned_body, sizeof(unsigned_body) - 1, 12, fl, crc,
                                  &out), EMU_EBADMSG);
    static const char sig_line[] = "5;chunk-signature=x\r\nhello\r\n0\r\n\r\n";
    assert_int_equal(decode_flags(NULL, sig_line, sizeof(sig_line) - 1, -1, fl, crc, &out),
                     EMU_EBADMSG);
    assert_int_equal(decode_flags(NULL, unsigned_body, sizeof(unsigned_body) - 3, 11, fl, crc,
                                  &out), EMU_EAGAIN);
    /* Signed: chunk signatures chained from the seed, then the signed trailer. */
    struct emu_sigv4_chain chain = seed;
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    assert_int_equal(emu_aws_chunked_encode(&chain, "hello world", 11, &body), 0);
    const char *lines[] = {"x-amz-checksum-crc32:DUoRhQ=="};
    assert_int_equal(emu_aws_chunked_encode_trailer(&chain, lines, 1, &body), 0);
    assert_non_null(strstr(body.data, "0;chunk-signature="));
    assert_non_null(strstr(body.data, "\r\nx-amz-checksum-crc32:DUoRhQ==\r\n"
                                      "x-amz-trailer-signature:"));
    assert_int_equal(decode_flags(&seed, body.data, body.len, 11, EMU_AWS_CHUNKED_TRAILER, crc,
                                  &out), 0);
    assert_string_equal(crc, "DUoRhQ==");
    /* The trailer value changed in transit: its signature no longer matches. */
    char *t = strstr(body.data, "DUoRhQ==");
    t[0] = 'E';
    struct emu_aws_chunked c;
    assert_int_equal(emu_aws_chunked_init_flags(&c, &seed, 11, 0, EMU_AWS_CHUNKED_TRAILER), 0);
    assert_int_equal(emu_aws_chunked_feed(&c, body.data, body.len, NULL, NULL), EMU_EBADMSG);
    assert_int_equal(c.status, EMU_SIGV4_SIGNATURE_MISMATCH);
    emu_aws_chunked_done(&c);
    t[0] = 'D';
    /* Without the trailer signature line the signed variant is refused. */
    char *sigl = strstr(body.data, "x-amz-trailer-signature:");
    size_t cut = (size_t)(sigl - body.data);
    memcpy(sigl, "\r\n", 2);
    assert_int_equal(decode_flags(&seed, body.data, cut + 2, 11, EMU_AWS_CHUNKED_TRAILER, crc,
                                  &out), EMU_EBADMSG);
    emu_buf_done(&body);
    emu_buf_done(&out);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_matches_doc),
        cmocka_unit_test(test_decode_all_at_once),
        cmocka_unit_test(test_decode_byte_by_byte_guard_page),
        cmocka_unit_test(test_decode_every_split),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_trailers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
