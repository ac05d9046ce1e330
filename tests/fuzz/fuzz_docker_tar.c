/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the tar reader of the Engine API's archive answers (emu/docker/docker_tar.c):
 * walks every entry of arbitrary bytes and touches each entry's data. */
#include <stdint.h>
#include <string.h>

#include "emu/docker/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct emu_docker_tar_entry e;
    struct emu_docker_tar_iter it;
    emu_docker_tar_init(&it, (const char *)data, size);
    unsigned sum = 0;
    for (int i = 0; i < 4096 && emu_docker_tar_next(&it, &e) == 1; i++) {
        for (size_t k = 0; k < e.size; k++) {
            sum += (unsigned char)e.data[k];
        }
        sum += (unsigned)strlen(e.name) + (unsigned)strlen(e.link);
    }
    return (int)(sum & 0u);
}
