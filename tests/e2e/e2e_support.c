/* SPDX-License-Identifier: Apache-2.0 */
/* The e2e harness: daemon discovery and skip rule, a real loop with uv_curl and the Docker
 * client, and synchronous wrappers that run the loop until a call completes. */
#include "tests/e2e/e2e_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"

long long e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void skip_or_fail(const char *why)
{
    const char *dir = getenv("EMU_E2E_DOCKER_DIR");
    char path[512], reason[1024] = "";
    if (dir) {
        (void)snprintf(path, sizeof(path), "%s.skip", dir);
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(reason, 1, sizeof(reason) - 1, f);
            reason[n] = '\0';
            fclose(f);
            fprintf(stderr, "SKIP: %s", reason);
            exit(77);
        }
    }
    fprintf(stderr, "FAIL: the fixture's dockerd does not answer: %s\n", why);
    exit(1);
}

void e2e_setup(struct e2e *e)
{
    memset(e, 0, sizeof(*e));
    const char *host = getenv("EMU_E2E_DOCKER_HOST");
    if (!host || !*host) {
        fprintf(stderr, "SKIP: EMU_E2E_DOCKER_HOST is not set (run through ctest -L e2e)\n");
        exit(77);
    }
    if (getenv("EMU_E2E_DEBUG")) {
        emu_log_set_level(EMU_LOG_TRACE);
    }
    emu_json_init();
    E2E_CHECK(emu_loop_global_init() == 0, "uv allocator");
    E2E_CHECK(emu_http_global_init() == 0, "curl init");
    e->mem_before = emu_mem_outstanding();
    E2E_CHECK(emu_loop_init(&e->loop) == 0, "loop init");
    E2E_CHECK(emu_http_new(&e->loop.loop, &e->http) == 0, "http new");
    E2E_CHECK(emu_docker_new(e->http, host, &e->d) == 0, "docker new %s", host);
    (void)snprintf(e->tag, sizeof(e->tag), "e2e%ld-%lld", (long)getpid(), e2e_now_ms() % 100000);
    struct e2e_result res;
    int r = emu_docker_connect(e->d, e2e_cb, &res);
    E2E_CHECK(r == 0, "connect: %d", r);
    if (e2e_run(e, &res, 30000) < 0) {
        skip_or_fail(res.message);
    }
}

static void on_http_closed(void *ud)
{
    *(bool *)ud = true;
}

void e2e_teardown(struct e2e *e)
{
    bool closed = false;
    e->d = emu_docker_free(e->d);
    emu_http_close(e->http, on_http_closed, &closed);
    (void)uv_run(&e->loop.loop, UV_RUN_DEFAULT);
    E2E_CHECK(closed, "emu_http did not finish closing");
    E2E_CHECK(emu_loop_done(&e->loop) == 0, "handles left open on the loop");
    E2E_CHECK(emu_mem_outstanding() == e->mem_before, "leaked %ld allocations",
              emu_mem_outstanding() - e->mem_before);
}

void e2e_cb(int status, const struct emu_docker_reply *r, void *ud)
{
    struct e2e_result *res = ud;
    memset(res, 0, sizeof(*res));
    res->done = true;
    res->status = status;
    res->http_status = r->http_status;
    res->exit_code = r->exit_code;
    (void)snprintf(res->id, sizeof(res->id), "%s", r->id ? r->id : "");
    (void)snprintf(res->message, sizeof(res->message), "%s", r->message ? r->message : "");
    (void)snprintf(res->call, sizeof(res->call), "%s", r->call ? r->call : "");
    if (r->container) {
        (void)snprintf(res->status_text, sizeof(res->status_text), "%s", r->container->status);
        (void)snprintf(res->health, sizeof(res->health), "%s",
                       r->container->health ? r->container->health : "");
        res->exit_code = r->container->exit_code;
        res->oom_killed = r->container->oom_killed;
    }
}

struct until {
    const bool *flag;
    long long deadline;
};

/* Polls the flag every 10 ms: a flag set from a timer callback would otherwise leave
 * UV_RUN_ONCE blocked in poll until the next timer. */
static void on_check(uv_timer_t *t)
{
    struct until *u = t->data;
    if (*u->flag || e2e_now_ms() >= u->deadline) {
        uv_stop(t->loop);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

int e2e_run_until(struct e2e *e, const bool *flag, long timeout_ms)
{
    uv_timer_t t;
    struct until u = {flag, e2e_now_ms() + timeout_ms};
    (void)uv_timer_init(&e->loop.loop, &t);
    t.data = &u;
    (void)uv_timer_start(&t, on_check, 10, 10);
    while (!*flag && e2e_now_ms() < u.deadline) {
        (void)uv_run(&e->loop.loop, UV_RUN_DEFAULT);
    }
    uv_close((uv_handle_t *)&t, on_timer_closed);
    (void)uv_run(&e->loop.loop, UV_RUN_NOWAIT);
    return *flag ? 0 : EMU_ETIMEDOUT;
}

int e2e_run(struct e2e *e, struct e2e_result *res, long timeout_ms)
{
    res->done = false;
    res->status = EMU_ETIMEDOUT;
    if (e2e_run_until(e, &res->done, timeout_ms) < 0) {
        (void)snprintf(res->message, sizeof(res->message), "timed out after %ld ms", timeout_ms);
        return EMU_ETIMEDOUT;
    }
    return res->status;
}

int e2e_create(struct e2e *e, struct emu_docker_create *c, const char *suffix,
               struct e2e_result *res)
{
    char name[96];
    (void)snprintf(name, sizeof(name), "%s-%s", e->tag, suffix);
    c->name = name;
    int r = emu_docker_container_create(e->d, c, e2e_cb, res);
    c->name = NULL;
    return r < 0 ? r : e2e_run(e, res, 60000);
}

void e2e_remove(struct e2e *e, const char *id)
{
    struct e2e_result res;
    if (emu_docker_container_remove(e->d, id, true, e2e_cb, &res) == 0) {
        (void)e2e_run(e, &res, 60000);
    }
}
