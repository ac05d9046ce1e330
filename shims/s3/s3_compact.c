/* SPDX-License-Identifier: Apache-2.0 */
/* Compaction of pack files: a pack whose dead bytes (overwritten or deleted small objects) pass
 * the threshold is rewritten with only its live records, on the libuv thread pool.
 *
 * DESIGN: four steps, two of them off the loop (s3_compact_io.c).
 * 1. Loop: pick a due pack this process holds the flock of (taking it over if nobody does),
 *    with no append in flight (s3_pack.users == 0), plus the other idle packs it holds (so
 *    earlier outputs merge); appends go to another pack from now on (b->mine moves on). Note
 *    the index entries pointing at them: those records are live (offset, key, version).
 * 2. Pool: read the sources: the delete records, and the put records no entry points at.
 * 3. Loop: of those puts, keep the ones whose version is the index's for their key (the entry
 *    reads another copy of the same record, e.g. a pack another process compacted away and
 *    this one still reads through its descriptor: that copy may be about to go).
 * 4. Pool: keep the delete records that are the newest record of their key in the sources,
 *    unless a kept put of the key is newer (a delete must stay while an older put of the key
 *    may sit in another pack or file). Records are copied byte for byte (same version, same
 *    CRC) to packs/.c-<hex>, fdatasync'ed, renamed to <hex>.pack, the directory fsync'ed;
 *    only then are the sources unlinked (directory fsync'ed again). A crash before the rename
 *    leaves the sources (the .c- file is removed at the next load); after it, sources and
 *    output hold the same records with equal versions, so a restart's index is the same
 *    whichever it reads; after the unlinks only the output.
 * Then on the loop, entries still pointing at a copied record move to the output; the sources'
 * fds are closed (GETs in flight hold dups) and they stay in b->packs, retired, so pack
 * indexes keep. Another process reading a source keeps its fd (the inode lives while open) and
 * finds the output by name: equal versions, its entries move over as it scans. */
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
#include "shims/s3/s3_compact.h"

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
    qsort(cp->keep, cp->n_keep, sizeof(*cp->keep), s3__compact_cmp_keep_off);
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
        int r = s3__compact_grow((void **)&cp->keep, &cp->cap_keep, cp->n_keep, sizeof(*o));
        if (r < 0) {
            return r;
        }
        cp->keep[cp->n_keep++] = *o;
        o->key = NULL;
    }
    qsort(cp->keep, cp->n_keep, sizeof(*cp->keep), s3__compact_cmp_keep_off);
    return 0;
}

static void compact_after(uv_work_t *w, int status);

/* Runs the next phase: on the pool with a loop, here without. */
static int compact_queue(struct s3_compaction *cp)
{
    if (!cp->loop) {
        s3__compact_work(&cp->work);
        compact_after(&cp->work, 0);
        return 0;
    }
    return uv_queue_work(cp->loop, &cp->work, s3__compact_work, compact_after);
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
    s3__compaction_free(cp);
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
        s3__compaction_free(cp);
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
        s3__compaction_free(cp);
        return r;
    }
    return 0;
}
