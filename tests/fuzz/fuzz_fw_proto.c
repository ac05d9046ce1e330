/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the Forward protocol decoder over arbitrary bytes, as a stream of messages,
 * then every decoded event through the JSON printer. */
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"
#include "emu/router/format.h"
#include "emu/router/plugins/in_forward/fw_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu_fw_limits lim = {.max_message = 1u << 20, .max_inflated = 4u << 20};
    struct emu_buf events, json;
    size_t off = 0;
    emu_buf_init(&events, 8u << 20);
    emu_buf_init(&json, 32u << 20);
    while (off < size) {
        struct emu_fw_msg msg;
        events.len = 0;
        ssize_t n = emu_fw_decode(data + off, size - off, &lim, &msg, &events);
        if (n <= 0) {
            break;
        }
        json.len = 0;
        (void)emu_router_format_json(events.data, events.len, EMU_JSON_FMT_LINES, "date", 0,
                                     &json);
        struct emu_buf ack;
        emu_buf_init(&ack, 4096);
        if (msg.chunk) {
            (void)emu_fw_ack(msg.chunk, msg.chunk_len, &ack);
        }
        emu_buf_done(&ack);
        off += (size_t)n;
    }
    emu_buf_done(&events);
    emu_buf_done(&json);
    return 0;
}
