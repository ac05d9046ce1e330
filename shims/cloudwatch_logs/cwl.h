/* SPDX-License-Identifier: Apache-2.0 */
/* The bundled CloudWatch Logs endpoint (JSON 1.1 over X-Amz-Target, SigV4): start it on a
 * libuv loop with a data directory, stop it. See docs/shims/cloudwatch_logs.md for the
 * operations, the limits enforced and the differences from AWS. */
#ifndef SHIMS_CLOUDWATCH_LOGS_CWL_H
#define SHIMS_CLOUDWATCH_LOGS_CWL_H

#include <stdbool.h>
#include <stddef.h>
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

/* One event for shim_cwl_put (message bytes borrowed for the call). */
struct shim_cwl_event {
    int64_t timestamp; /* Unix ms */
    const char *message;
    size_t len;
};

/* In-process CreateLogGroup (only when create_group) + CreateLogStream, existing ones being
 * fine. Returns 0, -ENOENT (the group does not exist and create_group is false), -EINVAL (a
 * name CloudWatch refuses), or a store errno. */
int shim_cwl_prepare(struct shim_cwl *cwl, const char *group, bool create_group,
                     const char *stream);

/* In-process PutLogEvents of n events in chronological order (at most 10,000 and 1 MiB as
 * the service counts): stored with the service's rules; *ret_rejected counts events it
 * refuses (too old or new). 0, -ENOENT (no such stream), -EINVAL (batch refused). */
int shim_cwl_put(struct shim_cwl *cwl, const char *group, const char *stream,
                 const struct shim_cwl_event *ev, size_t n, size_t *ret_rejected);

#endif
