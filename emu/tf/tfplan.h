/* SPDX-License-Identifier: Apache-2.0 */
/* Reading `terraform show -json` output (a plan or a state): finds the aws_ecs_task_definition
 * to run (in planned_values or values, through child modules) and the IAM policies of its task
 * and execution roles. Pure: JSON bytes in, arena-owned strings out. */
#ifndef EMU_TF_TFPLAN_H
#define EMU_TF_TFPLAN_H

#include <stddef.h>

#include "emu/base/arena.h"
#include "emu/base/diag.h"
#include "emu/model/model.h"

/* One policy that applies to a role. */
struct emu_tf_policy {
    const char *address;  /* resource that grants it: "aws_iam_role_policy.task_s3",
                           * "aws_iam_role.task" (inline_policy), or the attachment's address */
    const char *name;     /* policy name, NULL for an attachment of a managed policy */
    const char *arn;      /* attached policy ARN, NULL for inline policies */
    const char *document; /* the policy JSON as Terraform holds it; NULL for an AWS-managed
                           * policy the plan does not contain */
};

struct emu_tf_role {
    const char *address; /* "aws_iam_role.task"; NULL when the role is not in the plan */
    const char *name;
    const char *arn;
    struct emu_tf_policy *policies;
    size_t n_policies;
};

struct emu_tf_taskdef {
    struct emu_arena arena;
    const char *address;                    /* "aws_ecs_task_definition.app" */
    const char *container_definitions;      /* the JSON string Terraform holds */
    struct emu_taskdef_overrides overrides; /* family, cpu, memory, network mode, roles */
    struct emu_tf_role task_role;
    struct emu_tf_role execution_role;
};

/* Reads plan or state JSON. resource (NULL = the only one) picks an aws_ecs_task_definition by
 * address. Returns 0 with *ret (free with emu_tfplan_free; diags may hold warnings), -EJSON for
 * malformed JSON, -ENOENT when no (or no such) task definition is there, -EINVAL when several
 * are and none was picked or its container definitions are unknown until apply, -E2BIG, or
 * -ENOMEM; every error is explained in diags. */
int emu_tfplan_read(const char *json, size_t len, const char *resource, struct emu_tf_taskdef **ret,
                    struct emu_diags *diags);

/* Frees (NULL allowed); returns NULL. */
struct emu_tf_taskdef *emu_tfplan_free(struct emu_tf_taskdef *t);

#endif
