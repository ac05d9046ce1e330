/* SPDX-License-Identifier: Apache-2.0 */
/* A small zero-copy MessagePack reader and writer for the router's hot path: size a complete
 * object without unpacking it, walk arrays and maps in place, write events, and print JSON. */
#ifndef EMU_ROUTER_MP_H
#define EMU_ROUTER_MP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct emu_buf;

/* Length of the complete object at p, -EAGAIN when len ends inside it, -EBADMSG if invalid. */
ssize_t emu_mp_skip(const void *p, size_t len);

/* A cursor over bytes known to be complete; running off the end is -EBADMSG. */
struct emu_mp {
    const uint8_t *p;
    size_t len;
    size_t off;
};

enum emu_mp_kind {
    EMU_MP_NIL = 0,
    EMU_MP_BOOL,
    EMU_MP_INT,
    EMU_MP_FLOAT,
    EMU_MP_STR,
    EMU_MP_BIN,
    EMU_MP_ARRAY,
    EMU_MP_MAP,
    EMU_MP_EXT,
    EMU_MP_INVALID,
};

/* Kind of the next object (EMU_MP_INVALID at the end or on a bad byte). */
enum emu_mp_kind emu_mp_peek(const struct emu_mp *m);
/* Each returns 0, or -EBADMSG (wrong kind or truncated) without moving the cursor. */
int emu_mp_read_array(struct emu_mp *m, uint32_t *ret_n);
int emu_mp_read_map(struct emu_mp *m, uint32_t *ret_n);
int emu_mp_read_str(struct emu_mp *m, const char **ret_s, uint32_t *ret_len);
int emu_mp_read_strbin(struct emu_mp *m, const char **ret_s, uint32_t *ret_len);
int emu_mp_read_uint(struct emu_mp *m, uint64_t *ret);
/* An event time: integer seconds, float seconds, or EventTime (ext 0, 8 bytes). */
/* sec/nsec as Unix milliseconds, saturated at the int64 range (an event time from the wire
 * can be any 64-bit value; the plain product overflowed). */
int64_t emu_mp_time_ms(int64_t sec, uint32_t nsec);
int emu_mp_read_time(struct emu_mp *m, int64_t *ret_sec, uint32_t *ret_nsec);
/* Skips one object, returning where it starts and its length. */
int emu_mp_next(struct emu_mp *m, const uint8_t **ret_p, size_t *ret_len);

/* Writers; each returns 0, -E2BIG (the buffer's ceiling) or -ENOMEM. */
int emu_mp_put_array(struct emu_buf *b, uint32_t n);
int emu_mp_put_map(struct emu_buf *b, uint32_t n);
int emu_mp_put_str(struct emu_buf *b, const char *s, size_t len);
int emu_mp_put_int(struct emu_buf *b, int64_t v);
int emu_mp_put_double(struct emu_buf *b, double v);
int emu_mp_put_bool(struct emu_buf *b, int v);
int emu_mp_put_nil(struct emu_buf *b);
int emu_mp_put_eventtime(struct emu_buf *b, int64_t sec, uint32_t nsec);
/* [EventTime, <record bytes>]: the router's internal event. */
int emu_mp_put_event(struct emu_buf *b, int64_t sec, uint32_t nsec, const void *rec,
                     size_t rec_len);

/* Reads one internal event [time, record]. Returns 0 or -EBADMSG. */
int emu_mp_read_event(struct emu_mp *m, int64_t *sec, uint32_t *nsec, const uint8_t **rec,
                      size_t *rec_len);

/* Appends the JSON text of one object (Fluent Bit's escaping; bin as string, ext as null).
 * Returns 0, -EBADMSG, -E2BIG or -ENOMEM. */
int emu_mp_to_json(const void *p, size_t len, struct emu_buf *out);
/* Appends the MessagePack form of a cJSON value (numbers without a fraction become integers).
 * Returns 0, -EBADMSG (nesting over 64), -E2BIG or -ENOMEM. */
struct cJSON;
int emu_mp_from_cjson(const struct cJSON *j, struct emu_buf *out);

/* The same with Fluent Bit's human-readable separators ({"k"=>"v", ...}) for stdout. */
int emu_mp_to_text(const void *p, size_t len, struct emu_buf *out);

/* Appends s as a JSON string literal. */
int emu_mp_json_string(struct emu_buf *out, const char *s, size_t len);

#endif
