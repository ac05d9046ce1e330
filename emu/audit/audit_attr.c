/* SPDX-License-Identifier: Apache-2.0 */
/* The evidence and the attribution: the router's own output (emu-router's and Fluent Bit's
 * messages for chunks given up, retries, Grace expiring, inputs paused at Mem_Buf_Limit), and
 * the rules that split a container's lost lines over the pipeline stages, saying which evidence
 * each share rests on and when it cannot tell. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/audit/audit.h"

static const char *find(const char *s, size_t len, const char *needle)
{
    return memmem(s, len, needle, strlen(needle));
}

static uint64_t number_before(const char *s, size_t len, const char *word)
{
    const char *w = find(s, len, word);
    if (!w) {
        return 0;
    }
    const char *p = w;
    while (p > s && p[-1] == ' ') {
        p--;
    }
    const char *end = p;
    while (p > s && p[-1] >= '0' && p[-1] <= '9') {
        p--;
    }
    uint64_t v = 0;
    for (; p < end && v < UINT64_MAX / 10; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return v;
}

void emu_audit_router_line(struct emu_audit_router_log *ev, const char *tag, const char *line,
                           size_t len)
{
    ev->present = true;
    /* emu-router: "chunk of tag 'T' (N records) cannot be retried, dropping it" / "... failed,
     * dropping it"; Fluent Bit: "chunk '...' cannot be retried" (no count, no tag). */
    if (find(line, len, "dropping it") && find(line, len, "chunk of tag '")) {
        const char *t = find(line, len, "chunk of tag '") + 14;
        size_t tl = strlen(tag);
        if ((size_t)(line + len - t) > tl && memcmp(t, tag, tl) == 0 && t[tl] == '\'') {
            ev->dropped_tag += number_before(t, (size_t)(line + len - t), "records)");
        }
    }
    else if (find(line, len, "cannot be retried")) {
        ev->dropped_chunks++;
    }
    /* emu-router's s3 output: "upload of F (N records, tag T) failed K times, quarantining
     * it" (or "deleting it"). */
    const char *up = find(line, len, " records, tag ");
    if (up && find(line, len, "failed") && (find(line, len, "quarantining it") ||
                                           find(line, len, "deleting it"))) {
        const char *t = up + 14;
        size_t tl = strlen(tag);
        if ((size_t)(line + len - t) > tl && memcmp(t, tag, tl) == 0 && t[tl] == ')') {
            ev->dropped_tag += number_before(line, (size_t)(up - line) + 9, " records");
        }
    }
    const char *sum = find(line, len, "[engine] records in ");
    if (sum) {
        ev->has_summary = true;
        ev->records_in = strtoull(sum + 20, NULL, 10);
    }
    if (find(line, len, "Grace period expired with")) {
        ev->grace_unflushed += number_before(line, len, "records not flushed");
    }
    if (find(line, len, "paused (mem buf overlimit)")) {
        ev->paused++;
    }
    if (find(line, len, ", retry in ")) {
        ev->retries++;
    }
}

const char *emu_audit_stage_name(enum emu_audit_stage_kind k)
{
    switch (k) {
    case EMU_AUDIT_STAGE_OUTPUT:
        return "router output (retries exhausted or output error)";
    case EMU_AUDIT_STAGE_BUFFERED:
        return "still buffered in the router when it stopped";
    case EMU_AUDIT_STAGE_DRIVER_EXIT:
        return "log driver (queue discarded when the container exited)";
    case EMU_AUDIT_STAGE_INPUT:
        return "router input (connections reset at Mem_Buf_Limit)";
    case EMU_AUDIT_STAGE_UNKNOWN:
        return "never reached the router (stage unknown)";
    case EMU_AUDIT_STAGE_ROUTER:
        return "inside the router (received, not delivered)";
    }
    return "?";
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* "; its metrics (at T) count for output s3.0: dropped_records D, retries_failed R, errors E"
 * (and that other containers share the output). */
static void out_metrics(const struct emu_audit_attr_in *in, char *out, size_t n)
{
    out[0] = '\0';
    if (!in->m_present || !in->m_out) {
        return;
    }
    bool s3_blind = in->m_out_s3 && in->m_out->dropped_records < in->router.dropped_tag;
    (void)snprintf(out, n, "; the router's metrics (%s%s) count for output %s: proc_records %"
                   PRIu64 ", dropped_records %" PRIu64 ", retries_failed %" PRIu64 ", errors %"
                   PRIu64 "%s%s", in->m_time, in->m_final ? ", after the app stopped" : "",
                   in->m_out->name, in->m_out->proc_records, in->m_out->dropped_records,
                   in->m_out->retries_failed, in->m_out->errors,
                   in->m_out_shared ? " (other containers' records too: the counters are per "
                                      "output, not per tag)" : "",
                   s3_blind ? " (the s3 output counts records as they enter its upload buffer, "
                              "so uploads it gives up are not in dropped_records, as with "
                              "Fluent Bit: fluent/fluent-bit#6141)" : "");
}

size_t emu_audit_attribute(const struct emu_audit_attr_in *in, struct emu_audit_stage *out)
{
    size_t n = 0;
    uint64_t rem = in->lost, tail = in->tail_lost;
    if (rem == 0) {
        return 0;
    }
    char om[600];
    out_metrics(in, om, sizeof(om));
    /* The output stage: the records of the tag the log says were given up, or the output's
     * dropped_records when no other container's records go through it. */
    uint64_t drop = in->router.dropped_tag;
    bool by_metrics = false;
    if (in->m_present && in->m_out && !in->m_out_shared && in->m_out->dropped_records > drop) {
        drop = in->m_out->dropped_records;
        by_metrics = true;
    }
    uint64_t k = min_u64(rem, drop);
    if (k > 0) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_OUTPUT, .lines = k};
        if (by_metrics) {
            (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                           "the router's log reports %" PRIu64 " records of this container's "
                           "tag given up by an output%s", in->router.dropped_tag, om);
        }
        else {
            (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                           "the router's log reports %" PRIu64 " records of this container's "
                           "tag given up by an output (\"cannot be retried\", \"failed, dropping "
                           "it\", or an s3 upload \"failed N times\")%s",
                           in->router.dropped_tag, om);
        }
        n++;
        rem -= k;
        tail -= min_u64(tail, k);
    }
    if (rem > 0 && in->router.dropped_chunks > 0) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_OUTPUT, .lines = rem};
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "the router's log reports %" PRIu64 " chunks that \"cannot be retried\" "
                       "without their record counts; every line still unaccounted for is put "
                       "here, which may include lines lost before the router%s",
                       in->router.dropped_chunks, om);
        return n + 1;
    }
    k = min_u64(rem, in->router.grace_unflushed);
    if (k > 0) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_BUFFERED, .lines = k};
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "the router's log: \"Grace period expired with %" PRIu64 " records not "
                       "flushed\" (all containers together)",
                       in->router.grace_unflushed);
        n++;
        rem -= k;
        tail -= min_u64(tail, k);
    }
    /* The router's inputs received (metrics, read after the apps stopped): what is missing
     * from the lines written never reached the router; the rest of the loss is inside it. */
    if (rem > 0 && in->m_present && in->m_final) {
        uint64_t never = in->written_all > in->m_in_records ? in->written_all - in->m_in_records
                                                            : 0;
        uint64_t inside = never == 0 ? rem : !in->m_in_shared && rem > never ? rem - never : 0;
        if (inside > 0) {
            out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_ROUTER, .lines = inside};
            (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                           "the router's metrics (%s, after the app stopped) count %" PRIu64
                           " records received by its forward inputs of the %" PRIu64 " lines "
                           "%s wrote, so %" PRIu64 " of the lines lost here reached the router; "
                           "its log has no drop for them%s", in->m_time, in->m_in_records,
                           in->written_all, in->m_in_shared ? "the task's containers" : "it",
                           inside, om);
            n++;
            rem -= inside;
            tail = min_u64(tail, rem);
            if (rem == 0) {
                return n;
            }
        }
    }
    if (rem > 0 && in->router.has_summary && in->router.records_in >= in->written_all) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_ROUTER, .lines = rem};
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "the router's summary says its inputs received %" PRIu64 " records, "
                       "at least the %" PRIu64 " lines the task's containers wrote, but it "
                       "logged no drop for the %" PRIu64 " missing here",
                       in->router.records_in, in->written_all, rem);
        return n + 1;
    }
    k = min_u64(rem, tail);
    /* The driver's queue drains in well under a second per 10,000 lines: a container that
     * lived on for seconds after its last line did not lose it at exit. */
    bool quick = in->exit_gap_ms < 0 || in->exit_gap_ms <= 2000 + (int64_t)(k / 10);
    if (k > 0 && in->exited && quick) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_DRIVER_EXIT, .lines = k};
        char gap[64] = "";
        if (in->exit_gap_ms >= 0) {
            (void)snprintf(gap, sizeof(gap), " %" PRId64 " ms after its last line",
                           in->exit_gap_ms);
        }
        char got[200] = "";
        if (in->m_present && in->m_final) {
            (void)snprintf(got, sizeof(got), "; its metrics (%s) count %" PRIu64 " records "
                           "received of %" PRIu64 " written", in->m_time, in->m_in_records,
                           in->written_all);
        }
        else if (in->router.has_summary) {
            (void)snprintf(got, sizeof(got), "; its summary counts %" PRIu64 " records received "
                           "of %" PRIu64 " written", in->router.records_in, in->written_all);
        }
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "the last %" PRIu64 " lines, after the last one delivered, never "
                       "arrived; the container exited%s with fluentd-async=%s, and the router's "
                       "log shows no drop for them%s",
                       k, gap, in->async ? "true" : "false", got);
        n++;
        rem -= k;
    }
    if (rem > 0 && in->router.paused > 0) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_INPUT, .lines = rem};
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "lines lost between delivered ones while the router's log shows its "
                       "input paused %" PRIu64 " times (\"paused (mem buf overlimit)\"); Fluent "
                       "Bit's forward input closes its connections there",
                       in->router.paused);
        return n + 1;
    }
    if (rem > 0) {
        out[n] = (struct emu_audit_stage){.kind = EMU_AUDIT_STAGE_UNKNOWN, .lines = rem};
        (void)snprintf(out[n].evidence, sizeof(out[n].evidence),
                       "%s; the router's log has no drop, pause or Grace message for them: the "
                       "driver's buffer (fluentd-buffer-limit) or connection resets at the "
                       "router's input, the evidence cannot tell which",
                       in->router.present ? "lines lost between delivered ones"
                                          : "no router log was recorded");
        n++;
    }
    return n;
}
