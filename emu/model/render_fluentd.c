/* SPDX-License-Identifier: Apache-2.0 */
/* The Fluentd router config exactly as the ECS agent writes it (spec 1.6): <source>, <filter>
 * and <match> blocks, each preceded by a blank line; no health-check input or null output. */
#include <errno.h>

#include "emu/model/render_internal.h"

static int write_inputs(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = emu_buf_puts(out, "\n<source>\n"
                              "    @type unix\n"
                              "    path " EMU_ROUTER_SOCKET "\n"
                              "</source>\n");
    if (r < 0 || !rc->listen) {
        return r;
    }
    return emu_buf_printf(out,
                          "\n<source>\n"
                          "    @type forward\n"
                          "    bind %s\n"
                          "    port " EMU_FLUENT_PORT "\n"
                          "</source>\n",
                          rc->listen);
}

static int write_grep(struct emu_buf *out, const char *name, const char *block, const char *re)
{
    return emu_buf_printf(out,
                          "\n<filter %s-firelens**>\n"
                          "    @type  grep\n"
                          "    <%s>\n"
                          "        key log\n"
                          "        pattern %s\n"
                          "    </%s>\n"
                          "</filter>\n",
                          name, block, re, block);
}

static int write_filters(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = 0;
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        if (rc->apps[i].include) {
            r = write_grep(out, rc->apps[i].c->name, "regexp", rc->apps[i].include);
        }
    }
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        if (rc->apps[i].exclude) {
            r = write_grep(out, rc->apps[i].c->name, "exclude", rc->apps[i].exclude);
        }
    }
    if (r < 0 || !rc->metadata) {
        return r;
    }
    r = emu_buf_puts(out, "\n<filter **>\n"
                          "    @type record_transformer\n"
                          "    <record>\n");
    for (size_t i = 0; i < rc->n_records && r == 0; i++) {
        r = emu_buf_printf(out, "        %s %s\n", rc->records[i].key, rc->records[i].value);
    }
    if (r == 0) {
        r = emu_buf_puts(out, "    </record>\n"
                              "</filter>\n");
    }
    return r;
}

static int write_outputs(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = 0;
    for (size_t i = 0; i < rc->n_apps && r == 0; i++) {
        const struct emu_rc_app *app = &rc->apps[i];
        if (!app->output) {
            continue;
        }
        r = emu_buf_printf(out,
                           "\n<match %s-firelens**>\n"
                           "    @type %s\n",
                           app->c->name, app->output);
        for (size_t k = 0; k < app->n_opts && r == 0; k++) {
            r = emu_buf_printf(out, "    %s %s\n", app->opts[k].key, app->opts[k].value);
        }
        if (r == 0) {
            r = emu_buf_puts(out, "</match>\n");
        }
    }
    return r;
}

int emu_render_fluentd(const struct emu_rc *rc, struct emu_buf *out)
{
    int r = write_inputs(rc, out);
    if (r == 0) {
        r = write_filters(rc, out);
    }
    if (r == 0 && rc->include_path) {
        r = emu_buf_printf(out, "\n@include %s\n", rc->include_path);
    }
    if (r == 0) {
        r = write_outputs(rc, out);
    }
    return r;
}
