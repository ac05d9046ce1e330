/* SPDX-License-Identifier: Apache-2.0 */
/* `serve --enforce-iam --task-role-policy FILE`: every call to every shim is evaluated against
 * the task role's identity policies (emu/aws/iam_eval.c), as AWS would for a task using the
 * role; refusals name the caller as AWS does (the assumed-role ARN). */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/cli/serve_iam.h"
#include "shims/common/iam_hook.h"
#include "shims/sts/sts.h"

#define TASK_ROLE_PRINCIPAL                                                                   \
    "arn:aws:sts::123456789012:assumed-role/fargate-emu-task-role/fargate-emu"

static bool authorize(void *ud, const char *key_id, const char *action, const char *resource,
                      bool *ret_explicit, char ret_principal[256])
{
    const struct emu_serve_iam *iam = ud;
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

int emu_serve_iam_start(struct emu_serve_iam *iam, const char *path)
{
    emu_iam_policies_init(&iam->task_role);
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_IAM_MAX_DOCUMENT, &data, &len);
    if (r < 0) {
        fprintf(stderr, "fargate-emu serve: cannot read --task-role-policy '%s': %s\n", path,
                emu_strerror(r));
        return r;
    }
    char err[256] = "";
    r = emu_iam_policies_add(&iam->task_role, data, len, err, sizeof(err));
    emu_free(data);
    if (r < 0) {
        fprintf(stderr, "fargate-emu serve: --task-role-policy '%s': %s\n", path,
                err[0] ? err : emu_strerror(r));
        emu_iam_policies_done(&iam->task_role);
        return r;
    }
    if (iam->task_role.n_conditional) {
        emu_log_warn("IAM: %zu statement(s) in '%s' have Condition blocks, which fargate-emu does "
                     "not evaluate: they are not applied, and each call they match is reported",
                     iam->task_role.n_conditional, path);
    }
    shim_iam_set_authorizer(authorize, iam);
    return 0;
}

void emu_serve_iam_stop(struct emu_serve_iam *iam)
{
    shim_iam_set_authorizer(NULL, NULL);
    emu_iam_policies_done(&iam->task_role);
}
