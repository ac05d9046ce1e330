/* SPDX-License-Identifier: Apache-2.0 */
/* In-process writers of the CloudWatch Logs shim, for what a local run does without HTTP:
 * `fargate-emu run` writes awslogs containers' output here as the awslogs driver would
 * (CreateLogGroup when awslogs-create-group, CreateLogStream, PutLogEvents with the
 * service's batch rules). */
#include <errno.h>
#include <sys/time.h>

#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

static int64_t now_ms(void)
{
    struct timeval tv;
    (void)gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int shim_cwl_prepare(struct shim_cwl *cwl, const char *group, bool create_group,
                     const char *stream)
{
    if (!cwl_group_name_valid(group) || !cwl_stream_name_valid(stream)) {
        return -EINVAL;
    }
    struct cwl_group *g = cwl_store_group(cwl->store, group);
    int r = 0;
    if (!g && !create_group) {
        return -ENOENT;
    }
    if (!g) {
        r = cwl_store_group_create(cwl->store, group, now_ms(), NULL, 0, &g);
        if (r < 0) {
            return r;
        }
    }
    struct cwl_stream *st = cwl_group_stream(g, stream);
    if (!st) {
        r = cwl_store_stream_create(cwl->store, g, stream, now_ms(), &st);
    }
    return r == -EEXIST ? 0 : r;
}

int shim_cwl_put(struct shim_cwl *cwl, const char *group, const char *stream,
                 const struct shim_cwl_event *ev, size_t n, size_t *ret_rejected)
{
    struct cwl_group *g = cwl_store_group(cwl->store, group);
    struct cwl_stream *st = g ? cwl_group_stream(g, stream) : NULL;
    *ret_rejected = 0;
    if (!st) {
        return -ENOENT;
    }
    if (n == 0) {
        return 0;
    }
    struct cwl_event_in *in = emu_calloc(n, sizeof(*in));
    if (!in) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        in[i] = (struct cwl_event_in){ev[i].timestamp, ev[i].message, ev[i].len};
    }
    int64_t now = now_ms();
    struct cwl_batch_verdict v;
    struct cwl_err e = {0};
    int r = cwl_batch_check(in, n, now, g->retention, &v, &e);
    if (r == 0) {
        r = cwl_store_append(st, in, v.first, v.end, now);
        *ret_rejected = n - (v.end - v.first);
    }
    else {
        r = -EINVAL;
    }
    emu_free(in);
    return r;
}
