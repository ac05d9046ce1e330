/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the credential provider chain on a loop, against a scripted credentials/STS endpoint
 * (shims/common HTTP server): the profile file with AWS_PROFILE, the environment taking
 * precedence, container credentials that are cached until 5 minutes before Expiration and
 * fetched again inside that window, concurrent callers sharing one lookup, and STS errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "emu/aws/aws_creds.h"
#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "shims/common/http.h"

struct fake {
    struct shim_http_server *srv;
    int creds_calls, sts_calls;
    long expires_in; /* seconds from now of the served Expiration */
};

struct got {
    uv_loop_t *loop;
    int calls, status;
    struct emu_aws_creds c;
};

static void on_body(struct shim_request *req)
{
    struct fake *f = shim_request_data(req);
    struct emu_buf b;
    char exp[32];
    time_t t = time(NULL) + f->expires_in;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    emu_buf_init(&b, 4096);
    if (strcmp(shim_request_raw_path(req), "/creds") == 0) {
        f->creds_calls++;
        assert_string_equal(shim_request_header(req, "Authorization"), "secret-token");
        assert_int_equal(emu_buf_printf(&b, "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":"
                                            "\"s\",\"Token\":\"t\",\"Expiration\":\"%s\"}",
                                        exp),
                         0);
        shim_respond_buf(req, 200, "application/json", &b);
    }
    else {
        f->sts_calls++;
        assert_int_equal(emu_buf_puts(&b, "<ErrorResponse><Error><Code>AccessDenied</Code>"
                                          "<Message>not allowed</Message></Error>"
                                          "</ErrorResponse>"),
                         0);
        shim_respond_buf(req, 403, "text/xml", &b);
    }
    emu_buf_done(&b);
}

static void on_request(struct shim_request *req, void *ctx)
{
    shim_request_set_data(req, ctx, NULL);
    shim_request_buffer_body(req, 1u << 20, on_body);
}

static void got_cb(int status, const struct emu_aws_creds *c, void *ud)
{
    struct got *g = ud;
    g->calls++;
    g->status = status;
    uv_stop(g->loop); /* the poll phase must not block once everyone was answered */
    if (status == 0) {
        g->c = *c;
    }
}

/* Asks n callers at once and runs the loop until all were answered. */
static void get(uv_loop_t *loop, struct emu_aws_provider *p, struct got *g, int n)
{
    for (int i = 0; i < n; i++) {
        g[i].loop = loop;
        assert_int_equal(emu_aws_provider_get(p, got_cb, &g[i]), 0);
    }
    for (int i = 0; i < 10000 && g[n - 1].calls == 0; i++) {
        uv_run(loop, UV_RUN_ONCE);
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(g[i].calls, 1);
    }
}

static void run_chain(const char *const *envp, const char *role_arn, struct fake *f,
                      struct got *out, int rounds)
{
    uv_loop_t loop;
    struct emu_http *http;
    struct emu_aws_provider *p;
    char sts[64];
    emu_json_init();
    uv_loop_init(&loop);
    struct shim_http_config hc = {.name = "creds", .on_request = on_request, .ctx = f};
    assert_int_equal(shim_http_start(&loop, &hc, &f->srv), 0);
    assert_int_equal(emu_http_global_init(), 0);
    assert_int_equal(emu_http_new(&loop, &http), 0);
    snprintf(sts, sizeof(sts), "http://127.0.0.1:%u", shim_http_port(f->srv));
    const char *full[8];
    char uri[160];
    size_t n = 0;
    for (; envp[n]; n++) {
        full[n] = envp[n];
    }
    snprintf(uri, sizeof(uri), "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s/creds", sts);
    full[n++] = uri;
    full[n++] = "AWS_CONTAINER_AUTHORIZATION_TOKEN=secret-token";
    full[n] = NULL;
    struct emu_aws_provider_config cfg = {.envp = full, .role_arn = role_arn,
                                          .sts_endpoint = sts, .region = "us-east-1"};
    assert_int_equal(emu_aws_provider_new(&loop, http, &cfg, &p), 0);
    for (int r = 0; r < rounds; r++) {
        struct got g[3] = {{0}};
        get(&loop, p, g, 3);
        out[r] = g[2];
    }
    emu_aws_provider_free(p);
    emu_http_close(http, NULL, NULL);
    shim_http_stop(f->srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_profile_then_env(void **state)
{
    (void)state;
    char path[] = "/tmp/emu-creds-XXXXXX", envf[128];
    int fd = mkstemp(path);
    const char *text = "[default]\naws_access_key_id=DEF\naws_secret_access_key=d\n"
                       "[emu]\naws_access_key_id = EMU\naws_secret_access_key = e\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(envf, sizeof(envf), "AWS_SHARED_CREDENTIALS_FILE=%s", path);
    const char *const env1[] = {envf, "AWS_PROFILE=emu", NULL};
    struct fake f = {.expires_in = 3600};
    struct got g[1];
    run_chain(env1, NULL, &f, g, 1);
    assert_int_equal(g[0].status, 0);
    assert_string_equal(g[0].c.access_key_id, "EMU");
    assert_int_equal(f.creds_calls, 0);
    const char *const env2[] = {envf, "AWS_ACCESS_KEY_ID=ENV", "AWS_SECRET_ACCESS_KEY=x", NULL};
    run_chain(env2, NULL, &f, g, 1);
    assert_string_equal(g[0].c.access_key_id, "ENV");
    unlink(path);
}

static void test_container_cache_and_refresh(void **state)
{
    (void)state;
    static const char *const env[] = {"HOME=/nonexistent", NULL};
    struct got g[2];
    struct fake f = {.expires_in = 3600};
    run_chain(env, NULL, &f, g, 2);
    assert_string_equal(g[1].c.access_key_id, "ASIACONT");
    assert_string_equal(g[1].c.session_token, "t");
    assert_int_equal(f.creds_calls, 1); /* three callers, two rounds: one fetch */
    struct fake soon = {.expires_in = 200};
    run_chain(env, NULL, &soon, g, 2);
    assert_int_equal(soon.creds_calls, 2); /* inside the refresh window: fetched again */
}

static void test_sts_error(void **state)
{
    (void)state;
    static const char *const env[] = {"AWS_ACCESS_KEY_ID=A", "AWS_SECRET_ACCESS_KEY=B", NULL};
    struct got g[1];
    struct fake f = {.expires_in = 3600};
    run_chain(env, "arn:aws:iam::1:role/x", &f, g, 1);
    assert_int_equal(f.sts_calls, 1);
    assert_int_equal(g[0].status, EMU_EAWS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_then_env),
        cmocka_unit_test(test_container_cache_and_refresh),
        cmocka_unit_test(test_sts_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
