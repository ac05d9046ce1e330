/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the cmocka tests: fixture paths, whole-file reads, and input placed at the
 * end of a guard page so decoders that read one byte too far crash at once. */
#ifndef EMU_TEST_SUPPORT_H
#define EMU_TEST_SUPPORT_H

#include <stddef.h>

/* Absolute path of a file under the source tree (EMU_SOURCE_DIR), in a static buffer. */
const char *emu_test_source_path(const char *relative);

/* Reads a whole file; fails the test if it cannot. Free with emu_free. */
char *emu_test_read_file(const char *path, size_t *ret_len);

/* A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
int emu_test_free_port(void);

/* Copies len bytes so that the last byte sits right before an inaccessible page. Free with
 * emu_test_guard_free. */
void *emu_test_guard_copy(const void *data, size_t len);
void emu_test_guard_free(void *p, size_t len);

#endif
