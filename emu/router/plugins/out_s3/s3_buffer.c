/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3's on-disk buffer. Each pending object is a file "<seq>.buf" whose first line is
 * "emu-s3-buffer 1 <first_time> <records> <tag>" followed by the JSON lines (or log_key
 * values) to upload; the directory is scanned at start so a restart uploads what was left.
 * Total data is bounded by store_dir_limit_size (or a hard ceiling when that is 0). */
#include "emu/router/plugins/out_s3/s3_buffer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"

/* Ceiling of the store when store_dir_limit_size is 0 (unlimited in Fluent Bit). */
#define STORE_HARD_LIMIT (8ull * 1024 * 1024 * 1024)
#define HEADER_MAX 8192

static int mkdir_p(const char *dir)
{
    char tmp[S3_STORE_PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s", dir);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static void link_file(struct s3buf *st, struct s3_file *f)
{
    f->next = NULL;
    *st->tail = f;
    st->tail = &f->next;
    st->used += f->size;
}

/* Reads a buffer file's header; adopts it sealed. */
static int adopt(struct s3buf *st, const char *name)
{
    char path[S3_STORE_PATH_MAX], head[HEADER_MAX];
    struct stat sb;
    char *end = NULL;
    uint64_t seq = strtoull(name, &end, 10);
    if (!end || strcmp(end, ".buf") != 0) {
        return 0;
    }
    int pl = snprintf(path, sizeof(path), "%s/%s", st->dir, name);
    if (pl < 0 || (size_t)pl >= sizeof(path)) {
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, head, sizeof(head) - 1);
    int ok = n > 0 && fstat(fd, &sb) == 0;
    close(fd);
    if (!ok) {
        return 0;
    }
    head[n] = '\0';
    char *nl = strchr(head, '\n');
    long long first = 0;
    unsigned long long recs = 0;
    int tag_at = 0;
    if (!nl || sscanf(head, "emu-s3-buffer 1 %lld %llu %n", &first, &recs, &tag_at) < 2 ||
        tag_at <= 0 || head + tag_at >= nl) {
        return 0;
    }
    struct s3_file *f = emu_calloc(1, sizeof(*f));
    if (!f || !(f->tag = emu_strndup(head + tag_at, (size_t)(nl - head - tag_at)))) {
        emu_free(f);
        return EMU_ENOMEM;
    }
    snprintf(f->path, sizeof(f->path), "%s", path);
    f->seq = seq;
    f->data_off = (size_t)(nl - head) + 1;
    f->size = (size_t)sb.st_size - f->data_off;
    f->records = recs;
    f->first_time = (time_t)first;
    f->created = time(NULL);
    f->sealed = 1;
    if (seq >= st->next_seq) {
        st->next_seq = seq + 1;
    }
    link_file(st, f);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    unsigned long long x = strtoull(*(char *const *)a, NULL, 10);
    unsigned long long y = strtoull(*(char *const *)b, NULL, 10);
    return x < y ? -1 : x > y;
}

int s3buf_open(struct s3buf *st, const char *store_dir, const char *sub, uint64_t limit)
{
    char *names[4096];
    size_t nn = 0;
    int r = 0;
    memset(st, 0, sizeof(*st));
    st->tail = &st->head;
    st->limit = limit ? limit : STORE_HARD_LIMIT;
    int w = snprintf(st->dir, sizeof(st->dir), "%s/%s", store_dir, sub);
    if (w < 0 || (size_t)w >= sizeof(st->dir) - 32) {
        return -ENAMETOOLONG;
    }
    r = mkdir_p(st->dir);
    if (r < 0) {
        return r;
    }
    char ipath[S3_STORE_PATH_MAX + 8], *idx = NULL;
    snprintf(ipath, sizeof(ipath), "%s/index", st->dir);
    size_t ilen = 0;
    if (emu_file_read(ipath, 64, &idx, &ilen) == 0) {
        st->index = strtoull(idx, NULL, 10);
        emu_free(idx);
    }
    DIR *d = opendir(st->dir);
    if (!d) {
        return -errno;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && nn < sizeof(names) / sizeof(names[0])) {
        if (strstr(de->d_name, ".buf") && (names[nn] = emu_strdup(de->d_name)) != NULL) {
            nn++;
        }
    }
    closedir(d);
    qsort(names, nn, sizeof(names[0]), cmp_names);
    for (size_t i = 0; i < nn; i++) {
        if (r == 0) {
            r = adopt(st, names[i]);
        }
        emu_free(names[i]);
    }
    return r;
}

void s3buf_close(struct s3buf *st)
{
    struct s3_file *f = st->head;
    while (f) {
        struct s3_file *next = f->next;
        emu_free(f->tag);
        emu_free(f);
        f = next;
    }
    st->head = NULL;
    st->tail = &st->head;
}

struct s3_file *s3buf_active(struct s3buf *st, const char *tag)
{
    for (struct s3_file *f = st->head; f; f = f->next) {
        if (!f->sealed && strcmp(f->tag, tag) == 0) {
            return f;
        }
    }
    return NULL;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Rewrites the header's record count in place (fixed-width field). */
static int new_file(struct s3buf *st, const char *tag, time_t first_time,
                    struct s3_file **ret)
{
    char head[HEADER_MAX];
    if (strchr(tag, '\n') || strlen(tag) > HEADER_MAX - 128) {
        return EMU_EINVAL;
    }
    struct s3_file *f = emu_calloc(1, sizeof(*f));
    if (!f || !(f->tag = emu_strdup(tag))) {
        emu_free(f);
        return EMU_ENOMEM;
    }
    f->seq = st->next_seq++;
    int pl = snprintf(f->path, sizeof(f->path), "%s/%" PRIu64 ".buf", st->dir, f->seq);
    if (pl < 0 || (size_t)pl >= sizeof(f->path)) {
        emu_free(f->tag);
        emu_free(f);
        return -ENAMETOOLONG;
    }
    int n = snprintf(head, sizeof(head), "emu-s3-buffer 1 %lld %020llu %s\n",
                     (long long)first_time, 0ull, tag);
    int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int r = fd < 0 ? -errno : write_all(fd, head, (size_t)n);
    if (fd >= 0) {
        close(fd);
    }
    if (r < 0) {
        unlink(f->path);
        emu_free(f->tag);
        emu_free(f);
        return r;
    }
    f->data_off = (size_t)n;
    f->first_time = first_time;
    f->created = time(NULL);
    link_file(st, f);
    *ret = f;
    return 0;
}

int s3buf_append(struct s3buf *st, const char *tag, const char *data, size_t len,
                    uint64_t n, time_t first_time, struct s3_file **ret)
{
    struct s3_file *f = s3buf_active(st, tag);
    char count[24];
    if (st->used + len > st->limit) {
        return -ENOSPC;
    }
    if (!f) {
        int r = new_file(st, tag, first_time, &f);
        if (r < 0) {
            return r;
        }
    }
    int fd = open(f->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    int r = lseek(fd, (off_t)(f->data_off + f->size), SEEK_SET) < 0 ? -errno : 0;
    r = r ? r : write_all(fd, data, len);
    if (r == 0) {
        /* The record count sits at a fixed place: "emu-s3-buffer 1 <time> " + 20 digits. */
        char head[64];
        int hl = snprintf(head, sizeof(head), "emu-s3-buffer 1 %lld ", (long long)f->first_time);
        snprintf(count, sizeof(count), "%020llu", (unsigned long long)(f->records + n));
        if (pwrite(fd, count, 20, hl) != 20) {
            r = -EIO;
        }
    }
    if (r < 0 && ftruncate(fd, (off_t)(f->data_off + f->size)) < 0) {
        r = -EIO;
    }
    close(fd);
    if (r == 0) {
        f->size += len;
        f->records += n;
        st->used += len;
        *ret = f;
    }
    return r;
}

void s3buf_remove(struct s3buf *st, struct s3_file *f)
{
    struct s3_file **pp = &st->head;
    while (*pp && *pp != f) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = f->next;
    }
    if (st->tail == &f->next) {
        st->tail = pp;
    }
    st->used -= f->size;
    unlink(f->path);
    emu_free(f->tag);
    emu_free(f);
}

int s3buf_read(const char *path, size_t off, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    if (fd < 0) {
        return -EIO;
    }
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return got == len ? 0 : -EIO;
}

int s3buf_merge(struct s3buf *st, struct s3_file *f, struct s3_file *g)
{
    char buf[64 * 1024];
    size_t done = 0;
    int r = 0;
    while (r == 0 && done < g->size) {
        size_t n = g->size - done < sizeof(buf) ? g->size - done : sizeof(buf);
        r = s3buf_read(g->path, g->data_off + done, buf, n);
        /* Appending to f through s3buf_append would pick the tag's open file, so write here. */
        if (r == 0) {
            int fd = open(f->path, O_WRONLY | O_CLOEXEC);
            r = fd < 0 ? -errno : 0;
            if (r == 0 && pwrite(fd, buf, n, (off_t)(f->data_off + f->size)) != (ssize_t)n) {
                r = -EIO;
            }
            if (fd >= 0) {
                close(fd);
            }
        }
        if (r == 0) {
            f->size += n;
            st->used += n;
            done += n;
        }
    }
    if (r < 0) {
        return r;
    }
    f->records += g->records;
    f->final_part |= g->final_part;
    s3buf_remove(st, g);
    return 0;
}

int s3buf_save_index(struct s3buf *st)
{
    char path[S3_STORE_PATH_MAX + 8], num[24];
    snprintf(path, sizeof(path), "%s/index", st->dir);
    int n = snprintf(num, sizeof(num), "%" PRIu64 "\n", st->index);
    return emu_file_write_atomic(path, num, (size_t)n, 0600);
}
