/* SPDX-License-Identifier: Apache-2.0 */
/* The opt-in IAM check every shim calls before an operation (`serve --enforce-iam`): one
 * process-wide authorizer, and helpers that answer AccessDenied in each service's words. */
#ifndef SHIMS_COMMON_IAM_HOOK_H
#define SHIMS_COMMON_IAM_HOOK_H

#include <stdbool.h>

#include "shims/common/http.h"

/* Decides action on resource for the caller that signed with key_id ("" when anonymous).
 * Returns true to allow; on false sets *ret_explicit (an explicit Deny matched) and writes the
 * caller's ARN into ret_principal (256 bytes). */
typedef bool (*shim_iam_authorize_fn)(void *ud, const char *key_id, const char *action,
                                      const char *resource, bool *ret_explicit,
                                      char ret_principal[256]);

/* Installs (or with NULL removes) the authorizer. Set it before starting the shims. */
void shim_iam_set_authorizer(shim_iam_authorize_fn fn, void *ud);
shim_iam_authorize_fn shim_iam_authorizer(void **ret_ud);

/* The S3 hook: true when allowed (or no authorizer is installed); otherwise answers req with
 * S3's 403 <Code>AccessDenied</Code><Message>Access Denied</Message> and returns false.
 * Example (shims/s3 after routing): shim_iam_check_s3(req, key_id, "s3:PutObject",
 * "arn:aws:s3:::bucket/key"). */
bool shim_iam_check_s3(struct shim_request *req, const char *key_id, const char *action,
                       const char *resource);

#endif
