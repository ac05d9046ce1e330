/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the CloudWatch Logs JSON 1.1 request parser: the same bytes as the body of
 * every operation, then the PutLogEvents batch rules and the filter-pattern parser on what
 * parsed. */
#include <stdint.h>
#include <string.h>

#include "emu/base/json.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CWL_MAX_BODY) {
        return 0;
    }
    emu_json_init();
    for (int op = 0; op < _CWL_OP_MAX; op++) {
        struct cwl_req q;
        struct cwl_err e;
        int r = cwl_req_parse((enum cwl_op)op, (const char *)data, size, &q, &e);
        if (r == 0 && op == CWL_OP_PUT_LOG_EVENTS) {
            struct cwl_batch_verdict v;
            (void)cwl_batch_check(q.events, q.n_events, 1700000000000LL, 7, &v, &e);
        }
        if (r == 0 && op == CWL_OP_FILTER_LOG_EVENTS) {
            struct cwl_pattern p;
            if (cwl_pattern_parse(q.pattern, &p, &e) == 0) {
                (void)cwl_pattern_match(&p, "ERROR in the WARN disk full", 27);
                cwl_pattern_done(&p);
            }
        }
        if (r == 0 && op == CWL_OP_GET_LOG_EVENTS && q.next_token) {
            char dir;
            uint64_t pos;
            (void)cwl_token_parse(q.next_token, &dir, &pos);
        }
        cwl_req_done(&q);
    }
    return 0;
}
