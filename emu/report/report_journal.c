/* SPDX-License-Identifier: Apache-2.0 */
/* Retries and rejected records from the shims' journals: <data>/s3/failed-requests.jsonl and
 * <data>/logs/failed-requests.jsonl (one line per request answered with an error, reset, or
 * left unanswered; the shims create the file when they start, so its absence means "not
 * recorded") and <data>/logs/rejected-events.jsonl (PutLogEvents' refused events). A failed
 * upload is the task's when it names the task (S3 key) or falls in the task's window. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "emu/base/json.h"
#include "emu/report/report_int.h"

#define JOURNAL_LINE_MAX 16384

typedef void (*line_fn)(struct emu_report *r, const cJSON *line, void *ud);

/* Calls fn for each JSON line of path; false when the file does not exist. */
static bool each_line(const char *path, struct emu_report *r, line_fn fn, void *ud)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return false;
    }
    char line[JOURNAL_LINE_MAX];
    while (fgets(line, sizeof(line), f)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            continue; /* over the ceiling, or a torn last line */
        }
        cJSON *o = NULL;
        struct emu_json_error err;
        if (emu_json_parse(line, len, &o, &err) == 0) {
            fn(r, o, ud);
            cJSON_Delete(o);
        }
    }
    fclose(f);
    return true;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

static void on_s3_failure(struct emu_report *r, const cJSON *o, void *ud)
{
    struct emu_report_dest *d = ud;
    const char *method = str(o, "method"), *path = str(o, "path"), *host = str(o, "host");
    if (strcmp(method, "PUT") != 0 && strcmp(method, "POST") != 0) {
        return;
    }
    size_t bl = strlen(d->bucket);
    bool path_style = path[0] == '/' && strncmp(path + 1, d->bucket, bl) == 0 &&
                      (path[1 + bl] == '/' || path[1 + bl] == '\0');
    bool vhost = strncmp(host, d->bucket, bl) == 0 && host[bl] == '.';
    if ((path_style || vhost) &&
        (strstr(path, r->task_id) || emu__report_in_window(r, num(o, "time")))) {
        d->failed_requests++;
    }
}

static void on_cwl_failure(struct emu_report *r, const cJSON *o, void *ud)
{
    struct emu_report_dest *d = ud;
    const char *target = str(o, "target");
    size_t tl = strlen(target);
    if (tl >= 13 && strcmp(target + tl - 13, ".PutLogEvents") == 0 &&
        emu__report_in_window(r, num(o, "time"))) {
        d->failed_requests++;
    }
}

static void on_rejected(struct emu_report *r, const cJSON *o, void *ud)
{
    struct emu_report_dest *d = ud;
    int64_t n = num(o, "rejected");
    if (n > 0 && strcmp(str(o, "group"), d->group) == 0 &&
        emu__report_cwl_stream_is_task(r, d, str(o, "stream")) &&
        emu__report_in_window(r, num(o, "time"))) {
        d->rejected += n;
    }
}

void emu__report_journals(const char *data_dir, struct emu_report *r)
{
    char s3[4200], logs[4200], rej[4200];
    int a = snprintf(s3, sizeof(s3), "%s/s3/failed-requests.jsonl", data_dir);
    int b = snprintf(logs, sizeof(logs), "%s/logs/failed-requests.jsonl", data_dir);
    int c = snprintf(rej, sizeof(rej), "%s/logs/rejected-events.jsonl", data_dir);
    bool ok = a > 0 && (size_t)a < sizeof(s3) && b > 0 && (size_t)b < sizeof(logs) && c > 0 &&
              (size_t)c < sizeof(rej);
    for (size_t i = 0; i < r->n_dests; i++) {
        struct emu_report_dest *d = &r->dests[i];
        d->failed_requests = d->rejected = -1;
        if (!ok) {
            continue;
        }
        d->failed_requests = 0;
        if (d->kind == EMU_REPORT_S3) {
            if (!each_line(s3, r, on_s3_failure, d)) {
                d->failed_requests = -1;
            }
            continue;
        }
        if (!each_line(logs, r, on_cwl_failure, d)) {
            d->failed_requests = -1;
            continue;
        }
        d->rejected = 0; /* the journal exists: no rejected-events file means none */
        (void)each_line(rej, r, on_rejected, d);
    }
}
