/* SPDX-License-Identifier: Apache-2.0 */
/* Compaction of pack files: a pack whose dead bytes (overwritten or deleted small objects) pass
 * the threshold is rewritten with only its live records, on the libuv thread pool.
 *
 * DESIGN: three steps, the middle one off the loop.
 * 1. Loop: pick a pack this process holds the flock of (taking it over if nobody does), with
 *    no append in flight (s3_pack.users == 0); stop appending to it (b->mine moves on). Note
 *    the index entries pointing at it: those records are live (offset, key, version).
 * 2. Pool: read the pack; keep the live put records, and the delete records that are the last
 *    record of their key in this pack unless a kept put of the key is newer (a delete must stay
 *    while an older put of the key may sit in another pack or file). Records are copied
 *    byte for byte (same version, same CRC) to packs/.c-<hex>, which is fdatasync'ed, renamed
 *    to <hex>.pack, the directory fsync'ed; only then is the old pack unlinked (directory
 *    fsync'ed again). A crash before the rename leaves the old pack (the .c- file is removed at
 *    the next load); between rename and unlink both hold the same records with equal versions,
 *    so a restart's index is the same whichever it reads; after the unlink only the new one.
 * 3. Loop: entries still pointing at the old record move to the new pack; the old pack's fd is
 *    closed (GETs in flight hold dups) and it stays in b->packs, retired, so pack indexes keep.
 * Another process reading the old pack keeps its fd (the inode lives while open) and finds the
 * new pack by name: equal versions, its entries move over as it scans. */
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
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

#define MAX_SOURCES 8

struct keep {
    int src;
    uint64_t off, new_off, ver, bytes;
    char *key;
};
struct del {
    int src;
    uint64_t off, ver;
    char *key;
    bool keep;
};
struct s3_compaction {
    uv_work_t work;
    struct s3_bucket *b;
    struct s3_pack *from[MAX_SOURCES]; /* the due pack, then the other idle packs of ours */
    struct s3_pack *in[MAX_SOURCES];   /* the worker's own views of them (dup'ed fds) */
    uint64_t in_end[MAX_SOURCES];
    int n_from, cur;
    int packs_fd;
    struct keep *keep; /* sorted by (source, offset) */
    size_t n_keep;
    size_t cap_keep;
    struct keep *others; /* put records no entry points at (phase 1), checked by version */
    size_t n_others, cap_others;
    struct del *dels;
    size_t n_dels, cap_dels;
    int phase;           /* 1: read the sources, 2: write the output */
    uv_loop_t *loop;     /* NULL: synchronous */
    unsigned char *out; /* write buffer */
    size_t out_len;
    int out_fd;
    uint64_t out_size, out_tomb, in_size; /* in_size: all sources */
    size_t n_copied; /* kept records found and copied: all of them, or no switch */
    char tmp[48], name[40];
    int result;
    int64_t ms;
    void (*done)(void *ud);
    void *ud;
};

#define OUT_BUF (S3_PACK_HDR + S3_PACK_MAX_META + S3_PACK_MAX_DATA) /* one record fits */

uint64_t s3_pack_dead(struct s3_pack *p, uint64_t *ret_size)
{
    uint64_t size = p->scanned;
    if (p->mine) {
        pthread_mutex_lock(&p->mu);
        size = p->end;
        pthread_mutex_unlock(&p->mu);
    }
    uint64_t used = p->live + __atomic_load_n(&p->tomb, __ATOMIC_RELAXED);
    if (ret_size) {
        *ret_size = size;
    }
    return size > used ? size - used : 0;
}

bool s3_pack_compact_due(struct s3_bucket *b, struct s3_pack *p)
{
    uint64_t min = s3_store_compact_min(b->st);
    if (p->retired || p->compact_failed || min == UINT64_MAX) {
        return false;
    }
    uint64_t size;
    uint64_t dead = s3_pack_dead(p, &size);
    return dead >= min && dead > size / 2;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_keep_off(const void *a, const void *b)
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

static void compaction_free(struct s3_compaction *cp)
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

static int grow(void **arr, size_t *cap, size_t n, size_t size)
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
        if (bsearch(&probe, cp->keep, cp->n_keep, sizeof(probe), cmp_keep_off)) {
            return 0;
        }
        struct s3_meta m = {0};
        if (s3_meta_decode((const char *)payload, rec->meta_len, &m) < 0) {
            return 0; /* the index never took it either */
        }
        int r = grow((void **)&cp->others, &cp->cap_others, cp->n_others, sizeof(probe));
        if (r == 0) {
            cp->others[cp->n_others++] =
                (struct keep){.src = cp->cur, .off = off, .ver = rec->ver, .key = m.key,
                              .bytes = S3_PACK_HDR + rec->meta_len + rec->data_len};
            m.key = NULL;
        }
        s3_meta_done(&m);
        return r;
    }
    int r = grow((void **)&cp->dels, &cp->cap_dels, cp->n_dels, sizeof(*cp->dels));
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
        k = bsearch(&probe, cp->keep, cp->n_keep, sizeof(*k), cmp_keep_off);
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

static void compact_work(uv_work_t *w)
{
    struct s3_compaction *cp = w->data;
    int64_t t0 = mono_ms();
    cp->result = compact_io(cp);
    cp->ms += mono_ms() - t0;
}

/* ---- steps 1 and 3, on the loop ---- */

/* Which source the entry's pack is, or -1. */
static int source_of(const struct s3_compaction *cp, const int *pi, const struct s3_entry *e)
{
    for (int i = 0; i < cp->n_from; i++) {
        if (e->pack == pi[i]) {
            return i;
        }
    }
    return -1;
}

/* Notes the live records of the sources (the entries pointing at them). */
static int note_live(struct s3_compaction *cp)
{
    struct s3_bucket *b = cp->b;
    int pi[MAX_SOURCES];
    for (int i = 0; i < cp->n_from; i++) {
        pi[i] = s3_index_pack_of(b, cp->from[i]);
    }
    size_t n = 0;
    for (size_t i = 0; i < b->n_ents; i++) {
        n += source_of(cp, pi, b->ents[i]) >= 0;
    }
    cp->keep = emu_calloc(n + 1, sizeof(*cp->keep));
    if (!cp->keep) {
        return EMU_ENOMEM;
    }
    cp->cap_keep = n + 1;
    for (size_t i = 0; i < b->n_ents; i++) {
        const struct s3_entry *e = b->ents[i];
        int src = source_of(cp, pi, e);
        if (src < 0) {
            continue;
        }
        struct keep *k = &cp->keep[cp->n_keep];
        *k = (struct keep){.src = src, .off = e->rec_off, .ver = e->ver,
                           .bytes = S3_PACK_HDR + e->meta_len + e->size};
        if (!(k->key = emu_strdup(e->key))) {
            return EMU_ENOMEM;
        }
        cp->n_keep++;
    }
    qsort(cp->keep, cp->n_keep, sizeof(*cp->keep), cmp_keep_off);
    return 0;
}

static void compact_finish(struct s3_compaction *cp)
{
    struct s3_bucket *b = cp->b;
    struct s3_pack *to = NULL;
    int r = cp->result;
    if (r == 0 && !b->deleted) {
        to = s3_pack_new(cp->name, cp->out_fd);
        r = to ? s3_bucket_packs_add(b, to) : EMU_ENOMEM;
        if (r < 0) {
            s3_pack_free(to); /* closes out_fd; entries keep reading the old packs' fds */
        }
        cp->out_fd = -1;
    }
    if (r < 0 || b->deleted) {
        if (r < 0) {
            cp->from[0]->compact_failed = true;
            emu_log_error("s3: compaction of %s/packs/%s: %s", b->name, cp->from[0]->name,
                          emu_strerror(r));
        }
        return;
    }
    to->mine = true;
    to->end = to->synced = to->scanned = cp->out_size;
    to->tomb = cp->out_tomb;
    int ti = s3_index_pack_of(b, to), pi[MAX_SOURCES];
    for (int i = 0; i < cp->n_from; i++) {
        pi[i] = s3_index_pack_of(b, cp->from[i]);
    }
    for (size_t i = 0; i < cp->n_keep; i++) {
        const struct keep *k = &cp->keep[i];
        struct s3_entry *e = s3_index_lookup(b, k->key);
        if (e && e->pack == pi[k->src] && e->rec_off == k->off) {
            e->pack = ti;
            e->rec_off = k->new_off;
            to->live += k->bytes;
        }
    }
    s3_store_quota_stale(b->st);
    for (int i = 0; i < cp->n_from; i++) {
        struct s3_pack *from = cp->from[i];
        close(from->fd);
        from->fd = -1;
        from->retired = true;
        from->live = 0;
    }
    emu_log_info("s3: compacted %d pack(s) of %s (%llu bytes) into %s (%llu bytes) in %lld ms",
                 cp->n_from, b->name, (unsigned long long)cp->in_size, cp->name,
                 (unsigned long long)cp->out_size, (long long)cp->ms);
}

/* Between the phases, on the loop: a put record no entry points at is kept when the index's
 * version of its key is its own (the entry reads another copy, e.g. a pack another process
 * compacted away, or one this one found by name before it finished). */
static int keep_by_version(struct s3_compaction *cp)
{
    struct s3_bucket *b = cp->b;
    int pi[MAX_SOURCES];
    for (int i = 0; i < cp->n_from; i++) {
        pi[i] = s3_index_pack_of(b, cp->from[i]);
    }
    for (size_t i = 0; i < cp->n_others; i++) {
        struct keep *o = &cp->others[i];
        const struct s3_entry *e = s3_index_lookup(b, o->key);
        if (!e || e->ver != o->ver || source_of(cp, pi, e) >= 0) {
            continue; /* dead, or the copy the entry reads is kept already */
        }
        int r = grow((void **)&cp->keep, &cp->cap_keep, cp->n_keep, sizeof(*o));
        if (r < 0) {
            return r;
        }
        cp->keep[cp->n_keep++] = *o;
        o->key = NULL;
    }
    qsort(cp->keep, cp->n_keep, sizeof(*cp->keep), cmp_keep_off);
    return 0;
}

static void compact_after(uv_work_t *w, int status);

/* Runs the next phase: on the pool with a loop, here without. */
static int compact_queue(struct s3_compaction *cp)
{
    if (!cp->loop) {
        compact_work(&cp->work);
        compact_after(&cp->work, 0);
        return 0;
    }
    return uv_queue_work(cp->loop, &cp->work, compact_work, compact_after);
}

static void compact_after(uv_work_t *w, int status)
{
    struct s3_compaction *cp = w->data;
    if (status < 0) {
        cp->result = EMU_ECANCELED;
    }
    if (cp->phase == 1 && cp->result == 0 && !cp->b->deleted) {
        cp->phase = 2;
        cp->result = keep_by_version(cp);
        if (cp->result == 0 && compact_queue(cp) == 0) {
            return;
        }
        cp->result = cp->result ? cp->result : EMU_ECANCELED;
    }
    compact_finish(cp);
    struct s3_bucket *b = cp->b;
    void (*done)(void *) = cp->done;
    void *ud = cp->ud;
    compaction_free(cp);
    b->compacting = false;
    for (size_t i = 0; i < b->n_packs && !b->deleted; i++) {
        b->compact_due = b->compact_due || s3_pack_compact_due(b, b->packs[i]);
    }
    s3_bucket_unref(b);
    if (done) {
        done(ud);
    }
}

/* Whether p is ours to rewrite now: held (taken over if nobody holds it), no append in
 * flight, not the pack appends go to. */
static bool idle_ours(struct s3_bucket *b, struct s3_pack *p)
{
    if (p->retired || p->compact_failed || p == b->mine || p->users > 0 || s3_pack_broken(p)) {
        return false;
    }
    return p->mine || s3_bucket_take_pack(b, p) == 0;
}

/* The sources of a compaction: the first due pack that can be rewritten now, then every other
 * idle pack of ours (so earlier outputs merge instead of piling up). 0 when none is due now
 * (b->compact_due stays set while a due pack waits for its appends in flight). */
static int pick(struct s3_bucket *b, struct s3_pack **from)
{
    b->compact_due = false;
    int n = 0;
    for (size_t i = 0; i < b->n_packs && n == 0; i++) {
        struct s3_pack *p = b->packs[i];
        if (!s3_pack_compact_due(b, p)) {
            continue;
        }
        if (b->mine == p) {
            b->mine = NULL; /* appends go to another pack from now on */
        }
        if (idle_ours(b, p)) {
            from[n++] = p;
        }
        else if (p->mine && p->users > 0 && !s3_pack_broken(p)) {
            b->compact_due = true; /* tried again when its appends are done */
        }
    }
    for (size_t i = 0; i < b->n_packs && n > 0 && n < MAX_SOURCES; i++) {
        struct s3_pack *p = b->packs[i];
        if (p != from[0] && p->mine && idle_ours(b, p)) {
            from[n++] = p;
        }
    }
    return n;
}

int s3_compact_start(uv_loop_t *loop, struct s3_bucket *b, void (*done)(void *ud), void *ud)
{
    if (b->compacting || b->deleted || !b->loaded) {
        return 1;
    }
    struct s3_pack *from[MAX_SOURCES];
    int n = pick(b, from);
    if (n == 0) {
        return 1;
    }
    struct s3_compaction *cp = emu_calloc(1, sizeof(*cp));
    if (!cp) {
        return EMU_ENOMEM;
    }
    cp->b = b;
    cp->out_fd = -1;
    cp->packs_fd = dup(b->packs_fd);
    cp->done = done;
    cp->ud = ud;
    int r = cp->packs_fd < 0 ? -errno : 0;
    for (int i = 0; r == 0 && i < n; i++) {
        int fd = dup(from[i]->fd);
        cp->in[i] = fd >= 0 ? s3_pack_new(from[i]->name, fd) : NULL;
        if (!cp->in[i]) {
            r = fd < 0 ? -errno : EMU_ENOMEM;
            if (fd >= 0) {
                close(fd);
            }
            break;
        }
        cp->from[i] = from[i];
        cp->in_end[i] = from[i]->end;
        cp->in_size += from[i]->end;
        cp->n_from++;
    }
    r = r ? r : note_live(cp);
    if (r < 0) {
        compaction_free(cp);
        from[0]->compact_failed = true;
        return r;
    }
    unsigned char rnd[8];
    char hex[17];
    (void)emu_random_bytes(rnd, sizeof(rnd));
    shim_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(cp->tmp, sizeof(cp->tmp), ".c-%s", hex);
    snprintf(cp->name, sizeof(cp->name), "%s.pack", hex);
    memcpy(b->compact_out, cp->name, sizeof(cp->name)); /* packs_scan leaves it to us */
    b->compacting = true;
    s3_bucket_ref(b);
    cp->work.data = cp;
    cp->loop = loop;
    cp->phase = 1;
    r = compact_queue(cp);
    if (r < 0) {
        b->compacting = false;
        s3_bucket_unref(b);
        compaction_free(cp);
        return r;
    }
    return 0;
}
