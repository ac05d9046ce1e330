/* SPDX-License-Identifier: Apache-2.0 */
/* What a CloudWatch Logs destination received for the task, from the shim's store
 * (<data>/logs/<group>/group.json, <stream>.stream.jsonl: a header line then one
 * {"timestamp","ingestionTime","message"} per event, a PutLogEvents batch written at once
 * with one ingestionTime). The task's streams: log_stream_name when fixed, else streams whose
 * name starts with log_stream_prefix and holds the task ID (the tag does). Latency:
 * ingestionTime minus the event timestamp; batches: runs of one ingestionTime. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/report/report_int.h"

#define LINE_MAX_BYTES (2u * 1024u * 1024u)

/* The name field of the first JSON line of path into out. */
static bool header_name(const char *path, const char *field, char *out, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return false;
    }
    char buf[8192];
    size_t got = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[got] = '\0';
    char *nl = strchr(buf, '\n');
    size_t len = nl ? (size_t)(nl - buf) : got;
    cJSON *root = NULL;
    struct emu_json_error err;
    bool ok = false;
    if (emu_json_parse(buf, len, &root, &err) == 0) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
        if (cJSON_IsString(v) && strlen(v->valuestring) < n) {
            memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
            ok = true;
        }
        cJSON_Delete(root);
    }
    return ok;
}

bool emu__report_cwl_stream_is_task(const struct emu_report *r, const struct emu_report_dest *d,
                                    const char *name)
{
    if (d->stream[0] && !strstr(d->stream, "$(") && !strstr(d->stream, "${")) {
        return strcmp(name, d->stream) == 0;
    }
    return strncmp(name, d->prefix, strlen(d->prefix)) == 0 && strstr(name, r->task_id);
}

struct cwl_walk {
    struct emu_report *r;
    struct emu_report_dest *d;
    struct emu__report_gz gz;
};

static void one_event(struct cwl_walk *w, const char *line, size_t len, bool fixed_stream,
                      int64_t *last_ingest)
{
    struct emu_report *r = w->r;
    struct emu_report_dest *d = w->d;
    cJSON *ev = NULL;
    struct emu_json_error err;
    if (emu_json_parse(line, len, &ev, &err) < 0) {
        return;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "timestamp");
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(ev, "ingestionTime");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ev, "message");
    if (cJSON_IsNumber(ts) && cJSON_IsNumber(it) && cJSON_IsString(msg)) {
        int64_t t = (int64_t)ts->valuedouble, in = (int64_t)it->valuedouble;
        if (!fixed_stream || emu__report_in_window(r, in)) {
            size_t bytes = strlen(msg->valuestring);
            d->records++;
            d->raw_bytes += bytes;
            d->stored_bytes += bytes;
            emu__report_gz_add(&w->gz, msg->valuestring, bytes);
            d->units += in != *last_ingest;
            *last_ingest = in;
            d->first_ms = d->first_ms == 0 || in < d->first_ms ? in : d->first_ms;
            d->last_ms = in > d->last_ms ? in : d->last_ms;
            (void)emu_report_series_add(&d->series, in, bytes);
            (void)emu_report_samples_add(&d->latency, in - t);
        }
    }
    cJSON_Delete(ev);
}

/* Reads the events of one stream file line by line (a line is at most ~1 MiB of message). */
static void read_stream(struct cwl_walk *w, const char *path, bool fixed_stream)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return;
    }
    struct emu_buf line;
    emu_buf_init(&line, LINE_MAX_BYTES);
    char buf[65536];
    size_t got;
    bool header = true, too_long = false;
    int64_t last_ingest = -1;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
        for (size_t i = 0; i < got;) {
            const char *nl = memchr(buf + i, '\n', got - i);
            size_t n = nl ? (size_t)(nl - (buf + i)) : got - i;
            too_long = too_long || emu_buf_append(&line, buf + i, n) < 0;
            i += n + (nl ? 1 : 0);
            if (!nl) {
                break;
            }
            if (!header && !too_long) {
                one_event(w, line.data, line.len, fixed_stream, &last_ingest);
            }
            header = false;
            too_long = false;
            line.len = 0;
        }
    }
    fclose(f);
    emu_buf_done(&line);
}

static void read_group(struct cwl_walk *w, const char *gdir)
{
    struct emu_report *r = w->r;
    struct emu_report_dest *d = w->d;
    DIR *dp = opendir(gdir);
    if (!dp) {
        return;
    }
    struct dirent *de;
    bool fixed = d->stream[0] && !strstr(d->stream, "$(");
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 13 || strcmp(de->d_name + len - 13, ".stream.jsonl") != 0) {
            continue;
        }
        char path[4600], name[600];
        int n = snprintf(path, sizeof(path), "%s/%s", gdir, de->d_name);
        if (n > 0 && (size_t)n < sizeof(path) &&
            header_name(path, "logStreamName", name, sizeof(name)) &&
            emu__report_cwl_stream_is_task(r, d, name)) {
            read_stream(w, path, fixed);
        }
    }
    closedir(dp);
}

int emu__report_cwl(const char *data_dir, struct emu_report *r, struct emu_report_dest *d)
{
    char root[4200];
    int n = snprintf(root, sizeof(root), "%s/logs", data_dir);
    DIR *dp = n > 0 && (size_t)n < sizeof(root) ? opendir(root) : NULL;
    if (!dp) {
        emu__report_note(r, "%s: no CloudWatch Logs store in the data dir", d->name);
        return 0;
    }
    struct cwl_walk w = {.r = r, .d = d};
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char gdir[4500], path[4600], name[600];
        int k = snprintf(gdir, sizeof(gdir), "%s/%s", root, de->d_name);
        int m = snprintf(path, sizeof(path), "%s/group.json", gdir);
        if (k > 0 && (size_t)k < sizeof(gdir) && m > 0 && (size_t)m < sizeof(path) &&
            header_name(path, "logGroupName", name, sizeof(name)) &&
            strcmp(name, d->group) == 0) {
            d->found = true;
            read_group(&w, gdir);
        }
    }
    closedir(dp);
    d->gzip_bytes = emu__report_gz_end(&w.gz);
    d->compressed = false;
    if (!d->found) {
        emu__report_note(r, "%s: no such log group in the local CloudWatch Logs", d->name);
    }
    return 0;
}
