/* SPDX-License-Identifier: Apache-2.0 */
/* The price table of `fargate-emu report` (prices/aws-prices.json, --prices FILE): per region,
 * four published figures, each with its source URL and the date it was read. Errors name the
 * file and the JSON path. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/report/report.h"

struct figure {
    const char *key;
    size_t offset;
};

static const struct figure figures[] = {
    {"cloudwatch_logs_ingestion_per_gb",
     offsetof(struct emu_report_region_prices, cwl_ingest_gb)},
    {"cloudwatch_logs_storage_per_gb_month",
     offsetof(struct emu_report_region_prices, cwl_storage_gb_month)},
    {"s3_put_per_1000_requests", offsetof(struct emu_report_region_prices, s3_put_1000)},
    {"s3_standard_storage_per_gb_month",
     offsetof(struct emu_report_region_prices, s3_storage_gb_month)},
};
#define N_FIGURES (sizeof(figures) / sizeof(figures[0]))

struct ctx {
    const char *file;
    char *why;
    size_t why_len;
};

static int bad(const struct ctx *c, const char *path, const char *what)
{
    (void)snprintf(c->why, c->why_len, "%s: %s: %s", c->file, path, what);
    return EMU_EINVAL;
}

static bool date_ok(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (size_t i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int parse_figure(const struct ctx *c, const cJSON *o, const char *path,
                        struct emu_report_price *ret)
{
    char p[512];
    if (!cJSON_IsObject(o)) {
        return bad(c, path, "expected an object {\"usd\", \"source\", \"date\"}");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (strcmp(it->string, "usd") != 0 && strcmp(it->string, "source") != 0 &&
            strcmp(it->string, "date") != 0 && strcmp(it->string, "note") != 0) {
            (void)snprintf(p, sizeof(p), "%.256s.%.64s", path, it->string);
            return bad(c, p, "unknown key (expected usd, source, date, note)");
        }
    }
    const cJSON *usd = cJSON_GetObjectItemCaseSensitive(o, "usd");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source");
    const cJSON *date = cJSON_GetObjectItemCaseSensitive(o, "date");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(o, "note");
    (void)snprintf(p, sizeof(p), "%s.usd", path);
    if (!cJSON_IsNumber(usd) || !(usd->valuedouble >= 0) || usd->valuedouble > 1e6) {
        return bad(c, p, "expected a number between 0 and 1000000");
    }
    (void)snprintf(p, sizeof(p), "%s.source", path);
    if (!cJSON_IsString(src) || strncmp(src->valuestring, "https://", 8) != 0 ||
        strlen(src->valuestring) >= sizeof(ret->source)) {
        return bad(c, p, "expected the https:// URL the price was read from (under 512 bytes)");
    }
    (void)snprintf(p, sizeof(p), "%s.date", path);
    if (!cJSON_IsString(date) || !date_ok(date->valuestring)) {
        return bad(c, p, "expected the date the price was read, as YYYY-MM-DD");
    }
    (void)snprintf(p, sizeof(p), "%s.note", path);
    if (note && !cJSON_IsString(note)) {
        return bad(c, p, "expected a string");
    }
    ret->usd = usd->valuedouble;
    memcpy(ret->source, src->valuestring, strlen(src->valuestring) + 1);
    memcpy(ret->date, date->valuestring, 11);
    return 0;
}

static int parse_region(const struct ctx *c, const cJSON *o, struct emu_report_region_prices *r)
{
    char path[128];
    (void)snprintf(path, sizeof(path), "$.regions.%.40s", o->string);
    if (strlen(o->string) == 0 || strlen(o->string) >= sizeof(r->region)) {
        return bad(c, path, "expected a region name of 1 to 31 bytes");
    }
    if (!cJSON_IsObject(o)) {
        return bad(c, path, "expected an object");
    }
    memcpy(r->region, o->string, strlen(o->string) + 1);
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        bool known = false;
        for (size_t i = 0; i < N_FIGURES; i++) {
            known = known || strcmp(it->string, figures[i].key) == 0;
        }
        if (!known && strcmp(it->string, "note") != 0) {
            char p[256];
            (void)snprintf(p, sizeof(p), "%s.%.64s", path, it->string);
            return bad(c, p, "unknown key");
        }
    }
    for (size_t i = 0; i < N_FIGURES; i++) {
        char p[256];
        (void)snprintf(p, sizeof(p), "%s.%.64s", path, figures[i].key);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, figures[i].key);
        if (!f) {
            return bad(c, p, "missing");
        }
        int rv = parse_figure(c, f, p, (struct emu_report_price *)((char *)r + figures[i].offset));
        if (rv < 0) {
            return rv;
        }
    }
    return 0;
}

static int parse_root(const struct ctx *c, const cJSON *root, struct emu_report_prices *ret)
{
    if (!cJSON_IsObject(root)) {
        return bad(c, "$", "expected an object");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (strcmp(it->string, "currency") != 0 && strcmp(it->string, "regions") != 0 &&
            strcmp(it->string, "description") != 0 && strcmp(it->string, "notes") != 0) {
            char p[128];
            (void)snprintf(p, sizeof(p), "$.%.64s", it->string);
            return bad(c, p, "unknown key (expected currency, regions, description, notes)");
        }
    }
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(root, "currency");
    if (!cJSON_IsString(cur) || strcmp(cur->valuestring, "USD") != 0) {
        return bad(c, "$.currency", "expected \"USD\"");
    }
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(root, "regions");
    if (!cJSON_IsObject(regions)) {
        return bad(c, "$.regions", "expected an object of regions");
    }
    cJSON_ArrayForEach(it, regions)
    {
        if (ret->n >= EMU_REPORT_MAX_REGIONS) {
            return bad(c, "$.regions", "more than 64 regions");
        }
        for (size_t i = 0; i < ret->n; i++) {
            if (strcmp(ret->regions[i].region, it->string) == 0) {
                char p[128];
                (void)snprintf(p, sizeof(p), "$.regions.%.40s", it->string);
                return bad(c, p, "region given twice");
            }
        }
        int rv = parse_region(c, it, &ret->regions[ret->n]);
        if (rv < 0) {
            return rv;
        }
        ret->n++;
    }
    return 0;
}

int emu_report_prices_parse(const char *json, size_t len, const char *file,
                            struct emu_report_prices *ret, char *why, size_t why_len)
{
    memset(ret, 0, sizeof(*ret));
    struct ctx c = {.file = file ? file : "prices", .why = why, .why_len = why_len};
    if (len > EMU_REPORT_PRICES_MAX) {
        (void)snprintf(why, why_len, "%s: over %u bytes", c.file, EMU_REPORT_PRICES_MAX);
        return EMU_E2BIG;
    }
    cJSON *root = NULL;
    struct emu_json_error err;
    int rv = emu_json_parse(json, len, &root, &err);
    if (rv < 0) {
        (void)snprintf(why, why_len, "%s:%u:%u: %s", c.file, err.line, err.column, err.message);
        return rv;
    }
    rv = parse_root(&c, root, ret);
    cJSON_Delete(root);
    if (rv < 0) {
        memset(ret, 0, sizeof(*ret));
    }
    return rv;
}

const struct emu_report_region_prices *
emu_report_prices_find(const struct emu_report_prices *p, const char *region)
{
    for (size_t i = 0; p && region && i < p->n; i++) {
        if (strcmp(p->regions[i].region, region) == 0) {
            return &p->regions[i];
        }
    }
    return NULL;
}
