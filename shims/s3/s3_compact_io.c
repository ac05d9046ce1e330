/* SPDX-License-Identifier: Apache-2.0 */
/* Compaction of pack files, the part on the thread pool: reading the sources, choosing the
 * delete records to keep, writing the output, and the rename and unlinks (see s3_compact.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_compact.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int s3__compact_cmp_keep_off(const void *a, const void *b)
{
    const struct keep *x = a, *y = b;
    if (x->src != y->src) {
        return x->src < y->src ? -1 : 1;
    }
    return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_del_key(const void *a, const void *b)
{
    const struct del *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->ver < y->ver ? -1 : x->ver > y->ver);
}

static int cmp_del_off(const void *a, const void *b)
{
    const struct del *x = a, *y = b;
    if (x->src != y->src) {
        return x->src < y->src ? -1 : 1;
    }
    return x->off < y->off ? -1 : x->off > y->off;
}

void s3__compaction_free(struct s3_compaction *cp)
{
    for (size_t i = 0; i < cp->n_keep; i++) {
        emu_free(cp->keep[i].key);
    }
    for (size_t i = 0; i < cp->n_dels; i++) {
        emu_free(cp->dels[i].key);
    }
    for (size_t i = 0; i < cp->n_others; i++) {
        emu_free(cp->others[i].key);
    }
    emu_free(cp->others);
    emu_free(cp->keep);
    emu_free(cp->dels);
    emu_free(cp->out);
    for (int i = 0; i < cp->n_from; i++) {
        s3_pack_free(cp->in[i]);
    }
    if (cp->packs_fd >= 0) {
        close(cp->packs_fd);
    }
    if (cp->out_fd >= 0) {
        close(cp->out_fd);
    }
    emu_free(cp);
}

/* ---- step 2, on the pool ---- */

int s3__compact_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return 0;
    }
    size_t c = *cap ? *cap * 2 : 64;
    void *a = emu_realloc(*arr, c * size);
    if (!a) {
        return EMU_ENOMEM;
    }
    *arr = a;
    *cap = c;
    return 0;
}

/* Phase 1: the delete records, and the put records no index entry points at (dead, unless
 * the index's version of their key is theirs: the entry then points at another copy of the
 * same record, which may be a pack about to be removed). */
static int on_scan1(void *ud, struct s3_pack *p, uint64_t off, const struct s3_pack_rec *rec,
                    const unsigned char *payload)
{
    (void)p;
    struct s3_compaction *cp = ud;
    if (rec->type == S3_PACK_PUT) {
        struct keep probe = {.src = cp->cur, .off = off};
        if (bsearch(&probe, cp->keep, cp->n_keep, sizeof(probe), s3__compact_cmp_keep_off)) {
            return 0;
        }
        struct s3_meta m = {0};
        if (s3_meta_decode((const char *)payload, rec->meta_len, &m) < 0) {
            return 0; /* the index never took it either */
        }
        int r = s3__compact_grow((void **)&cp->others, &cp->cap_others, cp->n_others, sizeof(probe));
        if (r == 0) {
            cp->others[cp->n_others++] =
                (struct keep){.src = cp->cur, .off = off, .ver = rec->ver, .key = m.key,
                              .bytes = S3_PACK_HDR + rec->meta_len + rec->data_len};
            m.key = NULL;
        }
        s3_meta_done(&m);
        return r;
    }
    int r = s3__compact_grow((void **)&cp->dels, &cp->cap_dels, cp->n_dels, sizeof(*cp->dels));
    if (r < 0) {
        return r;
    }
    char *key = emu_strndup((const char *)payload, rec->meta_len);
    if (!key) {
        return EMU_ENOMEM;
    }
    cp->dels[cp->n_dels++] = (struct del){cp->cur, off, rec->ver, key, true};
    return 0;
}

/* Newest kept put of key, or NULL (bykey: the kept records sorted by key). */
static const struct keep *kept_put(struct keep **bykey, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(bykey[mid]->key, key);
        if (c == 0) {
            return bykey[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return NULL;
}

static int cmp_keep_key(const void *a, const void *b)
{
    return strcmp((*(struct keep *const *)a)->key, (*(struct keep *const *)b)->key);
}

/* Marks the delete records to keep: the last of each key, unless a kept put is newer. */
static int choose_dels(struct s3_compaction *cp)
{
    if (cp->n_dels == 0) {
        return 0;
    }
    struct keep **bykey = emu_malloc((cp->n_keep + 1) * sizeof(*bykey));
    if (!bykey) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < cp->n_keep; i++) {
        bykey[i] = &cp->keep[i];
    }
    qsort(bykey, cp->n_keep, sizeof(*bykey), cmp_keep_key);
    qsort(cp->dels, cp->n_dels, sizeof(*cp->dels), cmp_del_key);
    for (size_t i = 0; i < cp->n_dels; i++) {
        struct del *d = &cp->dels[i];
        bool last = i + 1 == cp->n_dels || strcmp(cp->dels[i + 1].key, d->key) != 0;
        const struct keep *k = kept_put(bykey, cp->n_keep, d->key);
        d->keep = last && !(k && k->ver > d->ver);
    }
    emu_free(bykey);
    qsort(cp->dels, cp->n_dels, sizeof(*cp->dels), cmp_del_off);
    return 0;
}

static int out_flush(struct s3_compaction *cp)
{
    size_t done = 0;
    while (done < cp->out_len) {
        ssize_t n = write(cp->out_fd, cp->out + done, cp->out_len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : EMU_EIO;
        }
        done += (size_t)n;
    }
    cp->out_len = 0;
    return 0;
}

static int on_copy(void *ud, struct s3_pack *p, uint64_t off, const struct s3_pack_rec *rec,
                   const unsigned char *payload)
{
    (void)p;
    struct s3_compaction *cp = ud;
    size_t len = S3_PACK_HDR + rec->meta_len + (size_t)rec->data_len;
    struct keep *k = NULL;
    bool copy = false;
    if (rec->type == S3_PACK_PUT) {
        struct keep probe = {.src = cp->cur, .off = off};
        k = bsearch(&probe, cp->keep, cp->n_keep, sizeof(*k), s3__compact_cmp_keep_off);
        copy = k != NULL;
    }
    else {
        struct del probe = {.src = cp->cur, .off = off};
        const struct del *d =
            cp->n_dels ? bsearch(&probe, cp->dels, cp->n_dels, sizeof(*d), cmp_del_off) : NULL;
        copy = d && d->keep;
        cp->out_tomb += copy ? len : 0;
    }
    if (!copy) {
        return 0;
    }
    if (k) {
        k->new_off = cp->out_size;
        cp->n_copied++;
    }
    if (cp->out_len + len > OUT_BUF) {
        int r = out_flush(cp);
        if (r < 0) {
            return r;
        }
    }
    if (len > OUT_BUF) { /* cannot happen within the ceilings; kept safe anyway */
        return EMU_E2BIG;
    }
    memcpy(cp->out + cp->out_len, payload - S3_PACK_HDR, len);
    cp->out_len += len;
    cp->out_size += len;
    return 0;
}

static int sync_dir(int fd)
{
    return fsync(fd) < 0 ? -errno : 0;
}

/* Reads every source (from its start) through fn; all of each, or -EIO. */
static int scan_all(struct s3_compaction *cp, s3_pack_scan_fn fn)
{
    int r = 0;
    for (cp->cur = 0; r == 0 && cp->cur < cp->n_from; cp->cur++) {
        struct s3_pack *in = cp->in[cp->cur];
        in->scanned = 0;
        r = s3_pack_scan(in, fn, cp);
        r = r ? r : (in->scanned == cp->in_end[cp->cur] ? 0 : EMU_EIO);
    }
    return r;
}

static int compact_io(struct s3_compaction *cp)
{
    if (cp->phase == 1) {
        return scan_all(cp, on_scan1);
    }
    int r = choose_dels(cp);
    if (r < 0) {
        return r;
    }
    cp->out = emu_malloc(OUT_BUF);
    if (!cp->out) {
        return EMU_ENOMEM;
    }
    cp->out_fd = openat(cp->packs_fd, cp->tmp,
                        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (cp->out_fd < 0) {
        return -errno;
    }
    r = flock(cp->out_fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
    r = r ? r : scan_all(cp, on_copy);
    r = r ? r : (cp->n_copied == cp->n_keep ? 0 : EMU_EIO); /* a live record was not found */
    r = r ? r : out_flush(cp);
    r = r ? r : (fdatasync(cp->out_fd) < 0 ? -errno : 0);
    r = r ? r : (renameat2(cp->packs_fd, cp->tmp, cp->packs_fd, cp->name, RENAME_NOREPLACE) < 0
                     ? -errno
                     : 0);
    if (r < 0) {
        (void)unlinkat(cp->packs_fd, cp->tmp, 0);
        return r;
    }
    /* The new name is durable before the old ones go: a crash leaves some or all of them
     * beside it, holding the same records with the same versions. */
    r = sync_dir(cp->packs_fd);
    if (r < 0) {
        (void)unlinkat(cp->packs_fd, cp->name, 0); /* the old packs still hold everything */
        return r;
    }
    for (int i = 0; i < cp->n_from; i++) {
        (void)unlinkat(cp->packs_fd, cp->from[i]->name, 0); /* a failed one: read twice, alike */
    }
    (void)sync_dir(cp->packs_fd);
    return 0;
}

void s3__compact_work(uv_work_t *w)
{
    struct s3_compaction *cp = w->data;
    int64_t t0 = mono_ms();
    cp->result = compact_io(cp);
    cp->ms += mono_ms() - t0;
}

/* ---- steps 1 and 3, on the loop ---- */
