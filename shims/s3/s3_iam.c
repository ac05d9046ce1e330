/* SPDX-License-Identifier: Apache-2.0 */
/* The IAM action and resource of each S3 operation (AWS's "Actions, resources, and condition
 * keys for Amazon S3"), checked through the opt-in authorizer of `serve --enforce-iam`, so a
 * task role without s3:PutObject on the bucket's objects is refused as AWS refuses it. */
#include <stdio.h>

#include "shims/common/iam_hook.h"
#include "shims/s3/s3_internal.h"

#define S3_ARN_MAX (64 + 1024 + 32)

struct s3_iam_rule {
    const char *action;
    int scope; /* 0: "*", 1: the bucket, 2: the object */
};

static const struct s3_iam_rule rules[_S3_OP_MAX] = {
    [S3_OP_LIST_BUCKETS] = {"s3:ListAllMyBuckets", 0},
    [S3_OP_CREATE_BUCKET] = {"s3:CreateBucket", 1},
    [S3_OP_HEAD_BUCKET] = {"s3:ListBucket", 1},
    [S3_OP_DELETE_BUCKET] = {"s3:DeleteBucket", 1},
    [S3_OP_GET_BUCKET_LOCATION] = {"s3:GetBucketLocation", 1},
    [S3_OP_LIST_OBJECTS] = {"s3:ListBucket", 1},
    [S3_OP_LIST_OBJECTS_V2] = {"s3:ListBucket", 1},
    [S3_OP_LIST_UPLOADS] = {"s3:ListBucketMultipartUploads", 1},
    [S3_OP_DELETE_OBJECTS] = {"s3:DeleteObject", 2},
    [S3_OP_PUT_OBJECT] = {"s3:PutObject", 2},
    [S3_OP_COPY_OBJECT] = {"s3:PutObject", 2},
    [S3_OP_GET_OBJECT] = {"s3:GetObject", 2},
    [S3_OP_HEAD_OBJECT] = {"s3:GetObject", 2},
    [S3_OP_DELETE_OBJECT] = {"s3:DeleteObject", 2},
    [S3_OP_CREATE_UPLOAD] = {"s3:PutObject", 2},
    [S3_OP_UPLOAD_PART] = {"s3:PutObject", 2},
    [S3_OP_UPLOAD_PART_COPY] = {"s3:PutObject", 2},
    [S3_OP_COMPLETE_UPLOAD] = {"s3:PutObject", 2},
    [S3_OP_ABORT_UPLOAD] = {"s3:AbortMultipartUpload", 2},
    [S3_OP_LIST_PARTS] = {"s3:ListMultipartUploadParts", 2},
    [S3_OP_GET_OBJECT_TAGGING] = {"s3:GetObjectTagging", 2},
};

bool s3__iam_allowed(struct s3_call *c, const char *key_id)
{
    if (c->op < 0 || c->op >= _S3_OP_MAX || !rules[c->op].action) {
        return true; /* NotImplemented answers anyway */
    }
    const struct s3_iam_rule *rule = &rules[c->op];
    char arn[S3_ARN_MAX];
    if (rule->scope == 0 || !c->bucket) {
        snprintf(arn, sizeof(arn), "*");
    }
    else if (rule->scope == 1 || !c->key) {
        /* DeleteObjects names its keys in the body: checked against all objects (bucket/ *). */
        snprintf(arn, sizeof(arn), rule->scope == 2 ? "arn:aws:s3:::%s/*" : "arn:aws:s3:::%s",
                 c->bucket);
    }
    else {
        snprintf(arn, sizeof(arn), "arn:aws:s3:::%s/%s", c->bucket, c->key);
    }
    return shim_iam_check_s3(c->req, key_id, rule->action, arn);
}
