/* SPDX-License-Identifier: Apache-2.0 */
/* PutLogEvents batching: chronological sort, per-call limits (events, bytes with the 26-byte
 * per-event overhead, 24-hour span) and the per-event size cut. Pure, no I/O. */
#include "emu/router/plugins/out_cloudwatch_logs/cw_batch.h"

#include <stdlib.h>

size_t cw_event_cut(const char *msg, size_t len)
{
    if (len <= CW_MAX_EVENT_BYTES) {
        return len;
    }
    size_t cut = CW_MAX_EVENT_BYTES;
    /* Never end inside a UTF-8 sequence: step back over continuation bytes. */
    while (cut > 0 && ((unsigned char)msg[cut] & 0xC0) == 0x80) {
        cut--;
    }
    return cut;
}

static int cmp_events(const void *a, const void *b)
{
    const struct cw_event *x = a, *y = b;
    if (x->ts_ms != y->ts_ms) {
        return x->ts_ms < y->ts_ms ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void cw_events_sort(struct cw_event *ev, size_t n)
{
    if (n > 1) {
        qsort(ev, n, sizeof(*ev), cmp_events);
    }
}

size_t cw_batch_end(const struct cw_event *ev, size_t n, size_t start)
{
    size_t bytes = 0, i = start;
    while (i < n) {
        size_t sz = ev[i].msg_len + CW_EVENT_OVERHEAD;
        if (i > start && (i - start >= CW_MAX_EVENTS || bytes + sz > CW_MAX_BATCH_BYTES ||
                          ev[i].ts_ms - ev[start].ts_ms >= CW_MAX_SPAN_MS)) {
            break;
        }
        bytes += sz;
        i++;
    }
    return i;
}
