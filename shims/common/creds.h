/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide store of temporary credentials (access key id, secret, session token, expiry):
 * the STS shim registers what it issues, and every shim's SigV4 check looks keys up here after
 * its own long-term pair. Thread-safe; every entry and field has a ceiling. */
#ifndef SHIMS_COMMON_CREDS_H
#define SHIMS_COMMON_CREDS_H

#include <stddef.h>
#include <stdint.h>

#define SHIM_CREDS_MAX_ENTRIES 10000 /* live temporary credentials */
#define SHIM_CREDS_MAX_KEY_ID 128    /* access key id bytes incl. NUL (as EMU_SIGV4_MAX_KEY_ID) */
#define SHIM_CREDS_MAX_SECRET 128    /* secret access key bytes incl. NUL */
#define SHIM_CREDS_MAX_TOKEN 4096    /* session token bytes incl. NUL */

/* A copy of one registered credential (lookup fills it; nothing in it is borrowed). */
struct shim_cred {
    char access_key_id[SHIM_CREDS_MAX_KEY_ID];
    char secret_access_key[SHIM_CREDS_MAX_SECRET];
    char session_token[SHIM_CREDS_MAX_TOKEN];
    int64_t expires_at; /* UTC seconds; the credential is refused from this second on */
};

/* Registers temporary credentials, replacing an entry with the same access key id. Expired
 * entries are dropped first when the store is full. Returns 0, -EINVAL (a field empty or over
 * its ceiling, or expires_at <= now), -E2BIG (SHIM_CREDS_MAX_ENTRIES live entries), -ENOMEM. */
int shim_creds_add(const char *access_key_id, const char *secret_access_key,
                   const char *session_token, int64_t expires_at, int64_t now);

/* Copies the entry of access_key_id into *ret. Returns 0, -ENOENT (never registered or
 * removed), -ETIMEDOUT (registered but expired at now: the entry is dropped, ret untouched). */
int shim_creds_lookup(const char *access_key_id, int64_t now, struct shim_cred *ret);

/* Removes one entry. Returns 0 or -ENOENT. */
int shim_creds_remove(const char *access_key_id);

/* Drops every entry expired at now; returns how many were dropped. */
size_t shim_creds_expire(int64_t now);

/* Number of entries held (expired ones included until dropped). */
size_t shim_creds_count(void);

/* Drops every entry and frees the store's memory (process exit, tests). */
void shim_creds_clear(void);

#endif
