/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for <id>.resume.json as `resume` reads it: the file parser, then the fault
 * engine state restored into an engine (with the real shims' operation tables) and the kept
 * IAM policies added, as a resumed supervisor does. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_fault.h"
#include "emu/cli/cli_iam.h"
#include "emu/cli/cli_resume_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) {
        return 0;
    }
    emu_json_init();
    struct emu_cli_resume_state rs;
    char err[512];
    if (emu_cli_resume_state_parse((const char *)data, size, &rs, err, sizeof(err)) == 0) {
        if (rs.faults) {
            struct shim_faults *f = shim_faults_new(1, emu_cli_fault_services,
                                                    emu_cli_fault_n_services);
            if (f && shim_faults_restore_json(f, rs.faults, rs.faults_len, 1000, err,
                                              sizeof(err)) == 0) {
                struct shim_fault_decision d;
                shim_faults_decide(f, "s3", "PutObject", 2000, &d);
                (void)shim_faults_down(f, "logs", 2000, NULL);
            }
            shim_faults_free(f);
        }
        if (rs.enforce_iam) {
            struct emu_cli_iam iam;
            emu_cli_iam_init(&iam);
            (void)emu_cli_iam_add_kept(&iam, "fuzz", rs.task_role);
            (void)emu_cli_iam_decide(&iam, "s3:PutObject", "arn:aws:s3:::b/k");
            emu_cli_iam_done(&iam);
        }
    }
    emu_cli_resume_state_done(&rs);
    return 0;
}
