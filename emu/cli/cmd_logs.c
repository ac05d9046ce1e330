/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu logs`: what arrived at the local destinations. s3://BUCKET[/PREFIX] prints the
 * records of every object (gunzipped when gzip) as JSON lines, the object keys on stderr;
 * cloudwatch://GROUP[/STREAM] the events of the CloudWatch Logs store; --task ID [--container
 * NAME] finds a task's records in both. Exits 1 when nothing matched, so CI can assert. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_logs.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"
#include "shims/s3/s3.h"

#define OBJECT_MAX (512u * 1024u * 1024u)
#define SEEN_MAX 1000000u

struct logs_opts {
    bool follow;
    bool count;
    const char *task;
    const char *container;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct logs_opts, field)

static const struct emu_cli_option logs_options[] = {
    {"follow", NULL, OPT(follow), NULL, "keep printing new objects as they arrive (Ctrl-C ends)",
     EMU_OPT_SCALAR},
    {"count", NULL, OPT(count), NULL, "print only the number of matching records",
     EMU_OPT_SCALAR},
    {"task", "ID", OPT(task), NULL, "the records of this task (ID or ARN), wherever they went",
     EMU_OPT_SCALAR},
    {"container", "NAME", OPT(container), NULL, "with --task: only this container's records",
     EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

struct logs_job {
    const struct logs_opts *o;
    struct shim_s3_view *view;
    const char *bucket;
    char task_id[64];
    char container_name[400];
    unsigned long long matched;
    char **seen; /* keys printed already (--follow) */
    size_t n_seen;
    int error;
    bool json; /* --json */
};

/* Gunzips every member of a gzip stream (or copies plain bytes) into out. */
static int gunzip(const char *data, size_t len, struct emu_buf *out)
{
    if (len < 2 || (unsigned char)data[0] != 0x1f || (unsigned char)data[1] != 0x8b) {
        return emu_buf_append(out, data, len);
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    char buf[65536];
    int r = 0;
    while (r == 0) {
        z.next_out = (Bytef *)buf;
        z.avail_out = sizeof(buf);
        int zr = inflate(&z, Z_NO_FLUSH);
        r = emu_buf_append(out, buf, sizeof(buf) - z.avail_out);
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) {
                break;
            }
            (void)inflateReset(&z); /* the next member */
        }
        else if (zr != Z_OK) {
            r = -EBADMSG;
        }
    }
    inflateEnd(&z);
    return r;
}

/* Whether a record line belongs to the --task/--container selection. */
static bool wanted(struct logs_job *j, const char *line, size_t len)
{
    if (!j->task_id[0]) {
        return true;
    }
    cJSON *root = NULL;
    struct emu_json_error err;
    if (emu_json_parse(line, len, &root, &err) < 0) {
        return false;
    }
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(root, "ecs_task_arn");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "container_name");
    const char *n = cJSON_IsString(name) ? name->valuestring : "";
    bool ok;
    if (cJSON_IsString(arn)) {
        size_t al = strlen(arn->valuestring), il = strlen(j->task_id);
        ok = al > il && strcmp(arn->valuestring + al - il, j->task_id) == 0 &&
             arn->valuestring[al - il - 1] == '/';
    }
    else {
        char prefix[80]; /* records without metadata: the Docker name holds the task ID */
        (void)snprintf(prefix, sizeof(prefix), "/fe-%s-", j->task_id);
        ok = strncmp(n, prefix, strlen(prefix)) == 0;
    }
    ok = ok && (!j->container_name[0] || strcmp(n, j->container_name) == 0);
    cJSON_Delete(root);
    return ok;
}

/* CloudWatch events: a JSON record (FireLens) is selected as in S3; other messages (awslogs)
 * by the stream name awslogs gives them, <prefix>/<container>/<task ID>. */
static bool wanted_event(void *ud, const char *stream, const char *msg, size_t len)
{
    struct logs_job *j = ud;
    if (!j->task_id[0]) {
        return true;
    }
    if (len > 0 && msg[0] == '{' && wanted(j, msg, len)) {
        return true;
    }
    char suffix[600];
    if (j->o->container) {
        (void)snprintf(suffix, sizeof(suffix), "/%s/%s", j->o->container, j->task_id);
    }
    else {
        (void)snprintf(suffix, sizeof(suffix), "/%s", j->task_id);
    }
    size_t sl = strlen(stream), xl = strlen(suffix);
    return sl >= xl && strcmp(stream + sl - xl, suffix) == 0;
}

static bool seen(struct logs_job *j, const char *bucket, const char *key)
{
    char full[2048];
    (void)snprintf(full, sizeof(full), "%s/%s", bucket, key);
    for (size_t i = 0; i < j->n_seen; i++) {
        if (strcmp(j->seen[i], full) == 0) {
            return true;
        }
    }
    if (j->o->follow && j->n_seen < SEEN_MAX) {
        char **n = emu_realloc(j->seen, (j->n_seen + 1) * sizeof(*n));
        if (n) {
            j->seen = n;
            j->seen[j->n_seen] = emu_strdup(full);
            j->n_seen += j->seen[j->n_seen] != NULL;
        }
    }
    return false;
}

static int on_key(const char *key, uint64_t size, int64_t mtime_ms, void *ud)
{
    struct logs_job *j = ud;
    (void)size;
    (void)mtime_ms;
    if (seen(j, j->bucket, key)) {
        return 0;
    }
    struct emu_buf raw, text;
    emu_buf_init(&raw, OBJECT_MAX);
    emu_buf_init(&text, OBJECT_MAX);
    int r = shim_s3_view_read(j->view, j->bucket, key, &raw);
    r = r ? r : gunzip(raw.data ? raw.data : "", raw.len, &text);
    if (r < 0) {
        fprintf(stderr, "fargate-emu logs: s3://%s/%s: %s\n", j->bucket, key, emu_strerror(r));
        j->error = r;
    }
    unsigned long long here = 0;
    const char *p = text.data ? text.data : "", *end = p + text.len;
    while (r == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && wanted(j, p, n)) {
            here++;
            if (!j->o->count) {
                char where[1300];
                (void)snprintf(where, sizeof(where), "s3://%s/%s", j->bucket, key);
                emu_cli_logs_print(where, p, n, j->json);
            }
        }
        p += n + (nl ? 1 : 0);
    }
    if (here > 0 && !j->o->count) {
        fprintf(stderr, "s3://%s/%s: %llu record%s\n", j->bucket, key, here,
                here == 1 ? "" : "s");
    }
    j->matched += here;
    emu_buf_done(&raw);
    emu_buf_done(&text);
    return 0;
}

/* One pass over the store: bucket (NULL = all) and prefix. */
static int scan(struct logs_job *j, const char *root, const char *bucket, const char *prefix)
{
    int r = shim_s3_view_open(root, &j->view);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < shim_s3_view_bucket_count(j->view); i++) {
        const char *name = shim_s3_view_bucket_name(j->view, i);
        if (!name || (bucket && strcmp(name, bucket) != 0)) {
            continue;
        }
        j->bucket = name;
        (void)shim_s3_view_list(j->view, name, prefix, on_key, j);
    }
    fflush(stdout);
    shim_s3_view_free(j->view);
    j->view = NULL;
    return 0;
}

static int exec_logs(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    const struct logs_opts *o = optsp;
    if ((argc != 1 && !o->task) || (argc != 0 && o->task) || (o->container && !o->task)) {
        fprintf(stderr, "fargate-emu logs: expected s3://BUCKET[/PREFIX], "
                        "cloudwatch://GROUP[/STREAM] or --task ID "
                        "(usage: fargate-emu logs %s)\n", emu_cmd_logs.usage);
        return EMU_EXIT_USAGE;
    }
    char bucket[256] = "";
    const char *prefix = "", *cw_target = NULL;
    bool want_s3 = true, want_cw = true;
    if (argc == 1) {
        const char *u = argv[0];
        if (strncmp(u, "cloudwatch://", 13) == 0 && u[13]) {
            cw_target = u + 13;
            want_s3 = false;
        }
        else if (strncmp(u, "s3://", 5) != 0 || !u[5] || u[5] == '/') {
            fprintf(stderr, "fargate-emu logs: %s: expected s3://BUCKET[/PREFIX] or "
                            "cloudwatch://GROUP[/STREAM]\n", u);
            return EMU_EXIT_USAGE;
        }
        else {
            want_cw = false;
            size_t bl = strcspn(u + 5, "/");
            (void)snprintf(bucket, sizeof(bucket), "%.*s", (int)bl, u + 5);
            prefix = u[5 + bl] == '/' ? u + 6 + bl : "";
        }
    }
    char data_dir[EMU_CLI_PATH_MAX], root[EMU_CLI_PATH_MAX + 8], cw_root[EMU_CLI_PATH_MAX + 8];
    if (emu_cli_data_dir(g, "logs", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    (void)snprintf(root, sizeof(root), "%s/s3", data_dir);
    (void)snprintf(cw_root, sizeof(cw_root), "%s/logs", data_dir);
    struct logs_job j = {.o = o, .json = g->json};
    if (o->task) {
        const char *slash = strrchr(o->task, '/');
        (void)snprintf(j.task_id, sizeof(j.task_id), "%s", slash ? slash + 1 : o->task);
        if (o->container) {
            (void)snprintf(j.container_name, sizeof(j.container_name), "/fe-%s-%s", j.task_id,
                           o->container);
        }
    }
    struct emu_cli_logs_cwl cw = {.root = cw_root, .target = cw_target, .follow = o->follow,
                                  .count = o->count, .json = g->json, .want = wanted_event, .ud = &j};
    int r = 0, rc = 0;
    for (;;) {
        r = want_s3 ? scan(&j, root, bucket[0] ? bucket : NULL, prefix) : 0;
        rc = want_cw ? emu_cli_logs_cwl_scan(&cw) : 0;
        if (r < 0 || rc < 0 || !o->follow) {
            break;
        }
        emu_cli_sleep_ms(1000);
    }
    emu_cli_logs_cwl_done(&cw);
    for (size_t i = 0; i < j.n_seen; i++) {
        emu_free(j.seen[i]);
    }
    emu_free(j.seen);
    if (r < 0 || rc < 0) {
        fprintf(stderr, "fargate-emu logs: cannot open the local %s store %s: %s\n",
                r < 0 ? "S3" : "CloudWatch Logs", r < 0 ? root : cw_root,
                emu_strerror(r < 0 ? r : rc));
        return EMU_EXIT_FAILURE;
    }
    j.matched += cw.matched;
    if (o->count) {
        printf(g->json ? "{\"count\":%llu}\n" : "%llu\n", j.matched);
    }
    if (j.matched == 0) {
        fprintf(stderr, "fargate-emu logs: no records matched\n");
        return EMU_EXIT_FAILURE;
    }
    return j.error ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
}

static const struct emu_cli_exit logs_exits[] = {
    {EMU_EXIT_OK, "at least one record matched (and every object could be read)"},
    {EMU_EXIT_FAILURE, "no record matched, or an object or the store could not be read"},
    {EMU_EXIT_USAGE, "usage error, a location that is not s3:// or cloudwatch://, or an unusable "
                     "data dir"},
    {0, NULL},
};

static const struct emu_cli_example logs_examples[] = {
    {"fargate-emu logs s3://fargate-firelens-s3-logs",
     "Print every record the seed's S3 variant delivered, one JSON line each."},
    {"fargate-emu logs --count --task 0123abcd --container nginx",
     "Count nginx's records of task 0123abcd, in S3 and CloudWatch Logs; exit 1 if none."},
    {"fargate-emu logs --json cloudwatch://fluent-bit-cloudwatch",
     "Print every event of a group as {\"location\", \"record\"} lines."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_logs = {
    .name = "logs",
    .summary = "Print the records that arrived at the local S3 (gunzipped JSON lines) or "
               "CloudWatch Logs (events as JSON lines); exit 1 when none matched.",
    .usage = "[--follow] [--count] [--data-dir DIR] s3://BUCKET[/PREFIX] | "
             "cloudwatch://GROUP[/STREAM] | --task ID [--container NAME]",
    .description = "Reads the stores under the data dir (the local S3 at <data-dir>/s3 and the "
                   "CloudWatch Logs store at <data-dir>/logs); no endpoint needs to be running. "
                   "S3 objects are gunzipped (every gzip member) and each line is a record; "
                   "CloudWatch events print as stored, {\"timestamp\", \"ingestionTime\", "
                   "\"message\"}. The object keys and stream names, with their record counts, "
                   "go to stderr. In cloudwatch://GROUP/STREAM the longest existing group name "
                   "that prefixes the path is the group and the rest a stream-name prefix. "
                   "--task searches both stores: JSON records by their ecs_task_arn (or Docker "
                   "container name), other events by the awslogs stream name "
                   "<prefix>/<container>/<taskID>.\n\n"
                   "With --json every record is one line {\"location\": \"s3://BUCKET/KEY\" "
                   "or \"cloudwatch://GROUP/STREAM\", \"record\": R}, R the record parsed when "
                   "it is JSON and the line as a string when it is not; with --count --json the "
                   "output is {\"count\": N}.",
    .options = logs_options,
    .exit_codes = logs_exits,
    .examples = logs_examples,
    .opts_size = sizeof(struct logs_opts),
    .reads_taskdef = false,
    .exec = exec_logs,
};
