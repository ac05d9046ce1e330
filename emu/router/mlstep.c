/* SPDX-License-Identifier: Apache-2.0 */
/* The multiline state machine of one stream, as Fluent Bit documents and behaves: while a
 * message is in progress its parser's continuation rules (those of the last matched rule's next
 * state, start rules excepted) are tried in order; a line none of them matches is tried against
 * every parser's start_state rules, starting a new message; a line nothing matches is a record
 * of its own. Regex matching searches anywhere in the line. */
#include <errno.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/router/mlparser.h"

static int matches(const struct emu_router_ml_rule *r, const char *line, size_t len)
{
    const UChar *s = (const UChar *)line, *end = s + len;
    return onig_search(r->re, s, end, s, end, NULL, ONIG_OPTION_NONE) >= 0;
}

static int in_state(const struct emu_router_ml_rule *r, const char *state)
{
    for (size_t i = 0; i < r->n_from; i++) {
        if (strcmp(r->from[i], state) == 0) {
            return 1;
        }
    }
    return 0;
}

static const struct emu_router_ml_rule *try_cont(const struct emu_router_ml_parser *p,
                                                 const struct emu_router_ml_rule *cur,
                                                 const char *line, size_t len)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        const struct emu_router_ml_rule *r = &p->rules[i];
        if (!r->start && in_state(r, cur->to) && matches(r, line, len)) {
            return r;
        }
    }
    return NULL;
}

static const struct emu_router_ml_rule *try_start(const struct emu_router_ml_parser *p,
                                                  const char *line, size_t len)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        if (p->rules[i].start && matches(&p->rules[i], line, len)) {
            return &p->rules[i];
        }
    }
    return NULL;
}

/* docker: a piece not ending in "\n" is continued; cri: a piece with _p "P" is. */
static int piece_partial(const struct emu_router_ml_parser *p, const char *line, size_t len,
                         int partial)
{
    if (p->type == EMU_ML_DOCKER) {
        return len == 0 || line[len - 1] != '\n';
    }
    return partial;
}

enum emu_router_ml_action emu_router_ml_step(const struct emu_router_ml_parser *const *ps,
                                             size_t n, struct emu_router_ml_state *st,
                                             const char *line, size_t len, int partial,
                                             const struct emu_router_ml_parser **ret_p,
                                             int *ret_ends)
{
    *ret_ends = 0;
    *ret_p = st->p;
    if (st->p && st->p->type != EMU_ML_REGEX) {
        /* the previous piece was partial: this one belongs to it */
        *ret_ends = !piece_partial(st->p, line, len, partial);
        if (*ret_ends) {
            st->p = NULL;
        }
        return EMU_ML_CONT;
    }
    if (st->p) {
        const struct emu_router_ml_rule *r = try_cont(st->p, st->rule, line, len);
        if (r) {
            st->rule = r;
            *ret_ends = r->ends;
            if (r->ends) {
                st->p = NULL;
            }
            return EMU_ML_CONT;
        }
    }
    st->p = NULL;
    st->rule = NULL;
    *ret_p = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct emu_router_ml_parser *p = ps[i];
        if (p->type != EMU_ML_REGEX) {
            if (!piece_partial(p, line, len, partial)) {
                return EMU_ML_ALONE;
            }
            st->p = p;
            *ret_p = p;
            return EMU_ML_START;
        }
        const struct emu_router_ml_rule *r = try_start(p, line, len);
        if (r) {
            *ret_ends = r->ends;
            *ret_p = p;
            if (!r->ends) {
                st->p = p;
                st->rule = r;
            }
            return EMU_ML_START;
        }
    }
    return EMU_ML_ALONE;
}

int emu_router_ml_join(const struct emu_router_ml_parser *p, struct emu_buf *joined,
                       const char *line, size_t len)
{
    int r = 0;
    if (p->type == EMU_ML_REGEX && joined->len > 0 && joined->data[joined->len - 1] != '\n') {
        r = emu_buf_putc(joined, '\n');
    }
    if (r == 0 && len > 0) {
        r = emu_buf_append(joined, line, len);
    }
    else if (r == 0 && p->type == EMU_ML_REGEX && joined->len > 0) {
        r = emu_buf_putc(joined, '\n');
    }
    return r;
}
