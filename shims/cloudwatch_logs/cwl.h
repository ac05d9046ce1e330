/* SPDX-License-Identifier: Apache-2.0 */
/* The bundled CloudWatch Logs endpoint (JSON 1.1 over X-Amz-Target, SigV4): start it on a
 * libuv loop with a data directory, stop it. See docs/shims/cloudwatch_logs.md for the
 * operations, the limits enforced and the differences from AWS. */
#ifndef SHIMS_CLOUDWATCH_LOGS_CWL_H
#define SHIMS_CLOUDWATCH_LOGS_CWL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>


struct shim_cwl;
struct shim_faults;

#define SHIM_CWL_DEFAULT_ACCOUNT "123456789012"


struct shim_cwl_config {
    const char *root;       /* store directory (created if missing) */
    const char *address;    /* bind address; NULL = 127.0.0.1 */
    uint16_t port;          /* 0 = any free port */
    const char *region;     /* NULL = us-east-1 */
    const char *account_id; /* in ARNs; NULL = SHIM_CWL_DEFAULT_ACCOUNT */
    const char *access_key; /* long-term pair clients sign with; NULL = none */
    const char *secret_key;
    bool allow_anonymous;   /* accept unsigned requests too */
    struct shim_faults *faults; /* fault injection (borrowed, outlives the shim), or NULL */
};

/* Opens (or creates) the store, reloading every group, stream and event, and starts serving.
 * Returns 0, or a negative errno (store unreadable, address busy or invalid). */
int shim_cwl_start(uv_loop_t *loop, const struct shim_cwl_config *cfg, struct shim_cwl **ret);

/* The bound port. */
uint16_t shim_cwl_port(const struct shim_cwl *cwl);

/* Whether op is the AWS name of an operation the shim serves ("PutLogEvents"). */
bool shim_cwl_has_operation(const char *op);

/* Stops serving and frees everything once the loop has run its close callbacks. NULL is
 * accepted. */
void shim_cwl_stop(struct shim_cwl *cwl);

#endif
