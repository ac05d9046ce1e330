/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of out_s3 against the real S3 shim, in-process on one loop over loopback: the
 * seed's s3.conf output (key format /$TAG[2]/$TAG[0]/%Y/.../$UUID.gz, delimiters ".-", gzip,
 * PutObject, total_file_size 1M) receives Docker-shaped records from fw_send.py; after SIGTERM-
 * style stop and exit, boto3 (s3_check.py) finds every record exactly once in gzip JSON-lines
 * objects under the expected keys. A second case puts a proxy in front of the shim that answers
 * the first PutObjects with 503 SlowDown: the uploads are retried without loss or duplicates. A
 * third case uses multipart uploads (total_file_size 12M, upload_chunk_size 6M). A fourth one
 * stops a router that cannot reach S3 and checks that the next start uploads its store_dir. */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/base/uv_curl.h"
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "shims/s3/s3.h"
#include "tests/support/test_support.h"

#define N_RECORDS 60000
#define BUCKET "fargate-firelens-s3-logs"
#define TASK "0123456789abcdef0123456789abcdef"

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child, proxy;
    uv_timer_t poll;
    int child_done, child_status, stopped;
};

/* ---- loop helpers ----------------------------------------------------------------------- */

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_done = 1;
    run->child_status = (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
}

/* Runs argv as a child on the loop (the shim keeps serving) and returns its exit status. */
static int spawn_wait(struct run *run, char **args)
{
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = args[0], .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run->child_done = 0;
    run->child.data = run;
    assert_int_equal(uv_spawn(&run->loop, &run->child, &opt), 0);
    while (!run->child_done) {
        uv_run(&run->loop, UV_RUN_ONCE);
    }
    return run->child_status;
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
    if (run->child_done && s->records_out >= N_RECORDS) {
        uv_timer_stop(t);
        emu_router_stop(run->r, on_stopped, run);
    }
}

static void make_conf(char *conf, size_t len, const char *dir, const char *ep, int multipart,
                      const char *grace, const char *retry)
{
    snprintf(conf, len,
             "[SERVICE]\n    Flush 1\n    Grace %s\n    Log_Level info\n\n"
             "[INPUT]\n    Name forward\n    unix_path %s/fluent.sock\n\n"
             "[OUTPUT]\n    Name s3\n    Match *\n    bucket " BUCKET "\n"
             "    region us-east-1\n    endpoint %s\n    store_dir %s/store\n"
             "    Retry_Limit %s\n    total_file_size %s\n    upload_timeout 1m\n"
             "    use_put_object %s\n    compression gzip\n    upload_chunk_size 6M\n"
             "    s3_key_format /$TAG[2]/$TAG[0]/%%Y/%%m/%%d/%%H/%%M/%%S/$UUID.gz\n"
             "    s3_key_format_tag_delimiters .-\n",
             grace, dir, ep, dir, retry, multipart ? "12M" : "1M", multipart ? "Off" : "On");
}

static const char *const envp[] = {"AWS_ACCESS_KEY_ID=" SHIM_S3_DEFAULT_ACCESS_KEY,
                                   "AWS_SECRET_ACCESS_KEY=" SHIM_S3_DEFAULT_SECRET_KEY, NULL};

static struct emu_router *start_router(uv_loop_t *loop, const char *conf,
                                       struct emu_router_config **ret_cf)
{
    struct emu_diags diags;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("s3.conf", conf, strlen(conf), &env, ret_cf,
                                                   &diags),
                     0);
    struct emu_router *r = emu_router_new(loop);
    emu_router_set_envp(r, envp);
    assert_int_equal(emu_router_configure(r, *ret_cf, &diags), 0);
    assert_int_equal(emu_router_start(r), 0);
    emu_diags_done(&diags);
    return r;
}

/* Counts the buffer files left in the store. */
static int count_buffers(const char *dir)
{
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "test $(ls %s/store/" BUCKET "/*.buf 2>/dev/null | wc -l) -gt 0", dir);
    return system(cmd) == 0;
}

static void run_case(int flaky, int multipart, int restart)
{
    char dir[] = "/tmp/emu-router-s3-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct run run = {0};
    struct shim_s3 *s3 = NULL;
    char root[600], endpoint[128], conf[4096];
    uv_loop_init(&run.loop);
    snprintf(root, sizeof(root), "%s/shim", dir);
    struct shim_s3_config scfg = {.root = root, .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
                                  .secret_key = SHIM_S3_DEFAULT_SECRET_KEY};
    assert_int_equal(shim_s3_start(&run.loop, &scfg, &s3), 0);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", shim_s3_port(s3));
    const char *router_ep = endpoint;
    char proxy_ep[128];
    char python[] = "/usr/bin/python3", script[1024], ep_arg[128], bucket[] = BUCKET;
    char portfile[700], failfile[720];
    snprintf(portfile, sizeof(portfile), "%s/proxy.port", dir);
    snprintf(failfile, sizeof(failfile), "%s/proxy.port.failed", dir);
    if (flaky) {
        char pscript[1024], up[64], fails[] = "3";
        snprintf(pscript, sizeof(pscript), "%s",
                 emu_test_source_path("tests/support/flaky_proxy.py"));
        snprintf(up, sizeof(up), "127.0.0.1:%u", shim_s3_port(s3));
        char *pargs[] = {python, pscript, up, fails, portfile, NULL};
        uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_IGNORE},
                                         {.flags = UV_INHERIT_FD, .data.fd = 2}};
        uv_process_options_t opt = {.file = python, .args = pargs, .stdio = stdio,
                                    .stdio_count = 3};
        assert_int_equal(uv_spawn(&run.loop, &run.proxy, &opt), 0);
        for (int i = 0; i < 200 && access(portfile, R_OK) != 0; i++) {
            usleep(50000);
        }
        char *port = emu_test_read_file(portfile, NULL);
        snprintf(proxy_ep, sizeof(proxy_ep), "http://127.0.0.1:%s", port);
        emu_free(port);
        router_ep = proxy_ep;
    }
    char create[] = "create";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/s3_check.py"));
    snprintf(ep_arg, sizeof(ep_arg), "%s", endpoint);
    char *create_args[] = {python, script, ep_arg, bucket, create, NULL};
    assert_int_equal(spawn_wait(&run, create_args), 0);

    struct emu_router_config *cf = NULL, *cf2 = NULL;
    /* restart: the first router cannot reach S3 (port 1) and leaves its buffers in store_dir. */
    make_conf(conf, sizeof(conf), dir, restart ? "http://127.0.0.1:1" : router_ep, multipart,
              restart ? "2" : "30", restart ? "no_limits" : "5");
    run.r = start_router(&run.loop, conf, &cf);

    char sock[600], count[32], mode[] = "message";
    snprintf(sock, sizeof(sock), "%s/fluent.sock", dir);
    snprintf(count, sizeof(count), "%d", N_RECORDS);
    char send_script[1024];
    snprintf(send_script, sizeof(send_script), "%s",
             emu_test_source_path("tests/support/fw_send.py"));
    char *send_args[] = {python, send_script, sock, count, mode, NULL};
    uv_timer_init(&run.loop, &run.poll);
    run.poll.data = &run;
    uv_timer_start(&run.poll, on_poll, 100, 100);
    assert_int_equal(spawn_wait(&run, send_args), 0);
    for (int i = 0; i < 600 && !run.stopped; i++) {
        uv_run(&run.loop, UV_RUN_ONCE);
    }
    assert_true(run.stopped);
    uv_close((uv_handle_t *)&run.poll, NULL);
    const struct emu_router_stats *s = emu_router_get_stats(run.r);
    assert_int_equal(s->records_out, N_RECORDS);
    assert_int_equal(s->records_dropped, 0);
    emu_router_free(run.r); /* uploads what is buffered, on this loop */
    if (restart) {
        assert_true(count_buffers(dir));
        make_conf(conf, sizeof(conf), dir, router_ep, multipart, "30", "5");
        run.r = start_router(&run.loop, conf, &cf2);
        run.stopped = 0;
        emu_router_stop(run.r, on_stopped, &run);
        for (int i = 0; i < 600 && !run.stopped; i++) {
            uv_run(&run.loop, UV_RUN_ONCE);
        }
        emu_router_free(run.r); /* the adopted buffers are uploaded here */
        assert_false(count_buffers(dir));
    }

    char key_re[] = TASK "/app/\\d{4}/\\d\\d/\\d\\d/\\d\\d/\\d\\d/\\d\\d/[0-9A-Za-z]{8}\\.gz";
    char check[] = "check";
    char *check_args[] = {python, script, ep_arg, bucket, check, count, key_re, NULL};
    assert_int_equal(spawn_wait(&run, check_args), 0);
    if (flaky) {
        size_t flen = 0;
        char *failed = emu_test_read_file(failfile, &flen);
        assert_string_equal(failed, "503\n503\n503\n"); /* three refusals, then success */
        emu_free(failed);
        uv_process_kill(&run.proxy, SIGTERM);
        uv_close((uv_handle_t *)&run.proxy, NULL);
    }
    shim_s3_stop(s3);
    uv_run(&run.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    emu_router_config_free(cf);
    emu_router_config_free(cf2);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_seed_config_to_s3_shim(void **state)
{
    (void)state;
    run_case(0, 0, 0);
}

static void test_503_then_success_is_retried(void **state)
{
    (void)state;
    run_case(1, 0, 0);
}

static void test_multipart_upload(void **state)
{
    (void)state;
    run_case(0, 1, 0);
}

static void test_restart_uploads_store_dir(void **state)
{
    (void)state;
    run_case(0, 0, 1);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_config_to_s3_shim),
        cmocka_unit_test(test_503_then_success_is_retried),
        cmocka_unit_test(test_multipart_upload),
        cmocka_unit_test(test_restart_uploads_store_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
