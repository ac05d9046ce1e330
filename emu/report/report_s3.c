/* SPDX-License-Identifier: Apache-2.0 */
/* What an S3 destination received for the task: the bucket's objects that arrived in the
 * task's window (LastModified), gunzipped, one JSON record per line; a record is the task's
 * when its ecs_task_arn ends in /<task-id>, its container_name is the task's Docker name
 * (/fe-<task-id>-...), or (records without either) its object's key names the task or the
 * object arrived in the task's window. Latency: LastModified minus the json_date_key time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/report/report_int.h"
#include "shims/s3/s3.h"

struct s3_walk {
    struct emu_report *r;
    struct emu_report_dest *d;
    struct shim_s3_view *view;
    struct emu__report_gz gz; /* uncompressed objects' records, for the gzip ratio */
    int error;
};

/* Gunzips every member of a gzip stream (or copies plain bytes) into out. */
static int gunzip(const char *data, size_t len, struct emu_buf *out, bool *ret_gz)
{
    *ret_gz = len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b;
    if (!*ret_gz) {
        return emu_buf_append(out, data, len);
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return EMU_ENOMEM;
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
            (void)inflateReset(&z);
        }
        else if (zr != Z_OK) {
            r = EMU_EBADMSG;
        }
    }
    inflateEnd(&z);
    return r;
}

/* 1: the record is the task's, 0: another task's, -1: it does not say. */
static int record_owner(const cJSON *rec, const char *task_id)
{
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(rec, "ecs_task_arn");
    size_t il = strlen(task_id);
    if (cJSON_IsString(arn)) {
        size_t al = strlen(arn->valuestring);
        return al > il && arn->valuestring[al - il - 1] == '/' &&
               strcmp(arn->valuestring + al - il, task_id) == 0;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(rec, "container_name");
    if (cJSON_IsString(name) && strncmp(name->valuestring, "/fe-", 4) == 0) {
        return strncmp(name->valuestring + 4, task_id, il) == 0 && name->valuestring[4 + il] == '-';
    }
    return -1;
}

/* The record's time in ms from its date key: a number of seconds (json_date_format double or
 * epoch) or RFC 3339 / "YYYY-MM-DD HH:MM:SS.ffffff" text. -1 when absent or unreadable. */
static int64_t record_time(const cJSON *rec, const char *key)
{
    const cJSON *v = key[0] ? cJSON_GetObjectItemCaseSensitive(rec, key) : NULL;
    if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e11) {
        return (int64_t)(v->valuedouble * 1000.0 + 0.5);
    }
    if (cJSON_IsString(v)) {
        return emu_report_parse_time(v->valuestring, strlen(v->valuestring));
    }
    return -1;
}

/* Counts the task's records of one object; returns how many were the task's. */
static uint64_t object_records(struct s3_walk *w, const struct emu_buf *raw, int64_t mtime_ms,
                               bool key_names_task, bool gz)
{
    struct emu_report_dest *d = w->d;
    uint64_t mine = 0;
    size_t at = 0;
    while (at < raw->len) {
        const char *line = raw->data + at;
        const char *nl = memchr(line, '\n', raw->len - at);
        size_t len = nl ? (size_t)(nl - line) : raw->len - at;
        at += len + 1;
        if (len == 0) {
            continue;
        }
        cJSON *rec = NULL;
        struct emu_json_error err;
        int owner = -1;
        int64_t t = -1;
        if (emu_json_parse(line, len, &rec, &err) == 0) {
            owner = record_owner(rec, w->r->task_id);
            t = record_time(rec, d->date_key);
            cJSON_Delete(rec);
        }
        if (owner == 0 || (owner < 0 && !key_names_task && !emu__report_in_window(w->r, mtime_ms))) {
            continue;
        }
        mine++;
        d->records++;
        d->raw_bytes += len + 1;
        if (!gz) {
            emu__report_gz_add(&w->gz, line, len + 1);
        }
        (void)emu_report_series_add(&d->series, mtime_ms, len + 1);
        if (t >= 0) {
            (void)emu_report_samples_add(&d->latency, mtime_ms - t);
        }
        else {
            d->unparsed++;
        }
    }
    return mine;
}

static int on_key(const char *key, uint64_t size, int64_t mtime_ms, void *ud)
{
    struct s3_walk *w = ud;
    bool names = strstr(key, w->r->task_id) != NULL;
    if (!names && !emu__report_in_window(w->r, mtime_ms)) {
        return 0;
    }
    struct emu_buf obj, raw;
    emu_buf_init(&obj, EMU_REPORT_OBJECT_MAX);
    emu_buf_init(&raw, EMU_REPORT_OBJECT_MAX);
    bool gz = false;
    int rv = shim_s3_view_read(w->view, w->d->bucket, key, &obj);
    rv = rv ? rv : gunzip(obj.data ? obj.data : "", obj.len, &raw, &gz);
    if (rv == EMU_ENOMEM) {
        w->error = rv;
    }
    else if (rv < 0) {
        emu__report_note(w->r, "s3://%s/%s: %s", w->d->bucket, key, emu_strerror(rv));
    }
    else if (object_records(w, &raw, mtime_ms, names, gz) > 0) {
        struct emu_report_dest *d = w->d;
        d->units++;
        d->stored_bytes += size;
        d->compressed = d->compressed || gz;
        d->gzip_bytes += gz ? size : 0;
        d->first_ms = d->first_ms == 0 || mtime_ms < d->first_ms ? mtime_ms : d->first_ms;
        d->last_ms = mtime_ms > d->last_ms ? mtime_ms : d->last_ms;
    }
    emu_buf_done(&obj);
    emu_buf_done(&raw);
    return w->error;
}

int emu__report_s3(const char *data_dir, struct emu_report *r, struct emu_report_dest *d)
{
    char root[4200];
    int n = snprintf(root, sizeof(root), "%s/s3", data_dir);
    struct stat sb;
    if (n < 0 || (size_t)n >= sizeof(root) || stat(root, &sb) != 0) {
        emu__report_note(r, "%s: no S3 store in the data dir", d->name);
        return 0;
    }
    struct s3_walk w = {.r = r, .d = d};
    int rv = shim_s3_view_open(root, &w.view);
    if (rv < 0) {
        emu__report_note(r, "%s: %s", root, emu_strerror(rv));
        return rv == EMU_ENOMEM ? rv : 0;
    }
    rv = shim_s3_view_list(w.view, d->bucket, "", on_key, &w);
    if (rv == EMU_ENOENT) {
        emu__report_note(r, "%s: no such bucket in the local S3", d->name);
        rv = 0;
    }
    else {
        d->found = true;
    }
    d->gzip_bytes += emu__report_gz_end(&w.gz);
    shim_s3_view_free(w.view);
    return rv == EMU_ENOMEM ? rv : 0;
}
