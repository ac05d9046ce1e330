/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the STS query-protocol request parser: the bytes as a form body (split and
 * percent-decoded by shim_query_parse), then Action and parameter validation, including the
 * web identity token's JWT payload. */
#include <stdint.h>
#include <string.h>

#include "emu/base/mem.h"
#include "shims/sts/sts_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > STS_MAX_BODY) {
        return 0;
    }
    char *body = emu_malloc(size + 1);
    if (!body) {
        return 0;
    }
    memcpy(body, data, size);
    body[size] = '\0';
    size_t store_size = shim_query_store_size(body);
    char *store = emu_malloc(store_size);
    struct shim_kv params[STS_MAX_PARAMS];
    int n = store ? shim_query_parse(body, params, STS_MAX_PARAMS, store, store_size) : -1;
    if (n >= 0) {
        struct sts_req q;
        struct sts_err e;
        (void)sts_req_parse(params, (size_t)n, &q, &e);
    }
    emu_free(store);
    emu_free(body);
    return 0;
}
