/* SPDX-License-Identifier: Apache-2.0 */
/* What Docker's awslogs driver does with a container's lines, as pure code: its options
 * (awslogs-group, -stream-prefix, -create-group, -datetime-format, -multiline-pattern, mode,
 * max-buffer-size), the stream name ECS gives it, and the joining of lines into events. */
#ifndef EMU_MODEL_AWSLOGS_H
#define EMU_MODEL_AWSLOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"
#include "emu/model/model.h"

#define EMU_AWSLOGS_MAX_EVENT (256u * 1024u) /* Docker splits longer lines into events */
#define EMU_AWSLOGS_DEFAULT_BUFFER (1024u * 1024u) /* non-blocking max-buffer-size */

struct emu_awslogs_opts {
    const char *group;
    const char *region;
    const char *stream_prefix; /* NULL = none */
    bool create_group;
    bool non_blocking;
    size_t max_buffer; /* bytes, non-blocking only */
    const char *datetime_format;
    const char *multiline_pattern;
};

/* Reads the options of a logConfiguration; -EINVAL with a sentence in why (Docker's wording)
 * for a bad mode, max-buffer-size, create-group, or both datetime-format and
 * multiline-pattern. */
int emu_awslogs_parse(const struct emu_kv_list *options, struct emu_awslogs_opts *ret,
                      char *why, size_t why_len);

/* The stream ECS names: "<prefix>/<container>/<taskID>", or the Docker container ID without a
 * prefix. */
int emu_awslogs_stream(const struct emu_awslogs_opts *o, const char *container,
                       const char *task_id, const char *docker_id, char *out, size_t n);

/* The regular expression (Go RE2 syntax, which Perl-syntax engines accept) that starts an
 * event: awslogs-multiline-pattern as given, or awslogs-datetime-format with each strftime
 * sequence replaced as Docker's table does (other bytes kept, unknown sequences dropped).
 * Docker matches it anywhere in the line (regexp.Match). Empty when neither is set. */
int emu_awslogs_start_regex(const struct emu_awslogs_opts *o, struct emu_buf *out);

/* Joins lines into events: without a matcher every line is an event; with one, a line that
 * matches starts a new event and the others are appended ("line\n" each, as Docker does). */
typedef void (*emu_awslogs_emit_fn)(void *ud, int64_t ts_ms, const char *msg, size_t len);
/* Whether a line matches the start regex (the caller's regex engine). */
typedef bool (*emu_awslogs_match_fn)(void *ud, const char *line, size_t len);

struct emu_awslogs_joiner {
    emu_awslogs_match_fn match; /* NULL = every line is an event */
    void *match_ud;
    struct emu_buf cur;
    int64_t cur_ts;
    bool has_cur;
    emu_awslogs_emit_fn emit;
    void *ud;
};

void emu_awslogs_joiner_init(struct emu_awslogs_joiner *j, emu_awslogs_match_fn match,
                             void *match_ud, emu_awslogs_emit_fn emit, void *ud);
int emu_awslogs_joiner_feed(struct emu_awslogs_joiner *j, int64_t ts_ms, const char *line,
                            size_t len);
/* Emits the pending multi-line event, if any (the driver does after one flush interval). */
void emu_awslogs_joiner_flush(struct emu_awslogs_joiner *j);
void emu_awslogs_joiner_done(struct emu_awslogs_joiner *j);

#endif
