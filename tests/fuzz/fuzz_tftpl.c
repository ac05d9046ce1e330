/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the templatefile() engine on arbitrary templates. An input holding a line
 * "---" uses the JSON before it as the variables and the rest as the template; otherwise the
 * whole input is the template, rendered with a fixed set of variables. Any crash, leak or output
 * past the ceiling is a bug; the rendered text also goes through the task-definition parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/model/model.h"
#include "emu/tf/tftpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_vars[] =
    "{\"name\":\"nginx\",\"port\":80,\"on\":true,\"l\":[\"a\",1,null,[2]],"
    "\"m\":{\"b\":\"x\",\"a\":{\"c\":[true]}},\"dest\":\"s3\",\"n\":null,\"f\":0.5}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    emu_json_init();
    const char *text = (const char *)data;
    const char *tpl = text;
    size_t tpl_len = size;
    cJSON *vars = NULL;
    const char *sep = NULL;
    for (size_t i = 0; !sep && i + 5 <= size; i++) {
        if (memcmp(text + i, "\n---\n", 5) == 0) {
            sep = text + i;
        }
    }
    struct emu_json_error jerr;
    if (sep) {
        (void)emu_json_parse(text, (size_t)(sep - text), &vars, &jerr);
        tpl = sep + 5;
        tpl_len = size - (size_t)(tpl - text);
    }
    else {
        (void)emu_json_parse(default_vars, sizeof(default_vars) - 1, &vars, &jerr);
    }
    struct emu_buf out;
    emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
    struct emu_tftpl_error err;
    int r = emu_tftpl_render(tpl, tpl_len, vars, &out, &err);
    if (r == 0) {
        if (out.len > EMU_TFTPL_MAX_OUTPUT) {
            abort();
        }
        struct emu_diags diags;
        emu_diags_init(&diags);
        struct emu_taskdef *td = NULL;
        if (emu_taskdef_parse(out.data ? out.data : "", out.len, NULL, &td, &diags) == 0) {
            emu_taskdef_free(td);
        }
        emu_diags_done(&diags);
    }
    else if (r == EMU_EINVAL && (err.line == 0 || err.column == 0 || !err.message[0])) {
        abort(); /* every template error names its position and says why */
    }
    emu_buf_done(&out);
    cJSON_Delete(vars);
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
