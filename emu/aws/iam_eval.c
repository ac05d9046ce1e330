/* SPDX-License-Identifier: Apache-2.0 */
/* IAM identity-policy evaluation: parsing policy documents into statements and deciding one
 * request the way IAM's evaluation logic does for a single account without boundaries or
 * session policies (explicit Deny, then Allow, else implicit deny). No I/O. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "emu/aws/iam.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

struct emu_iam_statement {
    char *sid;
    bool deny;
    bool not_action;
    bool not_resource;
    bool conditional;
    char **actions;
    size_t n_actions;
    char **resources;
    size_t n_resources;
};

bool emu_iam_match(const char *pattern, const char *s, bool ci)
{
    const char *star = NULL, *back = NULL;
    while (*s) {
        char p = *pattern, c = *s;
        if (ci) {
            p = (char)tolower((unsigned char)p);
            c = (char)tolower((unsigned char)c);
        }
        if (*pattern == '*') {
            star = pattern++;
            back = s;
        }
        else if (*pattern && (*pattern == '?' || p == c)) {
            pattern++;
            s++;
        }
        else if (star) {
            pattern = star + 1;
            s = ++back;
        }
        else {
            return false;
        }
    }
    while (*pattern == '*') {
        pattern++;
    }
    return *pattern == '\0';
}

void emu_iam_policies_init(struct emu_iam_policies *p)
{
    memset(p, 0, sizeof(*p));
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        emu_free(l[i]);
    }
    emu_free(l);
}

void emu_iam_policies_done(struct emu_iam_policies *p)
{
    for (size_t i = 0; i < p->n; i++) {
        emu_free(p->st[i].sid);
        free_list(p->st[i].actions, p->st[i].n_actions);
        free_list(p->st[i].resources, p->st[i].n_resources);
    }
    emu_free(p->st);
    memset(p, 0, sizeof(*p));
}

static int bad(char *err, size_t size, const char *msg, size_t idx)
{
    (void)snprintf(err, size, "MalformedPolicyDocument: statement %zu: %s", idx + 1, msg);
    return EMU_EBADMSG;
}

/* A string or an array of strings into a new list. */
static int take_list(const cJSON *v, char ***ret, size_t *ret_n)
{
    size_t n = cJSON_IsString(v) ? 1 : cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
    if (n == 0 || n > EMU_IAM_MAX_ITEMS) {
        return n ? EMU_E2BIG : EMU_EBADMSG;
    }
    char **l = emu_calloc(n, sizeof(*l));
    if (!l) {
        return EMU_ENOMEM;
    }
    size_t i = 0;
    const cJSON *it;
    if (cJSON_IsString(v)) {
        l[i++] = emu_strdup(v->valuestring);
    }
    else {
        cJSON_ArrayForEach(it, v)
        {
            l[i++] = cJSON_IsString(it) ? emu_strdup(it->valuestring) : NULL;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (!l[k]) {
            free_list(l, n);
            return EMU_EBADMSG;
        }
    }
    *ret = l;
    *ret_n = n;
    return 0;
}

static int add_statement(struct emu_iam_policies *p, const cJSON *s, char *err, size_t size)
{
    size_t idx = p->n;
    if (!cJSON_IsObject(s)) {
        return bad(err, size, "not an object", idx);
    }
    const cJSON *effect = cJSON_GetObjectItemCaseSensitive(s, "Effect");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "Action");
    const cJSON *na = cJSON_GetObjectItemCaseSensitive(s, "NotAction");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(s, "Resource");
    const cJSON *nr = cJSON_GetObjectItemCaseSensitive(s, "NotResource");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(s, "Sid");
    if (!cJSON_IsString(effect) ||
        (strcmp(effect->valuestring, "Allow") != 0 && strcmp(effect->valuestring, "Deny") != 0)) {
        return bad(err, size, "Effect must be \"Allow\" or \"Deny\"", idx);
    }
    if (!a == !na) {
        return bad(err, size, "exactly one of Action and NotAction is required", idx);
    }
    if (!r == !nr) {
        return bad(err, size, "exactly one of Resource and NotResource is required", idx);
    }
    if (cJSON_GetObjectItemCaseSensitive(s, "Principal") ||
        cJSON_GetObjectItemCaseSensitive(s, "NotPrincipal")) {
        return bad(err, size, "Has prohibited field Principal (identity policies name none)",
                   idx);
    }
    struct emu_iam_statement st = {0};
    st.deny = strcmp(effect->valuestring, "Deny") == 0;
    st.not_action = na != NULL;
    st.not_resource = nr != NULL;
    st.conditional = cJSON_GetObjectItemCaseSensitive(s, "Condition") != NULL;
    int rc = take_list(a ? a : na, &st.actions, &st.n_actions);
    rc = rc ? rc : take_list(r ? r : nr, &st.resources, &st.n_resources);
    if (rc == 0 && cJSON_IsString(sid)) {
        st.sid = emu_strdup(sid->valuestring);
        rc = st.sid ? 0 : EMU_ENOMEM;
    }
    if (rc < 0) {
        free_list(st.actions, st.n_actions);
        free_list(st.resources, st.n_resources);
        emu_free(st.sid);
        return rc == EMU_EBADMSG ? bad(err, size, "Action/Resource must be strings", idx) : rc;
    }
    p->st[p->n++] = st;
    p->n_conditional += st.conditional;
    return 0;
}

static int add_document(struct emu_iam_policies *p, const cJSON *doc, char *err, size_t size)
{
    const cJSON *stmts = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "Statement")
                                             : NULL;
    if (!stmts) {
        (void)snprintf(err, size, "MalformedPolicyDocument: the document has no Statement");
        return EMU_EBADMSG;
    }
    size_t n = cJSON_IsArray(stmts) ? (size_t)cJSON_GetArraySize(stmts) : 1;
    if (p->n + n > EMU_IAM_MAX_STATEMENTS) {
        return EMU_E2BIG;
    }
    struct emu_iam_statement *ns = emu_realloc(p->st, (p->n + n + 1) * sizeof(*ns));
    if (!ns) {
        return EMU_ENOMEM;
    }
    p->st = ns;
    if (!cJSON_IsArray(stmts)) {
        return add_statement(p, stmts, err, size);
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, stmts)
    {
        int r = add_statement(p, s, err, size);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int emu_iam_policies_add(struct emu_iam_policies *p, const char *json, size_t len, char *err,
                         size_t err_size)
{
    if (len > EMU_IAM_MAX_DOCUMENT) {
        return EMU_E2BIG;
    }
    cJSON *root = NULL;
    struct emu_json_error je;
    int r = emu_json_parse(json, len, &root, &je);
    if (r < 0) {
        (void)snprintf(err, err_size, "MalformedPolicyDocument: %u:%u: %s", je.line, je.column,
                       je.message);
        return r == EMU_ENOMEM ? r : EMU_EBADMSG;
    }
    if (cJSON_IsArray(root)) {
        const cJSON *d;
        cJSON_ArrayForEach(d, root)
        {
            if ((r = add_document(p, d, err, err_size)) < 0) {
                break;
            }
        }
    }
    else {
        r = add_document(p, root, err, err_size);
    }
    cJSON_Delete(root);
    return r;
}

static bool any_match(char *const *l, size_t n, const char *s, bool ci)
{
    for (size_t i = 0; i < n; i++) {
        if (emu_iam_match(l[i], s, ci)) {
            return true;
        }
    }
    return false;
}

static bool statement_applies(const struct emu_iam_statement *st, const char *action,
                              const char *resource)
{
    bool a = any_match(st->actions, st->n_actions, action, true);
    bool r = any_match(st->resources, st->n_resources, resource, false);
    return (st->not_action ? !a : a) && (st->not_resource ? !r : r);
}

void emu_iam_evaluate(const struct emu_iam_policies *p, const char *action, const char *resource,
                      struct emu_iam_result *ret)
{
    memset(ret, 0, sizeof(*ret));
    const char *allow_sid = NULL;
    bool allowed = false;
    for (size_t i = 0; i < p->n; i++) {
        const struct emu_iam_statement *st = &p->st[i];
        if (!statement_applies(st, action, resource)) {
            continue;
        }
        if (st->conditional) {
            if (ret->skipped_conditional++ == 0) {
                ret->skipped_sid = st->sid;
            }
            continue;
        }
        if (st->deny) {
            ret->decision = EMU_IAM_EXPLICIT_DENY;
            ret->sid = st->sid;
            return;
        }
        if (!allowed) {
            allowed = true;
            allow_sid = st->sid;
        }
    }
    ret->decision = allowed ? EMU_IAM_ALLOW : EMU_IAM_IMPLICIT_DENY;
    ret->sid = allow_sid;
}
