/* SPDX-License-Identifier: Apache-2.0 */
/* The task commands' shared plumbing: data dir default and socket-length check, a connected
 * Docker client, task lookup, and the crash-recovery sweep of tasks whose supervisor died. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_tasks.h"
#include "emu/model/render.h"

#define RECOVERED_REASON "fargate-emu: the task's supervisor exited while the task ran; its " \
                         "containers were removed by the crash-recovery sweep"

int emu_cli_data_dir(const struct emu_cli_global *g, const char *cmd, char *out, size_t n)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int len;
    if (g->data_dir) {
        len = snprintf(out, n, "%s", g->data_dir);
    }
    else if (xdg && xdg[0] == '/') {
        len = snprintf(out, n, "%s/fargate-emu", xdg);
    }
    else if (home && home[0] == '/') {
        len = snprintf(out, n, "%s/.local/state/fargate-emu", home);
    }
    else {
        fprintf(stderr, "fargate-emu %s: no data dir: set --data-dir (HOME is not set)\n", cmd);
        return EMU_EUSAGE;
    }
    if (len < 0 || (size_t)len >= n) {
        fprintf(stderr, "fargate-emu %s: data dir path too long\n", cmd);
        return EMU_ENAMETOOLONG;
    }
    struct emu_render_ctx ctx;
    emu_render_ctx_init(&ctx);
    ctx.host_data_dir = out;
    ctx.task_id = "0123456789abcdef0123456789abcdef";
    struct emu_arena a;
    emu_arena_init(&a, 0);
    struct emu_firelens_paths paths;
    int r = emu_render_firelens_paths(&ctx, &a, &paths);
    emu_arena_done(&a);
    if (r == EMU_ENAMETOOLONG) {
        fprintf(stderr, "fargate-emu %s: data dir %s is too long: the FireLens socket "
                        "<data-dir>/data/firelens/<taskID>/socket/fluent.sock would exceed the "
                        "108 bytes of a unix socket path; pick a shorter --data-dir\n", cmd, out);
        return EMU_EUSAGE;
    }
    return r < 0 ? r : 0;
}

struct connect_wait {
    bool done;
    int status;
    char message[512];
};

static void on_connect(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct connect_wait *w = ud;
    w->done = true;
    w->status = status;
    (void)snprintf(w->message, sizeof(w->message), "%s",
                   rep && rep->message ? rep->message : emu_strerror(status));
}

int emu_cli_docker_open(const struct emu_cli_global *g, const char *cmd, struct emu_cli_docker *d)
{
    memset(d, 0, sizeof(*d));
    const char *host = emu_docker_host_pick(g->docker_host, getenv("DOCKER_HOST"));
    int r = emu_loop_global_init();
    r = r ? r : emu_http_global_init();
    r = r ? r : emu_loop_init(&d->loop);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: cannot set up the event loop: %s\n", cmd,
                emu_strerror(r));
        return r;
    }
    d->loop_ok = true;
    r = emu_http_new(&d->loop.loop, &d->http);
    r = r ? r : emu_docker_new(d->http, host, &d->docker);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: Docker host %s: %s\n", cmd, host, emu_strerror(r));
        emu_cli_docker_close(d);
        return r;
    }
    struct connect_wait w = {0};
    r = emu_docker_connect(d->docker, on_connect, &w);
    while (r == 0 && !w.done) {
        (void)uv_run(&d->loop.loop, UV_RUN_ONCE);
    }
    r = r ? r : w.status;
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: cannot reach Docker at %s: %s\n", cmd, host,
                w.done ? w.message : emu_strerror(r));
        emu_cli_docker_close(d);
    }
    return r;
}

static void on_http_closed(void *ud)
{
    *(bool *)ud = true;
}

void emu_cli_docker_close(struct emu_cli_docker *d)
{
    d->docker = emu_docker_free(d->docker);
    if (d->http) {
        bool closed = false;
        emu_http_close(d->http, on_http_closed, &closed);
        while (!closed) {
            (void)uv_run(&d->loop.loop, UV_RUN_ONCE);
        }
        d->http = NULL;
    }
    if (d->loop_ok) {
        (void)emu_loop_done(&d->loop);
        d->loop_ok = false;
    }
}

int emu_cli_task_load(const char *data_dir, const char *cmd, const char *id,
                      struct emu_task_state *st)
{
    int r = emu_store_load(data_dir, id, st);
    if (r == -ENOENT) {
        fprintf(stderr, "fargate-emu %s: no task %s in %s (see `fargate-emu ps --all`)\n", cmd,
                id, data_dir);
    }
    else if (r == -EEXIST) {
        fprintf(stderr, "fargate-emu %s: %s matches more than one task; give more of the ID\n",
                cmd, id);
    }
    else if (r < 0) {
        fprintf(stderr, "fargate-emu %s: cannot read task %s: %s\n", cmd, id, emu_strerror(r));
    }
    return r;
}

int emu_cli_task_load_exit(int r)
{
    return r == -ENOENT || r == -EEXIST ? EMU_EXIT_USAGE : EMU_EXIT_FAILURE;
}

int emu_cli_task_recover(struct emu_cli_docker *d, const char *data_dir,
                         struct emu_task_state *st, const char *reason)
{
    int r = emu_task_sweep(d->docker, &d->loop.loop, st);
    int64_t now = emu_now_ms();
    (void)emu_task_request_stop(st, EMU_STOP_USER_INITIATED, reason ? reason : RECOVERED_REASON,
                                now);
    for (size_t i = 0; i < st->n_containers; i++) {
        if (st->containers[i].status != EMU_CTR_STOPPED) {
            (void)emu_ctr_transition(&st->containers[i], EMU_CTR_STOPPED, now);
        }
    }
    if (!st->keep) {
        struct emu_buf p;
        if (emu_store_paths(data_dir, st->id, NULL, &p) == 0) {
            (void)emu_task_remove_dir(p.data);
            emu_buf_done(&p);
        }
    }
    st->status = EMU_TASK_STOPPED;
    st->stopped_ms = now;
    int s = emu_store_save(data_dir, st);
    return r < 0 ? r : s;
}

void emu_cli_recover_all(struct emu_cli_docker *d, const char *data_dir)
{
    char (*ids)[33] = NULL;
    size_t n = 0;
    if (emu_store_list(data_dir, &ids, &n) < 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct emu_task_state st;
        if (emu_store_load(data_dir, ids[i], &st) < 0) {
            continue;
        }
        if (st.status != EMU_TASK_STOPPED && st.supervisor_pid > 0 &&
            !emu_store_supervisor_alive(&st) && emu_task_resumable(&st)) {
            fprintf(stderr, "fargate-emu: task %s lost its supervisor and still runs; "
                            "`fargate-emu resume %s` takes it over, `fargate-emu stop %s` "
                            "removes it\n", st.id, st.id, st.id);
        }
        else if (st.status != EMU_TASK_STOPPED && st.supervisor_pid > 0 &&
                 !emu_store_supervisor_alive(&st)) {
            fprintf(stderr, "fargate-emu: task %s lost its supervisor; removing its "
                            "containers\n", st.id);
            (void)emu_cli_task_recover(d, data_dir, &st, NULL);
        }
        emu_task_state_done(&st);
    }
    emu_free(ids);
}

int emu_cli_parse_bytes(const char *cmd, const char *opt, const char *text, uint64_t *ret)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    unsigned shift = 0;
    if (*end) {
        shift = *end == 'K' || *end == 'k' ? 10u : *end == 'M' ? 20u : *end == 'G' ? 30u : 64u;
        shift = end[1] ? 64u : shift;
        end += shift < 64u;
    }
    if (errno || end == text || *end || text[0] == '-' || v == 0 || shift >= 64u ||
        v > (UINT64_MAX >> shift)) {
        fprintf(stderr, "fargate-emu %s: %s %s: expected a size in bytes > 0, with an optional "
                        "K, M or G suffix (1024-based)\n", cmd, opt, text);
        return EMU_EUSAGE;
    }
    *ret = (uint64_t)v << shift;
    return 0;
}

int emu_cli_task_exit_code(const struct emu_task_state *st)
{
    if (st->has_exit_code) {
        return st->exit_code & 0xff;
    }
    return EMU_EXIT_FAILURE;
}

void emu_cli_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL);
}
