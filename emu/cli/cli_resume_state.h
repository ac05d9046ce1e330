/* SPDX-License-Identifier: Apache-2.0 */
/* <data-dir>/tasks/<id>.resume.json: what a task's supervisor knows that shapes its endpoints
 * (IAM enforcement and policies, the fault engine, the awslogs positions delivered), kept so a
 * supervisor started by `fargate-emu resume` behaves as the one that died. */
#ifndef EMU_CLI_CLI_RESUME_STATE_H
#define EMU_CLI_CLI_RESUME_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"
#include "emu/runtime/runtime.h"

#define EMU_CLI_RESUME_SUFFIX ".resume.json"
#define EMU_CLI_RESUME_MAX (12u * 1024u * 1024u) /* policies are at most a few per role */

/* One awslogs container's position: the last line delivered to CloudWatch Logs is the
 * same-th line Docker timestamped ns (Unix nanoseconds). ns 0 = nothing delivered yet. */
struct emu_cli_awslogs_pos {
    char container[256];
    int64_t ns;
    uint64_t same;
};

struct emu_cli_resume_state {
    struct cJSON *root;             /* owned */
    int64_t wall_ms;                /* when it was written */
    bool enforce_iam;
    const struct cJSON *task_role;  /* kept policies (cli_iam.h), with enforce_iam */
    const struct cJSON *exec_role;  /* NULL: the execution role was not checked */
    char *faults;                   /* the fault engine's JSON (emu_malloc'd), NULL = none */
    size_t faults_len;
    struct emu_cli_awslogs_pos awslogs[EMU_TASK_MAX_CONTAINERS];
    size_t n_awslogs;
};

/* What a supervisor writes; each part may be NULL/empty. */
struct emu_cli_resume_parts {
    int64_t wall_ms;
    bool enforce_iam;
    const char *task_role_json;   /* emu_cli_iam_kept_json's arrays */
    const char *exec_role_json;   /* NULL: not checked */
    const char *faults_json;      /* shim_faults_save_json's object */
    const struct emu_cli_awslogs_pos *awslogs;
    size_t n_awslogs;
};

/* Serialises parts (one JSON object) into out. */
int emu_cli_resume_state_format(const struct emu_cli_resume_parts *p, struct emu_buf *out);

/* Parses len bytes of such an object. Returns 0, -ENOMEM, or -EINVAL with err naming the
 * member at fault. ret is always safe to pass to emu_cli_resume_state_done. */
int emu_cli_resume_state_parse(const char *data, size_t len, struct emu_cli_resume_state *ret,
                               char *err, size_t err_size);

/* Reads <data-dir>/tasks/<id>.resume.json: 0, -ENOENT (never written: a task from an older
 * fargate-emu), -EINVAL (err), or another negative errno. */
int emu_cli_resume_state_load(const char *data_dir, const char *id,
                              struct emu_cli_resume_state *ret, char *err, size_t err_size);

/* Writes the file atomically, mode 0600 (it holds policy documents). */
int emu_cli_resume_state_write(const char *data_dir, const char *id,
                               const struct emu_cli_resume_parts *p);

/* The awslogs position of container, or NULL. */
const struct emu_cli_awslogs_pos *emu_cli_resume_state_awslogs(
    const struct emu_cli_resume_state *s, const char *container);

void emu_cli_resume_state_done(struct emu_cli_resume_state *s);

#endif
