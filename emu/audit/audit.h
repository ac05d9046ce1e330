/* SPDX-License-Identifier: Apache-2.0 */
/* The delivery audit: what each awsfirelens container wrote (<id>.out/<name>.log) against what
 * reached its destinations (the S3 and CloudWatch Logs shims' stores), matched by content and
 * order in bounded memory, with the gaps attributed to a pipeline stage from the evidence. */
#ifndef EMU_AUDIT_AUDIT_H
#define EMU_AUDIT_AUDIT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emu/runtime/runtime.h"

/* ==== the .out line format (audit_out.c) ================================================== */

struct emu_audit_out_line {
    const char *ts; /* RFC 3339 timestamp */
    size_t ts_len;
    int stream;     /* 1 stdout, 2 stderr */
    const char *text;
    size_t len;
};

/* Parses "<timestamp> <stdout|stderr> <text>" (no newline). 0 or -EBADMSG. */
int emu_audit_out_parse(const char *line, size_t len, struct emu_audit_out_line *ret);

/* Unix ms of an RFC 3339 timestamp (UTC "Z" or an offset); -1 when malformed. */
int64_t emu_audit_ts_ms(const char *ts, size_t len);

/* A bounded line reader: lines up to EMU_AUDIT_LINE_MAX bytes (longer ones are returned cut and
 * counted in too_long). */
#define EMU_AUDIT_LINE_MAX (512u * 1024u)
struct emu_audit_reader {
    FILE *f;
    char *buf;
    size_t cap, start, end;
    bool eof;
    unsigned long long too_long;
};
int emu_audit_reader_open(struct emu_audit_reader *r, const char *path);
/* 1 and the line (without its newline, valid until the next call), 0 at the end, or a
 * negative errno. */
int emu_audit_reader_next(struct emu_audit_reader *r, const char **ret, size_t *ret_len);
void emu_audit_reader_close(struct emu_audit_reader *r);

/* 64-bit content hash of a line. */
uint64_t emu_audit_hash(const char *s, size_t n);

/* ==== matching (audit_match.c) ============================================================ */

/* Lines written get positions 0..n-1; each record that arrived is matched to the earliest
 * written occurrence of its content not yet matched. Memory: 30 to 60 bytes per distinct
 * line (a 16-byte hash table entry at most 3/4 full) plus 9 per written line (next-occurrence
 * link, flag bits, the in-order run), never the text. */
struct emu_audit_match;

struct emu_audit_counts {
    uint64_t written;     /* lines the container wrote */
    uint64_t filtered;    /* written, excluded on purpose by the router's grep filters */
    uint64_t expected;    /* written - filtered */
    uint64_t delivered;   /* expected lines that arrived (at least once) */
    uint64_t lost;        /* expected lines that never arrived */
    uint64_t duplicated;  /* records arriving again for a line already matched */
    uint64_t reordered;   /* delivered lines outside the longest in-order run */
    uint64_t unexpected;  /* records matching no written line */
    uint64_t filtered_delivered; /* lines the grep rules exclude that arrived anyway */
    uint64_t tail_lost;   /* lost lines after the last delivered one */
};

int emu_audit_match_new(struct emu_audit_match **ret);
void emu_audit_match_free(struct emu_audit_match *m);
/* Appends a written line. 0, -ENOMEM, -E2BIG (over 2^32-2 lines). */
int emu_audit_match_written(struct emu_audit_match *m, uint64_t hash, bool filtered);
/* The same for a line of stream 1 (stdout) or 2 (stderr): order is judged per stream. */
int emu_audit_match_written_on(struct emu_audit_match *m, uint64_t hash, bool filtered,
                               int stream);
/* One record that arrived. */
void emu_audit_match_arrived(struct emu_audit_match *m, uint64_t hash);
void emu_audit_match_counts(const struct emu_audit_match *m, struct emu_audit_counts *ret);
/* Whether written line pos was expected and never arrived. */
bool emu_audit_match_lost(const struct emu_audit_match *m, uint64_t pos);

/* ==== the router's config (audit_conf.c) ================================================== */

#define EMU_AUDIT_MAX_RULES 64
#define EMU_AUDIT_MAX_OUTPUTS 32

struct emu_audit_rule {
    char *match;
    bool exclude;
    bool on_log; /* the rule's key is "log" (others cannot be evaluated on a line) */
    void *re;    /* OnigRegex */
};

struct emu_audit_output {
    char *plugin; /* "s3", "cloudwatch_logs", ... */
    char *match;
    char *bucket, *key_format;
    char *group, *stream_name, *stream_prefix;
    char *retry_limit;
    unsigned line; /* of its [OUTPUT] header */
    char instance[96]; /* its name in the router's metrics: Alias, else <plugin>.<N> */
};

struct emu_audit_conf {
    bool loaded;
    char error[512];
    struct emu_audit_rule rules[EMU_AUDIT_MAX_RULES];
    size_t n_rules;
    size_t n_unevaluated; /* grep rules on other keys, or with logical_op */
    struct emu_audit_output outputs[EMU_AUDIT_MAX_OUTPUTS];
    size_t n_outputs;
    char mem_buf_limit[32];  /* of the forward input ("25MB"), "" when unset */
    char storage_type[32];   /* of the forward input, "" = memory */
    char grace[32];          /* [SERVICE] Grace, "" = default (5 s) */
    bool http_server;        /* [SERVICE] HTTP_Server on: the router serves /api/v1/metrics */
    char forward[8][96];     /* metrics names of its forward inputs (Alias or forward.N) */
    size_t n_forward;
};

/* Loads the snapshot the runtime keeps, <out_dir>/.router/<the file the router loads> (named
 * by <out_dir>/.router.main, else /fluent-bit/etc/fluent-bit.conf), with its @INCLUDEs.
 * 0, or a negative code with c->error set; c is usable (empty) either way. */
int emu_audit_conf_load(const char *out_dir, struct emu_audit_conf *c);
/* The same from a config text (tests, fuzzing): includes are refused. */
int emu_audit_conf_parse(const char *name, const char *text, size_t len,
                         struct emu_audit_conf *c);
void emu_audit_conf_done(struct emu_audit_conf *c);
/* Fluent Bit's Match: '*' matches any run of characters. */
bool emu_audit_tag_match(const char *pattern, const char *tag);
/* Whether the grep filters matching tag drop a record whose log is text. */
bool emu_audit_conf_excluded(const struct emu_audit_conf *c, const char *tag, const char *text,
                             size_t len);

/* ==== the router's metrics (audit_metrics.c) ============================================= */

#define EMU_AUDIT_METRICS_MAX (2u * 1024u * 1024u) /* the file's ceiling */
#define EMU_AUDIT_METRICS_INST 64                  /* instances read per kind */

struct emu_audit_minst {
    char name[96];
    uint64_t records, bytes;                      /* input */
    uint64_t proc_records, proc_bytes, errors;    /* output */
    uint64_t retries, retries_failed, dropped_records, retried_records;
};

/* <id>.out/.router.metrics.json: the last good reading of the router's /api/v1/metrics that
 * the supervisor took while the task ran (Fluent Bit's JSON: {"input":{"forward.0":{"records":
 * N,"bytes":N}},"output":{"s3.0":{"proc_records":N,...}}}), or why there is none. */
struct emu_audit_metrics {
    bool file;          /* the file exists */
    bool present;       /* it holds a reading */
    bool final;         /* taken after the app containers stopped, before the router did */
    char url[128];
    char time[40];
    int64_t time_ms;
    uint64_t readings, failures;
    char error[240];    /* the last failed reading's error, or why the file is unreadable */
    struct emu_audit_minst inputs[EMU_AUDIT_METRICS_INST];
    size_t n_inputs;
    struct emu_audit_minst outputs[EMU_AUDIT_METRICS_INST];
    size_t n_outputs;
    size_t skipped;     /* instances past the ceiling, or with a malformed value */
};

/* Parses the file's text. 0, or -EBADMSG with m->error set (m is usable either way). */
int emu_audit_metrics_parse(const char *text, size_t len, struct emu_audit_metrics *m);
/* Reads <out_dir>/.router.metrics.json: 0, -ENOENT (no file: m->file false), or -EBADMSG. */
int emu_audit_metrics_load(const char *out_dir, struct emu_audit_metrics *m);
/* The instance called name among the inputs or outputs; NULL when absent. */
const struct emu_audit_minst *emu_audit_metrics_find(const struct emu_audit_metrics *m,
                                                     bool output, const char *name);

/* ==== destinations (audit_dest.c) ========================================================= */

struct emu_audit_dest_stats {
    uint64_t objects;    /* S3 objects or CloudWatch streams read */
    uint64_t records;    /* records of this container */
    uint64_t unreadable; /* objects or lines that could not be read */
};

typedef void (*emu_audit_record_cb)(const char *text, size_t len, void *ud);

/* Calls cb, in arrival order, with the log of every record of docker_name ("fe-<id>-app") that
 * output o stored. */
int emu_audit_dest_read(const char *data_dir, const struct emu_audit_output *o,
                        const char *docker_name, const char *tag, emu_audit_record_cb cb,
                        void *ud, struct emu_audit_dest_stats *st);
/* The log of a stored record line (JSON with container_name and log) when it belongs to
 * docker_name; false otherwise. */
bool emu_audit_record_log(const char *json, size_t len, const char *docker_name,
                          const char **ret, size_t *ret_len, char **ret_owned);

/* ==== evidence and attribution (audit_attr.c) ============================================= */

struct emu_audit_router_log {
    bool present;
    uint64_t dropped_tag;     /* records of the tag the router's outputs gave up */
    uint64_t dropped_chunks;  /* chunks given up without a count (Fluent Bit) */
    uint64_t grace_unflushed; /* "Grace period expired with N records not flushed" */
    uint64_t paused;          /* "paused (mem buf overlimit)" */
    uint64_t retries;         /* flush retries scheduled */
    bool has_summary;         /* emu-router's "[engine] records in N, out N, dropped N" */
    uint64_t records_in;      /* records its inputs received, all tags together */
};

/* Folds one router output line into ev (tag: the container's FireLens tag). */
void emu_audit_router_line(struct emu_audit_router_log *ev, const char *tag, const char *line,
                           size_t len);

#define EMU_AUDIT_MAX_STAGES 6

enum emu_audit_stage_kind {
    EMU_AUDIT_STAGE_OUTPUT = 0, /* router received, output gave up */
    EMU_AUDIT_STAGE_BUFFERED,   /* still in the router when it stopped */
    EMU_AUDIT_STAGE_DRIVER_EXIT,/* Docker's driver queue dropped at container exit */
    EMU_AUDIT_STAGE_INPUT,      /* router input reset at Mem_Buf_Limit */
    EMU_AUDIT_STAGE_UNKNOWN,    /* never received, the evidence cannot tell where */
    EMU_AUDIT_STAGE_ROUTER,     /* received by the router, not delivered, no message why */
};

struct emu_audit_stage {
    enum emu_audit_stage_kind kind;
    uint64_t lines;
    char evidence[1024];
};

struct emu_audit_attr_in {
    uint64_t lost, tail_lost;
    struct emu_audit_router_log router;
    bool exited;         /* the container stopped */
    int64_t exit_gap_ms; /* its stop minus its last line's timestamp; -1 unknown */
    bool async;          /* fluentd-async=true */
    uint64_t written_all; /* lines every awsfirelens container of the task wrote */
    /* The router's /api/v1/metrics (one reading), when read: */
    bool m_present;
    bool m_final;           /* taken after the app containers stopped */
    const char *m_time;     /* its time */
    uint64_t m_in_records;  /* records its forward inputs received (all containers) */
    bool m_in_shared;       /* other awsfirelens containers feed the router too */
    const struct emu_audit_minst *m_out; /* the output's counters, NULL when absent */
    bool m_out_shared;      /* other containers' tags match that output too */
    bool m_out_s3;          /* that output is s3 (counts records entering its upload buffer) */
};

/* Splits lost lines over stages; returns how many stages. Pure. */
size_t emu_audit_attribute(const struct emu_audit_attr_in *in, struct emu_audit_stage *out);
const char *emu_audit_stage_name(enum emu_audit_stage_kind k);

/* ==== the audit of a task (audit_task.c, audit_report.c) ================================== */

#define EMU_AUDIT_FIRST_LOST 5

struct emu_audit_lost_line {
    char ts[40];
    char stream[8];
    char text[201];
};

/* One awsfirelens container against one of its destinations. */
struct emu_audit_ctr {
    char name[EMU_CTR_NAME_MAX];
    char tag[EMU_CTR_NAME_MAX + 64];
    bool recorded;  /* <name>.log existed */
    bool truncated; /* the copy hit its ceiling */
    struct emu_audit_counts counts;
    struct emu_audit_dest_stats dest;
    char destination[300]; /* "s3://bucket/prefix", "cloudwatch://group"; "" when none */
    struct emu_audit_stage stages[EMU_AUDIT_MAX_STAGES];
    size_t n_stages;
    struct emu_audit_lost_line first_lost[EMU_AUDIT_FIRST_LOST];
    size_t n_first_lost;
    int stop_timeout_s;    /* -1 = unset (30 s on Fargate) */
    char buffer_limit[32]; /* log-driver-buffer-limit, "" = Docker's default */
    bool async;
    bool exited_itself;    /* it stopped before the task was asked to stop */
    bool exited;           /* it stopped */
    int64_t exit_gap_ms;   /* its stop minus its last line's timestamp, -1 unknown */
    struct emu_audit_router_log router; /* the router's log read for its tag */
    int out_index;         /* its output in res->conf.outputs, -1 none */
    int m_out;             /* index of the output's metrics in res->metrics.outputs, -1 none */
    bool m_out_shared;     /* other containers' tags match that output */
    char note[512];
};

struct emu_audit_rec {
    char setting[300];
    char where[600];
    char why[600];
    const char *doc;
};

struct emu_audit_result {
    char task_id[33];
    char router[EMU_CTR_NAME_MAX];
    bool router_is_emu; /* the router is emu-router (pauses, never resets) */
    struct emu_audit_router_log router_log;
    struct emu_audit_conf conf;
    struct emu_audit_metrics metrics; /* the router's /api/v1/metrics */
    uint64_t m_in_records;  /* what its forward inputs received (metrics) */
    size_t m_in_found;      /* forward inputs of the config found in the metrics */
    size_t n_feeding;       /* awsfirelens containers feeding the router */
    uint64_t written_all;   /* lines they wrote */
    int router_memory_mib; /* memoryReservation or memory, 0 unknown */
    struct emu_audit_ctr *ctrs;
    size_t n_ctrs;
    uint64_t written, expected, lost;
    struct emu_audit_rec recs[8];
    size_t n_recs;
    char error[512];
};

/* Audits task st of data_dir. 0, or a negative code with res->error set (nothing recorded,
 * no FireLens container). */
int emu_audit_task(const char *data_dir, const struct emu_task_state *st,
                   struct emu_audit_result *res);
void emu_audit_result_done(struct emu_audit_result *res);
/* Loss in percent of the expected lines (0 when none expected). */
double emu_audit_loss_pct(const struct emu_audit_result *res);
void emu_audit_print(const struct emu_audit_result *res, FILE *f);
cJSON *emu_audit_json(const struct emu_audit_result *res);

/* Internal (audit_report.c): fills res->recs from the stages found. */
int emu__audit_recommend(struct emu_audit_result *res);

#endif
