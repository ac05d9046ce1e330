/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu serve`: runs the bundled AWS endpoints (S3, CloudWatch Logs, STS) in the
 * foreground on loopback, prints one JSON line with every bound endpoint when ready, stops on
 * SIGINT/SIGTERM; with --enforce-iam every call is checked against the task role's policies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/loop.h"
#include "emu/base/mem.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_fault.h"
#include "emu/cli/cli_http_limits.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/cli_iam.h"
#include "emu/cli/commands.h"
#include "shims/cloudwatch_logs/cwl.h"
#include "shims/common/http.h"
#include "shims/s3/s3.h"
#include "shims/sts/sts.h"

struct serve_opts {
    const char *s3;
    const char *logs;
    const char *sts;
    const char *access_key;
    const char *secret_key;
    const char *base_domain;
    bool allow_anonymous;
    bool enforce_iam;
    struct emu_cli_list task_role_policy; /* --task-role-policy, repeatable */
    struct emu_cli_fault_opts faults;     /* --fault, --fault-seed */
    const char *s3_max_bytes;
    struct emu_cli_http_limit_opts limits; /* --client-timeout, --max-connections */
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct serve_opts, field)

static const struct emu_cli_option serve_options[] = {
    {"s3", "ADDR:PORT", OPT(s3), NULL,
     "address of the S3 endpoint (default 127.0.0.1:0, port 0 picks a free port)", EMU_OPT_SCALAR},
    {"logs", "ADDR:PORT", OPT(logs), NULL,
     "address of the CloudWatch Logs endpoint (default 127.0.0.1:0)", EMU_OPT_SCALAR},
    {"sts", "ADDR:PORT", OPT(sts), NULL,
     "address of the STS endpoint (default 127.0.0.1:0); its temporary credentials work on "
     "every endpoint", EMU_OPT_SCALAR},
    {"access-key", "KEY", OPT(access_key), NULL,
     "access key id clients sign with (default " SHIM_S3_DEFAULT_ACCESS_KEY ")", EMU_OPT_SCALAR},
    {"secret-key", "SECRET", OPT(secret_key), NULL,
     "secret access key (default " SHIM_S3_DEFAULT_SECRET_KEY ")", EMU_OPT_SCALAR},
    {"base-domain", "DOMAIN", OPT(base_domain), NULL,
     "virtual-hosted style suffix: Host bucket.DOMAIN names a bucket (default localhost)", EMU_OPT_SCALAR},
    {"s3-max-bytes", "SIZE", OPT(s3_max_bytes), NULL,
     "cap the S3 store at SIZE bytes (K, M, G suffixes): writes past it get 500 InternalError, "
     "as a full disk", EMU_OPT_SCALAR},
    EMU_CLI_HTTP_LIMIT_OPTIONS(struct serve_opts, limits),
    {"allow-anonymous", NULL, OPT(allow_anonymous), NULL,
     "accept unsigned requests too (signed ones are still verified)", EMU_OPT_SCALAR},
    {"enforce-iam", NULL, OPT(enforce_iam), NULL,
     "evaluate the task role's policies for every call and answer AccessDenied as AWS does", EMU_OPT_SCALAR},
    {"task-role-policy", "FILE", OPT(task_role_policy), NULL,
     "a task role identity policy document (or a JSON array of documents), with "
     "--enforce-iam (repeatable)", EMU_OPT_LIST},
    EMU_CLI_FAULT_OPTIONS(struct serve_opts, faults),
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

/* One started endpoint, for the ready line. */
struct endpoint {
    const char *name; /* key in the ready line: "s3", "logs" */
    char addr[64];
    uint16_t port;
};

static int print_ready(const struct endpoint *eps, size_t n, const char *data_dir,
                       const char *region, const char *ak, const char *sk, bool anonymous,
                       bool enforce_iam, const struct emu_cli_faults *cf)
{
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = emu_buf_puts(&b, "{\"ready\":true");
    for (size_t i = 0; r == 0 && i < n; i++) {
        bool v6 = strchr(eps[i].addr, ':') != NULL;
        r = emu_buf_printf(&b, ",\"%s\":{\"address\":", eps[i].name);
        r = r ? r : emu_json_write_string(eps[i].addr, &b);
        r = r ? r : emu_buf_printf(&b, ",\"port\":%u,\"endpoint\":\"http://%s%s%s:%u\"}",
                                   eps[i].port, v6 ? "[" : "", eps[i].addr, v6 ? "]" : "",
                                   eps[i].port);
    }
    r = r ? r : emu_buf_puts(&b, ",\"data_dir\":");
    r = r ? r : emu_json_write_string(data_dir, &b);
    r = r ? r : emu_buf_puts(&b, ",\"region\":");
    r = r ? r : emu_json_write_string(region, &b);
    r = r ? r : emu_buf_puts(&b, ",\"access_key\":");
    r = r ? r : emu_json_write_string(ak, &b);
    r = r ? r : emu_buf_puts(&b, ",\"secret_key\":");
    r = r ? r : emu_json_write_string(sk, &b);
    r = r ? r : emu_buf_printf(&b, ",\"allow_anonymous\":%s", anonymous ? "true" : "false");
    r = r ? r : emu_buf_printf(&b, ",\"enforce_iam\":%s", enforce_iam ? "true" : "false");
    r = r ? r : emu_buf_printf(&b, ",\"fault_seed\":%llu,\"faults\":%zu,\"control_socket\":",
                               (unsigned long long)shim_faults_seed(cf->engine),
                               shim_faults_count(cf->engine));
    r = r ? r : (cf->ctl ? emu_json_write_string(cf->socket, &b) : emu_buf_puts(&b, "null"));
    r = r ? r : emu_buf_puts(&b, "}\n");
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

/* Everything serve runs, torn down in one place. */
struct serve {
    struct emu_loop loop;
    struct shim_s3 *s3;
    struct shim_cwl *cwl;
    struct shim_sts *sts;
    struct emu_cli_iam iam;
    struct emu_cli_faults faults;
    struct endpoint eps[4];
    size_t n_eps;
    struct emu_buf dir;
    const char *region, *ak, *sk;
    uint64_t s3_max_bytes;
};

/* Parses one --<name> ADDR:PORT into the next endpoint slot. */
static int add_endpoint(struct serve *sv, const char *name, const char *listen)
{
    struct endpoint *ep = &sv->eps[sv->n_eps];
    if (parse_listen(listen ? listen : "127.0.0.1:0", ep->addr, sizeof(ep->addr), &ep->port) < 0) {
        fprintf(stderr, "fargate-emu serve: --%s expects ADDR:PORT, got '%s'\n", name, listen);
        return EMU_EXIT_USAGE;
    }
    ep->name = name;
    sv->n_eps++;
    return 0;
}

/* Starts the shims in order; returns 0 or logs and returns the error. */
static int start_shims(struct serve *sv, const struct serve_opts *o)
{
    struct emu_buf sub;
    emu_buf_init(&sub, 4096);
    int r = emu_buf_printf(&sub, "%s/s3", sv->dir.data);
    struct shim_s3_config s3cfg = {
        .root = sub.data,
        .address = sv->eps[0].addr,
        .port = sv->eps[0].port,
        .region = sv->region,
        .base_domain = o->base_domain,
        .access_key = sv->ak,
        .secret_key = sv->sk,
        .allow_anonymous = o->allow_anonymous,
        .faults = sv->faults.engine,
        .max_store_bytes = sv->s3_max_bytes,
    };
    /* Tuning and test knob: the dead bytes that make a pack worth compacting ("off": never). */
    const char *compact = getenv("FARGATE_EMU_S3_COMPACT_BYTES");
    if (compact && *compact) {
        char *end;
        unsigned long long v = strtoull(compact, &end, 10);
        s3cfg.compact_min_dead = strcmp(compact, "off") == 0 ? UINT64_MAX
                                 : *end || v == 0       ? 0
                                                        : v;
    }
    r = r ? r : shim_s3_start(&sv->loop.loop, &s3cfg, &sv->s3);
    if (r < 0) {
        r = emu_log_errno(r, "Failed to start the S3 endpoint on %s:%u (data in '%s')",
                          sv->eps[0].addr, sv->eps[0].port, sub.data ? sub.data : "");
        goto out;
    }
    sv->eps[0].port = shim_s3_port(sv->s3);
    sub.len = 0;
    r = emu_buf_printf(&sub, "%s/logs", sv->dir.data);
    struct shim_cwl_config cwlcfg = {
        .root = sub.data,
        .address = sv->eps[1].addr,
        .port = sv->eps[1].port,
        .region = sv->region,
        .access_key = sv->ak,
        .secret_key = sv->sk,
        .allow_anonymous = o->allow_anonymous,
        .faults = sv->faults.engine,
    };
    r = r ? r : shim_cwl_start(&sv->loop.loop, &cwlcfg, &sv->cwl);
    if (r < 0) {
        r = emu_log_errno(r, "Failed to start the CloudWatch Logs endpoint on %s:%u (data in "
                          "'%s')",
                          sv->eps[1].addr, sv->eps[1].port, sub.data ? sub.data : "");
        goto out;
    }
    sv->eps[1].port = shim_cwl_port(sv->cwl);
    struct shim_sts_config stscfg = {
        .address = sv->eps[2].addr,
        .port = sv->eps[2].port,
        .region = sv->region,
        .access_key = sv->ak,
        .secret_key = sv->sk,
        .allow_anonymous = o->allow_anonymous,
        .faults = sv->faults.engine,
    };
    r = shim_sts_start(&sv->loop.loop, &stscfg, &sv->sts);
    if (r < 0) {
        r = emu_log_errno(r, "Failed to start the STS endpoint on %s:%u", sv->eps[2].addr,
                          sv->eps[2].port);
        goto out;
    }
    sv->eps[2].port = shim_sts_port(sv->sts);
out:
    emu_buf_done(&sub);
    return r;
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
    struct serve sv = {0};
    if (add_endpoint(&sv, "s3", o->s3) || add_endpoint(&sv, "logs", o->logs) ||
        add_endpoint(&sv, "sts", o->sts)) {
        return EMU_EXIT_USAGE;
    }
    if (o->enforce_iam != (o->task_role_policy.n > 0)) {
        fprintf(stderr, "fargate-emu serve: --enforce-iam and --task-role-policy go together\n");
        return EMU_EXIT_USAGE;
    }
    if ((o->access_key == NULL) != (o->secret_key == NULL)) {
        fprintf(stderr, "fargate-emu serve: --access-key and --secret-key go together\n");
        return EMU_EXIT_USAGE;
    }
    if (o->s3_max_bytes &&
        emu_cli_parse_bytes("serve", "--s3-max-bytes", o->s3_max_bytes, &sv.s3_max_bytes) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct shim_http_limits limits;
    if (emu_cli_http_limits_parse("serve", &o->limits, &limits) < 0) {
        return EMU_EXIT_USAGE;
    }
    shim_http_set_limits(&limits);
    sv.ak = o->access_key ? o->access_key : SHIM_S3_DEFAULT_ACCESS_KEY;
    sv.sk = o->secret_key ? o->secret_key : SHIM_S3_DEFAULT_SECRET_KEY;
    sv.region = g->region ? g->region : SHIM_S3_DEFAULT_REGION;
    emu_cli_iam_init(&sv.iam);
    if (o->enforce_iam) {
        if (emu_cli_iam_add_files(&sv.iam, "serve", &o->task_role_policy) < 0) {
            emu_cli_iam_done(&sv.iam);
            return EMU_EXIT_USAGE;
        }
        emu_cli_iam_install(&sv.iam);
    }
    emu_buf_init(&sv.dir, 4096);
    int r = pick_data_dir(g, &sv.dir);
    if (r == 0 && mkdir(sv.dir.data, 0755) < 0 && errno != EEXIST) {
        r = -errno;
    }
    if (r < 0) {
        emu_log_errno(r, "Failed to prepare the data directory '%s'",
                      sv.dir.data ? sv.dir.data : "");
        emu_buf_done(&sv.dir);
        emu_cli_iam_done(&sv.iam);
        return EMU_EXIT_FAILURE;
    }
    /* The S3 shim fsyncs and renames on the libuv thread pool: 16 threads let 16 concurrent
     * PUTs share journal commits. libuv reads this once, at its first pool use; a value the
     * user set wins. */
    if (!getenv("UV_THREADPOOL_SIZE")) {
        (void)setenv("UV_THREADPOOL_SIZE", "16", 0);
    }
    (void)emu_loop_global_init();
    r = emu_loop_init(&sv.loop);
    if (r < 0) {
        emu_log_errno(r, "Failed to create the event loop");
        emu_buf_done(&sv.dir);
        emu_cli_iam_done(&sv.iam);
        return EMU_EXIT_FAILURE;
    }
    int code = EMU_EXIT_OK;
    r = emu_cli_faults_init(&sv.faults, "serve", &o->faults, (int64_t)uv_now(&sv.loop.loop));
    if (r < 0) {
        code = r == EMU_EUSAGE ? EMU_EXIT_USAGE : EMU_EXIT_FAILURE;
        goto out;
    }
    r = emu_loop_on_shutdown(&sv.loop, 0, stop_loop, &sv.loop);
    r = r ? r : start_shims(&sv, o);
    r = r ? r : emu_cli_faults_serve(&sv.faults, &sv.loop.loop, sv.dir.data);
    if (r < 0) {
        code = EMU_EXIT_FAILURE;
        goto out;
    }
    for (size_t i = 0; i < sv.n_eps; i++) {
        emu_log_info("%s endpoint on http://%s:%u", sv.eps[i].name, sv.eps[i].addr,
                     sv.eps[i].port);
    }
    /* The documented default secret is no secret; one given with --secret-key never goes to
     * the log (the ready line on stdout hands it to the tooling that started serve). */
    emu_log_info("region %s, data in %s; credentials: access key '%s', secret key %s%s%s%s",
                 sv.region, sv.dir.data, sv.ak, o->secret_key ? "" : "'",
                 o->secret_key ? "(from --secret-key, not logged)" : sv.sk,
                 o->secret_key ? "" : "'", o->allow_anonymous ? "; anonymous access allowed" : "");
    (void)print_ready(sv.eps, sv.n_eps, sv.dir.data, sv.region, sv.ak, sv.sk,
                      o->allow_anonymous, o->enforce_iam, &sv.faults);
    (void)emu_loop_run(&sv.loop);
    emu_log_info("stopping (signal %d)", sv.loop.signal);
out:
    emu_cli_faults_stop(&sv.faults);
    shim_sts_stop(sv.sts);
    shim_cwl_stop(sv.cwl);
    shim_s3_stop(sv.s3);
    if (emu_loop_done(&sv.loop) < 0) {
        emu_log_warn("the event loop did not close cleanly, ignoring");
    }
    emu_cli_faults_done(&sv.faults);
    emu_buf_done(&sv.dir);
    shim_sts_creds_clear();
    emu_cli_iam_done(&sv.iam);
    return code;
}

static const struct emu_cli_exit serve_exits[] = {
    {EMU_EXIT_OK, "stopped by SIGINT or SIGTERM"},
    {EMU_EXIT_FAILURE, "an endpoint, the data dir or the event loop could not be set up"},
    {EMU_EXIT_USAGE, "usage error, a bad address, or an unreadable policy document"},
    {0, NULL},
};

static const struct emu_cli_example serve_examples[] = {
    {"fargate-emu serve --s3 127.0.0.1:4566",
     "Serve S3 on port 4566 (and CloudWatch Logs and STS on free ports) until Ctrl-C."},
    {"fargate-emu serve --allow-anonymous --data-dir /tmp/emu",
     "Accept unsigned requests too, keeping the buckets and log groups under /tmp/emu."},
    {"fargate-emu serve --enforce-iam --task-role-policy policy.json",
     "Answer AccessDenied for calls the task role's policy does not allow."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_serve = {
    .name = "serve",
    .summary = "Run the bundled AWS endpoints (S3, CloudWatch Logs, STS) in the foreground "
               "until SIGINT/SIGTERM.",
    .usage = "[--s3 ADDR:PORT] [--logs ADDR:PORT] [--sts ADDR:PORT] [--data-dir DIR] "
             "[--access-key K --secret-key S] [--region R] [--allow-anonymous] "
             "[--enforce-iam --task-role-policy FILE] [--fault SPEC]... [--fault-seed N]",
    .description = "Starts the local S3, CloudWatch Logs and STS endpoints on one event loop "
                   "and serves them until SIGINT or SIGTERM. Requests are checked with SigV4 "
                   "against the given credentials or temporary ones STS issued; data lives "
                   "under the data dir; --fault injects errors, latency, resets and outages "
                   "(docs/faults.md). When the endpoints listen, one JSON line naming their "
                   "addresses and the credentials is printed on stdout. See docs/shims/ for "
                   "the operations supported and the differences from AWS.",
    .options = serve_options,
    .exit_codes = serve_exits,
    .examples = serve_examples,
    .opts_size = sizeof(struct serve_opts),
    .reads_taskdef = false,
    .exec = exec_serve,
};
