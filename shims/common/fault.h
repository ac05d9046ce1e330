/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection for the shims: the --fault spec grammar (docs/faults.md), a pure engine that
 * decides per request from a seeded generator with one stream per (rule, shim, operation), down
 * windows on a caller-supplied clock, counters, and the control protocol. No I/O here. */
#ifndef SHIMS_COMMON_FAULT_H
#define SHIMS_COMMON_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

/* Ceilings (every table and string has one). */
#define SHIM_FAULT_MAX_RULES 64
#define SHIM_FAULT_MAX_SPEC 512     /* bytes of one spec */
#define SHIM_FAULT_MAX_SERVICE 16
#define SHIM_FAULT_MAX_OP 64
#define SHIM_FAULT_MAX_CODE 64
#define SHIM_FAULT_MAX_MESSAGE 256
#define SHIM_FAULT_MAX_STREAMS 64   /* (shim, operation) streams one rule keeps apart */
#define SHIM_FAULT_MAX_MS (24LL * 3600 * 1000) /* latency, down and after durations */
#define SHIM_FAULT_MAX_COUNT 1000000000LL
#define SHIM_FAULT_CTL_MAX_LINE 1024 /* one control-protocol request line */

/* A shim as specs name it, and the operations its route table knows. */
struct shim_fault_service {
    const char *name;                /* "s3", "logs", "sts" */
    bool (*has_op)(const char *op);  /* AWS operation name ("PutObject") */
};

enum shim_fault_action {
    SHIM_FAULT_NONE = 0, /* latency only (or nothing) */
    SHIM_FAULT_ERROR,    /* answer an AWS error */
    SHIM_FAULT_RESET,    /* close the connection with a TCP RST, no response */
    SHIM_FAULT_DOWN,     /* a window where the shim refuses connections */
};

struct shim_fault_stream {
    char key[SHIM_FAULT_MAX_SERVICE + SHIM_FAULT_MAX_OP + 2]; /* "s3:PutObject" */
    uint64_t n;                                                /* draws so far */
};

/* One parsed spec. Empty code/status are filled per shim when the fault fires. */
struct shim_fault_rule {
    unsigned id;
    char spec[SHIM_FAULT_MAX_SPEC];
    char service[SHIM_FAULT_MAX_SERVICE]; /* or "*" */
    char op[SHIM_FAULT_MAX_OP];           /* or "*" */
    enum shim_fault_action action;
    double rate;        /* probability per matching request, 1 when not given */
    int64_t count;      /* faults left to inject, -1 for no limit */
    unsigned status;    /* 0: from code, else the shim's default */
    char code[SHIM_FAULT_MAX_CODE];
    char message[SHIM_FAULT_MAX_MESSAGE];
    int64_t latency_ms;
    int64_t after_ms;   /* the rule starts this long after it was added */
    int64_t down_ms;    /* SHIM_FAULT_DOWN: window length */
    int64_t added_ms;
    uint64_t matched;   /* requests the rule was asked about while active */
    uint64_t injected;  /* faults it caused (down: requests reset on open connections) */
    struct shim_fault_stream streams[SHIM_FAULT_MAX_STREAMS];
    size_t n_streams;
    uint64_t overflow_n; /* draws of streams past SHIM_FAULT_MAX_STREAMS */
};

/* Parses one spec into r (id, counters and added_ms left zero). services (n of them, may be
 * NULL to accept any name) validates shim and operation names. Returns 0, or EMU_EINVAL with
 * err holding "invalid fault spec 'SPEC' at position N: WHAT" (N counts from 1). */
int shim_fault_parse(const char *spec, const struct shim_fault_service *services, size_t n,
                     struct shim_fault_rule *r, char *err, size_t err_size);

/* Parses "200ms", "20s", "2m" into milliseconds; -EINVAL on anything else or above the limit. */
int shim_fault_parse_duration(const char *s, size_t len, int64_t *ret_ms);

/* The AWS error a shim answers for code and/or status (either may be empty/0): fills
 * *ret_status, ret_code and the message AWS uses. Returns false when neither is known for that
 * shim and nothing was given. */
bool shim_fault_error_for(const char *service, const char *code, unsigned status,
                          unsigned *ret_status, char ret_code[SHIM_FAULT_MAX_CODE],
                          const char **ret_message);

/* ---- engine ---- */
struct shim_faults;

/* A new engine (no rules) drawing from seed; services as for shim_fault_parse (borrowed, must
 * outlive the engine). NULL on OOM. */
struct shim_faults *shim_faults_new(uint64_t seed, const struct shim_fault_service *services,
                                    size_t n);
/* Frees the engine; NULL is accepted. Returns NULL. */
struct shim_faults *shim_faults_free(struct shim_faults *f);
uint64_t shim_faults_seed(const struct shim_faults *f);

/* Parses and adds a rule at clock now_ms; returns its id (> 0), EMU_EINVAL (err filled) or
 * EMU_E2BIG past SHIM_FAULT_MAX_RULES. */
int shim_faults_add(struct shim_faults *f, const char *spec, int64_t now_ms, char *err,
                    size_t err_size);
/* Removes rule id: 0 or EMU_ENOENT. */
int shim_faults_remove(struct shim_faults *f, unsigned id);
/* Removes every rule (ids keep counting up). */
void shim_faults_clear(struct shim_faults *f);
size_t shim_faults_count(const struct shim_faults *f);
/* Bumped by every add/remove/clear, so servers can notice changes cheaply. */
uint64_t shim_faults_generation(const struct shim_faults *f);

/* What to do with one request. */
struct shim_fault_decision {
    int64_t latency_ms; /* sum of the latency of every rule that fired */
    enum shim_fault_action action; /* NONE, ERROR or RESET */
    unsigned status;
    char code[SHIM_FAULT_MAX_CODE];
    char message[SHIM_FAULT_MAX_MESSAGE];
    unsigned rule_id; /* the rule that chose the action, 0 for none */
};

/* Decides for one request of op on service at now_ms. Every active rule that matches draws
 * from its own (service, op) stream, so the outcome of the k-th such request depends only on
 * the seed, the rules and k, never on other operations' traffic. The first rule (in id order)
 * whose draw fires an error or reset chooses the action; latencies of all firing rules add. */
void shim_faults_decide(struct shim_faults *f, const char *service, const char *op,
                        int64_t now_ms, struct shim_fault_decision *ret);

/* Whether a down window covers service at now_ms. *ret_next_ms (may be NULL) gets the next
 * clock value at which the answer may change, or INT64_MAX. */
bool shim_faults_down(const struct shim_faults *f, const char *service, int64_t now_ms,
                      int64_t *ret_next_ms);
/* Counts a request that a down window of service refused (reset on an open connection). */
void shim_faults_note_down(struct shim_faults *f, const char *service, int64_t now_ms);

/* Appends the JSON members "seed":N,"injected":N,"rules":[...] (no braces) describing every
 * rule at now_ms; "injected" counts rules since removed too. */
int shim_faults_list_json(const struct shim_faults *f, int64_t now_ms, struct emu_buf *out);

/* ---- state kept across a supervisor restart (fault_state.c) ----
 * Appends one JSON object holding what a restarted supervisor needs to go on where this engine
 * was: the seed (as a decimal string, exact), every rule's spec, id, remaining count, counters,
 * age (now_ms - the clock it was added at) and the position of each of its draw streams. */
int shim_faults_save_json(const struct shim_faults *f, int64_t now_ms, struct emu_buf *out);
/* Replaces f's seed and rules with those of a shim_faults_save_json object (len bytes of
 * json), now_ms being the clock value that stands for the moment it was saved (rules' ages are
 * counted back from it, so `after` delays and down windows keep their place in time).
 * Returns 0, or EMU_EINVAL with err naming what is wrong (f is then left without rules),
 * -ENOMEM. */
int shim_faults_restore_json(struct shim_faults *f, const char *json, size_t len,
                             int64_t now_ms, char *err, size_t err_size);
/* Changes whenever a decision, a down-window refusal or a rule change happened (a restarted
 * supervisor's save can be skipped while it stays the same). */
uint64_t shim_faults_stamp(const struct shim_faults *f);

/* ---- control protocol (pure; fault_ctl.c serves it on a unix socket) ----
 * One request per line, one JSON answer per line:
 *   add SPEC      -> {"ok":true,"id":N}
 *   remove ID     -> {"ok":true}
 *   clear         -> {"ok":true,"removed":N}
 *   list          -> {"ok":true,"seed":N,"injected":N,"rules":[...]}
 * errors         -> {"ok":false,"error":"..."}
 * Executes one line (without its '\n', at most SHIM_FAULT_CTL_MAX_LINE bytes) and appends the
 * answer and a '\n' to out. Returns 0 or a negative errno from out (-E2BIG, -ENOMEM). */
int shim_fault_ctl_exec(struct shim_faults *f, const char *line, size_t len, int64_t now_ms,
                        struct emu_buf *out);

#endif
