/* SPDX-License-Identifier: Apache-2.0 */
/* Fluent Bit's multiline parsers: [MULTILINE_PARSER] sections (type regex, rule lines of a
 * state machine) and the built-in docker, cri, go, python and java; and the pure per-stream step
 * that decides whether a line starts, continues or ends a multiline message. */
#ifndef EMU_ROUTER_MLPARSER_H
#define EMU_ROUTER_MLPARSER_H

#include <oniguruma.h>
#include <stddef.h>
#include <stdint.h>

struct emu_buf;
struct emu_diags;
struct emu_router_section;

enum emu_router_ml_type {
    EMU_ML_REGEX = 0, /* rules */
    EMU_ML_DOCKER,    /* a piece not ending in "\n" is continued by the next */
    EMU_ML_CRI,       /* a piece whose _p is "P" is continued by the next */
};

#define EMU_ROUTER_ML_RULES_MAX 256
#define EMU_ROUTER_ML_FROM_MAX 16
#define EMU_ROUTER_ML_FLUSH_DEFAULT 4000 /* ms, flush_timeout's default */

struct emu_router_ml_rule {
    char *from[EMU_ROUTER_ML_FROM_MAX]; /* state names this rule applies in */
    size_t n_from;
    int start;  /* one of from is start_state */
    int ends;   /* some rule of to_state is a start rule: the line completes the message */
    OnigRegex re;
    char *to;
};

struct emu_router_ml_parser {
    char *name;
    enum emu_router_ml_type type;
    char *key_content; /* NULL: none set */
    char *parser;      /* pre-parser name (raw text only), NULL: none */
    int64_t flush_timeout_ms;
    struct emu_router_ml_rule *rules;
    size_t n_rules;
    int builtin;
};

/* Builds a parser from a [MULTILINE_PARSER] section. Returns 0, or EMU_ECONFIG with one
 * "file:line: message" in diags naming the offending line (a rule's own line for a bad rule),
 * or -ENOMEM. Release with emu_router_ml_parser_done (also after a failure). */
int emu_router_ml_parser_init(struct emu_router_ml_parser *p,
                              const struct emu_router_section *sec, struct emu_diags *diags);

/* The built-in parser of that name (docker, cri, go, python, java). 0, -ENOENT or -ENOMEM. */
int emu_router_ml_parser_builtin(struct emu_router_ml_parser *p, const char *name);
/* Nonzero when name is a built-in multiline parser. */
int emu_router_ml_is_builtin(const char *name);

void emu_router_ml_parser_done(struct emu_router_ml_parser *p);

/* Parses the value of one `rule` line: three double-quoted fields (state names separated by
 * commas, /regex/ with optional i, m, x flags after the last slash, next state). On success
 * compiles into r (release with emu_router_ml_rule_done). Returns 0 or -EINVAL with a message. */
int emu_router_ml_rule_parse(struct emu_router_ml_rule *r, const char *value, char *err,
                             size_t err_len);
void emu_router_ml_rule_done(struct emu_router_ml_rule *r);

/* One stream's position: which parser holds the message in progress and in which rule. */
struct emu_router_ml_state {
    const struct emu_router_ml_parser *p; /* NULL: no message in progress */
    const struct emu_router_ml_rule *rule;
};

enum emu_router_ml_action {
    EMU_ML_ALONE = 0, /* complete what is in progress, then the line is a record of its own */
    EMU_ML_START,     /* complete what is in progress, then a new message starts with the line */
    EMU_ML_CONT,      /* the line joins the message in progress */
};

/* Decides what one line does given the parsers (tried in order when no message is in
 * progress) and updates st. partial: for cri, the record's _p is "P". For START and CONT,
 * *ret_p is the parser the message belongs to and *ret_ends is set when the message is
 * complete with this line (it must be completed now). Pure. */
enum emu_router_ml_action emu_router_ml_step(const struct emu_router_ml_parser *const *ps,
                                             size_t n, struct emu_router_ml_state *st,
                                             const char *line, size_t len, int partial,
                                             const struct emu_router_ml_parser **ret_p,
                                             int *ret_ends);

/* Appends a line to the joined text of a message: for regex parsers a "\n" goes before it
 * unless the text is empty or already ends with one, and an empty line adds "\n"; docker and
 * cri pieces are glued as they are. Returns 0, -ENOMEM or -E2BIG (the buffer's ceiling). */
int emu_router_ml_join(const struct emu_router_ml_parser *p, struct emu_buf *joined,
                       const char *line, size_t len);

#endif
