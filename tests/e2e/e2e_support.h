/* SPDX-License-Identifier: Apache-2.0 */
/* Shared harness of the e2e tests: finds the private dockerd the ctest fixture started, skips
 * (exit 77, saying why) when dockerd cannot run here, and runs async Docker calls to completion
 * on a real loop. */
#ifndef EMU_E2E_SUPPORT_H
#define EMU_E2E_SUPPORT_H

#include <stdbool.h>

#include "emu/base/loop.h"
#include "emu/base/uv_curl.h"
#include "emu/docker/docker.h"

#define E2E_BUSYBOX "fargate-emu/busybox:local"
#define E2E_PAUSE "fargate-emu/pause:local"

struct e2e {
    struct emu_loop loop;
    struct emu_http *http;
    struct emu_docker *d;
    long mem_before;
    char tag[32]; /* unique per run, for names and labels */
};

/* What one call returned, copied out of the reply. */
struct e2e_result {
    bool done;
    int status;
    long http_status;
    long exit_code;
    char id[128];
    char message[1024];
    char call[512];
    char status_text[32]; /* inspect: State.Status */
    char health[32];      /* inspect: State.Health.Status */
    bool oom_killed;
};

/* Connects to $EMU_E2E_DOCKER_HOST (exit 77 with the reason when dockerd cannot run here). */
void e2e_setup(struct e2e *e);
/* Closes everything and fails on leaks or handles left open. */
void e2e_teardown(struct e2e *e);
/* The completion callback filling a struct e2e_result (ud). */
void e2e_cb(int status, const struct emu_docker_reply *r, void *ud);
/* Runs the loop until res is done or timeout_ms passed; returns res->status. */
int e2e_run(struct e2e *e, struct e2e_result *res, long timeout_ms);
/* Runs the loop until *flag is set or timeout_ms passed; returns 0 or -ETIMEDOUT. */
int e2e_run_until(struct e2e *e, const bool *flag, long timeout_ms);
/* Creates (name = <tag>-<suffix>) and returns the container ID in res. */
int e2e_create(struct e2e *e, struct emu_docker_create *c, const char *suffix,
               struct e2e_result *res);
/* Best-effort removal of a container by ID. */
void e2e_remove(struct e2e *e, const char *id);
/* Milliseconds on a monotonic clock. */
long long e2e_now_ms(void);

/* Fails the test with a message (printf style). */
#define E2E_CHECK(cond, ...)                                                                \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fprintf(stderr, "\n");                                                          \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

#endif
