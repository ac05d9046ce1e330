/* SPDX-License-Identifier: Apache-2.0 */
/* Fluent Bit's [PARSER] definitions: the json and regex formats with Time_Key, Time_Format
 * (strptime plus %L fractions), Time_Keep, Time_Offset and Types. Pure: text in, a MessagePack
 * map and an optional time out; no loop, no files. */
#ifndef EMU_ROUTER_PARSER_H
#define EMU_ROUTER_PARSER_H

#include <oniguruma.h>
#include <stddef.h>
#include <stdint.h>

struct emu_buf;
struct emu_router_section;

enum emu_router_parser_format {
    EMU_PARSER_JSON = 0,
    EMU_PARSER_REGEX,
    EMU_PARSER_UNSUPPORTED, /* logfmt, ltsv: defined, refused by the filters using it */
};

enum emu_router_parser_type {
    EMU_PTYPE_STRING = 0,
    EMU_PTYPE_INTEGER,
    EMU_PTYPE_FLOAT,
    EMU_PTYPE_BOOL,
    EMU_PTYPE_HEX,
};

#define EMU_ROUTER_PARSER_TYPES_MAX 32
#define EMU_ROUTER_PARSER_NAME_MAX 128
/* Longest field a parser reads, and longest time string. */
#define EMU_ROUTER_PARSER_INPUT_MAX (16u * 1024u * 1024u)
#define EMU_ROUTER_PARSER_TIME_MAX 256

struct emu_router_parser {
    const char *name;          /* borrowed from the config */
    const char *format_name;   /* as written */
    enum emu_router_parser_format format;
    OnigRegex re;
    const char *time_key, *time_format, *time_offset;
    int time_keep, time_strict, skip_empty;
    int64_t offset_sec; /* Time_Offset in seconds east of UTC */
    struct {
        char key[EMU_ROUTER_PARSER_NAME_MAX];
        enum emu_router_parser_type type;
    } types[EMU_ROUTER_PARSER_TYPES_MAX];
    size_t n_types;
};

/* Builds a parser from a [PARSER] section. Returns 0, or -EINVAL with a message in err (no
 * Name, bad Regex, bad Types, bad Time_Offset). Release with emu_router_parser_done. */
int emu_router_parser_init(struct emu_router_parser *p, const struct emu_router_section *sec,
                           char *err, size_t err_len);
void emu_router_parser_done(struct emu_router_parser *p);

/* Parses len bytes of text. Returns 0 with a map appended to out (and *ret_has_time set with
 * ret_sec/ret_nsec when Time_Key was found and parsed), -ENOENT when the text does not match
 * (not JSON object / no regex match), -E2BIG or -ENOMEM. */
int emu_router_parser_do(const struct emu_router_parser *p, const char *text, size_t len,
                         struct emu_buf *out, int *ret_has_time, int64_t *ret_sec,
                         uint32_t *ret_nsec);

/* Parses a time string with a Fluent Bit Time_Format (strptime conversions, %L for fractional
 * seconds after %S or %s, %z offsets); offset_sec applies when the format has no %z. Trailing
 * text is ignored, as Fluent Bit does. Returns 0 or -EINVAL. */
int emu_router_parse_timestamp(const char *s, size_t len, const char *fmt, int64_t offset_sec,
                               int64_t *ret_sec, uint32_t *ret_nsec);

/* Parses "+0900", "-05:30", "Z" into seconds east of UTC. Returns 0 or -EINVAL. */
int emu_router_parse_utc_offset(const char *s, int64_t *ret_sec);

#endif
