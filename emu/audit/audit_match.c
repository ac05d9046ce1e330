/* SPDX-License-Identifier: Apache-2.0 */
/* Matching what arrived against what was written, by content and order, without the text: an
 * open-addressing table from line hash to the chain of positions holding that content, a
 * delivered/filtered bit pair per position, and a patience-sorting run of the positions that
 * arrived (the longest in-order subsequence; the rest is "reordered"), one per stream: Docker
 * reads a container's stdout and stderr apart, so only the order within each is kept. */
#include <errno.h>
#include <string.h>

#include "emu/audit/audit.h"
#include "emu/base/mem.h"

#define NONE UINT32_MAX
#define BIT_DELIVERED 1u
#define BIT_FILTERED 2u
#define BIT_STDERR 4u

struct slot {
    uint64_t hash;        /* 0 = empty (hash 0 is mapped to 1) */
    uint32_t last, cursor; /* the content's last position; the next one to match */
};

struct emu_audit_match {
    struct slot *slots;
    size_t cap, used;
    uint32_t *next; /* next position of the same content */
    uint8_t *bits;
    size_t n, cap_pos;
    struct run {
        uint32_t *tails; /* patience piles: smallest last position of a run of each length */
        size_t n_tails, cap_tails;
    } runs[2]; /* stdout, stderr */
    uint64_t arrived_matched, duplicated, unexpected, filtered_delivered;
    uint64_t last_delivered; /* position + 1 of the last delivered line, 0 none */
};

int emu_audit_match_new(struct emu_audit_match **ret)
{
    struct emu_audit_match *m = emu_calloc(1, sizeof(*m));
    if (!m) {
        return -ENOMEM;
    }
    m->cap = 1024;
    m->slots = emu_calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        emu_free(m);
        return -ENOMEM;
    }
    *ret = m;
    return 0;
}

void emu_audit_match_free(struct emu_audit_match *m)
{
    if (!m) {
        return;
    }
    emu_free(m->slots);
    emu_free(m->next);
    emu_free(m->bits);
    emu_free(m->runs[0].tails);
    emu_free(m->runs[1].tails);
    emu_free(m);
}

static struct slot *find(struct slot *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].hash && slots[i].hash != h) {
        i = (i + 1) & (cap - 1);
    }
    return &slots[i];
}

static int grow_table(struct emu_audit_match *m)
{
    size_t cap = m->cap * 2;
    struct slot *s = emu_calloc(cap, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].hash) {
            *find(s, cap, m->slots[i].hash) = m->slots[i];
        }
    }
    emu_free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

static int grow_positions(struct emu_audit_match *m)
{
    size_t cap = m->cap_pos ? m->cap_pos * 2 : 4096;
    uint32_t *next = emu_realloc(m->next, cap * sizeof(*next));
    if (!next) {
        return -ENOMEM;
    }
    m->next = next;
    uint8_t *bits = emu_realloc(m->bits, cap);
    if (!bits) {
        return -ENOMEM;
    }
    m->bits = bits;
    m->cap_pos = cap;
    return 0;
}

int emu_audit_match_written(struct emu_audit_match *m, uint64_t hash, bool filtered)
{
    return emu_audit_match_written_on(m, hash, filtered, 1);
}

int emu_audit_match_written_on(struct emu_audit_match *m, uint64_t hash, bool filtered,
                               int stream)
{
    hash = hash ? hash : 1;
    if (m->n >= NONE - 1) {
        return -E2BIG;
    }
    if (m->n == m->cap_pos && grow_positions(m) < 0) {
        return -ENOMEM;
    }
    if ((m->used + 1) * 4 > m->cap * 3 && grow_table(m) < 0) {
        return -ENOMEM;
    }
    uint32_t pos = (uint32_t)m->n++;
    m->next[pos] = NONE;
    m->bits[pos] = (uint8_t)((filtered ? BIT_FILTERED : 0) | (stream == 2 ? BIT_STDERR : 0));
    struct slot *s = find(m->slots, m->cap, hash);
    if (!s->hash) {
        *s = (struct slot){.hash = hash, .last = pos, .cursor = pos};
        m->used++;
        return 0;
    }
    m->next[s->last] = pos;
    s->last = pos;
    if (s->cursor == NONE) {
        s->cursor = pos;
    }
    return 0;
}

/* Patience sorting: the length of the longest increasing run of positions so far. */
static void run_add(struct run *m, uint32_t pos)
{
    size_t lo = 0, hi = m->n_tails;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->tails[mid] < pos) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    if (lo == m->n_tails) {
        if (m->n_tails == m->cap_tails) {
            size_t cap = m->cap_tails ? m->cap_tails * 2 : 4096;
            uint32_t *t = emu_realloc(m->tails, cap * sizeof(*t));
            if (!t) {
                return; /* out of memory: the reorder count stays a lower bound */
            }
            m->tails = t;
            m->cap_tails = cap;
        }
        m->n_tails++;
    }
    m->tails[lo] = pos;
}

void emu_audit_match_arrived(struct emu_audit_match *m, uint64_t hash)
{
    hash = hash ? hash : 1;
    struct slot *s = find(m->slots, m->cap, hash);
    if (!s->hash) {
        m->unexpected++;
        return;
    }
    if (s->cursor == NONE) {
        m->duplicated++;
        return;
    }
    uint32_t pos = s->cursor;
    s->cursor = m->next[pos];
    m->bits[pos] |= BIT_DELIVERED;
    if (m->bits[pos] & BIT_FILTERED) {
        m->filtered_delivered++;
    }
    m->arrived_matched++;
    if ((uint64_t)pos + 1 > m->last_delivered) {
        m->last_delivered = (uint64_t)pos + 1;
    }
    run_add(&m->runs[(m->bits[pos] & BIT_STDERR) ? 1 : 0], pos);
}

void emu_audit_match_counts(const struct emu_audit_match *m, struct emu_audit_counts *ret)
{
    struct emu_audit_counts c = {0};
    c.written = m->n;
    for (size_t i = 0; i < m->n; i++) {
        uint8_t b = m->bits[i];
        if (b & BIT_FILTERED) {
            c.filtered += !(b & BIT_DELIVERED);
            continue;
        }
        if (b & BIT_DELIVERED) {
            c.delivered++;
        }
        else {
            c.lost++;
            c.tail_lost += i >= m->last_delivered;
        }
    }
    c.expected = c.written - c.filtered;
    c.duplicated = m->duplicated;
    c.unexpected = m->unexpected;
    c.filtered_delivered = m->filtered_delivered;
    c.reordered = m->arrived_matched - m->runs[0].n_tails - m->runs[1].n_tails;
    /* A filtered line that arrived anyway counts as delivered (the rules were not what ran). */
    c.delivered += m->filtered_delivered;
    *ret = c;
}

bool emu_audit_match_lost(const struct emu_audit_match *m, uint64_t pos)
{
    return pos < m->n && (m->bits[pos] & (BIT_DELIVERED | BIT_FILTERED)) == 0;
}
