/* SPDX-License-Identifier: Apache-2.0 */
/* Objects on disk: the writer that turns a temp file into an object or part atomically (write,
 * MD5, trailer, fsync, rename, fsync of the directory). s3_writer_finish is thread-safe (it runs
 * on the libuv thread pool). Small bodies stay in memory: they go to a pack (s3_pack.c). */
#define _GNU_SOURCE /* copy_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

#define COPY_CHUNK (256u * 1024u)
/* Bodies up to this size stay in memory and their file is created by s3_writer_finish on a
 * pool thread, next to its destination: no file system call on the loop for small objects. */
#define WRITER_MEM S3_PACK_THRESHOLD

struct s3_writer {
    struct s3_bucket *b;
    int fd;       /* -1 while the body is in mem */
    struct emu_buf mem;
    char tmp[128]; /* "tmp/w-<hex>" (spilled on the loop) or "<dest dir>/.w-<hex>" */
    EVP_MD_CTX *md5;
    uint64_t size;
    uint64_t max;
    bool committed;
};

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int s3_write_file_at(int dirfd, const char *name, const void *data, size_t len)
{
    char tmp[300];
    unsigned char rnd[6];
    char hex[13];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    shim_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(tmp, sizeof(tmp), ".%s.%s", name, hex);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    int r = write_all(fd, data, len);
    if (r == 0 && fsync(fd) < 0) {
        r = -errno;
    }
    close(fd);
    if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
        r = -errno;
    }
    if (r < 0) {
        (void)unlinkat(dirfd, tmp, 0);
    }
    return r;
}

int s3_writer_open(struct s3_bucket *b, uint64_t max, struct s3_writer **ret)
{
    struct s3_writer *w = emu_calloc(1, sizeof(*w));
    if (!w) {
        return EMU_ENOMEM;
    }
    w->b = b;
    w->max = max;
    w->fd = -1;
    emu_buf_init(&w->mem, WRITER_MEM);
    w->md5 = EVP_MD_CTX_new();
    if (!w->md5 || EVP_DigestInit_ex(w->md5, EVP_md5(), NULL) != 1) {
        s3_writer_free(w);
        return EMU_ENOMEM;
    }
    *ret = w;
    return 0;
}

/* Creates the temp file as dir/<prefix><hex> and moves the buffered bytes into it. */
static int spill(struct s3_writer *w, const char *dir, const char *prefix)
{
    unsigned char rnd[12];
    char hex[25];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    shim_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(w->tmp, sizeof(w->tmp), "%s/%s%s", dir, prefix, hex);
    w->fd = openat(w->b->fd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        return -errno;
    }
    int r = w->mem.len ? write_all(w->fd, w->mem.data, w->mem.len) : 0;
    emu_buf_done(&w->mem);
    return r;
}

int s3_writer_write(struct s3_writer *w, const void *data, size_t len)
{
    if (len > w->max || w->size > w->max - len) {
        return EMU_E2BIG;
    }
    int q = s3_store_reserve(w->b->st, len);
    if (q < 0) {
        return q;
    }
    if (EVP_DigestUpdate(w->md5, data, len) != 1) {
        return EMU_ENOMEM;
    }
    if (w->fd < 0 && w->mem.len + len <= WRITER_MEM) {
        int r = emu_buf_append(&w->mem, data, len);
        if (r == 0) {
            w->size += len;
        }
        return r;
    }
    int r = w->fd < 0 ? spill(w, "tmp", "w-") : 0;
    r = r ? r : write_all(w->fd, data, len);
    if (r == 0) {
        w->size += len;
    }
    return r;
}

int s3_writer_copy(struct s3_writer *w, int src, uint64_t offset, uint64_t len, bool hash)
{
    if (len > w->max || w->size > w->max - len) {
        return EMU_E2BIG;
    }
    off_t off = (off_t)offset;
    int q = s3_store_reserve(w->b->st, len);
    if (q < 0) {
        return q;
    }
    if (w->fd < 0) {
        int r = spill(w, "tmp", "w-");
        if (r < 0) {
            return r;
        }
    }
    if (!hash) {
        /* In-kernel copy: no bytes pass through this process. */
        while (len > 0) {
            ssize_t n = copy_file_range(src, &off, w->fd, NULL, len, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break; /* EXDEV, ENOSYS...: fall back to read/write below */
            }
            len -= (uint64_t)n;
            w->size += (uint64_t)n;
        }
        if (len == 0) {
            return 0;
        }
    }
    char *buf = emu_malloc(COPY_CHUNK);
    if (!buf) {
        return EMU_ENOMEM;
    }
    int r = 0;
    while (r == 0 && len > 0) {
        size_t want = len < COPY_CHUNK ? (size_t)len : COPY_CHUNK;
        ssize_t n = pread(src, buf, want, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            r = n < 0 ? -errno : EMU_EIO;
            break;
        }
        if (hash && EVP_DigestUpdate(w->md5, buf, (size_t)n) != 1) {
            r = EMU_ENOMEM;
            break;
        }
        r = write_all(w->fd, buf, (size_t)n);
        off += n;
        len -= (uint64_t)n;
        w->size += (uint64_t)n;
    }
    emu_free(buf);
    return r;
}

uint64_t s3_writer_size(const struct s3_writer *w)
{
    return w->size;
}

void s3_writer_md5(struct s3_writer *w, unsigned char out[16])
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(w->md5, out, &len) != 1) {
        memset(out, 0, 16);
    }
}

static int ensure_parent(int dirfd, const char *rel)
{
    char dir[128];
    const char *slash = strrchr(rel, '/');
    size_t n = slash ? (size_t)(slash - rel) : 0;
    if (n == 0 || n >= sizeof(dir)) {
        return 0;
    }
    memcpy(dir, rel, n);
    dir[n] = '\0';
    if (mkdirat(dirfd, dir, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

/* fsyncs rel's directory: through the group commit (pool threads), or at once (loop). */
void s3__fsync_parent(int dirfd, const char *rel, bool group)
{
    char dir[128];
    const char *slash = strrchr(rel, '/');
    size_t n = slash ? (size_t)(slash - rel) : 0;
    if (n >= sizeof(dir)) {
        return;
    }
    memcpy(dir, rel, n);
    dir[n] = '\0';
    int fd = openat(dirfd, n ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && group) {
        (void)s3__dir_group_sync(fd);
        close(fd);
    }
    else if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int s3_writer_commit(struct s3_writer *w, const struct s3_meta *m, const char *rel_path)
{
    if (w->b->deleted) {
        return EMU_ENOENT;
    }
    return s3_writer_finish(w, m, rel_path);
}

int s3_writer_finish(struct s3_writer *w, const struct s3_meta *m, const char *rel_path)
{
    int r = 0;
    if (w->fd < 0) {
        /* Small body: its temp file goes next to the destination (index loads remove the
         * leftovers of a crash), so concurrent writers do not all lock one directory. */
        char dir[128];
        const char *slash = strrchr(rel_path, '/');
        size_t n = slash ? (size_t)(slash - rel_path) : 0;
        if (n == 0 || n >= sizeof(dir)) {
            return EMU_EINVAL;
        }
        memcpy(dir, rel_path, n);
        dir[n] = '\0';
        r = ensure_parent(w->b->fd, rel_path);
        r = r ? r : spill(w, dir, ".w-");
        if (r < 0) {
            return r;
        }
    }
    struct emu_buf trailer;
    emu_buf_init(&trailer, 512 * 1024);
    r = s3_meta_encode(m, &trailer);
    r = r ? r : write_all(w->fd, trailer.data, trailer.len);
    emu_buf_done(&trailer);
    if (r == 0 && fsync(w->fd) < 0) { /* the bytes are durable before a name points at them */
        r = -errno;
    }
    r = r ? r : ensure_parent(w->b->fd, rel_path);
    if (r == 0 && renameat(w->b->fd, w->tmp, w->b->fd, rel_path) < 0) {
        r = -errno;
    }
    if (r == 0) {
        w->committed = true;
        s3__fsync_parent(w->b->fd, rel_path, true);
    }
    return r;
}

const void *s3_writer_mem(const struct s3_writer *w, size_t *ret_len)
{
    if (w->fd >= 0) {
        return NULL;
    }
    *ret_len = w->mem.len;
    return w->mem.data ? (const void *)w->mem.data : (const void *)"";
}

void s3_writer_free(struct s3_writer *w)
{
    if (!w) {
        return;
    }
    if (w->fd >= 0) {
        close(w->fd);
        if (!w->committed) {
            (void)unlinkat(w->b->fd, w->tmp, 0);
        }
    }
    EVP_MD_CTX_free(w->md5);
    emu_buf_done(&w->mem);
    emu_free(w);
}
