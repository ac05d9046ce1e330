/* SPDX-License-Identifier: Apache-2.0 */
/* libuv loop helpers: allocator hooks, orderly shutdown of a loop, SIGINT/SIGTERM handling. */
#include "emu/base/loop.h"

#include <signal.h>

#include "emu/base/mem.h"

static int allocator_set;

int emu_loop_init_allocator(void)
{
    if (allocator_set) {
        return 0;
    }
    int r = uv_replace_allocator(emu_malloc, emu_realloc, emu_calloc, emu_free);
    if (r == 0) {
        allocator_set = 1;
    }
    return r;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) {
        uv_close(h, NULL);
    }
}

int emu_loop_close_all(uv_loop_t *loop)
{
    uv_walk(loop, close_walk, NULL);
    (void)uv_run(loop, UV_RUN_DEFAULT);
    return uv_loop_close(loop);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct emu_loop_signals *sig = h->data;
    if (!sig->received) {
        sig->received = signum;
    }
    uv_stop(h->loop);
}

int emu_loop_signals_init(uv_loop_t *loop, struct emu_loop_signals *sig)
{
    sig->received = 0;
    int r = uv_signal_init(loop, &sig->sigint);
    if (r < 0) {
        return r;
    }
    r = uv_signal_init(loop, &sig->sigterm);
    if (r < 0) {
        uv_close((uv_handle_t *)&sig->sigint, NULL);
        return r;
    }
    sig->sigint.data = sig;
    sig->sigterm.data = sig;
    r = uv_signal_start(&sig->sigint, on_signal, SIGINT);
    if (r == 0) {
        r = uv_signal_start(&sig->sigterm, on_signal, SIGTERM);
    }
    if (r < 0) {
        emu_loop_signals_done(sig);
    }
    return r;
}

void emu_loop_signals_done(struct emu_loop_signals *sig)
{
    if (!uv_is_closing((uv_handle_t *)&sig->sigint)) {
        uv_close((uv_handle_t *)&sig->sigint, NULL);
    }
    if (!uv_is_closing((uv_handle_t *)&sig->sigterm)) {
        uv_close((uv_handle_t *)&sig->sigterm, NULL);
    }
}
