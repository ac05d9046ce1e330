/* SPDX-License-Identifier: Apache-2.0 */
/* PutLogEvents batching rules, pure: events in chronological order, at most 10,000 events and
 * 1,048,576 bytes (message bytes plus 26 per event) per call, a 24-hour span per call, and
 * messages cut to 256 KiB minus the 26-byte overhead. */
#ifndef EMU_ROUTER_CW_BATCH_H
#define EMU_ROUTER_CW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define CW_MAX_EVENTS 10000
#define CW_MAX_BATCH_BYTES 1048576
#define CW_EVENT_OVERHEAD 26
#define CW_MAX_EVENT_BYTES (262144 - CW_EVENT_OVERHEAD)
#define CW_MAX_SPAN_MS (24LL * 3600 * 1000)

/* One event: its message is msg_len bytes at msg_off in the caller's buffer. */
struct cw_event {
    int64_t ts_ms;
    size_t msg_off;
    size_t msg_len;
    size_t seq; /* arrival order, the tie-breaker that keeps the sort stable */
};

/* Length a message is cut to: at most CW_MAX_EVENT_BYTES, backed off to a UTF-8 character
 * boundary. Returns len when it fits. */
size_t cw_event_cut(const char *msg, size_t len);

/* Sorts events by timestamp, arrival order among equal ones. */
void cw_events_sort(struct cw_event *ev, size_t n);

/* The end (exclusive) of the batch that starts at ev[start] in sorted events: as many events as
 * fit the count, byte and span limits (at least one). */
size_t cw_batch_end(const struct cw_event *ev, size_t n, size_t start);

#endif
