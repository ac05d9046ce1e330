/* SPDX-License-Identifier: Apache-2.0 */
/* The endpoints a `run` supervisor serves to its task: the S3 shim, started in-process on the
 * task network's gateway address (the host as the task's containers reach it; loopback inside
 * the task is the task's own namespace), with the store shared by every run and `logs`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/cli/cli_run.h"
#include "shims/s3/s3.h"

int emu_cli_endpoints_start(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *data_dir,
                            const char *gateway, const char *region,
                            struct emu_local_endpoints *ep, char *why, size_t why_len)
{
    (void)snprintf(e->s3_root, sizeof(e->s3_root), "%s/s3", data_dir);
    struct shim_s3_config cfg = {
        .root = e->s3_root,
        .address = gateway,
        .port = 0,
        .region = region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
    };
    int r = shim_s3_start(loop, &cfg, &e->s3);
    if (r < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot start the local S3 "
                                     "endpoint on %s (the task network's gateway): %s", gateway,
                       emu_strerror(r));
        return r;
    }
    (void)snprintf(e->s3_url, sizeof(e->s3_url), "http://%s:%u", gateway, shim_s3_port(e->s3));
    (void)snprintf(e->region, sizeof(e->region), "%s", region);
    *ep = (struct emu_local_endpoints){
        .s3 = e->s3_url,
        .region = e->region,
        .access_key = SHIM_S3_DEFAULT_ACCESS_KEY,
        .secret_key = SHIM_S3_DEFAULT_SECRET_KEY,
    };
    return 0;
}

int emu_cli_endpoints_bucket(struct emu_cli_endpoints *e, const char *bucket, FILE *out)
{
    bool created = false;
    int r = e->s3 ? shim_s3_ensure_bucket(e->s3, bucket, &created) : -ENOTCONN;
    if (r < 0) {
        fprintf(out, "fargate-emu: cannot create bucket %s in the local S3: %s\n", bucket,
                emu_strerror(r));
    }
    else if (created) {
        fprintf(out, "fargate-emu: created bucket %s in the local S3 (%s/buckets/%s); on AWS it "
                     "must exist already\n", bucket, e->s3_root, bucket);
    }
    return r;
}

int emu_cli_endpoints_read(struct emu_cli_endpoints *e, const char *bucket, const char *key,
                           struct emu_buf *out, char *why, size_t why_len)
{
    int r = e->s3 ? shim_s3_read(e->s3, bucket, key, out) : -ENOTCONN;
    if (r < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: unable to download firelens "
                                     "s3 config file: s3://%s/%s from the local S3: %s", bucket,
                       key, r == -ENOENT ? "NoSuchKey (put it there first, e.g. aws s3 cp)"
                                         : emu_strerror(r));
    }
    return r;
}

void emu_cli_endpoints_stop(struct emu_cli_endpoints *e)
{
    shim_s3_stop(e->s3);
    e->s3 = NULL;
}
