/* SPDX-License-Identifier: Apache-2.0 */
/* in_forward's context and connection handling shared by its glue (in_forward.c) and its
 * per-connection code (fw_conn.c). */
#ifndef EMU_ROUTER_IN_FORWARD_H
#define EMU_ROUTER_IN_FORWARD_H

#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/in_forward/fw_proto.h"

struct fw_conn;

struct fw_ctx {
    /* options */
    const char *listen, *port, *unix_path, *unix_perm, *tag_prefix, *shared_key;
    const char *self_hostname, *users;
    int64_t buffer_chunk_size, buffer_max_size;
    int empty_shared_key;
    /* state */
    struct emu_router_input *ins;
    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } server;
    int is_unix, server_open, paused;
    struct fw_conn *conns;
    struct emu_buf events;
    struct emu_fw_limits limits;
};

/* Accepts one connection from the listening server; logs and returns on failure. */
void fw_conn_accept(struct fw_ctx *ctx, uv_stream_t *server);
/* Stops or restarts reading every connection (Mem_Buf_Limit). */
void fw_conns_pause(struct fw_ctx *ctx, int pause);
/* Closes every connection. */
void fw_conns_close(struct fw_ctx *ctx);

#endif
