/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the XML request bodies the S3 shim parses: CompleteMultipartUpload,
 * DeleteObjects and CreateBucketConfiguration, each fed the same bytes. */
#include <stdint.h>
#include <string.h>

#include "emu/base/arena.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > S3_MAX_XML_BODY) {
        return 0;
    }
    static struct s3_complete_part parts[S3_MAX_PARTS];
    (void)s3_xml_parse_complete((const char *)data, size, parts, S3_MAX_PARTS);
    struct emu_arena a;
    emu_arena_init(&a, size * 4 + 64 * 1024);
    static const char *keys[S3_MAX_DELETE_KEYS];
    bool quiet;
    int n = s3_xml_parse_delete((const char *)data, size, &a, keys, S3_MAX_DELETE_KEYS, &quiet);
    for (int i = 0; i < n; i++) {
        (void)s3_key_check(keys[i], strlen(keys[i]));
    }
    emu_arena_done(&a);
    char loc[64];
    (void)s3_xml_parse_location((const char *)data, size, loc, sizeof(loc));
    return 0;
}
