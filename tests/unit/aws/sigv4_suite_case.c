/* SPDX-License-Identifier: Apache-2.0 */
/* Runs one case directory of AWS's SigV4 test suite (argv[1]): signing the .req must give the
 * .creq, .sts and .authz byte for byte, verification must accept the .sreq and reject tampered
 * copies of it (signature, path, key, clock). */
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

#define SUITE_KEY_ID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TOKEN \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwA" \
    "eMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8p" \
    "hUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT" \
    "38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabI" \
    "Qwj2ICCR/oLxBA=="
#define SUITE_TIME ((time_t)1440938160) /* 20150830T123600Z */
#define MAX_HEADERS 32

static const char *case_dir;
static char case_name[256];

/* A parsed .req/.sreq file; strings point into text. */
struct parsed {
    char *text;
    size_t text_len;
    char method[16];
    const char *path, *query;
    size_t path_len, query_len;
    struct emu_sigv4_header headers[MAX_HEADERS];
    size_t n_headers;
    const char *body;
    size_t body_len;
};

static char *read_case_file(const char *ext, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.%s", case_dir, case_name, ext);
    return emu_test_read_file(path, len);
}

/* Request line "METHOD target HTTP/1.1" (the target may hold spaces), headers up to a blank
 * line, then the body. A line starting with whitespace continues the previous header; like
 * the suite's .creq expects, it becomes another value of that header. */
static void parse_request(const char *ext, struct parsed *p)
{
    memset(p, 0, sizeof(*p));
    p->text = read_case_file(ext, &p->text_len);
    char *s = p->text, *end = p->text + p->text_len;
    char *nl = memchr(s, '\n', (size_t)(end - s));
    char *line_end = nl ? nl : end;
    char *sp = memchr(s, ' ', (size_t)(line_end - s));
    assert_non_null(sp);
    assert_true((size_t)(sp - s) < sizeof(p->method));
    memcpy(p->method, s, (size_t)(sp - s));
    char *target = sp + 1, *target_end = line_end;
    while (target_end > target && target_end[-1] != ' ') {
        target_end--;
    }
    assert_true(target_end > target);
    target_end--; /* the space before HTTP/1.1 */
    char *q = memchr(target, '?', (size_t)(target_end - target));
    p->path = target;
    p->path_len = (size_t)((q ? q : target_end) - target);
    if (q) {
        p->query = q + 1;
        p->query_len = (size_t)(target_end - q - 1);
    }
    s = nl ? nl + 1 : end;
    while (s < end) {
        nl = memchr(s, '\n', (size_t)(end - s));
        line_end = nl ? nl : end;
        if (line_end == s) {
            s = nl ? nl + 1 : end;
            p->body = s;
            p->body_len = (size_t)(end - s);
            return;
        }
        assert_true(p->n_headers < MAX_HEADERS);
        struct emu_sigv4_header *h = &p->headers[p->n_headers];
        if ((*s == ' ' || *s == '\t') && p->n_headers > 0) {
            *h = p->headers[p->n_headers - 1];
            h->value = s;
            h->value_len = (size_t)(line_end - s);
        }
        else {
            char *colon = memchr(s, ':', (size_t)(line_end - s));
            assert_non_null(colon);
            h->name = s;
            h->name_len = (size_t)(colon - s);
            h->value = colon + 1;
            h->value_len = (size_t)(line_end - colon - 1);
        }
        p->n_headers++;
        s = nl ? nl + 1 : end;
    }
}

static void to_request(const struct parsed *p, struct emu_sigv4_request *req)
{
    memset(req, 0, sizeof(*req));
    req->method = p->method;
    req->path = p->path;
    req->path_len = p->path_len;
    req->query = p->query;
    req->query_len = p->query_len;
    req->headers = p->headers;
    req->n_headers = p->n_headers;
    req->body = p->body;
    req->body_len = p->body_len;
    /* Suite quirk: this case models the form body as query parameters with an empty payload
     * (its .creq and .sts say so), so describe the request that way. */
    if (strcmp(case_name, "post-x-www-form-urlencoded-parameters") == 0) {
        req->query = p->body;
        req->query_len = p->body_len;
        req->body = NULL;
        req->body_len = 0;
    }
}

static void assert_file_equals(const char *ext, const struct emu_buf *got)
{
    size_t len = 0;
    char *want = read_case_file(ext, &len);
    if (got->len != len || memcmp(got->data, want, len) != 0) {
        print_error("%s.%s differs:\n--- want\n%s\n--- got\n%s\n", case_name, ext, want,
                    got->data ? got->data : "");
        emu_free(want);
        fail();
    }
    emu_free(want);
}

/* Suite defect: post-x-www-form-urlencoded's .creq lists "host;x-amz-date" as signed headers
 * although it contains content-type, and its .sts/.authz sign all three headers; its .sreq
 * also lacks the Content-Type header. We hold it to .sts/.authz and verify the .req. */
static int creq_is_defective(void)
{
    return strcmp(case_name, "post-x-www-form-urlencoded") == 0;
}

static void test_sign(void **state)
{
    (void)state;
    struct parsed p;
    parse_request("req", &p);
    struct emu_sigv4_request req;
    to_request(&p, &req);
    struct emu_sigv4_sign_params sp = {
        .access_key_id = SUITE_KEY_ID,
        .secret_access_key = SUITE_SECRET,
        .region = "us-east-1",
        .service = "service",
        .time = SUITE_TIME,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    assert_int_equal(emu_sigv4_sign(&req, &sp, &sig), 0);
    if (!creq_is_defective()) {
        assert_file_equals("creq", &sig.canonical_request);
    }
    assert_file_equals("sts", &sig.string_to_sign);
    assert_file_equals("authz", &sig.authorization);
    emu_sigv4_signature_done(&sig);
    emu_free(p.text);
}

struct lookup_ctx {
    const char *token;
};

static int lookup(void *userdata, const char *key_id, const char **ret_secret,
                  const char **ret_token)
{
    const struct lookup_ctx *ctx = userdata;
    if (strcmp(key_id, SUITE_KEY_ID) != 0) {
        return EMU_ENOENT;
    }
    *ret_secret = SUITE_SECRET;
    *ret_token = ctx->token;
    return 0;
}

/* Verifies req and returns the status. */
static enum emu_sigv4_status verify(const struct emu_sigv4_request *req, time_t now)
{
    struct lookup_ctx ctx = {.token = strncmp(case_name, "post-sts-", 9) == 0 ? SUITE_TOKEN
                                                                              : NULL};
    struct emu_sigv4_verify_params vp = {
        .region = "us-east-1",
        .service = "service",
        .now = now,
        .lookup = lookup,
        .userdata = &ctx,
    };
    struct emu_sigv4_verdict v;
    emu_sigv4_verdict_init(&v);
    int r = emu_sigv4_verify(req, &vp, &v);
    enum emu_sigv4_status st = v.status;
    if (r == 0) {
        assert_int_equal(st, EMU_SIGV4_OK);
    }
    else {
        assert_int_equal(r, EMU_EAWS);
        if (st == EMU_SIGV4_SIGNATURE_MISMATCH) {
            assert_true(v.canonical_request.len > 0 && v.string_to_sign.len > 0);
        }
    }
    emu_sigv4_verdict_done(&v);
    return st;
}

/* The signed request: the .sreq, or for the defective case the .req plus the .authz. */
static void signed_request(struct parsed *p, char **authz)
{
    *authz = NULL;
    if (!creq_is_defective()) {
        parse_request("sreq", p);
        return;
    }
    parse_request("req", p);
    size_t len = 0;
    *authz = read_case_file("authz", &len);
    assert_true(p->n_headers < MAX_HEADERS);
    p->headers[p->n_headers++] = (struct emu_sigv4_header){"Authorization", 13, *authz, len};
}

static struct emu_sigv4_header *find(struct parsed *p, const char *name)
{
    for (size_t i = 0; i < p->n_headers; i++) {
        if (p->headers[i].name_len == strlen(name) &&
            strncmp(p->headers[i].name, name, p->headers[i].name_len) == 0) {
            return &p->headers[i];
        }
    }
    return NULL;
}

static void test_verify(void **state)
{
    (void)state;
    struct parsed p;
    char *authz;
    signed_request(&p, &authz);
    struct emu_sigv4_request req;
    to_request(&p, &req);
    assert_int_equal(verify(&req, SUITE_TIME), EMU_SIGV4_OK);
    assert_int_equal(verify(&req, SUITE_TIME + 899), EMU_SIGV4_OK);

    /* Clock skew over 15 minutes either way. */
    assert_int_equal(verify(&req, SUITE_TIME + 901), EMU_SIGV4_TIME_SKEWED);
    assert_int_equal(verify(&req, SUITE_TIME - 901), EMU_SIGV4_TIME_SKEWED);

    /* Tampered path: one more byte. */
    char path[512];
    assert_true(req.path_len + 2 < sizeof(path));
    memcpy(path, req.path, req.path_len);
    memcpy(path + req.path_len, "x", 2);
    struct emu_sigv4_request t = req;
    t.path = path;
    t.path_len = req.path_len + 1;
    assert_int_equal(verify(&t, SUITE_TIME), EMU_SIGV4_SIGNATURE_MISMATCH);

    /* Tampered method. */
    t = req;
    t.method = strcmp(req.method, "GET") == 0 ? "PUT" : "GET";
    assert_int_equal(verify(&t, SUITE_TIME), EMU_SIGV4_SIGNATURE_MISMATCH);

    /* Tampered signature: last hex digit changed (header copied, the file is shared). */
    struct emu_sigv4_header *auth = find(&p, "Authorization");
    assert_non_null(auth);
    char value[1024];
    assert_true(auth->value_len < sizeof(value));
    memcpy(value, auth->value, auth->value_len);
    value[auth->value_len - 1] = value[auth->value_len - 1] == '0' ? '1' : '0';
    struct emu_sigv4_header saved = *auth;
    auth->value = value;
    assert_int_equal(verify(&req, SUITE_TIME), EMU_SIGV4_SIGNATURE_MISMATCH);

    /* Unknown access key id. */
    char *cred = strstr(value, "AKIDEXAMPLE");
    assert_non_null(cred);
    cred[0] = 'X';
    assert_int_equal(verify(&req, SUITE_TIME), EMU_SIGV4_INVALID_ACCESS_KEY);
    *auth = saved;

    /* A tampered header value that is signed. */
    struct emu_sigv4_header *date = find(&p, "X-Amz-Date");
    assert_non_null(date);
    char dv[17];
    memcpy(dv, "20150830T123601Z", 17);
    struct emu_sigv4_header saved_date = *date;
    date->value = dv;
    date->value_len = 16;
    assert_int_equal(verify(&req, SUITE_TIME), EMU_SIGV4_SIGNATURE_MISMATCH);
    *date = saved_date;

    emu_free(p.text);
    emu_free(authz);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <case dir>\n", argv[0]);
        return 2;
    }
    case_dir = argv[1];
    const char *slash = strrchr(case_dir, '/');
    snprintf(case_name, sizeof(case_name), "%s", slash ? slash + 1 : case_dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_verify),
    };
    return cmocka_run_group_tests_name(case_name, tests, NULL, NULL);
}
