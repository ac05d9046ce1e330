/* SPDX-License-Identifier: Apache-2.0 */
/* The Fluent Bit router config exactly as the ECS agent writes it (spec 1.5): every block is
 * "\n" + block, bodies indented by four spaces, options after Name/Tag/Match sorted by key. */
#include <errno.h>

#include "emu/model/render_internal.h"

/* "    key value\n"; values are written raw, as the agent's text template does. */
static int line(struct emu_buf *out, const char *key, const char *value)
{
    return emu_buf_printf(out, "    %s %s\n", key, value);
}

static int write_opts(struct emu_buf *out, const struct emu_kv *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int r = line(out, opts[i].key, opts[i].value);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int write_inputs(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = emu_buf_printf(out,
                           "\n[INPUT]\n"
                           "    Name forward\n"
                           "    Mem_Buf_Limit %lldMB\n"
                           "    unix_path " EMU_ROUTER_SOCKET "\n",
                           (long long)rc->mem_buf_mb);
    if (r < 0 || !rc->listen) {
        return r;
    }
    r = emu_buf_printf(out,
                       "\n[INPUT]\n"
                       "    Name forward\n"
                       "    Listen %s\n"
                       "    Port " EMU_FLUENT_PORT "\n",
                       rc->listen);
    if (r < 0) {
        return r;
    }
    return emu_buf_puts(out, "\n[INPUT]\n"
                             "    Name tcp\n"
                             "    Tag firelens-healthcheck\n"
                             "    Listen 127.0.0.1\n"
                             "    Port 8877\n");
}

static int write_filters(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = 0;
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        const struct emu_rc_app *app = &rc->apps[i];
        if (app->include) {
            r = emu_buf_printf(out,
                               "\n[FILTER]\n"
                               "    Name   grep\n"
                               "    Match %s-firelens*\n"
                               "    Regex  log %s\n",
                               app->c->name, app->include);
        }
    }
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        const struct emu_rc_app *app = &rc->apps[i];
        if (app->exclude) {
            r = emu_buf_printf(out,
                               "\n[FILTER]\n"
                               "    Name   grep\n"
                               "    Match %s-firelens*\n"
                               "    Exclude log %s\n",
                               app->c->name, app->exclude);
        }
    }
    if (r < 0 || !rc->metadata) {
        return r;
    }
    r = emu_buf_puts(out, "\n[FILTER]\n"
                          "    Name record_modifier\n"
                          "    Match *\n");
    for (size_t i = 0; i < rc->n_records && r == 0; i++) {
        r = emu_buf_printf(out, "    Record %s %s\n", rc->records[i].key, rc->records[i].value);
    }
    return r;
}

static int write_outputs(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = 0;
    if (rc->listen) {
        r = emu_buf_puts(out, "\n[OUTPUT]\n"
                              "    Name null\n"
                              "    Match firelens-healthcheck\n");
    }
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        const struct emu_rc_app *app = &rc->apps[i];
        if (!app->output) {
            continue;
        }
        r = emu_buf_printf(out,
                           "\n[OUTPUT]\n"
                           "    Name %s\n"
                           "    Match %s-firelens*\n",
                           app->output, app->c->name);
        if (r == 0) {
            r = write_opts(out, app->opts, app->n_opts);
        }
    }
    return r;
}

int emu_render_fluentbit(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = write_inputs(rc, out);
    if (r == 0) {
        r = write_filters(rc, out);
    }
    if (r == 0 && rc->include_path) {
        r = emu_buf_printf(out, "\n@INCLUDE %s\n", rc->include_path);
    }
    if (r == 0) {
        r = write_outputs(rc, out);
    }
    return r;
}
