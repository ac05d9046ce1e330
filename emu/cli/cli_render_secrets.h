/* SPDX-License-Identifier: Apache-2.0 */
/* `render --secrets-file`: the secrets a task's containers and router would get, checked
 * against the file and shown redacted unless --show-secrets. */
#ifndef EMU_CLI_RENDER_SECRETS_H
#define EMU_CLI_RENDER_SECRETS_H

#include <stdbool.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/json.h"
#include "emu/model/model.h"
#include "emu/model/render.h"
#include "emu/runtime/runtime.h"

#define EMU_CLI_SECRET_MASK "********"

struct emu_cli_render_secrets {
    const struct emu_secret_map *map; /* NULL: no --secrets-file, secrets not shown at all */
    bool show;                        /* --show-secrets: values in clear */
    struct emu_arena *arena;
};

/* Reads and parses --secrets-file path for command cmd (run, render, audit); errors are
 * printed, naming the file. 0 or EMU_EUSAGE. */
int emu_cli_secrets_load(const char *cmd, const char *path, struct emu_arena *arena,
                         struct emu_secret_map *ret);

/* Every container secret and log-driver secretOption of td must be in the map: an error
 * diagnostic with its JSON path for each that is not (run would stop the task with
 * ResourceInitializationError). Returns the number missing. */
size_t emu_cli_render_secrets_check(const struct emu_cli_render_secrets *s,
                                    const struct emu_taskdef *td, struct emu_diags *diags);

/* The text lines for container cp: "  secret NAME=VALUE (from ARN)" per container secret. */
int emu_cli_render_secrets_text(const struct emu_cli_render_secrets *s,
                                const struct emu_container_plan *cp, struct emu_buf *out);

/* The value to print for extra_env entry `key` of cp: the valueFrom when no secrets file is
 * given or the entry is no secret (*from NULL then), else the mask or the value. */
const char *emu_cli_render_secret_env(const struct emu_cli_render_secrets *s,
                                      const struct emu_container_plan *cp, const char *key,
                                      const char *value, const char **from);

/* Adds "secrets": [{name, valueFrom, value}] to o for cp's container secrets (with a map). */
void emu_cli_render_secrets_json(const struct emu_cli_render_secrets *s,
                                 const struct emu_container_plan *cp, cJSON *o);

#endif
