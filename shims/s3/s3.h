/* SPDX-License-Identifier: Apache-2.0 */
/* The bundled S3-compatible endpoint: start it on a libuv loop with a data directory, stop it.
 * Path-style and virtual-hosted addressing, SigV4 (or anonymous) access, atomic on-disk
 * objects. See docs/shims/s3.md for the operations and the differences from AWS. */
#ifndef SHIMS_S3_S3_H
#define SHIMS_S3_S3_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"

struct shim_s3;
struct shim_faults;

/* Default credentials of `fargate-emu serve` (documented in docs/shims/s3.md). */
#define SHIM_S3_DEFAULT_ACCESS_KEY "fargate-emu"
#define SHIM_S3_DEFAULT_SECRET_KEY "fargate-emu-secret"
#define SHIM_S3_DEFAULT_REGION "us-east-1"
#define SHIM_S3_DEFAULT_BASE_DOMAIN "localhost"
#define SHIM_S3_MAX_OBJECT_SIZE (5ull * 1024 * 1024 * 1024) /* S3's single PUT limit */
#define SHIM_S3_MAX_HEADER_BYTES 8192 /* S3: "the PUT request header is limited to 8 KB" */

struct shim_s3_config {
    const char *root;        /* store directory (created if missing) */
    const char *address;     /* bind address; NULL = 127.0.0.1 */
    uint16_t port;           /* 0 = any free port */
    const char *region;      /* NULL = SHIM_S3_DEFAULT_REGION */
    const char *base_domain; /* virtual-hosted style suffix; NULL = "localhost" */
    const char *access_key;  /* NULL with allow_anonymous: no signed access at all */
    const char *secret_key;
    bool allow_anonymous;    /* accept unsigned requests too */
    uint64_t max_object_size; /* 0 = SHIM_S3_MAX_OBJECT_SIZE */
    uint64_t max_store_bytes; /* the store as a disk of this size (500 InternalError when
                               * full); 0 = no cap */
    struct shim_faults *faults; /* fault injection (borrowed, outlives the shim), or NULL */
    uint64_t compact_min_dead; /* a pack is rewritten past this many dead bytes (and half its
                                * size); 0 = 8 MiB, UINT64_MAX = never */
};

/* Opens the store and starts serving. Returns 0, or a negative errno (the store could not be
 * opened or created, the address is busy or invalid). */
int shim_s3_start(uv_loop_t *loop, const struct shim_s3_config *cfg, struct shim_s3 **ret);

/* The bound port. */
uint16_t shim_s3_port(const struct shim_s3 *s3);

/* Whether op is the AWS name of an operation in the route table ("PutObject"). */
bool shim_s3_has_operation(const char *op);

/* ---- in-process access (s3_local.c), for `fargate-emu run` and `logs` ---- */

/* Creates bucket name in the running endpoint's store when it is missing (*ret_created says
 * whether it was). 0, -EINVAL (invalid bucket name), or a negative errno. */
int shim_s3_ensure_bucket(struct shim_s3 *s3, const char *name, bool *ret_created);

/* Reads an object of the running endpoint into out (its ceiling applies). 0, -ENOENT
 * (no such bucket or key), -E2BIG. */
int shim_s3_read(struct shim_s3 *s3, const char *bucket, const char *key, struct emu_buf *out);

/* A store opened without a server, to read what arrived (`fargate-emu logs`). Safe while
 * `run` supervisors write to it. */
struct shim_s3_view;
int shim_s3_view_open(const char *root, struct shim_s3_view **ret);
void shim_s3_view_free(struct shim_s3_view *v);
size_t shim_s3_view_bucket_count(struct shim_s3_view *v);
const char *shim_s3_view_bucket_name(struct shim_s3_view *v, size_t i);
/* Calls cb for every key of bucket starting with prefix, in byte order; a non-zero cb return
 * stops the walk and is returned. -ENOENT for no such bucket. */
int shim_s3_view_list(struct shim_s3_view *v, const char *bucket, const char *prefix,
                      int (*cb)(const char *key, uint64_t size, int64_t mtime_ms, void *ud),
                      void *ud);
int shim_s3_view_read(struct shim_s3_view *v, const char *bucket, const char *key,
                      struct emu_buf *out);

/* Stops serving and frees everything once the loop has run its close callbacks. NULL is
 * accepted. */
void shim_s3_stop(struct shim_s3 *s3);

#endif
