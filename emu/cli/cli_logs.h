/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by cmd_logs.c and cli_logs_cwl.c: reading the CloudWatch Logs shim's store for
 * `fargate-emu logs cloudwatch://GROUP[/STREAM]` and `logs --task`. */
#ifndef EMU_CLI_CLI_LOGS_H
#define EMU_CLI_CLI_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/cli/cli_tasks.h"

/* Decides whether an event (its stream and message) is printed. */
typedef bool (*emu_cli_logs_want_fn)(void *ud, const char *stream, const char *message,
                                     size_t len);

struct emu_cli_logs_cwl {
    const char *root;     /* <data-dir>/logs */
    const char *target;   /* "GROUP[/STREAM-PREFIX]"; NULL = every group */
    bool follow;          /* remember how far each stream was read */
    bool count;           /* count only */
    bool json;            /* --json: each event wrapped as {"location","record"} */
    emu_cli_logs_want_fn want; /* NULL = every event */
    void *ud;
    unsigned long long matched;
    /* private */
    void *cursors;
    size_t n_cursors;
    char best_dir[EMU_CLI_PATH_MAX + 1024];
};

/* One pass: prints the new matching events as JSON lines ({"timestamp","ingestionTime",
 * "message"}, as stored), the stream names and counts on stderr. 0 or a negative errno (the
 * store unreadable; a missing store is empty). */
int emu_cli_logs_cwl_scan(struct emu_cli_logs_cwl *c);
void emu_cli_logs_cwl_done(struct emu_cli_logs_cwl *c);

/* Prints one record (a line of an S3 object, or a stored CloudWatch event) on stdout: as is, or
 * with json as {"location": LOCATION, "record": R} on one line, R the line parsed when it is JSON
 * and the line as a string when it is not (the shape `logs --json` documents). */
void emu_cli_logs_print(const char *location, const char *line, size_t n, bool json);

#endif
