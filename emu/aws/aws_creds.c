/* SPDX-License-Identifier: Apache-2.0 */
/* Pure credential parsers: the environment, the shared credentials file (INI), the container
 * credentials JSON and the STS AssumeRole XML, plus ISO 8601 times and AWS error bodies. No I/O;
 * every output field has a fixed ceiling. */
#include "emu/aws/aws_creds.h"
#include "emu/aws/aws_time.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "emu/base/json.h"

const char *emu_aws_env_get(const char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp && envp[i]; i++) {
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') {
            return envp[i] + n + 1;
        }
    }
    return NULL;
}

static int put(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        return EMU_E2BIG;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

int emu_aws_creds_from_env(const char *const *envp, struct emu_aws_creds *ret)
{
    const char *id = emu_aws_env_get(envp, "AWS_ACCESS_KEY_ID");
    const char *secret = emu_aws_env_get(envp, "AWS_SECRET_ACCESS_KEY");
    const char *token = emu_aws_env_get(envp, "AWS_SESSION_TOKEN");
    struct emu_aws_creds c = {0};
    if (!id || !*id || !secret || !*secret) {
        return EMU_ENOENT;
    }
    int r = put(c.access_key_id, sizeof(c.access_key_id), id, strlen(id));
    r = r ? r : put(c.secret_access_key, sizeof(c.secret_access_key), secret, strlen(secret));
    if (r == 0 && token) {
        r = put(c.session_token, sizeof(c.session_token), token, strlen(token));
    }
    if (r == 0) {
        *ret = c;
    }
    return r;
}

int emu_aws_parse_iso8601(const char *s, size_t len, time_t *ret)
{
    unsigned y, mo, d, h, mi, sec;
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':') {
        return EMU_EINVAL;
    }
    if (emu__aws_digits(s, 4, &y) || emu__aws_digits(s + 5, 2, &mo) || emu__aws_digits(s + 8, 2, &d) || emu__aws_digits(s + 11, 2, &h) ||
        emu__aws_digits(s + 14, 2, &mi) || emu__aws_digits(s + 17, 2, &sec)) {
        return EMU_EINVAL;
    }
    size_t i = 19;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
    }
    if (i + 1 != len || (s[i] != 'Z' && s[i] != 'z')) {
        return EMU_EINVAL;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return EMU_EINVAL;
    }
    *ret = (time_t)(emu__aws_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec);
    return 0;
}

int emu_aws_creds_fresh(const struct emu_aws_creds *c, time_t now)
{
    if (!c->access_key_id[0]) {
        return 0;
    }
    return c->expiration == 0 || c->expiration - EMU_AWS_REFRESH_WINDOW > now;
}

static int json_field(const cJSON *root, const char *name, char *dst, size_t cap, int need)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsString(v) || !v->valuestring) {
        return need ? EMU_EBADMSG : 0;
    }
    return put(dst, cap, v->valuestring, strlen(v->valuestring));
}

int emu_aws_creds_parse_json(const char *data, size_t len, struct emu_aws_creds *ret)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    struct emu_aws_creds c = {0};
    char exp[64] = "";
    if (len > EMU_AWS_CREDS_DOC_MAX) {
        return EMU_E2BIG;
    }
    if (emu_json_parse(data, len, &root, &jerr) < 0) {
        return EMU_EBADMSG;
    }
    int r = cJSON_IsObject(root) ? 0 : EMU_EBADMSG;
    r = r ? r : json_field(root, "AccessKeyId", c.access_key_id, sizeof(c.access_key_id), 1);
    r = r ? r
          : json_field(root, "SecretAccessKey", c.secret_access_key,
                       sizeof(c.secret_access_key), 1);
    r = r ? r : json_field(root, "Token", c.session_token, sizeof(c.session_token), 0);
    r = r ? r : json_field(root, "Expiration", exp, sizeof(exp), 0);
    if (r == 0 && exp[0] && emu_aws_parse_iso8601(exp, strlen(exp), &c.expiration) < 0) {
        r = EMU_EBADMSG;
    }
    if (r == 0 && (!c.access_key_id[0] || !c.secret_access_key[0])) {
        r = EMU_EBADMSG;
    }
    cJSON_Delete(root);
    if (r == 0) {
        *ret = c;
    }
    return r;
}

static const char *find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

int emu_aws_xml_text(const char *doc, size_t len, const char *tag, char *out, size_t out_len)
{
    char open[80], close[80];
    if (snprintf(open, sizeof(open), "<%s>", tag) >= (int)sizeof(open) ||
        snprintf(close, sizeof(close), "</%s>", tag) >= (int)sizeof(close)) {
        return EMU_EINVAL;
    }
    const char *a = find(doc, len, open);
    if (!a) {
        return EMU_ENOENT;
    }
    a += strlen(open);
    const char *b = find(a, len - (size_t)(a - doc), close);
    if (!b) {
        return EMU_ENOENT;
    }
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o = 0;
    for (const char *p = a; p < b;) {
        char c = *p++;
        if (c == '&') {
            for (size_t e = 0; e < sizeof(ents) / sizeof(ents[0]); e++) {
                size_t el = strlen(ents[e].ent);
                if ((size_t)(b - p + 1) >= el && memcmp(p - 1, ents[e].ent, el) == 0) {
                    c = ents[e].c;
                    p += el - 1;
                    break;
                }
            }
        }
        if (o + 1 >= out_len) {
            return EMU_E2BIG;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

int emu_aws_creds_parse_sts_xml(const char *data, size_t len, struct emu_aws_creds *ret,
                                char *err, size_t err_len)
{
    struct emu_aws_creds c = {0};
    char exp[64];
    if (len > EMU_AWS_CREDS_DOC_MAX) {
        return EMU_E2BIG;
    }
    if (find(data, len, "<ErrorResponse") || find(data, len, "<Error>")) {
        if (err && err_len) {
            if (emu_aws_xml_text(data, len, "Code", err, err_len) < 0) {
                snprintf(err, err_len, "UnknownError");
            }
        }
        return EMU_EAWS;
    }
    const char *cr = find(data, len, "<Credentials>");
    if (!cr) {
        return EMU_EBADMSG;
    }
    size_t rest = len - (size_t)(cr - data);
    int r = emu_aws_xml_text(cr, rest, "AccessKeyId", c.access_key_id, sizeof(c.access_key_id));
    r = r ? r
          : emu_aws_xml_text(cr, rest, "SecretAccessKey", c.secret_access_key,
                             sizeof(c.secret_access_key));
    r = r ? r
          : emu_aws_xml_text(cr, rest, "SessionToken", c.session_token, sizeof(c.session_token));
    r = r ? r : emu_aws_xml_text(cr, rest, "Expiration", exp, sizeof(exp));
    if (r == 0 && emu_aws_parse_iso8601(exp, strlen(exp), &c.expiration) < 0) {
        r = EMU_EBADMSG;
    }
    if (r == EMU_ENOENT || (r == 0 && (!c.access_key_id[0] || !c.secret_access_key[0]))) {
        r = EMU_EBADMSG;
    }
    if (r == 0) {
        *ret = c;
    }
    return r;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t')) {
        (*s)++;
    }
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r')) {
        (*e)--;
    }
}

static int key_is(const char *k, const char *ke, const char *name)
{
    return (size_t)(ke - k) == strlen(name) && strncasecmp(k, name, (size_t)(ke - k)) == 0;
}

int emu_aws_creds_parse_profile(const char *data, size_t len, const char *profile,
                                struct emu_aws_creds *ret)
{
    struct emu_aws_creds c = {0};
    int in = 0, r = 0;
    const char *p = data, *end = data + len;
    if (len > EMU_AWS_CREDS_DOC_MAX) {
        return EMU_E2BIG;
    }
    while (p < end && r == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p, *e = le;
        p = nl ? nl + 1 : end;
        trim(&s, &e);
        if (s == e || *s == '#' || *s == ';') {
            continue;
        }
        if (*s == '[') {
            const char *ne = memchr(s, ']', (size_t)(e - s));
            const char *ns = s + 1;
            if (!ne) {
                in = 0;
                continue;
            }
            trim(&ns, &ne);
            in = (size_t)(ne - ns) == strlen(profile) && memcmp(ns, profile, strlen(profile)) == 0;
            continue;
        }
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!in || !eq) {
            continue;
        }
        const char *k = s, *ke = eq, *v = eq + 1, *ve = e;
        trim(&k, &ke);
        trim(&v, &ve);
        if (key_is(k, ke, "aws_access_key_id")) {
            r = put(c.access_key_id, sizeof(c.access_key_id), v, (size_t)(ve - v));
        }
        else if (key_is(k, ke, "aws_secret_access_key")) {
            r = put(c.secret_access_key, sizeof(c.secret_access_key), v, (size_t)(ve - v));
        }
        else if (key_is(k, ke, "aws_session_token")) {
            r = put(c.session_token, sizeof(c.session_token), v, (size_t)(ve - v));
        }
    }
    if (r == 0 && (!c.access_key_id[0] || !c.secret_access_key[0])) {
        r = EMU_ENOENT;
    }
    if (r == 0) {
        *ret = c;
    }
    return r;
}

int emu_aws_error_parse(const char *body, size_t len, char *code, size_t code_len, char *msg,
                        size_t msg_len)
{
    char tmp[8];
    if (len && body[0] == '{') {
        cJSON *root = NULL;
        struct emu_json_error jerr;
        int found = EMU_ENOENT;
        if (emu_json_parse(body, len, &root, &jerr) < 0) {
            return EMU_ENOENT;
        }
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "__type");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (!m) {
            m = cJSON_GetObjectItemCaseSensitive(root, "Message");
        }
        if (cJSON_IsString(t)) {
            const char *h = strrchr(t->valuestring, '#');
            if (code) {
                snprintf(code, code_len, "%s", h ? h + 1 : t->valuestring);
            }
            found = 0;
        }
        if (msg && msg_len) {
            snprintf(msg, msg_len, "%s", cJSON_IsString(m) ? m->valuestring : "");
        }
        cJSON_Delete(root);
        return found;
    }
    if (msg && msg_len) {
        msg[0] = '\0';
        (void)emu_aws_xml_text(body, len, "Message", msg, msg_len);
    }
    return emu_aws_xml_text(body, len, "Code", code ? code : tmp, code ? code_len : sizeof(tmp)) ==
                   0
               ? 0
               : EMU_ENOENT;
}
