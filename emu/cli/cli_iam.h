/* SPDX-License-Identifier: Apache-2.0 */
/* --enforce-iam for serve and run: the task role's policies (from --task-role-policy files
 * and, for run --tf-plan, from the plan) installed as the shims' process-wide authorizer. */
#ifndef EMU_CLI_CLI_IAM_H
#define EMU_CLI_CLI_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/aws/iam.h"
#include "emu/base/buf.h"
#include "emu/cli/cli.h"

struct emu_tf_role;

struct emu_cli_iam {
    struct emu_iam_policies task_role;
    size_t n_documents;
    bool installed;
    struct emu_buf kept; /* every document added, as {"origin":..,"document":..},... (resume) */
};

/* Empties it (no policy: every call would be denied). */
void emu_cli_iam_init(struct emu_cli_iam *iam);

/* Adds every --task-role-policy file (a policy document or a JSON array of them). Prints
 * "fargate-emu CMD: ..." naming the file on failure; returns 0 or a negative errno. */
int emu_cli_iam_add_files(struct emu_cli_iam *iam, const char *cmd,
                          const struct emu_cli_list *paths);

/* Adds the inline and attached policies a Terraform plan holds for a role, which is "task
 * role" or "execution role" (role->address
 * NULL: the role is not in the plan). An attached policy whose document the plan does not
 * hold (an AWS-managed one) is reported on stderr and grants nothing. Returns 0 or a
 * negative errno after printing why, naming the plan address. */
int emu_cli_iam_add_plan_role(struct emu_cli_iam *iam, const char *cmd, const char *which,
                              const struct emu_tf_role *role);

/* Decides action on resource without logging (for checks the supervisor makes itself, such
 * as the execution role's awslogs calls). */
enum emu_iam_decision emu_cli_iam_decide(const struct emu_cli_iam *iam, const char *action,
                                         const char *resource);

/* Appends the documents added so far as a JSON array of {"origin","document"} objects, the
 * form emu_cli_iam_add_kept reads back (a resumed supervisor enforces the same policies even
 * when the files changed or the plan is gone). */
int emu_cli_iam_kept_json(const struct emu_cli_iam *iam, struct emu_buf *out);

/* Adds the documents of such an array (cJSON array). Prints "fargate-emu CMD: ..." on a bad
 * entry; returns 0 or a negative errno. */
struct cJSON;
int emu_cli_iam_add_kept(struct emu_cli_iam *iam, const char *cmd, const struct cJSON *kept);

/* Installs the authorizer every shim calls; emu_cli_iam_done removes it. */
void emu_cli_iam_install(struct emu_cli_iam *iam);
void emu_cli_iam_done(struct emu_cli_iam *iam);

#endif
