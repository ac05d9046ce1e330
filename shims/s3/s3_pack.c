/* SPDX-License-Identifier: Apache-2.0 */
/* Pack files: the append-only log that holds small objects, one fsync per batch of concurrent
 * PUTs (group commit), and its record format, scanner and crash-tail recovery.
 *
 * DESIGN: a record is a 40-byte header, a payload of meta_len bytes (the object's JSON
 * metadata, or the key of a delete) and data_len bytes of object data:
 *   0 "S3PK" | 4 type (1 put, 2 delete) | 5..7 zero | 8 version u64 | 16 meta_len u32 |
 *   20 zero u32 | 24 data_len u64 | 32 CRC-32C of bytes 0..31, 36..39 and the payload | 36 zero
 * (little endian). A record counts only when whole and its CRC matches; a scan stops at the
 * first one that does not, which is the tail a crash left (never acknowledged: an append is
 * answered only after the fdatasync that covers it). One process appends to a pack, holding
 * an exclusive flock on it; it truncates the tail it takes over before appending. Writers on
 * pool threads append under the pack's mutex, then one of them (the leader) runs fdatasync for
 * everything appended so far while the others wait: N concurrent PUTs share one flush. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/crc.h"
#include "shims/s3/s3_internal.h"

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint32_t header_crc(const unsigned char *h, uint32_t crc)
{
    crc = shim_crc32c(crc, h, 32);
    return shim_crc32c(crc, h + 36, S3_PACK_HDR - 36);
}

void s3_pack_encode_header(unsigned type, uint64_t ver, const void *meta, uint32_t meta_len,
                           const void *data, uint64_t data_len, unsigned char out[S3_PACK_HDR])
{
    memset(out, 0, S3_PACK_HDR);
    memcpy(out, "S3PK", 4);
    out[4] = (unsigned char)type;
    put_le(out + 8, ver, 8);
    put_le(out + 16, meta_len, 4);
    put_le(out + 24, data_len, 8);
    uint32_t crc = header_crc(out, 0);
    crc = shim_crc32c(crc, meta, meta_len);
    crc = shim_crc32c(crc, data, (size_t)data_len);
    put_le(out + 32, crc, 4);
}

int64_t s3_pack_parse_header(const unsigned char *p, size_t avail, struct s3_pack_rec *rec)
{
    if (avail < S3_PACK_HDR) {
        return 0;
    }
    if (memcmp(p, "S3PK", 4) != 0 || (p[4] != S3_PACK_PUT && p[4] != S3_PACK_DEL) || p[5] ||
        p[6] || p[7] || get_le(p + 20, 4) != 0 || get_le(p + 36, 4) != 0) {
        return EMU_EBADMSG;
    }
    rec->type = p[4];
    rec->ver = get_le(p + 8, 8);
    rec->meta_len = (uint32_t)get_le(p + 16, 4);
    rec->data_len = get_le(p + 24, 8);
    rec->crc = (uint32_t)get_le(p + 32, 4);
    if (rec->meta_len == 0 || rec->meta_len > S3_PACK_MAX_META ||
        rec->data_len > S3_PACK_MAX_DATA || (rec->type == S3_PACK_DEL && rec->data_len)) {
        return EMU_EBADMSG;
    }
    return (int64_t)(S3_PACK_HDR + rec->meta_len + rec->data_len);
}

bool s3_pack_check(const unsigned char *p, size_t len, const struct s3_pack_rec *rec)
{
    if (len != S3_PACK_HDR + rec->meta_len + rec->data_len) {
        return false;
    }
    uint32_t crc = header_crc(p, 0);
    crc = shim_crc32c(crc, p + S3_PACK_HDR, len - S3_PACK_HDR);
    return crc == rec->crc;
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            return 1; /* end of file */
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int s3_pack_scan(struct s3_pack *p, s3_pack_scan_fn fn, void *ud)
{
    size_t cap = 64 * 1024;
    unsigned char *buf = emu_malloc(cap);
    if (!buf) {
        return EMU_ENOMEM;
    }
    int r = 0;
    for (;;) {
        unsigned char h[S3_PACK_HDR];
        struct s3_pack_rec rec;
        r = pread_full(p->fd, h, sizeof(h), p->scanned);
        if (r != 0) {
            break;
        }
        int64_t len = s3_pack_parse_header(h, sizeof(h), &rec);
        if (len <= 0) {
            break; /* a torn or foreign tail: everything before it counts */
        }
        if ((size_t)len > cap) {
            unsigned char *nb = emu_realloc(buf, (size_t)len);
            if (!nb) {
                r = EMU_ENOMEM;
                break;
            }
            buf = nb;
            cap = (size_t)len;
        }
        r = pread_full(p->fd, buf, (size_t)len, p->scanned);
        if (r != 0 || !s3_pack_check(buf, (size_t)len, &rec)) {
            break;
        }
        r = fn(ud, p, p->scanned, &rec, buf + S3_PACK_HDR);
        if (r < 0) {
            break;
        }
        p->scanned += (uint64_t)len;
    }
    emu_free(buf);
    return r > 0 ? 0 : r;
}

struct s3_pack *s3_pack_new(const char *name, int fd)
{
    struct s3_pack *p = emu_calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->fd = fd;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
}

void s3_pack_free(struct s3_pack *p)
{
    if (p) {
        if (p->fd >= 0) {
            close(p->fd);
        }
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        emu_free(p);
    }
}

int s3_pack_take(struct s3_pack *p, int packs_dir, s3_pack_scan_fn fn, void *ud)
{
    int fd = openat(packs_dir, p->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int r = -errno;
        close(fd);
        return r == -EWOULDBLOCK ? -EBUSY : r;
    }
    /* Its last owner may have appended since our scan: read the rest, then drop the tail. */
    int r = s3_pack_scan(p, fn, ud);
    if (r == 0 && ftruncate(fd, (off_t)p->scanned) < 0) {
        r = -errno;
    }
    if (r == 0 && fdatasync(fd) < 0) {
        r = -errno;
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    close(p->fd);
    p->fd = fd;
    p->mine = true;
    p->end = p->synced = p->scanned;
    return 0;
}

int s3_pack_create(int packs_dir, const char *name, struct s3_pack **ret)
{
    int fd = openat(packs_dir, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    int r = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
    /* The name must be durable before any record in the file is acknowledged. */
    if (r == 0 && fsync(packs_dir) < 0) {
        r = -errno;
    }
    struct s3_pack *p = r == 0 ? s3_pack_new(name, fd) : NULL;
    if (!p) {
        close(fd);
        (void)unlinkat(packs_dir, name, 0);
        return r ? r : EMU_ENOMEM;
    }
    p->mine = true;
    *ret = p;
    return 0;
}

bool s3_pack_broken(struct s3_pack *p)
{
    pthread_mutex_lock(&p->mu);
    bool broken = p->err != 0;
    pthread_mutex_unlock(&p->mu);
    return broken;
}

static int pwritev_all(int fd, struct iovec *iov, int n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwritev(fd, iov, n, (off_t)off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w < 0 ? -errno : EMU_EIO;
        }
        off += (uint64_t)w;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int s3_pack_append(struct s3_pack *p, unsigned type, uint64_t ver, const void *meta,
                   uint32_t meta_len, const void *data, uint64_t data_len, uint64_t *ret_off)
{
    unsigned char h[S3_PACK_HDR];
    s3_pack_encode_header(type, ver, meta, meta_len, data, data_len, h);
    struct iovec iov[3] = {
        {h, sizeof(h)}, {(void *)(uintptr_t)meta, meta_len}, {(void *)(uintptr_t)data, (size_t)data_len}};
    pthread_mutex_lock(&p->mu);
    int r = p->err;
    uint64_t off = p->end;
    if (r == 0) {
        r = pwritev_all(p->fd, iov, data_len ? 3 : 2, off);
        if (r < 0 && ftruncate(p->fd, (off_t)off) < 0) {
            p->err = EMU_EIO; /* a torn record would hide every later one: stop using it */
        }
    }
    if (r == 0) {
        p->end = off + S3_PACK_HDR + meta_len + data_len;
        if (type == S3_PACK_DEL) {
            __atomic_add_fetch(&p->tomb, S3_PACK_HDR + meta_len, __ATOMIC_RELAXED);
        }
    }
    uint64_t mine = p->end;
    while (r == 0 && p->synced < mine) {
        if (p->err) {
            r = p->err;
        }
        else if (p->busy) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        else {
            uint64_t target = p->end;
            p->busy = true;
            pthread_mutex_unlock(&p->mu);
            int sr = fdatasync(p->fd) < 0 ? -errno : 0;
            pthread_mutex_lock(&p->mu);
            p->busy = false;
            if (sr < 0) {
                p->err = sr; /* what reached the disk is unknown: never append here again */
            }
            else {
                p->synced = target;
            }
            pthread_cond_broadcast(&p->cv);
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (r == 0) {
        *ret_off = off;
    }
    return r;
}

int s3_pack_put_object(struct s3_pack *pack, const struct s3_meta *m, const void *data,
                       size_t len, uint64_t *ret_off, uint32_t *ret_meta_len)
{
    struct emu_buf json;
    emu_buf_init(&json, S3_PACK_MAX_META);
    int r = s3_meta_encode(m, &json);
    if (r == 0 && json.len <= S3_FOOTER_SIZE) {
        r = EMU_EINVAL;
    }
    if (r == 0) {
        *ret_meta_len = (uint32_t)(json.len - S3_FOOTER_SIZE); /* the JSON, no file footer */
        r = s3_pack_append(pack, S3_PACK_PUT, m->ver, json.data, *ret_meta_len, data, len,
                           ret_off);
    }
    emu_buf_done(&json);
    return r;
}
