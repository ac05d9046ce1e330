/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor side of `run`: one loop with the Docker client, the task runner, SIGINT
 * (graceful stop, then forced), SIGTERM (a `fargate-emu stop` request whose reason waits in
 * <id>.stop), the --timeout timer, the live view, and the endpoints served to the task. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/cli/cli_live.h"
#include "emu/cli/cli_run.h"
#include "shims/cloudwatch_logs/cwl.h"
#include "shims/ecs_metadata/md.h"
#include "shims/s3/s3.h"
#include "shims/sts/sts.h"

/* ---- the endpoints served to the task: the S3 shim on the task network's gateway (the
 * host as the task's containers reach it; loopback inside the task is the task itself) ---- */

static int endpoint_failed(const char *what, const char *gateway, int r, char *why,
                           size_t why_len)
{
    (void)snprintf(why, why_len, "ResourceInitializationError: cannot start the local %s "
                                 "endpoint on %s (the task network's gateway): %s", what,
                   gateway, emu_strerror(r));
    return r;
}

int emu_cli_endpoints_start(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *data_dir,
                            const char *gateway, const char *region,
                            struct emu_local_endpoints *ep, char *why, size_t why_len)
{
    (void)snprintf(e->s3_root, sizeof(e->s3_root), "%s/s3", data_dir);
    (void)snprintf(e->logs_root, sizeof(e->logs_root), "%s/logs", data_dir);
    const struct emu_task_endpoints *re = e->reuse;
    struct shim_s3_config cfg = {
        .root = e->s3_root,
        .address = gateway,
        .port = re ? re->s3_port : 0,
        .max_store_bytes = e->job ? e->job->s3_max_bytes : 0,
        .region = region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
        .faults = e->faults,
    };
    int r = shim_s3_start(loop, &cfg, &e->s3);
    if (r < 0) {
        return endpoint_failed("S3", gateway, r, why, why_len);
    }
    struct shim_cwl_config cwlcfg = {
        .root = e->logs_root,
        .address = gateway,
        .port = re ? re->logs_port : 0,
        .region = region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
        .faults = e->faults,
    };
    r = shim_cwl_start(loop, &cwlcfg, &e->cwl);
    if (r < 0) {
        return endpoint_failed("CloudWatch Logs", gateway, r, why, why_len);
    }
    struct shim_sts_config stscfg = {
        .address = gateway,
        .port = re ? re->sts_port : 0,
        .region = region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
        .faults = e->faults,
    };
    r = shim_sts_start(loop, &stscfg, &e->sts);
    if (r < 0) {
        return endpoint_failed("STS", gateway, r, why, why_len);
    }
    (void)snprintf(e->s3_url, sizeof(e->s3_url), "http://%s:%u", gateway, shim_s3_port(e->s3));
    (void)snprintf(e->logs_url, sizeof(e->logs_url), "http://%s:%u", gateway,
                   shim_cwl_port(e->cwl));
    (void)snprintf(e->sts_url, sizeof(e->sts_url), "http://%s:%u", gateway,
                   shim_sts_port(e->sts));
    (void)snprintf(e->region, sizeof(e->region), "%s", region);
    (void)snprintf(e->gateway, sizeof(e->gateway), "%s", gateway);
    *ep = (struct emu_local_endpoints){
        .s3 = e->s3_url,
        .logs = e->logs_url,
        .sts = e->sts_url,
        .region = e->region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
    };
    r = e->job ? emu_cli_metadata_start(e, loop, gateway, ep, why, why_len) : 0;
    r = r == 0 && e->job ? emu_cli_awslogs_start(e, loop, why, why_len) : r;
    if (r == 0 && e->job) {
        emu_cli_resume_save_start(e, loop);
    }
    return r;
}

int emu_cli_endpoints_bucket(struct emu_cli_endpoints *e, const char *bucket, FILE *out)
{
    bool created = false;
    int r = e->s3 ? shim_s3_ensure_bucket(e->s3, bucket, &created) : -ENOTCONN;
    if (r < 0) {
        fprintf(out, "fargate-emu: cannot create bucket %s in the local S3: %s\n", bucket,
                emu_strerror(r));
    }
    else if (created) {
        fprintf(out, "fargate-emu: created bucket %s in the local S3 (%s/buckets/%s); on AWS it "
                     "must exist already\n", bucket, e->s3_root, bucket);
    }
    return r;
}

int emu_cli_endpoints_read(struct emu_cli_endpoints *e, const char *bucket, const char *key,
                           struct emu_buf *out, char *why, size_t why_len)
{
    int r = e->s3 ? shim_s3_read(e->s3, bucket, key, out) : -ENOTCONN;
    if (r < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: unable to download firelens "
                                     "s3 config file: s3://%s/%s from the local S3: %s", bucket,
                       key, r == -ENOENT ? "NoSuchKey (put it there first, e.g. aws s3 cp)"
                                         : emu_strerror(r));
    }
    return r;
}

void emu_cli_endpoints_stop(struct emu_cli_endpoints *e)
{
    emu_cli_awslogs_stop(e);
    emu_cli_resume_save_stop(e);
    emu_cli_metadata_stop(e);
    shim_s3_stop(e->s3);
    shim_cwl_stop(e->cwl);
    shim_sts_stop(e->sts);
    e->s3 = NULL;
    e->cwl = NULL;
    e->sts = NULL;
}

/* ---- the supervisor ---- */

struct supervisor {
    const struct run_opts *opts;
    struct run_job *job;
    struct emu_cli_docker d;
    struct emu_task_runner *runner;
    struct emu_cli_live live;
    bool show;
    uv_signal_t sigint, sigterm;
    uv_timer_t timeout;
    int signals;
    bool done;
    struct emu_cli_endpoints ep;
    struct emu_cli_faults faults;
    struct emu_task_endpoints saved; /* resume: where the dead supervisor served them */
};

static int on_network(const char *gateway, struct emu_local_endpoints *ep, char *why,
                      size_t why_len, void *ud)
{
    struct supervisor *s = ud;
    int r = emu_cli_endpoints_start(&s->ep, &s->d.loop.loop, s->job->data_dir, gateway,
                                    s->job->st.region, ep, why, why_len);
    if (r == 0 && s->ep.addr_added) {
        fprintf(stderr, "fargate-emu: task metadata endpoint %s on bridge %s%s%s\n",
                s->ep.md_url, s->ep.device, s->ep.cred_uri[0] ? ", task role credentials at " : "",
                s->ep.cred_uri);
    }
    if (r == 0) {
        struct emu_task_endpoints *te = &s->job->st.endpoints;
        (void)snprintf(te->gateway, sizeof(te->gateway), "%s", gateway);
        te->s3_port = shim_s3_port(s->ep.s3);
        te->logs_port = shim_cwl_port(s->ep.cwl);
        te->sts_port = shim_sts_port(s->ep.sts);
        te->metadata_port = s->ep.md && !s->ep.addr_added ? shim_md_port(s->ep.md) : 0;
        (void)snprintf(te->credentials_id, sizeof(te->credentials_id), "%s", s->ep.cred_id);
        te->s3_max_bytes = s->job->s3_max_bytes;
        te->client_timeout_ms = s->job->client_timeout_ms;
        te->max_connections = s->job->max_connections;
        fprintf(stderr, "fargate-emu: local endpoints for task %s on the task network's "
                        "gateway: S3 %s, CloudWatch Logs %s, STS %s\n", s->job->st.id,
                s->ep.s3_url, s->ep.logs_url, s->ep.sts_url);
    }
    return r;
}

static int ensure_bucket(const char *bucket, void *ud)
{
    struct supervisor *s = ud;
    return emu_cli_endpoints_bucket(&s->ep, bucket, stderr);
}

static int fetch_object(const char *bucket, const char *key, struct emu_buf *out, char *why,
                        size_t why_len, void *ud)
{
    struct supervisor *s = ud;
    return emu_cli_endpoints_read(&s->ep, bucket, key, out, why, why_len);
}

static void on_notice(const char *text, void *ud)
{
    (void)ud;
    fputs(text, stderr);
}

static void on_change(const struct emu_task_state *st, void *ud)
{
    struct supervisor *s = ud;
    emu_cli_metadata_task_changed(&s->ep, s->d.docker);
    emu_cli_awslogs_task_changed(&s->ep, s->d.docker);
    if (s->show) {
        emu_cli_live_update(&s->live, st);
    }
}

static void on_done(const struct emu_task_state *st, void *ud)
{
    struct supervisor *s = ud;
    (void)st;
    s->done = true;
}

/* The reason a `fargate-emu stop` left in <id>.stop, if any. */
static void stop_reason(struct supervisor *s, char *out, size_t n)
{
    struct emu_buf p;
    out[0] = '\0';
    if (emu_store_paths(s->job->data_dir, s->job->st.id, ".stop", &p) < 0) {
        return;
    }
    char *data = NULL;
    size_t len = 0;
    if (emu_file_read(p.data, EMU_REASON_MAX, &data, &len) == 0) {
        (void)snprintf(out, n, "%.*s", (int)strcspn(data, "\n"), data);
        emu_free(data);
    }
    emu_buf_done(&p);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct supervisor *s = h->data;
    char reason[EMU_REASON_MAX] = "";
    if (signum == SIGTERM) {
        stop_reason(s, reason, sizeof(reason));
    }
    bool force = ++s->signals > 1;
    if (s->show && !s->live.tty) {
        fprintf(stdout, "%s\n", force ? "stopping the task now (SIGKILL)"
                                      : "stopping the task (again to force)");
    }
    if (s->runner) {
        emu_task_runner_stop(s->runner, reason[0] ? reason : NULL, force);
    }
}

static void on_timeout(uv_timer_t *t)
{
    struct supervisor *s = t->data;
    char reason[128];
    (void)snprintf(reason, sizeof(reason), "Task stopped by fargate-emu after --timeout %ld s",
                   s->job->timeout_s);
    if (s->runner) {
        emu_task_runner_stop(s->runner, reason, false);
    }
}

/* resume: the endpoints again on the addresses the task's containers were given, then the
 * runner takes the running task over. */
static int adopt(struct supervisor *s, const struct emu_task_runner_opts *ro)
{
    struct emu_task_state *st = &s->job->st;
    s->saved = st->endpoints;
    s->ep.reuse = &s->saved;
    char why[EMU_REASON_MAX] = "";
    struct emu_local_endpoints lep;
    int r = s->saved.gateway[0] ? on_network(s->saved.gateway, &lep, why, sizeof(why), s) : 0;
    if (r < 0) {
        fprintf(stderr, "fargate-emu resume: task %s: %s (the task keeps running; free the "
                        "address and resume again, or stop it)\n", st->id, why);
        return r;
    }
    r = emu_task_runner_adopt(s->d.docker, s->job->td, &s->job->plan, st, ro, &s->runner);
    if (r < 0) {
        fprintf(stderr, "fargate-emu resume: task %s: cannot take it over: %s\n", st->id,
                emu_strerror(r));
        return r;
    }
    fprintf(stderr, "fargate-emu: resumed task %s (%s)\n", st->id,
            emu_task_status_to_string(st->status));
    return 0;
}

static int exit_code(const struct supervisor *s)
{
    const struct emu_task_state *st = &s->job->st;
    if (s->opts->wait) {
        return emu_cli_task_exit_code(st);
    }
    return st->started_ms ? EMU_EXIT_OK : EMU_EXIT_FAILURE;
}

int emu_cli_supervise(const struct emu_cli_global *g, const struct run_opts *opts,
                      struct run_job *job, bool live)
{
    struct supervisor s = {.opts = opts, .job = job, .show = live, .ep = {.job = job, .creds_duration_s = job->creds_duration_s}};
    /* A closed output pipe (`run ... | head`) must not kill the supervisor mid-task: that would
     * leave the containers and the task network behind. Writes then fail with EPIPE. */
    (void)signal(SIGPIPE, SIG_IGN);
    /* --client-timeout, --max-connections: for every endpoint this supervisor starts. */
    shim_http_set_limits(&(struct shim_http_limits){
        .max_connections = job->max_connections,
        .head_timeout_ms = job->client_timeout_ms,
        .body_timeout_ms = job->client_timeout_ms,
    });
    emu_cli_live_init(&s.live, stdout, live && isatty(STDOUT_FILENO));
    if (emu_cli_docker_open(g, "run", &s.d) < 0) {
        char why[EMU_REASON_MAX];
        (void)snprintf(why, sizeof(why), "ResourceInitializationError: cannot reach Docker");
        (void)emu_task_request_stop(&job->st, EMU_STOP_TASK_FAILED_TO_START,
                                    EMU_REASON_FAILED_TO_START, emu_now_ms());
        job->st.status = EMU_TASK_STOPPED;
        job->st.stopped_ms = emu_now_ms();
        (void)emu_store_save(job->data_dir, &job->st);
        return EMU_EXIT_FAILURE;
    }
    emu_cli_recover_all(&s.d, job->data_dir);
    uv_loop_t *loop = &s.d.loop.loop;
    (void)uv_signal_init(loop, &s.sigint);
    (void)uv_signal_init(loop, &s.sigterm);
    (void)uv_timer_init(loop, &s.timeout);
    s.sigint.data = s.sigterm.data = s.timeout.data = &s;
    (void)uv_signal_start(&s.sigint, on_signal, SIGINT);
    (void)uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    if (job->timeout_s > 0) {
        (void)uv_timer_start(&s.timeout, on_timeout, (uint64_t)job->timeout_s * 1000u, 0);
    }
    /* Fault injection: the specs were checked before detaching; the control socket is
     * <data-dir>/tasks/<id>.ctl, reached by `fargate-emu fault --task ID`. */
    int r = emu_cli_faults_init(&s.faults, "run", &opts->faults, (int64_t)uv_now(loop));
    r = r ? r : emu_cli_resume_restore_faults(job, s.faults.engine, loop);
    struct emu_buf ctl;
    if (r == 0 && emu_store_paths(job->data_dir, job->st.id, EMU_CLI_FAULT_TASK_SUFFIX,
                                  &ctl) == 0) {
        (void)unlink(ctl.data); /* left by a supervisor that was killed */
        (void)emu_cli_faults_serve_path(&s.faults, loop, ctl.data);
        emu_buf_done(&ctl);
    }
    s.ep.faults = s.faults.engine;
    struct emu_task_runner_opts ro = {
        .loop = loop,
        .data_dir = job->data_dir,
        .pause_image = opts->pause_image,
        .secrets = &job->secrets,
        .publish = job->publish,
        .n_publish = job->n_publish,
        .image_map = &job->image_map,
        .pull_policy = job->pull,
        .keep = opts->keep,
        .restart_period_s = job->restart_period_s,
        .render_ctx = &job->ctx,
        .router_storage_fs = job->router_storage_fs,
        .on_network = on_network,
        .fetch_object = fetch_object,
        .ensure_bucket = ensure_bucket,
        .on_notice = on_notice,
        .on_change = on_change,
        .on_done = on_done,
        .ud = &s,
    };
    if (r == 0) {
        r = job->adopt ? adopt(&s, &ro)
                       : emu_task_runner_start(s.d.docker, job->td, &job->plan, &job->st, &ro,
                                               &s.runner);
    }
    if (r < 0 && !job->adopt) {
        fprintf(stderr, "fargate-emu run: cannot start the task: %s\n", emu_strerror(r));
    }
    s.done = r < 0;
    while (!s.done) {
        (void)uv_run(loop, UV_RUN_ONCE);
    }
    uv_close((uv_handle_t *)&s.sigint, NULL);
    uv_close((uv_handle_t *)&s.sigterm, NULL);
    uv_close((uv_handle_t *)&s.timeout, NULL);
    s.runner = emu_task_runner_free(s.runner);
    emu_cli_endpoints_stop(&s.ep);
    if (s.faults.engine && opts->faults.specs.n + shim_faults_generation(s.faults.engine) > 0) {
        /* What was injected over the whole run, for the log and for scripts. */
        struct emu_buf fl;
        emu_buf_init(&fl, 1u << 20);
        if (shim_faults_list_json(s.faults.engine, (int64_t)uv_now(loop), &fl) == 0) {
            fprintf(stderr, "fargate-emu: faults of task %s: {%s}\n", job->st.id, fl.data);
        }
        emu_buf_done(&fl);
    }
    if (s.faults.ctl && emu_store_paths(job->data_dir, job->st.id, EMU_CLI_FAULT_TASK_SUFFIX,
                                        &ctl) == 0) {
        (void)unlink(ctl.data);
        emu_buf_done(&ctl);
    }
    emu_cli_faults_stop(&s.faults);
    emu_cli_docker_close(&s.d);
    emu_cli_faults_done(&s.faults);
    struct emu_buf stop_file;
    if (emu_store_paths(job->data_dir, job->st.id, ".stop", &stop_file) == 0) {
        (void)unlink(stop_file.data); /* the request was served */
        emu_buf_done(&stop_file);
    }
    if (live && !(job->adopt && r < 0)) {
        emu_cli_print_stopped(stderr, &job->st);
    }
    return r < 0 ? EMU_EXIT_FAILURE : exit_code(&s);
}

int emu_cli_await_running(struct run_job *job, bool json)
{
    int64_t begin = emu_now_ms();
    for (;;) {
        struct emu_task_state st;
        if (emu_store_load(job->data_dir, job->st.id, &st) == 0) {
            bool gone = st.supervisor_pid > 0 && !emu_store_supervisor_alive(&st);
            bool never = st.supervisor_pid <= 0 && emu_now_ms() - begin > 30000;
            if (st.status == EMU_TASK_RUNNING && st.supervisor_pid > 0 && !gone) {
                int r = 0;
                if (json) {
                    r = emu_cli_print_task_json(stdout, "run", &st, true);
                }
                else {
                    printf("%s\n", st.id);
                }
                emu_task_state_done(&st);
                return r < 0 ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
            }
            bool finished = st.status == EMU_TASK_STOPPED;
            if (finished || gone || never) {
                if (st.status == EMU_TASK_STOPPED) {
                    emu_cli_print_stopped(stderr, &st);
                }
                else {
                    fprintf(stderr, "fargate-emu run: the supervisor of task %s %s; see "
                                    "%s/tasks/%s.log\n", st.id,
                            gone ? "exited before the task ran" : "never started",
                            job->data_dir, st.id);
                }
                emu_task_state_done(&st);
                return EMU_EXIT_FAILURE;
            }
            emu_task_state_done(&st);
        }
        emu_cli_sleep_ms(10);
    }
}
