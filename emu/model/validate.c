/* SPDX-License-Identifier: Apache-2.0 */
/* Entry point of task-definition validation and the helpers every rule file shares: reporting
 * (counting errors, keeping the first allocation failure) and JSON-path building. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/model/validate.h"
#include "emu/model/validate_internal.h"

/* Messages quote user input (names, option values); cap them so one cannot grow without bound. */
#define EMU_VMSG_MAX (16 * 1024)

static void vreport(struct emu_vctx *v, enum emu_diag_severity sev, const char *where,
                    const char *fmt, va_list ap)
{
    if (sev == EMU_DIAG_ERROR) {
        v->errors++;
    }
    struct emu_buf msg;
    emu_buf_init(&msg, EMU_VMSG_MAX);
    int r = emu_buf_vprintf(&msg, fmt, ap);
    if (r == EMU_ENOMEM) {
        v->rc = v->rc ? v->rc : r;
        emu_buf_done(&msg);
        return;
    }
    r = emu_diags_add(v->diags, sev, where ? where : "", "%s", msg.data ? msg.data : "");
    if (r < 0 && !v->rc) {
        v->rc = r;
    }
    emu_buf_done(&msg);
}

void emu__verr(struct emu_vctx *v, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(v, EMU_DIAG_ERROR, where, fmt, ap);
    va_end(ap);
}

void emu__vwarn(struct emu_vctx *v, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(v, EMU_DIAG_WARNING, where, fmt, ap);
    va_end(ap);
}

const char *emu__vcwhere(const struct emu_vctx *v, char *buf, size_t n, size_t i,
                         const char *fmt, ...)
{
    int len = snprintf(buf, n, "%s[%zu]", v->cpath, i);
    if (fmt && len >= 0 && (size_t)len + 1 < n) {
        buf[len] = '.';
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(buf + len + 1, n - (size_t)len - 1, fmt, ap);
        va_end(ap);
    }
    return buf;
}

const char *emu__vtwhere(const struct emu_vctx *v, char *buf, size_t n, const char *key)
{
    (void)snprintf(buf, n, "%s%s", v->tpath, key);
    return buf;
}

const char *emu__vname(const struct emu_container_def *c)
{
    return c->name ? c->name : "";
}

bool emu__vblank(const char *s)
{
    if (!s) {
        return true;
    }
    for (; *s; s++) {
        if (!strchr(" \t\r\n\v\f", *s)) {
            return false;
        }
    }
    return true;
}

bool emu__vname_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255) {
        return false;
    }
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool emu__vparse_u64(const char *s, int64_t *ret)
{
    if (!s || !*s) {
        return false;
    }
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        int d = *s - '0';
        if (v > (INT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *ret = v;
    return true;
}

const char *emu__vkv(const struct emu_kv_list *l, const char *key)
{
    const char *val = NULL;
    for (size_t i = 0; l->items && i < l->n; i++) {
        if (l->items[i].key && strcmp(l->items[i].key, key) == 0) {
            val = l->items[i].value;
        }
    }
    return val;
}

const struct emu_container_def *emu__vfind(const struct emu_taskdef *td, const char *name)
{
    if (!name) {
        return NULL;
    }
    return td->containers ? emu_taskdef_container(td, name) : NULL;
}

int emu_taskdef_validate(const struct emu_taskdef *td, enum emu_launch_type launch_type,
                         struct emu_diags *diags)
{
    if (!td || !diags) {
        return EMU_EINVAL;
    }
    struct emu_vctx v = {
        .td = td,
        .fargate = launch_type != EMU_LAUNCH_EC2,
        .cpath = td->containers_path ? td->containers_path : "containerDefinitions",
        .tpath = td->task_path ? td->task_path : "",
        .diags = diags,
    };
    /* Fargate tasks always run in awsvpc (a different mode is reported once, at task level);
     * on EC2 an absent networkMode means bridge. */
    if (v.fargate) {
        v.net = EMU_NETWORK_AWSVPC;
    } else if (td->network_mode == EMU_NETWORK_UNSET) {
        v.net = EMU_NETWORK_BRIDGE;
    } else {
        v.net = td->network_mode;
    }

    emu__validate_task(&v);
    for (size_t i = 0; td->containers && i < td->n_containers; i++) {
        emu__validate_container(&v, i);
    }
    emu__validate_task_sums(&v);
    emu__validate_firelens(&v);
    emu__validate_dependency_cycles(&v);
    return v.rc ? v.rc : v.errors;
}
