/* SPDX-License-Identifier: Apache-2.0 */
/* IAM identity-policy evaluation, pure: policy documents in, Allow / implicit deny / explicit
 * deny out, with Action/NotAction, Resource/NotResource, '*' and '?' wildcards, explicit deny
 * winning, case-insensitive actions. Condition blocks are not evaluated: statements carrying
 * one are counted at load and reported at evaluation, never silently applied or dropped. */
#ifndef EMU_AWS_IAM_H
#define EMU_AWS_IAM_H

#include <stdbool.h>
#include <stddef.h>

#define EMU_IAM_MAX_STATEMENTS 1000
#define EMU_IAM_MAX_ITEMS 256      /* actions or resources per statement */
#define EMU_IAM_MAX_DOCUMENT (128u * 1024u)

struct emu_iam_statement;

/* The policies of one principal (a role): every statement of every document added. */
struct emu_iam_policies {
    struct emu_iam_statement *st;
    size_t n;
    size_t n_conditional; /* statements with a Condition block (not evaluated) */
};

enum emu_iam_decision {
    EMU_IAM_IMPLICIT_DENY = 0, /* no statement allows */
    EMU_IAM_ALLOW,
    EMU_IAM_EXPLICIT_DENY,
};

struct emu_iam_result {
    enum emu_iam_decision decision;
    const char *sid;          /* Sid of the deciding statement, or NULL */
    size_t skipped_conditional; /* matching statements skipped for their Condition block */
    const char *skipped_sid;  /* the first of them */
};

void emu_iam_policies_init(struct emu_iam_policies *p);
void emu_iam_policies_done(struct emu_iam_policies *p);

/* Adds a policy document (or a JSON array of documents). Returns 0, or -EBADMSG with a
 * message in err (err_size bytes) for a document IAM would refuse as MalformedPolicyDocument
 * (no Statement, bad Effect, Action and NotAction together, Principal in an identity policy),
 * -E2BIG past a ceiling, -ENOMEM. */
int emu_iam_policies_add(struct emu_iam_policies *p, const char *json, size_t len, char *err,
                         size_t err_size);

/* Evaluates action ("s3:PutObject", any case) on resource (an ARN) against p. */
void emu_iam_evaluate(const struct emu_iam_policies *p, const char *action, const char *resource,
                      struct emu_iam_result *ret);

/* Wildcard match: '*' any run, '?' one character; ci = ASCII case-insensitive. */
bool emu_iam_match(const char *pattern, const char *s, bool ci);

#endif
