/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the outputs' pure encoders over arbitrary bytes: the bytes as a chunk of events
 * into CloudWatch messages (both encodings, with and without log_key) and batches, and as an
 * s3_key_format (first line) with a tag (second line). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw.h"
#include "emu/router/plugins/out_s3/s3_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {NULL, "log"};
    for (int go = 0; go < 2; go++) {
        for (int k = 0; k < 2; k++) {
            struct emu_buf msgs, body;
            struct cw_event *ev = NULL;
            emu_buf_init(&msgs, 16u << 20);
            emu_buf_init(&body, 4u << 20);
            long n = cw_events_from_chunk((const char *)data, size, keys[k], go, &msgs, &ev);
            if (n > 0) {
                cw_events_sort(ev, (size_t)n);
                size_t end = cw_batch_end(ev, (size_t)n, 0);
                (void)cw_put_body("g", "s", ev, 0, end, msgs.data, &body);
            }
            emu_free(ev);
            emu_buf_done(&msgs);
            emu_buf_done(&body);
        }
    }
    char fmt[2048], tag[512];
    const char *nl = memchr(data, '\n', size);
    size_t fl = nl ? (size_t)(nl - (const char *)data) : size;
    size_t tl = nl ? size - fl - 1 : 0;
    if (fl < sizeof(fmt) && tl < sizeof(tag) && !memchr(data, '\0', size)) {
        struct emu_buf key;
        memcpy(fmt, data, fl);
        fmt[fl] = '\0';
        memcpy(tag, nl ? nl + 1 : "", tl);
        tag[tl] = '\0';
        emu_buf_init(&key, 4096);
        (void)emu_s3_key_format(fmt, tag, ".-", 7, "AbCd1234", 1700000000, &key);
        emu_buf_done(&key);
    }
    return 0;
}
