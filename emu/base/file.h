/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reads with a size ceiling, and atomic whole-file writes (temp, fsync, rename). */
#ifndef EMU_BASE_FILE_H
#define EMU_BASE_FILE_H

#include <stddef.h>

/* Reads path ("-" = stdin) into a NUL-terminated heap buffer (free with emu_free).
 * Returns 0, -E2BIG when the input exceeds max bytes, or a negative errno. */
int emu_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len);

/* Writes data to path atomically: a temp file in the same directory, fchmod(mode), fsync,
 * rename. Returns 0 or a negative errno; on failure path is untouched. */
int emu_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

#endif
