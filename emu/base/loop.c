/* SPDX-License-Identifier: Apache-2.0 */
/* Loop creation, signal-driven ordered shutdown and a checked close (every handle closed,
 * uv_loop_close() == 0), the libuv MAKE_VALGRIND_HAPPY discipline. */
#include "emu/base/loop.h"

#include <signal.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"

int emu_loop_global_init(void)
{
    static int state;
    if (state == 0) {
        int r = uv_replace_allocator(emu_malloc, emu_realloc, emu_calloc, emu_free);
        state = r == 0 ? 1 : r;
    }
    return state > 0 ? 0 : state;
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct emu_loop *l = s->data;
    emu_log_debug("loop: signal %d, shutting down", signum);
    if (!l->signal) {
        l->signal = signum;
    }
    emu_loop_shutdown(l);
}

int emu_loop_init(struct emu_loop *l)
{
    memset(l, 0, sizeof(*l));
    int r = uv_loop_init(&l->loop);
    if (r < 0) {
        return r;
    }
    l->loop.data = l;
    (void)uv_signal_init(&l->loop, &l->sigint);
    (void)uv_signal_init(&l->loop, &l->sigterm);
    l->sigint.data = l;
    l->sigterm.data = l;
    r = uv_signal_start(&l->sigint, on_signal, SIGINT);
    if (r == 0) {
        r = uv_signal_start(&l->sigterm, on_signal, SIGTERM);
    }
    /* The watchers alone must not keep the loop running. */
    uv_unref((uv_handle_t *)&l->sigint);
    uv_unref((uv_handle_t *)&l->sigterm);
    if (r < 0) {
        (void)emu_loop_done(l);
    }
    return r;
}

int emu_loop_on_shutdown(struct emu_loop *l, int order, void (*fn)(void *ud), void *ud)
{
    if (l->n_steps >= EMU_LOOP_MAX_STEPS) {
        return EMU_E2BIG;
    }
    int i = l->n_steps++;
    /* Insertion sort keeps ties in registration order. */
    while (i > 0 && l->steps[i - 1].order > order) {
        l->steps[i] = l->steps[i - 1];
        i--;
    }
    l->steps[i] = (struct emu_loop_step){.order = order, .fn = fn, .ud = ud};
    return 0;
}

void emu_loop_shutdown(struct emu_loop *l)
{
    if (l->stopping) {
        return;
    }
    l->stopping = true;
    for (int i = 0; i < l->n_steps; i++) {
        l->steps[i].fn(l->steps[i].ud);
    }
}

int emu_loop_run(struct emu_loop *l)
{
    return uv_run(&l->loop, UV_RUN_DEFAULT);
}

static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) {
        emu_log_debug("loop: closing a leftover %s handle", uv_handle_type_name(h->type));
        uv_close(h, NULL);
    }
}

int emu_loop_done(struct emu_loop *l)
{
    if (!uv_is_closing((uv_handle_t *)&l->sigint)) {
        uv_close((uv_handle_t *)&l->sigint, NULL);
    }
    if (!uv_is_closing((uv_handle_t *)&l->sigterm)) {
        uv_close((uv_handle_t *)&l->sigterm, NULL);
    }
    /* Pending close callbacks first, then whatever an owner forgot (a bug, logged at debug). */
    (void)uv_run(&l->loop, UV_RUN_NOWAIT);
    uv_walk(&l->loop, close_one, NULL);
    (void)uv_run(&l->loop, UV_RUN_DEFAULT);
    return uv_loop_close(&l->loop) == 0 ? 0 : -EBUSY;
}
