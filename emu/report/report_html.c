/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu report --html FILE`: one self-contained page (inline CSS and SVG, no script,
 * no external asset): throughput over time, the delivery-latency distribution and the cost
 * comparison as charts, then the tables the text report prints. */
#include <stdio.h>
#include <string.h>

#include "emu/base/mem.h"
#include "emu/report/report_int.h"

#define W 720
#define H 240
#define PAD_L 64
#define PAD_B 36
#define PAD_T 16
#define PAD_R 16
#define MAX_BINS 240
#define LAT_BINS 24

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                     "#8c564b"};

static int esc(struct emu_buf *out, const char *s)
{
    int rv = 0;
    for (; rv == 0 && *s; s++) {
        switch (*s) {
        case '<': rv = emu_buf_puts(out, "&lt;"); break;
        case '>': rv = emu_buf_puts(out, "&gt;"); break;
        case '&': rv = emu_buf_puts(out, "&amp;"); break;
        case '"': rv = emu_buf_puts(out, "&quot;"); break;
        default: rv = emu_buf_putc(out, *s); break;
        }
    }
    return rv;
}

static int axes(struct emu_buf *out, const char *xlabel, const char *ylabel, double ymax)
{
    int rv = emu_buf_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                                 "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                            PAD_L, H - PAD_B, W - PAD_R, H - PAD_B, PAD_L, PAD_T, PAD_L,
                            H - PAD_B);
    rv = rv ? rv : emu_buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>"
                                       "<text x=\"4\" y=\"%d\" class=\"lbl\">%s</text>"
                                       "<text x=\"4\" y=\"%d\" class=\"lbl\">%.4g</text>"
                                       "<text x=\"4\" y=\"%d\" class=\"lbl\">0</text>",
                                  W / 2, H - 6, xlabel, PAD_T + 10, ylabel, PAD_T + 24, ymax,
                                  H - PAD_B);
    return rv;
}

/* Bins of a series (records per second) merged by k seconds into at most MAX_BINS. */
static double bin_value(const struct emu_report_series *s, size_t b, size_t k)
{
    uint64_t sum = 0;
    for (size_t i = b * k; i < (b + 1) * k && i < s->n; i++) {
        sum += s->records[i];
    }
    return (double)sum / (double)k;
}

static int polyline(struct emu_buf *out, const struct emu_report_series *s, size_t n_bins,
                    size_t k, double ymax, const char *id, const char *color)
{
    int rv = emu_buf_printf(out, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" "
                                 "stroke-width=\"2\" points=\"",
                            id, color);
    double xw = (double)(W - PAD_L - PAD_R) / (double)(n_bins > 1 ? n_bins - 1 : 1);
    for (size_t b = 0; rv == 0 && b < n_bins; b++) {
        double y = bin_value(s, b, k);
        rv = emu_buf_printf(out, "%.1f,%.1f ", PAD_L + xw * (double)b,
                            (double)(H - PAD_B) - y / ymax * (double)(H - PAD_B - PAD_T));
    }
    return rv ? rv : emu_buf_puts(out, "\"/>");
}

static int chart_throughput(const struct emu_report *r, struct emu_buf *out)
{
    /* Container lines summed into one series, then each destination. */
    struct emu_report_series all = {.t0_ms = r->created_ms};
    size_t n = 0;
    for (size_t i = 0; i < r->n_containers; i++) {
        n = r->containers[i].series.n > n ? r->containers[i].series.n : n;
    }
    for (size_t i = 0; i < r->n_dests; i++) {
        n = r->dests[i].series.n > n ? r->dests[i].series.n : n;
    }
    uint64_t *sum = n ? emu_calloc(n, sizeof(*sum)) : NULL;
    for (size_t i = 0; sum && i < r->n_containers; i++) {
        const struct emu_report_series *s = &r->containers[i].series;
        for (size_t j = 0; j < s->n; j++) {
            sum[j] += s->records[j];
        }
    }
    all.records = sum;
    all.n = sum ? n : 0;
    size_t k = n > MAX_BINS ? (n + MAX_BINS - 1) / MAX_BINS : 1;
    size_t bins = n ? (n + k - 1) / k : 0;
    double ymax = 1;
    for (size_t b = 0; b < bins; b++) {
        double v = bin_value(&all, b, k);
        ymax = v > ymax ? v : ymax;
        for (size_t i = 0; i < r->n_dests; i++) {
            v = bin_value(&r->dests[i].series, b, k);
            ymax = v > ymax ? v : ymax;
        }
    }
    int rv = emu_buf_printf(out, "<h2>Throughput over time</h2><svg id=\"chart-throughput\" "
                                 "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                                 "viewBox=\"0 0 %d %d\" role=\"img\">",
                            W, H, W, H);
    char xl[128];
    (void)snprintf(xl, sizeof(xl), "seconds since the task was created (%zu s per point)", k);
    rv = rv ? rv : axes(out, xl, "records/s", ymax);
    if (rv == 0 && bins == 0) {
        rv = emu_buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"lbl\">nothing recorded</text>",
                            W / 2, H / 2);
    }
    if (rv == 0 && bins > 0 && all.n > 0) {
        rv = polyline(out, &all, bins, k, ymax, "throughput-written", "#555");
    }
    for (size_t i = 0; rv == 0 && bins > 0 && i < r->n_dests; i++) {
        char id[48];
        (void)snprintf(id, sizeof(id), "throughput-dest-%zu", i);
        rv = polyline(out, &r->dests[i].series, bins, k, ymax, id, colors[i % 6]);
    }
    rv = rv ? rv : emu_buf_puts(out, "</svg><p class=\"legend\"><span style=\"color:#555\">"
                                     "&#9632; lines written (all containers)</span>");
    for (size_t i = 0; rv == 0 && i < r->n_dests; i++) {
        rv = emu_buf_printf(out, " <span style=\"color:%s\">&#9632; ", colors[i % 6]);
        rv = rv ? rv : esc(out, r->dests[i].name);
        rv = rv ? rv : emu_buf_puts(out, " (records arrived)</span>");
    }
    emu_free(sum);
    return rv ? rv : emu_buf_puts(out, "</p>\n");
}

static int chart_latency(const struct emu_report *r, struct emu_buf *out)
{
    int64_t lo = 0, hi = 0;
    size_t total = 0;
    for (size_t i = 0; i < r->n_dests; i++) {
        const struct emu_report_dest *d = &r->dests[i];
        if (d->latency.n) {
            lo = total == 0 || d->pcts.min < lo ? d->pcts.min : lo;
            hi = total == 0 || d->pcts.max > hi ? d->pcts.max : hi;
            total += d->latency.n;
        }
    }
    double width = (double)(hi - lo + 1) / LAT_BINS;
    uint64_t bins[LAT_BINS] = {0};
    uint64_t top = 1;
    for (size_t i = 0; i < r->n_dests; i++) {
        const struct emu_report_samples *s = &r->dests[i].latency;
        for (size_t j = 0; j < s->n; j++) {
            size_t b = (size_t)((double)(s->v[j] - lo) / width);
            b = b >= LAT_BINS ? LAT_BINS - 1 : b;
            bins[b]++;
            top = bins[b] > top ? bins[b] : top;
        }
    }
    int rv = emu_buf_printf(out, "<h2>Delivery latency</h2><svg id=\"chart-latency\" "
                                 "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                                 "viewBox=\"0 0 %d %d\" role=\"img\">",
                            W, H, W, H);
    char xl[128];
    (void)snprintf(xl, sizeof(xl), "ms from record time to arrival (%lld to %lld)",
                   (long long)lo, (long long)hi);
    rv = rv ? rv : axes(out, xl, "records", (double)top);
    if (rv == 0 && total == 0) {
        rv = emu_buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"lbl\">no latency samples"
                                 "</text>",
                            W / 2, H / 2);
    }
    double bw = (double)(W - PAD_L - PAD_R) / LAT_BINS;
    rv = rv ? rv : emu_buf_puts(out, "<g id=\"latency-bars\">");
    for (size_t b = 0; rv == 0 && total > 0 && b < LAT_BINS; b++) {
        double h = (double)bins[b] / (double)top * (double)(H - PAD_B - PAD_T);
        rv = emu_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                 "fill=\"#1f77b4\"><title>%llu</title></rect>",
                            PAD_L + bw * (double)b + 1, (double)(H - PAD_B) - h, bw - 2, h,
                            (unsigned long long)bins[b]);
    }
    rv = rv ? rv : emu_buf_puts(out, "</g>");
    /* The first destination's p50/p90/p99 as marks. */
    for (size_t i = 0; rv == 0 && i < r->n_dests; i++) {
        const struct emu_report_pcts *p = &r->dests[i].pcts;
        if (p->n == 0) {
            continue;
        }
        const int64_t marks[3] = {p->p50, p->p90, p->p99};
        const char *names[3] = {"p50", "p90", "p99"};
        for (int m = 0; rv == 0 && m < 3; m++) {
            double x = PAD_L + (double)(marks[m] - lo) / width * bw;
            bool left = x > W - 120; /* keep the label inside the chart */
            rv = emu_buf_printf(out, "<line id=\"latency-%s\" x1=\"%.1f\" y1=\"%d\" "
                                     "x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
                                     "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" "
                                     "text-anchor=\"%s\" class=\"lbl\">%s %s %lld</text>",
                                names[m], x, PAD_T, x, H - PAD_B, left ? x - 3 : x + 3,
                                PAD_T + 12 + 12 * m, left ? "end" : "start", names[m],
                                r->dests[i].kind == EMU_REPORT_S3 ? "S3" : "CloudWatch",
                                (long long)marks[m]);
        }
        break;
    }
    rv = rv ? rv : emu_buf_puts(out, "</svg>\n");
    return rv;
}

static int chart_cost(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report_cost *c = &v->cost;
    int rv = emu_buf_printf(out, "<h2>Monthly cost, %lu task%s (%s)</h2><svg id=\"chart-cost\" "
                                 "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                                 "viewBox=\"0 0 %d %d\" role=\"img\">",
                            v->tasks, v->tasks == 1 ? "" : "s", v->region, W, 160, W, 160);
    if (!v->prices) {
        rv = rv ? rv : emu_buf_printf(out, "<text x=\"20\" y=\"80\" class=\"lbl\">no prices for "
                                           "region %s</text></svg>\n",
                                      v->region);
        return rv;
    }
    double top = c->cwl_total > c->s3_total ? c->cwl_total : c->s3_total;
    top = top > 0 ? top : 1;
    double span = W - 200 - PAD_R;
    struct {
        const char *id, *label;
        double a, b, total;
        const char *ca, *cb;
    } bars[2] = {
        {"cost-bar-cwl", "CloudWatch Logs", c->cwl_ingest, c->cwl_storage, c->cwl_total,
         "#d62728", "#f4a6a6"},
        {"cost-bar-s3", "S3", c->s3_put, c->s3_storage, c->s3_total, "#1f77b4", "#a6c8f4"},
    };
    for (int i = 0; rv == 0 && i < 2; i++) {
        double y = 30 + i * 60, wa = bars[i].a / top * span, wb = bars[i].b / top * span;
        rv = emu_buf_printf(out, "<g id=\"%s\"><text x=\"8\" y=\"%.0f\" class=\"lbl\">%s"
                                 "</text><rect x=\"150\" y=\"%.0f\" width=\"%.1f\" height=\"36\" "
                                 "fill=\"%s\"/><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                                 "height=\"36\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.0f\" "
                                 "class=\"lbl\">$%.2f</text></g>",
                            bars[i].id, y + 22, bars[i].label, y, wa > 0.5 ? wa : 0.5,
                            bars[i].ca, 150 + wa, y, wb, bars[i].cb, 156 + wa + wb, y + 22,
                            bars[i].total);
    }
    rv = rv ? rv : emu_buf_puts(out, "</svg><p class=\"legend\">dark: ingestion (CloudWatch) or "
                                     "PUT requests (S3); light: one month of storage</p>\n");
    return rv;
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}"
    "svg{border:1px solid #ddd;background:#fafafa}.axis{stroke:#333;stroke-width:1}"
    ".lbl{font:11px sans-serif;fill:#333}.legend{font-size:12px}pre{background:#f4f4f4;"
    "padding:8px;white-space:pre-wrap}";

int emu_report_write_html(const struct emu_report_view *v, struct emu_buf *out)
{
    const struct emu_report *r = v->r;
    int rv = emu_buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                 "<title>fargate-emu report %s</title><style>%s</style></head>"
                                 "<body>\n<h1>fargate-emu report: task %s</h1>\n<p>",
                            r->task_id, css, r->task_id);
    rv = rv ? rv : esc(out, r->family);
    rv = rv ? rv : emu_buf_printf(out, ":%ld, %s</p>\n", r->revision, r->status);
    rv = rv ? rv : chart_throughput(r, out);
    rv = rv ? rv : chart_latency(r, out);
    rv = rv ? rv : chart_cost(v, out);
    struct emu_buf text;
    emu_buf_init(&text, out->max);
    rv = rv ? rv : emu_report_write_text(v, &text);
    rv = rv ? rv : emu_buf_puts(out, "<h2>Figures</h2><pre id=\"report-text\">");
    rv = rv ? rv : esc(out, text.data ? text.data : "");
    emu_buf_done(&text);
    rv = rv ? rv : emu_buf_puts(out, "</pre>\n</body></html>\n");
    return rv;
}
