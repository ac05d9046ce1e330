/* SPDX-License-Identifier: Apache-2.0 */
/* Table-driven CRC-32 and CRC-32C (reflected polynomials 0xEDB88320 and 0x82F63B78). */
#include <pthread.h>

#include "shims/common/crc.h"

static uint32_t tab_ieee[256];
static uint32_t tab_c[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(uint32_t *tab, uint32_t poly)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ poly : c >> 1;
        }
        tab[i] = c;
    }
}

static void init(void)
{
    build(tab_ieee, 0xEDB88320u);
    build(tab_c, 0x82F63B78u);
}

static uint32_t run(const uint32_t *tab, uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc = tab[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    }
    return ~crc;
}

uint32_t shim_crc32(uint32_t crc, const void *data, size_t len)
{
    (void)pthread_once(&once, init);
    return run(tab_ieee, crc, data, len);
}

uint32_t shim_crc32c(uint32_t crc, const void *data, size_t len)
{
    (void)pthread_once(&once, init);
    return run(tab_c, crc, data, len);
}
