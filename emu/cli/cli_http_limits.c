/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing of --client-timeout and --max-connections (cli_http_limits.h). */
#include "emu/cli/cli_http_limits.h"

#include <stdio.h>
#include <stdlib.h>

#include "emu/base/err.h"

int emu_cli_http_limits_parse(const char *cmd, const struct emu_cli_http_limit_opts *o,
                              struct shim_http_limits *out)
{
    *out = (struct shim_http_limits){0};
    char *end = NULL;
    if (o->client_timeout) {
        double s = strtod(o->client_timeout, &end);
        if (end == o->client_timeout || *end || !(s >= 0.1 && s <= 86400)) {
            fprintf(stderr, "fargate-emu %s: --client-timeout expects seconds between 0.1 "
                            "and 86400, got '%s'\n", cmd, o->client_timeout);
            return EMU_EUSAGE;
        }
        out->head_timeout_ms = out->body_timeout_ms = (unsigned)(s * 1000.0 + 0.5);
    }
    if (o->max_connections) {
        unsigned long n = strtoul(o->max_connections, &end, 10);
        if (end == o->max_connections || *end || o->max_connections[0] == '-' || n < 1 ||
            n > 65536) {
            fprintf(stderr, "fargate-emu %s: --max-connections expects 1 to 65536, got "
                            "'%s'\n", cmd, o->max_connections);
            return EMU_EUSAGE;
        }
        out->max_connections = (unsigned)n;
    }
    return 0;
}
