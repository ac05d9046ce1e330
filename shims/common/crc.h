/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32 (IEEE 802.3, as zlib and x-amz-checksum-crc32) and CRC-32C (Castagnoli, as
 * x-amz-checksum-crc32c and the S3 pack records), incremental: pass 0 to start. */
#ifndef SHIMS_COMMON_CRC_H
#define SHIMS_COMMON_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t shim_crc32(uint32_t crc, const void *data, size_t len);
uint32_t shim_crc32c(uint32_t crc, const void *data, size_t len);

#endif
