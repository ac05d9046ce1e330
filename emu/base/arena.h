/* SPDX-License-Identifier: Apache-2.0 */
/* A bump allocator for objects that live and die together (a parsed task definition and all
 * its strings): one free releases everything, so parsers cannot leak on error paths. */
#ifndef EMU_BASE_ARENA_H
#define EMU_BASE_ARENA_H

#include <stddef.h>

struct emu_arena_block;

struct emu_arena {
    struct emu_arena_block *head;
    size_t used;  /* bytes handed out, for the ceiling */
    size_t limit; /* 0 = no ceiling */
};

/* Initialises an empty arena that refuses to hand out more than limit bytes (0: no limit). */
void emu_arena_init(struct emu_arena *a, size_t limit);

/* Frees every block; the arena is empty and reusable after. */
void emu_arena_done(struct emu_arena *a);

/* Zeroed, max-aligned memory owned by the arena; NULL on OOM or over the ceiling. */
void *emu_arena_alloc(struct emu_arena *a, size_t size);

/* Arena copies of strings; NULL on failure. */
char *emu_arena_strdup(struct emu_arena *a, const char *s);
char *emu_arena_strndup(struct emu_arena *a, const char *s, size_t n);
char *emu_arena_printf(struct emu_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
