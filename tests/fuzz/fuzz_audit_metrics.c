/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the audit's reader of the router's metrics (<id>.out/.router.metrics.json,
 * Fluent Bit's /api/v1/metrics inside), from the exact end of a heap copy, then the attribution
 * fed with what it read: the stages must split exactly the lines lost. */
#include <stdint.h>
#include <string.h>

#include "emu/audit/audit.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > EMU_AUDIT_METRICS_MAX) {
        return 0;
    }
    emu_json_init();
    char *copy = emu_malloc(size ? size : 1); /* exact size: no slack after the input */
    if (!copy) {
        return 0;
    }
    memcpy(copy, data, size);
    struct emu_audit_metrics *m = emu_malloc(sizeof(*m));
    if (!m) {
        emu_free(copy);
        return 0;
    }
    (void)emu_audit_metrics_parse(copy, size, m);
    emu_free(copy);
    if (m->n_inputs > EMU_AUDIT_METRICS_INST || m->n_outputs > EMU_AUDIT_METRICS_INST ||
        (!m->present && (m->n_inputs || m->n_outputs))) {
        __builtin_trap();
    }
    uint64_t in_records = 0;
    for (size_t i = 0; i < m->n_inputs; i++) {
        in_records += m->inputs[i].records % 100000u;
        if (strlen(m->inputs[i].name) >= sizeof(m->inputs[i].name)) {
            __builtin_trap();
        }
    }
    const struct emu_audit_minst *out = m->n_outputs ? &m->outputs[0] : NULL;
    uint64_t written = 1000, lost = m->failures % 1001;
    struct emu_audit_stage st[EMU_AUDIT_MAX_STAGES];
    for (int v = 0; v < 4; v++) {
        struct emu_audit_attr_in in = {.lost = lost, .tail_lost = lost / (uint64_t)(v + 1),
                                       .exited = v & 1, .exit_gap_ms = 10,
                                       .written_all = written, .m_present = m->present,
                                       .m_final = m->final, .m_time = m->time,
                                       .m_in_records = in_records, .m_in_shared = v == 2,
                                       .m_out = out, .m_out_shared = v == 3, .m_out_s3 = v & 1};
        in.router.present = v > 0;
        in.router.dropped_tag = m->readings % 500;
        size_t ns = emu_audit_attribute(&in, st);
        uint64_t sum = 0;
        for (size_t i = 0; i < ns; i++) {
            sum += st[i].lines;
        }
        if (ns > EMU_AUDIT_MAX_STAGES || sum != lost) {
            __builtin_trap();
        }
    }
    (void)emu_audit_metrics_find(m, true, "s3.0");
    (void)emu_audit_metrics_find(m, false, "forward.0");
    emu_free(m);
    return 0;
}
