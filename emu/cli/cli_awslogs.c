/* SPDX-License-Identifier: Apache-2.0 */
/* awslogs for a local run: each container with logDriver awslogs keeps Docker's default log
 * driver and the supervisor follows its output through the Engine API logs stream (so the
 * daemon needs no AWS credentials), joins lines as the driver would (datetime-format /
 * multiline-pattern) and writes the events into the CloudWatch Logs shim under the group and
 * stream awslogs uses, batching as the driver does (every 5 s, or 10,000 events / 1 MiB). */
#include <errno.h>
#include <oniguruma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_run.h"
#include "emu/model/awslogs.h"
#include "shims/cloudwatch_logs/cwl.h"

#define FLUSH_MS 5000u
#define BATCH_EVENTS 10000u
#define BATCH_BYTES (1024u * 1024u)
#define EVENT_OVERHEAD 26u

/* A line's place in the container's output: the same-th line Docker stamped ns. */
struct pos {
    int64_t ns;
    uint64_t same;
};

struct pending {
    int64_t ts;
    size_t seq; /* arrival order, so equal timestamps keep it */
    char *msg;
    size_t len;
    struct pos last; /* the event's last line */
};

struct awslog_ctr {
    struct emu_cli_awslogs *owner;
    size_t idx; /* in the task state */
    struct emu_awslogs_opts o;
    char stream[600];
    struct emu_awslogs_joiner j;
    OnigRegex re; /* the event start pattern, NULL = none */
    bool following;
    bool ended;
    bool feeding;    /* inside the joiner's feed of the line at cur */
    struct pos cur;  /* the line being fed */
    struct pos fed;  /* the last line fed whole */
    struct pos sent; /* the last line of the last event delivered (kept for resume) */
    struct pos skip_at; /* resume: lines at skip_at.ns still to skip (skip_at.same of them) */
    int64_t from_ns;    /* resume: follow from this Docker timestamp on, 0 = from the start */
    struct pending ev[BATCH_EVENTS];
    size_t n_ev;
    size_t bytes;
    unsigned long long events, rejected;
};

struct emu_cli_awslogs {
    struct emu_cli_endpoints *e;
    struct awslog_ctr *ctrs[EMU_TASK_MAX_CONTAINERS];
    size_t n;
    uv_timer_t timer;
    bool timer_on;
};

static int cmp_ts(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;
    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void put(struct awslog_ctr *c)
{
    if (c->n_ev == 0) {
        return;
    }
    struct pos last = c->ev[c->n_ev - 1].last; /* arrival order: the furthest line */
    /* PutLogEvents wants chronological order; Docker's driver sorts each batch too. */
    qsort(c->ev, c->n_ev, sizeof(c->ev[0]), cmp_ts);
    struct shim_cwl_event *in = emu_calloc(c->n_ev, sizeof(*in));
    size_t rejected = 0;
    int r = in ? 0 : -ENOMEM;
    for (size_t i = 0; r == 0 && i < c->n_ev; i++) {
        in[i] = (struct shim_cwl_event){c->ev[i].ts, c->ev[i].msg, c->ev[i].len};
    }
    r = r ? r : shim_cwl_put(c->owner->e->cwl, c->o.group, c->stream, in, c->n_ev, &rejected);
    if (r < 0) {
        emu_log_warn("awslogs %s/%s: %zu events lost: %s", c->o.group, c->stream, c->n_ev,
                     emu_strerror(r));
    }
    c->rejected += r < 0 ? c->n_ev : rejected;
    for (size_t i = 0; i < c->n_ev; i++) {
        emu_free(c->ev[i].msg);
    }
    emu_free(in);
    c->n_ev = 0;
    c->bytes = 0;
    /* Delivered (or refused for good): a resumed supervisor starts after it. Saved at once;
     * puts come at most every 10,000 events, 1 MiB or 5 s per container. */
    if (last.ns > 0 && (last.ns != c->sent.ns || last.same != c->sent.same)) {
        c->sent = last;
        if (c->owner && c->owner->e->on_progress) {
            c->owner->e->on_progress(c->owner->e);
        }
    }
}

static void emit(void *ud, int64_t ts, const char *msg, size_t len)
{
    struct awslog_ctr *c = ud;
    if (len == 0) {
        return; /* Docker's awslogs skips empty messages */
    }
    if (c->n_ev == BATCH_EVENTS || c->bytes + len + EVENT_OVERHEAD > BATCH_BYTES) {
        put(c);
    }
    char *copy = emu_malloc(len);
    if (!copy) {
        return;
    }
    memcpy(copy, msg, len);
    /* Without a start pattern the event is the line being fed; with one, feeding a start
     * line emits the event before it, and a flush emits what was fed. */
    struct pos last = c->feeding && !c->re ? c->cur : c->fed;
    c->ev[c->n_ev] = (struct pending){ts, c->n_ev, copy, len, last};
    c->n_ev++;
    c->bytes += len + EVENT_OVERHEAD;
    c->events++;
}

/* Docker's RFC 3339 timestamp ("2026-11-24T14:04:16.153456789Z") in Unix ns; 0 when it has
 * another shape. */
static int64_t docker_ns(const char *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int used = 0;
    if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 19) {
        return 0;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const char *p = t + used;
    time_t secs = timegm(&tm);
    if (secs <= 0 || secs > 9000000000LL) {
        return 0;
    }
    int64_t frac = 0;
    int digits = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (digits < 9) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
        }
    }
    while (digits++ < 9) {
        frac *= 10;
    }
    return (int64_t)secs * 1000000000LL + frac;
}

static void on_line(int stream, const char *timestamp, const char *line, size_t len, void *ud)
{
    struct awslog_ctr *c = ud;
    (void)stream;
    int64_t ns = docker_ns(timestamp);
    if (c->skip_at.same > 0) {
        /* Resumed from since=skip_at.ns (inclusive): its first lines were delivered. */
        if (ns == c->skip_at.ns) {
            c->skip_at.same--;
            return;
        }
        c->skip_at.same = 0;
    }
    c->cur = (struct pos){ns, ns == c->fed.ns ? c->fed.same + 1 : 1};
    c->feeding = true;
    (void)emu_awslogs_joiner_feed(&c->j, ns > 0 ? ns / 1000000 : (int64_t)time(NULL) * 1000,
                                  line, len);
    c->feeding = false;
    c->fed = ns > 0 ? c->cur : c->fed;
}

static void on_logs_end(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct awslog_ctr *c = ud;
    (void)status;
    (void)rep;
    c->ended = true;
    if (c->owner) {
        emu_awslogs_joiner_flush(&c->j);
        put(c);
    }
}

static void on_tick(uv_timer_t *t)
{
    struct emu_cli_awslogs *a = t->data;
    for (size_t i = 0; i < a->n; i++) {
        emu_awslogs_joiner_flush(&a->ctrs[i]->j);
        put(a->ctrs[i]);
    }
}

static bool match(void *ud, const char *line, size_t len)
{
    struct awslog_ctr *c = ud;
    const UChar *s = (const UChar *)line, *end = s + len;
    return onig_search(c->re, s, end, s, end, NULL, ONIG_OPTION_NONE) >= 0;
}

/* Compiles the start pattern as Go's regexp would (Perl syntax is the closest Oniguruma has). */
static int compile(struct awslog_ctr *c)
{
    struct emu_buf pat;
    emu_buf_init(&pat, 64 * 1024);
    int r = emu_awslogs_start_regex(&c->o, &pat);
    if (r == 0 && pat.len > 0) {
        OnigErrorInfo einfo;
        const UChar *p = (const UChar *)pat.data;
        r = onig_new(&c->re, p, p + pat.len, ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                     ONIG_SYNTAX_PERL, &einfo) == ONIG_NORMAL ? 0 : -EINVAL;
    }
    emu_buf_done(&pat);
    emu_awslogs_joiner_init(&c->j, c->re ? match : NULL, c, emit, c);
    return r;
}

static const char *MISSING_GROUP =
    "ResourceInitializationError: failed to validate logger args: create stream has been "
    "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The "
    "specified log group does not exist. : exit status 1";

/* With --enforce-iam and the execution role's policies: the calls Docker's awslogs driver
 * makes with the execution role at container start (CreateLogGroup when asked, then
 * CreateLogStream), refused the way ECS reports it. Returns 0 or -EACCES with why set. */
static int exec_role_check(const struct run_job *job, const struct awslog_ctr *c, char *why,
                           size_t why_len)
{
    if (!job->exec_iam_on) {
        return 0;
    }
    const char *acct = strncmp(job->st.arn, "arn:aws:ecs:", 12) == 0
                           ? strchr(job->st.arn + 12, ':') : NULL;
    int acct_len = acct ? (int)strcspn(acct + 1, ":") : 0;
    const char *exec_role = job->td->execution_role_arn ? job->td->execution_role_arn : "";
    const char *role_name = strrchr(exec_role, '/');
    char group_arn[800], stream_arn[1500];
    (void)snprintf(group_arn, sizeof(group_arn), "arn:aws:logs:%s:%.*s:log-group:%s:*",
                   job->st.region, acct_len, acct ? acct + 1 : "", c->o.group);
    (void)snprintf(stream_arn, sizeof(stream_arn), "arn:aws:logs:%s:%.*s:log-group:%s:log-stream:%s",
                   job->st.region, acct_len, acct ? acct + 1 : "", c->o.group,
                   c->stream[0] ? c->stream : "*");
    const struct {
        bool asked;
        const char *action, *resource, *what;
    } calls[] = {
        {c->o.create_group, "logs:CreateLogGroup", group_arn, "log group"},
        {true, "logs:CreateLogStream", stream_arn, "log stream"},
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        if (!calls[i].asked) {
            continue;
        }
        enum emu_iam_decision d = emu_cli_iam_decide(&job->exec_iam, calls[i].action,
                                                     calls[i].resource);
        if (d == EMU_IAM_ALLOW) {
            continue;
        }
        char because[160];
        if (d == EMU_IAM_EXPLICIT_DENY) {
            (void)snprintf(because, sizeof(because),
                           "with an explicit deny in an identity-based policy");
        }
        else {
            (void)snprintf(because, sizeof(because),
                           "because no identity-based policy allows the %s action",
                           calls[i].action);
        }
        (void)snprintf(why, why_len,
                       "ResourceInitializationError: failed to validate logger args: create "
                       "stream has been retried 1 times: failed to create Cloudwatch %s: "
                       "AccessDeniedException: User: arn:aws:sts::%.*s:assumed-role/%s/%s is "
                       "not authorized to perform: %s on resource: %s %s : exit status 1",
                       calls[i].what, acct_len, acct ? acct + 1 : "",
                       role_name ? role_name + 1 : "execution-role", job->st.id,
                       calls[i].action, calls[i].resource, because);
        return -EACCES;
    }
    return 0;
}

int emu_cli_awslogs_start(struct emu_cli_endpoints *e, uv_loop_t *loop, char *why,
                          size_t why_len)
{
    const struct run_job *job = e->job;
    struct emu_cli_awslogs *a = emu_calloc(1, sizeof(*a));
    if (!a) {
        return -ENOMEM;
    }
    a->e = e;
    e->awslogs = a;
    for (size_t i = 0; i < job->st.n_containers; i++) {
        const struct emu_container_def *def = job->plan.containers[i].def;
        const struct emu_log_config *lc = &def->log_configuration;
        if (!lc->present || !lc->log_driver || strcmp(lc->log_driver, "awslogs") != 0) {
            continue;
        }
        struct awslog_ctr *c = emu_calloc(1, sizeof(*c));
        if (!c) {
            return -ENOMEM;
        }
        a->ctrs[a->n++] = c;
        c->owner = a;
        c->idx = i;
        char reason[512] = "";
        int r = emu_awslogs_parse(&lc->options, &c->o, reason, sizeof(reason));
        r = r ? r : compile(c);
        if (r < 0) {
            (void)snprintf(why, why_len, "ResourceInitializationError: failed to validate "
                                         "logger args: %s", reason[0] ? reason :
                                         "invalid awslogs-multiline-pattern");
            return r;
        }
        r = emu_awslogs_stream(&c->o, def->name, job->st.id, "", c->stream, sizeof(c->stream));
        if (r == 0 && (r = exec_role_check(job, c, why, why_len)) < 0) {
            return r;
        }
        if (r == 0 && c->stream[0]) {
            r = shim_cwl_prepare(e->cwl, c->o.group, c->o.create_group, c->stream);
        }
        if (r < 0) {
            (void)snprintf(why, why_len, "%s", r == -ENOENT ? MISSING_GROUP
                                                            : "ResourceInitializationError: "
                                                              "failed to validate logger "
                                                              "args: invalid log group or "
                                                              "stream name");
            return r;
        }
        const struct emu_cli_awslogs_pos *at = emu_cli_resume_state_awslogs(job->resumed,
                                                                            def->name);
        if (at && at->ns > 0) {
            c->sent = c->fed = c->skip_at = (struct pos){at->ns, at->same};
            c->from_ns = at->ns;
        }
        fprintf(stderr, "fargate-emu: awslogs: %s -> cloudwatch://%s/%s%s\n", def->name,
                c->o.group, c->stream[0] ? c->stream : "<container ID>",
                c->o.non_blocking ? " (mode non-blocking: nothing is dropped locally)" : "");
    }
    if (a->n > 0) {
        (void)uv_timer_init(loop, &a->timer);
        a->timer.data = a;
        (void)uv_timer_start(&a->timer, on_tick, FLUSH_MS, FLUSH_MS);
        a->timer_on = true;
    }
    return 0;
}

void emu_cli_awslogs_task_changed(struct emu_cli_endpoints *e, struct emu_docker *d)
{
    struct emu_cli_awslogs *a = e->awslogs;
    for (size_t i = 0; a && i < a->n; i++) {
        struct awslog_ctr *c = a->ctrs[i];
        const struct emu_ctr_state *s = &e->job->st.containers[c->idx];
        if (c->following || !s->docker_id[0] || s->status < EMU_CTR_RUNNING) {
            continue;
        }
        if (!c->stream[0]) { /* no prefix: the stream is the container ID */
            (void)emu_awslogs_stream(&c->o, s->name, e->job->st.id, s->docker_id, c->stream,
                                     sizeof(c->stream));
            (void)shim_cwl_prepare(e->cwl, c->o.group, true, c->stream);
        }
        if (c->from_ns > 0) {
            /* Resumed: what the dead supervisor delivered is not sent again. */
            char since[40];
            (void)snprintf(since, sizeof(since), "%lld.%09lld",
                           (long long)(c->from_ns / 1000000000LL),
                           (long long)(c->from_ns % 1000000000LL));
            c->following = emu_docker_container_logs_from(d, s->docker_id, since, true, on_line,
                                                          c, on_logs_end, c, NULL) == 0;
            continue;
        }
        c->following = emu_docker_container_logs(d, s->docker_id, true, on_line, c, on_logs_end,
                                                 c) == 0;
    }
}

size_t emu_cli_awslogs_positions(const struct emu_cli_endpoints *e,
                                 struct emu_cli_awslogs_pos *out, size_t max)
{
    const struct emu_cli_awslogs *a = e->awslogs;
    size_t n = 0;
    for (size_t i = 0; a && i < a->n && n < max; i++) {
        const struct awslog_ctr *c = a->ctrs[i];
        if (c->sent.ns <= 0) {
            continue;
        }
        (void)snprintf(out[n].container, sizeof(out[n].container), "%s",
                       e->job->st.containers[c->idx].name);
        out[n].ns = c->sent.ns;
        out[n].same = c->sent.same;
        n++;
    }
    return n;
}

static void free_awslogs(uv_handle_t *h)
{
    emu_free(h->data);
}

void emu_cli_awslogs_stop(struct emu_cli_endpoints *e)
{
    struct emu_cli_awslogs *a = e->awslogs;
    if (!a) {
        return;
    }
    /* A stream still open ends with its container; give it up to 3 s to deliver the tail. */
    for (int tries = 0; a->timer_on && tries < 300; tries++) {
        bool open = false;
        for (size_t i = 0; i < a->n; i++) {
            open = open || (a->ctrs[i]->following && !a->ctrs[i]->ended);
        }
        if (!open) {
            break;
        }
        (void)uv_run(a->timer.loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 10 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < a->n; i++) {
        struct awslog_ctr *c = a->ctrs[i];
        emu_awslogs_joiner_flush(&c->j);
        put(c);
        if (c->rejected) {
            fprintf(stderr, "fargate-emu: awslogs: %s/%s: %llu of %llu events refused\n",
                    c->o.group, c->stream, c->rejected, c->events);
        }
        emu_awslogs_joiner_done(&c->j);
        if (c->re) {
            onig_free(c->re);
            c->re = NULL;
        }
        if (c->following && !c->ended) {
            c->owner = NULL; /* the stream's end still references it: left to process exit */
            continue;
        }
        emu_free(c);
    }
    e->awslogs = NULL;
    if (a->timer_on) {
        a->timer.data = a;
        uv_close((uv_handle_t *)&a->timer, free_awslogs);
    }
    else {
        emu_free(a);
    }
}
