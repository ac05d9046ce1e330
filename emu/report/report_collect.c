/* SPDX-License-Identifier: Apache-2.0 */
/* Collects a task's measurements from the data dir: what each container wrote (the runtime's
 * <task-id>.out/<container>.log copies), which destinations its router config names (the
 * <task-id>.out/.router snapshot), then
 * what each destination's store received (report_s3.c, report_cwl.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/report/report_int.h"

void emu__report_note(struct emu_report *r, const char *fmt, ...)
{
    if (r->n_notes >= sizeof(r->notes) / sizeof(r->notes[0])) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(r->notes[r->n_notes], sizeof(r->notes[0]), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < r->n_notes; i++) {
        if (strcmp(r->notes[i], r->notes[r->n_notes]) == 0) {
            return;
        }
    }
    r->n_notes++;
}

bool emu__report_in_window(const struct emu_report *r, int64_t t_ms)
{
    return t_ms >= r->created_ms && t_ms <= r->end_ms + EMU_REPORT_GRACE_MS;
}

static int64_t digits(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t emu_report_parse_time(const char *s, size_t len)
{
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':') {
        return -1;
    }
    int64_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int64_t h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 60) {
        return -1;
    }
    size_t i = 19;
    int64_t ms = 0;
    if (i < len && s[i] == '.') {
        size_t k = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++) {
            if (k < 3) {
                ms = ms * 10 + (s[i] - '0');
            }
        }
        if (k == 0) {
            return -1;
        }
        for (; k < 3; k++) {
            ms *= 10;
        }
    }
    int64_t off = 0;
    if (i < len && (s[i] == '+' || s[i] == '-') && len - i >= 6 && s[i + 3] == ':') {
        int64_t oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || om < 0) {
            return -1;
        }
        off = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        i += 6;
    }
    else if (i < len && s[i] == 'Z') {
        i++;
    }
    if (i != len) {
        return -1;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    return secs * 1000 + ms;
}

void emu_report_container_line(struct emu_report_container *c, int64_t t_ms, bool is_stderr,
                               size_t len)
{
    c->lines++;
    c->bytes += len;
    c->stdout_lines += !is_stderr;
    c->stderr_lines += is_stderr;
    if (t_ms >= 0) {
        c->first_ms = c->first_ms == 0 || t_ms < c->first_ms ? t_ms : c->first_ms;
        c->last_ms = t_ms > c->last_ms ? t_ms : c->last_ms;
        (void)emu_report_series_add(&c->series, t_ms, len);
    }
}

void emu_report_output_feed(struct emu_report_output_state *st, const char *buf, size_t len,
                            struct emu_report_container *c)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            if (st->field == 2) {
                emu_report_container_line(c, emu_report_parse_time(st->ts, st->n_ts),
                                          st->n_stream == 6 &&
                                              memcmp(st->stream, "stderr", 6) == 0,
                                          st->len);
            }
            else {
                st->malformed++;
            }
            st->field = st->n_ts = st->n_stream = st->len = 0;
        }
        else if (st->field == 0) {
            if (ch == ' ') {
                st->field = 1;
            }
            else if (st->n_ts < sizeof(st->ts)) {
                st->ts[st->n_ts++] = ch;
            }
        }
        else if (st->field == 1) {
            if (ch == ' ') {
                st->field = 2;
            }
            else if (st->n_stream < sizeof(st->stream)) {
                st->stream[st->n_stream++] = ch;
            }
        }
        else {
            st->len++;
        }
    }
}

/* Streams an output file of any size through emu_report_output_feed. */
static int read_output(const char *path, struct emu_report_container *c)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -errno;
    }
    struct emu_report_output_state st;
    memset(&st, 0, sizeof(st));
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
        emu_report_output_feed(&st, buf, got, c);
    }
    int rv = ferror(f) ? -EIO : 0;
    fclose(f);
    return rv;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void collect_containers(const char *data_dir, const struct emu_report_task *t,
                               struct emu_report *r)
{
    for (size_t i = 0; i < t->n_containers && r->n_containers < EMU_REPORT_MAX_CONTAINERS; i++) {
        struct emu_report_container *c = &r->containers[r->n_containers++];
        (void)snprintf(c->name, sizeof(c->name), "%s", t->containers[i]);
        (void)snprintf(c->docker_id, sizeof(c->docker_id), "%s",
                       t->docker_ids && t->docker_ids[i] ? t->docker_ids[i] : "");
        c->series.t0_ms = r->created_ms;
        char path[4400];
        int n = snprintf(path, sizeof(path), "%s/tasks/%s.out/%s.log", data_dir, t->id, c->name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            continue;
        }
        int rv = read_output(path, c);
        if (rv == 0) {
            c->source = EMU_REPORT_SRC_OUTPUT_FILE;
            (void)snprintf(path, sizeof(path), "%s/tasks/%s.out/%s.truncated", data_dir, t->id,
                           c->name);
            c->truncated = access(path, F_OK) == 0;
        }
        else if (rv != -ENOENT) {
            emu__report_note(r, "%s: %s", path, strerror(-rv));
        }
    }
}

int emu_report_collect(const char *data_dir, const struct emu_report_task *t,
                       struct emu_report *r)
{
    memset(r, 0, sizeof(*r));
    (void)snprintf(r->task_id, sizeof(r->task_id), "%s", t->id);
    (void)snprintf(r->task_arn, sizeof(r->task_arn), "%s", t->arn ? t->arn : "");
    (void)snprintf(r->family, sizeof(r->family), "%s", t->family ? t->family : "");
    (void)snprintf(r->status, sizeof(r->status), "%s", t->status ? t->status : "");
    (void)snprintf(r->region, sizeof(r->region), "%s", t->region ? t->region : "");
    r->revision = t->revision;
    r->created_ms = t->created_ms;
    r->started_ms = t->started_ms;
    r->stopped_ms = t->stopped_ms;
    r->end_ms = t->stopping_ms > 0 ? t->stopping_ms : t->stopped_ms > 0 ? t->stopped_ms
                                                                         : t->now_ms;
    collect_containers(data_dir, t, r);

    /* The snapshot the runtime keeps for audit and report, else the live FireLens dir. */
    char dir[4096];
    int n = snprintf(dir, sizeof(dir), "%s/tasks/%s.out/.router", data_dir, t->id);
    bool snapshot = n > 0 && (size_t)n < sizeof(dir) && is_dir(dir);
    if (!snapshot) {
        n = snprintf(dir, sizeof(dir), "%s/data/firelens/%s/config", data_dir, t->id);
    }
    if (n > 0 && (size_t)n < sizeof(dir) && is_dir(dir)) {
        memcpy(r->config_dir, dir, (size_t)n + 1);
        int rv = snapshot ? emu__report_dests_snapshot(dir, r) : emu__report_dests(dir, r);
        if (rv < 0) {
            return rv;
        }
    }
    for (size_t i = 0; i < r->n_dests; i++) {
        struct emu_report_dest *d = &r->dests[i];
        d->series.t0_ms = r->created_ms;
        int rv = d->kind == EMU_REPORT_S3 ? emu__report_s3(data_dir, r, d)
                                          : emu__report_cwl(data_dir, r, d);
        if (rv == EMU_ENOMEM) {
            return rv;
        }
    }
    emu__report_journals(data_dir, r);
    return 0;
}

void emu_report_finish(struct emu_report *r)
{
    for (size_t i = 0; i < r->n_dests; i++) {
        struct emu_report_dest *d = &r->dests[i];
        emu_report_percentiles(d->latency.v, d->latency.n, &d->pcts);
    }
}

void emu_report_done(struct emu_report *r)
{
    for (size_t i = 0; i < r->n_containers; i++) {
        emu_report_series_done(&r->containers[i].series);
    }
    for (size_t i = 0; i < r->n_dests; i++) {
        emu_report_series_done(&r->dests[i].series);
        emu_report_samples_done(&r->dests[i].latency);
    }
    r->n_containers = r->n_dests = 0;
}
