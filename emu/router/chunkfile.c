/* SPDX-License-Identifier: Apache-2.0 */
/* Chunk file codec (see chunkfile.h and docs/router.md): big-endian fixed-size heads so a file
 * cut anywhere by a crash still decodes up to its last whole event. */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "emu/base/buf.h"
#include "emu/router/chunkfile.h"
#include "emu/router/mp.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t crc_of(const void *p, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef *b = p;
    while (len > 0) {
        uInt step = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, b, step);
        b += step;
        len -= step;
    }
    return (uint32_t)crc;
}

int emu_chunkfile_put_head(struct emu_buf *b, const char *tag, size_t tag_len, int checksum)
{
    uint8_t h[EMU_CHUNKFILE_HEAD];
    if (tag_len == 0 || tag_len > EMU_CHUNKFILE_TAG_MAX) {
        return -EINVAL;
    }
    memcpy(h, EMU_CHUNKFILE_MAGIC, 4);
    h[4] = EMU_CHUNKFILE_VERSION;
    h[5] = checksum ? EMU_CHUNKFILE_F_CRC : 0;
    h[6] = (uint8_t)(tag_len >> 8);
    h[7] = (uint8_t)tag_len;
    size_t old = b->len;
    int rc = emu_buf_append(b, h, sizeof(h));
    if (rc == 0) {
        rc = emu_buf_append(b, tag, tag_len);
        if (rc < 0) {
            b->len = old;
        }
    }
    return rc;
}

int emu_chunkfile_put_block(struct emu_buf *b, const void *events, size_t len, uint32_t n,
                            int checksum)
{
    uint8_t h[EMU_CHUNKFILE_BLOCK_HEAD];
    if (len == 0 || len > EMU_CHUNKFILE_BLOCK_MAX) {
        return -EINVAL;
    }
    put_be32(h, (uint32_t)len);
    put_be32(h + 4, n);
    put_be32(h + 8, checksum ? crc_of(events, len) : 0);
    size_t old = b->len;
    int rc = emu_buf_append(b, h, sizeof(h));
    if (rc == 0) {
        rc = emu_buf_append(b, events, len);
        if (rc < 0) {
            b->len = old;
        }
    }
    return rc;
}

/* Appends the whole events at the start of p[0..len) to out; returns the bytes they take and
 * counts them in *n. Stops at the first incomplete or non-array object. */
static ssize_t take_events(const uint8_t *p, size_t len, struct emu_buf *out, size_t *n, int *rc)
{
    size_t off = 0;
    while (off < len) {
        struct emu_mp m = {p + off, len - off, 0};
        ssize_t sz = emu_mp_skip(p + off, len - off);
        if (sz <= 0 || emu_mp_peek(&m) != EMU_MP_ARRAY) {
            break;
        }
        off += (size_t)sz;
        (*n)++;
    }
    *rc = off > 0 ? emu_buf_append(out, p, off) : 0;
    return (ssize_t)off;
}

int emu_chunkfile_decode(const void *data, size_t len, struct emu_chunkfile *ret,
                         struct emu_buf *out)
{
    const uint8_t *p = data;
    memset(ret, 0, sizeof(*ret));
    if (len < EMU_CHUNKFILE_HEAD || memcmp(p, EMU_CHUNKFILE_MAGIC, 4) != 0 ||
        p[4] != EMU_CHUNKFILE_VERSION || (p[5] & ~EMU_CHUNKFILE_F_CRC) != 0) {
        return -EBADMSG;
    }
    size_t tag_len = ((size_t)p[6] << 8) | p[7];
    if (tag_len == 0 || tag_len > EMU_CHUNKFILE_TAG_MAX || len - EMU_CHUNKFILE_HEAD < tag_len ||
        memchr(p + EMU_CHUNKFILE_HEAD, '\0', tag_len)) {
        return -EBADMSG;
    }
    ret->tag = (const char *)p + EMU_CHUNKFILE_HEAD;
    ret->tag_len = tag_len;
    ret->checksum = (p[5] & EMU_CHUNKFILE_F_CRC) != 0;
    size_t off = EMU_CHUNKFILE_HEAD + tag_len;
    ret->good = off;
    while (off < len) {
        if (len - off < EMU_CHUNKFILE_BLOCK_HEAD) {
            ret->damaged = -EAGAIN;
            return 0;
        }
        uint32_t blen = get_be32(p + off), bn = get_be32(p + off + 4);
        uint32_t bcrc = get_be32(p + off + 8);
        const uint8_t *payload = p + off + EMU_CHUNKFILE_BLOCK_HEAD;
        size_t avail = len - off - EMU_CHUNKFILE_BLOCK_HEAD;
        if (blen == 0 || blen > EMU_CHUNKFILE_BLOCK_MAX) {
            ret->damaged = -EBADMSG;
            return 0;
        }
        int rc = 0;
        if (avail < blen) {
            /* The block a crash cut short: its whole events are kept (no CRC to check). */
            (void)take_events(payload, avail, out, &ret->n, &rc);
            ret->damaged = -EAGAIN;
            return rc;
        }
        if (ret->checksum && crc_of(payload, blen) != bcrc) {
            ret->damaged = -EBADMSG;
            return 0;
        }
        size_t before = ret->n;
        ssize_t used = take_events(payload, blen, out, &ret->n, &rc);
        if (rc < 0) {
            return rc;
        }
        if ((size_t)used != blen || ret->n - before != bn) {
            ret->damaged = -EBADMSG;
            return 0;
        }
        off += EMU_CHUNKFILE_BLOCK_HEAD + blen;
        ret->good = off;
    }
    return 0;
}
