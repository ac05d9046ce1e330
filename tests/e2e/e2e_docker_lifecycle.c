/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: create, start, wait, logs (stdout and stderr apart, with timestamps), inspect and remove
 * a busybox container on the private dockerd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

struct lines {
    char out[512];
    char err[512];
    int bad_ts;
};

static void on_line(int stream, const char *ts, const char *line, size_t len, void *ud)
{
    struct lines *l = ud;
    char *dst = stream == 1 ? l->out : l->err;
    size_t n = strlen(dst);
    (void)snprintf(dst + n, 512 - n, "%.*s;", (int)len, line);
    /* RFC 3339 with nanoseconds: 2026-11-24T13:00:17.766359462Z */
    if (strlen(ts) < 20 || ts[4] != '-' || ts[10] != 'T' || ts[strlen(ts) - 1] != 'Z') {
        l->bad_ts++;
    }
}

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    static const char *const cmd[] = {"sh", "-c",
                                      "echo out1; echo err1 >&2; echo \"$GREETING\"; exit 3"};
    static const char *const env[] = {"GREETING=hello from env"};
    static const struct emu_docker_kv labels[] = {{"fargate-emu.e2e", "lifecycle"}};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = E2E_BUSYBOX;
    c.cmd = cmd;
    c.n_cmd = 3;
    c.env = env;
    c.n_env = 1;
    c.labels = labels;
    c.n_labels = 1;
    c.log_type = "json-file";
    c.stop_timeout = 2;
    struct e2e_result res;
    int r = e2e_create(&e, &c, "life", &res);
    E2E_CHECK(r == 0, "create: %d %s", r, res.message);
    char id[128];
    (void)snprintf(id, sizeof(id), "%s", res.id);
    E2E_CHECK(strlen(id) == 64, "id %s", id);

    /* Wait first (condition next-exit needs it before start), then start. */
    struct e2e_result wait_res = {0};
    E2E_CHECK(emu_docker_container_wait(e.d, id, "next-exit", e2e_cb, &wait_res) == 0, "wait");
    E2E_CHECK(emu_docker_container_start(e.d, id, e2e_cb, &res) == 0, "start");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "start: %d %s", r, res.message);
    r = e2e_run_until(&e, &wait_res.done, 30000);
    E2E_CHECK(r == 0 && wait_res.status == 0, "wait: %d %s", wait_res.status, wait_res.message);
    E2E_CHECK(wait_res.exit_code == 3, "exit code %ld", wait_res.exit_code);

    struct lines l = {{0}, {0}, 0};
    E2E_CHECK(emu_docker_container_logs(e.d, id, false, on_line, &l, e2e_cb, &res) == 0,
              "logs");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "logs: %d %s", r, res.message);
    E2E_CHECK(strcmp(l.out, "out1;hello from env;") == 0, "stdout '%s'", l.out);
    E2E_CHECK(strcmp(l.err, "err1;") == 0, "stderr '%s'", l.err);
    E2E_CHECK(l.bad_ts == 0, "%d lines without a timestamp", l.bad_ts);

    E2E_CHECK(emu_docker_container_inspect(e.d, id, e2e_cb, &res) == 0, "inspect");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "inspect: %d %s", r, res.message);
    E2E_CHECK(strcmp(res.status_text, "exited") == 0, "status %s", res.status_text);
    E2E_CHECK(res.exit_code == 3, "inspect exit code %ld", res.exit_code);

    E2E_CHECK(emu_docker_container_remove(e.d, id, false, e2e_cb, &res) == 0, "remove");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "remove: %d %s", r, res.message);
    E2E_CHECK(emu_docker_container_inspect(e.d, id, e2e_cb, &res) == 0, "inspect");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == EMU_EDOCKER && res.http_status == 404, "gone: %d %ld", r, res.http_status);
    char want[160];
    (void)snprintf(want, sizeof(want), "No such container: %s", id);
    E2E_CHECK(strcmp(res.message, want) == 0, "message '%s'", res.message);
    e2e_teardown(&e);
    return 0;
}
