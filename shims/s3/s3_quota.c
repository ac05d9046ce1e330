/* SPDX-License-Identifier: Apache-2.0 */
/* The store's size cap (--s3-max-bytes): a disk of that size, full. Usage is the bytes of every
 * file under the store root (objects, parts, temp files, of every process sharing the store),
 * walked again at most once a second, plus what writers reserved since; a write over the cap
 * fails with -ENOSPC, answered as any storage failure (500 InternalError), before any byte of
 * it becomes visible. Thread-safe: copies reserve on the pool threads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

#define WALK_EVERY_MS 1000
#define WALK_DEPTH 8

struct s3_quota {
    uv_mutex_t mu;
    int root; /* the store root (borrowed) */
    uint64_t max;
    uint64_t walked;   /* bytes found by the last walk */
    uint64_t reserved; /* reserved since */
    int64_t walked_ms; /* monotonic; 0 = never */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t walk(int dirfd, int depth)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    rewinddir(d); /* the dup shares its offset with dirfd: the last walk left it at the end */
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) {
            continue;
        }
        struct stat sb;
        if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            continue; /* removed meanwhile */
        }
        if (S_ISREG(sb.st_mode)) {
            total += (uint64_t)sb.st_size;
        }
        else if (S_ISDIR(sb.st_mode) && depth < WALK_DEPTH) {
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub >= 0) {
                total += walk(sub, depth + 1);
                close(sub);
            }
        }
    }
    closedir(d);
    return total;
}

int s3_quota_new(int root_fd, uint64_t max, struct s3_quota **ret)
{
    struct s3_quota *q = emu_calloc(1, sizeof(*q));
    if (!q) {
        return EMU_ENOMEM;
    }
    if (uv_mutex_init(&q->mu) != 0) {
        emu_free(q);
        return EMU_ENOMEM;
    }
    q->root = root_fd;
    q->max = max;
    *ret = q;
    return 0;
}

void s3_quota_free(struct s3_quota *q)
{
    if (q) {
        uv_mutex_destroy(&q->mu);
        emu_free(q);
    }
}

int s3_quota_reserve(struct s3_quota *q, uint64_t len)
{
    if (!q) {
        return 0;
    }
    int r = 0;
    uv_mutex_lock(&q->mu);
    int64_t now = mono_ms();
    if (q->walked_ms == 0 || now - q->walked_ms >= WALK_EVERY_MS) {
        q->walked = walk(q->root, 0);
        q->reserved = 0;
        q->walked_ms = now;
    }
    uint64_t used = q->walked + q->reserved;
    if (used > q->max || len > q->max - used) {
        r = -ENOSPC;
    }
    else {
        q->reserved += len;
    }
    uv_mutex_unlock(&q->mu);
    return r;
}

void s3_quota_stale(struct s3_quota *q)
{
    if (q) {
        uv_mutex_lock(&q->mu);
        q->walked_ms = 0; /* the next reservation walks the store again */
        uv_mutex_unlock(&q->mu);
    }
}

uint64_t s3_quota_used(struct s3_quota *q)
{
    if (!q) {
        return 0;
    }
    uv_mutex_lock(&q->mu);
    q->walked = walk(q->root, 0);
    q->reserved = 0;
    q->walked_ms = mono_ms();
    uint64_t used = q->walked;
    uv_mutex_unlock(&q->mu);
    return used;
}
