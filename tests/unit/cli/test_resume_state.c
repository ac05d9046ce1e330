/* SPDX-License-Identifier: Apache-2.0 */
/* <id>.resume.json round trip: the task role and execution role policies, the fault engine and
 * the awslogs positions written by a supervisor read back by `resume` (mode 0600, atomic), the
 * restored policies deciding as the originals, and malformed files refused by member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_iam.h"
#include "emu/cli/cli_resume_state.h"
#include "emu/runtime/runtime.h"

#define ID "0123456789abcdef0123456789abcdef"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/emu-resume-state-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(emu_store_init(dir), 0);
    char pol[4200];
    (void)snprintf(pol, sizeof(pol), "%s/policy.json", dir);
    write_file(pol, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                    "\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::ok/*\"},"
                    "{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::no/*\"}]}");
    struct emu_cli_iam iam, exec;
    emu_cli_iam_init(&iam);
    emu_cli_iam_init(&exec);
    struct emu_cli_list files = {.items = {pol}, .n = 1};
    assert_int_equal(emu_cli_iam_add_files(&iam, "test", &files), 0);
    struct emu_buf tr, er;
    emu_buf_init(&tr, 1u << 20);
    emu_buf_init(&er, 1u << 20);
    assert_int_equal(emu_cli_iam_kept_json(&iam, &tr), 0);
    assert_int_equal(emu_cli_iam_kept_json(&exec, &er), 0);
    struct emu_cli_awslogs_pos pos[2] = {{"app", 1764000000123456789LL, 3}, {"side", 5, 1}};
    struct emu_cli_resume_parts p = {
        .wall_ms = 1764000000123,
        .enforce_iam = true,
        .task_role_json = tr.data,
        .exec_role_json = er.data,
        .faults_json = "{\"seed\":\"7\",\"next_id\":1,\"injected_removed\":0,\"rules\":[]}",
        .awslogs = pos,
        .n_awslogs = 2,
    };
    assert_int_equal(emu_cli_resume_state_write(dir, ID, &p), 0);
    char path[4200];
    (void)snprintf(path, sizeof(path), "%s/tasks/%s%s", dir, ID, EMU_CLI_RESUME_SUFFIX);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    struct emu_cli_resume_state rs;
    char err[256] = "";
    int r = emu_cli_resume_state_load(dir, ID, &rs, err, sizeof(err));
    if (r != 0) {
        fail_msg("load: %s", err);
    }
    assert_true(rs.enforce_iam);
    assert_true(rs.wall_ms == 1764000000123);
    assert_non_null(rs.exec_role);
    assert_non_null(rs.faults);
    assert_non_null(strstr(rs.faults, "\"seed\":\"7\""));
    assert_int_equal(rs.n_awslogs, 2);
    const struct emu_cli_awslogs_pos *a = emu_cli_resume_state_awslogs(&rs, "app");
    assert_non_null(a);
    assert_true(a->ns == 1764000000123456789LL); /* beyond a double's 53 bits */
    assert_int_equal(a->same, 3);
    assert_null(emu_cli_resume_state_awslogs(&rs, "nope"));

    /* The policies come back even though the file is gone, and decide as before. */
    unlink(pol);
    struct emu_cli_iam back;
    emu_cli_iam_init(&back);
    assert_int_equal(emu_cli_iam_add_kept(&back, "test", rs.task_role), 0);
    assert_int_equal(back.n_documents, 1);
    assert_int_equal(emu_cli_iam_decide(&back, "s3:PutObject", "arn:aws:s3:::ok/k"),
                     EMU_IAM_ALLOW);
    assert_int_equal(emu_cli_iam_decide(&back, "s3:PutObject", "arn:aws:s3:::no/k"),
                     EMU_IAM_EXPLICIT_DENY);
    assert_int_equal(emu_cli_iam_decide(&back, "s3:GetObject", "arn:aws:s3:::ok/k"),
                     EMU_IAM_IMPLICIT_DENY);
    emu_cli_resume_state_done(&rs);
    emu_cli_iam_done(&back);
    emu_cli_iam_done(&iam);
    emu_cli_iam_done(&exec);
    emu_buf_done(&tr);
    emu_buf_done(&er);
    assert_int_equal(emu_store_remove(dir, ID), 0);
    assert_int_equal(stat(path, &sb), -1); /* removed with the task */
    char tasks[4200];
    (void)snprintf(tasks, sizeof(tasks), "%s/tasks", dir);
    rmdir(tasks);
    rmdir(dir);
}

static void refused(const char *json, const char *needle)
{
    struct emu_cli_resume_state rs;
    char err[256] = "";
    assert_int_equal(emu_cli_resume_state_parse(json, strlen(json), &rs, err, sizeof(err)),
                     -EINVAL);
    if (!strstr(err, needle)) {
        fail_msg("'%s' lacks '%s'", err, needle);
    }
    emu_cli_resume_state_done(&rs);
}

static void test_refused(void **state)
{
    (void)state;
    refused("[", "not JSON");
    refused("{\"version\":2}", "version");
    refused("{\"version\":1,\"wall_ms\":\"x\"}", "wall_ms");
    refused("{\"version\":1,\"wall_ms\":1,\"enforce_iam\":1}", "enforce_iam");
    refused("{\"version\":1,\"wall_ms\":1,\"enforce_iam\":true}", "task_role");
    refused("{\"version\":1,\"wall_ms\":1,\"enforce_iam\":false,\"faults\":[]}", "faults");
    refused("{\"version\":1,\"wall_ms\":1,\"enforce_iam\":false,\"awslogs\":[{\"container\":"
            "\"a\",\"ns\":5,\"same\":1}]}", "awslogs[]");
    refused("{\"version\":1,\"wall_ms\":1,\"enforce_iam\":false,\"awslogs\":[{\"container\":"
            "\"a\",\"ns\":\"-5\",\"same\":1}]}", "awslogs[].ns");
    struct emu_cli_resume_state rs;
    char err[64];
    assert_int_equal(emu_cli_resume_state_load("/nonexistent-dir", ID, &rs, err, sizeof(err)),
                     -ENOENT);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
