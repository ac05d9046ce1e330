/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for emu/report's pure parts, against hand-computed values: nearest-rank
 * percentiles, the monthly cost projection, the rate/ratio inputs taken from a report, time
 * parsing, per-second series, and the price file's errors (file and JSON path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/report/report.h"

static void percentiles_ten(void **state)
{
    (void)state;
    int64_t v[] = {5, 1, 3, 2, 4, 10, 7, 6, 9, 8};
    struct emu_report_pcts p;
    emu_report_percentiles(v, 10, &p);
    /* ranks ceil(0.5*10)=5, ceil(0.9*10)=9, ceil(0.99*10)=10 */
    assert_int_equal(p.n, 10);
    assert_int_equal(p.min, 1);
    assert_int_equal(p.p50, 5);
    assert_int_equal(p.p90, 9);
    assert_int_equal(p.p99, 10);
    assert_int_equal(p.max, 10);
    assert_true(p.mean > 5.4999 && p.mean < 5.5001);
}

static void percentiles_small_and_large(void **state)
{
    (void)state;
    struct emu_report_pcts p;
    int64_t one[] = {42};
    emu_report_percentiles(one, 1, &p);
    assert_int_equal(p.p50, 42);
    assert_int_equal(p.p99, 42);
    int64_t three[] = {100, -5, 20}; /* sorted -5 20 100: ranks 2, 3, 3 */
    emu_report_percentiles(three, 3, &p);
    assert_int_equal(p.min, -5);
    assert_int_equal(p.p50, 20);
    assert_int_equal(p.p90, 100);
    assert_int_equal(p.p99, 100);
    int64_t many[200];
    for (int i = 0; i < 200; i++) {
        many[i] = 200 - i; /* 200..1 */
    }
    emu_report_percentiles(many, 200, &p); /* ranks 100, 180, 198 */
    assert_int_equal(p.p50, 100);
    assert_int_equal(p.p90, 180);
    assert_int_equal(p.p99, 198);
    assert_int_equal(p.max, 200);
    emu_report_percentiles(NULL, 0, &p);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.max, 0);
}

static struct emu_report_region_prices us_east_1(void)
{
    struct emu_report_region_prices p;
    memset(&p, 0, sizeof(p));
    p.cwl_ingest_gb.usd = 0.50;
    p.cwl_storage_gb_month.usd = 0.03;
    p.s3_put_1000.usd = 0.005;
    p.s3_storage_gb_month.usd = 0.023;
    return p;
}

#define assert_near(a, b) assert_true((a) > (b) - 1e-9 && (a) < (b) + 1e-9)

static void cost_projection(void **state)
{
    (void)state;
    struct emu_report_region_prices p = us_east_1();
    /* One GiB a month per task (2^30 bytes over 730 h), 1000 PUTs a month per task. */
    struct emu_report_cost_in in = {.bytes_per_s = 1073741824.0 / 2628000.0,
                                     .objects_per_s = 1000.0 / 2628000.0,
                                     .compressed_ratio = 0.1,
                                     .cwl_stored_ratio = 0.15,
                                     .tasks = 10};
    struct emu_report_cost c;
    emu_report_cost_project(&in, &p, &c);
    assert_near(c.gb_month, 10.0);
    assert_near(c.puts_month, 10000.0);
    assert_near(c.cwl_ingest, 5.0);      /* 10 GB x $0.50 */
    assert_near(c.cwl_storage, 0.045);   /* 10 GB x 0.15 x $0.03 */
    assert_near(c.cwl_total, 5.045);
    assert_near(c.s3_put, 0.05);         /* 10000 / 1000 x $0.005 */
    assert_near(c.s3_storage, 0.023);    /* 10 GB x 0.1 x $0.023 */
    assert_near(c.s3_total, 0.073);
    /* Without prices: volumes only. */
    emu_report_cost_project(&in, NULL, &c);
    assert_near(c.gb_month, 10.0);
    assert_near(c.cwl_total, 0.0);
}

static void view_inputs(void **state)
{
    (void)state;
    struct emu_report *r = emu_calloc(1, sizeof(*r));
    assert_non_null(r);
    r->created_ms = 9000;
    r->started_ms = 10000;
    r->end_ms = 20000; /* 10 s running */
    r->n_dests = 2;
    r->dests[0].kind = EMU_REPORT_S3;
    r->dests[0].raw_bytes = 10000;
    r->dests[0].stored_bytes = 1000;
    r->dests[0].gzip_bytes = 1000;
    r->dests[0].units = 2;
    r->dests[1].kind = EMU_REPORT_CWL;
    r->dests[1].raw_bytes = 4000;
    r->dests[1].stored_bytes = 4000;
    r->dests[1].gzip_bytes = 1000;
    struct emu_report_region_prices p = us_east_1();
    struct emu_report_view v;
    emu_report_view_init(&v, r, "/data", &p, "prices.json", "us-east-1", 3);
    assert_near(v.duration_s, 10.0);
    assert_near(v.cost_in.bytes_per_s, 1000.0); /* the largest destination: 10000 B / 10 s */
    assert_near(v.cost_in.objects_per_s, 0.2);  /* 2 objects / 10 s */
    assert_near(v.cost_in.compressed_ratio, 0.1);
    assert_near(v.cost_in.cwl_stored_ratio, 2000.0 / 14000.0);
    assert_int_equal(v.cost_in.tasks, 3);
    /* No S3 delivery: Fluent Bit's defaults give one object per 10 minutes at this rate. */
    r->n_dests = 1;
    r->dests[0] = r->dests[1];
    emu_report_view_init(&v, r, "/data", &p, "prices.json", "us-east-1", 1);
    assert_near(v.cost_in.bytes_per_s, 400.0);
    assert_near(v.cost_in.objects_per_s, 1.0 / 600.0);
    assert_near(v.cost_in.compressed_ratio, 0.25);
    emu_free(r);
}

static void parse_time(void **state)
{
    (void)state;
    assert_int_equal(emu_report_parse_time("1970-01-01T00:00:01.5Z", 22), 1500);
    const char *a = "2026-11-24T15:33:17.123456789Z";
    assert_int_equal(emu_report_parse_time(a, strlen(a)), 1795534397123LL);
    const char *b = "2026-11-24 15:33:17.123456"; /* json_date_format java_sql_timestamp */
    assert_int_equal(emu_report_parse_time(b, strlen(b)), 1795534397123LL);
    const char *c = "2024-02-29T00:00:00+01:00";
    assert_int_equal(emu_report_parse_time(c, strlen(c)), 1709161200000LL);
    const char *bad[] = {"2026-13-01T00:00:00Z", "garbage", "2026-11-24T15:33:17.Z",
                         "2026-11-24T15:33:17Zx", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(emu_report_parse_time(bad[i], strlen(bad[i])), -1);
    }
}

static void series_buckets(void **state)
{
    (void)state;
    struct emu_report_series s = {.t0_ms = 1000};
    assert_int_equal(emu_report_series_add(&s, 1000, 10), 0);
    assert_int_equal(emu_report_series_add(&s, 1999, 5), 0);
    assert_int_equal(emu_report_series_add(&s, 4000, 7), 0);
    assert_int_equal(emu_report_series_add(&s, 500, 1), 0); /* before t0: first bucket */
    assert_int_equal(s.n, 4);
    assert_int_equal(s.records[0], 3);
    assert_int_equal(s.bytes[0], 16);
    assert_int_equal(s.records[1], 0);
    assert_int_equal(s.records[3], 1);
    assert_int_equal(s.clamped, 1);
    emu_report_series_done(&s);
    assert_int_equal(s.n, 0);
}

static const char good[] =
    "{\"currency\":\"USD\",\"regions\":{\"us-east-1\":{"
    "\"cloudwatch_logs_ingestion_per_gb\":{\"usd\":0.5,\"source\":\"https://a\",\"date\":"
    "\"2026-11-24\"},"
    "\"cloudwatch_logs_storage_per_gb_month\":{\"usd\":0.03,\"source\":\"https://a\",\"date\":"
    "\"2026-11-24\"},"
    "\"s3_put_per_1000_requests\":{\"usd\":%s,\"source\":\"https://b\",\"date\":\"2026-11-24\"},"
    "\"s3_standard_storage_per_gb_month\":{\"usd\":0.023,\"source\":\"https://b\",\"date\":"
    "\"%s\"}}}}";

static int parse_with(const char *put, const char *date, struct emu_report_prices *p,
                      char *why, size_t n)
{
    char json[2048];
    int len = snprintf(json, sizeof(json), good, put, date);
    return emu_report_prices_parse(json, (size_t)len, "p.json", p, why, n);
}

static void prices_parse(void **state)
{
    (void)state;
    struct emu_report_prices *p = emu_calloc(1, sizeof(*p));
    char why[512] = "";
    assert_int_equal(parse_with("0.005", "2026-11-24", p, why, sizeof(why)), 0);
    assert_int_equal(p->n, 1);
    const struct emu_report_region_prices *r = emu_report_prices_find(p, "us-east-1");
    assert_non_null(r);
    assert_near(r->s3_put_1000.usd, 0.005);
    assert_string_equal(r->s3_put_1000.source, "https://b");
    assert_string_equal(r->s3_storage_gb_month.date, "2026-11-24");
    assert_null(emu_report_prices_find(p, "eu-west-1"));

    assert_int_equal(parse_with("\"cheap\"", "2026-11-24", p, why, sizeof(why)), EMU_EINVAL);
    assert_string_equal(why, "p.json: $.regions.us-east-1.s3_put_per_1000_requests.usd: "
                             "expected a number between 0 and 1000000");
    assert_int_equal(parse_with("-1", "2026-11-24", p, why, sizeof(why)), EMU_EINVAL);
    assert_int_equal(parse_with("0.005", "24/11/2026", p, why, sizeof(why)), EMU_EINVAL);
    assert_string_equal(why, "p.json: $.regions.us-east-1.s3_standard_storage_per_gb_month.date: "
                             "expected the date the price was read, as YYYY-MM-DD");
    assert_int_equal(emu_report_prices_parse("{\"currency\": \"USD\",", 20, "p.json", p, why,
                                             sizeof(why)),
                     EMU_EJSON);
    assert_memory_equal(why, "p.json:1:", 9);
    const char *noreg = "{\"currency\":\"USD\",\"regions\":{\"x\":{}}}";
    assert_int_equal(emu_report_prices_parse(noreg, strlen(noreg), "p.json", p, why,
                                             sizeof(why)),
                     EMU_EINVAL);
    assert_string_equal(why, "p.json: $.regions.x.cloudwatch_logs_ingestion_per_gb: missing");
    const char *eur = "{\"currency\":\"EUR\",\"regions\":{}}";
    assert_int_equal(emu_report_prices_parse(eur, strlen(eur), "p.json", p, why, sizeof(why)),
                     EMU_EINVAL);
    assert_string_equal(why, "p.json: $.currency: expected \"USD\"");
    emu_free(p);
}

static void shipped_prices_parse(void **state)
{
    (void)state;
    struct emu_report_prices *p = emu_calloc(1, sizeof(*p));
    char why[512] = "";
    int rv = emu_report_prices_parse((const char *)emu_report_default_prices,
                                     emu_report_default_prices_len, "prices/aws-prices.json", p,
                                     why, sizeof(why));
    if (rv < 0) {
        fail_msg("%s", why);
    }
    assert_non_null(emu_report_prices_find(p, "us-east-1"));
    emu_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_ten),     cmocka_unit_test(percentiles_small_and_large),
        cmocka_unit_test(cost_projection),     cmocka_unit_test(view_inputs),
        cmocka_unit_test(parse_time),          cmocka_unit_test(series_buckets),
        cmocka_unit_test(prices_parse),        cmocka_unit_test(shipped_prices_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
