/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the monitoring server's HTTP/1.x request parser and response writer: every case is
 * fed whole and at every prefix from the end of a guard page (a prefix must say -EAGAIN, never
 * read past its end); limits answer -E2BIG, malformed heads -EBADMSG. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/router/http_parser.h"
#include "tests/support/test_support.h"

/* Parses text whole (expecting want) and every shorter prefix (expecting -EAGAIN, or the same
 * error when the error is already visible in the prefix). */
static ssize_t parse_all(const char *text, size_t len, struct emu_http_request *req)
{
    static char keep[EMU_HTTP_HEADER_MAX + 64];
    ssize_t head = emu_http_parse_request(text, len, req);
    assert_true(head > 0);
    for (size_t n = 1; n <= len; n++) {
        char *g = emu_test_guard_copy(text, n);
        ssize_t r = emu_http_parse_request(g, n, req);
        emu_test_guard_free(g, n);
        if (r != ((ssize_t)n < head ? -EAGAIN : head)) {
            fail_msg("prefix %zu of %zu: got %zd (head %zd)", n, len, r, head);
        }
    }
    /* req points into its input: leave it pointing at a copy that outlives the call. */
    memcpy(keep, text, len);
    return emu_http_parse_request(keep, len, req);
}

static void test_requests(void **state)
{
    (void)state;
    struct emu_http_request req;
    const char *t = "GET /api/v1/metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:2020\r\n"
                    "User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\nNEXT";
    assert_int_equal(parse_all(t, strlen(t), &req), (ssize_t)strlen(t) - 4);
    assert_int_equal(req.method_len, 3);
    assert_memory_equal(req.target, "/api/v1/metrics?x=1", 19);
    assert_int_equal(emu_http_path_len(&req), 15);
    assert_int_equal(req.minor_version, 1);
    assert_int_equal(req.n_headers, 3);
    assert_memory_equal(req.headers[1].value, "curl/8.5.0", 10);
    assert_int_equal(req.keep_alive, 1);
    assert_int_equal(req.content_length, -1);

    t = "GET / HTTP/1.0\n\n";
    assert_int_equal(parse_all(t, strlen(t), &req), (ssize_t)strlen(t));
    assert_int_equal(req.keep_alive, 0);
    t = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
    assert_int_equal(parse_all(t, strlen(t), &req), (ssize_t)strlen(t));
    assert_int_equal(req.keep_alive, 1);
    t = "\r\nHEAD /x HTTP/1.1\r\nConnection: close\r\nContent-Length: 12\r\n\r\n";
    assert_int_equal(parse_all(t, strlen(t), &req), (ssize_t)strlen(t));
    assert_int_equal(req.keep_alive, 0);
    assert_int_equal(req.content_length, 12);
    t = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Empty:\r\n\r\n";
    assert_int_equal(parse_all(t, strlen(t), &req), (ssize_t)strlen(t));
    assert_int_equal(req.chunked, 1);
    assert_int_equal(req.headers[1].value_len, 0);
}

static void test_malformed(void **state)
{
    (void)state;
    struct emu_http_request req;
    const char *bad[] = {
        "GET\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
        "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 9999999999999999999\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *g = emu_test_guard_copy(bad[i], strlen(bad[i]));
        ssize_t r = emu_http_parse_request(g, strlen(bad[i]), &req);
        emu_test_guard_free(g, strlen(bad[i]));
        if (r != -EBADMSG) {
            fail_msg("case %zu: got %zd, want -EBADMSG", i, r);
        }
    }
}

static void test_limits(void **state)
{
    (void)state;
    struct emu_http_request req;
    struct emu_buf b;
    emu_buf_init(&b, 1u << 20);
    assert_int_equal(emu_buf_puts(&b, "GET / HTTP/1.1\r\n"), 0);
    for (int i = 0; i < EMU_HTTP_HEADERS_MAX + 1; i++) {
        assert_int_equal(emu_buf_printf(&b, "X-H%d: v\r\n", i), 0);
    }
    assert_int_equal(emu_buf_puts(&b, "\r\n"), 0);
    assert_int_equal(emu_http_parse_request(b.data, b.len, &req), -E2BIG);
    b.len = 0;
    assert_int_equal(emu_buf_puts(&b, "GET / HTTP/1.1\r\nX-Long: "), 0);
    while (b.len < EMU_HTTP_HEADER_MAX + 10) {
        assert_int_equal(emu_buf_putc(&b, 'a'), 0);
    }
    assert_int_equal(emu_http_parse_request(b.data, b.len, &req), -E2BIG);
    assert_int_equal(emu_http_parse_request(b.data, EMU_HTTP_HEADER_MAX - 1, &req), -EAGAIN);
    emu_buf_done(&b);
}

static void test_response(void **state)
{
    (void)state;
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    assert_int_equal(emu_http_write_response(&b, 200, "text/plain", "ok\n", 3, 1, 0), 0);
    assert_string_equal(b.data, "HTTP/1.1 200 OK\r\nServer: emu-router\r\nContent-Type: text/plain"
                                "\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n");
    b.len = 0;
    assert_int_equal(emu_http_write_response(&b, 404, NULL, "", 0, 0, 1), 0);
    assert_string_equal(b.data, "HTTP/1.1 404 Not Found\r\nServer: emu-router\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n");
    assert_string_equal(emu_http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(emu_http_reason(299), "Unknown");
    emu_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
