/* SPDX-License-Identifier: Apache-2.0 */
/* Forward protocol v1 decoder: sizes the outer array without unpacking, then walks it in place;
 * gzip payloads (CompressedPackedForward, possibly several concatenated members) are inflated
 * under a ceiling. No I/O and no allocation except the inflate buffer. */
#include "emu/router/plugins/in_forward/fw_proto.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"

const char *emu_fw_mode_name(enum emu_fw_mode mode)
{
    static const char *const names[] = {"Message", "Forward", "PackedForward",
                                        "CompressedPackedForward"};
    return (unsigned)mode < 4 ? names[mode] : "?";
}

/* One entry [time, record] (or Fluent Bit 2's [[time, metadata], record]). */
static int entry(struct emu_mp *m, struct emu_buf *events)
{
    uint32_t n, hn;
    int64_t sec;
    uint32_t nsec;
    const uint8_t *rec;
    size_t rec_len;
    if (emu_mp_read_array(m, &n) < 0 || n != 2) {
        return -EBADMSG;
    }
    if (emu_mp_peek(m) == EMU_MP_ARRAY) {
        if (emu_mp_read_array(m, &hn) < 0 || hn < 1 || emu_mp_read_time(m, &sec, &nsec) < 0) {
            return -EBADMSG;
        }
        for (uint32_t i = 1; i < hn; i++) {
            if (emu_mp_next(m, NULL, NULL) < 0) {
                return -EBADMSG;
            }
        }
    }
    else if (emu_mp_read_time(m, &sec, &nsec) < 0) {
        return -EBADMSG;
    }
    if (emu_mp_peek(m) != EMU_MP_MAP || emu_mp_next(m, &rec, &rec_len) < 0) {
        return -EBADMSG;
    }
    return emu_mp_put_event(events, sec, nsec, rec, rec_len);
}

/* A stream of entries (PackedForward payload); counts them into msg. */
static int entries_stream(const char *p, size_t len, struct emu_fw_msg *msg,
                          struct emu_buf *events)
{
    struct emu_mp m = {.p = (const uint8_t *)p, .len = len};
    while (m.off < m.len) {
        int r = entry(&m, events);
        if (r < 0) {
            return r;
        }
        msg->n_events++;
    }
    return 0;
}

static void *z_alloc(void *opaque, unsigned items, unsigned size)
{
    (void)opaque;
    return emu_calloc(items, size);
}

static void z_free(void *opaque, void *p)
{
    (void)opaque;
    emu_free(p);
}

/* Inflates gzip data (one or more members) into out, up to out's ceiling. */
static int gunzip(const char *p, size_t len, struct emu_buf *out)
{
    z_stream z;
    char tmp[16384];
    memset(&z, 0, sizeof(z));
    z.zalloc = z_alloc;
    z.zfree = z_free;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)len;
    int r = 0;
    while (r == 0) {
        z.next_out = (Bytef *)tmp;
        z.avail_out = sizeof(tmp);
        int zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
            break;
        }
        r = emu_buf_append(out, tmp, sizeof(tmp) - z.avail_out);
        if (r < 0) {
            break;
        }
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) {
                break;
            }
            if (inflateReset(&z) != Z_OK) {
                r = -EBADMSG;
            }
        }
        else if (z.avail_in == 0 && z.avail_out != 0) {
            r = -EBADMSG; /* truncated member */
        }
    }
    inflateEnd(&z);
    return r;
}

/* The option map: chunk, size, compressed. Unknown keys are ignored, as Fluentd does. */
static int options(struct emu_mp *m, struct emu_fw_msg *msg, int *gzip)
{
    uint32_t n;
    if (emu_mp_read_map(m, &n) < 0) {
        return -EBADMSG;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k, *v;
        uint32_t kl, vl;
        if (emu_mp_read_str(m, &k, &kl) < 0) {
            return -EBADMSG;
        }
        if (kl == 5 && memcmp(k, "chunk", 5) == 0) {
            if (emu_mp_read_strbin(m, &v, &vl) < 0) {
                return -EBADMSG;
            }
            msg->chunk = v;
            msg->chunk_len = vl;
        }
        else if (kl == 4 && memcmp(k, "size", 4) == 0) {
            if (emu_mp_read_uint(m, &msg->size) < 0) {
                return -EBADMSG;
            }
            msg->has_size = 1;
        }
        else if (kl == 10 && memcmp(k, "compressed", 10) == 0) {
            if (emu_mp_read_str(m, &v, &vl) < 0) {
                return -EBADMSG;
            }
            if (vl == 4 && memcmp(v, "gzip", 4) == 0) {
                *gzip = 1;
            }
            else if (!(vl == 4 && memcmp(v, "text", 4) == 0)) {
                return -EBADMSG;
            }
        }
        else if (emu_mp_next(m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
    }
    return 0;
}

static int body(struct emu_mp *m, uint32_t n, const struct emu_fw_limits *lim,
                struct emu_fw_msg *msg, struct emu_buf *events)
{
    const char *tag, *payload = NULL;
    uint32_t tag_len, plen = 0, count = 0;
    int gzip = 0, r;
    const uint8_t *time_p = NULL;
    size_t entries_off = 0;
    if (n < 2 || n > 4 || emu_mp_read_str(m, &tag, &tag_len) < 0) {
        return -EBADMSG;
    }
    msg->tag = tag;
    msg->tag_len = tag_len;
    switch (emu_mp_peek(m)) {
    case EMU_MP_INT:
    case EMU_MP_FLOAT:
    case EMU_MP_EXT:
        msg->mode = EMU_FW_MESSAGE;
        time_p = m->p + m->off;
        if (n < 3 || emu_mp_next(m, NULL, NULL) < 0 || emu_mp_next(m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
        break;
    case EMU_MP_ARRAY:
        msg->mode = EMU_FW_FORWARD;
        entries_off = m->off;
        if (n > 3 || emu_mp_read_array(m, &count) < 0) {
            return -EBADMSG;
        }
        m->off = entries_off;
        if (emu_mp_next(m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
        break;
    case EMU_MP_STR:
    case EMU_MP_BIN:
        msg->mode = EMU_FW_PACKED_FORWARD;
        if (n > 3 || emu_mp_read_strbin(m, &payload, &plen) < 0) {
            return -EBADMSG;
        }
        break;
    default:
        return -EBADMSG;
    }
    if (m->off < m->len && (r = options(m, msg, &gzip)) < 0) {
        return r;
    }
    if (m->off != m->len) {
        return -EBADMSG;
    }
    if (msg->mode == EMU_FW_MESSAGE) {
        struct emu_mp t = {.p = time_p, .len = (size_t)(m->p + m->len - time_p)};
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_time(&t, &sec, &nsec) < 0 || emu_mp_peek(&t) != EMU_MP_MAP ||
            emu_mp_next(&t, &rec, &rec_len) < 0) {
            return -EBADMSG;
        }
        msg->n_events = 1;
        return emu_mp_put_event(events, sec, nsec, rec, rec_len);
    }
    if (msg->mode == EMU_FW_FORWARD) {
        struct emu_mp e = {.p = m->p, .len = m->len, .off = entries_off};
        (void)emu_mp_read_array(&e, &count);
        for (uint32_t i = 0; i < count; i++) {
            if ((r = entry(&e, events)) < 0) {
                return r;
            }
            msg->n_events++;
        }
        return 0;
    }
    if (!gzip) {
        return entries_stream(payload, plen, msg, events);
    }
    msg->mode = EMU_FW_COMPRESSED_PACKED_FORWARD;
    struct emu_buf raw;
    emu_buf_init(&raw, lim->max_inflated);
    r = gunzip(payload, plen, &raw);
    if (r == 0) {
        r = entries_stream(raw.data ? raw.data : "", raw.len, msg, events);
    }
    emu_buf_done(&raw);
    return r;
}

ssize_t emu_fw_decode(const void *buf, size_t len, const struct emu_fw_limits *lim,
                      struct emu_fw_msg *msg, struct emu_buf *events)
{
    const uint8_t *p = buf;
    memset(msg, 0, sizeof(*msg));
    if (len == 0) {
        return -EAGAIN;
    }
    if (!((p[0] >= 0x90 && p[0] <= 0x9f) || p[0] == 0xdc || p[0] == 0xdd)) {
        return -EBADMSG;
    }
    ssize_t n = emu_mp_skip(p, len < lim->max_message ? len : lim->max_message);
    if (n == -EAGAIN) {
        return len >= lim->max_message ? -E2BIG : -EAGAIN;
    }
    if (n < 0) {
        return n;
    }
    struct emu_mp m = {.p = p, .len = (size_t)n};
    uint32_t count;
    size_t save = events->len;
    int r = emu_mp_read_array(&m, &count);
    if (r == 0) {
        r = body(&m, count, lim, msg, events);
    }
    if (r < 0) {
        if (events->data) {
            events->len = save;
            events->data[save] = '\0';
        }
        memset(msg, 0, sizeof(*msg));
        return r == -ENOMEM ? -ENOMEM : r;
    }
    return n;
}

int emu_fw_ack(const char *chunk, size_t chunk_len, struct emu_buf *out)
{
    int r = emu_mp_put_map(out, 1);
    if (r == 0) {
        r = emu_mp_put_str(out, "ack", 3);
    }
    return r < 0 ? r : emu_mp_put_str(out, chunk, chunk_len);
}
