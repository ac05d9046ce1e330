/* SPDX-License-Identifier: Apache-2.0 */
/* --client-timeout and --max-connections, shared by `serve` and `run`: the option table
 * entries and their parsing into the shims' process-wide connection limits. */
#ifndef EMU_CLI_CLI_HTTP_LIMITS_H
#define EMU_CLI_CLI_HTTP_LIMITS_H

#include <stddef.h>

#include "emu/cli/cli.h"
#include "shims/common/http.h"

struct emu_cli_http_limit_opts {
    const char *client_timeout;  /* --client-timeout SECONDS */
    const char *max_connections; /* --max-connections N */
};

/* The two option table entries, for a command whose options struct has a
 * struct emu_cli_http_limit_opts member:
 *     EMU_CLI_HTTP_LIMIT_OPTIONS(struct serve_opts, limits),
 */
#define EMU_CLI_HTTP_LIMIT_OPTIONS(type, member)                                               \
    {"client-timeout", "SECONDS", EMU_OPT_COMMAND, offsetof(type, member.client_timeout), NULL, \
     "a request head must arrive within SECONDS of its first byte (else 408 and close), a "   \
     "request body must not stall longer (else 400 RequestTimeout); default 20",               \
     EMU_OPT_SCALAR},                                                                          \
    {"max-connections", "N", EMU_OPT_COMMAND, offsetof(type, member.max_connections), NULL,   \
     "connections each endpoint holds at once (default 1024); when all are taken, the one "   \
     "waiting longest for a request head is closed to make room",                             \
     EMU_OPT_SCALAR}

/* Parses the options into out (zero fields: the defaults). Prints why and returns EMU_EUSAGE
 * when a value is out of range (cmd names the command in the message). */
int emu_cli_http_limits_parse(const char *cmd, const struct emu_cli_http_limit_opts *o,
                              struct shim_http_limits *out);

#endif
