/* SPDX-License-Identifier: Apache-2.0 */
/* emu-router's engine: builds plugin instances from a parsed classic config, runs them on one
 * libuv loop (inputs -> filters -> per-tag chunks -> routed flushes to outputs) and drains on
 * stop within the Grace period. */
#ifndef EMU_ROUTER_ROUTER_H
#define EMU_ROUTER_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct emu_diags;
struct emu_router;
struct emu_router_config;

/* [SERVICE] with Fluent Bit's names and defaults. */
struct emu_router_service {
    double flush;             /* Flush, seconds (1) */
    int64_t grace;            /* Grace, seconds (5) */
    const char *log_level;    /* Log_Level (info) */
    const char *http_listen;  /* HTTP_Listen (0.0.0.0) */
    int64_t http_port;        /* HTTP_Port (2020) */
    int http_server;          /* HTTP_Server (off) */
    int health_check;         /* Health_Check (off) */
    int64_t hc_errors_count;  /* HC_Errors_Count (5) */
    int64_t hc_retry_failure_count; /* HC_Retry_Failure_Count (5) */
    int64_t hc_period;        /* HC_Period, seconds (60) */
    const char *storage_path; /* storage.path */
    const char *storage_sync; /* storage.sync (normal) */
    int64_t storage_backlog_mem_limit; /* storage.backlog.mem_limit (5M) */
    int storage_checksum;     /* storage.checksum (off) */
    int64_t scheduler_base;   /* scheduler.base (5) */
    int64_t scheduler_cap;    /* scheduler.cap (2000) */
    int daemon;
};

struct emu_router_stats {
    uint64_t records_in;      /* accepted by inputs, before filters */
    uint64_t records_filtered_out;
    uint64_t records_out;     /* flushed OK, summed over outputs */
    uint64_t records_dropped; /* given up after retries / errors / grace, summed over outputs */
    uint64_t chunks_unrouted; /* chunks no output matched */
    uint64_t pauses;          /* Mem_Buf_Limit pauses */
    uint64_t retries;
};

/* A router on loop (borrowed). NULL on OOM. */
struct emu_router *emu_router_new(uv_loop_t *loop);

/* Instantiates every section of cf (which must outlive the router): plugin lookup, option
 * tables, Match rules. Returns 0 or -ECONFIG with "file:line: message" diagnostics. */
int emu_router_configure(struct emu_router *r, const struct emu_router_config *cf,
                         struct emu_diags *diags);

/* Sets the environment used to read Parsers_File files (must outlive the router); without it
 * they are read with an empty one. env->no_include refuses them. */
struct emu_router_config_env;
void emu_router_set_env(struct emu_router *r, const struct emu_router_config_env *env);

/* The environment ("NAME=value" list, borrowed: must outlive the router) that plugins read
 * credentials from (AWS_*, HOME). Default: none. */
void emu_router_set_envp(struct emu_router *r, const char *const *envp);

/* Runs every plugin's cb_init and starts the flush timer. 0 or the first error (logged). */
int emu_router_start(struct emu_router *r);

/* Stops inputs, flushes everything now, and calls done once every flush finished or Grace
 * expired. Calling it twice is harmless (the second call is ignored). */
void emu_router_stop(struct emu_router *r, void (*done)(struct emu_router *r, void *data),
                     void *data);

/* Runs every cb_exit, closes the router's handles (running the loop until they are closed)
 * and frees everything. Accepts NULL; returns NULL. */
struct emu_router *emu_router_free(struct emu_router *r);

const struct emu_router_service *emu_router_get_service(const struct emu_router *r);
const struct emu_router_stats *emu_router_get_stats(const struct emu_router *r);

/* Writes the plugin list with options (-J / --help) to out as JSON (format_json nonzero) or
 * text. Returns 0 or a negative errno. */
struct emu_buf;
int emu_router_help(struct emu_buf *out, int format_json);

#endif
