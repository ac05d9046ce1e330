/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu report` as text: the task line, a container table, a destination table with
 * latency percentiles, and the monthly cost projection with the prices' sources. */
#include <stdio.h>
#include <string.h>

#include "emu/report/report_int.h"

/* 1234567 -> "1,234,567" */
static const char *group3(uint64_t v, char out[32])
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    return out;
}

static int containers(const struct emu_report *r, struct emu_buf *out)
{
    int rv = emu_buf_printf(out, "\n%-24s %12s %14s %10s %10s  %s\n", "CONTAINER", "LINES",
                            "BYTES", "STDOUT", "STDERR", "FROM");
    for (size_t i = 0; rv == 0 && i < r->n_containers; i++) {
        const struct emu_report_container *c = &r->containers[i];
        char a[32], b[32], s[32], e[32];
        if (c->source == EMU_REPORT_SRC_NONE) {
            rv = emu_buf_printf(out, "%-24.24s %12s %14s %10s %10s  not recorded\n", c->name,
                                "-", "-", "-", "-");
            continue;
        }
        rv = emu_buf_printf(out, "%-24.24s %12s %14s %10s %10s  %s%s\n", c->name,
                            group3(c->lines, a), group3(c->bytes, b), group3(c->stdout_lines, s),
                            group3(c->stderr_lines, e),
                            c->source == EMU_REPORT_SRC_OUTPUT_FILE ? "output file"
                                                                    : "docker logs",
                            c->truncated ? " (truncated at its ceiling)" : "");
    }
    return rv;
}

static int dests(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report *r = v->r;
    if (r->n_dests == 0) {
        return emu_buf_printf(out, "\nno destinations: %s\n",
                              r->config_dir[0] ? "the router config has no s3 or CloudWatch "
                                                 "output"
                                               : "the task's router config was not recorded");
    }
    int rv = emu_buf_printf(out, "\n%-40s %10s %13s %13s %9s  %s\n", "DESTINATION", "RECORDS",
                            "RAW BYTES", "STORED", "UNITS", "LATENCY ms p50/p90/p99/max");
    for (size_t i = 0; rv == 0 && i < r->n_dests; i++) {
        const struct emu_report_dest *d = &r->dests[i];
        char a[32], b[32], c[32], u[48], lat[96] = "-";
        bool s3 = d->kind == EMU_REPORT_S3;
        (void)snprintf(u, sizeof(u), "%llu %s", (unsigned long long)d->units,
                       s3 ? "obj" : "batch");
        if (d->pcts.n) {
            (void)snprintf(lat, sizeof(lat), "%lld/%lld/%lld/%lld", (long long)d->pcts.p50,
                           (long long)d->pcts.p90, (long long)d->pcts.p99,
                           (long long)d->pcts.max);
        }
        rv = emu_buf_printf(out, "%-40.40s %10s %13s %13s %9s  %s\n", d->name,
                            group3(d->records, a), group3(d->raw_bytes, b),
                            group3(d->stored_bytes, c), u, lat);
        char retries[64] = "not recorded", rejected[64] = "not recorded";
        if (d->failed_requests >= 0) {
            (void)snprintf(retries, sizeof(retries), "%lld", (long long)d->failed_requests);
        }
        if (d->rejected >= 0) {
            (void)snprintf(rejected, sizeof(rejected), "%lld", (long long)d->rejected);
        }
        rv = rv ? rv : emu_buf_printf(out, "  %s output at %s%s; retries %s; rejected records "
                                           "%s\n",
                                      d->plugin, emu__report_rel(v, d->where),
                                      d->found ? "" : "; nothing arrived (no such "
                                                      "bucket or group)",
                                      retries, s3 ? "n/a (whole objects)" : rejected);
    }
    return rv;
}

static int cost(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report_cost *c = &v->cost;
    const struct emu_report_cost_in *in = &v->cost_in;
    int rv = emu_buf_printf(out, "\nMONTHLY COST (%s, %lu task%s, 730 h, prices from %s)\n",
                            v->region, v->tasks, v->tasks == 1 ? "" : "s", v->prices_file);
    rv = rv ? rv : emu_buf_printf(out, "  measured over %.1f s: %.1f bytes/s per task (%s); "
                                       "%.4f PUT/s (%s)\n",
                                  v->duration_s, in->bytes_per_s, v->rate_basis,
                                  in->objects_per_s, v->puts_basis);
    rv = rv ? rv : emu_buf_printf(out, "  a month: %.4f GB ingested, %.0f PUT requests; stored "
                                       "ratio S3 %.3f, CloudWatch %.3f\n",
                                  c->gb_month, c->puts_month, in->compressed_ratio,
                                  in->cwl_stored_ratio);
    if (!v->prices) {
        return rv ? rv : emu_buf_printf(out, "  no prices for region %s in %s\n", v->region,
                                        v->prices_file);
    }
    const struct emu_report_region_prices *p = v->prices;
    rv = rv ? rv : emu_buf_printf(out, "  CloudWatch Logs  $%.2f = ingestion $%.2f + storage "
                                       "$%.2f\n",
                                  c->cwl_total, c->cwl_ingest, c->cwl_storage);
    rv = rv ? rv : emu_buf_printf(out, "  S3               $%.2f = PUT $%.2f + storage $%.2f\n",
                                  c->s3_total, c->s3_put, c->s3_storage);
    if (rv == 0 && c->cwl_total > 0 && c->s3_total <= c->cwl_total) {
        rv = emu_buf_printf(out, "  the S3 path saves $%.2f a month (%.0f%% of CloudWatch Logs)\n",
                            c->cwl_total - c->s3_total,
                            100.0 * (c->cwl_total - c->s3_total) / c->cwl_total);
    }
    else if (rv == 0 && c->cwl_total > 0) {
        rv = emu_buf_printf(out, "  the S3 path costs $%.2f more a month (%.1fx CloudWatch Logs: "
                                 "at this volume PUT requests outweigh ingestion; a larger "
                                 "total_file_size or upload_timeout means fewer objects)\n",
                            c->s3_total - c->cwl_total, c->s3_total / c->cwl_total);
    }
    rv = rv ? rv : emu_buf_printf(out, "  prices: ingestion $%g/GB, storage $%g/GB-month "
                                       "(%s, %s); PUT $%g/1000, storage $%g/GB-month (%s, %s)\n",
                                  p->cwl_ingest_gb.usd, p->cwl_storage_gb_month.usd,
                                  p->cwl_ingest_gb.source, p->cwl_ingest_gb.date,
                                  p->s3_put_1000.usd, p->s3_storage_gb_month.usd,
                                  p->s3_put_1000.source, p->s3_put_1000.date);
    return rv;
}

int emu_report_write_text(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report *r = v->r;
    int rv = emu_buf_printf(out, "task %s  %s:%ld  %s  ran %.1f s\n", r->task_id, r->family,
                            r->revision, r->status, v->duration_s);
    rv = rv ? rv : containers(r, out);
    rv = rv ? rv : dests(v, out);
    rv = rv ? rv : cost(v, out);
    for (size_t i = 0; rv == 0 && i < r->n_notes; i++) {
        rv = emu_buf_printf(out, "%snote: %s\n", i == 0 ? "\n" : "",
                            emu__report_rel(v, r->notes[i]));
    }
    return rv;
}
