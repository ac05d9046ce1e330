/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the endpoint patcher (emu/model/render_local.c): arbitrary router configs
 * patched as Fluent Bit and as Fluentd, diffed, and their includes listed. */
#include <stdint.h>

#include "emu/base/arena.h"
#include "emu/model/local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) {
        return 0;
    }
    struct emu_local_endpoints ep = {.s3 = "http://172.17.0.1:9000",
                                     .logs = "http://172.17.0.1:9001", .sts = NULL};
    for (int t = 0; t < 2; t++) {
        struct emu_arena a;
        struct emu_buf out, diff;
        struct emu_local_patch p;
        struct emu_str_list inc;
        emu_arena_init(&a, 0);
        emu_buf_init(&out, EMU_LOCAL_CONF_MAX * 2);
        emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 4);
        if (emu_local_patch_config((const char *)data, size,
                                   t ? EMU_ROUTER_FLUENTD : EMU_ROUTER_FLUENTBIT, &ep, &a, &out,
                                   &p) == 0) {
            (void)emu_local_diff("x.conf", &p, &diff);
        }
        (void)emu_local_includes((const char *)data, size, &a, &inc);
        emu_buf_done(&out);
        emu_buf_done(&diff);
        emu_arena_done(&a);
    }
    return 0;
}
