/* SPDX-License-Identifier: Apache-2.0 */
/* The temporary-credential store behind shims/common/creds.h: a sorted array of entries under
 * one mutex (the STS shim may register from any thread; lookups run on the loop). */
#include "shims/common/creds.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"

struct entry {
    char *key_id;
    char *secret;
    char *token;
    int64_t expires_at;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry **ents; /* sorted by key_id (strcmp) */
static size_t n_ents;
static size_t cap_ents;

static void entry_free(struct entry *e)
{
    if (!e) {
        return;
    }
    emu_free(e->key_id);
    emu_free(e->secret);
    emu_free(e->token);
    emu_free(e);
}

/* Index of key_id, or of where it would go (*ret_found false). */
static size_t find(const char *key_id, bool *ret_found)
{
    size_t lo = 0, hi = n_ents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ents[mid]->key_id, key_id);
        if (c == 0) {
            *ret_found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    *ret_found = false;
    return lo;
}

static void drop_at(size_t i)
{
    entry_free(ents[i]);
    memmove(&ents[i], &ents[i + 1], (n_ents - i - 1) * sizeof(*ents));
    n_ents--;
}

static size_t expire_locked(int64_t now)
{
    size_t dropped = 0;
    for (size_t i = n_ents; i > 0; i--) {
        if (ents[i - 1]->expires_at <= now) {
            drop_at(i - 1);
            dropped++;
        }
    }
    return dropped;
}

static bool field_ok(const char *s, size_t ceiling)
{
    return s && s[0] != '\0' && strlen(s) < ceiling;
}

static struct entry *entry_new(const char *key_id, const char *secret, const char *token,
                               int64_t expires_at)
{
    struct entry *e = emu_calloc(1, sizeof(*e));
    if (!e) {
        return NULL;
    }
    e->key_id = emu_strdup(key_id);
    e->secret = emu_strdup(secret);
    e->token = emu_strdup(token);
    e->expires_at = expires_at;
    if (!e->key_id || !e->secret || !e->token) {
        entry_free(e);
        return NULL;
    }
    return e;
}

int shim_creds_add(const char *access_key_id, const char *secret_access_key,
                   const char *session_token, int64_t expires_at, int64_t now)
{
    if (!field_ok(access_key_id, SHIM_CREDS_MAX_KEY_ID) ||
        !field_ok(secret_access_key, SHIM_CREDS_MAX_SECRET) ||
        !field_ok(session_token, SHIM_CREDS_MAX_TOKEN) || expires_at <= now) {
        return EMU_EINVAL;
    }
    struct entry *e = entry_new(access_key_id, secret_access_key, session_token, expires_at);
    if (!e) {
        return EMU_ENOMEM;
    }
    int r = 0;
    pthread_mutex_lock(&lock);
    bool found = false;
    size_t i = find(access_key_id, &found);
    if (found) {
        entry_free(ents[i]);
        ents[i] = e;
        goto out;
    }
    if (n_ents == SHIM_CREDS_MAX_ENTRIES && expire_locked(now) > 0) {
        i = find(access_key_id, &found);
    }
    if (n_ents == SHIM_CREDS_MAX_ENTRIES) {
        r = EMU_E2BIG;
        goto out;
    }
    if (n_ents == cap_ents) {
        size_t cap = cap_ents ? cap_ents * 2 : 16;
        struct entry **n = emu_realloc(ents, cap * sizeof(*n));
        if (!n) {
            r = EMU_ENOMEM;
            goto out;
        }
        ents = n;
        cap_ents = cap;
    }
    memmove(&ents[i + 1], &ents[i], (n_ents - i) * sizeof(*ents));
    ents[i] = e;
    n_ents++;
out:
    pthread_mutex_unlock(&lock);
    if (r < 0) {
        entry_free(e);
    }
    return r;
}

int shim_creds_lookup(const char *access_key_id, int64_t now, struct shim_cred *ret)
{
    if (!access_key_id) {
        return EMU_ENOENT;
    }
    int r = 0;
    pthread_mutex_lock(&lock);
    bool found = false;
    size_t i = find(access_key_id, &found);
    if (!found) {
        r = EMU_ENOENT;
    }
    else if (ents[i]->expires_at <= now) {
        drop_at(i);
        r = EMU_ETIMEDOUT;
    }
    else {
        const struct entry *e = ents[i];
        /* Every field was checked against its ceiling when added. */
        memcpy(ret->access_key_id, e->key_id, strlen(e->key_id) + 1);
        memcpy(ret->secret_access_key, e->secret, strlen(e->secret) + 1);
        memcpy(ret->session_token, e->token, strlen(e->token) + 1);
        ret->expires_at = e->expires_at;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

int shim_creds_remove(const char *access_key_id)
{
    if (!access_key_id) {
        return EMU_ENOENT;
    }
    pthread_mutex_lock(&lock);
    bool found = false;
    size_t i = find(access_key_id, &found);
    if (found) {
        drop_at(i);
    }
    pthread_mutex_unlock(&lock);
    return found ? 0 : EMU_ENOENT;
}

size_t shim_creds_expire(int64_t now)
{
    pthread_mutex_lock(&lock);
    size_t n = expire_locked(now);
    pthread_mutex_unlock(&lock);
    return n;
}

size_t shim_creds_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = n_ents;
    pthread_mutex_unlock(&lock);
    return n;
}

void shim_creds_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_ents; i++) {
        entry_free(ents[i]);
    }
    emu_free(ents);
    ents = NULL;
    n_ents = 0;
    cap_ents = 0;
    pthread_mutex_unlock(&lock);
}
