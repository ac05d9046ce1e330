/* SPDX-License-Identifier: Apache-2.0 */
/* The per-bucket key index over both object layouts (a file per object, records in pack
 * files): loading it from disk, keeping it in step with writes and deletes, object lookup.
 *
 * DESIGN: every object and delete carries a version (realtime nanoseconds, strictly rising in
 * a process); for each key the highest version wins, whatever layout holds it. A load reads
 * the packs first, keeping delete records as dead entries, then the object files (a file
 * older than a pack record or a delete loses), then drops the dead entries. Loop only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

uint64_t s3_version_next(void)
{
    static uint64_t last;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t prev = __atomic_load_n(&last, __ATOMIC_RELAXED);
    uint64_t next;
    do {
        next = now > prev ? now : prev + 1;
    } while (!__atomic_compare_exchange_n(&last, &prev, next, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return next;
}

/* Index of the first entry whose key is >= key. */
static size_t lower_bound(const struct s3_bucket *b, const char *key)
{
    size_t lo = 0, hi = b->n_ents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(b->ents[mid]->key, key) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

static struct s3_entry *lookup(const struct s3_bucket *b, const char *key)
{
    size_t i = lower_bound(b, key);
    return i < b->n_ents && strcmp(b->ents[i]->key, key) == 0 ? b->ents[i] : NULL;
}

/* Compaction accounting: the bytes of the pack record an entry points at. */
static void live_add(struct s3_bucket *b, const struct s3_entry *e, bool add)
{
    if (e->pack < 0 || e->dead) {
        return;
    }
    struct s3_pack *p = b->packs[e->pack];
    uint64_t n = S3_PACK_HDR + e->meta_len + e->size;
    if (add) {
        p->live += n;
        return;
    }
    p->live -= n < p->live ? n : p->live;
    b->compact_due = b->compact_due || s3_pack_compact_due(b, p);
}

static void remove_at(struct s3_bucket *b, size_t i)
{
    live_add(b, b->ents[i], false);
    emu_free(b->ents[i]->key);
    emu_free(b->ents[i]);
    memmove(b->ents + i, b->ents + i + 1, (b->n_ents - i - 1) * sizeof(*b->ents));
    b->n_ents--;
}

/* Applies version src->ver of key (src->dead: a delete) unless the index holds a newer one.
 * keep_dead keeps deletes as dead entries (while loading). */
static int apply(struct s3_bucket *b, const char *key, const struct s3_entry *src,
                 bool keep_dead)
{
    size_t i = lower_bound(b, key);
    struct s3_entry *e = i < b->n_ents && strcmp(b->ents[i]->key, key) == 0 ? b->ents[i] : NULL;
    if (e && e->ver > src->ver) {
        return 0;
    }
    if (src->dead && !keep_dead) {
        if (e) {
            remove_at(b, i);
        }
        return 0;
    }
    if (!e) {
        if (b->n_ents == b->cap_ents) {
            size_t cap = b->cap_ents ? b->cap_ents * 2 : 64;
            struct s3_entry **p = emu_realloc(b->ents, cap * sizeof(*p));
            if (!p) {
                return EMU_ENOMEM;
            }
            b->ents = p;
            b->cap_ents = cap;
        }
        e = emu_calloc(1, sizeof(*e));
        char *k = e ? emu_strdup(key) : NULL;
        if (!k) {
            emu_free(e);
            return EMU_ENOMEM;
        }
        memmove(b->ents + i + 1, b->ents + i, (b->n_ents - i) * sizeof(*b->ents));
        b->ents[i] = e;
        b->n_ents++;
        *e = *src;
        e->key = k;
        live_add(b, e, true);
        return 0;
    }
    live_add(b, e, false);
    char *k = e->key;
    *e = *src;
    e->key = k;
    live_add(b, e, true);
    return 0;
}

static struct s3_entry entry_of(const struct s3_meta *m)
{
    struct s3_entry e = {.size = m->size, .mtime_ms = m->mtime_ms, .ver = m->ver, .pack = -1};
    memcpy(e.etag, m->etag, sizeof(e.etag));
    return e;
}

static int pack_index(const struct s3_bucket *b, const struct s3_pack *p)
{
    for (size_t i = 0; i < b->n_packs; i++) {
        if (b->packs[i] == p) {
            return (int)i;
        }
    }
    return -1;
}

struct scan_ctx {
    struct s3_bucket *b;
    bool keep_dead;
};

static int on_record(void *ud, struct s3_pack *p, uint64_t off, const struct s3_pack_rec *rec,
                     const unsigned char *payload)
{
    struct scan_ctx *x = ud;
    if (rec->type == S3_PACK_DEL) {
        char key[S3_MAX_KEY + 1];
        if (rec->meta_len > S3_MAX_KEY || memchr(payload, 0, rec->meta_len)) {
            return 0; /* not a key we could have written: skipped */
        }
        memcpy(key, payload, rec->meta_len);
        key[rec->meta_len] = '\0';
        __atomic_add_fetch(&p->tomb, S3_PACK_HDR + rec->meta_len, __ATOMIC_RELAXED);
        struct s3_entry e = {.ver = rec->ver, .pack = -1, .dead = true};
        return apply(x->b, key, &e, x->keep_dead);
    }
    struct s3_meta m = {0};
    if (s3_meta_decode((const char *)payload, rec->meta_len, &m) < 0) {
        return 0;
    }
    int r = 0;
    if (m.size == rec->data_len) {
        struct s3_entry e = entry_of(&m);
        e.ver = rec->ver;
        e.pack = pack_index(x->b, p);
        e.meta_len = rec->meta_len;
        e.rec_off = off;
        r = apply(x->b, m.key, &e, x->keep_dead);
    }
    s3_meta_done(&m);
    return r;
}

static bool pack_known(const struct s3_bucket *b, const char *name)
{
    for (size_t i = 0; i < b->n_packs; i++) {
        if (strcmp(b->packs[i]->name, name) == 0) {
            return true;
        }
    }
    return false;
}

int s3_bucket_packs_add(struct s3_bucket *b, struct s3_pack *p)
{
    struct s3_pack **n = emu_realloc(b->packs, (b->n_packs + 1) * sizeof(*n));
    if (!n) {
        return EMU_ENOMEM;
    }
    b->packs = n;
    b->packs[b->n_packs++] = p;
    return 0;
}

/* Opens packs not seen yet and reads the new records of every pack this process does not
 * write to. */
static int packs_scan(struct s3_bucket *b, bool keep_dead)
{
    int dfd = openat(b->packs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) {
            close(dfd);
        }
        return -errno;
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (!b->loaded && strncmp(de->d_name, ".c-", 3) == 0 && s3_store_alone(b->st)) {
            (void)unlinkat(b->packs_fd, de->d_name, 0); /* a compaction a crash cut short */
        }
        if (de->d_name[0] == '.' || n < 6 || n >= 40 || strcmp(de->d_name + n - 5, ".pack") ||
            pack_known(b, de->d_name) ||
            (b->compacting && strcmp(de->d_name, b->compact_out) == 0)) {
            continue;
        }
        int fd = openat(b->packs_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct s3_pack *p = fd >= 0 ? s3_pack_new(de->d_name, fd) : NULL;
        if (!p) {
            if (fd >= 0) {
                close(fd);
            }
            continue;
        }
        r = s3_bucket_packs_add(b, p);
        if (r < 0) {
            s3_pack_free(p);
        }
    }
    closedir(d);
    struct scan_ctx x = {b, keep_dead};
    for (size_t i = 0; r == 0 && i < b->n_packs; i++) {
        if (!b->packs[i]->mine) {
            r = s3_pack_scan(b->packs[i], on_record, &x);
        }
    }
    return r;
}

int s3_bucket_catch_up(struct s3_bucket *b)
{
    int r = s3_bucket_index(b);
    return r ? r : packs_scan(b, false);
}

void s3_bucket_packs_free(struct s3_bucket *b)
{
    for (size_t i = 0; i < b->n_packs; i++) {
        s3_pack_free(b->packs[i]);
    }
    emu_free(b->packs);
    b->packs = NULL;
    b->n_packs = 0;
    b->mine = NULL;
    if (b->packs_fd >= 0) {
        close(b->packs_fd);
        b->packs_fd = -1;
    }
}

int s3_bucket_pack_mine(struct s3_bucket *b, struct s3_pack **ret)
{
    int r = s3_bucket_index(b);
    if (r < 0) {
        return r;
    }
    if (b->mine && !s3_pack_broken(b->mine)) {
        *ret = b->mine;
        b->mine->users++;
        return 0;
    }
    for (size_t i = 0; i < b->n_packs; i++) {
        struct s3_pack *p = b->packs[i];
        if (!p->mine && s3_bucket_take_pack(b, p) == 0) {
            b->mine = p;
            *ret = p;
            p->users++;
            return 0;
        }
    }
    unsigned char rnd[8];
    char name[40];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    shim_hex_encode(rnd, sizeof(rnd), name);
    memcpy(name + 16, ".pack", 6);
    struct s3_pack *p = NULL;
    r = s3_pack_create(b->packs_fd, name, &p);
    r = r ? r : s3_bucket_packs_add(b, p);
    if (r < 0) {
        s3_pack_free(p);
        return r;
    }
    b->mine = p;
    *ret = p;
    p->users++;
    return 0;
}

int s3_bucket_take_pack(struct s3_bucket *b, struct s3_pack *p)
{
    struct scan_ctx x = {b, false};
    return s3_pack_take(p, b->packs_fd, on_record, &x);
}

void s3_pack_release(struct s3_pack *p)
{
    if (p && p->users > 0) {
        p->users--;
    }
}

struct s3_entry *s3_index_lookup(struct s3_bucket *b, const char *key)
{
    return lookup(b, key);
}

int s3_index_pack_of(const struct s3_bucket *b, const struct s3_pack *p)
{
    return pack_index(b, p);
}

int s3_index_put_pack(struct s3_bucket *b, const struct s3_meta *m, struct s3_pack *pack,
                      uint64_t off, uint32_t meta_len)
{
    struct s3_entry e = entry_of(m);
    e.pack = pack_index(b, pack);
    e.meta_len = meta_len;
    e.rec_off = off;
    return e.pack < 0 ? EMU_ENOENT : apply(b, m->key, &e, false);
}

/* Adds every object file of one fan-out directory to the index. */
static int index_load_dir(struct s3_bucket *b, int objects, const char *sub)
{
    int fd = openat(objects, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') {
            if (strncmp(e->d_name, ".w-", 3) == 0) {
                (void)unlinkat(dirfd(d), e->d_name, 0); /* a write a crash interrupted */
            }
            continue;
        }
        int ofd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct s3_meta m = {0};
        if (ofd < 0 || s3_meta_read_fd(ofd, &m) < 0) {
            if (ofd >= 0) {
                close(ofd);
            }
            continue; /* not an object file: ignored */
        }
        close(ofd);
        char rel[80];
        s3_object_path(m.key, rel);
        if (strcmp(rel + 11, e->d_name) == 0 && strncmp(rel + 8, sub, 2) == 0) {
            struct s3_entry en = entry_of(&m);
            r = apply(b, m.key, &en, true);
        }
        s3_meta_done(&m);
    }
    closedir(d);
    return r;
}

static int load_files(struct s3_bucket *b)
{
    int objects = openat(b->fd, "objects", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int dfd = objects >= 0 ? dup(objects) : -1;
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        int r = -errno;
        if (dfd >= 0) {
            close(dfd);
        }
        if (objects >= 0) {
            close(objects);
        }
        return r;
    }
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d))) {
        if (strlen(e->d_name) == 2 && e->d_name[0] != '.') {
            r = index_load_dir(b, objects, e->d_name);
        }
    }
    closedir(d);
    close(objects);
    return r;
}

int s3_bucket_index(struct s3_bucket *b)
{
    if (b->loaded) {
        return 0;
    }
    if (b->packs_fd < 0) {
        if (mkdirat(b->fd, "packs", 0755) < 0 && errno != EEXIST) {
            return -errno;
        }
        b->packs_fd = openat(b->fd, "packs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (b->packs_fd < 0) {
            return -errno;
        }
    }
    int r = packs_scan(b, true);
    r = r ? r : load_files(b);
    size_t n = 0;
    for (size_t i = 0; i < b->n_ents; i++) {
        if (b->ents[i]->dead) {
            emu_free(b->ents[i]->key);
            emu_free(b->ents[i]);
        }
        else {
            b->ents[n++] = b->ents[i];
        }
    }
    b->n_ents = n;
    for (size_t i = 0; i < b->n_packs; i++) {
        b->compact_due = b->compact_due || s3_pack_compact_due(b, b->packs[i]);
    }
    if (r == 0) {
        b->loaded = true;
    }
    return r;
}

int s3_writer_commit_object(struct s3_bucket *b, struct s3_writer *w, struct s3_meta *m)
{
    char rel[80];
    s3_object_path(m->key, rel);
    int r = s3_bucket_index(b);
    m->ver = s3_version_next();
    r = r ? r : s3_writer_commit(w, m, rel);
    struct s3_entry e = entry_of(m);
    return r ? r : apply(b, m->key, &e, false);
}

/* Opens key's own object file. */
static int open_file(struct s3_bucket *b, const char *key, int *ret_fd, struct s3_meta *ret)
{
    char rel[80];
    s3_object_path(key, rel);
    int fd = openat(b->fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT || errno == ENOTDIR ? EMU_ENOENT : -errno;
    }
    struct s3_meta m = {0};
    int r = s3_meta_read_fd(fd, &m);
    if (r == 0 && strcmp(m.key, key) != 0) {
        s3_meta_done(&m);
        r = EMU_ENOENT; /* a digest collision would land here, never on the wrong object */
    }
    if (r < 0) {
        close(fd);
        return r == EMU_EBADMSG ? EMU_ENOENT : r;
    }
    *ret_fd = fd;
    *ret = m;
    return 0;
}

int s3_bucket_index_refresh(struct s3_bucket *b, const char *key)
{
    int r = s3_bucket_index(b);
    if (r < 0) {
        return r;
    }
    int fd = -1;
    struct s3_meta m = {0};
    r = open_file(b, key, &fd, &m);
    if (r == EMU_ENOENT) {
        size_t i = lower_bound(b, key);
        if (i < b->n_ents && strcmp(b->ents[i]->key, key) == 0 && b->ents[i]->pack < 0) {
            remove_at(b, i);
        }
        return 0;
    }
    if (r < 0) {
        return r;
    }
    close(fd);
    struct s3_entry e = entry_of(&m);
    r = apply(b, key, &e, false);
    s3_meta_done(&m);
    return r;
}

/* Reads the metadata of a pack entry and a descriptor on its pack. */
static int open_packed(struct s3_bucket *b, const struct s3_entry *e, int *ret_fd,
                       struct s3_meta *ret)
{
    struct s3_pack *p = b->packs[e->pack];
    char *json = emu_malloc(e->meta_len);
    if (!json) {
        return EMU_ENOMEM;
    }
    ssize_t n;
    do {
        n = pread(p->fd, json, e->meta_len, (off_t)(e->rec_off + S3_PACK_HDR));
    } while (n < 0 && errno == EINTR);
    struct s3_meta m = {0};
    int r = n < 0 ? -errno : (size_t)n != e->meta_len ? EMU_EIO : 0;
    r = r ? r : s3_meta_decode(json, e->meta_len, &m);
    emu_free(json);
    if (r < 0) {
        return r == EMU_EBADMSG ? EMU_EIO : r;
    }
    int fd = dup(p->fd);
    if (fd < 0) {
        s3_meta_done(&m);
        return -errno;
    }
    m.ver = e->ver;
    m.data_off = e->rec_off + S3_PACK_HDR + e->meta_len;
    *ret_fd = fd;
    *ret = m;
    return 0;
}

int s3_object_open(struct s3_bucket *b, const char *key, int *ret_fd, struct s3_meta *ret_meta)
{
    int r = s3_bucket_index(b);
    if (r < 0) {
        return r;
    }
    const struct s3_entry *e = lookup(b, key);
    if (!e) {
        (void)packs_scan(b, false); /* another process may have written it since */
        e = lookup(b, key);
    }
    if (e && e->pack >= 0) {
        return open_packed(b, e, ret_fd, ret_meta);
    }
    return open_file(b, key, ret_fd, ret_meta); /* also what another process renamed in */
}

int s3_object_delete_prepare(struct s3_bucket *b, const char *key, struct s3_pack **ret_pack,
                             uint64_t *ret_ver)
{
    int r = s3_bucket_index(b);
    if (r < 0) {
        return r;
    }
    *ret_pack = NULL;
    *ret_ver = s3_version_next();
    if (!lookup(b, key)) {
        (void)packs_scan(b, false);
    }
    /* A delete record is what hides a pack record (or an older one behind a file). */
    if (lookup(b, key) && b->n_packs > 0) {
        r = s3_bucket_pack_mine(b, ret_pack);
    }
    return r;
}

int s3_object_delete_disk(struct s3_bucket *b, const char *key, struct s3_pack *pack,
                          uint64_t ver)
{
    char rel[80];
    s3_object_path(key, rel);
    if (unlinkat(b->fd, rel, 0) < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            return -errno;
        }
    }
    else {
        s3__fsync_parent(b->fd, rel, true);
    }
    uint64_t off = 0;
    return pack ? s3_pack_append(pack, S3_PACK_DEL, ver, key, (uint32_t)strlen(key), NULL, 0,
                                 &off)
                : 0;
}

void s3_object_delete_apply(struct s3_bucket *b, const char *key, uint64_t ver)
{
    struct s3_entry e = {.ver = ver, .pack = -1, .dead = true};
    (void)apply(b, key, &e, false);
}

int s3_object_delete(struct s3_bucket *b, const char *key)
{
    struct s3_pack *pack = NULL;
    uint64_t ver = 0;
    int r = s3_object_delete_prepare(b, key, &pack, &ver);
    r = r ? r : s3_object_delete_disk(b, key, pack, ver);
    if (r == 0) {
        s3_object_delete_apply(b, key, ver);
    }
    s3_pack_release(pack);
    return r;
}
