/* SPDX-License-Identifier: Apache-2.0 */
/* The report's pure math: per-second series, latency samples, nearest-rank percentiles and
 * the monthly cost projection of CloudWatch Logs against the S3 path. */
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/report/report.h"

static int grow_u64(uint64_t **a, size_t old, size_t n)
{
    uint64_t *p = emu_realloc(*a, n * sizeof(**a));
    if (!p) {
        return EMU_ENOMEM;
    }
    memset(p + old, 0, (n - old) * sizeof(*p));
    *a = p;
    return 0;
}

int emu_report_series_add(struct emu_report_series *s, int64_t t_ms, uint64_t bytes)
{
    int64_t d = t_ms - s->t0_ms;
    size_t i;
    if (d < 0) {
        i = 0;
        s->clamped++;
    }
    else if ((uint64_t)d / 1000u >= EMU_REPORT_MAX_SECONDS) {
        i = EMU_REPORT_MAX_SECONDS - 1;
        s->clamped++;
    }
    else {
        i = (size_t)(d / 1000);
    }
    if (i >= s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap <= i) {
            cap *= 2;
        }
        cap = cap > EMU_REPORT_MAX_SECONDS ? EMU_REPORT_MAX_SECONDS : cap;
        if (grow_u64(&s->records, s->cap, cap) < 0 || grow_u64(&s->bytes, s->cap, cap) < 0) {
            return EMU_ENOMEM;
        }
        s->cap = cap;
    }
    s->records[i]++;
    s->bytes[i] += bytes;
    if (i + 1 > s->n) {
        s->n = i + 1;
    }
    return 0;
}

void emu_report_series_done(struct emu_report_series *s)
{
    emu_free(s->records);
    emu_free(s->bytes);
    int64_t t0 = s->t0_ms;
    memset(s, 0, sizeof(*s));
    s->t0_ms = t0;
}

int emu_report_samples_add(struct emu_report_samples *s, int64_t v)
{
    if (s->n >= EMU_REPORT_MAX_SAMPLES) {
        s->dropped++;
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *p = emu_realloc(s->v, cap * sizeof(*p));
        if (!p) {
            return EMU_ENOMEM;
        }
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

void emu_report_samples_done(struct emu_report_samples *s)
{
    emu_free(s->v);
    memset(s, 0, sizeof(*s));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The 1-based nearest rank of percentile p (an integer 1..100) of n samples: ceil(p*n/100). */
static size_t rank(size_t n, unsigned p)
{
    size_t r = (n * p + 99u) / 100u;
    return r < 1 ? 1 : r;
}

void emu_report_percentiles(int64_t *v, size_t n, struct emu_report_pcts *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (n == 0) {
        return;
    }
    qsort(v, n, sizeof(*v), cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)v[i];
    }
    ret->n = n;
    ret->min = v[0];
    ret->max = v[n - 1];
    ret->p50 = v[rank(n, 50) - 1];
    ret->p90 = v[rank(n, 90) - 1];
    ret->p99 = v[rank(n, 99) - 1];
    ret->mean = sum / (double)n;
}

void emu_report_cost_project(const struct emu_report_cost_in *in,
                             const struct emu_report_region_prices *p,
                             struct emu_report_cost *ret)
{
    memset(ret, 0, sizeof(*ret));
    double tasks = (double)in->tasks;
    ret->gb_month = in->bytes_per_s * EMU_REPORT_MONTH_SECONDS * tasks / EMU_REPORT_GB;
    ret->puts_month = in->objects_per_s * EMU_REPORT_MONTH_SECONDS * tasks;
    if (!p) {
        return;
    }
    ret->cwl_ingest = ret->gb_month * p->cwl_ingest_gb.usd;
    ret->cwl_storage = ret->gb_month * in->cwl_stored_ratio * p->cwl_storage_gb_month.usd;
    ret->cwl_total = ret->cwl_ingest + ret->cwl_storage;
    ret->s3_put = ret->puts_month / 1000.0 * p->s3_put_1000.usd;
    ret->s3_storage = ret->gb_month * in->compressed_ratio * p->s3_storage_gb_month.usd;
    ret->s3_total = ret->s3_put + ret->s3_storage;
}
