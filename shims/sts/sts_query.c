/* SPDX-License-Identifier: Apache-2.0 */
/* The STS query-protocol request parser: Action, RoleArn, RoleSessionName, DurationSeconds and
 * WebIdentityToken (with the JWT's sub, aud and iss), validated with STS's error codes and
 * "1 validation error detected" texts. Pure: decoded parameters in, a struct out (fuzzed). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/sts/sts_internal.h"

#define VALIDATION "1 validation error detected: "
#define MAX_JWT 20000

static int fail(struct sts_err *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct sts_err *e, const char *code, const char *fmt, ...)
{
    e->code = code;
    e->status = 400;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return EMU_EINVAL;
}

static const char *param(const struct shim_kv *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].name, name) == 0) {
            return p[i].value;
        }
    }
    return NULL;
}

static bool session_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("_+=,.@-", c) != NULL;
}

static int check_session(const char *s, struct sts_err *e)
{
    if (!s) {
        return fail(e, "ValidationError",
                    VALIDATION "Value null at 'roleSessionName' failed to satisfy constraint: "
                               "Member must not be null");
    }
    size_t n = strlen(s);
    if (n < 2 || n > 64) {
        return fail(e, "ValidationError",
                    VALIDATION "Value '%.64s' at 'roleSessionName' failed to satisfy constraint: "
                               "Member must have length %s",
                    s, n < 2 ? "greater than or equal to 2" : "less than or equal to 64");
    }
    for (size_t i = 0; i < n; i++) {
        if (!session_char(s[i])) {
            return fail(e, "ValidationError",
                        VALIDATION "Value '%.64s' at 'roleSessionName' failed to satisfy "
                                   "constraint: Member must satisfy regular expression pattern: "
                                   "[\\w+=,.@-]*",
                        s);
        }
    }
    return 0;
}

/* "arn:aws:iam::<12 digits>:role/<path/>name" -> name. */
static int check_role(struct sts_req *q, struct sts_err *e)
{
    const char *arn = q->role_arn;
    if (!arn) {
        return fail(e, "ValidationError",
                    VALIDATION "Value null at 'roleArn' failed to satisfy constraint: Member must "
                               "not be null");
    }
    if (strlen(arn) < 20 || strlen(arn) > 2048) {
        return fail(e, "ValidationError",
                    VALIDATION "Value '%.100s' at 'roleArn' failed to satisfy constraint: Member "
                               "must have length %s",
                    arn, strlen(arn) < 20 ? "greater than or equal to 20"
                                          : "less than or equal to 2048");
    }
    const char *p = strncmp(arn, "arn:aws:iam::", 13) == 0 ? arn + 13 : NULL;
    size_t digits = p ? strspn(p, "0123456789") : 0;
    const char *role = p && digits == 12 && strncmp(p + 12, ":role/", 6) == 0 ? p + 18 : NULL;
    const char *name = role ? strrchr(role, '/') : NULL;
    name = name ? name + 1 : role;
    if (!name || !*name || strlen(name) >= sizeof(q->role_name_buf)) {
        return fail(e, "ValidationError", "%.200s is invalid", arn);
    }
    memcpy(q->role_name_buf, name, strlen(name) + 1);
    q->role_name = q->role_name_buf;
    return 0;
}

static int check_duration(const char *s, struct sts_req *q, struct sts_err *e)
{
    q->duration = STS_DEFAULT_DURATION;
    if (!s) {
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno) {
        return fail(e, "ValidationError",
                    VALIDATION "Value '%.32s' at 'durationSeconds' failed to satisfy constraint: "
                               "Member must be a number",
                    s);
    }
    if (v < STS_MIN_DURATION || v > STS_MAX_DURATION) {
        return fail(e, "ValidationError",
                    VALIDATION "Value '%ld' at 'durationSeconds' failed to satisfy constraint: "
                               "Member must have value %s",
                    v, v < STS_MIN_DURATION ? "greater than or equal to 900"
                                            : "less than or equal to 43200");
    }
    q->duration = v;
    return 0;
}

/* Copies a string claim (or the first of an array) into out. */
static void claim(const cJSON *root, const char *name, char *out, size_t size)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, name);
    if (cJSON_IsArray(c)) {
        c = cJSON_GetArrayItem(c, 0);
    }
    if (cJSON_IsString(c)) {
        (void)snprintf(out, size, "%s", c->valuestring);
    }
}

/* Decodes the JWT's payload and reads sub, aud and iss. */
static int check_jwt(struct sts_req *q, struct sts_err *e)
{
    static const char bad[] = "The ID Token provided is not a valid JWT. (You may see this error "
                              "if you sent an Access Token)";
    const char *t = q->token;
    if (!t) {
        return fail(e, "ValidationError",
                    VALIDATION "Value null at 'webIdentityToken' failed to satisfy constraint: "
                               "Member must not be null");
    }
    size_t n = strlen(t);
    if (n < 4 || n > MAX_JWT) {
        return fail(e, "ValidationError",
                    VALIDATION "Value at 'webIdentityToken' failed to satisfy constraint: Member "
                               "must have length between 4 and 20000");
    }
    const char *dot1 = strchr(t, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2) {
        return fail(e, "InvalidIdentityToken", "%s", bad);
    }
    size_t len = (size_t)(dot2 - dot1 - 1);
    char b64[MAX_JWT + 4];
    unsigned char json[MAX_JWT];
    for (size_t i = 0; i < len; i++) {
        char c = dot1[1 + i];
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (len % 4) {
        b64[len++] = '=';
    }
    int jl = shim_base64_decode(b64, len, json, sizeof(json) - 1);
    cJSON *root = jl > 0 ? cJSON_ParseWithLength((const char *)json, (size_t)jl) : NULL;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(e, "InvalidIdentityToken", "%s", bad);
    }
    claim(root, "sub", q->subject, sizeof(q->subject));
    claim(root, "aud", q->audience, sizeof(q->audience));
    claim(root, "iss", q->provider, sizeof(q->provider));
    cJSON_Delete(root);
    if (!q->subject[0] || !q->provider[0]) {
        return fail(e, "InvalidIdentityToken", "%s", bad);
    }
    return 0;
}

static const char *const names[_STS_ACTION_MAX] = {"GetCallerIdentity", "AssumeRole",
                                                    "AssumeRoleWithWebIdentity"};

bool shim_sts_has_operation(const char *op)
{
    for (int i = 0; i < _STS_ACTION_MAX; i++) {
        if (op && strcmp(op, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

int sts_req_parse(const struct shim_kv *params, size_t n, struct sts_req *q, struct sts_err *e)
{
    memset(q, 0, sizeof(*q));
    const char *action = param(params, n, "Action");
    if (!action) {
        return fail(e, "MissingAction", "Missing Action");
    }
    q->action = _STS_ACTION_INVALID;
    for (int i = 0; i < _STS_ACTION_MAX; i++) {
        if (strcmp(action, names[i]) == 0) {
            q->action = (enum sts_action)i;
        }
    }
    const char *version = param(params, n, "Version");
    if (q->action == _STS_ACTION_INVALID || (version && strcmp(version, "2011-06-15") != 0)) {
        return fail(e, "InvalidAction", "Could not find operation %.64s for version %.32s",
                    action, version ? version : "NO_VERSION_SPECIFIED");
    }
    if (q->action == STS_GET_CALLER_IDENTITY) {
        return 0;
    }
    q->role_arn = param(params, n, "RoleArn");
    q->session = param(params, n, "RoleSessionName");
    q->token = param(params, n, "WebIdentityToken");
    int r = check_role(q, e);
    r = r ? r : check_session(q->session, e);
    r = r ? r : check_duration(param(params, n, "DurationSeconds"), q, e);
    if (r == 0 && q->action == STS_ASSUME_ROLE_WITH_WEB_IDENTITY) {
        r = check_jwt(q, e);
    }
    return r;
}
