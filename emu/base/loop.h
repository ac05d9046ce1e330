/* SPDX-License-Identifier: Apache-2.0 */
/* libuv loop helpers: route libuv's allocations through emu_malloc, and close every handle of
 * a loop before closing the loop itself (libuv's MAKE_VALGRIND_HAPPY). */
#ifndef EMU_BASE_LOOP_H
#define EMU_BASE_LOOP_H

#include <uv.h>

/* Makes libuv allocate through emu_malloc/emu_free. Must run before the first libuv call that
 * allocates; idempotent. Returns 0 or a negative errno. */
int emu_loop_init_allocator(void);

/* Closes every handle still open on loop, runs the loop until their close callbacks ran, then
 * closes the loop. Returns 0, or -EBUSY when requests are still pending. */
int emu_loop_close_all(uv_loop_t *loop);

/* Stops loop on the first SIGINT or SIGTERM. The two signal handles are embedded in sig and
 * are closed by emu_loop_signals_done (or by emu_loop_close_all). Returns 0 or a negative
 * errno. */
struct emu_loop_signals {
    uv_signal_t sigint;
    uv_signal_t sigterm;
    int received; /* the signal number that stopped the loop, 0 = none yet */
};
int emu_loop_signals_init(uv_loop_t *loop, struct emu_loop_signals *sig);
void emu_loop_signals_done(struct emu_loop_signals *sig);

#endif
