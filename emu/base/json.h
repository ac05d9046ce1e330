/* SPDX-License-Identifier: Apache-2.0 */
/* cJSON glue: the allocator hooks, parsing with a size ceiling and a line:column error, and
 * small typed accessors. */
#ifndef EMU_BASE_JSON_H
#define EMU_BASE_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Largest JSON document any command accepts. */
#define EMU_JSON_MAX_INPUT (10u * 1024u * 1024u)

/* Routes cJSON's allocations through emu_malloc/emu_free. Idempotent. */
void emu_json_init(void);

struct emu_json_error {
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based, in bytes */
    char message[96];
};

/* Parses len bytes. Returns 0 and the tree (free with cJSON_Delete), -E2BIG when len is over
 * EMU_JSON_MAX_INPUT, or -EJSON with ret_err filled in. */
int emu_json_parse(const char *data, size_t len, cJSON **ret_root, struct emu_json_error *ret_err);

/* Name of a JSON value's type as the AWS CLI and users say it: "string", "number", "object". */
const char *emu_json_type_name(const cJSON *item);

/* Serialises item; returns a heap string (free with emu_free) or NULL on OOM. */
char *emu_json_print(const cJSON *item, int pretty);

/* Serialises item with two-space indentation and a final newline, keys in insertion order
 * (the stable, diffable form the CLI prints). Returns 0 or -ENOMEM/-E2BIG; appends to out. */
struct emu_buf;
int emu_json_write_pretty(const cJSON *item, struct emu_buf *out);

/* Appends s as a JSON string literal (quoted, escaped) to out. */
int emu_json_write_string(const char *s, struct emu_buf *out);

#endif
