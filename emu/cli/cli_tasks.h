/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the task commands (run, ps, describe, stop, wait): the data dir default,
 * a connected Docker client on a fresh loop, task lookup and the crash-recovery sweep. */
#ifndef EMU_CLI_CLI_TASKS_H
#define EMU_CLI_CLI_TASKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "emu/base/loop.h"
#include "emu/base/uv_curl.h"
#include "emu/cli/cli.h"
#include "emu/runtime/runtime.h"

#define EMU_CLI_PATH_MAX 4096

/* --data-dir, else $XDG_STATE_HOME/fargate-emu, else ~/.local/state/fargate-emu; refused when
 * the FireLens socket path under it would not fit a unix socket (108 bytes). Prints why and
 * returns a negative code on failure. */
int emu_cli_data_dir(const struct emu_cli_global *g, const char *cmd, char *out, size_t n);

struct emu_cli_docker {
    struct emu_loop loop;
    struct emu_http *http;
    struct emu_docker *docker;
    bool loop_ok;
};

/* Creates the loop, the HTTP client and a Docker client connected (API version negotiated) to
 * --docker-host / $DOCKER_HOST. Prints why and returns a negative code on failure. */
int emu_cli_docker_open(const struct emu_cli_global *g, const char *cmd, struct emu_cli_docker *d);

/* Frees the client, closes the loop. */
void emu_cli_docker_close(struct emu_cli_docker *d);

/* Loads a task by ID, ID prefix or ARN, printing why on failure. */
int emu_cli_task_load(const char *data_dir, const char *cmd, const char *id,
                      struct emu_task_state *st);

/* The exit code for a failed emu_cli_task_load: EMU_EXIT_USAGE when TASK names no task or
 * several (an input error), else EMU_EXIT_FAILURE. */
int emu_cli_task_load_exit(int r);

/* A task whose supervisor died without reaching STOPPED: removes its Docker objects and task
 * dir and marks it STOPPED with reason. Returns 0 or a negative code. */
int emu_cli_task_recover(struct emu_cli_docker *d, const char *data_dir,
                         struct emu_task_state *st, const char *reason);

/* Sweeps every task of the data dir whose supervisor is gone (used by run). */
void emu_cli_recover_all(struct emu_cli_docker *d, const char *data_dir);

/* Exit code rule of --wait and `wait`: the first essential container's exit code, 1 when the
 * task never ran one to an exit code. */
/* Parses a size ("1048576", "64K", "10M", "2G"; 1024-based) for option opt of cmd; prints
 * the usage error and returns EMU_EUSAGE on a bad one. */
int emu_cli_parse_bytes(const char *cmd, const char *opt, const char *text, uint64_t *ret);

int emu_cli_task_exit_code(const struct emu_task_state *st);

/* Sleeps ms milliseconds. */
void emu_cli_sleep_ms(long ms);

#endif
