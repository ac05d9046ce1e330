/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a task definition for any command, from a file, a Terraform template (--tftpl) or a
 * Terraform plan (--tf-plan), and printing diagnostics the same way everywhere
 * (`file: error: path: message`, `file:line:col: error: message`, or a JSON array). */
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli.h"
#include "emu/tf/tfplan.h"
#include "emu/tf/tftpl.h"

int emu_cli_load_taskdef(const char *path, const struct emu_taskdef_overrides *overrides,
                         struct emu_taskdef **ret, struct emu_diags *diags)
{
    struct emu_cli_taskdef_opts o = {0};
    if (overrides) {
        o.overrides = *overrides;
    }
    return emu_cli_load_taskdef_opts(&o, path, ret, NULL, diags);
}

int emu_cli_taskdef_source(const char *cmd, const struct emu_cli_taskdef_opts *o, int argc,
                           char **argv, const char **ret_label)
{
    int sources = (argc > 0) + (o->tftpl != NULL) + (o->tf_plan != NULL);
    if (argc > 1 || sources != 1) {
        fprintf(stderr, "fargate-emu %s: expected one task definition: a TASKDEF file, --tftpl "
                        "FILE or --tf-plan FILE (got %d)\n",
                cmd, argc > 1 ? argc : sources);
        return EMU_EUSAGE;
    }
    if (!o->tftpl && (o->vars.n || o->var_json.n || o->var_file)) {
        fprintf(stderr, "fargate-emu %s: --var, --var-json and --var-file go with --tftpl\n", cmd);
        return EMU_EUSAGE;
    }
    if (!o->tf_plan && o->resource) {
        fprintf(stderr, "fargate-emu %s: --resource goes with --tf-plan\n", cmd);
        return EMU_EUSAGE;
    }
    *ret_label = argc ? argv[0] : o->tftpl ? o->tftpl : o->tf_plan;
    return 0;
}

void emu_cli_source_done(struct emu_cli_source *src)
{
    if (src) {
        emu_free(src->json);
        emu_tfplan_free(src->plan);
        *src = (struct emu_cli_source){0};
    }
}

/* Reads an input file; what names it in messages ("the file", "--var-file x.json"). */
static int read_input(const char *path, size_t max, const char *what, char **data, size_t *len,
                      struct emu_diags *diags)
{
    int r = emu_file_read(path, max, data, len);
    if (r == EMU_E2BIG) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "%s is larger than the %zu MB limit", what,
                            max / (1024u * 1024u));
    }
    else if (r < 0) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "cannot read %s: %s", what,
                            emu_strerror(r));
    }
    return r;
}

/* NAME=VALUE -> name (in buf) and value. */
static int split_var(const char *flag, const char *arg, char *name, size_t cap,
                     const char **value, struct emu_diags *diags)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    if (!eq || n == 0 || n >= cap) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "%s '%s': expected NAME=VALUE", flag, arg);
        return EMU_EUSAGE;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    if (!emu_tftpl_valid_name(name)) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "%s '%s': \"%s\" is not a valid variable name", flag, arg, name);
        return EMU_EUSAGE;
    }
    *value = eq + 1;
    return 0;
}

static int load_vars(const struct emu_cli_taskdef_opts *o, cJSON *vars, struct emu_diags *diags)
{
    int r = 0;
    if (o->var_file) {
        char *data = NULL;
        size_t len = 0;
        char what[256];
        snprintf(what, sizeof(what), "--var-file %s", o->var_file);
        r = read_input(o->var_file, EMU_JSON_MAX_INPUT, what, &data, &len, diags);
        if (r < 0) {
            return r;
        }
        r = emu_tftpl_var_file(vars, data, len);
        emu_free(data);
        if (r == EMU_EJSON) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                                "--var-file %s: not a JSON object of variables", o->var_file);
        }
        if (r < 0) {
            return r;
        }
    }
    char name[256];
    const char *value = NULL;
    for (size_t i = 0; r == 0 && i < o->var_json.n; i++) {
        r = split_var("--var-json", o->var_json.items[i], name, sizeof(name), &value, diags);
        r = r ? r : emu_tftpl_var_json(vars, name, value);
        if (r == EMU_EJSON) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "--var-json %s: the value is not JSON",
                                name);
        }
    }
    for (size_t i = 0; r == 0 && i < o->vars.n; i++) {
        r = split_var("--var", o->vars.items[i], name, sizeof(name), &value, diags);
        r = r ? r : emu_tftpl_var_string(vars, name, value);
    }
    return r;
}

static int render_template(const struct emu_cli_taskdef_opts *o, struct emu_cli_source *src,
                           struct emu_diags *diags)
{
    char *tpl = NULL;
    size_t len = 0;
    int r = read_input(o->tftpl, EMU_TFTPL_MAX_OUTPUT, "the file", &tpl, &len, diags);
    if (r < 0) {
        return r;
    }
    emu_json_init();
    cJSON *vars = cJSON_CreateObject();
    r = vars ? load_vars(o, vars, diags) : EMU_ENOMEM;
    struct emu_buf out;
    emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
    if (r == 0) {
        struct emu_tftpl_error err;
        r = emu_tftpl_render(tpl, len, vars, &out, &err);
        if (r == 0 && !out.data) {
            r = emu_buf_append(&out, "", 0);
        }
        if (r < 0 && r != EMU_ENOMEM) {
            char where[32];
            snprintf(where, sizeof(where), "%u:%u", err.line, err.column);
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "%s", err.message);
        }
    }
    if (r == 0) {
        src->len = out.len;
        src->json = emu_buf_steal(&out);
    }
    emu_buf_done(&out);
    cJSON_Delete(vars);
    emu_free(tpl);
    return r;
}

/* Flags win over the plan's task-level values. */
static const char *pick_value(const char *flag, const char *plan)
{
    return flag ? flag : plan;
}

static int read_plan(const struct emu_cli_taskdef_opts *o, struct emu_cli_source *src,
                     struct emu_diags *diags)
{
    char *data = NULL;
    size_t len = 0;
    int r = read_input(o->tf_plan, EMU_JSON_MAX_INPUT, "the file", &data, &len, diags);
    if (r < 0) {
        return r;
    }
    r = emu_tfplan_read(data, len, o->resource, &src->plan, diags);
    emu_free(data);
    if (r < 0) {
        return r;
    }
    const struct emu_taskdef_overrides *p = &src->plan->overrides;
    const struct emu_taskdef_overrides *f = &o->overrides;
    src->overrides = (struct emu_taskdef_overrides){
        .family = pick_value(f->family, p->family),
        .cpu = pick_value(f->cpu, p->cpu),
        .memory = pick_value(f->memory, p->memory),
        .network_mode = pick_value(f->network_mode, p->network_mode),
        .requires_compatibilities = pick_value(f->requires_compatibilities,
                                               p->requires_compatibilities),
        .task_role_arn = pick_value(f->task_role_arn, p->task_role_arn),
        .execution_role_arn = pick_value(f->execution_role_arn, p->execution_role_arn),
    };
    src->json = emu_strdup(src->plan->container_definitions);
    src->len = src->json ? strlen(src->json) : 0;
    return src->json ? 0 : EMU_ENOMEM;
}

int emu_cli_load_taskdef_opts(const struct emu_cli_taskdef_opts *o, const char *label,
                              struct emu_taskdef **ret, struct emu_cli_source *srcp,
                              struct emu_diags *diags)
{
    struct emu_cli_source local = {0};
    struct emu_cli_source *src = srcp ? srcp : &local;
    *src = (struct emu_cli_source){.overrides = o->overrides};
    int r;
    if (o->tftpl) {
        r = render_template(o, src, diags);
    }
    else if (o->tf_plan) {
        r = read_plan(o, src, diags);
    }
    else {
        r = emu_file_read(label, EMU_JSON_MAX_INPUT, &src->json, &src->len);
        if (r < 0 && r != EMU_E2BIG) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "cannot read the file: %s",
                                emu_strerror(r));
        }
    }
    if (r == 0) {
        r = emu_taskdef_parse(src->json, src->len, &src->overrides, ret, diags);
        if (r == EMU_ENOMEM) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "out of memory while parsing");
        }
        else if (r == EMU_EJSON && o->tftpl) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                                "the template rendered to malformed JSON (the line and column "
                                "above are in the rendered text)");
        }
        else if (r == EMU_EJSON && o->tf_plan) {
            (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                                "the container_definitions of %s are malformed JSON (the line "
                                "and column above are in that string)",
                                src->plan->address);
        }
    }
    if (r == EMU_E2BIG && !o->tftpl && !o->tf_plan) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "the file is larger than the %u MB limit for a task definition",
                            EMU_JSON_MAX_INPUT / (1024u * 1024u));
    }
    emu_cli_source_done(&local);
    return r;
}

static void print_json(const struct emu_diags *diags)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < diags->n; i++) {
        const struct emu_diag *d = &diags->items[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            break;
        }
        cJSON_AddStringToObject(o, "severity",
                                d->severity == EMU_DIAG_ERROR ? "error" : "warning");
        cJSON_AddStringToObject(o, "path", d->where);
        cJSON_AddStringToObject(o, "message", d->message);
        cJSON_AddItemToArray(arr, o);
    }
    struct emu_buf out;
    emu_buf_init(&out, 64u * 1024u * 1024u);
    if (arr && emu_json_write_pretty(arr, &out) == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    emu_buf_done(&out);
    cJSON_Delete(arr);
}

void emu_cli_print_diags(const char *file, const struct emu_diags *diags, bool json,
                         bool summary)
{
    emu_json_init();
    if (json) {
        print_json(diags);
    }
    else {
        for (size_t i = 0; i < diags->n; i++) {
            const struct emu_diag *d = &diags->items[i];
            const char *sev = d->severity == EMU_DIAG_ERROR ? "error" : "warning";
            if (d->where[0] >= '0' && d->where[0] <= '9') {
                fprintf(stderr, "%s:%s: %s: %s\n", file, d->where, sev, d->message);
            }
            else if (d->where[0]) {
                fprintf(stderr, "%s: %s: %s: %s\n", file, sev, d->where, d->message);
            }
            else {
                fprintf(stderr, "%s: %s: %s\n", file, sev, d->message);
            }
        }
        if (diags->dropped) {
            fprintf(stderr, "%s: error: %zu more problems not shown\n", file, diags->dropped);
        }
    }
    if (summary && !json) {
        size_t e = emu_diags_count(diags, EMU_DIAG_ERROR);
        size_t w = emu_diags_count(diags, EMU_DIAG_WARNING);
        fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", file, e, e == 1 ? "" : "s", w,
                w == 1 ? "" : "s");
    }
}
