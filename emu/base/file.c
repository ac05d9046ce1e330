/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded file reading and atomic file writing. */
#include "emu/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

int emu_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct emu_buf b;
    emu_buf_init(&b, max);
    int r = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = -errno;
            break;
        }
        if (n == 0) {
            break;
        }
        r = emu_buf_append(&b, chunk, (size_t)n);
        if (r < 0) {
            break;
        }
    }
    if (fd != STDIN_FILENO) {
        close(fd);
    }
    if (r == 0 && !b.data) {
        r = emu_buf_append(&b, "", 0);
    }
    if (r < 0) {
        emu_buf_done(&b);
        return r;
    }
    *ret_len = b.len;
    *ret_data = emu_buf_steal(&b);
    return 0;
}

int emu_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    struct emu_buf tmp;
    emu_buf_init(&tmp, 4096);
    int r = emu_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    if (r < 0) {
        return r;
    }
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        r = -errno;
        goto out;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = -errno;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (r == 0 && fchmod(fd, (mode_t)mode) < 0) {
        r = -errno;
    }
    if (r == 0 && fsync(fd) < 0) {
        r = -errno;
    }
    if (close(fd) < 0 && r == 0) {
        r = -errno;
    }
    if (r == 0 && rename(tmp.data, path) < 0) {
        r = -errno;
    }
    if (r < 0) {
        (void)unlink(tmp.data);
    }
out:
    emu_buf_done(&tmp);
    return r;
}
