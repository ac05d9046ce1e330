/* SPDX-License-Identifier: Apache-2.0 */
/* `render --secrets-file`: checks that every secret of a task definition resolves through the
 * file as `run` resolves it, and prints the values masked unless --show-secrets. */
#include <stdio.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_render_secrets.h"

int emu_cli_secrets_load(const char *cmd, const char *path, struct emu_arena *arena,
                         struct emu_secret_map *ret)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_JSON_MAX_INPUT, &data, &len);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: --secrets-file %s: %s\n", cmd, path, emu_strerror(r));
        return EMU_EUSAGE;
    }
    char why[256] = "";
    r = emu_secret_map_parse(data, len, arena, ret, why, sizeof(why));
    emu_free(data);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: --secrets-file %s: %s\n", cmd, path,
                why[0] ? why : emu_strerror(r));
        return EMU_EUSAGE;
    }
    return 0;
}

static size_t check_list(const struct emu_cli_render_secrets *s, const struct emu_secret_list *l,
                         size_t k, const char *where, struct emu_diags *diags)
{
    size_t missing = 0;
    for (size_t j = 0; j < l->n; j++) {
        const char *from = l->items[j].value_from ? l->items[j].value_from : "";
        if (emu_secret_lookup(s->map, from, s->arena)) {
            continue;
        }
        char path[128];
        (void)snprintf(path, sizeof(path), "containerDefinitions[%zu].%s[%zu].valueFrom", k,
                       where, j);
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, path,
                             "%s is not in --secrets-file: `run` would stop the task with "
                             "ResourceInitializationError",
                             from);
        missing++;
    }
    return missing;
}

size_t emu_cli_render_secrets_check(const struct emu_cli_render_secrets *s,
                                    const struct emu_taskdef *td, struct emu_diags *diags)
{
    size_t missing = 0;
    for (size_t k = 0; s->map && k < td->n_containers; k++) {
        const struct emu_container_def *c = &td->containers[k];
        missing += check_list(s, &c->secrets, k, "secrets", diags);
        missing += check_list(s, &c->log_configuration.secret_options, k,
                              "logConfiguration.secretOptions", diags);
    }
    return missing;
}

static const char *shown(const struct emu_cli_render_secrets *s, const char *from)
{
    const char *v = emu_secret_lookup(s->map, from, s->arena);
    if (!v) {
        return "(not in --secrets-file)";
    }
    return s->show ? v : EMU_CLI_SECRET_MASK;
}

int emu_cli_render_secrets_text(const struct emu_cli_render_secrets *s,
                                const struct emu_container_plan *cp, struct emu_buf *out)
{
    const struct emu_secret_list *l = &cp->def->secrets;
    int r = 0;
    for (size_t j = 0; s->map && r == 0 && j < l->n; j++) {
        const char *from = l->items[j].value_from ? l->items[j].value_from : "";
        r = emu_buf_printf(out, "  secret %s=%s (from %s)\n",
                           l->items[j].name ? l->items[j].name : "", shown(s, from), from);
    }
    return r;
}

const char *emu_cli_render_secret_env(const struct emu_cli_render_secrets *s,
                                      const struct emu_container_plan *cp, const char *key,
                                      const char *value, const char **from)
{
    *from = s->map ? emu_render_log_secret_from(cp, key) : NULL;
    return *from ? shown(s, *from) : value;
}

void emu_cli_render_secrets_json(const struct emu_cli_render_secrets *s,
                                 const struct emu_container_plan *cp, cJSON *o)
{
    const struct emu_secret_list *l = &cp->def->secrets;
    if (!s->map) {
        return;
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "secrets");
    for (size_t j = 0; arr && j < l->n; j++) {
        const char *from = l->items[j].value_from ? l->items[j].value_from : "";
        cJSON *kv = cJSON_CreateObject();
        if (!kv) {
            return;
        }
        cJSON_AddItemToArray(arr, kv);
        cJSON_AddStringToObject(kv, "name", l->items[j].name ? l->items[j].name : "");
        cJSON_AddStringToObject(kv, "valueFrom", from);
        cJSON_AddStringToObject(kv, "value", shown(s, from));
    }
}
