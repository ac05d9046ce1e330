/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a task definition from a file for any command, and printing diagnostics the same way
 * everywhere (`file: error: path: message`, or a JSON array). */
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli.h"

int emu_cli_load_taskdef(const char *path, const struct emu_taskdef_overrides *overrides,
                         struct emu_taskdef **ret, struct emu_diags *diags)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_JSON_MAX_INPUT, &data, &len);
    if (r == EMU_E2BIG) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "the file is larger than the %u MB limit for a task definition",
                            EMU_JSON_MAX_INPUT / (1024u * 1024u));
        return r;
    }
    if (r < 0) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "cannot read the file: %s",
                            emu_strerror(r));
        return r;
    }
    r = emu_taskdef_parse(data, len, overrides, ret, diags);
    emu_free(data);
    if (r == EMU_E2BIG) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "the file is larger than the %u MB limit for a task definition",
                            EMU_JSON_MAX_INPUT / (1024u * 1024u));
    }
    else if (r == EMU_ENOMEM) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "out of memory while parsing");
    }
    return r;
}

static void print_json(const struct emu_diags *diags)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < diags->n; i++) {
        const struct emu_diag *d = &diags->items[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            break;
        }
        cJSON_AddStringToObject(o, "severity",
                                d->severity == EMU_DIAG_ERROR ? "error" : "warning");
        cJSON_AddStringToObject(o, "path", d->where);
        cJSON_AddStringToObject(o, "message", d->message);
        cJSON_AddItemToArray(arr, o);
    }
    struct emu_buf out;
    emu_buf_init(&out, 64u * 1024u * 1024u);
    if (arr && emu_json_write_pretty(arr, &out) == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    emu_buf_done(&out);
    cJSON_Delete(arr);
}

void emu_cli_print_diags(const char *file, const struct emu_diags *diags, bool json,
                         bool summary)
{
    emu_json_init();
    if (json) {
        print_json(diags);
    }
    else {
        for (size_t i = 0; i < diags->n; i++) {
            const struct emu_diag *d = &diags->items[i];
            const char *sev = d->severity == EMU_DIAG_ERROR ? "error" : "warning";
            if (d->where[0]) {
                fprintf(stderr, "%s: %s: %s: %s\n", file, sev, d->where, d->message);
            }
            else {
                fprintf(stderr, "%s: %s: %s\n", file, sev, d->message);
            }
        }
        if (diags->dropped) {
            fprintf(stderr, "%s: error: %zu more problems not shown\n", file, diags->dropped);
        }
    }
    if (summary && !json) {
        size_t e = emu_diags_count(diags, EMU_DIAG_ERROR);
        size_t w = emu_diags_count(diags, EMU_DIAG_WARNING);
        fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", file, e, e == 1 ? "" : "s", w,
                w == 1 ? "" : "s");
    }
}
