/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the S3 pack log reader: the input is a pack file, scanned as a restart does
 * (record headers, CRCs, the metadata JSON of put records, delete keys). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_record(void *ud, struct s3_pack *p, uint64_t off, const struct s3_pack_rec *rec,
                     const unsigned char *payload)
{
    (void)p;
    uint64_t *end = ud;
    if (off < *end) {
        __builtin_trap(); /* records never overlap */
    }
    *end = off + S3_PACK_HDR + rec->meta_len + rec->data_len;
    if (rec->type == S3_PACK_PUT) {
        struct s3_meta m = {0};
        if (s3_meta_decode((const char *)payload, rec->meta_len, &m) == 0) {
            s3_meta_done(&m);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4u * 1024 * 1024) {
        return 0;
    }
    int fd = memfd_create("pack", MFD_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    struct s3_pack *p = s3_pack_new("fuzz.pack", fd);
    if (!p) {
        close(fd);
        return 0;
    }
    uint64_t end = 0;
    (void)s3_pack_scan(p, on_record, &end);
    if (p->scanned != end || p->scanned > size) {
        __builtin_trap(); /* the valid prefix ends where the last whole record does */
    }
    s3_pack_free(p);
    return 0;
}
