/* SPDX-License-Identifier: Apache-2.0 */
/* The router's plugin contract, in Fluent Bit's shape: a plugin is a struct of callbacks plus an
 * option table (name, type, default, offset) that is applied to the instance context. */
#ifndef EMU_ROUTER_PLUGIN_H
#define EMU_ROUTER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

struct emu_buf;
struct emu_diags;
struct emu_router;
struct emu_router_section;
struct emu_router_input;
struct emu_router_filter;
struct emu_router_output;
struct emu_router_flush;
struct emu_router_parser;
struct emu_router_ml_parser;

/* Option value types (Fluent Bit's FLB_CONFIG_MAP_*). Storage at offset in the context:
 * STR: const char * (borrowed from the config or the default literal; NULL when unset);
 * INT, SIZE (bytes, "5M"), TIME (seconds, "10s", "1m"): int64_t; BOOL: int; DOUBLE: double;
 * MULT flag: struct emu_router_strlist (every occurrence, in order). */
enum emu_router_opt_type {
    EMU_ROPT_STR = 0,
    EMU_ROPT_INT,
    EMU_ROPT_BOOL,
    EMU_ROPT_DOUBLE,
    EMU_ROPT_SIZE,
    EMU_ROPT_TIME,
    EMU_ROPT_DEPRECATED,
};

#define EMU_ROPT_MULT 1u /* may repeat; stored as struct emu_router_strlist */
#define EMU_ROPT_NOSTORE ((size_t)-1)

struct emu_router_option {
    enum emu_router_opt_type type;
    const char *name;    /* Fluent Bit's spelling; matched case-insensitively */
    const char *def;     /* default as Fluent Bit writes it, or NULL */
    unsigned flags;
    size_t offset;       /* offsetof in the context, or EMU_ROPT_NOSTORE */
    const char *desc;
};

#define EMU_ROUTER_STRLIST_MAX 64
struct emu_router_strlist {
    const char *v[EMU_ROUTER_STRLIST_MAX];
    unsigned line[EMU_ROUTER_STRLIST_MAX];
    size_t n;
};

/* Parses Fluent Bit unit sizes ("32000", "32k", "5M", "1GB": powers of 1000). 0 or -EINVAL. */
int emu_router_parse_size(const char *s, int64_t *ret);
/* Parses Fluent Bit times ("10", "10s", "5m", "1h", "1d") into seconds. 0 or -EINVAL. */
int emu_router_parse_time(const char *s, int64_t *ret);
/* Parses on/off, true/false, yes/no (any case). Returns 1, 0 or -EINVAL. */
int emu_router_parse_bool(const char *s);

/* Writes every default of table into ctx. Returns 0 or -EINVAL (a bad default: a bug). */
int emu_router_options_defaults(const struct emu_router_option *table, void *ctx);
/* Finds name in table (case-insensitive); NULL when absent. */
const struct emu_router_option *emu_router_option_find(const struct emu_router_option *table,
                                                       const char *name);
/* Stores one value. Returns 0, or -EINVAL with a message in err. */
int emu_router_option_set(const struct emu_router_option *opt, void *ctx, const char *value,
                          unsigned line, char *err, size_t err_len);

/* Results of an output flush (FLB_OK / FLB_RETRY / FLB_ERROR). */
enum emu_router_flush_result {
    EMU_FLUSH_OK = 0,
    EMU_FLUSH_RETRY,
    EMU_FLUSH_ERROR,
};

/* Results of a filter callback. */
enum emu_router_filter_result {
    EMU_FILTER_NOTOUCH = 0, /* the input is passed on unchanged */
    EMU_FILTER_MODIFIED,    /* out holds the replacement (possibly empty: all dropped) */
};

/* Rewrites one event: appends the replacement event to out and returns 1, returns 0 to keep
 * the event as it was, or a negative code (the event is kept as it was). */
typedef int (*emu_router_event_rewrite_fn)(void *ctx, int64_t sec, uint32_t nsec,
                                           const uint8_t *rec, size_t rec_len,
                                           struct emu_buf *out);

/* The body of a filter that rewrites events one by one (modify, parser): runs fn on every
 * event of the chunk, copying the ones it keeps unchanged. Returns EMU_FILTER_NOTOUCH when no
 * event was rewritten (or out is full: logged under the instance's name), else
 * EMU_FILTER_MODIFIED with *ret_n the number of events in out. */
int emu_router_filter_rewrite_each(const char *data, size_t len, struct emu_buf *out,
                                   size_t *ret_n, struct emu_router_filter *ins,
                                   emu_router_event_rewrite_fn fn, void *ctx);

/* Inputs: cb_init opens listeners and timers on emu_router_loop(); records go in through
 * emu_router_input_append(). cb_pause/cb_resume implement Mem_Buf_Limit back-pressure;
 * cb_stop stops taking data (SIGTERM); cb_exit closes handles (see emu_router_hold). */
struct emu_router_input_plugin {
    const char *name;
    const char *description;
    const struct emu_router_option *options;
    size_t ctx_size;
    int (*cb_init)(struct emu_router_input *ins, void *ctx);
    void (*cb_pause)(struct emu_router_input *ins, void *ctx);
    void (*cb_resume)(struct emu_router_input *ins, void *ctx);
    void (*cb_stop)(struct emu_router_input *ins, void *ctx);
    void (*cb_exit)(struct emu_router_input *ins, void *ctx);
};

/* Filters: data is a run of [EventTime, {record}] events; write a replacement into out
 * (ceiling set by the engine), set *ret_n to its event count, and return MODIFIED. */
struct emu_router_filter_plugin {
    const char *name;
    const char *description;
    const struct emu_router_option *options;
    size_t ctx_size;
    int (*cb_init)(struct emu_router_filter *ins, void *ctx);
    int (*cb_filter)(const char *data, size_t len, const char *tag, struct emu_buf *out,
                     size_t *ret_n, struct emu_router_filter *ins, void *ctx);
    /* Optional: the router is stopping; emit what is buffered now (before the last flush). */
    void (*cb_stop)(struct emu_router_filter *ins, void *ctx);
    void (*cb_exit)(struct emu_router_filter *ins, void *ctx);
};

/* Outputs: cb_flush gets a chunk (borrowed, valid until emu_router_flush_done) and must call
 * emu_router_flush_done(f, result) exactly once, now or later from the loop. */
struct emu_router_output_plugin {
    const char *name;
    const char *description;
    const struct emu_router_option *options;
    size_t ctx_size;
    int (*cb_init)(struct emu_router_output *ins, void *ctx);
    void (*cb_flush)(struct emu_router_flush *f, const char *data, size_t len, const char *tag,
                     size_t n_records, struct emu_router_output *ins, void *ctx);
    void (*cb_exit)(struct emu_router_output *ins, void *ctx);
};

/* Engine services for plugins. */
struct uv_loop_s *emu_router_loop(struct emu_router *r);
struct emu_router *emu_router_input_router(struct emu_router_input *ins);
struct emu_router *emu_router_output_router(struct emu_router_output *ins);
const char *emu_router_input_tag(const struct emu_router_input *ins);  /* NULL when unset */
const char *emu_router_input_name(const struct emu_router_input *ins); /* alias or name.N */
const char *emu_router_output_name(const struct emu_router_output *ins);
const char *emu_router_filter_name(const struct emu_router_filter *ins);
struct emu_router *emu_router_filter_router(struct emu_router_filter *ins);
/* The filter's config section (properties in file order), for plugins whose rules are ordered
 * across option names (modify). NULL for instances built without one. */
const struct emu_router_section *emu_router_filter_section(const struct emu_router_filter *ins);

/* A parser defined by [PARSER] or a parsers file, by exact name; NULL when absent. */
const struct emu_router_parser *emu_router_parser_get(struct emu_router *r, const char *name);

/* A multiline parser by exact name: a [MULTILINE_PARSER] of the config or a parsers file, else
 * the built-in of that name (docker, cri, go, python, java); NULL when neither exists (or out
 * of memory). Valid for the router's life. */
const struct emu_router_ml_parser *emu_router_ml_parser_get(struct emu_router *r,
                                                            const char *name);

/* Creates the filter's emitter input (Fluent Bit's in_emitter, named name in logs and
 * metrics): records appended to it run through every filter except this one. Call from cb_init;
 * NULL on OOM or when the name is taken. */
struct emu_router_input *emu_router_filter_emitter_new(struct emu_router_filter *ins,
                                                       const char *name,
                                                       int64_t mem_buf_limit);
/* Name of the input whose records cb_filter is running on (valid during cb_filter only). */
const char *emu_router_filter_input_name(const struct emu_router_filter *ins);
/* Adds n to the filter's emit_records metric. */
void emu_router_filter_count_emitted(struct emu_router_filter *ins, size_t n);

/* Hands len bytes of [EventTime, {record}] events (n of them) under tag to the engine: filters
 * run, then the events join the input's chunk for that tag. The engine never drops them; it
 * may pause the input afterwards (Mem_Buf_Limit). Returns 0, -ENOMEM or -E2BIG. */
int emu_router_input_append(struct emu_router_input *ins, const char *tag, size_t tag_len,
                            const char *events, size_t len, size_t n);
/* Nonzero while the input is paused by Mem_Buf_Limit. */
int emu_router_input_paused(const struct emu_router_input *ins);

/* The environment given with emu_router_set_envp (may be NULL). */
const char *const *emu_router_envp(struct emu_router *r);
/* The output's generic tls options: returns tls (0/1); *ret_verify is tls.verify and
 * *ret_ca_file tls.ca_file (NULL when unset). */
int emu_router_output_tls(const struct emu_router_output *ins, int *ret_verify,
                          const char **ret_ca_file);
/* The output's Retry_Limit: -1 = no limit, else the number of retries. */
int emu_router_output_retry_limit(const struct emu_router_output *ins);

/* Wall-clock time for events created by the router (tcp, dummy). */
void emu_router_now(int64_t *ret_sec, uint32_t *ret_nsec);

void emu_router_flush_done(struct emu_router_flush *f, enum emu_router_flush_result result);

/* Keeps emu_router_free() running the loop until every hold is released: call hold before
 * uv_close() and release from the close callback. */
void emu_router_hold(struct emu_router *r);
void emu_router_release(struct emu_router *r);

/* Logging that names the instance ("[output:file:file.0] ..."), as flb_plg_error does. */
void emu_plg_log(int level, const char *insname, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
