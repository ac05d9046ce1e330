/* SPDX-License-Identifier: Apache-2.0 */
/* The S3 store on disk: buckets as directories, objects as files named by the SHA-256 of their
 * key (the key itself is never a path), and each bucket's sorted key index in memory.
 *
 * DESIGN: layout under the root:
 *   buckets/<name>/bucket.json            name, region, creation time
 *   buckets/<name>/objects/<hh>/<sha256>  object bytes + JSON trailer + footer (s3_meta.c)
 *   buckets/<name>/packs/<hex>.pack       small objects and deletes, appended (s3_pack.c)
 *   buckets/<name>/uploads/<id>/          multipart uploads (s3_upload.c)
 *   buckets/<name>/tmp/                   writers' temp files, emptied at start
 *   trash/                                buckets being deleted, emptied at start
 * Bucket names are validated before they reach the file system; keys only ever become a hex
 * digest. An object file appears by rename(2) after fsync, so readers and a restart see the
 * old object or the new one, never part of one. The index holds one small entry per key
 * (never object bytes) and is rebuilt lazily from the trailers after a restart. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

struct s3_store {
    int fd;      /* root */
    int lock_fd; /* root/lock: shared while open, exclusive tried once at open */
    bool alone;  /* no other process had the store open: leftovers may be cleared */
    int buckets; /* root/buckets */
    struct s3_bucket **items;
    size_t n;
    size_t cap;
    struct s3_quota *quota; /* --s3-max-bytes, or NULL */
    uint64_t compact_min;   /* dead bytes that make a pack worth rewriting; 0 = default */
};

void s3_store_set_compact_min(struct s3_store *st, uint64_t min_dead)
{
    st->compact_min = min_dead;
}

uint64_t s3_store_compact_min(const struct s3_store *st)
{
    return st->compact_min ? st->compact_min : S3_COMPACT_MIN_DEAD;
}

void s3_store_quota_stale(struct s3_store *st)
{
    s3_quota_stale(st->quota);
}

bool s3_store_alone(const struct s3_store *st)
{
    return st->alone;
}

int s3_store_set_max_bytes(struct s3_store *st, uint64_t max)
{
    s3_quota_free(st->quota);
    st->quota = NULL;
    return max ? s3_quota_new(st->fd, max, &st->quota) : 0;
}

int s3_store_reserve(struct s3_store *st, uint64_t len)
{
    return s3_quota_reserve(st->quota, len);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int mkdir_at(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

static int open_dir_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int s3_rmtree_at(int parent, const char *name)
{
    int fd = open_dir_at(parent, name);
    if (fd == -ENOTDIR || fd == -ELOOP) {
        return unlinkat(parent, name, 0) < 0 ? -errno : 0;
    }
    if (fd < 0) {
        return fd == -ENOENT ? 0 : fd;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    int r = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
            int rr = s3_rmtree_at(dirfd(d), e->d_name);
            r = r ? r : rr;
        }
        else if (unlinkat(dirfd(d), e->d_name, 0) < 0 && r == 0) {
            r = -errno;
        }
    }
    closedir(d);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && r == 0 && errno != ENOENT) {
        r = -errno;
    }
    return r;
}

/* Removes everything inside dirfd/name but keeps the directory. */
static void empty_dir_at(int dirfd, const char *name)
{
    (void)s3_rmtree_at(dirfd, name);
    (void)mkdir_at(dirfd, name);
}

static void entry_free(struct s3_entry *e)
{
    if (e) {
        emu_free(e->key);
        emu_free(e);
    }
}

static void bucket_free(struct s3_bucket *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n_ents; i++) {
        entry_free(b->ents[i]);
    }
    emu_free(b->ents);
    s3_bucket_packs_free(b);
    if (b->fd >= 0) {
        close(b->fd);
    }
    emu_free(b->name);
    emu_free(b->region);
    emu_free(b);
}

static int bucket_cmp(const void *a, const void *b)
{
    const struct s3_bucket *x = *(struct s3_bucket *const *)a;
    const struct s3_bucket *y = *(struct s3_bucket *const *)b;
    return strcmp(x->name, y->name);
}

static int registry_add(struct s3_store *st, struct s3_bucket *b)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        struct s3_bucket **p = emu_realloc(st->items, cap * sizeof(*p));
        if (!p) {
            return EMU_ENOMEM;
        }
        st->items = p;
        st->cap = cap;
    }
    st->items[st->n++] = b;
    qsort(st->items, st->n, sizeof(*st->items), bucket_cmp);
    return 0;
}

/* Reads bucket.json of directory name; the directory must be a valid bucket. */
static int bucket_load(struct s3_store *st, const char *name, struct s3_bucket **ret)
{
    if (!s3_bucket_name_valid(name)) {
        return EMU_EINVAL;
    }
    struct s3_bucket *b = emu_calloc(1, sizeof(*b));
    if (!b) {
        return EMU_ENOMEM;
    }
    b->st = st;
    b->packs_fd = -1;
    b->fd = open_dir_at(st->buckets, name);
    b->name = emu_strdup(name);
    int r = b->fd < 0 ? b->fd : (b->name ? 0 : EMU_ENOMEM);
    int jfd = r == 0 ? openat(b->fd, "bucket.json", O_RDONLY | O_CLOEXEC) : -1;
    if (r == 0 && jfd < 0) {
        r = -errno;
    }
    char json[4096];
    ssize_t n = jfd >= 0 ? read(jfd, json, sizeof(json) - 1) : -1;
    if (jfd >= 0) {
        close(jfd);
    }
    cJSON *root = NULL;
    struct emu_json_error err;
    if (r == 0 && (n <= 0 || emu_json_parse(json, (size_t)n, &root, &err) < 0)) {
        r = EMU_EBADMSG;
    }
    if (r == 0) {
        const cJSON *region = cJSON_GetObjectItemCaseSensitive(root, "region");
        const cJSON *created = cJSON_GetObjectItemCaseSensitive(root, "created");
        b->region = emu_strdup(cJSON_IsString(region) ? region->valuestring : "us-east-1");
        b->created_ms = cJSON_IsNumber(created) ? (int64_t)created->valuedouble : 0;
        r = b->region ? 0 : EMU_ENOMEM;
    }
    cJSON_Delete(root);
    if (r == 0) {
        if (st->alone) {
            empty_dir_at(b->fd, "tmp"); /* another process's uploads may be in flight */
        }
        (void)mkdir_at(b->fd, "objects");
        (void)mkdir_at(b->fd, "uploads");
        *ret = b;
        return 0;
    }
    bucket_free(b);
    return r;
}

int s3_store_open(const char *root, struct s3_store **ret)
{
    if (mkdir(root, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    struct s3_store *st = emu_calloc(1, sizeof(*st));
    if (!st) {
        return EMU_ENOMEM;
    }
    st->buckets = -1;
    st->lock_fd = -1;
    st->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = st->fd < 0 ? -errno : 0;
    r = r ? r : mkdir_at(st->fd, "buckets");
    if (r == 0) {
        /* Several processes may share a store (`run` supervisors, `logs`): only one that finds
         * it unused clears temp files and trash. */
        st->lock_fd = openat(st->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        st->alone = st->lock_fd >= 0 && flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0;
        if (st->lock_fd >= 0) {
            (void)flock(st->lock_fd, LOCK_SH);
        }
    }
    if (r == 0) {
        if (st->alone) {
            empty_dir_at(st->fd, "trash");
        }
        st->buckets = open_dir_at(st->fd, "buckets");
        r = st->buckets < 0 ? st->buckets : 0;
    }
    DIR *d = NULL;
    if (r == 0) {
        int dfd = dup(st->buckets);
        d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
            r = -errno;
            if (dfd >= 0) {
                close(dfd);
            }
        }
    }
    struct dirent *e;
    while (r == 0 && (e = readdir(d))) {
        struct s3_bucket *b = NULL;
        if (e->d_name[0] == '.' || bucket_load(st, e->d_name, &b) < 0) {
            continue; /* not a bucket of ours: leave it alone */
        }
        r = registry_add(st, b);
        if (r < 0) {
            bucket_free(b);
        }
    }
    if (d) {
        closedir(d);
    }
    if (r < 0) {
        s3_store_free(st);
        return r;
    }
    *ret = st;
    return 0;
}

void s3_store_free(struct s3_store *st)
{
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->n; i++) {
        bucket_free(st->items[i]);
    }
    emu_free(st->items);
    s3_quota_free(st->quota);
    if (st->buckets >= 0) {
        close(st->buckets);
    }
    if (st->lock_fd >= 0) {
        close(st->lock_fd);
    }
    if (st->fd >= 0) {
        close(st->fd);
    }
    emu_free(st);
}

size_t s3_store_bucket_count(const struct s3_store *st)
{
    return st->n;
}

struct s3_bucket *s3_store_bucket_at(struct s3_store *st, size_t i)
{
    return i < st->n ? st->items[i] : NULL;
}

int s3_store_bucket_get(struct s3_store *st, const char *name, struct s3_bucket **ret)
{
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->items[mid]->name, name);
        if (c == 0) {
            *ret = st->items[mid];
            return 0;
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return EMU_ENOENT;
}

static int fsync_dir(int dirfd)
{
    return fsync(dirfd) < 0 && errno != EINVAL ? -errno : 0;
}

int s3_store_bucket_create(struct s3_store *st, const char *name, const char *region)
{
    struct s3_bucket *b = NULL;
    if (!s3_bucket_name_valid(name)) {
        return EMU_EINVAL;
    }
    if (s3_store_bucket_get(st, name, &b) == 0) {
        return EMU_EEXIST;
    }
    /* Build the bucket in trash/, then rename it into buckets/ in one step. */
    char tmp[64];
    unsigned char rnd[8];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    char hex[17];
    shim_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(tmp, sizeof(tmp), "new-%s", hex);
    int r = mkdir_at(st->fd, "trash");
    int tfd = r == 0 ? open_dir_at(st->fd, "trash") : r;
    if (tfd < 0) {
        return tfd;
    }
    r = mkdir_at(tfd, tmp);
    int bfd = r == 0 ? open_dir_at(tfd, tmp) : r;
    struct emu_buf json;
    emu_buf_init(&json, 4096);
    if (bfd >= 0) {
        cJSON *root = cJSON_CreateObject();
        (void)cJSON_AddStringToObject(root, "name", name);
        (void)cJSON_AddStringToObject(root, "region", region);
        (void)cJSON_AddNumberToObject(root, "created", (double)now_ms());
        r = root ? emu_json_write_pretty(root, &json) : EMU_ENOMEM;
        cJSON_Delete(root);
        if (r == 0) {
            r = s3_write_file_at(bfd, "bucket.json", json.data, json.len);
        }
        r = r ? r : mkdir_at(bfd, "objects");
        r = r ? r : mkdir_at(bfd, "uploads");
        r = r ? r : mkdir_at(bfd, "tmp");
        close(bfd);
    }
    else {
        r = bfd;
    }
    emu_buf_done(&json);
    if (r == 0 && renameat(tfd, tmp, st->buckets, name) < 0) {
        r = -errno;
    }
    if (r < 0) {
        (void)s3_rmtree_at(tfd, tmp);
    }
    close(tfd);
    if (r == 0) {
        (void)fsync_dir(st->buckets);
        r = bucket_load(st, name, &b);
        r = r ? r : registry_add(st, b);
    }
    return r;
}

int s3_store_bucket_delete(struct s3_store *st, const char *name)
{
    struct s3_bucket *b = NULL;
    int r = s3_store_bucket_get(st, name, &b);
    r = r ? r : s3_bucket_index(b);
    if (r < 0) {
        return r;
    }
    if (b->n_ents > 0) {
        return -ENOTEMPTY;
    }
    char tmp[96];
    unsigned char rnd[8];
    char hex[17];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    shim_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(tmp, sizeof(tmp), "trash/del-%s", hex);
    if (renameat(st->buckets, name, st->fd, tmp) < 0) {
        return -errno;
    }
    (void)fsync_dir(st->buckets);
    (void)s3_rmtree_at(st->fd, tmp);
    size_t i = 0;
    while (i < st->n && st->items[i] != b) {
        i++;
    }
    memmove(st->items + i, st->items + i + 1, (st->n - i - 1) * sizeof(*st->items));
    st->n--;
    b->deleted = true;
    if (b->refs == 0) {
        bucket_free(b);
    }
    return 0;
}

void s3_bucket_ref(struct s3_bucket *b)
{
    b->refs++;
}

void s3_bucket_unref(struct s3_bucket *b)
{
    if (b && --b->refs == 0 && b->deleted) {
        bucket_free(b);
    }
}

void s3_object_path(const char *key, char out[80])
{
    unsigned char md[32];
    unsigned int len = 0;
    (void)EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL);
    char hex[65];
    shim_hex_encode(md, 32, hex);
    snprintf(out, 80, "objects/%.2s/%s", hex, hex);
}
