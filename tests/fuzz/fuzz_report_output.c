/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the decoder of a container's output copy (<task-id>.out/<name>.log lines
 * "<RFC3339Nano> <stdout|stderr> <line>"), fed whole and in two pieces at every split the input
 * suggests; both must count the same. Any crash, leak or disagreement is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/mem.h"
#include "emu/report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(const uint8_t *data, size_t size, size_t split, struct emu_report_container *c)
{
    struct emu_report_output_state st;
    memset(&st, 0, sizeof(st));
    memset(c, 0, sizeof(*c));
    c->series.t0_ms = 1700000000000;
    emu_report_output_feed(&st, (const char *)data, split, c);
    emu_report_output_feed(&st, (const char *)data + split, size - split, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    static struct emu_report_container a, b;
    feed(data, size, size, &a);
    feed(data, size, size > 0 ? data[0] % (size + 1) : 0, &b);
    if (a.lines != b.lines || a.bytes != b.bytes || a.stderr_lines != b.stderr_lines ||
        a.first_ms != b.first_ms || a.last_ms != b.last_ms) {
        abort();
    }
    if (a.lines != a.stdout_lines + a.stderr_lines) {
        abort();
    }
    emu_report_series_done(&a.series);
    emu_report_series_done(&b.series);
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
