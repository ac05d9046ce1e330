/* SPDX-License-Identifier: Apache-2.0 */
/* Measures the gzip size of delivered records without keeping the output: CloudWatch Logs
 * bills storage on gzip level 6 bytes, and the S3 path's estimate needs the same ratio. */
#include <string.h>
#include <zlib.h>

#include "emu/base/mem.h"
#include "emu/report/report_int.h"

static void drain(struct emu__report_gz *g, int flush)
{
    z_stream *z = g->z;
    unsigned char out[16384];
    int zr;
    do {
        z->next_out = out;
        z->avail_out = sizeof(out);
        zr = deflate(z, flush);
        if (zr == Z_STREAM_ERROR) {
            g->failed = true;
            return;
        }
        g->out += sizeof(out) - z->avail_out;
    } while (z->avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
}

void emu__report_gz_add(struct emu__report_gz *g, const void *data, size_t len)
{
    if (g->failed || len == 0) {
        return;
    }
    if (!g->z) {
        z_stream *z = emu_calloc(1, sizeof(*z));
        if (!z || deflateInit2(z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            emu_free(z);
            g->failed = true;
            return;
        }
        g->z = z;
    }
    z_stream *z = g->z;
    z->next_in = (Bytef *)(uintptr_t)data;
    z->avail_in = (uInt)len;
    drain(g, Z_NO_FLUSH);
}

uint64_t emu__report_gz_end(struct emu__report_gz *g)
{
    if (!g->z) {
        return 0;
    }
    if (!g->failed) {
        drain(g, Z_FINISH);
    }
    deflateEnd(g->z);
    emu_free(g->z);
    g->z = NULL;
    return g->failed ? 0 : g->out;
}
