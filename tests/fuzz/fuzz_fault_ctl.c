/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the fault control protocol: the bytes split at newlines into request lines
 * (add, remove, clear, list, anything else), each executed against one engine, as the control
 * socket would. */
#include <stdint.h>
#include <string.h>

#include "emu/base/mem.h"
#include "shims/common/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    struct shim_faults *f = shim_faults_new(1, NULL, 0);
    if (!f) {
        return 0;
    }
    struct emu_buf out;
    emu_buf_init(&out, 4u * 1024u * 1024u);
    const char *p = (const char *)data;
    const char *end = p + size;
    int64_t now = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        out.len = 0;
        (void)shim_fault_ctl_exec(f, p, len, now, &out);
        struct shim_fault_decision d;
        shim_faults_decide(f, "s3", "PutObject", now, &d);
        now += 1000;
        p += len + (nl ? 1 : 0);
    }
    emu_buf_done(&out);
    shim_faults_free(f);
    return 0;
}
