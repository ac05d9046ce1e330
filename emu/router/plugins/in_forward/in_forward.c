/* SPDX-License-Identifier: Apache-2.0 */
/* in_forward: the Forward protocol input (Fluentd/Docker fluentd log driver) on a unix socket
 * (unix_path, unix_perm) or TCP (Listen, Port), with Fluent Bit's option names and defaults.
 * Secure forward (shared_key) is not supported and refused at start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/log.h"
#include "emu/router/plugins/in_forward/in_forward.h"

#define OFF(f) offsetof(struct fw_ctx, f)

static const struct emu_router_option fw_options[] = {
    {EMU_ROPT_STR, "listen", "0.0.0.0", 0, OFF(listen), "Listener network interface."},
    {EMU_ROPT_STR, "port", "24224", 0, OFF(port), "TCP port to listen for connections."},
    {EMU_ROPT_STR, "unix_path", NULL, 0, OFF(unix_path),
     "Unix socket to receive Forward messages on; if set, Listen and Port are ignored."},
    {EMU_ROPT_STR, "unix_perm", NULL, 0, OFF(unix_perm), "Permissions of the unix socket."},
    {EMU_ROPT_SIZE, "buffer_chunk_size", "1024000", 0, OFF(buffer_chunk_size),
     "Allocation step of the receive buffer."},
    {EMU_ROPT_SIZE, "buffer_max_size", "6144000", 0, OFF(buffer_max_size),
     "Maximum buffer memory size used to receive a Forward message."},
    {EMU_ROPT_STR, "tag_prefix", NULL, 0, OFF(tag_prefix), "Prefix incoming tags with this."},
    {EMU_ROPT_STR, "shared_key", NULL, 0, OFF(shared_key),
     "Shared key for secure forward (not supported)."},
    {EMU_ROPT_BOOL, "empty_shared_key", "false", 0, OFF(empty_shared_key),
     "Use a zero-length shared key (not supported)."},
    {EMU_ROPT_STR, "self_hostname", NULL, 0, OFF(self_hostname),
     "Hostname for secure forward."},
    {EMU_ROPT_STR, "security.users", NULL, 0, OFF(users),
     "Username/password pairs for secure forward (not supported)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static void on_connection(uv_stream_t *server, int status)
{
    struct fw_ctx *ctx = server->data;
    if (status < 0) {
        emu_plg_log(EMU_LOG_WARN, emu_router_input_name(ctx->ins), "accept failed: %s",
                    uv_strerror(status));
        return;
    }
    fw_conn_accept(ctx, server);
}

static int listen_unix(struct fw_ctx *ctx, uv_loop_t *loop)
{
    const char *name = emu_router_input_name(ctx->ins);
    int rc;
    ctx->is_unix = 1;
    uv_pipe_init(loop, &ctx->server.pipe, 0);
    ctx->server_open = 1;
    (void)unlink(ctx->unix_path);
    rc = uv_pipe_bind(&ctx->server.pipe, ctx->unix_path);
    if (rc < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "cannot bind %s: %s", ctx->unix_path, uv_strerror(rc));
        return rc;
    }
    if (ctx->unix_perm) {
        char *end;
        long mode = strtol(ctx->unix_perm, &end, 8);
        if (*end || mode < 0 || mode > 07777) {
            emu_plg_log(EMU_LOG_ERROR, name, "invalid unix_perm '%s'", ctx->unix_perm);
            return -EINVAL;
        }
        if (chmod(ctx->unix_path, (mode_t)mode) < 0) {
            rc = -errno;
            emu_plg_log(EMU_LOG_ERROR, name, "cannot chmod %s: %s", ctx->unix_path,
                        strerror(errno));
            return rc;
        }
    }
    return 0;
}

static int listen_tcp(struct fw_ctx *ctx, uv_loop_t *loop)
{
    const char *name = emu_router_input_name(ctx->ins);
    struct sockaddr_storage ss;
    char *end;
    long port = strtol(ctx->port, &end, 10);
    int rc;
    if (*end || port < 0 || port > 65535) {
        emu_plg_log(EMU_LOG_ERROR, name, "invalid port '%s'", ctx->port);
        return -EINVAL;
    }
    if (strchr(ctx->listen, ':')) {
        rc = uv_ip6_addr(ctx->listen, (int)port, (struct sockaddr_in6 *)&ss);
    }
    else {
        rc = uv_ip4_addr(ctx->listen, (int)port, (struct sockaddr_in *)&ss);
    }
    if (rc < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "invalid listen address '%s'", ctx->listen);
        return rc;
    }
    uv_tcp_init(loop, &ctx->server.tcp);
    ctx->server_open = 1;
    rc = uv_tcp_bind(&ctx->server.tcp, (const struct sockaddr *)&ss, 0);
    if (rc < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "cannot bind %s:%ld: %s", ctx->listen, port,
                    uv_strerror(rc));
    }
    return rc;
}

static int cb_fw_init(struct emu_router_input *ins, void *data)
{
    struct fw_ctx *ctx = data;
    uv_loop_t *loop = emu_router_loop(emu_router_input_router(ins));
    const char *name = emu_router_input_name(ins);
    int rc;
    ctx->ins = ins;
    if (ctx->shared_key || ctx->users || ctx->empty_shared_key) {
        emu_plg_log(EMU_LOG_ERROR, name, "secure forward is not supported by emu-router");
        return -ENOTSUP;
    }
    if (ctx->buffer_chunk_size <= 0 || ctx->buffer_max_size < ctx->buffer_chunk_size) {
        emu_plg_log(EMU_LOG_ERROR, name, "buffer_max_size must be >= buffer_chunk_size > 0");
        return -EINVAL;
    }
    ctx->limits.max_message = (size_t)ctx->buffer_max_size;
    ctx->limits.max_inflated = 64u * 1024u * 1024u;
    emu_buf_init(&ctx->events, 128u * 1024u * 1024u);
    rc = ctx->unix_path ? listen_unix(ctx, loop) : listen_tcp(ctx, loop);
    if (rc == 0) {
        ctx->server.tcp.data = ctx;
        rc = uv_listen((uv_stream_t *)&ctx->server, 128, on_connection);
        if (rc < 0) {
            emu_plg_log(EMU_LOG_ERROR, name, "cannot listen: %s", uv_strerror(rc));
        }
    }
    if (rc == 0) {
        if (ctx->unix_path) {
            emu_plg_log(EMU_LOG_INFO, name, "listening on unix://%s", ctx->unix_path);
        }
        else {
            emu_plg_log(EMU_LOG_INFO, name, "listening on %s:%s", ctx->listen, ctx->port);
        }
    }
    return rc;
}

static void cb_fw_pause(struct emu_router_input *ins, void *data)
{
    (void)ins;
    fw_conns_pause(data, 1);
}

static void cb_fw_resume(struct emu_router_input *ins, void *data)
{
    (void)ins;
    fw_conns_pause(data, 0);
}

static void server_closed(uv_handle_t *h)
{
    struct fw_ctx *ctx = h->data;
    emu_router_release(emu_router_input_router(ctx->ins));
}

static void close_server(struct fw_ctx *ctx)
{
    if (ctx->server_open) {
        ctx->server_open = 0;
        ctx->server.tcp.data = ctx;
        emu_router_hold(emu_router_input_router(ctx->ins));
        uv_close((uv_handle_t *)&ctx->server, server_closed);
        if (ctx->unix_path) {
            (void)unlink(ctx->unix_path);
        }
    }
}

static void cb_fw_stop(struct emu_router_input *ins, void *data)
{
    (void)ins;
    close_server(data);
    fw_conns_pause(data, 1);
}

static void cb_fw_exit(struct emu_router_input *ins, void *data)
{
    struct fw_ctx *ctx = data;
    (void)ins;
    close_server(ctx);
    fw_conns_close(ctx);
    emu_buf_done(&ctx->events);
}

const struct emu_router_input_plugin in_forward_plugin = {
    .name = "forward",
    .description = "Fluentd in-forward",
    .options = fw_options,
    .ctx_size = sizeof(struct fw_ctx),
    .cb_init = cb_fw_init,
    .cb_pause = cb_fw_pause,
    .cb_resume = cb_fw_resume,
    .cb_stop = cb_fw_stop,
    .cb_exit = cb_fw_exit,
};
