/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the report's collectors (report_collect.c, report_s3.c, report_cwl.c). */
#ifndef EMU_REPORT_REPORT_INT_H
#define EMU_REPORT_REPORT_INT_H

#include "emu/report/report.h"

/* Deliveries arriving later than this after the task's end still count as the task's (a
 * router flushes at stop, a retry may come after). */
#define EMU_REPORT_GRACE_MS 120000
/* Largest S3 object read (compressed and decompressed). */
#define EMU_REPORT_OBJECT_MAX (512u * 1024u * 1024u)

/* Adds a note (printf-style) once; silently dropped past the notes array. */
void emu__report_note(struct emu_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether an arrival at t_ms falls in the task's window [created, end + grace]. */
bool emu__report_in_window(const struct emu_report *r, int64_t t_ms);

/* Counts what gzip (level 6, as CloudWatch Logs archives) makes of a byte stream. */
struct emu__report_gz {
    void *z; /* z_stream, NULL until the first add */
    uint64_t out;
    bool failed;
};
void emu__report_gz_add(struct emu__report_gz *g, const void *data, size_t len);
/* Finishes the stream; returns the compressed size (0 when nothing was added or zlib failed). */
uint64_t emu__report_gz_end(struct emu__report_gz *g);

/* ms since the epoch as "2026-11-24T15:33:17.123Z" ("" for ms <= 0). */
void emu__report_iso(int64_t ms, char out[64]);

/* path without the view's data dir in front ("tasks/<id>.router/fluent.conf:12"). */
const char *emu__report_rel(const struct emu_report_view *v, const char *path);

/* Fills the S3 destination d from <data>/s3. */
int emu__report_s3(const char *data_dir, struct emu_report *r, struct emu_report_dest *d);

/* Fills the CloudWatch Logs destination d from <data>/logs. */
int emu__report_cwl(const char *data_dir, struct emu_report *r, struct emu_report_dest *d);

/* Counts failed uploads and rejected events of every destination from the shims' journals
 * (<store>/failed-requests.jsonl, <data>/logs/rejected-events.jsonl). */
void emu__report_journals(const char *data_dir, struct emu_report *r);

/* Whether CloudWatch stream name is one of the task's for d (report_cwl.c). */
bool emu__report_cwl_stream_is_task(const struct emu_report *r, const struct emu_report_dest *d,
                                    const char *name);

/* Reads every *.conf of dir on its own (the live FireLens config dir of a task without a
 * snapshot) into r->dests. 0, -ENOENT (no such dir) or -ENOMEM. */
int emu__report_dests(const char *dir, struct emu_report *r);
/* Reads the runtime's snapshot root (<id>.out/.router: fluent-bit/etc/fluent-bit.conf and
 * what it includes, at their paths in the router) into r->dests. 0 or -ENOMEM; a config that
 * cannot be read becomes a note. */
int emu__report_dests_snapshot(const char *root, struct emu_report *r);

#endif
