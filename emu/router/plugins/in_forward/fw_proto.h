/* SPDX-License-Identifier: Apache-2.0 */
/* Pure, incremental decoder of the Fluentd Forward protocol v1 (Message, Forward,
 * PackedForward and CompressedPackedForward modes) into the router's internal events. */
#ifndef EMU_ROUTER_FW_PROTO_H
#define EMU_ROUTER_FW_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct emu_buf;

enum emu_fw_mode {
    EMU_FW_MESSAGE = 0,
    EMU_FW_FORWARD,
    EMU_FW_PACKED_FORWARD,
    EMU_FW_COMPRESSED_PACKED_FORWARD,
};

struct emu_fw_limits {
    size_t max_message;  /* a message larger than this is -E2BIG (buffer_max_size) */
    size_t max_inflated; /* ceiling on a CompressedPackedForward payload once inflated */
};

struct emu_fw_msg {
    enum emu_fw_mode mode;
    const char *tag; /* points into the input; not NUL-terminated */
    size_t tag_len;
    const char *chunk; /* option "chunk" (ack requested), or NULL */
    size_t chunk_len;
    uint64_t size; /* option "size", when has_size */
    int has_size;
    size_t n_events;
};

/* Decodes the first message of buf[0..len). On success returns the bytes it used, fills msg
 * and appends its events to events as [EventTime, {record}] (integer and float times become
 * EventTime). Returns -EAGAIN when buf holds only part of a message, -EBADMSG when it is
 * malformed, -E2BIG when it is over a limit or events' ceiling; events is unchanged then. */
ssize_t emu_fw_decode(const void *buf, size_t len, const struct emu_fw_limits *lim,
                      struct emu_fw_msg *msg, struct emu_buf *events);

/* Appends the acknowledgement {"ack": chunk} for a message that carried a chunk option. */
int emu_fw_ack(const char *chunk, size_t chunk_len, struct emu_buf *out);

const char *emu_fw_mode_name(enum emu_fw_mode mode);

#endif
