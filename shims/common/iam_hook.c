/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide IAM authorizer of the shims and S3's AccessDenied answer (the JSON services
 * word theirs in their own handlers: "User: ... is not authorized to perform: ..."). */
#include "shims/common/iam_hook.h"

#include <stddef.h>

static shim_iam_authorize_fn authorizer;
static void *authorizer_ud;

void shim_iam_set_authorizer(shim_iam_authorize_fn fn, void *ud)
{
    authorizer = fn;
    authorizer_ud = ud;
}

shim_iam_authorize_fn shim_iam_authorizer(void **ret_ud)
{
    if (ret_ud) {
        *ret_ud = authorizer_ud;
    }
    return authorizer;
}

bool shim_iam_check_s3(struct shim_request *req, const char *key_id, const char *action,
                       const char *resource)
{
    if (!authorizer) {
        return true;
    }
    bool explicit_deny = false;
    char principal[256] = "";
    if (authorizer(authorizer_ud, key_id ? key_id : "", action, resource, &explicit_deny,
                   principal)) {
        return true;
    }
    shim_respond_error_xml(req, 403, "AccessDenied", "Access Denied", NULL);
    return false;
}
