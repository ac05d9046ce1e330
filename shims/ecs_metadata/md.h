/* SPDX-License-Identifier: Apache-2.0 */
/* The task metadata and container credentials endpoint (what the ECS agent serves on
 * 169.254.170.2): /v2/credentials/<id>, /v3/<id> and /v4/<id> with /task, /taskWithTags,
 * /stats and /task/stats. Documents come from a provider callback (the live task). */
#ifndef SHIMS_ECS_METADATA_MD_H
#define SHIMS_ECS_METADATA_MD_H

#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"

struct shim_md;

#define SHIM_MD_MAX_CREDENTIALS 64
#define SHIM_MD_ID_MAX 128

enum shim_md_doc {
    SHIM_MD_CONTAINER = 0, /* ${V4} */
    SHIM_MD_TASK,          /* ${V4}/task */
    SHIM_MD_TASK_WITH_TAGS,
    SHIM_MD_STATS,         /* ${V4}/stats */
    SHIM_MD_TASK_STATS,    /* ${V4}/task/stats */
};

/* Appends the document kind for the container whose endpoint id is id (the <id> of
 * ECS_CONTAINER_METADATA_URI_V4) to out. Returns 0, -ENOENT (unknown id) or another negative
 * errno (answered 500). version is 3 or 4. */
typedef int (*shim_md_doc_fn)(void *ud, const char *id, int version, enum shim_md_doc kind,
                              struct emu_buf *out);

struct shim_md_config {
    const char *address; /* NULL = 127.0.0.1 */
    uint16_t port;       /* 0 = any free port */
    const char *device;  /* bind to this interface only (SO_BINDTODEVICE); NULL = any */
    shim_md_doc_fn doc;
    void *ud;
};

int shim_md_start(uv_loop_t *loop, const struct shim_md_config *cfg, struct shim_md **ret);
uint16_t shim_md_port(const struct shim_md *md);
void shim_md_stop(struct shim_md *md);

/* Serves credentials under /v2/credentials/<id>. role_arn NULL registers the id as known but
 * not yet delivered (CredentialsUninitialized). Strings are copied. 0, -E2BIG, -EINVAL. */
int shim_md_set_credentials(struct shim_md *md, const char *id, const char *role_arn,
                            const char *key, const char *secret, const char *token,
                            const char *expiration);

#endif
