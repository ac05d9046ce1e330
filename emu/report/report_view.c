/* SPDX-License-Identifier: Apache-2.0 */
/* From measurements to the cost projection's inputs: the log rate over the task's running
 * time, the observed PUT rate (or Fluent Bit's s3 defaults when the task had no S3 output),
 * and the measured compression ratios. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/report/report_int.h"

/* Fluent Bit s3 defaults: an object per 100M of buffered data or per 10 minutes. */
#define FB_S3_TOTAL_FILE_SIZE (100.0 * 1024.0 * 1024.0)
#define FB_S3_UPLOAD_TIMEOUT_S 600.0

void emu_report_view_init(struct emu_report_view *v, const struct emu_report *r,
                          const char *data_dir, const struct emu_report_region_prices *prices,
                          const char *prices_file, const char *region, unsigned long tasks)
{
    memset(v, 0, sizeof(*v));
    v->r = r;
    v->data_dir = data_dir;
    v->prices = prices;
    v->prices_file = prices_file;
    v->region = region;
    v->tasks = tasks;
    int64_t start = r->started_ms > 0 ? r->started_ms : r->created_ms;
    v->duration_s = r->end_ms > start ? (double)(r->end_ms - start) / 1000.0 : 0;
    if (v->duration_s < 1.0) {
        v->duration_s = 1.0;
    }

    /* Volume: the destination that received the most (a task shipping to two destinations
     * duplicates its logs; either path carries that volume), else what containers wrote. */
    uint64_t bytes = 0, s3_objects = 0, s3_raw = 0, s3_stored = 0, gz_raw = 0, gz = 0;
    size_t s3_dests = 0;
    for (size_t i = 0; i < r->n_dests; i++) {
        const struct emu_report_dest *d = &r->dests[i];
        bytes = d->raw_bytes > bytes ? d->raw_bytes : bytes;
        if (d->kind == EMU_REPORT_S3) {
            s3_dests += d->units > 0;
            s3_objects += d->units;
            s3_raw += d->raw_bytes;
            s3_stored += d->stored_bytes;
        }
        if (d->gzip_bytes > 0) {
            gz_raw += d->raw_bytes;
            gz += d->gzip_bytes;
        }
    }
    v->rate_basis = "records delivered to the largest destination";
    if (bytes == 0) {
        for (size_t i = 0; i < r->n_containers; i++) {
            bytes += r->containers[i].bytes;
        }
        v->rate_basis = "lines written by the containers (nothing delivered)";
    }
    v->has_rate = bytes > 0;
    struct emu_report_cost_in *in = &v->cost_in;
    in->tasks = tasks;
    in->bytes_per_s = (double)bytes / v->duration_s;
    double gz_ratio = gz_raw > 0 ? (double)gz / (double)gz_raw : 1.0;
    in->cwl_stored_ratio = gz_ratio;
    if (s3_objects > 0) {
        in->objects_per_s = (double)s3_objects / v->duration_s;
        in->compressed_ratio = s3_raw > 0 ? (double)s3_stored / (double)s3_raw : 1.0;
        v->puts_basis = s3_objects > s3_dests
                            ? "objects the task's S3 outputs uploaded"
                            : "objects the task's S3 outputs uploaded: one per output, likely "
                              "only the flush at stop; run longer than the output's "
                              "upload_timeout for a steady-state rate";
        v->ratio_basis = "measured on the delivered records (S3 objects as stored; gzip level 6 "
                         "for CloudWatch Logs storage)";
    }
    else {
        double by_size = in->bytes_per_s / FB_S3_TOTAL_FILE_SIZE;
        in->objects_per_s = by_size > 1.0 / FB_S3_UPLOAD_TIMEOUT_S ? by_size
                                                                    : 1.0 / FB_S3_UPLOAD_TIMEOUT_S;
        in->compressed_ratio = gz_ratio;
        v->puts_basis = "estimated from Fluent Bit s3 defaults (an object per 100M or per 10 "
                        "minutes; the task had no S3 deliveries)";
        v->ratio_basis = gz > 0 ? "gzip level 6 of the delivered records"
                                : "not measured (1.0: uncompressed)";
    }
    emu_report_cost_project(in, prices, &v->cost);
}

void emu__report_iso(int64_t ms, char out[64])
{
    out[0] = '\0';
    if (ms <= 0) {
        return;
    }
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&secs, &tm)) {
        (void)snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       (int)(ms % 1000));
    }
}

const char *emu__report_rel(const struct emu_report_view *v, const char *path)
{
    size_t n = v->data_dir ? strlen(v->data_dir) : 0;
    if (n > 0 && strncmp(path, v->data_dir, n) == 0 && path[n] == '/') {
        return path + n + 1;
    }
    return path;
}
