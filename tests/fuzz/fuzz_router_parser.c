/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the json and regex parsers and Time_Format handling. The first byte picks the
 * parser (json with a time key, nginx, syslog-rfc5424, a typed regex) or, with the rest split at
 * the first newline, a Time_Format and a time string. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/router/config.h"
#include "emu/router/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char defs[] =
    "[PARSER]\n    Name j\n    Format json\n    Time_Key time\n"
    "    Time_Format %Y-%m-%dT%H:%M:%S.%L%z\n"
    "[PARSER]\n    Name nginx\n    Format regex\n"
    "    Regex ^(?<remote>[^ ]*) (?<host>[^ ]*) (?<user>[^ ]*) \\[(?<time>[^\\]]*)\\] "
    "\"(?<method>\\S+)(?: +(?<path>[^\\\"]*?)(?: +\\S*)?)?\" (?<code>[^ ]*) (?<size>[^ ]*)"
    "(?: \"(?<referer>[^\\\"]*)\" \"(?<agent>[^\\\"]*)\")?$\n"
    "    Time_Key time\n    Time_Format %d/%b/%Y:%H:%M:%S %z\n"
    "[PARSER]\n    Name syslog\n    Format regex\n"
    "    Regex ^\\<(?<pri>[0-9]{1,5})\\>1 (?<time>[^ ]+) (?<host>[^ ]+) (?<ident>[^ ]+) "
    "(?<pid>[-0-9]+) (?<msgid>[^ ]+) (?<extradata>(\\[(.*)\\]|-)) (?<message>.+)$\n"
    "    Time_Key time\n    Time_Format %Y-%m-%dT%H:%M:%S.%L\n    Time_Keep On\n"
    "[PARSER]\n    Name typed\n    Format regex\n"
    "    Regex (?<a>\\S*) (?<b>\\S*) (?<c>\\S*) (?<d>.*)\n"
    "    Types a:integer b:float c:bool d:hex\n    Skip_Empty_Values Off\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu_router_config_env env = {.no_include = 1};
    struct emu_router_config *cf = NULL;
    struct emu_diags diags;
    if (size < 1) {
        return 0;
    }
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    unsigned pick = data[0] % 5u;
    if (pick == 4) {
        const char *nl = memchr(text, '\n', len);
        char fmt[128];
        int64_t sec;
        uint32_t nsec;
        size_t fl = nl ? (size_t)(nl - text) : 0;
        if (!nl || fl >= sizeof(fmt) || memchr(text, '\0', fl)) {
            return 0;
        }
        memcpy(fmt, text, fl);
        fmt[fl] = '\0';
        (void)emu_router_parse_timestamp(nl + 1, len - fl - 1, fmt, 3600, &sec, &nsec);
        return 0;
    }
    emu_diags_init(&diags);
    if (emu_router_config_load_buffer("defs.conf", defs, strlen(defs), &env, &cf, &diags) == 0 &&
        cf->n_sections == 4) {
        struct emu_router_parser p;
        char err[256];
        if (emu_router_parser_init(&p, &cf->sections[pick], err, sizeof(err)) == 0) {
            struct emu_buf out;
            int has_time;
            int64_t sec;
            uint32_t nsec;
            emu_buf_init(&out, 1u << 22);
            (void)emu_router_parser_do(&p, text, len, &out, &has_time, &sec, &nsec);
            emu_buf_done(&out);
        }
        emu_router_parser_done(&p);
    }
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    return 0;
}
