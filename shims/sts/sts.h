/* SPDX-License-Identifier: Apache-2.0 */
/* The bundled STS endpoint (query protocol, XML answers): GetCallerIdentity, AssumeRole and
 * AssumeRoleWithWebIdentity, issuing temporary credentials that every shim accepts through
 * the shared store of shims/common/creds.h. See docs/shims/sts.md. */
#ifndef SHIMS_STS_STS_H
#define SHIMS_STS_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct shim_sts;
struct shim_faults;

struct shim_sts_config {
    const char *address;    /* bind address; NULL = 127.0.0.1 */
    uint16_t port;          /* 0 = any free port */
    const char *region;     /* NULL = us-east-1 */
    const char *account_id; /* NULL = 123456789012 */
    const char *access_key; /* long-term pair: the identity "user/fargate-emu" */
    const char *secret_key;
    bool allow_anonymous;
    struct shim_faults *faults; /* fault injection (borrowed, outlives the shim), or NULL */
};

/* Starts serving and installs the temporary-credential lookup for every shim. Returns 0 or a
 * negative errno. */
int shim_sts_start(uv_loop_t *loop, const struct shim_sts_config *cfg, struct shim_sts **ret);
uint16_t shim_sts_port(const struct shim_sts *sts);
/* Whether op is the AWS name of an action the shim serves ("AssumeRole"). */
bool shim_sts_has_operation(const char *op);
/* Stops serving; the credentials it issued stay valid until shim_sts_creds_clear. */
void shim_sts_stop(struct shim_sts *sts);

/* The ARN a request signed with access_key_id acts as, for AccessDenied messages and IAM
 * checks ("arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"). Returns 0, or -ENOENT for a key
 * the store does not hold (a long-term key). */
int shim_sts_principal(const char *access_key_id, char *out, size_t out_size);

/* Mints temporary credentials for role_arn (a task role) outside any request, as the container
 * credentials endpoint does. out_* sizes: 32, 64, 1024, 32 bytes. Returns 0 or a negative
 * errno. */
int shim_sts_mint(const char *role_arn, const char *session, int64_t now_s, long duration_s,
                  char out_key[32], char out_secret[64], char out_token[1024],
                  char out_expiration[32]);

/* Drops every issued credential (tests, process exit). */
void shim_sts_creds_clear(void);

#endif
