/* SPDX-License-Identifier: Apache-2.0 */
/* The event loop shared by filters that rewrite records one at a time: each event is either
 * replaced by what the filter writes or copied through unchanged. */
#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

int emu_router_filter_rewrite_each(const char *data, size_t len, struct emu_buf *out,
                                   size_t *ret_n, struct emu_router_filter *ins,
                                   emu_router_event_rewrite_fn fn, void *ctx)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    size_t n = 0, rewritten = 0;
    while (m.off < m.len) {
        size_t start = m.off;
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            break;
        }
        size_t save = out->len;
        int r = fn(ctx, sec, nsec, rec, rec_len, out);
        if (r <= 0) {
            out->len = save;
            if (emu_buf_append(out, data + start, m.off - start) < 0) {
                emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "buffer full");
                return EMU_FILTER_NOTOUCH;
            }
        }
        rewritten += r > 0;
        n++;
    }
    if (rewritten == 0) {
        return EMU_FILTER_NOTOUCH;
    }
    *ret_n = n;
    return EMU_FILTER_MODIFIED;
}
