/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of the CloudWatch Logs outputs against a scripted AWS endpoint on the same loop
 * (shims/common HTTP server): every request's SigV4 signature is verified with emu/aws; STS
 * AssumeRole (role_arn, sts_endpoint) must be signed with the environment's keys and its
 * temporary keys must sign the CloudWatch calls; container credentials come from
 * AWS_CONTAINER_CREDENTIALS_FULL_URI. The endpoint records CreateLogGroup, CreateLogStream and
 * PutLogEvents bodies and checks batch limits and order; every record must arrive once, also
 * when the first PutLogEvents is throttled and retried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <uv.h>

#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "shims/common/http.h"
#include "tests/support/test_support.h"

#define N_RECORDS 30000

struct fake {
    struct shim_http_server *srv;
    int group_created, streams_created, puts, sts_calls, creds_calls, bad_sig, bad_batch;
    int throttle_left;
    char stream[256], signer[64], put_signer[64];
    unsigned char *seen;
    int dups, events;
};

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t poll;
    int child_done, child_status, stopped;
};

static int lookup(void *ud, const char *id, const char **secret, const char **token)
{
    (void)ud;
    static const struct {
        const char *id, *secret, *token;
    } keys[] = {{"AKIDBASE", "basesecret", NULL},
                {"ASIATEMP", "tempsecret", "temptoken"},
                {"ASIACONT", "contsecret", "conttoken"}};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(id, keys[i].id) == 0) {
            *secret = keys[i].secret;
            *token = keys[i].token;
            return 0;
        }
    }
    return -ENOENT;
}

static int verify(struct shim_request *req, const struct emu_buf *body, char *signer)
{
    struct emu_sigv4_header hs[64];
    size_t n = 0;
    const char *name, *value;
    for (size_t i = 0; n < 64 && shim_request_header_at(req, i, &name, &value); i++) {
        hs[n++] = (struct emu_sigv4_header){name, strlen(name), value, strlen(value)};
    }
    const char *q = shim_request_raw_query(req);
    struct emu_sigv4_request r = {.method = shim_request_method(req),
                                  .path = shim_request_raw_path(req),
                                  .path_len = strlen(shim_request_raw_path(req)),
                                  .query = q, .query_len = q ? strlen(q) : 0, .headers = hs,
                                  .n_headers = n, .body = body->data, .body_len = body->len};
    struct emu_sigv4_verify_params p = {.region = "us-east-1", .now = time(NULL),
                                        .lookup = lookup};
    struct emu_sigv4_verdict v;
    emu_sigv4_verdict_init(&v);
    int rc = emu_sigv4_verify(&r, &p, &v);
    snprintf(signer, 64, "%.63s", v.access_key_id);
    emu_sigv4_verdict_done(&v);
    return rc;
}

static void respond_json(struct shim_request *req, unsigned status, const char *text)
{
    struct emu_buf b;
    emu_buf_init(&b, 1u << 16);
    assert_int_equal(emu_buf_puts(&b, text), 0);
    shim_respond_buf(req, status, "application/x-amz-json-1.1", &b);
    emu_buf_done(&b);
}

static void check_put(struct fake *f, const struct emu_buf *body)
{
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse(body->data, body->len, &root, &err), 0);
    const cJSON *ev = cJSON_GetObjectItem(root, "logEvents");
    snprintf(f->stream, sizeof(f->stream), "%s",
             cJSON_GetObjectItem(root, "logStreamName")->valuestring);
    size_t bytes = 0;
    double prev = 0;
    int n = cJSON_GetArraySize(ev);
    if (n > 10000 || n == 0) {
        f->bad_batch++;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(ev, i);
        double ts = cJSON_GetObjectItem(e, "timestamp")->valuedouble;
        const char *msg = cJSON_GetObjectItem(e, "message")->valuestring;
        bytes += strlen(msg) + 26;
        if (ts < prev) {
            f->bad_batch++;
        }
        prev = ts;
        const char *seq = strstr(msg, "seq=");
        assert_non_null(seq);
        long k = strtol(seq + 4, NULL, 10);
        assert_true(k >= 0 && k < N_RECORDS);
        f->dups += f->seen[k];
        f->seen[k] = 1;
        f->events++;
    }
    if (bytes > 1048576) {
        f->bad_batch++;
    }
    cJSON_Delete(root);
}

static void on_body(struct shim_request *req)
{
    struct fake *f = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    const char *target = shim_request_header(req, "X-Amz-Target");
    char signer[64];
    if (strcmp(shim_request_raw_path(req), "/creds") == 0) {
        f->creds_calls++;
        respond_json(req, 200, "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"contsecret\","
                               "\"Token\":\"conttoken\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
        return;
    }
    if (verify(req, body, signer) != 0) {
        f->bad_sig++;
        shim_respond_error_json(req, 403, "InvalidSignatureException", "bad signature");
        return;
    }
    if (!target) {
        /* STS query API. */
        f->sts_calls++;
        snprintf(f->signer, sizeof(f->signer), "%s", signer);
        assert_non_null(strstr(body->data, "Action=AssumeRole&Version=2011-06-15&RoleArn="
                                           "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcw"));
        struct emu_buf b;
        emu_buf_init(&b, 4096);
        assert_int_equal(emu_buf_puts(&b, "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                                          "<AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>"
                                          "tempsecret</SecretAccessKey><SessionToken>temptoken"
                                          "</SessionToken><Expiration>2099-01-01T00:00:00Z"
                                          "</Expiration></Credentials></AssumeRoleResult>"
                                          "</AssumeRoleResponse>"),
                         0);
        shim_respond_buf(req, 200, "text/xml", &b);
        emu_buf_done(&b);
        return;
    }
    /* Concurrent flushes may race to create: like AWS, later ones hear AlreadyExists. */
    if (strcmp(target, "Logs_20140328.CreateLogGroup") == 0) {
        if (f->group_created++) {
            shim_respond_error_json(req, 400, "ResourceAlreadyExistsException", "exists");
            return;
        }
        respond_json(req, 200, "{}");
    }
    else if (strcmp(target, "Logs_20140328.CreateLogStream") == 0) {
        if (f->streams_created++) {
            shim_respond_error_json(req, 400, "ResourceAlreadyExistsException", "exists");
            return;
        }
        respond_json(req, 200, "{}");
    }
    else if (strcmp(target, "Logs_20140328.PutLogEvents") == 0) {
        snprintf(f->put_signer, sizeof(f->put_signer), "%s", signer);
        if (f->throttle_left > 0) {
            f->throttle_left--;
            shim_respond_error_json(req, 400, "ThrottlingException", "Rate exceeded");
            return;
        }
        f->puts++;
        check_put(f, body);
        respond_json(req, 200, "{\"nextSequenceToken\":\"1\"}");
    }
    else {
        shim_respond_error_json(req, 400, "UnknownOperationException", target);
    }
}

static void on_request(struct shim_request *req, void *ctx)
{
    shim_request_set_data(req, ctx, NULL);
    shim_request_buffer_body(req, 8u << 20, on_body);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_done = 1;
    run->child_status = (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
}

static void on_stopped(struct emu_router *r, void *data)
{
    struct run *run = data;
    (void)r;
    run->stopped = 1;
}

static void on_poll(uv_timer_t *t)
{
    struct run *run = t->data;
    const struct emu_router_stats *s = emu_router_get_stats(run->r);
    if (run->child_done && s->records_out + s->records_dropped >= N_RECORDS) {
        uv_timer_stop(t);
        emu_router_stop(run->r, on_stopped, run);
    }
}

static void run_case(const char *output, const char *const *envp, struct fake *f)
{
    char dir[] = "/tmp/emu-router-cw-XXXXXX", conf[4096], ep[64];
    struct run run = {0};
    assert_non_null(mkdtemp(dir));
    emu_json_init();
    uv_loop_init(&run.loop);
    f->seen = emu_calloc(N_RECORDS, 1);
    struct shim_http_config hc = {.name = "fake-aws", .on_request = on_request, .ctx = f};
    assert_int_equal(shim_http_start(&run.loop, &hc, &f->srv), 0);
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%u", shim_http_port(f->srv));
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 10\n    scheduler.base 1\n    scheduler.cap 2\n"
             "[INPUT]\n    Name forward\n    unix_path %s/fluent.sock\n"
             "[OUTPUT]\n    Match *\n    region us-east-1\n    endpoint %s\n    Retry_Limit 3\n"
             "%s",
             dir, ep, output);
    /* The endpoint placeholder of the STS/credentials options. */
    char *at = strstr(conf, "@EP@");
    if (at) {
        char tail[2048];
        snprintf(tail, sizeof(tail), "%s", at + 4);
        snprintf(at, sizeof(conf) - (size_t)(at - conf), "%s%s", ep, tail);
    }
    const char *envfull[8];
    char full[128];
    size_t ne = 0;
    for (; envp[ne]; ne++) {
        envfull[ne] = envp[ne];
    }
    snprintf(full, sizeof(full), "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s/creds", ep);
    envfull[ne++] = full;
    envfull[ne] = NULL;

    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("cw.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    run.r = emu_router_new(&run.loop);
    emu_router_set_envp(run.r, envfull);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);

    char python[] = "/usr/bin/python3", script[1024], sock[600], count[32], mode[] = "message";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    snprintf(sock, sizeof(sock), "%s/fluent.sock", dir);
    snprintf(count, sizeof(count), "%d", N_RECORDS);
    char *args[] = {python, script, sock, count, mode, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = python, .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run.child.data = &run;
    assert_int_equal(uv_spawn(&run.loop, &run.child, &opt), 0);
    uv_timer_init(&run.loop, &run.poll);
    run.poll.data = &run;
    uv_timer_start(&run.poll, on_poll, 100, 100);
    for (int i = 0; i < 100000 && !run.stopped; i++) {
        uv_run(&run.loop, UV_RUN_ONCE);
    }
    assert_true(run.stopped);
    const struct emu_router_stats *s = emu_router_get_stats(run.r);
    assert_int_equal(s->records_out, N_RECORDS);
    assert_int_equal(s->records_dropped, 0);
    uv_close((uv_handle_t *)&run.poll, NULL);
    emu_router_free(run.r);
    shim_http_stop(f->srv);
    uv_run(&run.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    assert_int_equal(f->bad_sig, 0);
    assert_int_equal(f->bad_batch, 0);
    assert_int_equal(f->events, N_RECORDS);
    assert_int_equal(f->dups, 0);
    emu_free(f->seen);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    rmdir(dir);
}

static void test_go_name_with_assume_role(void **state)
{
    (void)state;
    /* The seed's firelens-example-cloudwatch options, plus role_arn. */
    static const char *const envp[] = {"AWS_ACCESS_KEY_ID=AKIDBASE",
                                       "AWS_SECRET_ACCESS_KEY=basesecret", NULL};
    struct fake f = {0};
    run_case("    Name cloudwatch\n    log_group_name fluent-bit-cloudwatch\n"
             "    log_stream_prefix from-fluent-bit-nginx-\n    auto_create_group true\n"
             "    role_arn arn:aws:iam::123456789012:role/cw\n    sts_endpoint @EP@\n",
             envp, &f);
    assert_int_equal(f.sts_calls, 1);
    assert_string_equal(f.signer, "AKIDBASE");
    assert_string_equal(f.put_signer, "ASIATEMP");
    assert_true(f.group_created >= 1);
    assert_true(f.streams_created >= 1);
    assert_string_equal(f.stream,
                        "from-fluent-bit-nginx-app-firelens-0123456789abcdef0123456789abcdef");
    assert_true(f.puts >= 2);
}

static void test_container_credentials_and_throttle(void **state)
{
    (void)state;
    static const char *const envp[] = {NULL};
    struct fake f = {.throttle_left = 1};
    run_case("    Name cloudwatch_logs\n    log_group_name grp\n    log_stream_name app\n"
             "    log_key log\n",
             envp, &f);
    assert_int_equal(f.creds_calls, 1);
    assert_int_equal(f.sts_calls, 0);
    assert_string_equal(f.put_signer, "ASIACONT");
    assert_int_equal(f.group_created, 0);
    assert_true(f.streams_created >= 1);
    assert_string_equal(f.stream, "app");
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_name_with_assume_role),
        cmocka_unit_test(test_container_credentials_and_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
