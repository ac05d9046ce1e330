/* SPDX-License-Identifier: Apache-2.0 */
/* The on-disk form of a filesystem-buffered chunk (storage.type filesystem): a header naming
 * the tag, then append blocks of events, each with its length, record count and CRC32. Pure
 * encode/decode; decoding recovers a damaged file up to its last whole record. */
#ifndef EMU_ROUTER_CHUNKFILE_H
#define EMU_ROUTER_CHUNKFILE_H

#include <stddef.h>
#include <stdint.h>

struct emu_buf;

#define EMU_CHUNKFILE_MAGIC "EMCK"
#define EMU_CHUNKFILE_VERSION 1
/* Magic (4), version (1), flags (1), tag length (2, big-endian). */
#define EMU_CHUNKFILE_HEAD 8
/* Payload length (4), record count (4), CRC32 of the payload or 0 (4), all big-endian. */
#define EMU_CHUNKFILE_BLOCK_HEAD 12
#define EMU_CHUNKFILE_TAG_MAX 4095
/* Ceiling of one block's payload (the engine's chunk buffer ceiling). */
#define EMU_CHUNKFILE_BLOCK_MAX (64u * 1024u * 1024u)
#define EMU_CHUNKFILE_F_CRC 0x01

/* Appends a file header; 0, -EINVAL (tag too long or empty), -E2BIG or -ENOMEM. */
int emu_chunkfile_put_head(struct emu_buf *b, const char *tag, size_t tag_len, int checksum);
/* Appends one block of n events; 0, -EINVAL (too large), -E2BIG or -ENOMEM. */
int emu_chunkfile_put_block(struct emu_buf *b, const void *events, size_t len, uint32_t n,
                            int checksum);

struct emu_chunkfile {
    const char *tag; /* points into the decoded bytes; not NUL-terminated */
    size_t tag_len;
    int checksum; /* the file was written with storage.checksum on */
    size_t n;     /* events recovered */
    size_t good;  /* bytes of the file that decoded cleanly */
    int damaged;  /* 0, or why decoding stopped early: -EAGAIN truncated, -EBADMSG corrupt */
};

/* Decodes a whole chunk file, appending every recoverable event ([time, record] arrays) to out.
 * Returns 0 (ret->damaged tells whether the tail was lost), -EBADMSG when the header itself is
 * unusable (nothing recoverable), or out's -E2BIG/-ENOMEM. */
int emu_chunkfile_decode(const void *p, size_t len, struct emu_chunkfile *ret, struct emu_buf *out);

#endif
