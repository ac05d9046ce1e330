/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 against the S3 documentation's published examples (GET and PUT Object, bucket
 * lifecycle, list, presigned URL, chunked-upload seed) and the verifier's rejections: S3 error
 * per failure, session tokens, presigned expiry, S3 versus normalised paths. */
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

/* The S3 documentation's example credentials and time (20130524T000000Z). */
#define DOC_KEY_ID "AKIAIOSFODNN7EXAMPLE"
#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DOC_TIME ((time_t)1369353600)
#define DOC_HOST "examplebucket.s3.amazonaws.com"

#define H(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

static struct emu_sigv4_request make_req(const char *method, const char *path, const char *query,
                                         const struct emu_sigv4_header *h, size_t n)
{
    struct emu_sigv4_request r = {
        .method = method,
        .path = path,
        .path_len = strlen(path),
        .query = query,
        .query_len = query ? strlen(query) : 0,
        .headers = h,
        .n_headers = n,
    };
    return r;
}

static void sign_doc(const struct emu_sigv4_request *req, unsigned flags, long expires,
                     struct emu_sigv4_signature *sig)
{
    struct emu_sigv4_sign_params sp = {
        .access_key_id = DOC_KEY_ID,
        .secret_access_key = DOC_SECRET,
        .region = "us-east-1",
        .service = "s3",
        .time = DOC_TIME,
        .flags = EMU_SIGV4_S3 | flags,
        .expires = expires,
    };
    emu_sigv4_signature_init(sig);
    assert_int_equal(emu_sigv4_sign(req, &sp, sig), 0);
}

static const char *doc_token;

static int doc_lookup(void *userdata, const char *key_id, const char **ret_secret,
                      const char **ret_token)
{
    (void)userdata;
    if (strcmp(key_id, DOC_KEY_ID) != 0) {
        return EMU_ENOENT;
    }
    *ret_secret = DOC_SECRET;
    *ret_token = doc_token;
    return 0;
}

static enum emu_sigv4_status verify_doc(const struct emu_sigv4_request *req, time_t now,
                                        struct emu_sigv4_verdict *keep)
{
    struct emu_sigv4_verify_params vp = {
        .region = "us-east-1",
        .service = "s3",
        .flags = EMU_SIGV4_S3,
        .now = now,
        .lookup = doc_lookup,
    };
    struct emu_sigv4_verdict local, *v = keep ? keep : &local;
    emu_sigv4_verdict_init(v);
    int r = emu_sigv4_verify(req, &vp, v);
    assert_true(r == 0 || r == EMU_EAWS);
    assert_int_equal(r == 0, v->status == EMU_SIGV4_OK);
    enum emu_sigv4_status st = v->status;
    if (!keep) {
        emu_sigv4_verdict_done(v);
    }
    return st;
}

static void test_get_object(void **state)
{
    (void)state;
    struct emu_sigv4_header h[5] = {
        H("Host", DOC_HOST),
        H("Range", "bytes=0-9"),
        H("x-amz-content-sha256", EMU_SIGV4_EMPTY_SHA256),
        H("x-amz-date", "20130524T000000Z"),
    };
    struct emu_sigv4_request req = make_req("GET", "/test.txt", NULL, h, 4);
    struct emu_sigv4_signature sig;
    sign_doc(&req, 0, 0, &sig);
    assert_string_equal(sig.canonical_request.data,
                        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
                        "range:bytes=0-9\n"
                        "x-amz-content-sha256:" EMU_SIGV4_EMPTY_SHA256 "\n"
                        "x-amz-date:20130524T000000Z\n\n"
                        "host;range;x-amz-content-sha256;x-amz-date\n" EMU_SIGV4_EMPTY_SHA256);
    assert_string_equal(sig.string_to_sign.data,
                        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    assert_string_equal(sig.signature,
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    /* The documentation's header, which has no spaces after the commas, verifies. */
    h[4] = (struct emu_sigv4_header)H(
        "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                         "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                         "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036"
                         "bdb41");
    req.n_headers = 5;
    assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_OK);
    /* So does ours, with ", " separators. */
    h[4].value = sig.authorization.data;
    h[4].value_len = sig.authorization.len;
    assert_int_equal(verify_doc(&req, DOC_TIME + 60, NULL), EMU_SIGV4_OK);
    /* A changed signed header is SignatureDoesNotMatch, with the canonical request for the
     * error body. */
    h[1].value = "bytes=0-10";
    h[1].value_len = 10;
    struct emu_sigv4_verdict v;
    assert_int_equal(verify_doc(&req, DOC_TIME, &v), EMU_SIGV4_SIGNATURE_MISMATCH);
    assert_non_null(strstr(v.canonical_request.data, "range:bytes=0-10\n"));
    assert_non_null(strstr(v.string_to_sign.data, "20130524/us-east-1/s3/aws4_request"));
    assert_string_equal(v.access_key_id, DOC_KEY_ID);
    assert_string_equal(v.signature_provided, sig.signature);
    assert_string_equal(emu_sigv4_status_code(v.status), "SignatureDoesNotMatch");
    assert_int_equal(emu_sigv4_status_http(v.status), 403);
    emu_sigv4_verdict_done(&v);
    emu_sigv4_signature_done(&sig);
}

static void test_put_object(void **state)
{
    (void)state;
    static const char body[] = "Welcome to Amazon S3.";
    char hash[65];
    emu_sigv4_sha256_hex(body, sizeof(body) - 1, hash);
    assert_string_equal(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    struct emu_sigv4_header h[6] = {
        H("Host", DOC_HOST),
        H("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        H("x-amz-date", "20130524T000000Z"),
        H("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        H("x-amz-content-sha256",
          "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
    };
    /* '$' as sent raw and as sent percent-encoded both canonicalise to %24 for S3. */
    const char *paths[] = {"/test$file.text", "/test%24file.text"};
    for (size_t i = 0; i < 2; i++) {
        struct emu_sigv4_request req = make_req("PUT", paths[i], NULL, h, 5);
        req.body = body;
        req.body_len = sizeof(body) - 1;
        struct emu_sigv4_signature sig;
        sign_doc(&req, 0, 0, &sig);
        assert_memory_equal(sig.canonical_request.data, "PUT\n/test%24file.text\n\n", 23);
        assert_string_equal(sig.string_to_sign.data + sig.string_to_sign.len - 64,
                            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
        assert_string_equal(sig.signature,
                            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
        h[5].name = "Authorization";
        h[5].name_len = 13;
        h[5].value = sig.authorization.data;
        h[5].value_len = sig.authorization.len;
        req.n_headers = 6;
        assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_OK);
        /* Same signature, different body: XAmzContentSHA256Mismatch. */
        req.body = "Welcome to Amazon S4.";
        assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_CONTENT_SHA256_MISMATCH);
        /* Without the body the caller gets the declared hash to compare itself. */
        req.body = NULL;
        struct emu_sigv4_verdict v;
        assert_int_equal(verify_doc(&req, DOC_TIME, &v), EMU_SIGV4_OK);
        assert_int_equal(v.payload, EMU_SIGV4_PAYLOAD_SIGNED);
        assert_string_equal(v.content_sha256, hash);
        emu_sigv4_verdict_done(&v);
        emu_sigv4_signature_done(&sig);
    }
}

static void test_bucket_queries(void **state)
{
    (void)state;
    struct emu_sigv4_header h[3] = {
        H("Host", DOC_HOST),
        H("x-amz-content-sha256", EMU_SIGV4_EMPTY_SHA256),
        H("x-amz-date", "20130524T000000Z"),
    };
    struct emu_sigv4_request req = make_req("GET", "/", "lifecycle", h, 3);
    struct emu_sigv4_signature sig;
    sign_doc(&req, 0, 0, &sig);
    assert_memory_equal(sig.canonical_request.data, "GET\n/\nlifecycle=\n", 17);
    assert_string_equal(sig.signature,
                        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    emu_sigv4_signature_done(&sig);

    req = make_req("GET", "/", "max-keys=2&prefix=J", h, 3);
    sign_doc(&req, 0, 0, &sig);
    assert_memory_equal(sig.canonical_request.data, "GET\n/\nmax-keys=2&prefix=J\n", 26);
    assert_string_equal(sig.signature,
                        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    emu_sigv4_signature_done(&sig);

    /* Query parameters are decoded then encoded again: order and escapes do not matter. */
    req = make_req("GET", "/", "prefix=%4a&max-keys=2", h, 3);
    sign_doc(&req, 0, 0, &sig);
    assert_string_equal(sig.signature,
                        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    emu_sigv4_signature_done(&sig);
}

static void test_presigned(void **state)
{
    (void)state;
    struct emu_sigv4_header h[1] = {H("Host", DOC_HOST)};
    struct emu_sigv4_request req = make_req("GET", "/test.txt", NULL, h, 1);
    struct emu_sigv4_signature sig;
    sign_doc(&req, EMU_SIGV4_PRESIGN, 86400, &sig);
    assert_string_equal(sig.canonical_request.data,
                        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
                        "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
                        "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                        "\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
    assert_string_equal(sig.string_to_sign.data + sig.string_to_sign.len - 64,
                        "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
    assert_string_equal(sig.signature,
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_string_equal(sig.presigned_query.data,
                        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
                        "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&"
                        "X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

    /* The published URL verifies until it expires, then it is AccessDenied. */
    req.query = sig.presigned_query.data;
    req.query_len = sig.presigned_query.len;
    struct emu_sigv4_verdict v;
    assert_int_equal(verify_doc(&req, DOC_TIME + 3600, &v), EMU_SIGV4_OK);
    assert_true(v.presigned);
    assert_int_equal(v.payload, EMU_SIGV4_PAYLOAD_UNSIGNED);
    emu_sigv4_verdict_done(&v);
    assert_int_equal(verify_doc(&req, DOC_TIME + 86400, NULL), EMU_SIGV4_OK);
    assert_int_equal(verify_doc(&req, DOC_TIME + 86401, NULL), EMU_SIGV4_EXPIRED);
    assert_string_equal(emu_sigv4_status_code(EMU_SIGV4_EXPIRED), "AccessDenied");
    /* Signed in the future beyond the skew. */
    assert_int_equal(verify_doc(&req, DOC_TIME - 901, NULL), EMU_SIGV4_TIME_SKEWED);

    /* Tampering with the path, a parameter, or a missing parameter. */
    struct emu_sigv4_request t = req;
    t.path = "/test.txu";
    assert_int_equal(verify_doc(&t, DOC_TIME, NULL), EMU_SIGV4_SIGNATURE_MISMATCH);
    char q[1024];
    snprintf(q, sizeof(q), "%s", sig.presigned_query.data);
    char *exp = strstr(q, "X-Amz-Expires=86400");
    assert_non_null(exp);
    exp[14] = '9'; /* 96400 */
    t = req;
    t.query = q;
    assert_int_equal(verify_doc(&t, DOC_TIME, NULL), EMU_SIGV4_SIGNATURE_MISMATCH);
    t.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00";
    t.query_len = strlen(t.query);
    assert_int_equal(verify_doc(&t, DOC_TIME, NULL), EMU_SIGV4_MALFORMED_QUERY);
    assert_string_equal(emu_sigv4_status_code(EMU_SIGV4_MALFORMED_QUERY),
                        "AuthorizationQueryParametersError");
    emu_sigv4_signature_done(&sig);
}

static void test_chunked_seed(void **state)
{
    (void)state;
    struct emu_sigv4_header h[8] = {
        H("Host", "s3.amazonaws.com"),
        H("x-amz-date", "20130524T000000Z"),
        H("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        H("x-amz-content-sha256", EMU_SIGV4_STREAMING_PAYLOAD),
        H("Content-Encoding", "aws-chunked"),
        H("x-amz-decoded-content-length", "66560"),
        H("Content-Length", "66824"),
    };
    struct emu_sigv4_request req = make_req("PUT", "/examplebucket/chunkObject.txt", NULL, h, 7);
    struct emu_sigv4_signature sig;
    sign_doc(&req, 0, 0, &sig);
    assert_string_equal(sig.signature,
                        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    assert_string_equal(sig.chain.prev_signature, sig.signature);
    assert_string_equal(sig.chain.scope, "20130524/us-east-1/s3/aws4_request");
    h[7] = (struct emu_sigv4_header)H(
        "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                         "aws4_request,SignedHeaders=content-encoding;content-length;host;"
                         "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                         "x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e"
                         "4690baa4adea153f7db9fa80a0a9");
    req.n_headers = 8;
    struct emu_sigv4_verdict v;
    assert_int_equal(verify_doc(&req, DOC_TIME, &v), EMU_SIGV4_OK);
    assert_int_equal(v.payload, EMU_SIGV4_PAYLOAD_STREAMING);
    assert_int_equal(v.decoded_content_length, 66560);
    /* Field by field: the bytes after each string's NUL are not part of the chain. */
    assert_memory_equal(v.chain.signing_key, sig.chain.signing_key, sizeof(v.chain.signing_key));
    assert_string_equal(v.chain.amz_date, sig.chain.amz_date);
    assert_string_equal(v.chain.scope, sig.chain.scope);
    assert_string_equal(v.chain.prev_signature, sig.chain.prev_signature);
    emu_sigv4_verdict_done(&v);
    emu_sigv4_signature_done(&sig);
}

static void canonical_path(const char *path, unsigned flags, const char *want)
{
    struct emu_sigv4_request req = make_req("GET", path, NULL, NULL, 0);
    struct emu_buf out;
    emu_buf_init(&out, 4096);
    assert_int_equal(emu_sigv4_canonical_request(&req, flags, NULL, 0, "x", &out), 0);
    char expect[256];
    snprintf(expect, sizeof(expect), "GET\n%s\n\n\n\nx", want);
    assert_string_equal(out.data, expect);
    emu_buf_done(&out);
}

static void test_paths(void **state)
{
    (void)state;
    /* S3 keeps "//" and dot segments, encodes once. */
    canonical_path("/bucket//a/./b/../c", EMU_SIGV4_S3, "/bucket//a/./b/../c");
    canonical_path("/my-object//example//photo.user", EMU_SIGV4_S3,
                   "/my-object//example//photo.user");
    canonical_path("/b/a%20b%2Fc%7e+", EMU_SIGV4_S3, "/b/a%20b/c~%2B");
    canonical_path("/b/caf\xc3\xa9", EMU_SIGV4_S3, "/b/caf%C3%A9");
    canonical_path("", EMU_SIGV4_S3, "/");
    /* Other services normalise and encode the raw path again. */
    canonical_path("/bucket//a/./b/../c", 0, "/bucket/a/c");
    canonical_path("/a%20b", 0, "/a%2520b");
    canonical_path("/a/b/", 0, "/a/b/");
    canonical_path("/../..", 0, "/");
}

static void test_session_token(void **state)
{
    (void)state;
    struct emu_sigv4_header h[5] = {
        H("Host", DOC_HOST),
        H("x-amz-content-sha256", EMU_SIGV4_UNSIGNED_PAYLOAD),
        H("x-amz-date", "20130524T000000Z"),
        H("X-Amz-Security-Token", "tok-123"),
    };
    struct emu_sigv4_request req = make_req("GET", "/k", NULL, h, 4);
    struct emu_sigv4_signature sig;
    sign_doc(&req, 0, 0, &sig);
    assert_non_null(strstr(sig.authorization.data, "x-amz-security-token"));
    h[4] = (struct emu_sigv4_header){"Authorization", 13, sig.authorization.data,
                                     sig.authorization.len};
    req.n_headers = 5;
    doc_token = "tok-123";
    assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_OK);
    doc_token = "tok-124";
    assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_INVALID_TOKEN);
    doc_token = NULL;
    assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_INVALID_TOKEN);
    /* A key with a token, a request without one. */
    h[3] = h[4];
    req.n_headers = 4;
    doc_token = "tok-123";
    assert_int_equal(verify_doc(&req, DOC_TIME, NULL), EMU_SIGV4_INVALID_TOKEN);
    doc_token = NULL;
    assert_string_equal(emu_sigv4_status_code(EMU_SIGV4_INVALID_TOKEN), "InvalidToken");

    /* Presigned with a token in the query. */
    struct emu_sigv4_header host[1] = {H("Host", DOC_HOST)};
    struct emu_sigv4_request preq = make_req("GET", "/k", "versionId=3", host, 1);
    struct emu_sigv4_signature ps;
    struct emu_sigv4_sign_params sp = {
        .access_key_id = DOC_KEY_ID,
        .secret_access_key = DOC_SECRET,
        .session_token = "tok/+=",
        .region = "us-east-1",
        .service = "s3",
        .time = DOC_TIME,
        .flags = EMU_SIGV4_S3 | EMU_SIGV4_PRESIGN | EMU_SIGV4_SIGN_TOKEN,
        .expires = 60,
    };
    emu_sigv4_signature_init(&ps);
    assert_int_equal(emu_sigv4_sign(&preq, &sp, &ps), 0);
    assert_non_null(strstr(ps.presigned_query.data, "versionId=3&"));
    assert_non_null(strstr(ps.presigned_query.data, "X-Amz-Security-Token=tok%2F%2B%3D&"));
    preq.query = ps.presigned_query.data;
    preq.query_len = ps.presigned_query.len;
    doc_token = "tok/+=";
    assert_int_equal(verify_doc(&preq, DOC_TIME + 1, NULL), EMU_SIGV4_OK);
    assert_int_equal(verify_doc(&preq, DOC_TIME + 61, NULL), EMU_SIGV4_EXPIRED);
    doc_token = NULL;
    assert_int_equal(verify_doc(&preq, DOC_TIME + 1, NULL), EMU_SIGV4_INVALID_TOKEN);
    emu_sigv4_signature_done(&ps);
    emu_sigv4_signature_done(&sig);
}

static enum emu_sigv4_status verify_auth(const char *authz, const char *content_sha)
{
    struct emu_sigv4_header h[4] = {
        H("Host", DOC_HOST),
        H("x-amz-date", "20130524T000000Z"),
    };
    size_t n = 2;
    if (authz) {
        h[n++] = (struct emu_sigv4_header){"Authorization", 13, authz, strlen(authz)};
    }
    if (content_sha) {
        h[n++] = (struct emu_sigv4_header){"x-amz-content-sha256", 20, content_sha,
                                           strlen(content_sha)};
    }
    struct emu_sigv4_request req = make_req("GET", "/", NULL, h, n);
    return verify_doc(&req, DOC_TIME, NULL);
}

#define GOOD_SIG "0000000000000000000000000000000000000000000000000000000000000000"

static void test_rejections(void **state)
{
    (void)state;
    const char *e = EMU_SIGV4_EMPTY_SHA256;
    assert_int_equal(verify_auth(NULL, e), EMU_SIGV4_ANONYMOUS);
    assert_int_equal(verify_auth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", e),
                     EMU_SIGV4_BAD_ALGORITHM);
    assert_int_equal(verify_auth("AWS4-HMAC-SHA256 Credential=x", e),
                     EMU_SIGV4_MALFORMED_HEADER);
    assert_int_equal(verify_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                                 "us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=abc",
                                 e),
                     EMU_SIGV4_MALFORMED_HEADER);
    assert_int_equal(verify_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                                 "eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=" GOOD_SIG,
                                 e),
                     EMU_SIGV4_WRONG_REGION);
    assert_int_equal(verify_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130525/"
                                 "us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=" GOOD_SIG,
                                 e),
                     EMU_SIGV4_MALFORMED_HEADER);
    assert_int_equal(verify_auth("AWS4-HMAC-SHA256 Credential=NOSUCHKEY/20130524/"
                                 "us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=" GOOD_SIG,
                                 e),
                     EMU_SIGV4_INVALID_ACCESS_KEY);
    assert_string_equal(emu_sigv4_status_code(EMU_SIGV4_INVALID_ACCESS_KEY), "InvalidAccessKeyId");
    const char *ok_shape = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                           "us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
                           "Signature=" GOOD_SIG;
    assert_int_equal(verify_auth(ok_shape, NULL), EMU_SIGV4_MISSING_CONTENT_SHA256);
    assert_int_equal(verify_auth(ok_shape, "abc"), EMU_SIGV4_BAD_CONTENT_SHA256);
    assert_int_equal(verify_auth(ok_shape, e), EMU_SIGV4_SIGNATURE_MISMATCH);
    assert_string_equal(emu_sigv4_status_code(EMU_SIGV4_TIME_SKEWED), "RequestTimeTooSkewed");
    assert_string_equal(emu_sigv4_status_code(_EMU_SIGV4_STATUS_INVALID), "InternalError");
}

static void test_dates(void **state)
{
    (void)state;
    char d[17];
    assert_int_equal(emu_sigv4_format_date(DOC_TIME, d), 0);
    assert_string_equal(d, "20130524T000000Z");
    time_t t;
    assert_int_equal(emu_sigv4_parse_date("20150830T123600Z", 16, &t), 0);
    assert_int_equal(t, 1440938160);
    assert_int_equal(emu_sigv4_parse_date("20240229T235959Z", 16, &t), 0);
    assert_int_equal(emu_sigv4_format_date(t, d), 0);
    assert_string_equal(d, "20240229T235959Z");
    assert_int_equal(emu_sigv4_parse_date("20150830T123600", 15, &t), EMU_EINVAL);
    assert_int_equal(emu_sigv4_parse_date("20151330T123600Z", 16, &t), EMU_EINVAL);
    assert_int_equal(emu_sigv4_parse_date("2015083OT123600Z", 16, &t), EMU_EINVAL);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_object),    cmocka_unit_test(test_put_object),
        cmocka_unit_test(test_bucket_queries), cmocka_unit_test(test_presigned),
        cmocka_unit_test(test_chunked_seed),  cmocka_unit_test(test_paths),
        cmocka_unit_test(test_session_token), cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_dates),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
