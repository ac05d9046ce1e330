/* SPDX-License-Identifier: Apache-2.0 */
/* Random bytes from the kernel, for task IDs and request IDs. */
#ifndef EMU_BASE_RANDOM_H
#define EMU_BASE_RANDOM_H

#include <stddef.h>

/* Fills buf with len random bytes (getrandom). Returns 0 or a negative errno. */
int emu_random_bytes(void *buf, size_t len);

#endif
