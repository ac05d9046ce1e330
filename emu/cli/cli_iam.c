/* SPDX-License-Identifier: Apache-2.0 */
/* --enforce-iam: loads the task role's policies and decides each shim call against them,
 * answering with the caller's ARN the way AWS's AccessDenied messages name it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_iam.h"
#include "emu/tf/tfplan.h"
#include "shims/common/iam_hook.h"
#include "shims/sts/sts.h"

/* The caller named in AccessDenied messages for the long-term keys (no STS session). */
#define TASK_ROLE_PRINCIPAL                                                                   \
    "arn:aws:sts::123456789012:assumed-role/fargate-emu-task-role/fargate-emu"

void emu_cli_iam_init(struct emu_cli_iam *iam)
{
    memset(iam, 0, sizeof(*iam));
    emu_iam_policies_init(&iam->task_role);
    emu_buf_init(&iam->kept, EMU_JSON_MAX_INPUT);
}

static bool authorize(void *ud, const char *key_id, const char *action, const char *resource,
                      bool *ret_explicit, char ret_principal[256])
{
    const struct emu_cli_iam *iam = ud;
    struct emu_iam_result r;
    emu_iam_evaluate(&iam->task_role, action, resource, &r);
    if (r.skipped_conditional) {
        emu_log_warn("IAM: statement %s%s%s matches %s on %s but has a Condition block, which "
                     "fargate-emu does not evaluate; it was not applied",
                     r.skipped_sid ? "'" : "", r.skipped_sid ? r.skipped_sid : "(no Sid)",
                     r.skipped_sid ? "'" : "", action, resource);
    }
    if (r.decision == EMU_IAM_ALLOW) {
        return true;
    }
    *ret_explicit = r.decision == EMU_IAM_EXPLICIT_DENY;
    if (!key_id || shim_sts_principal(key_id, ret_principal, 256) < 0) {
        (void)snprintf(ret_principal, 256, "%s", TASK_ROLE_PRINCIPAL);
    }
    emu_log_info("IAM: denied %s on %s for %s (%s)", action, resource, ret_principal,
                 *ret_explicit ? "explicit deny" : "no statement allows it");
    return false;
}

/* Adds one document; origin names it in messages ("'policy.json'", "aws_iam_role_policy.x"). */
static int add_document(struct emu_cli_iam *iam, const char *cmd, const char *flag,
                        const char *origin, const char *json, size_t len)
{
    char err[256] = "";
    size_t conditional_before = iam->task_role.n_conditional;
    int r = emu_iam_policies_add(&iam->task_role, json, len, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: %s%s: %s\n", cmd, flag, origin,
                err[0] ? err : emu_strerror(r));
        return r;
    }
    iam->n_documents++;
    r = iam->kept.len ? emu_buf_putc(&iam->kept, ',') : 0;
    r = r ? r : emu_buf_puts(&iam->kept, "{\"origin\":");
    r = r ? r : emu_json_write_string(origin, &iam->kept);
    r = r ? r : emu_buf_puts(&iam->kept, ",\"document\":");
    struct emu_buf doc;
    emu_buf_init(&doc, len + 1);
    r = r ? r : emu_buf_append(&doc, json, len);
    r = r ? r : emu_json_write_string(doc.data ? doc.data : "", &iam->kept);
    emu_buf_done(&doc);
    r = r ? r : emu_buf_putc(&iam->kept, '}');
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: %s%s: cannot keep it for resume: %s\n", cmd, flag,
                origin, emu_strerror(r));
        return r;
    }
    if (iam->task_role.n_conditional > conditional_before) {
        emu_log_warn("IAM: %zu statement(s) in %s have Condition blocks, which fargate-emu does "
                     "not evaluate: they are not applied, and each call they match is reported",
                     iam->task_role.n_conditional - conditional_before, origin);
    }
    return 0;
}

int emu_cli_iam_add_files(struct emu_cli_iam *iam, const char *cmd,
                          const struct emu_cli_list *paths)
{
    for (size_t i = 0; i < paths->n; i++) {
        const char *path = paths->items[i];
        char *data = NULL;
        size_t len = 0;
        int r = emu_file_read(path, EMU_IAM_MAX_DOCUMENT, &data, &len);
        if (r < 0) {
            fprintf(stderr, "fargate-emu %s: cannot read --task-role-policy '%s': %s\n", cmd,
                    path, emu_strerror(r));
            return r;
        }
        char origin[1024];
        (void)snprintf(origin, sizeof(origin), "'%s'", path);
        r = add_document(iam, cmd, "--task-role-policy ", origin, data, len);
        emu_free(data);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* AWS-managed policies a plan names by ARN only, with their documents as the AWS Managed
 * Policy Reference publishes them. */
static const struct {
    const char *arn;
    const char *document;
} managed_policies[] = {
    {"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
     "\"ecr:GetAuthorizationToken\",\"ecr:BatchCheckLayerAvailability\","
     "\"ecr:GetDownloadUrlForLayer\",\"ecr:BatchGetImage\",\"logs:CreateLogStream\","
     "\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
};

static const char *managed_document(const char *arn)
{
    for (size_t i = 0; arn && i < sizeof(managed_policies) / sizeof(managed_policies[0]); i++) {
        if (strcmp(arn, managed_policies[i].arn) == 0) {
            return managed_policies[i].document;
        }
    }
    return NULL;
}

int emu_cli_iam_add_plan_role(struct emu_cli_iam *iam, const char *cmd, const char *which,
                              const struct emu_tf_role *role)
{
    if (!role->address) {
        fprintf(stderr, "fargate-emu %s: --enforce-iam: the plan has no %s resource; only "
                        "the policy files given are evaluated for it\n", cmd, which);
        return 0;
    }
    for (size_t i = 0; i < role->n_policies; i++) {
        const struct emu_tf_policy *p = &role->policies[i];
        const char *known = p->document ? NULL : managed_document(p->arn);
        if (known) {
            int r = add_document(iam, cmd, "--tf-plan: ", p->arn, known, strlen(known));
            if (r < 0) {
                return r;
            }
            continue;
        }
        if (!p->document) {
            fprintf(stderr, "fargate-emu %s: --enforce-iam: %s attaches %s, whose document is "
                            "not in the plan (an AWS-managed policy): it grants nothing here; "
                            "pass its document with --%s-policy\n", cmd, p->address,
                    p->arn ? p->arn : "a policy",
                    strcmp(which, "task role") == 0 ? "task-role" : "execution-role");
            continue;
        }
        int r = add_document(iam, cmd, "--tf-plan: ", p->address, p->document,
                             strlen(p->document));
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int emu_cli_iam_kept_json(const struct emu_cli_iam *iam, struct emu_buf *out)
{
    int r = emu_buf_putc(out, '[');
    r = r ? r : emu_buf_append(out, iam->kept.data ? iam->kept.data : "", iam->kept.len);
    return r ? r : emu_buf_putc(out, ']');
}

int emu_cli_iam_add_kept(struct emu_cli_iam *iam, const char *cmd, const struct cJSON *kept)
{
    if (!cJSON_IsArray(kept)) {
        fprintf(stderr, "fargate-emu %s: the kept policies are not an array\n", cmd);
        return -EINVAL;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, kept)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "origin");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "document");
        if (!cJSON_IsString(o) || !cJSON_IsString(d)) {
            fprintf(stderr, "fargate-emu %s: a kept policy lacks its origin or document\n",
                    cmd);
            return -EINVAL;
        }
        int r = add_document(iam, cmd, "kept policy ", o->valuestring, d->valuestring,
                             strlen(d->valuestring));
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

enum emu_iam_decision emu_cli_iam_decide(const struct emu_cli_iam *iam, const char *action,
                                         const char *resource)
{
    struct emu_iam_result r;
    emu_iam_evaluate(&iam->task_role, action, resource, &r);
    if (r.skipped_conditional) {
        emu_log_warn("IAM: statement %s matches %s on %s but has a Condition block, which "
                     "fargate-emu does not evaluate; it was not applied",
                     r.skipped_sid ? r.skipped_sid : "(no Sid)", action, resource);
    }
    return r.decision;
}

void emu_cli_iam_install(struct emu_cli_iam *iam)
{
    shim_iam_set_authorizer(authorize, iam);
    iam->installed = true;
}

void emu_cli_iam_done(struct emu_cli_iam *iam)
{
    if (iam->installed) {
        shim_iam_set_authorizer(NULL, NULL);
        iam->installed = false;
    }
    emu_iam_policies_done(&iam->task_role);
    emu_buf_done(&iam->kept);
}
