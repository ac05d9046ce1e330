/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu serve`: runs the bundled AWS endpoints (the S3 shim) in the foreground on
 * loopback, prints one JSON line with the bound addresses when ready, stops on SIGINT/SIGTERM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/loop.h"
#include "emu/cli/cli.h"
#include "emu/cli/commands.h"
#include "shims/s3/s3.h"

struct serve_opts {
    const char *s3;
    const char *access_key;
    const char *secret_key;
    const char *base_domain;
    bool allow_anonymous;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct serve_opts, field)

static const struct emu_cli_option serve_options[] = {
    {"s3", "ADDR:PORT", OPT(s3), NULL,
     "address of the S3 endpoint (default 127.0.0.1:0, port 0 picks a free port)", EMU_OPT_SCALAR},
    {"access-key", "KEY", OPT(access_key), NULL,
     "access key id clients sign with (default " SHIM_S3_DEFAULT_ACCESS_KEY ")", EMU_OPT_SCALAR},
    {"secret-key", "SECRET", OPT(secret_key), NULL,
     "secret access key (default " SHIM_S3_DEFAULT_SECRET_KEY ")", EMU_OPT_SCALAR},
    {"base-domain", "DOMAIN", OPT(base_domain), NULL,
     "virtual-hosted style suffix: Host bucket.DOMAIN names a bucket (default localhost)", EMU_OPT_SCALAR},
    {"allow-anonymous", NULL, OPT(allow_anonymous), NULL,
     "accept unsigned requests too (signed ones are still verified)", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

/* Splits "ADDR:PORT", "[V6]:PORT", ":PORT" or "PORT" into addr (static storage) and port. */
static int parse_listen(const char *s, char *addr, size_t addr_size, uint16_t *ret_port)
{
    const char *colon = strrchr(s, ':');
    const char *port_s = colon ? colon + 1 : s;
    size_t alen = colon ? (size_t)(colon - s) : 0;
    const char *a = s;
    if (alen >= 2 && s[0] == '[' && s[alen - 1] == ']') {
        a = s + 1;
        alen -= 2;
    }
    if (alen >= addr_size) {
        return EMU_EINVAL;
    }
    if (alen == 0) {
        snprintf(addr, addr_size, "127.0.0.1");
    }
    else {
        memcpy(addr, a, alen);
        addr[alen] = '\0';
    }
    char *end = NULL;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || port < 0 || port > 65535) {
        return EMU_EINVAL;
    }
    *ret_port = (uint16_t)port;
    return 0;
}

/* The data directory: --data-dir, else $XDG_STATE_HOME/fargate-emu, else
 * ~/.local/state/fargate-emu (created when missing). */
static int pick_data_dir(const struct emu_cli_global *g, struct emu_buf *out)
{
    if (g->data_dir) {
        return emu_buf_puts(out, g->data_dir);
    }
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int r;
    if (xdg && *xdg) {
        r = emu_buf_printf(out, "%s/fargate-emu", xdg);
    }
    else if (home && *home) {
        r = emu_buf_printf(out, "%s/.local", home);
        (void)mkdir(out->data, 0755);
        r = r ? r : emu_buf_puts(out, "/state");
        (void)mkdir(out->data, 0755);
        r = r ? r : emu_buf_puts(out, "/fargate-emu");
    }
    else {
        return EMU_ECONFIG;
    }
    return r;
}

static int print_ready(const char *addr, uint16_t port, const char *data_dir, const char *region,
                       const char *ak, const char *sk, bool anonymous)
{
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    bool v6 = strchr(addr, ':') != NULL;
    int r = emu_buf_puts(&b, "{\"ready\":true,\"s3\":{\"address\":");
    r = r ? r : emu_json_write_string(addr, &b);
    r = r ? r : emu_buf_printf(&b, ",\"port\":%u,\"endpoint\":\"http://%s%s%s:%u\"}", port,
                               v6 ? "[" : "", addr, v6 ? "]" : "", port);
    r = r ? r : emu_buf_puts(&b, ",\"data_dir\":");
    r = r ? r : emu_json_write_string(data_dir, &b);
    r = r ? r : emu_buf_puts(&b, ",\"region\":");
    r = r ? r : emu_json_write_string(region, &b);
    r = r ? r : emu_buf_puts(&b, ",\"access_key\":");
    r = r ? r : emu_json_write_string(ak, &b);
    r = r ? r : emu_buf_puts(&b, ",\"secret_key\":");
    r = r ? r : emu_json_write_string(sk, &b);
    r = r ? r : emu_buf_printf(&b, ",\"allow_anonymous\":%s}\n", anonymous ? "true" : "false");
    if (r == 0) {
        fputs(b.data, stdout);
        fflush(stdout);
    }
    emu_buf_done(&b);
    return r;
}

/* Shutdown step for SIGINT/SIGTERM: leave uv_run so the endpoints are stopped in order. */
static void stop_loop(void *ud)
{
    struct emu_loop *l = ud;
    uv_stop(&l->loop);
}

static int exec_serve(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    (void)argv;
    struct serve_opts *o = optsp;
    if (argc != 0) {
        fprintf(stderr, "fargate-emu serve: unexpected argument (usage: fargate-emu serve %s)\n",
                emu_cmd_serve.usage);
        return EMU_EXIT_USAGE;
    }
    char addr[64];
    uint16_t port = 0;
    if (parse_listen(o->s3 ? o->s3 : "127.0.0.1:0", addr, sizeof(addr), &port) < 0) {
        fprintf(stderr, "fargate-emu serve: --s3 expects ADDR:PORT, got '%s'\n", o->s3);
        return EMU_EXIT_USAGE;
    }
    if ((o->access_key == NULL) != (o->secret_key == NULL)) {
        fprintf(stderr, "fargate-emu serve: --access-key and --secret-key go together\n");
        return EMU_EXIT_USAGE;
    }
    const char *ak = o->access_key ? o->access_key : SHIM_S3_DEFAULT_ACCESS_KEY;
    const char *sk = o->secret_key ? o->secret_key : SHIM_S3_DEFAULT_SECRET_KEY;
    const char *region = g->region ? g->region : SHIM_S3_DEFAULT_REGION;
    struct emu_buf dir, s3dir;
    emu_buf_init(&dir, 4096);
    emu_buf_init(&s3dir, 4096);
    int r = pick_data_dir(g, &dir);
    if (r == 0 && mkdir(dir.data, 0755) < 0 && errno != EEXIST) {
        r = -errno;
    }
    r = r ? r : emu_buf_printf(&s3dir, "%s/s3", dir.data);
    if (r < 0) {
        emu_log_errno(r, "Failed to prepare the data directory '%s'", dir.data ? dir.data : "");
        emu_buf_done(&dir);
        emu_buf_done(&s3dir);
        return EMU_EXIT_FAILURE;
    }
    (void)emu_loop_global_init();
    struct emu_loop loop;
    struct shim_s3 *s3 = NULL;
    struct shim_s3_config cfg = {
        .root = s3dir.data,
        .address = addr,
        .port = port,
        .region = region,
        .base_domain = o->base_domain,
        .access_key = ak,
        .secret_key = sk,
        .allow_anonymous = o->allow_anonymous,
    };
    int code = EMU_EXIT_OK;
    r = emu_loop_init(&loop);
    if (r < 0) {
        emu_log_errno(r, "Failed to create the event loop");
        emu_buf_done(&dir);
        emu_buf_done(&s3dir);
        return EMU_EXIT_FAILURE;
    }
    r = emu_loop_on_shutdown(&loop, 0, stop_loop, &loop);
    r = r ? r : shim_s3_start(&loop.loop, &cfg, &s3);
    if (r < 0) {
        emu_log_errno(r, "Failed to start the S3 endpoint on %s:%u (data in '%s')", addr, port,
                      s3dir.data);
        code = EMU_EXIT_FAILURE;
        goto out;
    }
    emu_log_info("S3 endpoint on http://%s:%u (region %s), data in %s; credentials: access key "
                 "'%s', secret key '%s'%s",
                 addr, shim_s3_port(s3), region, s3dir.data, ak, sk,
                 o->allow_anonymous ? "; anonymous access allowed" : "");
    (void)print_ready(addr, shim_s3_port(s3), dir.data, region, ak, sk, o->allow_anonymous);
    (void)emu_loop_run(&loop);
    emu_log_info("stopping (signal %d)", loop.signal);
out:
    shim_s3_stop(s3);
    if (emu_loop_done(&loop) < 0) {
        emu_log_warn("the event loop did not close cleanly, ignoring");
    }
    emu_buf_done(&dir);
    emu_buf_done(&s3dir);
    return code;
}

const struct emu_cli_command emu_cmd_serve = {
    .name = "serve",
    .summary = "Run the bundled AWS endpoints (S3) in the foreground until SIGINT/SIGTERM.",
    .usage = "[--s3 ADDR:PORT] [--data-dir DIR] [--access-key K --secret-key S] [--region R] "
             "[--allow-anonymous]",
    .options = serve_options,
    .opts_size = sizeof(struct serve_opts),
    .reads_taskdef = false,
    .exec = exec_serve,
};
