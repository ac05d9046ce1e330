/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the Docker /events stream decoder (whole, and split at a byte the input picks),
 * plus the multiplexed log-stream decoder and pull-progress folding on the same bytes. Any
 * crash, leak or unbounded allocation is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(const struct emu_docker_event *ev, void *ud)
{
    size_t *n = ud;
    *n += strlen(ev->id) + strlen(ev->name) + strlen(ev->health) + (size_t)ev->kind;
}

static void on_log(int stream, const char *ts, const char *line, size_t len, void *ud)
{
    size_t *n = ud;
    *n += (size_t)stream + strlen(ts) + len + (len ? (unsigned char)line[len - 1] : 0u);
}

struct pull {
    struct emu_docker_pull_state st;
    struct emu_buf out;
};

static int on_pull_line(const char *line, size_t len, void *ud)
{
    struct pull *p = ud;
    cJSON *root = NULL;
    struct emu_json_error err;
    if (emu_json_parse(line, len, &root, &err) == 0) {
        struct emu_docker_pull_line pl;
        if (emu_docker_pull_line_parse(root, &pl) == 0) {
            p->out.len = 0;
            (void)emu_docker_pull_progress(&p->st, &pl, len % 2 == 0, &p->out);
        }
        cJSON_Delete(root);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    const char *s = (const char *)data;
    size_t split = size ? data[0] % (size + 1) : 0;
    size_t n = 0;
    static const struct emu_docker_kv labels[] = {{"name", NULL}};
    for (int pass = 0; pass < 2; pass++) {
        struct emu_docker_events_decoder dec;
        emu_docker_events_decoder_init(&dec, pass ? labels : NULL, pass ? 1 : 0, on_event, &n);
        if (pass == 0) {
            (void)emu_docker_events_feed(&dec, s, size);
        }
        else if (emu_docker_events_feed(&dec, s, split) == 0) {
            (void)emu_docker_events_feed(&dec, s + split, size - split);
        }
        emu_docker_events_decoder_done(&dec);
    }
    struct emu_docker_logs_decoder logs;
    emu_docker_logs_decoder_init(&logs, split % 2 == 0, on_log, &n);
    if (emu_docker_logs_feed(&logs, s, split) == 0) {
        (void)emu_docker_logs_feed(&logs, s + split, size - split);
    }
    emu_docker_logs_decoder_done(&logs);
    struct pull *p = emu_calloc(1, sizeof(*p));
    if (p) {
        struct emu_buf line;
        emu_buf_init(&line, EMU_DOCKER_MAX_LINE);
        emu_buf_init(&p->out, 1 << 16);
        (void)emu__docker_lines_feed(&line, s, size, on_pull_line, p);
        emu_buf_done(&line);
        emu_buf_done(&p->out);
        emu_free(p);
    }
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
