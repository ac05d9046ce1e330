/* SPDX-License-Identifier: Apache-2.0 */
/* Fluent Bit classic configuration: a pure parser from files to sections of key/value
 * properties, with @INCLUDE (relative, globs), @SET, ${VAR} and file:line errors. */
#ifndef EMU_ROUTER_CONFIG_H
#define EMU_ROUTER_CONFIG_H

#include <stddef.h>

#include "emu/base/arena.h"

struct emu_diags;

enum emu_router_section_kind {
    EMU_RSEC_SERVICE = 0,
    EMU_RSEC_INPUT,
    EMU_RSEC_FILTER,
    EMU_RSEC_OUTPUT,
    EMU_RSEC_PARSER,
    EMU_RSEC_MULTILINE_PARSER,
    _EMU_RSEC_MAX,
};

struct emu_router_prop {
    const char *key;   /* as written */
    const char *value; /* after ${VAR} substitution, trailing blanks trimmed */
    const char *file;
    unsigned line;
};

struct emu_router_section {
    enum emu_router_section_kind kind;
    const char *file; /* where the [HEADER] is */
    unsigned line;
    struct emu_router_prop *props;
    size_t n_props;
    size_t cap_props;
};

/* Limits: a config larger than these is refused (-E2BIG). */
#define EMU_ROUTER_CONF_MAX_FILE (4u * 1024u * 1024u)
#define EMU_ROUTER_CONF_MAX_DEPTH 16
#define EMU_ROUTER_CONF_MAX_SECTIONS 4096
#define EMU_ROUTER_CONF_MAX_PROPS 1024
#define EMU_ROUTER_CONF_MAX_VARS 1024
#define EMU_ROUTER_CONF_MAX_LINE 65536

struct emu_router_config_env {
    const char *const *envp; /* "NAME=value" strings (environ), may be NULL */
    const char *root;        /* prefix for absolute @INCLUDE paths, NULL = none */
    int no_include;          /* refuse @INCLUDE (fuzzing) */
};

struct emu_router_config {
    struct emu_arena arena; /* owns every string */
    struct emu_router_section *sections;
    size_t n_sections;
    size_t cap_sections;
    const char **var_names; /* @SET variables, in order */
    const char **var_values;
    size_t n_vars;
    int inc_depth;
};

/* Parses path (and what it includes). Returns 0 and a config (free with
 * emu_router_config_free), or -ECONFIG/-ENOMEM/-E2BIG with one "file:line: message" in diags. */
int emu_router_config_load(const char *path, const struct emu_router_config_env *env,
                           struct emu_router_config **ret, struct emu_diags *diags);

/* The same over a buffer named name (relative @INCLUDEs resolve against name's directory). */
int emu_router_config_load_buffer(const char *name, const char *data, size_t len,
                                  const struct emu_router_config_env *env,
                                  struct emu_router_config **ret, struct emu_diags *diags);

/* Appends a section built elsewhere (the -i/-o/-p command line). Returns it or NULL (OOM). */
struct emu_router_section *emu_router_config_add_section(struct emu_router_config *cf,
                                                         enum emu_router_section_kind kind,
                                                         const char *file, unsigned line);
int emu_router_config_add_prop(struct emu_router_config *cf, struct emu_router_section *sec,
                               const char *key, const char *value, const char *file,
                               unsigned line);

/* An empty config (for a command line without -c). NULL on OOM. */
struct emu_router_config *emu_router_config_new(void);

/* Frees everything; accepts NULL; returns NULL. */
struct emu_router_config *emu_router_config_free(struct emu_router_config *cf);

/* Last value of key in sec (case-insensitive), or NULL. */
const char *emu_router_section_get(const struct emu_router_section *sec, const char *key);

/* "SERVICE", "INPUT", ... */
const char *emu_router_section_kind_name(enum emu_router_section_kind kind);

#endif
