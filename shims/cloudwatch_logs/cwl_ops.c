/* SPDX-License-Identifier: Apache-2.0 */
/* CloudWatch Logs operations on log groups and log streams: create, delete, describe (prefix,
 * pattern, orderBy, descending, pagination), retention policies and tags. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

static void store_error(struct cwl_call *c, int r, const char *what)
{
    emu_log_errno(r, "cloudwatch-logs: %s failed", what);
    cwl_fail_code(c, r == EMU_E2BIG ? "LimitExceededException" : "ServiceUnavailableException",
                  r == EMU_E2BIG ? "Resource limit exceeded." : "The service cannot complete "
                                                                "the request.");
}

void cwl_op_create_log_group(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, NULL)) {
        return;
    }
    struct cwl_group *g;
    int r = cwl_store_group_create(c->cwl->store, c->in.group, c->now_ms, c->in.tags,
                                   c->in.n_tags, &g);
    if (r == EMU_EEXIST) {
        cwl_fail_code(c, "ResourceAlreadyExistsException",
                      "The specified log group already exists");
        return;
    }
    if (r < 0) {
        store_error(c, r, "CreateLogGroup");
        return;
    }
    cwl_reply(c);
}

void cwl_op_delete_log_group(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, NULL) || !cwl_need_group(c)) {
        return;
    }
    int r = cwl_store_group_delete(c->cwl->store, c->in.group);
    if (r < 0 && r != EMU_ENOENT) {
        emu_log_warn("cloudwatch-logs: removing the files of '%s' failed: %s, ignoring",
                     c->in.group, emu_strerror(r));
    }
    cwl_reply(c);
}

/* Decimal offset tokens of the Describe operations. */
static bool parse_offset(const char *token, size_t *ret)
{
    if (!token) {
        *ret = 0;
        return true;
    }
    char *end;
    unsigned long long v = strtoull(token, &end, 10);
    if (!*token || *end || v > (1ull << 40)) {
        return false;
    }
    *ret = (size_t)v;
    return true;
}

static bool group_selected(const struct cwl_req *q, const char *name)
{
    if (q->prefix) {
        return strncmp(name, q->prefix, strlen(q->prefix)) == 0;
    }
    if (q->pattern && *q->pattern) {
        size_t n = strlen(name), m = strlen(q->pattern);
        for (size_t i = 0; i + m <= n; i++) {
            if (strncasecmp(name + i, q->pattern, m) == 0) {
                return true;
            }
        }
        return false;
    }
    return true;
}

static int write_group(struct cwl_call *c, const struct cwl_group *g)
{
    struct emu_buf *o = &c->out;
    uint64_t stored = 0;
    for (size_t i = 0; i < g->n_streams; i++) {
        stored += g->streams[i]->stored;
    }
    int r = emu_buf_puts(o, "{\"logGroupName\":");
    r = r ? r : emu_json_write_string(g->name, o);
    r = r ? r : emu_buf_printf(o, ",\"creationTime\":%" PRId64, g->created);
    if (r == 0 && g->retention > 0) {
        r = emu_buf_printf(o, ",\"retentionInDays\":%ld", g->retention);
    }
    r = r ? r : emu_buf_puts(o, ",\"metricFilterCount\":0,\"arn\":\"");
    r = r ? r : cwl_group_arn(c, g->name, true, o);
    r = r ? r : emu_buf_printf(o, "\",\"storedBytes\":%" PRIu64 ",\"logGroupClass\":\"STANDARD\","
                                  "\"logGroupArn\":\"",
                               stored);
    r = r ? r : cwl_group_arn(c, g->name, false, o);
    return r ? r : emu_buf_puts(o, "\"}");
}

void cwl_op_describe_log_groups(struct cwl_call *c)
{
    if (!cwl_authorized(c, NULL, NULL)) {
        return;
    }
    const struct cwl_store *s = c->cwl->store;
    size_t skip = 0, limit = c->in.has_limit ? (size_t)c->in.limit : 50, n = 0;
    if (!parse_offset(c->in.next_token, &skip)) {
        cwl_fail_code(c, "InvalidParameterException", "The specified nextToken is invalid.");
        return;
    }
    size_t i = c->in.prefix ? cwl_store_group_lower(s, c->in.prefix) : 0;
    int r = emu_buf_puts(&c->out, "{\"logGroups\":[");
    size_t seen = 0;
    for (; r == 0 && i < s->n_groups; i++) {
        const struct cwl_group *g = s->groups[i];
        if (c->in.prefix && strncmp(g->name, c->in.prefix, strlen(c->in.prefix)) != 0) {
            break;
        }
        if (!group_selected(&c->in, g->name) || seen++ < skip) {
            continue;
        }
        if (n == limit) {
            break;
        }
        r = emu_buf_puts(&c->out, n++ ? "," : "");
        r = r ? r : write_group(c, g);
    }
    r = r ? r : emu_buf_putc(&c->out, ']');
    if (r == 0 && i < s->n_groups && n == limit) {
        r = emu_buf_printf(&c->out, ",\"nextToken\":\"%zu\"", skip + n);
    }
    r = r ? r : emu_buf_putc(&c->out, '}');
    if (r < 0) {
        store_error(c, r, "DescribeLogGroups");
        return;
    }
    cwl_reply(c);
}

void cwl_op_create_log_stream(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, c->in.stream)) {
        return;
    }
    struct cwl_group *g = cwl_need_group(c);
    if (!g) {
        return;
    }
    struct cwl_stream *st;
    int r = cwl_store_stream_create(c->cwl->store, g, c->in.stream, c->now_ms, &st);
    if (r == EMU_EEXIST) {
        cwl_fail_code(c, "ResourceAlreadyExistsException",
                      "The specified log stream already exists");
        return;
    }
    if (r < 0) {
        store_error(c, r, "CreateLogStream");
        return;
    }
    cwl_reply(c);
}

void cwl_op_delete_log_stream(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, c->in.stream)) {
        return;
    }
    struct cwl_group *g = cwl_need_group(c);
    if (!g) {
        return;
    }
    int r = cwl_store_stream_delete(g, c->in.stream);
    if (r == EMU_ENOENT) {
        cwl_fail_code(c, "ResourceNotFoundException", "The specified log stream does not exist.");
        return;
    }
    cwl_reply(c);
}

static int64_t last_event(const struct cwl_stream *st)
{
    return st->n ? st->ev[st->n - 1].timestamp : 0;
}

static int cmp_last_event(const void *a, const void *b)
{
    const struct cwl_stream *x = *(const struct cwl_stream *const *)a;
    const struct cwl_stream *y = *(const struct cwl_stream *const *)b;
    int64_t lx = last_event(x), ly = last_event(y);
    return lx < ly ? -1 : lx > ly ? 1 : strcmp(x->name, y->name);
}

static int write_stream(struct cwl_call *c, const struct cwl_stream *st)
{
    struct emu_buf *o = &c->out;
    int r = emu_buf_puts(o, "{\"logStreamName\":");
    r = r ? r : emu_json_write_string(st->name, o);
    r = r ? r : emu_buf_printf(o, ",\"creationTime\":%" PRId64, st->created);
    if (r == 0 && st->n) {
        r = emu_buf_printf(o, ",\"firstEventTimestamp\":%" PRId64 ",\"lastEventTimestamp\":%" PRId64
                              ",\"lastIngestionTime\":%" PRId64,
                           st->ev[0].timestamp, st->ev[st->n - 1].timestamp, st->last_ingestion);
    }
    r = r ? r : emu_buf_printf(o, ",\"uploadSequenceToken\":\"%020" PRIu32 "%020" PRIu32 "\"",
                               st->id, st->next_seq);
    r = r ? r : emu_buf_puts(o, ",\"arn\":\"");
    r = r ? r : cwl_stream_arn(c, c->in.group, st->name, o);
    return r ? r : emu_buf_puts(o, "\",\"storedBytes\":0}");
}

void cwl_op_describe_log_streams(struct cwl_call *c)
{
    if (!cwl_authorized(c, c->in.group, NULL)) {
        return;
    }
    const struct cwl_group *g = cwl_need_group(c);
    size_t skip = 0;
    if (!g) {
        return;
    }
    if (!parse_offset(c->in.next_token, &skip)) {
        cwl_fail_code(c, "InvalidParameterException", "The specified nextToken is invalid.");
        return;
    }
    /* The selection in the requested order. */
    size_t first = c->in.prefix ? cwl_group_stream_lower(g, c->in.prefix) : 0, n_sel = 0;
    const struct cwl_stream **sel = emu_malloc((g->n_streams + 1) * sizeof(*sel));
    if (!sel) {
        store_error(c, EMU_ENOMEM, "DescribeLogStreams");
        return;
    }
    for (size_t i = first; i < g->n_streams; i++) {
        if (c->in.prefix && strncmp(g->streams[i]->name, c->in.prefix, strlen(c->in.prefix))) {
            break;
        }
        sel[n_sel++] = g->streams[i];
    }
    if (c->in.order_by_last_event) {
        qsort(sel, n_sel, sizeof(*sel), cmp_last_event);
    }
    size_t limit = c->in.has_limit ? (size_t)c->in.limit : 50, n = 0;
    int r = emu_buf_puts(&c->out, "{\"logStreams\":[");
    for (size_t k = skip; r == 0 && k < n_sel && n < limit; k++, n++) {
        size_t at = c->in.descending ? n_sel - 1 - k : k;
        r = emu_buf_puts(&c->out, n ? "," : "");
        r = r ? r : write_stream(c, sel[at]);
    }
    r = r ? r : emu_buf_putc(&c->out, ']');
    if (r == 0 && skip + n < n_sel) {
        r = emu_buf_printf(&c->out, ",\"nextToken\":\"%zu\"", skip + n);
    }
    r = r ? r : emu_buf_putc(&c->out, '}');
    emu_free(sel);
    if (r < 0) {
        store_error(c, r, "DescribeLogStreams");
        return;
    }
    cwl_reply(c);
}

static void set_retention(struct cwl_call *c, long days)
{
    if (!cwl_authorized(c, c->in.group, NULL)) {
        return;
    }
    struct cwl_group *g = cwl_need_group(c);
    if (!g) {
        return;
    }
    g->retention = days;
    int r = cwl_store_group_save(g);
    if (r < 0) {
        store_error(c, r, "PutRetentionPolicy");
        return;
    }
    cwl_reply(c);
}

void cwl_op_put_retention_policy(struct cwl_call *c)
{
    set_retention(c, c->in.retention);
}

void cwl_op_delete_retention_policy(struct cwl_call *c)
{
    set_retention(c, 0);
}

/* The group a resource ARN names ("...:log-group:NAME" with an optional ":*"). */
static struct cwl_group *group_of_arn(struct cwl_call *c, const char *arn)
{
    const char *g = strstr(arn, ":log-group:");
    char name[CWL_MAX_NAME + 1];
    size_t len = g ? strcspn(g + 11, ":") : 0;
    struct cwl_group *grp = NULL;
    if (g && len > 0 && len <= CWL_MAX_NAME) {
        memcpy(name, g + 11, len);
        name[len] = '\0';
        grp = cwl_store_group(c->cwl->store, name);
    }
    if (!grp) {
        cwl_fail_code(c, "ResourceNotFoundException", "The specified resource does not exist.");
    }
    return grp;
}

void cwl_op_tags(struct cwl_call *c)
{
    bool by_arn = c->op == CWL_OP_TAG_RESOURCE || c->op == CWL_OP_UNTAG_RESOURCE ||
                  c->op == CWL_OP_LIST_TAGS_FOR_RESOURCE;
    struct cwl_group *g = by_arn ? group_of_arn(c, c->in.resource_arn) : cwl_need_group(c);
    if (!g || !cwl_authorized(c, g->name, NULL)) {
        return;
    }
    int r = 0;
    if (c->op == CWL_OP_LIST_TAGS_LOG_GROUP || c->op == CWL_OP_LIST_TAGS_FOR_RESOURCE) {
        r = emu_buf_puts(&c->out, "{\"tags\":{");
        for (size_t i = 0; r == 0 && i < g->n_tags; i++) {
            r = emu_buf_puts(&c->out, i ? "," : "");
            r = r ? r : emu_json_write_string(g->tags[i].key, &c->out);
            r = r ? r : emu_buf_putc(&c->out, ':');
            r = r ? r : emu_json_write_string(g->tags[i].value, &c->out);
        }
        r = r ? r : emu_buf_puts(&c->out, "}}");
    }
    else {
        for (size_t i = 0; r == 0 && i < c->in.n_tags; i++) {
            r = cwl_group_tag_set(g, c->in.tags[i].key, c->in.tags[i].value);
        }
        for (size_t i = 0; r == 0 && i < c->in.n_tag_keys; i++) {
            r = cwl_group_tag_set(g, c->in.tag_keys[i], NULL);
        }
        r = r ? r : cwl_store_group_save(g);
    }
    if (r == EMU_E2BIG) {
        cwl_fail_code(c, "InvalidParameterException", "A log group can have at most 50 tags.");
        return;
    }
    if (r < 0) {
        store_error(c, r, cwl_op_name(c->op));
        return;
    }
    cwl_reply(c);
}
