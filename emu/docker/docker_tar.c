/* SPDX-License-Identifier: Apache-2.0 */
/* A small bounded reader of the tar streams the Engine API's archive endpoint returns (ustar
 * headers as Go's archive/tar writes them, PAX `path`/`linkpath` records, GNU long names).
 * Pure: it walks a buffer and never allocates; fuzzed by tests/fuzz/fuzz_docker_tar.c. */
#include <string.h>

#include "emu/base/err.h"
#include "emu/docker/docker.h"

#define BLOCK 512u

/* Parses an octal numeric field (NUL or space terminated); base-256 values are refused. */
static int octal(const unsigned char *f, size_t n, uint64_t *ret)
{
    uint64_t v = 0;
    size_t i = 0;
    if (n && (f[0] & 0x80)) {
        return EMU_EBADMSG;
    }
    while (i < n && f[i] == ' ') {
        i++;
    }
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3)) {
            return EMU_EBADMSG;
        }
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    if (i < n && f[i] != '\0' && f[i] != ' ') {
        return EMU_EBADMSG;
    }
    *ret = v;
    return 0;
}

static bool all_zero(const unsigned char *b)
{
    for (size_t i = 0; i < BLOCK; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

static int checksum_ok(const unsigned char *h)
{
    uint64_t want;
    if (octal(h + 148, 8, &want) < 0) {
        return EMU_EBADMSG;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < BLOCK; i++) {
        sum += (i >= 148 && i < 156) ? (unsigned char)' ' : h[i];
    }
    return sum == want ? 0 : EMU_EBADMSG;
}

/* Copies a field of at most n bytes (NUL-terminated or full) into out. */
static void field(char *out, size_t out_size, const unsigned char *f, size_t n)
{
    size_t len = 0;
    while (len < n && f[len]) {
        len++;
    }
    len = len < out_size - 1 ? len : out_size - 1;
    memcpy(out, f, len);
    out[len] = '\0';
}

static int set_str(char *out, size_t out_size, const char *s, size_t len)
{
    while (len > 0 && s[len - 1] == '\0') {
        len--;
    }
    if (len >= out_size) {
        return EMU_E2BIG;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* PAX records "<len> <key>=<value>\n": keeps path and linkpath. */
static int pax(const char *p, size_t n, struct emu_docker_tar_entry *e, bool *has_name,
               bool *has_link)
{
    size_t off = 0;
    while (off < n) {
        size_t len = 0, i = off;
        while (i < n && p[i] >= '0' && p[i] <= '9' && len < n) {
            len = len * 10 + (size_t)(p[i] - '0');
            i++;
        }
        if (i >= n || p[i] != ' ' || len == 0 || len > n - off || p[off + len - 1] != '\n') {
            return EMU_EBADMSG;
        }
        const char *kv = p + i + 1;
        const char *end = p + off + len - 1;
        const char *eq = memchr(kv, '=', (size_t)(end - kv));
        if (!eq) {
            return EMU_EBADMSG;
        }
        size_t klen = (size_t)(eq - kv), vlen = (size_t)(end - eq - 1);
        if (klen == 4 && memcmp(kv, "path", 4) == 0) {
            if (set_str(e->name, sizeof(e->name), eq + 1, vlen) < 0) {
                return EMU_E2BIG;
            }
            *has_name = true;
        }
        else if (klen == 8 && memcmp(kv, "linkpath", 8) == 0) {
            if (set_str(e->link, sizeof(e->link), eq + 1, vlen) < 0) {
                return EMU_E2BIG;
            }
            *has_link = true;
        }
        off += len;
    }
    return 0;
}

void emu_docker_tar_init(struct emu_docker_tar_iter *it, const char *data, size_t len)
{
    it->data = data;
    it->len = len;
    it->off = 0;
}

int emu_docker_tar_next(struct emu_docker_tar_iter *it, struct emu_docker_tar_entry *e)
{
    bool has_name = false, has_link = false;
    memset(e, 0, sizeof(*e));
    /* Extension headers (PAX, GNU long names) describe the next real entry; bounded. */
    for (int ext = 0; ext < 8; ext++) {
        if (it->len - it->off < BLOCK) {
            return it->off == it->len ? 0 : EMU_EBADMSG;
        }
        const unsigned char *h = (const unsigned char *)it->data + it->off;
        if (all_zero(h)) {
            return 0; /* end-of-archive marker */
        }
        if (checksum_ok(h) < 0) {
            return EMU_EBADMSG;
        }
        uint64_t size;
        if (octal(h + 124, 12, &size) < 0) {
            return EMU_EBADMSG;
        }
        size_t avail = it->len - it->off - BLOCK;
        if (size > avail) {
            return EMU_EBADMSG;
        }
        uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
        const char *body = it->data + it->off + BLOCK;
        char type = (char)h[156];
        it->off += BLOCK + (size_t)(padded > avail ? avail : padded);
        if (type == 'x' || type == 'g') {
            int r = type == 'x' ? pax(body, (size_t)size, e, &has_name, &has_link) : 0;
            if (r < 0) {
                return r;
            }
            continue;
        }
        if (type == 'L' || type == 'K') {
            char *dst = type == 'L' ? e->name : e->link;
            size_t cap = type == 'L' ? sizeof(e->name) : sizeof(e->link);
            if (set_str(dst, cap, body, (size_t)size) < 0) {
                return EMU_E2BIG;
            }
            has_name = has_name || type == 'L';
            has_link = has_link || type == 'K';
            continue;
        }
        if (!has_name) {
            char name[101], prefix[156];
            field(name, sizeof(name), h, 100);
            bool ustar = memcmp(h + 257, "ustar", 5) == 0;
            field(prefix, sizeof(prefix), h + 345, ustar ? 155 : 0);
            size_t pl = strlen(prefix), nl = strlen(name);
            if (pl + 1 + nl >= sizeof(e->name)) {
                return EMU_E2BIG;
            }
            memcpy(e->name, prefix, pl);
            if (pl) {
                e->name[pl++] = '/';
            }
            memcpy(e->name + pl, name, nl + 1);
        }
        if (!has_link) {
            field(e->link, sizeof(e->link), h + 157, 100);
        }
        e->type = type == '\0' ? '0' : type;
        e->data = body;
        e->size = (size_t)size;
        return 1;
    }
    return EMU_EBADMSG;
}
