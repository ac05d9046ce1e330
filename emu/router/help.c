/* SPDX-License-Identifier: Apache-2.0 */
/* -J / --help: the compiled-in plugins and every option (name, type, default, description),
 * generated from the same tables that parse the config, as JSON or as text. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/router/router_internal.h"

static const char *type_name(const struct emu_router_option *o)
{
    static const char *const names[] = {"string", "integer", "boolean", "double",
                                        "size",   "time",    "deprecated"};
    if (o->flags & EMU_ROPT_MULT) {
        return "multiple strings";
    }
    return (unsigned)o->type < 7 ? names[o->type] : "?";
}

static int add_options(cJSON *arr, const struct emu_router_option *t)
{
    for (; t && t->name; t++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            return -ENOMEM;
        }
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddStringToObject(o, "type", type_name(t));
        if (t->def) {
            cJSON_AddStringToObject(o, "default", t->def);
        }
        cJSON_AddStringToObject(o, "description", t->desc ? t->desc : "");
    }
    return 0;
}

static int add_plugin(cJSON *arr, const char *kind, const char *name, const char *desc,
                      const struct emu_router_option *generic, const struct emu_router_option *own)
{
    cJSON *p = cJSON_CreateObject();
    if (!p || !cJSON_AddItemToArray(arr, p)) {
        cJSON_Delete(p);
        return -ENOMEM;
    }
    cJSON_AddStringToObject(p, "type", kind);
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "description", desc);
    cJSON *g = cJSON_AddArrayToObject(p, "generic_options");
    cJSON *o = cJSON_AddArrayToObject(p, "options");
    if (!g || !o || add_options(g, generic) < 0 || add_options(o, own) < 0) {
        return -ENOMEM;
    }
    return 0;
}

static cJSON *build(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *svc = root ? cJSON_AddArrayToObject(root, "service") : NULL;
    cJSON *pl = root ? cJSON_AddArrayToObject(root, "plugins") : NULL;
    int r = svc && pl ? add_options(svc, emu__router_service_options) : -ENOMEM;
    for (size_t i = 0; r == 0 && emu__router_input_plugins[i]; i++) {
        const struct emu_router_input_plugin *p = emu__router_input_plugins[i];
        r = add_plugin(pl, "input", p->name, p->description, emu__router_input_generic,
                       p->options);
    }
    for (size_t i = 0; r == 0 && emu__router_filter_plugins[i]; i++) {
        const struct emu_router_filter_plugin *p = emu__router_filter_plugins[i];
        r = add_plugin(pl, "filter", p->name, p->description, emu__router_filter_generic,
                       p->options);
    }
    for (size_t i = 0; r == 0 && emu__router_output_plugins[i]; i++) {
        const struct emu_router_output_plugin *p = emu__router_output_plugins[i];
        r = add_plugin(pl, "output", p->name, p->description, emu__router_output_generic,
                       p->options);
    }
    if (r < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static int text_options(struct emu_buf *out, const cJSON *opts)
{
    int r = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, opts)
    {
        const cJSON *def = cJSON_GetObjectItem(o, "default");
        r = emu_buf_printf(out, "    %-34s %-10s %s%s%s%s\n",
                           cJSON_GetObjectItem(o, "name")->valuestring,
                           cJSON_GetObjectItem(o, "type")->valuestring,
                           cJSON_GetObjectItem(o, "description")->valuestring,
                           def ? " (default: " : "", def ? def->valuestring : "", def ? ")" : "");
        if (r < 0) {
            break;
        }
    }
    return r;
}

int emu_router_help(struct emu_buf *out, int format_json)
{
    emu_json_init();
    cJSON *root = build();
    int r = 0;
    if (!root) {
        return -ENOMEM;
    }
    if (format_json) {
        r = emu_json_write_pretty(root, out);
        cJSON_Delete(root);
        return r;
    }
    r = emu_buf_puts(out, "[SERVICE]\n");
    if (r == 0) {
        r = text_options(out, cJSON_GetObjectItem(root, "service"));
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(root, "plugins"))
    {
        if (r == 0) {
            r = emu_buf_printf(out, "\n%s %s: %s\n", cJSON_GetObjectItem(p, "type")->valuestring,
                               cJSON_GetObjectItem(p, "name")->valuestring,
                               cJSON_GetObjectItem(p, "description")->valuestring);
        }
        if (r == 0) {
            r = text_options(out, cJSON_GetObjectItem(p, "options"));
        }
    }
    cJSON_Delete(root);
    return r;
}
