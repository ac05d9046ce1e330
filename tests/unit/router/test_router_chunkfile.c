/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the chunk file codec (storage.type filesystem): round trips with and without
 * CRC32, every truncation recovering exactly the whole events before the cut, bad CRCs and
 * corrupt heads, all decoded from the end of a guard page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/router/chunkfile.h"
#include "emu/router/mp.h"
#include "tests/support/test_support.h"

/* n events [EventTime, {"i": k}] starting at k = first. */
static void make_events(struct emu_buf *b, int first, int n)
{
    for (int k = first; k < first + n; k++) {
        struct emu_buf rec;
        emu_buf_init(&rec, 256);
        assert_int_equal(emu_mp_put_map(&rec, 1), 0);
        assert_int_equal(emu_mp_put_str(&rec, "i", 1), 0);
        assert_int_equal(emu_mp_put_int(&rec, k), 0);
        assert_int_equal(emu_mp_put_event(b, 1700000000 + k, 5, rec.data, rec.len), 0);
        emu_buf_done(&rec);
    }
}

/* A file of three blocks of 3, 1 and 5 events; block_end[i] is where block i ends. */
static void make_file(struct emu_buf *f, struct emu_buf *all, int checksum, size_t *block_end,
                      size_t *event_end)
{
    static const int sizes[] = {3, 1, 5};
    int k = 0;
    size_t ev = 0;
    assert_int_equal(emu_chunkfile_put_head(f, "app.web", 7, checksum), 0);
    for (int i = 0; i < 3; i++) {
        struct emu_buf ev_buf;
        emu_buf_init(&ev_buf, 1u << 20);
        size_t base = f->len + EMU_CHUNKFILE_BLOCK_HEAD;
        for (int j = 0; j < sizes[i]; j++) {
            make_events(&ev_buf, k++, 1);
            event_end[ev++] = base + ev_buf.len;
        }
        assert_int_equal(emu_buf_append(all, ev_buf.data, ev_buf.len), 0);
        assert_int_equal(
            emu_chunkfile_put_block(f, ev_buf.data, ev_buf.len, (uint32_t)sizes[i], checksum), 0);
        block_end[i] = f->len;
        emu_buf_done(&ev_buf);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int checksum = 0; checksum < 2; checksum++) {
        struct emu_buf f, all, out;
        size_t block_end[3], event_end[9];
        emu_buf_init(&f, 1u << 20);
        emu_buf_init(&all, 1u << 20);
        emu_buf_init(&out, 1u << 20);
        make_file(&f, &all, checksum, block_end, event_end);
        struct emu_chunkfile cf;
        char *g = emu_test_guard_copy(f.data, f.len);
        assert_int_equal(emu_chunkfile_decode(g, f.len, &cf, &out), 0);
        assert_int_equal(cf.damaged, 0);
        assert_int_equal(cf.n, 9);
        assert_int_equal(cf.good, f.len);
        assert_int_equal(cf.checksum, checksum);
        assert_int_equal(cf.tag_len, 7);
        assert_memory_equal(cf.tag, "app.web", 7);
        assert_int_equal(out.len, all.len);
        assert_memory_equal(out.data, all.data, all.len);
        emu_test_guard_free(g, f.len);
        emu_buf_done(&f);
        emu_buf_done(&all);
        emu_buf_done(&out);
    }
}

/* Cut at every byte: the events recovered are exactly those wholly before the cut. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    for (int checksum = 0; checksum < 2; checksum++) {
        struct emu_buf f, all;
        size_t block_end[3], event_end[9];
        emu_buf_init(&f, 1u << 20);
        emu_buf_init(&all, 1u << 20);
        make_file(&f, &all, checksum, block_end, event_end);
        size_t head = EMU_CHUNKFILE_HEAD + 7;
        for (size_t cut = 0; cut < f.len; cut++) {
            struct emu_buf out;
            struct emu_chunkfile cf;
            emu_buf_init(&out, 1u << 20);
            char *g = emu_test_guard_copy(f.data, cut);
            int rc = emu_chunkfile_decode(g, cut, &cf, &out);
            emu_test_guard_free(g, cut);
            if (cut < head) {
                assert_int_equal(rc, -EBADMSG);
                emu_buf_done(&out);
                continue;
            }
            assert_int_equal(rc, 0);
            size_t want = 0;
            while (want < 9 && event_end[want] <= cut) {
                want++;
            }
            if (cf.n != want) {
                fail_msg("cut %zu: %zu events, want %zu", cut, cf.n, want);
            }
            int whole = cut == head || cut == block_end[0] || cut == block_end[1];
            assert_int_equal(cf.damaged, whole ? 0 : -EAGAIN);
            assert_true(cf.good <= cut);
            assert_true(whole ? cf.good == cut : cf.good < cut);
            assert_memory_equal(out.data ? out.data : "", all.data, out.len);
            emu_buf_done(&out);
        }
        emu_buf_done(&f);
        emu_buf_done(&all);
    }
}

static void test_bad_crc(void **state)
{
    (void)state;
    struct emu_buf f, all, out;
    size_t block_end[3], event_end[9];
    emu_buf_init(&f, 1u << 20);
    emu_buf_init(&all, 1u << 20);
    emu_buf_init(&out, 1u << 20);
    make_file(&f, &all, 1, block_end, event_end);
    f.data[block_end[1] - 1] ^= 0x01; /* a byte of the second block's payload */
    struct emu_chunkfile cf;
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), 0);
    assert_int_equal(cf.damaged, -EBADMSG);
    assert_int_equal(cf.n, 3);
    assert_int_equal(cf.good, block_end[0]);
    /* The same damage without checksums: the event no longer matches its count or kind. */
    f.data[block_end[1] - 1] ^= 0x01;
    f.data[block_end[0] + 8] ^= 0x40; /* the CRC field itself */
    out.len = 0;
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), 0);
    assert_int_equal(cf.damaged, -EBADMSG);
    assert_int_equal(cf.n, 3);
    emu_buf_done(&f);
    emu_buf_done(&all);
    emu_buf_done(&out);
}

static void test_bad_heads(void **state)
{
    (void)state;
    struct emu_buf f, out;
    struct emu_chunkfile cf;
    emu_buf_init(&f, 4096);
    emu_buf_init(&out, 4096);
    assert_int_equal(emu_chunkfile_put_head(&f, "", 0, 0), -EINVAL);
    static char longtag[EMU_CHUNKFILE_TAG_MAX + 1];
    memset(longtag, 'a', sizeof(longtag));
    assert_int_equal(emu_chunkfile_put_head(&f, longtag, sizeof(longtag), 0), -EINVAL);
    assert_int_equal(emu_chunkfile_put_block(&f, "", 0, 0, 0), -EINVAL);
    assert_int_equal(emu_chunkfile_put_head(&f, "t", 1, 0), 0);
    f.data[4] = 2; /* unknown version */
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), -EBADMSG);
    f.data[4] = EMU_CHUNKFILE_VERSION;
    f.data[5] = 0x80; /* unknown flag */
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), -EBADMSG);
    f.data[5] = 0;
    f.data[0] = 'X';
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), -EBADMSG);
    f.data[0] = 'E';
    /* A block claiming more than the ceiling, and a non-event payload. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0};
    assert_int_equal(emu_buf_append(&f, huge, sizeof(huge)), 0);
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), 0);
    assert_int_equal(cf.damaged, -EBADMSG);
    assert_int_equal(cf.n, 0);
    f.len = EMU_CHUNKFILE_HEAD + 1;
    assert_int_equal(emu_chunkfile_put_block(&f, "\x01", 1, 1, 0), 0);
    assert_int_equal(emu_chunkfile_decode(f.data, f.len, &cf, &out), 0);
    assert_int_equal(cf.damaged, -EBADMSG);
    assert_int_equal(cf.n, 0);
    emu_buf_done(&f);
    emu_buf_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_bad_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
