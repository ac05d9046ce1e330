/* SPDX-License-Identifier: Apache-2.0 */
/* Template parser: splits a template into literal, interpolation and directive parts (applying
 * `$${`/`%%{` escapes and `~` strip markers as HCL does), nests the directives, and parses the
 * expressions inside them (HCL's operator precedence) into a tree in an arena. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/tf/tftpl_internal.h"

enum part_kind { P_LIT = 0, P_INTERP, P_IF, P_ELSE, P_ENDIF, P_FOR, P_ENDFOR, P_END };

struct part {
    enum part_kind kind;
    size_t off;
    struct tt_node *node; /* P_LIT: TT_LIT, P_INTERP: expression, P_IF: condition, P_FOR: coll */
    const char *key_var;
    const char *val_var;
};

struct parts {
    struct part *v;
    size_t n;
    size_t cap;
};

struct parser {
    const char *src;
    size_t len;
    size_t pos;
    struct emu_arena *arena;
    struct emu_tftpl_error *err;
    int rc; /* first failure; 0 while fine */
    unsigned depth;
};

static const char *const part_names[] = {"literal", "interpolation", "if",     "else",
                                         "endif",   "for",           "endfor", "end"};

void tt_error_at(struct emu_tftpl_error *err, const char *src, size_t len, size_t off,
                 const char *fmt, ...)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch == '\n') {
            line++;
            col = 1;
        }
        else if ((ch & 0xC0u) != 0x80u) {
            col++;
        }
    }
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

static int fail(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
    if (p->rc) {
        return p->rc;
    }
    char msg[sizeof(p->err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tt_error_at(p->err, p->src, p->len, off, "%s", msg);
    p->rc = EMU_EINVAL;
    return p->rc;
}

static int oom(struct parser *p)
{
    if (!p->rc) {
        p->rc = EMU_ENOMEM;
        snprintf(p->err->message, sizeof(p->err->message), "out of memory");
    }
    return p->rc;
}

static struct tt_node *new_node(struct parser *p, enum tt_kind kind, size_t off)
{
    struct tt_node *n = emu_arena_alloc(p->arena, sizeof(*n));
    if (!n) {
        oom(p);
        return NULL;
    }
    n->kind = kind;
    n->off = off;
    return n;
}

/* Appends to a node's items (and keys, when key is given), growing geometrically in the arena. */
static int push_item(struct parser *p, struct tt_node *n, size_t *cap, struct tt_node *item,
                     struct tt_node *key)
{
    if (n->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct tt_node **items = emu_arena_alloc(p->arena, ncap * sizeof(*items));
        struct tt_node **keys =
            key || n->keys ? emu_arena_alloc(p->arena, ncap * sizeof(*keys)) : NULL;
        if (!items || ((key || n->keys) && !keys)) {
            return oom(p);
        }
        if (n->n) {
            memcpy(items, n->items, n->n * sizeof(*items));
            if (n->keys) {
                memcpy(keys, n->keys, n->n * sizeof(*keys));
            }
        }
        n->items = items;
        n->keys = keys;
        *cap = ncap;
    }
    n->items[n->n] = item;
    if (n->keys) {
        n->keys[n->n] = key;
    }
    n->n++;
    return 0;
}

/* ---- Expressions ---------------------------------------------------------------------------- */

static bool at(const struct parser *p, const char *s)
{
    size_t n = strlen(s);
    return p->pos + n <= p->len && memcmp(p->src + p->pos, s, n) == 0;
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Skips spaces, newlines and comments inside `${ }` and `%{ }`. */
static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->src[p->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            p->pos++;
        }
        else if (c == '#' || at(p, "//")) {
            while (p->pos < p->len && p->src[p->pos] != '\n') {
                p->pos++;
            }
        }
        else if (at(p, "/*")) {
            size_t start = p->pos;
            p->pos += 2;
            while (p->pos < p->len && !at(p, "*/")) {
                p->pos++;
            }
            if (p->pos >= p->len) {
                fail(p, start, "unterminated /* comment");
                return;
            }
            p->pos += 2;
        }
        else {
            break;
        }
    }
}

static bool accept(struct parser *p, const char *s)
{
    skip_ws(p);
    if (at(p, s)) {
        p->pos += strlen(s);
        return true;
    }
    return false;
}

static const char *read_ident(struct parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && is_ident_char((unsigned char)p->src[p->pos])) {
        p->pos++;
    }
    char *s = emu_arena_strndup(p->arena, p->src + start, p->pos - start);
    if (!s) {
        oom(p);
    }
    return s;
}

/* Describes what is at the current position, for "expected X, found Y" messages. */
static void describe_here(const struct parser *p, char *buf, size_t cap)
{
    if (p->pos >= p->len) {
        snprintf(buf, cap, "the end of the template");
        return;
    }
    char c = p->src[p->pos];
    if (c == '\n') {
        snprintf(buf, cap, "a newline");
    }
    else {
        snprintf(buf, cap, "\"%c\"", c);
    }
}

static struct tt_node *parse_expr(struct parser *p);
static int parse_parts(struct parser *p, bool quoted, struct parts *out);
static struct tt_node *build_template(struct parser *p, struct parts *parts, size_t start_off);

static struct tt_node *parse_number(struct parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && is_digit((unsigned char)p->src[p->pos])) {
        p->pos++;
    }
    if (p->pos + 1 < p->len && p->src[p->pos] == '.' &&
        is_digit((unsigned char)p->src[p->pos + 1])) {
        p->pos++;
        while (p->pos < p->len && is_digit((unsigned char)p->src[p->pos])) {
            p->pos++;
        }
    }
    if (p->pos < p->len && (p->src[p->pos] == 'e' || p->src[p->pos] == 'E')) {
        size_t save = p->pos++;
        if (p->pos < p->len && (p->src[p->pos] == '+' || p->src[p->pos] == '-')) {
            p->pos++;
        }
        if (p->pos < p->len && is_digit((unsigned char)p->src[p->pos])) {
            while (p->pos < p->len && is_digit((unsigned char)p->src[p->pos])) {
                p->pos++;
            }
        }
        else {
            p->pos = save;
        }
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof(buf)) {
        fail(p, start, "number literal is too long");
        return NULL;
    }
    memcpy(buf, p->src + start, n);
    buf[n] = '\0';
    struct tt_node *node = new_node(p, TT_NUM, start);
    if (node) {
        node->num = strtod(buf, NULL);
    }
    return node;
}

static struct tt_node *parse_string(struct parser *p)
{
    size_t start = p->pos;
    p->pos++; /* opening quote */
    struct parts parts = {0};
    if (parse_parts(p, true, &parts) < 0) {
        return NULL;
    }
    struct tt_node *seq = build_template(p, &parts, start);
    struct tt_node *node = seq ? new_node(p, TT_STR, start) : NULL;
    if (node) {
        node->a = seq;
    }
    return node;
}

static struct tt_node *parse_collection(struct parser *p, bool object)
{
    size_t start = p->pos++;
    struct tt_node *node = new_node(p, object ? TT_OBJECT : TT_TUPLE, start);
    size_t cap = 0;
    const char *close = object ? "}" : "]";
    while (node && !p->rc) {
        if (accept(p, close)) {
            return node;
        }
        if (p->pos >= p->len) {
            fail(p, start, "this %s has no closing \"%s\"", object ? "object" : "list", close);
            return NULL;
        }
        struct tt_node *key = NULL;
        if (object) {
            skip_ws(p);
            size_t koff = p->pos;
            if (p->pos < p->len && is_ident_start((unsigned char)p->src[p->pos])) {
                /* A bare name is the key itself: a one-literal string template. */
                key = new_node(p, TT_STR, koff);
                struct tt_node *seq = key ? new_node(p, TT_SEQ, koff) : NULL;
                struct tt_node *lit = seq ? new_node(p, TT_LIT, koff) : NULL;
                size_t seq_cap = 0;
                if (!lit || push_item(p, seq, &seq_cap, lit, NULL) < 0) {
                    return NULL;
                }
                lit->text = read_ident(p);
                lit->len = lit->text ? strlen(lit->text) : 0;
                key->a = seq;
            }
            else {
                key = parse_expr(p);
            }
            if (!key) {
                return NULL;
            }
            if (!accept(p, "=") && !accept(p, ":")) {
                char here[40];
                describe_here(p, here, sizeof(here));
                fail(p, p->pos, "expected \"=\" after an object key, found %s", here);
                return NULL;
            }
        }
        struct tt_node *item = parse_expr(p);
        if (!item || push_item(p, node, &cap, item, key) < 0) {
            return NULL;
        }
        if (!accept(p, ",") && !object) {
            if (accept(p, close)) {
                return node;
            }
            char here[40];
            describe_here(p, here, sizeof(here));
            fail(p, p->pos, "expected \",\" or \"]\" in a list, found %s", here);
            return NULL;
        }
    }
    return NULL;
}

static struct tt_node *parse_primary(struct parser *p)
{
    skip_ws(p);
    if (p->rc) {
        return NULL;
    }
    size_t start = p->pos;
    if (p->pos >= p->len) {
        fail(p, start, "expected an expression, found the end of the template");
        return NULL;
    }
    unsigned char c = (unsigned char)p->src[p->pos];
    if (is_digit(c)) {
        return parse_number(p);
    }
    if (c == '"') {
        return parse_string(p);
    }
    if (c == '(') {
        p->pos++;
        struct tt_node *e = parse_expr(p);
        if (e && !accept(p, ")")) {
            fail(p, start, "this \"(\" has no closing \")\"");
            return NULL;
        }
        return e;
    }
    if (c == '[' || c == '{') {
        return parse_collection(p, c == '{');
    }
    if (at(p, "<<")) {
        fail(p, start, "heredoc strings are not supported inside a template expression");
        return NULL;
    }
    if (!is_ident_start(c)) {
        char here[40];
        describe_here(p, here, sizeof(here));
        fail(p, start, "expected an expression, found %s", here);
        return NULL;
    }
    const char *name = read_ident(p);
    if (!name) {
        return NULL;
    }
    if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0) {
        struct tt_node *n = new_node(p, TT_BOOL, start);
        if (n) {
            n->b = name[0] == 't';
        }
        return n;
    }
    if (strcmp(name, "null") == 0) {
        return new_node(p, TT_NULL, start);
    }
    skip_ws(p);
    if (strcmp(name, "for") == 0 && p->pos < p->len &&
        is_ident_start((unsigned char)p->src[p->pos])) {
        fail(p, start, "for expressions are not supported (use a %%{ for } directive)");
        return NULL;
    }
    skip_ws(p);
    if (at(p, "(")) {
        struct tt_node *call = new_node(p, TT_CALL, start);
        if (!call) {
            return NULL;
        }
        call->name = name;
        p->pos++;
        size_t cap = 0;
        if (accept(p, ")")) {
            return call;
        }
        for (;;) {
            struct tt_node *arg = parse_expr(p);
            if (!arg || push_item(p, call, &cap, arg, NULL) < 0) {
                return NULL;
            }
            if (accept(p, "...")) {
                fail(p, p->pos - 3, "expanding arguments with \"...\" is not supported");
                return NULL;
            }
            if (accept(p, ")")) {
                return call;
            }
            if (!accept(p, ",")) {
                char here[40];
                describe_here(p, here, sizeof(here));
                fail(p, p->pos, "expected \",\" or \")\" in the arguments of %s, found %s", name,
                     here);
                return NULL;
            }
            if (accept(p, ")")) {
                return call; /* trailing comma */
            }
        }
    }
    struct tt_node *v = new_node(p, TT_VAR, start);
    if (v) {
        v->name = name;
    }
    return v;
}

static struct tt_node *parse_postfix(struct parser *p)
{
    struct tt_node *e = parse_primary(p);
    while (e && !p->rc) {
        skip_ws(p);
        size_t off = p->pos;
        if (at(p, "[")) {
            p->pos++;
            skip_ws(p);
            if (at(p, "*")) {
                fail(p, off, "splat expressions ([*]) are not supported");
                return NULL;
            }
            struct tt_node *idx = new_node(p, TT_INDEX, off);
            struct tt_node *key = idx ? parse_expr(p) : NULL;
            if (!key) {
                return NULL;
            }
            if (!accept(p, "]")) {
                fail(p, off, "this \"[\" has no closing \"]\"");
                return NULL;
            }
            idx->a = e;
            idx->bn = key;
            e = idx;
        }
        else if (at(p, ".") && !at(p, "...")) {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && is_digit((unsigned char)p->src[p->pos])) {
                struct tt_node *idx = new_node(p, TT_INDEX, off);
                struct tt_node *key = idx ? parse_number(p) : NULL;
                if (!key) {
                    return NULL;
                }
                idx->a = e;
                idx->bn = key;
                e = idx;
            }
            else if (p->pos < p->len && is_ident_start((unsigned char)p->src[p->pos])) {
                struct tt_node *attr = new_node(p, TT_ATTR, off + 1);
                if (!attr) {
                    return NULL;
                }
                attr->a = e;
                attr->name = read_ident(p);
                e = attr;
            }
            else if (at(p, "*")) {
                fail(p, off, "splat expressions (.*) are not supported");
                return NULL;
            }
            else {
                fail(p, p->pos, "expected an attribute name after \".\"");
                return NULL;
            }
        }
        else {
            break;
        }
    }
    return e;
}

static struct tt_node *parse_unary(struct parser *p)
{
    skip_ws(p);
    size_t off = p->pos;
    int op = at(p, "!") && !at(p, "!=") ? TT_OP_NOT : at(p, "-") ? TT_OP_NEG : 0;
    if (!op) {
        return parse_postfix(p);
    }
    if (++p->depth > EMU_TFTPL_MAX_DEPTH) {
        fail(p, off, "the expression is nested more than %u levels deep", EMU_TFTPL_MAX_DEPTH);
        return NULL;
    }
    p->pos++;
    struct tt_node *n = new_node(p, TT_UNARY, off);
    struct tt_node *a = n ? parse_unary(p) : NULL;
    p->depth--;
    if (!a) {
        return NULL;
    }
    n->op = op;
    n->a = a;
    return n;
}

struct binop {
    const char *tok;
    int op;
    int prec;
};

/* HCL's levels, loosest first: || && (== !=) (< <= > >=) (+ -) (* / %). Longer tokens first. */
static const struct binop binops[] = {
    {"||", TT_OP_OR, 1}, {"&&", TT_OP_AND, 2}, {"==", TT_OP_EQ, 3}, {"!=", TT_OP_NE, 3},
    {"<=", TT_OP_LE, 4}, {">=", TT_OP_GE, 4},  {"<", TT_OP_LT, 4},  {">", TT_OP_GT, 4},
    {"+", TT_OP_ADD, 5}, {"-", TT_OP_SUB, 5},  {"*", TT_OP_MUL, 6}, {"/", TT_OP_DIV, 6},
    {"%", TT_OP_MOD, 6},
};

static const struct binop *peek_binop(struct parser *p)
{
    skip_ws(p);
    for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++) {
        if (at(p, binops[i].tok)) {
            /* "/" starting a comment was skipped by skip_ws; "%{" cannot follow an operand. */
            return &binops[i];
        }
    }
    return NULL;
}

static struct tt_node *parse_binary(struct parser *p, int min_prec)
{
    struct tt_node *lhs = parse_unary(p);
    while (lhs && !p->rc) {
        const struct binop *b = peek_binop(p);
        if (!b || b->prec < min_prec) {
            break;
        }
        size_t off = p->pos;
        p->pos += strlen(b->tok);
        struct tt_node *rhs = parse_binary(p, b->prec + 1);
        struct tt_node *n = rhs ? new_node(p, TT_BINOP, off) : NULL;
        if (!n) {
            return NULL;
        }
        n->op = b->op;
        n->a = lhs;
        n->bn = rhs;
        lhs = n;
    }
    return lhs;
}

static struct tt_node *parse_expr(struct parser *p)
{
    skip_ws(p);
    size_t off = p->pos;
    if (++p->depth > EMU_TFTPL_MAX_DEPTH) {
        fail(p, off, "the expression is nested more than %u levels deep", EMU_TFTPL_MAX_DEPTH);
        return NULL;
    }
    struct tt_node *cond = parse_binary(p, 1);
    if (cond && accept(p, "?")) {
        struct tt_node *n = new_node(p, TT_COND, off);
        struct tt_node *t = n ? parse_expr(p) : NULL;
        if (t && !accept(p, ":")) {
            char here[40];
            describe_here(p, here, sizeof(here));
            fail(p, p->pos, "expected \":\" in a conditional expression, found %s", here);
            t = NULL;
        }
        struct tt_node *f = t ? parse_expr(p) : NULL;
        if (!f) {
            p->depth--;
            return NULL;
        }
        n->a = cond;
        n->bn = t;
        n->c = f;
        cond = n;
    }
    p->depth--;
    return cond;
}

/* ---- Template parts ----------------------------------------------------------------------- */

static int push_part(struct parser *p, struct parts *parts, struct part part)
{
    if (parts->n == parts->cap) {
        size_t ncap = parts->cap ? parts->cap * 2 : 16;
        struct part *v = emu_arena_alloc(p->arena, ncap * sizeof(*v));
        if (!v) {
            return oom(p);
        }
        if (parts->n) {
            memcpy(v, parts->v, parts->n * sizeof(*v));
        }
        parts->v = v;
        parts->cap = ncap;
    }
    parts->v[parts->n++] = part;
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Ends the literal being collected in lit (if any) as a part; ltrim applies a `~}` before it. */
static int flush_literal(struct parser *p, struct parts *parts, struct emu_buf *lit, size_t lit_off,
                         bool *ltrim)
{
    const char *s = lit->data ? lit->data : "";
    size_t n = lit->len;
    if (*ltrim) {
        while (n && is_space(*s)) {
            s++;
            n--;
        }
        *ltrim = false;
    }
    struct tt_node *node = new_node(p, TT_LIT, lit_off);
    char *text = node ? emu_arena_strndup(p->arena, s, n) : NULL;
    if (!text) {
        emu_buf_done(lit);
        return oom(p);
    }
    node->text = text;
    node->len = n;
    lit->len = 0;
    return push_part(p, parts, (struct part){.kind = P_LIT, .off = lit_off, .node = node});
}

/* A `${~` or `%{~` opener trims trailing whitespace of the literal part just before it. */
static void rtrim_previous(struct parts *parts)
{
    if (parts->n && parts->v[parts->n - 1].kind == P_LIT) {
        struct tt_node *lit = parts->v[parts->n - 1].node;
        while (lit->len && is_space(lit->text[lit->len - 1])) {
            lit->len--;
        }
    }
}

/* Reads `~}` or `}` closing a sequence opened at open_off; sets *strip_next for `~}`. */
static int close_sequence(struct parser *p, size_t open_off, bool directive, bool *strip_next)
{
    skip_ws(p);
    if (p->rc) {
        return p->rc;
    }
    if (at(p, "~}")) {
        p->pos += 2;
        *strip_next = true;
        return 0;
    }
    if (at(p, "}")) {
        p->pos++;
        return 0;
    }
    if (p->pos >= p->len) {
        return fail(p, open_off, "this %s has no closing \"}\"",
                    directive ? "directive" : "interpolation");
    }
    char here[40];
    describe_here(p, here, sizeof(here));
    return fail(p, p->pos,
                "expected \"}\" to close the %s, found %s (to write a literal \"%s\", "
                "escape it as \"%s\")",
                directive ? "directive" : "interpolation", here, directive ? "%{" : "${",
                directive ? "%%{" : "$${");
}

static int parse_directive(struct parser *p, struct parts *parts, size_t open_off, bool *strip_next)
{
    skip_ws(p);
    size_t kw_off = p->pos;
    if (p->pos >= p->len || !is_ident_start((unsigned char)p->src[p->pos])) {
        return fail(p, kw_off,
                    "expected a directive keyword (if, else, endif, for, endfor) "
                    "after \"%%{\"");
    }
    const char *kw = read_ident(p);
    if (!kw) {
        return p->rc;
    }
    struct part part = {.off = open_off};
    if (strcmp(kw, "if") == 0) {
        part.kind = P_IF;
        part.node = parse_expr(p);
    }
    else if (strcmp(kw, "else") == 0) {
        part.kind = P_ELSE;
    }
    else if (strcmp(kw, "endif") == 0) {
        part.kind = P_ENDIF;
    }
    else if (strcmp(kw, "endfor") == 0) {
        part.kind = P_ENDFOR;
    }
    else if (strcmp(kw, "for") == 0) {
        part.kind = P_FOR;
        skip_ws(p);
        if (p->pos >= p->len || !is_ident_start((unsigned char)p->src[p->pos])) {
            return fail(p, p->pos, "expected a variable name after \"for\"");
        }
        part.val_var = read_ident(p);
        if (accept(p, ",")) {
            skip_ws(p);
            if (p->pos >= p->len || !is_ident_start((unsigned char)p->src[p->pos])) {
                return fail(p, p->pos, "expected a value variable name after \",\"");
            }
            part.key_var = part.val_var;
            part.val_var = read_ident(p);
        }
        skip_ws(p);
        if (!at(p, "in") ||
            (p->pos + 2 < p->len && is_ident_char((unsigned char)p->src[p->pos + 2]))) {
            return fail(p, p->pos, "expected \"in\" after the variable names of a for directive");
        }
        p->pos += 2;
        part.node = parse_expr(p);
    }
    else {
        return fail(p, kw_off, "unknown directive \"%s\" (expected if, else, endif, for or endfor)",
                    kw);
    }
    if (p->rc || ((part.kind == P_IF || part.kind == P_FOR) && !part.node)) {
        return p->rc ? p->rc : oom(p);
    }
    if (close_sequence(p, open_off, true, strip_next) < 0) {
        return p->rc;
    }
    return push_part(p, parts, part);
}

/* Splits text into parts until the end (or, quoted, the closing `"`). */
static int parse_parts(struct parser *p, bool quoted, struct parts *out)
{
    struct emu_buf lit;
    emu_buf_init(&lit, EMU_TFTPL_MAX_OUTPUT);
    size_t lit_off = p->pos;
    size_t open_quote = p->pos ? p->pos - 1 : 0;
    bool ltrim = false;
    while (!p->rc) {
        if (p->pos >= p->len) {
            if (quoted) {
                fail(p, open_quote, "this string has no closing quote");
                break;
            }
            break;
        }
        char c = p->src[p->pos];
        const char *emit = NULL;
        size_t emit_len = 0, advance = 1;
        if (quoted && c == '"') {
            p->pos++;
            break;
        }
        if (quoted && c == '\n') {
            fail(p, open_quote, "this string has no closing quote before the end of the line");
            break;
        }
        if (at(p, "$${") || at(p, "%%{")) {
            emit = p->src + p->pos + 1;
            emit_len = 2;
            advance = 3;
        }
        else if (at(p, "${") || at(p, "%{")) {
            bool directive = c == '%';
            size_t open_off = p->pos;
            p->pos += 2;
            bool strip_prev = at(p, "~");
            if (strip_prev) {
                p->pos++;
            }
            if (flush_literal(p, out, &lit, lit_off, &ltrim) < 0) {
                break;
            }
            if (strip_prev) {
                rtrim_previous(out);
            }
            bool strip_next = false;
            if (directive) {
                if (parse_directive(p, out, open_off, &strip_next) < 0) {
                    break;
                }
            }
            else {
                struct tt_node *e = parse_expr(p);
                if (!e || close_sequence(p, open_off, false, &strip_next) < 0 ||
                    push_part(p, out, (struct part){.kind = P_INTERP, .off = open_off, .node = e}) <
                        0) {
                    break;
                }
            }
            ltrim = strip_next;
            lit_off = p->pos;
            continue;
        }
        else if (quoted && c == '\\') {
            if (p->pos + 1 >= p->len) {
                fail(p, p->pos, "unfinished escape sequence");
                break;
            }
            char e = p->src[p->pos + 1];
            static const char from[] = "nrt\"\\";
            static const char to[] = "\n\r\t\"\\";
            const char *f = strchr(from, e);
            if (f && e) {
                emit = &to[f - from];
                emit_len = 1;
                advance = 2;
            }
            else if (e == 'u' || e == 'U') {
                size_t digits = e == 'u' ? 4 : 8;
                unsigned long cp = 0;
                size_t i;
                for (i = 0; i < digits && p->pos + 2 + i < p->len; i++) {
                    char h = p->src[p->pos + 2 + i];
                    int v = is_digit((unsigned char)h) ? h - '0'
                            : (h >= 'a' && h <= 'f')   ? h - 'a' + 10
                            : (h >= 'A' && h <= 'F')   ? h - 'A' + 10
                                                       : -1;
                    if (v < 0) {
                        break;
                    }
                    cp = cp * 16 + (unsigned long)v;
                }
                if (i != digits || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    fail(p, p->pos, "invalid \\%c escape sequence", e);
                    break;
                }
                if (emu_buf_put_utf8(&lit, cp) < 0) {
                    oom(p);
                    break;
                }
                p->pos += 2 + digits;
                continue;
            }
            else {
                fail(p, p->pos, "invalid escape sequence \"\\%c\"", e);
                break;
            }
        }
        else {
            emit = p->src + p->pos;
            emit_len = 1;
        }
        if (emu_buf_append(&lit, emit, emit_len) < 0) {
            oom(p);
            break;
        }
        p->pos += advance;
    }
    if (!p->rc) {
        flush_literal(p, out, &lit, lit_off, &ltrim);
    }
    emu_buf_done(&lit);
    if (!p->rc) {
        push_part(p, out, (struct part){.kind = P_END, .off = p->pos});
    }
    return p->rc;
}

/* ---- Nesting the directives --------------------------------------------------------------- */

static struct tt_node *build_seq(struct parser *p, struct parts *parts, size_t *i,
                                 const struct part **ret_end)
{
    struct tt_node *seq = new_node(p, TT_SEQ, *i < parts->n ? parts->v[*i].off : 0);
    size_t cap = 0;
    while (seq && !p->rc && *i < parts->n) {
        const struct part *pt = &parts->v[*i];
        switch (pt->kind) {
        case P_LIT:
            (*i)++;
            if (pt->node->len && push_item(p, seq, &cap, pt->node, NULL) < 0) {
                return NULL;
            }
            break;
        case P_INTERP: {
            (*i)++;
            struct tt_node *n = new_node(p, TT_INTERP, pt->off);
            if (!n) {
                return NULL;
            }
            n->a = pt->node;
            if (push_item(p, seq, &cap, n, NULL) < 0) {
                return NULL;
            }
            break;
        }
        case P_IF:
        case P_FOR: {
            (*i)++;
            if (++p->depth > EMU_TFTPL_MAX_DEPTH) {
                fail(p, pt->off, "directives are nested more than %u levels deep",
                     EMU_TFTPL_MAX_DEPTH);
                return NULL;
            }
            bool is_if = pt->kind == P_IF;
            struct tt_node *n = new_node(p, is_if ? TT_IF : TT_FOR, pt->off);
            const struct part *end = NULL;
            struct tt_node *body = n ? build_seq(p, parts, i, &end) : NULL;
            if (!body) {
                return NULL;
            }
            n->a = pt->node;
            n->bn = body;
            if (is_if && end->kind == P_ELSE) {
                (*i)++;
                n->c = build_seq(p, parts, i, &end);
                if (!n->c) {
                    return NULL;
                }
                if (end->kind == P_ELSE) {
                    fail(p, end->off, "unexpected else directive: this if already has an else");
                    return NULL;
                }
            }
            enum part_kind want = is_if ? P_ENDIF : P_ENDFOR;
            if (end->kind != want) {
                if (end->kind == P_END) {
                    fail(p, pt->off, "this %s directive has no matching %s", is_if ? "if" : "for",
                         part_names[want]);
                }
                else if (!is_if && end->kind == P_ELSE) {
                    fail(p, end->off, "unexpected else directive: a for directive has no else");
                }
                else {
                    fail(p, end->off,
                         "unexpected %s directive: expected the %s of the %s "
                         "directive opened before it",
                         part_names[end->kind], part_names[want], is_if ? "if" : "for");
                }
                return NULL;
            }
            (*i)++;
            p->depth--;
            if (!is_if) {
                n->name = pt->key_var;
                n->name2 = pt->val_var;
            }
            if (push_item(p, seq, &cap, n, NULL) < 0) {
                return NULL;
            }
            break;
        }
        case P_ELSE:
        case P_ENDIF:
        case P_ENDFOR:
        case P_END:
            *ret_end = pt;
            return seq;
        }
    }
    return NULL;
}

static struct tt_node *build_template(struct parser *p, struct parts *parts, size_t start_off)
{
    size_t i = 0;
    const struct part *end = NULL;
    struct tt_node *seq = build_seq(p, parts, &i, &end);
    if (!seq) {
        return NULL;
    }
    if (end->kind != P_END) {
        fail(p, end->off, "unexpected %s directive: no %s directive is open", part_names[end->kind],
             end->kind == P_ENDFOR ? "for" : "if");
        return NULL;
    }
    seq->off = start_off;
    return seq;
}

int tt_parse(const char *src, size_t len, struct emu_arena *arena, struct tt_node **ret,
             struct emu_tftpl_error *err)
{
    struct parser p = {.src = src, .len = len, .arena = arena, .err = err};
    struct parts parts = {0};
    *ret = NULL;
    if (parse_parts(&p, false, &parts) < 0) {
        return p.rc;
    }
    struct tt_node *seq = build_template(&p, &parts, 0);
    if (!seq) {
        return p.rc ? p.rc : oom(&p);
    }
    *ret = seq;
    return 0;
}
