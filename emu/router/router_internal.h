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
#include "emu/router/plugin.h"
#include "emu/router/router.h"

/* A chunk is sealed at this size (Fluent Bit's ~2 MB chunks). */
#define EMU_ROUTER_CHUNK_MAX (2u * 1024u * 1024u)
/* Ceiling of one chunk's buffer and of a filter's output. */
#define EMU_ROUTER_BUF_MAX (64u * 1024u * 1024u)

struct emu_router_chunk {
    struct emu_router_chunk *next; /* in its input's open list */
    struct emu_router_input *in;
    char *tag;
    struct emu_buf data;
    size_t n;
    int refs;
};

struct emu_router_generic_in {
    const char *name, *tag, *alias, *log_level, *storage_type, *tls_str;
    int64_t mem_buf_limit, log_suppress;
    int threaded, routable, pause_on_overlimit, tls, tls_verify;
};

struct emu_router_generic_out {
    const char *name, *match, *match_regex, *alias, *log_level, *retry_limit, *tls_str;
    int64_t workers, total_limit_size, log_suppress;
    int tls, tls_verify;
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
    size_t mem_used;               /* bytes in chunks not yet released */
    int paused, stopped, inited;
};

struct emu_router_filter {
    struct emu_router *r;
    const struct emu_router_filter_plugin *p;
    const struct emu_router_section *sec;
    struct emu_router_generic_out g; /* Name, Match, Match_Regex, Alias, Log_Level */
    void *ctx;
    char name[96];
    OnigRegex match_re;
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
    int inited;
};

struct emu_router_flush {
    struct emu_router_flush *next; /* in the router's task list */
    struct emu_router *r;
    struct emu_router_chunk *chunk;
    struct emu_router_output *out;
    uv_timer_t timer;
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
    uv_timer_t flush_timer, grace_timer;
    int timers_inited, started, stopping, stop_finished;
    long holds;
    void (*stop_done)(struct emu_router *r, void *data);
    void *stop_data;
    struct emu_buf scratch[2]; /* filter double buffer */
    const char *const *envp;   /* borrowed */
};

/* engine.c */
void emu__router_chunk_unref(struct emu_router_chunk *c);
void emu__router_chunk_seal(struct emu_router_input *in, struct emu_router_chunk *c);

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
