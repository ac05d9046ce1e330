/* SPDX-License-Identifier: Apache-2.0 */
/* Multipart uploads on disk: uploads/<id>/init holds the future object's key and headers (the
 * same trailer format as objects, with no data), uploads/<id>/<part number> each part. Upload
 * ids are 32 random hex digits and are checked before they touch a path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static bool id_valid(const char *id)
{
    if (!id || strlen(id) != 32) {
        return false;
    }
    for (size_t i = 0; i < 32; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

void s3_upload_part_path(const char *id, unsigned n, char out[64])
{
    snprintf(out, 64, "uploads/%.32s/%05u", id, n % 100000u);
}

int s3_upload_create(struct s3_bucket *b, const struct s3_meta *init, char ret_id[33])
{
    unsigned char rnd[16];
    int r = emu_random_bytes(rnd, sizeof(rnd));
    if (r < 0) {
        return r;
    }
    char id[33];
    shim_hex_encode(rnd, sizeof(rnd), id);
    char dir[64];
    snprintf(dir, sizeof(dir), "uploads/%s", id);
    if (mkdirat(b->fd, "uploads", 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    if (mkdirat(b->fd, dir, 0755) < 0) {
        return -errno;
    }
    struct emu_buf trailer;
    emu_buf_init(&trailer, 512 * 1024);
    r = s3_meta_encode(init, &trailer);
    int dfd = r == 0 ? openat(b->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (r == 0 && dfd < 0) {
        r = -errno;
    }
    r = r ? r : s3_write_file_at(dfd, "init", trailer.data, trailer.len);
    if (dfd >= 0) {
        close(dfd);
    }
    emu_buf_done(&trailer);
    if (r < 0) {
        (void)s3_rmtree_at(b->fd, dir);
        return r;
    }
    memcpy(ret_id, id, 33);
    return 0;
}

static int read_init(struct s3_bucket *b, const char *id, struct s3_meta *ret)
{
    char path[64];
    snprintf(path, sizeof(path), "uploads/%s/init", id);
    int fd = openat(b->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return EMU_ENOENT;
    }
    int r = s3_meta_read_fd(fd, ret);
    close(fd);
    return r == EMU_EBADMSG ? EMU_ENOENT : r;
}

int s3_upload_open(struct s3_bucket *b, const char *id, const char *key, struct s3_meta *ret)
{
    if (!id_valid(id)) {
        return EMU_ENOENT;
    }
    struct s3_meta m = {0};
    int r = read_init(b, id, &m);
    if (r < 0) {
        return r;
    }
    if (key && strcmp(m.key, key) != 0) {
        s3_meta_done(&m);
        return EMU_ENOENT;
    }
    *ret = m;
    return 0;
}

int s3_upload_abort(struct s3_bucket *b, const char *id)
{
    if (!id_valid(id)) {
        return EMU_ENOENT;
    }
    char dir[64];
    snprintf(dir, sizeof(dir), "uploads/%s", id);
    struct stat st;
    if (fstatat(b->fd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        return EMU_ENOENT;
    }
    return s3_rmtree_at(b->fd, dir);
}

static int part_cmp(const void *a, const void *b)
{
    const struct s3_part_info *x = a, *y = b;
    return x->number < y->number ? -1 : x->number > y->number;
}

/* Parses a part file name ("00001"); 0 when it is not one. */
static unsigned part_number(const char *name)
{
    if (strlen(name) != 5) {
        return 0;
    }
    unsigned n = 0;
    for (int i = 0; i < 5; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return 0;
        }
        n = n * 10 + (unsigned)(name[i] - '0');
    }
    return n <= S3_MAX_PARTS ? n : 0;
}

int s3_upload_parts(struct s3_bucket *b, const char *id, struct s3_part_info **ret, size_t *ret_n)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "uploads/%s", id);
    int fd = openat(b->fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return EMU_ENOENT;
    }
    struct s3_part_info *parts = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d))) {
        unsigned num = part_number(e->d_name);
        if (num == 0) {
            continue;
        }
        int pfd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct s3_meta m = {0};
        if (pfd < 0 || s3_meta_read_fd(pfd, &m) < 0) {
            if (pfd >= 0) {
                close(pfd);
            }
            continue;
        }
        close(pfd);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct s3_part_info *p = emu_realloc(parts, cap * sizeof(*p));
            if (!p) {
                r = EMU_ENOMEM;
                s3_meta_done(&m);
                break;
            }
            parts = p;
        }
        parts[n].number = num;
        parts[n].size = m.size;
        parts[n].mtime_ms = m.mtime_ms;
        memcpy(parts[n].etag, m.etag, sizeof(parts[n].etag));
        n++;
        s3_meta_done(&m);
    }
    closedir(d);
    if (r < 0) {
        emu_free(parts);
        return r;
    }
    if (n > 1) {
        qsort(parts, n, sizeof(*parts), part_cmp);
    }
    *ret = parts;
    *ret_n = n;
    return 0;
}

static int upload_cmp(const void *a, const void *b)
{
    const struct s3_upload_info *x = a, *y = b;
    int c = strcmp(x->init.key, y->init.key);
    if (c != 0) {
        return c;
    }
    if (x->init.mtime_ms != y->init.mtime_ms) {
        return x->init.mtime_ms < y->init.mtime_ms ? -1 : 1;
    }
    return strcmp(x->id, y->id); /* a total order, so upload-id-marker paging is exact */
}

int s3_upload_list(struct s3_bucket *b, struct s3_upload_info **ret, size_t *ret_n)
{
    int fd = openat(b->fd, "uploads", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    *ret = NULL;
    *ret_n = 0;
    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    struct s3_upload_info *ups = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d))) {
        if (!id_valid(e->d_name)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct s3_upload_info *p = emu_realloc(ups, cap * sizeof(*p));
            if (!p) {
                r = EMU_ENOMEM;
                break;
            }
            ups = p;
        }
        memset(&ups[n], 0, sizeof(ups[n]));
        if (read_init(b, e->d_name, &ups[n].init) == 0) {
            memcpy(ups[n].id, e->d_name, 33);
            n++;
        }
    }
    closedir(d);
    if (r < 0) {
        s3_upload_list_free(ups, n);
        return r;
    }
    if (n > 1) {
        qsort(ups, n, sizeof(*ups), upload_cmp);
    }
    *ret = ups;
    *ret_n = n;
    return 0;
}

void s3_upload_list_free(struct s3_upload_info *u, size_t n)
{
    for (size_t i = 0; u && i < n; i++) {
        s3_meta_done(&u[i].init);
    }
    emu_free(u);
}

int s3_upload_remove_all(struct s3_bucket *b)
{
    int r = s3_rmtree_at(b->fd, "uploads");
    if (mkdirat(b->fd, "uploads", 0755) < 0 && errno != EEXIST && r == 0) {
        r = -errno;
    }
    return r;
}
