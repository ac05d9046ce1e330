/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu stop TASK`: asks the task's supervisor to stop it (the reason goes in
 * <id>.stop, then SIGTERM) and waits until it is STOPPED; a task whose supervisor died is
 * swept here instead (containers, network and task dir removed). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/cli/cli_live.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

struct stop_opts {
    const char *reason;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct stop_opts, field)

static const struct emu_cli_option stop_options[] = {
    {"reason", "TEXT", OPT(reason), NULL,
     "stoppedReason to record (default \"Task stopped by user\"; ECS allows 255 characters)", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

static int recover(const struct emu_cli_global *g, const char *data_dir,
                   struct emu_task_state *st, const char *reason)
{
    struct emu_cli_docker d;
    if (emu_cli_docker_open(g, "stop", &d) < 0) {
        return EMU_EXIT_FAILURE;
    }
    int r = emu_cli_task_recover(&d, data_dir, st, reason ? reason : EMU_REASON_USER_STOPPED);
    emu_cli_docker_close(&d);
    if (r < 0) {
        fprintf(stderr, "fargate-emu stop: task %s: some objects were not removed: %s\n", st->id,
                emu_strerror(r));
        return EMU_EXIT_FAILURE;
    }
    return EMU_EXIT_OK;
}

static int ask_supervisor(const char *data_dir, struct emu_task_state *st, const char *reason)
{
    struct emu_buf p;
    int r = emu_store_paths(data_dir, st->id, ".stop", &p);
    if (r == 0) {
        const char *text = reason ? reason : "";
        r = emu_file_write_atomic(p.data, text, strlen(text), 0600);
        emu_buf_done(&p);
    }
    if (r < 0) {
        fprintf(stderr, "fargate-emu stop: cannot write the stop request: %s\n", emu_strerror(r));
        return EMU_EXIT_FAILURE;
    }
    if (kill((pid_t)st->supervisor_pid, SIGTERM) < 0 && errno != ESRCH) {
        fprintf(stderr, "fargate-emu stop: cannot signal the supervisor (pid %ld): %s\n",
                st->supervisor_pid, strerror(errno));
        return EMU_EXIT_FAILURE;
    }
    return EMU_EXIT_OK;
}

static int exec_stop(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct stop_opts *opts = optsp;
    if (argc != 1) {
        fprintf(stderr, "fargate-emu stop: expected one task ID (usage: fargate-emu stop %s)\n",
                emu_cmd_stop.usage);
        return EMU_EXIT_USAGE;
    }
    if (opts->reason && strlen(opts->reason) > 255) {
        fprintf(stderr, "fargate-emu stop: --reason is over ECS's 255 characters\n");
        return EMU_EXIT_USAGE;
    }
    char data_dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "stop", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct emu_task_state st;
    int r = emu_cli_task_load(data_dir, "stop", argv[0], &st);
    if (r < 0) {
        return emu_cli_task_load_exit(r);
    }
    char id[33];
    (void)snprintf(id, sizeof(id), "%s", st.id);
    int code = EMU_EXIT_OK;
    if (st.status == EMU_TASK_STOPPED) {
        printf("task %s is already stopped\n", id);
    }
    else if (!emu_store_supervisor_alive(&st)) {
        code = recover(g, data_dir, &st, opts->reason);
    }
    else {
        code = ask_supervisor(data_dir, &st, opts->reason);
    }
    emu_task_state_done(&st);
    /* Wait until the supervisor has removed everything. */
    while (code == EMU_EXIT_OK) {
        if (emu_store_load(data_dir, id, &st) < 0) {
            break;
        }
        bool stopped = st.status == EMU_TASK_STOPPED;
        bool orphan = !stopped && !emu_store_supervisor_alive(&st);
        if (stopped) {
            /* The supervisor writes STOPPED, then releases the endpoints (ports, the
             * 169.254.170.2 address): wait for its exit, a few seconds at most. */
            for (int i = 0; i < 100 && emu_store_supervisor_alive(&st) &&
                            st.supervisor_pid != (long)getpid();
                 i++) {
                emu_cli_sleep_ms(50);
            }
            emu_cli_print_stopped(stdout, &st);
        }
        else if (orphan) {
            code = recover(g, data_dir, &st, opts->reason);
            emu_task_state_done(&st);
            continue;
        }
        emu_task_state_done(&st);
        if (stopped) {
            break;
        }
        emu_cli_sleep_ms(50);
    }
    return code;
}

static const struct emu_cli_exit stop_exits[] = {
    {EMU_EXIT_OK, "the task is stopped (or was already)"},
    {EMU_EXIT_FAILURE, "the supervisor could not be asked, or some containers, networks or files "
                       "of a task whose supervisor died could not be removed"},
    {EMU_EXIT_USAGE, "usage error, or no task (or more than one) matches TASK"},
    {0, NULL},
};

static const struct emu_cli_example stop_examples[] = {
    {"fargate-emu stop 0123abcd", "Stop the task whose ID starts with 0123abcd."},
    {"fargate-emu stop --reason \"deploy finished\" 0123abcd",
     "Stop it and record the reason as its stoppedReason."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_stop = {
    .name = "stop",
    .summary = "Stop a task: containers in reverse dependency order, SIGTERM then SIGKILL after "
               "each one's stopTimeout; waits until everything is removed.",
    .usage = "[--reason TEXT] [--data-dir DIR] TASK",
    .description = "Writes the stop reason next to the task's state and sends SIGTERM to the "
                   "task's supervisor, which stops the containers as ECS does and removes them, "
                   "then waits until the task is STOPPED. A task whose supervisor died (shown as "
                   "`(lost)` by `ps`) is swept here instead: its containers, network and task "
                   "directory are removed.",
    .options = stop_options,
    .exit_codes = stop_exits,
    .examples = stop_examples,
    .opts_size = sizeof(struct stop_opts),
    .reads_taskdef = false,
    .exec = exec_stop,
};
