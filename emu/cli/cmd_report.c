/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu report [TASK | --last]`: what a task's containers wrote, what its FireLens
 * destinations received and how late, and the monthly cost of CloudWatch Logs against the S3
 * path at the measured rate for N tasks; as text, --json or a self-contained --html page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"
#include "emu/report/report.h"

#define REPORT_OUT_MAX (256u * 1024u * 1024u)

struct report_opts {
    bool last;
    const char *html;
    const char *tasks;
    const char *prices;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct report_opts, field)

static const struct emu_cli_option report_options[] = {
    {"last", NULL, OPT(last), NULL, "report on the newest task of the data dir", EMU_OPT_SCALAR},
    {"html", "FILE", OPT(html), NULL,
     "also write the report as one self-contained HTML page with charts", EMU_OPT_SCALAR},
    {"tasks", "N", OPT(tasks), NULL,
     "project the monthly cost for N tasks like this one (default 1)", EMU_OPT_SCALAR},
    {"prices", "FILE", OPT(prices), NULL,
     "price table to use instead of the shipped prices/aws-prices.json", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

/* The task whose state file has the newest createdAt (ps order: oldest first). */
static int newest_task(const char *data_dir, char id[33])
{
    char (*ids)[33] = NULL;
    size_t n = 0;
    int r = emu_store_list(data_dir, &ids, &n);
    if (r == 0 && n == 0) {
        r = EMU_ENOENT;
    }
    if (r == 0) {
        memcpy(id, ids[n - 1], 33);
    }
    emu_free(ids);
    return r;
}

struct docker_logs {
    struct emu_report_container *c;
    bool done;
    int status;
};

static void on_docker_line(int stream, const char *ts, const char *line, size_t len, void *ud)
{
    struct docker_logs *l = ud;
    (void)line;
    emu_report_container_line(l->c, emu_report_parse_time(ts, strlen(ts)), stream == 2, len);
}

static void on_docker_logs(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct docker_logs *l = ud;
    (void)rep;
    l->status = status;
    l->done = true;
}

/* Containers without an output file: their Docker logs while the containers still exist. */
static void docker_fallback(const struct emu_cli_global *g, const struct emu_task_state *st,
                            struct emu_report *r)
{
    bool want = false;
    for (size_t i = 0; i < r->n_containers; i++) {
        want = want || (r->containers[i].source == EMU_REPORT_SRC_NONE &&
                        r->containers[i].docker_id[0]);
    }
    if (!want || st->status == EMU_TASK_STOPPED) {
        return; /* a stopped task's containers are removed */
    }
    struct emu_cli_docker d = {0};
    if (emu_cli_docker_open(g, "report", &d) < 0) {
        return;
    }
    for (size_t i = 0; i < r->n_containers; i++) {
        struct emu_report_container *c = &r->containers[i];
        if (c->source != EMU_REPORT_SRC_NONE || !c->docker_id[0]) {
            continue;
        }
        struct emu_report_container saved = *c;
        struct docker_logs l = {.c = c};
        int rv = emu_docker_container_logs(d.docker, c->docker_id, false, on_docker_line, &l,
                                           on_docker_logs, &l);
        while (rv == 0 && !l.done) {
            (void)uv_run(&d.loop.loop, UV_RUN_ONCE);
        }
        if (rv == 0 && l.status == 0) {
            c->source = EMU_REPORT_SRC_DOCKER_LOGS;
        }
        else { /* gone meanwhile: not recorded, and what was counted is dropped */
            emu_report_series_done(&c->series);
            saved.series = c->series;
            *c = saved;
        }
    }
    emu_cli_docker_close(&d);
}

static int load_prices(const struct report_opts *o, struct emu_report_prices *p)
{
    char why[768];
    char *data = NULL;
    size_t len = 0;
    int rv;
    if (o->prices) {
        rv = emu_file_read(o->prices, EMU_REPORT_PRICES_MAX, &data, &len);
        if (rv < 0) {
            fprintf(stderr, "fargate-emu report: --prices %s: %s\n", o->prices, emu_strerror(rv));
            return rv;
        }
        rv = emu_report_prices_parse(data, len, o->prices, p, why, sizeof(why));
        emu_free(data);
    }
    else {
        rv = emu_report_prices_parse((const char *)emu_report_default_prices,
                                     emu_report_default_prices_len, "prices/aws-prices.json", p,
                                     why, sizeof(why));
    }
    if (rv < 0) {
        fprintf(stderr, "fargate-emu report: %s\n", why);
    }
    return rv;
}

static int parse_tasks(const char *s, unsigned long *ret)
{
    char *end = NULL;
    unsigned long v = s ? strtoul(s, &end, 10) : 1;
    if (s && (!*s || *end || s[0] == '-' || v < 1 || v > 1000000)) {
        fprintf(stderr, "fargate-emu report: --tasks %s: expected a whole number from 1 to "
                        "1000000\n", s);
        return EMU_EUSAGE;
    }
    *ret = v;
    return 0;
}

static int write_out(const struct emu_report_view *v, bool json, const char *html)
{
    struct emu_buf out;
    emu_buf_init(&out, REPORT_OUT_MAX);
    int rv = json ? emu_report_write_json(v, &out) : emu_report_write_text(v, &out);
    if (rv == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    if (rv == 0 && html) {
        out.len = 0;
        rv = emu_report_write_html(v, &out);
        rv = rv ? rv : emu_file_write_atomic(html, out.data, out.len, 0644);
        if (rv < 0) {
            fprintf(stderr, "fargate-emu report: cannot write %s: %s\n", html, emu_strerror(rv));
        }
    }
    else if (rv < 0) {
        fprintf(stderr, "fargate-emu report: %s\n", emu_strerror(rv));
    }
    emu_buf_done(&out);
    return rv;
}

static int exec_report(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct report_opts *o = optsp;
    if ((argc == 1) == o->last || argc > 1) {
        fprintf(stderr, "fargate-emu report: give one TASK or --last (usage: fargate-emu report "
                        "%s)\n", emu_cmd_report.usage);
        return EMU_EXIT_USAGE;
    }
    unsigned long tasks = 1;
    char data_dir[EMU_CLI_PATH_MAX], id[33];
    if (parse_tasks(o->tasks, &tasks) < 0 || emu_cli_data_dir(g, "report", data_dir,
                                                              sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct emu_report_prices *prices = emu_calloc(1, sizeof(*prices));
    struct emu_report *r = emu_calloc(1, sizeof(*r));
    struct emu_task_state st;
    memset(&st, 0, sizeof(st));
    int code = prices && r ? EMU_EXIT_OK : EMU_EXIT_FAILURE;
    if (code == 0 && load_prices(o, prices) < 0) {
        code = EMU_EXIT_USAGE;
    }
    if (code == 0 && o->last && newest_task(data_dir, id) < 0) {
        fprintf(stderr, "fargate-emu report: --last: no task in %s/tasks\n", data_dir);
        code = EMU_EXIT_USAGE;
    }
    int lr = code == 0 ? emu_cli_task_load(data_dir, "report", o->last ? id : argv[0], &st) : 0;
    code = lr < 0 ? emu_cli_task_load_exit(lr) : code;
    const char *names[EMU_TASK_MAX_CONTAINERS], *dids[EMU_TASK_MAX_CONTAINERS];
    for (size_t i = 0; code == 0 && i < st.n_containers; i++) {
        names[i] = st.containers[i].name;
        dids[i] = st.containers[i].docker_id;
    }
    struct emu_report_task t = {
        .id = st.id, .arn = st.arn, .family = st.family,
        .status = emu_task_status_to_string(st.status), .region = st.region,
        .revision = st.revision, .created_ms = st.created_ms, .started_ms = st.started_ms,
        .stopping_ms = st.stopping_ms, .stopped_ms = st.stopped_ms, .now_ms = emu_now_ms(),
        .containers = names, .docker_ids = dids, .n_containers = st.n_containers};
    if (code == 0 && emu_report_collect(data_dir, &t, r) < 0) {
        fprintf(stderr, "fargate-emu report: out of memory\n");
        code = EMU_EXIT_FAILURE;
    }
    if (code == 0) {
        docker_fallback(g, &st, r);
        emu_report_finish(r);
        const char *region = g->region ? g->region : st.region[0] ? st.region : "us-east-1";
        struct emu_report_view v;
        emu_report_view_init(&v, r, data_dir, emu_report_prices_find(prices, region),
                             o->prices ? o->prices : "prices/aws-prices.json", region, tasks);
        code = write_out(&v, g->json, o->html) < 0 ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
    }
    if (r) {
        emu_report_done(r);
    }
    emu_free(r);
    emu_free(prices);
    if (lr == 0 && st.containers) {
        emu_task_state_done(&st);
    }
    return code;
}

static const struct emu_cli_exit report_exits[] = {
    {EMU_EXIT_OK, "reported (figures that were not recorded are said so)"},
    {EMU_EXIT_FAILURE, "the report could not be written (out of memory, --html FILE unwritable)"},
    {EMU_EXIT_USAGE, "usage error, no such task, no task for --last, or a bad --prices file"},
    {0, NULL},
};

static const struct emu_cli_example report_examples[] = {
    {"fargate-emu report --last", "Report on the newest task: lines written, records delivered, "
                                  "latency percentiles and the monthly cost for one task."},
    {"fargate-emu report --last --tasks 200 --html report.html",
     "Project the cost for 200 such tasks and write the charts to report.html."},
    {"fargate-emu report 0123abcd --json --region eu-west-1 --prices my-prices.json",
     "The same as JSON, priced with your own table."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_report = {
    .name = "report",
    .summary = "Measure a task's log pipeline and project CloudWatch Logs against S3 cost.",
    .usage = "[TASK | --last] [--json | --html FILE] [--tasks N] [--prices FILE] [--region R] "
             "[--data-dir DIR]",
    .description =
        "From the run's own records: per container, the lines and bytes it wrote (the "
        "runtime's <data-dir>/tasks/<id>.out/<container>.log copy, else Docker's logs while the "
        "container exists, else `not recorded`); per destination named in the task's router "
        "config (s3, cloudwatch_logs, cloudwatch outputs), the records and bytes that reached "
        "the local S3 or CloudWatch Logs store, objects or batches, raw against stored size, "
        "and the delivery latency from each record's time to its arrival (p50, p90, p99, max)."
        "\n\nThen the monthly cost (730 hours) at the measured rate for --tasks N tasks: "
        "CloudWatch Logs ingestion plus one month of storage, against S3 PUT requests at the "
        "observed object rate plus storage, with the prices of --region (default: the task's "
        "region) from prices/aws-prices.json, which names the source and date of every figure; "
        "--prices FILE replaces the table. A region the table lacks gets volumes but no dollar "
        "figures.\n\n--html FILE also writes one self-contained page (inline SVG and CSS, no "
        "script): throughput over time, the latency distribution and the cost comparison. "
        "See docs/report.md.",
    .options = report_options,
    .exit_codes = report_exits,
    .examples = report_examples,
    .opts_size = sizeof(struct report_opts),
    .reads_taskdef = false,
    .exec = exec_report,
};
