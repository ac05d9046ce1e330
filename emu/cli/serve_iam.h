/* SPDX-License-Identifier: Apache-2.0 */
/* `serve --enforce-iam`: loads the task role's policy documents and installs the authorizer
 * every shim consults (shims/common/iam_hook.h). */
#ifndef EMU_CLI_SERVE_IAM_H
#define EMU_CLI_SERVE_IAM_H

#include "emu/aws/iam.h"

struct emu_serve_iam {
    struct emu_iam_policies task_role;
    const char *role_arn; /* static: the role the serve credentials stand for */
};

/* Reads policy documents from path (one document or a JSON array of them) and installs the
 * authorizer. Returns 0 or a negative errno after printing why to stderr. */
int emu_serve_iam_start(struct emu_serve_iam *iam, const char *path);
/* Removes the authorizer and frees the policies. */
void emu_serve_iam_stop(struct emu_serve_iam *iam);

#endif
