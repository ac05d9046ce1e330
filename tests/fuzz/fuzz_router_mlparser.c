/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: [MULTILINE_PARSER] sections (rule lines, regexes, flush_timeout) and the state
 * machine. The input is a config text, a line "%%", then log lines: every section that builds
 * becomes a parser, tried with the built-in go, python, java, docker and cri (in that order,
 * the first byte of the line text choosing cri's partial flag) over every line, joining as the
 * filter does. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/router/config.h"
#include "emu/router/mlparser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARSERS_MAX 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const builtin[] = {"go", "python", "java", "docker", "cri"};
    struct emu_router_config_env env = {.no_include = 1};
    struct emu_router_config *cf = NULL;
    struct emu_router_ml_parser ps[PARSERS_MAX + 5];
    const struct emu_router_ml_parser *use[PARSERS_MAX + 5];
    size_t n = 0;
    struct emu_diags diags;
    const char *text = (const char *)data;
    const char *sep = memmem(text, size, "\n%%\n", 4);
    size_t conf_len = sep ? (size_t)(sep - text) + 1 : size;
    const char *lines = sep ? sep + 4 : text + size;
    const char *end = text + size;
    emu_diags_init(&diags);
    if (emu_router_config_load_buffer("fuzz.conf", text, conf_len, &env, &cf, &diags) == 0) {
        for (size_t i = 0; i < cf->n_sections && n < PARSERS_MAX; i++) {
            if (cf->sections[i].kind != EMU_RSEC_MULTILINE_PARSER) {
                continue;
            }
            if (emu_router_ml_parser_init(&ps[n], &cf->sections[i], &diags) == 0) {
                use[n] = &ps[n];
                n++;
            }
            else {
                emu_router_ml_parser_done(&ps[n]);
            }
        }
    }
    for (size_t i = 0; i < 5; i++) {
        if (emu_router_ml_parser_builtin(&ps[n], builtin[i]) == 0) {
            use[n] = &ps[n];
            n++;
        }
        else {
            emu_router_ml_parser_done(&ps[n]);
        }
    }
    struct emu_router_ml_state st = {0};
    struct emu_buf joined;
    emu_buf_init(&joined, 1u << 20);
    while (lines < end) {
        const char *nl = memchr(lines, '\n', (size_t)(end - lines));
        size_t len = nl ? (size_t)(nl - lines) : (size_t)(end - lines);
        const struct emu_router_ml_parser *p = NULL;
        int ends = 0;
        enum emu_router_ml_action a = emu_router_ml_step(use, n, &st, lines, len,
                                                         len > 0 && (lines[0] & 1), &p, &ends);
        if (a != EMU_ML_CONT) {
            joined.len = 0;
        }
        if (a != EMU_ML_ALONE && p && emu_router_ml_join(p, &joined, lines, len) < 0) {
            joined.len = 0;
        }
        if (ends) {
            joined.len = 0;
        }
        lines = nl ? nl + 1 : end;
    }
    emu_buf_done(&joined);
    for (size_t i = 0; i < n; i++) {
        emu_router_ml_parser_done(&ps[i]);
    }
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    return 0;
}
