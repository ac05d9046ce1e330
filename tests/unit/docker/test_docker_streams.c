/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the Docker stream decoders (/events lines, the multiplexed log stream, pull
 * progress), each fed a captured stream whole and byte by byte from the end of a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker.h"
#include "tests/support/test_support.h"

/* Feeds data whole (step 0) or in pieces of step bytes, each piece copied to a guard page. */
static int feed_steps(int (*feed)(void *dec, const char *, size_t), void *dec, const char *data,
                      size_t len, size_t step)
{
    if (step == 0) {
        void *g = emu_test_guard_copy(data, len);
        int r = feed(dec, g, len);
        emu_test_guard_free(g, len);
        return r;
    }
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        void *g = emu_test_guard_copy(data + off, n);
        int r = feed(dec, g, n);
        emu_test_guard_free(g, n);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* ---- events ----------------------------------------------------------------------------- */

struct seen_events {
    char log[2048];
};

static void on_event(const struct emu_docker_event *ev, void *ud)
{
    struct seen_events *s = ud;
    size_t n = strlen(s->log);
    (void)snprintf(s->log + n, sizeof(s->log) - n, "%d:%s:%s:%s:%ld;", (int)ev->kind, ev->name,
                   ev->id + 60, ev->health, ev->exit_code);
}

static int events_feed(void *dec, const char *d, size_t n)
{
    return emu_docker_events_feed(dec, d, n);
}

static const char want_events[] =
    "1:cap1:e338::-1;4:cap1:e338:healthy:-1;2:cap1:e338::3;";

static void events_whole_and_bytewise(void **state)
{
    size_t len = 0;
    char *data = emu_test_read_file(
        emu_test_source_path("fixtures/docker/events-die-health/response.jsonl"), &len);
    static const size_t steps[] = {0, 1, 7, 100};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        long before = emu_mem_outstanding();
        struct seen_events s = {{0}};
        struct emu_docker_events_decoder dec;
        emu_docker_events_decoder_init(&dec, NULL, 0, on_event, &s);
        assert_int_equal(feed_steps(events_feed, &dec, data, len, steps[i]), 0);
        assert_string_equal(s.log, want_events);
        assert_int_equal(dec.bad, 0);
        emu_docker_events_decoder_done(&dec);
        assert_int_equal(emu_mem_outstanding(), before);
    }
    emu_free(data);
}

static void events_label_filter(void **state)
{
    size_t len = 0;
    char *data = emu_test_read_file(
        emu_test_source_path("fixtures/docker/events-die-health/response.jsonl"), &len);
    static const struct emu_docker_kv match[] = {{"emu.test", "cap"}};
    static const struct emu_docker_kv any[] = {{"emu.test", NULL}};
    static const struct emu_docker_kv other[] = {{"emu.test", "other"}};
    static const struct emu_docker_kv missing[] = {{"emu.task", NULL}};
    const struct emu_docker_kv *filters[] = {match, any, other, missing};
    const char *wants[] = {want_events, want_events, "", ""};
    for (size_t i = 0; i < 4; i++) {
        struct seen_events s = {{0}};
        struct emu_docker_events_decoder dec;
        emu_docker_events_decoder_init(&dec, filters[i], 1, on_event, &s);
        assert_int_equal(emu_docker_events_feed(&dec, data, len), 0);
        assert_string_equal(s.log, wants[i]);
        emu_docker_events_decoder_done(&dec);
    }
    emu_free(data);
}

static void events_bad_and_big(void **state)
{
    struct seen_events s = {{0}};
    struct emu_docker_events_decoder dec;
    emu_docker_events_decoder_init(&dec, NULL, 0, on_event, &s);
    static const char junk[] =
        "not json\n{\"Action\":\"die\"}\n[1,2]\n\r\n\n"
        "{\"status\":\"oom\",\"id\":\"0123456789012345678901234567890123456789012345678901234"
        "56789abcd\",\"Type\":\"container\"}\r\n"
        "{\"Action\":\"health_status\",\"Actor\":{\"ID\":\"0123456789012345678901234567890123456"
        "78901234567890123456789abcd\",\"Attributes\":{\"health_status\":\"unhealthy\","
        "\"name\":\"n\"}}}\n";
    assert_int_equal(emu_docker_events_feed(&dec, junk, sizeof(junk) - 1), 0);
    assert_int_equal(dec.bad, 3);
    assert_string_equal(s.log, "3::abcd::-1;4:n:abcd:unhealthy:-1;");
    /* A line that never ends hits the ceiling. */
    char *big = emu_malloc(EMU_DOCKER_MAX_LINE + 10);
    memset(big, 'x', EMU_DOCKER_MAX_LINE + 10);
    assert_int_equal(emu_docker_events_feed(&dec, big, EMU_DOCKER_MAX_LINE + 10), EMU_E2BIG);
    emu_free(big);
    emu_docker_events_decoder_done(&dec);
}

/* ---- logs ------------------------------------------------------------------------------- */

struct seen_logs {
    char log[2048];
};

static void on_log(int stream, const char *ts, const char *line, size_t len, void *ud)
{
    struct seen_logs *s = ud;
    size_t n = strlen(s->log);
    (void)snprintf(s->log + n, sizeof(s->log) - n, "%d|%s|%.*s;", stream, ts, (int)len, line);
}

static int logs_feed(void *dec, const char *d, size_t n)
{
    return emu_docker_logs_feed(dec, d, n);
}

static void logs_whole_and_bytewise(void **state)
{
    size_t len = 0;
    char *data =
        emu_test_read_file(emu_test_source_path("fixtures/docker/logs-mux/response.bin"), &len);
    static const size_t steps[] = {0, 1, 3, 8, 9};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        long before = emu_mem_outstanding();
        struct seen_logs s = {{0}};
        struct emu_docker_logs_decoder dec;
        emu_docker_logs_decoder_init(&dec, true, on_log, &s);
        assert_int_equal(feed_steps(logs_feed, &dec, data, len, steps[i]), 0);
        emu_docker_logs_decoder_done(&dec);
        assert_string_equal(s.log, "1|2026-11-24T13:00:17.766359462Z|out1;"
                                   "2|2026-11-24T13:00:17.766477900Z|err1;"
                                   "1|2026-11-24T13:00:20.766990604Z|out2;");
        assert_int_equal(emu_mem_outstanding(), before);
    }
    emu_free(data);
}

static void logs_partial_and_bad(void **state)
{
    /* A line split over two frames, a frame with two lines, a last line without newline. */
    static const char frames[] = "\x01\0\0\0\0\0\0\x03"
                                 "abc"
                                 "\x02\0\0\0\0\0\0\x02"
                                 "E\n"
                                 "\x01\0\0\0\0\0\0\x06"
                                 "d\ne\nfg";
    struct seen_logs s = {{0}};
    struct emu_docker_logs_decoder dec;
    emu_docker_logs_decoder_init(&dec, false, on_log, &s);
    assert_int_equal(emu_docker_logs_feed(&dec, frames, sizeof(frames) - 1), 0);
    emu_docker_logs_decoder_done(&dec);
    assert_string_equal(s.log, "2||E;1||abcd;1||e;1||fg;");
    emu_docker_logs_decoder_init(&dec, false, on_log, &s);
    assert_int_equal(emu_docker_logs_feed(&dec, "\x07\0\0\0\0\0\0\x01x", 9), EMU_EBADMSG);
    emu_docker_logs_decoder_done(&dec);
}

/* ---- pull progress ---------------------------------------------------------------------- */

struct pull_ctx {
    struct emu_docker_pull_state st;
    struct emu_buf out;
    struct emu_buf line;
    bool tty;
};

static int pull_line(const char *line, size_t len, void *ud)
{
    struct pull_ctx *p = ud;
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse(line, len, &root, &err), 0);
    struct emu_docker_pull_line pl;
    assert_int_equal(emu_docker_pull_line_parse(root, &pl), 0);
    int r = emu_docker_pull_progress(&p->st, &pl, p->tty, &p->out);
    cJSON_Delete(root);
    return r;
}

static int pull_feed(void *ud, const char *d, size_t n)
{
    struct pull_ctx *p = ud;
    return emu__docker_lines_feed(&p->line, d, n, pull_line, p);
}

static void check_pull(const char *fixture, bool tty, const char *expected_rel, size_t step,
                       const char *want_error)
{
    size_t len = 0, wlen = 0;
    char *data = emu_test_read_file(emu_test_source_path(fixture), &len);
    struct pull_ctx *p = emu_calloc(1, sizeof(*p));
    emu_buf_init(&p->out, 1 << 20);
    emu_buf_init(&p->line, EMU_DOCKER_MAX_LINE);
    p->tty = tty;
    (void)snprintf(p->st.image, sizeof(p->st.image), "busybox:1.36");
    assert_int_equal(feed_steps(pull_feed, p, data, len, step), 0);
    const char *path = emu_test_source_path(expected_rel);
    const char *update = getenv("EMU_GOLDEN_UPDATE");
    if (update && strcmp(update, "1") == 0) {
        assert_int_equal(emu_file_write_atomic(path, p->out.data, p->out.len, 0644), 0);
    }
    char *want = emu_test_read_file(path, &wlen);
    assert_int_equal(wlen, p->out.len);
    assert_memory_equal(want, p->out.data, wlen);
    assert_string_equal(p->st.error, want_error);
    emu_free(want);
    emu_free(data);
    emu_buf_done(&p->out);
    emu_buf_done(&p->line);
    emu_free(p);
}

static void pull_plain_and_tty(void **state)
{
    for (size_t step = 0; step < 3; step++) {
        check_pull("fixtures/docker/pull-progress/response.jsonl", false,
                   "fixtures/docker/pull-progress/expected-plain.txt", step, "");
        check_pull("fixtures/docker/pull-progress/response.jsonl", true,
                   "fixtures/docker/pull-progress/expected-tty.txt", step, "");
        check_pull("fixtures/docker/pull-error/response.jsonl", false,
                   "fixtures/docker/pull-error/expected-plain.txt", step, "unexpected EOF");
    }
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_whole_and_bytewise),
        cmocka_unit_test(events_label_filter),
        cmocka_unit_test(events_bad_and_big),
        cmocka_unit_test(logs_whole_and_bytewise),
        cmocka_unit_test(logs_partial_and_bad),
        cmocka_unit_test(pull_plain_and_tty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
