/* SPDX-License-Identifier: Apache-2.0 */
/* Private structures of the router core (engine, instances, chunks), shared by its files and
 * its tests only; plugins see them through plugin.h's accessors. */
#ifndef EMU_ROUTER_INTERNAL_H
#define EMU_ROUTER_INTERNAL_H

#include <oniguruma.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/router/config.h"
#include "emu/router/mlparser.h"
#include "emu/router/parser.h"
#include "emu/router/plugin.h"
#include "emu/router/router.h"

/* A chunk is sealed at this size (Fluent Bit's ~2 MB chunks). */
#define EMU_ROUTER_CHUNK_MAX (2u * 1024u * 1024u)
/* Sealed chunks an input may hold for the next Flush tick: past this they are dispatched at
 * the next loop iteration (memory stays bounded when records arrive faster than Flush). */
#define EMU_ROUTER_EAGER_BYTES (32u * 1024u * 1024u)
/* Ceiling of one chunk's buffer and of a filter's output. */
#define EMU_ROUTER_BUF_MAX (64u * 1024u * 1024u)

struct emu_router_chunk {
    struct emu_router_chunk *next; /* in its input's open list */
    struct emu_router_input *in;
    char *tag;
    struct emu_buf data;
    size_t n;
    int refs;
    char *path;  /* its chunk file (storage.type filesystem), or NULL */
    int fd;      /* open while the chunk grows, else -1 */
    int backlog; /* loaded from a chunk file at start: counts in backlog_mem */
};

struct emu_router_generic_in {
    const char *name, *tag, *alias, *log_level, *storage_type, *tls_str, *tls_ca_file;
    int64_t mem_buf_limit, log_suppress;
    int threaded, routable, pause_on_overlimit, tls, tls_verify;
};

struct emu_router_generic_out {
    const char *name, *match, *match_regex, *alias, *log_level, *retry_limit, *tls_str;
    const char *tls_ca_file;
    int64_t workers, total_limit_size, log_suppress;
    int tls, tls_verify;
};

/* Per-instance counters behind /api/v1/metrics, named as Fluent Bit names them. */
struct emu_router_in_metrics {
    uint64_t records, bytes;
};

struct emu_router_filter_metrics {
    uint64_t drop_records, add_records, records, bytes, drop_bytes, emit_records;
};

struct emu_router_out_metrics {
    uint64_t proc_records, proc_bytes, errors, retries, retries_failed, dropped_records,
        retried_records;
};

struct emu_router_input {
    struct emu_router *r;
    const struct emu_router_input_plugin *p;
    const struct emu_router_section *sec;
    struct emu_router_generic_in g;
    void *ctx;
    char name[96];
    struct emu_router_chunk *open; /* one open chunk per tag */
    struct emu_router_chunk *sealed_head, **sealed_tail; /* full, waiting for the flush */
    size_t sealed_bytes; /* of chunks sealed by size since the last dispatch */
    size_t mem_used;               /* bytes in chunks not yet released */
    struct emu_router_in_metrics m;
    int paused, stopped, inited;
    char *fs_dir;               /* <storage.path>/<name> with storage.type filesystem */
    char **backlog;             /* chunk file names left by an earlier run, sorted */
    size_t n_backlog, cap_backlog, next_backlog;
};

struct emu_router_filter {
    struct emu_router *r;
    const struct emu_router_filter_plugin *p;
    const struct emu_router_section *sec;
    struct emu_router_generic_out g; /* Name, Match, Match_Regex, Alias, Log_Level */
    void *ctx;
    char name[96];
    OnigRegex match_re;
    struct emu_router_input *emitter; /* its own re-emitting input, skipped by this filter */
    struct emu_router_filter_metrics m;
    int inited;
};

struct emu_router_output {
    struct emu_router *r;
    const struct emu_router_output_plugin *p;
    const struct emu_router_section *sec;
    struct emu_router_generic_out g;
    void *ctx;
    char name[96];
    OnigRegex match_re;
    int retry_limit; /* -1: no limit */
    size_t fs_queued; /* bytes of filesystem chunks queued for it (storage.total_limit_size) */
    struct emu_router_out_metrics m;
    int inited;
};

struct emu_router_flush {
    struct emu_router_flush *next; /* in the router's task list */
    struct emu_router *r;
    struct emu_router_chunk *chunk;
    struct emu_router_output *out;
    uv_timer_t timer;
    size_t fs_bytes; /* counted in out->fs_queued */
    int attempts, timer_inited, running, done;
};

struct emu_router {
    uv_loop_t *loop;
    struct emu_router_service svc;
    struct emu_router_stats stats;
    struct emu_router_input **inputs;
    size_t n_inputs;
    struct emu_router_filter **filters;
    size_t n_filters;
    struct emu_router_output **outputs;
    size_t n_outputs;
    struct emu_router_flush *tasks;
    uv_timer_t flush_timer, grace_timer, soon_timer;
    int timers_inited, started, stopping, stop_finished;
    long holds;
    void (*stop_done)(struct emu_router *r, void *data);
    void *stop_data;
    struct emu_buf scratch[2]; /* filter double buffer */
    struct emu_router_input *cur_input; /* whose records the filters are running on */
    const struct emu_router_config_env *env; /* for Parsers_File; NULL: empty */
    struct emu_router_parser *parsers;
    size_t n_parsers;
    struct emu_router_ml_parser *ml_parsers; /* [MULTILINE_PARSER]s, then built-ins in use */
    size_t n_ml_parsers, cap_ml_parsers;
    struct emu_router_config **parser_files;
    size_t n_parser_files;
    struct emu_router_http *http; /* the HTTP_Server, when on */
    uint64_t start_ms;            /* uv_now() at start, for uptime */
    int64_t start_time;           /* wall clock at start */
    /* Health_Check: counts at the start of the current HC_Period window. */
    uv_timer_t hc_timer;
    uint64_t hc_errors_base, hc_retry_failed_base;
    int hc_timer_inited;
    const char *const *envp;   /* borrowed */
    /* Filesystem storage. */
    int fs_sync_full, tearing_down;
    uint64_t fs_seq;
    size_t backlog_mem; /* bytes of backlog chunks in memory (storage.backlog.mem_limit) */
};

/* engine.c */
void emu__router_chunk_unref(struct emu_router_chunk *c);
void emu__router_chunk_seal(struct emu_router_input *in, struct emu_router_chunk *c);

/* engine_flush.c: dispatches the sealed chunks of inputs over EMU_ROUTER_EAGER_BYTES at the
 * next loop iteration. */
void emu__router_flush_soon(struct emu_router *r);

/* storage.c: chunk files (storage.type filesystem). Errors leave a chunk in memory only. */
int emu__router_storage_init(struct emu_router *r);
void emu__router_storage_backlog(struct emu_router *r);
void emu__router_storage_chunk_new(struct emu_router_input *in, struct emu_router_chunk *c);
void emu__router_storage_append(struct emu_router_chunk *c, const char *events, size_t len,
                                size_t n);
void emu__router_storage_seal(struct emu_router_chunk *c);
void emu__router_storage_chunk_done(struct emu_router_chunk *c, int delivered);
void emu__router_storage_free(struct emu_router_input *in);

/* instance.c */
int emu__router_instances_create(struct emu_router *r, const struct emu_router_config *cf,
                                 struct emu_diags *diags);
void emu__router_instances_free(struct emu_router *r);
int emu__router_service_apply(struct emu_router *r, const struct emu_router_section *sec,
                              struct emu_diags *diags);
extern const struct emu_router_option emu__router_service_options[];
extern const struct emu_router_option emu__router_input_generic[];
extern const struct emu_router_option emu__router_output_generic[];
extern const struct emu_router_option emu__router_filter_generic[];

/* router_parsers.c */
int emu__router_parsers_load(struct emu_router *r, const struct emu_router_config *cf,
                             struct emu_diags *diags);
void emu__router_parsers_free(struct emu_router *r);

/* instance.c: an input created by the engine for a filter (in_emitter). NULL on OOM. */
struct emu_router_input *emu__router_input_internal(struct emu_router *r,
                                                    const struct emu_router_input_plugin *p,
                                                    const char *name, int64_t mem_buf_limit);

/* http_server.c: the HTTP_Server on the router's loop. */
int emu__router_http_start(struct emu_router *r);
void emu__router_http_close(struct emu_router *r);
/* http_api.c: answers GET path (the monitoring API) into body; returns the HTTP status and
 * sets *ret_ctype. The Health_Check window timer starts and stops with the server. */
struct emu_buf;
int emu__router_http_handle(struct emu_router *r, const char *path, size_t path_len,
                            struct emu_buf *body, const char **ret_ctype);
int emu__router_health_start(struct emu_router *r);
void emu__router_health_stop(struct emu_router *r);

/* router_match.c: Fluent Bit tag patterns ('*' wildcards), and Match_Regex. */
int emu_router_match_tag(const char *pattern, const char *tag, size_t tag_len);
int emu__router_match(const char *match, OnigRegex re, const char *tag, size_t tag_len);
int emu__router_regex_new(const char *pattern, OnigRegex *ret);

/* plugins.c */
const struct emu_router_input_plugin *emu__router_find_input(const char *name);
const struct emu_router_filter_plugin *emu__router_find_filter(const char *name);
const struct emu_router_output_plugin *emu__router_find_output(const char *name);
extern const struct emu_router_input_plugin *const emu__router_input_plugins[];
extern const struct emu_router_filter_plugin *const emu__router_filter_plugins[];
extern const struct emu_router_output_plugin *const emu__router_output_plugins[];

#endif
