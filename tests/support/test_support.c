/* SPDX-License-Identifier: Apache-2.0 */
/* Implementation of the shared test helpers. */
#include "tests/support/test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/file.h"

const char *emu_test_source_path(const char *relative)
{
    static char path[4096];
    const char *root = getenv("EMU_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/%s", root ? root : ".", relative);
    return path;
}

char *emu_test_read_file(const char *path, size_t *ret_len)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, 64u * 1024u * 1024u, &data, &len);
    if (r < 0) {
        fail_msg("cannot read %s: %d", path, r);
    }
    if (ret_len) {
        *ret_len = len;
    }
    return data;
}

static size_t guard_span(size_t len, size_t *ret_page)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    *ret_page = page;
    return ((len + page - 1) / page) * page + page;
}

void *emu_test_guard_copy(const void *data, size_t len)
{
    size_t page;
    size_t span = guard_span(len, &page);
    uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(base != MAP_FAILED);
    assert_int_equal(mprotect(base + span - page, page, PROT_NONE), 0);
    uint8_t *p = base + span - page - len;
    if (len) {
        memcpy(p, data, len);
    }
    return p;
}

void emu_test_guard_free(void *p, size_t len)
{
    size_t page;
    size_t span = guard_span(len, &page);
    uint8_t *base = (uint8_t *)p + len + page - span;
    munmap(base, span);
}

int emu_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}
