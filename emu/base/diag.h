/* SPDX-License-Identifier: Apache-2.0 */
/* A list of diagnostics (errors and warnings), each naming where it is about (a JSON path, a
 * config file:line, an HTTP request), so commands can report every problem, not just the first. */
#ifndef EMU_BASE_DIAG_H
#define EMU_BASE_DIAG_H

#include <stddef.h>

enum emu_diag_severity {
    EMU_DIAG_ERROR = 0,
    EMU_DIAG_WARNING,
};

struct emu_diag {
    enum emu_diag_severity severity;
    char *where;   /* "containerDefinitions[0].memory", may be "" */
    char *message; /* full sentence as printed */
};

/* At most this many diagnostics are kept; later ones are counted in `dropped`. */
#define EMU_DIAGS_MAX 1000

struct emu_diags {
    struct emu_diag *items;
    size_t n;
    size_t cap;
    size_t dropped;
};

void emu_diags_init(struct emu_diags *d);
void emu_diags_done(struct emu_diags *d);

/* Records one diagnostic. Returns 0 or -ENOMEM (the list stays valid either way). */
int emu_diags_add(struct emu_diags *d, enum emu_diag_severity sev, const char *where,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Number of diagnostics of that severity (dropped ones are counted as errors). */
size_t emu_diags_count(const struct emu_diags *d, enum emu_diag_severity sev);

#endif
