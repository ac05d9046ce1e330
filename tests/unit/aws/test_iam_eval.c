/* SPDX-License-Identifier: Apache-2.0 */
/* IAM identity-policy evaluation, table-driven: policy documents, then (action, resource,
 * expected decision) rows covering Allow/Deny, explicit deny winning, NotAction/NotResource,
 * '*' and '?' wildcards, case rules, Condition blocks reported, malformed documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/aws/iam.h"
#include "emu/base/err.h"
#include "emu/base/json.h"

#define A EMU_IAM_ALLOW
#define D EMU_IAM_EXPLICIT_DENY
#define I EMU_IAM_IMPLICIT_DENY

/* The classic FireLens task role, plus a few shapes real roles have. */
static const char *const policy_firelens =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Put\",\"Effect\":\"Allow\","
    "\"Action\":[\"s3:PutObject\",\"s3:AbortMultipartUpload\"],"
    "\"Resource\":\"arn:aws:s3:::bucket/*\"},"
    "{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\","
    "\"logs:CreateLogGroup\",\"logs:DescribeLogStreams\"],"
    "\"Resource\":\"arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-*\"},"
    "{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":"
    "\"arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-cloudwatch:log-stream:*\"}]}";

static const char *const policy_deny =
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
    "{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\"},"
    "{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::secret/*\"}]}";

static const char *const policy_not =
    "[{\"Statement\":{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}},"
    "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"NotResource\":["
    "\"arn:aws:s3:::public/*\",\"arn:aws:logs:*:*:log-group:/ecs/*\"]}]}]";

static const char *const policy_wild =
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get?bject\","
    "\"Resource\":\"arn:aws:s3:::b?cket/logs/*/app.log\"},"
    "{\"Effect\":\"Allow\",\"Action\":\"logs:Put*Events\",\"Resource\":\"arn:aws:logs:*\"},"
    "{\"Sid\":\"Cond\",\"Effect\":\"Deny\",\"Action\":\"logs:PutLogEvents\",\"Resource\":\"*\","
    "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":\"vpc-1\"}}}]}";

struct iam_case {
    const char *const *policy;
    const char *action;
    const char *resource;
    enum emu_iam_decision want;
    size_t skipped; /* conditional statements that matched */
};

static const struct iam_case cases[] = {
    /* FireLens role: the S3 output. */
    {&policy_firelens, "s3:PutObject", "arn:aws:s3:::bucket/logs/2026/x.gz", A, 0},
    {&policy_firelens, "s3:putobject", "arn:aws:s3:::bucket/a", A, 0},
    {&policy_firelens, "S3:PUTOBJECT", "arn:aws:s3:::bucket/a", A, 0},
    {&policy_firelens, "s3:PutObject", "arn:aws:s3:::bucket", I, 0},
    {&policy_firelens, "s3:PutObject", "arn:aws:s3:::other/a", I, 0},
    {&policy_firelens, "s3:PutObject", "arn:aws:s3:::Bucket/a", I, 0},
    {&policy_firelens, "s3:GetObject", "arn:aws:s3:::bucket/a", I, 0},
    {&policy_firelens, "s3:AbortMultipartUpload", "arn:aws:s3:::bucket/k", A, 0},
    {&policy_firelens, "s3:CreateMultipartUpload", "arn:aws:s3:::bucket/k", I, 0},
    /* FireLens role: the CloudWatch output. */
    {&policy_firelens, "logs:CreateLogGroup",
     "arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-cloudwatch", A, 0},
    {&policy_firelens, "logs:PutLogEvents",
     "arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-cloudwatch:log-stream:x", A, 0},
    {&policy_firelens, "logs:PutLogEvents",
     "arn:aws:logs:us-east-1:123456789012:log-group:other:log-stream:x", I, 0},
    {&policy_firelens, "logs:DeleteLogGroup",
     "arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-cloudwatch:log-stream:x", A, 0},
    {&policy_firelens, "logs:DeleteLogGroup",
     "arn:aws:logs:us-east-1:123456789012:log-group:other", I, 0},
    {&policy_firelens, "logs:PutLogEvents",
     "arn:aws:logs:eu-west-1:123456789012:log-group:fluent-bit-x:log-stream:y", I, 0},
    {&policy_firelens, "sts:AssumeRole", "arn:aws:iam::123456789012:role/x", I, 0},
    /* Explicit deny wins over any allow. */
    {&policy_deny, "s3:PutObject", "arn:aws:s3:::b/k", A, 0},
    {&policy_deny, "s3:DeleteObject", "arn:aws:s3:::b/k", D, 0},
    {&policy_deny, "s3:deletebucket", "arn:aws:s3:::b", D, 0},
    {&policy_deny, "s3:GetObject", "arn:aws:s3:::secret/k", D, 0},
    {&policy_deny, "s3:GetObject", "arn:aws:s3:::secret", A, 0},
    {&policy_deny, "s3:ListBucket", "arn:aws:s3:::secretive/k", A, 0},
    {&policy_deny, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g", I, 0},
    /* NotAction / NotResource across two documents. */
    {&policy_not, "s3:PutObject", "arn:aws:s3:::public/a", A, 0},
    {&policy_not, "s3:PutObject", "arn:aws:s3:::private/a", D, 0},
    {&policy_not, "iam:CreateUser", "arn:aws:s3:::public/a", I, 0},
    {&policy_not, "IAM:CreateUser", "arn:aws:s3:::public/a", I, 0},
    {&policy_not, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/ecs/app:log-stream:s",
     A, 0},
    {&policy_not, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/other", D, 0},
    {&policy_not, "iam:CreateUser", "arn:aws:iam::1:user/x", D, 0},
    {&policy_not, "sts:GetCallerIdentity", "arn:aws:s3:::public/", A, 0},
    /* '?' and '*' wildcards; Condition blocks are reported, not applied. */
    {&policy_wild, "s3:GetObject", "arn:aws:s3:::bucket/logs/2026/app.log", A, 0},
    {&policy_wild, "s3:GetObject", "arn:aws:s3:::bocket/logs/a/b/app.log", A, 0},
    {&policy_wild, "s3:GetObject", "arn:aws:s3:::bucket/logs//app.log", A, 0},
    {&policy_wild, "s3:GetObject", "arn:aws:s3:::buckets/logs/x/app.log", I, 0},
    {&policy_wild, "s3:GetObject", "arn:aws:s3:::bucket/logs/x/app.logs", I, 0},
    {&policy_wild, "s3:GetObjects", "arn:aws:s3:::bucket/logs/x/app.log", I, 0},
    {&policy_wild, "s3:Getobject", "arn:aws:s3:::bucket/logs/x/app.log", A, 0},
    {&policy_wild, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g", A, 1},
    {&policy_wild, "logs:PutRetentionPolicyEvents", "arn:aws:logs:x", A, 0},
    {&policy_wild, "logs:PutEvents", "arn:aws:logs:x", A, 0},
    {&policy_wild, "logs:PutLogEvent", "arn:aws:logs:x", I, 0},
    {&policy_wild, "logs:PutLogEvents", "arn:aws:s3:::x", I, 1},
};

static void load(struct emu_iam_policies *p, const char *doc)
{
    char err[256] = "";
    emu_iam_policies_init(p);
    int r = emu_iam_policies_add(p, doc, strlen(doc), err, sizeof(err));
    if (r != 0) {
        fail_msg("policy refused: %s", err);
    }
}

static void test_table(void **state)
{
    (void)state;
    assert_true(sizeof(cases) / sizeof(cases[0]) >= 40);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct iam_case *c = &cases[i];
        struct emu_iam_policies p;
        load(&p, *c->policy);
        struct emu_iam_result r;
        emu_iam_evaluate(&p, c->action, c->resource, &r);
        if (r.decision != c->want || r.skipped_conditional != c->skipped) {
            fail_msg("case %zu (%s on %s): got %d skipped %zu, want %d skipped %zu", i,
                     c->action, c->resource, r.decision, r.skipped_conditional, c->want,
                     c->skipped);
        }
        emu_iam_policies_done(&p);
    }
}

static void test_sids_and_conditions(void **state)
{
    (void)state;
    struct emu_iam_policies p;
    load(&p, policy_deny);
    struct emu_iam_result r;
    emu_iam_evaluate(&p, "s3:DeleteObject", "arn:aws:s3:::b/k", &r);
    assert_string_equal(r.sid, "NoDelete");
    emu_iam_policies_done(&p);
    load(&p, policy_wild);
    assert_int_equal(p.n_conditional, 1);
    emu_iam_evaluate(&p, "logs:PutLogEvents", "arn:aws:logs:r:1:log-group:g", &r);
    assert_string_equal(r.skipped_sid, "Cond");
    emu_iam_policies_done(&p);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "not json",
        "{}",
        "{\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"NotAction\":\"x\","
        "\"Resource\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[1],\"Resource\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
        "\"Principal\":\"*\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct emu_iam_policies p;
        emu_iam_policies_init(&p);
        char err[256] = "";
        int r = emu_iam_policies_add(&p, bad[i], strlen(bad[i]), err, sizeof(err));
        if (r != EMU_EBADMSG || strncmp(err, "MalformedPolicyDocument", 23) != 0) {
            fail_msg("case %zu accepted (%d): %s", i, r, err);
        }
        emu_iam_policies_done(&p);
    }
}

static void test_match(void **state)
{
    (void)state;
    assert_true(emu_iam_match("*", "", false));
    assert_true(emu_iam_match("a*b*c", "aXXbYYc", false));
    assert_false(emu_iam_match("a*b*c", "aXXbYY", false));
    assert_true(emu_iam_match("a?c", "abc", false));
    assert_false(emu_iam_match("a?c", "ac", false));
    assert_true(emu_iam_match("S3:Get*", "s3:getobject", true));
    assert_false(emu_iam_match("S3:Get*", "s3:getobject", false));
    assert_true(emu_iam_match("**", "x", false));
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sids_and_conditions),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
