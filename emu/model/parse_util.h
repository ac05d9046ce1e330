/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers of the task-definition parser: the ECS API shapes as tables (member lists in
 * the service model's order), a botocore-worded schema check over a cJSON tree, and typed
 * readers that copy values into the task definition's arena. Not a public API. */
#ifndef EMU_MODEL_PARSE_UTIL_H
#define EMU_MODEL_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/diag.h"
#include "emu/base/json.h"
#include "emu/model/model.h"

/* ---- Shapes (taskdef_shapes.c) ---------------------------------------------------------- */

enum pu_kind {
    PU_STRING = 0,
    PU_STRING_OR_NUMBER, /* task-level cpu/memory: a string in the API, numbers accepted too */
    PU_INT,
    PU_BOOL,
    PU_TIMESTAMP, /* describe output: a string or an epoch number */
    PU_LIST,
    PU_MAP, /* string -> element shape */
    PU_STRUCT,
};

struct pu_shape;

struct pu_member {
    const char *name;
    const struct pu_shape *shape;
};

struct pu_shape {
    enum pu_kind kind;
    size_t min_len;              /* PU_STRING: minimum length (botocore "min"), 0 = none */
    const struct pu_shape *elem; /* PU_LIST member, PU_MAP value */
    const struct pu_member *members;
    size_t n_members;
    const char *const *required;
    size_t n_required;
};

extern const struct pu_shape pu_string;
extern const struct pu_shape pu_string_min1;
extern const struct pu_shape pu_string_or_number;
extern const struct pu_shape pu_int;
extern const struct pu_shape pu_bool;
extern const struct pu_shape pu_timestamp;

/* Roots: RegisterTaskDefinitionRequest, DescribeTaskDefinitionResponse (whose taskDefinition
 * additionally requires family and containerDefinitions), and a bare ContainerDefinitions list. */
extern const struct pu_shape *const pu_shape_register_request;
extern const struct pu_shape *const pu_shape_describe_response;
extern const struct pu_shape *const pu_shape_container_list;

/* ---- Parse context and paths (parse_util.c; printing and pu_check in parse_check.c)
 * --------------------------------------------- */

#define PU_PATH_MAX 1024

struct pu_ctx {
    struct emu_taskdef *td;
    struct emu_diags *diags;
    bool lenient; /* bare-array (Terraform) form: unknown keys warn, "80"/"true" accepted */
    bool oom;     /* an arena or diag allocation failed: the parse returns -ENOMEM */
    char path[PU_PATH_MAX];
    size_t path_len;
};

/* Appends ".key" (or "key" at the root) / "[i]" / " (key: k)" to the path; returns the old
 * length for pu_path_pop. Overlong paths are cut with "...". */
size_t pu_path_key(struct pu_ctx *ctx, const char *key);
size_t pu_path_index(struct pu_ctx *ctx, size_t i);
void pu_path_pop(struct pu_ctx *ctx, size_t old_len);
/* The path as botocore names it in a message: "input" for the root. */
const char *pu_path_name(const struct pu_ctx *ctx);

/* Records a diagnostic at the current path (where = the path, "" at the root). */
void pu_diag(struct pu_ctx *ctx, enum emu_diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes value as Python's str() would print the value json.loads() gives (strings bare,
 * containers as repr: {'a': [1, None, True]}), cut at about cap bytes with "...". */
void pu_py_str(const cJSON *item, char *out, size_t cap);
/* Python's type name of that value: "<class 'str'>", "<class 'NoneType'>", ... */
const char *pu_py_type(const cJSON *item);

/* True for a JSON number Python would read as an int (integral, magnitude < 1e16). */
bool pu_number_is_int(const cJSON *item);

/* True for "-?[0-9]{1,15}": a string the lenient (Terraform) form reads as an integer. */
bool pu_is_int_text(const char *s);

/* Walks item against shape, reporting what botocore's ParamValidator reports: missing
 * required members, unknown members (a warning ending in ", ignoring" when ctx->lenient),
 * wrong types (in the lenient form "80" and "true" pass with a warning), short strings. */
void pu_check(struct pu_ctx *ctx, const cJSON *item, const struct pu_shape *shape);

/* ---- Typed readers: no diagnostics (pu_check reported), NULL/empty when absent or wrong ---- */

/* The member named key (the last one if repeated, as Python's json keeps); NULL if absent,
 * JSON null, or obj is not an object. */
const cJSON *pu_get(const cJSON *obj, const char *key);

/* Arena copies; set ctx->oom on allocation failure. */
char *pu_strdup(struct pu_ctx *ctx, const char *s);
void *pu_alloc(struct pu_ctx *ctx, size_t n, size_t size);

const char *pu_str(struct pu_ctx *ctx, const cJSON *obj, const char *key);
struct emu_opt_int pu_int_of(struct pu_ctx *ctx, const cJSON *item);
struct emu_opt_int pu_int_get(struct pu_ctx *ctx, const cJSON *obj, const char *key);
struct emu_opt_bool pu_bool_get(struct pu_ctx *ctx, const cJSON *obj, const char *key);
struct emu_str_list pu_str_list(struct pu_ctx *ctx, const cJSON *obj, const char *key);
/* A JSON object of strings -> kv list in input order. */
struct emu_kv_list pu_map(struct pu_ctx *ctx, const cJSON *obj, const char *key);
/* A list of {kname: ..., vname: ...} objects -> kv list. */
struct emu_kv_list pu_pairs(struct pu_ctx *ctx, const cJSON *obj, const char *key,
                            const char *kname, const char *vname);
struct emu_secret_list pu_secrets(struct pu_ctx *ctx, const cJSON *obj, const char *key);

/* Number of elements of the array member key (0 if absent or not an array), and the array. */
const cJSON *pu_array(const cJSON *obj, const char *key, size_t *ret_n);

/* ---- Container definitions (taskdef_parse_container.c) ---------------------------------- */

/* Fills c from the container object item (c->index already set); the path is the container's. */
void pu_parse_container(struct pu_ctx *ctx, const cJSON *item, struct emu_container_def *c);

#endif
