/* SPDX-License-Identifier: Apache-2.0 */
/* emu-router-init: the aws-for-fluent-bit "init" process for the emu-router image (installed as
 * /init/fluent_bit_init_process): task metadata into the environment, config files from S3 and
 * the image assembled into /init/fluent-bit-init.conf and -R options, then exec the router. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "emu/aws/aws_creds.h"
#include "emu/aws/sigv4.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/model/local.h"
#include "emu/router/init.h"

extern char **environ;

#define MAX_ARGS 1100
#define LOG "[FluentBit Init Process] "

struct init_state {
    uv_loop_t loop;
    struct emu_http *http;
    struct emu_aws_provider *prov;
    struct emu_arena arena;
    const char *dir;       /* /init or /tmp/init */
    const char *s3_region; /* metadata region, else us-east-1 */
    struct emu_local_endpoints ep;
    struct emu_router_init_plan plan;
};

/* One synchronous call on the loop. */
struct call {
    int done, status;
    long http_status;
    struct emu_buf body;
    struct emu_aws_creds creds;
    char error[256];
};

static void on_http(int status, const struct emu_http_response *resp, void *ud)
{
    struct call *c = ud;
    c->done = 1;
    c->status = status;
    if (status == 0) {
        c->http_status = resp->status;
        c->status = emu_buf_append(&c->body, resp->body, resp->body_len);
    }
    else if (resp && resp->error) {
        snprintf(c->error, sizeof(c->error), "%s", resp->error);
    }
}

static void on_creds(int status, const struct emu_aws_creds *creds, void *ud)
{
    struct call *c = ud;
    c->done = 1;
    c->status = status;
    if (status == 0) {
        c->creds = *creds;
    }
}

static int wait_call(struct init_state *st, int r, struct call *c)
{
    while (r == 0 && !c->done) {
        (void)uv_run(&st->loop, UV_RUN_ONCE);
    }
    return r ? r : c->status;
}

static const char *call_error(const struct call *c, int r)
{
    return c->error[0] ? c->error : emu_strerror(r);
}

/* GET ${ECS_CONTAINER_METADATA_URI_V4}/task. NULL meta when the variable is unset. */
static int read_metadata(struct init_state *st, struct emu_router_init_meta *meta, int *have)
{
    const char *base = getenv("ECS_CONTAINER_METADATA_URI_V4");
    *have = 0;
    if (!base || !*base) {
        emu_log_warn(LOG "Unable to get ECS Metadata (ECS_CONTAINER_METADATA_URI_V4 is not "
                         "set), ignore this warning if not running on ECS");
        return 0;
    }
    const char *url = emu_arena_printf(&st->arena, "%s/task", base);
    struct call c = {0};
    emu_buf_init(&c.body, EMU_ROUTER_INIT_META_MAX);
    struct emu_http_request rq = {.url = url, .timeout_ms = 10000,
                                  .max_response = EMU_ROUTER_INIT_META_MAX};
    int r = wait_call(st, url ? emu_http_request(st->http, &rq, on_http, &c, NULL) : -ENOMEM,
                      &c);
    char why[300];
    if (r < 0 || c.http_status != 200) {
        if (r < 0) {
            emu_log_error(LOG "Failed to get ECS Metadata from %s: %s", url ? url : base,
                          call_error(&c, r));
        }
        else {
            emu_log_error(LOG "Failed to get ECS Metadata from %s: HTTP %ld", url,
                          c.http_status);
        }
        emu_buf_done(&c.body);
        return r < 0 ? r : EMU_EIO;
    }
    r = emu_router_init_meta_parse(c.body.data ? c.body.data : "", c.body.len, &st->arena, meta,
                                   why, sizeof(why));
    emu_buf_done(&c.body);
    if (r < 0) {
        emu_log_error(LOG "Failed to read ECS Metadata from %s: %s", url, why);
        return r;
    }
    *have = 1;
    return 0;
}

/* A signed S3 GET with the container's credentials (fetched once). */
static int s3_get(struct init_state *st, const char *region, const char *path, const char *query,
                  struct call *c)
{
    if (!st->prov) {
        struct emu_aws_provider_config pc = {.envp = (const char *const *)environ,
                                             .region = st->s3_region};
        int r = emu_aws_provider_new(&st->loop, st->http, &pc, &st->prov);
        if (r < 0) {
            return r;
        }
    }
    struct call cc = {0};
    int r = wait_call(st, emu_aws_provider_get(st->prov, on_creds, &cc), &cc);
    if (r < 0) {
        snprintf(c->error, sizeof(c->error), "no AWS credentials: %s", emu_strerror(r));
        return r;
    }
    const char *ep = getenv("AWS_ENDPOINT_URL_S3");
    ep = ep && *ep ? ep : getenv("AWS_ENDPOINT_URL");
    if (!ep || !*ep) {
        ep = emu_arena_printf(&st->arena, "https://s3.%s.amazonaws.com", region);
    }
    struct emu_aws_call call = {.method = "GET", .endpoint = ep, .path = path, .query = query,
                                .service = "s3", .region = region, .timeout_ms = 30000};
    c->done = 0;
    return wait_call(st, ep ? emu_aws_request(st->http, &cc.creds, &call, on_http, c, NULL)
                            : -ENOMEM, c);
}

/* "404 NoSuchKey: The specified key does not exist." from a failed call. */
static const char *s3_error(struct init_state *st, const struct call *c, int r)
{
    char code[64] = "", msg[200] = "";
    if (r < 0) {
        return call_error(c, r);
    }
    (void)emu_aws_error_parse(c->body.data ? c->body.data : "", c->body.len, code, sizeof(code),
                              msg, sizeof(msg));
    return emu_arena_printf(&st->arena, "HTTP %ld %s%s%s", c->http_status, code,
                            msg[0] ? ": " : "", msg);
}

/* mkdir -p of the directory part of path. */
static int make_parent(const char *path, struct emu_arena *a)
{
    char *d = emu_arena_strdup(a, path);
    if (!d) {
        return EMU_ENOMEM;
    }
    for (char *p = d + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(d, 0700) < 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    return 0;
}

/* Downloads the object of var=arn into <dir>/fluent-bit-init-s3-files/<name>; returns its
 * path. GetBucketLocation first, then GetObject in the bucket's region, retried once. */
static int fetch_s3(struct init_state *st, const char *var, const char *arn, const char **ret)
{
    const char *bucket, *key;
    struct emu_buf path;
    char loc[64] = "";
    int r = emu_router_init_s3_arn(arn, &st->arena, &bucket, &key);
    if (r < 0) {
        emu_log_error(LOG "%s: could not parse arn: %s", var, arn);
        return r;
    }
    struct call c = {0};
    emu_buf_init(&c.body, 64u * 1024u);
    const char *bpath = emu_arena_printf(&st->arena, "/%s", bucket);
    r = s3_get(st, st->s3_region, bpath ? bpath : "/", "location", &c);
    if (r < 0 || c.http_status != 200) {
        emu_log_error(LOG "%s: cannot get bucket region of %s + %s: GetBucketLocation: %s", var,
                      bucket, key, s3_error(st, &c, r));
        emu_buf_done(&c.body);
        return r < 0 ? r : EMU_EAWS;
    }
    (void)emu_aws_xml_text(c.body.data ? c.body.data : "", c.body.len, "LocationConstraint",
                           loc, sizeof(loc));
    const char *region = emu_router_init_bucket_region(loc);
    emu_buf_init(&path, 8192);
    r = emu_buf_printf(&path, "/%s/", bucket);
    r = r ? r : emu_sigv4_uri_encode(key, strlen(key), 1, &path);
    for (int attempt = 0; r == 0 && attempt < 2; attempt++) {
        emu_buf_done(&c.body);
        emu_buf_init(&c.body, EMU_ROUTER_INIT_FILE_MAX);
        memset(c.error, 0, sizeof(c.error));
        int g = s3_get(st, region, path.data, NULL, &c);
        if (g == 0 && c.http_status == 200) {
            break;
        }
        if (attempt == 0) {
            emu_log_warn(LOG "%s: cannot download %s from s3 (%s), retrying...", var, arn,
                         s3_error(st, &c, g));
        }
        else {
            emu_log_error(LOG "%s: cannot download %s from s3: GetObject: %s", var, arn,
                          s3_error(st, &c, g));
            r = g < 0 ? g : EMU_EAWS;
        }
    }
    emu_buf_done(&path);
    const char *out = emu_arena_printf(&st->arena, "%s/" EMU_ROUTER_INIT_S3_SUBDIR "/%s",
                                       st->dir, emu_router_init_s3_name(key));
    r = r ? r : out ? make_parent(out, &st->arena) : EMU_ENOMEM;
    r = r ? r : emu_file_write_atomic(out, c.body.data ? c.body.data : "", c.body.len, 0600);
    if (r < 0 && out) {
        emu_log_error(LOG "%s: cannot write %s: %s", var, out, emu_strerror(r));
    }
    emu_buf_done(&c.body);
    *ret = out;
    return r;
}

/* fargate-emu sets AWS_ENDPOINT_URL_S3/_LOGS/_STS on a local run: AWS outputs of a file are
 * pointed at them as `run` does for the generated config (the diff is logged). Returns the
 * path to include: the file itself, or a patched copy next to the S3 downloads. */
static int localise(struct init_state *st, const char *var, const char *path, char **data,
                    size_t *len, const char **ret)
{
    struct emu_buf out;
    struct emu_local_patch p;
    *ret = path;
    if (!st->ep.s3 && !st->ep.logs && !st->ep.sts) {
        return 0;
    }
    emu_buf_init(&out, EMU_LOCAL_CONF_MAX * 2);
    int r = emu_local_patch_config(*data, *len, EMU_ROUTER_FLUENTBIT, &st->ep, &st->arena, &out,
                                   &p);
    if (r < 0 || p.n_changes == 0) {
        emu_buf_done(&out);
        return r;
    }
    struct emu_buf diff;
    emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 2);
    if (emu_local_diff(path, &p, &diff) == 0 && diff.data) {
        emu_log_info(LOG "%s: fargate-emu points the AWS outputs of %s at its endpoints:\n%s",
                     var, path, diff.data);
    }
    emu_buf_done(&diff);
    const char *dst = path;
    if (strncmp(path, st->dir, strlen(st->dir)) != 0) {
        dst = emu_arena_printf(&st->arena, "%s/fluent-bit-init-local/%s", st->dir,
                               emu_router_init_s3_name(path));
    }
    r = dst ? make_parent(dst, &st->arena) : EMU_ENOMEM;
    r = r ? r : emu_file_write_atomic(dst, out.data ? out.data : "", out.len, 0600);
    if (r == 0) {
        emu_free(*data);
        *len = out.len;
        *data = emu_buf_steal(&out);
        *ret = dst;
    }
    emu_buf_done(&out);
    return r;
}

/* Reads one file (downloaded or of the image) and adds it to the plan. */
static int process_file(struct init_state *st, const char *var, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_ROUTER_INIT_FILE_MAX, &data, &len);
    if (r < 0) {
        emu_log_error(LOG "%s: cannot open file %s: %s", var, path, emu_strerror(r));
        return r;
    }
    const char *use = path;
    r = localise(st, var, path, &data, &len, &use);
    r = r ? r : emu_router_init_plan_add(&st->plan, &st->arena, use, data, len);
    if (r == 0) {
        emu_log_info(LOG "%s: %s %s", var,
                     emu_router_init_is_parser(data, len) ? "parser file, -R" : "@INCLUDE",
                     use);
    }
    emu_free(data);
    return r;
}

/* Every aws_fluent_bit_init_* variable, in the order of the process environment. */
static int collect(struct init_state *st)
{
    int r = 0;
    for (char **e = environ; r == 0 && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) {
            continue;
        }
        unsigned k = emu_router_init_var_kind(*e, (size_t)(eq - *e));
        const char *var = k ? emu_arena_strndup(&st->arena, *e, (size_t)(eq - *e)) : NULL;
        if (k && !var) {
            return EMU_ENOMEM;
        }
        if (k & EMU_ROUTER_INIT_S3) {
            const char *path = NULL;
            r = fetch_s3(st, var, eq + 1, &path);
            r = r ? r : process_file(st, var, path);
        }
        if (r == 0 && (k & EMU_ROUTER_INIT_FILE)) {
            r = process_file(st, var, eq + 1);
        }
    }
    return r;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

int main(int argc, char **argv)
{
    struct init_state st;
    struct emu_router_init_meta meta;
    const char *names[EMU_ROUTER_INIT_MAX_EXPORTS], *values[EMU_ROUTER_INIT_MAX_EXPORTS];
    int have = 0;
    memset(&st, 0, sizeof(st));
    emu_log_set_program("emu-router-init");
    emu_arena_init(&st.arena, 64u * 1024u * 1024u);
    /* Test hooks: where the init files go, which config is included first, which router. */
    st.dir = getenv("EMU_ROUTER_INIT_DIR");
    if (!st.dir) {
        st.dir = access(EMU_ROUTER_INIT_DIR, W_OK) == 0 ? EMU_ROUTER_INIT_DIR
                                                         : EMU_ROUTER_INIT_FALLBACK_DIR;
    }
    const char *base = env_or("EMU_ROUTER_INIT_BASE_CONFIG", EMU_ROUTER_INIT_BASE_CONFIG);
    const char *router = env_or("EMU_ROUTER_INIT_EXEC", EMU_ROUTER_INIT_ROUTER);
    st.ep.s3 = getenv("AWS_ENDPOINT_URL_S3");
    st.ep.logs = getenv("AWS_ENDPOINT_URL_LOGS");
    st.ep.sts = getenv("AWS_ENDPOINT_URL_STS");
    emu_router_init_plan_init(&st.plan, base);
    int r = emu_http_global_init();
    r = r ? r : uv_loop_init(&st.loop);
    r = r ? r : emu_http_new(&st.loop, &st.http);
    r = r ? r : read_metadata(&st, &meta, &have);
    size_t n = r ? 0 : emu_router_init_exports(have ? &meta : NULL, names, values);
    for (size_t i = 0; i < n && r == 0; i++) {
        r = setenv(names[i], values[i], 1) < 0 ? -errno : 0;
    }
    st.s3_region = have && meta.region[0] ? meta.region : "us-east-1";
    const char *main_conf = emu_arena_printf(&st.arena, "%s/" EMU_ROUTER_INIT_MAIN_NAME, st.dir);
    r = r ? r : main_conf ? make_parent(main_conf, &st.arena) : EMU_ENOMEM;
    r = r ? r : collect(&st);
    if (r == 0 && (r = emu_file_write_atomic(main_conf, st.plan.main_conf.data,
                                             st.plan.main_conf.len, 0644)) < 0) {
        emu_log_error(LOG "cannot write the main config file %s: %s", main_conf,
                      emu_strerror(r));
    }
    emu_aws_provider_free(st.prov);
    emu_http_close(st.http, NULL, NULL);
    (void)uv_run(&st.loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&st.loop);
    if (r < 0) {
        emu_log_error(LOG "not starting Fluent Bit: %s", emu_strerror(r));
        emu_router_init_plan_done(&st.plan);
        emu_arena_done(&st.arena);
        return 1;
    }
    /* router -c main [-R parser]... [the init's own arguments, e.g. -D] */
    const char *args[MAX_ARGS];
    size_t na = 0;
    args[na++] = router;
    args[na++] = "-c";
    args[na++] = main_conf;
    for (size_t i = 0; i < st.plan.n_parsers && na + 2 < MAX_ARGS - 64; i++) {
        args[na++] = "-R";
        args[na++] = st.plan.parsers[i];
    }
    for (int i = 1; i < argc && na + 1 < MAX_ARGS; i++) {
        args[na++] = argv[i];
    }
    args[na] = NULL;
    struct emu_buf cmd;
    emu_buf_init(&cmd, 256u * 1024u);
    for (size_t i = 0; i < na; i++) {
        (void)emu_buf_printf(&cmd, "%s%s", i ? " " : "", args[i]);
    }
    emu_log_info(LOG "Command is -> %s", cmd.data ? cmd.data : router);
    emu_buf_done(&cmd);
    fflush(NULL);
    /* execv's prototype takes char *const[]; it does not modify the strings. */
    char *xargs[MAX_ARGS];
    for (size_t i = 0; i <= na; i++) {
        union {
            const char *c;
            char *m;
        } u = {.c = args[i]};
        xargs[i] = u.m;
    }
    execv(router, xargs);
    emu_log_error(LOG "cannot start %s: %s", router, strerror(errno));
    return 1;
}
