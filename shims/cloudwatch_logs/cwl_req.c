/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON 1.1 request parser of the CloudWatch Logs shim: one body, one operation, typed and
 * validated fields with the service's error types and validation messages. Pure (fuzzed). */
#include <math.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

#define VALIDATION "1 validation error detected: "

static const char *const op_names[_CWL_OP_MAX] = {
    [CWL_OP_CREATE_LOG_GROUP] = "CreateLogGroup",
    [CWL_OP_DELETE_LOG_GROUP] = "DeleteLogGroup",
    [CWL_OP_DESCRIBE_LOG_GROUPS] = "DescribeLogGroups",
    [CWL_OP_CREATE_LOG_STREAM] = "CreateLogStream",
    [CWL_OP_DELETE_LOG_STREAM] = "DeleteLogStream",
    [CWL_OP_DESCRIBE_LOG_STREAMS] = "DescribeLogStreams",
    [CWL_OP_PUT_LOG_EVENTS] = "PutLogEvents",
    [CWL_OP_GET_LOG_EVENTS] = "GetLogEvents",
    [CWL_OP_FILTER_LOG_EVENTS] = "FilterLogEvents",
    [CWL_OP_PUT_RETENTION_POLICY] = "PutRetentionPolicy",
    [CWL_OP_DELETE_RETENTION_POLICY] = "DeleteRetentionPolicy",
    [CWL_OP_TAG_LOG_GROUP] = "TagLogGroup",
    [CWL_OP_UNTAG_LOG_GROUP] = "UntagLogGroup",
    [CWL_OP_LIST_TAGS_LOG_GROUP] = "ListTagsLogGroup",
    [CWL_OP_TAG_RESOURCE] = "TagResource",
    [CWL_OP_UNTAG_RESOURCE] = "UntagResource",
    [CWL_OP_LIST_TAGS_FOR_RESOURCE] = "ListTagsForResource",
};

const char *cwl_op_name(enum cwl_op op)
{
    return op >= 0 && op < _CWL_OP_MAX ? op_names[op] : "Unknown";
}

enum cwl_op cwl_op_from_target(const char *target)
{
    static const char prefix[] = "Logs_20140328.";
    if (!target || strncmp(target, prefix, sizeof(prefix) - 1) != 0) {
        return _CWL_OP_INVALID;
    }
    const char *name = target + sizeof(prefix) - 1;
    for (int i = 0; i < _CWL_OP_MAX; i++) {
        if (strcmp(op_names[i], name) == 0) {
            return (enum cwl_op)i;
        }
    }
    return _CWL_OP_INVALID;
}

static int serialization(struct cwl_err *e, const char *field)
{
    return cwl_err_set(e, "SerializationException", "Unexpected value type for '%s'.", field);
}

/* Optional string member; EMU_EAWS for another type. */
static int get_str(const cJSON *root, const char *name, const char **ret, struct cwl_err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!it || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsString(it)) {
        return serialization(e, name);
    }
    *ret = it->valuestring;
    return 0;
}

static int get_bool(const cJSON *root, const char *name, bool *ret, struct cwl_err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!it || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsBool(it)) {
        return serialization(e, name);
    }
    *ret = cJSON_IsTrue(it);
    return 0;
}

/* Integral number member (timestamps and counts); 1 when present. */
static int get_int(const cJSON *root, const char *name, int64_t *ret, struct cwl_err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!it || cJSON_IsNull(it)) {
        return 0;
    }
    double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
    if (!(d >= -9.2e18 && d <= 9.2e18) || d != floor(d)) {
        return serialization(e, name);
    }
    *ret = (int64_t)d;
    return 1;
}

static int need_name(const char *v, const char *field, bool group, struct cwl_err *e)
{
    if (!v) {
        return cwl_err_set(e, "InvalidParameterException",
                           VALIDATION "Value null at '%s' failed to satisfy constraint: Member "
                                      "must not be null",
                           field);
    }
    if (group ? cwl_group_name_valid(v) : cwl_stream_name_valid(v)) {
        return 0;
    }
    if (strlen(v) == 0 || strlen(v) > CWL_MAX_NAME) {
        return cwl_err_set(e, "InvalidParameterException",
                           VALIDATION "Value '%.64s' at '%s' failed to satisfy constraint: Member "
                                      "must have length between 1 and 512",
                           v, field);
    }
    return cwl_err_set(e, "InvalidParameterException",
                       VALIDATION "Value '%.200s' at '%s' failed to satisfy constraint: Member "
                                  "must satisfy regular expression pattern: %s",
                       v, field, group ? "[\\.\\-_/#A-Za-z0-9]+" : "[^:*]*");
}

/* logGroupName or logGroupIdentifier (a name or an ARN). */
static int get_group(struct cwl_req *q, bool required, struct cwl_err *e)
{
    const char *name = NULL, *ident = NULL;
    int r = get_str(q->root, "logGroupName", &name, e);
    r = r ? r : get_str(q->root, "logGroupIdentifier", &ident, e);
    if (r < 0) {
        return r;
    }
    if (name && ident) {
        return cwl_err_set(e, "InvalidParameterException",
                           "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    }
    if (ident && strncmp(ident, "arn:", 4) == 0) {
        const char *g = strstr(ident, ":log-group:");
        if (!g) {
            return cwl_err_set(e, "InvalidParameterException", "Invalid log group ARN: %.200s",
                               ident);
        }
        g += strlen(":log-group:");
        size_t len = strcspn(g, ":");
        if (len > CWL_MAX_NAME) {
            return need_name(g, "logGroupIdentifier", true, e);
        }
        memcpy(q->group_from_arn, g, len);
        q->group_from_arn[len] = '\0';
        ident = q->group_from_arn;
    }
    q->group = name ? name : ident;
    if (!q->group && !required) {
        return 0;
    }
    return need_name(q->group, name || !ident ? "logGroupName" : "logGroupIdentifier", true, e);
}

static int get_limit(struct cwl_req *q, long max, struct cwl_err *e)
{
    int64_t v = 0;
    int r = get_int(q->root, "limit", &v, e);
    if (r <= 0) {
        return r;
    }
    if (v < 1 || v > max) {
        return cwl_err_set(e, "InvalidParameterException",
                           VALIDATION "Value '%lld' at 'limit' failed to satisfy constraint: "
                                      "Member must have value %s %ld",
                           (long long)v,
                           v < 1 ? "greater than or equal to" : "less than or equal to",
                           v < 1 ? 1L : max);
    }
    q->has_limit = true;
    q->limit = (long)v;
    return 0;
}

/* "tags": {"k": "v"} map into q->tags. */
static int get_tag_map(struct cwl_req *q, bool required, struct cwl_err *e)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(q->root, "tags");
    if (!t || cJSON_IsNull(t)) {
        return required ? cwl_err_set(e, "InvalidParameterException",
                                      VALIDATION "Value null at 'tags' failed to satisfy "
                                                 "constraint: Member must not be null")
                        : 0;
    }
    if (!cJSON_IsObject(t)) {
        return serialization(e, "tags");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, t)
    {
        if (!cJSON_IsString(it)) {
            return serialization(e, "tags");
        }
        if (q->n_tags == CWL_MAX_TAGS) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value at 'tags' failed to satisfy constraint: Member "
                                          "must have length less than or equal to 50");
        }
        q->tags[q->n_tags++] = (struct cwl_tag){it->string, it->valuestring};
    }
    return 0;
}

/* A list of strings ("tagKeys", UntagLogGroup's "tags", "logStreamNames"). */
static int get_str_list(const cJSON *root, const char *name, const char **out, size_t max,
                        size_t *ret_n, struct cwl_err *e)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!l || cJSON_IsNull(l)) {
        return 0;
    }
    if (!cJSON_IsArray(l)) {
        return serialization(e, name);
    }
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, l)
    {
        if (!cJSON_IsString(it)) {
            return serialization(e, name);
        }
        if (n == max) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value at '%s' failed to satisfy constraint: Member "
                                          "must have length less than or equal to %zu",
                               name, max);
        }
        out[n++] = it->valuestring;
    }
    *ret_n = n;
    return 0;
}

static int get_events(struct cwl_req *q, struct cwl_err *e)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(q->root, "logEvents");
    if (!l || cJSON_IsNull(l)) {
        return cwl_err_set(e, "InvalidParameterException",
                           VALIDATION "Value null at 'logEvents' failed to satisfy constraint: "
                                      "Member must not be null");
    }
    if (!cJSON_IsArray(l)) {
        return serialization(e, "logEvents");
    }
    size_t n = (size_t)cJSON_GetArraySize(l);
    if (n > CWL_MAX_BATCH_EVENTS) {
        q->n_events = n; /* the limit rule words the error */
        return 0;
    }
    q->events = emu_calloc(n ? n : 1, sizeof(*q->events));
    if (!q->events) {
        return EMU_ENOMEM;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, l)
    {
        if (!cJSON_IsObject(it)) {
            return serialization(e, "logEvents");
        }
        struct cwl_event_in *ev = &q->events[q->n_events];
        const char *msg = NULL;
        int r = get_int(it, "timestamp", &ev->timestamp, e);
        int r2 = r < 0 ? r : get_str(it, "message", &msg, e);
        if (r2 < 0) {
            return r2;
        }
        if (r == 0 || !msg) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value null at 'logEvents.%zu.member.%s' failed to "
                                          "satisfy constraint: Member must not be null",
                               q->n_events + 1, r == 0 ? "timestamp" : "message");
        }
        ev->message = msg;
        ev->len = strlen(msg);
        q->n_events++;
    }
    return 0;
}

static int get_time_range(struct cwl_req *q, struct cwl_err *e)
{
    int r = get_int(q->root, "startTime", &q->start_time, e);
    if (r < 0) {
        return r;
    }
    q->has_start = r > 0;
    r = get_int(q->root, "endTime", &q->end_time, e);
    if (r < 0) {
        return r;
    }
    q->has_end = r > 0;
    if ((q->has_start && q->start_time < 0) || (q->has_end && q->end_time < 0)) {
        return cwl_err_set(e, "InvalidParameterException",
                           VALIDATION "Value at 'startTime' failed to satisfy constraint: Member "
                                      "must have value greater than or equal to 0");
    }
    return 0;
}

static int parse_fields(enum cwl_op op, struct cwl_req *q, struct cwl_err *e)
{
    int r = 0;
    int64_t v = 0;
    const char *order = NULL;
    switch (op) {
    case CWL_OP_CREATE_LOG_GROUP:
        r = get_group(q, true, e);
        return r ? r : get_tag_map(q, false, e);
    case CWL_OP_DELETE_LOG_GROUP:
    case CWL_OP_DELETE_RETENTION_POLICY:
    case CWL_OP_LIST_TAGS_LOG_GROUP:
        return get_group(q, true, e);
    case CWL_OP_DESCRIBE_LOG_GROUPS:
        r = get_str(q->root, "logGroupNamePrefix", &q->prefix, e);
        r = r ? r : get_str(q->root, "logGroupNamePattern", &q->pattern, e);
        r = r ? r : get_str(q->root, "nextToken", &q->next_token, e);
        r = r ? r : get_limit(q, 50, e);
        if (r == 0 && q->prefix && q->pattern) {
            r = cwl_err_set(e, "InvalidParameterException",
                            "LogGroup name prefix and LogGroup name pattern are mutually "
                            "exclusive parameters.");
        }
        return r;
    case CWL_OP_CREATE_LOG_STREAM:
    case CWL_OP_DELETE_LOG_STREAM:
        r = get_group(q, true, e);
        r = r ? r : get_str(q->root, "logStreamName", &q->stream, e);
        return r ? r : need_name(q->stream, "logStreamName", false, e);
    case CWL_OP_DESCRIBE_LOG_STREAMS:
        r = get_group(q, true, e);
        r = r ? r : get_str(q->root, "logStreamNamePrefix", &q->prefix, e);
        r = r ? r : get_str(q->root, "orderBy", &order, e);
        r = r ? r : get_bool(q->root, "descending", &q->descending, e);
        r = r ? r : get_str(q->root, "nextToken", &q->next_token, e);
        r = r ? r : get_limit(q, 50, e);
        if (r == 0 && order && strcmp(order, "LogStreamName") != 0 &&
            strcmp(order, "LastEventTime") != 0) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value '%.64s' at 'orderBy' failed to satisfy "
                                          "constraint: Member must satisfy enum value set: "
                                          "[LogStreamName, LastEventTime]",
                               order);
        }
        q->order_by_last_event = order && strcmp(order, "LastEventTime") == 0;
        if (r == 0 && q->order_by_last_event && q->prefix) {
            return cwl_err_set(e, "InvalidParameterException",
                               "Cannot order by LastEventTime with a logStreamNamePrefix.");
        }
        return r;
    case CWL_OP_PUT_LOG_EVENTS:
        r = get_group(q, true, e);
        r = r ? r : get_str(q->root, "logStreamName", &q->stream, e);
        r = r ? r : need_name(q->stream, "logStreamName", false, e);
        r = r ? r : get_str(q->root, "sequenceToken", &q->next_token, e); /* ignored */
        return r ? r : get_events(q, e);
    case CWL_OP_GET_LOG_EVENTS:
        r = get_group(q, true, e);
        r = r ? r : get_str(q->root, "logStreamName", &q->stream, e);
        r = r ? r : need_name(q->stream, "logStreamName", false, e);
        r = r ? r : get_time_range(q, e);
        r = r ? r : get_str(q->root, "nextToken", &q->next_token, e);
        r = r ? r : get_bool(q->root, "startFromHead", &q->start_from_head, e);
        return r ? r : get_limit(q, CWL_MAX_GET_EVENTS, e);
    case CWL_OP_FILTER_LOG_EVENTS:
        r = get_group(q, true, e);
        r = r ? r : get_str_list(q->root, "logStreamNames", q->stream_names, CWL_MAX_STREAM_NAMES,
                                 &q->n_stream_names, e);
        r = r ? r : get_str(q->root, "logStreamNamePrefix", &q->prefix, e);
        r = r ? r : get_time_range(q, e);
        r = r ? r : get_str(q->root, "filterPattern", &q->pattern, e);
        r = r ? r : get_str(q->root, "nextToken", &q->next_token, e);
        r = r ? r : get_limit(q, CWL_MAX_GET_EVENTS, e);
        if (r == 0 && q->prefix && q->n_stream_names) {
            r = cwl_err_set(e, "InvalidParameterException",
                            "You cannot specify both logStreamNames and logStreamNamePrefix.");
        }
        return r;
    case CWL_OP_PUT_RETENTION_POLICY:
        r = get_group(q, true, e);
        r = r ? r : get_int(q->root, "retentionInDays", &v, e);
        if (r == 0) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value null at 'retentionInDays' failed to satisfy "
                                          "constraint: Member must not be null");
        }
        if (r > 0 && !cwl_retention_valid((long)v)) {
            return cwl_err_set(e, "InvalidParameterException",
                               VALIDATION "Value '%lld' at 'retentionInDays' failed to satisfy "
                                          "constraint: Member must satisfy enum value set: %s",
                               (long long)v, cwl_retention_list());
        }
        q->retention = (long)v;
        q->has_retention = true;
        return r < 0 ? r : 0;
    case CWL_OP_TAG_LOG_GROUP:
        r = get_group(q, true, e);
        return r ? r : get_tag_map(q, true, e);
    case CWL_OP_UNTAG_LOG_GROUP:
        r = get_group(q, true, e);
        return r ? r : get_str_list(q->root, "tags", q->tag_keys, CWL_MAX_TAGS, &q->n_tag_keys, e);
    case CWL_OP_TAG_RESOURCE:
    case CWL_OP_UNTAG_RESOURCE:
    case CWL_OP_LIST_TAGS_FOR_RESOURCE:
        r = get_str(q->root, "resourceArn", &q->resource_arn, e);
        if (r == 0 && !q->resource_arn) {
            return need_name(NULL, "resourceArn", true, e);
        }
        if (r == 0 && op == CWL_OP_TAG_RESOURCE) {
            r = get_tag_map(q, true, e);
        }
        if (r == 0 && op == CWL_OP_UNTAG_RESOURCE) {
            r = get_str_list(q->root, "tagKeys", q->tag_keys, CWL_MAX_TAGS, &q->n_tag_keys, e);
        }
        return r;
    default:
        return cwl_err_set(e, "UnknownOperationException", "Unknown operation");
    }
}

int cwl_req_parse(enum cwl_op op, const char *body, size_t len, struct cwl_req *req,
                  struct cwl_err *e)
{
    memset(req, 0, sizeof(*req));
    if (len == 0) {
        body = "{}";
        len = 2;
    }
    struct emu_json_error je;
    int r = emu_json_parse(body, len, &req->root, &je);
    if (r == EMU_ENOMEM) {
        return r;
    }
    if (r < 0 || !cJSON_IsObject(req->root)) {
        return cwl_err_set(e, "SerializationException", "Start of structure or map found where "
                                                        "not expected.");
    }
    return parse_fields(op, req, e);
}

void cwl_req_done(struct cwl_req *req)
{
    cJSON_Delete(req->root);
    emu_free(req->events);
    memset(req, 0, sizeof(*req));
}
