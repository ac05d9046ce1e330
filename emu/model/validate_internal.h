/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the validation files (validate*.c): the validation context, the
 * report functions that count errors, and the builders of the JSON paths messages name. */
#ifndef EMU_MODEL_VALIDATE_INTERNAL_H
#define EMU_MODEL_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/diag.h"
#include "emu/model/model.h"

/* Large enough for any path we build; longer ones (huge option keys) are cut, never overrun. */
#define EMU_VWHERE_MAX 512

struct emu_vctx {
    const struct emu_taskdef *td;
    bool fargate;                     /* launch type FARGATE (anything but EC2) */
    enum emu_network_mode net;        /* effective mode: Fargate = awsvpc, EC2 unset = bridge */
    const char *cpath;                /* containerDefinitions path, never NULL */
    const char *tpath;                /* task-level key prefix, never NULL */
    struct emu_diags *diags;
    int errors;                       /* errors added so far */
    int rc;                           /* first allocation failure, 0 if none */
};

/* Reports one problem; where may be "" or NULL. The message is a printf format. */
void emu__verr(struct emu_vctx *v, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void emu__vwarn(struct emu_vctx *v, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "<containers path>[i]" followed by "." and the formatted suffix when fmt is not NULL.
 * Returns buf. */
const char *emu__vcwhere(const struct emu_vctx *v, char *buf, size_t n, size_t i,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "<task path><key>", e.g. "taskDefinition.cpu". Returns buf. */
const char *emu__vtwhere(const struct emu_vctx *v, char *buf, size_t n, const char *key);

/* The container's name for messages ("" when missing). */
const char *emu__vname(const struct emu_container_def *c);

/* True when s is NULL, empty or only white space (ECS's `.*\S.*` pattern fails). */
bool emu__vblank(const char *s);

/* ECS family and container names: 1..255 of letters, digits, hyphens and underscores. */
bool emu__vname_ok(const char *s);

/* Strict unsigned decimal: digits only, no sign, no spaces, fits in int64. */
bool emu__vparse_u64(const char *s, int64_t *ret);

/* Value of key in a kv list (last one wins), NULL if absent; tolerates NULL keys. */
const char *emu__vkv(const struct emu_kv_list *l, const char *key);

/* Container by name, NULL if none or name is NULL. */
const struct emu_container_def *emu__vfind(const struct emu_taskdef *td, const char *name);

/* The rule groups, called in this order by emu_taskdef_validate(). */
void emu__validate_task(struct emu_vctx *v);
void emu__validate_container(struct emu_vctx *v, size_t i);
void emu__validate_task_sums(struct emu_vctx *v);
void emu__validate_firelens(struct emu_vctx *v);
void emu__validate_dependency_cycles(struct emu_vctx *v);

#endif
