/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the chunk file decoder (storage.type filesystem) over arbitrary bytes; whatever
 * it recovers must be whole events, and re-encoding them must decode to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/router/chunkfile.h"
#include "emu/router/mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu_buf out, again, out2;
    struct emu_chunkfile cf, cf2;
    emu_buf_init(&out, 64u << 20);
    emu_buf_init(&again, 64u << 20);
    emu_buf_init(&out2, 64u << 20);
    if (emu_chunkfile_decode(data, size, &cf, &out) == 0 && cf.n > 0) {
        if (cf.good > size || out.len == 0) {
            abort();
        }
        for (int checksum = 0; checksum < 2; checksum++) {
            again.len = 0;
            out2.len = 0;
            if (emu_chunkfile_put_head(&again, cf.tag, cf.tag_len, checksum) != 0 ||
                emu_chunkfile_put_block(&again, out.data, out.len, (uint32_t)cf.n, checksum) != 0 ||
                emu_chunkfile_decode(again.data, again.len, &cf2, &out2) != 0 || cf2.damaged != 0 ||
                cf2.n != cf.n || out2.len != out.len || memcmp(out2.data, out.data, out.len) != 0) {
                abort();
            }
        }
    }
    emu_buf_done(&out);
    emu_buf_done(&again);
    emu_buf_done(&out2);
    return 0;
}
