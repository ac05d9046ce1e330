/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection for any command that starts the shims (serve today, run next): the shared
 * --fault/--fault-seed option rows, the engine they build, and its control socket. */
#ifndef EMU_CLI_CLI_FAULT_H
#define EMU_CLI_CLI_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "emu/cli/cli.h"
#include "shims/common/fault.h"
#include "shims/common/fault_ctl.h"

/* The control socket's name under the data dir (serve). */
#define EMU_CLI_FAULT_SOCKET "control.sock"
/* A `run` supervisor's control socket: <data-dir>/tasks/<task ID> + this suffix. */
#define EMU_CLI_FAULT_TASK_SUFFIX ".ctl"

/* Embedded in a command's options struct. */
struct emu_cli_fault_opts {
    struct emu_cli_list specs; /* --fault SPEC, repeatable */
    const char *seed;          /* --fault-seed N */
};

/* The two option rows, for the options table of a command whose options struct `type` has a
 * struct emu_cli_fault_opts named `member`:
 *     EMU_CLI_FAULT_OPTIONS(struct serve_opts, faults),
 */
#define EMU_CLI_FAULT_OPTIONS(type, member)                                                    \
    {"fault", "SPEC", EMU_OPT_COMMAND, offsetof(type, member.specs), NULL,                    \
     "inject faults into the shims, e.g. s3:PutObject:rate=0.3:status=503:code=SlowDown, "    \
     "logs:PutLogEvents:count=5, s3:*:latency=200ms, s3:down=20s:after=10s; grammar in "      \
     "docs/faults.md (repeatable)",                                                            \
     EMU_OPT_LIST},                                                                            \
    {"fault-seed", "N", EMU_OPT_COMMAND, offsetof(type, member.seed), NULL,                   \
     "seed of the fault decisions (default: random, printed at start so a run can be "        \
     "replayed)",                                                                              \
     EMU_OPT_SCALAR}

/* The shims as fault specs name them, with their operation tables. */
extern const struct shim_fault_service emu_cli_fault_services[];
extern const size_t emu_cli_fault_n_services;

/* What a command runs for fault injection. */
struct emu_cli_faults {
    struct shim_faults *engine;
    struct shim_fault_ctl *ctl;
    char socket[108];
};

/* Builds the engine (seed from --fault-seed, else random) and adds every --fault at clock
 * now_ms. Prints "fargate-emu CMD: ..." and returns EMU_EUSAGE for a bad spec or seed,
 * EMU_ENOMEM on OOM; 0 on success (then the seed is logged at info level). */
int emu_cli_faults_init(struct emu_cli_faults *cf, const char *cmd,
                        const struct emu_cli_fault_opts *o, int64_t now_ms);

/* Checks the specs and the seed without logging (a command that detaches checks them first)
 * and, when no --fault-seed was given, pins a random one in o->seed (stored in seed), so the
 * engine built later uses it. Prints and returns EMU_EUSAGE for a bad spec or seed. */
int emu_cli_faults_check(const char *cmd, struct emu_cli_fault_opts *o, char *seed,
                         size_t seed_size);

/* Serves the control socket at DATA_DIR/control.sock on loop; logs and returns an error. */
int emu_cli_faults_serve(struct emu_cli_faults *cf, uv_loop_t *loop, const char *data_dir);

/* Serves the control socket at path (a `run` supervisor: <data-dir>/tasks/<id>.ctl); a path
 * over 107 bytes is warned about and skipped. Logs and returns an error. */
int emu_cli_faults_serve_path(struct emu_cli_faults *cf, uv_loop_t *loop, const char *path);

/* Stops the control socket (the loop must run again to free it). */
void emu_cli_faults_stop(struct emu_cli_faults *cf);

/* Frees the engine; call after the shims and the loop are done. */
void emu_cli_faults_done(struct emu_cli_faults *cf);

/* Sends one control request line to the emulator whose data dir is data_dir and stores the
 * answer line (without '\n') in out. Returns 0, -ENOENT/-ECONNREFUSED when none runs there,
 * -ENAMETOOLONG, -E2BIG or another negative errno. */
int emu_cli_fault_request(const char *data_dir, const char *line, struct emu_buf *out);

/* The same through the socket at path. */
int emu_cli_fault_request_path(const char *path, const char *line, struct emu_buf *out);

#endif
