/* SPDX-License-Identifier: Apache-2.0 */
/* The temporary credentials the STS shim issues (key, secret, session token, expiry, the
 * assumed-role ARN), and the random
 * identifiers. Every issued key is also registered in shims/common/creds.h, which every shim's
 * SigV4 check consults; the assumed-role ARNs for IAM principals stay here. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "shims/common/creds.h"
#include "shims/sts/sts_internal.h"

struct cred {
    char *key, *secret, *token, *arn;
    int64_t expires;
};

static struct cred *creds;
static size_t n_creds, cap_creds;

static void cred_done(struct cred *c)
{
    emu_free(c->key);
    emu_free(c->secret);
    emu_free(c->token);
    emu_free(c->arn);
}

/* Drops entries expired for more than an hour (a later lookup still says ExpiredToken). */
static void expire(int64_t now_s)
{
    size_t w = 0;
    for (size_t i = 0; i < n_creds; i++) {
        if (creds[i].expires + 3600 < now_s) {
            cred_done(&creds[i]);
        }
        else {
            creds[w++] = creds[i];
        }
    }
    n_creds = w;
}

int sts_creds_add(const char *key, const char *secret, const char *token, int64_t expires_s,
                  const char *arn, int64_t now_s)
{
    expire(now_s);
    if (n_creds >= STS_MAX_CREDS) {
        return EMU_E2BIG;
    }
    if (n_creds == cap_creds) {
        size_t nc = cap_creds ? cap_creds * 2 : 16;
        struct cred *nv = emu_realloc(creds, nc * sizeof(*nv));
        if (!nv) {
            return EMU_ENOMEM;
        }
        creds = nv;
        cap_creds = nc;
    }
    struct cred c = {emu_strdup(key), emu_strdup(secret), emu_strdup(token), emu_strdup(arn),
                     expires_s};
    if (!c.key || !c.secret || !c.token || !c.arn) {
        cred_done(&c);
        return EMU_ENOMEM;
    }
    int r = shim_creds_add(key, secret, token, expires_s, now_s);
    if (r < 0) {
        cred_done(&c);
        return r;
    }
    creds[n_creds++] = c;
    return 0;
}

static const struct cred *find(const char *key)
{
    for (size_t i = n_creds; i > 0; i--) {
        if (strcmp(creds[i - 1].key, key) == 0) {
            return &creds[i - 1];
        }
    }
    return NULL;
}

int shim_sts_principal(const char *access_key_id, char *out, size_t out_size)
{
    const struct cred *c = find(access_key_id);
    if (!c) {
        return EMU_ENOENT;
    }
    (void)snprintf(out, out_size, "%s", c->arn);
    return 0;
}

void shim_sts_creds_clear(void)
{
    for (size_t i = 0; i < n_creds; i++) {
        cred_done(&creds[i]);
    }
    emu_free(creds);
    creds = NULL;
    n_creds = cap_creds = 0;
    shim_creds_clear();
}

static int random_chars(const char *alphabet, size_t alen, char *out, size_t n)
{
    unsigned char raw[512];
    if (n > sizeof(raw)) {
        return EMU_E2BIG;
    }
    int r = emu_random_bytes(raw, n);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = alphabet[raw[i] % alen];
    }
    out[n] = '\0';
    return 0;
}

int sts_random_id(const char *prefix, char *out, size_t out_size)
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t p = strlen(prefix);
    if (out_size < p + 17) {
        return EMU_E2BIG;
    }
    memcpy(out, prefix, p);
    return random_chars(upper, 32, out + p, 16);
}

int sts_random_secret(char *out, size_t out_size)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return out_size < 41 ? EMU_E2BIG : random_chars(b64, 64, out, 40);
}

int sts_random_token(char *out, size_t out_size)
{
    unsigned char raw[300];
    int r = emu_random_bytes(raw, sizeof(raw));
    if (r < 0) {
        return r;
    }
    static const char head[] = "FwoGZXIvYXdzEP";
    size_t h = sizeof(head) - 1;
    if (out_size < h + 1) {
        return EMU_E2BIG;
    }
    memcpy(out, head, h);
    r = shim_base64_encode(raw, sizeof(raw), out + h, out_size - h);
    return r < 0 ? r : 0;
}

void sts_format_time(int64_t epoch_s, char out[32])
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    (void)strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int shim_sts_mint(const char *role_arn, const char *session, int64_t now_s, long duration_s,
                  char out_key[32], char out_secret[64], char out_token[1024],
                  char out_expiration[32])
{
    const char *role = strstr(role_arn, ":role/");
    const char *name = role ? strrchr(role, '/') + 1 : "unknown";
    const char *acct = strncmp(role_arn, "arn:aws:iam::", 13) == 0 ? role_arn + 13 : "";
    size_t acct_len = strcspn(acct, ":");
    char arn[512];
    (void)snprintf(arn, sizeof(arn), "arn:aws:sts::%.*s:assumed-role/%s/%s", (int)acct_len, acct,
                   name, session);
    int r = sts_random_id("ASIA", out_key, 32);
    r = r ? r : sts_random_secret(out_secret, 64);
    r = r ? r : sts_random_token(out_token, 1024);
    r = r ? r : sts_creds_add(out_key, out_secret, out_token, now_s + duration_s, arn, now_s);
    if (r == 0) {
        sts_format_time(now_s + duration_s, out_expiration);
    }
    return r;
}
