/* SPDX-License-Identifier: Apache-2.0 */
/* `audit --follow`: the live audit of a running task. Every interval it audits what the copies
 * and destinations hold so far and prints, per container and destination, written, delivered,
 * lost so far (what the router's log already reports given up) and in flight (the rest of what
 * has not arrived, until the task stops); when the task stopped, the final audit. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/audit/audit.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_audit.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

struct live_counts {
    uint64_t written, delivered, lost, in_flight;
};

/* While the task runs nothing undelivered is lost yet, except what the router's log already
 * reports its outputs gave up for the container's tag. */
static struct live_counts live_of(const struct emu_audit_ctr *c)
{
    struct live_counts k = {c->counts.written, c->counts.delivered, 0, 0};
    uint64_t missing = c->counts.expected > c->counts.delivered
                           ? c->counts.expected - c->counts.delivered
                           : 0;
    k.lost = c->router.dropped_tag < missing ? c->router.dropped_tag : missing;
    k.in_flight = missing - k.lost;
    return k;
}

static void clock_text(char out[16])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(out, 16, "%H:%M:%S", &tm) == 0) {
        (void)snprintf(out, 16, "--:--:--");
    }
}

static void print_live(const struct emu_audit_result *res, const char *status, bool json)
{
    char now[16];
    clock_text(now);
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "containers") : NULL;
    if (root) {
        (void)cJSON_AddStringToObject(root, "time", now);
        (void)cJSON_AddStringToObject(root, "taskId", res->task_id);
        (void)cJSON_AddStringToObject(root, "lastStatus", status);
    }
    for (size_t i = 0; i < res->n_ctrs; i++) {
        const struct emu_audit_ctr *c = &res->ctrs[i];
        if (!c->destination[0]) {
            continue;
        }
        struct live_counts k = live_of(c);
        if (!json) {
            printf("%s %-14s %s -> %s: written %" PRIu64 ", delivered %" PRIu64 ", lost so far %"
                   PRIu64 ", in flight %" PRIu64 "\n", now, status, c->name, c->destination,
                   k.written, k.delivered, k.lost, k.in_flight);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        if (!o || !arr) {
            cJSON_Delete(o);
            continue;
        }
        cJSON_AddItemToArray(arr, o);
        (void)cJSON_AddStringToObject(o, "name", c->name);
        (void)cJSON_AddStringToObject(o, "destination", c->destination);
        (void)cJSON_AddNumberToObject(o, "written", (double)k.written);
        (void)cJSON_AddNumberToObject(o, "delivered", (double)k.delivered);
        (void)cJSON_AddNumberToObject(o, "lostSoFar", (double)k.lost);
        (void)cJSON_AddNumberToObject(o, "inFlight", (double)k.in_flight);
    }
    if (root) {
        char *text = emu_json_print(root, 0);
        if (text) {
            printf("%s\n", text);
        }
        emu_free(text);
        cJSON_Delete(root);
    }
    fflush(stdout);
}

int emu_cli_audit_follow(const struct emu_cli_global *g, const char *data_dir, const char *id,
                         long interval_ms, double max_loss)
{
    bool waiting_said = false;
    struct emu_audit_result *res = emu_calloc(1, sizeof(*res));
    if (!res) {
        return EMU_EXIT_FAILURE;
    }
    for (;;) {
        struct emu_task_state st;
        int r = emu_cli_task_load(data_dir, "audit", id, &st);
        if (r < 0) {
            emu_free(res);
            return emu_cli_task_load_exit(r);
        }
        bool orphan = st.status != EMU_TASK_STOPPED && st.supervisor_pid > 0 &&
                      !emu_store_supervisor_alive(&st);
        if (orphan) {
            fprintf(stderr, "fargate-emu audit: the supervisor of task %s is gone; its copies "
                            "end here\n", st.id);
        }
        if (st.status == EMU_TASK_STOPPED || orphan) {
            int code = emu_cli_audit_report("audit", data_dir, &st, g->json, max_loss);
            emu_task_state_done(&st);
            emu_free(res);
            return code;
        }
        const char *status = emu_task_status_to_string(st.status);
        r = emu_audit_task(data_dir, &st, res);
        if (r == 0) {
            print_live(res, status, g->json);
        }
        else if (!waiting_said) {
            fprintf(stderr, "fargate-emu audit: task %s is %s: waiting for its output (%s)\n",
                    st.id, status, res->error[0] ? res->error : emu_strerror(r));
            waiting_said = true;
        }
        emu_audit_result_done(res);
        emu_task_state_done(&st);
        emu_cli_sleep_ms(interval_ms);
    }
}
