/* SPDX-License-Identifier: Apache-2.0 */
/* Record formatting shared by outputs: Fluent Bit's json, json_lines and json_stream shapes with
 * the json_date_key / json_date_format options. */
#ifndef EMU_ROUTER_FORMAT_H
#define EMU_ROUTER_FORMAT_H

#include <stddef.h>
#include <stdint.h>

struct emu_buf;

enum emu_router_json_fmt {
    EMU_JSON_FMT_JSON = 0,  /* one array of records */
    EMU_JSON_FMT_LINES,     /* one record per line */
    EMU_JSON_FMT_STREAM,    /* records back to back */
};

enum emu_router_date_fmt {
    EMU_DATE_DOUBLE = 0,
    EMU_DATE_EPOCH,
    EMU_DATE_EPOCH_MS,
    EMU_DATE_ISO8601,
    EMU_DATE_JAVA_SQL,
};

/* Parses "json", "json_lines", "json_stream"; -EINVAL otherwise. */
int emu_router_json_fmt_parse(const char *s);
/* Parses "double", "epoch", "epoch_ms", "iso8601", "java_sql_timestamp"; -EINVAL otherwise. */
int emu_router_date_fmt_parse(const char *s);

/* Appends the events of a chunk as JSON; date_key NULL or "false" leaves the time out.
 * Returns 0, -EBADMSG, -E2BIG or -ENOMEM. */
int emu_router_format_json(const char *data, size_t len, int fmt, const char *date_key,
                           int date_fmt, struct emu_buf *out);

/* Appends one time value as json_date_format prints it. */
int emu_router_format_date(int64_t sec, uint32_t nsec, int date_fmt, struct emu_buf *out);

#endif
