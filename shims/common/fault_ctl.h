/* SPDX-License-Identifier: Apache-2.0 */
/* The fault control socket: the line protocol of shim_fault_ctl_exec served on a unix socket
 * (serve puts it at <data-dir>/control.sock) so `fargate-emu fault` changes a running
 * emulator's faults. */
#ifndef SHIMS_COMMON_FAULT_CTL_H
#define SHIMS_COMMON_FAULT_CTL_H

#include <uv.h>

#include "shims/common/fault.h"

#define SHIM_FAULT_CTL_MAX_CLIENTS 16

struct shim_fault_ctl;

/* Listens on path (a stale socket file there is replaced, anything else is -EEXIST) and serves
 * f until stopped. Returns 0 and the server, or a negative errno (-ENAMETOOLONG over 107 bytes).
 * f is borrowed and must outlive the server. */
int shim_fault_ctl_start(uv_loop_t *loop, struct shim_faults *f, const char *path,
                         struct shim_fault_ctl **ret);

/* Closes the socket and every client, removes the socket file; the memory goes once the libuv
 * handles are closed (the loop must run again). NULL is accepted. */
void shim_fault_ctl_stop(struct shim_fault_ctl *c);

#endif
