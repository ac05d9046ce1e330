/* SPDX-License-Identifier: Apache-2.0 */
/* The bundled CloudWatch Logs endpoint (JSON 1.1 over X-Amz-Target, SigV4): start it on a
 * libuv loop with a data directory, stop it. See docs/shims/cloudwatch_logs.md for the
 * operations, the limits enforced and the differences from AWS. */
#ifndef SHIMS_CLOUDWATCH_LOGS_CWL_H
#define SHIMS_CLOUDWATCH_LOGS_CWL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "emu/aws/sigv4.h"

struct shim_cwl;

#define SHIM_CWL_DEFAULT_ACCOUNT "123456789012"

/* Decides whether a caller may perform an action on a resource (the --enforce-iam hook).
 * Returns true to allow; on false *ret_explicit says whether an explicit Deny matched and
 * ret_principal (256 bytes) names the caller as the AccessDenied message does. */
typedef bool (*shim_cwl_authorize_fn)(void *ud, const char *access_key_id, const char *action,
                                      const char *resource, bool *ret_explicit,
                                      char ret_principal[256]);

struct shim_cwl_config {
    const char *root;       /* store directory (created if missing) */
    const char *address;    /* bind address; NULL = 127.0.0.1 */
    uint16_t port;          /* 0 = any free port */
    const char *region;     /* NULL = us-east-1 */
    const char *account_id; /* in ARNs; NULL = SHIM_CWL_DEFAULT_ACCOUNT */
    const char *access_key; /* long-term pair clients sign with; NULL = none */
    const char *secret_key;
    bool allow_anonymous;   /* accept unsigned requests too */
    shim_cwl_authorize_fn authorize; /* IAM checks; NULL = everything allowed */
    void *authorize_ud;
};

/* Opens (or creates) the store, reloading every group, stream and event, and starts serving.
 * Returns 0, or a negative errno (store unreadable, address busy or invalid). */
int shim_cwl_start(uv_loop_t *loop, const struct shim_cwl_config *cfg, struct shim_cwl **ret);

/* The bound port. */
uint16_t shim_cwl_port(const struct shim_cwl *cwl);

/* Stops serving and frees everything once the loop has run its close callbacks. NULL is
 * accepted. */
void shim_cwl_stop(struct shim_cwl *cwl);

#endif
