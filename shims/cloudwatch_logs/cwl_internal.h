/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shims/cloudwatch_logs: the pure rules (names, PutLogEvents limits, filter
 * patterns, tokens), the JSON 1.1 request parser, the store and the operation handlers. */
#ifndef SHIMS_CLOUDWATCH_LOGS_CWL_INTERNAL_H
#define SHIMS_CLOUDWATCH_LOGS_CWL_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"
#include "shims/cloudwatch_logs/cwl.h"
#include "shims/common/auth.h"
#include "shims/common/http.h"

/* CloudWatch Logs' own limits (PutLogEvents API reference, service quotas). */
#define CWL_MAX_BATCH_EVENTS 10000
#define CWL_MAX_BATCH_BYTES 1048576       /* sum of UTF-8 message bytes + 26 per event */
#define CWL_EVENT_OVERHEAD 26
#define CWL_MAX_EVENT_BYTES 1048576       /* one event, message + 26 */
#define CWL_MAX_SPAN_MS (24LL * 3600 * 1000)
#define CWL_MAX_AGE_MS (14LL * 24 * 3600 * 1000)
#define CWL_MAX_AHEAD_MS (2LL * 3600 * 1000)
#define CWL_MAX_NAME 512                  /* log group and log stream names */
#define CWL_MAX_TAGS 50
#define CWL_MAX_STREAM_NAMES 100          /* FilterLogEvents logStreamNames */
#define CWL_MAX_GET_EVENTS 10000          /* GetLogEvents / FilterLogEvents limit */
#define CWL_MAX_RESPONSE_BYTES 1048576    /* messages returned by one Get/Filter call */
/* Emulator ceilings (every buffer has one). */
#define CWL_MAX_BODY (10u * 1024u * 1024u) /* = EMU_JSON_MAX_INPUT */
#define CWL_MAX_GROUPS 100000
#define CWL_MAX_STREAMS 100000            /* per group */
#define CWL_MAX_STREAM_EVENTS (64u * 1024u * 1024u)
#define CWL_MAX_PATTERN_TERMS 32

/* ---- operations ---- */
enum cwl_op {
    CWL_OP_CREATE_LOG_GROUP,
    CWL_OP_DELETE_LOG_GROUP,
    CWL_OP_DESCRIBE_LOG_GROUPS,
    CWL_OP_CREATE_LOG_STREAM,
    CWL_OP_DELETE_LOG_STREAM,
    CWL_OP_DESCRIBE_LOG_STREAMS,
    CWL_OP_PUT_LOG_EVENTS,
    CWL_OP_GET_LOG_EVENTS,
    CWL_OP_FILTER_LOG_EVENTS,
    CWL_OP_PUT_RETENTION_POLICY,
    CWL_OP_DELETE_RETENTION_POLICY,
    CWL_OP_TAG_LOG_GROUP,
    CWL_OP_UNTAG_LOG_GROUP,
    CWL_OP_LIST_TAGS_LOG_GROUP,
    CWL_OP_TAG_RESOURCE,
    CWL_OP_UNTAG_RESOURCE,
    CWL_OP_LIST_TAGS_FOR_RESOURCE,
    _CWL_OP_MAX,
    _CWL_OP_INVALID = -22
};

/* "CreateLogGroup" for an operation; the op for an X-Amz-Target, or _CWL_OP_INVALID. */
const char *cwl_op_name(enum cwl_op op);
enum cwl_op cwl_op_from_target(const char *target);

/* An error to answer with: the service's __type and message. */
struct cwl_err {
    const char *code;
    unsigned status;
    char message[600];
};

/* Fills e with code/message and returns EMU_EAWS. */
int cwl_err_set(struct cwl_err *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- requests (cwl_req.c, pure) ---- */
struct cwl_event_in {
    int64_t timestamp;
    const char *message; /* points into the parsed tree */
    size_t len;          /* UTF-8 bytes */
};

struct cwl_tag {
    const char *key;
    const char *value;
};

struct cwl_req {
    cJSON *root;
    const char *group;       /* logGroupName, or the name out of logGroupIdentifier */
    char group_from_arn[CWL_MAX_NAME + 1];
    const char *stream;      /* logStreamName */
    const char *prefix;      /* logGroupNamePrefix / logStreamNamePrefix */
    const char *pattern;     /* logGroupNamePattern / filterPattern */
    const char *next_token;
    const char *resource_arn;
    bool order_by_last_event;
    bool descending;
    bool start_from_head;
    bool has_start, has_end, has_limit, has_retention;
    int64_t start_time, end_time;
    long limit;
    long retention;
    const char *stream_names[CWL_MAX_STREAM_NAMES];
    size_t n_stream_names;
    struct cwl_tag tags[CWL_MAX_TAGS];
    size_t n_tags;
    const char *tag_keys[CWL_MAX_TAGS];
    size_t n_tag_keys;
    struct cwl_event_in *events; /* PutLogEvents, emu_malloc'ed */
    size_t n_events;
};

/* Parses and validates the JSON 1.1 body of op. Returns 0, or EMU_EAWS with e filled
 * (SerializationException for malformed JSON or wrong types, InvalidParameterException for
 * values AWS refuses), or -ENOMEM. req must be released with cwl_req_done either way. */
int cwl_req_parse(enum cwl_op op, const char *body, size_t len, struct cwl_req *req,
                  struct cwl_err *e);
void cwl_req_done(struct cwl_req *req);

/* ---- pure rules (cwl_rules.c) ---- */
/* Log group names: 1-512 of [.-_/#A-Za-z0-9]. Stream names: 1-512, no ':' or '*'. */
bool cwl_group_name_valid(const char *name);
bool cwl_stream_name_valid(const char *name);
/* One of the retention values CloudWatch accepts (1, 3, 5, 7, 14, 30, ... 3653 days). */
bool cwl_retention_valid(long days);
/* The enum list as AWS prints it in the validation message: "[1, 3, 5, ...]". */
const char *cwl_retention_list(void);

/* What PutLogEvents does with a batch: which events it stores and which it reports. */
struct cwl_batch_verdict {
    size_t first;         /* events [first, end) are stored */
    size_t end;
    long too_new_start;   /* tooNewLogEventStartIndex, -1 = absent */
    long too_old_end;     /* tooOldLogEventEndIndex, -1 = absent */
    long expired_end;     /* expiredLogEventEndIndex, -1 = absent */
};

/* Applies CloudWatch's PutLogEvents rules to n events at now_ms for a group with the given
 * retention (0 = never expire). Returns 0 and the verdict, or EMU_EAWS with e filled
 * (InvalidParameterException: count, sizes, chronological order, 24-hour span). */
int cwl_batch_check(const struct cwl_event_in *ev, size_t n, int64_t now_ms, long retention_days,
                    struct cwl_batch_verdict *v, struct cwl_err *e);

/* A term filter pattern: "ERROR", "ERROR Exception" (all), "?ERROR ?WARN" (any), "\"a b\""
 * (phrase), "-DEBUG" (exclude). */
struct cwl_pattern {
    struct {
        char *text;
        size_t len;
        char kind; /* '+' required, '?' optional (any of), '-' excluded */
    } terms[CWL_MAX_PATTERN_TERMS];
    size_t n;
    bool has_optional;
};

/* Parses pattern (NULL or "" matches everything). Returns 0, EMU_EAWS with e filled for a
 * pattern the emulator does not support (JSON or space-delimited) or cannot parse, -ENOMEM. */
int cwl_pattern_parse(const char *pattern, struct cwl_pattern *p, struct cwl_err *e);
bool cwl_pattern_match(const struct cwl_pattern *p, const char *msg, size_t len);
void cwl_pattern_done(struct cwl_pattern *p);

/* GetLogEvents tokens "f/<pos>/s" and "b/<pos>/s". Parse returns 0 and the direction
 * ('f' or 'b') and position, or -EINVAL. */
void cwl_token_format(char dir, uint64_t pos, char out[40]);
int cwl_token_parse(const char *token, char *ret_dir, uint64_t *ret_pos);

/* ---- store (cwl_store.c, cwl_load.c) ---- */
struct cwl_ev {
    int64_t timestamp;
    int64_t ingestion;
    uint64_t offset; /* of the message's JSON string literal in the stream file */
    uint32_t len;    /* literal length, quotes included */
    uint32_t seq;    /* ingest order within the stream (event ids) */
};

struct cwl_stream {
    char *name;
    char *file;        /* stream file path */
    int64_t created;
    uint32_t id;       /* unique in the store, stable across restarts */
    uint32_t next_seq;
    uint64_t size;     /* bytes in the file */
    uint64_t stored;   /* message bytes */
    int64_t last_ingestion;
    struct cwl_ev *ev; /* sorted by (timestamp, seq) */
    size_t n, cap;
};

struct cwl_group {
    char *name;
    char *dir;
    int64_t created;
    long retention;    /* days, 0 = never expire */
    struct cwl_tag tags[CWL_MAX_TAGS]; /* owned strings */
    size_t n_tags;
    struct cwl_stream **streams; /* sorted by name */
    size_t n_streams, cap_streams;
};

struct cwl_store {
    char *root;
    struct cwl_group **groups; /* sorted by name */
    size_t n_groups, cap_groups;
    uint32_t next_stream_id;
};

int cwl_store_open(const char *root, struct cwl_store **ret);
/* Appends {"time","group","stream","rejected"} to <root>/rejected-events.jsonl (cwl_journal.c);
 * failures are ignored (the call's answer already says it). */
void cwl_journal_rejected(const struct cwl_store *s, const char *group, const char *stream,
                          size_t n_rejected, int64_t now_ms);
void cwl_store_free(struct cwl_store *s);
/* Index of the first group (or stream) whose name is >= name. */
size_t cwl_store_group_lower(const struct cwl_store *s, const char *name);
size_t cwl_group_stream_lower(const struct cwl_group *g, const char *name);
struct cwl_group *cwl_store_group(const struct cwl_store *s, const char *name);
struct cwl_stream *cwl_group_stream(const struct cwl_group *g, const char *name);
/* Creates a group (-EEXIST, -E2BIG past CWL_MAX_GROUPS, or an I/O errno). */
int cwl_store_group_create(struct cwl_store *s, const char *name, int64_t now_ms,
                           const struct cwl_tag *tags, size_t n_tags, struct cwl_group **ret);
int cwl_store_group_delete(struct cwl_store *s, const char *name);
/* Rewrites the group's metadata file after a retention or tag change. */
int cwl_store_group_save(const struct cwl_group *g);
/* Sets (or with value NULL removes) a tag; -E2BIG past CWL_MAX_TAGS. */
int cwl_group_tag_set(struct cwl_group *g, const char *key, const char *value);
int cwl_store_stream_create(struct cwl_store *s, struct cwl_group *g, const char *name,
                            int64_t now_ms, struct cwl_stream **ret);
int cwl_store_stream_delete(struct cwl_group *g, const char *name);
/* Appends events [first, end) of a checked batch: one write, then the index. */
int cwl_store_append(struct cwl_stream *st, const struct cwl_event_in *ev, size_t first,
                     size_t end, int64_t now_ms);
/* Inserts index entries keeping (timestamp, seq) order. Shared with the loader. */
int cwl__stream_index_add(struct cwl_stream *st, const struct cwl_ev *add, size_t n);
/* Reads the literals of events (in the order given) from the stream file: fd-less helper
 * that opens, preads and closes. Calls fn for each with the literal bytes. */
typedef int (*cwl_literal_fn)(void *ud, const struct cwl_ev *ev, const char *lit, size_t len);
int cwl_store_read(const struct cwl_stream *st, const struct cwl_ev *const *evs, size_t n,
                   cwl_literal_fn fn, void *ud);
/* Helpers shared by cwl_store.c and cwl_load.c. */
int cwl__array_insert(void ***arr, size_t *n, size_t *cap, size_t i, void *p, size_t max);
void cwl__stream_free(struct cwl_stream *st);
void cwl__group_free(struct cwl_group *g);
/* Loads the groups and streams under s->root (cwl_load.c). */
int cwl__store_load(struct cwl_store *s);
/* File name component for a group or stream name: readable when safe, else "~<sha256>". */
int cwl__store_encode_name(const char *name, struct emu_buf *out);

/* ---- service and handlers ---- */
struct shim_cwl {
    struct shim_http_server *http;
    struct cwl_store *store;
    struct shim_auth auth;
    char *region;
    char *account;
};

struct cwl_call {
    struct shim_cwl *cwl;
    struct shim_request *req;
    enum cwl_op op;
    char key_id[EMU_SIGV4_MAX_KEY_ID];
    int64_t now_ms;
    struct cwl_req in;
    struct emu_buf out; /* response JSON */
};

/* Answers c with 200 and c->out (or "{}" when empty). */
void cwl_reply(struct cwl_call *c);
/* Answers c with an error. */
void cwl_fail(struct cwl_call *c, const struct cwl_err *e);
void cwl_fail_code(struct cwl_call *c, const char *code, const char *message);
/* ResourceNotFoundException for the group or stream, AccessDenied when the IAM hook refuses.
 * Return true when c may go on. */
bool cwl_authorized(struct cwl_call *c, const char *group, const char *stream);
struct cwl_group *cwl_need_group(struct cwl_call *c);
/* ARN forms: "arn:aws:logs:R:A:log-group:G" (+ ":*" when star), "...:log-stream:S". */
int cwl_group_arn(const struct cwl_call *c, const char *group, bool star, struct emu_buf *out);
int cwl_stream_arn(const struct cwl_call *c, const char *group, const char *stream,
                   struct emu_buf *out);

void cwl_op_create_log_group(struct cwl_call *c);
void cwl_op_delete_log_group(struct cwl_call *c);
void cwl_op_describe_log_groups(struct cwl_call *c);
void cwl_op_create_log_stream(struct cwl_call *c);
void cwl_op_delete_log_stream(struct cwl_call *c);
void cwl_op_describe_log_streams(struct cwl_call *c);
void cwl_op_put_retention_policy(struct cwl_call *c);
void cwl_op_delete_retention_policy(struct cwl_call *c);
void cwl_op_tags(struct cwl_call *c); /* all six tag operations */
void cwl_op_put_log_events(struct cwl_call *c);
void cwl_op_get_log_events(struct cwl_call *c);
void cwl_op_filter_log_events(struct cwl_call *c);

#endif
