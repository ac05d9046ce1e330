/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostic list storage. */
#include "emu/base/diag.h"

#include <stdarg.h>
#include <stdio.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

void emu_diags_init(struct emu_diags *d)
{
    d->items = NULL;
    d->n = 0;
    d->cap = 0;
    d->dropped = 0;
}

void emu_diags_done(struct emu_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        emu_free(d->items[i].where);
        emu_free(d->items[i].message);
    }
    emu_free(d->items);
    emu_diags_init(d);
}

int emu_diags_add(struct emu_diags *d, enum emu_diag_severity sev, const char *where,
                  const char *fmt, ...)
{
    if (d->n >= EMU_DIAGS_MAX) {
        d->dropped++;
        return 0;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct emu_diag *items = emu_realloc(d->items, cap * sizeof(*items));
        if (!items) {
            return EMU_ENOMEM;
        }
        d->items = items;
        d->cap = cap;
    }
    struct emu_buf msg;
    emu_buf_init(&msg, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    int r = emu_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    char *w = emu_strdup(where ? where : "");
    if (r < 0 || !w) {
        emu_buf_done(&msg);
        emu_free(w);
        return r < 0 ? r : EMU_ENOMEM;
    }
    if (!msg.data) {
        (void)emu_buf_append(&msg, "", 0);
    }
    d->items[d->n].severity = sev;
    d->items[d->n].where = w;
    d->items[d->n].message = emu_buf_steal(&msg);
    if (!d->items[d->n].message) {
        emu_free(w);
        return EMU_ENOMEM;
    }
    d->n++;
    return 0;
}

size_t emu_diags_count(const struct emu_diags *d, enum emu_diag_severity sev)
{
    size_t c = sev == EMU_DIAG_ERROR ? d->dropped : 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].severity == sev) {
            c++;
        }
    }
    return c;
}
