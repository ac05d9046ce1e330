/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer with a hard ceiling: appends past the ceiling fail with -E2BIG, so no
 * input can make the process allocate without bound. */
#ifndef EMU_BASE_BUF_H
#define EMU_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct emu_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* ceiling on len */
};

/* Initialises an empty buffer that may grow to max bytes. Cannot fail. */
void emu_buf_init(struct emu_buf *b, size_t max);

/* Releases the buffer's memory and empties it; it may be reused after. */
void emu_buf_done(struct emu_buf *b);

/* Appends bytes: 0, -E2BIG past the ceiling, -ENOMEM. The buffer is unchanged on failure. */
int emu_buf_append(struct emu_buf *b, const void *data, size_t len);
int emu_buf_puts(struct emu_buf *b, const char *s);
int emu_buf_putc(struct emu_buf *b, char c);
int emu_buf_printf(struct emu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int emu_buf_vprintf(struct emu_buf *b, const char *fmt, va_list ap);

/* Appends code point cp (at most 0x10FFFF; the caller rejects surrogates where its format
 * does) encoded as UTF-8. Returns 0, -EINVAL past 0x10FFFF, -E2BIG or -ENOMEM. */
int emu_buf_put_utf8(struct emu_buf *b, unsigned long cp);

/* Hands the bytes over to the caller (free with emu_free) and empties the buffer. Returns NULL
 * for an empty buffer that never allocated. */
char *emu_buf_steal(struct emu_buf *b);

#endif
