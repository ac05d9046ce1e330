/* SPDX-License-Identifier: Apache-2.0 */
/* cJSON parsing with positions, and allocator hooks. */
#include "emu/base/json.h"

#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

/* Allocations cJSON could not get on this thread: a NULL parse after one is out of memory,
 * not a syntax error at whatever byte cJSON stopped on. */
static _Thread_local unsigned long hook_failures;

static void *hook_malloc(size_t n)
{
    void *p = emu_malloc(n);
    hook_failures += p == NULL;
    return p;
}

void emu_json_init(void)
{
    static int done;
    if (!done) {
        cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = emu_free};
        cJSON_InitHooks(&hooks);
        done = 1;
    }
}

static void locate(const char *data, size_t off, struct emu_json_error *err)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (data[i] == '\n') {
            line++;
            col = 1;
        }
        else {
            col++;
        }
    }
    err->line = line;
    err->column = col;
}

/* True when the input stops inside a string or with brackets still open and no bracket was
 * closed by the wrong kind before that: the document was cut short, and the useful position to
 * report is its end (cJSON points at the start of the last token instead). */
static int is_truncated(const char *data, size_t len)
{
    char stack[256];
    size_t depth = 0, overflow = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            }
            else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
        }
        else if (c == '{' || c == '[') {
            if (depth < sizeof(stack)) {
                stack[depth++] = c;
            }
            else {
                overflow++;
            }
        }
        else if (c == '}' || c == ']') {
            if (overflow) {
                overflow--;
                continue;
            }
            if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[')) {
                return 0;
            }
            depth--;
        }
    }
    return in_string || depth > 0 || overflow > 0;
}

int emu_json_parse(const char *data, size_t len, cJSON **ret_root, struct emu_json_error *ret_err)
{
    emu_json_init();
    if (len > EMU_JSON_MAX_INPUT) {
        return EMU_E2BIG;
    }
    const char *end = NULL;
    unsigned long failures = hook_failures;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    if (!root && hook_failures != failures) {
        ret_err->line = ret_err->column = 0;
        snprintf(ret_err->message, sizeof(ret_err->message), "out of memory");
        return EMU_ENOMEM;
    }
    if (!root) {
        size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
        if (is_truncated(data, len)) {
            off = len;
        }
        locate(data, off, ret_err);
        if (off >= len) {
            snprintf(ret_err->message, sizeof(ret_err->message), "unexpected end of input");
        }
        else {
            unsigned char c = (unsigned char)data[off];
            if (c >= 0x20 && c < 0x7f) {
                snprintf(ret_err->message, sizeof(ret_err->message), "unexpected character '%c'",
                         c);
            }
            else {
                snprintf(ret_err->message, sizeof(ret_err->message),
                         "unexpected byte 0x%02x", c);
            }
        }
        return EMU_EJSON;
    }
    /* Anything but whitespace after the value is an error, as in every strict JSON reader. */
    size_t off = end ? (size_t)(end - data) : len;
    while (off < len && strchr(" \t\r\n", data[off]) && data[off] != '\0') {
        off++;
    }
    if (off < len) {
        cJSON_Delete(root);
        locate(data, off, ret_err);
        snprintf(ret_err->message, sizeof(ret_err->message), "extra data after the JSON value");
        return EMU_EJSON;
    }
    *ret_root = root;
    return 0;
}

const char *emu_json_type_name(const cJSON *item)
{
    if (!item) {
        return "missing";
    }
    switch (item->type & 0xff) {
    case cJSON_False:
    case cJSON_True:
        return "boolean";
    case cJSON_NULL:
        return "null";
    case cJSON_Number:
        return "number";
    case cJSON_String:
        return "string";
    case cJSON_Array:
        return "array";
    case cJSON_Object:
        return "object";
    default:
        return "invalid";
    }
}

char *emu_json_print(const cJSON *item, int pretty)
{
    emu_json_init();
    return pretty ? cJSON_Print(item) : cJSON_PrintUnformatted(item);
}

int emu_json_write_string(const char *s, struct emu_buf *out)
{
    int r = emu_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; r == 0 && *p; p++) {
        switch (*p) {
        case '"':
            r = emu_buf_puts(out, "\\\"");
            break;
        case '\\':
            r = emu_buf_puts(out, "\\\\");
            break;
        case '\n':
            r = emu_buf_puts(out, "\\n");
            break;
        case '\r':
            r = emu_buf_puts(out, "\\r");
            break;
        case '\t':
            r = emu_buf_puts(out, "\\t");
            break;
        default:
            if (*p < 0x20) {
                r = emu_buf_printf(out, "\\u%04x", *p);
            }
            else {
                r = emu_buf_putc(out, (char)*p);
            }
        }
    }
    return r ? r : emu_buf_putc(out, '"');
}

static int write_indent(struct emu_buf *out, int depth)
{
    int r = emu_buf_putc(out, '\n');
    for (int i = 0; r == 0 && i < depth; i++) {
        r = emu_buf_puts(out, "  ");
    }
    return r;
}

static int write_value(const cJSON *item, int depth, struct emu_buf *out)
{
    if (depth > 1000) {
        return EMU_E2BIG;
    }
    int r = 0;
    switch (item->type & 0xff) {
    case cJSON_False:
        return emu_buf_puts(out, "false");
    case cJSON_True:
        return emu_buf_puts(out, "true");
    case cJSON_NULL:
        return emu_buf_puts(out, "null");
    case cJSON_String:
        return emu_json_write_string(item->valuestring ? item->valuestring : "", out);
    case cJSON_Number: {
        double d = item->valuedouble;
        if (d == (double)(long long)d && d < 9007199254740992.0 && d > -9007199254740992.0) {
            return emu_buf_printf(out, "%lld", (long long)d);
        }
        return emu_buf_printf(out, "%.17g", d);
    }
    case cJSON_Array:
    case cJSON_Object: {
        int is_obj = (item->type & 0xff) == cJSON_Object;
        const cJSON *child = item->child;
        r = emu_buf_putc(out, is_obj ? '{' : '[');
        if (r == 0 && !child) {
            return emu_buf_putc(out, is_obj ? '}' : ']');
        }
        for (; r == 0 && child; child = child->next) {
            r = write_indent(out, depth + 1);
            if (r == 0 && is_obj) {
                r = emu_json_write_string(child->string ? child->string : "", out);
                if (r == 0) {
                    r = emu_buf_puts(out, ": ");
                }
            }
            if (r == 0) {
                r = write_value(child, depth + 1, out);
            }
            if (r == 0 && child->next) {
                r = emu_buf_putc(out, ',');
            }
        }
        if (r == 0) {
            r = write_indent(out, depth);
        }
        return r ? r : emu_buf_putc(out, is_obj ? '}' : ']');
    }
    default:
        return EMU_EINVAL;
    }
}

int emu_json_write_pretty(const cJSON *item, struct emu_buf *out)
{
    int r = write_value(item, 0, out);
    return r ? r : emu_buf_putc(out, '\n');
}
