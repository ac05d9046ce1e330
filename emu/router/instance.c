/* SPDX-License-Identifier: Apache-2.0 */
/* Plugin instances from config sections: plugin lookup, the generic properties every input,
 * filter and output takes (Fluent Bit's names and defaults), then the plugin's own table;
 * any other key is an error that names file:line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/router_internal.h"

#define SVC(f) offsetof(struct emu_router_service, f)
#define GIN(f) offsetof(struct emu_router_generic_in, f)
#define GOUT(f) offsetof(struct emu_router_generic_out, f)
#define NOST EMU_ROPT_NOSTORE

const struct emu_router_option emu__router_service_options[] = {
    {EMU_ROPT_DOUBLE, "flush", "1", 0, SVC(flush), "Interval to flush output (seconds)."},
    {EMU_ROPT_TIME, "grace", "5", 0, SVC(grace), "Wait time (seconds) on exit."},
    {EMU_ROPT_BOOL, "daemon", "off", 0, SVC(daemon), "Run as a daemon (ignored)."},
    {EMU_ROPT_STR, "log_level", "info", 0, SVC(log_level), "Logging verbosity."},
    {EMU_ROPT_STR, "log_file", NULL, 0, NOST, "Log file (emu-router logs to stderr)."},
    {EMU_ROPT_STR, "parsers_file", NULL, EMU_ROPT_MULT, NOST, "Parsers file(s) to load."},
    {EMU_ROPT_STR, "plugins_file", NULL, 0, NOST, "Plugins file (not supported)."},
    {EMU_ROPT_STR, "streams_file", NULL, 0, NOST, "Stream processor file (not supported)."},
    {EMU_ROPT_BOOL, "http_server", "off", 0, SVC(http_server), "Enable the HTTP server."},
    {EMU_ROPT_STR, "http_listen", "0.0.0.0", 0, SVC(http_listen), "HTTP server address."},
    {EMU_ROPT_INT, "http_port", "2020", 0, SVC(http_port), "HTTP server port."},
    {EMU_ROPT_BOOL, "health_check", "off", 0, SVC(health_check),
     "Enable /api/v1/health checks."},
    {EMU_ROPT_INT, "hc_errors_count", "5", 0, SVC(hc_errors_count),
     "Output errors in HC_Period above which the health check fails."},
    {EMU_ROPT_INT, "hc_retry_failure_count", "5", 0, SVC(hc_retry_failure_count),
     "Output retry failures in HC_Period above which the health check fails."},
    {EMU_ROPT_INT, "hc_period", "60", 0, SVC(hc_period), "Health check period (seconds)."},
    {EMU_ROPT_STR, "storage.path", NULL, 0, SVC(storage_path), "Filesystem buffering path."},
    {EMU_ROPT_STR, "storage.sync", "normal", 0, SVC(storage_sync), "normal or full."},
    {EMU_ROPT_BOOL, "storage.checksum", "off", 0, SVC(storage_checksum), "CRC32 chunks."},
    {EMU_ROPT_SIZE, "storage.backlog.mem_limit", "5M", 0, SVC(storage_backlog_mem_limit),
     "Memory for backlog chunks."},
    {EMU_ROPT_INT, "storage.max_chunks_up", "128", 0, NOST, "Chunks kept in memory."},
    {EMU_ROPT_BOOL, "storage.metrics", "off", 0, NOST, "Storage metrics."},
    {EMU_ROPT_BOOL, "storage.delete_irrecoverable_chunks", "off", 0, NOST,
     "Delete broken chunks."},
    {EMU_ROPT_INT, "scheduler.base", "5", 0, SVC(scheduler_base), "Retry backoff base."},
    {EMU_ROPT_INT, "scheduler.cap", "2000", 0, SVC(scheduler_cap), "Retry backoff cap."},
    {EMU_ROPT_BOOL, "hot_reload", "off", 0, NOST, "Reload on SIGHUP (not supported)."},
    {EMU_ROPT_STR, "dns.mode", NULL, 0, NOST, "DNS mode."},
    {EMU_ROPT_STR, "dns.resolver", NULL, 0, NOST, "DNS resolver."},
    {EMU_ROPT_INT, "coro_stack_size", "24576", 0, NOST, "Coroutine stack (ignored)."},
    {EMU_ROPT_BOOL, "json.convert_nan_to_null", "off", 0, NOST, "NaN as null in JSON."},
    {0, NULL, NULL, 0, 0, NULL},
};

#define TLS_OPTS(T, F)                                                                     \
    {EMU_ROPT_BOOL, "tls", "off", 0, T(tls),                                               \
     "Enable TLS (outputs http, s3, cloudwatch_logs, cloudwatch only)."},                  \
    {EMU_ROPT_BOOL, "tls.verify", "on", 0, T(tls_verify), "Verify certificates."},         \
    {EMU_ROPT_INT, "tls.debug", "1", 0, NOST, "TLS debug level."},                         \
    {EMU_ROPT_STR, "tls.vhost", NULL, 0, NOST, "TLS SNI host."},                           \
    {EMU_ROPT_STR, "tls.ca_path", NULL, 0, NOST, "CA directory."},                         \
    {EMU_ROPT_STR, "tls.ca_file", NULL, 0, T(tls_ca_file), "CA file (http output)."},     \
    {EMU_ROPT_STR, "tls.crt_file", NULL, 0, NOST, "Certificate file."},                    \
    {EMU_ROPT_STR, "tls.key_file", NULL, 0, NOST, "Private key file."},                    \
    {EMU_ROPT_STR, "tls.key_passwd", NULL, 0, NOST, "Private key password."}

const struct emu_router_option emu__router_input_generic[] = {
    {EMU_ROPT_STR, "name", NULL, 0, GIN(name), "Plugin name."},
    {EMU_ROPT_STR, "tag", NULL, 0, GIN(tag), "Tag of the records this input creates."},
    {EMU_ROPT_STR, "alias", NULL, 0, GIN(alias), "Instance name in logs and metrics."},
    {EMU_ROPT_STR, "log_level", NULL, 0, GIN(log_level), "Per-instance log level."},
    {EMU_ROPT_TIME, "log_suppress_interval", "0", 0, GIN(log_suppress), "Suppress repeats."},
    {EMU_ROPT_SIZE, "mem_buf_limit", "0", 0, GIN(mem_buf_limit),
     "Pause the input when its buffered data reaches this size (0: no limit)."},
    {EMU_ROPT_STR, "storage.type", "memory", 0, GIN(storage_type), "memory or filesystem."},
    {EMU_ROPT_BOOL, "storage.pause_on_chunks_overlimit", "off", 0, GIN(pause_on_overlimit),
     "Pause when filesystem chunks are over the limit."},
    {EMU_ROPT_BOOL, "threaded", "off", 0, GIN(threaded), "Run in a thread (ignored)."},
    {EMU_ROPT_BOOL, "routable", "on", 0, GIN(routable), "Records may be routed."},
    TLS_OPTS(GIN, 0),
    {0, NULL, NULL, 0, 0, NULL},
};

const struct emu_router_option emu__router_filter_generic[] = {
    {EMU_ROPT_STR, "name", NULL, 0, GOUT(name), "Plugin name."},
    {EMU_ROPT_STR, "match", NULL, 0, GOUT(match), "Tag pattern ('*' wildcards)."},
    {EMU_ROPT_STR, "match_regex", NULL, 0, GOUT(match_regex), "Tag regular expression."},
    {EMU_ROPT_STR, "alias", NULL, 0, GOUT(alias), "Instance name in logs and metrics."},
    {EMU_ROPT_STR, "log_level", NULL, 0, GOUT(log_level), "Per-instance log level."},
    {EMU_ROPT_TIME, "log_suppress_interval", "0", 0, GOUT(log_suppress), "Suppress repeats."},
    {0, NULL, NULL, 0, 0, NULL},
};

const struct emu_router_option emu__router_output_generic[] = {
    {EMU_ROPT_STR, "name", NULL, 0, GOUT(name), "Plugin name."},
    {EMU_ROPT_STR, "match", NULL, 0, GOUT(match), "Tag pattern ('*' wildcards)."},
    {EMU_ROPT_STR, "match_regex", NULL, 0, GOUT(match_regex), "Tag regular expression."},
    {EMU_ROPT_STR, "alias", NULL, 0, GOUT(alias), "Instance name in logs and metrics."},
    {EMU_ROPT_STR, "log_level", NULL, 0, GOUT(log_level), "Per-instance log level."},
    {EMU_ROPT_TIME, "log_suppress_interval", "0", 0, GOUT(log_suppress), "Suppress repeats."},
    {EMU_ROPT_STR, "retry_limit", "1", 0, GOUT(retry_limit),
     "Retries per chunk: a number, no_limits (or false/off) or no_retries."},
    {EMU_ROPT_INT, "workers", "1", 0, GOUT(workers), "Flush workers (all run on one loop)."},
    {EMU_ROPT_SIZE, "storage.total_limit_size", NULL, 0, GOUT(total_limit_size),
     "Filesystem buffer limit for this output."},
    {EMU_ROPT_TIME, "net.connect_timeout", "10", 0, NOST, "Connect timeout."},
    {EMU_ROPT_BOOL, "net.keepalive", "on", 0, NOST, "Keep connections alive."},
    {EMU_ROPT_TIME, "net.keepalive_idle_timeout", "30", 0, NOST, "Idle keepalive timeout."},
    {EMU_ROPT_INT, "net.keepalive_max_recycle", "2000", 0, NOST, "Keepalive recycle."},
    {EMU_ROPT_STR, "net.dns.mode", NULL, 0, NOST, "DNS mode."},
    {EMU_ROPT_STR, "net.source_address", NULL, 0, NOST, "Source address."},
    TLS_OPTS(GOUT, 0),
    {0, NULL, NULL, 0, 0, NULL},
};

static int apply(const struct emu_router_section *sec, const char *kind, const char *plugin,
                 const struct emu_router_option *generic, void *gbase,
                 const struct emu_router_option *own, void *obase, struct emu_diags *diags)
{
    char err[512], where[4200];
    for (size_t i = 0; i < sec->n_props; i++) {
        const struct emu_router_prop *p = &sec->props[i];
        const struct emu_router_option *o = emu_router_option_find(generic, p->key);
        void *base = gbase;
        if (!o) {
            o = emu_router_option_find(own, p->key);
            base = obase;
        }
        snprintf(where, sizeof(where), "%s:%u", p->file, p->line);
        if (!o) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, where,
                                "unknown configuration property '%s' for %s plugin '%s'",
                                p->key, kind, plugin);
            return EMU_ECONFIG;
        }
        if (emu_router_option_set(o, base, p->value, p->line, err, sizeof(err)) < 0) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "%s", err);
            return EMU_ECONFIG;
        }
    }
    return 0;
}

int emu__router_service_apply(struct emu_router *r, const struct emu_router_section *sec,
                              struct emu_diags *diags)
{
    return apply(sec, "service", "SERVICE", emu__router_service_options, &r->svc, NULL, NULL,
                 diags);
}

static int fail_at(struct emu_diags *diags, const char *file, unsigned line, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct emu_diags *diags, const char *file, unsigned line, const char *fmt,
                   ...)
{
    char where[4200], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(where, sizeof(where), "%s:%u", file, line);
    (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "%s", msg);
    return EMU_ECONFIG;
}

/* The line of the section's Name property, where "unknown plugin" errors point. */
static unsigned name_line(const struct emu_router_section *sec)
{
    unsigned line = sec->line;
    for (size_t i = 0; i < sec->n_props; i++) {
        if (strcasecmp(sec->props[i].key, "name") == 0) {
            line = sec->props[i].line;
        }
    }
    return line;
}

static int push(void ***arr, size_t *n, void *item)
{
    void **a = emu_realloc(*arr, (*n + 1) * sizeof(void *));
    if (!a) {
        return -ENOMEM;
    }
    a[(*n)++] = item;
    *arr = a;
    return 0;
}

/* Fluent Bit names instances <plugin>.<N>, N counting instances of the same plugin. */
static void instance_name(char *out, size_t len, const char *alias, const char *plugin,
                          unsigned id)
{
    if (alias) {
        snprintf(out, len, "%s", alias);
    }
    else {
        snprintf(out, len, "%s.%u", plugin, id);
    }
}

static unsigned count_named(struct emu_router *r, int kind, const char *plugin)
{
    unsigned n = 0;
    for (size_t i = 0; kind == 0 && i < r->n_inputs; i++) {
        n += strcmp(r->inputs[i]->p->name, plugin) == 0;
    }
    for (size_t i = 0; kind == 1 && i < r->n_filters; i++) {
        n += strcmp(r->filters[i]->p->name, plugin) == 0;
    }
    for (size_t i = 0; kind == 2 && i < r->n_outputs; i++) {
        n += strcmp(r->outputs[i]->p->name, plugin) == 0;
    }
    return n;
}

static int add_input(struct emu_router *r, const struct emu_router_section *sec,
                     const char *name, struct emu_diags *diags)
{
    const struct emu_router_input_plugin *p = emu__router_find_input(name);
    if (!p) {
        return fail_at(diags, sec->file, name_line(sec), "unknown input plugin '%s'", name);
    }
    struct emu_router_input *in = emu_calloc(1, sizeof(*in));
    if (!in || push((void ***)&r->inputs, &r->n_inputs, in) < 0) {
        emu_free(in);
        return -ENOMEM;
    }
    in->r = r;
    in->p = p;
    in->sec = sec;
    in->ctx = emu_calloc(1, p->ctx_size ? p->ctx_size : 1);
    if (!in->ctx) {
        return -ENOMEM;
    }
    if (emu_router_options_defaults(emu__router_input_generic, &in->g) < 0 ||
        emu_router_options_defaults(p->options, in->ctx) < 0) {
        return -EINVAL;
    }
    int rc = apply(sec, "input", p->name, emu__router_input_generic, &in->g, p->options,
                   in->ctx, diags);
    if (rc < 0) {
        return rc;
    }
    instance_name(in->name, sizeof(in->name), in->g.alias, p->name,
                  count_named(r, 0, p->name) - 1);
    if (in->g.tls) {
        return fail_at(diags, sec->file, sec->line, "tls is not supported by emu-router");
    }
    return 0;
}

struct emu_router_input *emu__router_input_internal(struct emu_router *r,
                                                    const struct emu_router_input_plugin *p,
                                                    const char *name, int64_t mem_buf_limit)
{
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (strcmp(r->inputs[i]->name, name) == 0) {
            return NULL;
        }
    }
    struct emu_router_input *in = emu_calloc(1, sizeof(*in));
    if (!in || push((void ***)&r->inputs, &r->n_inputs, in) < 0) {
        emu_free(in);
        return NULL;
    }
    in->r = r;
    in->p = p;
    in->sealed_tail = &in->sealed_head;
    in->ctx = emu_calloc(1, p->ctx_size ? p->ctx_size : 1);
    if (!in->ctx || emu_router_options_defaults(emu__router_input_generic, &in->g) < 0) {
        return NULL; /* freed with the other inputs */
    }
    in->g.mem_buf_limit = mem_buf_limit;
    snprintf(in->name, sizeof(in->name), "%s", name);
    return in;
}

static int route_rules(struct emu_router_generic_out *g, OnigRegex *re,
                       const struct emu_router_section *sec, struct emu_diags *diags)
{
    if (g->match_regex && emu__router_regex_new(g->match_regex, re) < 0) {
        return fail_at(diags, sec->file, sec->line, "invalid Match_Regex '%s'", g->match_regex);
    }
    if (!g->match && !g->match_regex) {
        emu_log_warn("%s:%u: NO match rule for %s, ignoring its records", sec->file, sec->line,
                     g->name);
    }
    return 0;
}

static int add_filter(struct emu_router *r, const struct emu_router_section *sec,
                      const char *name, struct emu_diags *diags)
{
    const struct emu_router_filter_plugin *p = emu__router_find_filter(name);
    if (!p) {
        return fail_at(diags, sec->file, name_line(sec), "unknown filter plugin '%s'", name);
    }
    struct emu_router_filter *f = emu_calloc(1, sizeof(*f));
    if (!f || push((void ***)&r->filters, &r->n_filters, f) < 0) {
        emu_free(f);
        return -ENOMEM;
    }
    f->r = r;
    f->p = p;
    f->sec = sec;
    f->ctx = emu_calloc(1, p->ctx_size ? p->ctx_size : 1);
    if (!f->ctx) {
        return -ENOMEM;
    }
    if (emu_router_options_defaults(emu__router_filter_generic, &f->g) < 0 ||
        emu_router_options_defaults(p->options, f->ctx) < 0) {
        return -EINVAL;
    }
    int rc = apply(sec, "filter", p->name, emu__router_filter_generic, &f->g, p->options,
                   f->ctx, diags);
    if (rc < 0) {
        return rc;
    }
    instance_name(f->name, sizeof(f->name), f->g.alias, p->name,
                  count_named(r, 1, p->name) - 1);
    return route_rules(&f->g, &f->match_re, sec, diags);
}

static int parse_retry_limit(const char *s, int *ret)
{
    int64_t v;
    if (strcasecmp(s, "no_limits") == 0 || strcasecmp(s, "false") == 0 ||
        strcasecmp(s, "off") == 0) {
        *ret = -1;
        return 0;
    }
    if (strcasecmp(s, "no_retries") == 0) {
        *ret = 0;
        return 0;
    }
    if (emu_router_parse_size(s, &v) < 0 || v > 1000000) {
        return -EINVAL;
    }
    *ret = (int)v;
    return 0;
}

static int add_output(struct emu_router *r, const struct emu_router_section *sec,
                      const char *name, struct emu_diags *diags)
{
    const struct emu_router_output_plugin *p = emu__router_find_output(name);
    if (!p) {
        return fail_at(diags, sec->file, name_line(sec), "unknown output plugin '%s'", name);
    }
    struct emu_router_output *o = emu_calloc(1, sizeof(*o));
    if (!o || push((void ***)&r->outputs, &r->n_outputs, o) < 0) {
        emu_free(o);
        return -ENOMEM;
    }
    o->r = r;
    o->p = p;
    o->sec = sec;
    o->ctx = emu_calloc(1, p->ctx_size ? p->ctx_size : 1);
    if (!o->ctx) {
        return -ENOMEM;
    }
    if (emu_router_options_defaults(emu__router_output_generic, &o->g) < 0 ||
        emu_router_options_defaults(p->options, o->ctx) < 0) {
        return -EINVAL;
    }
    int rc = apply(sec, "output", p->name, emu__router_output_generic, &o->g, p->options,
                   o->ctx, diags);
    if (rc < 0) {
        return rc;
    }
    instance_name(o->name, sizeof(o->name), o->g.alias, p->name,
                  count_named(r, 2, p->name) - 1);
    if (parse_retry_limit(o->g.retry_limit, &o->retry_limit) < 0) {
        return fail_at(diags, sec->file, sec->line, "invalid Retry_Limit '%s'",
                       o->g.retry_limit);
    }
    if (o->g.tls && strcasecmp(p->name, "http") != 0 && strcasecmp(p->name, "s3") != 0 &&
        strcasecmp(p->name, "cloudwatch_logs") != 0 && strcasecmp(p->name, "cloudwatch") != 0) {
        return fail_at(diags, sec->file, sec->line,
                       "tls is not supported by emu-router for output '%s' (only http, s3, "
                       "cloudwatch_logs and cloudwatch)", p->name);
    }
    return route_rules(&o->g, &o->match_re, sec, diags);
}

int emu__router_instances_create(struct emu_router *r, const struct emu_router_config *cf,
                                 struct emu_diags *diags)
{
    if (emu_router_options_defaults(emu__router_service_options, &r->svc) < 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < cf->n_sections; i++) {
        const struct emu_router_section *sec = &cf->sections[i];
        const char *name = emu_router_section_get(sec, "name");
        int rc = 0;
        if (sec->kind == EMU_RSEC_SERVICE) {
            rc = emu__router_service_apply(r, sec, diags);
        }
        else if (sec->kind == EMU_RSEC_PARSER || sec->kind == EMU_RSEC_MULTILINE_PARSER) {
            rc = 0; /* kept in the config for the parser filters */
        }
        else if (!name) {
            rc = fail_at(diags, sec->file, sec->line, "[%s] section without a Name",
                         emu_router_section_kind_name(sec->kind));
        }
        else if (sec->kind == EMU_RSEC_INPUT) {
            rc = add_input(r, sec, name, diags);
        }
        else if (sec->kind == EMU_RSEC_FILTER) {
            rc = add_filter(r, sec, name, diags);
        }
        else {
            rc = add_output(r, sec, name, diags);
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (r->svc.flush <= 0 || r->svc.flush > 86400) {
        return fail_at(diags, cf->n_sections ? cf->sections[0].file : "config", 0,
                       "Flush must be a positive number of seconds");
    }
    return 0;
}

void emu__router_instances_free(struct emu_router *r)
{
    for (size_t i = 0; i < r->n_inputs; i++) {
        emu_free(r->inputs[i]->ctx);
        emu_free(r->inputs[i]);
    }
    for (size_t i = 0; i < r->n_filters; i++) {
        if (r->filters[i]->match_re) {
            onig_free(r->filters[i]->match_re);
        }
        emu_free(r->filters[i]->ctx);
        emu_free(r->filters[i]);
    }
    for (size_t i = 0; i < r->n_outputs; i++) {
        if (r->outputs[i]->match_re) {
            onig_free(r->outputs[i]->match_re);
        }
        emu_free(r->outputs[i]->ctx);
        emu_free(r->outputs[i]);
    }
    emu_free(r->inputs);
    emu_free(r->filters);
    emu_free(r->outputs);
    r->inputs = NULL;
    r->filters = NULL;
    r->outputs = NULL;
    r->n_inputs = r->n_filters = r->n_outputs = 0;
}
