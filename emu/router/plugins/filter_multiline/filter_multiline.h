/* SPDX-License-Identifier: Apache-2.0 */
/* filter_multiline's context, shared by its partial_message mode (filter_multiline.c) and its
 * parser mode (ml_pmode.c: multiline.parser, [MULTILINE_PARSER] and the built-ins). */
#ifndef EMU_ROUTER_FILTER_MULTILINE_H
#define EMU_ROUTER_FILTER_MULTILINE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/router/mlparser.h"
#include "emu/router/plugin.h"

/* Ceilings: one joined line, and lines being joined at once. */
#define JOINED_MAX (64u * 1024u * 1024u)
#define PACKERS_MAX 4096

struct ml_stream;

struct packer {
    struct packer *next;
    char *tag, *input, *id;
    struct emu_buf fields; /* packed kept key/value pairs of the first part */
    struct emu_buf key;    /* the content key as packed in the first part */
    struct emu_buf content;
    uint32_t n_fields;
    int64_t sec;
    uint32_t nsec;
    uint64_t last_write; /* uv_now() ms */
};

struct ml_ctx {
    int debug_flush, buffer;
    const char *mode, *key_content, *emitter_name, *emitter_storage;
    int64_t flush_ms, max_lines, emitter_mem_buf_limit;
    struct emu_router_strlist parsers;
    struct emu_router_filter *ins;
    struct emu_router_input *emitter;
    struct packer *packers;
    size_t n_packers;
    uv_timer_t timer;
    int timer_inited;
    char emitter_buf[128];
    /* parser mode */
    const struct emu_router_ml_parser *mlp[EMU_ROUTER_STRLIST_MAX];
    size_t n_mlp;
    const char *content_key; /* multiline.key_content, else the first parser's, else "log" */
    struct ml_stream *streams;
    size_t n_streams;
    uint64_t idle_ms; /* flush_ms, or a shorter flush_timeout of a parser */
};

/* Parser mode: init resolves the parsers (0 or -EINVAL, logged); filter is cb_filter's body;
 * idle completes messages idle for idle_ms through the emitter (all of them when all is set);
 * free releases what is left. */
int emu_mlf_pmode_init(struct ml_ctx *ctx);
int emu_mlf_pmode_filter(struct ml_ctx *ctx, const char *data, size_t len, const char *tag,
                         struct emu_buf *out, size_t *ret_n);
void emu_mlf_pmode_idle(struct ml_ctx *ctx, int all);
void emu_mlf_pmode_free(struct ml_ctx *ctx);

#endif
