/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the classic config parser (without @INCLUDE) and instance creation with the
 * option tables over arbitrary text. */
#include <stddef.h>
#include <stdint.h>

#include "emu/base/diag.h"
#include "emu/router/config.h"
#include "emu/router/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const envp[] = {"HOME=/root", "FLUSH=1", NULL};
    struct emu_router_config_env env = {.envp = envp, .no_include = 1};
    struct emu_router_config *cf = NULL;
    struct emu_diags diags;
    emu_diags_init(&diags);
    if (emu_router_config_load_buffer("fuzz.conf", (const char *)data, size, &env, &cf,
                                      &diags) == 0) {
        struct emu_router *r = emu_router_new(NULL);
        if (r) {
            emu_router_set_env(r, &env);
            (void)emu_router_configure(r, cf, &diags);
            emu_router_free(r);
        }
        emu_router_config_free(cf);
    }
    emu_diags_done(&diags);
    return 0;
}
