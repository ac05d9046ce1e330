/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's copy of what each container wrote: <data-dir>/tasks/<id>.out/<name>.log, one
 * "<RFC3339Nano> <stdout|stderr> <line>" line per output line, read from Docker's dual-logging
 * copy through the logs endpoint while the task runs (so it survives container removal), with
 * a size ceiling (<name>.truncated when hit); plus the one snapshot of the router's config
 * files, <id>.out/.router/<path in the router>, that `audit` and `report` read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime_int.h"

/* How long the capture of a stopped task may lag before it is cut (ms). */
/* After the last container stopped, a copy still streaming is cut when it has received
 * nothing for OUTPUT_STALL_MS, or OUTPUT_DRAIN_MAX_MS after the stop whatever it does (a
 * burst of a million lines takes seconds to read back on a loaded machine). */
#define OUTPUT_STALL_MS 10000
#define OUTPUT_DRAIN_MAX_MS 120000

int emu_output_dir(const char *data_dir, const char *id, struct emu_buf *out)
{
    return emu_store_paths(data_dir, id, ".out", out);
}

bool emu_output_is_timestamp(const char *s, size_t len, size_t *ret_len)
{
    /* 2006-01-02T15:04:05[.fraction](Z|+hh:mm), then a space. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = sizeof(shape) - 1;
    if (len <= n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd' ? !digit : s[i] != shape[i]) {
            return false;
        }
    }
    size_t i = n;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && i < n + 11 && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
    }
    if (i < len && s[i] == 'Z') {
        i++;
    }
    else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        i += 6;
    }
    else {
        return false;
    }
    if (i >= len || s[i] != ' ') {
        return false;
    }
    *ret_len = i;
    return true;
}

static int writer_open(struct emu_output_writer *w, const char *dir, const char *name,
                       uint64_t max_bytes, bool append);

int emu_output_writer_open(struct emu_output_writer *w, const char *dir, const char *name,
                           uint64_t max_bytes)
{
    return writer_open(w, dir, name, max_bytes, false);
}

/* Opens <dir>/<name>.log, truncated or (append) to go on after what it holds, which counts
 * against the ceiling. */
static int writer_open(struct emu_output_writer *w, const char *dir, const char *name,
                       uint64_t max_bytes, bool append)
{
    memset(w, 0, sizeof(*w));
    w->max = max_bytes ? max_bytes : EMU_OUTPUT_MAX_DEFAULT;
    int n = snprintf(w->path, sizeof(w->path), "%s/%s.log", dir, name);
    int m = snprintf(w->trunc_path, sizeof(w->trunc_path), "%s/%s.truncated", dir, name);
    if (n < 0 || (size_t)n >= sizeof(w->path) || m < 0 || (size_t)m >= sizeof(w->trunc_path)) {
        return -ENAMETOOLONG;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        return -errno;
    }
    w->f = fopen(w->path, append ? "a" : "w");
    if (!w->f) {
        return -errno;
    }
    if (append) {
        struct stat st;
        w->written = fstat(fileno(w->f), &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    (void)setvbuf(w->f, NULL, _IOFBF, 64u * 1024u);
    return 0;
}

static void put_part(struct emu_output_writer *w, const char *stream, const char *ts,
                     size_t ts_len, const char *s, size_t n)
{
    uint64_t need = ts_len + 1 + strlen(stream) + 1 + n + 1;
    if (w->truncated || !w->f) {
        return;
    }
    if (w->written + need > w->max) {
        w->truncated = true;
        (void)emu_file_write_atomic(w->trunc_path, "", 0, 0644);
        return;
    }
    (void)fwrite(ts, 1, ts_len, w->f);
    (void)fputc(' ', w->f);
    (void)fputs(stream, w->f);
    (void)fputc(' ', w->f);
    (void)fwrite(s, 1, n, w->f);
    if (fputc('\n', w->f) == EOF && !w->error) {
        w->error = -errno;
    }
    w->written += need;
    w->lines++;
}

void emu_output_writer_line(struct emu_output_writer *w, int stream, const char *ts,
                            const char *line, size_t len)
{
    const char *name = stream == 2 ? "stderr" : "stdout";
    size_t ts_len = strlen(ts);
    /* The logs endpoint joins the parts of a line Docker split at 16 KiB, each part led by
     * its own timestamp and without a newline between them: write each part as its line. */
    while (len > EMU_OUTPUT_PART) {
        size_t next_ts;
        const char *rest = line + EMU_OUTPUT_PART;
        if (!emu_output_is_timestamp(rest, len - EMU_OUTPUT_PART, &next_ts)) {
            break;
        }
        put_part(w, name, ts, ts_len, line, EMU_OUTPUT_PART);
        ts = rest;
        ts_len = next_ts;
        line = rest + next_ts + 1;
        len -= EMU_OUTPUT_PART + next_ts + 1;
    }
    put_part(w, name, ts, ts_len, line, len);
}

int emu_output_writer_close(struct emu_output_writer *w)
{
    int r = w->error;
    if (w->f && fclose(w->f) != 0 && !r) {
        r = -errno;
    }
    w->f = NULL;
    return r;
}

/* ---- the runner's captures --------------------------------------------------------------- */

static void on_out_line(int stream, const char *timestamp, const char *line, size_t len, void *ud)
{
    struct runner_ctr *rc = ud;
    if (rc->out_replay > 0) {
        rc->out_replay--; /* a resumed follow gives the previous runs' lines again */
        return;
    }
    if (rc->out_reread) {
        if (rc->out_final) {
            emu_output_writer_line(rc->out_final, stream, timestamp, line, len);
        }
        return;
    }
    if (rc->out) {
        rc->out_seen++;
        emu_output_writer_line(rc->out, stream, timestamp, line, len);
    }
}

static void on_logs_done(int status, const struct emu_docker_reply *rep, void *ud);
static bool resume(struct runner_ctr *rc);

/* The follow stream is not a complete record: Docker can end it for a stopped container before
 * its dual-logging copy has every line (measured: the last 100-150 lines of a burst through a
 * synchronous fluentd driver), and under load Docker 20.10's follow skipped lines in the middle
 * of a burst (1,053 of 30,000 and 2,111 of 100,000 in two runs, every skipped line present in
 * a plain read of the same container). So once the follow ended, the whole copy is read again
 * without follow into .<name>.final.log, which replaces the followed copy once read to the
 * end (the follow also repeated lines: 565,290 lines for a container that wrote 500,000). */
static bool reread(struct runner_ctr *rc)
{
    struct emu_task_runner *r = rc->r;
    if (rc->out_reread || !rc->out || r->st->containers[rc->i].restart_enabled) {
        return false; /* a container that may restart keeps its followed copy (resumed) */
    }
    rc->out_reread = true;
    rc->out_followed = rc->out_seen;
    struct emu_buf dir;
    if (emu_output_dir(r->opts.data_dir, r->st->id, &dir) < 0) {
        return false;
    }
    char name[300]; /* container names are at most 255 characters */
    int n = snprintf(name, sizeof(name), ".%s.final", r->st->containers[rc->i].name);
    rc->out_final = n > 0 && (size_t)n < sizeof(name) ? emu_calloc(1, sizeof(*rc->out_final))
                                                       : NULL;
    int rv = rc->out_final ? emu_output_writer_open(rc->out_final, dir.data, name,
                                                    r->opts.output_max)
                           : -ENOMEM;
    emu_buf_done(&dir);
    rv = rv ? rv
            : emu_docker_container_logs_req(r->docker, r->st->containers[rc->i].docker_name,
                                            false, on_out_line, rc, on_logs_done, rc,
                                            &rc->logs_req);
    if (rv < 0) {
        emu_log_debug("task %s: cannot read the output of %s again: %s", r->st->id,
                      r->st->containers[rc->i].name, emu_strerror(rv));
        if (rc->out_final) {
            (void)emu_output_writer_close(rc->out_final);
            (void)unlink(rc->out_final->path);
        }
        emu_free(rc->out_final);
        rc->out_final = NULL;
        return false;
    }
    return true;
}

/* The full re-read ended (status): it replaces the followed copy when it read to the end;
 * otherwise the followed copy stays. */
static void settle_final(struct runner_ctr *rc, int status)
{
    struct emu_task_runner *r = rc->r;
    struct emu_output_writer *f = rc->out_final;
    int rf = emu_output_writer_close(f);
    bool use = status == 0 && rf == 0 && rc->out;
    if (use && rename(f->path, rc->out->path) == 0) {
        if (f->truncated) {
            (void)rename(f->trunc_path, rc->out->trunc_path);
        }
        if (f->lines != rc->out->lines) {
            emu_log_debug("task %s: the logs stream of %s gave %llu lines, the full read %llu; "
                          "the copy is the full read", r->st->id, r->st->containers[rc->i].name,
                          (unsigned long long)rc->out->lines, (unsigned long long)f->lines);
        }
    }
    else {
        (void)unlink(f->path);
        (void)unlink(f->trunc_path);
    }
    emu_free(f);
    rc->out_final = NULL;
}

static void on_logs_done(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_task_runner *r = rc->r;
    rc->logs_req = NULL;
    if (status == 0 && reread(rc)) {
        return; /* still in flight: the re-read */
    }
    r->logs_inflight--;
    if (status < 0 && status != -ECANCELED) {
        emu_log_debug("task %s: reading the output of %s: %s", r->st->id,
                      r->st->containers[rc->i].name,
                      rep && rep->message ? rep->message : emu_strerror(status));
    }
    if (rc->out_resume && status != -ECANCELED && resume(rc)) {
        emu__runner_settle(r);
        return;
    }
    if (rc->out) {
        int rv = emu_output_writer_close(rc->out);
        if (rv < 0) {
            emu_log_warn("task %s: cannot write %s: %s, ignoring", r->st->id, rc->out->path,
                         emu_strerror(rv));
        }
    }
    if (rc->out_final) {
        settle_final(rc, status);
    }
    emu_free(rc->out);
    rc->out = NULL;
    emu__runner_settle(r);
}

void emu__output_flush(struct emu_task_runner *r)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct emu_output_writer *w = r->ctrs[i].out;
        if (w && w->f && fflush(w->f) != 0 && !w->error) {
            w->error = -errno;
        }
    }
}

void emu__output_start(struct runner_ctr *rc)
{
    struct emu_task_runner *r = rc->r;
    if (rc->out || rc->logs_req || r->opts.no_output) {
        return;
    }
    struct emu_buf dir;
    if (emu_output_dir(r->opts.data_dir, r->st->id, &dir) < 0) {
        return;
    }
    rc->out = emu_calloc(1, sizeof(*rc->out));
    int rv = rc->out ? emu_output_writer_open(rc->out, dir.data, r->st->containers[rc->i].name,
                                              r->opts.output_max)
                     : -ENOMEM;
    emu_buf_done(&dir);
    if (rv == 0) {
        rv = emu_docker_container_logs_req(r->docker, r->st->containers[rc->i].docker_name, true,
                                           on_out_line, rc, on_logs_done, rc, &rc->logs_req);
    }
    if (rv < 0) {
        emu_log_warn("task %s: cannot record the output of %s: %s, ignoring", r->st->id,
                     r->st->containers[rc->i].name, emu_strerror(rv));
        if (rc->out) {
            (void)emu_output_writer_close(rc->out);
        }
        emu_free(rc->out);
        rc->out = NULL;
        return;
    }
    r->logs_inflight++;
}

/* A restarted container's copy goes on: Docker's logs endpoint follows the new run but gives
 * the whole log again (every run), so the lines already written are skipped by count; the
 * copy is appended to (reopened when the previous capture had already closed it). */
static bool resume(struct runner_ctr *rc)
{
    struct emu_task_runner *r = rc->r;
    rc->out_resume = false;
    if (r->opts.no_output) {
        return false;
    }
    if (!rc->out) {
        struct emu_buf dir;
        if (emu_output_dir(r->opts.data_dir, r->st->id, &dir) < 0) {
            return false;
        }
        rc->out = emu_calloc(1, sizeof(*rc->out));
        int rv = rc->out ? writer_open(rc->out, dir.data, r->st->containers[rc->i].name,
                                       r->opts.output_max, true)
                         : -ENOMEM;
        emu_buf_done(&dir);
        if (rv < 0) {
            emu_free(rc->out);
            rc->out = NULL;
            return false;
        }
    }
    rc->out_replay = rc->out_seen;
    rc->out_reread = false;
    if (emu_docker_container_logs_req(r->docker, r->st->containers[rc->i].docker_name, true,
                                      on_out_line, rc, on_logs_done, rc, &rc->logs_req) < 0) {
        return false;
    }
    r->logs_inflight++;
    return true;
}

void emu__output_restarted(struct runner_ctr *rc)
{
    if (rc->r->opts.no_output) {
        return;
    }
    rc->out_resume = true;
    if (!rc->logs_req && !resume(rc)) {
        emu_log_warn("task %s: cannot record the output of %s after its restart, ignoring",
                     rc->r->st->id, rc->r->st->containers[rc->i].name);
    }
}

bool emu__output_drained(struct emu_task_runner *r, int64_t now)
{
    if (r->logs_inflight == 0) {
        return true;
    }
    uint64_t lines = 0;
    for (size_t i = 0; i < r->st->n_containers; i++) {
        lines += r->ctrs[i].out ? r->ctrs[i].out->lines : 0;
    }
    if (!r->logs_wait_ms) {
        r->logs_wait_ms = now;
        r->logs_moved_ms = now;
        r->logs_lines = lines;
    }
    if (lines != r->logs_lines) {
        r->logs_lines = lines;
        r->logs_moved_ms = now;
    }
    if (now - r->logs_moved_ms > OUTPUT_STALL_MS || now - r->logs_wait_ms > OUTPUT_DRAIN_MAX_MS) {
        for (size_t i = 0; i < r->st->n_containers; i++) {
            if (r->ctrs[i].logs_req) {
                emu_log_warn("task %s: the output of %s did not end %d s after it stopped; its "
                             "copy may miss the last lines", r->st->id, r->st->containers[i].name,
                             (int)((now - r->logs_wait_ms) / 1000));
                emu_http_cancel(r->ctrs[i].logs_req);
                r->ctrs[i].logs_req = NULL;
            }
        }
    }
    return false;
}

void emu__output_config(struct emu_task_runner *r, const char *target, const char *data,
                        size_t len)
{
    if (!target || target[0] != '/' || strstr(target, "/../")) {
        return;
    }
    struct emu_buf p;
    if (emu_output_dir(r->opts.data_dir, r->st->id, &p) < 0) {
        return;
    }
    int rv = emu_buf_printf(&p, "/%s%s", EMU_OUTPUT_ROUTER_DIR, target);
    for (char *s = p.data ? p.data + 1 : NULL; rv == 0 && s && *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p.data, 0700) < 0 && errno != EEXIST) {
                rv = -errno;
            }
            *s = '/';
        }
    }
    rv = rv ? rv : emu_file_write_atomic(p.data, data, len, 0644);
    if (rv < 0) {
        emu_log_debug("task %s: cannot keep a copy of %s: %s", r->st->id, target,
                      emu_strerror(rv));
    }
    emu_buf_done(&p);
}

void emu__output_router_main(struct emu_task_runner *r, const char *target)
{
    struct emu_buf p;
    if (!target || emu_output_dir(r->opts.data_dir, r->st->id, &p) < 0) {
        return;
    }
    int rv = mkdir(p.data, 0700) < 0 && errno != EEXIST ? -errno : 0;
    rv = rv ? rv : emu_buf_puts(&p, "/" EMU_OUTPUT_ROUTER_MAIN);
    rv = rv ? rv : emu_file_write_atomic(p.data, target, strlen(target), 0644);
    if (rv < 0) {
        emu_log_debug("task %s: cannot record the router's config path: %s", r->st->id,
                      emu_strerror(rv));
    }
    emu_buf_done(&p);
}

void emu_output_router_main(const char *out_dir, char *main_path, size_t n)
{
    char path[4200], *data = NULL;
    size_t len = 0;
    (void)snprintf(main_path, n, "%s", EMU_OUTPUT_ROUTER_DEFAULT);
    int m = snprintf(path, sizeof(path), "%s/" EMU_OUTPUT_ROUTER_MAIN, out_dir);
    if (m < 0 || (size_t)m >= sizeof(path) || emu_file_read(path, 4096, &data, &len) < 0) {
        return;
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' ')) {
        data[--len] = '\0';
    }
    if (len > 1 && len < n && data[0] == '/' && strlen(data) == len && !strstr(data, "/../")) {
        memcpy(main_path, data, len + 1);
    }
    emu_free(data);
}

static void add_int(cJSON *o, const char *key, const struct emu_opt_int *v)
{
    if (v->has) {
        (void)cJSON_AddNumberToObject(o, key, (double)v->v);
    }
}

void emu__output_task_facts(struct emu_task_runner *r)
{
    if (r->opts.no_output) {
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "containers") : NULL;
    for (size_t i = 0; arr && i < r->plan->n_containers; i++) {
        const struct emu_container_plan *cp = &r->plan->containers[i];
        const struct emu_container_def *d = cp->def;
        cJSON *c = cJSON_CreateObject();
        if (!c) {
            break;
        }
        cJSON_AddItemToArray(arr, c);
        (void)cJSON_AddStringToObject(c, "name", d->name);
        (void)cJSON_AddBoolToObject(c, "router", cp->is_router);
        (void)cJSON_AddBoolToObject(c, "firelens", cp->uses_firelens);
        (void)cJSON_AddBoolToObject(c, "essential", !d->essential.has || d->essential.v);
        add_int(c, "memory", &d->memory);
        add_int(c, "memoryReservation", &d->memory_reservation);
        add_int(c, "stopTimeout", &d->stop_timeout);
        cJSON *lo = cJSON_AddObjectToObject(c, "logOptions");
        for (size_t k = 0; lo && k < cp->log_config.config.n; k++) {
            (void)cJSON_AddStringToObject(lo, cp->log_config.config.items[k].key,
                                          cp->log_config.config.items[k].value);
        }
        const char *bl = emu_kv_get(&d->log_configuration.options, "log-driver-buffer-limit");
        if (bl) {
            (void)cJSON_AddStringToObject(c, "logDriverBufferLimit", bl);
        }
    }
    struct emu_buf p, body;
    emu_buf_init(&body, 1024u * 1024u);
    int rv = root ? emu_json_write_pretty(root, &body) : -ENOMEM;
    rv = rv ? rv : emu_output_dir(r->opts.data_dir, r->st->id, &p);
    if (rv == 0) {
        if (mkdir(p.data, 0700) < 0 && errno != EEXIST) {
            rv = -errno;
        }
        rv = rv ? rv : emu_buf_puts(&p, "/" EMU_OUTPUT_TASK_FILE);
        rv = rv ? rv : emu_file_write_atomic(p.data, body.data, body.len, 0644);
        emu_buf_done(&p);
    }
    if (rv < 0) {
        emu_log_debug("task %s: cannot write the audit facts: %s", r->st->id, emu_strerror(rv));
    }
    emu_buf_done(&body);
    cJSON_Delete(root);
}
