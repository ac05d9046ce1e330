/* SPDX-License-Identifier: Apache-2.0 */
/* The router's parser registry: [PARSER] sections of the main config, then every Parsers_File
 * of [SERVICE] (and -R, which the command line turns into one) resolved against the directory
 * of the file that names it. A later parser with a name already taken is ignored with a
 * warning, as Fluent Bit does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/router_internal.h"

#define PARSERS_MAX 4096
#define PARSER_FILES_MAX 64

void emu_router_set_env(struct emu_router *r, const struct emu_router_config_env *env)
{
    r->env = env;
}

static int add_parser(struct emu_router *r, const struct emu_router_section *sec,
                      struct emu_diags *diags)
{
    char err[512], where[4200];
    struct emu_router_parser p;
    snprintf(where, sizeof(where), "%s:%u", sec->file, sec->line);
    if (emu_router_parser_init(&p, sec, err, sizeof(err)) < 0) {
        emu_router_parser_done(&p);
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "%s", err);
        return EMU_ECONFIG;
    }
    if (emu_router_parser_get(r, p.name)) {
        emu_log_warn("%s: parser '%s' already exists, ignoring", where, p.name);
        emu_router_parser_done(&p);
        return 0;
    }
    if (r->n_parsers >= PARSERS_MAX) {
        emu_router_parser_done(&p);
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "too many parsers (%d)", PARSERS_MAX);
        return EMU_ECONFIG;
    }
    struct emu_router_parser *a = emu_realloc(r->parsers, (r->n_parsers + 1) * sizeof(p));
    if (!a) {
        emu_router_parser_done(&p);
        return -ENOMEM;
    }
    a[r->n_parsers++] = p;
    r->parsers = a;
    return 0;
}

static int add_sections(struct emu_router *r, const struct emu_router_config *cf,
                        struct emu_diags *diags)
{
    for (size_t i = 0; i < cf->n_sections; i++) {
        if (cf->sections[i].kind == EMU_RSEC_PARSER) {
            int rc = add_parser(r, &cf->sections[i], diags);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int load_file(struct emu_router *r, const struct emu_router_prop *prop,
                     struct emu_diags *diags)
{
    static const struct emu_router_config_env empty_env = {0};
    const struct emu_router_config_env *env = r->env ? r->env : &empty_env;
    char path[4096], where[4200];
    const char *slash = strrchr(prop->file, '/');
    snprintf(where, sizeof(where), "%s:%u", prop->file, prop->line);
    if (env->no_include) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "Parsers_File is not allowed here");
        return EMU_ECONFIG;
    }
    if (prop->value[0] != '/' && slash) {
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - prop->file), prop->file,
                 prop->value);
    }
    else {
        /* An absolute path is under env->root, as @INCLUDE's are (tests, image roots). */
        snprintf(path, sizeof(path), "%s%s",
                 prop->value[0] == '/' && env->root ? env->root : "", prop->value);
    }
    if (r->n_parser_files >= PARSER_FILES_MAX) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "too many parsers files");
        return EMU_ECONFIG;
    }
    if (access(path, R_OK) < 0) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "cannot read parsers file '%s': %s",
                            path, strerror(errno));
        return EMU_ECONFIG;
    }
    struct emu_router_config *pcf = NULL;
    int rc = emu_router_config_load(path, env, &pcf, diags);
    if (rc < 0) {
        return rc;
    }
    r->parser_files[r->n_parser_files++] = pcf;
    return add_sections(r, pcf, diags);
}

int emu__router_parsers_load(struct emu_router *r, const struct emu_router_config *cf,
                             struct emu_diags *diags)
{
    int rc = add_sections(r, cf, diags);
    if (rc < 0) {
        return rc;
    }
    if (!r->parser_files) {
        r->parser_files = emu_calloc(PARSER_FILES_MAX, sizeof(*r->parser_files));
        if (!r->parser_files) {
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < cf->n_sections; i++) {
        const struct emu_router_section *sec = &cf->sections[i];
        for (size_t j = 0; sec->kind == EMU_RSEC_SERVICE && j < sec->n_props; j++) {
            if (strcasecmp(sec->props[j].key, "parsers_file") == 0) {
                rc = load_file(r, &sec->props[j], diags);
                if (rc < 0) {
                    return rc;
                }
            }
        }
    }
    return 0;
}

const struct emu_router_parser *emu_router_parser_get(struct emu_router *r, const char *name)
{
    for (size_t i = 0; i < r->n_parsers; i++) {
        if (strcmp(r->parsers[i].name, name) == 0) {
            return &r->parsers[i];
        }
    }
    return NULL;
}

void emu__router_parsers_free(struct emu_router *r)
{
    for (size_t i = 0; i < r->n_parsers; i++) {
        emu_router_parser_done(&r->parsers[i]);
    }
    emu_free(r->parsers);
    r->parsers = NULL;
    r->n_parsers = 0;
    for (size_t i = 0; r->parser_files && i < r->n_parser_files; i++) {
        emu_router_config_free(r->parser_files[i]);
    }
    emu_free(r->parser_files);
    r->parser_files = NULL;
    r->n_parser_files = 0;
}
