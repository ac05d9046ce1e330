/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the template engine shared by its parser (tftpl_parse.c), evaluator
 * (tftpl_eval.c) and function library (tftpl_funcs.c): the syntax tree and error helpers. */
#ifndef EMU_TF_TFTPL_INTERNAL_H
#define EMU_TF_TFTPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/tf/tftpl.h"

enum tt_kind {
    TT_SEQ = 0, /* items: template parts in order */
    TT_LIT,     /* text, len: literal text (escapes and strip markers applied) */
    TT_INTERP,  /* a: the interpolated expression */
    TT_IF,      /* a: condition, b: then-sequence, c: else-sequence (NULL without else) */
    TT_FOR,     /* name: key variable (NULL with one), name2: value variable, a: collection,
                 * b: body sequence */
    TT_STR,     /* a quoted string expression: a = its template sequence */
    TT_NUM,     /* num */
    TT_BOOL,    /* b */
    TT_NULL,
    TT_VAR,    /* name */
    TT_ATTR,   /* a.name */
    TT_INDEX,  /* a[b] */
    TT_CALL,   /* name(items...) */
    TT_COND,   /* a ? b : c */
    TT_BINOP,  /* a op b */
    TT_UNARY,  /* op a ('!' or '-') */
    TT_TUPLE,  /* [items...] */
    TT_OBJECT, /* {keys[i] = items[i], ...} */
};

/* Binary operators (TT_BINOP op). */
enum tt_op {
    TT_OP_OR = 1,
    TT_OP_AND,
    TT_OP_EQ,
    TT_OP_NE,
    TT_OP_LT,
    TT_OP_LE,
    TT_OP_GT,
    TT_OP_GE,
    TT_OP_ADD,
    TT_OP_SUB,
    TT_OP_MUL,
    TT_OP_DIV,
    TT_OP_MOD,
    TT_OP_NOT,
    TT_OP_NEG,
};

struct tt_node {
    enum tt_kind kind;
    size_t off; /* byte offset in the template, for messages */
    int op;
    bool b;
    double num;
    const char *name;
    const char *name2;
    const char *text;
    size_t len;
    struct tt_node *a;
    struct tt_node *bn;
    struct tt_node *c;
    struct tt_node **items;
    struct tt_node **keys;
    size_t n;
};

/* Fills err with the line and column of byte offset off in src and a formatted message. */
void tt_error_at(struct emu_tftpl_error *err, const char *src, size_t len, size_t off,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Parses a whole template into a TT_SEQ in arena. Returns 0, -EINVAL (err set) or -ENOMEM. */
int tt_parse(const char *src, size_t len, struct emu_arena *arena, struct tt_node **ret,
             struct emu_tftpl_error *err);

/* Number formatting as Terraform prints numbers (no exponent, shortest round-trip digits). */
void tt_format_number(double v, char *buf, size_t cap);

/* ---- Evaluation (tftpl_eval.c) ------------------------------------------------------------ */

/* A value during evaluation: owned (delete when done) or borrowed from the variables. */
struct tt_val {
    const cJSON *v; /* NULL after an error */
    cJSON *owned;   /* == v when owned, NULL when borrowed */
};

struct tt_eval {
    const char *src;
    size_t len;
    const cJSON *vars;
    struct {
        const char *name;
        const cJSON *value;
    } scope[2 * EMU_TFTPL_MAX_DEPTH];
    size_t n_scope;
    unsigned long steps;
    unsigned depth;
    struct emu_tftpl_error *err;
    int rc; /* first failure */
};

void tt_drop(struct tt_val *v);
struct tt_val tt_own(cJSON *v);
struct tt_val tt_eval_expr(struct tt_eval *ev, const struct tt_node *n);
int tt_render_seq(struct tt_eval *ev, const struct tt_node *seq, struct emu_buf *out);

/* Records the first error (at template offset off) and returns rc. */
int tt_fail(struct tt_eval *ev, size_t off, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tt_oom(struct tt_eval *ev, size_t off);
/* A buffer append failed with r: records out of memory, or the output ceiling. */
int tt_buf_fail(struct tt_eval *ev, size_t off, int r);

/* Terraform's type names: string, number, bool, list, map, null. */
const char *tt_type_name(const cJSON *v);

/* Conversions with Terraform's rules; `what` names the value in the error message. */
int tt_to_string(struct tt_eval *ev, size_t off, const cJSON *v, const char *what,
                 struct emu_buf *out);
int tt_to_bool(struct tt_eval *ev, size_t off, const cJSON *v, const char *what, bool *ret);
int tt_to_number(struct tt_eval *ev, size_t off, const cJSON *v, const char *what, double *ret);

/* A map's members sorted by key (free the array with emu_free). 0 or -ENOMEM. */
int tt_sorted_members(const cJSON *obj, const cJSON ***ret, size_t *ret_n);

/* ---- Functions (tftpl_funcs.c) ------------------------------------------------------------ */

/* Calls the function named by a TT_CALL node. */
struct tt_val tt_call(struct tt_eval *ev, const struct tt_node *n);

#endif
