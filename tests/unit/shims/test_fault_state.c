/* SPDX-License-Identifier: Apache-2.0 */
/* The fault engine's save/restore across a supervisor restart: the restored engine decides
 * exactly as the original would have gone on deciding (seed, remaining counts, draw-stream
 * positions, ids), down windows keep their place in time, and bad state is refused by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/fault.h"

static bool s3_op(const char *op)
{
    return strcmp(op, "PutObject") == 0 || strcmp(op, "GetObject") == 0;
}

static const struct shim_fault_service services[] = {{"s3", s3_op}, {"logs", NULL}};

static void add(struct shim_faults *f, const char *spec, int64_t now)
{
    char err[1024] = "";
    if (shim_faults_add(f, spec, now, err, sizeof(err)) <= 0) {
        fail_msg("add %s: %s", spec, err);
    }
}

static struct shim_faults *restored(const struct shim_faults *f, int64_t saved_at,
                                    int64_t restore_now)
{
    struct emu_buf js;
    emu_buf_init(&js, 1u << 20);
    assert_int_equal(shim_faults_save_json(f, saved_at, &js), 0);
    struct shim_faults *g = shim_faults_new(999, services, 2);
    char err[512] = "";
    int r = shim_faults_restore_json(g, js.data, js.len, restore_now, err, sizeof(err));
    if (r != 0) {
        fail_msg("restore: %s in %s", err, js.data);
    }
    emu_buf_done(&js);
    return g;
}

static void test_round_trip_same_decisions(void **state)
{
    (void)state;
    /* A seed above 2^53 must survive (JSON numbers would round it). */
    struct shim_faults *a = shim_faults_new(18446744073709551557ULL, services, 2);
    struct shim_faults *b = shim_faults_new(18446744073709551557ULL, services, 2);
    add(a, "s3:PutObject:rate=0.4:code=SlowDown", 0);
    add(b, "s3:PutObject:rate=0.4:code=SlowDown", 0);
    add(a, "s3:*:count=7:code=InternalError", 0);
    add(b, "s3:*:count=7:code=InternalError", 0);
    struct shim_fault_decision da, db;
    for (int i = 0; i < 13; i++) {
        shim_faults_decide(a, "s3", i % 3 ? "PutObject" : "GetObject", 10, &da);
        shim_faults_decide(b, "s3", i % 3 ? "PutObject" : "GetObject", 10, &db);
    }
    /* a dies here; c is its restart, b the run that never died. */
    struct shim_faults *c = restored(a, 10, 50000);
    assert_true(shim_faults_seed(c) == 18446744073709551557ULL);
    assert_int_equal(shim_faults_count(c), 2);
    for (int i = 0; i < 200; i++) {
        const char *op = i % 5 ? "PutObject" : "GetObject";
        shim_faults_decide(b, "s3", op, 20, &db);
        shim_faults_decide(c, "s3", op, 50010, &da);
        assert_int_equal(da.action, db.action);
        assert_int_equal(da.rule_id, db.rule_id);
        assert_string_equal(da.code, db.code);
    }
    struct emu_buf lb, lc;
    emu_buf_init(&lb, 1u << 20);
    emu_buf_init(&lc, 1u << 20);
    assert_int_equal(shim_faults_list_json(b, 20, &lb), 0);
    assert_int_equal(shim_faults_list_json(c, 50010, &lc), 0);
    assert_string_equal(lb.data, lc.data); /* counts spent, remaining, matched, injected */
    assert_non_null(strstr(lc.data, "\"remaining\":0"));
    /* A rule added after the restart gets a new id, not one of the old. */
    char err[256];
    assert_int_equal(shim_faults_add(c, "logs:*:count=1", 50020, err, sizeof(err)), 3);
    emu_buf_done(&lb);
    emu_buf_done(&lc);
    shim_faults_free(a);
    shim_faults_free(b);
    shim_faults_free(c);
}

static void test_windows_keep_their_time(void **state)
{
    (void)state;
    struct shim_faults *a = shim_faults_new(1, services, 2);
    add(a, "s3:down=20s:after=10s", 1000); /* down from 11 s to 31 s on a's clock */
    /* Saved at a's 5 s; restored on a clock at 100 s that stands for the same moment. */
    struct shim_faults *c = restored(a, 5000, 100000);
    assert_false(shim_faults_down(c, "s3", 105000, NULL));  /* a's 10 s */
    assert_true(shim_faults_down(c, "s3", 106500, NULL));   /* a's 11.5 s */
    assert_true(shim_faults_down(c, "s3", 125500, NULL));   /* a's 30.5 s */
    assert_false(shim_faults_down(c, "s3", 126500, NULL));  /* a's 31.5 s */
    shim_faults_free(a);
    shim_faults_free(c);
}

static void refused(const char *json, const char *needle)
{
    struct shim_faults *f = shim_faults_new(1, services, 2);
    add(f, "s3:*:rate=1", 0);
    char err[512] = "";
    int r = shim_faults_restore_json(f, json, strlen(json), 0, err, sizeof(err));
    assert_int_equal(r, EMU_EINVAL);
    if (!strstr(err, needle)) {
        fail_msg("'%s' lacks '%s'", err, needle);
    }
    assert_int_equal(shim_faults_count(f), 0);
    shim_faults_free(f);
}

static void test_bad_state(void **state)
{
    (void)state;
    refused("{", "not JSON");
    refused("{\"seed\":5,\"next_id\":1,\"injected_removed\":0,\"rules\":[]}", "seed string");
    refused("{\"seed\":\"5\",\"next_id\":2,\"injected_removed\":0,\"rules\":[{\"id\":1,"
            "\"spec\":\"s3:Nope:rate=1\",\"count\":-1,\"matched\":0,\"injected\":0,"
            "\"age_ms\":0,\"overflow\":0,\"streams\":[]}]}", "rules[0]");
    refused("{\"seed\":\"5\",\"next_id\":2,\"injected_removed\":0,\"rules\":[{\"id\":1,"
            "\"spec\":\"s3:*:count=2\",\"count\":9,\"matched\":0,\"injected\":0,"
            "\"age_ms\":0,\"overflow\":0,\"streams\":[]}]}", "above the spec");
    refused("{\"seed\":\"5\",\"next_id\":2,\"injected_removed\":0,\"rules\":[{\"id\":1,"
            "\"spec\":\"s3:*:count=2\",\"count\":1,\"matched\":0,\"injected\":0,"
            "\"age_ms\":0,\"overflow\":0,\"streams\":[[\"s3:PutObject\",-1]]}]}", "stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_same_decisions),
        cmocka_unit_test(test_windows_keep_their_time),
        cmocka_unit_test(test_bad_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
