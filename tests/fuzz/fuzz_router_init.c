/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the init process's decoders. The first byte picks the metadata /task document
 * parser, the S3 ARN splitter, the variable-name classifier, or parser detection + the plan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu/base/arena.h"
#include "emu/base/mem.h"
#include "emu/router/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536) {
        return 0;
    }
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct emu_arena a;
    emu_arena_init(&a, 1u << 22);
    char *s = emu_arena_strndup(&a, text, len); /* NUL-terminated copy (cut at a NUL) */
    switch (data[0] % 4u) {
    case 0: {
        struct emu_router_init_meta m;
        char why[300];
        if (emu_router_init_meta_parse(text, len, &a, &m, why, sizeof(why)) == 0) {
            const char *n[EMU_ROUTER_INIT_MAX_EXPORTS], *v[EMU_ROUTER_INIT_MAX_EXPORTS];
            size_t k = emu_router_init_exports(&m, n, v);
            for (size_t i = 0; i < k; i++) {
                if (!n[i] || !v[i] || !v[i][0]) {
                    __builtin_trap();
                }
            }
        }
        break;
    }
    case 1: {
        const char *b, *k;
        if (s && emu_router_init_s3_arn(s, &a, &b, &k) == 0) {
            if (!b[0] || !k[0] || strlen(b) + strlen(k) + 1 > strlen(s)) {
                __builtin_trap();
            }
            (void)emu_router_init_s3_name(k);
        }
        if (s) {
            (void)emu_router_init_bucket_region(s);
        }
        break;
    }
    case 2:
        (void)emu_router_init_var_kind(text, len);
        break;
    default: {
        struct emu_router_init_plan p;
        emu_router_init_plan_init(&p, NULL);
        (void)emu_router_init_plan_add(&p, &a, "/x.conf", text, len);
        if (emu_router_init_is_parser(text, len) != (p.n_parsers == 1)) {
            __builtin_trap();
        }
        emu_router_init_plan_done(&p);
        break;
    }
    }
    emu_arena_done(&a);
    return 0;
}
