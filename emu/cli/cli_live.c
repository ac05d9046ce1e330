/* SPDX-License-Identifier: Apache-2.0 */
/* The live view of `run`: a table of the task and its containers redrawn with ANSI cursor
 * movement on a TTY, or timestamped transition lines when the output is a pipe or a file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/cli/cli_live.h"
#include "emu/runtime/runtime.h"

void emu_cli_live_init(struct emu_cli_live *l, FILE *out, bool tty)
{
    memset(l, 0, sizeof(*l));
    l->out = out;
    l->tty = tty;
}

static void stamp(char out[16])
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    (void)localtime_r(&ts.tv_sec, &tm);
    char hms[10];
    (void)strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
    (void)snprintf(out, 16, "%.8s.%03d", hms, (int)(ts.tv_nsec / 1000000L) % 1000);
}

static void exit_text(const struct emu_ctr_state *c, char out[16])
{
    if (c->has_exit_code) {
        (void)snprintf(out, 16, "%d", c->exit_code);
    }
    else {
        (void)snprintf(out, 16, "-");
    }
}

static void draw_table(struct emu_cli_live *l, const struct emu_task_state *st)
{
    if (l->lines_drawn) {
        fprintf(l->out, "\033[%dA", l->lines_drawn);
    }
    int lines = 0;
    fprintf(l->out, "\033[2Ktask %s  %s:%ld  %s (desired %s)\n", st->id, st->family,
            st->revision, emu_task_status_to_string(st->status),
            emu_task_status_to_string(st->desired));
    fprintf(l->out, "\033[2K  %-20s %-8s %-9s %-5s %s\n", "CONTAINER", "STATUS", "HEALTH",
            "EXIT", "PORTS / REASON");
    lines += 2;
    for (size_t i = 0; i < st->n_containers; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        char ex[16];
        exit_text(c, ex);
        fprintf(l->out, "\033[2K  %-20.20s %-8s %-9s %-5s %.70s\n", c->name,
                emu_ctr_status_to_string(c->status),
                c->has_health_check ? emu_health_to_string(c->health) : "-", ex,
                c->reason[0] ? c->reason : c->ports);
        lines++;
    }
    l->lines_drawn = lines;
}

static void print_lines(struct emu_cli_live *l, const struct emu_task_state *st)
{
    char t[16];
    stamp(t);
    if (!l->started || l->task != st->status) {
        fprintf(l->out, "%s task %s %s\n", t, st->id, emu_task_status_to_string(st->status));
    }
    for (size_t i = 0; i < st->n_containers && i < EMU_TASK_MAX_CONTAINERS; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        enum emu_ctr_status shown = c->status == EMU_CTR_CREATED ? EMU_CTR_PENDING : c->status;
        if (l->started && l->ctr[i] == shown && l->health[i] == c->health) {
            continue;
        }
        if (!l->started && shown == EMU_CTR_PENDING) {
            l->ctr[i] = shown;
            continue;
        }
        fprintf(l->out, "%s container %s %s", t, c->name, emu_ctr_status_to_string(shown));
        if (c->has_health_check && c->health != EMU_HEALTH_UNKNOWN) {
            fprintf(l->out, " (%s)", emu_health_to_string(c->health));
        }
        if (shown == EMU_CTR_STOPPED && c->has_exit_code) {
            fprintf(l->out, " exit code %d", c->exit_code);
        }
        if (shown == EMU_CTR_STOPPED && c->reason[0]) {
            fprintf(l->out, ": %s", c->reason);
        }
        fputc('\n', l->out);
        l->ctr[i] = shown;
        l->health[i] = c->health;
    }
}

void emu_cli_live_update(struct emu_cli_live *l, const struct emu_task_state *st)
{
    if (l->tty) {
        draw_table(l, st);
    }
    else {
        print_lines(l, st);
    }
    l->started = true;
    l->task = st->status;
    fflush(l->out);
}

void emu_cli_print_stopped(FILE *out, const struct emu_task_state *st)
{
    fprintf(out, "task %s stopped", st->id);
    if (st->stopped_reason[0]) {
        fprintf(out, ": %s", st->stopped_reason);
    }
    if (st->stop_code) {
        fprintf(out, " (%s)", emu_stop_code_to_string(st->stop_code));
    }
    fputc('\n', out);
    for (size_t i = 0; i < st->n_containers; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        char ex[16];
        exit_text(c, ex);
        fprintf(out, "  %s%s: exit code %s%s%s\n", c->name, c->essential ? " (essential)" : "",
                ex, c->reason[0] ? ", " : "", c->reason);
    }
}

int emu_cli_print_task_json(FILE *out, const char *cmd, const struct emu_task_state *st,
                            bool as_array)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *t = root ? emu_store_describe_json(st) : NULL;
    bool attached = false, added = false;
    if (t && as_array) {
        cJSON *tasks = cJSON_AddArrayToObject(root, "tasks");
        attached = tasks && cJSON_AddItemToArray(tasks, t);
        added = attached && cJSON_AddArrayToObject(root, "failures");
    }
    else if (t) {
        added = attached = cJSON_AddItemToObject(root, "task", t);
    }
    if (t && !attached) {
        cJSON_Delete(t);
    }
    struct emu_buf b;
    emu_buf_init(&b, EMU_JSON_MAX_INPUT);
    int r = added ? emu_json_write_pretty(root, &b) : -ENOMEM;
    if (r == 0) {
        fwrite(b.data, 1, b.len, out);
        fflush(out);
    }
    else {
        fprintf(stderr, "fargate-emu %s: cannot print the task: %s\n", cmd, emu_strerror(r));
    }
    emu_buf_done(&b);
    cJSON_Delete(root);
    return r;
}
