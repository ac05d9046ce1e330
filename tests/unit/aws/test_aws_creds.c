/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the credential parsers: environment, shared credentials file profiles, the
 * container-credentials JSON, STS AssumeRole responses and errors, ISO 8601 times, freshness,
 * endpoint splitting and AWS error bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/aws/aws_creds.h"
#include "emu/base/err.h"

static void test_env(void **state)
{
    (void)state;
    struct emu_aws_creds c;
    const char *const env[] = {"HOME=/root", "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=sk",
                               "AWS_SESSION_TOKEN=tok", NULL};
    const char *const partial[] = {"AWS_ACCESS_KEY_ID=AKID", NULL};
    assert_int_equal(emu_aws_creds_from_env(env, &c), 0);
    assert_string_equal(c.access_key_id, "AKID");
    assert_string_equal(c.secret_access_key, "sk");
    assert_string_equal(c.session_token, "tok");
    assert_int_equal(c.expiration, 0);
    assert_int_equal(emu_aws_creds_from_env(partial, &c), -ENOENT);
    assert_int_equal(emu_aws_creds_from_env(NULL, &c), -ENOENT);
    assert_null(emu_aws_env_get(env, "AWS_ACCESS_KEY"));
    assert_string_equal(emu_aws_env_get(env, "HOME"), "/root");
}

static void test_profile(void **state)
{
    (void)state;
    struct emu_aws_creds c;
    const char *f = "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key=dsk\n"
                    "\n[ other ]\r\n  aws_access_key_id = OTH \r\naws_secret_access_key = osk\r\n"
                    "aws_session_token = otok\r\n[broken]\naws_access_key_id = X\n";
    assert_int_equal(emu_aws_creds_parse_profile(f, strlen(f), "default", &c), 0);
    assert_string_equal(c.access_key_id, "DEF");
    assert_string_equal(c.secret_access_key, "dsk");
    assert_string_equal(c.session_token, "");
    assert_int_equal(emu_aws_creds_parse_profile(f, strlen(f), "other", &c), 0);
    assert_string_equal(c.access_key_id, "OTH");
    assert_string_equal(c.session_token, "otok");
    assert_int_equal(emu_aws_creds_parse_profile(f, strlen(f), "broken", &c), -ENOENT);
    assert_int_equal(emu_aws_creds_parse_profile(f, strlen(f), "none", &c), -ENOENT);
}

static void test_container_json(void **state)
{
    (void)state;
    struct emu_aws_creds c;
    const char *j = "{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"AccessKeyId\":\"ASIA1\","
                    "\"SecretAccessKey\":\"s1\",\"Token\":\"t1\","
                    "\"Expiration\":\"2023-11-14T22:13:20Z\"}";
    assert_int_equal(emu_aws_creds_parse_json(j, strlen(j), &c), 0);
    assert_string_equal(c.access_key_id, "ASIA1");
    assert_string_equal(c.session_token, "t1");
    assert_int_equal(c.expiration, 1700000000);
    assert_false(emu_aws_creds_fresh(&c, 1700000000 - 100));
    assert_true(emu_aws_creds_fresh(&c, 1700000000 - 301));
    const char *bad[] = {"{}", "[]", "{\"AccessKeyId\":\"a\"}", "not json",
                         "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Expiration\":\"x\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(emu_aws_creds_parse_json(bad[i], strlen(bad[i]), &c), -EBADMSG);
    }
}

static void test_sts_xml(void **state)
{
    (void)state;
    struct emu_aws_creds c;
    char code[64];
    const char *ok =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<AssumeRoleResult><AssumedRoleUser><Arn>arn</Arn></AssumedRoleUser><Credentials>"
        "<AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>sec&amp;ret</SecretAccessKey>"
        "<SessionToken>tok</SessionToken><Expiration>2023-11-14T22:13:20.123Z</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
    assert_int_equal(emu_aws_creds_parse_sts_xml(ok, strlen(ok), &c, code, sizeof(code)), 0);
    assert_string_equal(c.access_key_id, "ASIATEMP");
    assert_string_equal(c.secret_access_key, "sec&ret");
    assert_string_equal(c.session_token, "tok");
    assert_int_equal(c.expiration, 1700000000);
    const char *err = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                      "<Message>no</Message></Error></ErrorResponse>";
    assert_int_equal(emu_aws_creds_parse_sts_xml(err, strlen(err), &c, code, sizeof(code)),
                     -4006);
    assert_string_equal(code, "AccessDenied");
    assert_int_equal(emu_aws_creds_parse_sts_xml("<x/>", 4, &c, code, sizeof(code)), -EBADMSG);
}

static void test_iso8601(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(emu_aws_parse_iso8601("1970-01-01T00:00:00Z", 20, &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(emu_aws_parse_iso8601("2024-02-29T12:00:00.5Z", 22, &t), 0);
    assert_int_equal(t, 1709208000);
    assert_int_equal(emu_aws_parse_iso8601("2024-02-29T12:00:00", 19, &t), -EINVAL);
    assert_int_equal(emu_aws_parse_iso8601("2024-13-01T00:00:00Z", 20, &t), -EINVAL);
}

static void test_endpoint_and_errors(void **state)
{
    (void)state;
    char base[128], host[128], code[64], msg[64];
    assert_int_equal(emu_aws_endpoint_split("http://127.0.0.1:9000/", base, sizeof(base), host,
                                            sizeof(host)),
                     0);
    assert_string_equal(base, "http://127.0.0.1:9000");
    assert_string_equal(host, "127.0.0.1:9000");
    assert_int_equal(emu_aws_endpoint_split("logs.us-east-1.amazonaws.com", base, sizeof(base),
                                            host, sizeof(host)),
                     0);
    assert_string_equal(base, "https://logs.us-east-1.amazonaws.com");
    assert_int_equal(emu_aws_endpoint_split("http://", base, sizeof(base), host, sizeof(host)),
                     -EINVAL);
    const char *j = "{\"__type\":\"com.amazonaws.logs#ResourceNotFoundException\","
                    "\"message\":\"The specified log group does not exist.\"}";
    assert_int_equal(emu_aws_error_parse(j, strlen(j), code, sizeof(code), msg, sizeof(msg)), 0);
    assert_string_equal(code, "ResourceNotFoundException");
    const char *x = "<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>";
    assert_int_equal(emu_aws_error_parse(x, strlen(x), code, sizeof(code), msg, sizeof(msg)), 0);
    assert_string_equal(code, "SlowDown");
    assert_string_equal(msg, "Reduce");
    assert_int_equal(emu_aws_error_parse("", 0, code, sizeof(code), msg, sizeof(msg)), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env),          cmocka_unit_test(test_profile),
        cmocka_unit_test(test_container_json), cmocka_unit_test(test_sts_xml),
        cmocka_unit_test(test_iso8601),      cmocka_unit_test(test_endpoint_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
