/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the audit's decoders: every line of the input through the output-copy line
 * parser, the RFC 3339 timestamp reader, the router-log evidence scanner and the matcher (from
 * the exact end of a heap copy, so ASan sees any read past a line). */
#include <stdint.h>
#include <string.h>

#include "emu/audit/audit.h"
#include "emu/base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024u * 1024u) {
        return 0;
    }
    struct emu_audit_match *m = NULL;
    if (emu_audit_match_new(&m) < 0) {
        return 0;
    }
    struct emu_audit_router_log ev = {0};
    const char *p = (const char *)data, *end = p + size;
    uint64_t n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = emu_malloc(len ? len : 1); /* exact size: no slack after the line */
        if (!line) {
            break;
        }
        memcpy(line, p, len);
        struct emu_audit_out_line ol;
        if (emu_audit_out_parse(line, len, &ol) == 0) {
            (void)emu_audit_ts_ms(ol.ts, ol.ts_len);
            emu_audit_router_line(&ev, "app-firelens-0123", ol.text, ol.len);
            uint64_t h = emu_audit_hash(ol.text, ol.len);
            if (n++ % 2 == 0) {
                (void)emu_audit_match_written_on(m, h, ol.stream == 2, ol.stream);
            }
            else {
                emu_audit_match_arrived(m, h);
            }
        }
        emu_audit_router_line(&ev, "app-firelens-0123", line, len);
        (void)emu_audit_ts_ms(line, len);
        emu_free(line);
        p += len + (nl ? 1 : 0);
    }
    struct emu_audit_counts c;
    emu_audit_match_counts(m, &c);
    if (c.delivered + c.lost != c.expected) {
        __builtin_trap();
    }
    struct emu_audit_stage st[EMU_AUDIT_MAX_STAGES];
    struct emu_audit_attr_in in = {.lost = c.lost, .tail_lost = c.tail_lost, .router = ev,
                                   .exited = true, .exit_gap_ms = 10, .written_all = c.written};
    size_t ns = emu_audit_attribute(&in, st);
    uint64_t sum = 0;
    for (size_t i = 0; i < ns; i++) {
        sum += st[i].lines;
    }
    if (sum != c.lost) {
        __builtin_trap();
    }
    emu_audit_match_free(m);
    return 0;
}
