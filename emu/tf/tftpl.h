/* SPDX-License-Identifier: Apache-2.0 */
/* Terraform's templatefile() language, the subset task-definition templates use: `${expr}`
 * interpolations, `%{ if }`/`%{ for }` directives, `~` strip markers, `$${`/`%%{` escapes,
 * and the common functions (jsonencode, join, format, ...). Pure: bytes in, bytes out.
 *
 * DESIGN
 * A template is parsed into a tree in an arena (the flat "parts" pass applies strip markers the
 * way HCL does, then the directives are nested), then evaluated against the variables, which
 * are a cJSON object (strings, numbers, bools, null, lists, maps). Values during evaluation are
 * cJSON too; maps are visited in byte-wise key order, as Terraform does. Every resource has a
 * ceiling: the output (EMU_TFTPL_MAX_OUTPUT), nesting depth and evaluation steps, so a hostile
 * template cannot loop or allocate without bound. */
#ifndef EMU_TF_TFTPL_H
#define EMU_TF_TFTPL_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct emu_buf;

/* Ceilings: rendered output, nesting of expressions/directives, evaluation steps. */
#define EMU_TFTPL_MAX_OUTPUT (10u * 1024u * 1024u)
#define EMU_TFTPL_MAX_DEPTH 64u
#define EMU_TFTPL_MAX_STEPS 1000000ul

/* Where and why rendering failed: 1-based line and column (in characters) of the template. */
struct emu_tftpl_error {
    unsigned line;
    unsigned column;
    char message[256];
};

/* Renders template (len bytes) with vars, a cJSON object of name -> value (NULL = no variables),
 * appending to out (whose own ceiling also applies). Returns 0; -EINVAL for an error in the
 * template (syntax, undefined variable, unsupported function, type error) with err filled in;
 * -E2BIG when the output or the evaluation goes over a ceiling (err filled in too); -ENOMEM. */
int emu_tftpl_render(const char *tpl, size_t len, const cJSON *vars, struct emu_buf *out,
                     struct emu_tftpl_error *err);

/* Sets vars[name] to a string value (replacing an earlier one). Returns 0 or -ENOMEM. */
int emu_tftpl_var_string(cJSON *vars, const char *name, const char *value);

/* Sets vars[name] to the value of a JSON text (list, map, number, bool, string, null).
 * Returns 0, -EJSON (malformed JSON) or -ENOMEM. */
int emu_tftpl_var_json(cJSON *vars, const char *name, const char *json);

/* Merges every member of a .tfvars.json object into vars. Returns 0, -EJSON (malformed, or
 * not an object), -E2BIG or -ENOMEM. */
int emu_tftpl_var_file(cJSON *vars, const char *json, size_t len);

/* True when name is a valid template variable name (a letter, then letters, digits, `_`, `-`). */
int emu_tftpl_valid_name(const char *name);

#endif
