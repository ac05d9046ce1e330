/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu report`: a task's own measurements (what each container wrote, what each
 * destination received and when), delivery-latency percentiles, and the monthly cost of
 * CloudWatch Logs against the S3 path from a price table; rendered as text, JSON or HTML. */
#ifndef EMU_REPORT_REPORT_H
#define EMU_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

/* Ceilings: every array below stops growing there (the report says it was capped). */
#define EMU_REPORT_MAX_SAMPLES (8u * 1024u * 1024u) /* latency samples per destination */
#define EMU_REPORT_MAX_SECONDS (31u * 24u * 3600u)  /* throughput buckets (1 s each) */
#define EMU_REPORT_MAX_CONTAINERS 64
#define EMU_REPORT_MAX_DESTS 64
#define EMU_REPORT_MAX_REGIONS 64
#define EMU_REPORT_PRICES_MAX (1024u * 1024u) /* price file size */
/* A month as the AWS Pricing Calculator counts it: 730 hours. */
#define EMU_REPORT_MONTH_SECONDS (730.0 * 3600.0)
/* A GB as AWS bills it (GB-month, per GB ingested): 2^30 bytes. */
#define EMU_REPORT_GB 1073741824.0

/* ==== pure math (report_stats.c) ========================================================= */

/* Records (and bytes) per second since t0_ms: bucket i holds [t0 + i s, t0 + (i+1) s). */
struct emu_report_series {
    int64_t t0_ms;
    uint64_t *records;
    uint64_t *bytes;
    size_t n, cap;
    uint64_t clamped; /* samples before t0 or past EMU_REPORT_MAX_SECONDS, counted in the ends */
};
int emu_report_series_add(struct emu_report_series *s, int64_t t_ms, uint64_t bytes);
void emu_report_series_done(struct emu_report_series *s);

/* Latency samples in ms (negative = the record's time is after its arrival: clock skew). */
struct emu_report_samples {
    int64_t *v;
    size_t n, cap;
    uint64_t dropped; /* past EMU_REPORT_MAX_SAMPLES */
};
int emu_report_samples_add(struct emu_report_samples *s, int64_t v);
void emu_report_samples_done(struct emu_report_samples *s);

struct emu_report_pcts {
    size_t n; /* 0: no samples, the rest is 0 */
    int64_t min, p50, p90, p99, max;
    double mean;
};

/* Nearest-rank percentiles (the smallest sample with at least p% of samples <= it: rank
 * ceil(p/100 * n), 1-based), min, max and mean. Sorts v in place. */
void emu_report_percentiles(int64_t *v, size_t n, struct emu_report_pcts *ret);

/* ==== prices (report_prices.c, pure) ===================================================== */

/* One published figure: the price, where it was read and on which date. */
struct emu_report_price {
    double usd;
    char source[512];
    char date[16]; /* YYYY-MM-DD */
};

struct emu_report_region_prices {
    char region[32];
    struct emu_report_price cwl_ingest_gb;        /* CloudWatch Logs Standard, per GB */
    struct emu_report_price cwl_storage_gb_month;  /* CloudWatch Logs archival, per GB-month */
    struct emu_report_price s3_put_1000;           /* S3 Standard PUT/COPY/POST/LIST per 1,000 */
    struct emu_report_price s3_storage_gb_month;   /* S3 Standard first 50 TB, per GB-month */
};

struct emu_report_prices {
    struct emu_report_region_prices regions[EMU_REPORT_MAX_REGIONS];
    size_t n;
};

/* Parses a price file (see prices/aws-prices.json and docs/report.md). Errors: -EJSON (why:
 * "FILE:LINE:COL: ..."), -EINVAL (why: "FILE: $.regions.us-east-1.s3_put_per_1000_requests.usd:
 * expected a number >= 0"), -E2BIG. file names the input in why. */
int emu_report_prices_parse(const char *json, size_t len, const char *file,
                            struct emu_report_prices *ret, char *why, size_t why_len);

/* prices/aws-prices.json as shipped (compiled in). */
extern const unsigned char emu_report_default_prices[];
extern const size_t emu_report_default_prices_len;

/* The region's prices, NULL when the table has none. */
const struct emu_report_region_prices *
emu_report_prices_find(const struct emu_report_prices *p, const char *region);

/* ==== cost projection (report_stats.c, pure) ============================================= */

struct emu_report_cost_in {
    double bytes_per_s;        /* raw (uncompressed) record bytes per second of one task */
    double objects_per_s;      /* S3 PUTs per second of one task */
    double compressed_ratio;   /* stored / raw bytes on the S3 path (1 = uncompressed) */
    double cwl_stored_ratio;   /* compressed / raw for CloudWatch Logs storage */
    unsigned long tasks;       /* N tasks running all month */
};

struct emu_report_cost {
    double gb_month;          /* raw GB ingested per month by N tasks */
    double puts_month;        /* PUT requests per month by N tasks */
    double cwl_ingest, cwl_storage, cwl_total;
    double s3_put, s3_storage, s3_total;
};

/* CloudWatch Logs: gb_month x ingestion + gb_month x cwl_stored_ratio x storage (one month of
 * the month's data). S3: puts_month / 1000 x PUT price + gb_month x compressed_ratio x
 * storage. */
void emu_report_cost_project(const struct emu_report_cost_in *in,
                             const struct emu_report_region_prices *p,
                             struct emu_report_cost *ret);

/* ==== the report (report_collect.c) ====================================================== */

enum emu_report_source {
    EMU_REPORT_SRC_NONE = 0, /* not recorded */
    EMU_REPORT_SRC_OUTPUT_FILE,
    EMU_REPORT_SRC_DOCKER_LOGS,
};

struct emu_report_container {
    char name[256];
    char docker_id[72];
    enum emu_report_source source;
    bool truncated; /* the output file hit its ceiling */
    uint64_t lines, bytes, stdout_lines, stderr_lines;
    int64_t first_ms, last_ms;
    struct emu_report_series series;
};

enum emu_report_dest_kind {
    EMU_REPORT_S3 = 0,
    EMU_REPORT_CWL,
};

struct emu_report_dest {
    enum emu_report_dest_kind kind;
    char plugin[32];     /* s3, cloudwatch_logs, cloudwatch */
    char name[1100];     /* s3://bucket or cloudwatch://group */
    char bucket[256];
    char prefix[1024];   /* S3: the fixed start of s3_key_format; CWL: log_stream_prefix */
    char group[512];
    char stream[512];    /* CWL: log_stream_name, "" when only a prefix */
    char date_key[64];   /* S3: json_date_key ("" = false: no record time) */
    char where[1100];    /* config file:line of the [OUTPUT] */
    bool found;          /* the bucket or group exists in the store */
    uint64_t records, raw_bytes, stored_bytes, units; /* units: objects or batches */
    uint64_t gzip_bytes; /* the records gzipped (level 6): what compressed storage holds */
    bool compressed;
    uint64_t unparsed;   /* records whose time could not be read */
    int64_t failed_requests; /* failed uploads (each one a router retry); -1 = not recorded */
    int64_t rejected;        /* CloudWatch: events PutLogEvents refused; -1 = not recorded */
    int64_t first_ms, last_ms; /* arrivals */
    struct emu_report_series series;
    struct emu_report_samples latency;
    struct emu_report_pcts pcts;
};

struct emu_report {
    char task_id[33];
    char task_arn[512];
    char family[256];
    long revision;
    char status[32];
    char region[64];
    int64_t created_ms, started_ms, stopped_ms, end_ms; /* end: stopping, stopped or now */
    char config_dir[4096]; /* where the router config was read, "" = not recorded */
    struct emu_report_container containers[EMU_REPORT_MAX_CONTAINERS];
    size_t n_containers;
    struct emu_report_dest dests[EMU_REPORT_MAX_DESTS];
    size_t n_dests;
    char notes[8][256]; /* what could not be read, said once each */
    size_t n_notes;
};

/* The task facts collect needs (from the state file). */
struct emu_report_task {
    const char *id, *arn, *family, *status, *region;
    long revision;
    int64_t created_ms, started_ms, stopping_ms, stopped_ms, now_ms;
    const char *const *containers; /* container names */
    const char *const *docker_ids;
    size_t n_containers;
};

/* Fills r from the data dir: containers from <data>/tasks/<id>.out/<name>.log, destinations
 * from the router config snapshot <data>/tasks/<id>.out/.router/ (or the live FireLens dir),
 * deliveries from <data>/s3 and <data>/logs. Containers without an output file are left with
 * source NONE for the caller (Docker logs). 0 or -ENOMEM; what cannot be read becomes a note. */
int emu_report_collect(const char *data_dir, const struct emu_report_task *t,
                       struct emu_report *r);

/* The runtime's copy of a container's output, "<RFC3339Nano> <stdout|stderr> <line>\n" per
 * line (docs: the audit/report contract), decoded incrementally: the first two fields are kept
 * (bounded), the line is only counted. A line without the three fields counts as malformed. */
struct emu_report_output_state {
    char ts[64], stream[8];
    size_t field, n_ts, n_stream, len;
    uint64_t malformed;
};
void emu_report_output_feed(struct emu_report_output_state *st, const char *buf, size_t len,
                            struct emu_report_container *c);

/* Adds one output line of container i (from the Docker logs fallback). */
void emu_report_container_line(struct emu_report_container *c, int64_t t_ms, bool is_stderr,
                               size_t len);

/* Computes percentiles of every destination (after collect). */
void emu_report_finish(struct emu_report *r);

void emu_report_done(struct emu_report *r);

/* Parses RFC 3339 text ("2026-11-24T15:33:17.123456789Z", offsets allowed) to Unix ms; -1 on
 * malformed text. */
int64_t emu_report_parse_time(const char *s, size_t len);

/* ==== projection and outputs (report_out.c, report_html.c) =============================== */

struct emu_report_view {
    const struct emu_report *r;
    const char *data_dir; /* stripped from paths shown */
    const struct emu_report_region_prices *prices; /* NULL: no prices for the region */
    const char *prices_file;
    const char *region;
    unsigned long tasks;
    struct emu_report_cost_in cost_in;
    struct emu_report_cost cost;
    const char *rate_basis;   /* which bytes the rate is measured on */
    const char *puts_basis;   /* "measured" or "estimated (...)" */
    const char *ratio_basis;  /* where the compression ratios come from */
    double duration_s;
    bool has_rate;            /* something was measured */
};

/* Fills the cost inputs from the report (rate over the task's running time) and projects. */
void emu_report_view_init(struct emu_report_view *v, const struct emu_report *r,
                          const char *data_dir, const struct emu_report_region_prices *prices,
                          const char *prices_file, const char *region, unsigned long tasks);

int emu_report_write_text(const struct emu_report_view *v, struct emu_buf *out);
int emu_report_write_json(const struct emu_report_view *v, struct emu_buf *out);
int emu_report_write_html(const struct emu_report_view *v, struct emu_buf *out);

#endif
