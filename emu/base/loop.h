/* SPDX-License-Identifier: Apache-2.0 */
/* The process's libuv loop: creation with libuv's allocator routed through emu_malloc, SIGINT
 * and SIGTERM handling, an ordered list of shutdown steps, and a checked close. */
#ifndef EMU_BASE_LOOP_H
#define EMU_BASE_LOOP_H

#include <stdbool.h>
#include <uv.h>

#define EMU_LOOP_MAX_STEPS 16

/* A shutdown step; steps run once, lowest order first (ties in registration order). */
struct emu_loop_step {
    int order;
    void (*fn)(void *ud);
    void *ud;
};

struct emu_loop {
    uv_loop_t loop;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    struct emu_loop_step steps[EMU_LOOP_MAX_STEPS];
    int n_steps;
    int signal;    /* the signal that started the shutdown, 0 if none */
    bool stopping; /* shutdown steps have run */
};

/* Routes libuv's allocations through emu_malloc. Idempotent; call before any libuv use.
 * Returns 0 or a negative code. */
int emu_loop_global_init(void);

/* Initialises the loop and its (unreferenced) signal watchers. Returns 0 or a negative code. */
int emu_loop_init(struct emu_loop *l);

/* Registers a shutdown step. Returns 0, or -E2BIG past EMU_LOOP_MAX_STEPS. */
int emu_loop_on_shutdown(struct emu_loop *l, int order, void (*fn)(void *ud), void *ud);

/* Runs the shutdown steps once (also what SIGINT and SIGTERM do). */
void emu_loop_shutdown(struct emu_loop *l);

/* Runs the loop until no active handle is left. Returns 0 or a negative code. */
int emu_loop_run(struct emu_loop *l);

/* Closes the signal watchers and every handle still open, runs the loop until they are closed,
 * and closes it. Returns 0, or -EBUSY when something stayed alive. */
int emu_loop_done(struct emu_loop *l);

#endif
