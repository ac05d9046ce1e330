/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: stop with a timeout sends SIGTERM then SIGKILL (a PID 1 that ignores SIGTERM is killed
 * after the timeout, exit 137; the pause image exits 0 on SIGTERM at once), kill, and
 * cancelling a pending wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

static void run_started(struct e2e *e, struct emu_docker_create *c, const char *suffix,
                        char *id, size_t idlen)
{
    struct e2e_result res;
    int r = e2e_create(e, c, suffix, &res);
    E2E_CHECK(r == 0, "create %s: %d %s", suffix, r, res.message);
    (void)snprintf(id, idlen, "%s", res.id);
    E2E_CHECK(emu_docker_container_start(e->d, id, e2e_cb, &res) == 0, "start");
    r = e2e_run(e, &res, 30000);
    E2E_CHECK(r == 0, "start %s: %d %s", suffix, r, res.message);
}

static long long stop_and_time(struct e2e *e, const char *id, int timeout_s)
{
    struct e2e_result res;
    long long t0 = e2e_now_ms();
    E2E_CHECK(emu_docker_container_stop(e->d, id, timeout_s, e2e_cb, &res) == 0, "stop");
    int r = e2e_run(e, &res, 60000);
    E2E_CHECK(r == 0, "stop: %d %s", r, res.message);
    return e2e_now_ms() - t0;
}

static long inspect_exit(struct e2e *e, const char *id)
{
    struct e2e_result res;
    E2E_CHECK(emu_docker_container_inspect(e->d, id, e2e_cb, &res) == 0, "inspect");
    int r = e2e_run(e, &res, 30000);
    E2E_CHECK(r == 0 && strcmp(res.status_text, "exited") == 0, "inspect: %d %s", r,
              res.status_text);
    return res.exit_code;
}

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    char stubborn[128], pause_id[128], victim[128];
    static const char *const ignore_term[] = {"sh", "-c", "trap '' TERM; sleep 60 & wait"};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = E2E_BUSYBOX;
    c.cmd = ignore_term;
    c.n_cmd = 3;
    run_started(&e, &c, "stubborn", stubborn, sizeof(stubborn));
    long long ms = stop_and_time(&e, stubborn, 2);
    long code = inspect_exit(&e, stubborn);
    printf("SIGTERM ignored: stopped after %lld ms, exit %ld\n", ms, code);
    E2E_CHECK(ms >= 1900 && ms < 15000, "took %lld ms", ms);
    E2E_CHECK(code == 137, "exit %ld", code);
    /* Stopping a stopped container is a success (304). */
    (void)stop_and_time(&e, stubborn, 2);

    emu_docker_create_init(&c);
    c.image = E2E_PAUSE;
    run_started(&e, &c, "pause", pause_id, sizeof(pause_id));
    ms = stop_and_time(&e, pause_id, 30);
    code = inspect_exit(&e, pause_id);
    printf("pause on SIGTERM: stopped after %lld ms, exit %ld\n", ms, code);
    E2E_CHECK(ms < 10000, "took %lld ms", ms);
    E2E_CHECK(code == 0, "exit %ld", code);

    /* kill, seen by a wait started before it; then a wait cancelled. */
    emu_docker_create_init(&c);
    c.image = E2E_PAUSE;
    run_started(&e, &c, "victim", victim, sizeof(victim));
    struct e2e_result waited = {0}, killed;
    E2E_CHECK(emu_docker_container_wait(e.d, victim, NULL, e2e_cb, &waited) == 0, "wait");
    E2E_CHECK(emu_docker_container_kill(e.d, victim, "SIGKILL", e2e_cb, &killed) == 0, "kill");
    int r = e2e_run(&e, &killed, 30000);
    E2E_CHECK(r == 0, "kill: %d %s", r, killed.message);
    r = e2e_run_until(&e, &waited.done, 30000);
    E2E_CHECK(r == 0 && waited.status == 0 && waited.exit_code == 137, "wait: %d %ld",
              waited.status, waited.exit_code);
    E2E_CHECK(emu_docker_container_start(e.d, victim, e2e_cb, &killed) == 0, "restart");
    (void)e2e_run(&e, &killed, 30000);
    waited.done = false;
    E2E_CHECK(emu_docker_container_wait(e.d, victim, NULL, e2e_cb, &waited) == 0, "wait");
    (void)e2e_run_until(&e, &waited.done, 300); /* let it reach the daemon */
    emu_docker_cancel_all(e.d);
    r = e2e_run_until(&e, &waited.done, 5000);
    E2E_CHECK(r == 0 && waited.status == EMU_ECANCELED, "cancelled wait: %d", waited.status);

    e2e_remove(&e, stubborn);
    e2e_remove(&e, pause_id);
    e2e_remove(&e, victim);
    e2e_teardown(&e);
    return 0;
}
